//! The tamper timeline (baseline 1.2, HIST) and AZ-SEN-005's detection
//! matrix in every output but JSON (which serializes them as they are):
//! HTML sections, the timeline's own CSV, and the latest impairing events for
//! Markdown and the terminal. Every caller, resource, IP and operation comes
//! from Azure and is hostile: HTML escapes it, CSV neutralises it, Markdown
//! and the terminal strip control characters (Markdown also links and mentions).

use crate::checks::hist::{EventClass, Timeline, TimelineEvent};
use crate::checks::DetectionMatrix;
use crate::report::html::escape;
use crate::report::Report;
use crate::util::text::{markdown_inline, printable, truncate};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Rows the HTML timeline shows at most (the newest); the JSON and the CSV hold all.
pub const HTML_MAX_EVENTS: usize = 2_000;
/// Impairing events Markdown and the terminal name.
pub const LATEST: usize = 5;

/// The timeline CSV's header.
pub const CSV_HEADER: [&str; 12] = [
    "time",
    "subscription_id",
    "class",
    "operation",
    "status",
    "caller",
    "trusted",
    "client_ip",
    "resource_id",
    "correlation_id",
    "technique",
    "scope",
];

/// The timeline as CSV, oldest first (the same cells rules as the results CSV).
pub fn csv(t: &Timeline) -> String {
    let mut out = String::new();
    let line = |out: &mut String, cells: &[&str]| {
        let row: Vec<String> = cells.iter().map(|c| crate::report::csv::cell(c)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    };
    line(&mut out, &CSV_HEADER);
    for e in &t.events {
        let scope = match &e.subscription {
            Some(s) => format!("/subscriptions/{s}"),
            None => "tenant".into(),
        };
        line(
            &mut out,
            &[
                &e.time,
                e.subscription.as_deref().unwrap_or(""),
                e.class.label(),
                &e.operation,
                &e.status,
                &e.caller,
                if e.trusted { "true" } else { "false" },
                &e.client_ip,
                &e.resource_id,
                &e.correlation_id,
                e.technique,
                &scope,
            ],
        );
    }
    out
}

fn who(e: &TimelineEvent) -> String {
    let caller = if e.caller.is_empty() {
        "(no caller)"
    } else {
        &e.caller
    };
    if e.trusted {
        format!("{caller} (trusted)")
    } else {
        caller.to_string()
    }
}

/// One line per latest impairing event, as plain text (control characters stripped).
pub fn latest_lines(t: &Timeline) -> Vec<String> {
    t.latest_impairing(LATEST)
        .into_iter()
        .map(|e| {
            printable(&format!(
                "{} {} by {} on {}",
                e.time,
                e.operation,
                truncate(&who(e), 80),
                truncate(&e.resource_id, 160)
            ))
            .into_owned()
        })
        .collect()
}

/// The one-line summary of a timeline.
pub fn summary(t: &Timeline) -> String {
    let mut s = format!(
        "{} evidence-impairing event(s) ({} by untrusted callers), {} change(s), {} lead(s)",
        t.count(EventClass::Impairing),
        t.untrusted_impairing(),
        t.count(EventClass::Change),
        t.count(EventClass::Lead)
    );
    if let Some(w) = &t.window {
        let _ = write!(s, " from {} to {}", w.start, w.end);
    }
    let incomplete = t.incomplete().count();
    if incomplete > 0 {
        let _ = write!(
            s,
            "; the history of {incomplete} scope(s) could not be read whole"
        );
    }
    s
}

/// The Markdown section: the summary and the latest impairing events.
pub fn markdown(report: &Report) -> String {
    report
        .timeline
        .as_ref()
        .map(markdown_of)
        .unwrap_or_default()
}

fn markdown_of(t: &Timeline) -> String {
    // Like every section: a heading, and a blank line after it.
    let mut s = String::from("### Tamper timeline\n\n");
    let _ = writeln!(s, "{}.\n", markdown_inline(&summary(t)));
    let latest = t.latest_impairing(LATEST);
    if !latest.is_empty() {
        s.push_str("| Time | Subscription | Operation | Caller | Client IP | Resource |\n|---|---|---|---|---|---|\n");
        for e in latest {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                markdown_inline(&e.time),
                markdown_inline(e.subscription.as_deref().unwrap_or("tenant")),
                markdown_inline(&e.operation),
                markdown_inline(&truncate(&who(e), 80)),
                markdown_inline(&e.client_ip),
                markdown_inline(&truncate(&e.resource_id, 160)),
            );
        }
        s.push('\n');
    }
    s
}

/// The terminal section (plain text; colour is the caller's).
pub fn terminal(report: &Report) -> String {
    report
        .timeline
        .as_ref()
        .map(terminal_of)
        .unwrap_or_default()
}

fn terminal_of(t: &Timeline) -> String {
    let mut s = format!("Tamper timeline: {}\n", printable(&summary(t)));
    for l in latest_lines(t) {
        let _ = writeln!(s, "  {l}");
    }
    s
}

fn options(id: &str, label: &str, values: &BTreeSet<&str>) -> String {
    let mut s = format!(
        r#"<label><span>{}</span><select id="{id}"><option value="">All</option>"#,
        escape(label)
    );
    for v in values {
        let _ = write!(s, r#"<option value="{v}">{v}</option>"#, v = escape(v));
    }
    s.push_str("</select></label>");
    s
}

/// The HTML timeline: a table, newest first, each row carrying its class,
/// caller, subscription and operation as data attributes for the filters
/// (the script hides rows; with no script every row shows). Nothing from the
/// data becomes a link or markup.
pub fn html_timeline(report: &Report) -> String {
    report.timeline.as_ref().map(html_of).unwrap_or_default()
}

fn html_of(t: &Timeline) -> String {
    let shown: Vec<&TimelineEvent> = t.events.iter().rev().take(HTML_MAX_EVENTS).collect();
    let sub_of = |e: &TimelineEvent| e.subscription.clone().unwrap_or_else(|| "tenant".into());
    let subs: Vec<String> = shown.iter().map(|e| sub_of(e)).collect();
    let mut s = String::from(r#"<section id="timeline" class="page"><h2>Tamper timeline</h2>"#);
    let _ = write!(s, r#"<p class="summary">{}.</p>"#, escape(&summary(t)));
    for sc in t.incomplete() {
        let _ = write!(
            s,
            r#"<p class="notice">{}: {}</p>"#,
            escape(&sc.scope),
            escape(&truncate(&sc.errors.join("; "), 600))
        );
    }
    if shown.len() < t.events.len() {
        let _ = write!(
            s,
            r#"<p class="hint">The newest {} of {} events; the JSON report and timeline.csv hold all of them.</p>"#,
            shown.len(),
            t.events.len()
        );
    }
    s.push_str(r#"<form class="filters" id="t-filters" autocomplete="off">"#);
    s.push_str(&options(
        "t-class",
        "Class",
        &shown.iter().map(|e| e.class.label()).collect(),
    ));
    s.push_str(&options(
        "t-caller",
        "Caller",
        &shown.iter().map(|e| e.caller.as_str()).collect(),
    ));
    s.push_str(&options(
        "t-sub",
        "Subscription",
        &subs.iter().map(String::as_str).collect(),
    ));
    s.push_str(&options(
        "t-op",
        "Operation",
        &shown.iter().map(|e| e.operation.as_str()).collect(),
    ));
    s.push_str(r#"</form><p class="count" id="t-count" aria-live="polite"></p><div class="table-wrap"><table class="results timeline" id="t-rows"><thead><tr><th>Time</th><th>Class</th><th>Subscription</th><th>Operation</th><th>Caller</th><th>Client IP</th><th>Resource</th><th>Correlation id</th><th>Technique</th></tr></thead><tbody>"#);
    for (e, sub) in shown.iter().zip(&subs) {
        let class = e.class.label();
        let trusted = if e.trusted {
            r#" <span class="badge st-pass">trusted</span>"#
        } else {
            ""
        };
        let _ = write!(
            s,
            r#"<tr class="ev-{class}" data-class="{class}" data-caller="{caller}" data-sub="{sub}" data-op="{op}"><td>{time}</td><td><span class="badge ev-{class}">{class}</span></td><td>{sub}</td><td>{op}</td><td>{caller}{trusted}</td><td>{ip}</td><td class="c-res">{res}</td><td>{corr}</td><td>{tech}</td></tr>"#,
            caller = escape(&e.caller),
            sub = escape(sub),
            op = escape(&e.operation),
            time = escape(&e.time),
            ip = escape(&e.client_ip),
            res = escape(&e.resource_id),
            corr = escape(&e.correlation_id),
            tech = escape(e.technique),
        );
    }
    s.push_str("</tbody></table></div></section>");
    s
}

/// The HTML techniques × workspaces matrix of AZ-SEN-005.
pub fn html_matrix(report: &Report) -> String {
    let Some(m) = &report.detection_coverage else {
        return String::new();
    };
    matrix_table(m)
}

fn matrix_table(m: &DetectionMatrix) -> String {
    let mut s =
        String::from(r#"<section id="detections" class="page"><h2>Detection coverage</h2>"#);
    if m.workspaces.is_empty() {
        s.push_str(r#"<p class="summary">No workspace in scope is onboarded to Microsoft Sentinel.</p></section>"#);
        return s;
    }
    s.push_str(
        r#"<div class="table-wrap"><table class="results matrix"><thead><tr><th>Workspace</th>"#,
    );
    for t in &m.techniques {
        let _ = write!(s, "<th>{}</th>", escape(t));
    }
    s.push_str("</tr></thead><tbody>");
    for w in &m.workspaces {
        let name = crate::inventory::last_segment(&w.workspace);
        let _ = write!(
            s,
            r#"<tr><td title="{id}">{name}</td>"#,
            id = escape(&w.workspace),
            name = escape(name)
        );
        match &w.covered_by {
            Some(cells) => {
                for rules in cells {
                    if rules.is_empty() {
                        s.push_str(r#"<td><span class="badge st-fail">none</span></td>"#);
                    } else {
                        let _ = write!(
                            s,
                            r#"<td title="{all}"><span class="badge st-pass">{n} rule(s)</span></td>"#,
                            all = escape(&truncate(&rules.join(", "), 400)),
                            n = rules.len()
                        );
                    }
                }
            }
            None => {
                let _ = write!(
                    s,
                    r#"<td colspan="{n}"><span class="badge st-error">error</span> {e}</td>"#,
                    n = m.techniques.len().max(1),
                    e = escape(&truncate(w.error.as_deref().unwrap_or(""), 300))
                );
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div></section>");
    s
}

/// The timeline as plain text (`azward timeline`): the summary, what could
/// not be read, then one line per event, oldest first.
pub fn text(t: &Timeline) -> String {
    let mut s = format!("{}\n", printable(&summary(t)));
    for sc in t.incomplete() {
        let _ = writeln!(
            s,
            "incomplete: {}: {}",
            printable(&sc.scope),
            printable(&sc.errors.join("; "))
        );
    }
    for e in &t.events {
        let _ = writeln!(
            s,
            "{}  {:<9}  {}  {}  {}  {}  {}  {}",
            printable(&e.time),
            e.class.label(),
            printable(e.subscription.as_deref().unwrap_or("tenant")),
            printable(&e.operation),
            printable(&who(e)),
            printable(if e.client_ip.is_empty() {
                "-"
            } else {
                &e.client_ip
            }),
            printable(&e.resource_id),
            e.technique,
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::hist::TimelineScope;

    const HOSTILE: &str = "=cmd|' /C calc'!A0 <script>alert(1)</script>\u{1b}[31m @everyone [x](https://evil.example) \r\n";

    fn hostile_timeline() -> Timeline {
        let e = TimelineEvent {
            time: "2026-11-14T02:13:52Z".into(),
            subscription: Some("11111111-1111-1111-1111-111111111111".into()),
            class: EventClass::Impairing,
            operation: format!("Microsoft.Insights/diagnosticSettings/delete{HOSTILE}"),
            status: "Succeeded".into(),
            caller: HOSTILE.into(),
            trusted: false,
            client_ip: HOSTILE.into(),
            resource_id: format!("/subscriptions/x/resourceGroups/{HOSTILE}"),
            correlation_id: HOSTILE.into(),
            technique: "T1562.008",
        };
        Timeline {
            window: None,
            scopes: vec![TimelineScope {
                scope: "/tenants/t".into(),
                events_read: 1,
                errors: vec![HOSTILE.into()],
            }],
            events: vec![e],
        }
    }

    #[test]
    fn hostile_callers_and_resources_stay_text_in_every_renderer() {
        let t = hostile_timeline();
        let html = html_of(&t);
        assert!(
            !html.contains("<script>") && html.contains("&lt;script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<a "), "no data becomes a link: {html}");
        for text in [terminal_of(&t), text(&t)] {
            assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
        }
        let md = markdown_of(&t);
        assert!(
            !md.contains("](https://") && !md.contains("\u{1b}") && !md.contains(" @everyone"),
            "{md}"
        );
        let csv = csv(&t);
        assert_eq!(csv.lines().count(), 2, "one line per event: {csv}");
        assert!(!csv.contains(",=cmd") && csv.contains("'=cmd"), "{csv}");
    }
}
