//! SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer).
//!
//! - One `tool.driver.rules[]` entry per check of the report (built-in checks
//!   and the profile's property rules), with the check's help (rationale,
//!   pass condition, remediation: portal, `az`, Bicep; references), its
//!   effective severity as `properties.security-severity` and
//!   `defaultConfiguration.level`, and tags (family, framework references).
//! - One result per `fail` result (at most [`MAX_RESULTS`], GitHub's limit
//!   per run: past it the most severe are kept and a notification says how
//!   many were left out). `error` results (not assessed) are not
//!   alerts: GitHub would show them as open alerts that no fix can close.
//!   Each becomes a `runs[0].invocations[0].toolExecutionNotifications`
//!   entry instead, so the coverage gap stays visible in the file. `waived`
//!   results are left out: GitHub ignores SARIF `suppressions` and would show
//!   them as open alerts. `pass` and `not_applicable` results are left out.
//! - GitHub requires a `physicalLocation.artifactLocation.uri` on every
//!   result. Azure resources are not files, so each result gets a stable
//!   pseudo-path derived from its resource id, see [`artifact_uri`], next to
//!   a `logicalLocations` entry holding the resource id as Azure returned it.
//! - `partialFingerprints` carry [`fingerprint`] (the same finding gets the
//!   same fingerprint in every run), also as `primaryLocationLineHash`, the
//!   only key GitHub reads; GitHub's upload action does not recompute it for
//!   a path that is not a file in the repository.
//! - The output is deterministic: no timestamps, no durations.

use crate::checks::{CheckInfo, Filled, Origin, Severity, Status};
use crate::engine::{CheckSummary, ResultRow};
use crate::report::{resource_name, truncate, Report};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The schema URI GitHub's documentation gives for SARIF 2.1.0.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub truncates rule descriptions past this length.
const MAX_DESCRIPTION: usize = 1024;
/// GitHub's limit on a rule's `name`.
const MAX_NAME: usize = 255;
/// GitHub rejects a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;
/// GitHub rejects a rule with more tags than this.
const MAX_TAGS: usize = 20;

/// At most `max` rows, the most severe first chosen, kept in report order.
fn most_severe<'a>(rows: &[&'a ResultRow], max: usize) -> Vec<&'a ResultRow> {
    if rows.len() <= max {
        return rows.to_vec();
    }
    let mut idx: Vec<usize> = (0..rows.len()).collect();
    idx.sort_by_key(|&i| (std::cmp::Reverse(rows[i].severity), i));
    idx.truncate(max);
    idx.sort_unstable();
    idx.into_iter().map(|i| rows[i]).collect()
}

/// Renders the report as a SARIF 2.1.0 log (pretty JSON, ending in a newline).
pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&to_value(report)).expect("SARIF serializes");
    s.push('\n');
    s
}

/// The SARIF log as a JSON value.
pub fn to_value(report: &Report) -> Value {
    let rules: Vec<Value> = report.checks.iter().map(|c| rule(report, c)).collect();
    let rule_index = |id: &str| report.checks.iter().position(|c| c.id == id);

    let failing: Vec<&ResultRow> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .collect();
    let kept = most_severe(&failing, MAX_RESULTS);
    let results: Vec<Value> = kept
        .iter()
        .map(|r| result(r, rule_index(r.check_id)))
        .collect();

    let mut notifications: Vec<Value> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Error)
        .map(|r| error_notification(r, rule_index(r.check_id)))
        .collect();
    if kept.len() < failing.len() {
        notifications.push(json!({
            "level": "warning",
            "message": {"text": format!(
                "{} failing results left out: GitHub code scanning rejects a run with more than {MAX_RESULTS} results; the most severe are kept, the JSON and CSV reports have all",
                failing.len() - kept.len()
            )},
        }));
    }
    for s in &report.subscriptions {
        let (level, what) = match s.status {
            "unreadable" => ("error", "is unreadable"),
            "skipped" => ("note", "was skipped"),
            _ => continue,
        };
        let reason = s.reason.as_deref().unwrap_or("no reason given");
        notifications.push(json!({
            "level": level,
            "message": {"text": format!("subscription {} {what}: {reason}", s.id)},
            "locations": [location(&format!("/subscriptions/{}", s.id))],
        }));
    }
    for w in &report.warnings {
        notifications.push(json!({
            "level": "warning",
            "message": {"text": w},
        }));
    }
    let mut invocation = json!({"executionSuccessful": true});
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }

    let overall = &report.scores.overall;
    let mut run_props = Map::new();
    run_props.insert("reportSchemaVersion".into(), json!(report.schema_version));
    run_props.insert(
        "baseline".into(),
        json!(format!(
            "{} {}",
            report.baseline.name, report.baseline.version
        )),
    );
    if let Some(t) = &report.tenant_id {
        run_props.insert("tenantId".into(), json!(t));
    }
    run_props.insert("score".into(), json!(overall.score));
    run_props.insert("coverage".into(), json!(overall.coverage));
    run_props.insert("counts".into(), json!(overall.counts));
    if report.gate.gate.is_set() {
        run_props.insert("gatePassed".into(), json!(report.gate.verdict.passed));
    }

    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "rules": rules,
                }
            },
            "automationDetails": {"id": automation_id(report)},
            "invocations": [invocation],
            "results": results,
            "properties": run_props,
        }]
    })
}

/// `azward/<tenant>/`: the analysis category (everything before the last
/// `/`), so each tenant's uploads replace that tenant's earlier ones.
pub fn automation_id(report: &Report) -> String {
    match &report.tenant_id {
        Some(t) if !t.is_empty() => format!("azward/{}/", t.to_ascii_lowercase()),
        _ => "azward/".to_string(),
    }
}

/// The stable identity of a finding: SHA-256 (hex) of
/// `check_id|lower-cased resource id|item` (empty item when there is none).
pub fn fingerprint(r: &ResultRow) -> String {
    let mut h = Sha256::new();
    h.update(r.check_id.as_bytes());
    h.update(b"|");
    h.update(r.resource_id.to_lowercase().as_bytes());
    h.update(b"|");
    h.update(r.item.as_deref().unwrap_or("").as_bytes());
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Characters kept as they are in a path segment: RFC 3986 unreserved.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The pseudo-path of a resource: `azure/` followed by the resource id,
/// lower-cased (Azure ids are case-insensitive and their casing varies
/// between APIs; GitHub needs the same path in every run), without empty
/// segments, each segment percent-encoded (RFC 3986 unreserved characters
/// kept). So `/subscriptions/S/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/kv1`
/// becomes `azure/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv1`
/// and `/tenants/T` becomes `azure/tenants/t`. It is a relative reference,
/// which GitHub reads as relative to the repository root; no such file
/// exists, so GitHub shows the alert without a source view. The keywords
/// (`subscriptions`, `resourcegroups`, `providers`) are kept so that two
/// resources never share a path.
pub fn artifact_uri(resource_id: &str) -> String {
    let mut out = String::from("azure");
    let lower = resource_id.to_lowercase();
    let mut any = false;
    for seg in lower.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        match seg {
            // Never a dot segment: `..` would climb out of `azure/`.
            "." => out.push_str("%2E"),
            ".." => out.push_str("%2E%2E"),
            _ => out.extend(utf8_percent_encode(seg, SEGMENT)),
        }
        any = true;
    }
    if !any {
        out.push_str("/unknown");
    }
    out
}

fn location(resource_id: &str) -> Value {
    let name = resource_name(resource_id);
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(resource_id)},
            "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
        },
        "logicalLocations": [{
            "name": name,
            "fullyQualifiedName": resource_id,
            "kind": "resource",
        }],
    })
}

fn result(r: &ResultRow, rule_index: Option<usize>) -> Value {
    let fp = fingerprint(r);
    let mut v = json!({
        "ruleId": r.check_id,
    });
    if let Some(i) = rule_index {
        v["ruleIndex"] = json!(i);
    }
    v["kind"] = json!("fail");
    v["level"] = json!(level(r.severity));
    v["message"] = json!({"text": r.reason});
    v["locations"] = json!([location(&r.resource_id)]);
    v["partialFingerprints"] = json!({
        "azwardFinding/v1": fp,
        "primaryLocationLineHash": format!("{}:1", &fp[..16]),
    });
    let mut props = Map::new();
    props.insert("severity".into(), json!(r.severity));
    if let Some(s) = &r.subscription_id {
        props.insert("subscriptionId".into(), json!(s));
    }
    if let Some(i) = &r.item {
        props.insert("item".into(), json!(i));
    }
    if let Some(cli) = &r.remediation_cli {
        props.insert("remediationCli".into(), json!(cli));
    }
    v["properties"] = Value::Object(props);
    v
}

fn error_notification(r: &ResultRow, rule_index: Option<usize>) -> Value {
    let what = match &r.item {
        Some(i) => format!("{} ({i})", r.resource_id),
        None => r.resource_id.to_string(),
    };
    let mut rule = json!({"id": r.check_id});
    if let Some(i) = rule_index {
        rule["index"] = json!(i);
    }
    let mut props = Map::new();
    props.insert("status".into(), json!("error"));
    if let Some(s) = &r.subscription_id {
        props.insert("subscriptionId".into(), json!(s));
    }
    json!({
        "level": "error",
        "message": {"text": format!("{} not assessed for {what}: {}", r.check_id, r.reason)},
        "locations": [location(&r.resource_id)],
        "associatedRule": rule,
        "properties": props,
    })
}

/// `error` for critical and high, `warning` for medium, `note` for low.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity`: over 9.0 critical, 7.0–8.9 high,
/// 4.0–6.9 medium, 0.1–3.9 low.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// `Key Vault uses the Azure RBAC permission model` → `KeyVaultUsesTheAzureRbacPermissionModel`.
fn pascal_name(title: &str) -> String {
    let mut out = String::new();
    for word in title.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    truncate(&out, MAX_NAME)
}

/// A fence longer than any backtick run in `body`.
fn fence(body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

struct Help {
    text: String,
    markdown: String,
}

fn check_help(c: &CheckInfo, rem: &Filled) -> Help {
    let refs = c.reference_labels();
    let mut text = format!(
        "{}\n\nWhy it matters: {}\n\nPass condition: {}\n\n{}",
        c.title,
        c.rationale,
        c.condition,
        c.remediation_steps()
    );
    text.push_str(&format!(
        "\nRemediation (Azure CLI; each result's remediationCli has the resource's names filled in):\n{}\n\nRemediation (Bicep):\n{}\n",
        rem.cli, rem.bicep
    ));
    if !refs.is_empty() {
        text.push_str(&format!("\nReferences: {}\n", refs.join(", ")));
    }

    let mut md = format!(
        "**{}**\n\n**Why it matters.** {}\n\n**Pass condition.** {}\n\n### Remediation\n\n**Azure portal**\n\n",
        c.title, c.rationale, c.condition
    );
    for (i, step) in rem.portal.iter().enumerate() {
        md.push_str(&format!("{}. {step}\n", i + 1));
    }
    let f = fence(&rem.cli);
    md.push_str(&format!(
        "\n**Azure CLI** (each result's `remediationCli` property has the resource's names filled in)\n\n{f}sh\n{}\n{f}\n",
        rem.cli
    ));
    let f = fence(&rem.bicep);
    md.push_str(&format!("\n**Bicep**\n\n{f}bicep\n{}\n{f}\n", rem.bicep));
    if !refs.is_empty() {
        md.push_str(&format!("\n**References:** {}\n", refs.join(" · ")));
    }
    Help { text, markdown: md }
}

fn property_rule_help(c: &CheckInfo, remediation: &str) -> Help {
    let cond = &c.condition;
    let mut text = format!("{}\n\n", c.title);
    let mut md = format!("**{}**\n\n", c.title);
    if !c.rationale.is_empty() {
        text.push_str(&format!("Why it matters: {}\n\n", c.rationale));
        md.push_str(&format!("**Why it matters.** {}\n\n", c.rationale));
    }
    text.push_str(&format!(
        "Pass condition: {cond}\n\nRemediation: {remediation}\n\nAn organisation rule of the baseline profile.\n"
    ));
    md.push_str(&format!(
        "**Pass condition.** {cond}\n\n### Remediation\n\n{remediation}\n\n_An organisation rule of the baseline profile._\n"
    ));
    Help { text, markdown: md }
}

fn rule(report: &Report, c: &CheckSummary) -> Value {
    let info = report.check(c.id);
    let (full, help, refs): (String, Help, Vec<String>) = match info.map(|i| (i, &i.origin)) {
        Some((i, Origin::BuiltIn { remediation, .. })) => (
            i.condition.clone(),
            check_help(i, remediation),
            i.reference_labels(),
        ),
        Some((i, Origin::Rule { remediation, .. })) => (
            i.condition.clone(),
            property_rule_help(i, remediation),
            Vec::new(),
        ),
        None => (
            c.title.to_string(),
            Help {
                text: c.title.to_string(),
                markdown: c.title.to_string(),
            },
            Vec::new(),
        ),
    };
    let mut tags: Vec<String> = vec![
        "security".into(),
        "forensic-readiness".into(),
        c.family.name().to_string(),
    ];
    for r in refs {
        if !tags.contains(&r) {
            tags.push(r);
        }
    }
    tags.truncate(MAX_TAGS);
    json!({
        "id": c.id,
        "name": pascal_name(c.title),
        "shortDescription": {"text": truncate(c.title, MAX_DESCRIPTION)},
        "fullDescription": {"text": truncate(&full, MAX_DESCRIPTION)},
        "defaultConfiguration": {"level": level(c.severity)},
        "help": {"text": help.text, "markdown": help.markdown},
        "properties": {
            "security-severity": security_severity(c.severity),
            "precision": "very-high",
            "severity": c.severity,
            "family": c.family.code(),
            "scope": c.scope,
            "tags": tags,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uri_is_a_stable_relative_path() {
        assert_eq!(
            artifact_uri(
                "/subscriptions/S1/resourceGroups/RG-A/providers/Microsoft.KeyVault/vaults/KV1"
            ),
            "azure/subscriptions/s1/resourcegroups/rg-a/providers/microsoft.keyvault/vaults/kv1"
        );
        assert_eq!(artifact_uri("/tenants/T"), "azure/tenants/t");
        assert_eq!(
            artifact_uri("/subscriptions/s/resourceGroups/a b/x/../%?#"),
            "azure/subscriptions/s/resourcegroups/a%20b/x/%2E%2E/%25%3F%23"
        );
        assert_eq!(artifact_uri(""), "azure/unknown");
    }

    #[test]
    fn names_and_levels() {
        assert_eq!(
            pascal_name("Key Vault uses the Azure RBAC permission model"),
            "KeyVaultUsesTheAzureRbacPermissionModel"
        );
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(fence("a ``` b"), "````");
        assert_eq!(fence("plain"), "```");
    }
}
