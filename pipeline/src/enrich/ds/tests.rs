//! DS tests: every loader error path on small files written to a temporary folder, and
//! `attach` on documents mapped from the demo recordings with the demo DS folder.

use std::path::{Path, PathBuf};

use elmo::{DiplomaSupplement, DiplomaSupplementSection, Elmo, Identifier, Los, Severity, Status};
use rikastin_sources::virta;

use super::*;
use crate::mapping::{Mappings, virta::map_learner};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn demo() -> DsLibrary {
    DsLibrary::load(&workspace().join("data/ds")).unwrap()
}

fn issue_date() -> Date {
    "2026-11-23".parse().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Loader.

const NATIONAL: &str = "\
version: \"2024\"
texts:
  en:
    introduction: This Diploma Supplement follows the model of the EC, the CoE and UNESCO.
    section_8: Finland has universities and universities of applied sciences.
    not_available: Not available from the data source.
    results_in_report: See the learning opportunities in this report.
    credits: \"{credits} ECTS credits\"
";

const PROGRAMME: &str = "\
institution: \"01901\"
degree_codes: [KH50_009]
lang: en
sections:
  \"2.2\": Computer science.
  3.3: Matriculation examination.
";

/// A DS folder holding the national file above (unless `national` is given) and `files`.
fn folder(national: Option<&str>, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    if let Some(text) = national.or(Some(NATIONAL)).filter(|t| !t.is_empty()) {
        std::fs::write(dir.path().join("national.yaml"), text).unwrap();
    }
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// The error of loading `files`, with the temporary folder's path taken out.
fn load_error(national: Option<&str>, files: &[(&str, &str)]) -> String {
    let dir = folder(national, files);
    let err = DsLibrary::load(dir.path()).unwrap_err().to_string();
    err.replace(&format!("{}/", dir.path().display()), "")
}

#[test]
fn loads_the_demo_folder() {
    let lib = demo();
    assert!(lib.programmes().len() >= 5, "{}", lib.programmes().len());
    assert_eq!(lib.national_version(), "2024");
    let turku = lib
        .programmes()
        .iter()
        .find(|p| p.degree_codes.iter().any(|c| c == "UTU-KH-MAT"))
        .unwrap();
    assert!(!turku.has_section("3.3") && !turku.has_section("5.2"));
    assert!(turku.has_section("2.2"));
}

#[test]
fn unquoted_section_numbers_and_koulutuskoodi_are_accepted() {
    let dir = folder(
        None,
        &[(
            "p.yaml",
            "institution: \"01901\"\ndegree_codes: [KH50_009, 642101]\nlang: en\n\
             sections:\n  2.2: Computer science.\n  \"4.2\":\n    html: true\n    text: <ul><li>Programs.</li></ul>\n",
        )],
    );
    let lib = DsLibrary::load(dir.path()).unwrap();
    let p = &lib.programmes()[0];
    assert_eq!(p.degree_codes, ["KH50_009", "642101"]);
    assert!(p.has_section("2.2") && p.has_section("4.2"));
}

#[test]
fn unknown_key_names_file_line_column_and_path() {
    let text = format!("{PROGRAMME}certification:\n  signer: Someone\n");
    let err = load_error(None, &[("p.yaml", &text)]);
    assert!(
        err.starts_with("p.yaml:8:3 (at `certification.signer`)"),
        "{err}"
    );
    assert!(err.contains("unknown field `signer`"), "{err}");
}

#[test]
fn unknown_top_level_key_is_refused() {
    let text = format!("{PROGRAMME}valid_form: 2020-01-01\n");
    let err = load_error(None, &[("p.yaml", &text)]);
    assert!(err.starts_with("p.yaml:7:1"), "{err}");
    assert!(err.contains("unknown field `valid_form`"), "{err}");
}

#[test]
fn wrong_type_names_file_line_column_and_path() {
    let text = PROGRAMME.replace("degree_codes: [KH50_009]", "degree_codes: KH50_009");
    let err = load_error(None, &[("p.yaml", &text)]);
    assert!(err.starts_with("p.yaml:2:15 (at `degree_codes`)"), "{err}");
    assert!(err.contains("a list of degree codes"), "{err}");
}

#[test]
fn section_number_not_from_the_programme_is_refused_at_its_key() {
    for bad in ["9.9", "1.1", "8", "2.3"] {
        let text = PROGRAMME.replace("3.3:", &format!("\"{bad}\":"));
        let err = load_error(None, &[("p.yaml", &text)]);
        assert!(err.starts_with("p.yaml:6:3 (at `sections"), "{bad}: {err}");
        assert!(err.contains(&format!("unknown section `{bad}`")), "{err}");
        assert!(
            err.contains("`3.3`"),
            "the message lists what is allowed: {err}"
        );
    }
}

#[test]
fn section_given_twice_is_refused() {
    let text = PROGRAMME.replace("3.3:", "\"2.2\":");
    let err = load_error(None, &[("p.yaml", &text)]);
    // yaml_serde marks errors of the map itself at the map's start.
    assert!(err.starts_with("p.yaml:5:3 (at `sections`)"), "{err}");
    assert!(err.contains("section 2.2 given twice"), "{err}");
}

#[test]
fn myontaja_must_be_five_quoted_digits() {
    let text = PROGRAMME.replace("\"01901\"", "\"HY\"");
    let err = load_error(None, &[("p.yaml", &text)]);
    assert!(err.starts_with("p.yaml:1:14 (at `institution`)"), "{err}");
    assert!(err.contains("expected 5 digits"), "{err}");
}

#[test]
fn bad_dates_and_reversed_windows_are_refused() {
    let text = PROGRAMME.replace("lang: en", "lang: en\nvalid_from: 2020-02-30");
    let err = load_error(None, &[("p.yaml", &text)]);
    assert!(err.starts_with("p.yaml:4:13 (at `valid_from`)"), "{err}");
    assert!(err.contains("expected YYYY-MM-DD"), "{err}");

    let text = PROGRAMME.replace(
        "lang: en",
        "lang: en\nvalid_from: 2020-08-01\nvalid_to: 2020-07-31",
    );
    let err = load_error(None, &[("p.yaml", &text)]);
    assert!(err.starts_with("p.yaml:5 (at `valid_to`)"), "{err}");
    assert!(err.contains("before valid_from"), "{err}");
}

#[test]
fn bad_lang_and_lang_without_national_texts_are_refused() {
    let text = PROGRAMME.replace("lang: en", "lang: fi_FI");
    let err = load_error(None, &[("p.yaml", &text)]);
    assert!(err.starts_with("p.yaml:3:7 (at `lang`)"), "{err}");

    let text = PROGRAMME.replace("lang: en", "lang: sv");
    let err = load_error(None, &[("p.yaml", &text)]);
    assert!(err.starts_with("p.yaml:3 (at `lang`)"), "{err}");
    assert!(err.contains("has no texts in `sv` (it has: en)"), "{err}");
}

#[test]
fn degree_code_listed_twice_or_none_is_refused() {
    let text = PROGRAMME.replace("[KH50_009]", "[KH50_009, kh50_009]");
    let err = load_error(None, &[("p.yaml", &text)]);
    assert!(err.starts_with("p.yaml:2:"), "{err}");
    assert!(err.contains("`kh50_009` is listed twice"), "{err}");

    let text = PROGRAMME.replace("[KH50_009]", "[]");
    let err = load_error(None, &[("p.yaml", &text)]);
    assert!(err.starts_with("p.yaml:2:"), "{err}");
    assert!(err.contains("no degree code"), "{err}");
}

#[test]
fn html_must_be_simple_and_plain_text_must_have_none() {
    let text = PROGRAMME.replace(
        "3.3: Matriculation examination.",
        "3.3: Matriculation <b>examination</b>.",
    );
    let err = load_error(None, &[("p.yaml", &text)]);
    assert!(err.starts_with("p.yaml:6:8 (at `sections"), "{err}");
    assert!(err.contains("HTML markup `<b>` in a plain text"), "{err}");

    for (html, what) in [
        (
            "<table><tr><td>x</td></tr></table>",
            "`<table>` is not simple HTML",
        ),
        (
            "<p onclick=\"x()\">x</p>",
            "attributes `onclick=\"x()\"` on `<p>`",
        ),
        (
            "<a href=\"javascript:x()\">x</a>",
            "only `href=\"https://...\"`",
        ),
    ] {
        let text = PROGRAMME.replace(
            "3.3: Matriculation examination.",
            &format!("3.3:\n    html: true\n    text: '{html}'"),
        );
        let err = load_error(None, &[("p.yaml", &text)]);
        assert!(err.starts_with("p.yaml:7:5 (at `sections"), "{err}");
        assert!(err.contains(what), "{html}: {err}");
    }
}

#[test]
fn overlapping_programmes_name_both_files() {
    let a = PROGRAMME.replace("lang: en", "lang: en\nvalid_to: 2018-07-31");
    let b = PROGRAMME
        .replace("[KH50_009]", "[\"642101\", kh50_009]")
        .replace("lang: en", "lang: en\nvalid_from: 2018-07-31");
    let err = load_error(None, &[("a.yaml", &a), ("b.yaml", &b)]);
    assert!(err.starts_with("b.yaml:2 (at `degree_codes`)"), "{err}");
    assert!(err.contains("(01901, kh50_009)"), "{err}");
    assert!(err.contains("already claimed by a.yaml:2"), "{err}");
    assert!(err.contains("2018-07-31 to open"), "{err}");
    assert!(err.contains("open to 2018-07-31"), "{err}");
}

#[test]
fn two_open_windows_overlap() {
    let err = load_error(None, &[("a.yaml", PROGRAMME), ("b.yaml", PROGRAMME)]);
    assert!(err.starts_with("b.yaml:2"), "{err}");
    assert!(
        err.contains("already claimed by a.yaml:2 valid open to open"),
        "{err}"
    );
}

#[test]
fn adjacent_windows_load_and_the_date_picks_the_version() {
    let old = PROGRAMME.replace("lang: en", "lang: en\nvalid_to: 2016-07-31");
    let new = PROGRAMME.replace("lang: en", "lang: en\nvalid_from: 2016-08-01");
    let dir = folder(None, &[("new.yaml", &new), ("old.yaml", &old)]);
    let lib = DsLibrary::load(dir.path()).unwrap();
    let file_on = |date: &str| match lib.find("01901", " kh50_009 ", Some(&date.parse().unwrap())) {
        Lookup::Found(p) => p.file.file_name().unwrap().to_string_lossy().into_owned(),
        other => panic!("{date}: {other:?}"),
    };
    assert_eq!(file_on("2016-07-31"), "old.yaml");
    assert_eq!(file_on("2016-08-01"), "new.yaml");
    assert!(matches!(lib.find("01901", "KH50_009", None), Lookup::NotValidOn(v) if v.len() == 2));
    assert!(matches!(
        lib.find("01902", "KH50_009", None),
        Lookup::NoFile
    ));
}

#[test]
fn missing_national_file_is_an_error() {
    let err = load_error(Some(""), &[("p.yaml", PROGRAMME)]);
    assert!(err.starts_with("national.yaml: missing"), "{err}");
    assert!(err.contains("section 8"), "{err}");
}

#[test]
fn national_file_errors_are_located() {
    let bad = NATIONAL.replace(
        "    credits: \"{credits} ECTS credits\"",
        "    credits: ECTS credits",
    );
    let err = load_error(Some(&bad), &[]);
    assert!(
        err.starts_with("national.yaml:8:14 (at `texts.en.credits`)"),
        "{err}"
    );
    assert!(err.contains("write `{credits}`"), "{err}");

    let bad = NATIONAL.replace("    section_8:", "    section8:");
    let err = load_error(Some(&bad), &[]);
    assert!(
        err.starts_with("national.yaml:5:5 (at `texts.en.section8`)"),
        "{err}"
    );

    let bad = NATIONAL.replace("  en:", "  EN:");
    let err = load_error(Some(&bad), &[]);
    assert!(err.starts_with("national.yaml:3 (at `texts.EN`)"), "{err}");
}

#[test]
fn json_programme_errors_have_line_and_column() {
    let json = "{\n  \"institution\": \"01901\",\n  \"degree_codes\": [\"KH50_009\"],\n  \"lang\": \"en\",\n  \"sections\": { \"2.2\": \"Computer science.\", \"2.9\": \"x\" }\n}\n";
    let err = load_error(None, &[("p.json", json)]);
    assert!(err.starts_with("p.json:5:"), "{err}");
    assert!(err.contains("(at `sections"), "{err}");
    assert!(err.contains("unknown section `2.9`"), "{err}");

    let ok = json.replace(", \"2.9\": \"x\"", "");
    let dir = folder(None, &[("p.json", &ok)]);
    let lib = DsLibrary::load(dir.path()).unwrap();
    assert!(lib.programmes()[0].has_section("2.2"));
}

#[test]
fn yaml_blocks_in_the_docs_load() {
    let doc = std::fs::read_to_string(workspace().join("docs/ds.md")).unwrap();
    let blocks: Vec<&str> = doc
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    let national = blocks.iter().find(|b| b.contains("texts:")).unwrap();
    let programmes: Vec<(String, &str)> = blocks
        .iter()
        .filter(|b| b.contains("institution:"))
        .enumerate()
        .map(|(i, b)| (format!("p{i}.yaml"), *b))
        .collect();
    assert!(!programmes.is_empty());
    let files: Vec<(&str, &str)> = programmes.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let dir = folder(Some(national), &files);
    let lib = DsLibrary::load(dir.path()).unwrap();
    assert_eq!(lib.programmes().len(), programmes.len());
}

// ---------------------------------------------------------------------------------------------
// attach(), on the demo recordings.

fn recording(key_prefix: &str) -> PathBuf {
    let dir = workspace().join("data/recorded/virta/OpiskelijanKaikkiTiedot");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(key_prefix))
        })
        .unwrap_or_else(|| panic!("no recording {key_prefix}"))
}

fn mapped(path: &Path) -> Elmo {
    let bytes = std::fs::read(path).unwrap();
    let mut parsed = virta::parse(&bytes, &path.display().to_string()).unwrap();
    // The names come from the recorded OpiskelijanTiedot answers, as in a recorded run.
    let names = rikastin_sources::RecordedFolder::open(
        &workspace().join("data/recorded/virta/OpiskelijanTiedot"),
    )
    .unwrap();
    let stem = path.file_stem().unwrap().to_str().unwrap();
    crate::run::recorded::join_recorded_names(&names, stem, &mut parsed)
        .unwrap_or_else(|f| panic!("{}", f.error));
    let records: Vec<&virta::Opiskelija> = parsed.opiskelijat.iter().collect();
    let maps = Mappings::load(&workspace().join("mappings")).unwrap();
    let now = "2026-11-23T10:00:00+02:00".parse().unwrap();
    map_learner(&records, &maps, &now).unwrap().elmo
}

fn with_ds(key_prefix: &str) -> (Elmo, Vec<DsOutcome>) {
    let mut doc = mapped(&recording(key_prefix));
    let outcomes = attach(&mut doc, &demo(), &issue_date());
    (doc, outcomes)
}

fn degrees(doc: &Elmo) -> Vec<&Los> {
    fn walk<'a>(los: &'a [Los], out: &mut Vec<&'a Los>) {
        for l in los {
            if l.los_type == Some(elmo::LosType::DegreeProgramme) {
                out.push(l);
            }
            walk(&l.has_part, out);
        }
    }
    let mut out = Vec::new();
    for r in &doc.reports {
        walk(&r.los, &mut out);
    }
    out
}

fn degree<'a>(doc: &'a Elmo, code: &str) -> &'a Los {
    degrees(doc)
        .into_iter()
        .find(|l| l.identifiers.iter().any(|i| i.value == code))
        .unwrap_or_else(|| panic!("no degree {code}"))
}

fn ds_of<'a>(doc: &'a Elmo, code: &str) -> &'a DiplomaSupplement {
    degree(doc, code)
        .specifies
        .instance
        .diploma_supplement
        .as_ref()
        .unwrap_or_else(|| panic!("no DS on {code}"))
}

fn section<'a>(ds: &'a DiplomaSupplement, number: &str) -> &'a DiplomaSupplementSection {
    fn find<'a>(
        s: &'a [DiplomaSupplementSection],
        n: &str,
    ) -> Option<&'a DiplomaSupplementSection> {
        s.iter().find_map(|x| {
            if x.number == n {
                Some(x)
            } else {
                find(&x.sections, n)
            }
        })
    }
    find(&ds.sections, number).unwrap_or_else(|| panic!("no section {number}"))
}

fn content<'a>(ds: &'a DiplomaSupplement, number: &str) -> &'a str {
    section(ds, number)
        .content
        .as_ref()
        .map(|c| c.value.as_str())
        .unwrap_or_else(|| panic!("section {number} has no content"))
}

fn outcome<'a>(outcomes: &'a [DsOutcome], code: &str) -> &'a DsOutcome {
    outcomes
        .iter()
        .find(|o| o.degree_code == code)
        .unwrap_or_else(|| panic!("no outcome for {code}: {outcomes:#?}"))
}

/// Lints (no errors) and writes the document; validates it against the XSD when xmllint and
/// `../shared` are there. Returns the XML.
fn check(doc: &Elmo, name: &str) -> String {
    let errors: Vec<_> = elmo::lint(doc)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{name}: lint errors {errors:#?}");
    let xml = elmo::write(doc);
    validate(&[(name.to_owned(), xml.clone())]);
    String::from_utf8(xml).unwrap()
}

fn validate(docs: &[(String, Vec<u8>)]) {
    let validator = workspace().join("../shared/tools/validate-elmo");
    let xsd = workspace().join("../shared/specs/elmo-1.7.0/schema.xsd");
    if !xsd.is_file()
        || std::process::Command::new("xmllint")
            .arg("--version")
            .output()
            .is_err()
    {
        eprintln!("skipped XSD validation: xmllint or ../shared is missing");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, (_, xml)) in docs.iter().enumerate() {
        let file = dir.path().join(format!("{i}.xml"));
        std::fs::write(&file, xml).unwrap();
        files.push(file);
    }
    let out = std::process::Command::new(validator)
        .args(&files)
        .output()
        .unwrap();
    let names: Vec<&str> = docs.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        out.status.success(),
        "not XSD-valid ({names:?}):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn helsinki_degrees_get_the_eight_sections_of_the_template() {
    // Learner 0: University of Helsinki LuK (2017-05-31) + FM (2019-06-14).
    let (doc, outcomes) = with_ds("fc1664ab");
    assert_eq!(outcomes.len(), 2, "{outcomes:#?}");
    let ds = ds_of(&doc, "KH50_009");
    assert_eq!(ds.version, "2018");
    assert_eq!(ds.lang.as_deref(), Some("en"));
    assert_eq!(ds.issue_date, issue_date());
    assert!(
        ds.introduction
            .as_xml()
            .starts_with("This Diploma Supplement follows")
    );

    // Eight numbered sections with the template's titles; 1–7 hold their subsections.
    let numbers: Vec<&str> = ds.sections.iter().map(|s| s.number.as_str()).collect();
    assert_eq!(numbers, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    for s in &ds.sections {
        assert_eq!(
            Some(s.title.as_str()),
            title(&s.number),
            "section {}",
            s.number
        );
        for sub in &s.sections {
            assert!(sub.number.starts_with(&format!("{}.", s.number)));
            assert_eq!(Some(sub.title.as_str()), title(&sub.number));
        }
    }
    let subs: Vec<&str> = ds.sections[3]
        .sections
        .iter()
        .map(|s| s.number.as_str())
        .collect();
    assert_eq!(subs, ["4.1", "4.2", "4.3", "4.4", "4.5"]);
    assert_eq!(section(ds, "3.3").title, "Access requirement(s)");

    // From the record.
    let learner = &doc.learner;
    assert_eq!(content(ds, "1.1"), learner.family_name);
    assert_eq!(content(ds, "1.2"), learner.given_names);
    let bday = learner.bday.unwrap();
    assert_eq!(
        content(ds, "1.3"),
        format!("{:02}/{:02}/{}", bday.day(), bday.month(), bday.year())
    );
    assert_eq!(
        content(ds, "2.1"),
        "Luonnontieteiden kandidaatti (Bachelor of Science)"
    );
    assert!(content(ds, "2.3").contains("Helsingin yliopisto (University of Helsinki)"));
    assert!(content(ds, "2.3").contains("Public research university"));
    assert_eq!(content(ds, "2.5"), "Finnish");
    assert_eq!(
        content(ds, "4.3"),
        "See the learning opportunities in this report."
    );
    assert!(
        content(ds, "4.5").starts_with("HYV (Pass/fail"),
        "{}",
        content(ds, "4.5")
    );
    assert_eq!(content(ds, "7.1"), "23/11/2026");

    // From the programme file valid on 2017-05-31 (from 2016-08-01), and the national file.
    assert!(content(ds, "3.3").contains("national joint application"));
    let lo = section(ds, "4.2").content.as_ref().unwrap();
    assert_eq!(lo.media_type.as_deref(), Some("text/html"));
    assert!(
        lo.value
            .contains("<li>can design, implement and test programs")
    );
    assert_eq!(
        content(ds, "7.3"),
        "Head of Student Services, University of Helsinki"
    );
    assert!(content(ds, "8").contains("two complementary sectors"));
    assert!(section(ds, "8").sections.is_empty());

    let o = outcome(&outcomes, "KH50_009");
    assert_eq!(o.institution, "01901");
    assert_eq!(o.los_title, "Bachelor of Science");
    assert!(
        o.file
            .as_deref()
            .unwrap()
            .ends_with("data/ds/helsinki-kh50-009.yaml")
    );
    assert_eq!(
        o.missing,
        ["1.4 Student identification number or code (if available)"]
    );
    let source = |n: &str| -> Vec<&str> {
        o.provenance
            .iter()
            .filter(|(s, _)| s == n)
            .map(|(_, p)| p.as_str())
            .collect()
    };
    assert_eq!(source("1.1"), ["VIRTA record"]);
    let s33 = source("3.3");
    assert!(
        s33[0].ends_with("data/ds/helsinki-kh50-009.yaml:18"),
        "{s33:?}"
    );
    let s8 = source("8");
    assert!(s8[0].ends_with("data/ds/national.yaml v2024:17"), "{s8:?}");
    let s44 = source("4.4");
    assert_eq!(s44.len(), 2, "programme text and grading schemes: {s44:?}");
    assert_eq!(s44[1], "ELMO report gradingScheme");

    // 1.4 is not invented: present, empty, saying why.
    let s14 = section(ds, "1.4");
    assert!(s14.content.is_none());
    assert_eq!(
        s14.additional_information,
        ["Not available from the data source."]
    );

    let xml = check(&doc, "fc1664ab");
    assert!(xml.contains("<section number=\"4.2\">"));
    assert!(xml.contains("<![CDATA[<p>A graduate of the programme</p>"));
}

#[test]
fn grading_system_joins_the_programme_text_and_the_schemes_used() {
    let (doc, _) = with_ds("fc1664ab");
    let ds = ds_of(&doc, "MH50_009");
    let s44 = section(ds, "4.4").content.as_ref().unwrap();
    assert_eq!(s44.media_type.as_deref(), Some("text/html"));
    assert!(
        s44.value.starts_with("<p>Courses are graded 1 to 5"),
        "{}",
        s44.value
    );
    // The master's thesis is graded on the Latin scale (Tutkielma L in the recording).
    assert!(
        s44.value.contains("<li>Latin scale for theses"),
        "{}",
        s44.value
    );
    // The degree's own pass/fail scale too; a scale no part uses is not listed.
    assert!(s44.value.contains("<li>Pass/fail: HYV = pass.</li>"));
    assert!(
        !s44.value.contains("Second national language"),
        "{}",
        s44.value
    );
}

#[test]
fn incomplete_programme_lists_the_missing_sections_and_invents_nothing() {
    // Learner 9: Turku LuK (file without 3.3 and 5.2) + FM (no file).
    let (doc, outcomes) = with_ds("c048309f");
    let ds = ds_of(&doc, "UTU-KH-MAT");
    let o = outcome(&outcomes, "UTU-KH-MAT");
    for number in ["3.3", "5.2"] {
        let label = label(number);
        assert!(o.missing.contains(&label), "{label} not in {:?}", o.missing);
        let s = section(ds, number);
        assert!(s.content.is_none(), "{number} was invented");
        assert_eq!(
            s.additional_information,
            ["Not available from the data source."]
        );
        assert!(!o.provenance.iter().any(|(n, _)| n == number));
    }
    assert_eq!(
        o.missing,
        [
            "1.4 Student identification number or code (if available)",
            "3.3 Access requirement(s)",
            "5.2 Access to a regulated profession (if applicable)"
        ]
    );
    // Every other subsection has content and a source.
    for (number, _) in SECTIONS.iter().filter(|(n, _)| n.contains('.')) {
        let missing = o
            .missing
            .iter()
            .any(|m| m.starts_with(&format!("{number} ")));
        assert_eq!(section(ds, number).content.is_some(), !missing, "{number}");
        assert_eq!(
            o.provenance.iter().any(|(n, _)| n == number),
            !missing,
            "{number}"
        );
    }

    let master = outcome(&outcomes, "UTU-MH-MAT");
    assert_eq!(master.file, None);
    assert_eq!(
        master.reason.as_deref(),
        Some("no programme file for (10089, UTU-MH-MAT)")
    );
    assert!(
        degree(&doc, "UTU-MH-MAT")
            .specifies
            .instance
            .diploma_supplement
            .is_none()
    );
    check(&doc, "c048309f");
}

#[test]
fn degree_completed_outside_every_window_gets_no_ds() {
    // A Helsinki FM of 2014: the master's file applies from 2016-08-01 only. The LuK of 2011
    // takes the older bachelor's file.
    let (doc, outcomes) = with_ds("7ada2c77");
    let o = outcome(&outcomes, "MH50_009");
    assert_eq!(o.file, None);
    let reason = o.reason.as_deref().unwrap();
    assert!(
        reason.starts_with("no programme file valid on 2014-05-25"),
        "{reason}"
    );
    assert!(
        reason.contains("helsinki-mh50-009.yaml not valid then"),
        "{reason}"
    );
    assert!(
        degree(&doc, "MH50_009")
            .specifies
            .instance
            .diploma_supplement
            .is_none()
    );

    let bachelor = outcome(&outcomes, "KH50_009");
    assert!(
        bachelor
            .file
            .as_deref()
            .unwrap()
            .ends_with("helsinki-kh50-009-2012.yaml")
    );
    let ds = ds_of(&doc, "KH50_009");
    assert!(content(ds, "3.3").contains("entrance examination of the faculty"));
}

#[test]
fn json_programme_file_and_degree_without_file() {
    // Learner 6: Lahti UAS Tradenomi (no file) and Aalto DI (aalto-sci3042.json; titles
    // without a language).
    let (doc, outcomes) = with_ds("4d80b486");
    let aalto = outcome(&outcomes, "SCI3042");
    assert!(
        aalto
            .file
            .as_deref()
            .unwrap()
            .ends_with("aalto-sci3042.json")
    );
    let ds = ds_of(&doc, "SCI3042");
    assert_eq!(content(ds, "2.1"), "Master of Science (Technology)");
    assert!(content(ds, "3.1").contains("diplomi-insinööri"));
    let lahti = outcome(&outcomes, "LAMK-LT");
    assert_eq!(lahti.file, None);
    assert!(lahti.missing.is_empty() && lahti.provenance.is_empty());
    check(&doc, "4d80b486");
}

#[test]
fn finnish_ds_uses_the_finnish_national_texts() {
    // Learner 11: Centria Terveydenhoitaja, a module code with a space in it.
    let (doc, outcomes) = with_ds("7a5eef18");
    let ds = ds_of(&doc, "671103TH Terveydenhoitajakoulutus");
    assert_eq!(ds.lang.as_deref(), Some("fi"));
    assert!(
        ds.introduction
            .as_xml()
            .starts_with("Tämä tutkintotodistuksen liite")
    );
    assert_eq!(content(ds, "2.5"), "suomi");
    assert_eq!(
        content(ds, "4.3"),
        "Katso tämän raportin opintosuoritukset."
    );
    assert!(content(ds, "8").contains("kaksi toisiaan täydentävää sektoria"));
    let o = outcome(&outcomes, "671103TH Terveydenhoitajakoulutus");
    assert!(
        o.missing.iter().all(|m| m.starts_with("1.4 ")),
        "{:?}",
        o.missing
    );
    // Section 8 comes from the `fi` block of the national file, not the `en` one.
    let s8 = &o.provenance.iter().find(|(n, _)| n == "8").unwrap().1;
    assert!(s8.ends_with("data/ds/national.yaml v2024:74"), "{s8}");
    check(&doc, "7a5eef18");
}

#[test]
fn every_demo_recording_lints_clean_and_validates() {
    let dir = workspace().join("data/recorded/virta/OpiskelijanKaikkiTiedot");
    let lib = demo();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let (mut with, mut without, mut docs) = (0, 0, Vec::new());
    for path in &paths {
        let mut doc = mapped(path);
        for o in attach(&mut doc, &lib, &issue_date()) {
            if o.file.is_some() {
                with += 1;
            } else {
                without += 1;
            }
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let errors: Vec<_> = elmo::lint(&doc)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{name}: lint errors {errors:#?}");
        let xml = elmo::write(&doc);
        // No identity code anywhere in the document, DS included (DESIGN.md invariant 5).
        let text = String::from_utf8(xml.clone()).unwrap();
        assert_eq!(rikastin_sources::redact(&text), text, "{name}");
        docs.push((name, xml));
    }
    assert!(with >= 10, "degrees with a DS: {with}");
    assert!(without >= 3, "degrees without a DS file: {without}");
    validate(&docs);
}

#[test]
fn identity_code_is_never_a_student_number() {
    let mut doc = mapped(&recording("fc1664ab"));
    doc.learner
        .identifiers
        .push(Identifier::new("local", "010203-123N"));
    let outcomes = attach(&mut doc, &demo(), &issue_date());
    let ds = ds_of(&doc, "KH50_009");
    assert!(section(ds, "1.4").content.is_none());
    assert!(outcome(&outcomes, "KH50_009").missing[0].starts_with("1.4 "));
    // The learner element carries the identifier itself; nothing else may.
    doc.learner.identifiers.retain(|i| i.kind != "local");
    let xml = String::from_utf8(elmo::write(&doc)).unwrap();
    assert!(!xml.contains("010203-123N"));

    // A real student number of this institution (ESI) is used.
    let mut doc = mapped(&recording("fc1664ab"));
    doc.learner.identifiers.push(Identifier::new(
        "esi",
        "urn:schac:personalUniqueCode:int:esi:helsinki.fi:014423456",
    ));
    doc.learner.identifiers.push(Identifier::new(
        "esi",
        "urn:schac:personalUniqueCode:int:esi:utu.fi:999",
    ));
    attach(&mut doc, &demo(), &issue_date());
    assert_eq!(content(ds_of(&doc, "KH50_009"), "1.4"), "014423456");
}

#[test]
fn failed_degrees_and_other_reports_are_left_alone() {
    let mut doc = mapped(&recording("fc1664ab"));
    let first = &mut doc.reports[0].los[0];
    assert_eq!(first.los_type, Some(elmo::LosType::DegreeProgramme));
    first.specifies.instance.status = Some(Status::Failed);
    // A report whose issuer is not a VIRTA institution (e.g. from KOSKI).
    let mut koski = doc.reports[0].clone();
    koski
        .issuer
        .identifiers
        .retain(|i| i.kind != MYONTAJA_ID_TYPE);
    doc.reports.push(koski);
    let outcomes = attach(&mut doc, &demo(), &issue_date());
    assert_eq!(outcomes.len(), 1, "{outcomes:#?}");
    assert!(
        doc.reports[0].los[0]
            .specifies
            .instance
            .diploma_supplement
            .is_none()
    );
    assert!(
        degrees(&doc)
            .iter()
            .filter(|d| d.specifies.instance.diploma_supplement.is_some())
            .count()
            == 1
    );
}

#[test]
fn the_same_inputs_give_the_same_ds() {
    let (a, oa) = with_ds("c048309f");
    let (b, ob) = with_ds("c048309f");
    assert_eq!(elmo::write(&a), elmo::write(&b));
    assert_eq!(oa, ob);
}

#[test]
fn plain_text_with_line_breaks_keeps_them_as_simple_html() {
    let one_line = content_of(&plain("Full-time study.".into()));
    assert_eq!(one_line.media_type, None);
    assert_eq!(one_line.value, "Full-time study.");
    let lines = content_of(&plain(
        "First <line>\nsecond line\n\nNew paragraph & more".into(),
    ));
    assert_eq!(lines.media_type.as_deref(), Some("text/html"));
    assert_eq!(
        lines.value,
        "<p>First &lt;line&gt;<br/>second line</p><p>New paragraph &amp; more</p>"
    );
}
