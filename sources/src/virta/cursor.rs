//! The event layer under the VIRTA parser: open elements and their path, text and attribute
//! values, skipping, positions and errors. `parse.rs` walks the schema on top of it.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

use super::parse::{LUKU_NS, SOAP_ENV_NS, VIRTA_NS};
use super::records::{Decimal, Pvm, Quirk};
use crate::error::{Error, ErrorKind, Result};

/// No VIRTA document nests deeper than about 10 levels; this bounds hostile input.
const MAX_DEPTH: usize = 32;

/// Which namespace an element is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ns {
    Soap,
    Luku,
    Virta,
    Other,
    None,
}

/// An element whose start tag has just been read; its frame is on the stack until `close`.
pub(super) struct El<'i> {
    pub(super) ns: Ns,
    /// The namespace URI when `ns` is `Other`, for the error message.
    other_ns: Option<String>,
    /// Local name (without prefix).
    pub(super) name: &'i str,
    start: BytesStart<'i>,
    /// Byte offset of the `<`.
    pub(super) offset: usize,
}

/// One open element, for the error path.
struct Frame<'i> {
    name: &'i str,
    /// 1-based position among same-named siblings, for elements that repeat.
    index: Option<u32>,
    /// How many repeatable children of each name were seen so far.
    counts: Vec<(&'i str, u32)>,
    /// Its end tag has been read (it stays open until `close`), so recovery must not skip on.
    ended: bool,
}

pub(super) struct Parser<'i> {
    reader: NsReader<&'i [u8]>,
    pub(super) src: &'i str,
    origin: &'i str,
    stack: Vec<Frame<'i>>,
    /// (offset, line) of the last line lookup: offsets only grow, so counting resumes there.
    line_memo: (usize, u32),
    /// Identity codes seen in this document, redacted from errors whatever their form.
    pub(super) hetus: Vec<String>,
    /// The namespace the data elements are in: VIRTA's, or none for a bare `Virta` or
    /// `Opintosuoritukset` that declares none (read with a quirk, issue 17).
    pub(super) data_ns: Ns,
    /// Quirks met since the current `Opiskelija` began, moved onto it when it ends.
    pub(super) quirks: Vec<Quirk>,
    /// The data came in an older interface version's namespace.
    pub(super) older_version: bool,
}

/// The data namespaces of VIRTA's interface versions before 1.06, still seen in answers that
/// other national services keep (1.05 `2013/01/29`, and `2013/09/01`).
pub(super) const OLDER_VIRTA_NS: [&str; 2] = [
    "urn:mace:funet.fi:virta/2013/01/29",
    "urn:mace:funet.fi:virta/2013/09/01",
];

impl<'i> Parser<'i> {
    pub(super) fn new(src: &'i str, origin: &'i str) -> Self {
        let mut reader = NsReader::from_str(src);
        let config = reader.config_mut();
        // `<a/>` arrives as start + end, so empty sections need no special case.
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.trim_text(false);
        Parser {
            reader,
            src,
            origin,
            stack: Vec::new(),
            line_memo: (0, 1),
            hetus: Vec::new(),
            data_ns: Ns::Virta,
            quirks: Vec::new(),
            older_version: false,
        }
    }

    // ---- simple values: read the text, check it while the element is still open, close -----

    /// Any text, trimmed; may be empty.
    pub(super) fn string(&mut self) -> Result<String> {
        let text = self.text_content()?.into_owned();
        self.close();
        Ok(text)
    }

    /// Optional text: empty means absent.
    pub(super) fn opt_string(&mut self) -> Result<Option<String>> {
        let text = self.string()?;
        Ok((!text.is_empty()).then_some(text))
    }

    /// A required code (`Myontaja`, `Laji`, ...): an empty one would key records by nothing.
    pub(super) fn code(&mut self, el: &El<'i>) -> Result<String> {
        let text = self.text_content()?;
        if text.is_empty() {
            return Err(self.invalid(el, "a non-empty code", &text));
        }
        self.close();
        Ok(text.into_owned())
    }

    pub(super) fn pvm(&mut self, el: &El<'i>) -> Result<Pvm> {
        let text = self.text_content()?;
        let Some(value) = Pvm::parse(&text) else {
            return Err(self.invalid(el, "a date like 2014-11-28", &text));
        };
        self.close();
        Ok(value)
    }

    pub(super) fn decimal(&mut self, el: &El<'i>) -> Result<Decimal> {
        let text = self.text_content()?;
        let Some(value) = Decimal::parse(&text) else {
            return Err(self.invalid(el, "a decimal like 5 or 7.5", &text));
        };
        self.close();
        Ok(value)
    }

    /// virta.md §2.9: booleans come as both `0/1` and `true/false`.
    pub(super) fn boolean(&mut self, el: &El<'i>) -> Result<bool> {
        let text = self.text_content()?;
        let value = match &*text {
            "1" | "true" => true,
            "0" | "false" => false,
            _ => return Err(self.invalid(el, "a boolean (0, 1, true or false)", &text)),
        };
        self.close();
        Ok(value)
    }

    pub(super) fn short(&mut self, el: &El<'i>) -> Result<i16> {
        let text = self.text_content()?;
        let Ok(value) = text.parse::<i16>() else {
            return Err(self.invalid(el, "a whole number", &text));
        };
        self.close();
        Ok(value)
    }

    /// "expected …, found `text`" at the open element `el`.
    pub(super) fn invalid(&self, el: &El<'i>, expected: &'static str, found: &str) -> Error {
        let kind = ErrorKind::Invalid {
            expected,
            found: found.to_owned(),
        };
        self.fail(kind, el.offset)
    }

    // ---- attributes --------------------------------------------------------------------------

    /// An unqualified attribute (virta.md §2.3: attributes carry no namespace).
    pub(super) fn attr(&self, el: &El<'i>, name: &str) -> Result<Option<String>> {
        for attr in el.start.attributes() {
            let attr = attr.map_err(|e| self.xml_fail(&e, el.offset))?;
            if attr.key.as_ref() == name {
                let value = attr
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| self.xml_fail(&e, el.offset))?;
                return Ok(Some(value.trim().to_owned()));
            }
        }
        Ok(None)
    }

    pub(super) fn required_attr(&self, el: &El<'i>, name: &'static str) -> Result<String> {
        match self.attr(el, name)? {
            Some(value) => Ok(value),
            None => {
                let kind = ErrorKind::Missing {
                    what: "attribute",
                    name,
                };
                Err(self.fail_with(kind, el.offset, &["/@", name]))
            }
        }
    }

    /// virta.md §2.9: empty optional attributes occur (`opiskeluoikeusAvain=""`); they refer to
    /// nothing, so they become `None`.
    pub(super) fn opt_attr(&self, el: &El<'i>, name: &str) -> Result<Option<String>> {
        Ok(self.attr(el, name)?.filter(|v| !v.is_empty()))
    }

    // ---- required and repeated children ------------------------------------------------------

    /// Call after reading `el`'s children, before closing it.
    pub(super) fn required<T>(
        &self,
        value: Option<T>,
        el: &El<'i>,
        name: &'static str,
    ) -> Result<T> {
        value.ok_or_else(|| {
            let kind = ErrorKind::Missing {
                what: "element",
                name,
            };
            self.fail_with(kind, el.offset, &["/", name])
        })
    }

    pub(super) fn at_least_one<T>(
        &self,
        values: Vec<T>,
        el: &El<'i>,
        name: &'static str,
    ) -> Result<Vec<T>> {
        if values.is_empty() {
            let kind = ErrorKind::Missing {
                what: "element",
                name,
            };
            return Err(self.fail_with(kind, el.offset, &["/", name]));
        }
        Ok(values)
    }

    /// Call while `child` is open, before reading it.
    pub(super) fn once<T>(
        &self,
        slot: &Option<T>,
        child: &El<'i>,
        name: &'static str,
    ) -> Result<()> {
        match slot {
            Some(_) => Err(self.fail(ErrorKind::Duplicate { element: name }, child.offset)),
            None => Ok(()),
        }
    }

    // ---- the event layer ---------------------------------------------------------------------

    /// Reads up to the next child element of the open element and opens it; `None` at the open
    /// element's end tag (which stays open until [`Parser::close`]). Text, comments and
    /// processing instructions between elements are ignored.
    pub(super) fn next_child(&mut self) -> Result<Option<El<'i>>> {
        loop {
            let offset = self.position();
            let read = self.reader.read_resolved_event();
            let (resolved, event) = match read {
                Ok(pair) => pair,
                Err(e) => return Err(self.xml_fail(&e, self.error_position())),
            };
            let (ns, other_ns) = match resolved {
                ResolveResult::Bound(ns) => match ns.as_ref() {
                    SOAP_ENV_NS => (Ns::Soap, None),
                    LUKU_NS => (Ns::Luku, None),
                    VIRTA_NS => (Ns::Virta, None),
                    // Interface versions 1.05 and earlier (virta.md §2.1): the same elements,
                    // but for `Myontaja` (read by both forms); counted as a quirk.
                    ns if OLDER_VIRTA_NS.contains(&ns) => {
                        self.older_version = true;
                        (Ns::Virta, None)
                    }
                    other => (Ns::Other, Some(other.to_owned())),
                },
                ResolveResult::Unbound => (Ns::None, None),
                ResolveResult::Unknown(prefix) => {
                    let kind = ErrorKind::Xml {
                        message: format!("undeclared namespace prefix `{prefix}`"),
                    };
                    return Err(self.fail(kind, offset));
                }
            };
            match event {
                Event::Start(start) => {
                    let (name, offset) = self.open(&start, offset)?;
                    return Ok(Some(El {
                        ns,
                        other_ns,
                        name,
                        start,
                        offset,
                    }));
                }
                Event::End(_) => {
                    self.mark_ended();
                    return Ok(None);
                }
                Event::Eof if self.stack.is_empty() => return Ok(None),
                Event::Eof => return Err(self.unexpected_eof()),
                // Cannot happen with `expand_empty_elements`; refuse rather than lose the end tag.
                Event::Empty(_) => {
                    let kind = ErrorKind::Xml {
                        message: "unexpected empty-element tag".to_owned(),
                    };
                    return Err(self.fail(kind, offset));
                }
                _ => {}
            }
        }
    }

    /// Pushes the frame of an element just started; returns its local name and `<` offset.
    pub(super) fn open(
        &mut self,
        start: &BytesStart<'i>,
        offset: usize,
    ) -> Result<(&'i str, usize)> {
        // The name is sliced from the input, not copied: the start tag begins at the first `<`.
        let lt = self
            .src
            .get(offset..)
            .and_then(|rest| rest.find('<'))
            .map_or(offset, |i| offset + i);
        let qname_len = start.name().as_ref().len();
        let qname = self.src.get(lt + 1..lt + 1 + qname_len).unwrap_or("?");
        let name = qname.rsplit(':').next().unwrap_or(qname);
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.fail(ErrorKind::TooDeep { limit: MAX_DEPTH }, lt));
        }
        let index = if repeats(name) {
            self.stack.last_mut().map(|parent| {
                match parent.counts.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, count)) => {
                        *count += 1;
                        *count
                    }
                    None => {
                        parent.counts.push((name, 1));
                        1
                    }
                }
            })
        } else {
            None
        };
        self.stack.push(Frame {
            name,
            index,
            counts: Vec::new(),
            ended: false,
        });
        Ok((name, lt))
    }

    /// Closes the innermost open element (after its end tag was read).
    pub(super) fn close(&mut self) {
        self.stack.pop();
    }

    fn mark_ended(&mut self) {
        if let Some(frame) = self.stack.last_mut() {
            frame.ended = true;
        }
    }

    /// How many elements are open.
    pub(super) fn depth(&self) -> usize {
        self.stack.len()
    }

    /// After a record failed to read: skips and closes every element opened since `depth`
    /// elements were open, so that reading goes on after the record (record-level isolation,
    /// issue 17). Fails only when the XML itself is broken.
    pub(super) fn recover(&mut self, depth: usize) -> Result<()> {
        while self.stack.len() > depth {
            if self.stack.last().is_some_and(|f| f.ended) {
                self.close();
            } else {
                self.skip()?;
            }
        }
        Ok(())
    }

    /// Skips the rest of the open element, subtree and all, and closes it.
    pub(super) fn skip(&mut self) -> Result<()> {
        let mut depth = 0usize;
        loop {
            let offset = self.position();
            match self.reader.read_event() {
                Ok(Event::Start(_)) => {
                    depth += 1;
                    if self.stack.len() + depth > MAX_DEPTH {
                        return Err(self.fail(ErrorKind::TooDeep { limit: MAX_DEPTH }, offset));
                    }
                }
                Ok(Event::End(_)) if depth == 0 => {
                    self.close();
                    return Ok(());
                }
                Ok(Event::End(_)) => depth -= 1,
                Ok(Event::Eof) => return Err(self.unexpected_eof()),
                Ok(_) => {}
                Err(e) => return Err(self.xml_fail(&e, self.error_position())),
            }
        }
    }

    /// Skips an element we do not read, but refuses a known VIRTA element in another namespace:
    /// reading past it would lose data silently (DESIGN.md: the yaserde lesson).
    pub(super) fn skip_unknown(&mut self, el: &El<'i>) -> Result<()> {
        if el.ns != self.data_ns && is_virta_element(el.name) {
            return Err(self.wrong_ns(el, VIRTA_NS));
        }
        self.skip()
    }

    /// The text of the open element up to its end tag, trimmed; entity and character references
    /// resolved, nested elements skipped. The element stays open.
    pub(super) fn text_content(&mut self) -> Result<Cow<'i, str>> {
        let mut text: Cow<'i, str> = Cow::Borrowed("");
        let mut depth = 0usize;
        loop {
            let offset = self.position();
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => return Err(self.xml_fail(&e, self.error_position())),
            };
            match event {
                Event::Text(t) if depth == 0 => append(&mut text, t.xml10_content()),
                Event::CData(t) if depth == 0 => append(&mut text, t.xml10_content()),
                Event::GeneralRef(r) if depth == 0 => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(ch)) => Some(Cow::Owned(ch.to_string())),
                        Ok(None) => {
                            let name = r.xml10_content();
                            quick_xml::escape::resolve_predefined_entity(&name).map(Cow::Borrowed)
                        }
                        Err(e) => return Err(self.xml_fail(&e, offset)),
                    };
                    match resolved {
                        Some(s) => append(&mut text, s),
                        None => {
                            let kind = ErrorKind::Xml {
                                message: "unknown entity reference".to_owned(),
                            };
                            return Err(self.fail(kind, offset));
                        }
                    }
                }
                Event::Start(_) => {
                    depth += 1;
                    if self.stack.len() + depth > MAX_DEPTH {
                        return Err(self.fail(ErrorKind::TooDeep { limit: MAX_DEPTH }, offset));
                    }
                }
                Event::End(_) if depth == 0 => break,
                Event::End(_) => depth -= 1,
                Event::Eof => return Err(self.unexpected_eof()),
                _ => {}
            }
        }
        self.mark_ended();
        Ok(match text {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s),
            Cow::Owned(s) => Cow::Owned(s.trim().to_owned()),
        })
    }

    // ---- positions and errors ----------------------------------------------------------------

    pub(super) fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    pub(super) fn error_position(&self) -> usize {
        usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX)
    }

    /// Line of `offset`, counted on from the last lookup (records are met in document order).
    pub(super) fn line_of(&mut self, offset: usize) -> u32 {
        let (from, base) = if offset >= self.line_memo.0 {
            self.line_memo
        } else {
            (0, 1)
        };
        let newlines = self
            .src
            .as_bytes()
            .get(from..offset)
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
        let line = base.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.line_memo = (offset, line);
        line
    }

    pub(super) fn path(&self) -> String {
        let mut path = String::new();
        for frame in &self.stack {
            path.push('/');
            path.push_str(frame.name);
            if let Some(i) = frame.index {
                path.push_str(&format!("[{i}]"));
            }
        }
        path
    }

    pub(super) fn fail(&self, kind: ErrorKind, offset: usize) -> Error {
        self.fail_with(kind, offset, &[])
    }

    /// An error at `offset` whose path is the open elements' path plus `extra`.
    pub(super) fn fail_with(&self, kind: ErrorKind, offset: usize, extra: &[&str]) -> Error {
        let mut path = self.path();
        path.extend(extra.iter().copied());
        let (line, column) = position(self.src, offset);
        Error::new_redacting(kind, self.origin, path, line, column, &self.hetus)
    }

    pub(super) fn xml_fail(&self, e: &dyn std::fmt::Display, offset: usize) -> Error {
        let kind = ErrorKind::Xml {
            message: e.to_string(),
        };
        self.fail(kind, offset)
    }

    pub(super) fn unexpected_eof(&self) -> Error {
        let kind = ErrorKind::Xml {
            message: "unexpected end of document (truncated?)".to_owned(),
        };
        self.fail(kind, self.src.len())
    }

    pub(super) fn wrong_ns(&self, el: &El<'i>, expected: &'static str) -> Error {
        let kind = ErrorKind::Namespace {
            element: el.name.to_owned(),
            expected,
            found: match el.ns {
                Ns::Soap => SOAP_ENV_NS.to_owned(),
                Ns::Luku => LUKU_NS.to_owned(),
                Ns::Virta => VIRTA_NS.to_owned(),
                Ns::Other => el.other_ns.clone().unwrap_or_default(),
                Ns::None => String::new(),
            },
        };
        self.fail(kind, el.offset)
    }
}

fn append<'i>(text: &mut Cow<'i, str>, more: Cow<'i, str>) {
    if text.is_empty() {
        *text = more;
    } else {
        text.to_mut().push_str(&more);
    }
}

/// 1-based line and character column of a byte offset.
pub(super) fn position(src: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.bytes().filter(|&c| c == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// Elements that may repeat among their siblings get an index in error paths.
fn repeats(name: &str) -> bool {
    matches!(
        name,
        "Opiskelija"
            | "Opintosuoritus"
            | "Opiskeluoikeus"
            | "Organisaatio"
            | "Nimi"
            | "Koulutusala"
            | "Sisaltyvyys"
            | "Patevyys"
            | "Luokittelu"
            | "JulkinenLisatieto"
            | "AsteikkoArvosana"
            | "Kansalaisuus"
            | "Tila"
            | "Jakso"
            | "Ensisijaisuus"
            | "Liittyvyys"
            | "Lukukausikertyma"
            | "LukuvuosiMaksu"
            | "LukukausiIlmoittautuminen"
            | "Liikkuvuusjakso"
    )
}

/// Names of the VIRTA data elements this parser reads.
fn is_virta_element(name: &str) -> bool {
    repeats(name)
        || matches!(
            name,
            "Virta"
                | "Opiskeluoikeudet"
                | "Opintosuoritukset"
                | "LukukausiIlmoittautumiset"
                | "Liikkuvuusjaksot"
                | "Henkilotunnus"
                | "KansallinenOppijanumero"
                | "Sukunimi"
                | "Etunimet"
                | "Sukupuoli"
                | "Aidinkieli"
                | "Asuinkunta"
                | "KirjoihintuloPvm"
                | "SuoritusPvm"
                | "Laajuus"
                | "Opintopiste"
                | "Opintoviikko"
                | "Arvosana"
                | "Viisiportainen"
                | "ToinenKotimainen"
                | "Hyvaksytty"
                | "Naytetyo"
                | "Tutkielma"
                | "EiKaytossa"
                | "Muu"
                | "Asteikko"
                | "Koodi"
                | "LaskennallinenArvo"
                | "Myontaja"
                | "Rooli"
                | "Osuus"
                | "Laji"
                | "Kieli"
                | "Koulutuskoodi"
                | "HyvaksilukuPvm"
                | "TKILaajuus"
                | "TKILaajuusHarjoittelu"
                | "TKILaajuusMuu"
                | "OpetusharjoitteluTyyppi"
                | "Opinnaytetyo"
                | "Hankkeistettu"
                | "AlkuPvm"
                | "LoppuPvm"
                | "Tyyppi"
                | "Koulutuskunta"
                | "Koulutuskieli"
                | "Rahoituslahde"
                | "Erikoistumiskoulutus"
                | "SiirtoOpiskelija"
                | "SiirtoPvm"
                | "IlmoittautuminenTila"
                | "Maara"
                | "Summa"
                | "Jotpaasianumero"
        )
}
