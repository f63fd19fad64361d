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

// ---------------------------------------------------------------------------
// Terraform (`terraform show -json PLAN`): the same five changes, written as
// an azurerm plan, give the same findings, each at its Terraform address.

fn tf_plan(name: &str) -> (azward::app::Plan, PlanReport) {
    let changes = azward::azure::terraform::load(&fixture(&format!("terraform/{name}")), None)
        .expect("the Terraform fixture loads");
    let p = plan_blocking(
        ScanOptions::new(Input::Demo),
        Judgement::new(time::macros::date!(2026 - 11 - 20)),
        &changes,
        Some(azward::checks::Severity::High),
    )
    .expect("the plan runs");
    let r = p.report.clone();
    (p, r)
}

/// `v` with every result's addresses replaced by the Terraform address.
fn at(v: Vec<(String, String, Vec<String>)>, address: &str) -> Vec<(String, String, Vec<String>)> {
    v.into_iter()
        .map(|(c, id, _)| (c, id, vec![address.to_ascii_lowercase()]))
        .collect()
}

const TF_EXPORT: &str = "azurerm_monitor_diagnostic_setting.activity_log";
const TF_ACCOUNT: &str = "azurerm_storage_account.exports";
const TF_ALERT: &str = "azurerm_monitor_activity_log_alert.diag_delete";
const TF_LAW: &str = "azurerm_log_analytics_workspace.sentinel";
const TF_VAULT: &str = "module.dev.azurerm_key_vault.app";

#[test]
fn terraform_plans_give_the_five_findings_at_their_addresses() {
    for (file, new, fixed) in [
        (
            "delete-activity-log-export.json",
            at(export_deleted(), TF_EXPORT),
            vec![],
        ),
        (
            "add-unlogged-storage-account.json",
            sorted(at(account_added(), TF_ACCOUNT)),
            vec![],
        ),
        (
            "delete-tamper-alert.json",
            at(alert_deleted(), TF_ALERT),
            vec![],
        ),
        (
            "shorten-workspace-retention.json",
            at(retention_shortened(), TF_LAW),
            vec![],
        ),
        (
            "enable-purge-protection.json",
            vec![],
            at(purge_protection_fixed(), TF_VAULT),
        ),
    ] {
        let (_, r) = tf_plan(file);
        assert_eq!(keyed(&r.new), new, "{file}: new");
        assert_eq!(keyed(&r.fixed), fixed, "{file}: fixed");
        assert!(r.not_applied.is_empty(), "{file}: {:?}", r.not_applied);
        assert_eq!(r.applied, 1, "{file}");
        // The same statuses and reasons as the what-if of the same change.
        let (_, w) = plan(file);
        let strip = |l: &[PlanResult]| {
            let mut v: Vec<_> = l
                .iter()
                .map(|x| {
                    (
                        x.result.check_id.clone(),
                        x.result.resource_id.to_ascii_lowercase(),
                        x.result.status,
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(strip(&r.new), strip(&w.new), "{file}: as the what-if");
        assert_eq!(strip(&r.fixed), strip(&w.fixed), "{file}: as the what-if");
    }
}

#[test]
fn a_terraform_plan_with_every_change_lists_what_it_does_not_read() {
    let (_, r) = tf_plan("combined.json");
    let mut new = at(export_deleted(), TF_EXPORT);
    new.extend(at(account_added(), TF_ACCOUNT));
    new.extend(at(alert_deleted(), TF_ALERT));
    new.extend(at(retention_shortened(), TF_LAW));
    assert_eq!(keyed(&r.new), sorted(new));
    assert_eq!(keyed(&r.fixed), at(purge_protection_fixed(), TF_VAULT));
    // No-op resources and data sources are not changes; a web app is one
    // azward does not read: listed, never dropped.
    assert_eq!(r.applied, 5);
    let listed: Vec<_> = r
        .not_applied
        .iter()
        .map(|s| (s.display_address(), s.change_type.as_str()))
        .collect();
    assert_eq!(listed, [("azurerm_linux_web_app.portal", "Create")]);
    assert!(r.not_applied[0].reason.contains("not mapped"));
}

#[test]
fn values_unknown_until_apply_never_pass() {
    let (p, r) = tf_plan("unknown-until-apply.json");
    let vault = format!(
        "{PROD}/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-nw-plan-unknown"
    )
    .to_ascii_lowercase();
    let law = format!(
        "{PROD}/resourceGroups/rg-app-prod/providers/Microsoft.OperationalInsights/workspaces/law-nw-plan"
    )
    .to_ascii_lowercase();
    let on = |check: &str, id: &str| {
        p.planned
            .report
            .results
            .iter()
            .find(|x| x.check_id == check && x.resource_id.to_ascii_lowercase() == id)
            .unwrap_or_else(|| panic!("{check} on {id}"))
    };
    // Purge protection is unknown: AZ-KV-006 is error, not the fail that
    // an absent property would give, and not pass.
    let kv006 = on("AZ-KV-006", &vault);
    assert_eq!(kv006.status, Status::Error);
    assert!(
        kv006.reason.starts_with(
            "unknown until apply: azurerm_key_vault.unknown (purge_protection_enabled)"
        ),
        "{}",
        kv006.reason
    );
    // What does not depend on it is judged: RBAC passes, no private endpoint fails.
    assert_eq!(on("AZ-KV-003", &vault).status, Status::Pass);
    assert_eq!(on("AZ-KV-005", &vault).status, Status::Fail);
    // The diagnostic setting to the planned workspace is resolved through
    // its reference; its destination type (and the other setting's
    // workspace, a module output) is unknown: what reads the vault's
    // settings is error.
    for check in ["AZ-KV-001", "AZ-KV-002", "AZ-MON-004", "AZ-MON-005"] {
        let x = on(check, &vault);
        assert_eq!(x.status, Status::Error, "{check}: {}", x.reason);
        assert!(
            x.reason
                .contains("unknown until apply: azurerm_monitor_diagnostic_setting."),
            "{check}: {}",
            x.reason
        );
    }
    // The new workspace's queries and tables are not in the base: error,
    // said so.
    for check in ["AZ-FLOW-001", "AZ-FLOW-002", "AZ-FLOW-003", "AZ-LAW-002"] {
        let x = on(check, &law);
        assert_eq!(x.status, Status::Error, "{check}");
        assert!(
            x.reason.contains("unknown until apply"),
            "{check}: {}",
            x.reason
        );
    }
    // Nothing that names an unknown passes, anywhere.
    for x in &p.planned.report.results {
        if x.status == Status::Pass {
            assert!(
                !x.reason.contains("enablePurgeProtection") && !x.reason.contains("to-shared"),
                "{} passes on {}: {}",
                x.check_id,
                x.resource_id,
                x.reason
            );
        }
    }
    // The gate counts errors: high ones fail it.
    assert!(!r.passed);
}

#[test]
fn without_a_base_the_planned_resources_are_judged_alone() {
    let changes = azward::azure::terraform::load(
        &fixture("terraform/add-unlogged-storage-account.json"),
        None,
    )
    .unwrap();
    let p = azward::app::plan_without_base(
        ScanOptions::new(Input::Demo),
        Judgement::new(time::macros::date!(2026 - 11 - 20)),
        &changes,
        Some(azward::checks::Severity::High),
    )
    .expect("the plan runs without a base");
    let r = &p.report;
    assert!(p.base.is_none());
    assert!(r.base.starts_with("none"), "{}", r.base);
    // The account's own findings, as over the demo.
    assert_eq!(keyed(&r.new), sorted(at(account_added(), TF_ACCOUNT)));
    assert!(r.fixed.is_empty() && r.unchanged.is_empty());
    // Checks that need the rest of the estate are listed, not judged on an
    // empty one: no "no Activity Log export" on a subscription the plan
    // only adds an account to.
    let na: Vec<&str> = r.not_assessed.iter().map(|n| n.check_id.as_str()).collect();
    for id in [
        "AZ-MON-003",
        "AZ-MON-006",
        "AZ-ST-007",
        "AZ-KV-006",
        "AZ-DEF-001",
    ] {
        assert!(na.contains(&id), "{id} not in {na:?}");
    }
    for id in ["AZ-ST-001", "AZ-ST-003", "AZ-MON-004"] {
        assert!(!na.contains(&id), "{id} in {na:?}");
    }
    assert!(!r.passed);

    // A delete cannot be judged without the estate it leaves.
    let changes =
        azward::azure::terraform::load(&fixture("terraform/delete-activity-log-export.json"), None)
            .unwrap();
    let p = azward::app::plan_without_base(
        ScanOptions::new(Input::Demo),
        Judgement::new(time::macros::date!(2026 - 11 - 20)),
        &changes,
        None,
    )
    .unwrap();
    assert!(p.report.new.is_empty(), "{:?}", p.report.new);
    assert!(p
        .report
        .not_assessed
        .iter()
        .any(|n| n.check_id == "AZ-MON-003"));
}

#[test]
fn the_cli_reads_terraform_plans_and_names_their_addresses() {
    let file = path("terraform/combined.json");
    let md = azward(&["plan", "--demo", "--terraform", &file, "--format", "md"]);
    assert_eq!(
        md.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&md.stderr)
    );
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("| AZ-MON-006 | high | fail |"), "{md}");
    // Underscores escaped: an address never turns into emphasis.
    assert!(md.contains(&TF_ALERT.replace('_', "\\_")), "{md}");
    assert!(
        md.contains("| Create | azurerm\\_linux\\_web\\_app.portal |"),
        "{md}"
    );
    let sarif = azward(&[
        "plan",
        "--demo",
        "--terraform",
        &path("terraform/delete-tamper-alert.json"),
        "--format",
        "sarif",
        "--fail-on-new",
        "high",
    ]);
    assert_eq!(sarif.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    common::validate_sarif(&doc);
    let new: Vec<_> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["baselineState"] == "new")
        .collect();
    assert_eq!(
        new[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        TF_ALERT
    );
    // --no-base from the command line.
    let alone = azward(&[
        "plan",
        "--no-base",
        "--terraform",
        &path("terraform/add-unlogged-storage-account.json"),
        "--format",
        "json",
    ]);
    assert_eq!(
        alone.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&alone.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&alone.stdout).unwrap();
    assert_eq!(doc["new"].as_array().unwrap().len(), 10);
    assert!(doc["not_assessed"].as_array().unwrap().len() > 10);
}

#[test]
fn bad_terraform_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("tfplan.json");
    std::fs::write(&bad, r#"{"format_version":"1.2","resource_changes":[{"address":"a.b","type":"azurerm_key_vault","change":{"actions":["explode"]}}]}"#).unwrap();
    let out = azward(&["plan", "--demo", "--terraform", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("tfplan.json") && err.contains("resource_changes[0].change.actions"),
        "{err}"
    );
    // A what-if given as a Terraform plan says what it is not.
    let out = azward(&["plan", "--demo", "--terraform", &path("combined.json")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("format_version: missing"));
    // One of --what-if and --terraform, not both, not neither.
    for args in [
        vec!["plan", "--demo"],
        vec![
            "plan",
            "--demo",
            "--what-if",
            "a.json",
            "--terraform",
            "b.json",
        ],
    ] {
        let out = azward(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn the_supported_terraform_types_are_the_documented_ones() {
    let doc = std::fs::read_to_string(common::repo_file("docs/planned-changes.md")).unwrap();
    let table: Vec<&str> = doc
        .lines()
        .skip_while(|l| !l.starts_with("## Supported types"))
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let code: Vec<&str> = azward::azure::terraform::SUPPORTED
        .iter()
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(
        table, code,
        "docs/planned-changes.md and terraform::SUPPORTED differ"
    );
    // And every listed azurerm type is one the converter maps.
    for (t, arm) in azward::azure::terraform::SUPPORTED {
        assert!(doc.contains(&format!("| `{t}` | ")), "{t}");
        if t.starts_with("azurerm_") {
            assert!(doc.contains(&format!("`{arm}`")), "{t}: {arm}");
        }
    }
}

#[test]
fn a_change_the_base_cannot_take_fails_the_gate_rather_than_pass() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("what-if.json");
    // A vault in a subscription the demo does not hold: the planned estate
    // cannot show what it would fail.
    std::fs::write(
        &f,
        r#"{"status":"Succeeded","changes":[{"resourceId":"/subscriptions/00000000-0000-0000-0000-0000000000ff/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv","changeType":"Create","after":{"name":"kv","properties":{}}}]}"#,
    )
    .unwrap();
    let f = f.to_str().unwrap();
    let out = azward(&["plan", "--demo", "--what-if", f]);
    assert_eq!(out.status.code(), Some(0), "no gate asked for");
    let out = azward(&[
        "plan",
        "--demo",
        "--what-if",
        f,
        "--fail-on-new",
        "critical",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("gate: FAILED (0 new failing results at critical or higher; 1 changes not applied that could hide one)"),
        "{text}"
    );
}

#[test]
fn output_dir_writes_the_three_reports_from_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = azward(&[
        "plan",
        "--demo",
        "--terraform",
        &path("terraform/delete-tamper-alert.json"),
        "--fail-on-new",
        "high",
        "--output-dir",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("gate: FAILED"));
    let md = std::fs::read_to_string(out_dir.join("plan.md")).unwrap();
    assert!(md.starts_with("## azward plan: 1 new"), "{md}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("plan.json")).unwrap()).unwrap();
    assert_eq!(json["new"][0]["addresses"][0], TF_ALERT);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("plan.sarif")).unwrap())
            .unwrap();
    common::validate_sarif(&sarif);
}
