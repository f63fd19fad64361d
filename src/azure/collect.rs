//! Collectors: read the call set through the [`ArmClient`] and build the
//! [`Inventory`]. Every read's outcome is kept, failures included, so the
//! checks can tell "empty" from "unreadable".

use crate::azure::api::{self, id_path, sub_url, Call};
use crate::azure::http::ArmClient;
use crate::azure::resource_graph::{self, MachineAnswers};
use crate::inventory::*;
use futures::future::join_all;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Mutex;

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

/// A list read, parsed item by item straight from the JSON text into its
/// model (one malformed item never loses its siblings).
async fn list<T: DeserializeOwned>(client: &ArmClient, url: String) -> Read<Listing<T>> {
    let mut listing = Listing::default();
    let mut position = 0;
    client
        .list_with(&url, |page| {
            for raw in page {
                match serde_json::from_str(raw.get()) {
                    Ok(item) => listing.items.push(item),
                    Err(e) => listing.malformed.push(Malformed {
                        position,
                        id: item_id(raw),
                        error: e.to_string(),
                    }),
                }
                position += 1;
            }
        })
        .await?;
    Ok(listing)
}

/// An item's `id`, when it has a readable one (to name a malformed item).
fn item_id(raw: &RawValue) -> Option<String> {
    serde_json::from_str::<Value>(raw.get())
        .ok()?
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
}

async fn get<T: DeserializeOwned>(client: &ArmClient, url: String) -> Read<T> {
    client.get_as(&url).await
}

/// Reads the estate.
///
/// Each subscription goes through its own pipeline (its lists, then the reads
/// made for each resource they name, Sentinel's behind each workspace's
/// onboarding state), all subscriptions at once: none waits for another, and
/// the client's per-subscription pacing keeps each within its read quota.
/// Only the log archive containers (calls 9, 9a), the data collection rules
/// (35) and the workspace queries (28–30) wait for every subscription, since
/// a setting anywhere can make an account an archive or a workspace a SOC
/// workspace.
pub async fn collect(
    client: &ArmClient,
    target: &Target,
    tenant_id: Option<String>,
    flow: &crate::azure::flow::FlowQueries,
) -> Result<Inventory, CollectError> {
    collect_scan(client, target, tenant_id, flow, None).await
}

/// [`collect`], and with `history` the Activity Log over its window (rows
/// 36–37): each subscription's listings in its own pipeline, the tenant's
/// beside the subscriptions list.
pub async fn collect_scan(
    client: &ArmClient,
    target: &Target,
    tenant_id: Option<String>,
    flow: &crate::azure::flow::FlowQueries,
    history: Option<HistoryWindow>,
) -> Result<Inventory, CollectError> {
    let mut inv = Inventory::new(tenant_id);
    let progress = client.progress();
    progress.expect_requests(
        match target {
            Target::All => 2,
            Target::Subscriptions(ids) => ids.len() as u64 + 1,
            Target::ManagementGroup(_) => 3,
        } + u64::from(history.is_some()),
    );
    let (subs, entra, tenant_history) = tokio::join!(
        discover(client, target),
        list::<DiagnosticSetting>(
            client,
            api::ENTRA_DIAGNOSTICS.url("/providers/microsoft.aadiam", "/diagnosticSettings")
        ),
        async {
            match &history {
                Some(w) => Some(read_history(client, None, w).await),
                None => None,
            }
        },
    );
    inv.entra_diagnostic_settings = entra;
    let subs = subs?;
    let scanned = subs
        .iter()
        .filter(|s| s.status == SubscriptionStatus::Scanned)
        .count() as u64;
    progress.add_subscriptions(scanned);
    let history_lists = if history.is_some() {
        api::HISTORY_PROVIDERS.len() as u64
    } else {
        0
    };
    progress.expect_requests((SUBSCRIPTION_LISTS + history_lists) * scanned);

    let shared = Shared {
        window: history.clone(),
        ..Shared::default()
    };
    // Rows 33–34 through Resource Graph, for every scanned subscription (the
    // request depends on discovery alone, so a failed list elsewhere never
    // changes it). A live scan sends it beside the subscriptions' lists: its
    // pages come in while they are read, and each pipeline waits for it only
    // at its machines' step. A replay has nothing to wait for: it reads it
    // first, before its pipelines go to the worker threads.
    let scanned_ids: Vec<String> = subs
        .iter()
        .filter(|s| s.status == SubscriptionStatus::Scanned)
        .map(|s| s.id.clone())
        .collect();
    let graph = async {
        let answers = if scanned_ids.is_empty() {
            MachineAnswers::default()
        } else {
            resource_graph::read_machines(client, &scanned_ids).await
        };
        *shared.graph.lock().unwrap_or_else(|p| p.into_inner()) = answers;
        shared.graph_ready.send_replace(true);
    };
    inv.subscriptions = if client.is_replay() {
        graph.await;
        run_pipelines(client, subs, &shared).await
    } else {
        tokio::join!(graph, run_pipelines(client, subs, &shared)).1
    };
    inv.subscriptions.sort_by(|a, b| a.id.cmp(&b.id));
    inv.reads = shared.reads.into_inner().unwrap_or_else(|p| p.into_inner());
    inv.history = History {
        window: history,
        subscriptions: shared
            .history
            .into_inner()
            .unwrap_or_else(|p| p.into_inner()),
        tenant: tenant_history,
    };
    read_archives(client, &mut inv).await;
    read_data_collection_rules(client, &mut inv).await;
    crate::azure::flow::read_workspace_queries(client, &mut inv, flow).await;
    Ok(inv)
}

/// Runs the subscriptions' pipelines. A live scan runs them all as one task:
/// waiting on Resource Manager is what takes its time, and each subscription
/// goes on to its per-resource reads as soon as its own lists are in.
///
/// A replay has nothing to wait for, only JSON to parse, so it spreads the
/// work over every core, each thread driving its share on a runtime of its
/// own (the client's state is shared and thread-safe), in three steps: every
/// subscription's lists; the per-resource reads claimed in subscription
/// order (so a resource two lists name is read the same way, whichever
/// thread is quicker); those reads. Either way the subscriptions come back
/// in order.
async fn run_pipelines(
    client: &ArmClient,
    subs: Vec<Subscription>,
    shared: &Shared,
) -> Vec<Subscription> {
    let threads = if client.is_replay() {
        crate::util::parallel::cores().min(subs.len())
    } else {
        1
    };
    let runtimes: Option<Vec<tokio::runtime::Runtime>> = (threads > 1)
        .then(|| {
            (0..threads)
                .map(|_| {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()
                })
                .collect()
        })
        .flatten();
    let Some(runtimes) = runtimes else {
        return join_all(
            subs.into_iter()
                .map(|s| scan_subscription(client, s, shared)),
        )
        .await;
    };
    let run = move || {
        std::thread::scope(|scope| {
            // One worker thread per runtime for both steps: what a worker
            // allocates while reading a subscription's lists it frees while
            // reading its resources (memory freed on another thread than
            // the one that took it makes the allocator's threads queue).
            let workers: Vec<std::sync::mpsc::Sender<Job>> = runtimes
                .into_iter()
                .map(|rt| {
                    let (tx, rx) = std::sync::mpsc::channel::<Job>();
                    scope.spawn(move || {
                        for job in rx {
                            job(&rt);
                        }
                        // Dropping it here, on a plain thread, is allowed.
                        drop(rt);
                    });
                    tx
                })
                .collect();
            let listed = on_workers(&workers, subs, move |s: Subscription| async move {
                if s.status == SubscriptionStatus::Scanned {
                    let s = read_subscription_and_history(client, s, shared).await;
                    (Some(wanted_per_resource(&s)), s)
                } else {
                    (None, s)
                }
            });
            let planned: Vec<(Option<PerResource>, Subscription)> = listed
                .into_iter()
                .map(|(wanted, s)| (wanted.map(|w| claim_per_resource(client, w, shared)), s))
                .collect();
            on_workers(
                &workers,
                planned,
                move |(plan, s): (Option<PerResource>, Subscription)| async move {
                    if let Some(plan) = plan {
                        read_per_resource(client, plan, shared).await;
                        client.progress().subscription_done();
                    }
                    s
                },
            )
        })
    };
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(run),
        _ => run(),
    }
}

/// Work for a replay worker thread, run on its runtime.
type Job<'a> = Box<dyn FnOnce(&tokio::runtime::Runtime) + Send + 'a>;

/// Deals `items` round-robin to the workers, each running `f` over its share
/// all at once on its runtime; the results in item order.
fn on_workers<'a, T, R, F, Fut>(
    workers: &[std::sync::mpsc::Sender<Job<'a>>],
    items: Vec<T>,
    f: F,
) -> Vec<R>
where
    T: Send + 'a,
    R: Send + 'a,
    F: Fn(T) -> Fut + Send + Copy + 'a,
    Fut: std::future::Future<Output = R>,
{
    let n = workers.len().max(1);
    let total = items.len();
    let mut shares: Vec<Vec<(usize, T)>> = (0..n).map(|_| Vec::new()).collect();
    for (i, t) in items.into_iter().enumerate() {
        shares[i % n].push((i, t));
    }
    let (tx, rx) = std::sync::mpsc::channel::<Vec<(usize, R)>>();
    for (share, worker) in shares.into_iter().zip(workers) {
        let tx = tx.clone();
        let job: Job<'a> = Box::new(move |rt| {
            let done = rt.block_on(join_all(
                share
                    .into_iter()
                    .map(|(i, t)| async move { (i, f(t).await) }),
            ));
            let _ = tx.send(done);
        });
        // A worker is gone only if it panicked: the scope re-raises that.
        let _ = worker.send(job);
    }
    drop(tx);
    let mut done: Vec<(usize, R)> = rx.into_iter().flatten().collect();
    assert_eq!(done.len(), total, "a replay worker stopped");
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// The per-subscription lists read for each subscription (calls 4–7, 10, 13–18, 20, 21, 26, 27, 31, 32).
const SUBSCRIPTION_LISTS: u64 = 17;

/// One subscription's pipeline: its lists, then its per-resource reads.
async fn scan_subscription(client: &ArmClient, s: Subscription, shared: &Shared) -> Subscription {
    if s.status != SubscriptionStatus::Scanned {
        return s;
    }
    let s = read_subscription_and_history(client, s, shared).await;
    let plan = claim_per_resource(client, wanted_per_resource(&s), shared);
    read_per_resource(client, plan, shared).await;
    client.progress().subscription_done();
    s
}

/// What the subscriptions' pipelines share: the per-resource outcomes, the
/// keys already claimed, so a resource named twice is read once, and the
/// Resource Graph answers (ready once `graph_ready` is true).
struct Shared {
    reads: Mutex<ResourceReads>,
    claimed: Mutex<HashSet<(&'static str, String)>>,
    /// The Activity Log window, when the scan reads the history.
    window: Option<HistoryWindow>,
    /// Row 36, by subscription id.
    history: Mutex<BTreeMap<String, HistoryRead>>,
    graph: Mutex<MachineAnswers>,
    graph_ready: tokio::sync::watch::Sender<bool>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            reads: Mutex::default(),
            claimed: Mutex::default(),
            window: None,
            history: Mutex::default(),
            graph: Mutex::default(),
            graph_ready: tokio::sync::watch::Sender::new(false),
        }
    }
}

impl Shared {
    /// The (`norm_id`, key) pairs of `kind` no pipeline has claimed yet, claimed now.
    fn claim(&self, kind: &'static str, keys: Vec<(String, String)>) -> Vec<(String, String)> {
        let mut claimed = self.claimed.lock().unwrap_or_else(|p| p.into_inner());
        keys.into_iter()
            .filter(|(norm, _)| claimed.insert((kind, norm.clone())))
            .collect()
    }
}

/// Keys deduplicated by [`norm_id`], the first spelling kept, as (`norm_id`, key).
fn unique(keys: Vec<String>) -> Vec<(String, String)> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for k in keys {
        out.entry(norm_id(&k)).or_insert(k);
    }
    out.into_iter().collect()
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
                    Ok(body) => from_body(&body)
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
    let mut seen = HashSet::new();
    for (i, body) in listing.items.iter().enumerate() {
        match from_body(body) {
            Some(s) if seen.insert(s.id.clone()) => out.push(s),
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
fn from_body(body: &SubscriptionBody) -> Option<Subscription> {
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

/// Calls 4–7, 10, 13–18, 20, 21, 26, 27, 31, 32 for one subscription.
/// Reads a scanned subscription's lists (its callers skip the others).
async fn read_subscription(client: &ArmClient, mut s: Subscription) -> Subscription {
    let id = s.id.clone();
    let u = |c: &Call, p: &str| sub_url(c, &id, p);
    let (
        (resources, diag, vaults, storage, workspaces, alerts, sqr, groups),
        (pricings, contacts, watchers, locks, roles, vnets, nsgs),
        (vms, arc),
    ) = tokio::join!(
        async {
            tokio::join!(
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
            )
        },
        async {
            tokio::join!(
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
            )
        },
        async {
            tokio::join!(
                list(
                    client,
                    u(
                        &api::VIRTUAL_MACHINES,
                        "/providers/Microsoft.Compute/virtualMachines"
                    )
                ),
                list(
                    client,
                    u(
                        &api::ARC_MACHINES,
                        "/providers/Microsoft.HybridCompute/machines"
                    )
                ),
            )
        },
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
    s.virtual_machines = vms;
    s.arc_machines = arc;
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

/// Runs one read for each (`norm_id`, key) pair, a bounded number queued at
/// a time (the client bounds concurrency and paces each subscription).
async fn read_each<O, F, Fut>(pairs: Vec<(String, String)>, read: F) -> Vec<(String, O)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = O>,
{
    // Not all at once: a subscription with 5,000 resources would hold 5,000
    // request futures. The client's concurrency bound is far below this, so
    // the requests still queue for their subscription's quota as before.
    futures::stream::iter(pairs.into_iter().map(|(norm, key)| {
        let fut = read(key);
        async move { (norm, fut.await) }
    }))
    .buffered(READS_QUEUED_PER_KIND)
    .collect()
    .await
}

/// Per-resource reads of one kind a subscription's pipeline keeps queued at
/// once (the client's `--concurrency` bounds what is actually in flight).
const READS_QUEUED_PER_KIND: usize = 256;

/// Calls 22–25 for one workspace: its onboarding state and, when onboarded,
/// Sentinel's data connectors, analytics rules and settings.
type SentinelReads = (
    Read<Listing<DataConnector>>,
    Read<Listing<AlertRule>>,
    Read<Listing<SentinelSetting>>,
);

async fn read_sentinel(
    client: &ArmClient,
    id: String,
) -> (Read<Listing<OnboardingState>>, Option<SentinelReads>) {
    let base = id_path(&id);
    let onboarding = list::<OnboardingState>(
        client,
        api::ONBOARDING_STATES.url(
            &base,
            "/providers/Microsoft.SecurityInsights/onboardingStates",
        ),
    )
    .await;
    if !matches!(&onboarding, Ok(l) if !l.items.is_empty()) {
        return (onboarding, None);
    }
    client.progress().expect_requests(3);
    let sentinel = tokio::join!(
        list(
            client,
            api::DATA_CONNECTORS.url(
                &base,
                "/providers/Microsoft.SecurityInsights/dataConnectors"
            )
        ),
        list(
            client,
            api::ALERT_RULES.url(&base, "/providers/Microsoft.SecurityInsights/alertRules")
        ),
        list(
            client,
            api::SENTINEL_SETTINGS.url(&base, "/providers/Microsoft.SecurityInsights/settings")
        ),
    );
    (onboarding, Some(sentinel))
}

/// The per-resource reads a subscription's lists call for, as (`norm_id`,
/// key) pairs.
struct PerResource {
    diag_targets: Vec<(String, String)>,
    blob_accounts: Vec<(String, String)>,
    workspaces: Vec<(String, String)>,
    watchers: Vec<(String, String)>,
    machines: Vec<(String, String)>,
}

/// The per-resource reads a scanned subscription's lists call for.
fn wanted_per_resource(s: &Subscription) -> PerResource {
    let mut diag_targets = Vec::new();
    let mut blob_accounts = Vec::new();
    if let Ok(resources) = &s.resources {
        for r in &resources.items {
            if is_log_capable(r.resource_type()) && !is_storage_account_type(r.resource_type()) {
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
    PerResource {
        diag_targets: unique(diag_targets),
        blob_accounts: unique(blob_accounts),
        workspaces: unique(ids(&s.workspaces, |w: &Workspace| &w.id)),
        watchers: unique(ids(&s.network_watchers, |w: &NetworkWatcher| &w.id)),
        machines: unique(
            ids(&s.virtual_machines, |m: &Machine| &m.id)
                .into_iter()
                .chain(ids(&s.arc_machines, |m: &Machine| &m.id))
                .collect(),
        ),
    }
}

/// The reads of `wanted` that no other subscription has claimed, claimed now
/// for this one (a resource named twice is read once).
fn claim_per_resource(client: &ArmClient, wanted: PerResource, shared: &Shared) -> PerResource {
    let plan = PerResource {
        diag_targets: shared.claim("diagnostics", wanted.diag_targets),
        blob_accounts: shared.claim("blob", wanted.blob_accounts),
        workspaces: shared.claim("workspace", wanted.workspaces),
        watchers: shared.claim("watcher", wanted.watchers),
        machines: shared.claim("machine", wanted.machines),
    };
    client.progress().expect_requests(
        (plan.diag_targets.len()
            + plan.blob_accounts.len()
            + 2 * plan.workspaces.len()
            + plan.watchers.len()) as u64,
    );
    plan
}

/// Calls 8, 11, 12, 19, 22–25, 33, 34: the reads made for each resource of
/// one subscription's lists.
async fn read_per_resource(client: &ArmClient, plan: PerResource, shared: &Shared) {
    let PerResource {
        diag_targets,
        blob_accounts,
        workspaces,
        watchers,
        machines,
    } = plan;
    let (diags, blobs, tables, sentinel, flow_logs, machine_reads) = tokio::join!(
        read_each(diag_targets, |id| list::<DiagnosticSetting>(
            client,
            api::RESOURCE_DIAGNOSTICS.url(
                &id_path(&id),
                "/providers/Microsoft.Insights/diagnosticSettings"
            )
        )),
        read_each(blob_accounts, |id| get::<BlobService>(
            client,
            api::BLOB_SERVICE.url(&id_path(&id), "/blobServices/default")
        )),
        read_each(workspaces.clone(), |id| list::<Table>(
            client,
            api::TABLES.url(&id_path(&id), "/tables")
        )),
        read_each(workspaces, |id| read_sentinel(client, id)),
        read_each(watchers, |id| list::<FlowLog>(
            client,
            api::FLOW_LOGS.url(&id_path(&id), "/flowLogs")
        )),
        read_machines(client, machines, shared),
    );
    let (extensions, associations) = machine_reads;
    let mut reads = shared.reads.lock().unwrap_or_else(|p| p.into_inner());
    reads.diagnostic_settings.extend(diags);
    reads.blob_services.extend(blobs);
    reads.tables.extend(tables);
    reads.flow_logs.extend(flow_logs);
    reads.extensions.extend(extensions);
    reads.dcr_associations.extend(associations);
    for (ws, (onboarding, sentinel)) in sentinel {
        if let Some((connectors, rules, settings)) = sentinel {
            reads.data_connectors.insert(ws.clone(), connectors);
            reads.alert_rules.insert(ws.clone(), rules);
            reads.sentinel_settings.insert(ws.clone(), settings);
        }
        reads.onboarding_states.insert(ws, onboarding);
    }
}

/// Calls 33 and 34 for the machines of one subscription's lists: from the
/// Resource Graph answers where they cover the machine, else one GET each
/// (the answer failed, or was never recorded).
async fn read_machines(
    client: &ArmClient,
    machines: Vec<(String, String)>,
    shared: &Shared,
) -> (
    Vec<(String, Read<Listing<Extension>>)>,
    Vec<(String, Read<Listing<DcrAssociation>>)>,
) {
    if machines.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut ready = shared.graph_ready.subscribe();
    // The sender lives in `shared`, as long as this borrow.
    let _ = ready.wait_for(|r| *r).await;
    let (mut extensions, mut associations) = (Vec::new(), Vec::new());
    let (mut get_extensions, mut get_associations) = (Vec::new(), Vec::new());
    {
        let mut graph = shared.graph.lock().unwrap_or_else(|p| p.into_inner());
        for (norm, id) in machines {
            if graph.extensions.covers(&id) {
                extensions.push((norm.clone(), Ok(graph.extensions.take(&id))));
            } else {
                get_extensions.push((norm.clone(), id.clone()));
            }
            if graph.associations.covers(&id) {
                associations.push((norm, Ok(graph.associations.take(&id))));
            } else {
                get_associations.push((norm, id));
            }
        }
    }
    client
        .progress()
        .expect_requests((get_extensions.len() + get_associations.len()) as u64);
    let (got_extensions, got_associations) = tokio::join!(
        read_each(get_extensions, |id| {
            let call = if is_arc_id(&id) {
                &api::ARC_EXTENSIONS
            } else {
                &api::VM_EXTENSIONS
            };
            list::<Extension>(client, call.url(&id_path(&id), "/extensions"))
        }),
        read_each(get_associations, |id| list::<DcrAssociation>(
            client,
            api::DCR_ASSOCIATIONS.url(
                &id_path(&id),
                "/providers/Microsoft.Insights/dataCollectionRuleAssociations"
            )
        )),
    );
    extensions.extend(got_extensions);
    associations.extend(got_associations);
    (extensions, associations)
}

/// Calls 9 and 9a, once every subscription is read: the containers of each
/// log archive account, and the immutability policy of each log container
/// whose list item says a policy exists but not its state.
async fn read_archives(client: &ArmClient, inv: &mut Inventory) {
    let archives = inv.log_archive_accounts();
    let mut archive_accounts = Vec::new();
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
    }
    let archive_accounts = unique(archive_accounts);
    client
        .progress()
        .expect_requests(archive_accounts.len() as u64);
    let outcomes = read_each(archive_accounts, |id| async move {
        let containers = list::<BlobContainer>(
            client,
            api::CONTAINERS.url(&id_path(&id), "/blobServices/default/containers"),
        )
        .await;
        let mut targets = Vec::new();
        for c in containers.iter().flat_map(|l| &l.items) {
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
                targets.push(c.id.clone());
            }
        }
        let targets = unique(targets);
        client.progress().expect_requests(targets.len() as u64);
        let policies = read_each(targets, |id| {
            get::<ContainerImmutabilityPolicy>(
                client,
                api::IMMUTABILITY_POLICY.url(&id_path(&id), "/immutabilityPolicies/default"),
            )
        })
        .await;
        (containers, policies)
    })
    .await;
    for (account, (containers, policies)) in outcomes {
        inv.reads.containers.insert(account, containers);
        inv.reads.immutability_policies.extend(policies);
    }
}

/// Call 35, once every subscription is read: each data collection rule an
/// association names, by id, once, whichever subscription holds it (a rule
/// may sit outside the scanned subscriptions).
async fn read_data_collection_rules(client: &ArmClient, inv: &mut Inventory) {
    let rules = unique(
        inv.reads
            .dcr_associations
            .values()
            .flatten()
            .flat_map(|l| {
                l.items
                    .iter()
                    .filter_map(|a| a.rule_id().map(str::to_string))
            })
            .collect(),
    );
    client.progress().expect_requests(rules.len() as u64);
    let read = read_each(rules, |id| {
        get::<DataCollectionRule>(client, api::DATA_COLLECTION_RULE.url(&id_path(&id), ""))
    })
    .await;
    inv.reads.data_collection_rules.extend(read);
}

/// A subscription's lists (calls 4–7, …) and, beside them, its Activity Log
/// (row 36, when the scan reads the history), kept in `shared`.
async fn read_subscription_and_history(
    client: &ArmClient,
    s: Subscription,
    shared: &Shared,
) -> Subscription {
    let id = s.id.clone();
    let (s, history) = tokio::join!(read_subscription(client, s), async {
        match &shared.window {
            Some(w) => Some(read_history(client, Some(id.as_str()), w).await),
            None => None,
        }
    });
    if let Some(h) = history {
        shared
            .history
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, h);
    }
    s
}

/// Rows 36 (a subscription: one listing per provider of the HIST
/// operations, all at once) and 37 (`sub` `None`: the tenant's one listing),
/// with the spec's fixed filters. A listing that holds more than the
/// window's bound stops there and is an error of its scope (its events read
/// so far are kept: a fail found in them stands).
pub async fn read_history(
    client: &ArmClient,
    sub: Option<&str>,
    window: &HistoryWindow,
) -> HistoryRead {
    let providers: Vec<Option<&str>> = match sub {
        Some(_) => api::HISTORY_PROVIDERS.iter().map(|p| Some(*p)).collect(),
        None => vec![None],
    };
    let reads = join_all(providers.into_iter().map(|provider| async move {
        let filter = api::history_filter(&window.start, &window.end, provider);
        let url = api::history_url(sub, &filter);
        let mut listing: Listing<ActivityEvent> = Listing::default();
        let mut count = 0usize;
        let read = client
            .list_while(&url, |page| {
                for raw in page {
                    match serde_json::from_str(raw.get()) {
                        Ok(item) => listing.items.push(item),
                        Err(e) => listing.malformed.push(Malformed {
                            position: count,
                            id: item_id(raw),
                            error: e.to_string(),
                        }),
                    }
                    count += 1;
                }
                count <= window.max_events
            })
            .await;
        let bound = (count > window.max_events).then(|| ReadError {
            request: format!("GET {url}"),
            status: None,
            code: "HistoryBound".into(),
            message: format!(
                "the Activity Log listing holds more than {} events (the scanner's bound); the history is incomplete",
                window.max_events
            ),
        });
        (listing, read.err().or(bound))
    }))
    .await;
    let mut out = HistoryRead::default();
    for (listing, error) in reads {
        out.events.extend(listing.items);
        out.malformed.extend(listing.malformed);
        out.errors.extend(error);
    }
    out
}

/// Only what the tamper timeline needs (rows 1, 36, 37): the subscriptions in
/// scope and the Activity Log of each scanned one and of the tenant. The
/// subscriptions' other lists stay unread.
pub async fn collect_history(
    client: &ArmClient,
    target: &Target,
    tenant_id: Option<String>,
    history: Option<HistoryWindow>,
) -> Result<Inventory, CollectError> {
    let mut inv = Inventory::new(tenant_id);
    let Some(window) = history else {
        inv.subscriptions = discover(client, target).await?;
        return Ok(inv);
    };
    let (subs, tenant) = tokio::join!(
        discover(client, target),
        read_history(client, None, &window)
    );
    let mut subs = subs?;
    subs.sort_by(|a, b| a.id.cmp(&b.id));
    let reads = join_all(
        subs.iter()
            .filter(|s| s.status == SubscriptionStatus::Scanned)
            .map(|s| async {
                (
                    s.id.clone(),
                    read_history(client, Some(s.id.as_str()), &window).await,
                )
            }),
    )
    .await;
    inv.subscriptions = subs;
    inv.history = History {
        window: Some(window),
        subscriptions: reads.into_iter().collect(),
        tenant: Some(tenant),
    };
    Ok(inv)
}
