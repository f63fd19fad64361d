//! The HTML report: one self-contained file that opens from disk and makes no
//! external request (`--format html`).
//!
//! The page is `reports/report.html` with `reports/report.css` and
//! `reports/report.js` compiled in. The header, the charts (inline SVG), the
//! Evidence in motion strips (inline SVG, one unit per hour), the per-check
//! view and the per-control view are rendered here; the findings
//! table is rendered in the browser, one page at a time, from the results
//! embedded as JSON, so 50,000 results never become 50,000 DOM rows.
//!
//! Every string from Azure (and from an organisation profile) is untrusted:
//! - text rendered here goes through [`escape`];
//! - the embedded data goes through [`script_json`], which escapes `<`, `>`,
//!   `&`, U+2028 and U+2029 so that nothing in it can close the `<script>`
//!   element it sits in;
//! - `report.js` builds the DOM with `createElement` and `textContent` only;
//! - a Content-Security-Policy allows only this page's own script and style
//!   (by hash), so markup that slipped through still could not run a script
//!   or load anything.
//!
//! The template is filled in one pass: a substituted value is never scanned
//! for placeholders again.
//!
//! Embedded data (`<script type="application/json" id="data">`):
//! `severities`, `statuses`, `families` (`code`, `name`), `subscriptions`
//! (`id`, `name`), `checks` (per check: `id`, `title`, `family`, `severity`,
//! `scope`, `status`, `counts`, `condition`, `rationale`, `portal`, `cli`,
//! `bicep`, `remediation` (property rules), `refs`), and `results`, one array
//! per result: `[check index, severity index, status index, resource_id,
//! item, subscription index, reason, remediation_cli, waiver]` (null when
//! absent), with a tenth element `1` on a failing result that is new since
//! the previous report (`compared` is true with `--compare`).

use crate::checks::{CheckInfo, Family, Origin, Status};
use crate::report::{truncate, Report};
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

const TEMPLATE: &str = include_str!("../../reports/report.html");
const CSS: &str = include_str!("../../reports/report.css");
const JS: &str = include_str!("../../reports/report.js");

/// Severities, most severe first (the order of the data's severity index).
pub const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];
/// Statuses (the order of the data's status index).
pub const STATUSES: [&str; 5] = ["pass", "fail", "error", "waived", "not_applicable"];

/// Escapes text for HTML text and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{2028}' => out.push_str("&#x2028;"),
            '\u{2029}' => out.push_str("&#x2029;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe to place inside `<script type="application/json">`: `<`, `>`,
/// `&`, U+2028 and U+2029 become `\u` escapes (they only occur in strings).
pub fn script_json(v: &Value) -> String {
    let raw = serde_json::to_string(v).expect("JSON values serialize");
    let mut out = String::with_capacity(raw.len() + 64);
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// What a `#key=value` link of the findings table leaves as it is.
const HASH_KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.');

/// A value for a `#key=value` link of the findings table.
fn hash_value(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, HASH_KEEP).to_string()
}

fn sha256_b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
}

/// The Content-Security-Policy: this page's script and style only, nothing loaded.
fn csp() -> String {
    format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; img-src data:; \
         base-uri 'none'; form-action 'none'",
        sha256_b64(JS),
        sha256_b64(CSS)
    )
}

/// Fills `{{name}}` placeholders in one pass; values are not scanned again.
fn fill(template: &str, values: &HashMap<&str, String>) -> String {
    let mut out =
        String::with_capacity(template.len() + values.values().map(String::len).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) if values.contains_key(&after[..end]) => {
                out.push_str(&values[&after[..end]]);
                rest = &after[end + 2..];
            }
            _ => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.2}"))
}

fn status_label(s: &str) -> &str {
    if s == "not_applicable" {
        "n/a"
    } else {
        s
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn code_of<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn subscription_name(report: &Report, id: &str) -> Option<String> {
    report
        .subscriptions
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(id))
        .and_then(|s| s.display_name.clone())
}

/// Renders the report as one self-contained HTML page.
pub fn render(report: &Report) -> String {
    let tenant = report.tenant_id.as_deref().unwrap_or("unknown tenant");
    let mut values: HashMap<&str, String> = HashMap::new();
    let policy = csp();
    debug_assert!(!policy.contains(['"', '<', '&']));
    values.insert("csp", policy);
    values.insert(
        "title",
        escape(&format!("azward report · {}", truncate(tenant, 60))),
    );
    values.insert("style", CSS.to_string());
    values.insert("script", JS.to_string());
    values.insert("header", header(report));
    values.insert(
        "charts",
        match &report.history {
            Some(h) => super::runs::html(h, escape) + &charts(report),
            None => charts(report),
        },
    );
    values.insert("checks", checks_view(report));
    values.insert("controls", controls_view(report));
    values.insert("parameters", parameters_view(report));
    values.insert("activity", activity_view(report));
    values.insert(
        "activity_nav",
        if report.table_activity.is_empty() {
            String::new()
        } else {
            r##"<a href="#activity">Evidence in motion</a>"##.into()
        },
    );
    values.insert("timeline", crate::report::history::html_timeline(report));
    values.insert("detections", crate::report::history::html_matrix(report));
    values.insert(
        "history_nav",
        format!(
            "{}{}",
            if report.timeline.is_some() {
                r##"<a href="#timeline">Timeline</a>"##
            } else {
                ""
            },
            if report.detection_coverage.is_some() {
                r##"<a href="#detections">Detections</a>"##
            } else {
                ""
            }
        ),
    );
    values.insert(
        "controls_nav",
        if report.framework.is_some() {
            r##"<a href="#controls">Controls</a>"##.into()
        } else {
            String::new()
        },
    );
    values.insert(
        "tool",
        escape(&format!("{} {}", report.tool.name, report.tool.version)),
    );
    values.insert("data", script_json(&data(report)));
    fill(TEMPLATE, &values)
}

fn header(report: &Report) -> String {
    let mut h = String::new();
    let overall = &report.scores.overall;
    let c = overall.counts;
    let gate = &report.gate;
    let (gate_class, gate_text) = if !gate.gate.is_set() {
        ("gate-none", "no gate set")
    } else if gate.verdict.passed {
        ("gate-pass", "passed")
    } else {
        ("gate-fail", "failed")
    };
    let gate_terms = gate.gate.flags();
    let meter = |v: Option<f64>| {
        let w = v.unwrap_or(0.0).clamp(0.0, 100.0);
        format!(
            r#"<svg class="meter" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true"><rect class="track" x="0" y="0" width="100" height="6" rx="3"/><rect class="{}" x="0" y="0" width="{w:.2}" height="6" rx="3"/></svg>"#,
            score_class(v)
        )
    };
    let _ = write!(
        h,
        r#"<div class="kpis">
<div class="kpi kpi-score"><div class="kpi-label">Score</div><div class="kpi-value">{score}<span class="kpi-unit">{score_unit}</span></div>{score_meter}<div class="kpi-note">{scored} checks scored</div></div>
<div class="kpi kpi-coverage"><div class="kpi-label">Coverage</div><div class="kpi-value">{coverage}<span class="kpi-unit">{cov_unit}</span></div>{cov_meter}<div class="kpi-note">{errors} result(s) in error</div></div>
<div class="kpi kpi-gate {gate_class}"><div class="kpi-label">Gate</div><div class="kpi-value gate-verdict">{gate_text}</div><div class="kpi-note">{gate_terms}</div>{gate_reasons}</div>
<div class="kpi kpi-counts"><div class="kpi-label">Results</div><div class="kpi-value">{total}</div><ul class="count-list">{count_items}</ul></div>
</div>{warnings}"#,
        warnings = if report.warnings.is_empty() {
            String::new()
        } else {
            let items: String = report
                .warnings
                .iter()
                .map(|w| format!("<li>{}</li>", escape(w)))
                .collect();
            format!(r#"<ul class="warnings" role="alert">{items}</ul>"#)
        },
        score = pct(overall.score),
        score_unit = if overall.score.is_some() {
            " / 100"
        } else {
            ""
        },
        score_meter = meter(overall.score),
        scored = overall.checks_scored,
        coverage = pct(overall.coverage),
        cov_unit = if overall.coverage.is_some() { " %" } else { "" },
        cov_meter = meter(overall.coverage),
        errors = thousands(c.error),
        gate_terms = if gate_terms.is_empty() {
            "no --fail-on, --min-score or --min-coverage given".to_string()
        } else {
            escape(&gate_terms.join(" "))
        },
        gate_reasons = if gate.verdict.reasons.is_empty() {
            String::new()
        } else {
            let items: String = gate
                .verdict
                .reasons
                .iter()
                .map(|r| format!("<li>{}</li>", escape(r)))
                .collect();
            format!(r#"<ul class="gate-reasons">{items}</ul>"#)
        },
        total = thousands(c.total()),
        count_items = [
            ("pass", c.pass),
            ("fail", c.fail),
            ("error", c.error),
            ("waived", c.waived),
            ("not_applicable", c.not_applicable)
        ]
        .iter()
        .map(|(s, n)| format!(
            r##"<li><a class="badge st-{s}" href="#status={s}">{} {}</a></li>"##,
            thousands(*n),
            status_label(s)
        ))
        .collect::<String>(),
    );

    // The facts of the scan.
    let mut facts: Vec<(&str, String)> = Vec::new();
    facts.push((
        "Tenant",
        format!(
            r#"<code>{}</code>"#,
            escape(report.tenant_id.as_deref().unwrap_or("unknown"))
        ),
    ));
    let subs: String = report
        .subscriptions
        .iter()
        .map(|s| {
            format!(
                r#"<li><span class="sub-name">{}</span> <code class="sub-id">{}</code> <span class="badge sub-{}">{}</span>{}</li>"#,
                escape(s.display_name.as_deref().unwrap_or("(no name)")),
                escape(&s.id),
                escape(s.status),
                escape(s.status),
                s.reason
                    .as_deref()
                    .map(|r| format!(r#" <span class="sub-reason">{}</span>"#, escape(r)))
                    .unwrap_or_default()
            )
        })
        .collect();
    facts.push((
        "Subscriptions",
        if subs.is_empty() {
            "none".into()
        } else {
            format!(r#"<ul class="subs">{subs}</ul>"#)
        },
    ));
    let t = &report.timing;
    facts.push((
        "Scan time",
        format!(
            "{} → {} <span class=\"muted\">({:.1} s, {} requests, {} retries, {} failed reads)</span>",
            escape(&t.started_at),
            escape(&t.finished_at),
            t.duration_ms as f64 / 1000.0,
            t.http.requests,
            t.http.retries,
            t.http.failed_reads
        ),
    ));
    facts.push((
        "Tool",
        escape(&format!(
            "{} {} (report schema {})",
            report.tool.name, report.tool.version, report.schema_version
        )),
    ));
    let b = &report.baseline;
    let mut baseline = escape(&format!("{} {}", b.name, b.version));
    if let Some(p) = &b.profile {
        let _ = write!(baseline, r#" · profile <code>{}</code>"#, escape(p));
    }
    if !b.disabled_checks.is_empty() {
        let _ = write!(
            baseline,
            " · disabled: {}",
            escape(&b.disabled_checks.join(", "))
        );
    }
    if !b.severity_overrides.is_empty() {
        let o: Vec<String> = b
            .severity_overrides
            .iter()
            .map(|(k, v)| format!("{k} → {v}"))
            .collect();
        let _ = write!(baseline, " · severity overrides: {}", escape(&o.join(", ")));
    }
    facts.push(("Baseline", baseline));
    // A demo or a replay read nothing from Resource Manager: say so rather
    // than name an endpoint it never reached.
    facts.push((
        "Source",
        match report.source.mode {
            "demo" => "demo · the embedded demo estate (nothing read from Azure)".to_string(),
            "replay" => format!(
                "replay · offline, from a recording of <code>{}</code>",
                escape(&report.source.arm_endpoint)
            ),
            mode => format!(
                "{} · <code>{}</code>",
                escape(mode),
                escape(&report.source.arm_endpoint)
            ),
        },
    ));
    match &report.source.recording {
        Some(r) => {
            facts.push((
                "Recording",
                format!(
                    "<code>{}</code>{}",
                    escape(&r.path),
                    r.recorded_at
                        .as_deref()
                        .map(|a| format!(" · recorded {}", escape(a)))
                        .unwrap_or_default()
                ),
            ));
            facts.push((
                "Recording SHA-256",
                format!(r#"<code class="sha">{}</code>"#, escape(&r.sha256)),
            ));
        }
        None => facts.push(("Recording SHA-256", "none (not recorded)".into())),
    }
    if let Some(w) = &report.waivers {
        let waived: usize = w.applied.iter().map(|a| a.results).sum();
        facts.push((
            "Waivers",
            format!(
                r##"<code>{}</code> · {} applied (<a href="#status=waived">{} results waived</a>), {} expired, {} unused"##,
                escape(&w.file),
                w.applied.len(),
                thousands(waived as u64),
                w.expired.len(),
                w.unused.len()
            ),
        ));
    }
    if let Some(c) = &report.comparison {
        facts.push((
            "Compared with",
            format!(
                r##"<code>{}</code> · <a href="#new=1">{} new failing</a>, {} fixed, {} unchanged, {} removed · score change {}"##,
                escape(&c.previous),
                thousands(c.new.len() as u64),
                thousands(c.fixed as u64),
                thousands(c.unchanged as u64),
                thousands(c.removed as u64),
                c.score_change
                    .map_or_else(|| "n/a".to_string(), |d| format!("{d:+.2}"))
            ),
        ));
    }
    if let Some(fw) = &report.framework {
        facts.push((
            "Framework",
            format!("{} <code>{}</code>", escape(&fw.name), escape(&fw.id)),
        ));
    }
    h.push_str(r#"<dl class="facts">"#);
    for (k, v) in facts {
        let _ = write!(h, "<dt>{k}</dt><dd>{v}</dd>");
    }
    h.push_str("</dl>");
    h
}

fn score_class(v: Option<f64>) -> &'static str {
    match v {
        None => "bar-na",
        Some(s) if s >= 80.0 => "bar-good",
        Some(s) if s >= 50.0 => "bar-warn",
        Some(_) => "bar-bad",
    }
}

/// One bar of a score chart.
struct ScoreBar {
    label: String,
    tooltip: String,
    href: String,
    score: Option<f64>,
    coverage: Option<f64>,
    total: u64,
}

const CHART_W: f64 = 420.0;
const LABEL_W: f64 = 130.0;
const VALUE_W: f64 = 126.0;
/// Where a score chart's value ends and its coverage note begins, from the plot's end.
const VALUE_SPLIT: f64 = 50.0;
const ROW_H: f64 = 26.0;
const TOP: f64 = 22.0;

fn score_chart(title: &str, id: &str, bars: &[ScoreBar]) -> String {
    let plot = CHART_W - LABEL_W - VALUE_W;
    let height = TOP + ROW_H * bars.len().max(1) as f64 + 6.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure class="chart" id="{id}"><figcaption>{title}</figcaption><svg viewBox="0 0 {CHART_W} {height}" role="img" aria-label="{title}">"#,
        title = escape(title)
    );
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let x = LABEL_W + plot * tick / 100.0;
        let _ = write!(
            s,
            r#"<line class="grid" x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{y2:.1}"/><text class="tick" x="{x:.1}" y="{ty}" text-anchor="middle">{tick}</text>"#,
            y1 = TOP - 4.0,
            y2 = height - 4.0,
            ty = TOP - 8.0,
        );
    }
    if bars.is_empty() {
        let _ = write!(
            s,
            r#"<text class="label" x="{LABEL_W}" y="{}">nothing scanned</text>"#,
            TOP + 18.0
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let bar_y = y + 6.0;
        let text_y = y + 19.0;
        let _ = write!(
            s,
            r#"<a href="{href}"><title>{tooltip}</title><text class="label" x="{lx}" y="{text_y}" text-anchor="end">{label}</text><rect class="track" x="{LABEL_W}" y="{bar_y}" width="{plot}" height="16" rx="2"/>"#,
            href = escape(&b.href),
            tooltip = escape(&b.tooltip),
            lx = LABEL_W - 8.0,
            label = escape(&b.label),
        );
        match b.score {
            Some(v) => {
                let w = plot * v.clamp(0.0, 100.0) / 100.0;
                let _ = write!(
                    s,
                    r#"<rect class="{cls}" x="{LABEL_W}" y="{bar_y}" width="{w:.1}" height="16" rx="2"/><text class="value" x="{vx}" y="{text_y}" text-anchor="end">{v:.2}</text><text class="value-note" x="{nx}" y="{text_y}">cov {cov}</text>"#,
                    cls = score_class(b.score),
                    // The score ends before the note starts ("100.00" is
                    // about 45 px at 12.5 px bold; "cov 100%" about 55 px).
                    vx = LABEL_W + plot + VALUE_SPLIT,
                    nx = LABEL_W + plot + VALUE_SPLIT + 7.0,
                    cov = b.coverage.map_or("n/a".into(), |c| format!("{c:.0}%")),
                );
            }
            None => {
                let _ = write!(
                    s,
                    r#"<text class="value-na" x="{x}" y="{text_y}">n/a · {what}</text>"#,
                    x = LABEL_W + 8.0,
                    what = if b.total == 0 {
                        "no results"
                    } else {
                        "nothing assessed"
                    }
                );
            }
        }
        s.push_str("</a>");
    }
    s.push_str("</svg></figure>");
    s
}

fn severity_status_chart(report: &Report) -> String {
    let mut counts = [[0u64; 5]; 4];
    for r in &report.results {
        let sev = SEVERITIES
            .iter()
            .position(|s| *s == r.severity.as_str())
            .unwrap_or(3);
        let st = STATUSES
            .iter()
            .position(|s| *s == r.status.as_str())
            .unwrap_or(4);
        counts[sev][st] += 1;
    }
    let max = counts
        .iter()
        .map(|row| row.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let label_w = 66.0;
    // Room for a total of seven characters ("185,727") inside the card.
    let value_w = 64.0;
    let plot = CHART_W - label_w - value_w;
    let legend_y = TOP + ROW_H * 4.0 + 14.0;
    let height = legend_y + 16.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure class="chart" id="chart-severity"><figcaption>Results by severity and status</figcaption><svg viewBox="0 0 {CHART_W} {height}" role="img" aria-label="Results by severity and status">"#
    );
    for (i, sev) in SEVERITIES.iter().enumerate() {
        let y = TOP - 10.0 + ROW_H * i as f64;
        let total: u64 = counts[i].iter().sum();
        let _ = write!(
            s,
            r##"<a href="#severity={sev}"><text class="label" x="{lx}" y="{ty}" text-anchor="end">{sev}</text></a><rect class="track" x="{label_w}" y="{by}" width="{plot}" height="18" rx="2"/>"##,
            lx = label_w - 8.0,
            ty = y + 19.0,
            by = y + 5.0,
        );
        let mut x = label_w;
        for (j, st) in STATUSES.iter().enumerate() {
            let n = counts[i][j];
            if n == 0 {
                continue;
            }
            let w = plot * n as f64 / max as f64;
            let _ = write!(
                s,
                r##"<a href="#severity={sev}&amp;status={st}"><title>{sev} · {stl}: {n}</title><rect class="seg st-{st}" x="{x:.2}" y="{by}" width="{w:.2}" height="18"/>"##,
                stl = status_label(st),
                by = y + 5.0,
            );
            if w >= 26.0 {
                let _ = write!(
                    s,
                    r#"<text class="seg-label" x="{cx:.2}" y="{ty}" text-anchor="middle">{n}</text>"#,
                    cx = x + w / 2.0,
                    ty = y + 18.0,
                );
            }
            s.push_str("</a>");
            x += w;
        }
        let _ = write!(
            s,
            r#"<text class="value" x="{vx:.2}" y="{ty}" text-anchor="end">{total}</text>"#,
            vx = CHART_W - 4.0,
            ty = y + 19.0,
            total = thousands(total),
        );
    }
    let mut lx = label_w;
    for st in STATUSES {
        let _ = write!(
            s,
            r#"<rect class="seg st-{st}" x="{lx}" y="{ly}" width="12" height="12" rx="2"/><text class="legend" x="{tx}" y="{ty}">{label}</text>"#,
            ly = legend_y - 10.0,
            tx = lx + 16.0,
            ty = legend_y,
            label = status_label(st),
        );
        lx += 16.0 + 7.0 * status_label(st).len() as f64 + 16.0;
    }
    s.push_str("</svg></figure>");
    s
}

fn charts(report: &Report) -> String {
    let families: Vec<ScoreBar> = Family::ALL
        .iter()
        .filter_map(|f| {
            let sc = report.scores.by_family.get(f.code())?;
            if *f == Family::Custom && sc.counts.total() == 0 {
                return None;
            }
            Some(ScoreBar {
                label: f.name().to_string(),
                tooltip: format!(
                    "{}: score {}, coverage {}, {} results",
                    f.name(),
                    pct(sc.score),
                    pct(sc.coverage),
                    sc.counts.total()
                ),
                href: format!("#family={}", f.code()),
                score: sc.score,
                coverage: sc.coverage,
                total: sc.counts.total(),
            })
        })
        .collect();
    let subs: Vec<ScoreBar> = report
        .scores
        .by_subscription
        .iter()
        .map(|(id, sc)| {
            let name = subscription_name(report, id).unwrap_or_else(|| id.clone());
            ScoreBar {
                label: truncate(&name, 16),
                tooltip: format!(
                    "{name} ({id}): score {}, coverage {}, {} results",
                    pct(sc.score),
                    pct(sc.coverage),
                    sc.counts.total()
                ),
                href: format!("#sub={}", hash_value(id)),
                score: sc.score,
                coverage: sc.coverage,
                total: sc.counts.total(),
            }
        })
        .collect();
    format!(
        r#"<div class="charts">{}{}{}</div>"#,
        score_chart("Score by family", "chart-family", &families),
        score_chart("Score by subscription", "chart-subscription", &subs),
        severity_status_chart(report)
    )
}

/// At most this many quiet sources are listed per workspace (all are in the JSON).
const MAX_QUIET: usize = 100;

/// "Evidence in motion": per SOC workspace, one strip per security table
/// (one cell per hour of the window) beside its facts, then the sources that
/// delivered nothing. Silent and gap are judged with the parameters in force,
/// as AZ-FLOW-001 and 002 judge them (`checks::flow` helpers).
fn activity_view(report: &Report) -> String {
    if report.table_activity.is_empty() {
        return String::new();
    }
    let p = &report.baseline.parameters;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<section id="activity" class="page"><h2>Evidence in motion</h2><p class="hint">Rows each security table of a SOC workspace received per hour over the last {days} days, one cell per hour, oldest on the left: darker cells had more rows (log scale, relative to the table's busiest hour), blank cells none. <span class="key key-gap"></span> a gap: more than {h} hours without rows between two hours with rows. <span class="key key-silent"></span> silent: no rows for more than {h} hours up to the scan.</p>"#,
        days = p.flow_lookback_days,
        h = p.flow_max_silence_hours,
    );
    for a in &report.table_activity {
        workspace_activity(&mut s, report, a);
    }
    s.push_str("</section>");
    s
}

fn workspace_activity(s: &mut String, report: &Report, a: &crate::checks::flow::TableActivity) {
    use crate::checks::flow::delay_label;
    let p = &report.baseline.parameters;
    let name = crate::inventory::last_segment(&a.workspace);
    let sub = subscription_name(report, &a.subscription).unwrap_or_default();
    let window = match (&a.window_start, &a.window_end) {
        (Some(from), Some(to)) => format!("{} → {}", escape(from), escape(to)),
        _ => "scan time unknown".into(),
    };
    let _ = write!(
        s,
        r#"<div class="ws"><h3 class="ws-name" title="{id}">{name}</h3><p class="ws-meta">subscription {sub} <code>{sub_id}</code> · window {window}</p>"#,
        id = escape(&a.workspace),
        name = escape(name),
        sub = escape(&sub),
        sub_id = escape(&a.subscription),
    );
    let error = |s: &mut String, what: &str, e: &str| {
        let _ = write!(
            s,
            r#"<p class="flow-error"><span class="badge st-error">error</span> {what}: {}</p>"#,
            escape(e)
        );
    };
    match &a.error {
        Some(e) => error(s, "rows per hour unknown", e),
        None => {
            s.push_str(r#"<table class="flow"><thead><tr><th class="f-table">Table</th><th class="f-strip">Rows per hour</th><th class="num">Rows</th><th class="f-last">Last rows</th><th class="num">Silent</th><th class="num">Gaps</th><th class="num">p95 delay</th></tr></thead><tbody>"#);
            let silent: Vec<&str> = a
                .silent_tables(p.flow_max_silence_hours)
                .map(|t| t.table.as_str())
                .collect();
            let n = a.tables.iter().map(|t| t.hourly.len()).max().unwrap_or(0);
            for t in &a.tables {
                let is_silent = silent.contains(&t.table.as_str());
                let slow = t
                    .p95_delay_seconds
                    .is_some_and(|d| d > (p.flow_max_latency_minutes * 60) as f64);
                let bad = |on: bool| if on { " bad" } else { "" };
                let _ = write!(
                    s,
                    r#"<tr class="{cls}"><td class="f-table">{table}</td><td class="f-strip">{strip}</td><td class="num">{rows}</td><td class="f-last">{last}</td><td class="num{sb}">{silence}</td><td class="num{gb}">{gaps}</td><td class="num{db}">{delay}</td></tr>"#,
                    cls = if t.hourly.is_empty() {
                        "t-none"
                    } else {
                        "t-rows"
                    },
                    table = escape(&t.table),
                    strip = strip(a, t, is_silent, p.flow_max_silence_hours),
                    rows = thousands(t.rows),
                    last = t
                        .last_hour
                        .as_deref()
                        .and_then(crate::util::text::parse_rfc3339)
                        .map_or_else(
                            || "—".into(),
                            |h| escape(&crate::checks::flow::hour_label(h))
                        ),
                    sb = bad(is_silent),
                    silence = t
                        .silent_hours
                        .map_or_else(|| "—".into(), |h| format!("{h} h")),
                    gb = bad(t.gaps > 0),
                    gaps = t.gaps,
                    db = bad(slow),
                    delay = t.p95_delay_seconds.map_or_else(|| "—".into(), delay_label),
                );
            }
            let _ = write!(
                s,
                r#"<tr class="axis"><td></td><td class="f-strip">{}</td><td colspan="5"></td></tr></tbody></table>"#,
                axis(a, n)
            );
        }
    }
    if let Some(e) = &a.delays_error {
        error(s, "ingestion delay unknown", e);
    }
    if let Some(e) = &a.sources_error {
        error(s, "sources not judged", e);
    } else if a.quiet_sources.is_empty() {
        s.push_str(r#"<p class="quiet-none">Every source configured to send here delivered rows in the window.</p>"#);
    } else {
        let _ = write!(
            s,
            r#"<h4 class="quiet-head">Sources that delivered nothing ({})</h4><ul class="quiet">"#,
            thousands(a.quiet_sources.len() as u64)
        );
        for id in a.quiet_sources.iter().take(MAX_QUIET) {
            let _ = write!(
                s,
                r#"<li title="{}">{}</li>"#,
                escape(id),
                escape(&crate::report::activity::source_label(report, id))
            );
        }
        if a.quiet_sources.len() > MAX_QUIET {
            let _ = write!(
                s,
                r#"<li class="muted">…and {} more (every one is in the JSON report)</li>"#,
                thousands((a.quiet_sources.len() - MAX_QUIET) as u64)
            );
        }
        s.push_str("</ul>");
    }
    s.push_str("</div>");
}

/// Intensity 1–4 of an hour with `n` rows (log scale, relative to the
/// table's busiest hour `max`); 0 when it had none.
fn level(n: u64, max: u64) -> usize {
    match (n, max) {
        (0, _) => 0,
        (_, 0 | 1) => 4,
        _ => {
            let f = (n as f64).ln_1p() / (max as f64).ln_1p();
            ((f * 4.0).ceil() as usize).clamp(1, 4)
        }
    }
}

/// One table's strip: an SVG one unit per hour (a path per intensity, one
/// segment per run of hours at that intensity), with the gaps and the
/// silent tail marked; a muted bar when the table received no row.
fn strip(
    a: &crate::checks::flow::TableActivity,
    t: &crate::checks::flow::TableStrip,
    silent: bool,
    max_silence: i64,
) -> String {
    use crate::checks::flow::{delay_label, hour_label};
    let label = |i: usize| a.hour_at(i).map(hour_label).unwrap_or_default();
    if t.hourly.is_empty() {
        let text = format!("{}: no rows in the window", t.table);
        return format!(
            r#"<div class="strip strip-empty" role="img" aria-label="{0}" title="{0}">no rows in the window</div>"#,
            escape(&text)
        );
    }
    let n = t.hourly.len();
    let max = t.hourly.iter().copied().max().unwrap_or(0);
    let mut paths: [String; 5] = Default::default();
    let mut i = 0;
    while i < n {
        let l = level(t.hourly[i], max);
        let start = i;
        while i < n && level(t.hourly[i], max) == l {
            i += 1;
        }
        if l > 0 {
            let _ = write!(paths[l], "M{start} .5h{}", i - start);
        }
    }
    let hours_with_rows = t.hourly.iter().filter(|&&r| r > 0).count();
    let gaps = t.gap_spans(max_silence);
    let mut summary = format!(
        "{}: {} rows in {hours_with_rows} of {n} hours; last rows in the hour from {}",
        t.table,
        thousands(t.rows),
        t.last_hour
            .as_deref()
            .and_then(crate::util::text::parse_rfc3339)
            .map(hour_label)
            .unwrap_or_default()
    );
    if silent {
        let _ = write!(
            summary,
            "; silent for {} hours (more than {max_silence})",
            t.silent_hours.unwrap_or(0)
        );
    }
    let _ = write!(
        summary,
        "; {} gap(s) of more than {max_silence} hours",
        gaps.len()
    );
    if let Some(d) = t.p95_delay_seconds {
        let _ = write!(summary, "; p95 ingestion delay {}", delay_label(d));
    }
    let mut svg = format!(
        r#"<div class="strip" role="img" aria-label="{0}" title="{0}"><svg viewBox="0 0 {n} 1" preserveAspectRatio="none" aria-hidden="true"><rect class="track" width="{n}" height="1"/>"#,
        escape(&summary)
    );
    for (l, d) in paths.iter().enumerate().skip(1) {
        if !d.is_empty() {
            let _ = write!(svg, r#"<path class="h{l}" d="{d}"/>"#);
        }
    }
    for g in &gaps {
        let _ = write!(
            svg,
            r#"<rect class="gap" x="{}" width="{}" height="1"><title>gap: no rows for {} hours, from {} to {}</title></rect>"#,
            g.start,
            g.len(),
            g.len(),
            label(g.start),
            label(g.end)
        );
    }
    if let (true, Some(from)) = (silent, t.silence_start()) {
        let _ = write!(
            svg,
            r#"<rect class="silent" x="{from}" width="{}" height="1"><title>silent: no rows since {} ({} hours)</title></rect>"#,
            n.saturating_sub(from),
            label(from),
            t.silent_hours.unwrap_or(0)
        );
    }
    svg.push_str("</svg></div>");
    svg
}

/// The time axis under a workspace's strips: a tick at each midnight (UTC),
/// the window's first and last hour.
fn axis(a: &crate::checks::flow::TableActivity, n: usize) -> String {
    use crate::checks::flow::hour_label;
    if n == 0 {
        return String::new();
    }
    let mut ticks = String::new();
    for i in 0..n {
        if a.hour_at(i).is_some_and(|h| h.rem_euclid(86_400) == 0) {
            let _ = write!(ticks, "M{i} 0v1");
        }
    }
    let label = |i: usize| a.hour_at(i).map(hour_label).unwrap_or_default();
    format!(
        r#"<svg class="ticks" viewBox="0 0 {n} 1" preserveAspectRatio="none" aria-hidden="true"><path d="{ticks}"/></svg><div class="axis-labels"><span>{}</span><span>ticks at 00:00 UTC</span><span>{}</span></div>"#,
        escape(&label(0)),
        escape(&label(n - 1))
    )
}

fn counts_cells(c: &crate::engine::Counts) -> String {
    let cell = |st: &str, n: u64| {
        if n == 0 {
            r#"<td class="num zero">0</td>"#.to_string()
        } else {
            format!(r#"<td class="num n-{st}">{}</td>"#, thousands(n))
        }
    };
    [
        cell("pass", c.pass),
        cell("fail", c.fail),
        cell("error", c.error),
        cell("waived", c.waived),
        cell("not_applicable", c.not_applicable),
    ]
    .concat()
}

fn checks_view(report: &Report) -> String {
    let mut s = String::new();
    s.push_str(
        r#"<table class="checks"><thead><tr><th class="c-toggle"></th><th>Check</th><th>Family</th><th>Severity</th><th>Scope</th><th>Status</th><th class="num">Pass</th><th class="num">Fail</th><th class="num">Error</th><th class="num">Waived</th><th class="num">n/a</th></tr></thead>"#,
    );
    for c in &report.checks {
        let family = code_of(&c.family);
        let severity = c.severity.as_str();
        let status = c.status.as_str();
        let scope = code_of(&c.scope);
        let link = format!("#check={}", hash_value(c.id));
        let _ = write!(
            s,
            r#"<tbody class="check"><tr class="check-row st-{status}"><td class="c-toggle"><button type="button" class="toggle" aria-expanded="false" title="Condition and rationale">▸</button></td><td><a class="cid" href="{link}">{id}</a><span class="ctitle">{title}</span></td><td>{family}</td><td><span class="badge sev-{severity}">{severity}</span></td><td>{scope}</td><td><span class="badge st-{status}">{status_l}</span></td>{counts}</tr>"#,
            link = escape(&link),
            id = escape(c.id),
            title = escape(c.title),
            family = escape(&family),
            scope = escape(&scope),
            status_l = status_label(status),
            counts = counts_cells(&c.counts),
        );
        s.push_str(r#"<tr class="check-more"><td></td><td colspan="10"><dl class="more">"#);
        if let Some(info) = report.check(c.id) {
            check_more(&mut s, info);
        }
        s.push_str("</dl></td></tr></tbody>");
    }
    s.push_str("</table>");
    s
}

fn parameters_view(report: &Report) -> String {
    let Ok(Value::Object(params)) = serde_json::to_value(&report.baseline.parameters) else {
        return String::new();
    };
    let mut s = String::from(r#"<dl class="params">"#);
    for (k, v) in params {
        let text = match v {
            Value::String(s) => s,
            Value::Array(items) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        };
        let _ = write!(
            s,
            "<dt><code>{}</code></dt><dd>{}</dd>",
            escape(&k),
            escape(&text)
        );
    }
    s.push_str("</dl>");
    s
}

fn controls_view(report: &Report) -> String {
    let Some(fw) = &report.framework else {
        return String::new();
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<section id="controls" class="page"><h2>Controls: {name}</h2><p class="summary">"#,
        name = escape(&fw.name)
    );
    let order = [
        "pass",
        "fail",
        "error",
        "not_applicable",
        "manual",
        "not_covered",
    ];
    let mut summary: BTreeMap<&str, usize> = fw.summary.clone();
    for k in order {
        if let Some(n) = summary.remove(k) {
            let _ = write!(
                s,
                r#"<span class="badge st-{k}">{n} {}</span> "#,
                escape(&k.replace('_', " "))
            );
        }
    }
    for (k, n) in summary {
        let _ = write!(s, r#"<span class="badge">{n} {}</span> "#, escape(k));
    }
    s.push_str(
        r#"</p><table class="controls"><thead><tr><th>Control</th><th>Status</th><th>Checks</th><th class="num">Pass</th><th class="num">Fail</th><th class="num">Error</th><th class="num">Waived</th><th class="num">n/a</th></tr></thead><tbody>"#,
    );
    for c in &fw.controls {
        let status = c.status.as_str();
        let checks: String = c
            .checks
            .iter()
            .map(|id| {
                format!(
                    r#"<a class="cid" href="{}">{}</a> "#,
                    escape(&format!("#check={}", hash_value(id))),
                    escape(id)
                )
            })
            .collect();
        let _ = write!(
            s,
            r#"<tr class="st-{status}"><td><span class="ctl-id">{id}</span> <span class="ctitle">{title}</span></td><td><span class="badge st-{status}">{label}</span></td><td>{checks}</td>{counts}</tr>"#,
            id = escape(&c.id),
            title = escape(&c.title),
            label = escape(&status.replace('_', " ")),
            checks = if checks.is_empty() {
                r#"<span class="muted">none</span>"#.to_string()
            } else {
                checks
            },
            counts = counts_cells(&c.counts),
        );
    }
    s.push_str("</tbody></table></section>");
    s
}

/// A check's condition, rationale, references (and a rule's CEL and remediation).
fn check_more(s: &mut String, info: &CheckInfo) {
    match &info.origin {
        Origin::BuiltIn { .. } => {
            let _ = write!(
                s,
                "<dt>Condition</dt><dd>{}</dd><dt>Rationale</dt><dd>{}</dd>",
                escape(&info.condition),
                escape(&info.rationale)
            );
            let refs = info.reference_labels();
            if !refs.is_empty() {
                let _ = write!(
                    s,
                    "<dt>References</dt><dd>{}</dd>",
                    escape(&refs.join(" · "))
                );
            }
        }
        Origin::Rule {
            resource_type,
            cel,
            when,
            remediation,
        } => {
            let _ = write!(
                s,
                "<dt>Resource type</dt><dd><code>{}</code></dd><dt>Condition</dt><dd><code>{}</code></dd>",
                escape(resource_type),
                escape(cel)
            );
            if let Some(w) = when {
                let _ = write!(s, "<dt>When</dt><dd><code>{}</code></dd>", escape(w));
            }
            if !info.rationale.is_empty() {
                let _ = write!(s, "<dt>Rationale</dt><dd>{}</dd>", escape(&info.rationale));
            }
            let _ = write!(s, "<dt>Remediation</dt><dd>{}</dd>", escape(remediation));
        }
    }
}

/// The data the findings table renders from.
fn data(report: &Report) -> Value {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut checks_data: Vec<Value> = Vec::new();
    let check_meta = |id: &str,
                      title: &str,
                      family: String,
                      severity: &str,
                      scope: String,
                      status: &str,
                      counts: Value|
     -> Value {
        let mut v = json!({
            "id": id,
            "title": title,
            "family": family,
            "severity": severity,
            "scope": scope,
            "status": status,
            "counts": counts,
        });
        let o = v.as_object_mut().expect("an object");
        match report.check(id).map(|i| (i, &i.origin)) {
            Some((info, Origin::BuiltIn { remediation, .. })) => {
                o.insert("condition".into(), json!(info.condition));
                o.insert("rationale".into(), json!(info.rationale));
                o.insert("portal".into(), json!(remediation.portal));
                o.insert("cli".into(), json!(remediation.cli));
                o.insert("bicep".into(), json!(remediation.bicep));
                let refs: Vec<Value> = info
                    .references
                    .iter()
                    .map(|r| json!([r.framework.label(), r.id]))
                    .collect();
                o.insert("refs".into(), Value::Array(refs));
            }
            Some((
                info,
                Origin::Rule {
                    resource_type,
                    cel,
                    when,
                    remediation,
                },
            )) => {
                o.insert("condition".into(), json!(cel));
                o.insert("rationale".into(), json!(info.rationale));
                o.insert("remediation".into(), json!(remediation));
                o.insert("resource_type".into(), json!(resource_type));
                if let Some(w) = when {
                    o.insert("when".into(), json!(w));
                }
            }
            None => {}
        }
        v
    };
    for c in &report.checks {
        index.insert(c.id, checks_data.len());
        checks_data.push(check_meta(
            c.id,
            c.title,
            code_of(&c.family),
            c.severity.as_str(),
            code_of(&c.scope),
            c.status.as_str(),
            serde_json::to_value(c.counts).unwrap_or(Value::Null),
        ));
    }
    let mut subs: Vec<Value> = Vec::new();
    let mut sub_index: HashMap<String, usize> = HashMap::new();
    for s in &report.subscriptions {
        sub_index
            .entry(s.id.to_ascii_lowercase())
            .or_insert_with(|| {
                subs.push(json!({"id": s.id, "name": s.display_name}));
                subs.len() - 1
            });
    }
    // Failing results that are new since the previous report (`--compare`).
    let new_keys: std::collections::HashSet<crate::model::ResultKey> = report
        .comparison
        .as_ref()
        .map(|c| {
            c.new
                .iter()
                .map(crate::engine::diff::ResultDoc::key)
                .collect()
        })
        .unwrap_or_default();
    let mut results = Vec::with_capacity(report.results.len());
    for r in &report.results {
        let c = *index.entry(r.check_id).or_insert_with(|| {
            checks_data.push(check_meta(
                r.check_id,
                r.title,
                code_of(&r.family),
                r.severity.as_str(),
                String::new(),
                "",
                Value::Null,
            ));
            checks_data.len() - 1
        });
        let sev = SEVERITIES
            .iter()
            .position(|s| *s == r.severity.as_str())
            .unwrap_or(3);
        let st = STATUSES
            .iter()
            .position(|s| *s == r.status.as_str())
            .unwrap_or(4);
        let sub = r.subscription_id.as_ref().map(|id| {
            *sub_index.entry(id.to_ascii_lowercase()).or_insert_with(|| {
                subs.push(json!({"id": id, "name": null}));
                subs.len() - 1
            })
        });
        let waiver = r.waiver.as_ref().map_or(Value::Null, |w| {
            json!({
                "reason": w.reason,
                "owner": w.owner,
                "expires": w.expires,
                "original_status": w.original_status.as_str(),
                "line": w.line,
            })
        });
        let mut row = json!([
            c,
            sev,
            st,
            r.resource_id,
            r.item,
            sub,
            r.reason,
            r.remediation_cli,
            waiver
        ]);
        let is_new = !new_keys.is_empty()
            && matches!(r.status, Status::Fail | Status::Error)
            && new_keys.contains(&crate::model::ResultKey::new(
                r.check_id,
                &r.resource_id,
                r.item.as_deref(),
            ));
        if is_new {
            if let Value::Array(a) = &mut row {
                a.push(json!(1));
            }
        }
        results.push(row);
    }
    let mut families: Vec<Value> = Vec::new();
    for f in Family::ALL {
        if checks_data.iter().any(|c| c["family"] == f.code()) {
            families.push(json!({"code": f.code(), "name": f.name()}));
        }
    }
    json!({
        "severities": SEVERITIES,
        "statuses": STATUSES,
        "families": families,
        "subscriptions": subs,
        "checks": checks_data,
        "compared": report.comparison.is_some(),
        "results": results,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_the_html_specials() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{2028}b\u{0}c"), "a&#x2028;b\u{FFFD}c");
    }

    #[test]
    fn script_json_cannot_close_the_script() {
        let v = json!({"k": "</script><script>alert(1)</script>&\u{2028}\u{2029}"});
        let s = script_json(&v);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        assert!(!s.contains('\u{2028}') && !s.contains('\u{2029}'));
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn fill_is_one_pass() {
        let mut v = HashMap::new();
        v.insert("a", "{{b}}".to_string());
        v.insert("b", "B".to_string());
        assert_eq!(fill("x{{a}}y{{b}}z{{c}}", &v), "x{{b}}yBz{{c}}");
    }

    #[test]
    fn assets_cannot_break_out_and_use_no_html_sinks() {
        assert!(!JS.to_ascii_lowercase().contains("</script"));
        assert!(!CSS.to_ascii_lowercase().contains("</style"));
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
            "setAttribute('on",
            "srcdoc",
        ] {
            assert!(!JS.contains(sink), "report.js uses {sink}");
        }
        for load in ["http://", "https://", "@import", "url("] {
            assert!(!CSS.contains(load), "report.css has {load}");
            assert!(!JS.contains(load), "report.js has {load}");
        }
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(50_000), "50,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
