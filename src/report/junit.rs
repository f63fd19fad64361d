//! JUnit XML, for CI test reporters (Jenkins JUnit plugin, GitLab, Azure
//! Pipelines, dorny/test-reporter, …).
//!
//! One `<testsuite>` per check (named by id and title), one `<testcase>` per
//! result (`classname` = check id, `name` = resource id, and the item when
//! there is one). `fail` → `<failure>` (message = reason, type = severity,
//! body = reason and remediation), `error` → `<error>` (not assessed),
//! `not_applicable` and `waived` → `<skipped>`, `pass` → an empty test case.
//! Every suite and the root `<testsuites>` carry `tests`, `failures`,
//! `errors`, `skipped` and `time` (always 0: the checks are evaluated over an
//! inventory read beforehand, and the output has no timestamps, so the same
//! scan gives the same file).

use crate::checks::Status;
use crate::engine::{CheckSummary, Counts, ResultRow};
use crate::report::Report;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Renders the report as JUnit XML.
pub fn render(report: &Report) -> String {
    let mut by_check: HashMap<&str, Vec<&ResultRow>> = HashMap::new();
    for r in &report.results {
        by_check.entry(r.check_id).or_default().push(r);
    }
    let mut total = Totals::default();
    let mut suites = String::new();
    for c in &report.checks {
        let rows = by_check.get(c.id).map_or(&[][..], Vec::as_slice);
        let t = Totals::of(&c.counts);
        total.add(&t);
        suite(&mut suites, report, c, rows, &t);
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\">",
        attr(&format!(
            "azward {} ({} {})",
            report.tool.version, report.baseline.name, report.baseline.version
        )),
        total.tests,
        total.failures,
        total.errors,
        total.skipped
    );
    for w in &report.warnings {
        // XML comments may not hold `--`: a space parts every two dashes
        // (`replace("--", "- -")` left `---` as `- --`).
        let mut body = String::new();
        for c in attr(w).chars() {
            if c == '-' && body.ends_with('-') {
                body.push(' ');
            }
            body.push(c);
        }
        let _ = writeln!(out, "<!-- warning: {body} -->");
    }
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}

#[derive(Default)]
struct Totals {
    tests: u64,
    failures: u64,
    errors: u64,
    skipped: u64,
}

impl Totals {
    /// A check's counts as JUnit has them: waived and not applicable are skipped.
    fn of(c: &Counts) -> Totals {
        Totals {
            tests: c.total(),
            failures: c.fail,
            errors: c.error,
            skipped: c.waived + c.not_applicable,
        }
    }
    fn add(&mut self, o: &Totals) {
        self.tests += o.tests;
        self.failures += o.failures;
        self.errors += o.errors;
        self.skipped += o.skipped;
    }
}

fn remediation_text(report: &Report, r: &ResultRow) -> String {
    let mut s = String::new();
    if let Some(info) = report.check(r.check_id) {
        s.push_str(&info.remediation_steps());
    }
    if let Some(cli) = &r.remediation_cli {
        let _ = writeln!(s, "Remediation (Azure CLI): {cli}");
    }
    s
}

fn suite(out: &mut String, report: &Report, c: &CheckSummary, rows: &[&ResultRow], t: &Totals) {
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\">",
        attr(&format!("{} {}", c.id, c.title)),
        t.tests,
        t.failures,
        t.errors,
        t.skipped
    );
    let _ = writeln!(out, "    <properties>");
    for (k, v) in [
        ("severity", c.severity.as_str()),
        ("family", c.family.code()),
        ("status", c.status.as_str()),
    ] {
        let _ = writeln!(out, "      <property name=\"{k}\" value=\"{}\"/>", attr(v));
    }
    let _ = writeln!(out, "    </properties>");
    for r in rows {
        let name = match &r.item {
            Some(i) => format!("{} [{i}]", r.resource_id),
            None => r.resource_id.to_string(),
        };
        let open = format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
            attr(r.check_id),
            attr(&name)
        );
        match r.status {
            Status::Pass => {
                let _ = writeln!(out, "{open}/>");
            }
            Status::Fail => {
                let body = format!("{}\n\n{}", r.reason, remediation_text(report, r));
                let _ = writeln!(
                    out,
                    "{open}>\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    attr(&r.reason),
                    r.severity.as_str(),
                    text(&body)
                );
            }
            Status::Error => {
                let _ = writeln!(
                    out,
                    "{open}>\n      <error message=\"{}\" type=\"not_assessed\">{}</error>\n    </testcase>",
                    attr(&r.reason),
                    text(&format!(
                        "Not assessed (a read failed); this is never counted as a pass.\n{}",
                        r.reason
                    ))
                );
            }
            Status::NotApplicable => {
                let _ = writeln!(
                    out,
                    "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                    attr(&format!("not applicable: {}", r.reason))
                );
            }
            Status::Waived => {
                let msg = match &r.waiver {
                    Some(w) => format!(
                        "waived (was {}) by {} until {}: {}; finding: {}",
                        w.original_status, w.owner, w.expires, w.reason, r.reason
                    ),
                    None => format!("waived: {}", r.reason),
                };
                let _ = writeln!(
                    out,
                    "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                    attr(&msg)
                );
            }
        }
    }
    let _ = writeln!(out, "  </testsuite>");
}

/// Whether XML 1.0 allows the character at all (`Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Escapes text for an XML 1.0 attribute value: `& < > " '` as entities,
/// tab, LF and CR as character references (attribute-value normalisation
/// would turn them into spaces), characters XML 1.0 forbids (other C0
/// controls, U+FFFE, U+FFFF) replaced by U+FFFD.
pub fn attr(s: &str) -> String {
    escape(s, true)
}

/// Escapes element text: as [`attr`], but tab and LF are kept as they are.
pub fn text(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, in_attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // A parser turns a literal CR (or CR LF) into LF: keep it as a reference.
            '\r' => out.push_str("&#13;"),
            '\n' if in_attr => out.push_str("&#10;"),
            '\t' if in_attr => out.push_str("&#9;"),
            c if !xml_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_forbidden_characters() {
        assert_eq!(
            attr("<script>&\"'\u{1}\u{1b}\t\n\r\u{FFFF}ok é"),
            "&lt;script&gt;&amp;&quot;&apos;\u{FFFD}\u{FFFD}&#9;&#10;&#13;\u{FFFD}ok é"
        );
        assert_eq!(text("a\tb\nc\rd\u{0}"), "a\tb\nc&#13;d\u{FFFD}");
        assert_eq!(text("]]>"), "]]&gt;");
    }
}
