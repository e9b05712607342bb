//! Reading a VIRTA SOAP request the way the real service does: the SOAP 1.1 envelope, then the
//! payload checked against the `luku` schema (virta.md §2.5) with Xerces' messages, which the
//! real service returns in a Spring-WS "Validation error" fault (§2.8).
//!
//! The payload becomes a small element tree first; requests are a few kilobytes (≤ 200
//! identities), so the tree costs nothing and keeps the schema checks readable.

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use rikastin_sources::virta::{LUKU_NS, SOAP_ENV_NS};

/// XML Schema instance namespace: its attributes (`xsi:type`, ...) are allowed anywhere.
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// SOAP 1.2 envelope namespace: a SOAP 1.2 request gets a VersionMismatch fault.
const SOAP12_ENV_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// Requests nest a few levels; this bounds hostile input.
const MAX_DEPTH: usize = 16;
/// More elements than a full Lista request (200 identities) could need.
const MAX_ELEMENTS: usize = 2_000;
/// Lista requests take at most this many identities (virta.md §2.5).
pub(crate) const MAX_LISTA: usize = 200;

/// `HenkilotunnusTyyppi`'s pattern, as the schema states it and Xerces quotes it.
pub(crate) const HETU_PATTERN: &str = "(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9][0-9][+\\-ABCDEFXYWVU]((00[2-9]|[0-8][1-9][0-9]|[1-8][0-9][0-9])[0-9ABCDEFHJKLMNPRSTUVWXY])?";

/// An element of the request, namespace resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// Namespace URI; `None` when unqualified.
    pub(crate) ns: Option<String>,
    /// Local name.
    pub(crate) local: String,
    /// The direct text, concatenated (entity references resolved, not trimmed).
    pub(crate) text: String,
    /// Attributes other than namespace declarations and `xsi:*`, by qualified name.
    pub(crate) attributes: Vec<String>,
    pub(crate) children: Vec<Node>,
}

impl Node {
    fn is(&self, ns: &str, local: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.local == local
    }

    /// How Xerces names an element in "Invalid content was found starting with element ..".
    fn xerces_name(&self) -> String {
        match &self.ns {
            Some(ns) => format!("'{{\"{ns}\":{}}}'", self.local),
            None => format!("'{}'", self.local),
        }
    }

    fn has_character_content(&self) -> bool {
        !self.text.trim().is_empty()
    }

    /// Every descendant's text whose local name is one of `names`, trimmed, in document order.
    fn texts_of(&self, names: &[&str], out: &mut Vec<String>) {
        for child in &self.children {
            if names.contains(&child.local.as_str()) {
                let text = child.text.trim();
                if !text.is_empty() {
                    out.push(text.to_owned());
                }
            }
            child.texts_of(names, out);
        }
    }
}

/// Why a request body is not a SOAP 1.1 request with a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EnvelopeError {
    /// Not well-formed XML, or no envelope at all: Spring-WS answers HTTP 400.
    Malformed(String),
    /// An `Envelope` in another namespace (e.g. SOAP 1.2): a `VersionMismatch` fault.
    VersionMismatch,
    /// A SOAP envelope whose Body holds no element.
    NoPayload,
}

/// Reads the envelope and returns the payload (the Body's first element).
pub(crate) fn payload(bytes: &[u8]) -> Result<Node, EnvelopeError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let src = std::str::from_utf8(bytes)
        .map_err(|e| EnvelopeError::Malformed(format!("invalid UTF-8: {e}")))?;
    let root = tree(src).map_err(EnvelopeError::Malformed)?;
    if root.local != "Envelope" {
        return Err(EnvelopeError::Malformed(
            "the root element is not a SOAP Envelope".to_owned(),
        ));
    }
    match root.ns.as_deref() {
        Some(SOAP_ENV_NS) => {}
        Some(SOAP12_ENV_NS) | Some(_) | None => return Err(EnvelopeError::VersionMismatch),
    }
    let body = root
        .children
        .into_iter()
        .find(|c| c.is(SOAP_ENV_NS, "Body"))
        .ok_or(EnvelopeError::NoPayload)?;
    body.children
        .into_iter()
        .next()
        .ok_or(EnvelopeError::NoPayload)
}

/// Builds the element tree of a whole document.
fn tree(src: &str) -> Result<Node, String> {
    let mut reader = NsReader::from_str(src);
    reader.config_mut().trim_text(false);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = Vec::new();
    let mut count = 0usize;
    let mut root = None;
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(|e| e.to_string())?;
        let ns = match resolved {
            ResolveResult::Bound(ns) => Some(ns.as_ref().to_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(p) => {
                return Err(format!("undeclared namespace prefix `{}`", p));
            }
        };
        let (start, empty) = match event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
                continue;
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
                continue;
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(ch) => ch.to_string(),
                    None => {
                        let name = r.xml10_content();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| format!("unknown entity `&{name};`"))?
                            .to_owned()
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&ch);
                }
                continue;
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err("unexpected end tag".to_owned());
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        count += 1;
        if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
            return Err("the request nests too deep or has too many elements".to_owned());
        }
        if root.is_some() {
            return Err("more than one root element".to_owned());
        }
        let mut attributes = Vec::new();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| e.to_string())?;
            let key = attr.key;
            if key.as_ref() == "xmlns" || key.as_ref().starts_with("xmlns:") {
                continue;
            }
            let (attr_ns, _) = reader.resolver().resolve_attribute(key);
            if matches!(attr_ns, ResolveResult::Bound(n) if n.as_ref() == XSI_NS) {
                continue;
            }
            attributes.push(key.as_ref().to_owned());
        }
        let node = Node {
            ns,
            local: start.local_name().as_ref().to_owned(),
            text: String::new(),
            attributes,
            children: Vec::new(),
        };
        if empty {
            match stack.last_mut() {
                Some(parent) => parent.children.push(node),
                None => root = Some(node),
            }
        } else {
            stack.push(node);
        }
    }
    if !stack.is_empty() {
        return Err("the document ends inside an element".to_owned());
    }
    root.ok_or_else(|| "no root element".to_owned())
}

/// The operations the stand-in serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    /// `OpiskelijanKaikkiTiedot`: one learner.
    KaikkiTiedot,
    /// `OpiskelijanKaikkiTiedotLista`: up to 200 learners, by hetu or by OID.
    KaikkiTiedotLista,
    /// `OpiskelijanTiedot`: one learner's person data at one institution (`organisaatio` is
    /// mandatory).
    Tiedot,
}

impl Operation {
    pub(crate) fn response(self) -> &'static str {
        match self {
            Operation::KaikkiTiedot => "OpiskelijanKaikkiTiedotResponse",
            Operation::KaikkiTiedotLista => "OpiskelijanKaikkiTiedotListaResponse",
            Operation::Tiedot => "OpiskelijanTiedotResponse",
        }
    }
}

/// The other operations of the WSDL (virta.md §2.4), known but not served here.
const UNSERVED: [&str; 5] = [
    "OpintosuorituksetRequest",
    "TutkinnotRequest",
    "OpiskeluoikeudetRequest",
    "LukukausiIlmoittautumisetRequest",
    "LiikkuvuusjaksotRequest",
];

/// A valid request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) operation: Operation,
    pub(crate) jarjestelma: String,
    pub(crate) tunnus: String,
    pub(crate) avain: String,
    /// Henkilötunnukset or oppijanumerot asked for (never both: the schema's choice).
    pub(crate) identities: Vec<String>,
    pub(crate) organisaatio: Option<String>,
}

/// Why a payload cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// Schema validation failed: Xerces messages, one per `spring-ws:ValidationError`.
    Invalid(Vec<String>),
    /// A WSDL operation the stand-in does not serve (the element's local name).
    Unserved(String),
}

/// The identities a payload asks for, read leniently (even from an invalid request), so that
/// attempts are counted per learner whatever the request's fate.
pub(crate) fn identities(payload: &Node) -> Vec<String> {
    let mut out = Vec::new();
    payload.texts_of(
        &[
            "henkilotunnus",
            "kansallinenOppijanumero",
            "henkilotunnusLista",
            "kansallinenOppijanumeroLista",
        ],
        &mut out,
    );
    out
}

/// Validates a payload against the `luku` schema. `organisations` is the
/// `OrganisaatioKoodiTyyppi` enumeration when the WSDL was loaded.
pub(crate) fn validate(
    payload: &Node,
    organisations: Option<&[String]>,
) -> Result<Request, Rejection> {
    let operation = if payload.is(LUKU_NS, "OpiskelijanKaikkiTiedotRequest") {
        Operation::KaikkiTiedot
    } else if payload.is(LUKU_NS, "OpiskelijanKaikkiTiedotListaRequest") {
        Operation::KaikkiTiedotLista
    } else if payload.is(LUKU_NS, "OpiskelijanTiedotRequest") {
        Operation::Tiedot
    } else if payload.ns.as_deref() == Some(LUKU_NS) && UNSERVED.contains(&&*payload.local) {
        return Err(Rejection::Unserved(payload.local.clone()));
    } else {
        return Err(Rejection::Invalid(vec![format!(
            "cvc-elt.1.a: Cannot find the declaration of element '{}'.",
            payload.local
        )]));
    };
    let mut v = Validator {
        errors: Vec::new(),
        organisations,
    };
    let request = v.request(payload, operation);
    match request {
        Some(request) if v.errors.is_empty() => Ok(request),
        _ => Err(Rejection::Invalid(v.errors)),
    }
}

struct Validator<'a> {
    errors: Vec<String>,
    organisations: Option<&'a [String]>,
}

/// `{"ns":a, "ns":b}` as Xerces lists expected elements.
fn expected(names: &[&str]) -> String {
    let list: Vec<String> = names.iter().map(|n| format!("\"{LUKU_NS}\":{n}")).collect();
    format!("'{{{}}}'", list.join(", "))
}

impl Validator<'_> {
    fn request(&mut self, payload: &Node, operation: Operation) -> Option<Request> {
        self.complex(payload);
        let [kutsuja, hakuehdot] = self.sequence(payload, &["Kutsuja", "Hakuehdot"])?;
        let credentials = self.kutsuja(kutsuja);
        let (identities, organisaatio) = match operation {
            Operation::KaikkiTiedot => self.hakuehdot(hakuehdot),
            Operation::KaikkiTiedotLista => self.hakuehdot_lista(hakuehdot),
            Operation::Tiedot => self.hakuehdot_organisaatio(hakuehdot),
        }?;
        let [jarjestelma, tunnus, avain] = credentials?;
        Some(Request {
            operation,
            jarjestelma,
            tunnus,
            avain,
            identities,
            organisaatio,
        })
    }

    /// Checks an element-only element: no attributes, no character content.
    fn complex(&mut self, el: &Node) {
        for attr in &el.attributes {
            self.errors.push(format!(
                "cvc-complex-type.3.2.2: Attribute '{attr}' is not allowed to appear in element '{}'.",
                el.local
            ));
        }
        if el.has_character_content() {
            self.errors.push(format!(
                "cvc-complex-type.2.3: Element '{}' cannot have character [children], because the type's content type is element-only.",
                el.local
            ));
        }
    }

    /// Checks a simple-typed element (no attributes, no children); returns its value.
    fn simple(&mut self, el: &Node) -> Option<String> {
        let mut ok = true;
        if let Some(attr) = el.attributes.first() {
            self.errors.push(format!(
                "cvc-type.3.1.1: Element '{}' is a simple type, so it cannot have attributes, excepting those whose namespace name is identical to '{XSI_NS}' and whose [local name] is one of 'type', 'nil', 'schemaLocation' or 'noNamespaceSchemaLocation'. However, the attribute, '{attr}' was found.",
                el.local
            ));
            ok = false;
        }
        if !el.children.is_empty() {
            self.errors.push(format!(
                "cvc-type.3.1.2: Element '{}' is a simple type, so it must have no element information item [children].",
                el.local
            ));
            ok = false;
        }
        ok.then(|| el.text.clone())
    }

    /// A sequence of required elements, each once.
    fn sequence<'n, const N: usize>(
        &mut self,
        parent: &'n Node,
        names: &[&str; N],
    ) -> Option<[&'n Node; N]> {
        let mut found = Vec::with_capacity(N);
        for (i, name) in names.iter().enumerate() {
            match parent.children.get(i) {
                Some(child) if child.is(LUKU_NS, name) => found.push(child),
                Some(child) => {
                    self.errors.push(format!(
                        "cvc-complex-type.2.4.a: Invalid content was found starting with element {}. One of {} is expected.",
                        child.xerces_name(),
                        expected(&[name])
                    ));
                    return None;
                }
                None => {
                    self.incomplete(parent, &[name]);
                    return None;
                }
            }
        }
        if let Some(extra) = parent.children.get(N) {
            self.no_more(extra);
            return None;
        }
        found.try_into().ok()
    }

    fn incomplete(&mut self, parent: &Node, names: &[&str]) {
        self.errors.push(format!(
            "cvc-complex-type.2.4.b: The content of element '{}' is not complete. One of {} is expected.",
            parent.local,
            expected(names)
        ));
    }

    fn no_more(&mut self, extra: &Node) {
        self.errors.push(format!(
            "cvc-complex-type.2.4.d: Invalid content was found starting with element {}. No child element is expected at this point.",
            extra.xerces_name()
        ));
    }

    fn kutsuja(&mut self, kutsuja: &Node) -> Option<[String; 3]> {
        self.complex(kutsuja);
        let names = ["jarjestelma", "tunnus", "avain"];
        let fields = self.sequence(kutsuja, &names)?;
        let mut values: Vec<String> = Vec::with_capacity(3);
        for (el, name) in fields.iter().zip(names) {
            let value = self.simple(el)?;
            let length = value.chars().count();
            if length > 100 {
                // Xerces names anonymous types after the element and its enclosing type.
                self.errors.push(format!(
                    "cvc-maxLength-valid: Value '{value}' with length = '{length}' is not facet-valid with respect to maxLength '100' for type '#AnonType_{name}Kutsuja'."
                ));
                self.not_valid(&value, name);
                return None;
            }
            values.push(value);
        }
        values.try_into().ok()
    }

    fn not_valid(&mut self, value: &str, element: &str) {
        self.errors.push(format!(
            "cvc-type.3.1.3: The value '{value}' of element '{element}' is not valid."
        ));
    }

    /// `HakuEhdotOrganisaatioVapaa`: henkilotunnus or kansallinenOppijanumero, then an optional
    /// organisaatio.
    fn hakuehdot(&mut self, hakuehdot: &Node) -> Option<(Vec<String>, Option<String>)> {
        self.complex(hakuehdot);
        let choice = ["henkilotunnus", "kansallinenOppijanumero"];
        let mut children = hakuehdot.children.iter();
        let Some(first) = children.next() else {
            self.incomplete(hakuehdot, &choice);
            return None;
        };
        let identity = if first.is(LUKU_NS, "henkilotunnus") {
            self.hetu(first)
        } else if first.is(LUKU_NS, "kansallinenOppijanumero") {
            self.simple(first)
        } else {
            self.unexpected(first, &choice);
            return None;
        };
        let organisaatio = self.organisaatio_tail(children, &[])?;
        Some((vec![identity?], organisaatio))
    }

    /// `OpiskelijanTiedotRequest`'s Hakuehdot: like `HakuEhdotOrganisaatioVapaa`, but
    /// `organisaatio` is mandatory (virta.md §2.5: person data is always per institution).
    fn hakuehdot_organisaatio(
        &mut self,
        hakuehdot: &Node,
    ) -> Option<(Vec<String>, Option<String>)> {
        let (identities, organisaatio) = self.hakuehdot(hakuehdot)?;
        if organisaatio.is_none() {
            self.incomplete(hakuehdot, &["organisaatio"]);
            return None;
        }
        Some((identities, organisaatio))
    }

    /// `HakuEhdotOrganisaatioVapaaLista`: 1-200 henkilotunnusLista or 1-200
    /// kansallinenOppijanumeroLista (not mixed), then an optional organisaatio.
    fn hakuehdot_lista(&mut self, hakuehdot: &Node) -> Option<(Vec<String>, Option<String>)> {
        self.complex(hakuehdot);
        let choice = ["henkilotunnusLista", "kansallinenOppijanumeroLista"];
        let Some(first) = hakuehdot.children.first() else {
            self.incomplete(hakuehdot, &choice);
            return None;
        };
        let Some(kind) = choice.into_iter().find(|name| first.is(LUKU_NS, name)) else {
            self.unexpected(first, &choice);
            return None;
        };
        let items = hakuehdot
            .children
            .iter()
            .take_while(|c| c.is(LUKU_NS, kind))
            .count();
        let mut identities = Vec::with_capacity(items.min(MAX_LISTA));
        let mut all_valid = true;
        for item in hakuehdot.children.iter().take(items.min(MAX_LISTA)) {
            let value = if kind == "henkilotunnusLista" {
                self.hetu(item)
            } else {
                self.simple(item)
            };
            match value {
                Some(value) => identities.push(value),
                None => all_valid = false,
            }
        }
        if items > MAX_LISTA {
            self.errors.push(format!(
                "cvc-complex-type.2.4.e: '{kind}' can occur a maximum of '{MAX_LISTA}' times in the current sequence. This limit was exceeded. At this point one of {} is expected.",
                expected(&["organisaatio"])
            ));
            return None;
        }
        let rest = hakuehdot.children.iter().skip(items);
        let organisaatio = self.organisaatio_tail(rest, &[kind])?;
        all_valid.then_some((identities, organisaatio))
    }

    /// The optional trailing organisaatio, then nothing. `also` names what else could have
    /// come at this point (for the message).
    fn organisaatio_tail<'n>(
        &mut self,
        mut rest: impl Iterator<Item = &'n Node>,
        also: &[&str],
    ) -> Option<Option<String>> {
        let Some(next) = rest.next() else {
            return Some(None);
        };
        if !next.is(LUKU_NS, "organisaatio") {
            let mut names = also.to_vec();
            names.push("organisaatio");
            self.unexpected(next, &names);
            return None;
        }
        let value = self.simple(next)?;
        if let Some(extra) = rest.next() {
            self.no_more(extra);
            return None;
        }
        if let Some(codes) = self.organisations
            && !codes.contains(&value)
        {
            self.errors.push(format!(
                "cvc-enumeration-valid: Value '{value}' is not facet-valid with respect to enumeration '[{}]'. It must be a value from the enumeration.",
                codes.join(", ")
            ));
            self.not_valid(&value, "organisaatio");
            return None;
        }
        Some(Some(value))
    }

    fn unexpected(&mut self, found: &Node, names: &[&str]) {
        self.errors.push(format!(
            "cvc-complex-type.2.4.a: Invalid content was found starting with element {}. One of {} is expected.",
            found.xerces_name(),
            expected(names)
        ));
    }

    /// A `HenkilotunnusTyyppi` value: maxLength 200, then the pattern (virta.md §2.5).
    fn hetu(&mut self, el: &Node) -> Option<String> {
        let value = self.simple(el)?;
        let length = value.chars().count();
        if length > 200 {
            self.errors.push(format!(
                "cvc-maxLength-valid: Value '{value}' with length = '{length}' is not facet-valid with respect to maxLength '200' for type 'HenkilotunnusTyyppi'."
            ));
        } else if !hetu_matches(&value) {
            self.errors.push(format!(
                "cvc-pattern-valid: Value '{value}' is not facet-valid with respect to pattern '{HETU_PATTERN}' for type 'HenkilotunnusTyyppi'."
            ));
        } else {
            return Some(value);
        }
        self.not_valid(&value, &el.local);
        None
    }
}

/// Whether `value` matches [`HETU_PATTERN`] as a whole (XSD patterns are anchored):
/// `DDMMYY`, a century sign, then optionally an individual number 002-899 and a check
/// character. The check character is not verified, as in the schema.
pub(crate) fn hetu_matches(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 7 && b.len() != 11 {
        return false;
    }
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let day_ok = matches!(
        (b[0], b[1]),
        (b'0', b'1'..=b'9') | (b'1' | b'2', b'0'..=b'9') | (b'3', b'0' | b'1')
    );
    let month_ok = matches!((b[2], b[3]), (b'0', b'1'..=b'9') | (b'1', b'0'..=b'2'));
    let year_ok = digit(4) && digit(5);
    let century_ok = b"+-ABCDEFXYWVU".contains(&b[6]);
    if !(day_ok && month_ok && year_ok && century_ok) {
        return false;
    }
    if b.len() == 7 {
        return true;
    }
    let individual_ok = matches!(
        (b[7], b[8], b[9]),
        (b'0', b'0', b'2'..=b'9')
            | (b'0'..=b'8', b'1'..=b'9', b'0'..=b'9')
            | (b'1'..=b'8', b'0'..=b'9', b'0'..=b'9')
    );
    individual_ok && b"0123456789ABCDEFHJKLMNPRSTUVWXY".contains(&b[10])
}

/// The `OrganisaatioKoodiTyyppi` enumeration of a WSDL (or XSD), in document order; empty when
/// the type is not there.
pub(crate) fn organisation_codes(wsdl: &str) -> Vec<String> {
    let mut reader = NsReader::from_str(wsdl);
    let mut codes = Vec::new();
    let mut depth_in_type: Option<usize> = None;
    let mut depth = 0usize;
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        match event {
            Event::Start(start) => {
                depth += 1;
                if depth_in_type.is_none()
                    && start.local_name().as_ref() == "simpleType"
                    && attr_value(&start, "name").as_deref() == Some("OrganisaatioKoodiTyyppi")
                {
                    depth_in_type = Some(depth);
                }
            }
            Event::Empty(start)
                if depth_in_type.is_some() && start.local_name().as_ref() == "enumeration" =>
            {
                codes.extend(attr_value(&start, "value"));
            }
            Event::End(_) => {
                if depth_in_type == Some(depth) {
                    break;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    codes
}

fn attr_value(start: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}
