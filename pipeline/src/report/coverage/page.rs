//! The coverage page: one self-contained HTML file (inline CSS, inline SVG, no script) drawn from
//! a [`Coverage`]. It opens with the key figures, "how to read this" and a table of every institution.
//! Then comes one panel per institution (small multiples on one scale: bars per year for the
//! description and learning-outcome shares, a bar for degrees with a DS, the unmatched codes).
//! Every text that comes from data goes through [`escape`].

use std::fmt::Write as _;

use super::{Counts, Coverage, InstitutionCoverage, SectionCount};

/// The page's style sheet, kept as a file of its own so it reads as CSS.
const STYLE: &str = include_str!("../coverage.css");

/// Okabe–Ito colours: told apart with every common colour-vision deficiency, and each has at
/// least 3:1 contrast against the white page (WCAG 1.4.11, non-text contrast).
const DESCRIPTION_COLOUR: &str = "#0072B2";
const OUTCOMES_COLOUR: &str = "#D55E00";
const DS_COLOUR: &str = "#009E73";

/// The year of results that have no date (`CoverageRow::year`).
const NO_DATE: i32 = 0;

/// Chart geometry, in SVG user units (pixels at 100 %).
const CHART_WIDTH: u32 = 520;
const LABEL_WIDTH: u32 = 58;
const BAR_WIDTH: u32 = 300;
const BAR_HEIGHT: u32 = 14;
const BAR_GAP: u32 = 3;
const ROW_GAP: u32 = 12;
const LEGEND_HEIGHT: u32 = 26;
const AXIS_HEIGHT: u32 = 20;

/// The whole page.
pub(super) fn render(coverage: &Coverage) -> String {
    let mut html = String::with_capacity(16 * 1024);
    html.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Rikastin: catalogue and Diploma Supplement coverage</title>\n<style>\n",
    );
    html.push_str(STYLE);
    html.push_str("</style>\n</head>\n<body>\n<main>\n");
    html.push_str(
        "<header>\n<h1>Catalogue and Diploma Supplement coverage</h1>\n\
         <p class=\"lead\">How many of the results in the EMREX cache the institutions' own data \
         enriches: course descriptions and learning outcomes from their catalogues, and \
         Diploma Supplements for their degrees.</p>\n</header>\n",
    );
    if coverage.institutions.is_empty() {
        html.push_str(
            "<p class=\"empty\">The cache holds no results yet, so there is nothing to cover. \
             Run a job (<code>rikastin run</code>) and make the report again.</p>\n",
        );
    } else {
        // People look an institution up by name; the JSON keeps the code order.
        let mut institutions: Vec<&InstitutionCoverage> = coverage.institutions.iter().collect();
        institutions
            .sort_by_cached_key(|i| (display_name(i).to_lowercase(), i.institution.clone()));
        key_figures(&mut html, coverage);
        how_to_read(&mut html);
        overview(&mut html, &institutions);
        missing_sections(&mut html, coverage);
        html.push_str(
            "<section>\n<h2>Per institution</h2>\n<p class=\"note\">Every chart has the same \
             scale, 0–100%, so the panels can be compared side by side.</p>\n\
             <div class=\"panels\">\n",
        );
        for (i, institution) in institutions.into_iter().enumerate() {
            panel(&mut html, i, institution);
        }
        html.push_str("</div>\n</section>\n");
    }
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

fn key_figures(html: &mut String, coverage: &Coverage) {
    let t = &coverage.totals;
    html.push_str("<section class=\"figures\" aria-label=\"Key figures\">\n");
    let figure = |html: &mut String, value: String, label: &str, detail: String| {
        let _ = writeln!(
            html,
            "<div class=\"figure\"><span class=\"value\">{value}</span>\
             <span class=\"label\">{label}</span><span class=\"detail\">{detail}</span></div>"
        );
    };
    figure(
        html,
        number(t.results),
        "results in the cache",
        format!(
            "at {} institutions",
            number(coverage.institutions.len() as u64)
        ),
    );
    figure(
        html,
        percent(t.with_description, t.results),
        "with a course description",
        format!("{} results", number(t.with_description)),
    );
    figure(
        html,
        percent(t.with_outcomes, t.results),
        "with learning outcomes",
        format!("{} results", number(t.with_outcomes)),
    );
    figure(
        html,
        percent(t.degrees_with_ds, t.degrees),
        "of degrees with a Diploma Supplement",
        format!(
            "{} of {} degrees",
            number(t.degrees_with_ds),
            number(t.degrees)
        ),
    );
    html.push_str("</section>\n");
}

fn how_to_read(html: &mut String) {
    let _ = write!(
        html,
        "<section class=\"howto\">\n<h2>How to read this</h2>\n<ul>\n\
         <li>A <strong>result</strong> is one completed course, module or degree in the cache \
         (an ELMO learning opportunity instance). Results are counted by the year of their date.</li>\n\
         <li><span class=\"key\" style=\"background:{DESCRIPTION_COLOUR}\"></span><strong>Description</strong> \
         and <span class=\"key\" style=\"background:{OUTCOMES_COLOUR}\"></span><strong>learning outcomes</strong>: \
         the share of results whose course the institution's catalogue describes, in the version \
         valid on the completion date.</li>\n\
         <li><span class=\"key\" style=\"background:{DS_COLOUR}\"></span><strong>Degrees with a DS</strong>: \
         the share of degrees that got a Diploma Supplement from the institution's programme file. \
         Sections a programme file lacks are listed as missing; they are never invented.</li>\n\
         <li><strong>Unmatched course codes</strong> are codes for which the catalogue has no \
         version valid on the completion date: the course is missing, or its validity window \
         does not reach the date. The codes at the top of a list lift the shares the most.</li>\n\
         <li>A dash (–) stands for a share of nothing, for example degrees where there are none.</li>\n\
         </ul>\n</section>\n"
    );
}

/// One table row per institution, so the whole country fits on one screen.
fn overview(html: &mut String, institutions: &[&InstitutionCoverage]) {
    html.push_str(
        "<section>\n<h2>Institutions at a glance</h2>\n<table class=\"overview\">\n<thead><tr>\
         <th scope=\"col\">Institution</th><th scope=\"col\">Code</th>\
         <th scope=\"col\" class=\"num\">Results</th>\
         <th scope=\"col\" class=\"num\">Description</th>\
         <th scope=\"col\" class=\"num\">Learning outcomes</th>\
         <th scope=\"col\" class=\"num\">Degrees with a DS</th>\
         <th scope=\"col\" class=\"num\">Unmatched codes</th></tr></thead>\n<tbody>\n",
    );
    for (i, inst) in institutions.iter().enumerate() {
        let t = &inst.totals;
        let _ = writeln!(
            html,
            "<tr><th scope=\"row\"><a href=\"#institution-{i}\">{name}</a></th>\
             <td class=\"code\">{code}</td><td class=\"num\">{results}</td>\
             <td class=\"num\">{description}</td><td class=\"num\">{outcomes}</td>\
             <td class=\"num\">{ds}</td><td class=\"num\">{codes}</td></tr>",
            name = escape(display_name(inst)),
            code = escape(&inst.institution),
            results = number(t.results),
            description = percent(t.with_description, t.results),
            outcomes = percent(t.with_outcomes, t.results),
            ds = degrees_with_ds(t),
            codes = number(inst.unmatched_codes),
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
}

fn missing_sections(html: &mut String, coverage: &Coverage) {
    html.push_str("<section>\n<h2>Diploma Supplement sections most often missing</h2>\n");
    if coverage.ds_missing.is_empty() {
        html.push_str("<p class=\"note\">No degree lacks a section.</p>\n</section>\n");
        return;
    }
    sections_table(html, &coverage.ds_missing, "All institutions");
    html.push_str("</section>\n");
}

fn sections_table(html: &mut String, sections: &[SectionCount], caption: &str) {
    let _ = writeln!(
        html,
        "<table class=\"list\">\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">Section</th>\
         <th scope=\"col\" class=\"num\">Degrees lacking it</th></tr></thead>\n<tbody>",
        escape(caption)
    );
    for s in sections {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
            escape(&s.section),
            number(s.degrees)
        );
    }
    html.push_str("</tbody>\n</table>\n");
}

/// One institution's panel: the year chart, the DS bar and its lists.
fn panel(html: &mut String, index: usize, inst: &InstitutionCoverage) {
    let t = &inst.totals;
    let mut dated = inst.years.iter().filter(|y| y.year != NO_DATE);
    let span = match (dated.next(), dated.next_back()) {
        (Some(first), Some(last)) => format!("{}–{}", first.year, last.year),
        (Some(only), None) => only.year.to_string(),
        _ => "no dates".to_owned(),
    };
    let _ = writeln!(
        html,
        "<article class=\"panel\" id=\"institution-{index}\">\n<h3>{name} \
         <span class=\"code\">{code}</span></h3>\n<p class=\"meta\">{results} results, {span}; \
         {description} with a description, {outcomes} with learning outcomes.</p>",
        name = escape(display_name(inst)),
        code = escape(&inst.institution),
        results = number(t.results),
        description = percent(t.with_description, t.results),
        outcomes = percent(t.with_outcomes, t.results),
    );
    year_chart(html, index, inst);
    ds_bar(html, t);

    html.push_str("<h4>Unmatched course codes</h4>\n");
    if inst.unmatched.is_empty() {
        html.push_str("<p class=\"note\">Every course code found a catalogue version.</p>\n");
    } else {
        let shown = if inst.unmatched_codes > inst.unmatched.len() as u64 {
            format!(
                "The {} most frequent of {} codes",
                inst.unmatched.len(),
                number(inst.unmatched_codes)
            )
        } else {
            counted(inst.unmatched_codes, "code", "codes")
        };
        let _ = writeln!(
            html,
            "<table class=\"list\">\n<caption>{shown}; {results} in all</caption>\n\
             <thead><tr><th scope=\"col\">Course code</th>\
             <th scope=\"col\" class=\"num\">Results</th></tr></thead>\n<tbody>",
            results = counted(t.unmatched, "result", "results"),
        );
        for c in &inst.unmatched {
            let _ = writeln!(
                html,
                "<tr><td class=\"code\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&c.course_code),
                number(c.results)
            );
        }
        html.push_str("</tbody>\n</table>\n");
    }
    if t.without_code > 0 {
        let _ = writeln!(
            html,
            "<p class=\"note\">{} no course code to look up.</p>",
            if t.without_code == 1 {
                "1 result has".to_owned()
            } else {
                format!("{} results have", number(t.without_code))
            }
        );
    }
    if !inst.ds_missing.is_empty() {
        html.push_str("<h4>Missing Diploma Supplement sections</h4>\n");
        sections_table(html, &inst.ds_missing, "Sections the programme files lack");
    }
    html.push_str("</article>\n");
}

/// Two bars per year (description, outcomes), with the share and the count beside each.
fn year_chart(html: &mut String, index: usize, inst: &InstitutionCoverage) {
    let row_height = 2 * BAR_HEIGHT + BAR_GAP + ROW_GAP;
    let rows = inst.years.len() as u32;
    let height = LEGEND_HEIGHT + rows * row_height + AXIS_HEIGHT;
    let x0 = LABEL_WIDTH;
    let _ = writeln!(
        html,
        "<svg class=\"chart\" viewBox=\"0 0 {CHART_WIDTH} {height}\" width=\"{CHART_WIDTH}\" \
         height=\"{height}\" role=\"img\" aria-labelledby=\"chart-{index}\">\n\
         <title id=\"chart-{index}\">{name}: share of results with a description and with learning \
         outcomes, per year</title>",
        name = escape(display_name(inst)),
    );
    // Legend.
    let _ = writeln!(
        html,
        "<rect x=\"{x0}\" y=\"4\" width=\"12\" height=\"12\" fill=\"{DESCRIPTION_COLOUR}\"/>\
         <text x=\"{}\" y=\"14\" class=\"legend\">Description</text>\
         <rect x=\"{}\" y=\"4\" width=\"12\" height=\"12\" fill=\"{OUTCOMES_COLOUR}\"/>\
         <text x=\"{}\" y=\"14\" class=\"legend\">Learning outcomes</text>",
        x0 + 17,
        x0 + 110,
        x0 + 127
    );
    // Grid lines at every quarter, under the bars.
    let bottom = LEGEND_HEIGHT + rows * row_height;
    for quarter in 0..=4 {
        let x = x0 + BAR_WIDTH * quarter / 4;
        let _ = writeln!(
            html,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{bottom}\" class=\"grid\"/>\
             <text x=\"{x}\" y=\"{}\" class=\"tick\">{}%</text>",
            LEGEND_HEIGHT - 4,
            bottom + 14,
            quarter * 25
        );
    }
    for (i, y) in inst.years.iter().enumerate() {
        let top = LEGEND_HEIGHT + i as u32 * row_height;
        let c = &y.counts;
        let _ = writeln!(
            html,
            "<text x=\"{}\" y=\"{}\" class=\"year\">{}</text>",
            x0 - 8,
            top + BAR_HEIGHT + BAR_GAP / 2 + 4,
            year_label(y.year)
        );
        bar(html, top, c.with_description, c.results, DESCRIPTION_COLOUR);
        bar(
            html,
            top + BAR_HEIGHT + BAR_GAP,
            c.with_outcomes,
            c.results,
            OUTCOMES_COLOUR,
        );
    }
    html.push_str("</svg>\n");
}

/// One horizontal bar on a light track of 100 %, labelled "73% · 146 of 200".
fn bar(html: &mut String, top: u32, part: u64, whole: u64, colour: &str) {
    let x0 = LABEL_WIDTH;
    let width = if whole == 0 {
        0.0
    } else {
        BAR_WIDTH as f64 * part as f64 / whole as f64
    };
    let _ = writeln!(
        html,
        "<rect x=\"{x0}\" y=\"{top}\" width=\"{BAR_WIDTH}\" height=\"{BAR_HEIGHT}\" class=\"track\"/>\
         <rect x=\"{x0}\" y=\"{top}\" width=\"{width:.1}\" height=\"{BAR_HEIGHT}\" fill=\"{colour}\"/>\
         <text x=\"{}\" y=\"{}\" class=\"value\">{} · {} of {}</text>",
        x0 + BAR_WIDTH + 6,
        top + BAR_HEIGHT - 2,
        percent(part, whole),
        number(part),
        number(whole)
    );
}

/// The degrees with a DS as one bar (or a sentence when there are no degrees).
fn ds_bar(html: &mut String, t: &Counts) {
    if t.degrees == 0 {
        html.push_str("<p class=\"note\">No degrees of this institution in the cache.</p>\n");
        return;
    }
    let height = BAR_HEIGHT + 22;
    let _ = writeln!(
        html,
        "<svg class=\"chart\" viewBox=\"0 0 {CHART_WIDTH} {height}\" width=\"{CHART_WIDTH}\" \
         height=\"{height}\" role=\"img\" aria-label=\"Degrees with a Diploma Supplement: {} of {}\">\n\
         <text x=\"{LABEL_WIDTH}\" y=\"12\" class=\"legend\">Degrees with a Diploma Supplement</text>",
        number(t.degrees_with_ds),
        number(t.degrees)
    );
    bar(html, 18, t.degrees_with_ds, t.degrees, DS_COLOUR);
    html.push_str("</svg>\n");
}

/// The year as the chart labels it.
fn year_label(year: i32) -> String {
    if year == NO_DATE {
        "no date".to_owned()
    } else {
        year.to_string()
    }
}

/// "53% (17 of 32)", or a dash alone when there are no degrees.
fn degrees_with_ds(t: &Counts) -> String {
    if t.degrees == 0 {
        return percent(0, 0);
    }
    format!(
        "{} <span class=\"of\">({} of {})</span>",
        percent(t.degrees_with_ds, t.degrees),
        number(t.degrees_with_ds),
        number(t.degrees)
    )
}

/// The name to show; the code when the results gave no name.
fn display_name(inst: &InstitutionCoverage) -> &str {
    if inst.name.trim().is_empty() {
        &inst.institution
    } else {
        &inst.name
    }
}

/// A whole percentage of `part / whole`. It shows 100% only when every result counts and 0%
/// only when none does, so a last missing course never rounds away. A dash over nothing.
pub(super) fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".to_owned();
    }
    if part >= whole {
        return "100%".to_owned();
    }
    if part == 0 {
        return "0%".to_owned();
    }
    let rounded = (part as f64 * 100.0 / whole as f64)
        .round()
        .clamp(1.0, 99.0);
    format!("{rounded:.0}%")
}

/// "1 code", "12 codes".
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", number(n), if n == 1 { one } else { many })
}

/// Digits in groups of three with a thin space (the SI style, readable in both languages).
fn number(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202F}');
        }
        out.push(ch);
    }
    out
}

/// Escapes text for HTML element content and for quoted attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}
