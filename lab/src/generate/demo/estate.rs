//! The Northwind Forensics Demo estate, as data: three subscriptions (nw-prod,
//! nw-dev, and nw-legacy, which is Disabled) and the tenant's Entra ID
//! settings. Every GUID not fixed here is the UUIDv5 of a readable label, so
//! the estate has no clock and no randomness.
//!
//! The estate exercises every check of the baseline (specs/baseline.md) with
//! at least one pass and one fail.

use super::expected::Expected;
use crate::generate::arm::{self, *};
use crate::generate::uuid5;
use azward::checks::Status::{Fail, Pass};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const TENANT: &str = "4f3c2b1a-6d5e-4a7b-9c8d-0e1f2a3b4c5d";
pub const PROD: &str = "8a1f6c3e-52d4-4b9a-a7e0-3c9d15b2e6f4";
pub const DEV: &str = "c7e2d5b8-0f4a-4e61-9b3c-6a8d2f1e7b05";
pub const LEGACY: &str = "1b9e4d7a-3c6f-4d28-8e5b-f0a2c4e6d813";
/// A subscription outside the scan that holds the shared data collection rule
/// (rules are read by id wherever they are: recording.md, read 35).
pub const SHARED: &str = "5d0b8e2f-9a71-4c3e-b6d4-7e1f0a9c2b58";

pub const DOMAIN: &str = "northwind-forensics.example";

const NAMESPACE: uuid5::Uuid = uuid5::parse("6e0c1f0a-7d1b-5c3e-9f44-2a4b6c8d0e12");

/// A stable GUID for a readable label.
pub fn guid(label: &str) -> String {
    uuid5::format(&uuid5::uuid5(&NAMESPACE, label))
}

/// The first `n` hex digits of a label's GUID, without dashes.
fn hex(label: &str, n: usize) -> String {
    guid(label).replace('-', "")[..n].to_string()
}

/// `"…"`: an etag as ARM quotes it.
fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

/// `W/"…"`: a weak etag of the network resource provider.
fn weak_etag(id: &str) -> String {
    format!("W/\"{}\"", guid(&format!("etag:{id}")))
}

/// A resource of a subscription: its full body, and the type the generic
/// resources list gives it when that differs in case.
#[derive(Debug, Clone)]
pub struct Res {
    pub body: Value,
    pub list_type: Option<&'static str>,
}

impl Res {
    pub fn id(&self) -> &str {
        self.body["id"].as_str().unwrap_or_default()
    }
    pub fn rtype(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }
}

/// What an onboarded workspace answers to calls 23–25.
#[derive(Debug, Clone, Default)]
pub struct Sentinel {
    pub connectors: Vec<Value>,
    pub rules: Vec<Value>,
    pub settings: Vec<Value>,
}

/// Everything one subscription answers, keyed the way the call set reads it.
#[derive(Debug, Clone)]
pub struct Sub {
    pub id: &'static str,
    pub name: &'static str,
    pub state: &'static str,
    /// Full bodies, in listing order.
    pub resources: Vec<Res>,
    /// Resource or storage-service id → its diagnostic settings (call 12).
    pub diag: BTreeMap<String, Vec<Value>>,
    /// Call 5.
    pub sub_diag: Vec<Value>,
    /// Account id → blob service (call 8).
    pub blob_services: BTreeMap<String, Value>,
    /// Account id → containers (call 9).
    pub containers: BTreeMap<String, Vec<Value>>,
    /// Container id → immutability policy (call 9a).
    pub imm_policies: BTreeMap<String, Value>,
    /// Workspace id (as listed) → tables (call 11).
    pub tables: BTreeMap<String, Vec<Value>>,
    /// Workspace id (as listed) → Sentinel, when onboarded.
    pub sentinel: BTreeMap<String, Sentinel>,
    /// Watcher id → flow logs (call 19).
    pub flow_logs: BTreeMap<String, Vec<Value>>,
    pub pricings: Vec<Value>,
    pub contacts: Vec<Value>,
    pub locks: Vec<Value>,
    pub role_assignments: Vec<Value>,
    /// Machine id → its extensions (call 33).
    pub extensions: BTreeMap<String, Vec<Value>>,
    /// Machine id → its data collection rule associations (call 34).
    pub dcr_associations: BTreeMap<String, Vec<Value>>,
}

impl Sub {
    fn new(id: &'static str, name: &'static str, state: &'static str) -> Self {
        Sub {
            id,
            name,
            state,
            resources: Vec::new(),
            diag: BTreeMap::new(),
            sub_diag: Vec::new(),
            blob_services: BTreeMap::new(),
            containers: BTreeMap::new(),
            imm_policies: BTreeMap::new(),
            tables: BTreeMap::new(),
            sentinel: BTreeMap::new(),
            flow_logs: BTreeMap::new(),
            pricings: Vec::new(),
            contacts: Vec::new(),
            locks: Vec::new(),
            role_assignments: Vec::new(),
            extensions: BTreeMap::new(),
            dcr_associations: BTreeMap::new(),
        }
    }

    /// Adds a resource; returns its id.
    fn add(&mut self, body: Value) -> String {
        let id = body["id"].as_str().unwrap_or_default().to_string();
        self.resources.push(Res {
            body,
            list_type: None,
        });
        id
    }

    /// Adds a resource the generic list shows with `list_type`.
    fn add_listed(&mut self, body: Value, list_type: &'static str) -> String {
        let id = self.add(body);
        if let Some(r) = self.resources.last_mut() {
            r.list_type = Some(list_type);
        }
        id
    }

    /// Adds a log-capable resource with its diagnostic settings.
    fn add_with_diag(&mut self, body: Value, diag: Vec<Value>) -> String {
        let id = self.add(body);
        self.diag.insert(id.clone(), diag);
        id
    }

    /// Its resources of one type (compared case-insensitively), in listing order.
    pub fn of_type(&self, rtype: &str) -> Vec<&Res> {
        self.resources
            .iter()
            .filter(|r| r.rtype().eq_ignore_ascii_case(rtype))
            .collect()
    }
}

/// The estate: the subscriptions (in the order the subscriptions list gives
/// them) and the tenant's Entra ID diagnostic settings.
#[derive(Debug, Clone)]
pub struct Estate {
    pub subs: Vec<Sub>,
    pub entra: Vec<Value>,
    /// The data collection rules associations name (call 35, by id, any subscription).
    pub dcrs: Vec<Value>,
    /// What the SOC workspaces' queries answer (calls 28–30).
    pub flow: Vec<FlowWs>,
    /// What a correct scan of it must report.
    pub expected: Expected,
}

// ---------------------------------------------------------------------------
// The demo's body builders: arm's, with the demo's labels, etags and owners.
// ---------------------------------------------------------------------------

/// `{"env", "owner", "app", "costCenter"}`, then any extra tags.
fn tags(env: &str, owner: &str, app: &str, extra: &[(&str, &str)]) -> Value {
    let cc = if env == "prod" { "4120" } else { "4190" };
    let mut t = json!({"env": env, "owner": owner, "app": app, "costCenter": format!("CC-{cc}")});
    for (k, v) in extra {
        t[*k] = json!(v);
    }
    t
}

/// Tags of a prod resource.
fn tp(app: &str, extra: &[(&str, &str)]) -> Value {
    let owner = if app == "security" {
        format!("secops@{DOMAIN}")
    } else {
        format!("platform@{DOMAIN}")
    };
    tags("prod", &owner, app, extra)
}

/// Tags of a dev resource.
fn td(app: &str, extra: &[(&str, &str)]) -> Value {
    tags("dev", &format!("dev-team@{DOMAIN}"), app, extra)
}

fn gen<'a>(
    sub: &'a str,
    rg: &'a str,
    rtype: &'a str,
    name: &'a str,
    location: &'a str,
    tags: Value,
) -> Generic<'a> {
    Generic {
        sub,
        rg,
        rtype,
        name,
        location,
        tags,
        ..Default::default()
    }
}

fn generic(sub: &str, rg: &str, rtype: &str, name: &str, location: &str, tags: Value) -> Value {
    gen(sub, rg, rtype, name, location, tags).body()
}

fn to_ws(id: &str) -> Destinations {
    Destinations::workspace(id)
}

fn access_policy(label: &str, keys: &[&str], secrets: &[&str], certificates: &[&str]) -> Value {
    arm::access_policy(
        TENANT,
        &guid(&format!("principal:{label}")),
        keys,
        secrets,
        certificates,
    )
}

fn pe_connection(
    name: String,
    endpoint_id: String,
    status: &'static str,
) -> PrivateEndpointConnection {
    PrivateEndpointConnection {
        etag: quoted(&guid(&format!("etag:{name}"))),
        name,
        endpoint_id,
        status,
    }
}

fn vault<'a>(
    sub: &'a str,
    rg: &'a str,
    name: &'a str,
    location: &'a str,
    tags: Value,
) -> Vault<'a> {
    Vault {
        sub,
        rg,
        name,
        location,
        tags,
        tenant: TENANT,
        owner: OWNER_EMAIL,
        ..Default::default()
    }
}

const OWNER_EMAIL: &str = "platform@northwind-forensics.example";

fn cmk(key: &str, vault: &str, identity: &str, account: &str) -> Cmk {
    Cmk {
        key: key.into(),
        vault: vault.into(),
        identity: identity.into(),
        version: guid(&format!("key:{account}")).replace('-', ""),
    }
}

/// A user-assigned identity block for one identity.
fn user_assigned(identity_id: &str, label: &str) -> Value {
    let mut ids = serde_json::Map::new();
    ids.insert(
        identity_id.to_string(),
        json!({"principalId": guid(&format!("principal:{label}")),
               "clientId": guid(&format!("client:{label}"))}),
    );
    json!({"type": "UserAssigned", "userAssignedIdentities": ids})
}

/// A container list item, with the demo's etags and (for a policy in the
/// list) its update history: carol put it, and locked it when Locked.
fn container(
    account_id: &str,
    name: &str,
    policy: Option<(u32, &'static str)>,
    in_list: bool,
    vlw: bool,
) -> Value {
    let pol = policy.map(|(days, state)| {
        let carol = guid("principal:carol");
        let mut history = vec![arm::policy_update(
            "put",
            days,
            "2025-02-11T10:02:17.0000000Z",
            &carol,
            TENANT,
        )];
        if state == "Locked" {
            history.push(arm::policy_update(
                "lock",
                days,
                "2025-02-12T08:00:00.0000000Z",
                &carol,
                TENANT,
            ));
        }
        ContainerPolicy {
            days,
            state,
            in_list,
            etag: quoted(&hex(&format!("etag:imm:{account_id}{name}"), 15)),
            update_history: history,
        }
    });
    let etag = quoted(&format!(
        "0x8DD{}",
        hex(&format!("etag:{account_id}{name}"), 12).to_uppercase()
    ));
    arm::container(account_id, name, &etag, pol.as_ref(), vlw)
}

fn immutability_policy(container_id: &str, days: u32, state: &str) -> Value {
    let etag = quoted(&format!(
        "8dd{}",
        hex(&format!("etag:9a:{container_id}"), 13)
    ));
    arm::immutability_policy(container_id, days, state, &etag)
}

fn blob_service(
    account_id: &str,
    blob: Option<Value>,
    containers: Option<Value>,
    versioning: bool,
) -> Value {
    arm::blob_service(account_id, blob, containers, versioning, "Standard_LRS")
}

fn workspace<'a>(
    sub: &'a str,
    rg: &'a str,
    name: &'a str,
    location: &'a str,
    tags: Value,
) -> Workspace<'a> {
    Workspace {
        sub,
        rg,
        name,
        location,
        tags,
        customer_id: guid(&format!("customer:{name}")),
        ..Default::default()
    }
}

fn nsg<'a>(sub: &'a str, rg: &'a str, name: &'a str, location: &'a str, tags: Value) -> Nsg<'a> {
    let id = rid(sub, rg, T_NSG, name);
    Nsg {
        sub,
        rg,
        name,
        location,
        tags,
        etag: weak_etag(&id),
        resource_guid: guid(&format!("guid:{id}")),
        ..Default::default()
    }
}

fn rule<'a>(name: &'a str, port: &'a str, source: &'a str) -> Rule<'a> {
    Rule {
        name,
        direction: "Inbound",
        access: "Allow",
        port,
        source,
    }
}

fn vnet(
    sub: &str,
    rg: &str,
    name: &str,
    location: &str,
    tags: Value,
    prefix: &str,
    subnets: &[(&str, &str, Option<&str>)],
) -> Value {
    let id = rid(sub, rg, T_VNET, name);
    Vnet {
        sub,
        rg,
        name,
        location,
        tags,
        etag: weak_etag(&id),
        resource_guid: guid(&format!("guid:{id}")),
        prefixes: vec![prefix.to_string()],
        subnets: subnets
            .iter()
            .map(|(n, p, nsg)| Subnet {
                name: n.to_string(),
                prefix: p.to_string(),
                nsg: nsg.map(str::to_string),
            })
            .collect(),
    }
    .body()
}

fn watcher(sub: &str, location: &str) -> Value {
    arm::watcher(sub, location, &weak_etag(&watcher_id(sub, location)))
}

/// Traffic analytics: off, on without a workspace, or on to a workspace in a region.
fn analytics(enabled: bool, workspace: Option<(&str, &str)>, interval: u32) -> Analytics {
    Analytics {
        enabled,
        workspace: workspace.map(|(ws, region)| {
            let name = ws.rsplit('/').next().unwrap_or_default();
            (
                guid(&format!("customer:{name}")),
                region.to_string(),
                ws.to_string(),
            )
        }),
        interval,
    }
}

#[allow(clippy::too_many_arguments)]
fn flow_log(
    watcher: &Value,
    name: &str,
    target_id: &str,
    storage_id: &str,
    enabled: bool,
    retention_policy: Value,
    analytics: Option<Analytics>,
    state: &str,
) -> Value {
    let watcher_id = watcher["id"].as_str().unwrap_or_default();
    let fid = format!("{watcher_id}/flowLogs/{name}");
    FlowLog {
        watcher_id,
        location: watcher["location"].as_str().unwrap_or_default(),
        name,
        etag: weak_etag(&fid),
        target_id,
        target_guid: guid(&format!("guid:{target_id}")),
        storage_id,
        enabled,
        retention_policy: Some(retention_policy),
        analytics,
        state,
    }
    .body()
}

fn action_group(
    rg_id: &str,
    name: &str,
    short: &str,
    enabled: bool,
    emails: &[&str],
    arm_roles: &[(&str, &str)],
) -> Value {
    let emails: Vec<(&str, String)> = emails
        .iter()
        .map(|n| (*n, format!("{n}@{DOMAIN}")))
        .collect();
    arm::action_group(rg_id, name, short, enabled, &emails, arm_roles)
}

#[allow(clippy::too_many_arguments)]
fn scheduled_query_rule(
    rg_id: &str,
    name: &str,
    location: &str,
    scope: &str,
    query: &str,
    action_groups: &[String],
    enabled: bool,
    severity: u32,
) -> Value {
    QueryRule {
        rg_id,
        name,
        description: &name.replace('-', " "),
        location,
        scope,
        query,
        action_groups,
        enabled,
        severity,
    }
    .body()
}

fn pricing<'a>(sub: &'a str, plan: &'a str, tier: &'a str) -> Pricing<'a> {
    Pricing {
        sub,
        plan,
        tier,
        ..Default::default()
    }
}

fn role_assignment(
    sub: &str,
    scope: &str,
    role: &str,
    label: &str,
    principal_type: &str,
    tenant_form: bool,
) -> Value {
    RoleAssignment {
        scope,
        role_definition_id: role_definition_id((!tenant_form).then_some(sub), role),
        principal_id: guid(&format!("principal:{label}")),
        principal_type,
        name: guid(&format!("ra:{}:{role}:{label}", scope.to_lowercase())),
        created_by: Some(guid("principal:alice")),
    }
    .body()
}

fn connector(ws_id: &str, kind: &str, data_types: &[(&str, &str)], properties: Value) -> Value {
    let name = guid(&format!("connector:{}:{kind}", ws_id.to_lowercase()));
    let etag = quoted(&guid(&format!("etag:{name}")));
    arm::connector(ws_id, &name, &etag, kind, properties, data_types)
}

fn alert_rule<'a>(ws_id: &'a str, kind: &'a str, display: &'a str, enabled: bool) -> AlertRule<'a> {
    let name = guid(&format!("rule:{}:{display}", ws_id.to_lowercase()));
    AlertRule {
        ws_id,
        etag: quoted(&guid(&format!("etag:{name}"))),
        name,
        kind,
        display,
        enabled,
        severity: "High",
        ..Default::default()
    }
}

fn sentinel_setting(ws_id: &str, kind: &str, properties: Value) -> Value {
    let etag = quoted(&guid(&format!(
        "etag:setting:{}:{kind}",
        ws_id.to_lowercase()
    )));
    arm::sentinel_setting(ws_id, kind, &etag, properties)
}

/// The Activity Log categories both subscriptions' settings list, with their states.
const ACTIVITY: &[(&str, bool)] = &[
    ("Administrative", true),
    ("Security", true),
    ("ServiceHealth", false),
    ("Alert", true),
    ("Recommendation", false),
    ("Policy", true),
    ("Autoscale", false),
    ("ResourceHealth", false),
];

// ---------------------------------------------------------------------------
// The estate.
// ---------------------------------------------------------------------------

/// Builds the estate (fresh each time: the variants change copies of it),
/// and declares, beside each resource, the results a correct scan gives on
/// it, with the reason from the check's condition. Laid out by hand, as a
/// table is: it is data.
#[rustfmt::skip]
pub fn build() -> Estate {
    let mut prod = Sub::new(PROD, "nw-prod", "Enabled");
    let mut dev = Sub::new(DEV, "nw-dev", "Enabled");
    let legacy = Sub::new(LEGACY, "nw-legacy", "Disabled");
    let mut x = Expected::default();
    let mut dcrs = Vec::new();
    let (p, d) = (PROD, DEV);
    let (sub_p, sub_d) = (format!("/subscriptions/{p}"), format!("/subscriptions/{d}"));

    // Ids referenced before their resources are built.
    let law_sentinel = rid(p, "rg-security", T_WORKSPACE, "law-nw-sentinel-prod");
    let law_ops = rid(p, "rg-monitoring", T_WORKSPACE, "law-nw-ops-prod");
    let law_dev = rid(d, "rg-dev-monitoring", T_WORKSPACE, "law-nw-dev");
    let law_dev_apm = rid(d, "rg-dev-monitoring", T_WORKSPACE, "law-nw-dev-apm");
    let st_archive = rid(p, "rg-security", T_STORAGE, "stnwprodlogarchive");
    let st_app = rid(p, "rg-app", T_STORAGE, "stnwprodappdata");
    let st_backup = rid(p, "rg-backup", T_STORAGE, "stnwprodbackup");
    let st_devlogs = rid(d, "rg-dev-monitoring", T_STORAGE, "stnwdevlogs");
    let st_devscratch = rid(d, "rg-dev-app", T_STORAGE, "stnwdevscratch");
    let st_devaudit = rid(d, "rg-dev-security", T_STORAGE, "stnwdevaudit");
    let kv_secrets = rid(p, "rg-security", T_VAULT, "kv-nw-prod-secrets");
    let kv_payments = rid(p, "rg-payments", T_VAULT, "kv-nw-prod-payments");
    let kv_legacy = rid(p, "rg-legacy-app", T_VAULT, "kv-nw-prod-legacy");
    let kv_dev_app = rid(d, "rg-dev-app", T_VAULT, "kv-nw-dev-app");
    let kv_dev_tools = rid(d, "rg-dev-tools", T_VAULT, "kv-nw-dev-tools");
    let evhns_prod = rid(p, "rg-app", T_EVHNS, "evhns-nw-prod-siem");
    let evh_rule = format!("{evhns_prod}/authorizationrules/RootManageSharedAccessKey");
    let svc = |account: &str, s: &str| format!("{account}/{s}Services/default");
    let not_onboarded = "not onboarded (onboardingStates `{\"value\": []}`)";
    let not_archive = "not a log archive: no diagnostic setting or flow log names it";

    x.note("AZ-MON-004", "One result per log-capable resource, and per present service of a storage account. Non-log-capable resources (VMs, disks, NICs, private endpoints, identities, VNets, network watchers, flow logs, App Service plans, SQL servers, action groups, alerts, solutions) get no results.");
    x.note("AZ-MON-005", "Only for the types in `dedicated_table_types` (Key Vault, Azure Firewall, AKS).");
    x.note("AZ-MON-008", "One result per subscription and CIS operation (the item).");
    x.note("AZ-MON-009", "One result per alert or rule; a disabled one is not applicable (judgement call 2).");
    x.note("AZ-ENTRA-001", "Tenant settings: `entra-to-sentinel` (workspace, with id in lower case), `entra-archive` (storage), `entra-legacy-siem` (legacy `serviceBusRuleId` only) and `entra-mi-test` (`\"workspaceId\": \"\"` only, so no destination).");
    x.note("AZ-KV-007", "At most 5 distinct principals (`kv_max_privileged_principals`) may hold privileged roles at the vault's scope or above. Role assignments are at subscription, resource-group and vault scope; `roleDefinitionId` comes in both the subscription and the tenant form; carol's assignment uses `/resourcegroups/` in lower case. Contributors do not count for an RBAC vault. Key Vault Secrets User, Reader, Log Analytics Reader and Sentinel Responder are not privileged.");
    x.note("AZ-ST-007", "AZ-ST-007 to 009 apply to log archive accounts only (see \"Log archive accounts\" above).");
    x.note("AZ-DEF-001", "One result per plan of `required_defender_plans` and subscription. Plans outside it (SqlServerVirtualMachines, KubernetesService, ContainerRegistry, Dns, OpenSourceRelationalDatabases, CosmosDbs, Api) get no results.");

    // ============================ nw-prod ============================

    // --- identities ---
    let uami_portal = prod.add(generic(p, "rg-app", T_UAMI, "id-nw-prod-portal", "westeurope", tp("portal", &[])));
    let uami_cmk = prod.add(generic(p, "rg-security", T_UAMI, "id-nw-prod-storage-cmk", "westeurope", tp("security", &[])));

    // --- Log Analytics ---
    prod.add_with_diag(
        Workspace { retention_days: Some(90), purge30: Some(false),
            ..workspace(p, "rg-security", "law-nw-sentinel-prod", "westeurope",
                tp("security", &[("sentinel", "true"), ("Retention", "365D"), ("Residency", "EU")])) }.body(),
        vec![diag_setting(&law_sentinel, "law-audit-to-self", vec![group("audit", true), group("allLogs", false)],
            &to_ws(&law_sentinel), None)],
    );
    x.on(&law_sentinel)
        .pass("AZ-MON-004", "`categoryGroup` `audit` to itself (any group counts for MON-004)")
        .pass("AZ-LAW-001", "`retentionInDays` 90")
        .pass("AZ-LAW-004", "`immediatePurgeDataOn30Days` false")
        .pass("AZ-LAW-005", "`dailyQuotaGb` -1 (no cap), `dataIngestionStatus` RespectQuota");
    prod.add_listed(
        generic(p, "rg-security", T_SOLUTION, "SecurityInsights(law-nw-sentinel-prod)", "westeurope", tp("security", &[])),
        T_SOLUTION,
    );
    prod.add_with_diag(
        Workspace { retention_days: Some(30), purge30: Some(true),
            ..workspace(p, "rg-monitoring", "law-nw-ops-prod", "northeurope", tp("monitoring", &[])) }.body(),
        vec![],
    );
    x.on(&law_ops)
        .fail("AZ-MON-004", "no diagnostic setting")
        .fail("AZ-LAW-001", "`retentionInDays` 30")
        .fail("AZ-LAW-004", "`immediatePurgeDataOn30Days` true")
        .pass("AZ-LAW-005", "`dailyQuotaGb` -1 (no cap), `dataIngestionStatus` RespectQuota")
        .na("AZ-SEN-002", not_onboarded)
        .na("AZ-SEN-003", not_onboarded)
        .na("AZ-SEN-004", not_onboarded);

    let ws_s = listed_workspace_id(&law_sentinel);
    prod.tables.insert(ws_s.clone(), vec![
        table(&ws_s, "SigninLogs", 90, 730, 640),
        table(&ws_s, "AuditLogs", 90, 730, 640),
        table(&ws_s, "AADNonInteractiveUserSignInLogs", 90, 365, 275),
        table(&ws_s, "AADServicePrincipalSignInLogs", 90, 365, 275),
        table(&ws_s, "AzureActivity", 400, -1, 0), // total -1: falls back to its own 400
        table(&ws_s, "AZKVAuditLogs", 90, 730, 640),
        table(&ws_s, "StorageBlobLogs", 90, 365, 275),
        table(&ws_s, "AzureDiagnostics", 90, 365, 275),
        table(&ws_s, "SecurityAlert", 90, 90, 0),
        table(&ws_s, "SecurityIncident", 90, 90, 0),
        table(&ws_s, "Heartbeat", 30, 30, 0),
    ]);
    x.on(&law_sentinel).pass("AZ-LAW-002", "every security table present keeps at least 365 days in total. AzureActivity has `totalRetentionInDays` -1 and falls back to its own `retentionInDays` 400");
    let ws_o = listed_workspace_id(&law_ops);
    prod.tables.insert(ws_o.clone(), vec![
        table(&ws_o, "AzureActivity", 30, 365, 335),
        table(&ws_o, "SecurityEvent", 90, 90, 0), // short: 90 < 365
        table(&ws_o, "Syslog", -1, -1, 0),        // -1/-1: the workspace's 30, short
        table(&ws_o, "Perf", 30, 30, 0),
        table(&ws_o, "Heartbeat", 30, 30, 0),
    ]);
    x.on(&law_ops).fail("AZ-LAW-002", "SecurityEvent keeps 90 days in total. Syslog has -1/-1 and falls back to the workspace's 30");
    prod.sentinel.insert(ws_s.clone(), Sentinel {
        connectors: vec![
            connector(&ws_s, "AzureSecurityCenter", &[("alerts", "Enabled")], json!({"subscriptionId": p})),
            connector(&ws_s, "MicrosoftThreatProtection", &[("incidents", "Enabled"), ("alerts", "Enabled")],
                json!({"tenantId": TENANT})),
            connector(&ws_s, "AzureActiveDirectory", &[("alerts", "Enabled")], json!({"tenantId": TENANT})),
            connector(&ws_s, "Office365", &[("exchange", "Enabled"), ("sharePoint", "Enabled"), ("teams", "Disabled")],
                json!({"tenantId": TENANT})),
            connector(&ws_s, "ThreatIntelligence", &[("indicators", "Enabled")], json!({"tenantId": TENANT})),
        ],
        rules: vec![
            AlertRule { template: Some("f71aba3d-28fb-450b-b192-4e76a83015c8"),
                ..alert_rule(&ws_s, "Fusion", "Advanced Multistage Attack Detection", true) }.body(),
            AlertRule { query: Some("AzureActivity | where OperationNameValue =~ 'MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE'"),
                ..alert_rule(&ws_s, "Scheduled", "Diagnostic setting removed from a Key Vault", true) }.body(),
            AlertRule { severity: "Medium",
                query: Some("AZKVAuditLogs | where OperationName == 'SecretGet' | summarize count() by CallerIpAddress | where count_ > 50"),
                ..alert_rule(&ws_s, "Scheduled", "Mass secret retrieval", false) }.body(),
            AlertRule { product: Some("Azure Security Center"),
                ..alert_rule(&ws_s, "MicrosoftSecurityIncidentCreation", "Create incidents from Defender for Cloud", true) }.body(),
        ],
        settings: vec![
            sentinel_setting(&ws_s, "EntityAnalytics", json!({"entityProviders": ["AzureActiveDirectory"]})),
            sentinel_setting(&ws_s, "Ueba", json!({"dataSources": ["AuditLogs", "AzureActivity", "SecurityEvent", "SigninLogs"]})),
            sentinel_setting(&ws_s, "Anomalies", json!({"isEnabled": true})),
            sentinel_setting(&ws_s, "EyesOn", json!({"isEnabled": true})),
        ],
    });
    x.on(&law_sentinel)
        .pass("AZ-SEN-002", "EntraIDLogs: `entra-to-sentinel` sends AuditLogs and SignInLogs to this workspace (its id is lower case in the setting). AzureSecurityCenter alerts Enabled. MicrosoftThreatProtection incidents and alerts Enabled")
        .pass("AZ-SEN-003", "Fusion, one Scheduled rule and the incident-creation rule are enabled")
        .pass("AZ-SEN-004", "EntityAnalytics `entityProviders` [AzureActiveDirectory], Ueba `dataSources` of 4");

    // --- Key Vaults ---
    let pe_kv = rid(p, "rg-security", T_PE, "pe-kv-nw-prod-secrets");
    prod.add_with_diag(
        Vault {
            rbac: Some(true), soft_delete: Some(true), soft_delete_days: Some(90), purge_protection: Some(true),
            public_network: Some("Disabled"),
            network_acls: Some(json!({"bypass": "AzureServices", "defaultAction": "Deny", "ipRules": [], "virtualNetworkRules": []})),
            private_endpoints: vec![pe_connection(format!("pe-kv-nw-prod-secrets.{}", &guid("pec:kv-secrets")[..8]), pe_kv, "Approved")],
            ..vault(p, "rg-security", "kv-nw-prod-secrets", "westeurope", tp("security", &[]))
        }.body(),
        vec![diag_setting(&kv_secrets, "kv-audit-to-sentinel", vec![group("audit", true), group("allLogs", false)],
            &to_ws(&law_sentinel), Some("Dedicated"))],
    );
    x.on(&kv_secrets)
        .pass("AZ-MON-004", "`audit` group")
        .pass("AZ-MON-005", "`logAnalyticsDestinationType` Dedicated")
        .pass("AZ-KV-001", "`categoryGroup` `audit` (counts for AuditEvent) to a workspace")
        .pass("AZ-KV-002", "`categoryGroup` `audit` (counts for AuditEvent) to a workspace")
        .pass("AZ-KV-003", "`enableRbacAuthorization` true")
        .pass("AZ-KV-004", "`publicNetworkAccess` Disabled")
        .pass("AZ-KV-005", "one Approved private endpoint connection")
        .pass("AZ-KV-006", "soft delete and purge protection both true")
        .na("AZ-KV-008", "uses RBAC, so access policies are not used");
    prod.add(generic(p, "rg-security", T_PE, "pe-kv-nw-prod-secrets", "westeurope", tp("security", &[])));
    prod.add(generic(p, "rg-security", T_NIC, &format!("pe-kv-nw-prod-secrets.nic.{}", &guid("nic:pe-kv")[..8]),
        "westeurope", json!({})));

    prod.add_with_diag(
        Vault {
            rbac: Some(false), soft_delete: Some(true), soft_delete_days: Some(90), purge_protection: Some(true),
            public_network: Some("Enabled"),
            network_acls: Some(json!({"bypass": "AzureServices", "defaultAction": "deny",
                "ipRules": [{"value": "203.0.113.24/32"}], "virtualNetworkRules": []})),
            access_policies: vec![
                access_policy("sp-payments-api", &["get", "unwrapKey", "wrapKey"], &["get", "list"], &[]),
                access_policy("payments-devs", &["get", "list", "create", "delete", "purge"],
                    &["get", "list", "set", "delete"], &["get", "list"]),
            ],
            ..vault(p, "rg-payments", "kv-nw-prod-payments", "westeurope", tp("payments", &[("pci", "in-scope")]))
        }.body(),
        vec![diag_setting(&kv_payments, "kv-audit-archive",
            vec![cat("AuditEvent", true), cat("AzurePolicyEvaluationDetails", false)],
            &Destinations::storage(&st_archive), None)],
    );
    x.on(&kv_payments)
        .pass("AZ-MON-004", "`AuditEvent` to storage")
        .na("AZ-MON-005", "no setting sends logs to Log Analytics (storage only; judgement call 1)")
        .pass("AZ-KV-001", "`AuditEvent` to storage")
        .fail("AZ-KV-002", "`AuditEvent` goes to storage only, so it does not reach Log Analytics")
        .fail("AZ-KV-003", "`enableRbacAuthorization` false")
        .pass("AZ-KV-004", "`networkAcls.defaultAction` `\"deny\"` (lower case)")
        .fail("AZ-KV-005", "no private endpoint connection")
        .pass("AZ-KV-006", "soft delete and purge protection both true")
        .fail("AZ-KV-008", "the payments-devs access policy grants `purge` on keys");

    prod.add_with_diag(
        Vault {
            access_policies: vec![
                access_policy("sp-legacy-crm", &[], &["get", "list"], &[]),
                access_policy("u-bob", &[], &["get", "list", "set"], &["get", "list", "import"]),
            ],
            ..vault(p, "rg-legacy-app", "kv-nw-prod-legacy", "northeurope", tp("legacy-crm", &[]))
        }.body(),
        vec![],
    );
    x.on(&kv_legacy)
        .fail("AZ-MON-004", "no diagnostic setting")
        .na("AZ-MON-005", "no diagnostic settings at all (judgement call 1)")
        .fail("AZ-KV-001", "no diagnostic settings")
        .fail("AZ-KV-002", "no diagnostic settings")
        .fail("AZ-KV-003", "`enableRbacAuthorization` absent, so the default false applies")
        .fail("AZ-KV-004", "no `publicNetworkAccess` and no `networkAcls`, so the defaults Enabled and Allow apply")
        .fail("AZ-KV-005", "no private endpoint connection")
        .fail("AZ-KV-006", "both absent. Soft delete defaults to true, but purge protection defaults to false")
        .pass("AZ-KV-008", "its policies grant only get/list/set/import");

    // --- Storage ---
    prod.add(
        Storage {
            sku: "Standard_GRS", allow_blob_public: Some(false), public_network: Some("Enabled"),
            network_default: Some("Deny"), bypass: "Logging, Metrics, AzureServices", shared_key: Some(false),
            tls: Some("TLS1_2"),
            cmk: Some(cmk("cmk-logarchive", "kv-nw-prod-secrets", &uami_cmk, "stnwprodlogarchive")),
            identity: Some(user_assigned(&uami_cmk, "id-nw-prod-storage-cmk")),
            ..Storage::new(p, "rg-security", "stnwprodlogarchive", "westeurope", tp("security", &[("data", "logs")]))
        }.body(),
    );
    let sid = svc(&st_archive, "blob");
    prod.diag.insert(sid.clone(), vec![diag_setting(&sid, "blob-to-sentinel",
        vec![cat("StorageRead", true), cat("StorageWrite", true), cat("StorageDelete", true)], &to_ws(&law_sentinel), None)]);
    x.on(&sid).pass("AZ-MON-004", "StorageRead/Write/Delete").pass("AZ-ST-001", "all three by name");
    let sid = svc(&st_archive, "file");
    prod.diag.insert(sid.clone(), vec![diag_setting(&sid, "file-all", vec![group("allLogs", true)], &to_ws(&law_sentinel), None)]);
    x.on(&sid).pass("AZ-MON-004", "`allLogs`").pass("AZ-ST-001", "`allLogs`");
    let sid = svc(&st_archive, "queue");
    prod.diag.insert(sid.clone(), vec![
        diag_setting(&sid, "queue-rw", vec![cat("StorageRead", true), cat("StorageWrite", true), cat("StorageDelete", false)],
            &to_ws(&law_sentinel), None),
        diag_setting(&sid, "queue-delete", vec![cat("StorageDelete", true)],
            &Destinations { eventhub_rule: Some(evh_rule.clone()), eventhub_name: Some("storage-deletes".into()), ..Default::default() },
            None),
    ]);
    x.on(&sid)
        .pass("AZ-MON-004", "two settings (workspace, and event hub)")
        .pass("AZ-ST-001", "Read and Write in `queue-rw`, Delete in `queue-delete` (the two settings together)");
    let sid = svc(&st_archive, "table");
    prod.diag.insert(sid.clone(), vec![diag_setting(&sid, "table-audit", vec![group("audit", true)], &to_ws(&law_sentinel), None)]);
    x.on(&sid)
        .pass("AZ-MON-004", "`audit` group (any group counts here)")
        .fail("AZ-ST-001", "only `categoryGroup` `audit`, which is not counted for the named Storage categories (the reason should say so)");
    prod.blob_services.insert(st_archive.clone(),
        blob_service(&st_archive, Some(retention(true, 30)), Some(retention(true, 30)), true));
    prod.containers.insert(st_archive.clone(), vec![
        container(&st_archive, "forensic-exports", None, true, false),
        container(&st_archive, "insights-activity-logs", Some((365, "Locked")), true, false),
        container(&st_archive, "insights-logs-auditevent", Some((730, "Locked")), false, false),
        container(&st_archive, "insights-logs-auditlogs", Some((365, "Locked")), true, false),
        container(&st_archive, "insights-logs-signinlogs", Some((365, "Locked")), true, false),
        container(&st_archive, "insights-logs-flowlogflowevent", Some((365, "Locked")), true, false),
        container(&st_archive, "insights-logs-networksecuritygroupflowevent", Some((365, "Locked")), true, false),
    ]);
    let c = format!("{st_archive}/blobServices/default/containers/insights-logs-auditevent");
    prod.imm_policies.insert(c.clone(), immutability_policy(&c, 730, "Locked"));
    x.on(&st_archive)
        .pass("AZ-ST-002", "`allowBlobPublicAccess` false")
        .pass("AZ-ST-003", "`networkAcls.defaultAction` Deny")
        .pass("AZ-ST-004", "`allowSharedKeyAccess` false")
        .pass("AZ-ST-005", "HTTPS only, TLS1_2")
        .pass("AZ-ST-006", "blob and container soft delete enabled, 30 days")
        .pass("AZ-ST-007", "every `insights-*` container has a Locked policy of at least 365 days. Five of the containers carry the policy in the list item, with state at `properties.immutabilityPolicy.properties.state`. `insights-logs-auditevent` has `hasImmutabilityPolicy` true and no policy object, so the policy comes from call 9a (Locked, 730 days). The `forensic-exports` container is not a log container")
        .pass("AZ-ST-008", "public access false, default Deny, and `bypass` `\"Logging, Metrics, AzureServices\"`")
        .pass("AZ-ST-009", "`keySource` Microsoft.Keyvault");

    prod.add(
        Storage {
            allow_blob_public: Some(true), public_network: Some("Enabled"), network_default: Some("Allow"),
            shared_key: Some(true), tls: Some("TLS1_2"),
            ..Storage::new(p, "rg-app", "stnwprodappdata", "westeurope", tp("portal", &[]))
        }.body(),
    );
    let sid = svc(&st_app, "blob");
    prod.diag.insert(sid.clone(), vec![diag_setting(&sid, "blob-rw",
        vec![cat("StorageRead", true), cat("StorageWrite", true), cat("StorageDelete", false)], &to_ws(&law_ops), None)]);
    x.on(&sid).pass("AZ-MON-004", "StorageRead and StorageWrite").fail("AZ-ST-001", "StorageDelete disabled");
    for s in ["file", "queue", "table"] {
        prod.diag.insert(svc(&st_app, s), vec![]);
        x.on(&svc(&st_app, s)).fail("AZ-MON-004", "no setting").fail("AZ-ST-001", "no setting");
    }
    prod.blob_services.insert(st_app.clone(), blob_service(&st_app, Some(retention(true, 7)), Some(retention(false, 0)), false));
    x.on(&st_app)
        .fail("AZ-ST-002", "`allowBlobPublicAccess` true")
        .fail("AZ-ST-003", "`publicNetworkAccess` Enabled with default action Allow")
        .fail("AZ-ST-004", "`allowSharedKeyAccess` true")
        .pass("AZ-ST-005", "HTTPS only, TLS1_2")
        .fail("AZ-ST-006", "container soft delete is disabled")
        .na("AZ-ST-007", not_archive)
        .na("AZ-ST-008", not_archive)
        .na("AZ-ST-009", not_archive);

    // BlobStorage kind, no primaryEndpoints, allowBlobPublicAccess never set.
    prod.add(
        Storage {
            kind: "BlobStorage", sku: "Standard_RAGRS", endpoints: None, public_network: Some("Disabled"),
            shared_key: Some(false), tls: Some("TLS1_0"), created: "2019-08-21T16:40:02.7730512Z",
            ..Storage::new(p, "rg-backup", "stnwprodbackup", "northeurope", tp("backup", &[("WORM", "True")]))
        }.body(),
    );
    let sid = svc(&st_backup, "blob");
    prod.diag.insert(sid.clone(), vec![diag_setting(&sid, "blob-all-logs", vec![group("allLogs", true)], &to_ws(&law_ops), None)]);
    x.on(&sid)
        .pass("AZ-MON-004", "`allLogs`. BlobStorage without `primaryEndpoints` has only the blob service, so there are no file/queue/table results")
        .pass("AZ-ST-001", "`allLogs`");
    prod.blob_services.insert(st_backup.clone(), blob_service(&st_backup, Some(retention(true, 14)), Some(retention(true, 14)), false));
    prod.containers.insert(st_backup.clone(), vec![
        container(&st_backup, "sql-backups", None, true, false),
        container(&st_backup, "insights-logs-flowlogflowevent", Some((365, "Unlocked")), true, false),
    ]);
    x.on(&st_backup)
        .fail("AZ-ST-002", "`allowBlobPublicAccess` **not set**. An absent value is not assumed false, and the reason should say \"not set\"")
        .pass("AZ-ST-003", "`publicNetworkAccess` Disabled")
        .pass("AZ-ST-004", "`allowSharedKeyAccess` false")
        .fail("AZ-ST-005", "TLS1_0")
        .pass("AZ-ST-006", "blob and container soft delete enabled, 14 days")
        .fail("AZ-ST-007", "its log container's policy is Unlocked")
        .fail("AZ-ST-008", "`allowBlobPublicAccess` not set")
        .fail("AZ-ST-009", "`keySource` Microsoft.Storage");

    // --- Compute / app ---
    prod.add(Generic { sku: Some(json!({"name": "P1v3", "tier": "PremiumV3", "size": "P1v3", "family": "Pv3", "capacity": 2})),
        kind: Some("app"), ..gen(p, "rg-app", T_PLAN, "asp-nw-prod-portal", "westeurope", tp("portal", &[])) }.body());
    let site = prod.add(Generic { kind: Some("app"), identity: Some(user_assigned(&uami_portal, "sp-app-backend")),
        ..gen(p, "rg-app", T_SITE, "app-nw-prod-portal", "westeurope", tp("portal", &[])) }.body());
    prod.diag.insert(site.clone(), vec![diag_setting(&site, "appsvc-to-sentinel",
        vec![cat("AppServiceHTTPLogs", true), cat("AppServiceAuditLogs", true), cat("AppServiceConsoleLogs", false)],
        &to_ws(&law_sentinel), None)]);
    x.on(&site).pass("AZ-MON-004", "AppServiceHTTPLogs, AppServiceAuditLogs");
    let func = prod.add(Generic { kind: Some("functionapp,linux"),
        ..gen(p, "rg-app", T_SITE, "func-nw-prod-ingest", "westeurope", tp("ingest", &[])) }.body());
    prod.diag.insert(func.clone(), vec![diag_setting(&func, "func-logs", vec![cat("FunctionAppLogs", false)], &to_ws(&law_ops), None)]);
    x.on(&func).fail("AZ-MON-004", "a setting exists but its only log entry is `enabled: false`");
    prod.add_with_diag(
        Generic { sku: Some(json!({"name": "Standard", "tier": "Standard", "capacity": 1})),
            ..gen(p, "rg-app", T_EVHNS, "evhns-nw-prod-siem", "westeurope", tp("siem-export", &[])) }.body(),
        vec![diag_setting(&evhns_prod, "evhns-all", vec![group("allLogs", true), group("audit", false)], &to_ws(&law_sentinel), None)],
    );
    x.on(&evhns_prod).pass("AZ-MON-004", "`allLogs`");
    let logic = prod.add(generic(p, "rg-app", T_LOGIC, "logic-nw-prod-offboarding", "westeurope", tp("hr-offboarding", &[])));
    prod.diag.insert(logic.clone(), vec![]);
    x.on(&logic).fail("AZ-MON-004", "no setting");

    prod.add(Generic { kind: Some("v12.0"),
        ..gen(p, "rg-payments", T_SQL, "sql-nw-prod-payments", "westeurope", tp("payments", &[])) }.body());
    let sqldb = prod.add(Generic {
        sku: Some(json!({"name": "GP_Gen5", "tier": "GeneralPurpose", "family": "Gen5", "capacity": 2})),
        kind: Some("v12.0,user,vcore"),
        ..gen(p, "rg-payments", T_SQLDB, "sql-nw-prod-payments/sqldb-payments", "westeurope", tp("payments", &[])) }.body());
    prod.diag.insert(sqldb.clone(), vec![diag_setting(&sqldb, "sqldb-audit",
        vec![cat("SQLSecurityAuditEvents", true), cat("DevOpsOperationsAudit", true), cat("Errors", false), cat("Deadlocks", false)],
        &to_ws(&law_sentinel), None)]);
    x.on(&sqldb).pass("AZ-MON-004", "SQLSecurityAuditEvents, DevOpsOperationsAudit");

    // --- Network ---
    let vnet_hub = rid(p, "rg-network", T_VNET, "vnet-nw-prod-hub");
    let vnet_spoke = rid(p, "rg-network", T_VNET, "vnet-nw-prod-spoke");
    let vnet_data = rid(p, "rg-network", T_VNET, "vnet-nw-prod-data");
    let nsg_web = rid(p, "rg-network", T_NSG, "nsg-nw-prod-web");
    let nsg_app = rid(p, "rg-network", T_NSG, "nsg-nw-prod-app");
    let nsg_data = rid(p, "rg-network", T_NSG, "nsg-nw-prod-data");
    let nic_legacy = rid(p, "rg-legacy-app", T_NIC, "nic-vm-nw-legacy-01");
    let we = watcher(p, "westeurope");
    let ne = watcher(p, "northeurope");

    prod.add(vnet(p, "rg-network", "vnet-nw-prod-hub", "westeurope", tp("network", &[]), "10.10.0.0/22", &[
        ("AzureFirewallSubnet", "10.10.0.0/26", None),
        ("snet-agw", "10.10.0.64/26", None),
        ("snet-privatelink", "10.10.1.0/26", None),
    ]));
    x.on(&vnet_hub).pass("AZ-NET-001", "fl-vnet-nw-prod-hub targets the VNet");
    prod.add(vnet(p, "rg-network", "vnet-nw-prod-spoke", "westeurope", tp("network", &[]), "10.11.0.0/22", &[
        ("snet-web", "10.11.0.0/24", Some(&nsg_web)),
        ("snet-app", "10.11.1.0/24", Some(&nsg_app)),
    ]));
    x.on(&vnet_spoke).pass("AZ-NET-001", "snet-web is covered by the subnet flow log fl-snet-nw-prod-web. snet-app is covered by the NSG flow log on its NSG, nsg-nw-prod-app");
    prod.add(vnet(p, "rg-network", "vnet-nw-prod-data", "northeurope", tp("network", &[]), "10.12.0.0/22", &[
        ("snet-data", "10.12.0.0/24", Some(&nsg_data)),
        ("snet-legacy", "10.12.1.0/24", None),
    ]));
    x.on(&vnet_data).fail("AZ-NET-001", "snet-data's only flow log has `provisioningState` Failed, and snet-legacy has none. The disabled NIC flow log does not count");
    let vnet_iso = prod.add(vnet(p, "rg-network", "vnet-nw-prod-isolated", "North Europe", tp("network", &[("note", "reserved")]),
        "10.19.0.0/24", &[]));
    x.on(&vnet_iso).fail("AZ-NET-001", "no subnets");

    let we_id = we["id"].as_str().unwrap_or_default().to_string();
    let ne_id = ne["id"].as_str().unwrap_or_default().to_string();
    let fl_nsg_app = format!("{we_id}/flowLogs/fl-nsg-nw-prod-app");
    prod.add_with_diag(
        Nsg { rules: vec![rule("allow-https-in", "443", "Internet")], subnets: vec![subnet_id(&vnet_spoke, "snet-web")],
            ..nsg(p, "rg-network", "nsg-nw-prod-web", "westeurope", tp("network", &[])) }.body(),
        vec![diag_setting(&nsg_web, "nsg-all", vec![group("allLogs", true)], &to_ws(&law_sentinel), None)],
    );
    x.on(&nsg_web).pass("AZ-MON-004", "`allLogs`");
    prod.add_with_diag(
        Nsg { rules: vec![rule("allow-web-tier", "8443", "10.11.0.0/24")], subnets: vec![subnet_id(&vnet_spoke, "snet-app")],
            flow_logs: vec![fl_nsg_app],
            ..nsg(p, "rg-network", "nsg-nw-prod-app", "westeurope", tp("network", &[])) }.body(),
        vec![diag_setting(&nsg_app, "nsg-events",
            vec![cat("NetworkSecurityGroupEvent", true), cat("NetworkSecurityGroupRuleCounter", false)], &to_ws(&law_ops), None)],
    );
    x.on(&nsg_app).pass("AZ-MON-004", "NetworkSecurityGroupEvent");
    prod.add_with_diag(
        Nsg { rules: vec![rule("allow-sql-from-app", "1433", "10.11.1.0/24"), rule("allow-rdp-anywhere", "3389", "*")],
            subnets: vec![subnet_id(&vnet_data, "snet-data")],
            ..nsg(p, "rg-network", "nsg-nw-prod-data", "northeurope", tp("network", &[])) }.body(),
        vec![],
    );
    x.on(&nsg_data).fail("AZ-MON-004", "no setting");

    let agw = prod.add(generic(p, "rg-network", T_AGW, "agw-nw-prod-portal", "westeurope", tp("portal", &[])));
    prod.diag.insert(agw.clone(), vec![diag_setting(&agw, "agw-to-siem",
        vec![cat("ApplicationGatewayAccessLog", true), cat("ApplicationGatewayFirewallLog", true),
             cat("ApplicationGatewayPerformanceLog", false)],
        &Destinations { eventhub_rule: Some(evh_rule.clone()), eventhub_name: Some("agw-logs".into()), ..Default::default() },
        None)]);
    x.on(&agw).pass("AZ-MON-004", "access and firewall logs to an event hub (an event-hub-only destination counts)");
    let afw = prod.add(generic(p, "rg-network", T_AFW, "afw-nw-prod-hub", "westeurope", tp("network", &[])));
    prod.diag.insert(afw.clone(), vec![diag_setting(&afw, "afw-to-sentinel", vec![group("allLogs", true)],
        &to_ws(&law_sentinel), Some("Dedicated"))]);
    x.on(&afw).pass("AZ-MON-004", "`allLogs`").pass("AZ-MON-005", "`logAnalyticsDestinationType` Dedicated");
    let standard_pip = || Some(json!({"name": "Standard", "tier": "Regional"}));
    let pip_agw = prod.add(Generic { sku: standard_pip(),
        ..gen(p, "rg-network", T_PIP, "pip-nw-prod-agw", "westeurope", tp("portal", &[])) }.body());
    prod.diag.insert(pip_agw.clone(), vec![diag_setting(&pip_agw, "pip-ddos",
        vec![cat("DDoSProtectionNotifications", true), cat("DDoSMitigationFlowLogs", false), cat("DDoSMitigationReports", false)],
        &to_ws(&law_sentinel), None)]);
    x.on(&pip_agw).pass("AZ-MON-004", "DDoSProtectionNotifications");
    let pip_afw = prod.add(Generic { sku: standard_pip(),
        ..gen(p, "rg-network", T_PIP, "pip-nw-prod-afw", "westeurope", tp("network", &[])) }.body());
    prod.diag.insert(pip_afw.clone(), vec![]);
    x.on(&pip_afw).fail("AZ-MON-004", "no setting");

    let vm_legacy = prod.add(with_vm_os(generic(p, "rg-legacy-app", T_VM, "vm-nw-legacy-01", "northeurope", tp("legacy-crm", &[])), "Windows", "Standard_D2s_v3"));
    prod.extensions.insert(vm_legacy.clone(), vec![
        machine_extension(&vm_legacy, legacy_type("Windows"), LEGACY_PUBLISHER, "Succeeded", "northeurope"),
        machine_extension(&vm_legacy, "IaaSAntimalware", "Microsoft.Azure.Security", "Succeeded", "northeurope"),
    ]);
    prod.dcr_associations.insert(vm_legacy.clone(), vec![]);
    x.on(&vm_legacy)
        .fail("AZ-VM-001", "only the legacy MicrosoftMonitoringAgent (retired 2024-08-31) is installed")
        .fail("AZ-VM-002", "no data collection rule association");
    // The Windows security rule lives in the shared monitoring subscription,
    // outside the scan: it is read by id all the same.
    let dcr_shared = Dcr { sub: SHARED, rg: "rg-shared-monitoring", name: "dcr-nw-windows-security", location: "westeurope",
        xpaths: vec!["Security!*[System[(band(Keywords,13510798882111488))]]", "System!*[System[(Level=1 or Level=2)]]"],
        workspace: &law_sentinel, to_workspace: true, ..Default::default() };
    dcrs.push(dcr_shared.body());
    let dcr_prod_syslog = Dcr { sub: p, rg: "rg-security", name: "dcr-nw-prod-linux-syslog", location: "westeurope",
        facilities: vec!["auth", "cron", "daemon"], workspace: &law_sentinel, to_workspace: true, ..Default::default() };
    dcrs.push(dcr_prod_syslog.body());
    let arc_dc = prod.add(arc_machine(p, "rg-onprem", "arc-nw-onprem-dc01", "westeurope", "windows", tp("identity", &[])));
    prod.extensions.insert(arc_dc.clone(), vec![
        machine_extension(&arc_dc, ama_type("Windows"), AMA_PUBLISHER, "Succeeded", "westeurope"),
    ]);
    prod.dcr_associations.insert(arc_dc.clone(), vec![dcr_association(&arc_dc, "dcra-windows-security", &dcr_shared.id())]);
    x.on(&arc_dc)
        .pass("AZ-VM-001", "AzureMonitorWindowsAgent Succeeded (an Arc machine)")
        .pass("AZ-VM-002", "dcr-nw-windows-security, in a subscription outside the scan, sends `Security!` to law-nw-sentinel-prod");
    let vm_web = prod.add(with_vm_os(generic(p, "rg-prod-web", T_VM, "vm-nw-prod-web01", "westeurope", tp("web", &[])), "Linux", "Standard_D2s_v5"));
    prod.extensions.insert(vm_web.clone(), vec![
        machine_extension(&vm_web, ama_type("Linux"), AMA_PUBLISHER, "Succeeded", "westeurope"),
        machine_extension(&vm_web, legacy_type("Linux"), LEGACY_PUBLISHER, "Succeeded", "westeurope"),
    ]);
    prod.dcr_associations.insert(vm_web.clone(), vec![dcr_association(&vm_web, "dcra-linux-syslog", &dcr_prod_syslog.id())]);
    x.on(&vm_web)
        .pass("AZ-VM-001", "AzureMonitorLinuxAgent Succeeded (the legacy agent beside it changes nothing)")
        .fail("AZ-VM-002", "dcr-nw-prod-linux-syslog collects auth but not authpriv");
    prod.add(Generic { sku: Some(json!({"name": "Premium_LRS", "tier": "Premium"})),
        managed_by: Some(rid(p, "rg-legacy-app", T_VM, "vm-nw-legacy-01")),
        ..gen(p, "rg-legacy-app", T_DISK, &format!("vm-nw-legacy-01_OsDisk_1_{}", guid("disk:legacy")[..32].replace('-', "")),
            "northeurope", tp("legacy-crm", &[])) }.body());
    prod.add(generic(p, "rg-legacy-app", T_NIC, "nic-vm-nw-legacy-01", "northeurope", tp("legacy-crm", &[])));

    prod.add(we.clone());
    prod.add(ne.clone());
    x.on(&sub_p).pass("AZ-NET-005", "VNets in westeurope and northeurope. vnet-nw-prod-isolated says `\"North Europe\"`, which normalises to northeurope. Watchers exist in both regions");
    let ta_on = || Some(analytics(true, Some((&law_sentinel, "westeurope")), 10));
    let ta_off = || Some(analytics(false, None, 60));
    let we_logs = vec![
        flow_log(&we, "fl-vnet-nw-prod-hub", &vnet_hub, &st_archive, true, retention(true, 365), ta_on(), "Succeeded"),
        flow_log(&we, "fl-snet-nw-prod-web", &subnet_id(&vnet_spoke, "snet-web"), &st_archive, true, retention(true, 30),
            ta_off(), "Succeeded"),
        flow_log(&we, "fl-nsg-nw-prod-app", &nsg_app, &st_archive, true, retention(true, 0), ta_on(), "Succeeded"),
    ];
    let ne_logs = vec![
        flow_log(&ne, "fl-snet-nw-prod-data", &subnet_id(&vnet_data, "snet-data"), &st_backup, true, retention(true, 90),
            ta_off(), "Failed"),
        flow_log(&ne, "fl-nic-vm-nw-legacy-01", &nic_legacy, &st_backup, false, retention(false, 0), None, "Succeeded"),
    ];
    for f in we_logs.iter().chain(&ne_logs) {
        prod.add(f.clone());
    }
    let fl = |w: &str, name: &str| format!("{w}/flowLogs/{name}");
    x.on(&fl(&we_id, "fl-vnet-nw-prod-hub"))
        .pass("AZ-NET-002", "365 days")
        .pass("AZ-NET-003", "targets a VNet")
        .pass("AZ-NET-004", "traffic analytics to law-nw-sentinel-prod");
    x.on(&fl(&we_id, "fl-snet-nw-prod-web"))
        .fail("AZ-NET-002", "30 days")
        .pass("AZ-NET-003", "targets a subnet")
        .fail("AZ-NET-004", "traffic analytics disabled");
    x.on(&fl(&we_id, "fl-nsg-nw-prod-app"))
        .pass("AZ-NET-002", "days 0 = kept forever")
        .fail("AZ-NET-003", "an NSG flow log")
        .pass("AZ-NET-004", "traffic analytics to law-nw-sentinel-prod");
    x.on(&fl(&ne_id, "fl-snet-nw-prod-data"))
        .na("AZ-NET-002", "`provisioningState` Failed")
        .pass("AZ-NET-003", "targets a subnet")
        .na("AZ-NET-004", "`provisioningState` Failed");
    x.on(&fl(&ne_id, "fl-nic-vm-nw-legacy-01"))
        .na("AZ-NET-002", "`enabled` false")
        .pass("AZ-NET-003", "targets a NIC")
        .na("AZ-NET-004", "`enabled` false");
    prod.flow_logs.insert(we_id, we_logs);
    prod.flow_logs.insert(ne_id, ne_logs);

    // --- Monitoring: action groups, alerts ---
    let rg_p = |rg: &str| rg_id(p, rg);
    let mon_p = rg_p("rg-monitoring");
    let ag_secops = prod.add_listed(
        action_group(&mon_p, "ag-nw-secops", "secops", true, &["secops", "soc-pager"], &[("Owners", OWNER)]), LIST_TYPE_AG);
    let ag_platform = prod.add_listed(action_group(&mon_p, "ag-nw-platform", "platform", true, &["platform"], &[]), LIST_TYPE_AG);
    let adm = administrative;
    let secops = std::slice::from_ref(&ag_secops);
    let platform = std::slice::from_ref(&ag_platform);
    let scope_p = std::slice::from_ref(&sub_p);
    let alerts_p = [
        activity_alert(&mon_p, "ala-diagnostic-settings-delete", scope_p,
            vec![adm(), op("Microsoft.Insights/diagnosticSettings/delete")], secops, Some(true),
            "Someone removed a diagnostic setting (T1562.008)"),
        activity_alert(&mon_p, "ala-law-delete-or-write", &[format!("subscriptions/{p}")],
            vec![adm(), json!({"anyOf": [op("Microsoft.OperationalInsights/workspaces/delete"),
                                         op("Microsoft.OperationalInsights/workspaces/write")]})],
            secops, Some(true), "Log Analytics workspace changed or deleted"),
        activity_alert(&mon_p, "ala-cis-policy-assignments", scope_p,
            vec![adm(), json!({"field": "operationName",
                               "containsAny": ["Microsoft.Authorization/policyAssignments/write",
                                               "Microsoft.Authorization/policyAssignments/delete"]})],
            platform, Some(true), ""),
        activity_alert(&mon_p, "ala-cis-nsg-write", scope_p,
            vec![adm(), json!({"field": "resourceType", "equals": "Microsoft.Network/networkSecurityGroups"}),
                 op("Microsoft.Network/networkSecurityGroups/write")],
            platform, Some(true), ""),
        activity_alert(&mon_p, "ala-cis-nsg-delete", scope_p,
            vec![adm(), op("Microsoft.Network/networkSecurityGroups/delete")], platform, None, ""),
        activity_alert(&mon_p, "ala-cis-security-solutions-write", scope_p,
            vec![adm(), op("Microsoft.Security/securitySolutions/write"), json!({"field": "level", "equals": "Critical"})],
            secops, Some(true), ""),
        activity_alert(&mon_p, "ala-cis-security-solutions-delete", &[format!("{sub_p}/resourceGroups/rg-security")],
            vec![adm(), op("Microsoft.Security/securitySolutions/delete")], secops, Some(true), ""),
        activity_alert(&mon_p, "ala-cis-sql-firewall-rules", scope_p,
            vec![adm(), json!({"anyOf": [op("Microsoft.Sql/servers/firewallRules/write"),
                                         op("Microsoft.Sql/servers/firewallRules/delete")]})],
            platform, Some(true), ""),
        activity_alert(&mon_p, "ala-cis-public-ip-write", scope_p,
            vec![adm(), op("Microsoft.Network/publicIPAddresses/write")], platform, Some(false),
            "Disabled during the 2026 migration; never re-enabled"),
        activity_alert(&mon_p, "ala-cis-public-ip-delete", &[format!("{sub_p}/")],
            vec![adm(), op("microsoft.network/publicipaddresses/delete")], platform, Some(true), ""),
        activity_alert(&mon_p, "ala-service-health", scope_p,
            vec![json!({"field": "category", "equals": "ServiceHealth"})], platform, Some(true), ""),
    ];
    for a in alerts_p {
        let id = prod.add_listed(a, LIST_TYPE_ALERT);
        let routed = |group: &str| format!("routes to {group}, which exists, is enabled and has receivers");
        let why = match id.rsplit('/').next().unwrap_or_default() {
            "ala-cis-public-ip-write" => None,
            "ala-diagnostic-settings-delete" | "ala-law-delete-or-write" | "ala-cis-security-solutions-write"
            | "ala-cis-security-solutions-delete" => Some(routed("ag-nw-secops")),
            _ => Some(routed("ag-nw-platform")),
        };
        match why {
            Some(why) => x.on(&id).pass("AZ-MON-009", &why),
            None => x.on(&id).na("AZ-MON-009", "disabled"),
        };
    }
    let sqr = prod.add(scheduled_query_rule(&mon_p, "sqr-kv-purge-attempts", "westeurope", &law_sentinel,
        "AZKVAuditLogs | where OperationName in ('SecretPurge','KeyPurge','VaultPurge')", secops, true, 1));
    x.on(&sqr).pass("AZ-MON-009", "routes to ag-nw-secops, which exists, is enabled and has receivers");
    x.on(&sub_p)
        .pass("AZ-MON-006", "`ala-diagnostic-settings-delete`: subscription scope, category and `equals`, with action group ag-nw-secops")
        .pass("AZ-MON-007", "`ala-law-delete-or-write`: `anyOf` of the two operationName conditions. Its scope `subscriptions/<id>` has no leading slash")
        .item("AZ-MON-008", "Microsoft.Authorization/policyAssignments/write", Pass, "`ala-cis-policy-assignments` (`containsAny`)")
        .item("AZ-MON-008", "Microsoft.Authorization/policyAssignments/delete", Pass, "`ala-cis-policy-assignments` (`containsAny`)")
        .item("AZ-MON-008", "Microsoft.Network/networkSecurityGroups/write", Pass, "`ala-cis-nsg-write` (the extra `resourceType` condition is allowed)")
        .item("AZ-MON-008", "Microsoft.Network/networkSecurityGroups/delete", Pass, "`ala-cis-nsg-delete` (`enabled` absent counts as true)")
        .item("AZ-MON-008", "Microsoft.Security/securitySolutions/write", Fail, "the only alert adds a `level` condition, which narrows it")
        .item("AZ-MON-008", "Microsoft.Security/securitySolutions/delete", Fail, "the only alert is scoped to rg-security")
        .item("AZ-MON-008", "Microsoft.Sql/servers/firewallRules/write", Pass, "`ala-cis-sql-firewall-rules` (`anyOf`)")
        .item("AZ-MON-008", "Microsoft.Sql/servers/firewallRules/delete", Pass, "`ala-cis-sql-firewall-rules` (`anyOf`)")
        .item("AZ-MON-008", "Microsoft.Network/publicIPAddresses/write", Fail, "the only alert has `enabled: false`")
        .item("AZ-MON-008", "Microsoft.Network/publicIPAddresses/delete", Pass, "`ala-cis-public-ip-delete`: operation in lower case, scope with a trailing `/`");

    // --- Defender, contacts, locks, roles ---
    prod.pricings = vec![
        Pricing { sub_plan: Some("P1"), coverage: Some("FullyCovered"), extensions: Some(vec![ext("MdeDesignatedSubscription", false)]),
            ..pricing(p, "VirtualMachines", "Standard") }.body(),
        Pricing { coverage: Some("FullyCovered"), ..pricing(p, "SqlServers", "Standard") }.body(),
        Pricing { coverage: Some("FullyCovered"), ..pricing(p, "AppServices", "Standard") }.body(),
        Pricing { sub_plan: Some("DefenderForStorageV2"), coverage: Some("PartiallyCovered"),
            extensions: Some(vec![ext("OnUploadMalwareScanning", true), ext("SensitiveDataDiscovery", true)]),
            ..pricing(p, "StorageAccounts", "Standard") }.body(),
        Pricing { coverage: Some("NotCovered"), ..pricing(p, "SqlServerVirtualMachines", "Free") }.body(),
        Pricing { coverage: Some("NotCovered"), deprecated: Some(true), ..pricing(p, "KubernetesService", "Free") }.body(),
        Pricing { coverage: Some("NotCovered"), deprecated: Some(true), ..pricing(p, "ContainerRegistry", "Free") }.body(),
        Pricing { sub_plan: Some("PerKeyVault"), coverage: Some("FullyCovered"), ..pricing(p, "KeyVaults", "Standard") }.body(),
        Pricing { coverage: Some("NotCovered"), deprecated: Some(true), ..pricing(p, "Dns", "Free") }.body(),
        Pricing { sub_plan: Some("PerSubscription"), coverage: Some("FullyCovered"), ..pricing(p, "Arm", "Standard") }.body(),
        Pricing { coverage: Some("NotCovered"), ..pricing(p, "OpenSourceRelationalDatabases", "Free") }.body(),
        Pricing { coverage: Some("NotCovered"), ..pricing(p, "CosmosDbs", "Free") }.body(),
        Pricing { coverage: Some("FullyCovered"), extensions: Some(vec![ext("ContainerRegistriesVulnerabilityAssessments", true)]),
            ..pricing(p, "Containers", "Standard") }.body(),
        Pricing { coverage: Some("FullyCovered"), extensions: Some(vec![ext("AgentlessVmScanning", true), ext("SensitiveDataDiscovery", true)]),
            ..pricing(p, "CloudPosture", "Standard") }.body(),
        Pricing { coverage: Some("NotCovered"), ..pricing(p, "Api", "Free") }.body(),
    ];
    let plan = |sub: &str, plan: &str| format!("/subscriptions/{sub}/providers/Microsoft.Security/pricings/{plan}");
    x.on(&plan(p, "VirtualMachines")).fail("AZ-DEF-001", "Standard, but `subPlan` P1");
    x.on(&plan(p, "StorageAccounts")).fail("AZ-DEF-001", "`resourcesCoverageStatus` PartiallyCovered");
    for pl in ["KeyVaults", "Arm", "SqlServers", "AppServices", "Containers", "CloudPosture"] {
        x.on(&plan(p, pl)).pass("AZ-DEF-001", "Standard, FullyCovered");
    }
    prod.contacts = vec![security_contact(p, "default", json!({
        "notificationsByRole": {"state": "On", "roles": ["Owner"]},
        "isEnabled": true,
        "emails": format!("secops@{DOMAIN};ciso@{DOMAIN}"),
        "phone": "+44 20 7946 0321",
        "notificationsSources": [{"sourceType": "AttackPath", "minimalRiskLevel": "Critical"}],
    }))];
    x.on(&sub_p).fail("AZ-DEF-002", "2023-12-01-preview shape. It has emails and Owner notification, but `notificationsSources` holds only AttackPath and no Alert source");
    prod.locks = vec![
        lock(&rg_p("rg-security"), "lock-rg-security-nodelete", "CanNotDelete", "Evidence stores: do not delete (IR runbook 4.2)"),
        lock(&rg_p("rg-network"), "lock-rg-network-nodelete", "CanNotDelete", "Hub networking"),
        lock(&kv_payments, "lock-kv-payments", "CanNotDelete", "PCI scope"),
    ];
    x.on(&law_sentinel).pass("AZ-LAW-003", "`lock-rg-security-nodelete` (CanNotDelete on resource group rg-security). The workspace list gives the workspace id in lower case");
    x.on(&law_ops).fail("AZ-LAW-003", "rg-monitoring has no lock, and neither does the prod subscription. The rg-network and kv-nw-prod-payments locks do not cover it");
    let ra = role_assignment;
    prod.role_assignments = vec![
        ra(p, &sub_p, OWNER, "alice", "User", false),
        ra(p, &sub_p, OWNER, "platform-admins", "Group", true),
        ra(p, &sub_p, USER_ACCESS_ADMIN, "sp-terraform", "ServicePrincipal", false),
        ra(p, &sub_p, CONTRIBUTOR, "sp-deploy-pipeline", "ServicePrincipal", true),
        ra(p, &sub_p, CONTRIBUTOR, "bob", "User", false),
        ra(p, &sub_p, READER, "dave", "User", false),
        ra(p, &format!("/subscriptions/{p}/resourcegroups/rg-security"), KV_ADMIN, "carol", "User", false),
        ra(p, &rg_p("rg-security"), SENTINEL_RESPONDER, "sentinel-responders", "Group", true),
        ra(p, &rg_p("rg-security"), LA_READER, "soc-analysts", "Group", false),
        ra(p, &kv_secrets, KV_SECRETS_OFFICER, "sp-app-backend", "ServicePrincipal", false),
        ra(p, &kv_secrets, KV_SECRETS_USER, "sp-app-frontend", "ServicePrincipal", false),
        ra(p, &kv_secrets, KV_ADMIN, "alice", "User", true),
        ra(p, &rg_p("rg-payments"), CONTRIBUTOR, "erin", "User", false),
        ra(p, &rg_p("rg-payments"), KV_CONTRIBUTOR, "payments-devs", "Group", false),
        ra(p, &kv_payments, KV_DATA_ACCESS_ADMIN, "frank", "User", false),
        ra(p, &rg_p("rg-app"), CONTRIBUTOR, "app-team", "Group", false),
        ra(p, &rg_p("rg-app"), OWNER, "grace", "User", false),
    ];
    x.on(&kv_secrets).pass("AZ-KV-007", "RBAC, exactly 5: alice (Owner on the subscription, and Key Vault Administrator on the vault, counted once), platform-admins (Owner), sp-terraform (User Access Administrator), carol (Key Vault Administrator on rg-security) and sp-app-backend (Key Vault Secrets Officer on the vault)");
    x.on(&kv_payments).fail("AZ-KV-007", "access policies, 8: alice, platform-admins and sp-terraform at subscription scope, plus sp-deploy-pipeline and bob (Contributor on the subscription), erin (Contributor on rg-payments), payments-devs (Key Vault Contributor on rg-payments) and frank (Key Vault Data Access Administrator on the vault)");
    x.on(&kv_legacy).pass("AZ-KV-007", "access policies, 5: alice, platform-admins, sp-terraform, sp-deploy-pipeline and bob. app-team and grace on rg-app do not count");
    prod.sub_diag = vec![
        subscription_diag_setting(p, "activitylog-to-sentinel", activity_categories(ACTIVITY), Some(&law_sentinel), None, false),
        // The allLogs category group, as in the upstream example.
        subscription_diag_setting(p, "activitylog-to-archive", vec![json!({"categoryGroup": "allLogs", "enabled": true})],
            None, Some(&st_archive), false),
    ];
    x.on(&sub_p)
        .pass("AZ-MON-001", "`activitylog-to-sentinel` (workspace) and `activitylog-to-archive` (storage, `allLogs`)")
        .pass("AZ-MON-002", "all four enabled (by name in one setting, and by `allLogs` in the other)")
        .pass("AZ-MON-003", "`activitylog-to-sentinel` has a workspace and enables all four");

    // ============================ nw-dev ============================

    let uami_ci = dev.add(generic(d, "rg-dev-app", T_UAMI, "id-nw-dev-ci", "eastus", td("ci", &[])));
    let uami_dev_cmk = dev.add(generic(d, "rg-dev-security", T_UAMI, "id-nw-dev-audit-cmk", "westeurope", td("security", &[])));

    dev.add_with_diag(
        workspace(d, "rg-dev-monitoring", "law-nw-dev", "eastus", td("monitoring", &[("sentinel", "trial")])).body(),
        vec![diag_setting(&law_dev, "law-all", vec![group("allLogs", true)], &to_ws(&law_dev), None)],
    );
    x.on(&law_dev)
        .pass("AZ-MON-004", "`allLogs`")
        .fail("AZ-LAW-001", "`retentionInDays` absent, so the default of 30 applies")
        .pass("AZ-LAW-004", "`immediatePurgeDataOn30Days` absent")
        .pass("AZ-LAW-005", "`dailyQuotaGb` -1 (no cap), `dataIngestionStatus` RespectQuota");
    dev.add_listed(
        generic(d, "rg-dev-monitoring", T_SOLUTION, "SecurityInsights(law-nw-dev)", "eastus", td("monitoring", &[])),
        T_SOLUTION,
    );
    dev.add_with_diag(
        Workspace { retention_days: Some(90), purge30: Some(false),
            daily_quota_gb: Some(1.0), ingestion_status: Some("OverQuota"),
            ..workspace(d, "rg-dev-monitoring", "law-nw-dev-apm", "eastus", td("apm", &[])) }.body(),
        vec![],
    );
    x.on(&law_dev_apm)
        .fail("AZ-MON-004", "no diagnostic setting")
        .pass("AZ-LAW-001", "`retentionInDays` 90")
        .pass("AZ-LAW-004", "`immediatePurgeDataOn30Days` false")
        .fail("AZ-LAW-005", "a daily cap of 1 GB (`dailyQuotaGb` 1), reached: `dataIngestionStatus` OverQuota")
        .na("AZ-SEN-002", not_onboarded)
        .na("AZ-SEN-003", not_onboarded)
        .na("AZ-SEN-004", not_onboarded);
    let ws_d = listed_workspace_id(&law_dev);
    dev.tables.insert(ws_d.clone(), vec![
        table(&ws_d, "AzureDiagnostics", -1, -1, 0), // the workspace's retention: absent, so 30
        table(&ws_d, "ContainerLogV2", 30, 30, 0),
        table(&ws_d, "KubePodInventory", 30, 30, 0),
        table(&ws_d, "SecurityAlert", 30, 30, 0),
        table(&ws_d, "SecurityIncident", 30, 30, 0),
        table(&ws_d, "Heartbeat", 30, 30, 0),
    ]);
    x.on(&law_dev).fail("AZ-LAW-002", "AzureDiagnostics has -1/-1 and the workspace has no retention, so it gets the default 30");
    let ws_a = listed_workspace_id(&law_dev_apm);
    dev.tables.insert(ws_a.clone(), vec![
        table(&ws_a, "AppRequests", 90, 90, 0),
        table(&ws_a, "AppDependencies", 90, 90, 0),
        table(&ws_a, "AppTraces", 90, 90, 0),
        table(&ws_a, "AppExceptions", 90, 180, 90),
    ]);
    x.on(&law_dev_apm).na("AZ-LAW-002", "holds none of `security_tables` (App* tables only)");
    dev.sentinel.insert(ws_d.clone(), Sentinel {
        connectors: vec![
            connector(&ws_d, "AzureActiveDirectory", &[("alerts", "Enabled")], json!({"tenantId": TENANT})),
            connector(&ws_d, "AzureSecurityCenter", &[("alerts", "Disabled")], json!({"subscriptionId": d})),
            connector(&ws_d, "MicrosoftThreatProtection", &[("incidents", "enabled"), ("alerts", "Disabled")],
                json!({"tenantId": TENANT})),
        ],
        rules: vec![AlertRule { severity: "Low",
            query: Some("AzureDiagnostics | where Category == 'kube-audit' and log_s has 'exec'"),
            ..alert_rule(&ws_d, "Scheduled", "Dev: suspicious kubectl exec", false) }.body()],
        settings: vec![
            sentinel_setting(&ws_d, "Anomalies", json!({"isEnabled": true})),
            sentinel_setting(&ws_d, "EyesOn", json!({"isEnabled": true})),
        ],
    });
    x.on(&law_dev)
        .fail("AZ-SEN-002", "EntraIDLogs missing: no tenant setting targets it, and the `AzureActiveDirectory` connector does not count. The AzureSecurityCenter connector is Disabled. (MicrosoftThreatProtection `\"enabled\"` in lower case counts)")
        .fail("AZ-SEN-003", "its only rule is disabled")
        .fail("AZ-SEN-004", "only the Anomalies and EyesOn settings exist. There is no EntityAnalytics or Ueba setting");

    dev.add_with_diag(
        Vault {
            rbac: Some(true), soft_delete: Some(true), soft_delete_days: Some(7), public_network: Some("enabled"),
            private_endpoints: vec![pe_connection(format!("pe-kv-nw-dev-app.{}", &guid("pec:kv-dev-app")[..8]),
                rid(d, "rg-dev-app", T_PE, "pe-kv-nw-dev-app"), "Pending")],
            ..vault(d, "rg-dev-app", "kv-nw-dev-app", "eastus", td("portal", &[]))
        }.body(),
        vec![diag_setting(&kv_dev_app, "kv-all-to-law", vec![group("allLogs", true), group("audit", false)], &to_ws(&law_dev), None)],
    );
    x.on(&kv_dev_app)
        .pass("AZ-MON-004", "`allLogs`")
        .fail("AZ-MON-005", "sends to Log Analytics and `logAnalyticsDestinationType` is absent (AzureDiagnostics)")
        .pass("AZ-KV-001", "`allLogs` to a workspace")
        .pass("AZ-KV-002", "`allLogs` to a workspace")
        .pass("AZ-KV-003", "`enableRbacAuthorization` true")
        .fail("AZ-KV-004", "`publicNetworkAccess` `\"enabled\"` (lower case) with no ACLs")
        .fail("AZ-KV-005", "its connection is Pending")
        .fail("AZ-KV-006", "purge protection absent")
        .na("AZ-KV-008", "uses RBAC, so access policies are not used");
    let pe_tools = rid(d, "rg-dev-tools", T_PE, "pe-kv-nw-dev-tools");
    dev.add_with_diag(
        Vault {
            rbac: Some(false), soft_delete: Some(false), purge_protection: Some(false), public_network: Some("Disabled"),
            access_policies: vec![
                access_policy("dev-team", &["all"], &["all"], &["all"]),
                access_policy("sp-dev-pipeline", &[], &["get", "list"], &[]),
            ],
            private_endpoints: vec![pe_connection(format!("pe-kv-nw-dev-tools.{}", &guid("pec:kv-dev-tools")[..8]), pe_tools, "Approved")],
            ..vault(d, "rg-dev-tools", "kv-nw-dev-tools", "eastus", td("tooling", &[]))
        }.body(),
        vec![diag_setting(&kv_dev_tools, "kv-to-law-unfinished", vec![cat("AuditEvent", true)], &to_ws(""), None)],
    );
    x.on(&kv_dev_tools)
        .fail("AZ-MON-004", "its only setting has `\"workspaceId\": \"\"`, so no destination")
        .na("AZ-MON-005", "its only setting has an empty `workspaceId`: no destination (judgement call 1)")
        .fail("AZ-KV-001", "`AuditEvent` enabled but `\"workspaceId\": \"\"`, so no destination")
        .fail("AZ-KV-002", "`AuditEvent` enabled but `\"workspaceId\": \"\"`, so no destination")
        .fail("AZ-KV-003", "`enableRbacAuthorization` false")
        .pass("AZ-KV-004", "`publicNetworkAccess` Disabled")
        .pass("AZ-KV-005", "one Approved private endpoint connection")
        .fail("AZ-KV-006", "`enableSoftDelete` false and purge protection false")
        .fail("AZ-KV-008", "the dev-team policy grants `all` on keys, secrets and certificates");
    dev.add(generic(d, "rg-dev-tools", T_PE, "pe-kv-nw-dev-tools", "eastus", td("tooling", &[])));

    // Storage
    dev.add(
        Storage {
            allow_blob_public: Some(false), public_network: Some("Enabled"), network_default: Some("Deny"), bypass: "None",
            shared_key: Some(true), tls: Some("TLS1_2"),
            ..Storage::new(d, "rg-dev-monitoring", "stnwdevlogs", "eastus", td("monitoring", &[("data", "logs")]))
        }.body(),
    );
    let sid = svc(&st_devlogs, "blob");
    dev.diag.insert(sid.clone(), vec![diag_setting(&sid, "blob-to-law",
        vec![cat("StorageRead", true), cat("StorageWrite", true), cat("StorageDelete", true)], &to_ws(&law_dev), None)]);
    x.on(&sid).pass("AZ-MON-004", "StorageRead/Write/Delete").pass("AZ-ST-001", "all three");
    for s in ["file", "queue", "table"] {
        dev.diag.insert(svc(&st_devlogs, s), vec![]);
        x.on(&svc(&st_devlogs, s)).fail("AZ-MON-004", "no setting").fail("AZ-ST-001", "no setting");
    }
    dev.blob_services.insert(st_devlogs.clone(), blob_service(&st_devlogs, Some(retention(true, 7)), Some(retention(true, 7)), false));
    dev.containers.insert(st_devlogs.clone(), vec![container(&st_devlogs, "insights-logs-flowlogflowevent", None, true, false)]);
    x.on(&st_devlogs)
        .pass("AZ-ST-002", "`allowBlobPublicAccess` false")
        .pass("AZ-ST-003", "`networkAcls.defaultAction` Deny")
        .fail("AZ-ST-004", "`allowSharedKeyAccess` true")
        .pass("AZ-ST-005", "HTTPS only, TLS1_2")
        .pass("AZ-ST-006", "blob and container soft delete enabled, 7 days")
        .fail("AZ-ST-007", "its log container has no policy")
        .fail("AZ-ST-008", "default Deny with `bypass` `None`, so Azure Monitor cannot deliver logs")
        .fail("AZ-ST-009", "`keySource` Microsoft.Storage");

    dev.add(
        Storage {
            allow_blob_public: Some(false), public_network: Some("Enabled"), network_default: Some("Allow"), https: false,
            ..Storage::new(d, "rg-dev-app", "stnwdevscratch", "eastus", td("portal", &[]))
        }.body(),
    );
    for s in ALL_SERVICES {
        dev.diag.insert(svc(&st_devscratch, s), vec![]);
        x.on(&svc(&st_devscratch, s)).fail("AZ-MON-004", "no setting").fail("AZ-ST-001", "no setting");
    }
    dev.blob_services.insert(st_devscratch.clone(), blob_service(&st_devscratch, None, None, false));
    dev.containers.insert(st_devscratch.clone(), vec![
        container(&st_devscratch, "uploads", None, true, false),
        container(&st_devscratch, "tmp", None, true, false),
    ]);
    x.on(&st_devscratch)
        .pass("AZ-ST-002", "`allowBlobPublicAccess` false")
        .fail("AZ-ST-003", "`publicNetworkAccess` Enabled with default action Allow")
        .fail("AZ-ST-004", "`allowSharedKeyAccess` absent, so the default true applies")
        .fail("AZ-ST-005", "`minimumTlsVersion` absent (default TLS1_0) and `supportsHttpsTrafficOnly` false")
        .fail("AZ-ST-006", "the blob service has neither policy")
        .fail("AZ-ST-007", "it has no `insights-*` container yet, and an archive with no log container fails")
        .fail("AZ-ST-008", "network open (Enabled with Allow)")
        .fail("AZ-ST-009", "`keySource` Microsoft.Storage");

    dev.add(
        Storage {
            kind: "BlockBlobStorage", sku: "Premium_LRS", endpoints: Some(&["blob"]), allow_blob_public: Some(false),
            public_network: Some("Disabled"), network_default: Some("Allow"), shared_key: Some(false), tls: Some("TLS1_3"),
            cmk: Some(cmk("cmk-devaudit", "kv-nw-dev-app", &uami_dev_cmk, "stnwdevaudit")),
            identity: Some(user_assigned(&uami_dev_cmk, "id-nw-dev-audit-cmk")),
            vlw: Some(json!({"enabled": true, "immutabilityPolicy": {
                "immutabilityPeriodSinceCreationInDays": 365, "allowProtectedAppendWrites": true, "state": "Locked"}})),
            ..Storage::new(d, "rg-dev-security", "stnwdevaudit", "westeurope", td("security", &[("data", "logs"), ("WORM", "True")]))
        }.body(),
    );
    let sid = svc(&st_devaudit, "blob");
    dev.diag.insert(sid.clone(), vec![diag_setting(&sid, "blob-to-law",
        vec![cat("StorageRead", true), cat("StorageWrite", true), cat("StorageDelete", true)], &to_ws(&law_dev), None)]);
    x.on(&sid)
        .pass("AZ-MON-004", "StorageRead/Write/Delete. Endpoints are blob, dfs and web only, so this is the only service")
        .pass("AZ-ST-001", "all three");
    dev.blob_services.insert(st_devaudit.clone(), blob_service(&st_devaudit, Some(retention(true, 14)), Some(retention(true, 14)), true));
    dev.containers.insert(st_devaudit.clone(), vec![
        container(&st_devaudit, "insights-logs-kube-audit", None, true, true),
        container(&st_devaudit, "insights-logs-kube-audit-admin", None, true, true),
    ]);
    x.on(&st_devaudit)
        .pass("AZ-ST-002", "`allowBlobPublicAccess` false")
        .pass("AZ-ST-003", "`publicNetworkAccess` Disabled")
        .pass("AZ-ST-004", "`allowSharedKeyAccess` false")
        .pass("AZ-ST-005", "TLS1_3, which counts as \"TLS1_2 or later\"")
        .pass("AZ-ST-006", "blob and container soft delete enabled, 14 days")
        .pass("AZ-ST-007", "account-level `immutableStorageWithVersioning` is enabled with a Locked policy of 365 days")
        .pass("AZ-ST-008", "public access false and public network access Disabled. The default action is Allow, so no bypass is required")
        .pass("AZ-ST-009", "`keySource` Microsoft.Keyvault");

    // Compute / app
    dev.add(Generic { sku: Some(json!({"name": "B1", "tier": "Basic", "size": "B1", "family": "B", "capacity": 1})),
        kind: Some("app"), ..gen(d, "rg-dev-app", T_PLAN, "asp-nw-dev-portal", "eastus", td("portal", &[])) }.body());
    let dsite = dev.add(Generic { kind: Some("app"),
        ..gen(d, "rg-dev-app", T_SITE, "app-nw-dev-portal", "eastus", td("portal", &[])) }.body());
    dev.diag.insert(dsite.clone(), vec![diag_setting(&dsite, "appsvc-all", vec![group("allLogs", true)],
        &to_ws(&law_dev).with_storage(&st_devscratch), None)]);
    x.on(&dsite).pass("AZ-MON-004", "`allLogs`");
    let dlogic = dev.add(generic(d, "rg-dev-app", T_LOGIC, "logic-nw-dev-test", "eastus", td("hr-offboarding", &[])));
    dev.diag.insert(dlogic.clone(), vec![diag_setting(&dlogic, "logic-runtime", vec![cat("WorkflowRuntime", true)], &to_ws(&law_dev), None)]);
    x.on(&dlogic).pass("AZ-MON-004", "WorkflowRuntime");
    let devhns = dev.add(Generic { sku: Some(json!({"name": "Basic", "tier": "Basic", "capacity": 1})),
        ..gen(d, "rg-dev-app", T_EVHNS, "evhns-nw-dev", "eastus", td("events", &[])) }.body());
    dev.diag.insert(devhns.clone(), vec![]);
    x.on(&devhns).fail("AZ-MON-004", "no setting");
    dev.add(Generic { kind: Some("v12.0"), ..gen(d, "rg-dev-app", T_SQL, "sql-nw-dev", "eastus", td("portal", &[])) }.body());
    let dsqldb = dev.add(Generic { sku: Some(json!({"name": "Basic", "tier": "Basic", "capacity": 5})), kind: Some("v12.0,user"),
        ..gen(d, "rg-dev-app", T_SQLDB, "sql-nw-dev/sqldb-portal-dev", "eastus", td("portal", &[])) }.body());
    dev.diag.insert(dsqldb.clone(), vec![]);
    x.on(&dsqldb).fail("AZ-MON-004", "no setting");
    let aks = dev.add(Generic {
        sku: Some(json!({"name": "Base", "tier": "Free"})),
        identity: Some(json!({"type": "SystemAssigned", "principalId": guid("principal:aks-nw-dev"), "tenantId": TENANT})),
        ..gen(d, "rg-dev-aks", T_AKS, "aks-nw-dev", "eastus", td("platform", &[])) }.body());
    dev.diag.insert(aks.clone(), vec![diag_setting(&aks, "aks-audit",
        vec![cat("kube-audit", true), cat("kube-audit-admin", true), cat("guard", true), cat("kube-apiserver", false)],
        &to_ws(&law_dev).with_storage(&st_devaudit), Some("AzureDiagnostics"))]);
    x.on(&aks)
        .pass("AZ-MON-004", "kube-audit, kube-audit-admin, guard")
        .fail("AZ-MON-005", "`logAnalyticsDestinationType` AzureDiagnostics");
    let vm_jump = dev.add(with_vm_os(Generic { identity: Some(user_assigned(&uami_ci, "id-nw-dev-ci")),
        ..gen(d, "rg-dev-app", T_VM, "vm-nw-dev-jumpbox", "eastus", td("jumpbox", &[])) }.body(), "Linux", "Standard_B2s"));
    let dcr_dev = Dcr { sub: d, rg: "rg-dev-monitoring", name: "dcr-nw-dev-linux-auth", location: "eastus",
        facilities: vec!["auth", "authpriv", "daemon"], workspace: &law_dev, to_workspace: true, ..Default::default() };
    dcrs.push(dcr_dev.body());
    dev.extensions.insert(vm_jump.clone(), vec![
        machine_extension(&vm_jump, ama_type("Linux"), AMA_PUBLISHER, "Failed", "eastus"),
    ]);
    dev.dcr_associations.insert(vm_jump.clone(), vec![dcr_association(&vm_jump, "dcra-linux-auth", &dcr_dev.id())]);
    x.on(&vm_jump)
        .fail("AZ-VM-001", "AzureMonitorLinuxAgent has `provisioningState` Failed")
        .pass("AZ-VM-002", "dcr-nw-dev-linux-auth sends syslog auth and authpriv (Microsoft-Syslog) to law-nw-dev");
    dev.add(Generic { sku: Some(json!({"name": "StandardSSD_LRS", "tier": "Standard"})),
        managed_by: Some(rid(d, "rg-dev-app", T_VM, "vm-nw-dev-jumpbox")),
        ..gen(d, "rg-dev-app", T_DISK, &format!("vm-nw-dev-jumpbox_OsDisk_1_{}", guid("disk:jump")[..32].replace('-', "")),
            "eastus", td("jumpbox", &[])) }.body());
    dev.add(generic(d, "rg-dev-app", T_NIC, "nic-vm-nw-dev-jumpbox", "eastus", td("jumpbox", &[])));
    let dpip = dev.add(Generic { sku: standard_pip(),
        ..gen(d, "rg-dev-app", T_PIP, "pip-nw-dev-jumpbox", "eastus", td("jumpbox", &[])) }.body());
    dev.diag.insert(dpip.clone(), vec![]);
    x.on(&dpip).fail("AZ-MON-004", "no setting");

    // Network
    let dvnet = rid(d, "rg-dev-network", T_VNET, "vnet-nw-dev");
    let dnsg = rid(d, "rg-dev-network", T_NSG, "nsg-nw-dev-app");
    dev.add(vnet(d, "rg-dev-network", "vnet-nw-dev", "eastus", td("network", &[]), "10.50.0.0/20", &[
        ("snet-dev-app", "10.50.0.0/24", Some(&dnsg)),
        ("snet-dev-aks", "10.50.4.0/22", None),
    ]));
    x.on(&dvnet).pass("AZ-NET-001", "fl-vnet-nw-dev targets the VNet");
    let sandbox = dev.add(vnet(d, "rg-dev-network", "vnet-nw-dev-sandbox", "westeurope", td("sandbox", &[]), "10.60.0.0/24", &[
        ("snet-sandbox", "10.60.0.0/25", None),
    ]));
    x.on(&sandbox).fail("AZ-NET-001", "no flow log");
    dev.add_with_diag(
        Nsg { rules: vec![rule("allow-ssh-office", "22", "198.51.100.0/24")], subnets: vec![subnet_id(&dvnet, "snet-dev-app")],
            ..nsg(d, "rg-dev-network", "nsg-nw-dev-app", "eastus", td("network", &[])) }.body(),
        vec![diag_setting(&dnsg, "nsg-to-law-unfinished", vec![group("allLogs", true)], &to_ws(""), None)],
    );
    x.on(&dnsg).fail("AZ-MON-004", "`\"workspaceId\": \"\"`, no destination");
    let dwe = watcher(d, "eastus");
    dev.add(dwe.clone());
    x.on(&sub_d).fail("AZ-NET-005", "vnet-nw-dev-sandbox is in westeurope. The only watcher is in eastus");
    let dwe_id = dwe["id"].as_str().unwrap_or_default().to_string();
    let dwe_logs = vec![flow_log(&dwe, "fl-vnet-nw-dev", &dvnet, &st_devlogs, true, retention(true, 7),
        Some(analytics(true, None, 60)), "Succeeded")];
    for f in &dwe_logs {
        dev.add(f.clone());
    }
    x.on(&fl(&dwe_id, "fl-vnet-nw-dev"))
        .fail("AZ-NET-002", "7 days")
        .pass("AZ-NET-003", "targets a VNet")
        .fail("AZ-NET-004", "traffic analytics enabled but no `workspaceResourceId`");
    dev.flow_logs.insert(dwe_id, dwe_logs);

    // Monitoring
    let rg_d = |rg: &str| rg_id(d, rg);
    let mon_d = rg_d("rg-dev-monitoring");
    let ag_oncall = dev.add_listed(action_group(&mon_d, "ag-nw-dev-oncall", "devoncall", true, &["dev-oncall"], &[]), LIST_TYPE_AG);
    let ag_paused = dev.add_listed(action_group(&mon_d, "ag-nw-dev-paused", "devpaused", false, &["dev-lead"], &[]), LIST_TYPE_AG);
    let ag_empty = dev.add_listed(action_group(&mon_d, "ag-nw-dev-empty", "devempty", true, &[], &[]), LIST_TYPE_AG);
    let ag_retired = format!("{mon_d}/providers/microsoft.insights/actionGroups/ag-nw-dev-retired");
    let oncall = std::slice::from_ref(&ag_oncall);
    let scope_d = std::slice::from_ref(&sub_d);
    let alerts_d = [
        (activity_alert(&mon_d, "ala-dev-diag-settings-delete", &[rg_d("rg-dev-app")],
            vec![adm(), op("Microsoft.Insights/diagnosticSettings/delete")], oncall, Some(true), ""),
         Some((Pass, "routes to ag-nw-dev-oncall"))),
        (activity_alert(&mon_d, "ala-dev-law-delete", scope_d,
            vec![adm(), op("Microsoft.OperationalInsights/workspaces/delete")], oncall, Some(false), ""),
         None),
        (activity_alert(&mon_d, "ala-dev-nsg-write", scope_d,
            vec![adm(), op("Microsoft.Network/networkSecurityGroups/write")], &[ag_retired], Some(true), ""),
         Some((Fail, "action group `ag-nw-dev-retired` does not exist"))),
        (activity_alert(&mon_d, "ala-dev-policy-assignment-write", scope_d,
            vec![adm(), op("Microsoft.Authorization/policyAssignments/write")], &[ag_paused], Some(true), ""),
         Some((Fail, "ag-nw-dev-paused has `enabled: false`"))),
    ];
    for (a, routing) in alerts_d {
        let id = dev.add_listed(a, LIST_TYPE_ALERT);
        match routing {
            Some((Pass, why)) => x.on(&id).pass("AZ-MON-009", why),
            Some((_, why)) => x.on(&id).fail("AZ-MON-009", why),
            None => x.on(&id).na("AZ-MON-009", "disabled"),
        };
    }
    let failed_signins = dev.add(scheduled_query_rule(&mon_d, "sqr-dev-failed-signins", "eastus", &law_dev,
        "SigninLogs | where ResultType != 0 | summarize count() by UserPrincipalName", &[ag_empty], true, 2));
    x.on(&failed_signins).fail("AZ-MON-009", "ag-nw-dev-empty has no receivers");
    let noisy = dev.add(scheduled_query_rule(&mon_d, "sqr-dev-noisy-pod-restarts", "eastus", &law_dev,
        "KubePodInventory | where PodRestartCount > 5", oncall, false, 4));
    x.on(&noisy).na("AZ-MON-009", "disabled");
    let mut on_d = x.on(&sub_d)
        .fail("AZ-MON-006", "`ala-dev-diag-settings-delete` is scoped to resource group rg-dev-app only")
        .fail("AZ-MON-007", "`ala-dev-law-delete` has `enabled: false`")
        .item("AZ-MON-008", "Microsoft.Authorization/policyAssignments/write", Pass, "`ala-dev-policy-assignment-write` names an action group. That the group is disabled is a MON-009 finding (judgement call 3)")
        .item("AZ-MON-008", "Microsoft.Network/networkSecurityGroups/write", Pass, "`ala-dev-nsg-write` names an action group. That the group does not exist is a MON-009 finding (judgement call 3)");
    for op in ["Microsoft.Authorization/policyAssignments/delete", "Microsoft.Network/networkSecurityGroups/delete",
               "Microsoft.Security/securitySolutions/write", "Microsoft.Security/securitySolutions/delete",
               "Microsoft.Sql/servers/firewallRules/write", "Microsoft.Sql/servers/firewallRules/delete",
               "Microsoft.Network/publicIPAddresses/write", "Microsoft.Network/publicIPAddresses/delete"] {
        on_d = on_d.item("AZ-MON-008", op, Fail, "no matching alert");
    }
    drop(on_d);

    dev.pricings = vec![
        pricing(d, "VirtualMachines", "Standard").body(), // no subPlan: counts as P2
        Pricing { coverage: Some("NotCovered"), ..pricing(d, "SqlServers", "free") }.body(),
        Pricing { coverage: Some("NotCovered"), ..pricing(d, "AppServices", "Free") }.body(),
        Pricing { coverage: Some("NotCovered"), ..pricing(d, "StorageAccounts", "Free") }.body(),
        Pricing { coverage: Some("NotCovered"), ..pricing(d, "KeyVaults", "Free") }.body(),
        Pricing { sub_plan: Some("PerSubscription"), coverage: Some("FullyCovered"), ..pricing(d, "Arm", "Standard") }.body(),
        Pricing { coverage: Some("NotCovered"), ..pricing(d, "Containers", "Standard") }.body(),
        Pricing { coverage: Some("NotCovered"), ..pricing(d, "Api", "Free") }.body(),
    ];
    x.on(&plan(d, "VirtualMachines")).pass("AZ-DEF-001", "Standard with no `subPlan`, which counts as P2 (and no `resourcesCoverageStatus`)");
    x.on(&plan(d, "StorageAccounts")).fail("AZ-DEF-001", "Free");
    x.on(&plan(d, "KeyVaults")).fail("AZ-DEF-001", "Free");
    x.on(&plan(d, "Arm")).pass("AZ-DEF-001", "Standard, FullyCovered");
    x.on(&plan(d, "SqlServers")).fail("AZ-DEF-001", "`\"free\"`");
    x.on(&plan(d, "AppServices")).fail("AZ-DEF-001", "Free");
    x.on(&plan(d, "Containers")).fail("AZ-DEF-001", "Standard, but NotCovered");
    x.on(&plan(d, "CloudPosture")).fail("AZ-DEF-001", "missing from the list");
    dev.contacts = vec![security_contact(d, "default1", json!({
        "emails": format!("dev-oncall@{DOMAIN}"),
        "phone": "",
        "alertNotifications": {"state": "On", "minimalSeverity": "Medium"},
        "notificationsByRole": {"state": "On", "roles": ["Owner", "ServiceAdmin"]},
    }))];
    x.on(&sub_d).pass("AZ-DEF-002", "older shape: `alertNotifications` {On, Medium}, `notificationsByRole` {On, [Owner, ServiceAdmin]}, emails set");
    dev.locks = vec![lock(&sub_d, "lock-sub-nw-dev-nodelete", "CanNotDelete",
        "Whole dev subscription: no deletes without a change ticket")];
    x.on(&law_dev).pass("AZ-LAW-003", "`lock-sub-nw-dev-nodelete` (CanNotDelete on the subscription)");
    x.on(&law_dev_apm).pass("AZ-LAW-003", "`lock-sub-nw-dev-nodelete` (CanNotDelete on the subscription)");
    dev.role_assignments = vec![
        ra(d, &sub_d, OWNER, "hank", "User", true),
        ra(d, &sub_d, OWNER, "ivy", "User", false),
        ra(d, &sub_d, OWNER, "dev-team", "Group", false),
        ra(d, &sub_d, USER_ACCESS_ADMIN, "jack", "User", false),
        ra(d, &sub_d, RBAC_ADMIN, "sp-dev-automation", "ServicePrincipal", true),
        ra(d, &sub_d, CONTRIBUTOR, "sp-dev-pipeline", "ServicePrincipal", false),
        ra(d, &sub_d, READER, "auditors", "Group", false),
        ra(d, &kv_dev_app, KV_ADMIN, "kim", "User", false),
        ra(d, &rg_d("rg-dev-aks"), CONTRIBUTOR, "aks-nw-dev", "ServicePrincipal", false),
    ];
    x.on(&kv_dev_app).fail("AZ-KV-007", "RBAC, 6: hank, ivy and dev-team (Owner on the subscription), jack (User Access Administrator), sp-dev-automation (Role Based Access Control Administrator, tenant form) and kim (Key Vault Administrator on the vault)");
    x.on(&kv_dev_tools).fail("AZ-KV-007", "access policies, 6: hank, ivy, dev-team, jack and sp-dev-automation at subscription scope, plus sp-dev-pipeline (Contributor)");
    dev.sub_diag = vec![subscription_diag_setting(d, "activitylog-dev", activity_categories(ACTIVITY), Some(""), None, true)];
    x.on(&sub_d)
        .fail("AZ-MON-001", "the only setting, `activitylog-dev`, has `\"workspaceId\": \"\"` and no other destination, so it has no destination")
        .fail("AZ-MON-002", "the only setting has no destination")
        .fail("AZ-MON-003", "its `workspaceId` is empty");

    // ============================ tenant (Entra ID) ============================
    let ws_entra = listed_workspace_id(&law_sentinel); // lower-cased, as the portal writes it
    let entra = vec![
        entra_setting("entra-to-sentinel", &[
            ("AuditLogs", true), ("SignInLogs", true), ("NonInteractiveUserSignInLogs", true),
            ("ServicePrincipalSignInLogs", false), ("ManagedIdentitySignInLogs", false),
            ("ProvisioningLogs", true), ("ADFSSignInLogs", false), ("RiskyUsers", true),
            ("UserRiskEvents", true), ("MicrosoftGraphActivityLogs", false),
        ], &EntraDestinations { workspace: &ws_entra, ..Default::default() }),
        entra_setting("entra-archive", &[("AuditLogs", true), ("SignInLogs", true)],
            &EntraDestinations { storage: Some(&st_archive), ..Default::default() }),
        entra_setting("entra-legacy-siem", &[("ServicePrincipalSignInLogs", true)],
            &EntraDestinations { service_bus: Some(&evh_rule), ..Default::default() }),
        entra_setting("entra-mi-test", &[("ManagedIdentitySignInLogs", true)], &EntraDestinations::default()),
    ];
    x.on(&format!("/tenants/{TENANT}"))
        .pass("AZ-ENTRA-001", "AuditLogs and SignInLogs enabled by entra-to-sentinel and by entra-archive")
        .fail("AZ-ENTRA-002", "ManagedIdentitySignInLogs is enabled only in `entra-mi-test`, which has no destination. NonInteractiveUserSignInLogs comes from entra-to-sentinel and ServicePrincipalSignInLogs from entra-legacy-siem (`serviceBusRuleId` counts)")
        .pass("AZ-SEN-001", "law-nw-sentinel-prod and law-nw-dev are onboarded");

    // ================= tamper history and detection coverage (baseline 1.2) =================
    // The Activity Log is in `history.rs`; here the results it must give, and
    // the ATT&CK techniques of nw-prod's analytics rules.
    x.note("AZ-HIST-001", "`trusted_change_callers` is empty in the default baseline: every evidence-impairing event counts. Changes and leads are on the timeline only.");
    x.on(&sub_p).pass("AZ-HIST-001", "only changes (a diagnostic setting and a Defender plan written by the platform pipeline) and leads (storage keys listed, a run command, twelve role assignments); the lock delete failed, so it impairs nothing");
    x.on(&sub_d).fail("AZ-HIST-001", "svc-backup-legacy deleted kv-nw-dev-app's diagnostic setting, purged law-nw-dev and removed the Azure Monitor Agent from vm-nw-dev-build on 2026-11-14, from 203.0.113.66");
    x.on(&format!("/tenants/{TENANT}")).pass("AZ-HIST-001", "the tenant listing holds one change (entra-mi-test written), nothing impairing");
    let ws_s = listed_workspace_id(&law_sentinel);
    if let Some(s) = prod.sentinel.get_mut(&ws_s) {
        for (display, techniques, subs) in [
            ("Evidence tampering: diagnostic setting or workspace deleted", vec!["T1070"], vec!["T1562.008"]),
            ("Password spray against Entra ID", vec!["T1110", "T1078"], vec!["T1110.003"]),
            ("Mass blob download from a log archive", vec!["T1530"], vec![]),
            ("Key Vault secret harvesting", vec![], vec!["T1555.006"]),
        ] {
            let mut body = AlertRule { query: Some("AzureActivity | take 1"), ..alert_rule(&ws_s, "Scheduled", display, true) }.body();
            body["properties"]["techniques"] = json!(techniques);
            body["properties"]["subTechniques"] = json!(subs);
            s.rules.push(body);
        }
    }
    x.on(&law_sentinel).pass("AZ-SEN-005", "T1562 by its sub-technique T1562.008 and T1070 (evidence tampering), T1110 and T1078 (password spray), T1530 (mass blob download), T1555 by T1555.006 (secret harvesting)");
    x.on(&law_dev).fail("AZ-SEN-005", "its only rule is disabled: none of the six required techniques is covered");
    x.on(&law_ops).na("AZ-SEN-005", not_onboarded);
    x.on(&law_dev_apm).na("AZ-SEN-005", not_onboarded);

    let flow = evidence_in_motion(&mut x, &[&prod, &dev], &law_sentinel, &law_ops, &law_dev);
    Estate { subs: vec![prod, dev, legacy], entra, dcrs, flow, expected: x }
}

// ---------------------------------------------------------------------------
// Evidence in motion: what arrived in the SOC workspaces (calls 28–30).
// ---------------------------------------------------------------------------

/// One SOC workspace's query answers, in hours before the scan time (the
/// recording's `recorded_at`; hour 1 is the last full hour).
#[derive(Debug, Clone)]
pub struct FlowWs {
    /// As the workspace list gives it.
    pub workspace: String,
    /// Q1: each security table and the hours (ago) in which it received rows.
    pub tables: Vec<(&'static str, Vec<i64>)>,
    /// Q2: the 95th percentile of ingestion delay, seconds, of the tables
    /// with rows in the last day.
    pub delays: Vec<(&'static str, f64)>,
    /// Q3: (source as the query gives it, table, hours ago of its last row).
    pub sources: Vec<(String, &'static str, i64)>,
}

fn every_hour(from: i64, to: i64) -> Vec<i64> {
    (to..=from).collect()
}

/// A source configured to send to a workspace (AZ-FLOW-004): an id, and the
/// settings' names; from the settings of the estate, as the baseline defines
/// it (a non-empty `workspaceId` and at least one enabled category or group).
fn sources_to(subs: &[&Sub], ws: &str) -> Vec<(String, Vec<String>)> {
    let sends = |st: &Value| {
        st["properties"]["workspaceId"]
            .as_str()
            .is_some_and(|w| w.eq_ignore_ascii_case(ws))
            && st["properties"]["logs"]
                .as_array()
                .is_some_and(|l| l.iter().any(|c| c["enabled"] == json!(true)))
    };
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for s in subs {
        let names: Vec<String> = s
            .sub_diag
            .iter()
            .filter(|st| sends(st))
            .map(|st| st["name"].as_str().unwrap_or_default().to_string())
            .collect();
        if !names.is_empty() {
            out.push((format!("/subscriptions/{}", s.id), names));
        }
        for (id, settings) in &s.diag {
            let names: Vec<String> = settings
                .iter()
                .filter(|st| sends(st))
                .map(|st| st["name"].as_str().unwrap_or_default().to_string())
                .collect();
            if !names.is_empty() {
                out.push((id.clone(), names));
            }
        }
    }
    out
}

/// The table a source's rows land in, or why none of `security_tables` holds them.
fn table_of(source: &str) -> Result<&'static str, &'static str> {
    let s = source.to_ascii_lowercase();
    if !s.contains("/providers/") {
        Ok("AzureActivity")
    } else if s.ends_with("/blobservices/default") {
        Ok("StorageBlobLogs")
    } else if s.ends_with("/fileservices/default") {
        Err("its logs go to StorageFileLogs, which is not one of `security_tables`")
    } else if s.ends_with("/queueservices/default") {
        Err("its logs go to StorageQueueLogs, which is not one of `security_tables`")
    } else if s.ends_with("/tableservices/default") {
        Err("its logs go to StorageTableLogs, which is not one of `security_tables`")
    } else if s.contains("/microsoft.operationalinsights/workspaces/") {
        Err("its audit logs go to LAQueryLogs, which is not one of `security_tables`")
    } else if s.contains("/microsoft.keyvault/vaults/") {
        Ok("AZKVAuditLogs")
    } else {
        Ok("AzureDiagnostics")
    }
}

/// The three SOC workspaces (two onboarded to Sentinel, one named by
/// diagnostic settings), a pass and a fail of each FLOW check, and the
/// FLOW-004 result of every source in the estate.
fn evidence_in_motion(
    x: &mut Expected,
    subs: &[&Sub],
    sentinel: &str,
    ops: &str,
    dev: &str,
) -> Vec<FlowWs> {
    let mut audit = every_hour(335, 151);
    audit.extend(every_hour(119, 1));
    let sen = FlowWs {
        workspace: listed_workspace_id(sentinel),
        tables: vec![
            ("SigninLogs", every_hour(335, 1)),
            ("AuditLogs", audit),
            ("AADNonInteractiveUserSignInLogs", every_hour(335, 75)),
            ("AzureActivity", every_hour(335, 1)),
            ("AzureDiagnostics", every_hour(335, 1)),
            ("AZKVAuditLogs", (1..=335).filter(|h| h % 3 == 1).collect()),
            ("StorageBlobLogs", every_hour(335, 1)),
            ("SecurityEvent", every_hour(335, 1)),
            ("Syslog", every_hour(335, 1)),
        ],
        delays: vec![
            ("SigninLogs", 240.0),
            ("AuditLogs", 310.0),
            ("AzureActivity", 180.0),
            ("AzureDiagnostics", 150.0),
            ("AZKVAuditLogs", 95.0),
            ("StorageBlobLogs", 120.0),
            ("SecurityEvent", 60.0),
            ("Syslog", 45.0),
        ],
        sources: Vec::new(),
    };
    x.on(sentinel)
        .fail("AZ-FLOW-001", "AADNonInteractiveUserSignInLogs received nothing for the last 74 hours (3 days 2 hours, more than 24): the non-interactive sign-in category was switched off at the source")
        .fail("AZ-FLOW-002", "AuditLogs stopped for 31 hours (2026-11-13T14:00Z to 2026-11-14T21:00Z) and resumed: the pattern of logging disabled and re-enabled")
        .pass("AZ-FLOW-003", "every security table with rows in the last day has a 95th-percentile delay of at most 5.2 minutes");
    let ops_ws = FlowWs {
        workspace: listed_workspace_id(ops),
        tables: vec![
            ("AzureDiagnostics", every_hour(335, 1)),
            ("StorageBlobLogs", every_hour(335, 1)),
        ],
        delays: vec![("AzureDiagnostics", 2820.0), ("StorageBlobLogs", 200.0)],
        sources: Vec::new(),
    };
    x.on(ops)
        .pass("AZ-FLOW-001", "a SOC workspace because diagnostic settings name it (not onboarded); AzureDiagnostics and StorageBlobLogs received rows in the last hour")
        .pass("AZ-FLOW-002", "no gaps in AzureDiagnostics or StorageBlobLogs")
        .fail("AZ-FLOW-003", "AzureDiagnostics arrives 47 minutes late at the 95th percentile (more than 15)");
    let dev_ws = FlowWs {
        workspace: listed_workspace_id(dev),
        tables: vec![
            ("AzureDiagnostics", every_hour(335, 1)),
            ("AZKVAuditLogs", (1..=335).filter(|h| h % 2 == 1).collect()),
            ("StorageBlobLogs", every_hour(335, 1)),
            ("Syslog", every_hour(335, 1)),
        ],
        delays: vec![
            ("AzureDiagnostics", 300.0),
            ("AZKVAuditLogs", 120.0),
            ("StorageBlobLogs", 400.0),
            ("Syslog", 90.0),
        ],
        sources: Vec::new(),
    };
    x.on(dev)
        .pass("AZ-FLOW-001", "four security tables with rows in the last hour; the six tables that never received a row are named, not judged")
        .pass("AZ-FLOW-002", "AZKVAuditLogs has rows every other hour: one empty hour is no gap")
        .pass("AZ-FLOW-003", "the slowest table, StorageBlobLogs, has a 95th-percentile delay of 6.7 minutes");
    // Sources that were quiet on purpose: nobody used them in the window.
    let quiet: &[(&str, &str)] = &[
        ("pip-nw-prod-agw", "a public IP address logs only DDoS events, and there were none: a source with no activity writes no logs (waivable)"),
        ("stnwprodbackup", "the backup account's blob service had no reads or writes in 14 days (waivable)"),
        ("logic-nw-dev-test", "the test workflow did not run in 14 days (waivable)"),
    ];
    let mut out = Vec::new();
    for (ws_id, mut w) in [(sentinel, sen), (ops, ops_ws), (dev, dev_ws)] {
        for (source, settings) in sources_to(subs, ws_id) {
            let quiet_why = quiet
                .iter()
                .find(|(n, _)| source.split('/').any(|seg| seg == *n))
                .map(|(_, why)| *why);
            let settings = settings.join("', '");
            match (table_of(&source), quiet_why) {
                (Ok(table), None) => {
                    let ago = if table == "AZKVAuditLogs" { 4 } else { 2 };
                    w.sources.push((source.to_lowercase(), table, ago));
                    x.on(&source).item(
                        "AZ-FLOW-004",
                        &w.workspace,
                        Pass,
                        &format!("rows in {table} from `{settings}`"),
                    );
                }
                (Ok(_), Some(why)) => {
                    x.on(&source).item("AZ-FLOW-004", &w.workspace, Fail, why);
                }
                (Err(why), _) => {
                    x.on(&source).item("AZ-FLOW-004", &w.workspace, Fail, why);
                }
            }
        }
        // A row from a resource no setting names (a connector's, say) changes nothing.
        w.sources.push((String::new(), "SigninLogs", 1));
        out.push(w);
    }
    x.note("AZ-FLOW-004", "One result per source and SOC workspace (the item). Storage file, queue and table services and workspaces send to tables outside `security_tables`, so no row of theirs can be found: add those tables to the parameter, or waive.");
    out
}
