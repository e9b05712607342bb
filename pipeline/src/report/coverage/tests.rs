//! The aggregation on hand-made rows, the page's escaping and empty case, and JSON stability.

use super::page::{escape, percent};
use super::*;

/// A course result of `institution` in `year`, with a code the catalogue matched and nothing
/// joined; tests switch on what they need.
fn course(institution: &str, year: i32, code: &str) -> CoverageRow {
    CoverageRow {
        institution: institution.to_owned(),
        institution_name: format!("University {institution}"),
        year,
        course_code: Some(code.to_owned()),
        los_type: "Course".to_owned(),
        matched: true,
        ..CoverageRow::default()
    }
}

fn described(mut row: CoverageRow, outcomes: bool) -> CoverageRow {
    row.has_description = true;
    row.has_outcomes = outcomes;
    row
}

fn unmatched(institution: &str, year: i32, code: &str) -> CoverageRow {
    CoverageRow {
        matched: false,
        ..course(institution, year, code)
    }
}

fn degree(institution: &str, year: i32, ds: bool, missing: &[&str]) -> CoverageRow {
    CoverageRow {
        los_type: "Degree Programme".to_owned(),
        is_degree: true,
        has_ds: ds,
        course_code: Some("KK-FM".to_owned()),
        ds_missing: missing.iter().map(|s| (*s).to_owned()).collect(),
        ..course(institution, year, "")
    }
}

/// Two institutions over two years, with every kind of result.
fn sample() -> Vec<CoverageRow> {
    vec![
        // 02 in 2021: four results, three described, one of them with outcomes, one degree with a DS.
        described(course("02", 2021, "A1"), true),
        described(course("02", 2021, "A2"), false),
        described(course("02", 2021, "A3"), false),
        degree("02", 2021, true, &["6.1 Additional information"]),
        // 02 in 2022: four results: two unmatched, one without a code, a degree without a DS.
        unmatched("02", 2022, "X9"),
        unmatched("02", 2022, "X9"),
        CoverageRow {
            course_code: None,
            matched: false,
            ..course("02", 2022, "")
        },
        degree(
            "02",
            2022,
            false,
            &["3.3 Access requirements", "6.1 Additional information"],
        ),
        // 01 in 2020: one described course with outcomes.
        described(course("01", 2020, "B1"), true),
    ]
}

#[test]
fn aggregates_counts_and_shares_per_institution_and_year() {
    let report = coverage(&sample()).unwrap();

    let codes: Vec<&str> = report
        .institutions
        .iter()
        .map(|i| i.institution.as_str())
        .collect();
    assert_eq!(codes, ["01", "02"], "institutions by code");

    let two = &report.institutions[1];
    assert_eq!(two.name, "University 02");
    let years: Vec<i32> = two.years.iter().map(|y| y.year).collect();
    assert_eq!(years, [2021, 2022], "years oldest first");

    assert_eq!(
        two.years[0].counts,
        Counts {
            results: 4,
            with_description: 3,
            description_share: Some(0.75),
            with_outcomes: 1,
            outcomes_share: Some(0.25),
            degrees: 1,
            degrees_with_ds: 1,
            ds_share: Some(1.0),
            unmatched: 0,
            without_code: 0,
        }
    );
    assert_eq!(
        two.years[1].counts,
        Counts {
            results: 4,
            with_description: 0,
            description_share: Some(0.0),
            with_outcomes: 0,
            outcomes_share: Some(0.0),
            degrees: 1,
            degrees_with_ds: 0,
            ds_share: Some(0.0),
            unmatched: 2,
            without_code: 1,
        }
    );
    assert_eq!(
        two.totals,
        Counts {
            results: 8,
            with_description: 3,
            description_share: Some(3.0 / 8.0),
            with_outcomes: 1,
            outcomes_share: Some(1.0 / 8.0),
            degrees: 2,
            degrees_with_ds: 1,
            ds_share: Some(0.5),
            unmatched: 2,
            without_code: 1,
        }
    );

    // 01 has no degrees: its DS share is "nothing", not 0 %.
    let one = &report.institutions[0];
    assert_eq!(one.totals.degrees, 0);
    assert_eq!(one.totals.ds_share, None);
    assert_eq!(one.totals.description_share, Some(1.0));

    assert_eq!(report.totals.results, 9);
    assert_eq!(report.totals.with_description, 4);
    assert_eq!(report.totals.description_share, Some(4.0 / 9.0));
    assert_eq!(report.totals.outcomes_share, Some(2.0 / 9.0));
    assert_eq!(report.totals.ds_share, Some(0.5));
}

#[test]
fn orders_unmatched_codes_by_count_then_code() {
    let mut rows = sample();
    rows.extend([
        unmatched("02", 2021, "C7"),
        unmatched("02", 2023, "B5"),
        unmatched("02", 2023, "B5"),
        unmatched("02", 2023, "A0"),
        unmatched("01", 2020, "Z1"),
    ]);
    let report = coverage(&rows).unwrap();
    let two: Vec<(&str, u64)> = report.institutions[1]
        .unmatched
        .iter()
        .map(|c| (c.course_code.as_str(), c.results))
        .collect();
    // Ties (2 and 1 results) are broken by code, so hashing never decides the order.
    assert_eq!(two, [("B5", 2), ("X9", 2), ("A0", 1), ("C7", 1)]);
    assert_eq!(report.institutions[1].unmatched_codes, 4);
    assert_eq!(report.institutions[0].unmatched[0].course_code, "Z1");
}

#[test]
fn lists_the_top_unmatched_codes_and_counts_them_all() {
    // 25 codes: C00 unmatched 25 times, C01 24 times, ... C24 once.
    let rows: Vec<CoverageRow> = (0..25)
        .flat_map(|i| (0..25 - i).map(move |_| unmatched("03", 2024, &format!("C{i:02}"))))
        .collect();
    let report = coverage(&rows).unwrap();
    let inst = &report.institutions[0];
    assert_eq!(inst.unmatched_codes, 25);
    assert_eq!(inst.unmatched.len(), TOP_UNMATCHED);
    assert_eq!(inst.unmatched[0].course_code, "C00");
    assert_eq!(inst.unmatched[0].results, 25);
    assert_eq!(inst.unmatched[19].course_code, "C19");
    assert_eq!(inst.totals.unmatched, (1..=25).sum::<u64>());
}

#[test]
fn counts_missing_ds_sections_most_often_first() {
    let mut rows = sample();
    rows.push(degree("01", 2020, true, &["3.3 Access requirements"]));
    rows.push(degree("01", 2020, true, &["2.5 Language of instruction"]));
    let report = coverage(&rows).unwrap();
    let all: Vec<(&str, u64)> = report
        .ds_missing
        .iter()
        .map(|s| (s.section.as_str(), s.degrees))
        .collect();
    assert_eq!(
        all,
        [
            ("3.3 Access requirements", 2),
            ("6.1 Additional information", 2),
            ("2.5 Language of instruction", 1),
        ]
    );
    let one: Vec<&str> = report.institutions[0]
        .ds_missing
        .iter()
        .map(|s| s.section.as_str())
        .collect();
    assert_eq!(
        one,
        ["2.5 Language of instruction", "3.3 Access requirements"]
    );
    assert_eq!(report.institutions[1].ds_missing[0].degrees, 2);
}

#[test]
fn picks_one_name_when_results_disagree() {
    let mut rows = vec![course("05", 2020, "A"), course("05", 2021, "B")];
    rows[0].institution_name = "Yliopisto".to_owned();
    rows[1].institution_name = "University".to_owned();
    let report = coverage(&rows).unwrap();
    assert_eq!(report.institutions[0].name, "University");
    rows.reverse();
    assert_eq!(coverage(&rows).unwrap().institutions[0].name, "University");
}

#[test]
fn empty_input_gives_an_empty_but_valid_report() {
    let report = coverage(&[]).unwrap();
    assert!(report.institutions.is_empty());
    assert!(report.ds_missing.is_empty());
    assert_eq!(report.totals.results, 0);
    assert_eq!(report.totals.description_share, None);

    let json: serde_json::Value = serde_json::from_slice(&to_json(&report).unwrap()).unwrap();
    assert_eq!(json["version"], FORMAT_VERSION);
    assert_eq!(json["institutions"], serde_json::json!([]));
    assert_eq!(json["totals"]["results"], 0);

    let html = to_html(&report);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(html.contains("holds no results yet"));
    assert!(!html.contains("<svg"));
}

#[test]
fn escapes_names_and_codes_in_the_page() {
    let mut row = unmatched("<b>&'01\"", 2024, "<script>alert(1)</script>");
    row.institution_name = "Ab & Co <i>\"Yliopisto\"</i>".to_owned();
    row.ds_missing = vec!["3.3 <Access>".to_owned()];
    row.is_degree = true;
    let html = to_html(&coverage(&[row]).unwrap());

    for raw in ["<script>", "<b>", "<i>", "&'01", "3.3 <Access>", "Ab & Co"] {
        assert!(!html.contains(raw), "unescaped {raw:?} in the page");
    }
    for escaped in [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&lt;b&gt;&amp;&#39;01&quot;",
        "Ab &amp; Co &lt;i&gt;&quot;Yliopisto&quot;&lt;/i&gt;",
        "3.3 &lt;Access&gt;",
    ] {
        assert!(html.contains(escaped), "{escaped:?} missing from the page");
    }
    assert_eq!(escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
}

#[test]
fn page_is_self_contained_and_shows_the_numbers() {
    let html = to_html(&coverage(&sample()).unwrap());
    for external in ["<script", "<link", "src=", "http://", "https://", "@import"] {
        assert!(!html.contains(external), "{external:?} in the page");
    }
    // Numbers sit next to the bars: 02's 2021 descriptions, 3 of 4.
    assert!(html.contains("75% · 3 of 4"));
    // Its DS bar: 1 of 2 degrees.
    assert!(html.contains("50% · 1 of 2"));
    // One chart per institution, one DS bar for the one with degrees.
    assert_eq!(html.matches("aria-labelledby=\"chart-").count(), 2);
    assert_eq!(
        html.matches("Degrees with a Diploma Supplement:").count(),
        1
    );
    assert!(html.contains("<td class=\"code\">X9</td>"));
    assert!(html.contains("<caption>1 code; 2 results in all</caption>"));
    assert!(html.contains("1 result has no course code"));
}

#[test]
fn percentages_never_round_to_all_or_nothing() {
    assert_eq!(percent(199, 200), "99%");
    assert_eq!(percent(1, 1000), "1%");
    assert_eq!(percent(3, 4), "75%");
    assert_eq!(percent(2, 3), "67%");
    assert_eq!(percent(5, 5), "100%");
    assert_eq!(percent(0, 5), "0%");
    assert_eq!(percent(0, 0), "–");
}

#[test]
fn json_is_stable() {
    let rows = sample();
    let first = to_json(&coverage(&rows).unwrap()).unwrap();
    let again = to_json(&coverage(&rows).unwrap()).unwrap();
    assert_eq!(first, again, "same rows, same bytes");

    // The order the cache yields rows in does not matter either.
    let mut reversed = rows.clone();
    reversed.reverse();
    assert_eq!(first, to_json(&coverage(&reversed).unwrap()).unwrap());

    let text = String::from_utf8(first).unwrap();
    assert!(
        text.starts_with("{\n  \"version\": 1,\n  \"totals\": {\n    \"results\": 9,"),
        "{text}"
    );
    let keys: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("\"years\""))
        .skip(2)
        .take(11)
        .map(|l| l.trim().split('"').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(
        keys,
        [
            "year",
            "results",
            "with_description",
            "description_share",
            "with_outcomes",
            "outcomes_share",
            "degrees",
            "degrees_with_ds",
            "ds_share",
            "unmatched",
            "without_code"
        ]
    );
}

#[test]
fn write_puts_the_page_and_the_json_in_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("var").join("coverage");
    let report = coverage(&sample()).unwrap();
    let written = write(&report, &out).unwrap();
    assert_eq!(written, [out.join(HTML_FILE), out.join(JSON_FILE)]);
    assert_eq!(
        std::fs::read_to_string(&written[0]).unwrap(),
        to_html(&report)
    );
    assert_eq!(
        std::fs::read(&written[1]).unwrap(),
        to_json(&report).unwrap()
    );
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no partial files left: {names:?}");
}

#[test]
fn write_names_the_folder_it_cannot_create() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let err = write(&coverage(&[]).unwrap(), &blocker.join("coverage")).unwrap_err();
    assert!(matches!(err, CoverageError::Write { .. }));
    assert!(
        err.to_string().contains(&*blocker.to_string_lossy()),
        "{err}"
    );
}

#[test]
fn labels_results_without_a_date() {
    let rows = [
        course("06", 0, "A"),
        course("06", 2022, "B"),
        course("06", 2024, "C"),
    ];
    let report = coverage(&rows).unwrap();
    assert_eq!(report.institutions[0].years[0].year, 0);
    let html = to_html(&report);
    assert!(html.contains(">no date</text>"));
    assert!(
        html.contains("3 results, 2022–2024;"),
        "the span leaves the undated out"
    );
}

#[test]
fn degree_and_module_codes_are_no_unmatched_course_codes() {
    let mut rows = sample();
    let unmatched_degree = CoverageRow {
        matched: false,
        ..degree("02", 2023, true, &[])
    };
    let unmatched_module = CoverageRow {
        los_type: "Module".to_owned(),
        ..unmatched("02", 2023, "MOD-1")
    };
    rows.extend([
        unmatched_degree,
        unmatched_module,
        unmatched("02", 2023, "C8"),
    ]);
    let report = coverage(&rows).unwrap();
    let codes: Vec<&str> = report.institutions[1]
        .unmatched
        .iter()
        .map(|c| c.course_code.as_str())
        .collect();
    assert!(
        codes.contains(&"C8") && !codes.contains(&"MOD-1") && !codes.contains(&"KK-FM"),
        "{codes:?}"
    );
}
