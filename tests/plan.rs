//! `azward plan` over the embedded demo estate: hand-written what-if
//! documents (the `WhatIfOperationResult` shape of the Resource Manager API,
//! bodies taken from the demo's own) and exactly the new and fixed failing
//! results each gives, with the planned change's address.

mod common;

use azward::app::{plan_blocking, Judgement};
use azward::azure::scan::{Input, ScanOptions};
use azward::azure::whatif::WhatIf;
use azward::checks::Status;
use azward::report::plan::{PlanReport, PlanResult};
use std::path::PathBuf;
use std::process::{Command, Output};

const PROD: &str = "/subscriptions/8a1f6c3e-52d4-4b9a-a7e0-3c9d15b2e6f4";
const DEV: &str = "/subscriptions/c7e2d5b8-0f4a-4e61-9b3c-6a8d2f1e7b05";
const ACTIVITY_EXPORT: &str =
    "/providers/Microsoft.Insights/diagnosticSettings/activitylog-to-sentinel";
const NEW_ACCOUNT: &str =
    "/resourceGroups/rg-app-prod/providers/Microsoft.Storage/storageAccounts/stnwplanexports";
const TAMPER_ALERT: &str = "/resourceGroups/rg-monitoring/providers/Microsoft.Insights/activityLogAlerts/ala-diagnostic-settings-delete";
const SENTINEL_LAW: &str = "/resourceGroups/rg-security/providers/Microsoft.OperationalInsights/workspaces/law-nw-sentinel-prod";
const DEV_VAULT: &str =
    "/resourceGroups/rg-dev-app/providers/Microsoft.KeyVault/vaults/kv-nw-dev-app";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/plan")
        .join(name)
}

fn plan(name: &str) -> (azward::app::Plan, PlanReport) {
    let what_if = WhatIf::load(&fixture(name)).expect("the fixture loads");
    let p = plan_blocking(
        ScanOptions::new(Input::Demo),
        Judgement::new(time::macros::date!(2026 - 11 - 20)),
        &what_if,
        Some(azward::checks::Severity::High),
    )
    .expect("the plan runs");
    let r = p.report.clone();
    (p, r)
}

/// (check id, resource id lower-cased, addresses lower-cased), sorted.
fn keyed(list: &[PlanResult]) -> Vec<(String, String, Vec<String>)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|r| {
            (
                r.result.check_id.clone(),
                r.result.resource_id.to_ascii_lowercase(),
                r.addresses.iter().map(|a| a.to_ascii_lowercase()).collect(),
            )
        })
        .collect();
    v.sort();
    v
}

fn k(check: &str, id: &str, addr: &[&str]) -> (String, String, Vec<String>) {
    (
        check.into(),
        id.to_ascii_lowercase(),
        addr.iter().map(|a| a.to_ascii_lowercase()).collect(),
    )
}

fn sorted(mut v: Vec<(String, String, Vec<String>)>) -> Vec<(String, String, Vec<String>)> {
    v.sort();
    v
}

fn export_deleted() -> Vec<(String, String, Vec<String>)> {
    let setting = format!("{PROD}{ACTIVITY_EXPORT}");
    vec![k("AZ-MON-003", PROD, &[&setting])]
}

fn account_added() -> Vec<(String, String, Vec<String>)> {
    let acct = format!("{PROD}{NEW_ACCOUNT}");
    let mut v = vec![
        k("AZ-ST-003", &acct, &[&acct]),
        k("AZ-ST-006", &acct, &[&acct]),
    ];
    for s in ["blob", "file", "queue", "table"] {
        let svc = format!("{acct}/{s}Services/default");
        v.push(k("AZ-MON-004", &svc, &[&acct]));
        v.push(k("AZ-ST-001", &svc, &[&acct]));
    }
    v
}

fn alert_deleted() -> Vec<(String, String, Vec<String>)> {
    // The result is on the subscription; the deleted alert lives under it.
    vec![k("AZ-MON-006", PROD, &[&format!("{PROD}{TAMPER_ALERT}")])]
}

fn retention_shortened() -> Vec<(String, String, Vec<String>)> {
    let law = format!("{PROD}{SENTINEL_LAW}");
    vec![k("AZ-LAW-001", &law, &[&law])]
}

fn purge_protection_fixed() -> Vec<(String, String, Vec<String>)> {
    let kv = format!("{DEV}{DEV_VAULT}");
    vec![k("AZ-KV-006", &kv, &[&kv])]
}

#[test]
fn deleting_the_activity_log_export_is_new() {
    let (_, r) = plan("delete-activity-log-export.json");
    assert_eq!(keyed(&r.new), export_deleted());
    assert!(r.fixed.is_empty(), "{:?}", r.fixed);
    assert!(r.not_applied.is_empty());
    // Medium: under the gate's high.
    assert!(r.passed);
}

#[test]
fn an_unlogged_storage_account_is_new_and_what_the_plan_cannot_tell_is_error() {
    let (p, r) = plan("add-unlogged-storage-account.json");
    assert_eq!(keyed(&r.new), sorted(account_added()));
    assert!(r.fixed.is_empty(), "{:?}", r.fixed);
    // Blob service properties are unknown until apply: error, never pass.
    let acct = format!("{PROD}{NEW_ACCOUNT}").to_ascii_lowercase();
    let st006 = r
        .new
        .iter()
        .find(|x| x.result.check_id == "AZ-ST-006")
        .unwrap();
    assert_eq!(st006.result.status, Status::Error);
    assert!(
        st006.result.reason.contains("unknown until apply"),
        "{}",
        st006.result.reason
    );
    for res in &p.planned.report.results {
        if res.resource_id.to_ascii_lowercase().starts_with(&acct) && res.status == Status::Pass {
            assert!(
                ["AZ-ST-002", "AZ-ST-004", "AZ-ST-005"].contains(&res.check_id),
                "{} passes on the new account without its reads: {}",
                res.check_id,
                res.reason
            );
        }
    }
    // High failures: the gate fails.
    assert!(!r.passed);
    assert!(r
        .gate_reasons
        .iter()
        .any(|g| g.starts_with("AZ-ST-001 high fail")));
}

#[test]
fn deleting_the_tamper_alert_is_new() {
    let (_, r) = plan("delete-tamper-alert.json");
    assert_eq!(keyed(&r.new), alert_deleted());
    assert!(r.fixed.is_empty(), "{:?}", r.fixed);
    assert!(!r.passed);
}

#[test]
fn shortening_workspace_retention_is_new() {
    let (_, r) = plan("shorten-workspace-retention.json");
    assert_eq!(keyed(&r.new), retention_shortened());
    assert!(r.new[0].result.reason.contains("retentionInDays is 30"));
    assert!(r.fixed.is_empty(), "{:?}", r.fixed);
}

#[test]
fn enabling_purge_protection_is_fixed() {
    let (_, r) = plan("enable-purge-protection.json");
    assert!(r.new.is_empty(), "{:?}", r.new);
    assert_eq!(keyed(&r.fixed), purge_protection_fixed());
    assert!(r.passed);
}

#[test]
fn the_combined_change_gives_each_finding_once() {
    let (_, r) = plan("combined.json");
    let mut new = export_deleted();
    new.extend(account_added());
    new.extend(alert_deleted());
    new.extend(retention_shortened());
    assert_eq!(keyed(&r.new), sorted(new));
    assert_eq!(keyed(&r.fixed), purge_protection_fixed());
    // NoChange is neither applied nor listed.
    assert_eq!(r.applied, 5);
    assert!(r.not_applied.is_empty());
}

fn azward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_azward"))
        .args(args)
        .output()
        .expect("azward runs")
}

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

#[test]
fn the_markdown_comment_escapes_hostile_names_and_lists_what_was_not_applied() {
    let out = azward(&[
        "plan",
        "--demo",
        "--what-if",
        &path("hostile.json"),
        "--format",
        "md",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("## azward plan: "), "{md}");
    // HTML and links only ever escaped (a backslash before), mentions and
    // references broken by a word joiner.
    let bare = |pat: &str| md.match_indices(pat).any(|(i, _)| !md[..i].ends_with('\\'));
    for raw in ["<img", "<b>", "](", "[x"] {
        assert!(!bare(raw), "{raw:?} unescaped in:\n{md}");
    }
    for raw in ["@secops", "#1"] {
        assert!(!md.contains(raw), "{raw:?} unescaped in:\n{md}");
    }
    assert!(md.contains("st\\<img src=x\\>@\u{2060}secops"), "{md}");
    // The hostile account's findings are in the comment, its name escaped.
    assert!(md.contains("| AZ-ST-006 | medium | error |"), "{md}");
    // The unsupported change and the unmapped child type are listed, not dropped.
    assert!(md.contains("### Not applied"), "{md}");
    assert!(md.contains("what-if cannot predict it"), "{md}");
    assert!(
        md.contains("blobServices/default | resource type not mapped"),
        "{md}"
    );
    let text = azward(&["plan", "--demo", "--what-if", &path("hostile.json")]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("2 not applied"), "{text}");
    assert!(text.contains("Unsupported "), "{text}");
}

#[test]
fn a_malformed_what_if_is_one_line_naming_file_and_field_and_exit_2() {
    let file = path("malformed.json");
    let out = azward(&["plan", "--demo", "--what-if", &file]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&file), "{err}");
    assert!(
        err.contains("properties.changes[0].changeType: unknown change type"),
        "{err}"
    );
}

#[test]
fn the_gate_and_sarif_name_the_planned_address() {
    let out = azward(&[
        "plan",
        "--demo",
        "--what-if",
        &path("delete-tamper-alert.json"),
        "--format",
        "sarif",
        "--fail-on-new",
        "high",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::validate_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let new: Vec<_> = results
        .iter()
        .filter(|r| r["baselineState"] == "new")
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["ruleId"], "AZ-MON-006");
    assert_eq!(
        new[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        format!("{PROD}{TAMPER_ALERT}").as_str()
    );
    // Fixing purge protection introduces nothing: the gate holds.
    let ok = azward(&[
        "plan",
        "--demo",
        "--what-if",
        &path("enable-purge-protection.json"),
        "--format",
        "json",
        "--fail-on-new",
        "low",
    ]);
    assert_eq!(ok.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(doc["fixed"][0]["check_id"], "AZ-KV-006");
    assert_eq!(doc["passed"], true);
}
