//! The recorded VIRTA folder, indexed for serving: each file by the identities in it
//! (henkilötunnus and oppijanumero, read with `rikastin_sources::virta::parse`), and each
//! `virta:Opiskelija` as a self-contained XML slice, so that answers for several learners or
//! one institution (`organisaatio`) can be assembled without re-serialising the data. The
//! `OpiskelijanTiedot` recordings are indexed the same way ([`NamesIndex`]), each also by the
//! institution code in its file name. Elements in no namespace (a bare `Virta` root, as in
//! CSC's data-only files without their `xmlns`) count as VIRTA's.

use std::collections::HashMap;
use std::path::Path;

use axum::body::Bytes;
use quick_xml::NsReader;
use quick_xml::escape::escape;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use rikastin_sources::virta::{VIRTA_NS, parse};

use crate::error::{Error, Result};

/// One recorded response.
#[derive(Debug)]
pub(crate) struct Recording {
    /// The file's bytes, served as they are when nothing needs assembling.
    pub(crate) bytes: Bytes,
    /// Its `virta:Opiskelija` elements, in document order.
    pub(crate) opiskelijat: Vec<OpiskelijaSlice>,
}

/// One `virta:Opiskelija` element (a learner's records at one institution).
#[derive(Debug)]
pub(crate) struct OpiskelijaSlice {
    /// The element's source text, with the namespace declarations it inherited added to its
    /// start tag, so it stands alone in any new document.
    pub(crate) xml: String,
    /// The qualified-name prefix of the element (`virta`), for sibling elements added later.
    pub(crate) prefix: Option<String>,
    /// Every `Myontaja` (granting institution) inside: `organisaatio` filters on these.
    pub(crate) myontajat: Vec<String>,
    /// Where an empty `Opintosuoritukset` would go when the element has none (offset in `xml`,
    /// before `Liikkuvuusjaksot` or the end tag), for the `empty-sections` quirk.
    pub(crate) missing_opintosuoritukset_at: Option<usize>,
}

impl OpiskelijaSlice {
    pub(crate) fn serves(&self, organisaatio: Option<&str>) -> bool {
        organisaatio.is_none_or(|org| self.myontajat.iter().any(|m| m == org))
    }
}

/// Recordings, and which ones hold each identity (hetu or OID): the shape of both indexes.
#[derive(Debug)]
pub(crate) struct ByIdentity<R> {
    pub(crate) recordings: Vec<R>,
    by_identity: HashMap<String, Vec<usize>>,
}

impl<R> Default for ByIdentity<R> {
    fn default() -> Self {
        Self {
            recordings: Vec::new(),
            by_identity: HashMap::new(),
        }
    }
}

impl<R> ByIdentity<R> {
    /// Reads every `*.xml` in `dir` (sorted by name) with `add`.
    fn load_with(dir: &Path, add: fn(&mut Self, &Path, Vec<u8>) -> Result<()>) -> Result<Self> {
        let mut index = Self::default();
        for (path, bytes) in crate::read_files(dir, "xml")? {
            add(&mut index, &path, bytes)?;
        }
        Ok(index)
    }

    /// Keeps `recording`, found by each of `identities`.
    fn push(&mut self, identities: Vec<String>, recording: R) {
        let at = self.recordings.len();
        for identity in identities {
            self.by_identity.entry(identity).or_default().push(at);
        }
        self.recordings.push(recording);
    }

    /// The recordings that hold `identity`, in file-name order.
    pub(crate) fn find(&self, identity: &str) -> &[usize] {
        self.by_identity.get(identity).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn len(&self) -> usize {
        self.recordings.len()
    }
}

/// The `OpiskelijanKaikkiTiedot` recordings.
pub(crate) type VirtaIndex = ByIdentity<Recording>;

impl VirtaIndex {
    /// Reads every `*.xml` in `dir` (sorted by name).
    pub(crate) fn load(dir: &Path) -> Result<Self> {
        Self::load_with(dir, Self::add)
    }

    /// Indexes one recording; `path` names it in errors.
    pub(crate) fn add(&mut self, path: &Path, bytes: Vec<u8>) -> Result<()> {
        let (opiskelijat, identities) = read(path, &bytes)?;
        let recording = Recording {
            bytes: Bytes::from(bytes),
            opiskelijat,
        };
        self.push(identities, recording);
        Ok(())
    }
}

/// One recorded `OpiskelijanTiedot` answer: the learner at one institution.
#[derive(Debug)]
pub(crate) struct NamesRecording {
    /// The institution code from the file name (`<learner key>.<code>.xml`); `None` for
    /// `<learner key>.xml`, which answers for any institution.
    pub(crate) organisation: Option<String>,
    /// Its `virta:Opiskelija` elements.
    pub(crate) opiskelijat: Vec<OpiskelijaSlice>,
}

impl NamesRecording {
    pub(crate) fn serves(&self, organisaatio: &str) -> bool {
        self.organisation
            .as_deref()
            .is_none_or(|o| o == organisaatio)
    }
}

/// The `OpiskelijanTiedot` recordings, by the identities inside each.
pub(crate) type NamesIndex = ByIdentity<NamesRecording>;

impl NamesIndex {
    /// Reads every `*.xml` in `dir` (sorted by name).
    pub(crate) fn load(dir: &Path) -> Result<Self> {
        Self::load_with(dir, Self::add)
    }

    /// Indexes one `OpiskelijanTiedot` answer; `path` names it in errors and gives its
    /// institution.
    pub(crate) fn add(&mut self, path: &Path, bytes: Vec<u8>) -> Result<()> {
        let organisation = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".xml"))
            .and_then(|stem| stem.split_once('.'))
            .map(|(_, code)| code.to_owned());
        let (opiskelijat, identities) = read(path, &bytes)?;
        let recording = NamesRecording {
            organisation,
            opiskelijat,
        };
        self.push(identities, recording);
        Ok(())
    }
}

/// Parses one recorded answer (any the VIRTA parser reads) and cuts its `virta:Opiskelija`
/// elements out; returns them and the identities (hetus, OIDs) to serve them by.
fn read(path: &Path, bytes: &[u8]) -> Result<(Vec<OpiskelijaSlice>, Vec<String>)> {
    let fail = |message: String| Error::Virta {
        path: path.to_owned(),
        message: rikastin_sources::redact(&message),
    };
    let origin = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let virta = parse(bytes, &origin).map_err(|e| fail(e.to_string()))?;
    let text = std::str::from_utf8(bytes).map_err(|e| fail(e.to_string()))?;
    let opiskelijat = slices(text).map_err(fail)?;
    if opiskelijat.len() != virta.opiskelijat.len() {
        return Err(fail(format!(
            "found {} virta:Opiskelija elements but the parser read {}",
            opiskelijat.len(),
            virta.opiskelijat.len()
        )));
    }
    let mut identities: Vec<String> = Vec::new();
    for opiskelija in &virta.opiskelijat {
        let hetu = opiskelija
            .henkilotunnus
            .as_ref()
            .map(|h| h.expose().to_owned());
        identities.extend(hetu);
        identities.extend(opiskelija.kansallinen_oppijanumero.clone());
    }
    identities.sort();
    identities.dedup();
    if identities.is_empty() && !virta.opiskelijat.is_empty() {
        return Err(fail(
            "no virta:Henkilotunnus or virta:KansallinenOppijanumero to serve it by".to_owned(),
        ));
    }
    Ok((opiskelijat, identities))
}

/// The namespace declarations an element makes: (prefix, or `None` for the default; URI).
type Declarations = Vec<(Option<String>, String)>;

fn declarations(start: &BytesStart<'_>) -> std::result::Result<Declarations, String> {
    let mut out = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let key = attr.key.as_ref();
        let prefix = if key == "xmlns" {
            None
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            Some(p.to_owned())
        } else {
            continue;
        };
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?;
        out.push((prefix, value.into_owned()));
    }
    Ok(out)
}

/// Finds each `virta:Opiskelija` that is a child of `virta:Virta` and cuts it out.
fn slices(src: &str) -> std::result::Result<Vec<OpiskelijaSlice>, String> {
    let mut reader = NsReader::from_str(src);
    reader.config_mut().trim_text(false);
    // Declarations of the open elements, outermost first; local names alongside.
    let mut open: Vec<(String, bool, Declarations)> = Vec::new();
    let mut out = Vec::new();
    let mut current: Option<Cut> = None;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let (resolved, event) = reader.read_resolved_event().map_err(|e| e.to_string())?;
        let in_virta = match resolved {
            ResolveResult::Bound(ns) => ns.as_ref() == VIRTA_NS,
            ResolveResult::Unbound => true,
            ResolveResult::Unknown(_) => false,
        };
        match event {
            Event::Start(start) => {
                let tag = Tag::read(src, before, &start, in_virta, &open)?;
                if let Some(cut) = current.as_mut() {
                    cut.child(&tag, open.len());
                } else if tag.opens_opiskelija {
                    current = Some(Cut::new(&tag, &start, &open)?);
                }
                open.push((tag.local, in_virta, declarations(&start)?));
            }
            Event::Empty(start) => {
                let tag = Tag::read(src, before, &start, in_virta, &open)?;
                let end = usize::try_from(reader.buffer_position()).unwrap_or(src.len());
                if let Some(cut) = current.as_mut() {
                    // An empty Myontaja holds no code, so only the section bookkeeping applies.
                    if tag.local != "Myontaja" {
                        cut.child(&tag, open.len());
                    }
                } else if tag.opens_opiskelija {
                    out.push(Cut::new(&tag, &start, &open)?.finish(src, end, end)?);
                }
            }
            Event::Text(text) => {
                if let Some(slot) = current.as_mut().and_then(|c| c.in_myontaja.as_mut()) {
                    slot.push_str(&text.xml10_content());
                }
            }
            Event::End(_) => {
                if let Some(cut) = current.as_mut()
                    && let Some(myontaja) = cut.in_myontaja.take()
                {
                    cut.myontajat.push(myontaja.trim().to_owned());
                }
                if current.as_ref().is_some_and(|c| c.depth == open.len()) {
                    let end = usize::try_from(reader.buffer_position()).unwrap_or(src.len());
                    if let Some(cut) = current.take() {
                        out.push(cut.finish(src, before, end)?);
                    }
                }
                open.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// What the cutter needs to know about a start tag.
struct Tag {
    local: String,
    in_virta: bool,
    /// Offset of the tag's `<`.
    lt: usize,
    /// A `virta:Opiskelija` directly inside `virta:Virta` (or `virta:Opiskelijat`).
    opens_opiskelija: bool,
}

impl Tag {
    fn read(
        src: &str,
        before: usize,
        start: &BytesStart<'_>,
        in_virta: bool,
        open: &[(String, bool, Declarations)],
    ) -> std::result::Result<Tag, String> {
        let local = start.local_name().as_ref().to_owned();
        // The event starts where the previous one ended: skip to the `<`.
        let lt = src
            .get(before..)
            .and_then(|s| s.find('<'))
            .map_or(before, |i| before + i);
        let parent_is_virta = open
            .last()
            .is_some_and(|(name, ns, _)| *ns && (name == "Virta" || name == "Opiskelijat"));
        Ok(Tag {
            opens_opiskelija: in_virta && local == "Opiskelija" && parent_is_virta,
            local,
            in_virta,
            lt,
        })
    }
}

/// A `virta:Opiskelija` being cut out.
struct Cut {
    start: usize,
    /// Nesting depth of the element (1 = root).
    depth: usize,
    /// Offset just after the qualified name in the start tag, where declarations go.
    qname_end: usize,
    own: Declarations,
    inherited: Declarations,
    prefix: Option<String>,
    myontajat: Vec<String>,
    in_myontaja: Option<String>,
    has_opintosuoritukset: bool,
    liikkuvuusjaksot_at: Option<usize>,
}

impl Cut {
    fn new(
        tag: &Tag,
        start: &BytesStart<'_>,
        open: &[(String, bool, Declarations)],
    ) -> std::result::Result<Cut, String> {
        let inherited: Declarations = open
            .iter()
            .flat_map(|(_, _, decls)| decls.iter().cloned())
            .collect();
        let prefix = start.name().prefix().map(|p| p.as_ref().to_owned());
        Ok(Cut {
            start: tag.lt,
            depth: open.len() + 1,
            qname_end: tag.lt + 1 + start.name().as_ref().len(),
            own: declarations(start)?,
            inherited,
            prefix,
            myontajat: Vec::new(),
            in_myontaja: None,
            has_opintosuoritukset: false,
            liikkuvuusjaksot_at: None,
        })
    }

    /// Notes a start tag inside the element; `depth` is the number of elements open around it.
    fn child(&mut self, tag: &Tag, depth: usize) {
        if !tag.in_virta {
            return;
        }
        if depth == self.depth {
            match tag.local.as_str() {
                "Opintosuoritukset" => self.has_opintosuoritukset = true,
                "Liikkuvuusjaksot" => {
                    self.liikkuvuusjaksot_at.get_or_insert(tag.lt);
                }
                _ => {}
            }
        }
        if tag.local == "Myontaja" {
            self.in_myontaja = Some(String::new());
        }
    }
    /// `end_tag` is where the end tag starts, `end` just after it.
    fn finish(
        self,
        src: &str,
        end_tag: usize,
        end: usize,
    ) -> std::result::Result<OpiskelijaSlice, String> {
        let bad = || "cannot cut a virta:Opiskelija element out of the document".to_owned();
        let mut added = String::new();
        // Later (inner) declarations win; skip the ones the element makes itself.
        let mut seen: Vec<&Option<String>> = self.own.iter().map(|(p, _)| p).collect();
        for (prefix, uri) in self.inherited.iter().rev() {
            if seen.contains(&prefix) {
                continue;
            }
            seen.push(prefix);
            match prefix {
                Some(p) => added.push_str(&format!(" xmlns:{p}=\"{}\"", escape(uri.as_str()))),
                None => added.push_str(&format!(" xmlns=\"{}\"", escape(uri.as_str()))),
            }
        }
        let head = src.get(self.start..self.qname_end).ok_or_else(bad)?;
        // A slice of a file in no namespace (a bare `Virta`) gets VIRTA's, so that it reads as
        // VIRTA data inside the `virta:Virta` of an assembled answer, as the real service's would.
        let unprefixed = !head.contains(':');
        let has_default = self
            .own
            .iter()
            .chain(self.inherited.iter())
            .any(|(p, _)| p.is_none());
        if unprefixed && !has_default {
            added.push_str(&format!(" xmlns=\"{VIRTA_NS}\""));
        }
        let rest = src.get(self.qname_end..end).ok_or_else(bad)?;
        let xml = format!("{head}{added}{rest}");
        let shift = |offset: usize| offset.saturating_sub(self.start) + added.len();
        let missing_opintosuoritukset_at = if self.has_opintosuoritukset || end_tag == end {
            None
        } else {
            Some(shift(self.liikkuvuusjaksot_at.unwrap_or(end_tag)))
        };
        Ok(OpiskelijaSlice {
            xml,
            prefix: self.prefix,
            myontajat: self.myontajat,
            missing_opintosuoritukset_at,
        })
    }
}
