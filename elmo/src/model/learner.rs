//! The `learner` element and its parts (elmo.md §2.2).

use crate::{Date, Identifier};

/// `learner`: the student. All reports of the document are about this person.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Learner {
    /// `citizenship?`: ISO 3166-1 alpha-2 code from the Europass list; omit when unknown.
    pub citizenship: Option<String>,
    /// `identifier*`: e.g. `nationalIdentifier`, `esi`. Debug output hides the values.
    pub identifiers: Vec<Identifier>,
    /// `givenNames`: always present (empty only as a last resort).
    pub given_names: String,
    /// `familyName`: always present (empty only as a last resort).
    pub family_name: String,
    /// `bday?`: date of birth; clients match identity on names and birth date.
    pub bday: Option<Date>,
    /// `placeOfBirth?`.
    pub place_of_birth: Option<String>,
    /// `birthName?`: names at birth as one string.
    pub birth_name: Option<String>,
    /// `currentAddress?`: an EWP `FlexibleAddress`.
    pub current_address: Option<FlexibleAddress>,
    /// `gender?`: ISO/IEC 5218 code.
    pub gender: Option<Gender>,
}

/// `gender`: ISO/IEC 5218 codes `0`, `1`, `2`, `9`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Gender {
    /// `0`: not known or not recorded.
    Unknown,
    /// `1`: male.
    Male,
    /// `2`: female.
    Female,
    /// `9`: not applicable.
    NotApplicable,
}

impl Gender {
    /// The ISO/IEC 5218 code written on the wire.
    pub fn code(self) -> u8 {
        match self {
            Gender::Unknown => 0,
            Gender::Male => 1,
            Gender::Female => 2,
            Gender::NotApplicable => 9,
        }
    }

    /// The gender for an ISO/IEC 5218 code; `None` for any other number.
    pub fn from_code(code: i64) -> Option<Gender> {
        match code {
            0 => Some(Gender::Unknown),
            1 => Some(Gender::Male),
            2 => Some(Gender::Female),
            9 => Some(Gender::NotApplicable),
            _ => None,
        }
    }
}

/// `currentAddress`: the EWP `FlexibleAddress` (namespace
/// `https://github.com/erasmus-without-paper/ewp-specs-types-address/tree/stable-v1`).
///
/// The XSD offers `addressLine` lines *or* the structured parts (`buildingNumber` ..
/// `deliveryPointCode`), not both.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlexibleAddress {
    /// `recipientName*`.
    pub recipient_names: Vec<String>,
    /// `addressLine[0..4]`: free-form lines.
    pub address_lines: Vec<String>,
    /// `buildingNumber?`.
    pub building_number: Option<String>,
    /// `buildingName?`.
    pub building_name: Option<String>,
    /// `streetName?`.
    pub street_name: Option<String>,
    /// `unit?`.
    pub unit: Option<String>,
    /// `floor?`.
    pub floor: Option<String>,
    /// `postOfficeBox?`.
    pub post_office_box: Option<String>,
    /// `deliveryPointCode*`.
    pub delivery_point_codes: Vec<String>,
    /// `postalCode?`.
    pub postal_code: Option<String>,
    /// `locality?`: city or town.
    pub locality: Option<String>,
    /// `region?`.
    pub region: Option<String>,
    /// `country?`: two upper-case letters.
    pub country: Option<String>,
}

impl FlexibleAddress {
    /// Whether any of the structured parts (the alternative to `addressLine`) is set.
    pub fn has_structured_parts(&self) -> bool {
        self.building_number.is_some()
            || self.building_name.is_some()
            || self.street_name.is_some()
            || self.unit.is_some()
            || self.floor.is_some()
            || self.post_office_box.is_some()
            || !self.delivery_point_codes.is_empty()
    }
}
