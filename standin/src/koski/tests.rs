//! Pure tests of the KOSKI document index.

use std::path::Path;

use super::index::KoskiIndex;
use crate::Error;

fn add(index: &mut KoskiIndex, name: &str, json: &str) -> Result<(), Error> {
    index.add(Path::new(name), json.as_bytes().to_vec())
}

#[test]
fn documents_are_found_by_oid_and_hetu() {
    let mut index = KoskiIndex::default();
    let doc = r#"{"henkilö": {"oid": "1.2.246.562.24.00000000011", "hetu": "010101-123N", "etunimet": "Aino"}, "opiskeluoikeudet": []}"#;
    add(&mut index, "a.json", doc).expect("indexed");
    add(
        &mut index,
        "b.json",
        r#"{"henkilö": {"hetu": "020202-234P"}, "opiskeluoikeudet": []}"#,
    )
    .expect("hetu only is fine");
    assert!(index.by_oid("1.2.246.562.24.00000000011").is_some());
    assert_eq!(
        index
            .by_hetu("010101-123N")
            .and_then(|d| d.string("etunimet")),
        Some("Aino")
    );
    assert!(index.by_hetu("020202-234P").is_some());
    assert!(index.by_oid("1.2.246.562.24.00000000012").is_none());
    assert_eq!(index.len(), 2);
}

#[test]
fn bad_documents_name_the_file_and_place_without_identity_codes() {
    let mut index = KoskiIndex::default();
    let err = add(
        &mut index,
        "broken.json",
        "{\"henkilö\": \n  {\"hetu\": \"010101-123N\",}",
    )
    .expect_err("malformed JSON");
    let shown = err.to_string();
    assert!(
        shown.starts_with("broken.json:2:"),
        "file:line:col, got {shown}"
    );

    let err = add(
        &mut index,
        "shape.json",
        r#"{"henkilö": {"hetu": "010101-123N"}}"#,
    )
    .expect_err("no opiskeluoikeudet");
    assert!(
        err.to_string()
            .contains("`opiskeluoikeudet` must be an array")
    );

    let err = add(
        &mut index,
        "anon.json",
        r#"{"henkilö": {}, "opiskeluoikeudet": []}"#,
    )
    .expect_err("nobody");
    assert!(err.to_string().contains("neither `oid` nor `hetu`"));

    add(
        &mut index,
        "first.json",
        r#"{"henkilö": {"hetu": "010101-123N"}, "opiskeluoikeudet": []}"#,
    )
    .expect("first");
    let err = add(
        &mut index,
        "second.json",
        r#"{"henkilö": {"hetu": "010101-123N"}, "opiskeluoikeudet": []}"#,
    )
    .expect_err("duplicate");
    let shown = err.to_string();
    assert!(shown.contains("is also in first.json"));
    assert!(
        !shown.contains("010101"),
        "identity code in an error message"
    );
}

#[test]
fn shared_samples_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/samples/koski");
    if !dir.is_dir() {
        eprintln!("skipped: ../shared/samples/koski is not next to the workspace");
        return;
    }
    let index = KoskiIndex::load(&dir).expect("the shared samples load");
    assert!(index.len() >= 2);
}
