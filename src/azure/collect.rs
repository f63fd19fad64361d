//! Collectors: read the call set through the [`ArmClient`] and build the
//! [`Inventory`]. Every read's outcome is kept, failures included, so the
//! checks can tell "empty" from "unreadable".

use crate::azure::api::{self, id_path, sub_url, Call};
use crate::azure::http::ArmClient;
use crate::inventory::*;
use futures::future::join_all;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};

/// Which subscriptions a scan covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every subscription the identity can see.
    All,
    /// Only these (GUIDs), each read with `GET /subscriptions/{id}`.
    Subscriptions(Vec<String>),
    /// The subscriptions under a management group, at any depth.
    ManagementGroup(String),
}

/// A failure that leaves nothing to assess.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("could not list subscriptions: {0}")]
    Subscriptions(ReadError),
    #[error("could not list the descendants of management group {group}: {error}")]
    ManagementGroup { group: String, error: ReadError },
}

async fn list<T: DeserializeOwned>(client: &ArmClient, url: String) -> Read<Listing<T>> {
    client.list(&url).await.map(Listing::parse)
}

async fn get<T: DeserializeOwned>(client: &ArmClient, url: String) -> Read<T> {
    let v = client.get(&url).await?;
    serde_json::from_value(v).map_err(|e| ReadError {
        request: format!("GET {url}"),
        status: Some(200),
        code: "MalformedBody".into(),
        message: format!("the body does not have the expected shape: {e}"),
    })
}

/// Reads the estate.
pub async fn collect(
    client: &ArmClient,
    target: &Target,
    tenant_id: Option<String>,
) -> Result<Inventory, CollectError> {
    let mut inv = Inventory::new(tenant_id);
    let (subs, entra) = tokio::join!(
        discover(client, target),
        list::<DiagnosticSetting>(
            client,
            api::ENTRA_DIAGNOSTICS.url("/providers/microsoft.aadiam", "/diagnosticSettings")
        ),
    );
    inv.entra_diagnostic_settings = entra;
    let subs = subs?;

    // Per-subscription lists, all subscriptions at once (the client bounds concurrency).
    inv.subscriptions = join_all(subs.into_iter().map(|s| read_subscription(client, s))).await;
    inv.subscriptions.sort_by(|a, b| a.id.cmp(&b.id));

    read_per_resource(client, &mut inv).await;
    read_dependent(client, &mut inv).await;
    Ok(inv)
}

/// Finds the subscriptions in scope, with their status.
async fn discover(client: &ArmClient, target: &Target) -> Result<Vec<Subscription>, CollectError> {
    match target {
        Target::Subscriptions(ids) => {
            let mut seen = BTreeSet::new();
            let unique: Vec<&String> = ids
                .iter()
                .filter(|id| seen.insert(id.to_ascii_lowercase()))
                .collect();
            let reads = join_all(unique.iter().map(|id| async move {
                let url = api::SUBSCRIPTIONS.url(&format!("/subscriptions/{id}"), "");
                (id.to_string(), get::<SubscriptionBody>(client, url).await)
            }))
            .await;
            Ok(reads
                .into_iter()
                .map(|(id, r)| match r {
                    Ok(body) => from_body(&body, 0)
                        .unwrap_or_else(|| failed_subscription(&id, missing_id_error(&id))),
                    Err(e) => failed_subscription(&id, e),
                })
                .collect())
        }
        Target::All => list_subscriptions(client).await,
        Target::ManagementGroup(group) => {
            let url = api::MG_DESCENDANTS.url(
                &format!("/providers/Microsoft.Management/managementGroups/{group}"),
                "/descendants",
            );
            let (descendants, visible) =
                tokio::join!(list::<Descendant>(client, url), list_subscriptions(client));
            let descendants = descendants.map_err(|error| CollectError::ManagementGroup {
                group: group.clone(),
                error,
            })?;
            let visible = visible?;
            let mut out = Vec::new();
            let mut seen = BTreeSet::new();
            for d in &descendants.items {
                let is_sub = d.kind.as_deref().is_some_and(|k| {
                    k.eq_ignore_ascii_case("Microsoft.Management/managementGroups/subscriptions")
                });
                let Some(id) = d
                    .name
                    .clone()
                    .or_else(|| d.id.as_deref().map(|i| last_segment(i).to_string()))
                else {
                    continue;
                };
                if !is_sub || !seen.insert(id.to_ascii_lowercase()) {
                    continue;
                }
                match visible.iter().find(|s| s.id.eq_ignore_ascii_case(&id)) {
                    Some(s) => out.push(s.clone()),
                    None => {
                        let mut s = failed_subscription(
                            &id,
                            ReadError {
                                request: format!("GET {}", api::SUBSCRIPTIONS.url("/subscriptions", "")),
                                status: None,
                                code: "SubscriptionNotVisible".into(),
                                message: format!("subscription {id} is under management group {group} but not visible to this identity"),
                            },
                        );
                        s.display_name = d.properties.as_ref().and_then(|p| p.display_name.clone());
                        out.push(s);
                    }
                }
            }
            for m in &descendants.malformed {
                let id =
                    m.id.clone()
                        .unwrap_or_else(|| format!("unreadable-descendant-{}", m.position));
                out.push(failed_subscription(
                    last_segment(&id),
                    ReadError {
                        request: "GET management group descendants".into(),
                        status: Some(200),
                        code: "MalformedBody".into(),
                        message: format!(
                            "descendant {} could not be parsed: {}",
                            m.position, m.error
                        ),
                    },
                ));
            }
            Ok(out)
        }
    }
}

async fn list_subscriptions(client: &ArmClient) -> Result<Vec<Subscription>, CollectError> {
    let listing = list::<SubscriptionBody>(client, api::SUBSCRIPTIONS.url("/subscriptions", ""))
        .await
        .map_err(CollectError::Subscriptions)?;
    let mut out: Vec<Subscription> = Vec::new();
    for (i, body) in listing.items.iter().enumerate() {
        match from_body(body, i) {
            Some(s) if !out.iter().any(|o| o.id == s.id) => out.push(s),
            Some(_) => {}
            None => out.push(failed_subscription(
                &format!("unreadable-item-{i}"),
                missing_id_error("the subscriptions list"),
            )),
        }
    }
    for m in &listing.malformed {
        let id =
            m.id.as_deref()
                .and_then(subscription_of)
                .unwrap_or_else(|| format!("unreadable-item-{}", m.position));
        out.push(failed_subscription(
            &id,
            ReadError {
                request: format!("GET {}", api::SUBSCRIPTIONS.url("/subscriptions", "")),
                status: Some(200),
                code: "MalformedBody".into(),
                message: format!(
                    "item {} of the subscriptions list could not be parsed: {}",
                    m.position, m.error
                ),
            },
        ));
    }
    Ok(out)
}

fn missing_id_error(what: &str) -> ReadError {
    ReadError {
        request: format!("GET {what}"),
        status: Some(200),
        code: "MalformedBody".into(),
        message: "a subscription without a subscriptionId".into(),
    }
}

/// A subscription from its body; `None` when it has no readable id.
fn from_body(body: &SubscriptionBody, _position: usize) -> Option<Subscription> {
    let id = body
        .subscription_id
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| body.id.as_deref().and_then(subscription_of))?;
    let state = body.state.clone();
    let status = match state.as_deref() {
        Some(st) if st.eq_ignore_ascii_case("Disabled") || st.eq_ignore_ascii_case("Deleted") => {
            SubscriptionStatus::Skipped {
                reason: format!("subscription state is {st}"),
            }
        }
        _ => SubscriptionStatus::Scanned,
    };
    let mut s = Subscription::unread(&id, status);
    s.display_name = body.display_name.clone();
    s.state = state;
    s.tenant_id = body.tenant_id.clone();
    Some(s)
}

/// A subscription that could not be read: every list carries the cause, so
/// every check reports one `error` on it.
fn failed_subscription(id: &str, error: ReadError) -> Subscription {
    Subscription::failed(
        id,
        SubscriptionStatus::Error {
            error: error.clone(),
        },
        &error,
    )
}

/// Calls 4–7, 10, 13–18, 20, 21, 26, 27 for one subscription.
async fn read_subscription(client: &ArmClient, mut s: Subscription) -> Subscription {
    if s.status != SubscriptionStatus::Scanned {
        return s;
    }
    let id = s.id.clone();
    let u = |c: &Call, p: &str| sub_url(c, &id, p);
    let (resources, diag, vaults, storage, workspaces, alerts, sqr, groups) = tokio::join!(
        list(client, u(&api::RESOURCES, "/resources")),
        list(
            client,
            u(
                &api::SUB_DIAGNOSTICS,
                "/providers/Microsoft.Insights/diagnosticSettings"
            )
        ),
        list(
            client,
            u(&api::VAULTS, "/providers/Microsoft.KeyVault/vaults")
        ),
        list(
            client,
            u(
                &api::STORAGE_ACCOUNTS,
                "/providers/Microsoft.Storage/storageAccounts"
            )
        ),
        list(
            client,
            u(
                &api::WORKSPACES,
                "/providers/Microsoft.OperationalInsights/workspaces"
            )
        ),
        list(
            client,
            u(
                &api::ACTIVITY_LOG_ALERTS,
                "/providers/Microsoft.Insights/activityLogAlerts"
            )
        ),
        list(
            client,
            u(
                &api::SCHEDULED_QUERY_RULES,
                "/providers/Microsoft.Insights/scheduledQueryRules"
            )
        ),
        list(
            client,
            u(
                &api::ACTION_GROUPS,
                "/providers/Microsoft.Insights/actionGroups"
            )
        ),
    );
    let (pricings, contacts, watchers, locks, roles, vnets, nsgs) = tokio::join!(
        list(
            client,
            u(&api::PRICINGS, "/providers/Microsoft.Security/pricings")
        ),
        list(
            client,
            u(
                &api::SECURITY_CONTACTS,
                "/providers/Microsoft.Security/securityContacts"
            )
        ),
        list(
            client,
            u(
                &api::NETWORK_WATCHERS,
                "/providers/Microsoft.Network/networkWatchers"
            )
        ),
        list(
            client,
            u(&api::LOCKS, "/providers/Microsoft.Authorization/locks")
        ),
        list(
            client,
            u(
                &api::ROLE_ASSIGNMENTS,
                "/providers/Microsoft.Authorization/roleAssignments"
            )
        ),
        list(
            client,
            u(
                &api::VIRTUAL_NETWORKS,
                "/providers/Microsoft.Network/virtualNetworks"
            )
        ),
        list(
            client,
            u(
                &api::NSGS,
                "/providers/Microsoft.Network/networkSecurityGroups"
            )
        ),
    );
    s.resources = resources;
    s.diagnostic_settings = diag;
    s.vaults = vaults;
    s.storage_accounts = storage;
    s.workspaces = workspaces;
    s.activity_log_alerts = alerts;
    s.scheduled_query_rules = sqr;
    s.action_groups = groups;
    s.pricings = pricings;
    s.security_contacts = contacts;
    s.network_watchers = watchers;
    s.locks = locks;
    s.role_assignments = roles;
    s.virtual_networks = vnets;
    s.network_security_groups = nsgs;
    s
}

/// Ids of a listing: parsed items and malformed items that have a readable id.
fn ids<'a, T>(read: &'a Read<Listing<T>>, id_of: impl Fn(&'a T) -> &'a str) -> Vec<String> {
    match read {
        Ok(l) => l
            .items
            .iter()
            .map(|i| id_of(i).to_string())
            .chain(l.malformed.iter().filter_map(|m| m.id.clone()))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Runs one per-resource read for each key and stores the outcomes under `norm_id(key)`.
async fn read_each<T, F, Fut>(keys: Vec<String>, read: F) -> BTreeMap<String, Read<T>>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Read<T>>,
{
    let mut unique: BTreeMap<String, String> = BTreeMap::new();
    for k in keys {
        unique.entry(norm_id(&k)).or_insert(k);
    }
    let outcomes = join_all(unique.into_iter().map(|(norm, key)| {
        let fut = read(key);
        async move { (norm, fut.await) }
    }))
    .await;
    outcomes.into_iter().collect()
}

/// Calls 8, 11, 12, 19, 22: reads made for each resource of the lists.
async fn read_per_resource(client: &ArmClient, inv: &mut Inventory) {
    let mut diag_targets = Vec::new();
    let mut blob_accounts = Vec::new();
    let mut workspaces = Vec::new();
    let mut watchers = Vec::new();
    for s in inv.scanned() {
        if let Ok(resources) = &s.resources {
            for r in &resources.items {
                if is_log_capable(r.resource_type()) && !is_storage_account_type(r.resource_type())
                {
                    diag_targets.push(r.id.clone());
                }
            }
        }
        // The typed lists too, in case the resources list missed or failed.
        diag_targets.extend(ids(&s.vaults, |v: &Vault| &v.id));
        diag_targets.extend(ids(&s.workspaces, |w: &Workspace| &w.id));
        diag_targets.extend(ids(
            &s.network_security_groups,
            |n: &NetworkSecurityGroup| &n.id,
        ));
        if let Ok(accounts) = &s.storage_accounts {
            for a in &accounts.items {
                for svc in a.present_services() {
                    diag_targets.push(svc.service_id(&a.id));
                    if svc == StorageService::Blob {
                        blob_accounts.push(a.id.clone());
                    }
                }
            }
        }
        workspaces.extend(ids(&s.workspaces, |w: &Workspace| &w.id));
        watchers.extend(ids(&s.network_watchers, |w: &NetworkWatcher| &w.id));
    }
    let (diags, blobs, tables, onboarding, flow_logs) = tokio::join!(
        read_each(diag_targets, |id| list(
            client,
            api::RESOURCE_DIAGNOSTICS.url(
                &id_path(&id),
                "/providers/Microsoft.Insights/diagnosticSettings"
            )
        )),
        read_each(blob_accounts, |id| get(
            client,
            api::BLOB_SERVICE.url(&id_path(&id), "/blobServices/default")
        )),
        read_each(workspaces.clone(), |id| list(
            client,
            api::TABLES.url(&id_path(&id), "/tables")
        )),
        read_each(workspaces, |id| list(
            client,
            api::ONBOARDING_STATES.url(
                &id_path(&id),
                "/providers/Microsoft.SecurityInsights/onboardingStates"
            )
        )),
        read_each(watchers, |id| list(
            client,
            api::FLOW_LOGS.url(&id_path(&id), "/flowLogs")
        )),
    );
    inv.reads.diagnostic_settings = diags;
    inv.reads.blob_services = blobs;
    inv.reads.tables = tables;
    inv.reads.onboarding_states = onboarding;
    inv.reads.flow_logs = flow_logs;
}

/// Calls 9, 9a, 23–25: reads that depend on what the others found (log
/// archive accounts, onboarded workspaces).
async fn read_dependent(client: &ArmClient, inv: &mut Inventory) {
    let archives = inv.log_archive_accounts();
    let mut archive_accounts = Vec::new();
    let mut onboarded = Vec::new();
    for s in inv.scanned() {
        if let Ok(accounts) = &s.storage_accounts {
            for a in &accounts.items {
                if archives.contains(&norm_id(&a.id))
                    && a.present_services().contains(&StorageService::Blob)
                {
                    archive_accounts.push(a.id.clone());
                }
            }
        }
        for ws in ids(&s.workspaces, |w: &Workspace| &w.id) {
            if matches!(inv.reads.onboarding_states.get(&norm_id(&ws)), Some(Ok(l)) if !l.items.is_empty())
            {
                onboarded.push(ws);
            }
        }
    }
    let (containers, connectors, rules, settings) = tokio::join!(
        read_each(archive_accounts, |id| list::<BlobContainer>(
            client,
            api::CONTAINERS.url(&id_path(&id), "/blobServices/default/containers")
        )),
        read_each(onboarded.clone(), |id| list(
            client,
            api::DATA_CONNECTORS.url(
                &id_path(&id),
                "/providers/Microsoft.SecurityInsights/dataConnectors"
            )
        )),
        read_each(onboarded.clone(), |id| list(
            client,
            api::ALERT_RULES.url(
                &id_path(&id),
                "/providers/Microsoft.SecurityInsights/alertRules"
            )
        )),
        read_each(onboarded, |id| list(
            client,
            api::SENTINEL_SETTINGS.url(
                &id_path(&id),
                "/providers/Microsoft.SecurityInsights/settings"
            )
        )),
    );
    // 9a: log containers whose list item says a policy exists but not its state.
    let mut policy_targets = Vec::new();
    for listing in containers.values().flatten() {
        for c in &listing.items {
            let p = c.properties.clone().unwrap_or_default();
            let has_state = p
                .immutability_policy
                .as_ref()
                .and_then(|i| i.properties.as_ref())
                .and_then(|i| i.state.as_ref())
                .is_some();
            if c.display_name()
                .to_ascii_lowercase()
                .starts_with("insights-")
                && p.has_immutability_policy == Some(true)
                && !has_state
            {
                policy_targets.push(c.id.clone());
            }
        }
    }
    inv.reads.immutability_policies = read_each(policy_targets, |id| {
        get(
            client,
            api::IMMUTABILITY_POLICY.url(&id_path(&id), "/immutabilityPolicies/default"),
        )
    })
    .await;
    inv.reads.containers = containers;
    inv.reads.data_connectors = connectors;
    inv.reads.alert_rules = rules;
    inv.reads.sentinel_settings = settings;
}
