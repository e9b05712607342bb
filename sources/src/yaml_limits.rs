//! Limits every YAML input is checked against before a value is built (issue 19): a 9 KB file of
//! nested aliases grew to 5.7 GB, and 100k levels of nesting took the parser quadratic time.
//!
//! The scan reads the text once, outside quoted scalars, comments and block scalars (`|`, `>`),
//! and refuses: a file larger than [`MAX_BYTES`]; any alias (`*name`): no configuration,
//! mapping or catalogue needs one, and every YAML bomb is made of them; and flow (`[`, `{`) or
//! compact-sequence (`- - -`) nesting deeper than [`MAX_DEPTH`].

/// The largest YAML file read: a big university's catalogue is a few megabytes.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
/// The deepest nesting of flow collections or compact sequences on one line.
pub const MAX_DEPTH: usize = 64;

/// Why a YAML text was refused, with the 1-based line and column where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlLimit {
    /// 1-based line, 0 for the whole file.
    pub line: usize,
    /// 1-based column, 0 for the whole file.
    pub column: usize,
    /// What was refused, and the limit.
    pub message: String,
}

/// Checks `text` against the limits; `Ok` when a parser may read it.
pub fn check(text: &str) -> Result<(), YamlLimit> {
    if text.len() > MAX_BYTES {
        return Err(YamlLimit {
            line: 0,
            column: 0,
            message: format!("the file is larger than {} MB", MAX_BYTES / (1024 * 1024)),
        });
    }
    // Inside a block scalar: lines indented more than this belong to it.
    let mut block_indent: Option<usize> = None;
    let mut flow_depth = 0usize;
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let content = line.trim_start_matches(' ');
        if let Some(key_indent) = block_indent {
            if content.is_empty() || indent > key_indent {
                continue;
            }
            block_indent = None;
        }
        let at = |column: usize, message: String| YamlLimit {
            line: n + 1,
            column: column + 1,
            message,
        };
        // Compact sequences: `- - - x` nests one level per dash.
        let mut dashes = 0;
        let mut rest = content;
        while let Some(after) = rest
            .strip_prefix("- ")
            .or_else(|| (rest == "-").then_some(""))
        {
            dashes += 1;
            rest = after.trim_start_matches(' ');
        }
        if dashes > MAX_DEPTH {
            return Err(at(
                indent,
                format!("sequences nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let mut quote: Option<char> = None;
        let mut previous = ' ';
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (i, &(byte, c)) in chars.iter().enumerate() {
            match quote {
                Some('\'') if c == '\'' => quote = None,
                Some('"') if c == '"' && previous != '\\' => quote = None,
                Some(_) => {}
                None => match c {
                    '#' if previous == ' ' || byte == 0 => break,
                    '\'' | '"' if matches!(previous, ' ' | '[' | '{' | ',' | ':') || byte == 0 => {
                        quote = Some(c)
                    }
                    '[' | '{'
                        if matches!(previous, ' ' | '[' | '{' | ',' | ':' | '-') || byte == 0 =>
                    {
                        flow_depth += 1;
                        if flow_depth > MAX_DEPTH {
                            return Err(at(
                                byte,
                                format!("collections nested deeper than {MAX_DEPTH} levels"),
                            ));
                        }
                    }
                    ']' | '}' => flow_depth = flow_depth.saturating_sub(1),
                    '*' if matches!(previous, ' ' | '[' | '{' | ',' | '-') || byte == 0 => {
                        let next = chars.get(i + 1).map(|&(_, c)| c);
                        if next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
                            return Err(at(
                                byte,
                                "YAML aliases (`*name`) are not allowed in Rikastin's files".into(),
                            ));
                        }
                    }
                    '|' | '>' if matches!(previous, ' ' | ':') => {
                        // A block scalar starts when the indicator ends the line's content.
                        let tail = line[byte + 1..].trim();
                        let tail = tail.split(" #").next().unwrap_or("").trim();
                        if tail.chars().all(|c| matches!(c, '+' | '-' | '0'..='9')) {
                            block_indent = Some(indent);
                            break;
                        }
                    }
                    _ => {}
                },
            }
            previous = c;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_files_pass() {
        let text = "a: 1\nb: [1, {c: 'x*y'}]\nd: \"*not an alias\"\ne: |\n  * a bullet\n  - [[[\nf: x # *comment\ng: 5*3\n";
        assert_eq!(check(text), Ok(()));
        let shipped = [
            "virta.yaml",
            "koski.yaml",
            "institutions.yaml",
            "enrichment.yaml",
        ];
        for name in shipped {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../mappings")
                .join(name);
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(check(&text), Ok(()), "{name}");
        }
    }

    #[test]
    fn a_yaml_bomb_is_refused_at_its_first_alias() {
        let bomb =
            "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
        let e = check(bomb).unwrap_err();
        assert_eq!((e.line, e.column), (2, 8));
        assert!(e.message.contains("aliases"), "{}", e.message);
        assert!(check("- *anchor\n").is_err());
    }

    #[test]
    fn deep_nesting_is_refused_before_any_parse() {
        let deep = format!("x: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let e = check(&deep).unwrap_err();
        assert_eq!((e.line, e.column), (1, 3 + MAX_DEPTH + 1));
        let dashes = format!("{}x\n", "- ".repeat(200));
        assert!(
            check(&dashes)
                .unwrap_err()
                .message
                .contains("sequences nested")
        );
        let ok = format!("x: {}{}\n", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(check(&ok), Ok(()));
    }
}
