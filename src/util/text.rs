//! Small text helpers shared by the checks and the renderers.

/// `s`, or its first `max` − 1 characters and `…` when it is longer than `max`.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// RFC 3339 UTC timestamp of a system time.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    let dt = time::OffsetDateTime::from(t);
    dt.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "unknown".into())
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp (any offset, any
/// fraction of a second, which is dropped): [`super::scan_time::parse`].
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    super::scan_time::parse(s).map(|t| t.unix_timestamp())
}

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since the Unix epoch, as
/// [`super::scan_time::format`] writes the scan time.
pub fn utc_seconds(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .map(super::scan_time::format)
        .unwrap_or_else(|_| format!("@{t}"))
}

/// The one `&'static str` for a text. The ids and titles of property rules
/// must outlive the results that name them; interning them means loading a
/// profile again (tests, `bench`, a long-lived caller of the library)
/// allocates nothing new: memory grows only with distinct texts, and a
/// profile's size is bounded when it is read.
pub fn intern(s: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static TABLE: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut table = TABLE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(v) = table.get(s) {
        return v;
    }
    let v: &'static str = Box::leak(s.into());
    table.insert(v);
    v
}

#[cfg(test)]
mod intern_tests {
    use super::intern;

    #[test]
    fn interning_the_same_text_twice_gives_the_same_str() {
        let a = intern(&String::from("ORG-INTERN-1"));
        let b = intern(&format!("ORG-{}-1", "INTERN"));
        assert_eq!(a, "ORG-INTERN-1");
        assert!(std::ptr::eq(a, b), "a second load must not allocate again");
        assert!(!std::ptr::eq(a, intern("ORG-INTERN-2")));
    }
}

/// Whether `c` must not reach a terminal or a table as it is: C0 and C1
/// control characters, DEL, and the bidirectional formatting characters
/// that reorder what a reader sees (U+061C, U+200E/F, U+202A–U+202E,
/// U+2066–U+2069).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` fit for one line of a terminal or a table cell: line breaks and tabs
/// become spaces, and the other characters of [`is_unsafe_char`] (an escape
/// sequence's ESC, a bell, a bidirectional override) are dropped. Strings
/// from Azure (names, reasons, error messages) go through it before they are
/// printed.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_unsafe_char(c) => {}
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Word joiner (U+2060): invisible, and breaks what GitHub would link.
const WJ: char = '\u{2060}';

/// `s` as inline GitHub-flavoured Markdown text, safe in a table cell:
/// - backslash-escapes `\ | * _ ` < > [ ] & ~ ! # $` (no cell end, emphasis,
///   code, link, image, HTML, entity or math);
/// - puts a word joiner after `@` (no mention of a user or team, no e-mail
///   autolink), after `#` and inside `GH-` (no `#123` or `GH-123` reference), inside `://` and after
///   `www` before a dot (no URL autolink);
/// - line breaks and tabs become spaces and the other characters of
///   [`is_unsafe_char`] are dropped.
pub fn markdown_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            // `$` opens GitHub's math (`$\\color{red}{…}$` restyles text).
            '\\' | '|' | '*' | '_' | '`' | '<' | '>' | '[' | ']' | '&' | '~' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '#' => {
                out.push_str("\\#");
                out.push(WJ);
            }
            '@' => {
                out.push('@');
                out.push(WJ);
            }
            ':' if chars.get(i + 1) == Some(&'/') => {
                out.push(':');
                out.push(WJ);
            }
            // `GH-123` is an issue reference too.
            '-' if i >= 2
                && chars[i - 2..i]
                    .iter()
                    .collect::<String>()
                    .eq_ignore_ascii_case("gh")
                && chars.get(i + 1).is_some_and(char::is_ascii_digit) =>
            {
                out.push(WJ);
                out.push('-');
            }
            '.' if i >= 3 && chars[i - 3..i].iter().all(|w| w.eq_ignore_ascii_case(&'w')) => {
                out.push(WJ);
                out.push('.');
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_unsafe_char(c) => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_drops_escapes_and_keeps_one_line() {
        assert_eq!(printable("plain"), "plain");
        assert_eq!(
            printable("a\u{1b}[2Jb\u{1b}]0;t\u{7}\nc\td\u{202e}e\u{9b}f"),
            "a[2Jb]0;t c def"
        );
    }

    #[test]
    fn markdown_links_nothing_and_mentions_no_one() {
        let md = markdown_inline(
            "https://evil.example www.evil.example WWW.x.y @org/team #123 user@host.com `c` a|b <i> [l](u) ![i](u) \\ &amp; ~s~ *e* _u_\nnext\u{1b}[31m GH-123 gh-7 $\\color{red}{x}$",
        );
        for bad in [
            "://", "www.", "WWW.", "@o", "#1", "@h", " `c", "a|", " <i", " [l", " ![", " &a",
            " ~s", " *e", " _u", "\n", "\u{1b}", "GH-1", "gh-7", " $",
        ] {
            assert!(!md.contains(bad), "{bad:?} in {md}");
        }
        assert_eq!(markdown_inline("a\\b"), "a\\\\b");
        assert_eq!(
            markdown_inline("rg-prod"),
            "rg-prod",
            "plain text is left alone"
        );
    }
}
