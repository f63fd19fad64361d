//! The demo's Activity Log (baseline 1.2, HIST; recording rows 36–37) and the
//! ATT&CK techniques of its analytics rules (AZ-SEN-005): nw-prod has only
//! changes and leads (AZ-HIST-001 passes) and a history long enough to page
//! (the throttled test recording serves it in two pages);
//! nw-dev's diagnostic setting, workspace data and monitoring agent were
//! removed by someone not in `trusted_change_callers` (it fails); the tenant
//! has a change to an Entra ID diagnostic setting (it passes).

use super::estate::{guid, DEV, DOMAIN, PROD, TENANT};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One Activity Log event in the shape of `GetActivityLogsFiltered.json`.
pub fn event(
    sub: Option<&str>,
    time: &str,
    op: &str,
    status: &str,
    caller: &str,
    ip: &str,
    resource: &str,
) -> Value {
    let label = format!("event:{}:{time}:{op}:{resource}", sub.unwrap_or("tenant"));
    let data_id = guid(&label);
    let correlation = guid(&format!(
        "correlation:{}:{}",
        time.get(..15).unwrap_or(time),
        caller
    ));
    let provider = op.split('/').next().unwrap_or_default();
    let mut e = json!({
        "authorization": {"action": op, "scope": resource},
        "caller": caller,
        "channels": "Operation",
        "correlationId": correlation,
        "description": "",
        "eventDataId": data_id,
        "eventName": {"value": "EndRequest", "localizedValue": "End request"},
        "category": {"value": "Administrative", "localizedValue": "Administrative"},
        "httpRequest": {"clientRequestId": guid(&format!("request:{label}")), "clientIpAddress": ip, "method": "DELETE"},
        "id": format!("{resource}/events/{data_id}/ticks/638000000000000000"),
        "level": "Informational",
        "operationId": correlation,
        "operationName": {"value": op, "localizedValue": op},
        "resourceId": resource,
        "resourceProviderName": {"value": provider, "localizedValue": provider},
        "status": {"value": status, "localizedValue": status},
        "subStatus": {"value": "", "localizedValue": ""},
        "eventTimestamp": time,
        "submissionTimestamp": time,
        "tenantId": TENANT,
    });
    if let Some(s) = sub {
        e["subscriptionId"] = json!(s);
    }
    e
}

/// The events of each subscription (by id), in the order Azure lists them
/// (newest first), and the tenant-level events.
pub struct History {
    pub subscriptions: BTreeMap<&'static str, Vec<Value>>,
    pub tenant: Vec<Value>,
}

pub fn build() -> History {
    let p = PROD;
    let d = DEV;
    let rg = |sub: &str, rg: &str| format!("/subscriptions/{sub}/resourceGroups/{rg}");
    let pipeline = guid("principal:sp-nw-platform-pipeline:app");
    let alice = format!("alice@{DOMAIN}");
    let mallory = format!("svc-backup-legacy@{DOMAIN}");
    let mut prod = vec![
        event(Some(p), "2026-11-18T07:41:12.5530211Z", "Microsoft.Storage/storageAccounts/listKeys/action", "Succeeded",
            "bob@northwind-forensics.example", "198.51.100.23",
            &format!("{}/providers/Microsoft.Storage/storageAccounts/stnwprodappdata", rg(p, "rg-app"))),
        event(Some(p), "2026-11-18T07:44:03.1043877Z", "Microsoft.Compute/virtualMachines/runCommand/action", "Succeeded",
            "bob@northwind-forensics.example", "198.51.100.23",
            &format!("{}/providers/Microsoft.Compute/virtualMachines/vm-nw-prod-web-01", rg(p, "rg-app"))),
        event(Some(p), "2026-11-05T16:20:45.0000000Z", "Microsoft.Authorization/locks/delete", "Failed",
            "bob@northwind-forensics.example", "198.51.100.23",
            &format!("{}/providers/Microsoft.Authorization/locks/lock-rg-security-nodelete", rg(p, "rg-security"))),
        event(Some(p), "2026-10-12T09:02:17.7770001Z", "Microsoft.Insights/diagnosticSettings/write", "Succeeded",
            &pipeline, "20.50.2.14",
            &format!("/subscriptions/{p}/providers/microsoft.insights/diagnosticSettings/activitylog-to-sentinel")),
        event(Some(p), "2026-10-01T11:00:00.0000000Z", "Microsoft.Security/pricings/write", "Succeeded",
            &pipeline, "20.50.2.14",
            &format!("/subscriptions/{p}/providers/Microsoft.Security/pricings/VirtualMachines")),
        event(Some(p), "2026-09-29T08:15:00.0000000Z", "Microsoft.Compute/virtualMachines/write", "Succeeded",
            &pipeline, "20.50.2.14",
            &format!("{}/providers/Microsoft.Compute/virtualMachines/vm-nw-prod-web-01", rg(p, "rg-app"))),
    ];
    // A long Authorization history: role assignments over the window (it pages).
    for day in 0..12 {
        prod.push(event(
            Some(p),
            &format!("2026-09-{:02}T10:{:02}:00.0000000Z", 25 - day, day),
            "Microsoft.Authorization/roleAssignments/write",
            "Succeeded",
            &alice,
            "192.0.2.10",
            &format!(
                "/subscriptions/{p}/providers/Microsoft.Authorization/roleAssignments/{}",
                guid(&format!("demo-ra-{day}"))
            ),
        ));
    }
    let dev = vec![
        event(Some(d), "2026-11-14T02:20:31.9011120Z", "Microsoft.Compute/virtualMachines/extensions/delete", "Succeeded",
            &mallory, "203.0.113.66",
            &format!("{}/providers/Microsoft.Compute/virtualMachines/vm-nw-dev-build/extensions/AzureMonitorLinuxAgent", rg(d, "rg-dev-app"))),
        event(Some(d), "2026-11-14T02:15:09.4410023Z", "Microsoft.OperationalInsights/workspaces/purge/action", "Succeeded",
            &mallory, "203.0.113.66",
            &format!("{}/providers/Microsoft.OperationalInsights/workspaces/law-nw-dev", rg(d, "rg-dev-monitoring"))),
        event(Some(d), "2026-11-14T02:13:52.0675400Z", "Microsoft.Insights/diagnosticSettings/delete", "Succeeded",
            &mallory, "203.0.113.66",
            &format!("{}/providers/Microsoft.KeyVault/vaults/kv-nw-dev-app/providers/microsoft.insights/diagnosticSettings/kv-audit-to-law", rg(d, "rg-dev-app"))),
        event(Some(d), "2026-11-14T02:09:40.0000000Z", "Microsoft.Authorization/roleAssignments/write", "Succeeded",
            &mallory, "203.0.113.66",
            &format!("/subscriptions/{d}/providers/Microsoft.Authorization/roleAssignments/{}", guid("demo-ra-mallory"))),
        event(Some(d), "2026-10-30T13:30:00.0000000Z", "Microsoft.Security/pricings/write", "Succeeded",
            &pipeline, "20.50.2.14",
            &format!("/subscriptions/{d}/providers/Microsoft.Security/pricings/StorageAccounts")),
    ];
    let tenant = vec![event(
        None,
        "2026-11-02T12:00:00.0000000Z",
        "microsoft.aadiam/diagnosticSettings/write",
        "Succeeded",
        &alice,
        "192.0.2.10",
        "/providers/microsoft.aadiam/diagnosticSettings/entra-mi-test",
    )];
    History {
        subscriptions: BTreeMap::from([(p, prod), (d, dev)]),
        tenant,
    }
}

/// The events of `events` that a listing of `provider` returns (its
/// operations' provider, case-insensitively).
pub fn of_provider<'a>(events: &'a [Value], provider: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| {
            e["operationName"]["value"]
                .as_str()
                .and_then(|o| o.split('/').next())
                .is_some_and(|p| p.eq_ignore_ascii_case(provider))
        })
        .collect()
}
