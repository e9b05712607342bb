//! Calendar dates as day numbers, enough for study timelines (`YYYY-MM-DD`, virta.md §2.9).

use std::fmt;

/// A proleptic Gregorian date, stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Date(i32);

impl Date {
    /// The date for year, month (1–12) and day (1–31). Callers pass valid dates.
    pub(crate) const fn ymd(y: i32, m: u32, d: u32) -> Self {
        // Howard Hinnant's days_from_civil.
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let mp = (m as i32 + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Date(era * 146_097 + doe - 719_468)
    }

    /// Year, month and day.
    pub(crate) const fn civil(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
        (y, m, d)
    }

    pub(crate) const fn year(self) -> i32 {
        self.civil().0
    }

    pub(crate) const fn days(self) -> i32 {
        self.0
    }

    pub(crate) const fn plus(self, days: i32) -> Self {
        Date(self.0 + days)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.civil();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_civil() {
        for (y, m, d) in [(1970, 1, 1), (2000, 2, 29), (2026, 12, 31), (1968, 3, 1)] {
            let date = Date::ymd(y, m, d);
            assert_eq!(date.civil(), (y, m, d));
        }
        assert_eq!(Date::ymd(1970, 1, 2).days(), 1);
        assert_eq!(Date::ymd(2024, 2, 28).plus(1).to_string(), "2024-02-29");
    }
}
