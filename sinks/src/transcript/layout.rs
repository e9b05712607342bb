//! Places a [`Sheet`] on A4 pages: a header with the learner, per report the issuer and a table
//! with fixed column widths, totals and grading scales, and a footer with page numbers.
//!
//! Layout is a pure pass that yields drawing operations per page, so the page count is known
//! before anything is drawn and every footer can say `2 / 3`.

use super::face::Faces;
use super::sheet::{ReportBlock, Row, Sheet};

/// A4 in PDF points.
pub(super) const PAGE_WIDTH: f32 = 595.28;
pub(super) const PAGE_HEIGHT: f32 = 841.89;

const LEFT: f32 = 48.0;
const RIGHT: f32 = PAGE_WIDTH - 48.0;
const TOP: f32 = 48.0;
/// Content stops here; the footer sits below.
const BOTTOM: f32 = PAGE_HEIGHT - 62.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 34.0;

/// Table columns: code, title, date, credits, grade. The title takes what the others leave.
const COLUMN_WIDTHS: [f32; 5] = [80.0, 0.0, 60.0, 64.0, 72.0];
/// Space inside a cell on each side.
const PAD: f32 = 4.0;
/// Extra space before the grade, so it does not read as part of the credits.
const GRADE_GAP: f32 = 6.0;
/// Indent of a result's title per level below a degree or module.
const INDENT: f32 = 8.0;
/// At most this many nesting levels are indented, so deep trees keep room for the title.
const MAX_INDENT_LEVELS: usize = 4;

const TABLE_SIZE: f32 = 8.5;
const TABLE_LEADING: f32 = 10.5;
const SMALL_SIZE: f32 = 7.5;
const SMALL_LEADING: f32 = 9.5;

/// An RGB colour.
pub(super) type Colour = (u8, u8, u8);
const INK: Colour = (0x1a, 0x1a, 0x1a);
const ACCENT: Colour = (0x1f, 0x3a, 0x5f);
const MUTED: Colour = (0x5a, 0x5a, 0x5a);
const RULE: Colour = (0xc8, 0xc8, 0xc8);
const HEADER_FILL: Colour = (0xe8, 0xec, 0xf1);

/// One drawing operation, in points from the top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Op {
    /// Text on one line; `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        colour: Colour,
        text: String,
    },
    /// A horizontal rule.
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
        width: f32,
        colour: Colour,
    },
    /// A filled rectangle.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        colour: Colour,
    },
}

/// Lays `sheet` out; one `Vec<Op>` per page, footers included.
pub(super) fn pages(sheet: &Sheet, faces: &Faces) -> Vec<Vec<Op>> {
    let mut l = Layout {
        faces,
        sheet,
        pages: vec![Vec::new()],
        y: TOP,
        columns: columns(),
    };
    l.header();
    for report in &sheet.reports {
        l.report(report);
    }
    l.gap(10.0);
    l.paragraph(sheet.labels.note, SMALL_SIZE, SMALL_LEADING, MUTED);
    l.footers();
    l.pages
}

/// Left edge and width of each table column.
fn columns() -> [(f32, f32); 5] {
    let fixed: f32 = COLUMN_WIDTHS.iter().sum();
    let mut out = [(0.0, 0.0); 5];
    let mut x = LEFT;
    for (i, w) in COLUMN_WIDTHS.iter().enumerate() {
        let w = if *w == 0.0 { RIGHT - LEFT - fixed } else { *w };
        out[i] = (x, w);
        x += w;
    }
    out
}

struct Layout<'a> {
    faces: &'a Faces,
    sheet: &'a Sheet,
    pages: Vec<Vec<Op>>,
    /// Top of the free space on the current page.
    y: f32,
    columns: [(f32, f32); 5],
}

impl Layout<'_> {
    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    fn text(&mut self, x: f32, baseline: f32, size: f32, bold: bool, colour: Colour, text: &str) {
        if !text.is_empty() {
            self.push(Op::Text {
                x,
                y: baseline,
                size,
                bold,
                colour,
                text: text.to_owned(),
            });
        }
    }

    /// Text ending at `right`.
    fn text_right(&mut self, right: f32, baseline: f32, size: f32, bold: bool, text: &str) {
        let x = right - self.faces.get(bold).width(text, size);
        self.text(x, baseline, size, bold, INK, text);
    }

    fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// Starts a new page unless `h` points still fit on this one; says whether it did.
    fn ensure(&mut self, h: f32) -> bool {
        if self.y + h <= BOTTOM || self.y <= TOP {
            return false;
        }
        self.pages.push(Vec::new());
        self.y = TOP;
        true
    }

    /// The baseline of a line of `size` text in a line box of `leading` starting at `top`.
    fn baseline(top: f32, size: f32, leading: f32) -> f32 {
        top + (leading - size) / 2.0 + size * 0.8
    }

    /// Wrapped text across the full width, breaking pages between lines.
    fn paragraph(&mut self, text: &str, size: f32, leading: f32, colour: Colour) {
        let lines = self
            .faces
            .regular
            .wrap(text, size, RIGHT - LEFT, usize::MAX);
        for line in lines {
            self.ensure(leading);
            let baseline = Self::baseline(self.y, size, leading);
            self.text(LEFT, baseline, size, false, colour, &line);
            self.y += leading;
        }
    }

    fn header(&mut self) {
        let labels = self.sheet.labels;
        self.text(LEFT, self.y + 20.0, 20.0, true, ACCENT, labels.title);
        self.y += 28.0;
        self.text(LEFT, self.y + 11.0, 11.0, false, MUTED, labels.subtitle);
        self.y += 20.0;
        self.push(Op::Rule {
            x1: LEFT,
            x2: RIGHT,
            y: self.y,
            width: 0.8,
            colour: ACCENT,
        });
        self.y += 10.0;
        let value_x = LEFT + 90.0;
        let fields = [
            (labels.name, &self.sheet.name),
            (labels.birth_date, &self.sheet.birth_date),
            (labels.issued, &self.sheet.issued),
        ];
        for (label, value) in fields {
            let baseline = Self::baseline(self.y, 10.0, 15.0);
            self.text(LEFT, baseline, 9.0, false, MUTED, label);
            let value = self.faces.bold.fit(value, 10.0, RIGHT - value_x);
            self.text(value_x, baseline, 10.0, true, INK, &value);
            self.y += 15.0;
        }
        self.y += 14.0;
    }

    fn report(&mut self, report: &ReportBlock) {
        let name_lines = self.faces.bold.wrap(&report.issuer, 12.0, RIGHT - LEFT, 2);
        let detail_lines =
            self.faces
                .regular
                .wrap(&report.issuer_details, SMALL_SIZE, RIGHT - LEFT, 3);
        // Keep the issuer with its table header and the first rows.
        let head = name_lines.len() as f32 * 15.0 + detail_lines.len() as f32 * SMALL_LEADING;
        self.ensure(head + 6.0 + 16.0 + 3.0 * (TABLE_LEADING + 5.0));
        for line in &name_lines {
            let baseline = Self::baseline(self.y, 12.0, 15.0);
            self.text(LEFT, baseline, 12.0, true, ACCENT, line);
            self.y += 15.0;
        }
        for line in &detail_lines {
            let baseline = Self::baseline(self.y, SMALL_SIZE, SMALL_LEADING);
            self.text(LEFT, baseline, SMALL_SIZE, false, MUTED, line);
            self.y += SMALL_LEADING;
        }
        self.gap(6.0);
        self.table_header();
        if report.rows.is_empty() {
            let baseline = Self::baseline(self.y, TABLE_SIZE, 16.0);
            let text = self.sheet.labels.no_results;
            self.text(LEFT + PAD, baseline, TABLE_SIZE, false, MUTED, text);
            self.y += 16.0;
        }
        for row in &report.rows {
            self.row(row, &report.issuer);
        }
        if let Some(totals) = &report.totals {
            let right = self.columns[3].0 + self.columns[3].1 - PAD;
            let width = right - (self.columns[1].0 + PAD);
            for line in self.faces.bold.wrap(totals, TABLE_SIZE, width, 3) {
                self.ensure(TABLE_LEADING + 6.0);
                let baseline = Self::baseline(self.y + 3.0, TABLE_SIZE, TABLE_LEADING);
                self.text_right(right, baseline, TABLE_SIZE, true, &line);
                self.y += TABLE_LEADING + 3.0;
            }
        }
        if !report.scales.is_empty() {
            self.gap(8.0);
            self.ensure(2.0 * SMALL_LEADING + 2.0);
            let baseline = Self::baseline(self.y, SMALL_SIZE, SMALL_LEADING);
            let heading = self.sheet.labels.grading_scales;
            self.text(LEFT, baseline, SMALL_SIZE, true, MUTED, heading);
            self.y += SMALL_LEADING + 1.0;
            for scale in &report.scales {
                // Scale descriptions may list one grade per line (elmo.md §2.10: line breaks
                // in plain text must be shown).
                for line in scale.lines() {
                    let line = super::sheet::clean(line);
                    if !line.is_empty() {
                        self.paragraph(&line, SMALL_SIZE, SMALL_LEADING, MUTED);
                    }
                }
                self.gap(2.0);
            }
        }
        self.gap(18.0);
    }

    fn table_header(&mut self) {
        let h = 16.0;
        self.push(Op::Fill {
            x: LEFT,
            y: self.y,
            w: RIGHT - LEFT,
            h,
            colour: HEADER_FILL,
        });
        let baseline = Self::baseline(self.y, SMALL_SIZE, h);
        let headings = self.sheet.labels.columns;
        for (i, heading) in headings.iter().enumerate() {
            let (x, w) = self.columns[i];
            if i == 3 {
                let right = x + w - PAD;
                let hx = right - self.faces.bold.width(heading, SMALL_SIZE);
                self.text(hx, baseline, SMALL_SIZE, true, ACCENT, heading);
            } else {
                let x = if i == 4 { x + GRADE_GAP } else { x };
                self.text(x + PAD, baseline, SMALL_SIZE, true, ACCENT, heading);
            }
        }
        self.y += h;
    }

    fn row(&mut self, row: &Row, issuer: &str) {
        let faces = self.faces;
        let face = faces.get(row.strong);
        let indent = row.depth.min(MAX_INDENT_LEVELS) as f32 * INDENT;
        let inner = |i: usize| self.columns[i].1 - 2.0 * PAD;
        let code = self.faces.regular.wrap(&row.code, TABLE_SIZE, inner(0), 2);
        let title = face.wrap(&row.title, TABLE_SIZE, inner(1) - indent, 3);
        let date = self.faces.regular.fit(&row.date, TABLE_SIZE, inner(2));
        let credits = self
            .faces
            .regular
            .wrap(&row.credits, TABLE_SIZE, inner(3), 2);
        let grade = faces
            .regular
            .wrap(&row.grade, TABLE_SIZE, inner(4) - GRADE_GAP, 2);
        let lines = [code.len(), title.len(), credits.len(), grade.len()]
            .into_iter()
            .max()
            .unwrap_or(1);
        let h = lines as f32 * TABLE_LEADING + 5.0;
        if self.ensure(h) {
            // The table goes on: say whose it is and repeat the column headings.
            let continued = format!("{} {}", issuer, self.sheet.labels.continued);
            let continued = self.faces.bold.fit(&continued, 9.0, RIGHT - LEFT);
            let baseline = Self::baseline(self.y, 9.0, 13.0);
            self.text(LEFT, baseline, 9.0, true, ACCENT, &continued);
            self.y += 15.0;
            self.table_header();
        }
        let top = self.y + 2.5;
        let line_y =
            |n: usize| Self::baseline(top + n as f32 * TABLE_LEADING, TABLE_SIZE, TABLE_LEADING);
        let (x0, _) = self.columns[0];
        for (n, line) in code.iter().enumerate() {
            self.text(x0 + PAD, line_y(n), TABLE_SIZE, false, INK, line);
        }
        let (x1, _) = self.columns[1];
        for (n, line) in title.iter().enumerate() {
            self.text(
                x1 + PAD + indent,
                line_y(n),
                TABLE_SIZE,
                row.strong,
                INK,
                line,
            );
        }
        let (x2, _) = self.columns[2];
        self.text(x2 + PAD, line_y(0), TABLE_SIZE, false, INK, &date);
        let (x3, w3) = self.columns[3];
        for (n, line) in credits.iter().enumerate() {
            self.text_right(x3 + w3 - PAD, line_y(n), TABLE_SIZE, false, line);
        }
        let (x4, _) = self.columns[4];
        for (n, line) in grade.iter().enumerate() {
            self.text(
                x4 + PAD + GRADE_GAP,
                line_y(n),
                TABLE_SIZE,
                false,
                INK,
                line,
            );
        }
        self.y += h;
        self.push(Op::Rule {
            x1: LEFT,
            x2: RIGHT,
            y: self.y,
            width: 0.3,
            colour: RULE,
        });
    }

    /// Name, birth date and `n / total` on every page, so a loose page still says whose it is.
    fn footers(&mut self) {
        let total = self.pages.len();
        let sheet = self.sheet;
        let left = format!(
            "{} · {} · {}",
            sheet.labels.title, sheet.name, sheet.birth_date
        );
        let left = self
            .faces
            .regular
            .fit(&left, SMALL_SIZE, (RIGHT - LEFT) * 0.8);
        for (i, page) in self.pages.iter_mut().enumerate() {
            let number = format!("{} / {}", i + 1, total);
            let number_x = RIGHT - self.faces.regular.width(&number, SMALL_SIZE);
            page.push(Op::Rule {
                x1: LEFT,
                x2: RIGHT,
                y: FOOTER_BASELINE - 11.0,
                width: 0.4,
                colour: RULE,
            });
            for (x, text) in [(LEFT, left.clone()), (number_x, number)] {
                page.push(Op::Text {
                    x,
                    y: FOOTER_BASELINE,
                    size: SMALL_SIZE,
                    bold: false,
                    colour: MUTED,
                    text,
                });
            }
        }
    }
}
