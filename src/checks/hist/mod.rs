//! Tamper history (HIST, baseline 1.2): the Activity Log's evidence-impairing
//! events, changes and leads (recording spec rows 36–37), the classification
//! the check and the timeline share, and the timeline itself.

use super::*;
use crate::inventory::{ActivityEvent, HistoryRead, HistoryWindow, Inventory, SubscriptionStatus};

pub(super) mod az_hist_001;

/// What an Activity Log event is on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventClass {
    /// Evidence-impairing: fails AZ-HIST-001 unless its caller is trusted.
    Impairing,
    /// A change to logging or to what holds evidence.
    Change,
    /// Something an investigator starts from; never a failure.
    Lead,
}

impl EventClass {
    pub fn label(self) -> &'static str {
        match self {
            EventClass::Impairing => "impairing",
            EventClass::Change => "change",
            EventClass::Lead => "lead",
        }
    }
}

/// The evidence-impairing operations and their ATT&CK technique.
const IMPAIRING: &[(&str, &str)] = &[
    ("Microsoft.Insights/diagnosticSettings/delete", "T1562.008"),
    ("microsoft.aadiam/diagnosticSettings/delete", "T1562.008"),
    ("Microsoft.Insights/activityLogAlerts/delete", "T1562.008"),
    ("Microsoft.Insights/actionGroups/delete", "T1562.008"),
    ("Microsoft.Insights/dataCollectionRules/delete", "T1562.008"),
    (
        "Microsoft.Insights/dataCollectionRuleAssociations/delete",
        "T1562.008",
    ),
    ("Microsoft.OperationalInsights/workspaces/delete", "T1070"),
    (
        "Microsoft.OperationalInsights/workspaces/purge/action",
        "T1070",
    ),
    (
        "Microsoft.OperationalInsights/workspaces/tables/delete",
        "T1070",
    ),
    (
        "Microsoft.Network/networkWatchers/flowLogs/delete",
        "T1562.008",
    ),
    ("Microsoft.Network/networkWatchers/delete", "T1562.008"),
    (
        "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/delete",
        "T1485",
    ),
    (
        "Microsoft.KeyVault/locations/deletedVaults/purge/action",
        "T1485",
    ),
    ("Microsoft.Authorization/locks/delete", "T1485"),
    (
        "Microsoft.SecurityInsights/dataConnectors/delete",
        "T1562.008",
    ),
    ("Microsoft.SecurityInsights/alertRules/delete", "T1562.008"),
    ("Microsoft.SecurityInsights/settings/delete", "T1562.008"),
    (
        "Microsoft.SecurityInsights/onboardingStates/delete",
        "T1562.008",
    ),
    ("Microsoft.Security/securityContacts/delete", "T1562.008"),
    (
        "Microsoft.Compute/virtualMachines/extensions/delete",
        "T1562.001",
    ),
];

/// The types whose `/write` is a change: every type named by an impairing
/// operation, and the four the baseline adds.
const CHANGE_TYPES: &[&str] = &[
    "Microsoft.Insights/diagnosticSettings",
    "microsoft.aadiam/diagnosticSettings",
    "Microsoft.Insights/activityLogAlerts",
    "Microsoft.Insights/actionGroups",
    "Microsoft.Insights/dataCollectionRules",
    "Microsoft.Insights/dataCollectionRuleAssociations",
    "Microsoft.OperationalInsights/workspaces",
    "Microsoft.OperationalInsights/workspaces/tables",
    "Microsoft.Network/networkWatchers/flowLogs",
    "Microsoft.Network/networkWatchers",
    "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies",
    "Microsoft.KeyVault/locations/deletedVaults",
    "Microsoft.Authorization/locks",
    "Microsoft.SecurityInsights/dataConnectors",
    "Microsoft.SecurityInsights/alertRules",
    "Microsoft.SecurityInsights/settings",
    "Microsoft.SecurityInsights/onboardingStates",
    "Microsoft.Security/securityContacts",
    "Microsoft.Compute/virtualMachines/extensions",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.KeyVault/vaults",
    "Microsoft.Security/pricings",
];

/// The leads and their technique.
const LEADS: &[(&str, &str)] = &[
    (
        "Microsoft.Storage/storageAccounts/listKeys/action",
        "T1552.001",
    ),
    (
        "Microsoft.Storage/storageAccounts/regenerateKey/action",
        "T1552.001",
    ),
    (
        "Microsoft.Compute/virtualMachines/runCommand/action",
        "T1651",
    ),
    (
        "Microsoft.Compute/virtualMachines/runCommands/write",
        "T1651",
    ),
    ("Microsoft.Authorization/roleAssignments/write", "T1098"),
];

/// The class and technique of an operation (case-insensitive), whatever its
/// status; `None` for an operation the timeline does not show.
pub fn classify_operation(operation: &str) -> Option<(EventClass, &'static str)> {
    let op = operation.trim();
    if let Some((_, t)) = IMPAIRING.iter().find(|(o, _)| o.eq_ignore_ascii_case(op)) {
        return Some((EventClass::Impairing, t));
    }
    if let Some((_, t)) = LEADS.iter().find(|(o, _)| o.eq_ignore_ascii_case(op)) {
        return Some((EventClass::Lead, t));
    }
    let (ty, verb) = op.rsplit_once('/')?;
    (verb.eq_ignore_ascii_case("write") && CHANGE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(ty)))
        .then_some((EventClass::Change, "T1562.008"))
}

/// The class and technique of an event: only a `Succeeded` one counts.
pub fn classify(e: &ActivityEvent) -> Option<(EventClass, &'static str)> {
    if !e.status_value().eq_ignore_ascii_case("Succeeded") {
        return None;
    }
    classify_operation(e.operation())
}

/// Whether `caller` is one of `trusted_change_callers` (case-insensitive).
pub fn is_trusted(caller: &str, params: &Params) -> bool {
    let c = caller.trim();
    !c.is_empty()
        && params
            .trusted_change_callers
            .iter()
            .any(|t| t.trim().eq_ignore_ascii_case(c))
}

/// One event on the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEvent {
    /// `eventTimestamp` as Azure wrote it.
    pub time: String,
    /// Lower-case subscription id; `None` for tenant-level events.
    pub subscription: Option<String>,
    pub class: EventClass,
    pub operation: String,
    pub status: String,
    pub caller: String,
    /// Whether `caller` is one of `trusted_change_callers`.
    pub trusted: bool,
    pub client_ip: String,
    pub resource_id: String,
    pub correlation_id: String,
    /// The ATT&CK technique the operation maps to.
    pub technique: &'static str,
}

/// A scope of the history (a subscription, or the tenant) and how it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineScope {
    /// `/subscriptions/{id}` or `/tenants/{id}`.
    pub scope: String,
    /// Events read (all of them, shown or not).
    pub events_read: usize,
    /// What could not be read: the history of this scope is incomplete.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// The tamper timeline: every evidence-impairing event, change and lead of
/// the window, oldest first (ties in a fixed order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeline {
    pub window: Option<HistoryWindow>,
    pub scopes: Vec<TimelineScope>,
    pub events: Vec<TimelineEvent>,
}

impl Timeline {
    /// The `n` latest evidence-impairing events, newest first.
    pub fn latest_impairing(&self, n: usize) -> Vec<&TimelineEvent> {
        self.events
            .iter()
            .rev()
            .filter(|e| e.class == EventClass::Impairing)
            .take(n)
            .collect()
    }

    pub fn count(&self, class: EventClass) -> usize {
        self.events.iter().filter(|e| e.class == class).count()
    }

    /// Evidence-impairing events by untrusted callers.
    pub fn untrusted_impairing(&self) -> usize {
        self.events
            .iter()
            .filter(|e| e.class == EventClass::Impairing && !e.trusted)
            .count()
    }

    /// Scopes whose history could not be read whole.
    pub fn incomplete(&self) -> impl Iterator<Item = &TimelineScope> {
        self.scopes.iter().filter(|s| !s.errors.is_empty())
    }
}

/// An instant's order key: parsed when it parses (Azure writes seven
/// fractional digits, a hand-written body may write none), else the text.
fn time_key(t: &str) -> (Option<i128>, &str) {
    let parsed =
        time::OffsetDateTime::parse(t.trim(), &time::format_description::well_known::Rfc3339)
            .ok()
            .map(|d| d.unix_timestamp_nanos());
    (parsed, t)
}

/// The events of one scope that the timeline shows.
fn scope_events(read: &HistoryRead, sub: Option<&str>, params: &Params) -> Vec<TimelineEvent> {
    read.distinct()
        .filter_map(|e| {
            let (class, technique) = classify(e)?;
            Some(TimelineEvent {
                time: e.timestamp().to_string(),
                subscription: sub.map(str::to_ascii_lowercase),
                class,
                operation: e.operation().to_string(),
                status: e.status_value().to_string(),
                caller: e.caller().to_string(),
                trusted: is_trusted(e.caller(), params),
                client_ip: e.client_ip().to_string(),
                resource_id: e.resource_id.clone().unwrap_or_default(),
                correlation_id: e.correlation_id.clone().unwrap_or_default(),
                technique,
            })
        })
        .collect()
}

fn scope_errors(read: &HistoryRead) -> Vec<String> {
    let mut out: Vec<String> = read.errors.iter().map(|e| e.to_string()).collect();
    out.extend(
        read.malformed
            .iter()
            .map(|m| format!("event {} could not be parsed: {}", m.position, m.error)),
    );
    out
}

/// The timeline of an inventory, with the parameters in force (trusted callers).
pub fn timeline(inv: &Inventory, params: &Params) -> Timeline {
    let h = &inv.history;
    let mut scopes = Vec::new();
    let mut events = Vec::new();
    let mut add =
        |scope: String, read: Option<&HistoryRead>, sub: Option<&str>, unread: String| match read {
            Some(r) => {
                scopes.push(TimelineScope {
                    scope,
                    events_read: r.distinct().count(),
                    errors: scope_errors(r),
                });
                events.extend(scope_events(r, sub, params));
            }
            None => scopes.push(TimelineScope {
                scope,
                events_read: 0,
                errors: vec![unread],
            }),
        };
    if h.window.is_some() {
        for s in inv.scanned() {
            let unread = match &s.status {
                SubscriptionStatus::Error { error } => {
                    format!("the subscription could not be read: {error}")
                }
                _ => "the Activity Log was not read".into(),
            };
            add(
                s.resource_id(),
                h.subscriptions.get(&s.id),
                Some(s.id.as_str()),
                unread,
            );
        }
        add(
            inv.tenant_resource_id(),
            h.tenant.as_ref(),
            None,
            "the Activity Log was not read".into(),
        );
    }
    events.sort_by(|a, b| {
        time_key(&a.time)
            .cmp(&time_key(&b.time))
            .then_with(|| a.subscription.cmp(&b.subscription))
            .then_with(|| a.class.cmp(&b.class))
            .then_with(|| {
                a.operation
                    .to_ascii_lowercase()
                    .cmp(&b.operation.to_ascii_lowercase())
            })
            .then_with(|| {
                a.resource_id
                    .to_ascii_lowercase()
                    .cmp(&b.resource_id.to_ascii_lowercase())
            })
            .then_with(|| a.caller.cmp(&b.caller))
            .then_with(|| a.correlation_id.cmp(&b.correlation_id))
            .then_with(|| a.client_ip.cmp(&b.client_ip))
            .then_with(|| a.operation.cmp(&b.operation))
            .then_with(|| a.resource_id.cmp(&b.resource_id))
    });
    Timeline {
        window: h.window.clone(),
        scopes,
        events,
    }
}
