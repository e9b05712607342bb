//! Writes the model as ELMO 1.7.0 XML: XSD element order, 2-space indentation between
//! elements, optional elements omitted, the same bytes for the same model.

use std::borrow::Cow;
use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;

use crate::reader::cursor::{ADDRESS_NS, ELMO_NS, is_xml_char};
use crate::*;

/// Writes `elmo` as an ELMO 1.7.0 document.
///
/// Deterministic: the same model always gives the same bytes. Characters that XML 1.0 cannot
/// carry (e.g. U+0000) are written as U+FFFD; [`crate::lint`] reports them (`E-XML-CHAR`).
pub fn write(elmo: &Elmo) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_to(elmo, &mut out);
    out
}

/// Writes `elmo` as an ELMO 1.7.0 document into `out`.
pub fn write_to<W: Write>(elmo: &Elmo, out: W) -> io::Result<()> {
    let mut w = Out {
        xml: Writer::new_with_indent(out, b' ', 2),
        depth: 0,
        pending: None,
    };
    w.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.start("elmo", &[("xmlns", ELMO_NS)])?;
    w.leaf("generatedDate", &[], &elmo.generated_date.to_string())?;
    learner(&mut w, &elmo.learner)?;
    for r in &elmo.reports {
        report(&mut w, r)?;
    }
    for a in &elmo.attachments {
        attachment(&mut w, a)?;
    }
    if let Some(g) = &elmo.groups {
        groups(&mut w, g)?;
    }
    w.extension("extension", elmo.extension.as_ref())?;
    // DESIGN.md invariant 7 / elmo.md §4.4: ds:Signature is the last child of `elmo`.
    if let Some(signature) = &elmo.signature {
        w.raw_line(signature.as_xml())?;
    }
    w.end("elmo")?;
    w.xml.get_mut().write_all(b"\n")
}

struct Out<W: Write> {
    xml: Writer<W>,
    /// Open elements, to indent raw blocks the way quick-xml indents events.
    depth: usize,
    /// A start tag not yet written: if its element ends with no content, it becomes `<x/>`.
    pending: Option<BytesStart<'static>>,
}

impl<W: Write> Out<W> {
    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.flush()?;
        let mut tag = BytesStart::new(name.to_owned());
        for (key, value) in attrs {
            tag.push_attribute(Attribute {
                key: QName(key),
                value: Cow::Owned(escape_attr(value)),
            });
        }
        self.depth += 1;
        self.pending = Some(tag);
        Ok(())
    }

    fn end(&mut self, name: &str) -> io::Result<()> {
        self.depth -= 1;
        match self.pending.take() {
            Some(tag) => self.xml.write_event(Event::Empty(tag)),
            None => self.xml.write_event(Event::End(BytesEnd::new(name))),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.pending.take() {
            Some(tag) => self.xml.write_event(Event::Start(tag)),
            None => Ok(()),
        }
    }

    /// Any other event: content of the element opened last.
    fn event(&mut self, event: Event<'_>) -> io::Result<()> {
        self.flush()?;
        self.xml.write_event(event)
    }

    /// An element holding only text. The (possibly empty) text event keeps quick-xml from
    /// putting whitespace inside the element.
    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
        self.start(name, attrs)?;
        self.event(Event::Text(BytesText::from_escaped(escape_text(text))))?;
        self.end(name)
    }

    fn opt_leaf(&mut self, name: &str, text: Option<&str>) -> io::Result<()> {
        match text {
            Some(text) => self.leaf(name, &[], text),
            None => Ok(()),
        }
    }

    fn texts(&mut self, name: &str, texts: &[Text]) -> io::Result<()> {
        for t in texts {
            match &t.lang {
                Some(lang) => self.leaf(name, &[("xml:lang", lang)], &t.value)?,
                None => self.leaf(name, &[], &t.value)?,
            }
        }
        Ok(())
    }

    fn identifiers(&mut self, ids: &[Identifier]) -> io::Result<()> {
        for id in ids {
            self.leaf("identifier", &[("type", &id.kind)], &id.value)?;
        }
        Ok(())
    }

    /// Verbatim XML on a line of its own at the current depth.
    fn raw_line(&mut self, raw: &str) -> io::Result<()> {
        let text = format!("\n{}{}", "  ".repeat(self.depth), raw);
        self.event(Event::Text(BytesText::from_escaped(text)))?;
        // The next end tag follows a text event, so quick-xml will not break the line itself.
        let text = format!("\n{}", "  ".repeat(self.depth.saturating_sub(1)));
        self.event(Event::Text(BytesText::from_escaped(text)))
    }

    /// An `extension` element: its content verbatim, on its own line.
    fn extension(&mut self, name: &str, ext: Option<&Extension>) -> io::Result<()> {
        let Some(ext) = ext else { return Ok(()) };
        if ext.is_empty() {
            return self.leaf(name, &[], "");
        }
        self.start(name, &[])?;
        self.raw_line(ext.as_xml())?;
        self.end(name)
    }
}

fn learner<W: Write>(w: &mut Out<W>, l: &Learner) -> io::Result<()> {
    w.start("learner", &[])?;
    w.opt_leaf("citizenship", l.citizenship.as_deref())?;
    w.identifiers(&l.identifiers)?;
    w.leaf("givenNames", &[], &l.given_names)?;
    w.leaf("familyName", &[], &l.family_name)?;
    w.opt_leaf("bday", l.bday.map(|d| d.to_string()).as_deref())?;
    w.opt_leaf("placeOfBirth", l.place_of_birth.as_deref())?;
    w.opt_leaf("birthName", l.birth_name.as_deref())?;
    if let Some(a) = &l.current_address {
        address(w, a)?;
    }
    w.opt_leaf("gender", l.gender.map(|g| g.code().to_string()).as_deref())?;
    w.end("learner")
}

fn address<W: Write>(w: &mut Out<W>, a: &FlexibleAddress) -> io::Result<()> {
    // The address parts are in the EWP namespace (elementFormDefault="qualified").
    w.start("currentAddress", &[("xmlns:a", ADDRESS_NS)])?;
    for v in &a.recipient_names {
        w.leaf("a:recipientName", &[], v)?;
    }
    for v in &a.address_lines {
        w.leaf("a:addressLine", &[], v)?;
    }
    w.opt_leaf("a:buildingNumber", a.building_number.as_deref())?;
    w.opt_leaf("a:buildingName", a.building_name.as_deref())?;
    w.opt_leaf("a:streetName", a.street_name.as_deref())?;
    w.opt_leaf("a:unit", a.unit.as_deref())?;
    w.opt_leaf("a:floor", a.floor.as_deref())?;
    w.opt_leaf("a:postOfficeBox", a.post_office_box.as_deref())?;
    for v in &a.delivery_point_codes {
        w.leaf("a:deliveryPointCode", &[], v)?;
    }
    w.opt_leaf("a:postalCode", a.postal_code.as_deref())?;
    w.opt_leaf("a:locality", a.locality.as_deref())?;
    w.opt_leaf("a:region", a.region.as_deref())?;
    w.opt_leaf("a:country", a.country.as_deref())?;
    w.end("currentAddress")
}

fn report<W: Write>(w: &mut Out<W>, r: &Report) -> io::Result<()> {
    w.start("report", &[])?;
    w.start("issuer", &[])?;
    w.opt_leaf("country", r.issuer.country.as_deref())?;
    w.identifiers(&r.issuer.identifiers)?;
    w.texts("title", &r.issuer.titles)?;
    w.leaf("url", &[], &r.issuer.url)?;
    w.end("issuer")?;
    for l in &r.los {
        los(w, l)?;
    }
    // elmo.md §8 rule 1: issueDate after all LOS, before gradingScheme.
    w.leaf("issueDate", &[], &r.issue_date.to_string())?;
    for g in &r.grading_schemes {
        w.start("gradingScheme", &[("localId", &g.local_id)])?;
        w.texts("description", &g.descriptions)?;
        w.end("gradingScheme")?;
    }
    for a in &r.attachments {
        attachment(w, a)?;
    }
    w.end("report")
}

fn los<W: Write>(w: &mut Out<W>, l: &Los) -> io::Result<()> {
    w.start("learningOpportunitySpecification", &[])?;
    w.identifiers(&l.identifiers)?;
    w.texts("title", &l.titles)?;
    w.opt_leaf("type", l.los_type.map(LosType::as_str))?;
    w.opt_leaf("subjectArea", l.subject_area.as_deref())?;
    w.opt_leaf("iscedCode", l.isced_code.as_deref())?;
    w.opt_leaf("url", l.url.as_deref())?;
    w.texts("description", &l.descriptions)?;
    w.texts("descriptionHtml", &l.descriptions_html)?;
    w.start("specifies", &[])?;
    loi(w, &l.specifies.instance)?;
    w.extension("extension", l.specifies.extension.as_ref())?;
    w.end("specifies")?;
    for part in &l.has_part {
        w.start("hasPart", &[])?;
        los(w, part)?;
        w.end("hasPart")?;
    }
    w.extension("extension", l.extension.as_ref())?;
    w.end("learningOpportunitySpecification")
}

fn loi<W: Write>(w: &mut Out<W>, i: &Loi) -> io::Result<()> {
    w.start("learningOpportunityInstance", &[])?;
    w.identifiers(&i.identifiers)?;
    w.opt_leaf("start", i.start.map(|d| d.to_string()).as_deref())?;
    w.opt_leaf("date", i.date.map(|d| d.to_string()).as_deref())?;
    if let Some(term) = &i.academic_term {
        w.start("academicTerm", &[])?;
        w.texts("title", &term.titles)?;
        w.leaf("start", &[], &term.start.to_string())?;
        w.leaf("end", &[], &term.end.to_string())?;
        w.end("academicTerm")?;
    }
    w.opt_leaf("status", i.status.map(Status::as_str))?;
    w.opt_leaf("gradingSchemeLocalId", i.grading_scheme_local_id.as_deref())?;
    w.opt_leaf("resultLabel", i.result_label.as_deref())?;
    if let Some(g) = &i.shortened_grading {
        w.start("shortenedGrading", &[])?;
        w.leaf("percentageLower", &[], &g.percentage_lower.to_string())?;
        w.leaf("percentageEqual", &[], &g.percentage_equal.to_string())?;
        w.leaf("percentageHigher", &[], &g.percentage_higher.to_string())?;
        w.end("shortenedGrading")?;
    }
    if let Some(d) = &i.result_distribution {
        w.start("resultDistribution", &[])?;
        for c in &d.categories {
            let count = c.count.to_string();
            let tag = BytesStart::new("category").with_attributes([
                Attribute {
                    key: QName("label"),
                    value: Cow::Owned(escape_attr(&c.label)),
                },
                Attribute {
                    key: QName("count"),
                    value: Cow::Owned(count),
                },
            ]);
            w.event(Event::Empty(tag))?;
        }
        w.texts("description", &d.descriptions)?;
        w.end("resultDistribution")?;
    }
    for c in &i.credits {
        w.start("credit", &[])?;
        w.leaf("scheme", &[], &c.scheme)?;
        w.opt_leaf("level", c.level.map(CreditLevel::as_str))?;
        w.opt_leaf(
            "value",
            c.value.as_ref().map(ToString::to_string).as_deref(),
        )?;
        w.end("credit")?;
    }
    for l in &i.levels {
        w.start("level", &[])?;
        w.leaf("type", &[], &l.kind)?;
        w.texts("description", &l.descriptions)?;
        w.opt_leaf("value", l.value.as_deref())?;
        w.end("level")?;
    }
    w.opt_leaf(
        "languageOfInstruction",
        i.language_of_instruction.as_deref(),
    )?;
    w.opt_leaf(
        "engagementHours",
        i.engagement_hours
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
    )?;
    if !i.attachment_refs.is_empty() {
        w.start("attachments", &[])?;
        for r in &i.attachment_refs {
            w.leaf("ref", &[], r)?;
        }
        w.end("attachments")?;
    }
    if let Some(g) = &i.grouping {
        let mut attrs = Vec::new();
        if let Some(t) = &g.typeref {
            attrs.push(("typeref", t.as_str()));
        }
        if let Some(id) = &g.idref {
            attrs.push(("idref", id.as_str()));
        }
        w.leaf("grouping", &attrs, &g.value)?;
    }
    w.extension("extension", i.extension.as_ref())?;
    // elmo.md §8 rule 1: diplomaSupplement comes after extension, as the LOI's last child.
    if let Some(d) = &i.diploma_supplement {
        diploma_supplement(w, d)?;
    }
    w.end("learningOpportunityInstance")
}

fn diploma_supplement<W: Write>(w: &mut Out<W>, d: &DiplomaSupplement) -> io::Result<()> {
    match &d.lang {
        Some(lang) => w.start("diplomaSupplement", &[("xml:lang", lang)])?,
        None => w.start("diplomaSupplement", &[])?,
    }
    w.leaf("version", &[], &d.version)?;
    w.leaf("issueDate", &[], &d.issue_date.to_string())?;
    // `introduction` has no type (any content): written verbatim, with no whitespace added.
    w.start("introduction", &[])?;
    w.event(Event::Text(BytesText::from_escaped(
        d.introduction.as_xml(),
    )))?;
    w.end("introduction")?;
    for s in &d.sections {
        section(w, s)?;
    }
    if let Some(signature) = &d.signature {
        w.raw_line(signature.as_xml())?;
    }
    w.end("diplomaSupplement")
}

fn section<W: Write>(w: &mut Out<W>, s: &DiplomaSupplementSection) -> io::Result<()> {
    w.start("section", &[("number", &s.number)])?;
    w.leaf("title", &[], &s.title)?;
    if let Some(c) = &s.content {
        let attrs: Vec<(&str, &str)> = c.media_type.iter().map(|t| ("type", t.as_str())).collect();
        // elmo.md §8 rule 12: HTML/XML content goes in CDATA. A carriage return would not
        // survive CDATA (XML normalises line ends), so such content is escaped instead.
        if c.is_markup() && !c.value.contains('\r') {
            w.start("content", &attrs)?;
            w.event(Event::Text(BytesText::from_escaped(cdata(&c.value))))?;
            w.end("content")?;
        } else {
            w.leaf("content", &attrs, &c.value)?;
        }
    }
    for info in &s.additional_information {
        w.leaf("additionalInformation", &[], info)?;
    }
    for a in &s.attachments {
        attachment(w, a)?;
    }
    for sub in &s.sections {
        section(w, sub)?;
    }
    w.end("section")
}

fn attachment<W: Write>(w: &mut Out<W>, a: &Attachment) -> io::Result<()> {
    w.start("attachment", &[])?;
    w.identifiers(&a.identifiers)?;
    w.texts("title", &a.titles)?;
    w.opt_leaf("type", a.kind.map(AttachmentType::as_str))?;
    w.texts("description", &a.descriptions)?;
    w.texts("content", &a.contents)?;
    w.extension("extension", a.extension.as_ref())?;
    w.end("attachment")
}

fn groups<W: Write>(w: &mut Out<W>, g: &Groups) -> io::Result<()> {
    w.start("groups", &[])?;
    for t in &g.group_types {
        let attrs: Vec<(&str, &str)> = t.id.iter().map(|id| ("id", id.as_str())).collect();
        w.start("groupType", &attrs)?;
        w.texts("title", &t.titles)?;
        for group in &t.groups {
            let mut attrs = Vec::new();
            if let Some(id) = &group.id {
                attrs.push(("id", id.as_str()));
            }
            if let Some(key) = &group.sorting_key {
                attrs.push(("sortingKey", key.as_str()));
            }
            w.start("group", &attrs)?;
            w.texts("title", &group.titles)?;
            w.end("group")?;
        }
        w.end("groupType")?;
    }
    w.end("groups")
}

/// Escapes text content. `>` is escaped too, so `]]>` cannot appear; `\r` as a reference,
/// because a parser would turn a literal one into `\n`.
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// Escapes an attribute value for double quotes. Tab and line ends as references, because
/// attribute-value normalisation would turn literal ones into spaces.
pub(crate) fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// CDATA section(s) for `s`; `]]>` is split across two sections.
fn cdata(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
        .collect();
    format!("<![CDATA[{}]]>", clean.replace("]]>", "]]]]><![CDATA[>"))
}
