//! From the demo estate to a recording: the exchanges a complete scan makes,
//! in the order it makes them, and the two test variants (a subscription
//! that answers 403 with a malformed vault; a throttled read and a paged list).

use super::estate::{Estate, Sub, DEV, LEGACY, PROD, TENANT};
use super::Scenario;
use crate::generate::arm::{self, listing, resource_item, services_of};
use azward::azure::api::{self, Call};
use azward::azure::recording::PUBLIC_ARM;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const RECORDED_AT: &str = "2026-11-20T09:00:00Z";
const TOOL: &str = "azward 0.1.0 (demo generator)";

/// One exchange: `{path}?api-version=…` (or `&api-version` after a query).
fn get(path: &str, call: &Call, body: Value) -> Value {
    exchange(path, call, 200, None, body)
}

fn exchange(path: &str, call: &Call, status: u16, headers: Option<Value>, body: Value) -> Value {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut ex = json!({"method": "GET", "url": format!("{path}{sep}api-version={}", call.api_version),
        "status": status});
    if let Some(h) = headers {
        ex["headers"] = h;
    }
    ex["body"] = body;
    ex
}

/// The per-subscription lists (calls 4–27 read once per subscription), with
/// the action a 403 names.
const SUB_LISTS: &[(&Call, &str, &str)] = &[
    (
        &api::RESOURCES,
        "/resources",
        "Microsoft.Resources/subscriptions/resources/read",
    ),
    (
        &api::SUB_DIAGNOSTICS,
        "/providers/Microsoft.Insights/diagnosticSettings",
        "Microsoft.Insights/diagnosticSettings/read",
    ),
    (
        &api::VAULTS,
        "/providers/Microsoft.KeyVault/vaults",
        "Microsoft.KeyVault/vaults/read",
    ),
    (
        &api::STORAGE_ACCOUNTS,
        "/providers/Microsoft.Storage/storageAccounts",
        "Microsoft.Storage/storageAccounts/read",
    ),
    (
        &api::WORKSPACES,
        "/providers/Microsoft.OperationalInsights/workspaces",
        "Microsoft.OperationalInsights/workspaces/read",
    ),
    (
        &api::ACTIVITY_LOG_ALERTS,
        "/providers/Microsoft.Insights/activityLogAlerts",
        "Microsoft.Insights/activityLogAlerts/read",
    ),
    (
        &api::SCHEDULED_QUERY_RULES,
        "/providers/Microsoft.Insights/scheduledQueryRules",
        "Microsoft.Insights/scheduledQueryRules/read",
    ),
    (
        &api::ACTION_GROUPS,
        "/providers/Microsoft.Insights/actionGroups",
        "Microsoft.Insights/actionGroups/read",
    ),
    (
        &api::PRICINGS,
        "/providers/Microsoft.Security/pricings",
        "Microsoft.Security/pricings/read",
    ),
    (
        &api::SECURITY_CONTACTS,
        "/providers/Microsoft.Security/securityContacts",
        "Microsoft.Security/securityContacts/read",
    ),
    (
        &api::NETWORK_WATCHERS,
        "/providers/Microsoft.Network/networkWatchers",
        "Microsoft.Network/networkWatchers/read",
    ),
    (
        &api::LOCKS,
        "/providers/Microsoft.Authorization/locks",
        "Microsoft.Authorization/locks/read",
    ),
    (
        &api::ROLE_ASSIGNMENTS,
        "/providers/Microsoft.Authorization/roleAssignments",
        "Microsoft.Authorization/roleAssignments/read",
    ),
    (
        &api::VIRTUAL_NETWORKS,
        "/providers/Microsoft.Network/virtualNetworks",
        "Microsoft.Network/virtualNetworks/read",
    ),
    (
        &api::NSGS,
        "/providers/Microsoft.Network/networkSecurityGroups",
        "Microsoft.Network/networkSecurityGroups/read",
    ),
    (
        &api::VIRTUAL_MACHINES,
        "/providers/Microsoft.Compute/virtualMachines",
        "Microsoft.Compute/virtualMachines/read",
    ),
    (
        &api::ARC_MACHINES,
        "/providers/Microsoft.HybridCompute/machines",
        "Microsoft.HybridCompute/machines/read",
    ),
];

fn bodies(sub: &Sub, rtype: &str) -> Vec<Value> {
    sub.of_type(rtype)
        .into_iter()
        .map(|r| r.body.clone())
        .collect()
}

/// The body of one per-subscription list.
fn sub_list_body(sub: &Sub, call: &Call) -> Value {
    let items = match call.row {
        "4" => sub
            .resources
            .iter()
            .map(|r| resource_item(&r.body, r.list_type))
            .collect(),
        "5" => sub.sub_diag.clone(),
        "6" => bodies(sub, arm::T_VAULT),
        "7" => bodies(sub, arm::T_STORAGE),
        "10" => sub
            .of_type(arm::T_WORKSPACE)
            .into_iter()
            .map(|w| {
                let mut w = w.body.clone();
                let listed = arm::listed_workspace_id(w["id"].as_str().unwrap_or_default());
                w["id"] = json!(listed);
                w
            })
            .collect(),
        "13" => bodies(sub, arm::T_ALERT),
        "14" => bodies(sub, arm::T_SQR),
        "15" => bodies(sub, arm::T_AG),
        "16" => sub.pricings.clone(),
        "17" => sub.contacts.clone(),
        "18" => bodies(sub, arm::T_WATCHER),
        "20" => sub.locks.clone(),
        "21" => sub.role_assignments.clone(),
        "26" => bodies(sub, arm::T_VNET),
        "27" => bodies(sub, arm::T_NSG),
        "31" => bodies(sub, arm::T_VM),
        "32" => bodies(sub, arm::T_ARC),
        row => unreachable!("call {row} is not a subscription list"),
    };
    listing(items)
}

/// The resource types with diagnostic settings (specs/recording.md,
/// "Log-capable resource types").
const LOG_CAPABLE: &[&str] = &[
    arm::T_VAULT,
    arm::T_STORAGE,
    arm::T_WORKSPACE,
    arm::T_NSG,
    arm::T_AGW,
    arm::T_AFW,
    arm::T_PIP,
    arm::T_SQLDB,
    arm::T_SITE,
    arm::T_AKS,
    arm::T_EVHNS,
    arm::T_LOGIC,
];

/// Ids (lower case) named as `storageAccountId` by any setting, or as
/// `storageId` by any flow log: the log archive accounts.
fn archive_accounts(subs: &[&Sub], entra: &[Value]) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    let mut settings: Vec<&Value> = entra.iter().collect();
    for s in subs {
        settings.extend(&s.sub_diag);
        settings.extend(s.diag.values().flatten());
        for f in s.flow_logs.values().flatten() {
            if let Some(id) = f["properties"]["storageId"]
                .as_str()
                .filter(|s| !s.is_empty())
            {
                named.insert(id.to_lowercase());
            }
        }
    }
    for st in settings {
        if let Some(id) = st["properties"]["storageAccountId"]
            .as_str()
            .filter(|s| !s.is_empty())
        {
            named.insert(id.to_lowercase());
        }
    }
    named
}

/// Calls 12, 8, 11, 22–25, 19, 9 and 9a of one subscription, in resource-list order.
fn per_resource_exchanges(sub: &Sub, archives: &BTreeSet<String>) -> Vec<Value> {
    let mut out = Vec::new();
    let diag = |id: &str| listing(sub.diag.get(id).cloned().unwrap_or_default());
    let settings = "/providers/Microsoft.Insights/diagnosticSettings";
    for r in &sub.resources {
        let t = r.rtype();
        if !LOG_CAPABLE.iter().any(|c| c.eq_ignore_ascii_case(t)) {
            continue;
        }
        if t.eq_ignore_ascii_case(arm::T_STORAGE) {
            for svc in services_of(&r.body) {
                let sid = format!("{}/{svc}Services/default", r.id());
                out.push(get(
                    &format!("{sid}{settings}"),
                    &api::RESOURCE_DIAGNOSTICS,
                    diag(&sid),
                ));
            }
        } else {
            out.push(get(
                &format!("{}{settings}", r.id()),
                &api::RESOURCE_DIAGNOSTICS,
                diag(r.id()),
            ));
        }
    }
    for a in sub.of_type(arm::T_STORAGE) {
        if services_of(&a.body).contains(&"blob") {
            out.push(get(
                &format!("{}/blobServices/default", a.id()),
                &api::BLOB_SERVICE,
                sub.blob_services[a.id()].clone(),
            ));
        }
    }
    for w in sub.of_type(arm::T_WORKSPACE) {
        let wid = arm::listed_workspace_id(w.id());
        out.push(get(
            &format!("{wid}/tables"),
            &api::TABLES,
            listing(sub.tables.get(&wid).cloned().unwrap_or_default()),
        ));
        let sen = sub.sentinel.get(&wid);
        let si = |kind: &str| format!("{wid}/providers/Microsoft.SecurityInsights/{kind}");
        let states = if sen.is_some() {
            vec![arm::onboarding_state(&wid)]
        } else {
            Vec::new()
        };
        out.push(get(
            &si("onboardingStates"),
            &api::ONBOARDING_STATES,
            listing(states),
        ));
        if let Some(sen) = sen {
            out.push(get(
                &si("dataConnectors"),
                &api::DATA_CONNECTORS,
                listing(sen.connectors.clone()),
            ));
            out.push(get(
                &si("alertRules"),
                &api::ALERT_RULES,
                listing(sen.rules.clone()),
            ));
            out.push(get(
                &si("settings"),
                &api::SENTINEL_SETTINGS,
                listing(sen.settings.clone()),
            ));
        }
    }
    for wt in sub.of_type(arm::T_WATCHER) {
        out.push(get(
            &format!("{}/flowLogs", wt.id()),
            &api::FLOW_LOGS,
            listing(sub.flow_logs.get(wt.id()).cloned().unwrap_or_default()),
        ));
    }
    for m in sub
        .of_type(arm::T_VM)
        .into_iter()
        .chain(sub.of_type(arm::T_ARC))
    {
        let call = if m.rtype().eq_ignore_ascii_case(arm::T_ARC) {
            &api::ARC_EXTENSIONS
        } else {
            &api::VM_EXTENSIONS
        };
        out.push(get(
            &format!("{}/extensions", m.id()),
            call,
            listing(sub.extensions.get(m.id()).cloned().unwrap_or_default()),
        ));
        out.push(get(
            &format!(
                "{}/providers/Microsoft.Insights/dataCollectionRuleAssociations",
                m.id()
            ),
            &api::DCR_ASSOCIATIONS,
            listing(
                sub.dcr_associations
                    .get(m.id())
                    .cloned()
                    .unwrap_or_default(),
            ),
        ));
    }
    for a in sub.of_type(arm::T_STORAGE) {
        if !archives.contains(&a.id().to_lowercase()) {
            continue;
        }
        let items = sub.containers.get(a.id()).cloned().unwrap_or_default();
        out.push(get(
            &format!("{}/blobServices/default/containers", a.id()),
            &api::CONTAINERS,
            listing(items.clone()),
        ));
        for ci in &items {
            let p = &ci["properties"];
            let unlisted = ci["name"]
                .as_str()
                .unwrap_or_default()
                .starts_with("insights-")
                && p["hasImmutabilityPolicy"].as_bool().unwrap_or(false)
                && p.get("immutabilityPolicy").is_none();
            if unlisted {
                let cid = ci["id"].as_str().unwrap_or_default();
                out.push(get(
                    &format!("{cid}/immutabilityPolicies/default"),
                    &api::IMMUTABILITY_POLICY,
                    sub.imm_policies[cid].clone(),
                ));
            }
        }
    }
    out
}

/// The principal the partial-failure recording pretends to be.
fn authorization_failed(sub: &str, action: &str) -> Value {
    let app = super::estate::guid("principal:azward-demo-reader:app");
    let object = super::estate::guid("principal:azward-demo-reader:object");
    json!({"error": {"code": "AuthorizationFailed", "message": format!(
        "The client '{app}' with object id '{object}' does not have authorization to perform action '{action}' over scope \
         '/subscriptions/{sub}' or the scope is invalid. If access is through delegation, please refresh your \
         credentials.")}})
}

/// The vault list with one vault's fields given the wrong types.
fn malform_vault(body: Value, name: &str) -> Value {
    let items: Vec<Value> = body["value"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut v| {
            if v["name"] == name {
                v["properties"]["enableRbacAuthorization"] = json!("yes please");
                v["properties"]["networkAcls"] = json!(42);
            }
            v
        })
        .collect();
    listing(items)
}

/// Every exchange of a complete scan of the estate, as the scenario reads it.
pub fn build(estate: &Estate, scenario: Scenario) -> Vec<Value> {
    let subs: Vec<Value> = estate
        .subs
        .iter()
        .map(|s| {
            let env = s.name.rsplit('-').next().unwrap_or_default();
            let tags = json!({"company": "Northwind Forensics Demo", "env": env});
            arm::subscription_item(s.id, s.name, s.state, TENANT, tags)
        })
        .collect();
    let mut out = vec![
        get("/subscriptions", &api::SUBSCRIPTIONS, listing(subs)),
        get(
            "/providers/microsoft.aadiam/diagnosticSettings",
            &api::ENTRA_DIAGNOSTICS,
            listing(estate.entra.clone()),
        ),
    ];
    let enabled: Vec<&Sub> = estate
        .subs
        .iter()
        .filter(|s| s.state == "Enabled")
        .collect();
    let archives = archive_accounts(&enabled, &estate.entra);
    let mut named_rules = BTreeSet::new();
    for (n, sub) in enabled.iter().enumerate() {
        let denied = scenario == Scenario::PartialFailure && n == 1;
        for (call, suffix, action) in SUB_LISTS {
            let path = format!("/subscriptions/{}{suffix}", sub.id);
            if denied {
                out.push(exchange(
                    &path,
                    call,
                    403,
                    Some(json!({"x-ms-failure-cause": "gateway"})),
                    authorization_failed(sub.id, action),
                ));
                continue;
            }
            let mut body = sub_list_body(sub, call);
            let first = n == 0;
            if scenario == Scenario::PartialFailure && first && call.row == "6" {
                body = malform_vault(body, "kv-nw-prod-payments");
            }
            if scenario == Scenario::Throttled && first && call.row == "7" {
                out.push(exchange(&path, call, 429, Some(json!({"Retry-After": "1"})), json!({"error": {
                    "code": "TooManyRequests",
                    "message": "The request is being throttled as the limit has been reached for operation type \
                                - Read_ObservationWindow_00:00:05. For more information, see - \
                                https://aka.ms/srpthrottlinglimits"}})));
            }
            if scenario == Scenario::Throttled && first && call.row == "6" {
                let page2 = format!("{path}?api-version={}&$skiptoken=page2", call.api_version);
                let items = body["value"].as_array().cloned().unwrap_or_default();
                let (a, b) = items.split_at(2.min(items.len()));
                out.push(get(
                    &path,
                    call,
                    json!({"value": a, "nextLink": format!("{PUBLIC_ARM}{page2}")}),
                ));
                out.push(
                    json!({"method": "GET", "url": page2, "status": 200, "body": {"value": b}}),
                );
                continue;
            }
            out.push(get(&path, call, body));
        }
        if !denied {
            out.extend(per_resource_exchanges(sub, &archives));
            named_rules.extend(
                sub.dcr_associations
                    .values()
                    .flatten()
                    .filter_map(|a| a["properties"]["dataCollectionRuleId"].as_str())
                    .map(str::to_lowercase),
            );
        }
    }
    out.extend(history_exchanges(&enabled, scenario));
    // Call 35, once every subscription is read: each rule an association
    // names, once, wherever it lives.
    for rule in &estate.dcrs {
        let id = rule["id"].as_str().unwrap_or_default();
        if named_rules.contains(&id.to_lowercase()) {
            out.push(get(id, &api::DATA_COLLECTION_RULE, rule.clone()));
        }
    }
    // Calls 28–30, once rules and settings are read: each SOC workspace's
    // queries (a denied subscription lists no workspace to query).
    let denied_sub = (scenario == Scenario::PartialFailure).then_some(DEV);
    for w in &estate.flow {
        if denied_sub.is_some_and(|d| w.workspace.contains(d)) {
            continue;
        }
        let refused =
            scenario == Scenario::PartialFailure && w.workspace.ends_with("law-nw-ops-prod");
        out.extend(flow_exchanges(w, refused));
    }
    out
}

/// The query API's answer: one `PrimaryResult` table, columns by name.
fn query_answer(columns: &[(&str, &str)], rows: Vec<Value>) -> Value {
    let columns: Vec<Value> = columns
        .iter()
        .map(|(n, t)| json!({"name": n, "type": t}))
        .collect();
    json!({"tables": [{"name": "PrimaryResult", "columns": columns, "rows": rows}]})
}

/// Calls 28–30 of one SOC workspace, with the hours counted back from the
/// recording's `recorded_at`. `refused`: Q1 answers 403 (no Log Analytics
/// Reader on the workspace), Q2 and Q3 as usual.
fn flow_exchanges(w: &super::estate::FlowWs, refused: bool) -> Vec<Value> {
    use azward::azure::flow::{query_url, FlowQueries};
    use azward::util::text::{parse_rfc3339, utc_seconds};
    let now = parse_rfc3339(RECORDED_AT).expect("RECORDED_AT is RFC 3339");
    let hour = |ago: i64| utc_seconds((now / 3600 - ago) * 3600);
    let q = FlowQueries::default();
    let exchange_of = |query: &str, status: u16, body: Value| json!({"method": "GET", "url": query_url(&w.workspace, query), "status": status, "body": body});
    let mut hourly = Vec::new();
    for (t, hours) in &w.tables {
        // Oldest first, as the query service happens to give them.
        for h in hours.iter().rev() {
            let rows = 20 + (h * 37 + t.len() as i64 * 11) % 50;
            hourly.push(json!([t, hour(*h), rows]));
        }
    }
    let q1 = if refused {
        exchange_of(
            &q.q1(),
            403,
            json!({"error": {"code": "InsufficientAccessError", "message": "The provided credentials have insufficient access to perform the requested operation"}}),
        )
    } else {
        exchange_of(
            &q.q1(),
            200,
            query_answer(
                &[
                    ("SourceTable", "string"),
                    ("Hour", "datetime"),
                    ("Rows", "long"),
                ],
                hourly,
            ),
        )
    };
    let delays = w.delays.iter().map(|(t, d)| json!([t, d])).collect();
    let sources = w
        .sources
        .iter()
        .map(|(s, t, ago)| json!([t, s, utc_seconds(now - ago * 3600 + 754)]))
        .collect();
    vec![
        q1,
        exchange_of(
            &q.q2(),
            200,
            query_answer(
                &[("SourceTable", "string"), ("DelaySeconds", "real")],
                delays,
            ),
        ),
        exchange_of(
            &q.q3(),
            200,
            query_answer(
                &[
                    ("SourceTable", "string"),
                    ("Source", "string"),
                    ("LastRow", "datetime"),
                ],
                sources,
            ),
        ),
    ]
}

/// Rows 36–37 (baseline 1.2): each enabled subscription's Activity Log, one
/// listing per provider with the fixed filter for the header's `recorded_at`,
/// and the tenant's. In the throttled variant nw-prod's Authorization listing
/// (twelve role assignments) comes in two pages; in the partial-failure
/// variant nw-dev's listings answer 403 like its lists.
fn history_exchanges(enabled: &[&Sub], scenario: Scenario) -> Vec<Value> {
    let scan_time = azward::util::scan_time::parse(RECORDED_AT).expect("RECORDED_AT parses");
    let window = azward::azure::scan::HistoryOptions::default().window(scan_time);
    let h = super::history::build();
    let raw = |url: String, status: u16, body: Value| json!({"method": "GET", "url": url, "status": status, "body": body});
    let mut out = Vec::new();
    for (n, sub) in enabled.iter().enumerate() {
        let denied = scenario == Scenario::PartialFailure && n == 1;
        let events = h.subscriptions.get(sub.id).cloned().unwrap_or_default();
        for provider in api::HISTORY_PROVIDERS {
            let filter = api::history_filter(&window.start, &window.end, Some(provider));
            let url = api::history_url(Some(sub.id), &filter);
            if denied {
                out.push(raw(
                    url,
                    403,
                    authorization_failed(sub.id, "Microsoft.Insights/eventtypes/values/read"),
                ));
                continue;
            }
            let items: Vec<Value> = super::history::of_provider(&events, provider)
                .into_iter()
                .cloned()
                .collect();
            if scenario == Scenario::Throttled && n == 0 && provider == "Microsoft.Authorization" {
                let page2 = format!("{url}&%24skiptoken=hist2");
                let (a, b) = items.split_at(items.len() / 2);
                out.push(raw(
                    url,
                    200,
                    json!({"value": a, "nextLink": format!("{PUBLIC_ARM}{page2}")}),
                ));
                out.push(raw(page2, 200, json!({"value": b})));
            } else {
                out.push(raw(url, 200, listing(items)));
            }
        }
    }
    let filter = api::history_filter(&window.start, &window.end, None);
    out.push(raw(api::history_url(None, &filter), 200, listing(h.tenant)));
    out
}

/// The comment lines at the top of each recording, naming the command that
/// writes it.
fn comments(scenario: Scenario) -> Vec<String> {
    match scenario {
        Scenario::Demo => vec![
            "azward demo estate: Northwind Forensics Demo (fictional company, made-up ids).".into(),
            format!("Subscriptions: nw-prod {PROD}, nw-dev {DEV}, nw-legacy {LEGACY} (Disabled: skipped)."),
            format!("Tenant {TENANT}. Expected results per check: demo/EXPECTED.md."),
            "GENERATED by `cargo run -p azward-lab -- generate --scenario all` (lab/src/generate/demo/) -- do not edit by hand.".into(),
        ],
        Scenario::PartialFailure => vec![
            "Test recording derived from the demo estate (lab/src/generate/demo/; do not edit by hand).".into(),
            format!("Every per-subscription list of nw-dev ({DEV}) answers 403 AuthorizationFailed;"),
            "no per-resource reads of nw-dev are recorded. In nw-prod's vault list, kv-nw-prod-payments has".into(),
            "enableRbacAuthorization \"yes please\" and networkAcls 42 (wrong types); its diagnostic settings read is intact.".into(),
        ],
        Scenario::Throttled => vec![
            "Test recording derived from the demo estate (lab/src/generate/demo/; do not edit by hand).".into(),
            "nw-prod's storage account list answers 429 (Retry-After: 1) once, then 200;".into(),
            "nw-prod's vault list comes in two pages joined by an absolute nextLink ($skiptoken=page2),".into(),
            "and so does its Microsoft.Authorization Activity Log listing (%24skiptoken=hist2).".into(),
        ],
    }
}

/// The recording's text: comments, the header, one exchange per line.
pub fn render(exchanges: &[Value], scenario: Scenario) -> String {
    let mut text = String::new();
    for c in comments(scenario) {
        text.push_str(&format!("# {c}\n"));
    }
    text.push_str(&format!(
        "{{\"recording\": 1, \"cloud\": \"AzureCloud\", \"tenant_id\": \"{TENANT}\", \"recorded_at\": \"{RECORDED_AT}\", \"tool\": \"{TOOL}\"}}\n"
    ));
    for e in exchanges {
        text.push_str(&serde_json::to_string(e).expect("a JSON value serializes"));
        text.push('\n');
    }
    text
}
