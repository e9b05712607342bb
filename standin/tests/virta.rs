//! The VIRTA stand-in over real HTTP: WSDL, single and Lista answers, "nobody found" both ways,
//! validation and credential faults. No assertion prints an identity code.

mod common;

use common::*;
use rikastin_standin::{AuthFailure, Config, NoData, Outcome, Quirk, Route};

#[tokio::test]
async fn wsdl_names_the_stand_in_as_its_address() {
    let Some(wsdl) = shared_wsdl() else {
        eprintln!("skipped: ../shared/specs/virta is not next to the workspace");
        return;
    };
    let running = start(Config {
        wsdl: Some(wsdl),
        ..Config::default()
    })
    .await;
    let body = client()
        .get(running.virta_wsdl_url())
        .send()
        .await
        .expect("response")
        .text()
        .await
        .expect("body");
    assert!(body.contains(&format!(
        "<soap:address location=\"{}\"/>",
        running.virta_url()
    )));
    assert!(!body.contains("https://localhost/luku"));
    let luku106 = client()
        .get(format!("{}/luku106/opiskelijatiedot.wsdl", running.url()))
        .send()
        .await
        .expect("response")
        .text()
        .await
        .expect("body");
    assert!(luku106.contains(&format!(
        "location=\"{}/luku106/OpiskelijanTiedot\"",
        running.url()
    )));
    assert_eq!(running.stats.count(Route::VirtaWsdl), 2);
    running.stop().await;

    let without = start(Config::default()).await;
    let status = client()
        .get(without.virta_wsdl_url())
        .send()
        .await
        .expect("response")
        .status();
    assert_eq!(status, 404, "no WSDL configured");
    without.stop().await;
}

#[tokio::test]
async fn single_answer_is_the_recording_by_hetu_and_by_oid() {
    let running = start(virta_config()).await;
    let learner = learner(HELSINKI);
    let (status, content_type, body) =
        post_soap(&running.virta_url(), by_hetu(&learner.hetu)).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/xml; charset=UTF-8");
    assert!(
        body.as_bytes() == learner.bytes.as_slice(),
        "the recording, byte for byte"
    );

    let oid = learner.oid.as_deref().expect("learner 0 has an OID");
    let alias = format!("{}/luku106/OpiskelijanTiedot", running.url());
    let (status, _, body) = post_soap(&alias, by_oid(oid)).await;
    assert_eq!(status, 200);
    assert!(
        body.as_bytes() == learner.bytes.as_slice(),
        "same recording by OID, on /luku106"
    );
    assert_eq!(running.stats.count_outcome(Route::Virta, Outcome::Ok), 2);
    assert_eq!(running.stats.attempts_for(&learner.hetu), 1);
    assert_eq!(running.stats.attempts_for(oid), 1);
    running.stop().await;
}

#[tokio::test]
async fn lista_answers_several_learners_by_hetu_or_by_oid() {
    let running = start(virta_config()).await;
    let a = learner(HELSINKI);
    let b = learner(TWO_INSTITUTIONS);
    let hetus = format!(
        "<henkilotunnusLista>{}</henkilotunnusLista><henkilotunnusLista>{}</henkilotunnusLista><henkilotunnusLista>010203-123N</henkilotunnusLista>",
        a.hetu, b.hetu
    );
    let (status, _, body) = post_soap(
        &running.virta_url(),
        request("OpiskelijanKaikkiTiedotListaRequest", "salaisuus", &hetus),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("<virtaluku:OpiskelijanKaikkiTiedotListaResponse"));
    assert_eq!(
        opiskelijat(&body),
        a.institutions + b.institutions,
        "one Opiskelija per institution, unknown hetu adds none"
    );

    let oid = a.oid.as_deref().expect("learner 0 has an OID");
    let oids = format!(
        "<kansallinenOppijanumeroLista>{oid}</kansallinenOppijanumeroLista><kansallinenOppijanumeroLista>1.2.246.562.24.00000000000</kansallinenOppijanumeroLista>"
    );
    let (status, _, body) = post_soap(
        &running.virta_url(),
        request("OpiskelijanKaikkiTiedotListaRequest", "salaisuus", &oids),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(opiskelijat(&body), a.institutions);
    running.stop().await;
}

#[tokio::test]
async fn organisaatio_keeps_one_institution() {
    let running = start(virta_config()).await;
    let learner = learner(TWO_INSTITUTIONS);
    // Lahti, LAB's re-reporting of Lahti's records, Aalto.
    assert_eq!(learner.institutions, 3);
    let hakuehdot = format!(
        "<henkilotunnus>{}</henkilotunnus><organisaatio>02470</organisaatio>",
        learner.hetu
    );
    let (status, _, body) = post_soap(&running.virta_url(), single("salaisuus", &hakuehdot)).await;
    assert_eq!(status, 200);
    let virta = rikastin_sources::virta::parse(body.as_bytes(), "answer").expect("parses");
    assert_eq!(virta.opiskelijat.len(), 1);
    assert!(
        virta.opiskelijat[0]
            .opiskeluoikeudet
            .iter()
            .all(|o| o.myontaja == "02470")
    );
    running.stop().await;
}

#[tokio::test]
async fn unknown_person_gets_no_data_in_both_forms() {
    for (no_data, has_virta) in [(NoData::EmptyVirta, true), (NoData::NoVirta, false)] {
        let running = start(Config {
            no_data,
            ..virta_config()
        })
        .await;
        let (status, _, body) = post_soap(&running.virta_url(), by_hetu("010203-123N")).await;
        assert_eq!(status, 200);
        assert_eq!(body.contains("<virta:Virta "), has_virta, "{no_data:?}");
        assert!(body.contains("OpiskelijanKaikkiTiedotResponse"));
        assert_eq!(opiskelijat(&body), 0);
        assert_eq!(
            running.stats.count_outcome(Route::Virta, Outcome::NoData),
            1
        );
        running.stop().await;
    }
}

#[tokio::test]
async fn test_range_hetu_is_a_client_validation_fault() {
    let running = start(virta_config()).await;
    let (status, content_type, body) =
        post_soap(&running.virta_url(), by_hetu("010203-923N")).await;
    assert_eq!(status, 500);
    assert_eq!(content_type, "text/xml; charset=UTF-8");
    assert!(body.contains("<faultcode>SOAP-ENV:Client</faultcode>"));
    assert!(body.contains("<faultstring xml:lang=\"en\">Validation error</faultstring>"));
    assert!(
        body.contains("cvc-pattern-valid: Value '010203-923N' is not facet-valid"),
        "the real fault quotes the value"
    );
    assert!(body.contains(
        "cvc-type.3.1.3: The value '010203-923N' of element 'henkilotunnus' is not valid."
    ));
    // The parser of the sources crate sees a fault, not data.
    assert!(rikastin_sources::virta::parse(body.as_bytes(), "fault").is_err());
    assert_eq!(
        running
            .stats
            .count_outcome(Route::Virta, Outcome::ClientFault),
        1
    );
    assert_eq!(
        running.stats.attempts_for("010203-923N"),
        1,
        "the attempt is counted per learner"
    );

    let (status, _, body) = post_soap(&running.virta_url(), by_hetu("010203Z123N")).await;
    assert_eq!(status, 500);
    assert!(body.contains("Validation error"), "bad century sign");
    running.stop().await;
}

#[tokio::test]
async fn wrong_avain_is_401_or_an_access_denied_fault() {
    let learner = learner(HAAGA_HELIA);
    let wrong = single(
        "arvaus",
        &format!("<henkilotunnus>{}</henkilotunnus>", learner.hetu),
    );

    let running = start(virta_config()).await;
    let (status, _, body) = post_soap(&running.virta_url(), wrong.clone()).await;
    assert_eq!(status, 401);
    assert!(!body.contains("Opiskelija"));
    running.stop().await;

    let running = start(Config {
        auth_failure: AuthFailure::Fault,
        ..virta_config()
    })
    .await;
    let (status, _, body) = post_soap(&running.virta_url(), wrong).await;
    assert_eq!(status, 500);
    assert!(body.contains("<faultcode>SOAP-ENV:Client</faultcode><faultstring xml:lang=\"en\">Access denied</faultstring>"));
    assert_eq!(
        running
            .stats
            .count_outcome(Route::Virta, Outcome::AuthFault),
        1
    );
    running.stop().await;

    // Configured credentials are what counts.
    let config = Config {
        virta_avain: "toinen".to_owned(),
        ..virta_config()
    };
    let running = start(config).await;
    let right = single(
        "toinen",
        &format!("<henkilotunnus>{}</henkilotunnus>", learner.hetu),
    );
    let (status, _, _) = post_soap(&running.virta_url(), right).await;
    assert_eq!(status, 200);
    running.stop().await;
}

#[tokio::test]
async fn malformed_and_foreign_requests() {
    let running = start(virta_config()).await;
    let (status, _, _) = post_soap(&running.virta_url(), "this is not XML <".to_owned()).await;
    assert_eq!(status, 400);
    let soap12 =
        r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>"#;
    let (status, _, body) = post_soap(&running.virta_url(), soap12.to_owned()).await;
    assert_eq!(status, 500);
    assert!(body.contains("<faultcode>SOAP-ENV:VersionMismatch</faultcode>"));
    let unserved = request(
        "OpintosuorituksetRequest",
        "salaisuus",
        "<henkilotunnus>010203-123N</henkilotunnus>",
    );
    let (status, _, body) = post_soap(&running.virta_url(), unserved).await;
    assert_eq!(status, 500);
    assert!(body.contains("<faultcode>SOAP-ENV:Client</faultcode>"));
    assert!(body.contains("OpintosuorituksetRequest"));
    let unknown = request("MitaTahansaRequest", "salaisuus", "");
    let (status, _, body) = post_soap(&running.virta_url(), unknown).await;
    assert_eq!(status, 500);
    assert!(
        body.contains("cvc-elt.1.a: Cannot find the declaration of element 'MitaTahansaRequest'.")
    );
    running.stop().await;
}

#[tokio::test]
async fn unknown_organisation_code_is_a_validation_fault() {
    if shared_wsdl().is_none() {
        eprintln!("skipped: the WSDL with the organisation codes is not next to the workspace");
        return;
    }
    let running = start(virta_config()).await;
    let body = single(
        "salaisuus",
        "<kansallinenOppijanumero>1.2.246.562.24.00000000001</kansallinenOppijanumero><organisaatio>ABCDE</organisaatio>",
    );
    let (status, _, body) = post_soap(&running.virta_url(), body).await;
    assert_eq!(status, 500);
    assert!(body.contains(
        "cvc-enumeration-valid: Value 'ABCDE' is not facet-valid with respect to enumeration '["
    ));
    running.stop().await;
}

#[tokio::test]
async fn empty_sections_quirk_reaches_the_wire() {
    // Learner 7: a study right but no attainments.
    let learner = learner("9f52da2404b807f6d307b77da2d51ca5f34ae09752c10441fe960b34fa41e784.xml");
    let running = start(Config {
        quirks: vec![Quirk::EmptySections],
        ..virta_config()
    })
    .await;
    let (status, _, body) = post_soap(&running.virta_url(), by_hetu(&learner.hetu)).await;
    assert_eq!(status, 200);
    assert!(body.contains("<virta:Opintosuoritukset></virta:Opintosuoritukset>"));
    assert_eq!(opiskelijat(&body), 1);
    running.stop().await;
}

/// `OpiskelijanTiedotRequest` for `identity` (an element) at `organisaatio` (if any).
fn tiedot(avain: &str, identity: &str, organisaatio: Option<&str>) -> String {
    let org =
        organisaatio.map_or_else(String::new, |o| format!("<organisaatio>{o}</organisaatio>"));
    request(
        "OpiskelijanTiedotRequest",
        avain,
        &format!("{identity}{org}"),
    )
}

fn names_config() -> Config {
    Config {
        virta_names_dir: Some(recorded_names()),
        ..virta_config()
    }
}

#[tokio::test]
async fn opiskelijan_tiedot_answers_the_names_of_one_institution() {
    let running = start(names_config()).await;
    let two = learner(TWO_INSTITUTIONS);
    let records = rikastin_sources::virta::parse(&two.bytes, "okt").expect("parses");
    let hetu = format!("<henkilotunnus>{}</henkilotunnus>", two.hetu);
    for (code, at) in [("02470", 0), ("10076", records.opiskelijat.len() - 1)] {
        let (status, content_type, body) =
            post_soap(&running.virta_url(), tiedot("salaisuus", &hetu, Some(code))).await;
        assert_eq!(status, 200, "{code}");
        assert_eq!(content_type, "text/xml; charset=UTF-8");
        assert!(
            body.contains("<virtaluku:OpiskelijanTiedotResponse "),
            "{code}"
        );
        assert!(body.contains("<virta:Opiskelijat "), "{code}");
        let names = rikastin_sources::virta::parse(body.as_bytes(), "names").expect("parses");
        assert_eq!(
            names.opiskelijat.len(),
            1,
            "{code}: one institution's answer"
        );
        let o = &names.opiskelijat[0];
        assert_eq!(
            o.avain, records.opiskelijat[at].avain,
            "{code}: its own key"
        );
        assert!(
            o.sukunimi.is_some() && o.etunimet.is_some(),
            "{code}: names"
        );
    }
    // By learner number, too.
    let helsinki = learner(HELSINKI);
    let oid = helsinki.oid.expect("learner 0 has an oppijanumero");
    let by_oid = format!("<kansallinenOppijanumero>{oid}</kansallinenOppijanumero>");
    let (status, _, body) = post_soap(
        &running.virta_url(),
        tiedot("salaisuus", &by_oid, Some("01901")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(opiskelijat(&body), 1);
    assert_eq!(running.stats.count(Route::Virta), 3);
    running.stop().await;
}

#[tokio::test]
async fn opiskelijan_tiedot_of_nobody_is_an_empty_opiskelijat() {
    let running = start(names_config()).await;
    let empty = "<virta:Opiskelijat xmlns:virta=\"urn:mace:funet.fi:virta/2015/09/01\"></virta:Opiskelijat>";
    // A valid identity code nobody has.
    let unknown = "<henkilotunnus>010170-123F</henkilotunnus>";
    let (status, _, body) = post_soap(
        &running.virta_url(),
        tiedot("salaisuus", unknown, Some("01901")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains(empty), "empty Opiskelijat");
    assert_eq!(opiskelijat(&body), 0);
    // A known learner at an institution that has no records of them.
    let two = learner(TWO_INSTITUTIONS);
    let hetu = format!("<henkilotunnus>{}</henkilotunnus>", two.hetu);
    let (status, _, body) = post_soap(
        &running.virta_url(),
        tiedot("salaisuus", &hetu, Some("01901")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains(empty), "nothing at 01901");
    running.stop().await;
    // Without a names folder nobody is known either.
    let bare = start(virta_config()).await;
    let (status, _, body) =
        post_soap(&bare.virta_url(), tiedot("salaisuus", &hetu, Some("02470"))).await;
    assert_eq!(status, 200);
    assert!(body.contains(empty));
    bare.stop().await;
}

#[tokio::test]
async fn opiskelijan_tiedot_needs_organisaatio_and_credentials() {
    let running = start(names_config()).await;
    let two = learner(TWO_INSTITUTIONS);
    let hetu = format!("<henkilotunnus>{}</henkilotunnus>", two.hetu);
    let (status, _, body) = post_soap(&running.virta_url(), tiedot("salaisuus", &hetu, None)).await;
    assert_eq!(status, 500);
    assert!(body.contains("<faultcode>SOAP-ENV:Client</faultcode>"));
    assert!(body.contains(">Validation error</faultstring>"));
    assert!(
        body.contains(
            "cvc-complex-type.2.4.b: The content of element 'Hakuehdot' is not complete."
        )
    );
    assert!(body.contains(":organisaatio}"), "names the missing element");
    assert!(!body.contains(&two.hetu), "no identity code in the fault");
    let (status, _, body) =
        post_soap(&running.virta_url(), tiedot("wrong", &hetu, Some("02470"))).await;
    assert_ne!(status, 200, "bad avain");
    assert!(!body.contains("<virta:Sukunimi>"));
    running.stop().await;
}
