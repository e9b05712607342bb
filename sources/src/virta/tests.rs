//! Tests for the VIRTA parser: the shared samples, each quirk, each strict failure, and privacy.

use super::*;
use crate::ErrorKind;

// ---- helpers -------------------------------------------------------------------------------

/// A shared sample by file name, or `None` (with a note) when `../shared` is not there.
fn sample(name: &str) -> Option<Vec<u8>> {
    crate::shared_sample("virta", name)
}

const SUORITUS: &str = r#"<Opintosuoritus avain="S1" opiskelijaAvain="O1" koulutusmoduulitunniste="K1">
<SuoritusPvm>2014-11-28</SuoritusPvm>
<Laajuus><Opintopiste>5</Opintopiste></Laajuus>
<Arvosana><Viisiportainen>4</Viisiportainen></Arvosana>
<Myontaja>02536</Myontaja>
<Laji>2</Laji>
</Opintosuoritus>"#;

/// A bare `Virta` with one student whose `Opintosuoritukset` hold `suoritukset`.
/// Line 1 is the `Virta` start, line 2 the `Opiskelija`, line 3 `Opintosuoritukset`.
fn virta_doc(suoritukset: &str) -> String {
    format!(
        "<Virta xmlns=\"{VIRTA_NS}\">\n<Opiskelija avain=\"O1\">\n<Opintosuoritukset>\n{suoritukset}\n</Opintosuoritukset>\n</Opiskelija>\n</Virta>"
    )
}

fn parse_str(doc: &str) -> crate::Result<Virta> {
    parse(doc.as_bytes(), "test.xml")
}

fn only_suoritus(doc: &str) -> Opintosuoritus {
    let virta = match parse_str(doc) {
        Ok(virta) => virta,
        Err(e) => panic!("parse failed: {e}"),
    };
    let all: Vec<_> = virta.opintosuoritukset().cloned().collect();
    assert_eq!(all.len(), 1, "expected exactly one attainment");
    all.into_iter().next().expect("one attainment")
}

fn parse_err(doc: &str) -> crate::Error {
    match parse_str(doc) {
        Ok(v) => panic!("expected an error, parsed {} students", v.opiskelijat.len()),
        Err(e) => e,
    }
}

/// The one record of `doc` left out as unreadable, and the rest of the answer.
fn only_rejected(doc: &str) -> (Virta, Rejected) {
    let virta = parse_str(doc).unwrap_or_else(|e| panic!("parse failed: {e}"));
    let all: Vec<Rejected> = virta
        .opiskelijat
        .iter()
        .flat_map(|o| o.rejected.clone())
        .collect();
    assert_eq!(all.len(), 1, "expected exactly one rejected record");
    let rejected = all.into_iter().next().expect("one");
    (virta, rejected)
}

/// `SUORITUS` with `from` replaced by `to`.
fn suoritus_with(from: &str, to: &str) -> String {
    assert!(SUORITUS.contains(from), "template lacks {from}");
    SUORITUS.replace(from, to)
}

// ---- the shared samples ----------------------------------------------------------------------

#[test]
fn koski_mock_envelope_parses_in_full() {
    let Some(bytes) = sample("koski-mock-100869-192W.xml") else {
        return;
    };
    let virta = parse(&bytes, "koski-mock-100869-192W.xml").expect("parses");
    assert_eq!(virta.opiskelijat.len(), 1);
    let o = &virta.opiskelijat[0];
    assert_eq!(o.avain, "1114082124");
    assert_eq!(
        o.henkilotunnus.as_ref().map(Henkilotunnus::expose),
        Some("100869-192W")
    );
    assert_eq!(o.opintosuoritukset.len(), 39);
    assert_eq!(o.opiskeluoikeudet.len(), 1);
    let oikeus = &o.opiskeluoikeudet[0];
    assert_eq!(oikeus.avain, "1114082125");
    assert_eq!(oikeus.alku_pvm.as_str(), "2013-08-01");
    assert!(!oikeus.tila.is_empty());
    assert_eq!(oikeus.jakso.len(), 1);

    // The degree, graded on an institution's own scale (virta.md §3.4 style b).
    let degree = o
        .opintosuoritukset
        .iter()
        .find(|s| s.avain == "1125491744")
        .expect("degree DI-2005");
    assert_eq!(degree.laji, "1");
    assert_eq!(degree.koulutusmoduulitunniste, "DI-2005");
    assert_eq!(
        degree.opiskeluoikeus_avain, None,
        "empty attribute is no key"
    );
    assert_eq!(degree.valtakunnallinen_koulutusmoduulitunniste, None);
    assert_eq!(degree.opintopiste().unwrap().as_str(), "123.000000");
    assert_eq!(degree.opintopiste().unwrap().normalized(), "123");
    assert_eq!(degree.nimi[0].kieli, None, "Nimi without kieli");
    assert_eq!(degree.nimi[0].teksti, "Diplomi-insinööri");
    let Arvosana::Muu(muu) = &degree.arvosana else {
        panic!("expected a Muu grade, got {:?}", degree.arvosana)
    };
    assert_eq!(muu.asteikko.avain, "310");
    assert_eq!(muu.asteikko.nimi.as_deref(), Some("OIV · Perustutkinnot"));
    assert_eq!(muu.asteikko.arvosanat.len(), 3);
    assert_eq!(muu.koodi, "311");
    assert_eq!(muu.annettu().map(|a| a.koodi.as_str()), Some("OIV"));
    assert_eq!(
        muu.asteikko.arvosanat[0]
            .laskennallinen_arvo
            .as_ref()
            .map(Decimal::to_f64),
        Some(0.0)
    );
}

#[test]
fn csc_virta_sample_has_five_students() {
    let Some(bytes) = sample("csc-Virta-5-opiskelijaa.xml") else {
        return;
    };
    let virta = parse(&bytes, "csc-Virta-5-opiskelijaa.xml").expect("parses");
    let counts: Vec<_> = virta
        .opiskelijat
        .iter()
        .map(|o| (o.opintosuoritukset.len(), o.opiskeluoikeudet.len()))
        .collect();
    // Counted with grep/awk over the file (virta.md §5 gives the same).
    assert_eq!(counts, [(2, 1), (37, 1), (7, 1), (79, 1), (139, 2)]);
    assert_eq!(virta.opintosuoritukset().count(), 264);

    let first = &virta.opiskelijat[0];
    assert_eq!(first.avain, "345678");
    assert_eq!(first.sukunimi.as_deref(), Some("Ström"));
    assert_eq!(first.etunimet.as_deref(), Some("Myki"));
    assert_eq!(first.sukupuoli.as_deref(), Some("2"));
    assert_eq!(first.kansalaisuus, ["246"]);
    assert_eq!(first.aidinkieli.as_deref(), Some("sv"));
    assert_eq!(first.asuinkunta.as_deref(), Some("743"));
    assert_eq!(first.kirjoihintulo_pvm, Pvm::parse("2013-01-01"));
    assert_eq!(first.line, 3);
    assert_eq!(
        virta.opiskelijat[1].kansallinen_oppijanumero.as_deref(),
        Some("1.2.246.562.24.11223344556")
    );
    // A bare 7-character identity code is kept as sent.
    assert_eq!(
        virta.opiskelijat[2]
            .henkilotunnus
            .as_ref()
            .map(Henkilotunnus::expose),
        Some("111101A")
    );

    let oikeus = &first.opiskeluoikeudet[0];
    assert_eq!(oikeus.tila.len(), 2);
    assert_eq!(oikeus.tila[1].koodi, "5");
    assert_eq!(oikeus.tila[1].loppu_pvm, None);
    assert_eq!(oikeus.tyyppi, "1");
    assert_eq!(oikeus.myontaja, "02472");
    let jakso = &oikeus.jakso[0];
    assert_eq!(jakso.koulutusmoduulitunniste, "HOK Hoitotyö");
    assert_eq!(jakso.koulutuskunta, "272");
    assert_eq!(jakso.luokittelu, ["3"]);
    assert_eq!(jakso.nimi.len(), 2);
    assert_eq!(
        oikeus
            .koulutusala
            .as_ref()
            .map(|k| (k.koodi.as_str(), k.versio.as_str())),
        Some(("11", "ohjausala"))
    );
    assert_eq!(
        oikeus
            .laajuus
            .as_ref()
            .and_then(|l| l.opintopiste.as_ref())
            .map(|d| d.as_str()),
        Some("210")
    );

    let s = &first.opintosuoritukset[0];
    assert_eq!(s.avain, "3386960");
    assert_eq!(s.opinnaytetyo, Some(false), "0 is false");
    assert_eq!(s.julkinen_lisatieto.len(), 1);
    assert_eq!(s.julkinen_lisatieto[0].kieli.as_deref(), Some("fi"));
    let kielet: Vec<_> = s.nimi.iter().map(|n| n.kieli.as_deref()).collect();
    assert_eq!(kielet, [Some("fi"), Some("en")]);
    assert_eq!(s.koulutusala[0].versio, "ohjausala");
    assert_eq!(s.koulutusala[0].koodi, "11");
}

#[test]
fn csc_flat_opintosuoritukset_become_one_student() {
    let Some(bytes) = sample("csc-Opintosuoritukset.xml") else {
        return;
    };
    let virta = parse(&bytes, "csc-Opintosuoritukset.xml").expect("parses");
    assert_eq!(virta.opiskelijat.len(), 1);
    let o = &virta.opiskelijat[0];
    assert_eq!(o.avain, "12345");
    assert!(o.henkilotunnus.is_none() && o.sukunimi.is_none());
    assert_eq!(o.opintosuoritukset.len(), 5);
    assert_eq!(o.line, 5);

    let first = &o.opintosuoritukset[0];
    assert_eq!(first.line, 5);
    assert_eq!(first.kieli.as_deref(), Some("en"));
    assert_eq!(first.koulutuskoodi.as_deref(), Some("651102"));
    assert_eq!(
        first
            .tki_laajuus_muu
            .as_ref()
            .and_then(|l| l.opintopiste.as_ref())
            .map(|d| d.as_str()),
        Some("2")
    );

    let recognised = &o.opintosuoritukset[3];
    assert_eq!(recognised.avain, "K373308");
    assert_eq!(recognised.hyvaksiluku_pvm, Pvm::parse("2018-03-16"));
    let roles: Vec<_> = recognised
        .organisaatio
        .iter()
        .map(|r| (r.rooli.as_str(), r.koodi.as_str()))
        .collect();
    assert_eq!(roles, [("3", "01910"), ("2", "02535")]);
    // Duplicated languages are kept as sent (virta.md §2.9).
    let kielet: Vec<_> = recognised.nimi.iter().map(|n| n.kieli.as_deref()).collect();
    assert_eq!(kielet, [Some("sv"), Some("sv"), Some("en")]);

    let work = &o.opintosuoritukset[4];
    assert_eq!(work.arvosana, Arvosana::Hyvaksytty("HYV".into()));
    assert_eq!(work.arvosana.asteikko(), "Hyvaksytty");
    assert_eq!(work.luokittelu, ["8"]);
    assert_eq!(work.kieli.as_deref(), Some("20"));
    assert_eq!(
        work.tki_laajuus_harjoittelu
            .as_ref()
            .and_then(|l| l.opintopiste.as_ref())
            .map(|d| d.as_str()),
        Some("12")
    );
}

#[test]
fn fi_ncp_wrapper_without_envelope_parses_with_degree_tree() {
    let Some(bytes) = sample("fi-ncp-Opintosuoritukset-response.xml") else {
        return;
    };
    assert_eq!(bytes[0], b' ', "this sample starts with whitespace");
    let virta = parse(&bytes, "fi-ncp.xml").expect("parses");
    assert_eq!(virta.opiskelijat.len(), 1);
    let o = &virta.opiskelijat[0];
    assert_eq!(o.avain, "EMX888");
    assert_eq!(o.opintosuoritukset.len(), 42);
    assert!(o.opintosuoritukset.iter().all(|s| s.myontaja == "02536"));

    let first = &o.opintosuoritukset[0];
    assert_eq!(first.avain, "1451865");
    assert_eq!(first.koulutusmoduulitunniste, "THHTN14A SH0202-148A4");
    assert_eq!(first.suoritus_pvm.as_str(), "2014-11-28");
    assert_eq!(first.arvosana, Arvosana::Viisiportainen("4".into()));

    let degree = o
        .opintosuoritukset
        .iter()
        .find(|s| s.avain == "TUTKINTO-39525")
        .expect("degree");
    assert_eq!(degree.laji, "1");
    assert_eq!(degree.opintopiste().unwrap().to_f64(), 240.0);
    assert_eq!(degree.sisaltyvyys.len(), 35);
    assert_eq!(
        degree.sisaltyvyys[0].sisaltyva_opintosuoritus_avain,
        "1495695"
    );
    let sum: f64 = degree
        .sisaltyvyys
        .iter()
        .filter_map(|s| s.opintopiste.as_ref())
        .map(Decimal::to_f64)
        .sum();
    assert_eq!(sum, 240.0, "virta.md §3.5: the parts sum to the degree");
    assert_eq!(degree.nimi[0].kieli.as_deref(), Some("fi"));
}

#[test]
fn truncated_samples_never_panic() {
    for name in [
        "koski-mock-100869-192W.xml",
        "csc-Virta-5-opiskelijaa.xml",
        "csc-Opintosuoritukset.xml",
        "fi-ncp-Opintosuoritukset-response.xml",
    ] {
        let Some(bytes) = sample(name) else { return };
        let mut errors = 0;
        for end in (0..bytes.len()).step_by(97) {
            // Ok or Err are both fine; a panic fails the test.
            if parse(&bytes[..end], name).is_err() {
                errors += 1;
            }
        }
        assert!(errors > 0, "{name}: truncation should be noticed");
    }
}

// ---- accepted shapes -------------------------------------------------------------------------

#[test]
fn envelope_without_header_and_any_prefixes() {
    let doc = format!(
        r#"<e:Envelope xmlns:e="{SOAP_ENV_NS}"><e:Body>
<w:OpiskelijanKaikkiTiedotResponse xmlns:w="{LUKU_NS}"><d:Virta xmlns:d="{VIRTA_NS}">
<d:Opiskelija avain="O1"><d:Opintosuoritukset>{}</d:Opintosuoritukset></d:Opiskelija>
</d:Virta></w:OpiskelijanKaikkiTiedotResponse></e:Body></e:Envelope>"#,
        SUORITUS.replace('<', "<d:").replace("<d:/", "</d:")
    );
    let s = only_suoritus(&doc);
    assert_eq!(s.avain, "S1");
    assert_eq!(s.opintopiste().unwrap().as_str(), "5");
}

#[test]
fn bom_and_leading_whitespace_are_accepted() {
    let doc = format!("\u{feff}  \n<?xml version=\"1.0\"?>{}", virta_doc(SUORITUS));
    assert_eq!(only_suoritus(&doc).avain, "S1");
}

#[test]
fn opintosuoritukset_response_wrapper_groups_by_institution_and_student() {
    let other = suoritus_with("<Myontaja>02536</Myontaja>", "<Myontaja>10076</Myontaja>");
    let second = suoritus_with("avain=\"S1\"", "avain=\"S2\"");
    let doc = format!(
        r#"<OpintosuorituksetResponse xmlns="{LUKU_NS}"><Opintosuoritukset xmlns="{VIRTA_NS}">{SUORITUS}{other}{second}</Opintosuoritukset></OpintosuorituksetResponse>"#
    );
    let virta = parse_str(&doc).expect("parses");
    let groups: Vec<_> = virta
        .opiskelijat
        .iter()
        .map(|o| (o.avain.as_str(), o.opintosuoritukset.len()))
        .collect();
    assert_eq!(groups, [("O1", 2), ("O1", 1)]);
    assert_eq!(virta.opiskelijat[1].opintosuoritukset[0].myontaja, "10076");
}

// ---- quirks (virta.md §2.7, §2.9) -----------------------------------------------------------

#[test]
fn empty_sections_are_accepted() {
    for empty in [
        "<Opintosuoritukset/>",
        "<Opintosuoritukset></Opintosuoritukset>",
    ] {
        let doc = format!(
            "<Virta xmlns=\"{VIRTA_NS}\"><Opiskelija avain=\"O1\"><Opiskeluoikeudet/>{empty}</Opiskelija></Virta>"
        );
        let virta = parse_str(&doc).expect("parses");
        assert_eq!(virta.opiskelijat.len(), 1);
        assert!(virta.opiskelijat[0].opintosuoritukset.is_empty());
        assert!(virta.opiskelijat[0].opiskeluoikeudet.is_empty());
    }
}

#[test]
fn wrapper_without_virta_means_nobody_found() {
    let bare = format!(
        "<virtaluku:OpiskelijanKaikkiTiedotResponse xmlns:virtaluku=\"{LUKU_NS}\"></virtaluku:OpiskelijanKaikkiTiedotResponse>"
    );
    let enveloped = format!(
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"{SOAP_ENV_NS}\"><SOAP-ENV:Header/><SOAP-ENV:Body>{bare}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    );
    let empty_virta = format!(
        "<OpiskelijanKaikkiTiedotResponse xmlns=\"{LUKU_NS}\"><Virta xmlns=\"{VIRTA_NS}\"/></OpiskelijanKaikkiTiedotResponse>"
    );
    for doc in [bare, enveloped, empty_virta] {
        assert_eq!(parse_str(&doc).expect("parses"), Virta::default(), "{doc}");
    }
}

#[test]
fn unknown_elements_are_skipped_with_their_subtree() {
    let unknown =
        "<Tuntematon a=\"1\"><Opintosuoritus avain=\"X\"/><Syva><Syvempi/></Syva></Tuntematon>";
    let s = only_suoritus(&virta_doc(&suoritus_with(
        "<Laji>2</Laji>",
        &format!("<Laji>2</Laji>{unknown}<other:Lisa xmlns:other=\"urn:x\">text</other:Lisa>"),
    )));
    assert_eq!(s.laji, "2");
    // Term registrations and mobility periods are read past, not refused.
    let doc = format!(
        "<Virta xmlns=\"{VIRTA_NS}\"><Opiskelija avain=\"O1\"><LukukausiIlmoittautumiset><LukukausiIlmoittautuminen opiskelijaAvain=\"O1\"><Myontaja>1</Myontaja></LukukausiIlmoittautuminen></LukukausiIlmoittautumiset><Liikkuvuusjaksot><Liikkuvuusjakso avain=\"L\"/></Liikkuvuusjaksot><Opintosuoritukset>{SUORITUS}</Opintosuoritukset>{unknown}</Opiskelija></Virta>"
    );
    assert_eq!(only_suoritus(&doc).avain, "S1");
}

#[test]
fn children_in_any_order() {
    let shuffled = r#"<Opintosuoritus koulutusmoduulitunniste="K1" opiskelijaAvain="O1" avain="S1">
<Laji>2</Laji><Myontaja>02536</Myontaja><Nimi kieli="en">Name</Nimi>
<Arvosana><Viisiportainen>4</Viisiportainen></Arvosana><Laajuus><Opintopiste>5</Opintopiste></Laajuus>
<SuoritusPvm>2014-11-28</SuoritusPvm></Opintosuoritus>"#;
    let s = only_suoritus(&virta_doc(shuffled));
    assert_eq!(s.suoritus_pvm.as_str(), "2014-11-28");
    assert_eq!(s.nimi[0].teksti, "Name");
}

#[test]
fn booleans_accept_zero_one_true_false() {
    for (opinnaytetyo, hankkeistettu, expected) in [
        ("0", "1", (false, true)),
        ("true", "false", (true, false)),
        (" 1 ", "0", (true, false)),
    ] {
        let s = only_suoritus(&virta_doc(&suoritus_with(
            "<Laji>2</Laji>",
            &format!(
                "<Laji>2</Laji><Opinnaytetyo>{opinnaytetyo}</Opinnaytetyo><Hankkeistettu>{hankkeistettu}</Hankkeistettu>"
            ),
        )));
        assert_eq!(
            (s.opinnaytetyo, s.hankkeistettu),
            (Some(expected.0), Some(expected.1))
        );
    }
}

#[test]
fn dates_with_zone_keep_the_calendar_day() {
    for text in [
        "2014-11-28+02:00",
        "2014-11-28Z",
        "2014-11-28-05:00",
        " 2014-11-28 ",
    ] {
        let s = only_suoritus(&virta_doc(&suoritus_with("2014-11-28", text)));
        assert_eq!(s.suoritus_pvm.as_str(), "2014-11-28");
        assert_eq!(
            (
                s.suoritus_pvm.year(),
                s.suoritus_pvm.month(),
                s.suoritus_pvm.day()
            ),
            (2014, 11, 28)
        );
    }
    assert!(Pvm::parse("2014-11-28") < Pvm::parse("2015-01-01"));
    assert_eq!(Pvm::parse("2016-02-29").map(|p| p.day()), Some(29));
    for bad in [
        "2015-02-29",
        "2014-13-01",
        "2014-00-10",
        "28.11.2014",
        "2014-11-28+2:00",
        "2014-11-2",
    ] {
        assert_eq!(Pvm::parse(bad), None, "{bad}");
    }
}

#[test]
fn decimals_keep_their_text() {
    let s = only_suoritus(&virta_doc(&suoritus_with(
        "<Opintopiste>5</Opintopiste>",
        "<Opintopiste>4.000000</Opintopiste><Opintoviikko>2.5</Opintoviikko>",
    )));
    assert_eq!(s.opintopiste().unwrap().as_str(), "4.000000");
    assert_eq!(s.opintopiste().unwrap().to_f64(), 4.0);
    assert_eq!(s.opintopiste().unwrap().normalized(), "4");
    assert_eq!(
        s.laajuus
            .as_ref()
            .and_then(|l| l.opintoviikko.as_ref())
            .map(Decimal::as_str),
        Some("2.5")
    );
    for (text, normal) in [
        ("0.000000", "0"),
        ("07.50", "7.5"),
        ("-0", "0"),
        (".5", "0.5"),
        ("+26.0", "26"),
    ] {
        assert_eq!(
            Decimal::parse(text).map(|d| d.normalized()).as_deref(),
            Some(normal)
        );
    }
    for bad in ["", ".", "1e3", "1,5", "5 op", "--1"] {
        assert!(Decimal::parse(bad).is_none(), "{bad}");
    }
}

#[test]
fn nimi_without_kieli_and_with_entities() {
    let s = only_suoritus(&virta_doc(&suoritus_with(
        "<Laji>2</Laji>",
        "<Laji>2</Laji><Nimi>Ilman kieltä</Nimi><Nimi kieli=\"\">Tyhjä</Nimi><Nimi kieli=\"sv\">A &amp; B &#228;</Nimi>",
    )));
    let nimet: Vec<_> = s
        .nimi
        .iter()
        .map(|n| (n.kieli.as_deref(), n.teksti.as_str()))
        .collect();
    assert_eq!(
        nimet,
        [
            (None, "Ilman kieltä"),
            (None, "Tyhjä"),
            (Some("sv"), "A & B ä")
        ]
    );
}

fn muu_grade(muu: &str) -> MuuArvosana {
    let s = only_suoritus(&virta_doc(&suoritus_with(
        "<Viisiportainen>4</Viisiportainen>",
        muu,
    )));
    match s.arvosana {
        Arvosana::Muu(m) => m,
        other => panic!("expected Muu, got {other:?}"),
    }
}

#[test]
fn muu_with_scale_name_and_only_the_awarded_grade() {
    // virta.md §3.4 style (a), as UEF sends it.
    let m = muu_grade(
        r#"<Muu><Asteikko avain="11"><Nimi>HYL-HYV</Nimi><AsteikkoArvosana avain="10979859"><Koodi>HYV</Koodi></AsteikkoArvosana></Asteikko><Koodi>10979859</Koodi></Muu>"#,
    );
    assert_eq!(m.asteikko.nimi.as_deref(), Some("HYL-HYV"));
    assert_eq!(m.annettu().map(|a| a.koodi.as_str()), Some("HYV"));
}

#[test]
fn muu_with_the_whole_scale() {
    // Style (b): every grade of the scale listed.
    let m = muu_grade(
        r#"<Muu><Asteikko avain="sis-maisteri-maine"><AsteikkoArvosana avain="0"><Koodi>0</Koodi><Nimi>Hylätty</Nimi></AsteikkoArvosana><AsteikkoArvosana avain="1"><Koodi>1</Koodi><Nimi>Hyväksytty</Nimi><LaskennallinenArvo>1</LaskennallinenArvo></AsteikkoArvosana><AsteikkoArvosana avain="2"><Koodi>2</Koodi><Nimi>Oivallisesti</Nimi></AsteikkoArvosana></Asteikko><Koodi>1</Koodi></Muu>"#,
    );
    assert_eq!(m.asteikko.arvosanat.len(), 3);
    assert_eq!(m.asteikko.nimi, None);
    let annettu = m.annettu().expect("resolves");
    assert_eq!(annettu.nimi.as_deref(), Some("Hyväksytty"));
    assert_eq!(
        annettu.laskennallinen_arvo.as_ref().map(Decimal::as_str),
        Some("1")
    );
}

#[test]
fn muu_with_a_bare_scale() {
    // Style (c): a bare scale and a code nothing resolves.
    let m = muu_grade(r#"<Muu><Asteikko avain="11"/><Koodi>HYV</Koodi></Muu>"#);
    assert_eq!(m.asteikko.avain, "11");
    assert!(m.asteikko.arvosanat.is_empty());
    assert_eq!(m.koodi, "HYV");
    assert!(m.annettu().is_none());
}

#[test]
fn study_right_with_every_part() {
    let doc = format!(
        r#"<Virta xmlns="{VIRTA_NS}"><Opiskelija avain="O1"><Opiskeluoikeudet>
<Opiskeluoikeus avain="R1" opiskelijaAvain="O1"><AlkuPvm>2013-08-01</AlkuPvm><LoppuPvm>2112-12-21</LoppuPvm>
<Tila><AlkuPvm>2013-08-01</AlkuPvm><Koodi>1</Koodi></Tila><Tyyppi>2</Tyyppi><Myontaja>01901</Myontaja>
<Organisaatio><Rooli>5</Rooli><Koodi>02470</Koodi><Osuus>0.5</Osuus></Organisaatio>
<Jakso koulutusmoduulitunniste="P1" valtakunnallinenKoulutusmoduulitunniste=""><AlkuPvm>2013-08-01</AlkuPvm><Koulutuskunta>091</Koulutuskunta><Patevyys>1</Patevyys><Nimi kieli="fi">Ohjelma</Nimi></Jakso>
<Ensisijaisuus><AlkuPvm>2013-08-01</AlkuPvm></Ensisijaisuus><Erikoistumiskoulutus>001</Erikoistumiskoulutus>
<Liittyvyys liittyvaOpiskeluoikeusAvain="R0"/>
<SiirtoOpiskelija lahdeOpiskeluoikeusAvain="R0"><SiirtoPvm>2013-07-31</SiirtoPvm><Lukukausikertyma><IlmoittautuminenTila>1</IlmoittautuminenTila><Maara>4</Maara></Lukukausikertyma></SiirtoOpiskelija>
<Laajuus><Opintopiste>180</Opintopiste></Laajuus>
<LukuvuosiMaksu><AlkuPvm>2013-08-01</AlkuPvm><Summa>10000</Summa></LukuvuosiMaksu><Jotpaasianumero>J1</Jotpaasianumero>
</Opiskeluoikeus></Opiskeluoikeudet></Opiskelija></Virta>"#
    );
    let virta = parse_str(&doc).expect("parses");
    let r = &virta.opiskelijat[0].opiskeluoikeudet[0];
    assert_eq!(r.line, 2);
    assert_eq!(r.loppu_pvm.map(|p| p.year()), Some(2112));
    assert_eq!(
        r.organisaatio[0].osuus.as_ref().map(Decimal::as_str),
        Some("0.5")
    );
    assert_eq!(r.jakso[0].valtakunnallinen_koulutusmoduulitunniste, None);
    assert_eq!(r.jakso[0].patevyys, ["1"]);
    assert_eq!(r.ensisijaisuus.len(), 1);
    assert_eq!(r.erikoistumiskoulutus.as_deref(), Some("001"));
    assert_eq!(r.liittyvyys, ["R0"]);
    let siirto = r.siirto_opiskelija.as_ref().expect("transfer");
    assert_eq!(siirto.lukukausikertyma[0].maara, 4);
    assert_eq!(r.lukuvuosi_maksu[0].summa, "10000");
    assert_eq!(r.jotpaasianumero.as_deref(), Some("J1"));
}

// ---- record-level isolation: a defective record is left out with its reason -----------------

/// The attainment sits at line 4 of `virta_doc`.
const SUORITUS_PATH: &str = "/Virta/Opiskelija[1]/Opintosuoritukset/Opintosuoritus[1]";

#[test]
fn missing_required_elements_reject_the_record_naming_path_and_line() {
    for (element, name) in [
        ("<SuoritusPvm>2014-11-28</SuoritusPvm>", "SuoritusPvm"),
        (
            "<Arvosana><Viisiportainen>4</Viisiportainen></Arvosana>",
            "Arvosana",
        ),
        ("<Myontaja>02536</Myontaja>", "Myontaja"),
        ("<Laji>2</Laji>", "Laji"),
    ] {
        let doc = virta_doc(&format!("{}\n{SUORITUS}", suoritus_with(element, "")));
        let (virta, r) = only_rejected(&doc);
        assert_eq!(r.reason, format!("missing required element `{name}`"));
        assert_eq!(
            (r.element, r.avain.as_deref(), r.line),
            ("Opintosuoritus", Some("S1"), 4)
        );
        assert!(
            r.detail
                .starts_with(&format!("test.xml:4:1: at {SUORITUS_PATH}/{name}: missing")),
            "{}",
            r.detail
        );
        // The next attainment is read as if nothing had happened.
        assert_eq!(virta.opintosuoritukset().count(), 1);
        assert_eq!(
            r.myontaja.as_deref(),
            (name != "Myontaja").then_some("02536")
        );
    }
}

#[test]
fn an_attainment_without_laajuus_is_kept_without_credit() {
    let s = only_suoritus(&virta_doc(&suoritus_with(
        "<Laajuus><Opintopiste>5</Opintopiste></Laajuus>",
        "",
    )));
    assert_eq!(s.laajuus, None);
    // An empty Laajuus is no extent either; study weeks alone are one.
    let s = only_suoritus(&virta_doc(&suoritus_with(
        "<Opintopiste>5</Opintopiste>",
        "",
    )));
    assert_eq!(s.laajuus, None);
    let s = only_suoritus(&virta_doc(&suoritus_with(
        "<Opintopiste>5</Opintopiste>",
        "<Opintoviikko>3</Opintoviikko>",
    )));
    let l = s.laajuus.expect("study weeks");
    assert_eq!(
        (l.opintopiste, l.opintoviikko.map(|d| d.normalized())),
        (None, Some("3".into()))
    );
}

#[test]
fn missing_avain_rejects_the_attainment_and_refuses_a_student_without_one() {
    let (_, r) = only_rejected(&virta_doc(&suoritus_with("avain=\"S1\" ", "")));
    assert_eq!(r.reason, "missing required attribute `avain`");
    assert_eq!(r.avain, None);
    assert!(
        r.detail.contains(&format!("{SUORITUS_PATH}/@avain")),
        "{}",
        r.detail
    );
    // Without its key an Opiskelija's records cannot be told from another institution's.
    let e = parse_err(&format!(
        "<Virta xmlns=\"{VIRTA_NS}\"><Opiskelija/></Virta>"
    ));
    assert_eq!(e.path(), "/Virta/Opiskelija[1]/@avain");
}

#[test]
fn malformed_date_in_the_third_attainment_rejects_only_that_one() {
    let bad = suoritus_with("2014-11-28", "28.11.2014");
    let doc = virta_doc(&format!("{SUORITUS}\n{SUORITUS}\n{bad}"));
    let (virta, r) = only_rejected(&doc);
    assert_eq!(virta.opintosuoritukset().count(), 2);
    // Two 7-line attainments from line 4, then the bad one's second line.
    assert!(
        r.detail.starts_with(
            "test.xml:19:1: at /Virta/Opiskelija[1]/Opintosuoritukset/Opintosuoritus[3]/SuoritusPvm"
        ),
        "{}",
        r.detail
    );
    assert_eq!(r.line, 18);
    assert_eq!(
        r.reason,
        "expected a date like 2014-11-28, found `28.11.2014`"
    );
}

#[test]
fn malformed_decimal_and_boolean_reject_the_record() {
    let (_, r) = only_rejected(&virta_doc(&suoritus_with(
        "<Opintopiste>5</Opintopiste>",
        "<Opintopiste>5,5</Opintopiste>",
    )));
    assert!(
        r.detail.starts_with(&format!(
            "test.xml:6:10: at {SUORITUS_PATH}/Laajuus/Opintopiste"
        )),
        "{}",
        r.detail
    );
    assert!(r.reason.contains("found `5,5`"), "{}", r.reason);

    let (_, r) = only_rejected(&virta_doc(&suoritus_with(
        "<Laji>2</Laji>",
        "<Laji>2</Laji><Opinnaytetyo>kyllä</Opinnaytetyo>",
    )));
    assert!(r.detail.starts_with("test.xml:9:"), "{}", r.detail);
    assert!(
        r.detail.contains(&format!("{SUORITUS_PATH}/Opinnaytetyo")),
        "{}",
        r.detail
    );
}

#[test]
fn arvosana_without_a_scale_or_with_two_rejects_the_record() {
    let (_, r) = only_rejected(&virta_doc(&suoritus_with(
        "<Viisiportainen>4</Viisiportainen>",
        "<Tuntematon>4</Tuntematon>",
    )));
    assert!(
        r.detail
            .starts_with(&format!("test.xml:7:1: at {SUORITUS_PATH}/Arvosana"))
    );
    assert!(
        r.reason.starts_with("missing required grade scale element"),
        "{}",
        r.reason
    );
    let (_, r) = only_rejected(&virta_doc(&suoritus_with(
        "<Viisiportainen>4</Viisiportainen>",
        "<Viisiportainen>4</Viisiportainen><Hyvaksytty>HYV</Hyvaksytty>",
    )));
    assert_eq!(r.reason, "element `grade scale` may occur only once here");
}

#[test]
fn repeated_single_element_rejects_the_record() {
    let (_, r) = only_rejected(&virta_doc(&suoritus_with(
        "<Laji>2</Laji>",
        "<Laji>2</Laji><Laji>1</Laji>",
    )));
    assert_eq!(r.reason, "element `Laji` may occur only once here");
    assert!(
        r.detail.contains(&format!("{SUORITUS_PATH}/Laji")),
        "{}",
        r.detail
    );
}

#[test]
fn wrong_namespace_on_the_data_root_is_refused() {
    // A namespace that is no VIRTA interface version's must not be read as if it were one.
    let doc = virta_doc(SUORITUS).replace(VIRTA_NS, "urn:example:not-virta");
    let e = parse_err(&doc);
    assert!(
        matches!(e.kind(), ErrorKind::Namespace { element, found, .. }
            if element == "Virta" && found == "urn:example:not-virta"),
        "{e}"
    );
    assert_eq!((e.path(), e.line()), ("/Virta", 1));

    let unqualified = format!(
        "<OpiskelijanKaikkiTiedotResponse xmlns=\"{LUKU_NS}\"><Virta xmlns=\"\"/></OpiskelijanKaikkiTiedotResponse>"
    );
    assert!(matches!(
        parse_err(&unqualified).kind(),
        ErrorKind::Namespace { .. }
    ));
}

#[test]
fn an_older_interface_version_is_read_with_myontaja_in_either_form() {
    // 1.05 (virta.md §2.1): the 2013/01/29 namespace, and Myontaja wrapping Rooli, Koodi, Osuus.
    let old = suoritus_with(
        "<Myontaja>02536</Myontaja>",
        "<Myontaja><Rooli>1</Rooli><Koodi>01901</Koodi><Osuus>1.0</Osuus></Myontaja>",
    );
    let doc = virta_doc(&format!("{old}\n{SUORITUS}"))
        .replace(VIRTA_NS, "urn:mace:funet.fi:virta/2013/01/29");
    let virta = parse_str(&doc).expect("read as 1.06");
    let myontajat: Vec<&str> = virta
        .opintosuoritukset()
        .map(|s| s.myontaja.as_str())
        .collect();
    assert_eq!(myontajat, ["01901", "02536"]);
    assert_eq!(
        virta.opiskelijat[0].quirks[0].kind.name(),
        "older-interface-version"
    );
}

#[test]
fn unqualified_data_children_are_refused_not_dropped() {
    // yaserde's failure mode (DESIGN.md): data in the wrong namespace read as "nothing".
    let doc = format!("<v:Virta xmlns:v=\"{VIRTA_NS}\">\n<Opiskelija avain=\"O1\"/></v:Virta>");
    let e = parse_err(&doc);
    assert!(
        matches!(e.kind(), ErrorKind::Namespace { element, .. } if element == "Opiskelija"),
        "{e}"
    );
    assert_eq!((e.path(), e.line()), ("/Virta/Opiskelija[1]", 2));
}

#[test]
fn malformed_xml_is_refused_with_its_position() {
    let doc = virta_doc(&suoritus_with("</Laji>", "</Lajit>"));
    let e = parse_err(&doc);
    assert!(matches!(e.kind(), ErrorKind::Xml { .. }), "{e}");
    assert_eq!(e.line(), 9);
    assert!(e.path().ends_with("Opintosuoritus[1]/Laji"), "{}", e.path());

    let e =
        parse_err("<Virta xmlns=\"urn:mace:funet.fi:virta/2015/09/01\"><Opiskelija avain=\"O1\">");
    assert!(e.to_string().contains("unexpected end of document"), "{e}");

    assert!(matches!(parse_err("").kind(), ErrorKind::Xml { .. }));
    assert!(matches!(
        parse_err("<Muu/>").kind(),
        ErrorKind::Unexpected { .. }
    ));
    let e = match parse(b"<Virta>\xff</Virta>", "latin1.xml") {
        Err(e) => e,
        Ok(_) => panic!("invalid UTF-8 accepted"),
    };
    assert_eq!((e.line(), e.column()), (1, 8));
}

#[test]
fn nesting_depth_is_bounded() {
    let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
    let doc = virta_doc(&suoritus_with(
        "<Laji>2</Laji>",
        &format!("<Laji>2</Laji>{deep}"),
    ));
    assert!(matches!(parse_err(&doc).kind(), ErrorKind::TooDeep { .. }));
}

#[test]
fn soap_fault_becomes_a_fault_error_without_its_detail() {
    let doc = format!(
        r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV_NS}"><SOAP-ENV:Header/><SOAP-ENV:Body><SOAP-ENV:Fault>
<faultcode>SOAP-ENV:Client</faultcode><faultstring xml:lang="en">Validation error</faultstring>
<detail><spring-ws:ValidationError xmlns:spring-ws="http://springframework.org/spring-ws">cvc-pattern-valid: Value '140173-928L' is not facet-valid</spring-ws:ValidationError></detail>
</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>"#
    );
    let e = parse_err(&doc);
    assert!(
        matches!(e.kind(), ErrorKind::Fault { code, string }
            if code == "SOAP-ENV:Client" && string == "Validation error"),
        "{e}"
    );
    assert_eq!(e.path(), "/Envelope/Body/Fault");
    assert!(!e.is_retryable(), "a Client fault will fail again");
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains("140173"), "{shown}");
        assert!(!shown.contains("cvc-pattern"), "{shown}");
    }
    let server = doc.replace("SOAP-ENV:Client", "SOAP-ENV:Server");
    assert!(parse_err(&server).is_retryable());
}

// ---- personal data ---------------------------------------------------------------------------

#[test]
fn errors_never_show_the_identity_code() {
    let hetu = "100869-192W";
    // The student holds an identity code; a later record fails.
    let doc = format!(
        "<Virta xmlns=\"{VIRTA_NS}\"><Opiskelija avain=\"O1\"><Henkilotunnus>{hetu}</Henkilotunnus><Opintosuoritukset>{}</Opintosuoritukset></Opiskelija></Virta>",
        suoritus_with("2014-11-28", "2014-11-31")
    );
    let rejected = |doc: &str| {
        let (virta, r) = only_rejected(doc);
        (format!("{} | {} | {virta:?}", r.reason, r.detail), r)
    };
    let (e, _) = rejected(&doc);
    // The identity code itself lands where a value is echoed.
    let (echoed, _) = rejected(&virta_doc(&suoritus_with("2014-11-28", hetu)));
    // An odd-form code (no pattern match) is redacted because the parser saw it.
    let odd = format!(
        "<Virta xmlns=\"{VIRTA_NS}\"><Opiskelija avain=\"O1\"><Henkilotunnus>X-ODD-123456</Henkilotunnus><Opintosuoritukset>{}</Opintosuoritukset></Opiskelija></Virta>",
        suoritus_with("2014-11-28", "X-ODD-123456")
    );
    let (odd, _) = rejected(&odd);
    for (shown, code) in [(&e, hetu), (&echoed, hetu), (&odd, "X-ODD-123456")] {
        assert!(!shown.contains(code), "{shown}");
        assert!(!shown.contains("192W"), "{shown}");
    }
    assert!(echoed.contains("***"), "{echoed}");
    // A document-level error redacts the same way.
    let broken = parse_err(&format!("{doc}<extra/>"));
    assert!(!broken.to_string().contains(hetu), "{broken}");
}

#[test]
fn identity_code_is_hidden_from_debug() {
    let code = Henkilotunnus::new("100869-192W");
    assert_eq!(format!("{code:?}"), "Henkilotunnus(***)");
    assert_eq!(code.expose(), "100869-192W");
    let Some(bytes) = sample("koski-mock-100869-192W.xml") else {
        return;
    };
    let virta = parse(&bytes, "koski.xml").expect("parses");
    assert!(!format!("{virta:?}").contains("100869-192W"));
    assert!(!format!("{virta:#?}").contains("192W"));
}

// ---- issue 17: real-data quirks read by documented rules -----------------------------------

#[test]
fn a_bare_answer_in_no_namespace_is_read_with_a_quirk() {
    let doc = virta_doc(SUORITUS).replace(&format!(" xmlns=\"{VIRTA_NS}\""), "");
    let virta = parse_str(&doc).expect("read without a namespace");
    assert_eq!(virta.opintosuoritukset().count(), 1);
    let quirks = &virta.opiskelijat[0].quirks;
    assert_eq!(quirks.len(), 1);
    assert_eq!((quirks[0].kind.name(), quirks[0].line), ("no-namespace", 1));
    let flat = format!("<Opintosuoritukset>\n{SUORITUS}\n</Opintosuoritukset>");
    let virta = parse_str(&flat).expect("a flat list without a namespace");
    assert_eq!(virta.opintosuoritukset().count(), 1);
    assert_eq!(virta.opiskelijat[0].quirks[0].kind, QuirkKind::NoNamespace);
    // A fragment that is no VIRTA answer stays refused.
    let e = parse_err("<Opiskeluoikeus avain=\"R1\"/>");
    assert!(matches!(e.kind(), ErrorKind::Unexpected { .. }), "{e}");
}

#[test]
fn a_study_right_without_alkupvm_starts_on_its_earliest_tila() {
    let oikeus = "<Opiskeluoikeudet><Opiskeluoikeus avain=\"R1\" opiskelijaAvain=\"O1\">\
        <Tila><AlkuPvm>2015-01-01</AlkuPvm><Koodi>3</Koodi></Tila>\
        <Tila><AlkuPvm>2012-08-01</AlkuPvm><LoppuPvm>2014-12-31</LoppuPvm><Koodi>1</Koodi></Tila>\
        <Tyyppi>2</Tyyppi><Myontaja>01901</Myontaja></Opiskeluoikeus>\
        <Opiskeluoikeus avain=\"R2\" opiskelijaAvain=\"O1\"><Tyyppi>2</Tyyppi><Myontaja>01901</Myontaja></Opiskeluoikeus>\
        </Opiskeluoikeudet>";
    let doc = format!(
        "<Virta xmlns=\"{VIRTA_NS}\"><Opiskelija avain=\"O1\">{oikeus}</Opiskelija></Virta>"
    );
    let virta = parse_str(&doc).expect("parses");
    let o = &virta.opiskelijat[0];
    assert_eq!(o.opiskeluoikeudet.len(), 1);
    assert_eq!(o.opiskeluoikeudet[0].alku_pvm.as_str(), "2012-08-01");
    assert_eq!(o.quirks[0].kind.name(), "study-right-start-from-tila");
    // Neither AlkuPvm nor Tila: no start to take, so the study right is left out, with why.
    assert_eq!(o.rejected.len(), 1);
    assert_eq!(
        (o.rejected[0].element, o.rejected[0].avain.as_deref()),
        ("Opiskeluoikeus", Some("R2"))
    );
    assert_eq!(o.rejected[0].reason, "missing required element `Tila`");
    assert_eq!(o.myontaja(), Some("01901"));
}

#[test]
fn opiskelijan_tiedot_answers_give_the_names_joined_by_institution_key() {
    let names = format!(
        r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV_NS}"><SOAP-ENV:Body>
<virtaluku:OpiskelijanTiedotResponse xmlns:virtaluku="{LUKU_NS}"><virta:Opiskelijat xmlns:virta="{VIRTA_NS}">
<virta:Opiskelija avain="O1"><virta:Sukunimi>Aavanen</virta:Sukunimi><virta:Etunimet>Aava</virta:Etunimet>
<virta:Sukupuoli>2</virta:Sukupuoli><virta:Kansalaisuus>246</virta:Kansalaisuus></virta:Opiskelija>
</virta:Opiskelijat></virtaluku:OpiskelijanTiedotResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"#
    );
    let names = parse_str(&names).expect("an OpiskelijanTiedot answer");
    let mut virta = parse_str(&virta_doc(SUORITUS)).expect("parses");
    assert_eq!(virta.institutions(), ["02536"]);
    assert_eq!(virta.fill_names(&names.opiskelijat), 0);
    let o = &virta.opiskelijat[0];
    assert_eq!(
        (o.etunimet.as_deref(), o.sukunimi.as_deref()),
        (Some("Aava"), Some("Aavanen"))
    );
    assert_eq!(
        (o.sukupuoli.as_deref(), o.kansalaisuus.as_slice()),
        (Some("2"), &["246".to_owned()][..])
    );
    // Names an answer carries itself are kept; an unmatched key is counted.
    let mut other =
        parse_str(&virta_doc(SUORITUS).replace("avain=\"O1\"", "avain=\"O2\"")).unwrap();
    assert_eq!(other.fill_names(&names.opiskelijat), 1);
    assert_eq!(other.opiskelijat[0].etunimet, None);
}

#[test]
fn the_real_name_pairs_join() {
    // The second person studied at two institutions; the recorded names answer is for one.
    for (stem, unmatched) in [("koski-mock-080795-884U", 0), ("koski-mock-130505A831H", 1)] {
        let (Some(all), Some(names)) = (
            crate::shared_sample("virta-names", &format!("{stem}.xml")),
            crate::shared_sample("virta-names", &format!("{stem}-OpiskelijanTiedot.xml")),
        ) else {
            return;
        };
        let mut virta = parse(&all, "all.xml").expect("OpiskelijanKaikkiTiedot");
        assert!(
            virta.opiskelijat.iter().all(|o| o.sukunimi.is_none()),
            "{stem}: no names, as VIRTA answers"
        );
        let names = parse(&names, "names.xml").expect("OpiskelijanTiedot");
        assert_eq!(virta.fill_names(&names.opiskelijat), unmatched, "{stem}");
        let named = virta
            .opiskelijat
            .iter()
            .filter(|o| o.sukunimi.is_some() && o.etunimet.is_some());
        assert_eq!(named.count(), virta.opiskelijat.len() - unmatched, "{stem}");
    }
}
