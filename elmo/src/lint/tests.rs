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
    assert_eq!(html_tags("<p>a</p> <br/>"), vec!["p", "p", "br"]);
    assert!(html_tags("a < b and c > d").is_empty());
    assert!(html_tags("x<3").is_empty());
}
