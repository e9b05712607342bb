//! Tests for the KOSKI parser: the shared samples, recursion, truncation, precise errors,
//! error bodies and privacy.

use super::*;
use crate::ErrorKind;

// ---- helpers -------------------------------------------------------------------------------

/// A shared sample by file name, or `None` (with a note) when `../shared` is not there.
fn sample(name: &str) -> Option<Vec<u8>> {
    crate::shared_sample("koski", name)
}

const AMMATILLINEN: &str = "ammatillinen-perustutkinto_2024-08-13.json";
const LUKIO: &str = "lukioops2019-oppimaara_2025-10-08.json";

/// A synthetic identity code (individual number 123, valid check character).
const HETU: &str = "010203-1230";

/// One learner with one study right whose one suoritus is `suoritus`, laid out one field per
/// line so that positions in errors are predictable.
fn doc(suoritus: &str) -> String {
    format!(
        r#"{{
"henkilö": {{"oid": "1.2.246.562.24.00000000001", "hetu": "{HETU}", "etunimet": "Maija", "sukunimi": "Meikäläinen"}},
"opiskeluoikeudet": [{{
"oppilaitos": {{"oid": "1.2.246.562.10.52251087186"}},
"tila": {{"opiskeluoikeusjaksot": [{{"alku": "2012-09-01", "tila": {{"koodiarvo": "lasna", "koodistoUri": "koskiopiskeluoikeudentila"}}}}]}},
"tyyppi": {{"koodiarvo": "ammatillinenkoulutus", "koodistoUri": "opiskeluoikeudentyyppi"}},
"suoritukset": [{suoritus}]
}}]
}}"#
    )
}

fn unit(code: &str, parts: &str) -> String {
    format!(
        r#"{{"koulutusmoduuli": {{"tunniste": {{"koodiarvo": "{code}", "koodistoUri": "tutkinnonosat"}},
"laajuus": {{"arvo": 5.0, "yksikkö": {{"koodiarvo": "6", "koodistoUri": "opintojenlaajuusyksikko"}}}}}},
"tyyppi": {{"koodiarvo": "ammatillisentutkinnonosa", "koodistoUri": "suorituksentyyppi"}},
"osasuoritukset": [{parts}]}}"#
    )
}

fn err(json: &str) -> crate::Error {
    parse(json.as_bytes(), "inline.json").expect_err("should not parse")
}

// ---- the shared samples --------------------------------------------------------------------

#[test]
fn vocational_sample_parses_with_units_grades_and_osaamispiste() {
    let Some(bytes) = sample(AMMATILLINEN) else {
        return;
    };
    let oppija = parse(&bytes, AMMATILLINEN).unwrap();
    assert!(oppija.henkilo.hetu.is_some());
    assert_eq!(oppija.henkilo.sukunimi, "Ammattilainen");
    let oo = &oppija.opiskeluoikeudet[0];
    assert_eq!(oo.tyyppi.koodiarvo, "ammatillinenkoulutus");
    assert_eq!(
        oo.oppilaitos.as_ref().unwrap().oid,
        "1.2.246.562.10.52251087186"
    );
    assert_eq!(oo.viimeisin_tila().unwrap().koodiarvo, "valmistunut");
    assert_eq!(oo.paattymispaiva.unwrap().as_str(), "2016-08-31");
    let tutkinto = &oo.suoritukset[0];
    assert_eq!(tutkinto.tyyppi.koodiarvo, "ammatillinentutkinto");
    assert_eq!(tutkinto.koulutusmoduuli.tunniste.koodiarvo, "361902");
    assert_eq!(
        tutkinto.vahvistus.as_ref().unwrap().paiva.as_str(),
        "2016-08-31"
    );
    assert_eq!(tutkinto.suorituskieli.as_ref().unwrap().koodiarvo, "FI");
    assert_eq!(tutkinto.osasuoritukset.len(), 12);
    assert_eq!(tutkinto.syvyys(), 3);
    let osa = &tutkinto.osasuoritukset[0];
    let laajuus = osa.koulutusmoduuli.laajuus.as_ref().unwrap();
    assert_eq!(
        (
            laajuus.arvo_text().as_str(),
            laajuus.yksikko.koodiarvo.as_str()
        ),
        ("40", "6")
    );
    let grade = osa.viimeisin_arviointi().unwrap();
    assert_eq!(
        grade.arvosana.koodisto_uri,
        "arviointiasteikkoammatillinent1k3"
    );
    assert_eq!(grade.hyvaksytty, Some(true));
    // A local unit: no code-set URI, named by its code.
    let local = &tutkinto.osasuoritukset[10];
    assert!(local.koulutusmoduuli.tunniste.is_paikallinen());
    assert_eq!(local.koulutusmoduuli.tunniste.koodiarvo, "enkku3");
}

#[test]
fn upper_secondary_sample_parses_with_modules_in_opintopiste() {
    let Some(bytes) = sample(LUKIO) else {
        return;
    };
    let oppija = parse(&bytes, LUKIO).unwrap();
    let oo = &oppija.opiskeluoikeudet[0];
    assert_eq!(oo.tyyppi.koodiarvo, "lukiokoulutus");
    let oppimaara = &oo.suoritukset[0];
    assert_eq!(oppimaara.tyyppi.koodiarvo, "lukionoppimaara");
    // The qualification code comes without a name; subjects grade without a date.
    assert!(oppimaara.koulutusmoduuli.tunniste.nimi.is_none());
    let ai = &oppimaara.osasuoritukset[0];
    assert_eq!(ai.koulutusmoduuli.tunniste.koodiarvo, "AI");
    assert!(ai.viimeisin_arviointi().unwrap().paiva.is_none());
    let module = &ai.osasuoritukset[0];
    assert_eq!(module.tyyppi.koodiarvo, "lukionvaltakunnallinenmoduuli");
    let laajuus = module.koulutusmoduuli.laajuus.as_ref().unwrap();
    assert_eq!(laajuus.yksikko.koodiarvo, "2");
    assert_eq!(
        module
            .viimeisin_arviointi()
            .unwrap()
            .paiva
            .unwrap()
            .as_str(),
        "2021-09-04"
    );
}

#[test]
fn debug_output_of_a_parsed_sample_hides_the_identity_code() {
    let Some(bytes) = sample(AMMATILLINEN) else {
        return;
    };
    let oppija = parse(&bytes, AMMATILLINEN).unwrap();
    let hetu = oppija.henkilo.hetu.as_ref().unwrap().expose().to_owned();
    let debug = format!("{oppija:?}");
    assert!(!debug.contains(&hetu));
    assert!(debug.contains("Henkilotunnus(***)"));
}

// ---- the model -----------------------------------------------------------------------------

#[test]
fn osasuoritukset_recurse_to_any_reasonable_depth() {
    // Real records go 3 to 6 levels deep. 13 is the most that MAX_DEPTH lets through (each
    // level nests 2 containers, the leaf's module 3 more); it must parse on a test thread's
    // 2 MiB stack in a debug build, and one more level must be refused.
    let mut tree = unit("leaf", "");
    for i in 0..12 {
        tree = unit(&format!("level{i}"), &tree);
    }
    let oppija = parse(doc(&tree).as_bytes(), "deep.json").unwrap();
    let root = &oppija.opiskeluoikeudet[0].suoritukset[0];
    assert_eq!(root.syvyys(), 13);
    assert!(parse(doc(&unit("x", &tree)).as_bytes(), "deeper.json").is_err());
    let mut node = root;
    while let Some(child) = node.osasuoritukset.first() {
        node = child;
    }
    assert_eq!(node.koulutusmoduuli.tunniste.koodiarvo, "leaf");
}

#[test]
fn absurd_nesting_is_an_error_not_a_crash() {
    let mut tree = unit("leaf", "");
    for _ in 0..200 {
        tree = unit("x", &tree);
    }
    let json = doc(&tree);
    let e = err(&json);
    assert!(matches!(e.kind(), ErrorKind::Json { .. }), "{e}");
    assert!(
        e.to_string().contains("nested deeper than 32 levels"),
        "{e}"
    );
    assert!(e.line() > 1 && e.column() > 1, "{e}");
    assert!(!e.is_retryable());
    // Brackets inside strings do not count.
    let brackets = "[{".repeat(100);
    let json = doc(&unit("100431", "")).replace("\"100431\"", &format!("\"{brackets}\""));
    assert!(parse(json.as_bytes(), "brackets.json").is_ok());
}

#[test]
fn unknown_fields_are_ignored() {
    let json = doc(&unit("100431", "")).replace(
        "\"tyyppi\": {\"koodiarvo\": \"ammatillinenkoulutus\"",
        "\"uusiKenttä\": {\"a\": [1, 2]}, \"tyyppi\": {\"koodiarvo\": \"ammatillinenkoulutus\"",
    );
    assert!(json.contains("uusiKenttä"));
    let oppija = parse(json.as_bytes(), "new-fields.json").unwrap();
    assert_eq!(
        oppija.opiskeluoikeudet[0].tyyppi.koodiarvo,
        "ammatillinenkoulutus"
    );
}

#[test]
fn omadata_answer_keeps_the_token_scope() {
    let json = doc(&unit("100431", "")).replacen(
        '{',
        r#"{"tokenInfo": {"scope": "OPISKELUOIKEUDET_KAIKKI_TIEDOT", "expirationTime": "2026-01-01T10:00:00Z"},"#,
        1,
    );
    let oppija = parse(json.as_bytes(), "omadata.json").unwrap();
    assert_eq!(
        oppija.token_info.unwrap().scope,
        "OPISKELUOIKEUDET_KAIKKI_TIEDOT"
    );
}

// ---- failures ------------------------------------------------------------------------------

#[test]
fn a_truncated_body_is_retryable() {
    let json = doc(&unit("100431", ""));
    for cut in [json.len() / 2, json.len() - 1, 1, 0] {
        let e = parse(&json.as_bytes()[..cut], "cut.json").unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Truncated { .. }),
            "{cut}: {e}"
        );
        assert!(e.is_retryable(), "{cut}: {e}");
    }
    if let Some(bytes) = sample(AMMATILLINEN) {
        let e = parse(&bytes[..bytes.len() / 3], AMMATILLINEN).unwrap_err();
        assert!(e.is_retryable(), "{e}");
        assert!(e.to_string().contains("truncated JSON"), "{e}");
    }
}

#[test]
fn a_type_error_gives_the_json_path_and_line_and_column() {
    let json = doc(&unit("100431", "")).replace("\"arvo\": 5.0", "\"arvo\": \"viisi\"");
    let e = err(&json);
    assert!(matches!(e.kind(), ErrorKind::Json { .. }));
    assert!(!e.is_retryable());
    assert_eq!(
        e.path(),
        "/opiskeluoikeudet/0/suoritukset/0/koulutusmoduuli/laajuus/arvo"
    );
    // The value ends on line 8 (the unit's second line), just after `"viisi"`.
    let line8 = json.lines().nth(7).unwrap();
    let col = line8.find("\"viisi\"").unwrap() + "\"viisi\"".len();
    assert_eq!((e.line(), e.column()), (8, u32::try_from(col).unwrap()));
    assert_eq!(
        e.to_string(),
        format!(
            "inline.json:8:{col}: at /opiskeluoikeudet/0/suoritukset/0/koulutusmoduuli/laajuus/arvo: invalid type: string \"viisi\", expected f64"
        )
    );
}

#[test]
fn a_missing_required_field_names_it_and_its_object() {
    let json = doc(&unit("100431", "")).replace(
        "\"tyyppi\": {\"koodiarvo\": \"ammatillisentutkinnonosa\", \"koodistoUri\": \"suorituksentyyppi\"},\n",
        "",
    );
    let e = err(&json);
    assert_eq!(e.path(), "/opiskeluoikeudet/0/suoritukset/0");
    assert!(e.to_string().ends_with("missing field `tyyppi`"), "{e}");
}

#[test]
fn an_impossible_date_is_an_error_at_its_field() {
    let json =
        doc(&unit("100431", "")).replace("\"alku\": \"2012-09-01\"", "\"alku\": \"2012-02-30\"");
    let e = err(&json);
    assert_eq!(
        e.path(),
        "/opiskeluoikeudet/0/tila/opiskeluoikeusjaksot/0/alku"
    );
    assert!(e.to_string().contains("expected a date YYYY-MM-DD"), "{e}");
}

#[test]
fn trailing_bytes_are_an_error() {
    let json = format!("{} {{}}", doc(&unit("100431", "")));
    let e = err(&json);
    assert!(e.to_string().contains("trailing characters"), "{e}");
    assert!(!e.is_retryable());
}

#[test]
fn no_identity_code_in_any_error_display() {
    let base = doc(&unit("100431", ""));
    // A hetu-shaped value echoed by the message (wrong types, a bad date), an odd hetu that only the known-value pass can catch, and a hetu in the origin.
    let odd = "hetu-XQ77-odd";
    let cases = [
        base.replace("\"arvo\": 5.0", &format!("\"arvo\": \"{HETU}\"")),
        base.replace("\"alku\": \"2012-09-01\"", &format!("\"alku\": \"{HETU}\"")),
        base.replace(
            "\"etunimet\"",
            &format!("\"turvakielto\": \"{HETU}\", \"etunimet\""),
        ),
        base.replace(HETU, odd)
            .replace("\"alku\": \"2012-09-01\"", &format!("\"alku\": \"{odd}\"")),
        base[..base.find(HETU).unwrap() + 4].to_owned(),
    ];
    for (i, json) in cases.iter().enumerate() {
        let e = parse(json.as_bytes(), &format!("{HETU}.json")).unwrap_err();
        for shown in [e.to_string(), format!("{e:?}")] {
            assert!(!shown.contains(HETU), "case {i} leaks: {shown}");
            assert!(!shown.contains(odd), "case {i} leaks: {shown}");
            assert!(!shown.contains("010203"), "case {i} leaks: {shown}");
        }
    }
}

// ---- error bodies --------------------------------------------------------------------------

#[test]
fn error_bodies_are_read_leniently() {
    let body = r#"[{"key":"unavailable.virta","message":"Korkeakoulutuksen opiskeluoikeuksia ei juuri nyt saada haettua. Yritä myöhemmin uudelleen."}]"#;
    let errors = parse_errors(body.as_bytes());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].key, "unavailable.virta");
    assert!(errors[0].message.starts_with("Korkeakoulutuksen"));
    assert!(errors[0].is_unavailable());

    // A JSON message is kept as compact JSON text.
    let body = r#"[{"key":"badRequest.validation.jsonSchema","message":[{"path":"henkilö","error":"x"}]},{"key":"forbidden"}]"#;
    let errors = parse_errors(body.as_bytes());
    assert_eq!(errors[0].message, r#"[{"error":"x","path":"henkilö"}]"#);
    assert!(!errors[0].is_unavailable());
    assert_eq!(errors[1].to_string(), "forbidden");

    // OAuth2 errors of the resource server.
    let errors =
        parse_errors(br#"{"error":"invalid_client","error_description":"unknown client"}"#);
    assert_eq!(errors[0].to_string(), "invalid_client: unknown client");

    // Anything else gives nothing, and never fails.
    for junk in [
        &b"<html>502 Bad Gateway</html>"[..],
        b"",
        b"[1, \"a\"]",
        b"\xff\xfe",
        b"[{\"key\"",
    ] {
        assert!(parse_errors(junk).is_empty());
    }
}

#[test]
fn error_bodies_never_echo_an_identity_code() {
    let body = format!(
        r#"[{{"key":"notFound.oppijaaEiLöydyHetulla","message":"Oppijaa {HETU} ei löydy"}}]"#
    );
    let errors = parse_errors(body.as_bytes());
    assert_eq!(errors[0].message, "Oppijaa *** ei löydy");
}
