//! Tests of the scalar types' parsing, printing and ordering.

use super::*;

#[test]
fn date_keeps_zone_as_given_and_rejects_times() {
    for s in [
        "2024-12-20",
        "2014-11-28+02:00",
        "2000-02-29Z",
        "1999-01-01-05:30",
    ] {
        assert_eq!(
            s.parse::<Date>().map(|d| d.to_string()).ok().as_deref(),
            Some(s)
        );
    }
    for s in [
        "2024-12-20T00:00:00",
        "2023-02-29",
        "20241220",
        "2024-1-01",
        "2024-12-20+15:00",
        "",
    ] {
        assert!(s.parse::<Date>().is_err(), "{s} should fail");
    }
}

#[test]
fn datetime_round_trips_and_canonicalises_fraction() {
    for s in [
        "2025-01-15T10:00:00+02:00",
        "2025-01-15T10:00:00Z",
        "2025-01-15T10:00:00",
        "2025-01-15T24:00:00",
    ] {
        assert_eq!(
            s.parse::<DateTime>().map(|d| d.to_string()).ok().as_deref(),
            Some(s)
        );
    }
    let t: DateTime = "2025-01-15T10:00:00.500Z".parse().expect("valid");
    assert_eq!(t.to_string(), "2025-01-15T10:00:00.5Z");
    for s in [
        "2025-01-15",
        "2025-01-15T25:00:00",
        "2025-01-15T10:00",
        "2025-01-15T10:00:00.",
        "2025-01-15T24:00:01",
    ] {
        assert!(s.parse::<DateTime>().is_err(), "{s} should fail");
    }
}

#[test]
fn decimal_canonical_form_and_numeric_order() {
    let cases = [
        ("4.000000", "4"),
        ("7.50", "7.5"),
        ("+5", "5"),
        (".5", "0.5"),
        ("5.", "5"),
        ("-0.0", "0"),
        ("007", "7"),
    ];
    for (input, canonical) in cases {
        assert_eq!(
            input
                .parse::<Decimal>()
                .map(|d| d.to_string())
                .ok()
                .as_deref(),
            Some(canonical)
        );
    }
    let comma = "5,5".parse::<Decimal>().expect_err("comma");
    assert!(comma.to_string().contains("comma"), "{comma}");
    for s in ["", ".", "-", "1e5", "five"] {
        assert!(s.parse::<Decimal>().is_err(), "{s} should fail");
    }
    let d = |s: &str| s.parse::<Decimal>().expect("valid");
    assert!(
        d("-2") < d("-1.5") && d("-1.5") < d("0") && d("0.45") < d("0.5") && d("9.9") < d("10")
    );
    assert_eq!(d("4.0"), Decimal::from(4i64));
}

#[test]
fn value_errors_never_echo_identity_codes() {
    let err = "010190-123A"
        .parse::<Date>()
        .expect_err("not a date")
        .to_string();
    assert!(!err.contains("010190-123A"), "{err}");
    assert!(err.contains("expected"), "{err}");
}
