//! Wire names of the ELMO enumerations: `as_str`, `Display` and `FromStr` for each.

use std::fmt;
use std::str::FromStr;

use crate::error::ValueError;
use crate::{AttachmentType, CreditLevel, LosType, Status};

macro_rules! wire_names {
    ($ty:ident, $kind:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in XSD order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The exact string used in ELMO XML.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = crate::Error;

            /// Parses the exact wire string (case-sensitive, as the XSD enumeration is).
            fn from_str(s: &str) -> crate::Result<$ty> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    _ => Err(ValueError::new(
                        $kind,
                        s,
                        format!("one of {}", [$(concat!("`", $name, "`")),+].join(", ")),
                    )
                    .into()),
                }
            }
        }
    };
}

wire_names!(LosType, "LOS type", {
    DegreeProgramme => "Degree Programme",
    Module => "Module",
    Course => "Course",
    Class => "Class",
});

wire_names!(Status, "LOI status", {
    Passed => "passed",
    Failed => "failed",
    InProgress => "in-progress",
});

wire_names!(CreditLevel, "credit level", {
    Bachelor => "Bachelor",
    Master => "Master",
    Phd => "PhD",
});

wire_names!(AttachmentType, "attachment type", {
    Diploma => "Diploma",
    DiplomaSupplement => "Diploma Supplement",
    TranscriptOfRecords => "Transcript of Records",
    EmrexTranscript => "EMREX transcript",
    MicroCredential => "Micro Credential",
    LetterOfNomination => "Letter of Nomination",
    CertificateOfTraining => "Certificate of Training",
    LearningAgreement => "Learning Agreement",
    Other => "Other",
});
