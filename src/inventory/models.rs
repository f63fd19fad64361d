//! Lenient models of the Resource Manager bodies the checks need.
//!
//! Every field is optional (`null` and absent are the same), unknown fields are
//! ignored, and enum-like strings are kept as strings and compared
//! case-insensitively by the accessors. Where the baseline gives a default for an
//! absent property, the accessor applies it here, once, with a comment naming the
//! source. A field of the wrong type (a string where a bool belongs) fails the
//! item, which the collector turns into an `error` for that item only.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Case-insensitive equality for the enum strings Azure returns in any case.
pub fn eq_ci(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.eq_ignore_ascii_case(b))
}

fn non_empty(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.trim().is_empty())
}

/// A subscription as listed by `GET /subscriptions` (call 1).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionBody {
    pub id: Option<String>,
    pub subscription_id: Option<String>,
    pub display_name: Option<String>,
    pub state: Option<String>,
    pub tenant_id: Option<String>,
}

/// A management group descendant (call 3).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Descendant {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub properties: Option<DescendantProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescendantProperties {
    pub display_name: Option<String>,
}

/// Any resource from `GET /subscriptions/{sub}/resources` (call 4).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GenericResource {
    pub id: String,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind_type: Option<String>,
    pub kind: Option<String>,
    pub location: Option<String>,
    /// Tag values are kept as JSON: a non-string value must not make the resource unreadable.
    pub tags: Option<BTreeMap<String, Value>>,
}

impl GenericResource {
    pub fn resource_type(&self) -> &str {
        self.kind_type.as_deref().unwrap_or("")
    }
}

// ---------------------------------------------------------------------------
// Diagnostic settings (calls 2, 5, 12)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DiagnosticSetting {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: Option<DiagnosticSettingProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticSettingProperties {
    pub storage_account_id: Option<String>,
    pub workspace_id: Option<String>,
    pub event_hub_authorization_rule_id: Option<String>,
    pub marketplace_partner_id: Option<String>,
    /// Legacy destination of tenant (Entra ID) settings.
    pub service_bus_rule_id: Option<String>,
    pub log_analytics_destination_type: Option<String>,
    pub logs: Option<Vec<LogSetting>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogSetting {
    pub category: Option<String>,
    pub category_group: Option<String>,
    /// Absent counts as not enabled: Azure always returns it, and guessing
    /// `true` could turn a missing field into a pass.
    pub enabled: Option<bool>,
}

impl DiagnosticSetting {
    /// The properties, or their defaults when absent (borrowed: never copied).
    pub fn props(&self) -> &DiagnosticSettingProperties {
        static ABSENT: std::sync::LazyLock<DiagnosticSettingProperties> =
            std::sync::LazyLock::new(Default::default);
        self.properties.as_ref().unwrap_or(&ABSENT)
    }

    /// Baseline "Destination": at least one destination id is a non-empty
    /// string (upstream examples carry `"workspaceId": ""`, which is none).
    pub fn has_destination(&self) -> bool {
        let Some(p) = &self.properties else {
            return false;
        };
        non_empty(&p.workspace_id)
            || non_empty(&p.storage_account_id)
            || non_empty(&p.event_hub_authorization_rule_id)
            || non_empty(&p.marketplace_partner_id)
            || non_empty(&p.service_bus_rule_id)
    }

    pub fn workspace_id(&self) -> Option<&str> {
        self.properties
            .as_ref()
            .and_then(|p| p.workspace_id.as_deref())
            .filter(|s| !s.trim().is_empty())
    }

    pub fn storage_account_id(&self) -> Option<&str> {
        self.properties
            .as_ref()
            .and_then(|p| p.storage_account_id.as_deref())
            .filter(|s| !s.trim().is_empty())
    }

    pub fn logs(&self) -> &[LogSetting] {
        self.properties
            .as_ref()
            .and_then(|p| p.logs.as_deref())
            .unwrap_or(&[])
    }

    /// Enabled log entries (`enabled: true`), whatever they name.
    pub fn enabled_logs(&self) -> impl Iterator<Item = &LogSetting> {
        self.logs().iter().filter(|l| l.enabled == Some(true))
    }

    /// Baseline "Category enabled": has a destination and an enabled entry
    /// naming the category, or the group `allLogs`, or (only when
    /// `audit_counts`) the group `audit`.
    pub fn enables(&self, category: &str, audit_counts: bool) -> bool {
        self.has_destination()
            && self.enabled_logs().any(|l| {
                eq_ci(l.category.as_deref(), category)
                    || eq_ci(l.category_group.as_deref(), "allLogs")
                    || (audit_counts && eq_ci(l.category_group.as_deref(), "audit"))
            })
    }

    /// Whether an enabled `audit` group entry exists (used to explain why it
    /// was not counted for a category other than Key Vault `AuditEvent`).
    pub fn has_enabled_audit_group(&self) -> bool {
        self.has_destination()
            && self
                .enabled_logs()
                .any(|l| eq_ci(l.category_group.as_deref(), "audit"))
    }

    /// "At least one category or group" enabled, with a destination.
    pub fn enables_any(&self) -> bool {
        self.has_destination()
            && self
                .enabled_logs()
                .any(|l| l.category.is_some() || l.category_group.is_some())
    }

    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or("(unnamed)")
    }
}

// ---------------------------------------------------------------------------
// Key Vault (call 6)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Vault {
    pub id: String,
    pub name: Option<String>,
    pub location: Option<String>,
    pub properties: Option<VaultProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultProperties {
    pub enable_soft_delete: Option<bool>,
    pub enable_rbac_authorization: Option<bool>,
    pub enable_purge_protection: Option<bool>,
    pub public_network_access: Option<String>,
    pub network_acls: Option<NetworkAcls>,
    pub private_endpoint_connections: Option<Vec<PrivateEndpointConnection>>,
    pub access_policies: Option<Vec<AccessPolicy>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkAcls {
    pub default_action: Option<String>,
    pub bypass: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpointConnection {
    pub id: Option<String>,
    pub properties: Option<PrivateEndpointConnectionProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpointConnectionProperties {
    pub private_link_service_connection_state: Option<PrivateLinkState>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateLinkState {
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessPolicy {
    pub tenant_id: Option<String>,
    pub object_id: Option<String>,
    pub permissions: Option<AccessPolicyPermissions>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccessPolicyPermissions {
    pub keys: Option<Vec<String>>,
    pub secrets: Option<Vec<String>>,
    pub certificates: Option<Vec<String>>,
    pub storage: Option<Vec<String>>,
}

impl Vault {
    /// The properties, or their defaults when absent (borrowed: never copied).
    pub fn props(&self) -> &VaultProperties {
        static ABSENT: std::sync::LazyLock<VaultProperties> =
            std::sync::LazyLock::new(Default::default);
        self.properties.as_ref().unwrap_or(&ABSENT)
    }
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| last_segment(&self.id))
    }
    /// Baseline property defaults: `enableSoftDelete` absent = true (soft
    /// delete is on by default and cannot be turned off since 2020).
    pub fn soft_delete(&self) -> bool {
        self.props().enable_soft_delete.unwrap_or(true)
    }
    /// Baseline property defaults: `enableRbacAuthorization` absent = false
    /// (vaults created with access policies keep them).
    pub fn rbac_authorization(&self) -> bool {
        self.props().enable_rbac_authorization.unwrap_or(false)
    }
    /// Baseline property defaults: `enablePurgeProtection` absent = false.
    pub fn purge_protection(&self) -> bool {
        self.props().enable_purge_protection.unwrap_or(false)
    }
    /// Baseline property defaults: `publicNetworkAccess` absent = Enabled.
    pub fn public_network_access(&self) -> String {
        self.props()
            .public_network_access
            .clone()
            .unwrap_or_else(|| "Enabled".into())
    }
    /// Baseline property defaults: no `networkAcls` = default action Allow.
    pub fn network_default_action(&self) -> String {
        self.props()
            .network_acls
            .as_ref()
            .and_then(|a| a.default_action.clone())
            .unwrap_or_else(|| "Allow".into())
    }
}

// ---------------------------------------------------------------------------
// Storage (calls 7, 8, 9, 9a)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StorageAccount {
    pub id: String,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub location: Option<String>,
    pub properties: Option<StorageAccountProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageAccountProperties {
    pub allow_blob_public_access: Option<bool>,
    pub allow_shared_key_access: Option<bool>,
    pub minimum_tls_version: Option<String>,
    pub supports_https_traffic_only: Option<bool>,
    pub public_network_access: Option<String>,
    pub network_acls: Option<NetworkAcls>,
    pub primary_endpoints: Option<BTreeMap<String, Value>>,
    pub encryption: Option<StorageEncryption>,
    pub immutable_storage_with_versioning: Option<ImmutableStorageWithVersioning>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageEncryption {
    pub key_source: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImmutableStorageWithVersioning {
    pub enabled: Option<bool>,
    pub immutability_policy: Option<ImmutabilityPolicyProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImmutabilityPolicyProperties {
    pub immutability_period_since_creation_in_days: Option<i64>,
    pub state: Option<String>,
}

/// The four storage services, in the order results are reported.
pub const STORAGE_SERVICES: [StorageService; 4] = [
    StorageService::Blob,
    StorageService::File,
    StorageService::Queue,
    StorageService::Table,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum StorageService {
    Blob,
    File,
    Queue,
    Table,
}

impl StorageService {
    /// The key in `primaryEndpoints`.
    pub fn endpoint_key(self) -> &'static str {
        match self {
            StorageService::Blob => "blob",
            StorageService::File => "file",
            StorageService::Queue => "queue",
            StorageService::Table => "table",
        }
    }
    /// The child resource segment, as in `{account}/blobServices/default`.
    pub fn segment(self) -> &'static str {
        match self {
            StorageService::Blob => "blobServices",
            StorageService::File => "fileServices",
            StorageService::Queue => "queueServices",
            StorageService::Table => "tableServices",
        }
    }
    pub fn service_id(self, account_id: &str) -> String {
        format!(
            "{}/{}/default",
            account_id.trim_end_matches('/'),
            self.segment()
        )
    }
}

impl StorageAccount {
    /// The properties, or their defaults when absent (borrowed: never copied).
    pub fn props(&self) -> &StorageAccountProperties {
        static ABSENT: std::sync::LazyLock<StorageAccountProperties> =
            std::sync::LazyLock::new(Default::default);
        self.properties.as_ref().unwrap_or(&ABSENT)
    }
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| last_segment(&self.id))
    }

    /// Baseline "Present storage services": by `primaryEndpoints` keys, or,
    /// when absent, by `kind` (StorageV2/Storage all four, BlobStorage and
    /// BlockBlobStorage blob only, FileStorage file only).
    pub fn present_services(&self) -> Vec<StorageService> {
        if let Some(endpoints) = self
            .properties
            .as_ref()
            .and_then(|p| p.primary_endpoints.as_ref())
        {
            return STORAGE_SERVICES
                .into_iter()
                .filter(|s| {
                    endpoints
                        .keys()
                        .any(|k| k.eq_ignore_ascii_case(s.endpoint_key()))
                })
                .collect();
        }
        let kind = self.kind.as_deref().unwrap_or("");
        if kind.eq_ignore_ascii_case("StorageV2") || kind.eq_ignore_ascii_case("Storage") {
            STORAGE_SERVICES.to_vec()
        } else if kind.eq_ignore_ascii_case("BlobStorage")
            || kind.eq_ignore_ascii_case("BlockBlobStorage")
        {
            vec![StorageService::Blob]
        } else if kind.eq_ignore_ascii_case("FileStorage") {
            vec![StorageService::File]
        } else {
            Vec::new()
        }
    }

    /// Baseline property defaults: absent `allowBlobPublicAccess` is NOT
    /// assumed false (accounts created before November 2023 that never set
    /// it allow anonymous access). `None` means "not set".
    pub fn allow_blob_public_access(&self) -> Option<bool> {
        self.props().allow_blob_public_access
    }
    /// Baseline property defaults: `allowSharedKeyAccess` absent = true.
    pub fn allow_shared_key_access(&self) -> bool {
        self.props().allow_shared_key_access.unwrap_or(true)
    }
    /// Baseline property defaults: `minimumTlsVersion` absent = TLS1_0.
    pub fn minimum_tls_version(&self) -> String {
        self.props()
            .minimum_tls_version
            .clone()
            .unwrap_or_else(|| "TLS1_0".into())
    }
    /// Baseline property defaults: `supportsHttpsTrafficOnly` absent = true.
    pub fn https_only(&self) -> bool {
        self.props().supports_https_traffic_only.unwrap_or(true)
    }
    /// Baseline property defaults: no `networkAcls` = default action Allow.
    pub fn network_default_action(&self) -> String {
        self.props()
            .network_acls
            .as_ref()
            .and_then(|a| a.default_action.clone())
            .unwrap_or_else(|| "Allow".into())
    }
    pub fn network_bypass(&self) -> Option<String> {
        self.props()
            .network_acls
            .as_ref()
            .and_then(|a| a.bypass.clone())
    }
    /// Baseline property defaults: `publicNetworkAccess` absent = Enabled
    /// unless `networkAcls.defaultAction` is Deny.
    pub fn public_network_access(&self) -> String {
        match &self.props().public_network_access {
            Some(v) => v.clone(),
            None if self.network_default_action().eq_ignore_ascii_case("Deny") => "Disabled".into(),
            None => "Enabled".into(),
        }
    }
}

/// `{account}/blobServices/default` (call 8).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BlobService {
    pub id: Option<String>,
    pub properties: Option<BlobServiceProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobServiceProperties {
    pub delete_retention_policy: Option<RetentionPolicy>,
    pub container_delete_retention_policy: Option<RetentionPolicy>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RetentionPolicy {
    pub enabled: Option<bool>,
    pub days: Option<i64>,
}

/// A blob container list item (call 9).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BlobContainer {
    pub id: String,
    pub name: Option<String>,
    pub properties: Option<BlobContainerProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobContainerProperties {
    pub has_immutability_policy: Option<bool>,
    pub immutability_policy: Option<ContainerImmutabilityPolicy>,
}

/// Both the container list's embedded `immutabilityPolicy` and the body of
/// call 9a: the interesting fields sit under `properties`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContainerImmutabilityPolicy {
    pub id: Option<String>,
    pub properties: Option<ImmutabilityPolicyProperties>,
}

impl BlobContainer {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| last_segment(&self.id))
    }
}

// ---------------------------------------------------------------------------
// Log Analytics (calls 10, 11)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Workspace {
    pub id: String,
    pub name: Option<String>,
    pub location: Option<String>,
    pub properties: Option<WorkspaceProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceProperties {
    pub customer_id: Option<String>,
    pub retention_in_days: Option<i64>,
    pub features: Option<WorkspaceFeatures>,
    pub workspace_capping: Option<WorkspaceCapping>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceFeatures {
    pub immediate_purge_data_on30_days: Option<bool>,
}

/// `properties.workspaceCapping`: the daily ingestion cap (AZ-LAW-005).
/// `dailyQuotaGb` is a number (Azure returns `-1` or `-1.0` for "no cap"); a
/// string there makes the workspace malformed, like any other wrong type.
/// `quotaNextResetTime` is not read (no check needs it, and an odd value of it
/// must not make the workspace unreadable).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceCapping {
    pub daily_quota_gb: Option<f64>,
    pub data_ingestion_status: Option<String>,
}

/// `dataIngestionStatus` values under which the workspace is not ingesting
/// (baseline 1.2, AZ-LAW-005): the cap was reached, or ingestion was switched
/// off. Compared case-insensitively.
pub const INGESTION_STOPPED: [&str; 3] = ["OverQuota", "ForceOff", "SubscriptionSuspended"];

impl Workspace {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| last_segment(&self.id))
    }
    /// Baseline property defaults: Log Analytics `retentionInDays` absent = 30.
    pub fn retention_days(&self) -> i64 {
        self.properties
            .as_ref()
            .and_then(|p| p.retention_in_days)
            .unwrap_or(30)
    }
    fn capping(&self) -> Option<&WorkspaceCapping> {
        self.properties
            .as_ref()
            .and_then(|p| p.workspace_capping.as_ref())
    }
    /// The daily ingestion cap in GB, `None` when there is none. Baseline 1.2
    /// (AZ-LAW-005): `workspaceCapping.dailyQuotaGb` absent or -1 is no cap.
    pub fn daily_cap_gb(&self) -> Option<f64> {
        self.capping()
            .and_then(|c| c.daily_quota_gb)
            .filter(|gb| *gb != -1.0)
    }
    /// `workspaceCapping.dataIngestionStatus` as returned (absent: `None`).
    pub fn ingestion_status(&self) -> Option<&str> {
        self.capping()
            .and_then(|c| c.data_ingestion_status.as_deref())
    }
    /// The ingestion status when it is one of [`INGESTION_STOPPED`].
    pub fn ingestion_stopped(&self) -> Option<&str> {
        self.ingestion_status()
            .filter(|s| INGESTION_STOPPED.iter().any(|x| x.eq_ignore_ascii_case(s)))
    }
    pub fn immediate_purge(&self) -> bool {
        self.properties
            .as_ref()
            .and_then(|p| p.features.as_ref())
            .and_then(|f| f.immediate_purge_data_on30_days)
            .unwrap_or(false)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Table {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: Option<TableProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableProperties {
    pub retention_in_days: Option<i64>,
    pub total_retention_in_days: Option<i64>,
}

impl Table {
    /// AZ-LAW-002's fallback: `totalRetentionInDays`; when absent or -1, its
    /// `retentionInDays`; when that is absent or -1, the workspace's.
    pub fn total_retention(&self, workspace_retention: i64) -> i64 {
        let p = self.properties.as_ref();
        let set = |v: Option<i64>| v.filter(|d| *d != -1);
        set(p.and_then(|p| p.total_retention_in_days))
            .or(set(p.and_then(|p| p.retention_in_days)))
            .unwrap_or(workspace_retention)
    }
}

// ---------------------------------------------------------------------------
// Alerts (calls 13, 14, 15)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ActivityLogAlert {
    pub id: String,
    pub name: Option<String>,
    pub properties: Option<ActivityLogAlertProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityLogAlertProperties {
    pub scopes: Option<Vec<String>>,
    pub enabled: Option<bool>,
    pub condition: Option<AlertAllOf>,
    pub actions: Option<AlertActions>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertAllOf {
    pub all_of: Option<Vec<AlertCondition>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertCondition {
    pub field: Option<String>,
    pub equals: Option<String>,
    pub contains_any: Option<Vec<String>>,
    pub any_of: Option<Vec<AlertCondition>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertActions {
    pub action_groups: Option<Vec<AlertActionGroup>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertActionGroup {
    pub action_group_id: Option<String>,
}

impl ActivityLogAlert {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| last_segment(&self.id))
    }
    /// `enabled` absent counts as true (baseline, alert matching).
    pub fn enabled(&self) -> bool {
        self.properties
            .as_ref()
            .and_then(|p| p.enabled)
            .unwrap_or(true)
    }
    pub fn action_group_ids(&self) -> Vec<&str> {
        self.properties
            .as_ref()
            .and_then(|p| p.actions.as_ref())
            .and_then(|a| a.action_groups.as_ref())
            .map(|v| {
                v.iter()
                    .filter_map(|g| g.action_group_id.as_deref())
                    .filter(|s| !s.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
    pub fn scopes(&self) -> &[String] {
        self.properties
            .as_ref()
            .and_then(|p| p.scopes.as_deref())
            .unwrap_or(&[])
    }
    pub fn conditions(&self) -> &[AlertCondition] {
        self.properties
            .as_ref()
            .and_then(|p| p.condition.as_ref())
            .and_then(|c| c.all_of.as_deref())
            .unwrap_or(&[])
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScheduledQueryRule {
    pub id: String,
    pub name: Option<String>,
    pub properties: Option<ScheduledQueryRuleProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledQueryRuleProperties {
    pub enabled: Option<bool>,
    pub actions: Option<ScheduledQueryRuleActions>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledQueryRuleActions {
    pub action_groups: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ActionGroup {
    pub id: String,
    pub name: Option<String>,
    pub properties: Option<ActionGroupProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ActionGroupProperties {
    pub enabled: Option<bool>,
    /// Every `*Receivers` array, whatever its kind (email, sms, webhook, …).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl ScheduledQueryRule {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| last_segment(&self.id))
    }
    /// `enabled` absent counts as true, as for activity log alerts: Azure
    /// returns it, and assessing a rule of unknown state (rather than calling
    /// it disabled and not applicable) can never hide a broken route.
    pub fn enabled(&self) -> bool {
        self.properties
            .as_ref()
            .and_then(|p| p.enabled)
            .unwrap_or(true)
    }
    /// `actions.actionGroups`, non-empty strings only.
    pub fn action_group_ids(&self) -> Vec<&str> {
        self.properties
            .as_ref()
            .and_then(|p| p.actions.as_ref())
            .and_then(|a| a.action_groups.as_ref())
            .map(|v| {
                v.iter()
                    .map(String::as_str)
                    .filter(|s| !s.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl ActionGroup {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| last_segment(&self.id))
    }
    /// `enabled` absent counts as true: the action group schema's default
    /// (Resource Manager always returns it).
    pub fn enabled(&self) -> bool {
        self.properties
            .as_ref()
            .and_then(|p| p.enabled)
            .unwrap_or(true)
    }
    pub fn receiver_count(&self) -> usize {
        self.properties
            .as_ref()
            .map(|p| {
                p.other
                    .iter()
                    .filter(|(k, _)| k.ends_with("Receivers"))
                    .filter_map(|(_, v)| v.as_array())
                    .map(Vec::len)
                    .sum()
            })
            .unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------
// Defender for Cloud (calls 16, 17)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Pricing {
    pub id: Option<String>,
    pub name: String,
    pub properties: Option<PricingProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PricingProperties {
    pub pricing_tier: Option<String>,
    pub sub_plan: Option<String>,
    pub resources_coverage_status: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SecurityContact {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: Option<SecurityContactProperties>,
}

/// Both shapes: `alertNotifications` (an object, or a plain "On"/"Off" string
/// in older api-versions) and `notificationsSources` (2023-12-01-preview).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityContactProperties {
    pub emails: Option<String>,
    pub email: Option<String>,
    pub alert_notifications: Option<Value>,
    pub alerts_to_admins: Option<Value>,
    pub notifications_by_role: Option<NotificationsByRole>,
    pub notifications_sources: Option<Vec<NotificationSource>>,
    /// 2023-12-01-preview: whether the contact is in force (absent = enabled).
    pub is_enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NotificationsByRole {
    pub state: Option<String>,
    pub roles: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationSource {
    pub source_type: Option<String>,
    pub minimal_severity: Option<String>,
}

// ---------------------------------------------------------------------------
// Network (calls 18, 19, 26, 27)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NetworkWatcher {
    pub id: String,
    pub name: Option<String>,
    pub location: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FlowLog {
    pub id: String,
    pub name: Option<String>,
    pub location: Option<String>,
    pub properties: Option<FlowLogProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowLogProperties {
    pub target_resource_id: Option<String>,
    pub storage_id: Option<String>,
    pub enabled: Option<bool>,
    pub provisioning_state: Option<String>,
    pub retention_policy: Option<RetentionPolicy>,
    pub flow_analytics_configuration: Option<FlowAnalyticsConfiguration>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowAnalyticsConfiguration {
    pub network_watcher_flow_analytics_configuration: Option<TrafficAnalytics>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficAnalytics {
    pub enabled: Option<bool>,
    pub workspace_resource_id: Option<String>,
}

impl FlowLog {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| last_segment(&self.id))
    }
    pub fn target(&self) -> Option<&str> {
        self.properties
            .as_ref()
            .and_then(|p| p.target_resource_id.as_deref())
            .filter(|s| !s.is_empty())
    }
    /// Baseline "Enabled flow log": `enabled` true and `provisioningState`
    /// not Failed. Absent `enabled` is not enabled.
    pub fn is_enabled(&self) -> bool {
        let Some(p) = &self.properties else {
            return false;
        };
        p.enabled == Some(true) && !eq_ci(p.provisioning_state.as_deref(), "Failed")
    }
    pub fn storage_id(&self) -> Option<&str> {
        self.properties
            .as_ref()
            .and_then(|p| p.storage_id.as_deref())
            .filter(|s| !s.trim().is_empty())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VirtualNetwork {
    pub id: String,
    pub name: Option<String>,
    pub location: Option<String>,
    pub properties: Option<VirtualNetworkProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VirtualNetworkProperties {
    pub subnets: Option<Vec<Subnet>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Subnet {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: Option<SubnetProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubnetProperties {
    pub network_security_group: Option<SubResource>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SubResource {
    pub id: Option<String>,
}

impl VirtualNetwork {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| last_segment(&self.id))
    }
    pub fn subnets(&self) -> &[Subnet] {
        self.properties
            .as_ref()
            .and_then(|p| p.subnets.as_deref())
            .unwrap_or(&[])
    }
}

impl Subnet {
    pub fn nsg_id(&self) -> Option<&str> {
        self.properties
            .as_ref()
            .and_then(|p| p.network_security_group.as_ref())
            .and_then(|n| n.id.as_deref())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NetworkSecurityGroup {
    pub id: String,
    pub name: Option<String>,
    pub location: Option<String>,
}

// ---------------------------------------------------------------------------
// Authorization (calls 20, 21)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Lock {
    pub id: String,
    pub name: Option<String>,
    pub properties: Option<LockProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LockProperties {
    pub level: Option<String>,
}

impl Lock {
    /// The scope a lock sits on: its id up to `/providers/Microsoft.Authorization/locks/`.
    pub fn scope(&self) -> &str {
        let lower = self.id.to_ascii_lowercase();
        match lower.rfind("/providers/microsoft.authorization/locks/") {
            Some(i) => &self.id[..i],
            None => "",
        }
    }
    /// `CanNotDelete` or `ReadOnly` (the only two levels; anything else does not protect).
    pub fn protects(&self) -> bool {
        let level = self.properties.as_ref().and_then(|p| p.level.as_deref());
        eq_ci(level, "CanNotDelete") || eq_ci(level, "ReadOnly")
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RoleAssignment {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: Option<RoleAssignmentProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentProperties {
    pub role_definition_id: Option<String>,
    pub principal_id: Option<String>,
    pub principal_type: Option<String>,
    pub scope: Option<String>,
}

impl RoleAssignment {
    /// Baseline "Role": the last segment of `roleDefinitionId`, lower-cased.
    pub fn role_guid(&self) -> Option<String> {
        self.properties
            .as_ref()
            .and_then(|p| p.role_definition_id.as_deref())
            .map(|r| last_segment(r).to_ascii_lowercase())
    }
}

// ---------------------------------------------------------------------------
// Microsoft Sentinel (calls 22–25)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OnboardingState {
    pub id: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DataConnector {
    pub id: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub properties: Option<DataConnectorProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataConnectorProperties {
    pub data_types: Option<BTreeMap<String, Value>>,
}

impl DataConnector {
    /// At least one `dataTypes.*.state` is Enabled.
    pub fn has_enabled_data_type(&self) -> bool {
        self.properties
            .as_ref()
            .and_then(|p| p.data_types.as_ref())
            .is_some_and(|types| {
                types
                    .values()
                    .any(|t| eq_ci(t.get("state").and_then(Value::as_str), "Enabled"))
            })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AlertRule {
    pub id: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub properties: Option<AlertRuleProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AlertRuleProperties {
    pub enabled: Option<bool>,
    /// ATT&CK techniques (`T1562`), read leniently by [`AlertRule::techniques`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub techniques: Option<Value>,
    /// ATT&CK sub-techniques (`T1562.008`), read leniently.
    #[serde(
        default,
        rename = "subTechniques",
        skip_serializing_if = "Option::is_none"
    )]
    pub sub_techniques: Option<Value>,
}

impl AlertRule {
    /// The ATT&CK ids the rule lists, techniques and sub-techniques, upper
    /// case and trimmed (entries that are not strings are ignored: a rule
    /// with an odd list is still a rule for AZ-SEN-003).
    pub fn techniques(&self) -> Vec<String> {
        let Some(p) = &self.properties else {
            return Vec::new();
        };
        [&p.techniques, &p.sub_techniques]
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(Value::as_str)
            .map(|t| t.trim().to_ascii_uppercase())
            .filter(|t| !t.is_empty())
            .collect()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SentinelSetting {
    pub id: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub properties: Option<SentinelSettingProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentinelSettingProperties {
    pub entity_providers: Option<Vec<String>>,
    pub data_sources: Option<Vec<String>>,
    pub is_enabled: Option<bool>,
}

/// The last `/`-separated segment of an id.
pub fn last_segment(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

// ---------------------------------------------------------------------------
// Bodies outside the version 1 call set, modelled so that every upstream
// example parses (conformance) and for later versions of the call set.
// ---------------------------------------------------------------------------

/// A diagnostic settings category (`…/diagnosticSettingsCategories`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DiagnosticCategory {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: Option<DiagnosticCategoryProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticCategoryProperties {
    pub category_type: Option<String>,
    pub category_groups: Option<Vec<String>>,
}

/// An Activity Log event (`…/eventtypes/management/values`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityLogEvent {
    pub id: Option<String>,
    pub event_timestamp: Option<String>,
    pub caller: Option<String>,
    pub operation_name: Option<LocalizedValue>,
    pub category: Option<LocalizedValue>,
    pub resource_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalizedValue {
    pub value: Option<String>,
    pub localized_value: Option<String>,
}

/// A Resource Graph query response page (rows are resources).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ResourceGraphPage {
    #[serde(rename = "totalRecords")]
    pub total_records: Option<i64>,
    pub count: Option<i64>,
    pub data: Option<Vec<GenericResource>>,
    #[serde(rename = "$skipToken")]
    pub skip_token: Option<String>,
}
