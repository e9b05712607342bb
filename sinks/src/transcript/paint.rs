//! Draws laid-out pages with krilla and returns the PDF bytes. Krilla embeds only the glyphs
//! used (font subsetting) and compresses the content streams, which keeps a transcript small.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::{Document, SerializeSettings};

use super::TranscriptError;
use super::face::Faces;
use super::layout::{Colour, Op, PAGE_HEIGHT, PAGE_WIDTH};

/// What the PDF says about itself.
pub(super) struct Info {
    pub title: String,
    pub lang: &'static str,
    pub issued: elmo::Date,
}

pub(super) fn pdf(
    faces: &Faces,
    pages: &[Vec<Op>],
    info: Info,
) -> Result<Vec<u8>, TranscriptError> {
    let mut doc = Document::new_with(SerializeSettings::default());
    // The issue date stands in for a creation time, so the same input gives the same bytes.
    let created = DateTime::new(info.issued.year())
        .month(info.issued.month())
        .day(info.issued.day());
    doc.set_metadata(
        Metadata::new()
            .title(info.title)
            .language(info.lang.to_owned())
            .creator("Rikastin".to_owned())
            .creation_date(created),
    );
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| TranscriptError::Pdf("the A4 page size was refused".to_owned()))?;
    for ops in pages {
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold,
                    colour,
                    text,
                } => {
                    let face = faces.get(*bold);
                    surface.set_stroke(None);
                    surface.set_fill(Some(fill(*colour)));
                    surface.draw_glyphs(
                        Point::from_xy(*x, *y),
                        &face.glyphs(text),
                        face.font.clone(),
                        text,
                        *size,
                        false,
                    );
                }
                Op::Rule {
                    x1,
                    x2,
                    y,
                    width,
                    colour,
                } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1, *y);
                    path.line_to(*x2, *y);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: rgb(*colour).into(),
                            width: *width,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
                Op::Fill { x, y, w, h, colour } => {
                    let mut path = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        path.push_rect(rect);
                    }
                    if let Some(path) = path.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(fill(*colour)));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| {
        TranscriptError::Pdf(match e {
            // The font itself is not shown: its Debug output is the whole font.
            krilla::error::KrillaError::Font(_, reason) => format!("embedding a font: {reason}"),
            other => format!("{other:?}"),
        })
    })
}

fn rgb((r, g, b): Colour) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

fn fill(colour: Colour) -> Fill {
    Fill {
        paint: rgb(colour).into(),
        ..Fill::default()
    }
}
