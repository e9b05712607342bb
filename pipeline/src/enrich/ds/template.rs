//! The sections of the 2018 Diploma Supplement template, with their official English titles.
//!
//! Source: the revised template of the 2018 Paris Communiqué, Appendix IV (peers.md §3.1). The
//! titles are written in sentence case; the template prints the headings of the eight sections in
//! capitals. One deliberate change: the template's "Access requirements(s)" (a typo carried over
//! from the 1997 model) is written "Access requirement(s)".

/// Every section and subsection of the template, in document order: (number, title).
pub const SECTIONS: [(&str, &str); 32] = [
    (
        "1",
        "Information identifying the holder of the qualification",
    ),
    ("1.1", "Last name(s)"),
    ("1.2", "First name(s)"),
    ("1.3", "Date of birth (dd/mm/yyyy)"),
    (
        "1.4",
        "Student identification number or code (if available)",
    ),
    ("2", "Information identifying the qualification"),
    (
        "2.1",
        "Name of qualification and (if applicable) title conferred (in original language)",
    ),
    ("2.2", "Main field(s) of study for the qualification"),
    (
        "2.3",
        "Name and status of awarding institution (in original language)",
    ),
    (
        "2.4",
        "Name and status of institution (if different from 2.3) administering studies (in original language)",
    ),
    ("2.5", "Language(s) of instruction/examination"),
    (
        "3",
        "Information on the level and duration of the qualification",
    ),
    ("3.1", "Level of the qualification"),
    (
        "3.2",
        "Official duration of programme in credits and/or years",
    ),
    ("3.3", "Access requirement(s)"),
    (
        "4",
        "Information on the programme completed and the results obtained",
    ),
    ("4.1", "Mode of study"),
    ("4.2", "Programme learning outcomes"),
    (
        "4.3",
        "Programme details, individual credits gained and grades/marks obtained",
    ),
    (
        "4.4",
        "Grading system and, if available, grade distribution guidance",
    ),
    (
        "4.5",
        "Overall classification of the qualification (in original language)",
    ),
    ("5", "Information on the function of the qualification"),
    ("5.1", "Access to further study"),
    ("5.2", "Access to a regulated profession (if applicable)"),
    ("6", "Additional information"),
    ("6.1", "Additional information"),
    ("6.2", "Further information sources"),
    ("7", "Certification of the supplement"),
    ("7.1", "Date"),
    ("7.2", "Signature"),
    ("7.3", "Capacity"),
    ("7.4", "Official stamp or seal"),
];

/// Section 8 has no subsections; it is the last entry of the template.
pub const NATIONAL: (&str, &str) = ("8", "Information on the national higher education system");

/// The subsections a programme file may give (the rest come from the record, the
/// certification fields or the national file).
pub const FROM_PROGRAMME: [&str; 13] = [
    "2.2", "2.4", "2.5", "3.1", "3.2", "3.3", "4.1", "4.2", "4.4", "5.1", "5.2", "6.1", "6.2",
];

/// The official title of a section number, if the template has it.
pub fn title(number: &str) -> Option<&'static str> {
    SECTIONS
        .iter()
        .chain(std::iter::once(&NATIONAL))
        .find(|(n, _)| *n == number)
        .map(|(_, t)| *t)
}

/// `"3.3 Access requirement(s)"`: how a section is named in outcomes and messages.
pub fn label(number: &str) -> String {
    match title(number) {
        Some(t) => format!("{number} {t}"),
        None => number.to_owned(),
    }
}
