//! Pure tests of the VIRTA stand-in: the hetu pattern, schema validation messages, slicing
//! recordings and assembling answers. No assertion message prints an identity code.

use std::path::{Path, PathBuf};

use super::index::VirtaIndex;
use super::request::{self, Operation, Rejection};
use super::{rewrite_address, soap};
use crate::config::NoData;

const LUKU: &str = "http://tietovaranto.csc.fi/luku";

fn recorded() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/recorded/virta/OpiskelijanKaikkiTiedot")
}

/// A request envelope around `body` (the payload's children after `Kutsuja`).
fn envelope(operation: &str, kutsuja: &str, hakuehdot: &str) -> String {
    format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Header/><s:Body>\
         <l:{operation} xmlns:l=\"{LUKU}\">{kutsuja}<l:Hakuehdot>{hakuehdot}</l:Hakuehdot>\
         </l:{operation}></s:Body></s:Envelope>"
    )
}

const KUTSUJA: &str = "<l:Kutsuja><l:jarjestelma>rikastin</l:jarjestelma><l:tunnus>demo</l:tunnus><l:avain>salaisuus</l:avain></l:Kutsuja>";

fn validate(xml: &str) -> Result<request::Request, Rejection> {
    let payload = request::payload(xml.as_bytes()).expect("a SOAP envelope with a payload");
    request::validate(&payload, None)
}

fn errors(xml: &str) -> Vec<String> {
    match validate(xml) {
        Err(Rejection::Invalid(messages)) => messages,
        Err(Rejection::Unserved(name)) => {
            panic!("expected a validation error, got unserved {name}")
        }
        Ok(_) => panic!("expected a validation error, the request was accepted"),
    }
}

#[test]
fn hetu_pattern_takes_individual_numbers_002_to_899_only() {
    assert!(request::hetu_matches("010203-123N"));
    assert!(request::hetu_matches("010203-002A"));
    assert!(request::hetu_matches("010203A899Y"));
    assert!(
        request::hetu_matches("290204A"),
        "the individual part is optional"
    );
    assert!(request::hetu_matches("311299+010H"));
    assert!(
        !request::hetu_matches("010203-923N"),
        "900-999 are test codes"
    );
    assert!(!request::hetu_matches("010203-999N"));
    assert!(!request::hetu_matches("010203-001N"));
    assert!(!request::hetu_matches("010203-000N"));
    assert!(!request::hetu_matches("010203Z123N"), "bad century sign");
    assert!(!request::hetu_matches("320103-123N"), "day 32");
    assert!(!request::hetu_matches("011303-123N"), "month 13");
    assert!(
        !request::hetu_matches("010203-123G"),
        "G is not a check character"
    );
    assert!(
        !request::hetu_matches(" 010203-123N"),
        "xs:string keeps whitespace"
    );
    assert!(!request::hetu_matches("010203-123N1"));
}

#[test]
fn valid_single_request_is_read() {
    let xml = envelope(
        "OpiskelijanKaikkiTiedotRequest",
        KUTSUJA,
        "<l:henkilotunnus>010203-123N</l:henkilotunnus><l:organisaatio>01901</l:organisaatio>",
    );
    let request = validate(&xml).expect("valid");
    assert_eq!(request.operation, Operation::KaikkiTiedot);
    assert_eq!(request.avain, "salaisuus");
    assert_eq!(request.identities.len(), 1);
    assert_eq!(request.organisaatio.as_deref(), Some("01901"));
}

#[test]
fn test_range_hetu_gives_the_xerces_pattern_messages() {
    let xml = envelope(
        "OpiskelijanKaikkiTiedotRequest",
        KUTSUJA,
        "<l:henkilotunnus>140173-928L</l:henkilotunnus>",
    );
    let messages = errors(&xml);
    assert_eq!(messages.len(), 2, "pattern message, then type message");
    assert!(messages[0].starts_with("cvc-pattern-valid: Value '140173-928L' is not facet-valid"));
    assert!(messages[0].contains(request::HETU_PATTERN));
    assert!(messages[0].ends_with("for type 'HenkilotunnusTyyppi'."));
    assert!(
        messages[1]
            == "cvc-type.3.1.3: The value '140173-928L' of element 'henkilotunnus' is not valid.",
        "the type message follows the pattern message"
    );
}

#[test]
fn element_order_is_checked() {
    let xml = format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
         <l:OpiskelijanKaikkiTiedotRequest xmlns:l=\"{LUKU}\"><l:Hakuehdot><l:henkilotunnus>010203-123N</l:henkilotunnus></l:Hakuehdot>{KUTSUJA}\
         </l:OpiskelijanKaikkiTiedotRequest></s:Body></s:Envelope>"
    );
    let messages = errors(&xml);
    assert_eq!(
        messages,
        [format!(
            "cvc-complex-type.2.4.a: Invalid content was found starting with element '{{\"{LUKU}\":Hakuehdot}}'. One of '{{\"{LUKU}\":Kutsuja}}' is expected."
        )]
    );
}

#[test]
fn kutsuja_fields_are_required_in_order_and_bounded() {
    let missing = "<l:Kutsuja><l:jarjestelma>a</l:jarjestelma><l:tunnus>b</l:tunnus></l:Kutsuja>";
    let xml = envelope(
        "OpiskelijanKaikkiTiedotRequest",
        missing,
        "<l:kansallinenOppijanumero>1.2.246.562.24.00000000001</l:kansallinenOppijanumero>",
    );
    let messages = errors(&xml);
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].starts_with(
            "cvc-complex-type.2.4.b: The content of element 'Kutsuja' is not complete."
        )
    );
    assert!(messages[0].contains(":avain}'"));

    let long = "x".repeat(101);
    let kutsuja = format!(
        "<l:Kutsuja><l:jarjestelma>a</l:jarjestelma><l:tunnus>b</l:tunnus><l:avain>{long}</l:avain></l:Kutsuja>"
    );
    let xml = envelope(
        "OpiskelijanKaikkiTiedotRequest",
        &kutsuja,
        "<l:kansallinenOppijanumero>1.2.246.562.24.00000000001</l:kansallinenOppijanumero>",
    );
    let messages = errors(&xml);
    assert!(messages[0].contains("with length = '101' is not facet-valid with respect to maxLength '100' for type '#AnonType_avainKutsuja'"));
}

#[test]
fn lista_takes_200_identities_of_one_kind() {
    let oids: String = (1..=200)
        .map(|i| format!("<l:kansallinenOppijanumeroLista>1.2.246.562.24.{i:011}</l:kansallinenOppijanumeroLista>"))
        .collect();
    let xml = envelope("OpiskelijanKaikkiTiedotListaRequest", KUTSUJA, &oids);
    let request = validate(&xml).expect("200 identities are allowed");
    assert_eq!(request.operation, Operation::KaikkiTiedotLista);
    assert_eq!(request.identities.len(), 200);

    let too_many = format!(
        "{oids}<l:kansallinenOppijanumeroLista>1.2.246.562.24.00000000999</l:kansallinenOppijanumeroLista>"
    );
    let xml = envelope("OpiskelijanKaikkiTiedotListaRequest", KUTSUJA, &too_many);
    let messages = errors(&xml);
    assert!(messages[0].starts_with(
        "cvc-complex-type.2.4.e: 'kansallinenOppijanumeroLista' can occur a maximum of '200' times"
    ));

    let mixed = "<l:henkilotunnusLista>010203-123N</l:henkilotunnusLista>\
                 <l:kansallinenOppijanumeroLista>1.2.246.562.24.00000000001</l:kansallinenOppijanumeroLista>";
    let xml = envelope("OpiskelijanKaikkiTiedotListaRequest", KUTSUJA, mixed);
    let messages = errors(&xml);
    assert_eq!(
        messages,
        [format!(
            "cvc-complex-type.2.4.a: Invalid content was found starting with element '{{\"{LUKU}\":kansallinenOppijanumeroLista}}'. One of '{{\"{LUKU}\":henkilotunnusLista, \"{LUKU}\":organisaatio}}' is expected."
        )]
    );
}

/// What our client sends is what the stand-in (and so VIRTA's schema) accepts.
#[test]
fn the_clients_lista_envelope_is_valid() {
    use rikastin_sources::virta::{Kutsuja, VirtaQuery, lista_envelope};
    let kutsuja = Kutsuja {
        jarjestelma: "rikastin".into(),
        tunnus: "demo".into(),
        avain: "salai<suus".into(),
        avain_source: "test".into(),
    };
    let hetus = ["010203-123N", "020304A1235"];
    let queries: Vec<VirtaQuery> = hetus.iter().map(|h| VirtaQuery::Henkilotunnus(h)).collect();
    let request = validate(&lista_envelope(&kutsuja, &queries)).expect("accepted");
    assert_eq!(request.operation, Operation::KaikkiTiedotLista);
    assert_eq!(request.identities, hetus);
    assert_eq!(request.avain, "salai<suus");
    let oids = ["1.2.246.562.24.00000000001"];
    let queries: Vec<VirtaQuery> = oids.iter().map(|o| VirtaQuery::Oppijanumero(o)).collect();
    let request = validate(&lista_envelope(&kutsuja, &queries)).expect("accepted");
    assert_eq!(request.identities, oids);
}

#[test]
fn single_request_rejects_a_second_identity() {
    let xml = envelope(
        "OpiskelijanKaikkiTiedotRequest",
        KUTSUJA,
        "<l:henkilotunnus>010203-123N</l:henkilotunnus><l:henkilotunnus>010203-124N</l:henkilotunnus>",
    );
    let messages = errors(&xml);
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains(":organisaatio}' is expected."));
}

#[test]
fn organisaatio_is_checked_against_the_enumeration() {
    let xml = envelope(
        "OpiskelijanKaikkiTiedotRequest",
        KUTSUJA,
        "<l:henkilotunnus>010203-123N</l:henkilotunnus><l:organisaatio>99999</l:organisaatio>",
    );
    let payload = request::payload(xml.as_bytes()).expect("payload");
    let codes = vec!["01901".to_owned(), "02470".to_owned()];
    let Err(Rejection::Invalid(messages)) = request::validate(&payload, Some(&codes)) else {
        panic!("an unknown organisation code must be rejected");
    };
    assert_eq!(
        messages,
        [
            "cvc-enumeration-valid: Value '99999' is not facet-valid with respect to enumeration '[01901, 02470]'. It must be a value from the enumeration.",
            "cvc-type.3.1.3: The value '99999' of element 'organisaatio' is not valid."
        ]
    );
}

#[test]
fn unknown_and_unserved_operations_are_told_apart() {
    let xml = envelope(
        "OpintosuorituksetRequest",
        KUTSUJA,
        "<l:henkilotunnus>010203-123N</l:henkilotunnus>",
    );
    assert_eq!(
        validate(&xml),
        Err(Rejection::Unserved("OpintosuorituksetRequest".to_owned()))
    );
    let xml = envelope("FooRequest", KUTSUJA, "");
    assert_eq!(
        errors(&xml),
        ["cvc-elt.1.a: Cannot find the declaration of element 'FooRequest'."]
    );
}

#[test]
fn identities_are_read_even_from_invalid_requests() {
    let xml = envelope(
        "OpiskelijanKaikkiTiedotRequest",
        "",
        "<l:henkilotunnus>010203-923N</l:henkilotunnus>",
    );
    let payload = request::payload(xml.as_bytes()).expect("payload");
    assert!(
        request::identities(&payload) == ["010203-923N"],
        "the identity is read from an invalid request"
    );
    assert!(request::validate(&payload, None).is_err(), "no Kutsuja");
}

#[test]
fn envelope_errors_are_sorted() {
    assert!(matches!(
        request::payload(b"<not xml"),
        Err(request::EnvelopeError::Malformed(_))
    ));
    assert!(matches!(
        request::payload(b"<a/>"),
        Err(request::EnvelopeError::Malformed(_))
    ));
    let soap12 = b"<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body><x/></e:Body></e:Envelope>";
    assert_eq!(
        request::payload(soap12),
        Err(request::EnvelopeError::VersionMismatch)
    );
    let empty =
        b"<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body/></e:Envelope>";
    assert_eq!(
        request::payload(empty),
        Err(request::EnvelopeError::NoPayload)
    );
}

#[test]
fn recordings_are_cut_into_standalone_opiskelija_slices() {
    let dir = recorded();
    // Learner 6: Lahti UAS 02470, then Aalto (two institutions).
    let path = dir.join("4d80b486b2cb27a6f135584d502d8880bc4799e6275098695742055f95c88a04.xml");
    let bytes = std::fs::read(&path).expect("recorded learner 6");
    let mut index = VirtaIndex::default();
    index.add(&path, bytes).expect("indexed");
    let recording = &index.recordings[0];
    // Lahti, LAB re-reporting Lahti's records (merged 2020), Aalto.
    assert_eq!(recording.opiskelijat.len(), 3);
    for slice in &recording.opiskelijat {
        assert!(slice.xml.starts_with("<virta:Opiskelija xmlns:"));
        assert!(
            slice
                .xml
                .contains("xmlns:virta=\"urn:mace:funet.fi:virta/2015/09/01\"")
        );
        assert!(slice.xml.ends_with("</virta:Opiskelija>"));
        assert!(!slice.myontajat.is_empty());
    }
    assert!(recording.opiskelijat[0].serves(Some("02470")));
    assert!(!recording.opiskelijat[2].serves(Some("02470")));

    // An answer assembled from one slice parses as one learner at one institution.
    let answer = soap::answer(
        Operation::KaikkiTiedot.response(),
        &[&recording.opiskelijat[2]],
        NoData::EmptyVirta,
        false,
    );
    let virta = rikastin_sources::virta::parse(answer.as_bytes(), "assembled").expect("parses");
    assert_eq!(virta.opiskelijat.len(), 1);
    assert!(
        virta.opiskelijat[0]
            .opiskeluoikeudet
            .iter()
            .all(|o| o.myontaja != "02470")
    );
}

#[test]
fn every_recording_is_indexed_by_hetu_and_oid() {
    let index = VirtaIndex::load(&recorded()).expect("the embedded default loads");
    assert_eq!(index.len(), 24);
    let path =
        recorded().join("fc1664abafeb38acf862e20c71b4b1d85f5de78c2432c7a3d5ab656462006aaa.xml");
    let bytes = std::fs::read(&path).expect("learner 0");
    let virta = rikastin_sources::virta::parse(&bytes, "learner 0").expect("parses");
    let opiskelija = &virta.opiskelijat[0];
    let hetu = opiskelija.henkilotunnus.as_ref().expect("a hetu").expose();
    let oid = opiskelija
        .kansallinen_oppijanumero
        .as_deref()
        .expect("an OID");
    assert_eq!(index.find(hetu).len(), 1, "found by hetu");
    assert_eq!(index.find(oid), index.find(hetu), "found by OID, same file");
    assert!(index.find("1.2.246.562.24.00000000000").is_empty());
}

#[test]
fn empty_sections_quirk_adds_an_empty_opintosuoritukset() {
    // Learner 7: LUT study right and registrations only, no Opintosuoritukset.
    let path =
        recorded().join("9f52da2404b807f6d307b77da2d51ca5f34ae09752c10441fe960b34fa41e784.xml");
    let bytes = std::fs::read(&path).expect("recorded learner 7");
    let mut index = VirtaIndex::default();
    index.add(&path, bytes).expect("indexed");
    let slice = &index.recordings[0].opiskelijat[0];
    assert!(slice.missing_opintosuoritukset_at.is_some());
    let plain = soap::answer(
        "OpiskelijanKaikkiTiedotResponse",
        &[slice],
        NoData::EmptyVirta,
        false,
    );
    let quirky = soap::answer(
        "OpiskelijanKaikkiTiedotResponse",
        &[slice],
        NoData::EmptyVirta,
        true,
    );
    assert!(!plain.contains("Opintosuoritukset>"));
    assert!(quirky.contains("<virta:Opintosuoritukset></virta:Opintosuoritukset>"));
    let virta = rikastin_sources::virta::parse(quirky.as_bytes(), "quirky")
        .expect("lenient parser reads it");
    assert_eq!(virta.opiskelijat.len(), 1);
    assert!(virta.opiskelijat[0].opintosuoritukset.is_empty());
}

#[test]
fn no_data_comes_in_both_forms() {
    let empty = soap::answer(
        "OpiskelijanKaikkiTiedotResponse",
        &[],
        NoData::EmptyVirta,
        false,
    );
    assert!(empty.contains(
        "<virta:Virta xmlns:virta=\"urn:mace:funet.fi:virta/2015/09/01\"></virta:Virta>"
    ));
    let none = soap::answer(
        "OpiskelijanKaikkiTiedotResponse",
        &[],
        NoData::NoVirta,
        false,
    );
    assert!(!none.contains("Virta "));
    assert!(none.contains(&format!(
        "<virtaluku:OpiskelijanKaikkiTiedotResponse xmlns:virtaluku=\"{LUKU}\"></virtaluku:OpiskelijanKaikkiTiedotResponse>"
    )));
    for answer in [empty, none] {
        let virta = rikastin_sources::virta::parse(answer.as_bytes(), "no data").expect("parses");
        assert!(virta.opiskelijat.is_empty());
    }
}

#[test]
fn validation_fault_has_the_spring_ws_shape() {
    let fault = soap::validation_fault(&[
        "cvc-type.3.1.3: The value 'a<b' of element 'x' is not valid.".to_owned(),
    ]);
    assert!(fault.contains("<faultcode>SOAP-ENV:Client</faultcode><faultstring xml:lang=\"en\">Validation error</faultstring><detail><spring-ws:ValidationError xmlns:spring-ws=\"http://springframework.org/spring-ws\">cvc-type.3.1.3: The value 'a&lt;b' of element 'x' is not valid.</spring-ws:ValidationError></detail>"));
}

#[test]
fn wsdl_address_is_rewritten() {
    let wsdl = "<w:definitions xmlns:w=\"http://schemas.xmlsoap.org/wsdl/\" xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/soap/\">\
                <w:service><w:port><soap:address location=\"https://localhost/luku/OpiskelijanTiedot\"/></w:port></w:service>\
                <other location=\"keep\"/></w:definitions>";
    let out = rewrite_address(wsdl, "http://127.0.0.1:9/luku/OpiskelijanTiedot");
    assert!(out.contains("<soap:address location=\"http://127.0.0.1:9/luku/OpiskelijanTiedot\"/>"));
    assert!(
        out.contains("<other location=\"keep\"/>"),
        "only soap:address changes"
    );
    assert_eq!(
        out.len(),
        wsdl.len() - "https://localhost".len() + "http://127.0.0.1:9".len()
    );
}

#[test]
fn organisation_codes_come_from_the_wsdl() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/specs/virta/opiskelijatiedot.wsdl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: the shared WSDL is not next to the workspace");
        return;
    };
    let codes = request::organisation_codes(&text);
    assert!(codes.len() > 1000);
    assert!(codes.iter().any(|c| c == "01901"), "University of Helsinki");
}
