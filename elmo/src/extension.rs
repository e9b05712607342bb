//! Verbatim XML content: `extension` children, the DS `introduction` and `ds:Signature`.
//!
//! ELMO's extension points take any XML in a foreign namespace (elmo.md §2.10). We keep such
//! content as a string of well-formed, self-contained XML, so that read → write round-trips it
//! without the crate knowing its schema.

use std::fmt;
use std::str::FromStr;

use crate::error::Result;
use crate::reader::cursor::Cursor;
pub(crate) use crate::reader::cursor::Outline;

/// Well-formed XML content kept verbatim, declaring every namespace prefix it uses.
///
/// Used for `extension` (its children), `diplomaSupplement/introduction` (its content) and
/// `ds:Signature` (the whole element). Leading and trailing whitespace is not kept.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Extension {
    xml: String,
}

impl Extension {
    /// Checks that `xml` is a well-formed fragment (elements, text, comments) in which every
    /// namespace prefix, and the default namespace of unprefixed elements, is declared.
    ///
    /// ```
    /// let ext = elmo::Extension::from_xml(r#"<fi:laji xmlns:fi="urn:example:fi">1</fi:laji>"#).unwrap();
    /// assert!(elmo::Extension::from_xml("<fi:laji>1</fi:laji>").is_err());
    /// # let _ = ext;
    /// ```
    pub fn from_xml(xml: &str) -> Result<Extension> {
        let xml = xml.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
        let wrapped = format!("<fragment>{xml}</fragment>");
        let mut cursor = Cursor::new(&wrapped);
        let open = cursor.fragment_root()?;
        cursor.capture_standalone(&open)?;
        cursor.finish()?;
        Ok(Extension {
            xml: xml.to_owned(),
        })
    }

    /// Text content (escaped), e.g. a plain-text DS introduction.
    pub fn text(text: &str) -> Extension {
        let text = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
        Extension {
            xml: crate::writer::escape_text(text),
        }
    }

    /// Content the reader captured (already checked and made self-contained).
    pub(crate) fn captured(xml: String) -> Extension {
        let trimmed = xml.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
        if trimmed.len() == xml.len() {
            Extension { xml }
        } else {
            Extension {
                xml: trimmed.to_owned(),
            }
        }
    }

    /// The XML as a string.
    pub fn as_xml(&self) -> &str {
        &self.xml
    }

    /// Whether there is no content at all.
    pub fn is_empty(&self) -> bool {
        self.xml.is_empty()
    }

    /// The namespace and local name of each top-level element, and whether non-blank text
    /// stands at the top level. Used by the linter.
    pub(crate) fn outline(&self) -> Outline {
        let wrapped = format!("<fragment>{}</fragment>", self.xml);
        Cursor::new(&wrapped).outline().unwrap_or_default()
    }
}

impl FromStr for Extension {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Extension> {
        Extension::from_xml(s)
    }
}

impl fmt::Debug for Extension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Extension({:?})", crate::redact::redact(&self.xml))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_self_contained_fragments_and_trims_them() {
        let ext = Extension::from_xml(
            "\n  <a:x xmlns:a=\"urn:a\"><a:y/></a:x><!-- c --><b xmlns=\"urn:b\">t</b>\n",
        )
        .expect("valid");
        assert_eq!(
            ext.as_xml(),
            "<a:x xmlns:a=\"urn:a\"><a:y/></a:x><!-- c --><b xmlns=\"urn:b\">t</b>"
        );
        assert!(Extension::from_xml("plain text &amp; more").is_ok());
        assert!(Extension::from_xml("").expect("empty is fine").is_empty());
    }

    #[test]
    fn rejects_malformed_or_dependent_fragments() {
        for bad in [
            "<a:x>1</a:x>",
            "<x>unprefixed, no xmlns</x>",
            "<a:x xmlns:a=\"urn:a\">",
            "</fragment><fragment>",
            "a & b",
            "<?xml version=\"1.0\"?><a xmlns=\"urn:a\"/>",
            "<!DOCTYPE x><x xmlns=\"urn:x\"/>",
        ] {
            assert!(
                Extension::from_xml(bad).is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn text_is_escaped_and_debug_is_redacted() {
        assert_eq!(Extension::text(" a < b & c ").as_xml(), "a &lt; b &amp; c");
        let ext = Extension::from_xml("<h:id xmlns:h=\"urn:h\">010190-123A</h:id>").expect("valid");
        assert!(!format!("{ext:?}").contains("010190-123A"));
    }
}
