//! Writes the model as ELMO 1.7.0 XML: XSD element order, 2-space indentation between
//! elements, optional elements omitted, the same bytes for the same model.

use std::io::{self, Write};

use crate::reader::cursor::{ADDRESS_NS, ELMO_NS, is_xml_char};
use crate::*;

/// Writes `elmo` as an ELMO 1.7.0 document.
///
/// Deterministic: the same model always gives the same bytes. Characters that XML 1.0 cannot
/// carry (e.g. U+0000) are written as U+FFFD; [`crate::lint`] reports them (`E-XML-CHAR`).
pub fn write(elmo: &Elmo) -> Vec<u8> {
    let mut w = Out {
        buf: Vec::with_capacity(size_hint(elmo)),
        depth: 0,
        open: false,
        line_break: false,
    };
    document(&mut w, elmo);
    w.buf
}

/// About the written size, so that the buffer is allocated once: regrowing a 130 KB document
/// copied it three times. Each LOS takes about 1–2 KB of markup besides its texts.
fn size_hint(elmo: &Elmo) -> usize {
    fn los(l: &Los) -> usize {
        let texts = [&l.titles, &l.descriptions, &l.descriptions_html];
        let text: usize = texts
            .iter()
            .flat_map(|t| t.iter())
            .map(|t| t.value.len())
            .sum();
        2048 + text + l.has_part.iter().map(los).sum::<usize>()
    }
    let results: usize = elmo.reports.iter().flat_map(|r| &r.los).map(los).sum();
    4096 + results
}

/// Writes `elmo` as an ELMO 1.7.0 document into `out`.
pub fn write_to<W: Write>(elmo: &Elmo, mut out: W) -> io::Result<()> {
    out.write_all(&write(elmo))
}

fn document(w: &mut Out, elmo: &Elmo) {
    w.raw(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    w.line_break = true;
    w.start("elmo", &[("xmlns", ELMO_NS)]);
    w.leaf("generatedDate", &[], &elmo.generated_date.to_string());
    learner(w, &elmo.learner);
    for r in &elmo.reports {
        report(w, r);
    }
    for a in &elmo.attachments {
        attachment(w, a);
    }
    if let Some(g) = &elmo.groups {
        groups(w, g);
    }
    w.extension("extension", elmo.extension.as_ref());
    // DESIGN.md invariant 7 / elmo.md §4.4: ds:Signature is the last child of `elmo`.
    if let Some(signature) = &elmo.signature {
        w.raw_line(signature.as_xml());
    }
    w.end("elmo");
    w.buf.push(b'\n');
}

/// The document being written, straight into bytes (a general XML writer's tag objects and
/// per-call allocations were a tenth of a rebuild's CPU). Layout: each tag on its own line,
/// indented two spaces a level, except that an element holding text stays on one line.
struct Out {
    buf: Vec<u8>,
    /// Open elements: the indentation of the next tag.
    depth: usize,
    /// The last start tag lacks its `>`: if its element ends with no content, it becomes `<x/>`.
    open: bool,
    /// The next tag starts a new line: false only right after text.
    line_break: bool,
}

impl Out {
    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.close_start_tag();
        self.indent();
        self.buf.push(b'<');
        self.buf.extend_from_slice(name.as_bytes());
        for (key, value) in attrs {
            self.buf.push(b' ');
            self.buf.extend_from_slice(key.as_bytes());
            self.buf.extend_from_slice(b"=\"");
            escape_into(&mut self.buf, value, Escape::Attribute);
            self.buf.push(b'"');
        }
        self.open = true;
        self.depth += 1;
        self.line_break = true;
    }

    fn end(&mut self, name: &str) {
        self.depth -= 1;
        if self.open {
            self.buf.extend_from_slice(b"/>");
            self.open = false;
        } else {
            self.indent();
            self.buf.extend_from_slice(b"</");
            self.buf.extend_from_slice(name.as_bytes());
            self.buf.push(b'>');
        }
        self.line_break = true;
    }

    fn close_start_tag(&mut self) {
        if std::mem::take(&mut self.open) {
            self.buf.push(b'>');
        }
    }

    fn indent(&mut self) {
        if self.line_break {
            self.new_line(self.depth);
        }
    }

    fn new_line(&mut self, depth: usize) {
        self.buf.push(b'\n');
        self.buf.resize(self.buf.len() + 2 * depth, b' ');
    }

    /// Where the content of the element opened last goes; its end tag follows on the same line.
    fn content(&mut self) -> &mut Vec<u8> {
        self.close_start_tag();
        self.line_break = false;
        &mut self.buf
    }

    /// Text already escaped (or verbatim XML) as the content of the element opened last.
    fn raw_text(&mut self, text: &str) {
        self.content().extend_from_slice(text.as_bytes());
    }

    fn raw(&mut self, text: &str) {
        self.buf.extend_from_slice(text.as_bytes());
    }

    /// An element holding only text. Even empty, the text keeps the end tag on the start
    /// tag's line (`<x></x>`).
    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.start(name, attrs);
        escape_into(self.content(), text, Escape::Text);
        self.end(name);
    }

    fn opt_leaf(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(name, &[], text);
        }
    }

    fn texts(&mut self, name: &str, texts: &[Text]) {
        for t in texts {
            match &t.lang {
                Some(lang) => self.leaf(name, &[("xml:lang", lang)], &t.value),
                None => self.leaf(name, &[], &t.value),
            }
        }
    }

    fn identifiers(&mut self, ids: &[Identifier]) {
        for id in ids {
            self.leaf("identifier", &[("type", &id.kind)], &id.value);
        }
    }

    /// Verbatim XML on a line of its own at the current depth.
    fn raw_line(&mut self, raw: &str) {
        self.close_start_tag();
        self.new_line(self.depth);
        self.raw(raw);
        // The end tag that follows goes on a line of its own, one level out.
        self.new_line(self.depth.saturating_sub(1));
        self.line_break = false;
    }

    /// An `extension` element: its content verbatim, on its own line.
    fn extension(&mut self, name: &str, ext: Option<&Extension>) {
        let Some(ext) = ext else { return };
        if ext.is_empty() {
            return self.leaf(name, &[], "");
        }
        self.start(name, &[]);
        self.raw_line(ext.as_xml());
        self.end(name);
    }
}

fn learner(w: &mut Out, l: &Learner) {
    w.start("learner", &[]);
    w.opt_leaf("citizenship", l.citizenship.as_deref());
    w.identifiers(&l.identifiers);
    w.leaf("givenNames", &[], &l.given_names);
    w.leaf("familyName", &[], &l.family_name);
    w.opt_leaf("bday", l.bday.map(|d| d.to_string()).as_deref());
    w.opt_leaf("placeOfBirth", l.place_of_birth.as_deref());
    w.opt_leaf("birthName", l.birth_name.as_deref());
    if let Some(a) = &l.current_address {
        address(w, a);
    }
    w.opt_leaf("gender", l.gender.map(|g| g.code().to_string()).as_deref());
    w.end("learner")
}

fn address(w: &mut Out, a: &FlexibleAddress) {
    // The address parts are in the EWP namespace (elementFormDefault="qualified").
    w.start("currentAddress", &[("xmlns:a", ADDRESS_NS)]);
    for v in &a.recipient_names {
        w.leaf("a:recipientName", &[], v);
    }
    for v in &a.address_lines {
        w.leaf("a:addressLine", &[], v);
    }
    w.opt_leaf("a:buildingNumber", a.building_number.as_deref());
    w.opt_leaf("a:buildingName", a.building_name.as_deref());
    w.opt_leaf("a:streetName", a.street_name.as_deref());
    w.opt_leaf("a:unit", a.unit.as_deref());
    w.opt_leaf("a:floor", a.floor.as_deref());
    w.opt_leaf("a:postOfficeBox", a.post_office_box.as_deref());
    for v in &a.delivery_point_codes {
        w.leaf("a:deliveryPointCode", &[], v);
    }
    w.opt_leaf("a:postalCode", a.postal_code.as_deref());
    w.opt_leaf("a:locality", a.locality.as_deref());
    w.opt_leaf("a:region", a.region.as_deref());
    w.opt_leaf("a:country", a.country.as_deref());
    w.end("currentAddress")
}

fn report(w: &mut Out, r: &Report) {
    w.start("report", &[]);
    w.start("issuer", &[]);
    w.opt_leaf("country", r.issuer.country.as_deref());
    w.identifiers(&r.issuer.identifiers);
    w.texts("title", &r.issuer.titles);
    w.leaf("url", &[], &r.issuer.url);
    w.end("issuer");
    for l in &r.los {
        los(w, l);
    }
    // elmo.md §8 rule 1: issueDate after all LOS, before gradingScheme.
    w.leaf("issueDate", &[], &r.issue_date.to_string());
    for g in &r.grading_schemes {
        w.start("gradingScheme", &[("localId", &g.local_id)]);
        w.texts("description", &g.descriptions);
        w.end("gradingScheme");
    }
    for a in &r.attachments {
        attachment(w, a);
    }
    w.end("report")
}

fn los(w: &mut Out, l: &Los) {
    w.start("learningOpportunitySpecification", &[]);
    w.identifiers(&l.identifiers);
    w.texts("title", &l.titles);
    w.opt_leaf("type", l.los_type.map(LosType::as_str));
    w.opt_leaf("subjectArea", l.subject_area.as_deref());
    w.opt_leaf("iscedCode", l.isced_code.as_deref());
    w.opt_leaf("url", l.url.as_deref());
    w.texts("description", &l.descriptions);
    w.texts("descriptionHtml", &l.descriptions_html);
    w.start("specifies", &[]);
    loi(w, &l.specifies.instance);
    w.extension("extension", l.specifies.extension.as_ref());
    w.end("specifies");
    for part in &l.has_part {
        w.start("hasPart", &[]);
        los(w, part);
        w.end("hasPart");
    }
    w.extension("extension", l.extension.as_ref());
    w.end("learningOpportunitySpecification")
}

fn loi(w: &mut Out, i: &Loi) {
    w.start("learningOpportunityInstance", &[]);
    w.identifiers(&i.identifiers);
    w.opt_leaf("start", i.start.map(|d| d.to_string()).as_deref());
    w.opt_leaf("date", i.date.map(|d| d.to_string()).as_deref());
    if let Some(term) = &i.academic_term {
        w.start("academicTerm", &[]);
        w.texts("title", &term.titles);
        w.leaf("start", &[], &term.start.to_string());
        w.leaf("end", &[], &term.end.to_string());
        w.end("academicTerm");
    }
    w.opt_leaf("status", i.status.map(Status::as_str));
    w.opt_leaf("gradingSchemeLocalId", i.grading_scheme_local_id.as_deref());
    w.opt_leaf("resultLabel", i.result_label.as_deref());
    if let Some(g) = &i.shortened_grading {
        w.start("shortenedGrading", &[]);
        w.leaf("percentageLower", &[], &g.percentage_lower.to_string());
        w.leaf("percentageEqual", &[], &g.percentage_equal.to_string());
        w.leaf("percentageHigher", &[], &g.percentage_higher.to_string());
        w.end("shortenedGrading");
    }
    if let Some(d) = &i.result_distribution {
        w.start("resultDistribution", &[]);
        for c in &d.categories {
            let count = c.count.to_string();
            w.start("category", &[("label", &c.label), ("count", &count)]);
            w.end("category");
        }
        w.texts("description", &d.descriptions);
        w.end("resultDistribution");
    }
    for c in &i.credits {
        w.start("credit", &[]);
        w.leaf("scheme", &[], &c.scheme);
        w.opt_leaf("level", c.level.map(CreditLevel::as_str));
        w.opt_leaf(
            "value",
            c.value.as_ref().map(ToString::to_string).as_deref(),
        );
        w.end("credit");
    }
    for l in &i.levels {
        w.start("level", &[]);
        w.leaf("type", &[], &l.kind);
        w.texts("description", &l.descriptions);
        w.opt_leaf("value", l.value.as_deref());
        w.end("level");
    }
    w.opt_leaf(
        "languageOfInstruction",
        i.language_of_instruction.as_deref(),
    );
    w.opt_leaf(
        "engagementHours",
        i.engagement_hours
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
    );
    if !i.attachment_refs.is_empty() {
        w.start("attachments", &[]);
        for r in &i.attachment_refs {
            w.leaf("ref", &[], r);
        }
        w.end("attachments");
    }
    if let Some(g) = &i.grouping {
        let mut attrs = Vec::new();
        if let Some(t) = &g.typeref {
            attrs.push(("typeref", t.as_str()));
        }
        if let Some(id) = &g.idref {
            attrs.push(("idref", id.as_str()));
        }
        w.leaf("grouping", &attrs, &g.value);
    }
    w.extension("extension", i.extension.as_ref());
    // elmo.md §8 rule 1: diplomaSupplement comes after extension, as the LOI's last child.
    if let Some(d) = &i.diploma_supplement {
        diploma_supplement(w, d);
    }
    w.end("learningOpportunityInstance")
}

fn diploma_supplement(w: &mut Out, d: &DiplomaSupplement) {
    match &d.lang {
        Some(lang) => w.start("diplomaSupplement", &[("xml:lang", lang)]),
        None => w.start("diplomaSupplement", &[]),
    }
    w.leaf("version", &[], &d.version);
    w.leaf("issueDate", &[], &d.issue_date.to_string());
    // `introduction` has no type (any content): written verbatim, with no whitespace added.
    w.start("introduction", &[]);
    w.raw_text(d.introduction.as_xml());
    w.end("introduction");
    for s in &d.sections {
        section(w, s);
    }
    if let Some(signature) = &d.signature {
        w.raw_line(signature.as_xml());
    }
    w.end("diplomaSupplement")
}

fn section(w: &mut Out, s: &DiplomaSupplementSection) {
    w.start("section", &[("number", &s.number)]);
    w.leaf("title", &[], &s.title);
    if let Some(c) = &s.content {
        let attrs: Vec<(&str, &str)> = c.media_type.iter().map(|t| ("type", t.as_str())).collect();
        // elmo.md §8 rule 12: HTML/XML content goes in CDATA. A carriage return would not
        // survive CDATA (XML normalises line ends), so such content is escaped instead.
        if c.is_markup() && !c.value.contains('\r') {
            w.start("content", &attrs);
            w.raw_text(&cdata(&c.value));
            w.end("content");
        } else {
            w.leaf("content", &attrs, &c.value);
        }
    }
    for info in &s.additional_information {
        w.leaf("additionalInformation", &[], info);
    }
    for a in &s.attachments {
        attachment(w, a);
    }
    for sub in &s.sections {
        section(w, sub);
    }
    w.end("section")
}

fn attachment(w: &mut Out, a: &Attachment) {
    w.start("attachment", &[]);
    w.identifiers(&a.identifiers);
    w.texts("title", &a.titles);
    w.opt_leaf("type", a.kind.map(AttachmentType::as_str));
    w.texts("description", &a.descriptions);
    w.texts("content", &a.contents);
    w.extension("extension", a.extension.as_ref());
    w.end("attachment")
}

fn groups(w: &mut Out, g: &Groups) {
    w.start("groups", &[]);
    for t in &g.group_types {
        let attrs: Vec<(&str, &str)> = t.id.iter().map(|id| ("id", id.as_str())).collect();
        w.start("groupType", &attrs);
        w.texts("title", &t.titles);
        for group in &t.groups {
            let mut attrs = Vec::new();
            if let Some(id) = &group.id {
                attrs.push(("id", id.as_str()));
            }
            if let Some(key) = &group.sorting_key {
                attrs.push(("sortingKey", key.as_str()));
            }
            w.start("group", &attrs);
            w.texts("title", &group.titles);
            w.end("group");
        }
        w.end("groupType");
    }
    w.end("groups")
}

/// Which characters [`escape_into`] writes as references.
#[derive(Clone, Copy, PartialEq)]
enum Escape {
    /// Text content: `&`, `<`, `>` and `\r`. `>` too, so `]]>` cannot appear; `\r` because a
    /// parser would turn a literal one into `\n`.
    Text,
    /// An attribute value in double quotes: `&`, `<`, `"`, and tab and line ends, which
    /// attribute-value normalisation would turn into spaces.
    Attribute,
}

/// Appends `s` to `out` escaped as `how` says, with characters XML 1.0 cannot carry as U+FFFD.
/// Runs of characters that need nothing are copied whole.
fn escape_into(out: &mut Vec<u8>, s: &str, how: Escape) {
    let bytes = s.as_bytes();
    let plain = match how {
        Escape::Text => &PLAIN_IN_TEXT,
        Escape::Attribute => &PLAIN_IN_ATTRIBUTE,
    };
    let (mut from, mut at) = (0, 0);
    while at < bytes.len() {
        if plain[usize::from(bytes[at])] {
            at += 1;
            continue;
        }
        out.extend_from_slice(&bytes[from..at]);
        let c = s[at..]
            .chars()
            .next()
            .expect("`at` is on a character boundary");
        let reference = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\t' if how == Escape::Attribute => "&#9;",
            '\n' if how == Escape::Attribute => "&#10;",
            '\r' => "&#13;",
            c if is_xml_char(c) => &s[at..at + c.len_utf8()],
            _ => "\u{FFFD}",
        };
        out.extend_from_slice(reference.as_bytes());
        at += c.len_utf8();
        from = at;
    }
    out.extend_from_slice(&bytes[from..]);
}

/// The bytes [`escape_into`] copies as they are, by [`Escape`]: a table, because every byte of
/// every text passes through it. The others are every byte that may start a character needing
/// care: markup, controls (all below 0x20), and 0xEF, the lead byte of U+FFFE and U+FFFF.
const PLAIN_IN_TEXT: [bool; 256] = plain_bytes(Escape::Text);
const PLAIN_IN_ATTRIBUTE: [bool; 256] = plain_bytes(Escape::Attribute);

const fn plain_bytes(how: Escape) -> [bool; 256] {
    let text = matches!(how, Escape::Text);
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            b'&' | b'<' | b'\r' | 0xEF => false,
            b'>' => !text,
            b'"' | b'\t' | b'\n' => text,
            b => b >= 0x20,
        };
        b += 1;
    }
    table
}

/// Escapes text content (see [`Escape::Text`]).
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    escape_into(&mut out, s, Escape::Text);
    String::from_utf8(out).expect("escaping keeps UTF-8")
}

/// Escapes an attribute value for double quotes (see [`Escape::Attribute`]).
pub(crate) fn escape_attr(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    escape_into(&mut out, s, Escape::Attribute);
    String::from_utf8(out).expect("escaping keeps UTF-8")
}

/// CDATA section(s) for `s`; `]]>` is split across two sections.
fn cdata(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
        .collect();
    format!("<![CDATA[{}]]>", clean.replace("]]>", "]]]]><![CDATA[>"))
}
