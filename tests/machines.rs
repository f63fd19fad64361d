//! Reads 31–35 end to end over a replay (baseline 1.2, "Machines"): machines
//! of two subscriptions name one data collection rule held by a third
//! subscription that is not scanned; it is read once, by id. A failed
//! machine list, extensions read and rule read are `error` where the
//! baseline puts them, and nothing else.

mod common;

use azward::azure::scan::Input;
use azward::checks::Status;
use common::{Audit, TENANT};
use serde_json::{json, Value};

const A: &str = "0a000000-0000-4000-8000-00000000000a";
const B: &str = "0b000000-0000-4000-8000-00000000000b";
const SHARED: &str = "0c000000-0000-4000-8000-00000000000c";

fn line(url: String, status: u16, body: Value) -> String {
    json!({"method": "GET", "url": url, "status": status, "body": body}).to_string()
}

fn forbidden() -> Value {
    json!({"error": {"code": "AuthorizationFailed", "message": "no read"}})
}

fn recording() -> String {
    let sub = |id: &str| {
        json!({"id": format!("/subscriptions/{id}"), "subscriptionId": id,
            "displayName": id, "state": "Enabled", "tenantId": TENANT})
    };
    let vm = |sub: &str, name: &str, os: &str| {
        json!({"id": format!("/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/{name}"),
            "name": name, "type": "Microsoft.Compute/virtualMachines", "location": "westeurope",
            "properties": {"storageProfile": {"osDisk": {"osType": os}}}})
    };
    let vm_a = vm(A, "vm-a", "Windows");
    let vm_a2 = vm(A, "vm-a2", "Linux");
    let arc_b = json!({"id": format!("/subscriptions/{B}/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/arc-b"),
        "name": "arc-b", "type": "Microsoft.HybridCompute/machines", "properties": {"osType": "windows"}});
    let id = |m: &Value| m["id"].as_str().unwrap().to_string();
    let dcr = format!(
        "/subscriptions/{SHARED}/resourceGroups/rg-mon/providers/Microsoft.Insights/dataCollectionRules/dcr-shared"
    );
    let missing = format!(
        "/subscriptions/{SHARED}/resourceGroups/rg-mon/providers/Microsoft.Insights/dataCollectionRules/dcr-missing"
    );
    let ama = |m: &Value| {
        json!({"value": [{"id": format!("{}/extensions/AzureMonitorWindowsAgent", id(m)), "name": "AzureMonitorWindowsAgent",
            "properties": {"publisher": "Microsoft.Azure.Monitor", "type": "AzureMonitorWindowsAgent", "provisioningState": "Succeeded"}}]})
    };
    let assoc = |m: &Value, rule: &str| {
        json!({"value": [{"id": format!("{}/providers/Microsoft.Insights/dataCollectionRuleAssociations/a", id(m)),
            "name": "a", "properties": {"dataCollectionRuleId": rule}}]})
    };
    let assocs = |m: &Value| {
        format!(
            "{}/providers/Microsoft.Insights/dataCollectionRuleAssociations?api-version=2022-06-01",
            id(m)
        )
    };
    [
        json!({"recording": 1, "tenant_id": TENANT}).to_string(),
        line(
            "/subscriptions?api-version=2022-12-01".into(),
            200,
            json!({"value": [sub(A), sub(B)]}),
        ),
        line(
            format!("/subscriptions/{A}/providers/Microsoft.Compute/virtualMachines?api-version=2024-07-01"),
            200,
            json!({"value": [vm_a, vm_a2]}),
        ),
        line(
            format!("/subscriptions/{A}/providers/Microsoft.HybridCompute/machines?api-version=2024-07-10"),
            200,
            json!({"value": []}),
        ),
        line(
            format!("/subscriptions/{B}/providers/Microsoft.Compute/virtualMachines?api-version=2024-07-01"),
            403,
            forbidden(),
        ),
        line(
            format!("/subscriptions/{B}/providers/Microsoft.HybridCompute/machines?api-version=2024-07-10"),
            200,
            json!({"value": [arc_b]}),
        ),
        line(format!("{}/extensions?api-version=2024-07-01", id(&vm_a)), 200, ama(&vm_a)),
        line(format!("{}/extensions?api-version=2024-07-01", id(&vm_a2)), 403, forbidden()),
        line(format!("{}/extensions?api-version=2024-07-10", id(&arc_b)), 200, ama(&arc_b)),
        line(assocs(&vm_a), 200, assoc(&vm_a, &dcr)),
        line(assocs(&vm_a2), 200, assoc(&vm_a2, &missing)),
        // The same rule, spelled in lower case: one rule, read once.
        line(assocs(&arc_b), 200, assoc(&arc_b, &dcr.to_lowercase())),
        line(
            format!("{dcr}?api-version=2022-06-01"),
            200,
            json!({"id": dcr, "name": "dcr-shared", "properties": {
                "dataSources": {"windowsEventLogs": [{"name": "sec", "streams": ["Microsoft-SecurityEvent"], "xPathQueries": ["Security!*"]}]},
                "destinations": {"logAnalytics": [{"name": "la", "workspaceResourceId": "/subscriptions/x/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w"}]},
                "dataFlows": [{"streams": ["Microsoft-SecurityEvent"], "destinations": ["la"]}]}}),
        ),
    ]
    .join("\n")
}

#[test]
fn a_rule_in_another_subscription_is_read_once_and_failures_stay_where_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("machines.jsonl");
    std::fs::write(&path, recording()).unwrap();
    let audited = Audit::new(Input::Replay(path)).run_blocking();
    let results: Vec<(String, Status, String, String)> = audited
        .report
        .results
        .iter()
        .filter(|r| r.check_id.starts_with("AZ-VM-"))
        .map(|r| {
            let res = r.resource_id.to_string();
            let short = res.rsplit('/').next().unwrap_or_default().to_string();
            (r.check_id.to_string(), r.status, short, r.reason.clone())
        })
        .collect();
    let find = |check: &str, short: &str| {
        results
            .iter()
            .find(|(c, _, s, _)| c == check && s == short)
            .unwrap_or_else(|| panic!("{check} {short} in {results:#?}"))
    };
    assert_eq!(results.len(), 8, "{results:#?}");
    for check in ["AZ-VM-001", "AZ-VM-002"] {
        assert_eq!(find(check, "vm-a").1, Status::Pass);
        assert_eq!(
            find(check, "arc-b").1,
            Status::Pass,
            "{:?}",
            find(check, "arc-b")
        );
        let b = find(check, B);
        assert_eq!(b.1, Status::Error);
        assert!(
            b.3.contains("could not read the virtual machines list"),
            "{b:?}"
        );
    }
    let ext = find("AZ-VM-001", "vm-a2");
    assert_eq!(ext.1, Status::Error);
    assert!(ext.3.contains("could not read the extensions"), "{ext:?}");
    let rule = find("AZ-VM-002", "vm-a2");
    assert_eq!(rule.1, Status::Error);
    assert!(
        rule.3.contains("dcr-missing could not be read") && rule.3.contains("NotRecorded"),
        "{rule:?}"
    );
    // Every request: the subscription list, Entra ID, 17 lists per
    // subscription, the two Resource Graph queries (not recorded, so the
    // machines are read one GET each), extensions and associations of the
    // three machines, two rules (the shared one once for both of its
    // spellings); no Activity Log (the recording has no `recorded_at`, so
    // no window to read).
    assert_eq!(
        audited.outcome.stats.requests,
        1 + 1 + 2 * 17 + 2 + 3 * 2 + 2
    );
}

fn vm_results(audited: &common::Audited) -> Vec<(String, String, Status, String)> {
    audited
        .report
        .results
        .iter()
        .filter(|r| r.check_id.starts_with("AZ-VM-"))
        .map(|r| {
            (
                r.check_id.to_string(),
                r.resource_id.to_string(),
                r.status,
                r.reason.clone(),
            )
        })
        .collect()
}

fn run(text: &str) -> common::Audited {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("machines.jsonl");
    std::fs::write(&path, text).unwrap();
    Audit::new(Input::Replay(path)).run_blocking()
}

/// The same estate with Resource Graph answers ([`with_graph_answers`]):
/// the associations' query stands for the three GETs, which are gone; the
/// extensions' query is refused, so the extensions are read one GET each,
/// and vm-a2's 403 there is still an `error`, never a pass. The results are
/// the same as with GETs only.
#[test]
fn resource_graph_answers_stand_for_the_gets_and_a_refused_query_falls_back() {
    let expected = vm_results(&run(&recording()));
    let audited = run(&with_graph_answers());
    assert_eq!(vm_results(&audited), expected);
    let vm_a2_ext = expected
        .iter()
        .find(|(c, id, _, _)| c == "AZ-VM-001" && id.ends_with("/vm-a2"))
        .unwrap();
    assert_eq!(vm_a2_ext.2, Status::Error);
    // Two queries (one of two pages), the extensions by GET, no association
    // GET; no Activity Log (no `recorded_at`, so no window to read).
    assert_eq!(audited.outcome.stats.requests, 1 + 1 + 2 * 17 + 3 + 3 + 2);
}

/// Baseline "Isolation" over the fallback: with the extensions' query
/// refused, a failed extensions GET of a machine in A changes no result in
/// B, and makes the machine's AZ-VM-001 an `error`.
#[test]
fn a_failed_fallback_get_changes_nothing_in_another_subscription() {
    let text = with_graph_answers();
    let before = vm_results(&run(&text));
    let failed = text
        .lines()
        .map(|l| match serde_json::from_str::<Value>(l) {
            Ok(v)
                if v["url"]
                    .as_str()
                    .is_some_and(|u| u.contains("/vm-a/extensions?")) =>
            {
                line(v["url"].as_str().unwrap().to_string(), 403, forbidden())
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(failed, text);
    let after = vm_results(&run(&failed));
    assert_eq!(before.len(), after.len());
    let mut changed = 0;
    for (b, a) in before.iter().zip(&after) {
        if b == a {
            continue;
        }
        changed += 1;
        assert!(
            b.1.contains(&format!("/subscriptions/{A}/")),
            "{b:?} -> {a:?}"
        );
        assert_eq!((a.0.as_str(), a.2), ("AZ-VM-001", Status::Error), "{a:?}");
        assert!(a.1.ends_with("/vm-a"), "{a:?}");
    }
    assert_eq!(changed, 1);
}

/// The recording of [`recording`], with the associations answered by
/// Resource Graph (their GETs removed) in two pages whose ids are in lower
/// case, and the extensions' query refused (403): extensions by GET.
fn with_graph_answers() -> String {
    use azward::azure::resource_graph::{self, Query};
    let gets_only = recording();
    let machine = |name: &str, sub: &str, arc: bool| {
        let provider = if arc {
            "Microsoft.HybridCompute/machines"
        } else {
            "Microsoft.Compute/virtualMachines"
        };
        format!("/subscriptions/{sub}/resourceGroups/rg/providers/{provider}/{name}")
    };
    let dcr = format!(
        "/subscriptions/{SHARED}/resourceGroups/rg-mon/providers/Microsoft.Insights/dataCollectionRules/"
    );
    let row = |m: String, rule: String| {
        json!({"id": format!("{m}/providers/Microsoft.Insights/dataCollectionRuleAssociations/a").to_lowercase(),
            "name": "a", "type": "microsoft.insights/datacollectionruleassociations",
            "properties": {"dataCollectionRuleId": rule}})
    };
    let subs = vec![A.to_string(), B.to_string()];
    let post = |query: Query, skip: Option<&str>, status: u16, body: Value| {
        json!({"method": "POST", "url": resource_graph::url(), "status": status,
            "request_body": resource_graph::request_body(&subs, query.text(), skip), "body": body})
        .to_string()
    };
    let mut lines: Vec<String> = gets_only
        .lines()
        .filter(|l| !l.contains("/dataCollectionRuleAssociations?"))
        .map(str::to_string)
        .collect();
    lines.push(post(
        Query::Extensions,
        None,
        403,
        json!({"error": {"code": "AuthorizationFailed", "message": "no Resource Graph"}}),
    ));
    lines.push(post(
        Query::Associations,
        None,
        200,
        json!({"totalRecords": 3, "count": 2, "resultTruncated": "false", "$skipToken": "next",
            "data": [row(machine("vm-a", A, false), format!("{dcr}dcr-shared")),
                     row(machine("vm-a2", A, false), format!("{dcr}dcr-missing"))]}),
    ));
    lines.push(post(
        Query::Associations,
        Some("next"),
        200,
        json!({"totalRecords": 3, "count": 1, "resultTruncated": "false",
            "data": [row(machine("arc-b", B, true), format!("{dcr}dcr-shared"))]}),
    ));
    lines.join("\n")
}
