//! A pull cursor over namespaced XML: element sequences checked against XSD-like slot tables,
//! text content, and verbatim capture of foreign content. Every error carries line, column
//! and the element path.

use std::borrow::Cow;
use std::collections::BTreeMap;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use crate::error::{Error, Location, Result, ValueError};
use crate::redact::for_message;

/// The ELMO namespace, the same for every ELMO version (elmo.md §1).
pub(crate) const ELMO_NS: &str = "https://github.com/emrex-eu/elmo-schemas/tree/v1";
/// XML-DSig, for `ds:Signature`.
pub(crate) const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The EWP address types used by `learner/currentAddress`.
pub(crate) const ADDRESS_NS: &str =
    "https://github.com/erasmus-without-paper/ewp-specs-types-address/tree/stable-v1";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Deepest element nesting accepted, so hostile input cannot exhaust the stack.
pub(crate) const MAX_DEPTH: usize = 64;

/// The namespace an expected element must be in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Ns {
    Elmo,
    Dsig,
    Address,
}

impl Ns {
    fn uri(self) -> &'static str {
        match self {
            Ns::Elmo => ELMO_NS,
            Ns::Dsig => DSIG_NS,
            Ns::Address => ADDRESS_NS,
        }
    }
}

/// One `xs:element` of an `xs:sequence`: name, namespace and cardinality.
pub(crate) struct Slot {
    pub ns: Ns,
    pub name: &'static str,
    pub min: u32,
    pub max: u32,
}

/// Unbounded `maxOccurs`.
pub(crate) const N: u32 = u32::MAX;

/// An ELMO-namespace slot.
pub(crate) const fn slot(name: &'static str, min: u32, max: u32) -> Slot {
    Slot {
        ns: Ns::Elmo,
        name,
        min,
        max,
    }
}

/// Progress through one element's sequence of children.
pub(crate) struct Seq {
    slots: &'static [Slot],
    at: usize,
    counts: Vec<u32>,
}

impl Seq {
    pub(crate) fn new(slots: &'static [Slot]) -> Seq {
        Seq {
            slots,
            at: 0,
            counts: vec![0; slots.len()],
        }
    }
}

/// An attribute of an opened element (namespace declarations excluded).
pub(crate) struct Attr {
    ns: Option<String>,
    local: String,
    qname: String,
    value: String,
}

/// An element the cursor has just entered.
pub(crate) struct Open {
    /// Local name.
    pub local: String,
    qname: String,
    pos: usize,
    empty: bool,
    attrs: Vec<Attr>,
    /// Prefixes this start tag declares (`None` = default namespace).
    decls: Vec<Option<String>>,
}

impl Open {
    /// The value of an unqualified attribute.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_none() && a.local == name)
            .map(|a| a.value.as_str())
    }

    /// Byte offset of the start tag.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// The `xml:lang` attribute.
    pub(crate) fn lang(&self) -> Option<String> {
        self.attrs
            .iter()
            .find(|a| a.ns.as_deref() == Some(XML_NS) && a.local == "lang")
            .map(|a| a.value.clone())
    }
}

/// The top level of an `Extension`: elements (namespace, local name) and whether text is there.
#[derive(Debug, Default)]
pub(crate) struct Outline {
    pub elements: Vec<(Option<String>, String)>,
    pub text: bool,
}

/// What may stand at the top level of captured content.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Capture {
    /// `extension`: elements in a foreign, non-empty namespace only (elmo.md §8 rule 13).
    Foreign,
    /// DS `introduction` (no type, so any content) or a fragment given to `Extension::from_xml`.
    Any,
}

/// A namespaced XML pull parser over a UTF-8 string, with the path of open elements.
pub(crate) struct Cursor<'a> {
    src: &'a str,
    xml: NsReader<&'a [u8]>,
    path: Vec<String>,
    /// The element just entered was `<x/>`: its content is already over.
    pending_empty: bool,
}

/// An event with the namespace of its element already resolved.
enum Ev<'a> {
    Start(BytesStart<'a>, Option<String>),
    Empty(BytesStart<'a>, Option<String>),
    End,
    Text(Cow<'a, str>),
    Char(char),
    Skip,
    Eof,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(src: &'a str) -> Cursor<'a> {
        let mut xml = NsReader::from_str(src);
        let config = xml.config_mut();
        config.trim_text(false);
        config.check_comments = true;
        config.check_end_names = true;
        Cursor {
            src,
            xml,
            path: Vec::new(),
            pending_empty: false,
        }
    }

    /// Where the byte offset `pos` is, with the current element path.
    pub(crate) fn location(&self, pos: usize) -> Location {
        let before = &self.src[..pos.min(self.src.len())];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        let path = if self.path.is_empty() {
            "/".to_owned()
        } else {
            format!("/{}", self.path.join("/"))
        };
        Location { line, column, path }
    }

    fn position(&self) -> usize {
        usize::try_from(self.xml.buffer_position()).unwrap_or(usize::MAX)
    }

    pub(crate) fn structure(&self, pos: usize, message: impl Into<String>) -> Error {
        Error::Structure {
            at: self.location(pos),
            message: message.into(),
        }
    }

    pub(crate) fn value_error(&self, open: &Open, source: ValueError) -> Error {
        Error::Value {
            at: self.location(open.pos),
            source,
        }
    }

    fn syntax(&self, pos: usize, message: impl Into<String>) -> Error {
        Error::Syntax {
            at: self.location(pos),
            message: message.into(),
        }
    }

    /// Reads the next event; returns it with the offset where it starts.
    fn next(&mut self) -> Result<(usize, Ev<'a>)> {
        let pos = self.position();
        let (ns, event) = match self.xml.read_resolved_event() {
            Ok((ns, event)) => (resolved(ns), event),
            Err(e) => {
                let at = usize::try_from(self.xml.error_position()).unwrap_or(pos);
                return Err(self.syntax(at, e.to_string()));
            }
        };
        let ev = match event {
            Event::Start(tag) => Ev::Start(tag, ns.map_err(|p| self.syntax(pos, undeclared(&p)))?),
            Event::Empty(tag) => Ev::Empty(tag, ns.map_err(|p| self.syntax(pos, undeclared(&p)))?),
            Event::End(_) => Ev::End,
            Event::Text(text) => Ev::Text(text.xml10_content()),
            Event::CData(text) => Ev::Text(text.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) if is_xml_char(c) => Some(c),
                    Ok(Some(_)) | Err(_) => None,
                    Ok(None) => predefined_entity(&reference),
                };
                match resolved {
                    Some(c) => Ev::Char(c),
                    None => {
                        let name = for_message(&reference);
                        return Err(self.syntax(
                            pos,
                            format!("unknown entity or invalid character reference `&{name};`"),
                        ));
                    }
                }
            }
            Event::Comment(_) | Event::PI(_) => Ev::Skip,
            Event::Decl(decl) => {
                if pos != 0 {
                    return Err(
                        self.syntax(pos, "an XML declaration may only stand at the very start")
                    );
                }
                if let Some(Ok(encoding)) = decl.encoding()
                    && !encoding.eq_ignore_ascii_case("utf-8")
                {
                    return Err(self.syntax(
                        pos,
                        format!("encoding {encoding:?} is not supported; expected UTF-8"),
                    ));
                }
                Ev::Skip
            }
            Event::DocType(_) => {
                // Entity declarations could expand without bound ("billion laughs"); ELMO needs none.
                return Err(self.syntax(pos, "DOCTYPE is not allowed in ELMO"));
            }
            Event::Eof => Ev::Eof,
        };
        Ok((pos, ev))
    }

    fn open(&mut self, pos: usize, tag: &BytesStart<'a>, empty: bool) -> Result<Open> {
        let qname = tag.name().0.to_owned();
        let local = tag.local_name().as_ref().to_owned();
        let mut attrs = Vec::new();
        let mut decls = Vec::new();
        for attr in tag.attributes() {
            let attr = attr.map_err(|e| self.syntax(pos, e.to_string()))?;
            if let Some(binding) = attr.key.as_namespace_binding() {
                decls.push(match binding {
                    quick_xml::name::PrefixDeclaration::Default => None,
                    quick_xml::name::PrefixDeclaration::Named(p) => Some(p.to_owned()),
                });
                continue;
            }
            let (ns, attr_local) = self.xml.resolver().resolve_attribute(attr.key);
            let ns = resolved(ns).map_err(|p| self.syntax(pos, undeclared(&p)))?;
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| self.syntax(pos, e.to_string()))?
                .into_owned();
            attrs.push(Attr {
                ns,
                local: attr_local.as_ref().to_owned(),
                qname: attr.key.0.to_owned(),
                value,
            });
        }
        Ok(Open {
            local,
            qname,
            pos,
            empty,
            attrs,
            decls,
        })
    }

    /// Opens the document element; it must be `elmo` in the ELMO namespace.
    pub(crate) fn root(&mut self) -> Result<Open> {
        loop {
            let (pos, ev) = self.next()?;
            let (tag, ns, empty) = match ev {
                Ev::Start(tag, ns) => (tag, ns, false),
                Ev::Empty(tag, ns) => (tag, ns, true),
                Ev::Text(t) if is_blank(&t) => continue,
                Ev::Skip => continue,
                Ev::Eof => {
                    return Err(
                        self.syntax(pos, "the document is empty; expected an `elmo` element")
                    );
                }
                _ => {
                    return Err(self.syntax(
                        pos,
                        "content before the document element; expected `<elmo>`",
                    ));
                }
            };
            let open = self.open(pos, &tag, empty)?;
            self.path.push(open.local.clone());
            if open.local != "elmo" || ns.as_deref() != Some(ELMO_NS) {
                return Err(self.structure(
                    pos,
                    format!(
                        "the document element is `{}` in namespace {}; expected `elmo` in {ELMO_NS}",
                        open.qname,
                        show_ns(ns.as_deref())
                    ),
                ));
            }
            self.pending_empty = open.empty;
            return Ok(open);
        }
    }

    /// Opens the wrapper element of a fragment (any name, no checks).
    pub(crate) fn fragment_root(&mut self) -> Result<Open> {
        let (pos, ev) = self.next()?;
        let (tag, empty) = match ev {
            Ev::Start(tag, _) => (tag, false),
            Ev::Empty(tag, _) => (tag, true),
            _ => return Err(self.syntax(pos, "expected an element")),
        };
        let open = self.open(pos, &tag, empty)?;
        self.path.push(open.local.clone());
        self.pending_empty = open.empty;
        Ok(open)
    }

    /// The top level of a wrapped fragment: each element's namespace and local name, and
    /// whether non-blank text stands there.
    pub(crate) fn outline(&mut self) -> Result<Outline> {
        self.fragment_root()?;
        let mut outline = Outline::default();
        if std::mem::take(&mut self.pending_empty) {
            return Ok(outline);
        }
        let mut depth = 0usize;
        loop {
            let (pos, ev) = self.next()?;
            match ev {
                Ev::Start(tag, ns) if depth == 0 => {
                    outline
                        .elements
                        .push((ns, tag.local_name().as_ref().to_owned()));
                    depth += 1;
                }
                Ev::Empty(tag, ns) if depth == 0 => outline
                    .elements
                    .push((ns, tag.local_name().as_ref().to_owned())),
                Ev::Start(..) => depth += 1,
                Ev::Empty(..) => {}
                Ev::End if depth == 0 => return Ok(outline),
                Ev::End => depth -= 1,
                Ev::Text(t) if depth == 0 && !is_blank(&t) => outline.text = true,
                Ev::Char(_) if depth == 0 => outline.text = true,
                Ev::Text(_) | Ev::Char(_) | Ev::Skip => {}
                Ev::Eof => return Err(self.syntax(pos, "unexpected end of the fragment")),
            }
        }
    }

    /// After the document element: only comments, PIs and whitespace may follow.
    pub(crate) fn finish(&mut self) -> Result<()> {
        loop {
            let (pos, ev) = self.next()?;
            match ev {
                Ev::Eof => return Ok(()),
                Ev::Skip => {}
                Ev::Text(t) if is_blank(&t) => {}
                _ => return Err(self.syntax(pos, "content after the end of the document element")),
            }
        }
    }

    fn current_name(&self) -> &str {
        self.path
            .last()
            .map_or("", |step| step.split('[').next().unwrap_or(step))
    }

    /// The next child element of the current element, checked against `seq`; `None` at the
    /// parent's end tag, after checking that no required child is missing. The caller reads
    /// the child's content and then calls [`Cursor::leave`].
    pub(crate) fn next_child(&mut self, seq: &mut Seq) -> Result<Option<Open>> {
        loop {
            let (pos, ev) = if std::mem::take(&mut self.pending_empty) {
                (self.position(), Ev::End)
            } else {
                self.next()?
            };
            let (tag, ns, empty) = match ev {
                Ev::Start(tag, ns) => (tag, ns, false),
                Ev::Empty(tag, ns) => (tag, ns, true),
                Ev::End => {
                    self.check_missing(seq, seq.slots.len(), pos, None)?;
                    return Ok(None);
                }
                Ev::Text(t) if is_blank(&t) => continue,
                Ev::Skip => continue,
                Ev::Text(_) | Ev::Char(_) => {
                    let parent = self.current_name().to_owned();
                    return Err(self.structure(
                        pos,
                        format!(
                            "unexpected text inside `{parent}`; expected {}",
                            expected_list(seq)
                        ),
                    ));
                }
                Ev::Eof => return Err(self.syntax(pos, "unexpected end of the document")),
            };
            let open = self.open(pos, &tag, empty)?;
            self.enter(seq, &open, ns.as_deref())?;
            self.pending_empty = open.empty;
            return Ok(Some(open));
        }
    }

    /// Checks a child against the parent's sequence and pushes it onto the path.
    fn enter(&mut self, seq: &mut Seq, open: &Open, ns: Option<&str>) -> Result<()> {
        let parent = self.current_name().to_owned();
        let found = seq
            .slots
            .iter()
            .position(|s| s.name == open.local && Some(s.ns.uri()) == ns);
        let Some(index) = found else {
            let same_name = seq.slots.iter().find(|s| s.name == open.local);
            let message = match same_name {
                Some(slot) => format!(
                    "element `{}` is in namespace {}, but `{}` inside `{parent}` belongs to {}",
                    open.qname,
                    show_ns(ns),
                    slot.name,
                    slot.ns.uri()
                ),
                None if ns == Some(ELMO_NS) => format!(
                    "unexpected element `{}` inside `{parent}`; expected {}",
                    open.qname,
                    expected_list(seq)
                ),
                None => format!(
                    "element `{}` in namespace {} is not allowed inside `{parent}` (foreign content belongs in `extension`); expected {}",
                    open.qname,
                    show_ns(ns),
                    expected_list(seq)
                ),
            };
            return Err(self.structure(open.pos, message));
        };
        if index < seq.at {
            let later = seq.slots[seq.at].name;
            return Err(self.structure(
                open.pos,
                format!("`{}` is out of order inside `{parent}`: it must come before `{later}` (XSD sequence)", open.local),
            ));
        }
        self.check_missing(seq, index, open.pos, Some(&open.local))?;
        seq.at = index;
        seq.counts[index] += 1;
        let slot = &seq.slots[index];
        if seq.counts[index] > slot.max {
            return Err(self.structure(
                open.pos,
                format!(
                    "too many `{}` inside `{parent}`: at most {} allowed",
                    open.local, slot.max
                ),
            ));
        }
        if self.path.len() >= MAX_DEPTH {
            return Err(self.structure(
                open.pos,
                format!("elements nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let step = if slot.max > 1 {
            format!("{}[{}]", open.local, seq.counts[index])
        } else {
            open.local.clone()
        };
        self.path.push(step);
        Ok(())
    }

    /// Errors when a required slot before `until` has not been seen.
    fn check_missing(&self, seq: &Seq, until: usize, pos: usize, next: Option<&str>) -> Result<()> {
        for i in seq.at..until {
            let slot = &seq.slots[i];
            if seq.counts[i] < slot.min {
                let parent = self.current_name();
                let context = match next {
                    Some(next) => format!(" before `{next}`"),
                    None => String::new(),
                };
                return Err(self.structure(
                    pos,
                    format!(
                        "`{parent}` is missing the required element `{}`{context}",
                        slot.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Leaves the current element (after its content was read).
    pub(crate) fn leave(&mut self) {
        self.path.pop();
    }

    /// Errors on attributes other than the `allowed` unqualified ones (plus `xml:lang` when
    /// `lang` is true). `xsi:` attributes are ignored; namespace declarations are not attributes.
    pub(crate) fn check_attrs(&self, open: &Open, allowed: &[&str], lang: bool) -> Result<()> {
        for attr in &open.attrs {
            let ok = match attr.ns.as_deref() {
                None => allowed.contains(&attr.local.as_str()),
                Some(XML_NS) => lang && attr.local == "lang",
                Some(XSI_NS) => true,
                Some(_) => false,
            };
            if !ok {
                let mut expected: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
                if lang {
                    expected.push("`xml:lang`".to_owned());
                }
                let expected = if expected.is_empty() {
                    "no attributes".to_owned()
                } else {
                    expected.join(", ")
                };
                return Err(self.structure(
                    open.pos,
                    format!(
                        "unexpected attribute `{}` on `{}`; expected {expected}",
                        attr.qname, open.local
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A required unqualified attribute.
    pub(crate) fn required_attr(&self, open: &Open, name: &str) -> Result<String> {
        open.attr(name).map(str::to_owned).ok_or_else(|| {
            self.structure(
                open.pos,
                format!(
                    "`{}` is missing the required attribute `{name}`",
                    open.local
                ),
            )
        })
    }

    /// The text content of the current element, up to its end tag. Child elements are errors.
    pub(crate) fn text(&mut self) -> Result<String> {
        let mut out = String::new();
        if std::mem::take(&mut self.pending_empty) {
            return Ok(out);
        }
        loop {
            let (pos, ev) = self.next()?;
            match ev {
                Ev::Text(t) => out.push_str(&t),
                Ev::Char(c) => out.push(c),
                Ev::Skip => {}
                Ev::End => return Ok(out),
                Ev::Start(tag, _) | Ev::Empty(tag, _) => {
                    let name = tag.name().0.to_owned();
                    let parent = self.current_name().to_owned();
                    return Err(self.structure(
                        pos,
                        format!(
                            "unexpected element `{name}` inside `{parent}`; expected text only"
                        ),
                    ));
                }
                Ev::Eof => return Err(self.syntax(pos, "unexpected end of the document")),
            }
        }
    }

    /// Text content parsed with `FromStr` after trimming (XSD whitespace `collapse` for
    /// dates, decimals and enumerations).
    pub(crate) fn parsed<T>(&mut self, open: &Open) -> Result<T>
    where
        T: std::str::FromStr<Err = Error>,
    {
        let text = self.text()?;
        text.trim().parse::<T>().map_err(|e| match e {
            Error::InvalidValue(v) => self.value_error(open, v),
            other => other,
        })
    }

    /// An element that must have no content (only attributes).
    pub(crate) fn expect_empty(&mut self) -> Result<()> {
        if std::mem::take(&mut self.pending_empty) {
            return Ok(());
        }
        loop {
            let (pos, ev) = self.next()?;
            match ev {
                Ev::End => return Ok(()),
                Ev::Skip => {}
                Ev::Text(t) if is_blank(&t) => {}
                _ => {
                    let parent = self.current_name().to_owned();
                    return Err(
                        self.structure(pos, format!("`{parent}` must be empty (attributes only)"))
                    );
                }
            }
        }
    }

    /// The content of the current element, verbatim, as self-contained XML: namespace
    /// declarations from outside that the content relies on are added to its top-level
    /// elements. With `whole`, the element's own tags are included (for `ds:Signature`).
    pub(crate) fn capture(&mut self, open: &Open, whole: bool, rule: Capture) -> Result<String> {
        self.capture_inner(open, whole, rule, false)
    }

    /// Like [`Cursor::capture`], but the content must already be self-contained: used to check
    /// a fragment handed to `Extension::from_xml`.
    pub(crate) fn capture_standalone(&mut self, open: &Open) -> Result<String> {
        self.capture_inner(open, false, Capture::Any, true)
    }

    fn capture_inner(
        &mut self,
        open: &Open,
        whole: bool,
        rule: Capture,
        standalone: bool,
    ) -> Result<String> {
        // Declarations made inside the fragment, innermost last.
        let mut scopes: Vec<Vec<Option<String>>> = Vec::new();
        // Insertion offset of each top-level start tag → declarations to add there.
        let mut needed: BTreeMap<usize, BTreeMap<Option<String>, String>> = BTreeMap::new();
        let mut top = 0;
        let start;
        let end;
        if whole {
            start = open.pos;
            top = open.pos + 1 + open.qname.len();
            scopes.push(open.decls.clone());
            self.need(
                &scopes,
                &mut needed,
                top,
                open.pos,
                &open.qname,
                open.attrs.iter().map(|a| a.qname.as_str()),
                standalone,
            )?;
            if std::mem::take(&mut self.pending_empty) {
                return Ok(splice(&self.src[start..self.position()], start, &needed));
            }
        } else {
            start = self.position();
            if std::mem::take(&mut self.pending_empty) {
                return Ok(String::new());
            }
        }
        let mut depth = 0usize;
        loop {
            let (pos, ev) = self.next()?;
            match ev {
                Ev::Start(tag, ns) => self.capture_tag(
                    &tag,
                    ns,
                    false,
                    pos,
                    &mut depth,
                    &mut top,
                    &mut scopes,
                    &mut needed,
                    whole,
                    rule,
                    standalone,
                )?,
                Ev::Empty(tag, ns) => self.capture_tag(
                    &tag,
                    ns,
                    true,
                    pos,
                    &mut depth,
                    &mut top,
                    &mut scopes,
                    &mut needed,
                    whole,
                    rule,
                    standalone,
                )?,
                Ev::End => {
                    if depth == 0 {
                        // The end tag of the element whose content we captured.
                        end = if whole { self.position() } else { pos };
                        break;
                    }
                    depth -= 1;
                    scopes.pop();
                }
                Ev::Text(t) => {
                    if depth == 0 && rule == Capture::Foreign && !is_blank(&t) {
                        return Err(self.structure(pos, "text may not stand directly inside `extension`; expected elements in a foreign namespace"));
                    }
                }
                Ev::Char(_) => {
                    if depth == 0 && rule == Capture::Foreign {
                        return Err(self.structure(pos, "text may not stand directly inside `extension`; expected elements in a foreign namespace"));
                    }
                }
                Ev::Skip => {}
                Ev::Eof => return Err(self.syntax(pos, "unexpected end of the document")),
            }
        }
        Ok(splice(&self.src[start..end], start, &needed))
    }

    /// One start tag inside captured content: checks it and records the declarations it needs.
    #[allow(clippy::too_many_arguments)]
    fn capture_tag(
        &mut self,
        tag: &BytesStart<'a>,
        ns: Option<String>,
        is_empty: bool,
        pos: usize,
        depth: &mut usize,
        top: &mut usize,
        scopes: &mut Vec<Vec<Option<String>>>,
        needed: &mut BTreeMap<usize, BTreeMap<Option<String>, String>>,
        whole: bool,
        rule: Capture,
        standalone: bool,
    ) -> Result<()> {
        if *depth == 0 && !whole {
            *top = pos + 1 + tag.name().0.len();
            if rule == Capture::Foreign && matches!(ns.as_deref(), None | Some(ELMO_NS)) {
                return Err(self.structure(
                    pos,
                    format!(
                        "`{}` (namespace {}) may not stand directly inside `extension`: its children must be in a foreign, non-empty namespace (elmo.md §8 rule 13)",
                        tag.name().0,
                        show_ns(ns.as_deref())
                    ),
                ));
            }
        }
        if self.path.len() + *depth + 1 > 4 * MAX_DEPTH {
            return Err(self.structure(
                pos,
                format!("elements nested deeper than {} levels", 4 * MAX_DEPTH),
            ));
        }
        let child = self.open(pos, tag, is_empty)?;
        scopes.push(child.decls.clone());
        self.need(
            scopes,
            needed,
            *top,
            pos,
            &child.qname,
            child.attrs.iter().map(|a| a.qname.as_str()),
            standalone,
        )?;
        if is_empty {
            scopes.pop();
        } else {
            *depth += 1;
        }
        Ok(())
    }

    /// Records the outer namespace bindings an element name and its attribute names rely on.
    #[allow(clippy::too_many_arguments)]
    fn need<'n>(
        &self,
        scopes: &[Vec<Option<String>>],
        needed: &mut BTreeMap<usize, BTreeMap<Option<String>, String>>,
        top: usize,
        pos: usize,
        element: &str,
        attributes: impl Iterator<Item = &'n str>,
        standalone: bool,
    ) -> Result<()> {
        let declared = |prefix: &Option<String>| scopes.iter().any(|s| s.contains(prefix));
        let element_prefix = element.split_once(':').map(|(p, _)| p.to_owned());
        let mut wanted = vec![(element_prefix, true)];
        for name in attributes {
            if let Some((prefix, _)) = name.split_once(':')
                && prefix != "xml"
            {
                wanted.push((Some(prefix.to_owned()), false));
            }
        }
        for (prefix, is_element) in wanted {
            if prefix.as_deref() == Some("xml") || declared(&prefix) {
                continue;
            }
            if standalone {
                let message = match &prefix {
                    Some(p) => {
                        format!("namespace prefix `{p}` is used but not declared in the fragment")
                    }
                    None => format!(
                        "unprefixed element `{element}` needs its own xmlns declaration in the fragment (it would otherwise fall into the ELMO namespace)"
                    ),
                };
                return Err(self.structure(pos, message));
            }
            if !is_element && prefix.is_none() {
                continue;
            }
            // Resolve a made-up name with this prefix: the binding comes from outside the fragment.
            let probe = prefix
                .as_ref()
                .map_or_else(|| "x".to_owned(), |p| format!("{p}:x"));
            let uri = match self
                .xml
                .resolver()
                .resolve_element(quick_xml::name::QName(&probe))
                .0
            {
                ResolveResult::Bound(ns) => ns.0.to_owned(),
                ResolveResult::Unbound => String::new(),
                ResolveResult::Unknown(p) => return Err(self.syntax(pos, undeclared(&p))),
            };
            needed.entry(top).or_default().insert(prefix, uri);
        }
        Ok(())
    }
}

/// Copies `raw` (which starts at byte `base` of the source) with the needed declarations inserted.
fn splice(
    raw: &str,
    base: usize,
    needed: &BTreeMap<usize, BTreeMap<Option<String>, String>>,
) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut copied = 0;
    for (offset, decls) in needed {
        let at = offset - base;
        out.push_str(&raw[copied..at]);
        for (prefix, uri) in decls {
            let uri = crate::writer::escape_attr(uri);
            match prefix {
                Some(p) => out.push_str(&format!(" xmlns:{p}=\"{uri}\"")),
                None => out.push_str(&format!(" xmlns=\"{uri}\"")),
            }
        }
        copied = at;
    }
    out.push_str(&raw[copied..]);
    out
}

fn resolved(ns: ResolveResult<'_>) -> std::result::Result<Option<String>, String> {
    match ns {
        ResolveResult::Bound(ns) => Ok(Some(ns.0.to_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(p) => Err(p),
    }
}

fn undeclared(prefix: &str) -> String {
    format!("namespace prefix `{prefix}` is not declared")
}

fn show_ns(ns: Option<&str>) -> String {
    ns.map_or_else(|| "(none)".to_owned(), str::to_owned)
}

fn expected_list(seq: &Seq) -> String {
    let names: Vec<String> = seq.slots[seq.at..]
        .iter()
        .map(|s| format!("`{}`", s.name))
        .collect();
    if names.is_empty() {
        "no more elements".to_owned()
    } else {
        format!("one of {}", names.join(", "))
    }
}

pub(crate) fn is_blank(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// Whether `c` may appear in an XML 1.0 document.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether XML 1.0 can carry every character of `s`; [`is_xml_char`] over the bytes, because
/// the lint asks it of every text. In UTF-8 the characters it cannot carry are the controls
/// below 0x20 but tab and line ends, and U+FFFE and U+FFFF (`EF BF BE`, `EF BF BF`); a `str`
/// holds no surrogates.
pub(crate) fn all_xml_chars(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.iter().enumerate().any(|(i, &b)| match b {
        b'\t' | b'\n' | b'\r' => false,
        0..0x20 => true,
        0xEF => bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)),
        _ => false,
    })
}

fn predefined_entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}
