//! The SOAP 1.1 documents the VIRTA stand-in sends: answers assembled from recorded
//! `virta:Opiskelija` slices, and faults shaped as Spring-WS writes them (virta.md §2.7, §2.8).

use quick_xml::escape::partial_escape;
use rikastin_sources::virta::{LUKU_NS, VIRTA_NS};

use super::index::OpiskelijaSlice;
use crate::config::NoData;

const ENVELOPE_START: &str = "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP-ENV:Header/><SOAP-ENV:Body>";
const ENVELOPE_END: &str = "</SOAP-ENV:Body></SOAP-ENV:Envelope>";

/// An answer holding `opiskelijat` (or "nobody found" when empty, shaped as `no_data` says).
/// With `empty_sections`, learners without attainments get an empty `Opintosuoritukset`.
pub(crate) fn answer(
    response: &str,
    opiskelijat: &[&OpiskelijaSlice],
    no_data: NoData,
    empty_sections: bool,
) -> String {
    let mut out =
        String::with_capacity(512 + opiskelijat.iter().map(|o| o.xml.len()).sum::<usize>());
    out.push_str(ENVELOPE_START);
    out.push_str(&format!(
        "<virtaluku:{response} xmlns:virtaluku=\"{LUKU_NS}\">"
    ));
    if !opiskelijat.is_empty() || no_data == NoData::EmptyVirta {
        out.push_str(&format!("<virta:Virta xmlns:virta=\"{VIRTA_NS}\">"));
        for slice in opiskelijat {
            match slice.missing_opintosuoritukset_at {
                Some(at) if empty_sections => {
                    let (head, tail) = slice.xml.split_at(at.min(slice.xml.len()));
                    let name = match &slice.prefix {
                        Some(p) => format!("{p}:Opintosuoritukset"),
                        None => "Opintosuoritukset".to_owned(),
                    };
                    out.push_str(head);
                    out.push_str(&format!("<{name}></{name}>"));
                    out.push_str(tail);
                }
                _ => out.push_str(&slice.xml),
            }
        }
        out.push_str("</virta:Virta>");
    }
    out.push_str(&format!("</virtaluku:{response}>"));
    out.push_str(ENVELOPE_END);
    out
}

/// An `OpiskelijanTiedot` answer: `virta:Opiskelijat` holding `opiskelijat`, empty when
/// nobody is known (the schema wants one; the stand-in has no recording to say otherwise).
pub(crate) fn names_answer(opiskelijat: &[&OpiskelijaSlice]) -> String {
    let mut out =
        String::with_capacity(512 + opiskelijat.iter().map(|o| o.xml.len()).sum::<usize>());
    out.push_str(ENVELOPE_START);
    out.push_str(&format!(
        "<virtaluku:OpiskelijanTiedotResponse xmlns:virtaluku=\"{LUKU_NS}\"><virta:Opiskelijat xmlns:virta=\"{VIRTA_NS}\">"
    ));
    for slice in opiskelijat {
        out.push_str(&slice.xml);
    }
    out.push_str("</virta:Opiskelijat></virtaluku:OpiskelijanTiedotResponse>");
    out.push_str(ENVELOPE_END);
    out
}

/// A `SOAP-ENV:Client` "Validation error" fault with one `spring-ws:ValidationError` per
/// message (virta.md §2.8). The messages quote the rejected values, as the real ones do.
pub(crate) fn validation_fault(messages: &[String]) -> String {
    let mut detail = String::new();
    for message in messages {
        detail.push_str(
            "<spring-ws:ValidationError xmlns:spring-ws=\"http://springframework.org/spring-ws\">",
        );
        detail.push_str(&partial_escape(message.as_str()));
        detail.push_str("</spring-ws:ValidationError>");
    }
    fault("SOAP-ENV:Client", "Validation error", Some(&detail))
}

/// A fault without detail.
pub(crate) fn fault(code: &str, string: &str, detail: Option<&str>) -> String {
    let detail = detail.map_or_else(String::new, |d| format!("<detail>{d}</detail>"));
    format!(
        "{ENVELOPE_START}<SOAP-ENV:Fault><faultcode>{code}</faultcode><faultstring xml:lang=\"en\">{}</faultstring>{detail}</SOAP-ENV:Fault>{ENVELOPE_END}",
        partial_escape(string)
    )
}
