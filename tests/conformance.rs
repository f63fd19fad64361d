//! Conformance: every response body in tests/fixtures/arm-examples parses into
//! the inventory model without error, and the upstream quirks listed in its
//! SOURCES.md are read the way the baseline says.

use azward::inventory::*;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/arm-examples")
}

fn bodies(file: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let responses = v["responses"].as_object().expect("responses");
    responses
        .iter()
        .filter(|(status, _)| status.starts_with('2'))
        .filter_map(|(_, r)| r.get("body").cloned())
        .collect()
}

/// Parses a body: a list's items one by one (none may be malformed), or the object.
fn parse_as<T: DeserializeOwned>(file: &Path) -> Vec<T> {
    let mut out = Vec::new();
    for body in bodies(file) {
        match body.get("value") {
            Some(Value::Array(items)) => {
                let l: Listing<T> = Listing::parse(items.clone());
                assert!(
                    l.malformed.is_empty(),
                    "{}: {:?}",
                    file.display(),
                    l.malformed
                );
                out.extend(l.items);
            }
            _ => out.push(
                serde_json::from_value(body).unwrap_or_else(|e| panic!("{}: {e}", file.display())),
            ),
        }
    }
    assert!(!out.is_empty(), "{}: no 2xx body", file.display());
    out
}

fn parse_file(rel: &str, file: &Path) -> usize {
    match rel {
        "aadiam/listDiagnosticSettings.json"
        | "monitor/getSubscriptionDiagnosticSetting.json"
        | "monitor/listDiagnosticSettings.json" => parse_as::<DiagnosticSetting>(file).len(),
        "authorization/RoleAssignments_ListForScope.json" => parse_as::<RoleAssignment>(file).len(),
        "keyvault/createVaultWithNetworkAcls.json" | "keyvault/getVault.json" => {
            parse_as::<Vault>(file).len()
        }
        "locks/ManagementLocks_ListAtScope.json" => parse_as::<Lock>(file).len(),
        "managementgroups/GetDescendants.json" => parse_as::<Descendant>(file).len(),
        "monitor/ActivityLogAlertRule_Get.json" => parse_as::<ActivityLogAlert>(file).len(),
        "monitor/GetActivityLogsFiltered.json" => parse_as::<ActivityLogEvent>(file).len(),
        "monitor/getScheduledQueryRule.json" => parse_as::<ScheduledQueryRule>(file).len(),
        "monitor/listDiagnosticSettingsCategories.json" => {
            parse_as::<DiagnosticCategory>(file).len()
        }
        "network/NetworkWatcherFlowLogGet.json" => parse_as::<FlowLog>(file).len(),
        "operationalinsights/TablesGet.json" => parse_as::<Table>(file).len(),
        "operationalinsights/WorkspacesGet.json" => parse_as::<Workspace>(file).len(),
        "resourcegraph/ResourcesFirstPageQuery.json" => parse_as::<ResourceGraphPage>(file).len(),
        "resources/GetSubscriptions.json" => parse_as::<SubscriptionBody>(file).len(),
        "security/GetSecurityContactsSubscription_example.json" => {
            parse_as::<SecurityContact>(file).len()
        }
        "security/ListPricings_example.json" => parse_as::<Pricing>(file).len(),
        "securityinsights/GetAllSentinelOnboardingStates.json" => {
            parse_as::<OnboardingState>(file).len()
        }
        "securityinsights/GetDataConnectors.json" => parse_as::<DataConnector>(file).len(),
        // AZ-SEN-005: a rule with `techniques` (read 24).
        "securityinsights/GetScheduledAlertRule.json" => parse_as::<AlertRule>(file).len(),
        "storage/BlobContainersGetImmutabilityPolicy.json" => {
            parse_as::<ContainerImmutabilityPolicy>(file).len()
        }
        "storage/BlobServicesGet.json" => parse_as::<BlobService>(file).len(),
        "storage/StorageAccountCreate.json" | "storage/StorageAccountGetProperties.json" => {
            parse_as::<StorageAccount>(file).len()
        }
        "compute/VirtualMachine_ListBySubscription_ByLocation.json"
        | "hybridcompute/Machines_ListBySubscription.json" => parse_as::<Machine>(file).len(),
        "compute/VirtualMachineExtension_List_MaximumSet_Gen.json"
        | "hybridcompute/Extension_List.json" => parse_as::<Extension>(file).len(),
        "monitor/DataCollectionRuleAssociationsCreate.json" => {
            parse_as::<DcrAssociation>(file).len()
        }
        "monitor/DataCollectionRulesListBySubscription.json" => {
            parse_as::<DataCollectionRule>(file).len()
        }
        // A PATCH response without an id (SOURCES.md): given one, as the AZ-LAW-005 test does.
        "operationalinsights/WorkspacesUpdate.json" => bodies(file)
            .into_iter()
            .map(|mut b| {
                b["id"] = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w".into();
                serde_json::from_value::<Workspace>(b)
                    .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            })
            .count(),
        // Log Analytics query answers (data plane): read by src/azure/flow.rs's tests.
        "operationalinsights/oms-get-example.json"
        | "operationalinsights/oms-get-resource-centric-example.json" => bodies(file)
            .iter()
            .filter(|b| b["tables"][0]["rows"].is_array())
            .count(),
        // A what-if result (`azward plan --what-if`), read by src/azure/whatif.rs's tests.
        "resources/PostDeploymentWhatIfOnResourceGroup.json" => bodies(file)
            .iter()
            .map(|b| {
                azward::azure::whatif::WhatIf::from_bytes(b.to_string().as_bytes(), file)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .changes
                    .len()
            })
            .sum(),
        other => {
            panic!("{other}: no model is mapped for this example; map it in tests/conformance.rs")
        }
    }
}

#[test]
fn every_example_body_parses() {
    let dir = examples_dir();
    let mut files = Vec::new();
    for family in std::fs::read_dir(&dir).unwrap() {
        let family = family.unwrap().path();
        if family.is_dir() {
            for f in std::fs::read_dir(&family).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_some_and(|e| e == "json") {
                    files.push(f);
                }
            }
        }
    }
    files.sort();
    assert!(
        files.len() >= 34,
        "found only {} example files",
        files.len()
    );
    for f in &files {
        let rel = f
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let n = parse_file(&rel, f);
        assert!(n > 0, "{rel}");
    }
}

fn one<T: DeserializeOwned>(rel: &str) -> Vec<T> {
    parse_as(&examples_dir().join(rel))
}

#[test]
fn upstream_quirks_are_read_as_the_baseline_says() {
    // getVault.json lacks enableSoftDelete / enableRbacAuthorization / enablePurgeProtection.
    let v = &one::<Vault>("keyvault/getVault.json")[0];
    assert!(v.soft_delete());
    assert!(!v.rbac_authorization());
    assert!(!v.purge_protection());

    // StorageAccountGetProperties omits allowBlobPublicAccess etc.: "not set", and defaults.
    let a = &one::<StorageAccount>("storage/StorageAccountGetProperties.json")[0];
    assert_eq!(a.allow_blob_public_access(), None);
    assert!(a.allow_shared_key_access());
    assert_eq!(a.minimum_tls_version(), "TLS1_0");
    assert!(!a.present_services().is_empty());

    // The subscription diagnostic setting id has no leading slash and a null type.
    let s = &one::<DiagnosticSetting>("monitor/getSubscriptionDiagnosticSetting.json")[0];
    assert!(s.id.as_deref().is_some_and(|id| !id.starts_with('/')));
    assert_eq!(norm_id(s.id.as_deref().unwrap()).chars().next(), Some('/'));

    // Flow log with a non-ASCII watcher name.
    let f = &one::<FlowLog>("network/NetworkWatcherFlowLogGet.json")[0];
    assert!(f.id.contains("тц1"));

    // Tenant-form roleDefinitionId: the role is the trailing GUID.
    for r in one::<RoleAssignment>("authorization/RoleAssignments_ListForScope.json") {
        let guid = r.role_guid().unwrap();
        assert_eq!(guid.len(), 36, "{guid}");
        assert_eq!(guid, guid.to_lowercase());
    }

    // Security contacts in the 2023-12-01-preview shape.
    let c = &one::<SecurityContact>("security/GetSecurityContactsSubscription_example.json")[0];
    assert!(c
        .properties
        .as_ref()
        .unwrap()
        .notifications_sources
        .is_some());

    // Every `"workspaceId": ""` in an upstream setting is no destination.
    for rel in [
        "monitor/listDiagnosticSettings.json",
        "aadiam/listDiagnosticSettings.json",
        "monitor/getSubscriptionDiagnosticSetting.json",
    ] {
        for s in one::<DiagnosticSetting>(rel) {
            if s.props().workspace_id.as_deref() == Some("") {
                assert_eq!(s.workspace_id(), None, "{rel}");
            }
        }
    }
}

#[test]
fn live_shapes_with_nulls_and_odd_casing_parse() {
    let l: Listing<Vault> = Listing::parse(vec![
        serde_json::json!({"id": "subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/v", "name": null, "type": null,
                           "location": "West Europe", "tags": null,
                           "properties": {"enableSoftDelete": null, "publicNetworkAccess": "disabled", "networkAcls": null, "accessPolicies": null}}),
        serde_json::json!({"id": "/x", "properties": null}),
    ]);
    assert!(l.malformed.is_empty(), "{:?}", l.malformed);
    assert!(l.items[0].soft_delete());
    assert_eq!(l.items[0].public_network_access(), "disabled");
    let c: Listing<SecurityContact> = Listing::parse(vec![
        serde_json::json!({"id": "/c", "properties": {"email": "a@b", "alertNotifications": "On", "alertsToAdmins": "On"}}),
    ]);
    assert!(c.malformed.is_empty());
}
