//! The words of the transcript in Finnish and English: labels, dates, credit units and statuses.

use elmo::{Date, Status};

use super::Lang;

/// Every fixed string the transcript prints, in one language.
pub(super) struct Labels {
    /// The document title.
    pub title: &'static str,
    /// The subtitle, the same in both languages: clients file the PDF under this attachment type.
    pub subtitle: &'static str,
    pub name: &'static str,
    pub birth_date: &'static str,
    pub issued: &'static str,
    pub unknown: &'static str,
    /// Column headings: code, title, date, credits, grade.
    pub columns: [&'static str; 5],
    /// Appended to the issuer's name on pages the table continues on.
    pub continued: &'static str,
    pub no_results: &'static str,
    pub total_passed: &'static str,
    pub grading_scales: &'static str,
    pub passed: &'static str,
    pub failed: &'static str,
    pub in_progress: &'static str,
    /// The closing note under the last report.
    pub note: &'static str,
}

const FI: Labels = Labels {
    title: "Opintosuoritusote",
    subtitle: "EMREX transcript",
    name: "Nimi",
    birth_date: "Syntymäaika",
    issued: "Päivämäärä",
    unknown: "ei tiedossa",
    columns: ["Tunnus", "Suoritus", "Päivämäärä", "Laajuus", "Arvosana"],
    continued: "(jatkuu)",
    no_results: "Ei suorituksia.",
    total_passed: "Hyväksytyt yhteensä",
    grading_scales: "Arvosana-asteikot",
    passed: "hyväksytty",
    failed: "hylätty",
    in_progress: "kesken",
    note: "Tämä opintosuoritusote on muodostettu automaattisesti EMREX-siirtoa varten. \
           Sen tiedot ovat samat kuin allekirjoitetussa ELMO-asiakirjassa, jonka liitteenä se on.",
};

const EN: Labels = Labels {
    title: "Transcript of Records",
    subtitle: "EMREX transcript",
    name: "Name",
    birth_date: "Date of birth",
    issued: "Date of issue",
    unknown: "not known",
    columns: ["Code", "Title", "Date", "Credits", "Grade"],
    continued: "(continued)",
    no_results: "No results.",
    total_passed: "Total passed",
    grading_scales: "Grading scales",
    passed: "passed",
    failed: "failed",
    in_progress: "in progress",
    note: "This transcript was generated automatically for an EMREX transfer. Its data are those \
           of the signed ELMO document it is attached to.",
};

impl Labels {
    /// The labels of `lang`.
    pub fn of(lang: Lang) -> &'static Labels {
        match lang {
            Lang::Fi => &FI,
            Lang::En => &EN,
        }
    }

    /// The status as a word, shown where a result has no grade or did not pass.
    pub fn status(&self, status: Status) -> &'static str {
        match status {
            Status::Passed => self.passed,
            Status::Failed => self.failed,
            Status::InProgress => self.in_progress,
        }
    }
}

/// A date as people read it: `19.11.1995` in Finnish, `1995-11-19` (ISO 8601) in English, where
/// day-first and month-first readers would disagree on `11/12/1995`.
pub(super) fn date(lang: Lang, d: &Date) -> String {
    match lang {
        Lang::Fi => format!("{}.{}.{}", d.day(), d.month(), d.year()),
        Lang::En => format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
    }
}

/// A credit amount (canonical decimal with a dot) as written in `lang`: Finnish uses a comma.
pub(super) fn amount(lang: Lang, canonical: &str) -> String {
    match lang {
        Lang::Fi => canonical.replace('.', ","),
        Lang::En => canonical.to_owned(),
    }
}

/// The short unit printed after a credit value in the table, by ELMO credit scheme; `one` when the
/// value is exactly 1, for the units that are words.
///
/// `ects` is the Finnish opintopiste (one ECTS credit); the others are the custom schemes of
/// `mappings/koski.yaml` (elmo.md §8 rule 6: non-ECTS units get their own scheme). An unknown
/// scheme is shown as it is written.
pub(super) fn unit_short(lang: Lang, scheme: &str, one: bool) -> &str {
    match (lang, scheme, one) {
        (Lang::Fi, "ects", _) => "op",
        (Lang::En, "ects", _) => "ECTS",
        (_, "fi-osaamispiste", _) => "osp",
        (Lang::Fi, "fi-kurssi", true) => "kurssi",
        (Lang::Fi, "fi-kurssi", false) => "kurssia",
        (Lang::En, "fi-kurssi", true) => "course",
        (Lang::En, "fi-kurssi", false) => "courses",
        (_, "fi-opintoviikko", _) => "ov",
        (Lang::Fi, DEGREE_EXTENT_SCHEME, _) => "op (tutkinnon laajuus)",
        (Lang::En, DEGREE_EXTENT_SCHEME, _) => "ECTS (extent of the degree)",
        _ => scheme,
    }
}

/// The credit scheme of a degree's own extent where its parts carry the credits (the VIRTA
/// mapping's `fi-tutkinnon-laajuus`): shown on the degree's row, never added to the totals.
pub(super) const DEGREE_EXTENT_SCHEME: &str = "fi-tutkinnon-laajuus";

/// The note after the title of a recognised result.
pub(super) fn recognised(lang: Lang) -> &'static str {
    match lang {
        Lang::Fi => "hyväksiluettu",
        Lang::En => "recognised",
    }
}

/// The unit spelled out, for the totals under each table.
pub(super) fn unit_long(lang: Lang, scheme: &str) -> &str {
    match (lang, scheme) {
        (Lang::Fi, "ects") => "opintopistettä (ECTS)",
        (Lang::En, "ects") => "ECTS credits",
        (Lang::Fi, "fi-osaamispiste") => "osaamispistettä",
        (Lang::En, "fi-osaamispiste") => "competence points (osaamispiste)",
        (Lang::Fi, "fi-kurssi") => "kurssia",
        (Lang::En, "fi-kurssi") => "courses (kurssi)",
        (Lang::Fi, "fi-opintoviikko") => "opintoviikkoa",
        (Lang::En, "fi-opintoviikko") => "study weeks (opintoviikko)",
        _ => scheme,
    }
}
