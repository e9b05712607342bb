//! The targets file for `rikastin targets add FILE`: a CSV of the learners to keep fresh, checked
//! row by row before anything is stored.
//!
//! A header line names the columns `henkilotunnus` and/or `oppijanumero`; each row gives one or
//! both. Every bad row is reported as `FILE:LINE: column NAME: what was expected`, all of them at
//! once, and never with the value itself (DESIGN.md invariant 5: a row with a typo is still
//! someone's identity code). A UTF-8 byte order mark is skipped, and a header with semicolons
//! and no commas switches the separator to `;` (what a spreadsheet in Finnish locale writes).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rikastin_sinks::{LearnerKey, LearnerSecret, TargetIdentity};

/// The column of the henkilötunnus (Finnish personal identity code).
const HENKILOTUNNUS: &str = "henkilotunnus";
/// The column of the oppijanumero (national learner OID).
const OPPIJANUMERO: &str = "oppijanumero";
/// Check characters: index = `DDMMYYNNN` modulo 31 (virta.md §2.5).
const CHECK_CHARS: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";
/// OID arcs of learner numbers (`1.2.246.562.<arc>.<11 digits>`): 24 for persons in the
/// learner register, 98 and 198 for the other person registers of the Finnish National Agency
/// for Education.
const OID_PREFIX: &str = "1.2.246.562.";
const OID_ARCS: &[&str] = &["24", "98", "198"];
/// How many problems the error's Display lists; the error itself keeps them all.
const SHOWN_PROBLEMS: usize = 100;

/// One learner from the targets file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRow {
    /// 1-based line of the row in the file.
    pub line: u64,
    /// Whom it names (Debug shows no values).
    pub identity: TargetIdentity,
}

/// A checked targets file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFile {
    /// The learners, in file order, each once.
    pub rows: Vec<TargetRow>,
    /// Rows skipped because they repeat an earlier learner, and other doubts, each as
    /// `FILE:LINE: ...` naming both lines; never with a value.
    pub warnings: Vec<String>,
}

/// One thing wrong in the targets file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: u64,
    /// The column, when the problem is in one.
    pub column: Option<String>,
    /// What is wrong and what was expected; never the value.
    pub expected: String,
}

/// Why a targets file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetsError {
    /// The file could not be read.
    #[error("{}: cannot read the targets file: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The header or rows are wrong; every problem found is listed.
    #[error("{}", ProblemList { path, problems })]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem, in line order.
        problems: Vec<Problem>,
    },
}

/// Displays problems as `FILE:LINE: column NAME: expected`, one a line.
struct ProblemList<'a> {
    path: &'a Path,
    problems: &'a [Problem],
}

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{}: {n} problem{} in the targets file; nothing was added",
            self.path.display(),
            if n == 1 { "" } else { "s" }
        )?;
        for p in self.problems.iter().take(SHOWN_PROBLEMS) {
            write!(f, "\n{}:{}: ", self.path.display(), p.line)?;
            if let Some(column) = &p.column {
                write!(f, "column {column}: ")?;
            }
            f.write_str(&p.expected)?;
        }
        if n > SHOWN_PROBLEMS {
            write!(f, "\n... and {} more", n - SHOWN_PROBLEMS)?;
        }
        Ok(())
    }
}

/// The learner key of a target: of the henkilötunnus when present, else of the oppijanumero
/// (the rule of `learners.rs`, so a target and its recorded snapshot share one key).
pub fn learner_key_of(secret: &LearnerSecret, identity: &TargetIdentity) -> LearnerKey {
    identity.learner_key(secret)
}

/// Reads and checks a targets file. All problems are collected before it fails, so one run
/// shows everything to fix; duplicates are dropped with a warning.
pub fn read_targets(path: &Path) -> Result<TargetFile, TargetsError> {
    let bytes = std::fs::read(path).map_err(|source| TargetsError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &bytes).map_err(|problems| TargetsError::Invalid {
        path: path.to_owned(),
        problems,
    })
}

/// Where each column of the header sits.
struct Columns {
    henkilotunnus: Option<usize>,
    oppijanumero: Option<usize>,
    count: usize,
}

fn parse(path: &Path, bytes: &[u8]) -> Result<TargetFile, Vec<Problem>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let delimiter = if !first_line.contains(&b',') && first_line.contains(&b';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(bytes);

    let mut problems = Vec::new();
    let mut records = reader.byte_records();
    let columns = match records.next() {
        None => {
            return Err(vec![Problem {
                line: 1,
                column: None,
                expected: "the file is empty; expected a header line naming the columns \
                           henkilotunnus and/or oppijanumero, then one row per learner"
                    .to_owned(),
            }]);
        }
        Some(Err(err)) => return Err(vec![csv_problem(&err)]),
        Some(Ok(header)) => header_columns(&header, line_of(&header))?,
    };

    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    let mut seen = Seen::default();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                problems.push(csv_problem(&err));
                continue;
            }
        };
        let line = line_of(&record);
        match check_row(&record, &columns, line) {
            Ok(identity) => match seen.note(path, line, &identity) {
                Verdict::Keep => rows.push(TargetRow { line, identity }),
                Verdict::KeepWithWarning(warning) => {
                    warnings.push(warning);
                    rows.push(TargetRow { line, identity });
                }
                Verdict::Skip(warning) => warnings.push(warning),
            },
            Err(mut found) => problems.append(&mut found),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if rows.is_empty() {
        return Err(vec![Problem {
            line: 1,
            column: None,
            expected: "the file has a header but no rows; expected one row per learner".to_owned(),
        }]);
    }
    Ok(TargetFile { rows, warnings })
}

fn line_of(record: &csv::ByteRecord) -> u64 {
    record.position().map_or(0, csv::Position::line)
}

fn csv_problem(err: &csv::Error) -> Problem {
    // csv's messages can quote the field; say only where and what kind.
    let line = err.position().map_or(0, csv::Position::line);
    Problem {
        line,
        column: None,
        expected: "cannot read this line as CSV; expected comma-separated fields, quoted \
                   with \" where needed"
            .to_owned(),
    }
}

fn header_columns(header: &csv::ByteRecord, line: u64) -> Result<Columns, Vec<Problem>> {
    let problem = |expected: String| Problem {
        line,
        column: None,
        expected,
    };
    let mut columns = Columns {
        henkilotunnus: None,
        oppijanumero: None,
        count: header.len(),
    };
    let mut problems = Vec::new();
    for (index, raw) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(raw);
        if looks_like_data(&name) {
            return Err(vec![problem(
                "this looks like a data row, not a header; expected a first line naming the \
                 columns henkilotunnus and/or oppijanumero"
                    .to_owned(),
            )]);
        }
        let slot = match name.to_ascii_lowercase().as_str() {
            HENKILOTUNNUS => &mut columns.henkilotunnus,
            OPPIJANUMERO => &mut columns.oppijanumero,
            _ => {
                problems.push(problem(format!(
                    "column {} ({:?}) is not a targets column; expected only henkilotunnus \
                     and/or oppijanumero",
                    index + 1,
                    rikastin_sources::redact(&name)
                )));
                continue;
            }
        };
        if slot.replace(index).is_some() {
            problems.push(problem(format!(
                "column {} repeats {:?}; expected each column once",
                index + 1,
                name.to_ascii_lowercase()
            )));
        }
    }
    if columns.henkilotunnus.is_none() && columns.oppijanumero.is_none() && problems.is_empty() {
        problems.push(problem(
            "no henkilotunnus or oppijanumero column; expected a header naming one or both"
                .to_owned(),
        ));
    }
    if problems.is_empty() {
        Ok(columns)
    } else {
        Err(problems)
    }
}

/// Whether a header cell is really a value (a file without a header line).
fn looks_like_data(cell: &str) -> bool {
    rikastin_sources::redact(cell) != cell || cell.starts_with(OID_PREFIX)
}

fn check_row(
    record: &csv::ByteRecord,
    columns: &Columns,
    line: u64,
) -> Result<TargetIdentity, Vec<Problem>> {
    let problem = |column: Option<&str>, expected: String| Problem {
        line,
        column: column.map(str::to_owned),
        expected,
    };
    if record.len() != columns.count {
        return Err(vec![problem(
            None,
            format!(
                "the row has {} fields; expected {} like the header",
                record.len(),
                columns.count
            ),
        )]);
    }
    let mut problems = Vec::new();
    let mut field = |index: Option<usize>, name: &str| -> Option<String> {
        let raw = record.get(index?)?;
        match std::str::from_utf8(raw) {
            Ok("") => None,
            Ok(text) => Some(text.to_owned()),
            Err(_) => {
                problems.push(problem(Some(name), "not UTF-8 text".to_owned()));
                None
            }
        }
    };
    let hetu = field(columns.henkilotunnus, HENKILOTUNNUS).map(|v| v.to_ascii_uppercase());
    let oid = field(columns.oppijanumero, OPPIJANUMERO);
    if let Some(Err(expected)) = hetu.as_deref().map(check_henkilotunnus) {
        problems.push(problem(Some(HENKILOTUNNUS), expected));
    }
    if let Some(Err(expected)) = oid.as_deref().map(check_oppijanumero) {
        problems.push(problem(Some(OPPIJANUMERO), expected));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    TargetIdentity::new(hetu, oid).ok_or_else(|| {
        vec![problem(
            None,
            "no henkilotunnus or oppijanumero in this row; expected at least one".to_owned(),
        )]
    })
}

/// Checks a henkilötunnus (upper-cased): `DDMMYY`, a century sign, individual number
/// 002–899 and the check character (virta.md §2.5). The message never quotes the value.
fn check_henkilotunnus(hetu: &str) -> Result<(), String> {
    const SHAPE: &str = "expected DDMMYY, a century sign, a 3-digit individual number and a \
                         check character (11 characters)";
    let b = hetu.as_bytes();
    if b.len() != 11 {
        return Err(format!(
            "it has {} characters; {SHAPE}",
            hetu.chars().count()
        ));
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let (Some(day), Some(month), Some(yy)) = (number(0..2), number(2..4), number(4..6)) else {
        return Err(format!("characters 1-6 are not all digits; {SHAPE}"));
    };
    // virta.md §2.5: the 2023 reform added Y X W V U (1900s) and B C D E F (2000s).
    let century = match b[6] {
        b'+' => 1800,
        b'-' | b'Y' | b'X' | b'W' | b'V' | b'U' => 1900,
        b'A' | b'B' | b'C' | b'D' | b'E' | b'F' => 2000,
        _ => {
            return Err(
                "character 7 is not a century sign; expected + (1800s), - Y X W V U (1900s) \
                 or A B C D E F (2000s)"
                    .to_owned(),
            );
        }
    };
    let Some(individual) = number(7..10) else {
        return Err(format!("characters 8-10 are not all digits; {SHAPE}"));
    };
    let year = i32::try_from(century + yy).unwrap_or(0);
    if NaiveDate::from_ymd_opt(year, month, day).is_none() {
        return Err("characters 1-6 with the century sign are not a real date DDMMYY".to_owned());
    }
    if !(2..=899).contains(&individual) {
        return Err(
            "the individual number (characters 8-10) is outside 002-899; VIRTA refuses \
             900-999 (temporary codes) and 000-001"
                .to_owned(),
        );
    }
    let n = ((day * 100 + month) * 100 + yy) * 1000 + individual;
    // n % 31 < 31, so the index is in range.
    if b[10] != CHECK_CHARS[(n % 31) as usize] {
        return Err(
            "the check character (character 11) does not match the other characters; \
             expected the one for DDMMYYNNN modulo 31"
                .to_owned(),
        );
    }
    Ok(())
}

/// Checks an oppijanumero: `1.2.246.562.` then 24, 98 or 198, a dot and 11 digits.
fn check_oppijanumero(oid: &str) -> Result<(), String> {
    let ok = oid.strip_prefix(OID_PREFIX).is_some_and(|rest| {
        rest.split_once('.').is_some_and(|(arc, digits)| {
            OID_ARCS.contains(&arc)
                && digits.len() == 11
                && digits.bytes().all(|d| d.is_ascii_digit())
        })
    });
    if ok {
        Ok(())
    } else {
        Err(
            "expected an oppijanumero: 1.2.246.562.24. (or .98. or .198.) followed by 11 \
             digits"
                .to_owned(),
        )
    }
}

/// The first line of each henkilötunnus and oppijanumero seen, to spot repeats.
#[derive(Default)]
struct Seen {
    henkilotunnus: HashMap<String, u64>,
    oppijanumero: HashMap<String, u64>,
}

/// What to do with a row, after [`Seen::note`].
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// A learner not seen before.
    Keep,
    /// Kept, but the file may be wrong: a warning.
    KeepWithWarning(String),
    /// The learner of an earlier row: skipped, with a warning.
    Skip(String),
}

impl Seen {
    /// Notes a row. A repeated henkilötunnus repeats the learner (the key is made from it). A
    /// row with only an oppijanumero that an earlier row already named adds nothing. A new
    /// henkilötunnus with an oppijanumero seen before is kept but doubtful: one learner number
    /// with two henkilötunnus (or with one and none) gives one person two keys.
    fn note(&mut self, path: &Path, line: u64, identity: &TargetIdentity) -> Verdict {
        let file = path.display();
        let oid = identity.oppijanumero.as_deref();
        let oid_first = oid.and_then(|oid| self.oppijanumero.get(oid).copied());
        if let Some(oid) = oid {
            self.oppijanumero.entry(oid.to_owned()).or_insert(line);
        }
        match identity.henkilotunnus.as_deref() {
            Some(hetu) => {
                if let Some(&first) = self.henkilotunnus.get(hetu) {
                    return Verdict::Skip(format!(
                        "{file}:{line}: same henkilotunnus as line {first}; this row is skipped"
                    ));
                }
                self.henkilotunnus.insert(hetu.to_owned(), line);
                match oid_first {
                    Some(first) => Verdict::KeepWithWarning(format!(
                        "{file}:{line}: same oppijanumero as line {first} but another \
                         henkilotunnus (or none there); both rows are kept as separate \
                         learners: check which is right"
                    )),
                    None => Verdict::Keep,
                }
            }
            None => match oid_first {
                Some(first) => Verdict::Skip(format!(
                    "{file}:{line}: same oppijanumero as line {first}; this row is skipped"
                )),
                None => Verdict::Keep,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic henkilötunnus with the right check character. Individual numbers in tests
    /// stay within 002–899; the values are never printed (assert messages go through `redact`).
    fn hetu(ddmmyy: &str, sign: char, individual: u32) -> String {
        let n: u32 = format!("{ddmmyy}{individual:03}").parse().unwrap();
        let check = char::from(CHECK_CHARS[(n % 31) as usize]);
        format!("{ddmmyy}{sign}{individual:03}{check}")
    }

    const OID_1: &str = "1.2.246.562.24.00000000001";
    const OID_2: &str = "1.2.246.562.98.00000000002";

    /// Writes `content` to `targets.csv` in a new folder and reads it.
    fn read(content: &[u8]) -> (tempfile::TempDir, Result<TargetFile, TargetsError>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("targets.csv");
        std::fs::write(&path, content).unwrap();
        let read = read_targets(&path);
        (dir, read)
    }

    /// The problems of a refused file, checking its Display holds none of `values`.
    fn problems(content: &str, values: &[&str]) -> (String, Vec<Problem>) {
        let (_dir, result) = read(content.as_bytes());
        let err = match result {
            Err(err) => err,
            Ok(file) => panic!("expected a refusal, got {} rows", file.rows.len()),
        };
        let shown = format!("{err} {err:?}");
        assert!(
            values.iter().all(|v| !shown.contains(v)),
            "a value is echoed: {}",
            rikastin_sources::redact(&shown)
        );
        match err {
            TargetsError::Invalid { problems, .. } => (shown, problems),
            other => panic!(
                "expected Invalid, got {}",
                rikastin_sources::redact(&other.to_string())
            ),
        }
    }

    fn one_problem(content: &str, value: &str) -> Problem {
        let (shown, mut found) = problems(content, &[value]);
        assert_eq!(found.len(), 1, "{}", rikastin_sources::redact(&shown));
        found.remove(0)
    }

    fn identity(hetu: Option<&str>, oid: Option<&str>) -> TargetIdentity {
        TargetIdentity::new(hetu.map(str::to_owned), oid.map(str::to_owned)).unwrap()
    }

    #[test]
    fn reads_rows_with_either_or_both_columns() {
        let (a, b) = (hetu("010190", '-', 123), hetu("311299", '-', 2));
        let csv = format!("henkilotunnus,oppijanumero\n{a},{OID_1}\n{b},\n,{OID_2}\n");
        let (_dir, file) = read(csv.as_bytes());
        let file = file.expect("valid file");
        let got: Vec<_> = file
            .rows
            .iter()
            .map(|r| (r.line, r.identity.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (2, identity(Some(&a), Some(OID_1))),
                (3, identity(Some(&b), None)),
                (4, identity(None, Some(OID_2))),
            ]
        );
        assert!(file.warnings.is_empty());
    }

    #[test]
    fn tolerates_bom_semicolons_spaces_header_case_and_lower_case_check_letters() {
        let a = hetu("010190", '-', 123);
        assert!(a.ends_with('M'));
        let lower = a.to_ascii_lowercase();
        let csv = format!("\u{FEFF}Oppijanumero ; HENKILOTUNNUS\r\n {OID_1} ; {lower} \r\n");
        let (_dir, file) = read(csv.as_bytes());
        let file = file.expect("valid file");
        assert_eq!(file.rows.len(), 1);
        assert_eq!(file.rows[0].identity, identity(Some(&a), Some(OID_1)));
        // One column alone is enough.
        let (_dir, file) = read(format!("oppijanumero\n{OID_2}\n").as_bytes());
        assert_eq!(file.unwrap().rows[0].identity, identity(None, Some(OID_2)));
    }

    #[test]
    fn accepts_every_century_sign_of_the_2023_reform() {
        let mut csv = String::from("henkilotunnus\n");
        for sign in ['-', 'Y', 'X', 'W', 'V', 'U'] {
            csv.push_str(&hetu("150570", sign, 456));
            csv.push('\n');
        }
        for sign in ['A', 'B', 'C', 'D', 'E', 'F'] {
            csv.push_str(&hetu("290204", sign, 899));
            csv.push('\n');
        }
        csv.push_str(&hetu("010199", '+', 2));
        csv.push('\n');
        let (_dir, file) = read(csv.as_bytes());
        let file = file.expect("all valid");
        assert_eq!(file.rows.len(), 13);
        assert!(
            file.warnings.is_empty(),
            "different signs are different codes"
        );
    }

    #[test]
    fn each_henkilotunnus_error_says_what_was_expected_without_the_value() {
        let good = hetu("010190", '-', 123);
        let wrong_check = {
            let mut v = good.clone();
            v.replace_range(10.., if good.ends_with('M') { "N" } else { "M" });
            v
        };
        let cases = [
            (format!("{good}0"), "12 characters"),
            (
                "01019O-123M".to_owned(),
                "characters 1-6 are not all digits",
            ),
            (good.replacen('-', "G", 1), "century sign"),
            (good.replacen("123", "12X", 1), "characters 8-10"),
            (hetu("310290", '-', 123), "not a real date"),
            (hetu("290201", '-', 123), "not a real date"),
            (hetu("010190", '-', 900), "outside 002-899"),
            (hetu("010190", '-', 1), "outside 002-899"),
            (wrong_check, "check character"),
        ];
        for (value, expected) in cases {
            let csv = format!("oppijanumero,henkilotunnus\n{OID_1},{value}\n");
            let p = one_problem(&csv, &value);
            assert_eq!(p.line, 2);
            assert_eq!(p.column.as_deref(), Some("henkilotunnus"));
            assert!(p.expected.contains(expected), "{expected}: {}", p.expected);
        }
        // A leap day is a real date.
        let (_dir, file) = read(format!("henkilotunnus\n{}\n", hetu("290200", 'A', 5)).as_bytes());
        assert!(file.is_ok());
    }

    #[test]
    fn each_oppijanumero_error_says_what_was_expected_without_the_value() {
        for value in [
            "1.2.246.562.25.00000000001",
            "1.2.246.562.24.0000000001",
            "1.2.246.562.24.000000000011",
            "1.2.246.562.24.0000000000x",
            "1.2.246.561.24.00000000001",
            "1.2.246.562.24.1",
            "oid",
        ] {
            let p = one_problem(&format!("oppijanumero\n{value}\n"), value);
            assert_eq!((p.line, p.column.as_deref()), (2, Some("oppijanumero")));
            assert!(p.expected.contains("11"), "{}", p.expected);
        }
        let (_dir, file) = read(b"oppijanumero\n1.2.246.562.198.00000000003\n");
        assert!(file.is_ok(), "arc 198 is a learner number too");
    }

    #[test]
    fn all_bad_rows_are_reported_in_line_order() {
        let good = hetu("010190", '-', 123);
        let bad_hetu = hetu("010190", '-', 950);
        let csv = format!(
            "henkilotunnus,oppijanumero\n{good},{OID_1}\n{bad_hetu},x\n,\n{good},{OID_1},extra\n,{OID_2}\n"
        );
        let (shown, found) = problems(&csv, &[&bad_hetu, &good, OID_1]);
        let summary: Vec<_> = found
            .iter()
            .map(|p| (p.line, p.column.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                (3, Some("henkilotunnus")),
                (3, Some("oppijanumero")),
                (4, None),
                (5, None),
            ]
        );
        assert!(found[2].expected.contains("at least one"));
        assert!(found[3].expected.contains("3 fields; expected 2"));
        assert!(
            shown.contains("4 problems"),
            "{}",
            rikastin_sources::redact(&shown)
        );
        assert!(
            shown.contains("targets.csv:3: column henkilotunnus: "),
            "FILE:LINE: column NAME: {}",
            rikastin_sources::redact(&shown)
        );
        assert!(shown.contains("nothing was added"));
    }

    #[test]
    fn header_problems_name_the_column_but_never_a_value() {
        let (_, found) = problems("henkilotunnus,nimi,oppijanumero\n", &[]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].expected.contains("column 2 (\"nimi\")") && found[0].line == 1,
            "{}",
            found[0].expected
        );

        let (_, found) = problems("henkilotunnus,Henkilotunnus\n", &[]);
        assert!(
            found[0].expected.contains("repeats"),
            "{}",
            found[0].expected
        );

        let (_, found) = problems("nimi\nx\n", &[]);
        assert!(found[0].expected.contains("not a targets column"));

        // A file without a header: its first row is data, and is not echoed.
        let value = hetu("010190", '-', 123);
        let p = one_problem(&format!("{value}\n"), &value);
        assert!(
            p.expected.contains("looks like a data row"),
            "{}",
            p.expected
        );
        let p = one_problem(&format!("{OID_1}\n"), OID_1);
        assert!(
            p.expected.contains("looks like a data row"),
            "{}",
            p.expected
        );

        let (_, found) = problems("", &[]);
        assert!(found[0].expected.contains("empty"), "{}", found[0].expected);
        assert!(
            problems("henkilotunnus\n", &[]).1[0]
                .expected
                .contains("no rows")
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_reported_per_column() {
        let (_dir, result) =
            read(b"henkilotunnus,oppijanumero\n\xFF\xFE,1.2.246.562.24.00000000001\n");
        let Err(TargetsError::Invalid { problems, .. }) = result else {
            panic!("expected a refusal");
        };
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].column.as_deref(), Some("henkilotunnus"));
        assert!(problems[0].expected.contains("UTF-8"));
    }

    #[test]
    fn duplicates_are_skipped_with_one_warning_naming_both_lines() {
        let (a, b) = (hetu("010190", '-', 123), hetu("311299", '-', 2));
        let csv = format!(
            "henkilotunnus,oppijanumero\n{a},{OID_1}\n,{OID_2}\n{a},\n,{OID_2}\n{b},{OID_1}\n"
        );
        let (_dir, file) = read(csv.as_bytes());
        let file = file.expect("duplicates are not errors");
        let lines: Vec<_> = file.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 6], "lines 4 and 5 repeat 2 and 3");
        assert_eq!(file.warnings.len(), 3);
        assert!(
            file.warnings[0]
                .ends_with("targets.csv:4: same henkilotunnus as line 2; this row is skipped")
        );
        assert!(
            file.warnings[1]
                .ends_with("targets.csv:5: same oppijanumero as line 3; this row is skipped")
        );
        // Same learner number under another henkilötunnus: kept, but flagged.
        assert!(file.warnings[2].contains("targets.csv:6: same oppijanumero as line 2"));
        assert!(file.warnings[2].contains("both rows are kept"));
        let all = file.warnings.join("\n");
        assert!(!all.contains(&a) && !all.contains(&b) && !all.contains(OID_1));
    }

    #[test]
    fn missing_file_is_a_read_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_targets(&dir.path().join("missing.csv")).unwrap_err();
        assert!(matches!(err, TargetsError::Read { .. }));
        assert!(err.to_string().contains("missing.csv"), "{err}");
    }

    #[test]
    fn display_lists_the_first_hundred_problems_and_counts_the_rest() {
        let mut csv = String::from("oppijanumero\n");
        for _ in 0..130 {
            csv.push_str("bad\n");
        }
        let (shown, found) = problems(&csv, &[]);
        assert_eq!(found.len(), 130, "the error keeps every problem");
        assert_eq!(shown.matches("column oppijanumero").count(), SHOWN_PROBLEMS);
        assert!(shown.contains("... and 30 more"), "{shown}");
    }

    #[test]
    fn learner_key_is_the_henkilotunnus_key_when_there_is_one() {
        let secret =
            LearnerSecret::from_bytes(b"rikastin-test-secret-0123456789".to_vec()).unwrap();
        let a = hetu("010190", '-', 123);
        let by_hetu = LearnerKey::derive(&secret, rikastin_sinks::Identity::Henkilotunnus(&a));
        let by_oid = LearnerKey::derive(&secret, rikastin_sinks::Identity::Oppijanumero(OID_1));
        assert_eq!(
            learner_key_of(&secret, &identity(Some(&a), Some(OID_1))),
            by_hetu
        );
        assert_eq!(
            learner_key_of(&secret, &identity(None, Some(OID_1))),
            by_oid
        );
    }
}
