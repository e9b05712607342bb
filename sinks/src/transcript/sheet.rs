//! What the transcript says, before any layout: an [`elmo::Elmo`] turned into localised strings,
//! one table row per result, totals per report. Pure, so it is tested without a PDF.

use elmo::{Credit, Elmo, Los, LosType, Report, Status, Text};

use super::Lang;
use super::labels::{self, Labels};

/// The transcript's content in one language.
pub(super) struct Sheet {
    pub labels: &'static Labels,
    /// `Family, Given`, as on Finnish certificates.
    pub name: String,
    pub birth_date: String,
    pub issued: String,
    pub reports: Vec<ReportBlock>,
}

/// One issuing institution: who it is and its results.
pub(super) struct ReportBlock {
    pub issuer: String,
    /// Identifiers, country and web site on one line.
    pub issuer_details: String,
    pub rows: Vec<Row>,
    /// `Total passed: 180 ECTS credits`, or `None` when no passed result carries credits.
    pub totals: Option<String>,
    /// Descriptions of the grading scales the rows use, in the order first used.
    pub scales: Vec<String>,
}

/// One result: a degree, module, course or class, at its depth in the tree.
pub(super) struct Row {
    pub depth: usize,
    /// Degrees and modules, which group the rows below them.
    pub strong: bool,
    pub code: String,
    pub title: String,
    pub date: String,
    pub credits: String,
    pub grade: String,
}

impl Sheet {
    pub fn new(elmo: &Elmo, lang: Lang, issued: &elmo::Date) -> Sheet {
        let labels = Labels::of(lang);
        let learner = &elmo.learner;
        let family = clean(&learner.family_name);
        let given = clean(&learner.given_names);
        let name = match (family.is_empty(), given.is_empty()) {
            (false, false) => format!("{family}, {given}"),
            (false, true) => family,
            (true, false) => given,
            (true, true) => labels.unknown.to_owned(),
        };
        let birth_date = learner
            .bday
            .as_ref()
            .map_or_else(|| labels.unknown.to_owned(), |d| labels::date(lang, d));
        Sheet {
            labels,
            name,
            birth_date,
            issued: labels::date(lang, issued),
            reports: elmo
                .reports
                .iter()
                .map(|r| ReportBlock::new(r, lang, labels))
                .collect(),
        }
    }
}

impl ReportBlock {
    fn new(report: &Report, lang: Lang, labels: &Labels) -> ReportBlock {
        let issuer = &report.issuer;
        let mut details: Vec<String> = issuer
            .identifiers
            .iter()
            .map(|i| format!("{}: {}", clean(&i.kind), clean(&i.value)))
            .collect();
        details.extend(issuer.country.as_deref().map(clean));
        if !issuer.url.trim().is_empty() {
            details.push(clean(&issuer.url));
        }

        let mut rows = Vec::new();
        let mut totals = Totals::default();
        let mut scale_ids: Vec<&str> = Vec::new();
        for los in &report.los {
            walk(
                los,
                0,
                &[],
                lang,
                labels,
                &mut Walk {
                    rows: &mut rows,
                    totals: &mut totals,
                    scale_ids: &mut scale_ids,
                },
            );
        }
        let scales = scale_ids
            .iter()
            .filter_map(|id| report.grading_schemes.iter().find(|g| g.local_id == *id))
            .filter_map(|g| pick(&g.descriptions, lang))
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())
            .collect();
        ReportBlock {
            issuer: pick(&issuer.titles, lang).map_or_else(String::new, clean),
            issuer_details: details.join(" · "),
            rows,
            totals: totals.line(lang, labels),
            scales,
        }
    }
}

/// What a walk over one report's LOS forest collects.
struct Walk<'w, 'a> {
    rows: &'w mut Vec<Row>,
    totals: &'w mut Totals,
    scale_ids: &'w mut Vec<&'a str>,
}

/// Adds `los` and its descendants, in document order. `counted` holds the credit schemes an
/// ancestor already carries: elmo.md §8 rule 6 puts a scheme on one level of each path, and
/// counting only the top-most occurrence keeps a total right even if a document breaks that rule.
fn walk<'a>(
    los: &'a Los,
    depth: usize,
    counted: &[&'a str],
    lang: Lang,
    labels: &Labels,
    out: &mut Walk<'_, 'a>,
) {
    let loi = &los.specifies.instance;
    let code = los
        .identifiers
        .iter()
        .find(|i| i.kind == "local")
        .or(los.identifiers.first())
        .map_or_else(String::new, |i| clean(&i.value));
    let credits: Vec<&Credit> = loi.credits.iter().filter(|c| c.value.is_some()).collect();
    let grade = match (loi.result_label.as_deref().map(clean), loi.status) {
        (Some(label), None | Some(Status::Passed)) if !label.is_empty() => label,
        (Some(label), Some(status)) if !label.is_empty() => {
            format!("{label} ({})", labels.status(status))
        }
        (_, Some(status)) => capitalise(labels.status(status)),
        (_, None) => String::new(),
    };
    if let Some(id) = loi.grading_scheme_local_id.as_deref()
        && !out.scale_ids.contains(&id)
    {
        out.scale_ids.push(id);
    }
    out.rows.push(Row {
        depth,
        strong: !los.has_part.is_empty()
            || matches!(
                los.los_type,
                Some(LosType::DegreeProgramme | LosType::Module)
            ),
        code,
        title: {
            let title = pick(&los.titles, lang).map_or_else(String::new, clean);
            match is_recognised(loi) {
                true => format!("{title} ({})", labels::recognised(lang)),
                false => title,
            }
        },
        date: loi
            .date
            .as_ref()
            .map_or_else(String::new, |d| labels::date(lang, d)),
        credits: credits
            .iter()
            .filter_map(|c| {
                let value = c.value.as_ref()?.to_string();
                Some(format!(
                    "{} {}",
                    labels::amount(lang, &value),
                    labels::unit_short(lang, &c.scheme, value == "1")
                ))
            })
            .collect::<Vec<_>>()
            .join(", "),
        grade,
    });

    let mut below: Vec<&'a str> = counted.to_vec();
    for c in &credits {
        // A degree's stated extent is not credit earned on top of its parts.
        if counted.contains(&c.scheme.as_str()) || c.scheme == labels::DEGREE_EXTENT_SCHEME {
            continue;
        }
        if loi.status == Some(Status::Passed)
            && let Some(value) = &c.value
        {
            out.totals.add(&c.scheme, &value.to_string());
        }
        below.push(&c.scheme);
    }
    for part in &los.has_part {
        walk(part, depth + 1, &below, lang, labels, out);
    }
}

/// Whether the mapping marked the result as recognised credit (its LOI extension, docs/virta.md).
fn is_recognised(loi: &elmo::Loi) -> bool {
    loi.extension.as_ref().is_some_and(|e| {
        e.as_xml().contains("urn:rikastin:virta:1") && e.as_xml().contains(":recognition")
    })
}

/// Credit sums per scheme, in the order the schemes first appear.
#[derive(Default)]
struct Totals(Vec<(String, Option<Sum>)>);

impl Totals {
    fn add(&mut self, scheme: &str, value: &str) {
        let term = Sum::parse(value);
        match self.0.iter_mut().find(|(s, _)| s == scheme) {
            Some((_, sum)) => *sum = sum.zip(term).and_then(|(a, b)| a.add(b)),
            None => self.0.push((scheme.to_owned(), term)),
        }
    }

    fn line(&self, lang: Lang, labels: &Labels) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(scheme, sum)| {
                // A sum that overflows is shown as unknown rather than wrong.
                let value = sum.map_or_else(|| "?".to_owned(), |s| s.to_string());
                format!(
                    "{} {}",
                    labels::amount(lang, &value),
                    labels::unit_long(lang, scheme)
                )
            })
            .collect();
        Some(format!("{}: {}", labels.total_passed, parts.join(", ")))
    }
}

/// An exact decimal sum, `units / 10^scale`: credits are added without float rounding.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Sum {
    units: i128,
    scale: u32,
}

impl Sum {
    /// Most digits on either side of the point; beyond it the sum is unknown, never wrong.
    const MAX_DIGITS: usize = 18;

    /// Parses the canonical form `elmo::Decimal` prints (`-`? digits, optional `.` and digits).
    fn parse(canonical: &str) -> Option<Sum> {
        let (negative, body) = match canonical.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, canonical),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.len() > Self::MAX_DIGITS
            || frac.len() > Self::MAX_DIGITS
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let units: i128 = format!("{int}{frac}").parse().ok()?;
        Some(Sum {
            units: if negative { -units } else { units },
            scale: u32::try_from(frac.len()).ok()?,
        })
    }

    fn add(self, other: Sum) -> Option<Sum> {
        let scale = self.scale.max(other.scale);
        let a = self
            .units
            .checked_mul(10_i128.checked_pow(scale - self.scale)?)?;
        let b = other
            .units
            .checked_mul(10_i128.checked_pow(scale - other.scale)?)?;
        Some(Sum {
            units: a.checked_add(b)?,
            scale,
        })
    }
}

impl std::fmt::Display for Sum {
    /// Canonical form again: no trailing fraction zeros, `0` for zero.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits = self.units.unsigned_abs().to_string();
        let scale = self.scale as usize;
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        let frac = frac.trim_end_matches('0');
        if self.units < 0 {
            f.write_str("-")?;
        }
        f.write_str(int)?;
        if !frac.is_empty() {
            write!(f, ".{frac}")?;
        }
        Ok(())
    }
}

/// The text in `lang`, else English, else Finnish, else one without a language, else the first.
pub(super) fn pick(texts: &[Text], lang: Lang) -> Option<&str> {
    let with = |code: &str| {
        texts
            .iter()
            .find(|t| t.lang.as_deref() == Some(code) && !t.value.trim().is_empty())
    };
    with(lang.code())
        .or_else(|| with("en"))
        .or_else(|| with("fi"))
        .or_else(|| texts.iter().find(|t| t.lang.is_none()))
        .or(texts.first())
        .map(|t| t.value.as_str())
}

/// `word` with its first letter in upper case: a status standing alone in the grade column.
fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// One line of text: runs of whitespace (line breaks in titles included) become one space, and
/// other control characters, which have no glyph, are dropped.
pub(super) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else if !c.is_control() {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_exact_and_canonical() {
        let s = |t: &str| Sum::parse(t).unwrap();
        assert_eq!(s("1.5").add(s("2.25")).unwrap().to_string(), "3.75");
        assert_eq!(s("0.1").add(s("0.2")).unwrap().to_string(), "0.3");
        assert_eq!(s("5").add(s("0.5")).unwrap().to_string(), "5.5");
        assert_eq!(s("2.5").add(s("2.5")).unwrap().to_string(), "5");
        assert_eq!(s("0").to_string(), "0");
        assert_eq!(s("0.05").to_string(), "0.05");
        assert_eq!(Sum::parse("1234567890123456789"), None);
    }

    #[test]
    fn clean_makes_one_line() {
        assert_eq!(
            clean("  Scale:\n0 Hylätty\t1  Hyväksytty \u{7}"),
            "Scale: 0 Hylätty 1 Hyväksytty"
        );
    }

    #[test]
    fn pick_falls_back_to_english_then_finnish() {
        let texts = [
            Text::lang("sv", "Programmering"),
            Text::lang("fi", "Ohjelmointi"),
        ];
        assert_eq!(pick(&texts, Lang::En), Some("Ohjelmointi"));
        let texts = [
            Text::lang("fi", "Ohjelmointi"),
            Text::lang("en", "Programming"),
        ];
        assert_eq!(pick(&texts, Lang::Fi), Some("Ohjelmointi"));
        assert_eq!(pick(&texts, Lang::En), Some("Programming"));
        assert_eq!(pick(&[], Lang::En), None);
    }
}
