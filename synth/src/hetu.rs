//! Synthetic Finnish identity codes (henkilötunnus): valid pattern and check character, and an
//! individual number VIRTA accepts (virta.md §2.5, §9: 900–999 is rejected by its pattern).

use std::fmt;

use crate::date::Date;

/// The check character alphabet: index = `DDMMYYNNN` modulo 31.
const CHECK_CHARS: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";

/// Century markers since the 2023 reform (virta.md §2.5: tyypit 1.06.3 widened the pattern).
/// The first of each list is the classic one.
const MARKERS_1900: &[char] = &['-', 'Y', 'X', 'W', 'V', 'U'];
const MARKERS_2000: &[char] = &['A', 'B', 'C', 'D', 'E', 'F'];

/// The lowest and highest individual numbers VIRTA accepts.
pub const INDIVIDUAL_MIN: u16 = 2;
/// See [`INDIVIDUAL_MIN`].
pub const INDIVIDUAL_MAX: u16 = 899;

/// A synthetic henkilötunnus (Finnish personal identity code).
///
/// It has no `Display`, and `Debug` prints `Henkilotunnus(***)`: the code must never reach a log,
/// an error message or a file name (DESIGN.md invariant 5). Read it with [`Henkilotunnus::as_str`]
/// where it is really needed (the XML body, the learner-key derivation).
#[derive(Clone, PartialEq, Eq)]
pub struct Henkilotunnus(String);

impl Henkilotunnus {
    /// Builds the code for a birth date, a century marker style (0 = classic, 1–5 = the 2023
    /// letters) and an individual number (002–899; odd = male, even = female).
    pub(crate) fn new(birth: Date, marker_style: usize, individual: u16) -> Self {
        let (y, m, d) = birth.civil();
        let yy = y.rem_euclid(100) as u32;
        let markers = if y >= 2000 {
            MARKERS_2000
        } else {
            MARKERS_1900
        };
        let marker = markers[marker_style % markers.len()];
        let n = d * 10_000_000 + m * 100_000 + yy * 1_000 + u32::from(individual);
        let check = char::from(CHECK_CHARS[(n % 31) as usize]);
        Henkilotunnus(format!("{d:02}{m:02}{yy:02}{marker}{individual:03}{check}"))
    }

    /// The code itself. Only for the XML body and for deriving the learner key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The individual number (`NNN`), whose parity gives the legal sex.
    pub(crate) fn individual(&self) -> u16 {
        self.0.get(7..10).and_then(|s| s.parse().ok()).unwrap_or(0)
    }
}

impl fmt::Debug for Henkilotunnus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Henkilotunnus(***)")
    }
}

/// Whether `code` is a complete henkilötunnus with a real date, a known century marker, an
/// individual number VIRTA accepts (002–899) and the right check character.
pub fn is_valid_henkilotunnus(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() != 11 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = code.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (Some(d), Some(m), Some(yy), Some(nnn)) =
        (digits(0..2), digits(2..4), digits(4..6), digits(7..10))
    else {
        return false;
    };
    let century = match b[6] {
        b'+' => 1800,
        b'-' | b'Y' | b'X' | b'W' | b'V' | b'U' => 1900,
        b'A' | b'B' | b'C' | b'D' | b'E' | b'F' => 2000,
        _ => return false,
    };
    let year = century + yy as i32;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if d == 0 || d > month_days {
        return false;
    }
    if !(u32::from(INDIVIDUAL_MIN)..=u32::from(INDIVIDUAL_MAX)).contains(&nnn) {
        return false;
    }
    let n = d * 10_000_000 + m * 100_000 + yy * 1_000 + nnn;
    b[10] == CHECK_CHARS[(n % 31) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_check_out() {
        // DVV's documented example. (fi-ncp's test person 180766-2213 has a wrong check
        // character: VIRTA's pattern does not check it, virta.md §2.5.)
        assert!(is_valid_henkilotunnus("131052-308T"));
        assert!(!is_valid_henkilotunnus("180766-2213"));
        assert!(
            !is_valid_henkilotunnus("131052-308U"),
            "wrong check character"
        );
        assert!(
            !is_valid_henkilotunnus("140173-928L"),
            "9xx is a temporary code"
        );
        assert!(!is_valid_henkilotunnus("310299A0024"), "no 31 February");
    }

    #[test]
    fn new_computes_the_check_character() {
        let h = Henkilotunnus::new(Date::ymd(1952, 10, 13), 0, 308);
        assert_eq!(h.as_str(), "131052-308T");
        let h = Henkilotunnus::new(Date::ymd(2004, 5, 1), 1, 2);
        assert!(h.as_str().contains('B'));
        assert!(is_valid_henkilotunnus(h.as_str()));
        assert_eq!(h.individual(), 2);
    }

    #[test]
    fn debug_hides_the_code() {
        let h = Henkilotunnus::new(Date::ymd(1952, 10, 13), 0, 308);
        assert_eq!(format!("{h:?}"), "Henkilotunnus(***)");
    }
}
