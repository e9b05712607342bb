//! The recorded transport against a real folder: listing, reading, refusing identity-code names.

use std::fs;

use rikastin_sources::{ErrorKind, RecordedFolder, virta};

const ANSWER: &str = r#"<OpiskelijanKaikkiTiedotResponse xmlns="http://tietovaranto.csc.fi/luku"><Virta xmlns="urn:mace:funet.fi:virta/2015/09/01"><Opiskelija avain="O1"/></Virta></OpiskelijanKaikkiTiedotResponse>"#;

#[test]
fn lists_xml_files_sorted_and_reads_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["b7c1.xml", "a0f3.xml", "notes.txt", "c2d4.XML"] {
        fs::write(dir.path().join(name), ANSWER).expect("write");
    }
    fs::create_dir(dir.path().join("sub.xml")).expect("dir");

    let folder = RecordedFolder::open(dir.path()).expect("opens");
    let recordings = folder.list().expect("lists");
    let names: Vec<_> = recordings.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["a0f3", "b7c1", "c2d4"]);
    assert_eq!(recordings[0].path, dir.path().join("a0f3.xml"));

    let bytes = folder.read(&recordings[1]).expect("reads");
    assert_eq!(bytes, ANSWER.as_bytes());
    let parsed = virta::parse(&bytes, &recordings[1].name).expect("parses");
    assert_eq!(parsed.opiskelijat[0].avain, "O1");

    let found = folder.find("b7c1").expect("lists");
    assert_eq!(found.map(|r| r.name), Some("b7c1".to_owned()));
    assert_eq!(folder.find("ffff").expect("lists"), None);
}

#[test]
fn refuses_a_missing_folder_or_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nope");
    let e = RecordedFolder::open(&missing).expect_err("missing folder");
    assert!(matches!(e.kind(), ErrorKind::Io { .. }), "{e}");
    assert!(e.to_string().contains("nope"), "{e}");

    let file = dir.path().join("a.xml");
    fs::write(&file, ANSWER).expect("write");
    assert!(RecordedFolder::open(&file).is_err());
}

#[test]
fn refuses_identity_code_file_names_without_repeating_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("100869-192W.xml"), ANSWER).expect("write");
    let folder = RecordedFolder::open(dir.path()).expect("opens");
    let e = folder.list().expect_err("identity code as a name");
    assert!(matches!(e.kind(), ErrorKind::IdentityCodeInName), "{e}");
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains("100869"), "{shown}");
    }
}

#[test]
fn a_vanished_recording_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("k1.xml"), ANSWER).expect("write");
    let folder = RecordedFolder::open(dir.path()).expect("opens");
    let recordings = folder.list().expect("lists");
    fs::remove_file(&recordings[0].path).expect("remove");
    let e = folder.read(&recordings[0]).expect_err("gone");
    assert!(e.to_string().contains("k1.xml"), "{e}");
    assert!(!e.is_retryable());
}
