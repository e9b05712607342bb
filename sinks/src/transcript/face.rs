//! The two embedded fonts, and text measured in them: glyph ids and advance widths, line wrapping
//! and cutting with an ellipsis.
//!
//! We map characters to glyphs ourselves (one glyph per character, no kerning or ligatures)
//! instead of shaping with rustybuzz: Latin, Greek and Cyrillic names need nothing more, and the
//! widths we wrap by are then exactly the widths krilla draws.

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use super::TranscriptError;

/// DejaVu Sans 2.37 (fonts-dejavu-core); licence in `fonts/LICENSE`.
const REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold 2.37.
const BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");

/// Drawn where the font has no glyph for a character; the PDF text still holds the character.
const REPLACEMENT: char = '\u{FFFD}';
/// Ends text that was cut to fit.
pub(super) const ELLIPSIS: &str = "…";

/// The regular and bold faces, parsed once and shared by every render.
pub(super) struct Faces {
    pub regular: Face,
    pub bold: Face,
}

impl Faces {
    pub fn load() -> Result<Faces, TranscriptError> {
        Ok(Faces {
            regular: Face::new("DejaVuSans.ttf", REGULAR)?,
            bold: Face::new("DejaVuSans-Bold.ttf", BOLD)?,
        })
    }

    pub fn get(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }
}

/// One font: what krilla embeds, and the tables we measure with.
pub(super) struct Face {
    pub font: Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
    /// The glyph and advance (in em) drawn for characters the font lacks.
    fallback: (GlyphId, f32),
}

impl Face {
    fn new(name: &'static str, bytes: &'static [u8]) -> Result<Face, TranscriptError> {
        let bad = |reason: &str| TranscriptError::Font {
            font: name,
            reason: reason.to_owned(),
        };
        let font_ref =
            FontRef::new(bytes).map_err(|e| bad(&format!("not an OpenType font: {e}")))?;
        let font = Font::new(bytes.into(), 0).ok_or_else(|| bad("krilla cannot read it"))?;
        let units_per_em = font.units_per_em();
        let charmap = font_ref.charmap();
        let metrics = font_ref.glyph_metrics(Size::unscaled(), LocationRef::default());
        let mut face = Face {
            font,
            charmap,
            metrics,
            units_per_em,
            fallback: (GlyphId::new(0), 0.5),
        };
        let Some(fallback) = face.lookup(REPLACEMENT).or_else(|| face.lookup('?')) else {
            return Err(bad("it has no glyph for U+FFFD or '?'"));
        };
        face.fallback = fallback;
        Ok(face)
    }

    fn lookup(&self, c: char) -> Option<(GlyphId, f32)> {
        let gid = self.charmap.map(c)?;
        let advance = self.metrics.advance_width(gid)? / self.units_per_em;
        Some((GlyphId::new(gid.to_u32()), advance))
    }

    /// The glyph for `c` and its advance in em.
    fn glyph(&self, c: char) -> (GlyphId, f32) {
        self.lookup(c).unwrap_or(self.fallback)
    }

    /// The width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).1).sum::<f32>() * size
    }

    /// The glyphs of `text`, each pointing back at its character for the PDF's text layer.
    pub fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(i, c)| {
                let (gid, advance) = self.glyph(c);
                KrillaGlyph::new(gid, advance, 0.0, 0.0, 0.0, i..i + c.len_utf8(), None)
            })
            .collect()
    }

    /// `text` cut to fit `width` at `size`, ending in an ellipsis when anything was cut.
    pub fn fit(&self, text: &str, size: f32, width: f32) -> String {
        if self.width(text, size) <= width {
            return text.to_owned();
        }
        let room = width - self.width(ELLIPSIS, size);
        let mut used = 0.0;
        let mut end = 0;
        for (i, c) in text.char_indices() {
            used += self.glyph(c).1 * size;
            if used > room {
                break;
            }
            end = i + c.len_utf8();
        }
        format!("{}{ELLIPSIS}", text[..end].trim_end())
    }

    /// `text` broken into lines no wider than `width`, at spaces where it can and inside a word
    /// only when the word alone is too wide. More than `max_lines` lines are cut, the last one
    /// ending in an ellipsis. Empty text gives one empty line.
    pub fn wrap(&self, text: &str, size: f32, width: f32, max_lines: usize) -> Vec<String> {
        let space = self.width(" ", size);
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            let word_width = self.width(word, size);
            if !line.is_empty() && line_width + space + word_width <= width {
                line.push(' ');
                line.push_str(word);
                line_width += space + word_width;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the column (a long code, a URL) is broken where it must be.
            let mut rest = word;
            while self.width(rest, size) > width {
                let cut = self.prefix_fitting(rest, size, width);
                lines.push(rest[..cut].to_owned());
                rest = &rest[cut..];
            }
            line = rest.to_owned();
            line_width = self.width(rest, size);
        }
        lines.push(line);
        let max_lines = max_lines.max(1);
        if lines.len() > max_lines {
            // The cut line ends in an ellipsis, so a reader sees that the text goes on.
            let tail = lines[max_lines - 1..].join(" ");
            lines.truncate(max_lines - 1);
            lines.push(self.fit(&format!("{tail}{ELLIPSIS}"), size, width));
        }
        lines
    }

    /// The byte length of the longest prefix of `text` that fits `width`: at least one character,
    /// so wrapping always moves on.
    fn prefix_fitting(&self, text: &str, size: f32, width: f32) -> usize {
        let mut used = 0.0;
        let mut end = 0;
        for (i, c) in text.char_indices() {
            used += self.glyph(c).1 * size;
            if used > width && end > 0 {
                break;
            }
            end = i + c.len_utf8();
        }
        end
    }
}
