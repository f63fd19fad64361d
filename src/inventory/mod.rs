//! The normalized estate: what the collectors read, as plain data. Checks see
//! only this, never raw JSON.
//!
//! Every read is a [`Read`]: either what was read, or the [`ReadError`] that
//! stopped it, so a failed read can never look like an empty (and passing)
//! one. Lists are [`Listing`]s: the items that parsed, and the ones that did not.

pub mod flow;
pub mod history;
pub mod machines;
pub mod models;

pub use flow::*;
pub use history::*;
pub use machines::*;

pub use models::*;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The outcome of one read (a list with its pages, or one object).
pub type Read<T> = Result<T, ReadError>;

/// Why a read produced nothing usable. Never holds a token or a header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadError {
    /// `GET /path?query`, relative to the Resource Manager endpoint.
    pub request: String,
    /// The final HTTP status, when a response was received.
    pub status: Option<u16>,
    /// The ARM error code (`AuthorizationFailed`, `NotRecorded`, …) or one of
    /// azward's own: `Timeout`, `Connection`, `MalformedBody`, `Throttled`,
    /// `ForeignNextLink`, `PagingLoop`, `Interrupted`.
    pub code: String,
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(f, "{} (HTTP {s}) on {}", self.code, self.request)?,
            None => write!(f, "{} on {}", self.code, self.request)?,
        }
        if !self.message.is_empty() {
            let msg: String = self.message.chars().take(300).collect();
            write!(f, ": {}", msg.replace(['\n', '\r'], " "))?;
        }
        Ok(())
    }
}

impl std::error::Error for ReadError {}

/// A list item that could not be parsed into its model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Malformed {
    /// 0-based position in the list as returned (pages concatenated).
    pub position: usize,
    /// The item's `id`, when it had a readable one.
    pub id: Option<String>,
    pub error: String,
}

/// The parsed items of a list read, and the items that did not parse.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub malformed: Vec<Malformed>,
}

impl<T> Default for Listing<T> {
    fn default() -> Self {
        Listing {
            items: Vec::new(),
            malformed: Vec::new(),
        }
    }
}

impl<T: DeserializeOwned> Listing<T> {
    /// Parses each item on its own, so one malformed item never loses its siblings.
    pub fn parse(values: Vec<Value>) -> Self {
        let mut listing = Listing::default();
        for (position, value) in values.into_iter().enumerate() {
            let id = value
                .get("id")
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string);
            match serde_json::from_value::<T>(value) {
                Ok(item) => listing.items.push(item),
                Err(e) => listing.malformed.push(Malformed {
                    position,
                    id,
                    error: e.to_string(),
                }),
            }
        }
        listing
    }
}

impl<T> Listing<T> {
    pub fn new(items: Vec<T>) -> Self {
        Listing {
            items,
            malformed: Vec::new(),
        }
    }
    /// The malformed item whose id equals `id` (case-insensitively).
    pub fn malformed_with_id(&self, id: &str) -> Option<&Malformed> {
        self.malformed
            .iter()
            .find(|m| m.id.as_deref().is_some_and(|m| same_id(m, id)))
    }
}

pub use crate::model::{norm_id, same_id, subscription_of};

/// Log-capable resource types (recording spec, "Log-capable resource types").
/// Storage accounts are assessed through their four services instead.
pub const LOG_CAPABLE_TYPES: &[&str] = &[
    "Microsoft.KeyVault/vaults",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.OperationalInsights/workspaces",
    "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Network/applicationGateways",
    "Microsoft.Network/azureFirewalls",
    "Microsoft.Network/publicIPAddresses",
    "Microsoft.Sql/servers/databases",
    "Microsoft.Web/sites",
    "Microsoft.ContainerService/managedClusters",
    "Microsoft.EventHub/namespaces",
    "Microsoft.Logic/workflows",
];

pub fn is_log_capable(resource_type: &str) -> bool {
    LOG_CAPABLE_TYPES
        .iter()
        .any(|t| t.eq_ignore_ascii_case(resource_type))
}

pub fn is_storage_account_type(resource_type: &str) -> bool {
    resource_type.eq_ignore_ascii_case("Microsoft.Storage/storageAccounts")
}

/// Whether a subscription was assessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Scanned,
    /// `state` Disabled or Deleted: no results.
    Skipped {
        reason: String,
    },
    /// The subscription itself could not be read (named on the command line,
    /// or a management group descendant not visible to the identity).
    Error {
        error: ReadError,
    },
}

/// One subscription and the per-subscription lists read for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subscription {
    /// The subscription GUID, lower case (the key; never the display name).
    pub id: String,
    pub display_name: Option<String>,
    pub state: Option<String>,
    pub tenant_id: Option<String>,
    pub status: SubscriptionStatus,
    pub resources: Read<Listing<GenericResource>>,
    pub diagnostic_settings: Read<Listing<DiagnosticSetting>>,
    pub vaults: Read<Listing<Vault>>,
    pub storage_accounts: Read<Listing<StorageAccount>>,
    pub workspaces: Read<Listing<Workspace>>,
    pub activity_log_alerts: Read<Listing<ActivityLogAlert>>,
    pub scheduled_query_rules: Read<Listing<ScheduledQueryRule>>,
    pub action_groups: Read<Listing<ActionGroup>>,
    pub pricings: Read<Listing<Pricing>>,
    pub security_contacts: Read<Listing<SecurityContact>>,
    pub network_watchers: Read<Listing<NetworkWatcher>>,
    pub locks: Read<Listing<Lock>>,
    pub role_assignments: Read<Listing<RoleAssignment>>,
    pub virtual_networks: Read<Listing<VirtualNetwork>>,
    pub network_security_groups: Read<Listing<NetworkSecurityGroup>>,
    /// Call 31.
    pub virtual_machines: Read<Listing<Machine>>,
    /// Call 32.
    pub arc_machines: Read<Listing<Machine>>,
}

impl Subscription {
    /// A subscription with every list unread (`NotRead`), for skipped or
    /// failed subscriptions and as a starting point for tests.
    pub fn unread(id: &str, status: SubscriptionStatus) -> Self {
        let not_read = ReadError {
            request: String::new(),
            status: None,
            code: "NotRead".into(),
            message: "the subscription was not scanned".into(),
        };
        Subscription::failed(id, status, &not_read)
    }

    /// A subscription whose every list failed with `error`.
    pub fn failed(id: &str, status: SubscriptionStatus, error: &ReadError) -> Self {
        fn e<T>(error: &ReadError) -> Read<T> {
            Err(error.clone())
        }
        Subscription {
            id: id.to_ascii_lowercase(),
            display_name: None,
            state: None,
            tenant_id: None,
            status,
            resources: e(error),
            diagnostic_settings: e(error),
            vaults: e(error),
            storage_accounts: e(error),
            workspaces: e(error),
            activity_log_alerts: e(error),
            scheduled_query_rules: e(error),
            action_groups: e(error),
            pricings: e(error),
            security_contacts: e(error),
            network_watchers: e(error),
            locks: e(error),
            role_assignments: e(error),
            virtual_networks: e(error),
            network_security_groups: e(error),
            virtual_machines: e(error),
            arc_machines: e(error),
        }
    }

    /// A scanned subscription whose lists are all empty (tests build on it).
    pub fn empty(id: &str) -> Self {
        let mut s = Subscription::unread(id, SubscriptionStatus::Scanned);
        s.resources = Ok(Listing::default());
        s.diagnostic_settings = Ok(Listing::default());
        s.vaults = Ok(Listing::default());
        s.storage_accounts = Ok(Listing::default());
        s.workspaces = Ok(Listing::default());
        s.activity_log_alerts = Ok(Listing::default());
        s.scheduled_query_rules = Ok(Listing::default());
        s.action_groups = Ok(Listing::default());
        s.pricings = Ok(Listing::default());
        s.security_contacts = Ok(Listing::default());
        s.network_watchers = Ok(Listing::default());
        s.locks = Ok(Listing::default());
        s.role_assignments = Ok(Listing::default());
        s.virtual_networks = Ok(Listing::default());
        s.network_security_groups = Ok(Listing::default());
        s.virtual_machines = Ok(Listing::default());
        s.arc_machines = Ok(Listing::default());
        s
    }

    /// Assessed by the checks: scanned, or unreadable (then every check
    /// reports an `error` on it). Skipped subscriptions have no results.
    pub fn is_scanned(&self) -> bool {
        !matches!(self.status, SubscriptionStatus::Skipped { .. })
    }

    /// `/subscriptions/{id}`, the resource id of subscription-scope results.
    pub fn resource_id(&self) -> String {
        format!("/subscriptions/{}", self.id)
    }

    pub fn label(&self) -> String {
        match &self.display_name {
            Some(n) => format!("{n} ({})", self.id),
            None => self.id.clone(),
        }
    }
}

/// Reads made per resource, keyed by [`norm_id`] of the resource they were made for.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ResourceReads {
    /// Call 12: keyed by the resource id, or the storage service id
    /// `{account}/blobServices/default` etc.
    pub diagnostic_settings: BTreeMap<String, Read<Listing<DiagnosticSetting>>>,
    /// Call 8, keyed by account id.
    pub blob_services: BTreeMap<String, Read<BlobService>>,
    /// Call 9, keyed by account id (log archive accounts only).
    pub containers: BTreeMap<String, Read<Listing<BlobContainer>>>,
    /// Call 9a, keyed by container id.
    pub immutability_policies: BTreeMap<String, Read<ContainerImmutabilityPolicy>>,
    /// Call 11, keyed by workspace id.
    pub tables: BTreeMap<String, Read<Listing<Table>>>,
    /// Call 19, keyed by network watcher id.
    pub flow_logs: BTreeMap<String, Read<Listing<FlowLog>>>,
    /// Call 22, keyed by workspace id.
    pub onboarding_states: BTreeMap<String, Read<Listing<OnboardingState>>>,
    /// Call 23, keyed by workspace id (onboarded workspaces only).
    pub data_connectors: BTreeMap<String, Read<Listing<DataConnector>>>,
    /// Call 24, keyed by workspace id (onboarded workspaces only).
    pub alert_rules: BTreeMap<String, Read<Listing<AlertRule>>>,
    /// Call 25, keyed by workspace id (onboarded workspaces only).
    pub sentinel_settings: BTreeMap<String, Read<Listing<SentinelSetting>>>,
    /// Call 33, keyed by machine id (virtual machines and Arc machines).
    #[serde(default)]
    pub extensions: BTreeMap<String, Read<Listing<Extension>>>,
    /// Call 34, keyed by machine id.
    #[serde(default)]
    pub dcr_associations: BTreeMap<String, Read<Listing<DcrAssociation>>>,
    /// Call 35, keyed by rule id: each rule an association names, once,
    /// whichever subscription holds it.
    #[serde(default)]
    pub data_collection_rules: BTreeMap<String, Read<DataCollectionRule>>,
    /// Calls 28–30, keyed by workspace id (SOC workspaces only).
    #[serde(default)]
    pub workspace_queries: BTreeMap<String, WorkspaceQueries>,
}

/// Looks a per-resource read up; a read that was never made is an error too.
pub fn lookup<'a, T>(
    map: &'a BTreeMap<String, Read<T>>,
    id: &str,
    what: &str,
) -> Result<&'a T, ReadError> {
    match map.get(&norm_id(id)) {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(e.clone()),
        None => Err(ReadError {
            request: String::new(),
            status: None,
            code: "NotRead".into(),
            message: format!("{what} of {id} was not read"),
        }),
    }
}

/// The estate as read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inventory {
    /// The scan's own tenant: the token's in a live scan, the recording
    /// header's `tenant_id` in a replay.
    pub tenant_id: Option<String>,
    pub subscriptions: Vec<Subscription>,
    /// Call 2.
    pub entra_diagnostic_settings: Read<Listing<DiagnosticSetting>>,
    pub reads: ResourceReads,
    /// The scan's clock, seconds since the Unix epoch (baseline, "Evidence
    /// in motion"): a live scan's start truncated to the second, a replay's
    /// `recorded_at`. `None` when a recording does not say: then nothing
    /// that needs a time window can be assessed.
    #[serde(default)]
    pub scan_time: Option<i64>,
    /// Rows 36–37: the Activity Log over `history_days` (baseline 1.2).
    #[serde(default)]
    pub history: History,
}

impl Inventory {
    pub fn new(tenant_id: Option<String>) -> Self {
        Inventory {
            tenant_id,
            subscriptions: Vec::new(),
            entra_diagnostic_settings: Ok(Listing::default()),
            reads: ResourceReads::default(),
            scan_time: None,
            history: History::default(),
        }
    }

    pub fn scanned(&self) -> impl Iterator<Item = &Subscription> {
        self.subscriptions.iter().filter(|s| s.is_scanned())
    }

    /// `/tenants/{tenantId}`, the resource id of tenant-scope results.
    pub fn tenant_resource_id(&self) -> String {
        format!(
            "/tenants/{}",
            self.tenant_id.as_deref().unwrap_or("unknown")
        )
    }

    /// Baseline "Log archive account": the storage accounts named as
    /// `storageAccountId` by any diagnostic setting (subscription, resource or
    /// Entra ID) or as `storageId` by any flow log, as [`norm_id`]s.
    pub fn log_archive_accounts(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut add_settings = |read: &Read<Listing<DiagnosticSetting>>| {
            if let Ok(l) = read {
                out.extend(
                    l.items
                        .iter()
                        .filter_map(|s| s.storage_account_id())
                        .map(norm_id),
                );
            }
        };
        add_settings(&self.entra_diagnostic_settings);
        for s in self.scanned() {
            add_settings(&s.diagnostic_settings);
        }
        for read in self.reads.diagnostic_settings.values() {
            add_settings(read);
        }
        for l in self.reads.flow_logs.values().flatten() {
            out.extend(l.items.iter().filter_map(|f| f.storage_id()).map(norm_id));
        }
        out
    }

    pub fn diagnostics_of(&self, id: &str) -> Result<&Listing<DiagnosticSetting>, ReadError> {
        lookup(&self.reads.diagnostic_settings, id, "diagnostic settings")
    }
}
