//! XML Schema scalars used by ELMO: `xs:date`, `xs:dateTime` and `xs:decimal`.
//!
//! Each parses strictly (`FromStr`) and prints its wire form (`Display`), so a value read from
//! one document is written to the next exactly as given (zones included).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::error::{Result, ValueError};

const DATE_EXPECTED: &str =
    "a date YYYY-MM-DD with an optional zone (Z or ±hh:mm), e.g. 2024-12-20";
const DATETIME_EXPECTED: &str = "a date and time YYYY-MM-DDThh:mm:ss[.fff] with an optional zone, e.g. 2025-01-15T10:00:00+02:00";
const DECIMAL_EXPECTED: &str = "a decimal number with a dot, e.g. 5 or 7.5";

/// The time zone of an `xs:date` or `xs:dateTime`, kept as written.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum TimeZone {
    /// Written `Z`.
    Utc,
    /// Written `±hh:mm`; the offset from UTC in minutes (`+00:00` is `Offset(0)`, not `Utc`).
    Offset(i16),
}

impl TimeZone {
    /// An offset of `minutes` from UTC; `None` outside ±14:00 (the XML Schema range).
    pub fn offset_minutes(minutes: i16) -> Option<TimeZone> {
        (minutes.abs() <= 14 * 60).then_some(TimeZone::Offset(minutes))
    }

    fn parse(s: &str) -> Option<TimeZone> {
        if s == "Z" {
            return Some(TimeZone::Utc);
        }
        let b = s.as_bytes();
        if b.len() != 6 || b[3] != b':' {
            return None;
        }
        let sign = match b[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let hours = two_digits(&s[1..3])?;
        let minutes = two_digits(&s[4..6])?;
        if minutes > 59 || hours > 14 || (hours == 14 && minutes > 0) {
            return None;
        }
        Some(TimeZone::Offset(
            sign * (i16::from(hours) * 60 + i16::from(minutes)),
        ))
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeZone::Utc => f.write_str("Z"),
            TimeZone::Offset(m) => {
                let sign = if *m < 0 { '-' } else { '+' };
                write!(f, "{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60)
            }
        }
    }
}

/// An `xs:date`: a calendar date with an optional zone. Years 0001–9999.
///
/// `Ord` compares the fields as written (year, month, day, zone), not instants.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
    zone: Option<TimeZone>,
}

impl Date {
    /// A date without zone; fails when the day does not exist.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date> {
        if (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
        {
            Ok(Date {
                year,
                month,
                day,
                zone: None,
            })
        } else {
            let shown = format!("{year:04}-{month:02}-{day:02}");
            Err(ValueError::new("xs:date", &shown, "an existing calendar day").into())
        }
    }

    /// The same date with the given zone.
    pub fn with_zone(self, zone: Option<TimeZone>) -> Date {
        Date { zone, ..self }
    }

    /// The year (1–9999).
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month (1–12).
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// The zone, if one was given.
    pub fn zone(&self) -> Option<TimeZone> {
        self.zone
    }

    /// Parses `YYYY-MM-DD` at the start of `s`, returning the date and the rest.
    fn parse_prefix(s: &str) -> Option<(Date, &str)> {
        let b = s.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' || !s.is_char_boundary(10) {
            return None;
        }
        let year = s[..4]
            .parse::<u16>()
            .ok()
            .filter(|_| s[..4].bytes().all(|c| c.is_ascii_digit()))?;
        let month = two_digits(&s[5..7])?;
        let day = two_digits(&s[8..10])?;
        let date = Date::new(year, month, day).ok()?;
        Some((date, &s[10..]))
    }
}

impl FromStr for Date {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Date> {
        let bad = || ValueError::new("xs:date", s, DATE_EXPECTED);
        let (date, rest) = Date::parse_prefix(s).ok_or_else(bad)?;
        if rest.starts_with('T') {
            return Err(ValueError::new(
                "xs:date",
                s,
                "a pure date without a time (elmo.md §8 rule 14)",
            )
            .into());
        }
        let zone = if rest.is_empty() {
            None
        } else {
            Some(TimeZone::parse(rest).ok_or_else(bad)?)
        };
        Ok(date.with_zone(zone))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)?;
        if let Some(zone) = self.zone {
            write!(f, "{zone}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

/// An `xs:dateTime`: date, time with optional fractional seconds, optional zone (kept as given).
///
/// `Ord` compares the fields as written, not instants: values in different zones do not sort
/// chronologically.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTime {
    date: Date,
    hour: u8,
    minute: u8,
    second: u8,
    /// Fractional-second digits without trailing zeros (canonical form).
    fraction: String,
    zone: Option<TimeZone>,
}

impl DateTime {
    /// A date and time; the zone is the date's zone. Fails for an impossible time.
    pub fn new(date: Date, hour: u8, minute: u8, second: u8) -> Result<DateTime> {
        let end_of_day = hour == 24 && minute == 0 && second == 0;
        if (hour < 24 || end_of_day) && minute < 60 && second < 60 {
            Ok(DateTime {
                date: date.with_zone(None),
                hour,
                minute,
                second,
                fraction: String::new(),
                zone: date.zone(),
            })
        } else {
            let shown = format!("{hour:02}:{minute:02}:{second:02}");
            Err(ValueError::new(
                "xs:dateTime",
                &shown,
                "a time hh:mm:ss between 00:00:00 and 24:00:00",
            )
            .into())
        }
    }

    /// The date part (without zone).
    pub fn date(&self) -> Date {
        self.date
    }

    /// The hour (0–24; 24 only as 24:00:00).
    pub fn hour(&self) -> u8 {
        self.hour
    }

    /// The minute.
    pub fn minute(&self) -> u8 {
        self.minute
    }

    /// The whole second.
    pub fn second(&self) -> u8 {
        self.second
    }

    /// The zone, if one was given. elmo.md §8 rule 14: `generatedDate`/`issueDate` should have one.
    pub fn zone(&self) -> Option<TimeZone> {
        self.zone
    }
}

impl FromStr for DateTime {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<DateTime> {
        let bad = || ValueError::new("xs:dateTime", s, DATETIME_EXPECTED);
        let (date, rest) = Date::parse_prefix(s).ok_or_else(bad)?;
        let rest = rest.strip_prefix('T').ok_or_else(bad)?;
        let b = rest.as_bytes();
        if b.len() < 8 || b[2] != b':' || b[5] != b':' {
            return Err(bad().into());
        }
        let hour = two_digits(&rest[..2]).ok_or_else(bad)?;
        let minute = two_digits(&rest[3..5]).ok_or_else(bad)?;
        let second = two_digits(&rest[6..8]).ok_or_else(bad)?;
        let mut rest = &rest[8..];
        let mut fraction = "";
        if let Some(after_dot) = rest.strip_prefix('.') {
            let digits = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(bad().into());
            }
            fraction = after_dot[..digits].trim_end_matches('0');
            rest = &after_dot[digits..];
        }
        let zone = if rest.is_empty() {
            None
        } else {
            Some(TimeZone::parse(rest).ok_or_else(bad)?)
        };
        if hour == 24 && !fraction.is_empty() {
            return Err(bad().into());
        }
        let mut value =
            DateTime::new(date.with_zone(zone), hour, minute, second).map_err(|_| bad())?;
        value.fraction = fraction.to_owned();
        Ok(value)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}T{:02}:{:02}:{:02}",
            self.date, self.hour, self.minute, self.second
        )?;
        if !self.fraction.is_empty() {
            write!(f, ".{}", self.fraction)?;
        }
        if let Some(zone) = self.zone {
            write!(f, "{zone}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({self})")
    }
}

/// An `xs:decimal`, held exactly and printed in canonical form (`4.000000` → `4`, `7.50` → `7.5`).
///
/// Equality and ordering are numeric: `4.0 == 4`.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Decimal {
    negative: bool,
    /// Integer digits without leading zeros (empty for zero).
    int: String,
    /// Fraction digits without trailing zeros.
    frac: String,
}

impl Decimal {
    /// Whether the value is below zero.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// The nearest `f64` (for arithmetic checks such as percentages summing to 100).
    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    fn cmp_magnitude(&self, other: &Decimal) -> Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(&other.int))
            .then_with(|| self.frac.cmp(&other.frac))
    }
}

impl FromStr for Decimal {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Decimal> {
        if s.contains(',') {
            return Err(ValueError::new(
                "xs:decimal",
                s,
                "a decimal with a dot, not a comma (5.5, not 5,5)",
            )
            .into());
        }
        let bad = || ValueError::new("xs:decimal", s, DECIMAL_EXPECTED);
        let (negative, body) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = |part: &str| part.bytes().all(|c| c.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
            return Err(bad().into());
        }
        let int = int.trim_start_matches('0').to_owned();
        let frac = frac.trim_end_matches('0').to_owned();
        let negative = negative && !(int.is_empty() && frac.is_empty());
        Ok(Decimal {
            negative,
            int,
            frac,
        })
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str(if self.int.is_empty() { "0" } else { &self.int })?;
        if !self.frac.is_empty() {
            write!(f, ".{}", self.frac)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({self})")
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl From<i64> for Decimal {
    fn from(value: i64) -> Decimal {
        let int = value.unsigned_abs().to_string();
        Decimal {
            negative: value < 0,
            int: if value == 0 { String::new() } else { int },
            frac: String::new(),
        }
    }
}

impl From<u32> for Decimal {
    fn from(value: u32) -> Decimal {
        Decimal::from(i64::from(value))
    }
}

fn two_digits(s: &str) -> Option<u8> {
    (s.len() == 2 && s.bytes().all(|c| c.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests;
