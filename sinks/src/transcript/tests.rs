//! Transcript tests. The PDF is read back with `pdftotext` (poppler-utils), an independent reader,
//! so a passing test means the text really is in the file, not just in our layout.

use std::path::PathBuf;
use std::process::Command;

use elmo::{Credit, Elmo, Identifier, Issuer, Learner, Los, LosType, Report, Status, Text};

use super::face::Faces;
use super::layout::{self, Op, PAGE_WIDTH};
use super::sheet::Sheet;
use super::{Lang, Transcript};

fn transcript() -> Transcript {
    Transcript::new().expect("the embedded fonts load")
}

fn issued() -> elmo::Date {
    "2026-11-23".parse().unwrap()
}

/// The text of `pdf` as `pdftotext -layout` prints it (a table row on one line); pages are
/// separated by form feeds.
fn pdftotext(pdf: &[u8]) -> String {
    pdftotext_mode(pdf, "-layout")
}

/// `pdftotext -raw`: text in drawing order. The layout modes rebuild spaces from glyph positions
/// and print our `1 / 3` as `1/3`; this mode keeps the space characters the PDF holds.
fn pdftotext_raw(pdf: &[u8]) -> String {
    pdftotext_mode(pdf, "-raw")
}

fn pdftotext_mode(pdf: &[u8], mode: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("transcript.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args([mode, "-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run pdftotext ({e}): the transcript tests read the PDF with it; \
                 install it with `apt-get install poppler-utils`"
            )
        });
    assert!(
        out.status.success(),
        "pdftotext could not read the transcript: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("pdftotext writes UTF-8")
}

/// The line of `text` that holds `needle`, to check that a row's cells sit together.
fn line_with<'t>(text: &'t str, needle: &str) -> &'t str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line holds {needle:?} in:\n{text}"))
}

fn assert_holds(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} is missing from:\n{text}");
    }
}

fn course(
    code: &str,
    titles: &[(&str, &str)],
    date: &str,
    credit: (&str, &str),
    grade: &str,
) -> Los {
    let mut los = Los {
        identifiers: vec![Identifier::new("local", code)],
        titles: titles.iter().map(|(l, t)| Text::lang(*l, *t)).collect(),
        los_type: Some(LosType::Course),
        ..Los::default()
    };
    let loi = &mut los.specifies.instance;
    loi.date = Some(date.parse().unwrap());
    loi.status = Some(Status::Passed);
    loi.result_label = Some(grade.to_owned());
    loi.credits.push(Credit {
        scheme: credit.1.to_owned(),
        level: None,
        value: Some(credit.0.parse().unwrap()),
    });
    los
}

fn issuer(schac: &str, fi: &str, en: &str) -> Issuer {
    Issuer {
        country: Some("FI".into()),
        identifiers: vec![Identifier::new("schac", schac)],
        titles: vec![Text::lang("en", en), Text::lang("fi", fi)],
        url: format!("https://www.{schac}"),
    }
}

/// A synthetic learner with letters beyond Latin-1, two institutions, ECTS and osaamispiste.
fn sample() -> Elmo {
    let now: elmo::DateTime = "2026-11-23T10:00:00+02:00".parse().unwrap();
    let learner = Learner {
        given_names: "Łucja Émilie".into(),
        family_name: "Väänänen".into(),
        bday: Some("1998-03-07".parse().unwrap()),
        ..Learner::default()
    };
    let mut doc = Elmo::new(now.clone(), learner);

    let mut university = Report::new(
        issuer(
            "helsinki.fi",
            "Helsingin yliopisto",
            "University of Helsinki",
        ),
        now.clone(),
    );
    university.los.push(course(
        "TKT20001",
        &[("fi", "Käyttöjärjestelmät"), ("en", "Operating Systems")],
        "2023-05-12",
        ("5", "ects"),
        "4",
    ));
    // Finnish only: the English transcript falls back to it.
    university.los.push(course(
        "TKT20002",
        &[("fi", "Łódź ja Genève: kaupunkiseminaari")],
        "2023-06-01",
        ("7.5", "ects"),
        "5",
    ));
    let mut failed = course(
        "TKT20003",
        &[("fi", "Tietoliikenne"), ("en", "Data Communications")],
        "2023-12-20",
        ("5", "ects"),
        "0",
    );
    failed.specifies.instance.status = Some(Status::Failed);
    university.los.push(failed);
    doc.reports.push(university);

    let mut college = Report::new(
        issuer(
            "stadinao.fi",
            "Stadin ammattiopisto",
            "Helsinki Vocational College",
        ),
        now,
    );
    college.los.push(course(
        "100431",
        &[("fi", "Kestävällä tavalla toimiminen")],
        "2016-05-31",
        ("15", "fi-osaamispiste"),
        "3",
    ));
    doc.reports.push(college);
    doc
}

/// A document of `n` passed 5 ECTS courses at one institution.
fn many(n: usize) -> Elmo {
    let mut doc = sample();
    doc.reports.truncate(1);
    doc.reports[0].los = (1..=n)
        .map(|i| {
            course(
                &format!("K{i:04}"),
                &[
                    ("fi", &format!("Kurssi {i}: Öljynjalostuksen äänitekniikka")),
                    ("en", &format!("Course {i}: Acoustics of Oil Refining")),
                ],
                "2024-01-15",
                ("5", "ects"),
                ["1", "2", "3", "4", "5", "HYV"][i % 6],
            )
        })
        .collect();
    doc
}

fn pages(text: &str) -> usize {
    text.trim_end_matches('\u{c}').split('\u{c}').count()
}

#[test]
fn transcript_can_be_shared_across_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Transcript>();
}

#[test]
fn finnish_transcript_holds_learner_issuers_results_and_labels() {
    let pdf = transcript().render(&sample(), Lang::Fi, issued()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdftotext(&pdf);
    assert_holds(
        &text,
        &[
            "Opintosuoritusote",
            "EMREX transcript",
            "Nimi",
            "Väänänen, Łucja Émilie",
            "Syntymäaika",
            "7.3.1998",
            "Päivämäärä",
            "23.11.2026",
            "Helsingin yliopisto",
            "schac: helsinki.fi",
            "Stadin ammattiopisto",
            "Tunnus",
            "Suoritus",
            "Laajuus",
            "Arvosana",
            // The failed course is listed but not counted.
            "Hyväksytyt yhteensä: 12,5 opintopistettä (ECTS)",
            "Hyväksytyt yhteensä: 15 osaamispistettä",
        ],
    );
    assert_holds(&pdftotext_raw(&pdf), &["1 / 1"]);
    let row = line_with(&text, "TKT20001");
    assert_holds(row, &["Käyttöjärjestelmät", "12.5.2023", "5 op", "4"]);
    let row = line_with(&text, "TKT20002");
    assert_holds(row, &["Łódź ja Genève: kaupunkiseminaari", "7,5 op", "5"]);
    assert_holds(line_with(&text, "TKT20003"), &["0 (hylätty)"]);
    assert_holds(line_with(&text, "100431"), &["15 osp", "3"]);
}

#[test]
fn english_transcript_uses_english_labels_and_falls_back_to_finnish_titles() {
    let pdf = transcript().render(&sample(), Lang::En, issued()).unwrap();
    let text = pdftotext(&pdf);
    assert_holds(
        &text,
        &[
            "Transcript of Records",
            "EMREX transcript",
            "Date of birth",
            "1998-03-07",
            "Date of issue",
            "2026-11-23",
            "University of Helsinki",
            "Helsinki Vocational College",
            "Code",
            "Credits",
            "Grade",
            "Total passed: 12.5 ECTS credits",
            "Total passed: 15 competence points (osaamispiste)",
        ],
    );
    assert_holds(
        line_with(&text, "TKT20001"),
        &["Operating Systems", "2023-05-12", "5 ECTS", "4"],
    );
    assert_holds(
        line_with(&text, "TKT20002"),
        &["Łódź ja Genève: kaupunkiseminaari", "7.5 ECTS"],
    );
    assert_holds(line_with(&text, "TKT20003"), &["0 (failed)"]);
    assert!(
        !text.contains("Opintosuoritusote"),
        "Finnish title in the English PDF:\n{text}"
    );
}

#[test]
fn sixty_results_stay_under_100_kb_per_language() {
    let t = transcript();
    let doc = many(60);
    for lang in Lang::ALL {
        let pdf = t.render(&doc, lang, issued()).unwrap();
        assert!(
            pdf.len() < 100_000,
            "{lang:?}: {} bytes for 60 results; fonts are subset, so this should stay well below 100 KB",
            pdf.len()
        );
    }
}

#[test]
fn two_hundred_results_paginate_with_page_numbers_and_keep_every_result() {
    let pdf = transcript().render(&many(200), Lang::Fi, issued()).unwrap();
    let text = pdftotext(&pdf);
    let n = pages(&text);
    assert!(n > 1, "200 results on one page:\n{text}");
    let raw = pdftotext_raw(&pdf);
    assert_eq!(pages(&raw), n);
    for (i, page) in raw.split('\u{c}').take(n).enumerate() {
        let number = format!("{} / {n}", i + 1);
        assert!(
            page.contains(&number),
            "page {} lacks {number:?}:\n{page}",
            i + 1
        );
        // A loose page still says whose it is.
        assert!(
            page.contains("Väänänen, Łucja Émilie"),
            "page {} lacks the name",
            i + 1
        );
    }
    // Pages after the first repeat the issuer and the column headings.
    let second = text.split('\u{c}').nth(1).unwrap();
    assert_holds(second, &["Helsingin yliopisto (jatkuu)", "Arvosana"]);
    for i in 1..=200 {
        let code = format!("K{i:04}");
        assert_eq!(
            text.matches(&code).count(),
            1,
            "{code} is not listed exactly once"
        );
    }
    assert!(text.contains("Hyväksytyt yhteensä: 1000 opintopistettä (ECTS)"));
}

#[test]
fn long_titles_and_codes_wrap_or_end_in_an_ellipsis_inside_the_page() {
    let mut doc = many(3);
    let los = &mut doc.reports[0].los;
    let long = "Monitieteinen johdatus ".repeat(20);
    los[0].titles = vec![Text::lang("fi", long.trim())];
    los[1].identifiers = vec![Identifier::new(
        "local",
        "TOOLONGCODEWITHOUTANYSPACES-1234567890",
    )];
    los[2].titles = vec![Text::lang("fi", "Sanaton_".repeat(30))];
    let faces = Faces::load().unwrap();
    let sheet = Sheet::new(&doc, Lang::Fi, &issued());
    let pages = layout::pages(&sheet, &faces);
    let mut texts = Vec::new();
    for op in pages.iter().flatten() {
        if let Op::Text {
            x,
            size,
            bold,
            text,
            ..
        } = op
        {
            let right = x + faces.get(*bold).width(text, *size);
            assert!(
                *x >= 47.9 && right <= PAGE_WIDTH - 47.9,
                "{text:?} runs outside the margins ({x}..{right})"
            );
            texts.push(text.as_str());
        }
    }
    // A title of 20 repeats is cut to three lines, the last ending in an ellipsis.
    let cut: Vec<_> = texts
        .iter()
        .filter(|t| t.starts_with("Monitieteinen"))
        .collect();
    assert_eq!(cut.len(), 3, "{texts:?}");
    assert!(cut[2].ends_with('…'), "{cut:?}");
    // The long code is broken inside the word rather than overflowing.
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("TOOLONGCODE") && !t.ends_with("7890"))
    );
}

#[test]
fn credits_count_once_per_path_and_only_when_passed() {
    let mut doc = many(0);
    let mut unit = course(
        "U1",
        &[("fi", "Tutkinnon osa")],
        "2016-05-31",
        ("15", "fi-osaamispiste"),
        "3",
    );
    unit.los_type = Some(LosType::Module);
    // A part with credits of its own in the same scheme (against elmo.md §8 rule 6) is not
    // counted a second time.
    unit.has_part.push(course(
        "P1",
        &[("fi", "Osa-alue")],
        "2016-05-31",
        ("5", "fi-osaamispiste"),
        "3",
    ));
    let mut failed = course(
        "U2",
        &[("fi", "Hylätty osa")],
        "2016-05-31",
        ("10", "fi-osaamispiste"),
        "0",
    );
    failed.specifies.instance.status = Some(Status::Failed);
    doc.reports[0].los = vec![unit, failed];
    let sheet = Sheet::new(&doc, Lang::Fi, &issued());
    assert_eq!(
        sheet.reports[0].totals.as_deref(),
        Some("Hyväksytyt yhteensä: 15 osaamispistettä")
    );
    assert_eq!(sheet.reports[0].rows.len(), 3);
    assert!(sheet.reports[0].rows[0].strong);
    assert_eq!(sheet.reports[0].rows[1].depth, 1);
}

#[test]
fn same_document_gives_the_same_bytes() {
    let t = transcript();
    let a = t.render(&sample(), Lang::En, issued()).unwrap();
    let b = t.render(&sample(), Lang::En, issued()).unwrap();
    assert!(a == b, "two renders of one document differ");
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The largest golden document: real VIRTA and KOSKI results, several reports.
fn golden() -> Elmo {
    let dir = workspace().join("tests/golden");
    let largest = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .expect("golden documents in tests/golden");
    elmo::read(&std::fs::read(&largest).unwrap()).unwrap()
}

#[test]
fn golden_document_lists_every_result_of_every_report() {
    let doc = golden();
    let text = pdftotext(&transcript().render(&doc, Lang::En, issued()).unwrap());
    fn codes<'a>(los: &'a [Los], out: &mut Vec<&'a str>) {
        for l in los {
            out.extend(
                l.identifiers
                    .iter()
                    .find(|i| i.kind == "local")
                    .map(|i| i.value.as_str()),
            );
            codes(&l.has_part, out);
        }
    }
    for report in &doc.reports {
        let mut all = Vec::new();
        codes(&report.los, &mut all);
        assert!(!all.is_empty());
        for code in all {
            assert!(text.contains(code), "result {code} is missing");
        }
    }
    assert_holds(&text, &[&doc.learner.family_name, &doc.learner.given_names]);
}

#[test]
fn attachment_round_trips_and_keeps_the_document_valid_and_lint_clean() {
    let mut doc = golden();
    let before = elmo::lint(&doc);
    let attachment = transcript().attachment(&doc, issued()).unwrap();
    assert_eq!(attachment.kind, Some(elmo::AttachmentType::EmrexTranscript));
    let langs: Vec<_> = attachment
        .contents
        .iter()
        .map(|c| c.lang.as_deref())
        .collect();
    assert_eq!(langs, [Some("fi"), Some("en")]);
    let titles: Vec<_> = attachment.titles.iter().map(|t| t.value.as_str()).collect();
    assert_eq!(titles, ["Opintosuoritusote", "Transcript of Records"]);
    for content in &attachment.contents {
        let data = content
            .value
            .strip_prefix("data:application/pdf;base64,")
            .expect("a PDF data URI");
        use base64::Engine;
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
    doc.attachments.push(attachment);

    // The document had no PDF (a warning, elmo.md §8 rule 16); with the attachment it has one,
    // and the attachment adds no finding of its own.
    let missing = |f: &elmo::Finding| f.code == "W-PDF-MISSING";
    assert!(before.iter().any(missing), "{before:?}");
    let expected: Vec<_> = before.into_iter().filter(|f| !missing(f)).collect();
    assert_eq!(
        elmo::lint(&doc),
        expected,
        "the attachment changed the lint findings"
    );
    let xml = elmo::write(&doc);
    assert_eq!(
        elmo::read(&xml).unwrap(),
        doc,
        "the attachment does not round-trip"
    );

    let validator = workspace().join("../shared/tools/validate-elmo");
    assert!(
        validator.is_file(),
        "{} is missing: the XSD check needs the shared tools next to the workspace",
        validator.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("with-transcript.xml");
    std::fs::write(&file, &xml).unwrap();
    let out = Command::new(&validator).arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "the document with the transcript is not XSD-valid (validate-elmo needs xmllint: \
         apt-get install libxml2-utils):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
