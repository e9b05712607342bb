//! Who a learner is: identity code, learner number and (for most) name and sex.
//! Identity codes are unique per generated set: scenario learners use individual numbers
//! 002–0xx, bulk learners a bijection of their index onto (birth date, 020–899).

use crate::date::Date;
use crate::hetu::{Henkilotunnus, INDIVIDUAL_MAX};
use crate::record::Person;
use crate::rng::{Rng, mix};

/// Individual numbers below this are reserved for the fixed scenarios.
pub(crate) const BULK_INDIVIDUAL_MIN: u16 = 20;
/// Bulk birth dates: 1968-01-01 ..= 2006-12-31.
const BULK_FIRST_BIRTH: Date = Date::ymd(1968, 1, 1);
const BULK_LAST_BIRTH: Date = Date::ymd(2006, 12, 31);

fn bulk_days() -> u64 {
    (BULK_LAST_BIRTH.days() - BULK_FIRST_BIRTH.days() + 1) as u64
}

/// How many distinct bulk identity codes exist (about 12.5 million).
pub(crate) fn bulk_capacity() -> u64 {
    bulk_days() * u64::from(INDIVIDUAL_MAX - BULK_INDIVIDUAL_MIN + 1)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The bulk learner `k`'s birth date and individual number: an affine permutation of
/// `0..capacity` chosen by the seed, so no two learners of one run share an identity code.
/// `k` must be below [`bulk_capacity`].
pub(crate) fn bulk_identity(seed: u64, k: u64) -> (Date, u16) {
    let m = bulk_capacity();
    let mut a = mix(seed ^ 0xA11C_E5ED) % m;
    while gcd(a, m) != 1 {
        a += 1;
    }
    let b = mix(seed ^ 0x000F_F5E7) % m;
    let slot = ((u128::from(a) * u128::from(k) + u128::from(b)) % u128::from(m)) as u64;
    let per_day = u64::from(INDIVIDUAL_MAX - BULK_INDIVIDUAL_MIN + 1);
    let day = BULK_FIRST_BIRTH.plus((slot / per_day) as i32);
    (day, BULK_INDIVIDUAL_MIN + (slot % per_day) as u16)
}

/// Century marker style: mostly the classic `-`/`A`, a few of the 2023 letters.
pub(crate) fn marker_style(rng: &mut Rng) -> usize {
    if rng.chance(3) {
        rng.range(1, 5) as usize
    } else {
        0
    }
}

/// A learner number (oppijanumero): `1.2.246.562.24.` + 11 digits (virta.md §2.5).
pub(crate) fn oppijanumero(rng: &mut Rng) -> String {
    format!(
        "1.2.246.562.24.{:011}",
        10_000_000_000 + rng.below(89_999_999_999)
    )
}

const MALE: &[&str] = &[
    "Juhani", "Mikko", "Matti", "Antti", "Ville", "Janne", "Teemu", "Jussi", "Eetu", "Aleksi",
    "Onni", "Elias", "Lauri", "Oskari", "Henrik", "Johan",
];
const FEMALE: &[&str] = &[
    "Maria", "Anna", "Johanna", "Laura", "Emilia", "Aino", "Sofia", "Helmi", "Siiri", "Venla",
    "Kaisa", "Elina", "Noora", "Ida", "Linnea", "Hanna",
];
const SURNAMES: &[&str] = &[
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Lindqvist",
    "Nyström",
];

/// Name, sex and mother tongue, consistent with the identity code (odd individual number = male).
pub(crate) fn person(rng: &mut Rng, hetu: &Henkilotunnus) -> Person {
    let male = hetu.individual() % 2 == 1;
    let pool = if male { MALE } else { FEMALE };
    let first = rng.pick(pool);
    let etunimet = if rng.chance(70) {
        let mut second = rng.pick(pool);
        if second == first {
            second = pool[(pool.iter().position(|n| *n == first).unwrap_or(0) + 1) % pool.len()];
        }
        format!("{first} {second}")
    } else {
        first.to_owned()
    };
    let sukunimi = rng.pick(SURNAMES);
    let swedish =
        matches!(sukunimi, "Lindqvist" | "Nyström") || first == "Johan" || first == "Linnea";
    Person {
        sukunimi,
        etunimet,
        sukupuoli: if male { "1" } else { "2" },
        aidinkieli: if swedish { "sv" } else { "fi" },
        // Set once the institutions are known (Learner::generate).
        asuinkunta: "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hetu::is_valid_henkilotunnus;

    #[test]
    fn bulk_identities_do_not_repeat() {
        let mut seen = std::collections::HashSet::new();
        for k in 0..50_000 {
            let (d, n) = bulk_identity(7, k);
            assert!(seen.insert((d, n)), "identity {k} repeats");
            let h = Henkilotunnus::new(d, 0, n);
            assert!(is_valid_henkilotunnus(h.as_str()));
        }
    }
}
