//! Round trips over `tests/documents/` and the official example: read → write → read gives the
//! same model, write → read → write the same bytes, and every written document passes the XSD.

mod common;

#[test]
fn read_write_read_gives_the_same_model() {
    for (name, bytes) in common::documents() {
        let first = elmo::read(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let written = elmo::write(&first);
        let second = elmo::read(&written).unwrap_or_else(|e| panic!("{name} (rewritten): {e}"));
        assert_eq!(first, second, "{name}");
    }
}

#[test]
fn write_read_write_gives_the_same_bytes() {
    for (name, bytes) in common::documents() {
        let once = elmo::write(&elmo::read(&bytes).unwrap_or_else(|e| panic!("{name}: {e}")));
        let twice =
            elmo::write(&elmo::read(&once).unwrap_or_else(|e| panic!("{name} (rewritten): {e}")));
        assert_eq!(
            String::from_utf8_lossy(&once),
            String::from_utf8_lossy(&twice),
            "{name}"
        );
    }
}

#[test]
fn our_documents_are_written_back_byte_for_byte() {
    // The golden files are in the writer's own format, so reading and writing changes nothing.
    for name in ["minimal.xml", "rich.xml", "full.xml"] {
        let bytes = common::document(name);
        let written = elmo::write(&elmo::read(&bytes).unwrap_or_else(|e| panic!("{name}: {e}")));
        assert_eq!(
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(&bytes),
            "{name}"
        );
    }
}

#[test]
fn written_documents_pass_the_xsd() {
    for (name, bytes) in common::documents() {
        let written = elmo::write(&elmo::read(&bytes).unwrap_or_else(|e| panic!("{name}: {e}")));
        match common::validate(&name, &written) {
            None => return,
            Some(result) => assert_eq!(result, Ok(()), "{name}"),
        }
    }
}

#[test]
fn official_example_round_trips_and_stays_valid() {
    let Some(example) = common::official_example() else {
        return;
    };
    let model = elmo::read(&example).unwrap_or_else(|e| panic!("official example: {e}"));
    assert_eq!(model.reports[0].los.len(), 3);
    assert_eq!(model.learner.given_names, "Wojciech Łukasz");
    // The "queer but valid" title mixes an entity and CDATA (example.xml comment).
    assert_eq!(
        model.reports[0].los[2].titles[0].value,
        "The importance of <br> in HTML"
    );
    let written = elmo::write(&model);
    assert_eq!(elmo::read(&written).expect("rewritten example"), model);
    if let Some(result) = common::validate("example.xml", &written) {
        assert_eq!(result, Ok(()));
    }
}
