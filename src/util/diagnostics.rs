//! Positioned problems in an input file (baseline profile, waivers): every
//! problem is collected and reported with its line and column, as cargo-deny
//! does for its configuration, instead of stopping at the first.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// Every problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(|d| d.to_string()).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// The 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut end = offset;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// Collects diagnostics for one file's text.
pub struct Collector<'a> {
    pub file: &'a Path,
    pub text: &'a str,
    pub found: Vec<Diagnostic>,
    /// Byte offset of each line's start: a position is found by binary
    /// search, so positioning n entries of a long file is not quadratic.
    line_starts: Vec<usize>,
}

impl<'a> Collector<'a> {
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Collector {
            file,
            text,
            found: Vec::new(),
            line_starts,
        }
    }

    /// [`line_col`] of a byte offset of this file, in time of the log of its lines.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        (line, self.text[start..offset].chars().count() + 1)
    }

    /// Records a problem at a span (or at the start of the file when unknown).
    pub fn at(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        let (line, column) = self.line_col(span.map(|s| s.start).unwrap_or(0));
        self.found.push(Diagnostic {
            file: self.file.to_path_buf(),
            line,
            column,
            message: message.into(),
        });
    }

    pub fn finish(mut self) -> Result<(), Diagnostics> {
        if self.found.is_empty() {
            return Ok(());
        }
        self.found.sort_by_key(|d| (d.line, d.column));
        Err(Diagnostics(self.found))
    }
}

/// The first problem of a TOML text that `toml_edit` refused with `e`, in
/// file order: `(span, message)`.
///
/// `toml_edit` keeps the first error reported, and its structural pass
/// reports before any value is decoded, so a bad value (`a = 1x`) above an
/// unclosed `[` was hidden behind the later error. Every structural error and
/// every scalar that does not parse on its own are looked at here too, and
/// the earliest of them and `e` wins.
pub fn first_toml_error(text: &str, e: &toml_edit::TomlError) -> (Option<Range<usize>>, String) {
    use toml_parser::parser::EventReceiver;
    use toml_parser::{ErrorSink, ParseError, Source, Span};

    /// The first scalar (in file order) that is not a valid TOML value.
    struct Scalars<'i> {
        input: &'i str,
        first: Option<(Range<usize>, String)>,
    }
    impl EventReceiver for Scalars<'_> {
        fn scalar(
            &mut self,
            span: Span,
            _kind: Option<toml_parser::decoder::Encoding>,
            _error: &mut dyn ErrorSink,
        ) {
            if self.first.is_some() {
                return;
            }
            let Some(raw) = self.input.get(span.start()..span.end()) else {
                return;
            };
            if let Err(e) = raw.parse::<toml_edit::Value>() {
                let at = e.span().unwrap_or(0..0);
                let at = span.start() + at.start..span.start() + at.end;
                self.first = Some((at, e.message().trim().to_string()));
            }
        }
    }

    let mut best = (e.span(), e.message().trim().to_string());
    let earlier = |best: &(Option<Range<usize>>, String), at: usize| {
        best.0.as_ref().is_none_or(|b| at < b.start)
    };
    let tokens: Vec<_> = Source::new(text).lex().collect();
    let mut scalars = Scalars {
        input: text,
        first: None,
    };
    let mut structural: Vec<ParseError> = Vec::new();
    toml_parser::parser::parse_document(&tokens, &mut scalars, &mut structural);
    if let Some(err) = structural.first() {
        if let Some(at) = err.unexpected().filter(|at| earlier(&best, at.start())) {
            let mut message = err.description().to_string();
            if let Some(expected) = err.expected() {
                let words: Vec<String> = expected
                    .iter()
                    .map(|x| match x {
                        toml_parser::Expected::Literal("\n") => "newline".into(),
                        toml_parser::Expected::Literal(l) => format!("`{l}`"),
                        toml_parser::Expected::Description(d) => d.to_string(),
                        _ => "etc".into(),
                    })
                    .collect();
                message.push_str(", expected ");
                message.push_str(if words.is_empty() { "nothing" } else { "" });
                message.push_str(&words.join(", "));
            }
            best = (Some(at.start()..at.end()), message);
        }
    }
    if let Some((at, message)) = scalars.first {
        if earlier(&best, at.start) {
            best = (Some(at), message);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let t = "ab\ncdé\nf";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, 8), (3, 1));
        assert_eq!(line_col(t, 7), (2, 4));
        let c = Collector::new(Path::new("f"), t);
        for i in 0..=t.len() + 2 {
            assert_eq!(c.line_col(i), line_col(t, i), "offset {i}");
        }
    }
}
