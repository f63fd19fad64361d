//! CSV: one row per result, RFC 4180 (CRLF line ends, fields quoted when
//! they hold `"` or `,`, quotes doubled), UTF-8 without a byte-order mark.
//! Control characters are dropped from every field (line breaks and tabs
//! become spaces), so each result is one line.
//!
//! Formula injection: a spreadsheet runs a cell that begins with `=`, `+`,
//! `-` or `@` (also behind spaces, which some applications skip) as a
//! formula. Resource names, tags and reasons come from Azure and
//! can be set by anyone who can create a resource, so every such cell is
//! prefixed with a single quote `'` (OWASP "CSV Injection"). The quote shows
//! in a text editor; a spreadsheet shows the text as typed.

use crate::report::Report;

/// The header row, in column order.
pub const HEADER: [&str; 12] = [
    "check_id",
    "title",
    "family",
    "severity",
    "status",
    "subscription_id",
    "resource_id",
    "item",
    "reason",
    "remediation_cli",
    "waiver_owner",
    "waiver_expires",
];

/// Renders the report's results as CSV.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    line(&mut out, HEADER.iter().copied());
    for r in &report.results {
        let (owner, expires) = match &r.waiver {
            Some(w) => (w.owner.as_str(), w.expires.as_str()),
            None => ("", ""),
        };
        line(
            &mut out,
            [
                r.check_id,
                r.title,
                r.family.code(),
                r.severity.as_str(),
                r.status.as_str(),
                r.subscription_id.as_deref().unwrap_or(""),
                r.resource_id.as_str(),
                r.item.as_deref().unwrap_or(""),
                r.reason.as_str(),
                r.remediation_cli.as_deref().unwrap_or(""),
                owner,
                expires,
            ],
        );
    }
    out
}

fn line<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, c) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell(c));
    }
    out.push_str("\r\n");
}

/// One field: control characters dropped (line breaks and tabs become
/// spaces: one line per result), neutralised against formula injection
/// (also behind leading spaces, which some applications skip), then quoted
/// if needed.
pub fn cell(value: &str) -> String {
    let value = crate::util::text::printable(value);
    let neutral = if value.trim_start().starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.into_owned()
    };
    if neutral.contains(['"', ',', '\r', '\n']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_neutralises() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("/subscriptions/x"), "/subscriptions/x");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("line\nbreak\u{1b}[2J"), "line break[2J");
        assert_eq!(
            cell("=cmd|' /C calc'!A0"),
            "'=cmd|' /C calc'!A0",
            "no comma or quote: no quoting needed"
        );
        assert_eq!(
            cell("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
        for p in ["+1", "-1", "@SUM(A1)", "\t=x", "\r@x", " =x"] {
            assert!(cell(p).trim_start_matches('"').starts_with('\''), "{p:?}");
        }
        assert_eq!(cell(""), "");
    }
}
