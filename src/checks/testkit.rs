//! Fixture helpers for the per-check tests: build an inventory from JSON
//! bodies in the real ARM shapes, run one check, and look results up.

use crate::checks::Params;
use crate::checks::{Check, Ctx, Finding, Status};
use crate::inventory::{norm_id, Inventory, Listing, ReadError, Subscription};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

pub const TENANT: &str = "aaaaaaaa-0000-0000-0000-000000000000";
pub const SUB: &str = "11111111-1111-1111-1111-111111111111";
pub const SUB2: &str = "22222222-2222-2222-2222-222222222222";

/// An inventory with one scanned subscription [`SUB`] whose lists are all empty.
pub fn inv() -> Inventory {
    let mut inv = Inventory::new(Some(TENANT.into()));
    let mut s = Subscription::empty(SUB);
    s.display_name = Some("test-sub".into());
    inv.subscriptions.push(s);
    inv
}

/// Adds a second scanned, empty subscription [`SUB2`].
pub fn with_second(mut inv: Inventory) -> Inventory {
    inv.subscriptions.push(Subscription::empty(SUB2));
    inv
}

pub fn sub(inv: &mut Inventory) -> &mut Subscription {
    &mut inv.subscriptions[0]
}

pub fn sub_n(inv: &mut Inventory, n: usize) -> &mut Subscription {
    &mut inv.subscriptions[n]
}

/// A listing parsed item by item from JSON bodies (malformed ones kept as such).
pub fn listing<T: DeserializeOwned>(values: Vec<Value>) -> Listing<T> {
    Listing::parse(values)
}

pub fn parse<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("fixture parses")
}

/// A 403 as the collectors would record it.
pub fn forbidden(request: &str) -> ReadError {
    ReadError {
        request: format!("GET {request}"),
        status: Some(403),
        code: "AuthorizationFailed".into(),
        message: "The client does not have authorization to perform action".into(),
    }
}

/// A resource id in [`SUB`].
pub fn rid(rg: &str, provider_type: &str, name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{rg}/providers/{provider_type}/{name}")
}

/// A resources-list item (call 4) for `id` of type `ty`.
pub fn resource_body(id: &str, ty: &str) -> Value {
    json!({"id": id, "name": id.rsplit('/').next().unwrap_or(id), "type": ty, "location": "westeurope"})
}

/// A diagnostic setting body. `logs` are `(category, categoryGroup, enabled)`.
pub fn diag(
    name: &str,
    workspace: Option<&str>,
    storage: Option<&str>,
    logs: &[(Option<&str>, Option<&str>, bool)],
) -> Value {
    let logs: Vec<Value> = logs
        .iter()
        .map(|(c, g, e)| json!({"category": c, "categoryGroup": g, "enabled": e, "retentionPolicy": {"enabled": false, "days": 0}}))
        .collect();
    json!({
        "id": format!("/subscriptions/{SUB}/providers/microsoft.insights/diagnosticSettings/{name}"),
        "name": name,
        "properties": {"workspaceId": workspace, "storageAccountId": storage, "logs": logs, "metrics": []}
    })
}

pub const WS: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-sec";
pub const SA: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/stlogs";

/// Records the diagnostic settings read of a resource.
pub fn set_diagnostics(inv: &mut Inventory, resource_id: &str, settings: Vec<Value>) {
    inv.reads
        .diagnostic_settings
        .insert(norm_id(resource_id), Ok(Listing::parse(settings)));
}

pub fn fail_diagnostics(inv: &mut Inventory, resource_id: &str) {
    inv.reads.diagnostic_settings.insert(
        norm_id(resource_id),
        Err(forbidden(&format!(
            "{resource_id}/providers/Microsoft.Insights/diagnosticSettings"
        ))),
    );
}

pub fn run(check: &Check, inv: &Inventory) -> Vec<Finding> {
    run_with(check, inv, &Params::defaults())
}

pub fn run_with(check: &Check, inv: &Inventory, params: &Params) -> Vec<Finding> {
    let findings = (check.evaluate)(&Ctx { inv, params });
    for f in &findings {
        assert_eq!(f.check_id, check.id);
        assert!(
            !f.reason.trim().is_empty(),
            "every result has a reason: {f:?}"
        );
        assert!(!f.reason.contains('\n'), "reasons are one line: {f:?}");
    }
    findings
}

/// The single result for a resource id (and item), by case-insensitive id.
pub fn result<'a>(findings: &'a [Finding], resource_id: &str, item: Option<&str>) -> &'a Finding {
    let matching: Vec<&Finding> = findings
        .iter()
        .filter(|f| norm_id(&f.resource_id) == norm_id(resource_id) && f.item.as_deref() == item)
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "exactly one result for {resource_id} {item:?} in {findings:#?}"
    );
    matching[0]
}

pub fn status(findings: &[Finding], resource_id: &str) -> Status {
    result(findings, resource_id, None).status
}

/// Asserts the status of a resource's result and that its reason contains `needle`.
pub fn assert_result(findings: &[Finding], resource_id: &str, status: Status, needle: &str) {
    let f = result(findings, resource_id, None);
    assert_eq!(f.status, status, "status of {resource_id}: {f:#?}");
    assert!(
        f.reason.to_lowercase().contains(&needle.to_lowercase()),
        "reason of {resource_id} should mention {needle:?}: {:?}",
        f.reason
    );
}

pub fn sub_id() -> String {
    format!("/subscriptions/{SUB}")
}
