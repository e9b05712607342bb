//! Catalogue text for ELMO: `descriptionHtml` may hold only simple, safe HTML, and
//! `description` must be readable plain text (elmo.md §3). Institutions' texts (Sisu, OOAPI)
//! are HTML or limited Markdown of any quality, so both outputs go through an allow-list
//! sanitiser (ammonia, on html5ever), never through hand-written tag stripping.

use std::collections::HashSet;
use std::sync::LazyLock;

/// Tags `descriptionHtml` keeps (elmo.md §3: simple HTML).
const ALLOWED_TAGS: &[&str] = &["p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "a"];

/// Tags whose content goes with them, not only the tag.
const DROPPED_WITH_CONTENT: &[&str] = &["script", "style"];

/// Tags that end a line in plain text; anything else is only unwrapped.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "br",
    "ul",
    "ol",
    "li",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "tr",
    "dl",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "hr",
];

/// Cleans HTML down to the allow-list: `p`, `br`, `ul`, `ol`, `li`, `strong`, `b`, `em`, `i`,
/// and `a` with an absolute `http`/`https` `href` only, to which `rel="noopener noreferrer"` is
/// added. Every other tag is removed (its text stays), every other attribute too, and
/// `script` and `style` go with their content. Plain text comes back escaped.
pub fn sanitize(html: &str) -> String {
    // Built once: building ammonia's allow-lists cost more than cleaning a course's text.
    static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
        let mut builder = ammonia::Builder::empty();
        builder
            .tags(ALLOWED_TAGS.iter().copied().collect())
            .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
            .tag_attributes(std::iter::once(("a", HashSet::from(["href"]))).collect())
            .url_schemes(HashSet::from(["http", "https"]))
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some("noopener noreferrer"))
            .strip_comments(true);
        builder
    });
    SANITIZER.clean(html).to_string()
}

/// Readable plain text from HTML or from text: tags removed (`script` and `style` with their
/// content), entities decoded, block elements (`p`, `br`, `li`, headings, ...) become line
/// breaks, list items start with `- ` (indented two spaces per level of nesting), runs of
/// whitespace become one space, and at most one blank line separates paragraphs.
///
/// Text with no tags keeps its own line breaks.
pub fn to_plain(html_or_text: &str) -> String {
    let html = if has_tags(html_or_text) {
        html_or_text.to_owned()
    } else {
        // No markup: the author's line breaks are meant, so keep them through the HTML parser.
        html_or_text.replace("\r\n", "\n").replace('\n', "<br>")
    };
    // Keep only structure (no attributes, no links, no inline tags) so that what remains to
    // walk is html5ever's canonical serialisation of a handful of block tags.
    static STRUCTURE: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
        let mut builder = ammonia::Builder::empty();
        builder
            .tags(BLOCK_TAGS.iter().copied().collect())
            .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
            .strip_comments(true);
        builder
    });
    let clean = STRUCTURE.clean(&html).to_string();
    let mut out = Plain::default();
    let mut rest = clean.as_str();
    while let Some(lt) = rest.find('<') {
        out.text(&decode(&rest[..lt]));
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        out.tag(&rest[lt + 1..lt + gt]);
        rest = &rest[lt + gt + 1..];
    }
    out.text(&decode(rest));
    out.finish()
}

/// Escapes text for HTML: `&`, `<`, `>`, `"` and `'`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text as simple HTML: paragraphs (split at blank lines) in `<p>`, line breaks as
/// `<br>`, everything escaped.
pub fn text_to_html(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::new();
    for paragraph in text.split("\n\n") {
        let lines: Vec<String> = paragraph
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(escape)
            .collect();
        if !lines.is_empty() {
            out.push_str("<p>");
            out.push_str(&lines.join("<br>"));
            out.push_str("</p>");
        }
    }
    out
}

/// Whether the text holds markup: a tag (`<p>`, `</li>`, `<br/>`) or a comment. Entities alone
/// do not count: the parser decodes them either way.
fn has_tags(s: &str) -> bool {
    s.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

/// Decodes the entities html5ever's serialiser writes in text (`&amp;`, `&lt;`, `&gt;`,
/// `&nbsp;`, `&quot;`), plus numeric ones; the parser has already decoded the input's own.
fn decode(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Plain text being built line by line.
#[derive(Default)]
struct Plain {
    lines: Vec<String>,
    current: String,
    /// The current line has only its list marker (or nothing) so far.
    at_start: bool,
    /// Depth of nested lists.
    depth: usize,
}

impl Plain {
    fn text(&mut self, s: &str) {
        for c in s.chars() {
            if c.is_whitespace() {
                if !self.at_start && !self.current.is_empty() && !self.current.ends_with(' ') {
                    self.current.push(' ');
                }
            } else {
                self.current.push(c);
                self.at_start = false;
            }
        }
    }

    /// Ends the current line, if it has anything.
    fn newline(&mut self) {
        let line = self.current.trim_end().to_owned();
        if !line.trim().is_empty() {
            self.lines.push(line);
        }
        self.current.clear();
        self.at_start = true;
    }

    /// Ends the current line and leaves one blank line after it.
    fn paragraph(&mut self) {
        self.newline();
        if self.lines.last().is_some_and(|l| !l.is_empty()) {
            self.lines.push(String::new());
        }
    }

    fn tag(&mut self, inside: &str) {
        let closing = inside.starts_with('/');
        let name = inside
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match (name.as_str(), closing) {
            ("br", _) => {
                // A `<br>` on an empty line is a deliberate blank line.
                if self.current.trim().is_empty()
                    && self.lines.last().is_some_and(|l| !l.is_empty())
                {
                    self.lines.push(String::new());
                }
                self.newline();
            }
            ("ul" | "ol", false) => {
                self.newline();
                self.depth += 1;
            }
            ("ul" | "ol", true) => {
                self.newline();
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    self.paragraph();
                }
            }
            ("li", false) => {
                self.newline();
                self.current = format!("{}- ", "  ".repeat(self.depth.saturating_sub(1)));
                self.at_start = true;
            }
            ("li" | "dt" | "dd" | "tr", true) => self.newline(),
            (
                "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "pre"
                | "table" | "section" | "article" | "header" | "footer" | "dl" | "hr",
                _,
            ) => {
                if self.depth > 0 {
                    self.newline();
                } else {
                    self.paragraph();
                }
            }
            _ => self.newline(),
        }
    }

    fn finish(mut self) -> String {
        self.newline();
        // Marker-only lines (an empty `<li>`) say nothing.
        self.lines.retain(|l| l.trim() != "-");
        let mut out: Vec<&str> = Vec::with_capacity(self.lines.len());
        for line in &self.lines {
            if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
                continue;
            }
            out.push(line);
        }
        while out.last().is_some_and(|l| l.is_empty()) {
            out.pop();
        }
        out.join("\n")
    }
}
