//! Unit tests of the linter's helpers.

use super::*;

#[test]
fn language_tags() {
    for ok in ["fi", "en", "sv", "en-GB", "zh-Hant-TW", "fil"] {
        assert!(is_language_tag(ok), "{ok}");
    }
    for bad in ["fi_FI", "FI", "", "f", "english", "en-"] {
        assert!(!is_language_tag(bad), "{bad}");
    }
}

#[test]
fn finds_html_tags_but_not_comparisons() {
    let tags = |text| html_tags(text).collect::<Vec<_>>();
    assert_eq!(tags("<p>a</p> <BR/>"), ["p", "p", "BR"]);
    assert!(tags("a < b and c > d").is_empty());
    assert!(tags("x<3").is_empty());
}

#[test]
fn paths_render_in_the_reader_form() {
    let report = Path::Elmo.nth("report", 1);
    let los = report.nth("learningOpportunitySpecification", 2);
    let credit = los
        .child("specifies")
        .child("learningOpportunityInstance")
        .nth("credit", 3)
        .child("value")
        .to_string();
    assert_eq!(Path::Elmo.to_string(), "/elmo");
    assert_eq!(
        credit,
        "/elmo/report[1]/learningOpportunitySpecification[2]/specifies/learningOpportunityInstance/credit[3]/value"
    );
}

#[test]
fn xml_chars_by_bytes_agree_with_by_characters() {
    use crate::reader::cursor::is_xml_char;
    let edges = [
        '\0',
        '\u{8}',
        '\t',
        '\n',
        '\u{B}',
        '\r',
        '\u{1F}',
        ' ',
        'a',
        'ä',
        '\u{D7FF}',
        '\u{E000}',
        '\u{EFFF}',
        '\u{FEFF}',
        '\u{FFBE}',
        '\u{FFFD}',
        '\u{FFFE}',
        '\u{FFFF}',
        '\u{10000}',
        '\u{10FFFF}',
    ];
    for a in edges {
        for b in edges {
            let s = format!("x{a}{b}");
            assert_eq!(all_xml_chars(&s), s.chars().all(is_xml_char), "{s:?}");
        }
    }
}
