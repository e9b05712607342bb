//! Tests of the catalogue readers (every error path), the as-of index, key normalisation, the
//! HTML helpers and the demo catalogues in `data/catalogues/`.

use super::*;
use crate::virta::Pvm;

fn d(s: &str) -> Pvm {
    Pvm::parse(s).expect("test date")
}

fn read(file: &str, text: &str, format: Format) -> Catalogue {
    parse_catalogue(file, text, format, &ReadOptions::default()).expect("readable")
}

fn read_for(file: &str, text: &str, format: Format, institution: &str) -> Catalogue {
    let options = ReadOptions {
        institution: Some(institution.into()),
    };
    parse_catalogue(file, text, format, &options).expect("readable")
}

/// The problems as their Display lines.
fn lines(c: &Catalogue) -> Vec<String> {
    c.problems.iter().map(ToString::to_string).collect()
}

fn one_problem(c: &Catalogue) -> String {
    assert_eq!(
        c.problems.len(),
        1,
        "expected one problem, got {:#?}",
        lines(c)
    );
    c.problems[0].to_string()
}

mod csv_reader {
    use super::*;

    const HEADER: &str = "institution,course_code,valid_from,valid_to,title_fi,title_sv,title_en,\
        description_fi,description_en,content_en,learning_outcomes_fi,learning_outcomes_en,\
        prerequisites_en,assessment_en,languages,eqf_level,nqf_level,isced_f,ects,url";

    /// A header of the required columns plus `extra`, and rows in that order.
    fn small(extra: &str, rows: &[&str]) -> String {
        let mut s = format!("institution,course_code,valid_from,title_fi{extra}\n");
        for r in rows {
            s.push_str(r);
            s.push('\n');
        }
        s
    }

    #[test]
    fn a_full_row_fills_every_field() {
        let text = format!(
            "{HEADER}\n01901,TKT10002,2019-08-01,2023-07-31,Ohjelmoinnin perusteet,Grunderna i \
             programmering,Introduction to Programming,<p>Kurssi.</p>,The course.,Loops,\
             \"- Osaa ohjelmoida\n- Osaa testata\",\"Can program\n\nCan test\",None,Exam,\
             \"fi, en\",6,6,0613,7.5,https://example.fi/TKT10002\n"
        );
        let c = read("hy.csv", &text, Format::Csv);
        assert_eq!(lines(&c), Vec::<String>::new());
        let v = &c.courses[0];
        assert_eq!(v.institution, "01901");
        assert_eq!(v.course_code, "TKT10002");
        assert_eq!(v.valid_from, d("2019-08-01"));
        assert_eq!(v.valid_to, Some(d("2023-07-31")));
        assert_eq!(v.title["sv"], "Grunderna i programmering");
        assert_eq!(v.title.len(), 3);
        assert_eq!(v.description["fi"], "<p>Kurssi.</p>");
        assert_eq!(v.content["en"], "Loops");
        assert_eq!(
            v.learning_outcomes["fi"],
            vec!["Osaa ohjelmoida", "Osaa testata"]
        );
        assert_eq!(v.learning_outcomes["en"], vec!["Can program", "Can test"]);
        assert_eq!(v.prerequisites["en"], "None");
        assert_eq!(v.assessment["en"], "Exam");
        assert_eq!(v.languages, vec!["fi", "en"]);
        assert_eq!((v.eqf_level, v.nqf_level), (Some(6), Some(6)));
        assert_eq!(v.isced_f.as_deref(), Some("0613"));
        assert_eq!(v.ects.as_ref().map(|e| e.as_str()), Some("7.5"));
        assert_eq!(v.url.as_deref(), Some("https://example.fi/TKT10002"));
        assert_eq!(v.origin.file, "hy.csv");
        assert_eq!(v.origin.line, 2);
        assert_eq!(v.origin.format, Format::Csv);
        assert_eq!(v.origin.version, "2019-08-01..2023-07-31");
    }

    #[test]
    fn line_numbers_count_multi_line_cells() {
        let text = small(
            ",learning_outcomes_en",
            &[
                "01901,A1,2020-01-01,A,\"one\ntwo\nthree\"",
                "01901,A2,2020-01-01,B,",
                "01901,A3,2020-13-01,C,",
            ],
        );
        let c = read("x.csv", &text, Format::Csv);
        assert_eq!(c.courses[0].origin.line, 2);
        assert_eq!(c.courses[1].origin.line, 5);
        assert_eq!(c.courses[1].origin.version, "2020-01-01..");
        assert!(one_problem(&c).starts_with("x.csv:6: field valid_from:"));
    }

    #[test]
    fn a_bad_date_is_reported_and_only_its_row_left_out() {
        let text = small(
            ",valid_to",
            &[
                "01901,A1,2020-01-01,A,",
                "01901,A2,1.8.2020,B,",
                "01901,A3,2020-01-01,C,2020-02-30",
                "01901,A4,2020-01-01T00:00,D,",
                "01901,A5,2020-01-01,E,",
            ],
        );
        let c = read("x.csv", &text, Format::Csv);
        let codes: Vec<&str> = c.courses.iter().map(|v| v.course_code.as_str()).collect();
        assert_eq!(codes, vec!["A1", "A5"]);
        assert_eq!(
            lines(&c),
            vec![
                "x.csv:3: field valid_from: expected a date as YYYY-MM-DD, e.g. `2024-08-01`, \
                 found `1.8.2020`",
                "x.csv:4: field valid_to: expected a date as YYYY-MM-DD, e.g. `2024-08-01`, \
                 found `2020-02-30`",
                "x.csv:5: field valid_from: expected a date as YYYY-MM-DD, e.g. `2024-08-01`, \
                 found `2020-01-01T00:00`",
            ]
        );
    }

    #[test]
    fn a_window_ending_before_it_starts_is_a_problem() {
        let c = read(
            "x.csv",
            &small(",valid_to", &["01901,A1,2020-01-01,A,2019-12-31"]),
            Format::Csv,
        );
        let p = one_problem(&c);
        assert!(
            p.starts_with(
                "x.csv:2: field valid_to: expected a date on or after valid_from 2020-01-01"
            ),
            "{p}"
        );
    }

    #[test]
    fn bad_ects_names_the_column_and_hints_at_the_comma() {
        let c = read(
            "x.csv",
            &small(
                ",ects",
                &[
                    "01901,A1,2020-01-01,A,\"5,5\"",
                    "01901,A2,2020-01-01,A,-5",
                    "01901,A3,2020-01-01,A,five",
                ],
            ),
            Format::Csv,
        );
        let l = lines(&c);
        assert_eq!(l.len(), 3);
        assert!(
            l[0].starts_with("x.csv:2: field ects: expected ECTS credits"),
            "{}",
            l[0]
        );
        assert!(
            l[0].contains("(use a point, not a comma), found `5,5`"),
            "{}",
            l[0]
        );
        assert!(l[1].ends_with("found `-5`"), "{}", l[1]);
        assert!(l[2].ends_with("found `five`"), "{}", l[2]);
        assert!(c.courses.is_empty());
    }

    #[test]
    fn unknown_columns_are_one_problem_at_line_one_and_nothing_is_read() {
        let text = small(",titel_en,description_xx", &["01901,A1,2020-01-01,A,B,C"]);
        let c = read("x.csv", &text, Format::Csv);
        let p = one_problem(&c);
        assert!(
            p.starts_with("x.csv:1: field header: unknown columns `titel_en`, `description_xx`"),
            "{p}"
        );
        assert!(
            p.contains("expected the columns institution, course_code"),
            "{p}"
        );
        assert!(c.courses.is_empty());
    }

    #[test]
    fn missing_required_columns_are_named() {
        let c = read("x.csv", "course_code,description_fi\nA1,x\n", Format::Csv);
        let p = one_problem(&c);
        assert!(
            p.contains("missing required columns institution, valid_from, title_<language>"),
            "{p}"
        );
    }

    #[test]
    fn a_repeated_column_is_refused() {
        let c = read(
            "x.csv",
            &small(",title_fi", &["01901,A1,2020-01-01,A,B"]),
            Format::Csv,
        );
        assert!(one_problem(&c).contains("repeated columns title_fi"));
    }

    #[test]
    fn missing_required_values_are_problems() {
        let c = read(
            "x.csv",
            &small(
                "",
                &[",A1,2020-01-01,A", "01901,,2020-01-01,A", "01901,A3,,A"],
            ),
            Format::Csv,
        );
        assert_eq!(
            lines(&c),
            vec![
                "x.csv:2: field institution: missing: every course needs its VIRTA institution \
                 code (Myontaja), e.g. `01901`",
                "x.csv:3: field course_code: missing: expected the course code as in VIRTA \
                 koulutusmoduulitunniste",
                "x.csv:4: field valid_from: missing: expected the first day of validity as \
                 YYYY-MM-DD",
            ]
        );
    }

    #[test]
    fn an_empty_title_is_a_problem() {
        let c = read(
            "x.csv",
            &small(",title_en", &["01901,A1,2020-01-01,,  "]),
            Format::Csv,
        );
        assert_eq!(
            one_problem(&c),
            "x.csv:2: field title_*: missing: expected a title in at least one language"
        );
    }

    #[test]
    fn a_bad_institution_code_is_a_problem() {
        let c = read("x.csv", &small("", &["1901,A1,2020-01-01,A"]), Format::Csv);
        assert!(
            one_problem(&c)
                .contains("field institution: expected a 5-digit VIRTA institution code")
        );
    }

    #[test]
    fn bad_urls_are_problems() {
        let rows = [
            "01901,A1,2020-01-01,A,ftp://example.fi/a",
            "01901,A2,2020-01-01,A,javascript:alert(1)",
            "01901,A3,2020-01-01,A,/courses/a",
            "01901,A4,2020-01-01,A,https://exa mple.fi",
            "01901,A5,2020-01-01,A,http://example.fi/ok",
        ];
        let c = read("x.csv", &small(",url", &rows), Format::Csv);
        assert_eq!(c.problems.len(), 4, "{:#?}", lines(&c));
        assert!(c.problems.iter().all(|p| {
            p.column_or_field == "url"
                && p.message
                    .starts_with("expected an absolute http or https URL")
        }));
        assert_eq!(c.courses[0].course_code, "A5");
    }

    #[test]
    fn bad_language_codes_are_problems() {
        let rows = [
            "01901,A1,2020-01-01,A,\"fi, xx\"",
            "01901,A2,2020-01-01,A,fin",
            "01901,A3,2020-01-01,A,FI EN",
        ];
        let c = read("x.csv", &small(",languages", &rows), Format::Csv);
        assert_eq!(
            lines(&c),
            vec![
                "x.csv:2: field languages: expected an ISO 639-1 language code such as `fi`, \
                 `sv` or `en`, found `xx`",
                "x.csv:3: field languages: expected an ISO 639-1 language code such as `fi`, \
                 `sv` or `en`, found `fin`",
            ]
        );
        assert_eq!(c.courses[0].languages, vec!["fi", "en"]);
    }

    #[test]
    fn eqf_and_nqf_levels_outside_one_to_eight_are_problems() {
        let rows = [
            "01901,A1,2020-01-01,A,9,1",
            "01901,A2,2020-01-01,A,0,8",
            "01901,A3,2020-01-01,A,6,x",
            "01901,A4,2020-01-01,A,8,1",
        ];
        let c = read("x.csv", &small(",eqf_level,nqf_level", &rows), Format::Csv);
        let fields: Vec<(u32, &str)> = c
            .problems
            .iter()
            .map(|p| (p.line, p.column_or_field.as_str()))
            .collect();
        assert_eq!(
            fields,
            vec![(2, "eqf_level"), (3, "eqf_level"), (4, "nqf_level")]
        );
        assert!(
            c.problems[0]
                .message
                .starts_with("expected an EQF level, a whole number 1–8")
        );
        assert_eq!(c.courses.len(), 1);
    }

    #[test]
    fn isced_codes_need_two_to_four_digits_and_a_real_broad_field() {
        let rows = [
            "01901,A1,2020-01-01,A,613",
            "01901,A2,2020-01-01,A,06131",
            "01901,A3,2020-01-01,A,06a",
            "01901,A4,2020-01-01,A,06",
            "01901,A5,2020-01-01,A,0613",
        ];
        let c = read("x.csv", &small(",isced_f", &rows), Format::Csv);
        assert_eq!(c.problems.len(), 3, "{:#?}", lines(&c));
        assert_eq!(c.courses.len(), 2);
    }

    #[test]
    fn a_row_with_too_many_cells_is_a_problem() {
        let c = read(
            "x.csv",
            &small(
                "",
                &["01901,A1,2020-01-01,A,extra", "01901,A2,2020-01-01,B"],
            ),
            Format::Csv,
        );
        assert!(
            one_problem(&c)
                .starts_with("x.csv:2: field row: expected 4 cells as in the header, found 5")
        );
        assert_eq!(c.courses.len(), 1);
    }

    #[test]
    fn semicolons_and_a_byte_order_mark_are_accepted_and_empty_rows_skipped() {
        let text = "\u{feff}institution;course_code;valid_from;title_fi\n01901;A1;2020-01-01;Nimi, pilkulla\n;;;\n";
        let c = read("x.csv", text, Format::Csv);
        assert_eq!(lines(&c), Vec::<String>::new());
        assert_eq!(c.courses.len(), 1);
        assert_eq!(c.courses[0].title["fi"], "Nimi, pilkulla");
    }

    #[test]
    fn the_institution_read_for_fills_in_and_is_checked() {
        let text = "course_code,valid_from,title_fi\nA1,2020-01-01,Nimi\n";
        let c = read_for("x.csv", text, Format::Csv, "02504");
        assert_eq!(c.courses[0].institution, "02504");
        let other = small("", &["01901,A1,2020-01-01,A"]);
        let c = read_for("x.csv", &other, Format::Csv, "02504");
        assert!(one_problem(&c).contains("expected institution `02504`"));
        let err = parse_catalogue(
            "x.csv",
            &other,
            Format::Csv,
            &ReadOptions {
                institution: Some("HY".into()),
            },
        )
        .unwrap_err();
        assert!(matches!(err, CatalogueError::Institution { .. }));
    }

    #[test]
    fn identity_codes_in_values_are_redacted_in_problems() {
        let c = read(
            "x.csv",
            &small("", &["010203-123N,A1,2020-01-01,A"]),
            Format::Csv,
        );
        let p = one_problem(&c);
        assert!(!p.contains("010203-123N"), "{p}");
        assert!(p.contains("***"), "{p}");
    }
}

mod structured_reader {
    use super::*;

    const JSON: &str = r#"{
  "courses": [
    {
      "institution": "10076",
      "course_code": "CS-A1110",
      "valid_from": "2019-08-01",
      "title": {"fi": "Ohjelmointi 1", "en": "Programming 1"},
      "learning_outcomes": {"en": ["Write programs", "Test them"]},
      "languages": ["fi", "en"],
      "eqf_level": 6,
      "isced_f": "0613",
      "ects": 5,
      "url": "https://example.fi/CS-A1110"
    },
    {
      "institution": "10076",
      "course_code": "CS-A1120",
      "valid_from": "2019-08-01",
      "valid_to": "2023-07-31",
      "title": {"en": "Programming 2"},
      "ects": 7.5
    }
  ]
}"#;

    #[test]
    fn json_records_load_with_their_start_lines() {
        let c = read("aalto.json", JSON, Format::Json);
        assert_eq!(lines(&c), Vec::<String>::new());
        assert_eq!(c.courses.len(), 2);
        let a = &c.courses[0];
        assert_eq!((a.origin.line, a.origin.format), (3, Format::Json));
        assert_eq!(
            a.learning_outcomes["en"],
            vec!["Write programs", "Test them"]
        );
        assert_eq!(a.eqf_level, Some(6));
        assert_eq!(a.ects.as_ref().map(|e| e.as_str()), Some("5"));
        let b = &c.courses[1];
        assert_eq!(b.origin.line, 15);
        assert_eq!(b.origin.version, "2019-08-01..2023-07-31");
        assert_eq!(b.ects.as_ref().map(|e| e.as_str()), Some("7.5"));
    }

    #[test]
    fn a_bare_json_list_is_our_form_too() {
        let text = r#"[{"institution": "10076", "course_code": "X", "valid_from": "2020-01-01", "title": {"en": "X"}}]"#;
        let c = read("l.json", text, Format::Json);
        assert_eq!(c.courses.len(), 1);
        assert_eq!(c.courses[0].origin.format, Format::Json);
    }

    #[test]
    fn json_field_problems_point_at_the_field_line() {
        let text = JSON.replace("\"ects\": 7.5", "\"ects\": \"7,5\"").replace(
            "\"title\": {\"en\": \"Programming 2\"}",
            "\"title\": {\"en\": \"Programming 2\", \"xx\": \"?\"}",
        );
        let c = read("a.json", &text, Format::Json);
        assert_eq!(c.courses.len(), 1);
        assert_eq!(
            lines(&c),
            vec![
                "a.json:20: field title.xx: expected an ISO 639-1 language code such as `fi`, \
                 `sv` or `en`, found `xx`",
                "a.json:21: field ects: expected ECTS credits as a decimal number 0–1000 such as \
                 `5` or `7.5` (use a point, not a comma), found `7,5`",
            ]
        );
    }

    #[test]
    fn an_unknown_json_key_or_a_wrong_type_fails_only_its_record() {
        let text = JSON
            .replace("\"languages\"", "\"language\"")
            .replace("\"ects\": 7.5", "\"ects\": true");
        let c = read("a.json", &text, Format::Json);
        assert!(c.courses.is_empty());
        let l = lines(&c);
        assert_eq!(l.len(), 2, "{l:#?}");
        assert!(
            l[0].starts_with("a.json:9: field language: unknown field `language`"),
            "{}",
            l[0]
        );
        assert!(
            l[1].starts_with("a.json:21: field ects: invalid type: boolean `true`"),
            "{}",
            l[1]
        );
    }

    #[test]
    fn numbers_for_codes_are_refused_with_a_hint() {
        let text = JSON
            .replace("\"isced_f\": \"0613\"", "\"isced_f\": 613")
            .replacen("\"institution\": \"10076\"", "\"institution\": 10076", 1);
        let c = read("a.json", &text, Format::Json);
        let l = lines(&c);
        assert_eq!(l.len(), 2, "{l:#?}");
        assert!(
            l[0].starts_with(
                "a.json:4: field institution: expected the institution code as a quoted string"
            ),
            "{}",
            l[0]
        );
        assert!(
            l[1].starts_with(
                "a.json:11: field isced_f: expected the ISCED-F code as a quoted string"
            ),
            "{}",
            l[1]
        );
    }

    #[test]
    fn malformed_json_is_an_error_with_line_and_column() {
        let text = "{\n  \"courses\": [\n    {\"institution\": \"10076\",}\n  ]\n}";
        let err =
            parse_catalogue("a.json", text, Format::Json, &ReadOptions::default()).unwrap_err();
        let s = err.to_string();
        assert!(
            s.starts_with("a.json:3:29: malformed json: trailing comma"),
            "{s}"
        );
    }

    #[test]
    fn json_of_another_shape_is_an_error() {
        for text in ["42", "{\"kurssit\": []}"] {
            let err =
                parse_catalogue("a.json", text, Format::Json, &ReadOptions::default()).unwrap_err();
            assert!(matches!(err, CatalogueError::Shape { .. }), "{err}");
        }
        let err = parse_catalogue(
            "a.json",
            "{\"courses\": [], \"x\": 1}",
            Format::Json,
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `x`"), "{err}");
    }

    const YAML: &str = "\
# Tampere
courses:
  - institution: \"10122\"
    course_code: COMP.CS.100
    valid_from: 2019-08-01
    valid_to: 2023-07-31
    title:
      fi: Ohjelmointi 1
      en: Programming 1
    description:
      en: |
        First line.
        Second line.
    learning_outcomes:
      en:
        - Writes small programs
        - Uses version control
    languages: [fi, en]
    nqf_level: 6
    ects: 5

  - institution: \"10122\"
    course_code: COMP.CS.110
    valid_from: 2019-08-01
    title: {en: Programming 2}
";

    #[test]
    fn yaml_records_load_with_their_start_lines() {
        let c = read("tuni.yaml", YAML, Format::Yaml);
        assert_eq!(lines(&c), Vec::<String>::new());
        let a = &c.courses[0];
        assert_eq!((a.origin.line, a.origin.format), (3, Format::Yaml));
        assert_eq!(a.valid_from, d("2019-08-01"));
        assert_eq!(a.description["en"], "First line.\nSecond line.");
        assert_eq!(a.learning_outcomes["en"].len(), 2);
        assert_eq!(a.nqf_level, Some(6));
        assert_eq!(c.courses[1].origin.line, 22);
        assert_eq!(c.courses[1].origin.version, "2019-08-01..");
    }

    #[test]
    fn yaml_problems_point_at_the_key_line() {
        let text = YAML
            .replace("valid_to: 2023-07-31", "valid_to: 2023-07-32")
            .replace(
                "title: {en: Programming 2}",
                "title: {en: Programming 2}\n    eqf: 6",
            );
        let c = read("t.yaml", &text, Format::Yaml);
        assert_eq!(
            lines(&c),
            vec![
                "t.yaml:6: field valid_to: expected a date as YYYY-MM-DD, e.g. `2024-08-01`, \
                 found `2023-07-32`",
                "t.yaml:26: field eqf: unknown field `eqf`, expected one of `institution`, \
                 `course_code`, `valid_from`, `valid_to`, `title`, `description`, `content`, \
                 `learning_outcomes`, `prerequisites`, `assessment`, `languages`, `eqf_level`, \
                 `nqf_level`, `isced_f`, `ects`, `url`",
            ]
        );
    }

    #[test]
    fn yaml_with_non_ascii_at_the_list_indent_does_not_panic() {
        let text = "courses:\n  - institution: \"10122\"\n    course_code: A\n    valid_from: 2020-01-01\n    title:\n      fi: |\n        €uro\n        ä-\n";
        let c = read("t.yaml", text, Format::Yaml);
        assert_eq!(lines(&c), Vec::<String>::new());
        assert_eq!(c.courses[0].title["fi"], "€uro\nä-");
    }

    #[test]
    fn unquoted_yaml_codes_that_read_as_numbers_are_refused() {
        let text = YAML.replace("course_code: COMP.CS.110", "course_code: 3621100");
        let c = read("t.yaml", &text, Format::Yaml);
        let p = one_problem(&c);
        assert!(
            p.starts_with(
                "t.yaml:23: field course_code: expected the course code as a quoted string"
            ),
            "{p}"
        );
    }

    #[test]
    fn an_empty_yaml_title_is_a_problem() {
        let text = YAML.replace("title: {en: Programming 2}", "title: {en: \"\"}");
        let c = read("t.yaml", &text, Format::Yaml);
        assert_eq!(
            one_problem(&c),
            "t.yaml:22: field title: missing: expected a title in at least one language"
        );
    }

    #[test]
    fn malformed_yaml_is_an_error_with_line_and_column() {
        let text = "courses:\n  - institution: \"10122\"\n    course_code: a: b\n";
        let err =
            parse_catalogue("t.yaml", text, Format::Yaml, &ReadOptions::default()).unwrap_err();
        let CatalogueError::Syntax { line, column, .. } = &err else {
            panic!("expected a syntax error, got {err}");
        };
        assert_eq!((*line, *column), (3, 19), "{err}");
        assert!(
            err.to_string()
                .starts_with(&format!("t.yaml:{line}:{column}: malformed yaml:"))
        );
        let err = parse_catalogue(
            "t.yaml",
            "kurssit: []\n",
            Format::Yaml,
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, CatalogueError::Shape { .. }), "{err}");
    }
}

mod ooapi_reader {
    use super::*;

    const PAGE: &str = r#"{
  "pageSize": 2,
  "pageNumber": 1,
  "hasNextPage": false,
  "ext": {"institution": "02504"},
  "items": [
    {
      "courseId": "123e4567-e89b-12d3-a456-426614174000",
      "primaryCode": {"codeType": "identifier", "code": "ZZPP1000"},
      "abbreviation": "BUS-1",
      "name": [{"language": "fi-FI", "value": "Liiketalouden perusteet"}, {"language": "en-GB", "value": "Business Basics"}],
      "description": [{"language": "en-GB", "value": "Markets and **firms**."}],
      "teachingLanguage": "fin",
      "learningOutcomes": [
        [{"language": "en-GB", "value": "Explains markets"}, {"language": "fi-FI", "value": "Selittää markkinat"}],
        [{"language": "en-GB", "value": "Reads a balance sheet"}]
      ],
      "requirements": [{"language": "en-GB", "value": "None"}],
      "assessment": [{"language": "en-GB", "value": "Exam"}],
      "ects": 5,
      "level": "bachelor",
      "fieldsOfStudy": "0413",
      "link": "https://example.fi/ZZPP1000",
      "validFrom": "2019-08-01",
      "validTo": "2023-07-31"
    },
    {
      "courseId": "223e4567-e89b-12d3-a456-426614174000",
      "abbreviation": "ZZPP1001",
      "name": [{"language": "en", "value": "Accounting"}],
      "description": [{"language": "en", "value": "Books."}],
      "teachingLanguage": "en-GB",
      "studyLoad": {"studyLoadUnit": "ects", "value": 3},
      "level": "master",
      "startDate": "2020-01-01"
    }
  ]
}"#;

    #[test]
    fn a_page_maps_to_our_fields() {
        let c = read("jamk.json", PAGE, Format::Json);
        assert_eq!(lines(&c), Vec::<String>::new());
        let a = &c.courses[0];
        assert_eq!(a.origin.format, Format::Ooapi);
        assert_eq!(a.origin.line, 7);
        assert_eq!(a.institution, "02504");
        assert_eq!(
            a.course_code, "ZZPP1000",
            "primaryCode wins over abbreviation"
        );
        assert_eq!(a.title["fi"], "Liiketalouden perusteet");
        assert_eq!(a.title["en"], "Business Basics");
        assert_eq!(
            a.description["en"], "Markets and **firms**.",
            "rich text kept as given"
        );
        assert_eq!(a.languages, vec!["fi"]);
        assert_eq!(
            a.learning_outcomes["en"],
            vec!["Explains markets", "Reads a balance sheet"]
        );
        assert_eq!(a.learning_outcomes["fi"], vec!["Selittää markkinat"]);
        assert_eq!(a.prerequisites["en"], "None");
        assert_eq!(a.assessment["en"], "Exam");
        assert_eq!((a.eqf_level, a.nqf_level), (Some(6), Some(6)));
        assert_eq!(a.isced_f.as_deref(), Some("0413"));
        assert_eq!(a.url.as_deref(), Some("https://example.fi/ZZPP1000"));
        assert_eq!(a.origin.version, "2019-08-01..2023-07-31");
        let b = &c.courses[1];
        assert_eq!(b.course_code, "ZZPP1001");
        assert_eq!(b.languages, vec!["en"]);
        assert_eq!(b.ects.as_ref().map(|e| e.as_str()), Some("3"));
        assert_eq!(b.eqf_level, Some(7));
        assert_eq!(b.origin.version, "2020-01-01..");
        assert_eq!(b.origin.line, 27);
    }

    #[test]
    fn the_institution_comes_from_the_caller_or_is_one_problem() {
        let bare = PAGE.replace("\"ext\": {\"institution\": \"02504\"},", "");
        let c = read("p.json", &bare, Format::Json);
        assert!(c.courses.is_empty());
        assert!(one_problem(&c).starts_with(
            "p.json:1: field institution: OOAPI courses carry no VIRTA institution code"
        ));
        let c = read_for("p.json", &bare, Format::Json, "02504");
        assert_eq!(c.courses.len(), 2);
        let c = read_for("p.json", PAGE, Format::Json, "01901");
        assert_eq!(c.problems.len(), 2);
        assert!(
            c.problems[0]
                .to_string()
                .contains("field ext.institution: expected institution `01901`")
        );
    }

    #[test]
    fn a_course_without_dates_is_valid_on_every_day() {
        let text = r#"[{"courseId": "x", "abbreviation": "A", "name": [{"language": "en", "value": "A"}]}]"#;
        let c = read_for("p.json", text, Format::Json, "02504");
        assert_eq!(c.courses[0].valid_from, d("0001-01-01"));
        assert_eq!(c.courses[0].valid_to, None);
    }

    #[test]
    fn one_course_alone_is_read_too() {
        let text = r#"{"courseId": "x", "primaryCode": {"codeType": "identifier", "code": "A"}, "name": [{"language": "nld", "value": "A"}], "validFrom": "2020-01-01"}"#;
        let c = read_for("p.json", text, Format::Json, "02504");
        assert_eq!(lines(&c), Vec::<String>::new());
        assert_eq!(c.courses[0].title["nl"], "A");
    }

    #[test]
    fn wrong_types_and_values_are_problems() {
        let text = PAGE
            .replace("\"level\": \"bachelor\"", "\"level\": \"graduate\"")
            .replace(
                "\"name\": [{\"language\": \"en\", \"value\": \"Accounting\"}]",
                "\"name\": \"Accounting\"",
            );
        let c = read("p.json", &text, Format::Json);
        assert!(c.courses.is_empty());
        let l = lines(&c);
        assert_eq!(l.len(), 2, "{l:#?}");
        assert!(
            l[0].starts_with("p.json:21: field level: expected an OOAPI level"),
            "{}",
            l[0]
        );
        assert!(
            l[1].starts_with(
                "p.json:30: field name: expected a list of `{language, value}` (OOAPI v5)"
            ),
            "{}",
            l[1]
        );
    }

    #[test]
    fn a_language_tag_that_names_no_language_is_a_problem() {
        let text = PAGE.replace(
            "\"teachingLanguage\": \"fin\"",
            "\"teachingLanguage\": \"xyz\"",
        );
        let c = read("p.json", &text, Format::Json);
        let p = one_problem(&c);
        assert!(
            p.starts_with("p.json:13: field teachingLanguage: expected an ISO 639-1 language code"),
            "{p}"
        );
    }

    #[test]
    fn a_page_with_more_pages_after_it_says_so() {
        let text = PAGE.replace("\"hasNextPage\": false", "\"hasNextPage\": true");
        let c = read("p.json", &text, Format::Json);
        assert_eq!(c.courses.len(), 2);
        assert!(one_problem(&c).starts_with("p.json:4: field hasNextPage:"));
    }

    #[test]
    fn timeline_overrides_become_versions_and_cut_the_base_window() {
        let text = r#"[{
  "courseId": "x",
  "primaryCode": {"codeType": "identifier", "code": "A"},
  "name": [{"language": "en", "value": "Old"}],
  "validFrom": "2018-08-01",
  "timelineOverrides": [
    {"validFrom": "2021-09-01", "validTo": "2022-08-31",
     "course": {"name": [{"language": "en", "value": "New"}]}}
  ]
}]"#;
        let c = read_for("p.json", text, Format::Json, "02504");
        assert_eq!(lines(&c), Vec::<String>::new());
        let windows: Vec<(&str, &str)> = c
            .courses
            .iter()
            .map(|v| (v.origin.version.as_str(), v.title["en"].as_str()))
            .collect();
        assert_eq!(
            windows,
            vec![
                ("2018-08-01..2021-08-31", "Old"),
                ("2022-09-01..", "Old"),
                ("2021-09-01..2022-08-31", "New"),
            ]
        );
        let (index, problems) = CatalogueIndex::build(c.courses, &KeyNormalisation::default());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            index
                .find("02504", "A", d("2022-01-01"))
                .map(|v| v.title["en"].as_str()),
            Some("New")
        );
        assert_eq!(
            index
                .find("02504", "A", d("2023-01-01"))
                .map(|v| v.title["en"].as_str()),
            Some("Old")
        );
    }
}

mod files {
    use super::*;

    #[test]
    fn the_format_follows_the_extension_and_other_names_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let csv = dir.path().join("a.CSV");
        std::fs::write(
            &csv,
            "institution,course_code,valid_from,title_fi\n01901,A,2020-01-01,A\n",
        )
        .expect("write");
        let c = read_catalogue(&csv).expect("csv");
        assert_eq!(c.courses[0].origin.file, csv.display().to_string());
        let txt = dir.path().join("a.txt");
        std::fs::write(&txt, "x").expect("write");
        assert!(matches!(
            read_catalogue(&txt),
            Err(CatalogueError::UnknownFormat { .. })
        ));
        let missing = dir.path().join("missing.yaml");
        assert!(matches!(
            read_catalogue(&missing),
            Err(CatalogueError::Io { .. })
        ));
    }

    #[test]
    fn a_file_that_is_not_utf8_names_the_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("latin1.csv");
        std::fs::write(
            &path,
            b"institution,course_code,valid_from,title_fi\n01901,A,2020-01-01,K\xe4\n",
        )
        .expect("write");
        let err = read_catalogue(&path).unwrap_err();
        assert!(
            matches!(
                err,
                CatalogueError::NotUtf8 {
                    line: 2,
                    column: 21,
                    ..
                }
            ),
            "{err}"
        );
    }
}

mod as_of_index {
    use super::*;

    fn version(code: &str, from: &str, to: Option<&str>, line: u32) -> CourseVersion {
        let text = format!(
            "institution,course_code,valid_from,valid_to,title_en\n01901,{code},{from},{},T{line}\n",
            to.unwrap_or("")
        );
        let mut c = read("v.csv", &text, Format::Csv);
        assert_eq!(lines(&c), Vec::<String>::new());
        let mut v = c.courses.remove(0);
        v.origin.line = line;
        v
    }

    fn title_on(index: &CatalogueIndex, code: &str, on: &str) -> Option<String> {
        index
            .find("01901", code, d(on))
            .map(|v| v.title["en"].clone())
    }

    #[test]
    fn finds_the_version_valid_at_the_edges_of_each_window() {
        let courses = vec![
            version("A", "2019-08-01", Some("2023-07-31"), 2),
            version("A", "2023-08-01", None, 3),
        ];
        let (index, problems) = CatalogueIndex::build(courses, &KeyNormalisation::default());
        assert!(problems.is_empty());
        assert_eq!(
            title_on(&index, "A", "2019-07-31"),
            None,
            "day before the first window"
        );
        assert_eq!(
            title_on(&index, "A", "2019-08-01").as_deref(),
            Some("T2"),
            "first day"
        );
        assert_eq!(
            title_on(&index, "A", "2023-07-31").as_deref(),
            Some("T2"),
            "last day"
        );
        assert_eq!(
            title_on(&index, "A", "2023-08-01").as_deref(),
            Some("T3"),
            "day after"
        );
        assert_eq!(
            title_on(&index, "A", "2099-12-31").as_deref(),
            Some("T3"),
            "open-ended"
        );
        assert_eq!(title_on(&index, "B", "2020-01-01"), None, "unknown code");
        assert_eq!(
            index.find("02504", "A", d("2020-01-01")),
            None,
            "other institution"
        );
    }

    #[test]
    fn a_gap_between_versions_finds_nothing() {
        let courses = vec![
            version("A", "2010-08-01", Some("2012-07-31"), 2),
            version("A", "2014-08-01", Some("2016-07-31"), 3),
        ];
        let (index, _) = CatalogueIndex::build(courses, &KeyNormalisation::default());
        assert_eq!(title_on(&index, "A", "2012-07-31").as_deref(), Some("T2"));
        assert_eq!(title_on(&index, "A", "2012-08-01"), None);
        assert_eq!(title_on(&index, "A", "2014-07-31"), None);
        assert_eq!(title_on(&index, "A", "2014-08-01").as_deref(), Some("T3"));
        assert_eq!(
            title_on(&index, "A", "2016-08-01"),
            None,
            "after the last closed window"
        );
    }

    #[test]
    fn overlapping_windows_keep_the_earlier_start_whatever_the_order() {
        let a = version("A", "2019-08-01", Some("2023-07-31"), 2);
        let b = version("A", "2023-01-01", None, 7);
        for courses in [vec![a.clone(), b.clone()], vec![b.clone(), a.clone()]] {
            let (index, problems) = CatalogueIndex::build(courses, &KeyNormalisation::default());
            assert_eq!(index.len(), 1);
            assert_eq!(title_on(&index, "A", "2024-01-01"), None);
            assert_eq!(title_on(&index, "A", "2023-02-01").as_deref(), Some("T2"));
            assert_eq!(problems.len(), 1);
            assert_eq!(
                problems[0].to_string(),
                "v.csv:7: field valid_from: window 2023-01-01.. of course A overlaps window \
                 2019-08-01..2023-07-31 at v.csv:2 (institution 01901); expected one version \
                 per day; kept the one at v.csv:2 (it starts earlier)"
            );
        }
    }

    #[test]
    fn a_repeated_window_is_reported_as_such() {
        let (_, problems) = CatalogueIndex::build(
            vec![
                version("A", "2019-08-01", None, 5),
                version("A", "2019-08-01", None, 2),
            ],
            &KeyNormalisation::default(),
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 5);
        assert!(
            problems[0]
                .message
                .contains("repeats window 2019-08-01.. at v.csv:2")
        );
        assert!(problems[0].message.contains("same start, it comes first"));
    }

    #[test]
    fn overlap_is_judged_after_normalisation() {
        let norm = KeyNormalisation {
            case: Case::Upper,
            ..KeyNormalisation::default()
        };
        let (index, problems) = CatalogueIndex::build(
            vec![
                version("tkt1", "2019-08-01", None, 2),
                version("TKT1", "2020-08-01", None, 3),
            ],
            &norm,
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(index.codes_for("01901"), vec!["TKT1"]);
    }

    #[test]
    fn normalisation_folds_case_collapses_whitespace_and_strips_prefixes() {
        let norm = KeyNormalisation {
            case: Case::Upper,
            collapse_whitespace: true,
            strip_prefixes: vec!["ay".into(), "hy-CU-".into()],
        };
        assert_eq!(norm.normalise("  tkt \t 10002 "), "TKT 10002");
        assert_eq!(norm.normalise("AYTKT10002"), "TKT10002");
        assert_eq!(norm.normalise("hy-cu-118"), "118");
        assert_eq!(norm.normalise("ayay1"), "AY1", "one prefix, once");
        assert_eq!(norm.normalise("ä-ay1"), "Ä-AY1", "non-ASCII codes fold too");
        let unicode = KeyNormalisation {
            strip_prefixes: vec!["ä-".into()],
            ..norm.clone()
        };
        assert_eq!(
            unicode.normalise("Ä-x1"),
            "X1",
            "a non-ASCII prefix folds too"
        );
        assert_eq!(norm.normalise("ay tkt10002"), "TKT10002");
        let no_collapse = KeyNormalisation {
            collapse_whitespace: false,
            ..norm.clone()
        };
        assert_eq!(no_collapse.normalise("ay tkt10002"), " TKT10002");
        let keep = KeyNormalisation::default();
        assert_eq!(keep.normalise(" Tkt 1"), " Tkt 1");
        let lower = KeyNormalisation {
            case: Case::Lower,
            ..KeyNormalisation::default()
        };
        assert_eq!(lower.normalise("COMP.CS.100"), "comp.cs.100");
    }

    #[test]
    fn find_normalises_the_code_it_is_given() {
        let norm = KeyNormalisation {
            case: Case::Upper,
            collapse_whitespace: true,
            strip_prefixes: vec!["AY".into()],
        };
        let (index, _) =
            CatalogueIndex::build(vec![version("TKT10002", "2019-08-01", None, 2)], &norm);
        for code in ["TKT10002", "tkt10002", "AYTKT10002", " TKT10002 "] {
            assert!(
                index.find("01901", code, d("2020-01-01")).is_some(),
                "{code}"
            );
        }
        assert!(index.find("01901", "TKT 10002", d("2020-01-01")).is_none());
    }

    #[test]
    fn normalisation_is_declared_in_yaml_and_refuses_unknown_keys() {
        let norm: KeyNormalisation =
            yaml_serde::from_str("case: upper\nstrip_prefixes: [AY]\n").expect("yaml");
        assert_eq!(norm.case, Case::Upper);
        assert!(!norm.collapse_whitespace);
        assert_eq!(norm.strip_prefixes, vec!["AY"]);
        let err =
            yaml_serde::from_str::<KeyNormalisation>("case: upper\nprefixes: [AY]\n").unwrap_err();
        assert!(
            err.to_string().contains("unknown field `prefixes`"),
            "{err}"
        );
        assert!(yaml_serde::from_str::<KeyNormalisation>("case: title\n").is_err());
    }

    #[test]
    fn length_iteration_and_codes() {
        let courses = vec![
            version("B", "2019-08-01", Some("2020-07-31"), 2),
            version("A", "2019-08-01", None, 3),
            version("B", "2020-08-01", None, 4),
        ];
        let (index, _) = CatalogueIndex::build(courses, &KeyNormalisation::default());
        assert_eq!(index.len(), 3);
        assert!(!index.is_empty());
        assert_eq!(index.codes_for("01901"), vec!["A", "B"]);
        assert!(index.codes_for("99999").is_empty());
        assert_eq!(index.institutions(), vec!["01901"]);
        let order: Vec<u32> = index.iter().map(|v| v.origin.line).collect();
        assert_eq!(order, vec![3, 2, 4]);
        assert_eq!(index.versions("01901", "B").len(), 2);
    }
}

mod html_text {
    use super::html::{escape, sanitize, text_to_html, to_plain};

    #[test]
    fn sanitize_removes_scripts_handlers_and_javascript_links() {
        let dirty = r#"<p onclick="steal()">Hi <script>alert("x")</script><a href="javascript:alert(1)">bad</a> <a href="https://example.fi/a" target="_blank">good</a><style>p{}</style><img src=x onerror=alert(1)></p>"#;
        let clean = sanitize(dirty);
        assert_eq!(
            clean,
            r#"<p>Hi <a rel="noopener noreferrer">bad</a> <a href="https://example.fi/a" rel="noopener noreferrer">good</a></p>"#
        );
        for gone in [
            "script",
            "alert",
            "onclick",
            "javascript",
            "style",
            "img",
            "target",
        ] {
            assert!(!clean.contains(gone), "{gone} in {clean}");
        }
    }

    #[test]
    fn sanitize_keeps_the_allowed_tags_and_drops_the_rest_but_their_text() {
        let html = "<h2>Goals</h2><div><ul><li><strong>Knows</strong> <em>x</em><ol><li><b>a</b></li><li><i>b</i></li></ol></li></ul><br><span>t</span></div>";
        assert_eq!(
            sanitize(html),
            "Goals<ul><li><strong>Knows</strong> <em>x</em><ol><li><b>a</b></li><li><i>b</i></li></ol></li></ul><br>t"
        );
        assert_eq!(
            sanitize("<a href=\"/relative\">r</a>"),
            "<a rel=\"noopener noreferrer\">r</a>"
        );
        assert_eq!(sanitize("R&D < 5"), "R&amp;D &lt; 5");
    }

    #[test]
    fn to_plain_turns_blocks_into_lines_and_lists_into_dashes() {
        let html = "<p>Intro   text\n over lines.</p><ul><li>One</li><li>Two<ul><li>Two a</li><li>Two b</li></ul></li><li>Three</li></ul><p>End<br>line</p>";
        assert_eq!(
            to_plain(html),
            "Intro text over lines.\n\n- One\n- Two\n  - Two a\n  - Two b\n- Three\n\nEnd\nline"
        );
    }

    #[test]
    fn to_plain_decodes_entities_and_drops_scripts() {
        assert_eq!(
            to_plain(
                "<p>R&amp;D &eacute;t&#228; &#x263A;&nbsp;x &lt;b&gt;</p><script>alert(1)</script>"
            ),
            "R&D étä ☺ x <b>"
        );
        assert_eq!(
            to_plain("Fish &amp; chips\nand peas"),
            "Fish & chips\nand peas"
        );
    }

    #[test]
    fn to_plain_keeps_the_lines_of_plain_text() {
        assert_eq!(
            to_plain("  First   line\nsecond\n\n\n\nnew paragraph  \n"),
            "First line\nsecond\n\nnew paragraph"
        );
        assert_eq!(to_plain("a < b and c > d"), "a < b and c > d");
        assert_eq!(to_plain(""), "");
    }

    #[test]
    fn text_to_html_escapes_and_makes_paragraphs() {
        assert_eq!(
            text_to_html("a <b> & c\nnext\n\nsecond"),
            "<p>a &lt;b&gt; &amp; c<br>next</p><p>second</p>"
        );
        assert_eq!(escape("\"'"), "&quot;&#39;");
    }
}

mod demo_files {
    use super::*;

    const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/catalogues");

    fn demo() -> Vec<(String, Catalogue)> {
        let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(DEMO)
            .expect("data/catalogues")
            .map(|e| e.expect("entry").path())
            .filter(|p| Format::from_path(p).is_some())
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (
                    name,
                    read_catalogue(&p).expect("demo catalogue is readable"),
                )
            })
            .collect()
    }

    #[test]
    fn every_demo_catalogue_loads_without_problems_in_every_format() {
        let all = demo();
        assert_eq!(all.len(), 13, "one file per demo institution");
        let mut formats = std::collections::BTreeSet::new();
        let mut courses = Vec::new();
        for (name, c) in all {
            assert_eq!(lines(&c), Vec::<String>::new(), "{name}");
            assert!(!c.courses.is_empty(), "{name}");
            formats.insert(c.courses[0].origin.format);
            let institution = &c.courses[0].institution;
            assert!(
                name.starts_with(institution.as_str()),
                "{name} holds {institution}"
            );
            courses.extend(c.courses);
        }
        assert_eq!(
            formats.into_iter().collect::<Vec<_>>(),
            vec![Format::Csv, Format::Json, Format::Yaml, Format::Ooapi]
        );
        let (index, problems) = CatalogueIndex::build(courses, &KeyNormalisation::default());
        assert_eq!(problems, Vec::<Problem>::new());
        assert_eq!(index.institutions().len(), 13);
    }

    #[test]
    fn the_demo_shows_versions_gaps_and_hostile_html() {
        let courses: Vec<CourseVersion> = demo().into_iter().flat_map(|(_, c)| c.courses).collect();
        let (index, _) = CatalogueIndex::build(courses, &KeyNormalisation::default());
        // TKT10002 changed in 2019 and in 2023 (data/catalogues/README.md).
        let versions = index.versions("01901", "TKT10002");
        let labels: Vec<&str> = versions.iter().map(|v| v.origin.version.as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "1995-08-01..2019-07-31",
                "2019-08-01..2023-07-31",
                "2023-08-01.."
            ]
        );
        assert_ne!(
            versions[0].learning_outcomes["en"],
            versions[2].learning_outcomes["en"]
        );
        let newest = index
            .find("01901", "TKT10002", d("2024-05-01"))
            .expect("newest");
        let raw = &newest.description["fi"];
        assert!(
            raw.contains("<script>"),
            "the demo keeps the hostile HTML for the sanitiser"
        );
        let clean = html::sanitize(raw);
        for gone in ["<script", "javascript:", "onclick", "document.cookie"] {
            assert!(!clean.contains(gone), "{gone} in {clean}");
        }
        assert!(!html::to_plain(raw).contains("cookie"));
        // LUT's catalogue begins in 2015 and open-university codes are not listed.
        assert!(
            index
                .versions("01914", "CT60A0100")
                .iter()
                .all(|v| v.valid_from >= d("2015-08-01"))
        );
        assert!(
            index
                .codes_for("01901")
                .iter()
                .all(|c| !c.starts_with("AY"))
        );
        let ay = KeyNormalisation {
            strip_prefixes: vec!["AY".into()],
            ..KeyNormalisation::default()
        };
        let courses: Vec<CourseVersion> = index.iter().cloned().collect();
        let (with_ay, _) = CatalogueIndex::build(courses, &ay);
        assert!(
            with_ay
                .find("01901", "AYTKT10002", d("2020-01-01"))
                .is_some()
        );
    }
}

mod docs {
    use super::*;

    const DOC: &str = include_str!("../../../docs/catalogue.md");

    /// The fenced blocks of the page tagged `lang`.
    fn blocks(lang: &str) -> Vec<String> {
        let open = format!("```{lang}\n");
        DOC.split(open.as_str())
            .skip(1)
            .filter_map(|rest| rest.split_once("```").map(|(block, _)| block.to_owned()))
            .collect()
    }

    #[test]
    fn the_examples_in_docs_catalogue_md_load_without_problems() {
        let csv = blocks("csv");
        assert_eq!(csv.len(), 1);
        let c = read("docs/catalogue.md", &csv[0], Format::Csv);
        assert_eq!(lines(&c), Vec::<String>::new());
        assert_eq!(c.courses.len(), 2);
        assert_eq!(
            c.courses[1].learning_outcomes["en"],
            vec!["Writes small programs", "Assesses AI tools critically"]
        );
        let header: Vec<&str> = csv[0].lines().next().unwrap_or("").split(',').collect();
        for column in super::super::csv::FIXED_COLUMNS {
            assert!(header.contains(column), "the template lacks {column}");
        }
        for field in super::super::csv::PER_LANGUAGE_COLUMNS {
            for lang in ["fi", "sv", "en"] {
                assert!(
                    header.contains(&format!("{field}_{lang}").as_str()),
                    "{field}_{lang}"
                );
            }
        }

        let json = blocks("json");
        assert_eq!(json.len(), 1);
        let c = read("docs/catalogue.md", &json[0], Format::Json);
        assert_eq!((lines(&c), c.courses.len()), (Vec::new(), 1));

        let yaml = blocks("yaml");
        assert_eq!(yaml.len(), 2);
        let c = read("docs/catalogue.md", &yaml[0], Format::Yaml);
        assert_eq!((lines(&c), c.courses.len()), (Vec::new(), 1));
        let norm: KeyNormalisation = yaml_serde::from_str(&yaml[1]).expect("normalisation");
        assert_eq!(norm.normalise("ay tkt10002"), "TKT10002");
        assert_eq!(norm.normalise("AYTKT10002"), "TKT10002");
    }
}
