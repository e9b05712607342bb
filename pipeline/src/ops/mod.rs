//! What an operator reads after a run, without reading code or logs: the dead letters
//! ([`deadletters`]) and the summaries the runs stored in the cache ([`runs`]). Pure: records in,
//! text or JSON out; the `rikastin deadletter` and `rikastin runs` commands fetch the records.
//!
//! Learners appear by the first [`KEY_PREFIX`] hex digits of their key, never by an identity
//! code; error texts were redacted before they were stored.

pub mod deadletters;
pub mod runs;

/// How many hex digits of a learner key the tables show: enough to tell learners apart, and
/// to give to `rikastin show`, `deadletter retry` or `deadletter clear`.
pub const KEY_PREFIX: usize = 12;

/// The first [`KEY_PREFIX`] characters of a learner key.
pub fn key_prefix(key: &str) -> &str {
    key.get(..KEY_PREFIX).unwrap_or(key)
}

/// A column of a [`table`]: its heading, and whether numbers right-align in it.
struct Column {
    heading: &'static str,
    right: bool,
}

/// Left-aligned columns, two spaces apart, the last one unpadded (it holds the long error text).
fn table(columns: &[Column], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([c.heading.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let last = cells.len() - 1;
        let mut out = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i > 0 {
                out.push_str("  ");
            }
            if columns[i].right {
                out.extend(std::iter::repeat_n(' ', pad));
                out.push_str(cell);
            } else {
                out.push_str(cell);
                if i < last {
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    };
    let mut out = line(columns.iter().map(|c| c.heading).collect());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// A stored time as the tables show it: UTC to the second (`2026-12-02T10:15:03Z`), or the
/// text as stored when it is not an RFC 3339 time.
fn short_time(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored).map_or_else(
        |_| stored.to_owned(),
        |t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        },
    )
}

/// An error text on one line, for a table row.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pads_columns_and_right_aligns_numbers() {
        let columns = [
            Column {
                heading: "KEY",
                right: false,
            },
            Column {
                heading: "N",
                right: true,
            },
            Column {
                heading: "ERROR",
                right: false,
            },
        ];
        let rows = vec![
            vec!["abcdef".to_owned(), "12".to_owned(), "long text".to_owned()],
            vec!["ab".to_owned(), "3".to_owned(), String::new()],
        ];
        assert_eq!(
            table(&columns, &rows),
            "KEY      N  ERROR\nabcdef  12  long text\nab       3\n"
        );
    }

    #[test]
    fn times_are_shown_in_utc_to_the_second() {
        assert_eq!(
            short_time("2026-12-02T12:15:03.123456789+02:00"),
            "2026-12-02T10:15:03Z"
        );
        assert_eq!(short_time("not a time"), "not a time");
        assert_eq!(one_line("a\n  b\tc "), "a b c");
        assert_eq!(key_prefix("0123456789abcdef"), "0123456789ab");
        assert_eq!(key_prefix("012"), "012");
    }
}
