//! Terraform plans (`terraform show -json PLAN`, the JSON output format,
//! `format_version` 1.x) as planned changes for `azward plan`: each
//! resource change of a supported type becomes the ARM-shaped change the
//! what-if overlay ([`super::whatif::apply`]) applies to the base estate.
//!
//! - `azapi_resource` and `azapi_update_resource`: the ARM type, name,
//!   parent and body as given.
//! - The `azurerm` types the baseline reads ([`SUPPORTED`], documented in
//!   `docs/planned-changes.md`): their attributes mapped to the ARM
//!   properties the collectors read. An update is merged into the base's
//!   resource (the plan holds only what Terraform manages).
//! - Ids Terraform only knows after apply (a new resource's `id`) are
//!   resolved where the configuration's `references` name a planned
//!   resource whose id can be built from its known attributes.
//! - A value still unknown ([`Change::unknown`]) makes the results that
//!   follow from the change `error`, never `pass`.
//! - Any other type, a data source excepted, is listed as not applied,
//!   never silently dropped.

use super::whatif::{read_bounded, Change, Skipped, WhatIf, WhatIfError, MAX_CHANGES};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

/// The Terraform resource types mapped, with the ARM type each becomes.
pub const SUPPORTED: [(&str, &str); 24] = [
    ("azapi_resource", "(any: its `type`)"),
    ("azapi_update_resource", "(any: its `type`)"),
    ("azurerm_key_vault", "Microsoft.KeyVault/vaults"),
    (
        "azurerm_log_analytics_workspace",
        "Microsoft.OperationalInsights/workspaces",
    ),
    (
        "azurerm_log_analytics_workspace_table",
        "Microsoft.OperationalInsights/workspaces/tables",
    ),
    ("azurerm_management_lock", "Microsoft.Authorization/locks"),
    (
        "azurerm_monitor_aad_diagnostic_setting",
        "microsoft.aadiam/diagnosticSettings",
    ),
    (
        "azurerm_monitor_action_group",
        "Microsoft.Insights/actionGroups",
    ),
    (
        "azurerm_monitor_activity_log_alert",
        "Microsoft.Insights/activityLogAlerts",
    ),
    (
        "azurerm_monitor_data_collection_rule",
        "Microsoft.Insights/dataCollectionRules",
    ),
    (
        "azurerm_monitor_data_collection_rule_association",
        "Microsoft.Insights/dataCollectionRuleAssociations",
    ),
    (
        "azurerm_monitor_diagnostic_setting",
        "Microsoft.Insights/diagnosticSettings",
    ),
    (
        "azurerm_monitor_scheduled_query_rules_alert_v2",
        "Microsoft.Insights/scheduledQueryRules",
    ),
    (
        "azurerm_network_watcher",
        "Microsoft.Network/networkWatchers",
    ),
    (
        "azurerm_network_watcher_flow_log",
        "Microsoft.Network/networkWatchers/flowLogs",
    ),
    (
        "azurerm_role_assignment",
        "Microsoft.Authorization/roleAssignments",
    ),
    (
        "azurerm_security_center_contact",
        "Microsoft.Security/securityContacts",
    ),
    (
        "azurerm_security_center_subscription_pricing",
        "Microsoft.Security/pricings",
    ),
    (
        "azurerm_sentinel_alert_rule_scheduled",
        "Microsoft.SecurityInsights/alertRules",
    ),
    (
        "azurerm_sentinel_log_analytics_workspace_onboarding",
        "Microsoft.SecurityInsights/onboardingStates",
    ),
    (
        "azurerm_storage_account",
        "Microsoft.Storage/storageAccounts",
    ),
    (
        "azurerm_storage_container",
        "Microsoft.Storage/storageAccounts/blobServices/containers",
    ),
    (
        "azurerm_virtual_machine_extension",
        "Microsoft.Compute/virtualMachines/extensions",
    ),
    (
        "azurerm_virtual_network",
        "Microsoft.Network/virtualNetworks",
    ),
];

/// How a type's ARM id is built from its attributes.
enum IdRule {
    /// `/subscriptions/{s}/resourceGroups/{resource_group_name}/providers/{type}/{name}`.
    Group,
    /// `{scope attribute}/providers/{type}/{name}` (an extension resource);
    /// `name` is the attribute holding the name, or a fixed name.
    Extension { scope: &'static str, name: Name },
    /// `{parent attribute}/{segment}/{name}` (a child resource).
    Child {
        parent: &'static str,
        segment: &'static str,
    },
    /// `/subscriptions/{s}/providers/{type}/{name attribute}`.
    Subscription { name: &'static str },
    /// `/providers/{type}/{name}` (a tenant resource).
    Tenant,
    /// A flow log: under its watcher, named by `network_watcher_name`.
    FlowLog,
}

#[derive(Clone, Copy)]
enum Name {
    Attr(&'static str),
    Fixed(&'static str),
}

struct Spec {
    arm: &'static str,
    id: IdRule,
    body: fn(&At, &Cx) -> Value,
    /// A create only updates what Azure already made (a workspace's table):
    /// merged like an update.
    merge_on_create: bool,
}

fn spec(tf_type: &str) -> Option<Spec> {
    let s = |arm, id, body: fn(&At, &Cx) -> Value| Spec {
        arm,
        id,
        body,
        merge_on_create: false,
    };
    let ext = |scope| IdRule::Extension {
        scope,
        name: Name::Attr("name"),
    };
    Some(match tf_type {
        "azurerm_key_vault" => s("Microsoft.KeyVault/vaults", IdRule::Group, key_vault),
        "azurerm_storage_account" => s(
            "Microsoft.Storage/storageAccounts",
            IdRule::Group,
            storage_account,
        ),
        "azurerm_storage_container" => s(
            "Microsoft.Storage/storageAccounts/blobServices/containers",
            IdRule::Child {
                parent: "storage_account_id",
                segment: "blobServices/default/containers",
            },
            storage_container,
        ),
        "azurerm_log_analytics_workspace" => s(
            "Microsoft.OperationalInsights/workspaces",
            IdRule::Group,
            workspace,
        ),
        "azurerm_log_analytics_workspace_table" => Spec {
            merge_on_create: true,
            ..s(
                "Microsoft.OperationalInsights/workspaces/tables",
                IdRule::Child {
                    parent: "workspace_id",
                    segment: "tables",
                },
                table,
            )
        },
        "azurerm_monitor_diagnostic_setting" => s(
            "Microsoft.Insights/diagnosticSettings",
            ext("target_resource_id"),
            diagnostic_setting,
        ),
        "azurerm_monitor_aad_diagnostic_setting" => s(
            "microsoft.aadiam/diagnosticSettings",
            IdRule::Tenant,
            diagnostic_setting,
        ),
        "azurerm_monitor_activity_log_alert" => s(
            "Microsoft.Insights/activityLogAlerts",
            IdRule::Group,
            activity_log_alert,
        ),
        "azurerm_monitor_action_group" => s(
            "Microsoft.Insights/actionGroups",
            IdRule::Group,
            action_group,
        ),
        "azurerm_monitor_scheduled_query_rules_alert_v2" => s(
            "Microsoft.Insights/scheduledQueryRules",
            IdRule::Group,
            scheduled_query_rule,
        ),
        "azurerm_security_center_subscription_pricing" => s(
            "Microsoft.Security/pricings",
            IdRule::Subscription {
                name: "resource_type",
            },
            pricing,
        ),
        "azurerm_security_center_contact" => s(
            "Microsoft.Security/securityContacts",
            IdRule::Subscription { name: "name" },
            security_contact,
        ),
        "azurerm_management_lock" => s("Microsoft.Authorization/locks", ext("scope"), lock),
        "azurerm_role_assignment" => s(
            "Microsoft.Authorization/roleAssignments",
            ext("scope"),
            role_assignment,
        ),
        "azurerm_sentinel_log_analytics_workspace_onboarding" => s(
            "Microsoft.SecurityInsights/onboardingStates",
            IdRule::Extension {
                scope: "workspace_id",
                name: Name::Fixed("default"),
            },
            onboarding,
        ),
        "azurerm_sentinel_alert_rule_scheduled" => s(
            "Microsoft.SecurityInsights/alertRules",
            ext("log_analytics_workspace_id"),
            sentinel_rule,
        ),
        "azurerm_monitor_data_collection_rule" => s(
            "Microsoft.Insights/dataCollectionRules",
            IdRule::Group,
            data_collection_rule,
        ),
        "azurerm_monitor_data_collection_rule_association" => s(
            "Microsoft.Insights/dataCollectionRuleAssociations",
            ext("target_resource_id"),
            dcr_association,
        ),
        "azurerm_virtual_machine_extension" => s(
            "Microsoft.Compute/virtualMachines/extensions",
            IdRule::Child {
                parent: "virtual_machine_id",
                segment: "extensions",
            },
            vm_extension,
        ),
        "azurerm_network_watcher" => s(
            "Microsoft.Network/networkWatchers",
            IdRule::Group,
            |_, _| json!({}),
        ),
        "azurerm_network_watcher_flow_log" => s(
            "Microsoft.Network/networkWatchers/flowLogs",
            IdRule::FlowLog,
            flow_log,
        ),
        "azurerm_virtual_network" => s(
            "Microsoft.Network/virtualNetworks",
            IdRule::Group,
            virtual_network,
        ),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Reading attributes: known, unknown until apply, or resolved by reference.

/// The conversion's context: the planned resources (to resolve references)
/// and the attributes found unknown while building one change.
struct Cx<'a> {
    plan: &'a Plan<'a>,
    module: &'a str,
    unknown: RefCell<Vec<String>>,
    depth: usize,
}

/// An object of a resource's values: `v` the values (`after`, or `before`
/// for a delete), `u` the same shape of `after_unknown`, `x` the
/// configuration's expressions, `path` for messages.
#[derive(Clone)]
struct At<'a> {
    v: &'a Value,
    u: &'a Value,
    x: &'a Value,
    path: String,
}

static NULL: Value = Value::Null;

impl<'a> At<'a> {
    fn unknown(&self, k: &str) -> bool {
        self.u.get(k) == Some(&Value::Bool(true))
    }

    fn note(&self, cx: &Cx, k: &str) {
        cx.unknown.borrow_mut().push(format!("{}{k}", self.path));
    }

    /// The ids of the planned resources this attribute's expression refers to.
    fn refs(&self, cx: &Cx, k: &str) -> Vec<Option<String>> {
        let Some(list) = self
            .x
            .get(k)
            .and_then(|e| e.get("references"))
            .and_then(Value::as_array)
        else {
            return Vec::new();
        };
        // `["azurerm_x.y.id", "azurerm_x.y"]`: the attribute reference and
        // its resource, listed both; one per referenced resource is kept.
        let mut seen = Vec::new();
        for r in list.iter().filter_map(Value::as_str) {
            let Some(target) = r.strip_suffix(".id") else {
                continue;
            };
            if !seen.contains(&target) {
                seen.push(target);
            }
        }
        seen.into_iter()
            .map(|t| cx.plan.id_of_reference(cx.module, t, cx.depth + 1))
            .collect()
    }

    /// A string, or an id resolved through a reference when unknown.
    fn str(&self, cx: &Cx, k: &str) -> Option<String> {
        if self.unknown(k) {
            if let [Some(id)] = self.refs(cx, k).as_slice() {
                return Some(id.clone());
            }
            self.note(cx, k);
            return None;
        }
        // An optional string Terraform leaves unset is "" in the plan.
        self.v
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    fn strs(&self, cx: &Cx, k: &str) -> Option<Vec<String>> {
        let u = self.u.get(k);
        if u == Some(&Value::Bool(true)) {
            self.note(cx, k);
            return None;
        }
        let known: Vec<Option<String>> = self
            .v
            .get(k)
            .and_then(Value::as_array)?
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect();
        let holes: Vec<usize> = match u.and_then(Value::as_array) {
            Some(flags) => flags
                .iter()
                .enumerate()
                .filter(|(_, f)| **f == Value::Bool(true))
                .map(|(i, _)| i)
                .collect(),
            None => Vec::new(),
        };
        let mut out: Vec<Option<String>> = known;
        let n = holes.iter().map(|h| h + 1).max().unwrap_or(0);
        if out.len() < n {
            out.resize(n, None);
        }
        if !holes.is_empty() {
            // One reference for one unknown element: that element is its id.
            match (self.refs(cx, k).as_slice(), holes.as_slice()) {
                ([Some(id)], [h]) => out[*h] = Some(id.clone()),
                _ => {
                    self.note(cx, k);
                    return None;
                }
            }
        }
        Some(out.into_iter().flatten().collect())
    }

    fn bool(&self, cx: &Cx, k: &str) -> Option<bool> {
        if self.unknown(k) {
            self.note(cx, k);
            return None;
        }
        self.v.get(k).and_then(Value::as_bool)
    }

    fn num(&self, cx: &Cx, k: &str) -> Option<Value> {
        if self.unknown(k) {
            self.note(cx, k);
            return None;
        }
        self.v.get(k).filter(|v| v.is_number()).cloned()
    }

    /// A nested block list (`network_acls`, `enabled_log`, …); `None` when
    /// unknown (noted) or absent.
    fn blocks(&self, cx: &Cx, k: &str) -> Option<Vec<At<'a>>> {
        if self.unknown(k) {
            self.note(cx, k);
            return None;
        }
        let list = self.v.get(k).and_then(Value::as_array)?;
        let at = |v: Option<&'a Value>, i: usize| v.and_then(|v| v.get(i)).unwrap_or(&NULL);
        Some(
            list.iter()
                .enumerate()
                .map(|(i, v)| At {
                    v,
                    u: at(self.u.get(k), i),
                    x: at(self.x.get(k), i),
                    path: format!("{}{k}[{i}].", self.path),
                })
                .collect(),
        )
    }

    fn first(&self, cx: &Cx, k: &str) -> Option<At<'a>> {
        self.blocks(cx, k)?.into_iter().next()
    }
}

fn put(o: &mut Map<String, Value>, k: &str, v: Option<impl Into<Value>>) {
    if let Some(v) = v {
        o.insert(k.to_string(), v.into());
    }
}

fn enabled_disabled(b: bool) -> &'static str {
    if b {
        "Enabled"
    } else {
        "Disabled"
    }
}

fn on_off(b: bool) -> &'static str {
    if b {
        "On"
    } else {
        "Off"
    }
}

/// `{"properties": …}` and the resource's `location` and `tags`.
fn resource(a: &At, cx: &Cx, props: Map<String, Value>) -> Value {
    let mut o = Map::new();
    put(&mut o, "location", a.str(cx, "location"));
    if let Some(t) = a.v.get("tags").filter(|t| t.is_object()) {
        o.insert("tags".into(), t.clone());
    }
    o.insert("properties".into(), Value::Object(props));
    Value::Object(o)
}

// ---------------------------------------------------------------------------
// The azurerm types: attribute → ARM property (only what the baseline reads).

fn network_acls(b: &At, cx: &Cx) -> Value {
    let mut o = Map::new();
    put(&mut o, "defaultAction", b.str(cx, "default_action"));
    // A string (key vault) or a set of strings (storage account).
    let bypass = match b.v.get("bypass") {
        Some(Value::Array(_)) => b.strs(cx, "bypass").map(|v| v.join(", ")),
        _ => b.str(cx, "bypass"),
    };
    put(&mut o, "bypass", bypass);
    Value::Object(o)
}

fn key_vault(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(&mut p, "tenantId", a.str(cx, "tenant_id"));
    // Soft delete cannot be turned off since azurerm 3.0 (and Azure, 2020).
    p.insert("enableSoftDelete".into(), json!(true));
    put(
        &mut p,
        "softDeleteRetentionInDays",
        a.num(cx, "soft_delete_retention_days"),
    );
    let rbac = if a.v.get("rbac_authorization_enabled").is_some() {
        a.bool(cx, "rbac_authorization_enabled")
    } else {
        a.bool(cx, "enable_rbac_authorization")
    };
    put(&mut p, "enableRbacAuthorization", rbac);
    put(
        &mut p,
        "enablePurgeProtection",
        a.bool(cx, "purge_protection_enabled"),
    );
    put(
        &mut p,
        "publicNetworkAccess",
        a.bool(cx, "public_network_access_enabled")
            .map(enabled_disabled),
    );
    put(
        &mut p,
        "networkAcls",
        a.first(cx, "network_acls").map(|b| network_acls(&b, cx)),
    );
    if let Some(list) = a.blocks(cx, "access_policy") {
        let pols: Vec<Value> = list
            .iter()
            .map(|b| {
                let mut perms = Map::new();
                for (tf, arm) in [
                    ("key_permissions", "keys"),
                    ("secret_permissions", "secrets"),
                    ("certificate_permissions", "certificates"),
                    ("storage_permissions", "storage"),
                ] {
                    put(&mut perms, arm, b.strs(cx, tf));
                }
                json!({
                    "tenantId": b.str(cx, "tenant_id"),
                    "objectId": b.str(cx, "object_id"),
                    "permissions": perms,
                })
            })
            .collect();
        p.insert("accessPolicies".into(), Value::Array(pols));
    }
    resource(a, cx, p)
}

fn storage_account(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(
        &mut p,
        "allowBlobPublicAccess",
        a.bool(cx, "allow_nested_items_to_be_public"),
    );
    put(
        &mut p,
        "allowSharedKeyAccess",
        a.bool(cx, "shared_access_key_enabled"),
    );
    put(&mut p, "minimumTlsVersion", a.str(cx, "min_tls_version"));
    let https = if a.v.get("https_traffic_only_enabled").is_some() {
        a.bool(cx, "https_traffic_only_enabled")
    } else {
        a.bool(cx, "enable_https_traffic_only")
    };
    put(&mut p, "supportsHttpsTrafficOnly", https);
    put(
        &mut p,
        "publicNetworkAccess",
        a.bool(cx, "public_network_access_enabled")
            .map(enabled_disabled),
    );
    put(
        &mut p,
        "networkAcls",
        a.first(cx, "network_rules").map(|b| network_acls(&b, cx)),
    );
    if let Some(cmk) = a.blocks(cx, "customer_managed_key") {
        let source = if cmk.is_empty() {
            "Microsoft.Storage"
        } else {
            "Microsoft.Keyvault"
        };
        p.insert("encryption".into(), json!({ "keySource": source }));
    }
    if let Some(list) = a.blocks(cx, "immutability_policy") {
        let v = match list.first() {
            Some(b) => {
                let mut pol = Map::new();
                put(
                    &mut pol,
                    "immutabilityPeriodSinceCreationInDays",
                    b.num(cx, "period_since_creation_in_days"),
                );
                put(&mut pol, "state", b.str(cx, "state"));
                json!({"enabled": true, "immutabilityPolicy": pol})
            }
            None => json!({"enabled": false}),
        };
        p.insert("immutableStorageWithVersioning".into(), v);
    }
    let mut o = resource(a, cx, p);
    put(
        o.as_object_mut().expect("an object"),
        "kind",
        a.str(cx, "account_kind"),
    );
    o
}

/// A storage account's `blob_properties` as its blob service (row 8).
fn blob_service(a: &At, cx: &Cx) -> Option<Value> {
    // Unknown: the overlay answers the read "unknown until apply" itself.
    if a.unknown("blob_properties") {
        return None;
    }
    let b = a.blocks(cx, "blob_properties")?;
    let policy = |k: &str| -> Value {
        match b.first().and_then(|b| b.first(cx, k)) {
            Some(r) => json!({"enabled": true, "days": r.num(cx, "days")}),
            None => json!({"enabled": false}),
        }
    };
    Some(json!({"properties": {
        "deleteRetentionPolicy": policy("delete_retention_policy"),
        "containerDeleteRetentionPolicy": policy("container_delete_retention_policy"),
    }}))
}

fn storage_container(_: &At, _: &Cx) -> Value {
    json!({"properties": {"hasImmutabilityPolicy": false}})
}

fn workspace(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(&mut p, "retentionInDays", a.num(cx, "retention_in_days"));
    if let Some(q) = a.num(cx, "daily_quota_gb") {
        p.insert("workspaceCapping".into(), json!({ "dailyQuotaGb": q }));
    }
    if let Some(b) = a.bool(cx, "immediate_data_purge_on_30_days_enabled") {
        p.insert(
            "features".into(),
            json!({ "immediatePurgeDataOn30Days": b }),
        );
    }
    resource(a, cx, p)
}

fn table(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(&mut p, "retentionInDays", a.num(cx, "retention_in_days"));
    put(
        &mut p,
        "totalRetentionInDays",
        a.num(cx, "total_retention_in_days"),
    );
    json!({ "properties": p })
}

fn diagnostic_setting(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(&mut p, "storageAccountId", a.str(cx, "storage_account_id"));
    put(
        &mut p,
        "workspaceId",
        a.str(cx, "log_analytics_workspace_id"),
    );
    put(
        &mut p,
        "eventHubAuthorizationRuleId",
        a.str(cx, "eventhub_authorization_rule_id"),
    );
    put(
        &mut p,
        "marketplacePartnerId",
        a.str(cx, "partner_solution_id"),
    );
    put(
        &mut p,
        "logAnalyticsDestinationType",
        a.str(cx, "log_analytics_destination_type"),
    );
    let mut logs = Vec::new();
    // `enabled_log` (azurerm 3.39+) and the older `log`, with `enabled`.
    for k in ["enabled_log", "log"] {
        for b in a.blocks(cx, k).unwrap_or_default() {
            let mut l = Map::new();
            put(&mut l, "category", b.str(cx, "category"));
            put(&mut l, "categoryGroup", b.str(cx, "category_group"));
            let on = if k == "log" {
                b.bool(cx, "enabled")
            } else {
                Some(true)
            };
            put(&mut l, "enabled", on);
            logs.push(Value::Object(l));
        }
    }
    p.insert("logs".into(), Value::Array(logs));
    json!({ "properties": p })
}

fn activity_log_alert(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(&mut p, "scopes", a.strs(cx, "scopes"));
    put(&mut p, "enabled", a.bool(cx, "enabled"));
    let mut all = Vec::new();
    if let Some(c) = a.first(cx, "criteria") {
        for (tf, field) in [
            ("category", "category"),
            ("operation_name", "operationName"),
            ("resource_provider", "resourceProvider"),
            ("resource_type", "resourceType"),
            ("resource_group", "resourceGroup"),
            ("resource_id", "resourceId"),
            ("caller", "caller"),
            ("level", "level"),
            ("status", "status"),
            ("sub_status", "subStatus"),
        ] {
            if let Some(v) = c.str(cx, tf) {
                all.push(json!({"field": field, "equals": v}));
            }
        }
        for (tf, field) in [
            ("operation_names", "operationName"),
            ("resource_types", "resourceType"),
            ("resource_providers", "resourceProvider"),
            ("resource_ids", "resourceId"),
            ("levels", "level"),
            ("statuses", "status"),
        ] {
            if let Some(v) = c.strs(cx, tf).filter(|v| !v.is_empty()) {
                let any: Vec<Value> = v
                    .into_iter()
                    .map(|x| json!({"field": field, "equals": x}))
                    .collect();
                all.push(json!({ "anyOf": any }));
            }
        }
    }
    p.insert("condition".into(), json!({ "allOf": all }));
    let groups: Vec<Value> = a
        .blocks(cx, "action")
        .unwrap_or_default()
        .iter()
        .map(|b| json!({"actionGroupId": b.str(cx, "action_group_id")}))
        .collect();
    p.insert("actions".into(), json!({ "actionGroups": groups }));
    resource(a, cx, p)
}

fn action_group(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(&mut p, "groupShortName", a.str(cx, "short_name"));
    put(&mut p, "enabled", a.bool(cx, "enabled"));
    for (tf, arm, addr) in [
        (
            "email_receiver",
            "emailReceivers",
            ("email_address", "emailAddress"),
        ),
        (
            "sms_receiver",
            "smsReceivers",
            ("phone_number", "phoneNumber"),
        ),
        (
            "webhook_receiver",
            "webhookReceivers",
            ("service_uri", "serviceUri"),
        ),
        (
            "voice_receiver",
            "voiceReceivers",
            ("phone_number", "phoneNumber"),
        ),
        (
            "azure_app_push_receiver",
            "azureAppPushReceivers",
            ("email_address", "emailAddress"),
        ),
        (
            "logic_app_receiver",
            "logicAppReceivers",
            ("callback_url", "callbackUrl"),
        ),
        (
            "azure_function_receiver",
            "azureFunctionReceivers",
            ("http_trigger_url", "httpTriggerUrl"),
        ),
        (
            "arm_role_receiver",
            "armRoleReceivers",
            ("role_id", "roleId"),
        ),
        (
            "event_hub_receiver",
            "eventHubReceivers",
            ("event_hub_name", "eventHubName"),
        ),
        (
            "automation_runbook_receiver",
            "automationRunbookReceivers",
            ("webhook_resource_id", "webhookResourceId"),
        ),
        (
            "itsm_receiver",
            "itsmReceivers",
            ("workspace_id", "workspaceId"),
        ),
    ] {
        let list: Vec<Value> = a
            .blocks(cx, tf)
            .unwrap_or_default()
            .iter()
            .map(|b| {
                let mut r = Map::new();
                put(&mut r, "name", b.str(cx, "name"));
                put(&mut r, addr.1, b.str(cx, addr.0));
                Value::Object(r)
            })
            .collect();
        p.insert(arm.into(), Value::Array(list));
    }
    resource(a, cx, p)
}

fn scheduled_query_rule(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(&mut p, "enabled", a.bool(cx, "enabled"));
    let groups = a
        .first(cx, "action")
        .and_then(|b| b.strs(cx, "action_groups"))
        .unwrap_or_default();
    p.insert("actions".into(), json!({ "actionGroups": groups }));
    put(&mut p, "scopes", a.strs(cx, "scopes"));
    resource(a, cx, p)
}

fn pricing(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(&mut p, "pricingTier", a.str(cx, "tier"));
    put(&mut p, "subPlan", a.str(cx, "subplan"));
    let mut o = Map::new();
    put(&mut o, "name", a.str(cx, "resource_type"));
    o.insert("properties".into(), Value::Object(p));
    Value::Object(o)
}

fn security_contact(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(&mut p, "email", a.str(cx, "email"));
    put(&mut p, "phone", a.str(cx, "phone"));
    put(
        &mut p,
        "alertNotifications",
        a.bool(cx, "alert_notifications").map(on_off),
    );
    put(
        &mut p,
        "alertsToAdmins",
        a.bool(cx, "alerts_to_admins").map(on_off),
    );
    let mut o = Map::new();
    put(&mut o, "name", a.str(cx, "name"));
    o.insert("properties".into(), Value::Object(p));
    Value::Object(o)
}

fn lock(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(&mut p, "level", a.str(cx, "lock_level"));
    put(&mut p, "notes", a.str(cx, "notes"));
    json!({ "properties": p })
}

fn role_assignment(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(&mut p, "roleDefinitionId", a.str(cx, "role_definition_id"));
    put(&mut p, "principalId", a.str(cx, "principal_id"));
    put(&mut p, "principalType", a.str(cx, "principal_type"));
    put(&mut p, "scope", a.str(cx, "scope"));
    json!({ "properties": p })
}

fn onboarding(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(
        &mut p,
        "customerManagedKey",
        a.bool(cx, "customer_managed_key_enabled"),
    );
    json!({ "properties": p })
}

fn sentinel_rule(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(&mut p, "displayName", a.str(cx, "display_name"));
    put(&mut p, "enabled", a.bool(cx, "enabled"));
    put(&mut p, "severity", a.str(cx, "severity"));
    put(&mut p, "query", a.str(cx, "query"));
    put(&mut p, "tactics", a.strs(cx, "tactics"));
    put(&mut p, "techniques", a.strs(cx, "techniques"));
    json!({ "kind": "Scheduled", "properties": p })
}

fn data_collection_rule(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    if let Some(d) = a.first(cx, "destinations") {
        let la: Vec<Value> = d
            .blocks(cx, "log_analytics")
            .unwrap_or_default()
            .iter()
            .map(|b| {
                json!({"name": b.str(cx, "name"), "workspaceResourceId": b.str(cx, "workspace_resource_id")})
            })
            .collect();
        p.insert("destinations".into(), json!({ "logAnalytics": la }));
    }
    let flows: Vec<Value> = a
        .blocks(cx, "data_flow")
        .unwrap_or_default()
        .iter()
        .map(|b| json!({"streams": b.strs(cx, "streams"), "destinations": b.strs(cx, "destinations")}))
        .collect();
    p.insert("dataFlows".into(), Value::Array(flows));
    let mut o = resource(a, cx, p);
    put(
        o.as_object_mut().expect("an object"),
        "kind",
        a.str(cx, "kind"),
    );
    o
}

fn dcr_association(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(
        &mut p,
        "dataCollectionRuleId",
        a.str(cx, "data_collection_rule_id"),
    );
    json!({ "properties": p })
}

fn vm_extension(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    put(&mut p, "publisher", a.str(cx, "publisher"));
    put(&mut p, "type", a.str(cx, "type"));
    put(
        &mut p,
        "typeHandlerVersion",
        a.str(cx, "type_handler_version"),
    );
    json!({ "properties": p })
}

fn flow_log(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    let target = if a.v.get("target_resource_id").is_some() || a.unknown("target_resource_id") {
        a.str(cx, "target_resource_id")
    } else {
        a.str(cx, "network_security_group_id")
    };
    put(&mut p, "targetResourceId", target);
    put(&mut p, "storageId", a.str(cx, "storage_account_id"));
    put(&mut p, "enabled", a.bool(cx, "enabled"));
    if let Some(r) = a.first(cx, "retention_policy") {
        let mut o = Map::new();
        put(&mut o, "enabled", r.bool(cx, "enabled"));
        put(&mut o, "days", r.num(cx, "days"));
        p.insert("retentionPolicy".into(), Value::Object(o));
    }
    if let Some(t) = a.first(cx, "traffic_analytics") {
        let mut o = Map::new();
        put(&mut o, "enabled", t.bool(cx, "enabled"));
        put(&mut o, "workspaceResourceId", t.str(cx, "workspace_id"));
        p.insert(
            "flowAnalyticsConfiguration".into(),
            json!({ "networkWatcherFlowAnalyticsConfiguration": o }),
        );
    }
    resource(a, cx, p)
}

fn virtual_network(a: &At, cx: &Cx) -> Value {
    let mut p = Map::new();
    if let Some(list) = a.blocks(cx, "subnet") {
        let subnets: Vec<Value> = list
            .iter()
            .map(|b| {
                let mut sp = Map::new();
                if let Some(nsg) = b.str(cx, "security_group") {
                    sp.insert("networkSecurityGroup".into(), json!({ "id": nsg }));
                }
                put(&mut sp, "addressPrefixes", b.strs(cx, "address_prefixes"));
                json!({"name": b.str(cx, "name"), "properties": sp})
            })
            .collect();
        p.insert("subnets".into(), Value::Array(subnets));
    }
    resource(a, cx, p)
}

/// The ARM property names an attribute (`network_rules[0].bypass`, or an
/// azapi `body.properties.x` path) sets: what a check's condition names.
fn arm_names(attr: &str) -> Vec<String> {
    if let Some(path) = attr.strip_prefix("body.") {
        return path
            .split(['.', '['])
            .filter(|s| !s.is_empty() && !s.ends_with(']') && *s != "properties")
            .map(str::to_string)
            .collect();
    }
    let head = attr.split(['[', '.']).next().unwrap_or(attr);
    let names: &[&str] = match head {
        "purge_protection_enabled" => &["enablePurgeProtection"],
        "enable_rbac_authorization" | "rbac_authorization_enabled" => &["enableRbacAuthorization"],
        "public_network_access_enabled" => &["publicNetworkAccess"],
        "network_acls" | "network_rules" => &["networkAcls", "defaultAction", "bypass"],
        "access_policy" => &["accessPolicies"],
        "soft_delete_retention_days" => &["enableSoftDelete", "softDeleteRetentionInDays"],
        "tenant_id" => &["tenantId"],
        "allow_nested_items_to_be_public" => &["allowBlobPublicAccess"],
        "shared_access_key_enabled" => &["allowSharedKeyAccess"],
        "min_tls_version" => &["minimumTlsVersion"],
        "https_traffic_only_enabled" | "enable_https_traffic_only" => &["supportsHttpsTrafficOnly"],
        "customer_managed_key" => &["encryption", "keySource"],
        "immutability_policy" => &["immutableStorageWithVersioning", "immutabilityPolicy"],
        "account_kind" => &["kind", "primaryEndpoints"],
        "retention_in_days" => &["retentionInDays"],
        "total_retention_in_days" => &["totalRetentionInDays"],
        "daily_quota_gb" => &["dailyQuotaGb", "workspaceCapping"],
        "immediate_data_purge_on_30_days_enabled" => &["immediatePurgeDataOn30Days"],
        "tier" => &["pricingTier"],
        "subplan" => &["subPlan"],
        "email" => &["email", "emails"],
        "alert_notifications" => &["alertNotifications", "notificationsSources"],
        "alerts_to_admins" => &["alertsToAdmins", "notificationsByRole"],
        "location" => &["location"],
        _ => &[],
    };
    names.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------
// The plan document.

/// One resource change of the plan.
struct Rc<'a> {
    address: String,
    /// The module it is in (`module.a.module.b`), instance keys removed.
    module: String,
    tf_type: String,
    actions: Vec<String>,
    before: &'a Value,
    after: &'a Value,
    after_unknown: &'a Value,
    expressions: &'a Value,
    provider_key: String,
}

struct Plan<'a> {
    rcs: Vec<Rc<'a>>,
    /// Provider configuration key → its constant `subscription_id`.
    subscriptions: BTreeMap<String, String>,
    default_subscription: Option<String>,
}

/// An address without its instance keys (`a.b["k"]` → `a.b`), quotes respected.
fn without_keys(address: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut quoted = false;
    let mut escaped = false;
    for ch in address.chars() {
        if depth > 0 {
            if quoted {
                if escaped {
                    escaped = false;
                } else if ch == '\\' {
                    escaped = true;
                } else if ch == '"' {
                    quoted = false;
                }
            } else if ch == '"' {
                quoted = true;
            } else if ch == ']' {
                depth -= 1;
            }
            continue;
        }
        if ch == '[' {
            depth += 1;
        } else {
            out.push(ch);
        }
    }
    out
}

fn subscription_in(id: &str) -> Option<String> {
    let segs: Vec<&str> = id.split('/').collect();
    (segs.len() > 2 && segs[0].is_empty() && segs[1].eq_ignore_ascii_case("subscriptions"))
        .then(|| segs[2].to_string())
        .filter(|s| !s.is_empty())
}

impl<'a> Plan<'a> {
    fn values(rc: &Rc<'a>) -> At<'a> {
        if rc.actions == ["delete"] {
            At {
                v: rc.before,
                u: &NULL,
                x: &NULL,
                path: String::new(),
            }
        } else {
            At {
                v: rc.after,
                u: rc.after_unknown,
                x: rc.expressions,
                path: String::new(),
            }
        }
    }

    /// The id of the planned resource a reference names (`azurerm_x.y`,
    /// relative to `module`), when it can be built.
    fn id_of_reference(&self, module: &str, target: &str, depth: usize) -> Option<String> {
        if depth > 8 {
            return None;
        }
        let full = if module.is_empty() {
            target.to_string()
        } else {
            format!("{module}.{target}")
        };
        let rc = self.rcs.iter().find(|r| r.address == full)?;
        let cx = Cx {
            plan: self,
            module: &rc.module,
            unknown: RefCell::new(Vec::new()),
            depth,
        };
        let id = self.arm_id(rc, &cx).ok()?;
        let resolved = cx.unknown.borrow().is_empty();
        resolved.then_some(id)
    }

    fn subscription(&self, rc: &Rc<'a>, a: &At, cx: &Cx) -> Option<String> {
        if let Some(s) =
            a.v.get("id")
                .and_then(Value::as_str)
                .and_then(subscription_in)
        {
            return Some(s);
        }
        if let Some(s) =
            a.v.get("resource_group_id")
                .and_then(Value::as_str)
                .and_then(subscription_in)
        {
            return Some(s);
        }
        let _ = cx;
        self.subscriptions
            .get(&rc.provider_key)
            .or_else(|| self.subscriptions.get("azurerm"))
            .cloned()
            .or_else(|| self.default_subscription.clone())
    }

    /// The ARM id of a resource change, or why it cannot be known.
    fn arm_id(&self, rc: &Rc<'a>, cx: &Cx) -> Result<String, String> {
        let a = Self::values(rc);
        if rc.tf_type == "azapi_resource" || rc.tf_type == "azapi_update_resource" {
            return azapi_id(&a, cx);
        }
        let Some(spec) = spec(&rc.tf_type) else {
            return Err("type not supported".into());
        };
        let need = |k: &str| -> Result<String, String> {
            a.str(cx, k)
                .ok_or_else(|| format!("`{k}` is unknown until apply"))
        };
        let sub = || {
            self.subscription(rc, &a, cx).ok_or_else(|| {
                "its subscription is not in the plan: set subscription_id in the azurerm provider block, or give --default-subscription (ARM_SUBSCRIPTION_ID)".to_string()
            })
        };
        Ok(match spec.id {
            IdRule::Group => format!(
                "/subscriptions/{}/resourceGroups/{}/providers/{}/{}",
                sub()?,
                need("resource_group_name")?,
                spec.arm,
                need("name")?
            ),
            IdRule::Extension { scope, name } => {
                let name = match name {
                    Name::Fixed(n) => n.to_string(),
                    Name::Attr(k) => match a.str(cx, k) {
                        Some(n) => n,
                        // A role assignment's name is a GUID Azure makes:
                        // the address stands for it.
                        None if rc.tf_type == "azurerm_role_assignment" => {
                            cx.unknown.borrow_mut().retain(|u| u != k);
                            format!("planned-{}", rc.address)
                        }
                        None => return Err(format!("`{k}` is unknown until apply")),
                    },
                };
                format!(
                    "{}/providers/{}/{}",
                    need(scope)?.trim_end_matches('/'),
                    spec.arm,
                    name
                )
            }
            IdRule::Child { parent, segment } => {
                format!(
                    "{}/{segment}/{}",
                    need(parent)?.trim_end_matches('/'),
                    need("name")?
                )
            }
            IdRule::Subscription { name } => {
                format!("/subscriptions/{}/providers/{}/{}", sub()?, spec.arm, need(name)?)
            }
            IdRule::Tenant => format!("/providers/{}/{}", spec.arm, need("name")?),
            IdRule::FlowLog => format!(
                "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/networkWatchers/{}/flowLogs/{}",
                sub()?,
                need("resource_group_name")?,
                need("network_watcher_name")?,
                need("name")?
            ),
        })
    }
}

/// `azapi_resource`'s id: `{parent_id}/providers/{type}/{name}`, or
/// `{parent_id}/{child}/{name}` for a child type of the parent's.
fn azapi_id(a: &At, cx: &Cx) -> Result<String, String> {
    if let Some(id) = a.v.get("resource_id").and_then(Value::as_str) {
        return Ok(id.to_string());
    }
    if let Some(id) =
        a.v.get("id")
            .and_then(Value::as_str)
            .filter(|s| s.starts_with('/'))
    {
        return Ok(id.to_string());
    }
    let ty = a.str(cx, "type").ok_or("`type` is unknown until apply")?;
    let arm_type = ty.split('@').next().unwrap_or_default().to_string();
    let name = a.str(cx, "name").ok_or("`name` is unknown until apply")?;
    let parent = a
        .str(cx, "parent_id")
        .ok_or("`parent_id` is unknown until apply")?;
    let parent = parent.trim_end_matches('/');
    let segs: Vec<&str> = arm_type.split('/').collect();
    if segs.len() < 2 {
        return Err(format!("type {ty:?} is not an ARM resource type"));
    }
    if segs.len() > 2 {
        let parent_type = segs[..segs.len() - 1].join("/");
        if super::whatif::resource_type(parent)
            .is_some_and(|t| t.eq_ignore_ascii_case(&parent_type))
        {
            return Ok(format!("{parent}/{}/{name}", segs[segs.len() - 1]));
        }
    }
    Ok(format!("{parent}/providers/{arm_type}/{name}"))
}

/// `azapi_resource`'s body (an object, or the JSON string of azapi 1.x),
/// with its location and tags; the unknown leaves noted.
fn azapi_body(a: &At, cx: &Cx) -> Value {
    let mut body = match a.v.get("body") {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    fn unknown_leaves(u: &Value, path: &str, out: &mut Vec<String>) {
        match u {
            Value::Bool(true) => out.push(path.to_string()),
            Value::Object(o) => {
                for (k, v) in o {
                    unknown_leaves(v, &format!("{path}.{k}"), out);
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    unknown_leaves(v, &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut leaves = Vec::new();
    unknown_leaves(a.u.get("body").unwrap_or(&NULL), "body", &mut leaves);
    cx.unknown.borrow_mut().extend(leaves);
    if !body.is_object() {
        body = json!({});
    }
    let o = body.as_object_mut().expect("an object");
    for k in ["location", "tags"] {
        if let Some(v) = a.v.get(k).filter(|v| !v.is_null()) {
            o.entry(k).or_insert_with(|| v.clone());
        }
    }
    body
}

/// Reads a Terraform plan of at most [`MAX_BYTES`].
pub fn load(path: &Path, default_subscription: Option<&str>) -> Result<WhatIf, WhatIfError> {
    from_bytes(&read_bounded(path)?, path, default_subscription)
}

/// Walks the configuration's modules: `(module path, resource address) →
/// (expressions, provider key)`, and the providers' `subscription_id`.
fn index_configuration<'a>(
    module: &'a Value,
    prefix: &str,
    out: &mut BTreeMap<String, (&'a Value, String)>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(addr) = r.get("address").and_then(Value::as_str) else {
            continue;
        };
        let full = if prefix.is_empty() {
            addr.to_string()
        } else {
            format!("{prefix}.{addr}")
        };
        let key = r
            .get("provider_config_key")
            .and_then(Value::as_str)
            .unwrap_or("azurerm")
            .to_string();
        out.insert(full, (r.get("expressions").unwrap_or(&NULL), key));
    }
    if let Some(calls) = module.get("module_calls").and_then(Value::as_object) {
        for (name, call) in calls {
            if let Some(m) = call.get("module") {
                let p = if prefix.is_empty() {
                    format!("module.{name}")
                } else {
                    format!("{prefix}.module.{name}")
                };
                index_configuration(m, &p, out, depth + 1);
            }
        }
    }
}

/// Parses a Terraform plan's JSON representation.
pub fn from_bytes(
    bytes: &[u8],
    path: &Path,
    default_subscription: Option<&str>,
) -> Result<WhatIf, WhatIfError> {
    let err = |message: String| WhatIfError::Format {
        path: path.into(),
        message,
    };
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| err(format!("not JSON: {e}")))?;
    let Some(obj) = doc.as_object() else {
        return Err(err(
            "not a Terraform plan: the document is not an object".into()
        ));
    };
    match obj.get("format_version").and_then(Value::as_str) {
        Some(v) if v.split('.').next() == Some("1") => {}
        Some(v) => {
            return Err(err(format!(
                "format_version: {:?} is not 1.x (terraform show -json)",
                crate::util::text::printable(v)
            )))
        }
        None => {
            return Err(err(
                "format_version: missing (not the output of terraform show -json PLAN)".into(),
            ))
        }
    }
    if obj.get("errored") == Some(&Value::Bool(true)) {
        return Err(err("errored: the plan did not complete".into()));
    }
    let rcs_json = match obj.get("resource_changes") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(err("resource_changes: not an array".into())),
    };
    if rcs_json.len() > MAX_CHANGES {
        return Err(err(format!(
            "resource_changes: {} changes, more than {MAX_CHANGES}",
            rcs_json.len()
        )));
    }
    let config = obj.get("configuration").unwrap_or(&NULL);
    let mut exprs = BTreeMap::new();
    index_configuration(
        config.get("root_module").unwrap_or(&NULL),
        "",
        &mut exprs,
        0,
    );
    let mut subscriptions = BTreeMap::new();
    if let Some(pc) = config.get("provider_config").and_then(Value::as_object) {
        for (key, p) in pc {
            if let Some(s) = p
                .get("expressions")
                .and_then(|e| e.get("subscription_id"))
                .and_then(|e| e.get("constant_value"))
                .and_then(Value::as_str)
            {
                subscriptions.insert(key.clone(), s.to_string());
            }
        }
    }
    let mut rcs = Vec::new();
    for (i, rc) in rcs_json.iter().enumerate() {
        let field = |name: &str| format!("resource_changes[{i}].{name}");
        let s = |name: &str| -> Result<&str, WhatIfError> {
            rc.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| err(format!("{}: missing or not a string", field(name))))
        };
        let address = s("address")?;
        let mode = rc.get("mode").and_then(Value::as_str).unwrap_or("managed");
        let tf_type = s("type")?;
        let change = rc
            .get("change")
            .filter(|c| c.is_object())
            .ok_or_else(|| err(format!("{}: missing", field("change"))))?;
        let actions: Vec<String> = change
            .get("actions")
            .and_then(Value::as_array)
            .ok_or_else(|| err(format!("{}: missing", field("change.actions"))))?
            .iter()
            .map(|a| a.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| err(format!("{}: not strings", field("change.actions"))))?;
        let known = [
            &["no-op"][..],
            &["read"],
            &["create"],
            &["update"],
            &["delete"],
            &["delete", "create"],
            &["create", "delete"],
            &["forget"],
            &["create", "forget"],
        ];
        if !known.iter().any(|k| *k == actions.as_slice()) {
            return Err(err(format!(
                "{}: unknown actions {:?}",
                field("change.actions"),
                crate::util::text::printable(&actions.join(","))
            )));
        }
        if mode == "data" || matches!(actions.as_slice(), [a] if a == "no-op" || a == "read") {
            continue;
        }
        let module = without_keys(
            rc.get("module_address")
                .and_then(Value::as_str)
                .unwrap_or(""),
        );
        let config_address = without_keys(address);
        let (expressions, provider_key) = match exprs.get(&config_address) {
            Some((e, k)) => (*e, k.clone()),
            None => (&NULL, "azurerm".to_string()),
        };
        let obj_or_null = |k: &str| change.get(k).filter(|v| v.is_object()).unwrap_or(&NULL);
        rcs.push(Rc {
            address: address.to_string(),
            module,
            tf_type: tf_type.to_string(),
            actions,
            before: obj_or_null("before"),
            after: obj_or_null("after"),
            after_unknown: obj_or_null("after_unknown"),
            expressions,
            provider_key,
        });
    }
    let plan = Plan {
        rcs,
        subscriptions,
        default_subscription: default_subscription.map(str::to_string),
    };
    let mut out = WhatIf {
        source: path.into(),
        ..WhatIf::default()
    };
    for rc in &plan.rcs {
        convert(&plan, rc, &mut out);
    }
    Ok(out)
}

/// One resource change as a planned change (or a listed skip).
fn convert(plan: &Plan, rc: &Rc, out: &mut WhatIf) {
    let actions: Vec<&str> = rc.actions.iter().map(String::as_str).collect();
    let change_type = match actions.as_slice() {
        ["create"] => "Create",
        ["update"] => "Modify",
        ["delete"] => "Delete",
        ["delete", "create"] | ["create", "delete"] => "Create",
        _ => {
            // `forget`: Terraform stops managing it; Azure keeps it.
            out.skipped.push(Skipped {
                resource_id: String::new(),
                change_type: rc.actions.join(","),
                reason: "removed from the Terraform state only: nothing changes in Azure".into(),
                address: Some(rc.address.clone()),
            });
            return;
        }
    };
    let skip = |reason: String| Skipped {
        resource_id: String::new(),
        change_type: change_type.to_string(),
        reason,
        address: Some(rc.address.clone()),
    };
    let azapi = rc.tf_type == "azapi_resource" || rc.tf_type == "azapi_update_resource";
    let spec = spec(&rc.tf_type);
    if !azapi && spec.is_none() {
        out.skipped.push(skip(format!(
            "type {} is not mapped (docs/planned-changes.md lists the supported types)",
            crate::util::text::printable(&rc.tf_type)
        )));
        return;
    }
    let cx = Cx {
        plan,
        module: &rc.module,
        unknown: RefCell::new(Vec::new()),
        depth: 0,
    };
    let id = match plan.arm_id(rc, &cx) {
        Ok(id) => id,
        Err(why) => {
            out.skipped
                .push(skip(format!("its resource id cannot be known: {why}")));
            return;
        }
    };
    // The id's own unknowns were resolved or it would not be known.
    cx.unknown.borrow_mut().clear();
    let a = Plan::values(rc);
    let mut change = Change {
        resource_id: id,
        change_type: change_type.to_string(),
        address: Some(rc.address.clone()),
        ..Change::default()
    };
    if change_type == "Delete" {
        if rc.tf_type == "azurerm_security_center_subscription_pricing" {
            // Destroying a pricing sets the plan back to Free.
            change.change_type = "Modify".into();
            change.merge = true;
            change.after = Some(json!({"properties": {"pricingTier": "Free"}}));
        } else if rc.tf_type == "azapi_update_resource"
            || spec.as_ref().is_some_and(|s| s.merge_on_create)
        {
            // Destroying an update (or a table's settings) leaves the resource.
            out.skipped.push(skip(
                "destroying it leaves the resource in Azure as it is".into(),
            ));
            return;
        }
        out.changes.push(change);
        return;
    }
    let mut body = if azapi {
        azapi_body(&a, &cx)
    } else {
        (spec.as_ref().expect("checked").body)(&a, &cx)
    };
    if let Some(o) = body.as_object_mut() {
        o.insert("id".into(), json!(change.resource_id));
        if let Some(n) = change.resource_id.rsplit('/').next() {
            o.entry("name").or_insert_with(|| json!(n));
        }
        let ty = if azapi {
            a.v.get("type")
                .and_then(Value::as_str)
                .and_then(|t| t.split('@').next())
                .map(str::to_string)
        } else {
            spec.as_ref().map(|s| s.arm.to_string())
        };
        if let Some(t) = ty {
            o.entry("type").or_insert_with(|| json!(t));
        }
    }
    if rc.tf_type == "azurerm_storage_account" && change_type == "Create" {
        if let Some(b) = blob_service(&a, &cx) {
            change.known_reads.push(("blobServices/default".into(), b));
        }
    }
    change.merge = match change_type {
        "Modify" => true,
        _ => rc.tf_type == "azapi_update_resource" || spec.is_some_and(|s| s.merge_on_create),
    };
    if change.merge && change.change_type == "Create" {
        change.change_type = "Modify".into();
    }
    let mut unknown = cx.unknown.into_inner();
    unknown.sort();
    unknown.dedup();
    let mut props: Vec<String> = unknown.iter().flat_map(|u| arm_names(u)).collect();
    props.sort();
    props.dedup();
    change.unknown = unknown;
    change.unknown_props = props;
    change.after = Some(body);
    out.changes.push(change);
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "00000000-0000-0000-0000-000000000001";

    fn plan(rcs: Value, config: Value) -> WhatIf {
        let doc = json!({
            "format_version": "1.2",
            "resource_changes": rcs,
            "configuration": config,
        });
        from_bytes(
            doc.to_string().as_bytes(),
            Path::new("tfplan.json"),
            Some(S),
        )
        .unwrap()
    }

    fn rc(address: &str, ty: &str, actions: &[&str], after: Value, unknown: Value) -> Value {
        json!({
            "address": address, "mode": "managed", "type": ty,
            "name": address.rsplit('.').next().unwrap(),
            "change": {"actions": actions, "before": null, "after": after, "after_unknown": unknown},
        })
    }

    #[test]
    fn a_new_account_and_its_diagnostic_setting_resolve_through_references() {
        let p = plan(
            json!([
                rc(
                    "azurerm_storage_account.logs",
                    "azurerm_storage_account",
                    &["create"],
                    json!({"name": "stlogs", "resource_group_name": "rg", "location": "westeurope",
                          "min_tls_version": "TLS1_2", "account_kind": "StorageV2",
                          "allow_nested_items_to_be_public": false}),
                    json!({"id": true, "network_rules": true, "blob_properties": true})
                ),
                rc(
                    "azurerm_monitor_diagnostic_setting.logs",
                    "azurerm_monitor_diagnostic_setting",
                    &["create"],
                    json!({"name": "to-soc", "log_analytics_workspace_id": "/subscriptions/x/resourceGroups/s/providers/Microsoft.OperationalInsights/workspaces/soc",
                          "enabled_log": [{"category_group": "audit"}]}),
                    json!({"id": true, "target_resource_id": true, "storage_account_id": true})
                ),
            ]),
            json!({"root_module": {"resources": [
                {"address": "azurerm_monitor_diagnostic_setting.logs", "expressions": {
                    "target_resource_id": {"references": ["azurerm_storage_account.logs.id", "azurerm_storage_account.logs"]}}},
            ]}}),
        );
        let acct = format!("/subscriptions/{S}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stlogs");
        assert_eq!(p.changes[0].resource_id, acct);
        assert_eq!(p.changes[0].change_type, "Create");
        assert!(!p.changes[0].merge);
        // The unknown network rules matter; the unknown id does not.
        assert_eq!(p.changes[0].unknown, ["network_rules"]);
        let after = p.changes[0].after.as_ref().unwrap();
        assert_eq!(after["properties"]["minimumTlsVersion"], "TLS1_2");
        assert_eq!(after["properties"]["allowBlobPublicAccess"], false);
        assert_eq!(after["kind"], "StorageV2");
        assert_eq!(after["type"], "Microsoft.Storage/storageAccounts");
        assert!(
            p.changes[0].known_reads.is_empty(),
            "blob_properties unknown"
        );
        // The setting's target is the account; its storage_account_id has
        // no reference to resolve, so it stays unknown.
        let d = &p.changes[1];
        assert_eq!(
            d.resource_id,
            format!("{acct}/providers/Microsoft.Insights/diagnosticSettings/to-soc")
        );
        assert_eq!(d.unknown, ["storage_account_id"]);
        let logs = &d.after.as_ref().unwrap()["properties"]["logs"];
        assert_eq!(logs, &json!([{"categoryGroup": "audit", "enabled": true}]));
        assert_eq!(
            d.address.as_deref(),
            Some("azurerm_monitor_diagnostic_setting.logs")
        );
    }

    #[test]
    fn updates_merge_deletes_use_before_and_unsupported_types_are_listed() {
        let kv =
            format!("/subscriptions/{S}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv");
        let p = plan(
            json!([
                rc("azurerm_key_vault.kv", "azurerm_key_vault", &["update"],
                   json!({"id": kv, "name": "kv", "resource_group_name": "rg", "purge_protection_enabled": true}),
                   json!({})),
                {"address": "azurerm_monitor_activity_log_alert.a", "mode": "managed", "type": "azurerm_monitor_activity_log_alert",
                 "change": {"actions": ["delete"], "before": {"id": "/subscriptions/other/resourceGroups/m/providers/Microsoft.Insights/activityLogAlerts/a", "name": "a", "resource_group_name": "m"}, "after": null}},
                rc("random_string.s", "random_string", &["create"], json!({}), json!({})),
                rc("data.azurerm_client_config.c", "azurerm_client_config", &["read"], json!({}), json!({})),
                rc("module.m[\"a.b\"].azurerm_linux_web_app.w", "azurerm_linux_web_app", &["create"], json!({}), json!({})),
            ]),
            json!({}),
        );
        assert_eq!(p.changes.len(), 2);
        assert_eq!(p.changes[0].resource_id, kv);
        assert_eq!(p.changes[0].change_type, "Modify");
        assert!(p.changes[0].merge);
        assert_eq!(
            p.changes[0].after.as_ref().unwrap()["properties"]["enablePurgeProtection"],
            true
        );
        // The delete's subscription comes from its prior id, not the default.
        assert_eq!(
            p.changes[1].resource_id,
            "/subscriptions/other/resourceGroups/m/providers/Microsoft.Insights/activityLogAlerts/a"
        );
        assert_eq!(p.changes[1].change_type, "Delete");
        let skipped: Vec<&str> = p.skipped.iter().map(|s| s.display_address()).collect();
        assert_eq!(
            skipped,
            [
                "random_string.s",
                "module.m[\"a.b\"].azurerm_linux_web_app.w"
            ]
        );
        assert!(p.skipped[0].reason.contains("not mapped"));
    }

    #[test]
    fn azapi_ids_follow_the_parent_and_an_unknown_body_value_is_noted() {
        let rg = format!("/subscriptions/{S}/resourceGroups/rg");
        let ws = format!("{rg}/providers/Microsoft.OperationalInsights/workspaces/law");
        let p = plan(
            json!([
                rc(
                    "azapi_resource.ws",
                    "azapi_resource",
                    &["create"],
                    json!({"type": "Microsoft.OperationalInsights/workspaces@2023-09-01", "name": "law", "parent_id": rg,
                          "location": "westeurope", "body": {"properties": {"sku": {"name": "PerGB2018"}}}}),
                    json!({"body": {"properties": {"retentionInDays": true}}})
                ),
                rc(
                    "azapi_resource.table",
                    "azapi_resource",
                    &["create"],
                    json!({"type": "Microsoft.OperationalInsights/workspaces/tables@2022-10-01", "name": "SecurityEvent",
                          "body": "{\"properties\":{\"retentionInDays\":90}}"}),
                    json!({"parent_id": true})
                ),
                rc(
                    "azapi_resource.diag",
                    "azapi_resource",
                    &["create"],
                    json!({"type": "Microsoft.Insights/diagnosticSettings@2021-05-01-preview", "name": "d", "parent_id": ws,
                          "body": {"properties": {"workspaceId": ws}}}),
                    json!({})
                ),
            ]),
            json!({"root_module": {"resources": [
                {"address": "azapi_resource.table", "expressions": {"parent_id": {"references": ["azapi_resource.ws.id", "azapi_resource.ws"]}}},
            ]}}),
        );
        assert_eq!(p.changes[0].resource_id, ws);
        assert_eq!(p.changes[0].unknown, ["body.properties.retentionInDays"]);
        assert_eq!(
            p.changes[0].after.as_ref().unwrap()["location"],
            "westeurope"
        );
        assert_eq!(
            p.changes[1].resource_id,
            format!("{ws}/tables/SecurityEvent")
        );
        assert_eq!(
            p.changes[1].after.as_ref().unwrap()["properties"]["retentionInDays"],
            90
        );
        assert_eq!(
            p.changes[2].resource_id,
            format!("{ws}/providers/Microsoft.Insights/diagnosticSettings/d")
        );
    }

    #[test]
    fn without_a_subscription_a_new_resource_is_listed_not_guessed() {
        let doc = json!({"format_version": "1.2", "resource_changes": [
            rc("azurerm_key_vault.kv", "azurerm_key_vault", &["create"],
               json!({"name": "kv", "resource_group_name": "rg"}), json!({"id": true}))]});
        let p = from_bytes(doc.to_string().as_bytes(), Path::new("p.json"), None).unwrap();
        assert!(p.changes.is_empty());
        assert!(
            p.skipped[0].reason.contains("--default-subscription"),
            "{:?}",
            p.skipped
        );
    }

    #[test]
    fn malformed_plans_are_one_line_naming_the_field() {
        let e = |doc: Value| {
            from_bytes(doc.to_string().as_bytes(), Path::new("p.json"), None)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            e(json!([])),
            "p.json: not a Terraform plan: the document is not an object"
        );
        assert!(e(json!({"resource_changes": []})).starts_with("p.json: format_version: missing"));
        assert!(e(json!({"format_version": "2.0"})).contains("is not 1.x"));
        assert_eq!(
            e(json!({"format_version": "1.2", "resource_changes": [{"type": "x"}]})),
            "p.json: resource_changes[0].address: missing or not a string"
        );
        assert!(e(json!({"format_version": "1.2", "resource_changes": [
            {"address": "a.b", "type": "a", "change": {"actions": ["explode\n"]}}]}))
        .contains("resource_changes[0].change.actions: unknown actions"));
        let empty = from_bytes(br#"{"format_version":"1.2"}"#, Path::new("p.json"), None).unwrap();
        assert!(empty.changes.is_empty() && empty.skipped.is_empty());
    }

    #[test]
    fn every_supported_azurerm_type_is_mapped_to_its_arm_type() {
        for (t, arm) in SUPPORTED {
            if t.starts_with("azurerm_") {
                assert_eq!(spec(t).map(|s| s.arm), Some(arm), "{t}");
            }
        }
        assert!(spec("azurerm_linux_web_app").is_none());
    }

    #[test]
    fn instance_keys_are_removed_with_quotes_respected() {
        assert_eq!(without_keys("module.a[0].x.y[\"k]\\\"[\"]"), "module.a.x.y");
        assert_eq!(without_keys("x.y"), "x.y");
    }
}
