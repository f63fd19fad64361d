//! Resource Manager response bodies, in the shapes (and the key order) ARM
//! returns them, for every generator: the synthetic estates and the named
//! scenarios build their bodies here, and differ only in the values they
//! pass. A property given as `None` is left out of the body (as Azure leaves
//! out what was never set), which is not the same as `null`.

use serde_json::{json, Map, Value};

pub const T_VAULT: &str = "Microsoft.KeyVault/vaults";
pub const T_STORAGE: &str = "Microsoft.Storage/storageAccounts";
pub const T_WORKSPACE: &str = "Microsoft.OperationalInsights/workspaces";
pub const T_NSG: &str = "Microsoft.Network/networkSecurityGroups";
pub const T_VNET: &str = "Microsoft.Network/virtualNetworks";
pub const T_WATCHER: &str = "Microsoft.Network/networkWatchers";
pub const T_FLOWLOG: &str = "Microsoft.Network/networkWatchers/flowLogs";
pub const T_AGW: &str = "Microsoft.Network/applicationGateways";
pub const T_AFW: &str = "Microsoft.Network/azureFirewalls";
pub const T_PIP: &str = "Microsoft.Network/publicIPAddresses";
pub const T_NIC: &str = "Microsoft.Network/networkInterfaces";
pub const T_PE: &str = "Microsoft.Network/privateEndpoints";
pub const T_SQL: &str = "Microsoft.Sql/servers";
pub const T_SQLDB: &str = "Microsoft.Sql/servers/databases";
pub const T_SITE: &str = "Microsoft.Web/sites";
pub const T_PLAN: &str = "Microsoft.Web/serverFarms";
pub const T_AKS: &str = "Microsoft.ContainerService/managedClusters";
pub const T_EVHNS: &str = "Microsoft.EventHub/namespaces";
pub const T_LOGIC: &str = "Microsoft.Logic/workflows";
pub const T_VM: &str = "Microsoft.Compute/virtualMachines";
pub const T_DISK: &str = "Microsoft.Compute/disks";
pub const T_ARC: &str = "Microsoft.HybridCompute/machines";
pub const T_DCR: &str = "Microsoft.Insights/dataCollectionRules";
pub const T_UAMI: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";
pub const T_SOLUTION: &str = "Microsoft.OperationsManagement/solutions";
pub const T_ALERT: &str = "Microsoft.Insights/activityLogAlerts";
pub const T_SQR: &str = "Microsoft.Insights/scheduledQueryRules";
pub const T_AG: &str = "Microsoft.Insights/actionGroups";

/// The generic resources list gives `microsoft.insights` types in lower case.
pub const LIST_TYPE_ALERT: &str = "microsoft.insights/activitylogalerts";
pub const LIST_TYPE_AG: &str = "microsoft.insights/actiongroups";

/// Built-in role definition GUIDs (specs/baseline.md, "Role").
pub const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
pub const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
pub const USER_ACCESS_ADMIN: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
pub const RBAC_ADMIN: &str = "f58310d9-a9f6-439a-9e8d-f62e7b41a168";
pub const KV_ADMIN: &str = "00482a5a-887f-4fb3-b363-3b7fe8e74483";
pub const KV_CONTRIBUTOR: &str = "f25e0fa2-a7c8-4377-a976-54943a77a395";
pub const KV_DATA_ACCESS_ADMIN: &str = "8b54135c-b56d-4d72-a534-26097cfdc8d8";
pub const KV_SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
pub const KV_SECRETS_USER: &str = "4633458b-17de-408a-b874-0445c86b69e6";
pub const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
pub const SENTINEL_RESPONDER: &str = "3e150937-b8fe-4cfb-8069-0eaf05ecd056";
pub const LA_READER: &str = "73c42c96-874c-492b-b04d-ab87d138a893";

/// Timestamps the bodies carry (fixed: a generated estate has no clock).
pub const CREATED: &str = "2023-04-17T08:31:12.4418092Z";
pub const MODIFIED: &str = "2026-10-02T14:05:51.0071234Z";
const STORAGE_CREATED: &str = "2022-03-14T09:12:44.1234567Z";
const CONTAINER_MODIFIED: &str = "2025-02-11T10:02:17.0000000Z";
const ASSIGNED: &str = "2024-05-02T11:20:09.1234567Z";
const RULE_MODIFIED: &str = "2026-09-14T07:45:03.5221339Z";

fn put(m: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        m.insert(key.to_string(), v);
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!("an object literal"),
    }
}

/// `/subscriptions/{sub}/resourceGroups/{rg}/providers/{type}/{name}`.
pub fn rid(sub: &str, rg: &str, rtype: &str, name: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{rtype}/{name}")
}

/// `/subscriptions/{sub}/resourceGroups/{rg}`.
pub fn rg_id(sub: &str, rg: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}")
}

/// An item of the subscriptions list (call 1).
pub fn subscription_item(sub: &str, name: &str, state: &str, tenant: &str, tags: Value) -> Value {
    json!({
        "id": format!("/subscriptions/{sub}"),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "tags": tags,
        "subscriptionId": sub,
        "tenantId": tenant,
        "displayName": name,
        "state": state,
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "EnterpriseAgreement_2014-09-01",
            "spendingLimit": "Off",
        },
    })
}

/// The entry of the generic resources list (call 4) for a full resource body.
/// A child resource is listed as `parent/child`; a `list_type` (the lower-case
/// `microsoft.insights` types) also gives the location in lower case.
pub fn resource_item(body: &Value, list_type: Option<&str>) -> Value {
    let id = body["id"].as_str().unwrap_or_default();
    let rtype = body["type"].as_str().unwrap_or_default();
    let mut name = body["name"].as_str().unwrap_or_default().to_string();
    let depth = rtype.matches('/').count();
    if depth > 1 && !name.contains('/') {
        let segs: Vec<&str> = id.split('/').collect();
        let start = segs.len().saturating_sub(2 * depth - 1);
        name = segs[start..]
            .iter()
            .step_by(2)
            .copied()
            .collect::<Vec<_>>()
            .join("/");
    }
    let mut item = Map::new();
    item.insert("id".into(), json!(id));
    item.insert("name".into(), json!(name));
    item.insert("type".into(), json!(list_type.unwrap_or(rtype)));
    for key in ["sku", "kind", "managedBy"] {
        put(&mut item, key, body.get(key).cloned());
    }
    let loc = body.get("location").cloned().unwrap_or(Value::Null);
    let loc = match (&loc, list_type) {
        (Value::String(s), Some(_)) if !s.is_empty() => json!(s.to_lowercase()),
        _ => loc,
    };
    item.insert("location".into(), loc);
    put(&mut item, "identity", body.get("identity").cloned());
    item.insert(
        "tags".into(),
        body.get("tags").cloned().unwrap_or_else(|| json!({})),
    );
    Value::Object(item)
}

/// A resource that only the generic resources list shows (no typed list
/// reads it). A child resource has name `parent/child` and type
/// `ns/parentType/childType`.
#[derive(Debug, Clone, Default)]
pub struct Generic<'a> {
    pub sub: &'a str,
    pub rg: &'a str,
    pub rtype: &'a str,
    pub name: &'a str,
    pub location: &'a str,
    pub tags: Value,
    pub sku: Option<Value>,
    pub kind: Option<&'a str>,
    pub identity: Option<Value>,
    pub managed_by: Option<String>,
}

impl Generic<'_> {
    pub fn body(&self) -> Value {
        let mut id = rid(self.sub, self.rg, self.rtype, self.name);
        if let (Some((parent, child)), [ns, parent_type, child_type]) = (
            self.name.split_once('/'),
            self.rtype.split('/').collect::<Vec<_>>().as_slice(),
        ) {
            id = format!(
                "{}/{child_type}/{child}",
                rid(self.sub, self.rg, &format!("{ns}/{parent_type}"), parent)
            );
        }
        let mut b = obj(json!({"id": id, "name": self.name, "type": self.rtype}));
        put(&mut b, "sku", self.sku.clone());
        put(&mut b, "kind", self.kind.map(|k| json!(k)));
        put(
            &mut b,
            "managedBy",
            self.managed_by.clone().map(Value::String),
        );
        b.insert("location".into(), json!(self.location));
        put(&mut b, "identity", self.identity.clone());
        b.insert("tags".into(), self.tags.clone());
        Value::Object(b)
    }
}

/// One `logs` entry of a resource diagnostic setting: a category or a category group.
pub fn log_entry(category: Option<&str>, group: Option<&str>, enabled: bool) -> Value {
    json!({"category": category, "categoryGroup": group, "enabled": enabled,
        "retentionPolicy": {"enabled": false, "days": 0}})
}

/// A log category entry.
pub fn cat(name: &str, enabled: bool) -> Value {
    log_entry(Some(name), None, enabled)
}

/// A log category group entry.
pub fn group(name: &str, enabled: bool) -> Value {
    log_entry(None, Some(name), enabled)
}

/// Where a diagnostic setting sends logs. `None` comes back as `null`, as the
/// live API returns an unset destination; `Some("")` is the empty
/// `workspaceId` of the upstream examples (no destination).
#[derive(Debug, Clone, Default)]
pub struct Destinations {
    pub workspace: Option<String>,
    pub storage: Option<String>,
    pub eventhub_rule: Option<String>,
    pub eventhub_name: Option<String>,
}

impl Destinations {
    pub fn workspace(id: &str) -> Self {
        Destinations {
            workspace: Some(id.to_string()),
            ..Default::default()
        }
    }
    pub fn storage(id: &str) -> Self {
        Destinations {
            storage: Some(id.to_string()),
            ..Default::default()
        }
    }
    pub fn with_storage(mut self, id: &str) -> Self {
        self.storage = Some(id.to_string());
        self
    }
}

/// A resource diagnostic setting, as the 2021-05-01-preview list returns it.
pub fn diag_setting(
    scope: &str,
    name: &str,
    logs: Vec<Value>,
    to: &Destinations,
    dedicated: Option<&str>,
) -> Value {
    let mut p = obj(json!({
        "storageAccountId": to.storage,
        "serviceBusRuleId": null,
        "workspaceId": to.workspace,
        "eventHubAuthorizationRuleId": to.eventhub_rule,
        "eventHubName": to.eventhub_name,
        "marketplacePartnerId": null,
        "metrics": [{"category": "AllMetrics", "enabled": false, "retentionPolicy": {"enabled": false, "days": 0}}],
        "logs": logs,
    }));
    put(
        &mut p,
        "logAnalyticsDestinationType",
        dedicated.map(|d| json!(d)),
    );
    json!({
        "id": format!("{scope}/providers/microsoft.insights/diagnosticSettings/{name}"),
        "type": "Microsoft.Insights/diagnosticSettings",
        "name": name,
        "location": null,
        "properties": p,
    })
}

/// An Activity Log export setting (call 5). `workspace` `None` is `null`;
/// `storage` `None` is left out. The quirky shape is the upstream example's
/// (an id without its leading slash and with an AzureResourceManager
/// provider segment, type `null`, no location).
pub fn subscription_diag_setting(
    sub: &str,
    name: &str,
    logs: Vec<Value>,
    workspace: Option<&str>,
    storage: Option<&str>,
    quirky: bool,
) -> Value {
    let mut p = Map::new();
    put(&mut p, "storageAccountId", storage.map(|s| json!(s)));
    p.insert("workspaceId".into(), json!(workspace));
    p.insert("logs".into(), Value::Array(logs));
    if quirky {
        return json!({
            "id": format!("subscriptions/{sub}/providers/AzureResourceManager/diagnosticSettings/{name}"),
            "type": null, "name": name, "properties": p,
        });
    }
    json!({
        "id": format!("/subscriptions/{sub}/providers/microsoft.insights/diagnosticSettings/{name}"),
        "type": "Microsoft.Insights/diagnosticSettings", "name": name, "location": "global",
        "properties": p,
    })
}

/// `{"category", "enabled"}` entries of an Activity Log setting.
pub fn activity_categories(categories: &[(&str, bool)]) -> Vec<Value> {
    categories
        .iter()
        .map(|(c, on)| json!({"category": c, "enabled": on}))
        .collect()
}

/// The destinations of an Entra ID setting: the workspace is always there
/// (`""` for none); the others only when set.
#[derive(Debug, Clone, Default)]
pub struct EntraDestinations<'a> {
    pub workspace: &'a str,
    pub storage: Option<&'a str>,
    pub eventhub_rule: Option<&'a str>,
    pub service_bus: Option<&'a str>,
}

/// A tenant (`microsoft.aadiam`) diagnostic setting, shaped like the upstream example.
pub fn entra_setting(name: &str, logs: &[(&str, bool)], to: &EntraDestinations) -> Value {
    let mut p = Map::new();
    put(&mut p, "storageAccountId", to.storage.map(|s| json!(s)));
    p.insert("workspaceId".into(), json!(to.workspace));
    put(
        &mut p,
        "eventHubAuthorizationRuleId",
        to.eventhub_rule.map(|s| json!(s)),
    );
    put(&mut p, "serviceBusRuleId", to.service_bus.map(|s| json!(s)));
    let logs: Vec<Value> = logs
        .iter()
        .map(|(c, on)| json!({"category": c, "enabled": on, "retentionPolicy": {"enabled": false, "days": 0}}))
        .collect();
    p.insert("logs".into(), Value::Array(logs));
    json!({"id": format!("providers/microsoft.aadiam/diagnosticSettings/{name}"), "type": "",
        "name": name, "location": "", "properties": p})
}

/// A Key Vault access policy.
pub fn access_policy(
    tenant: &str,
    object_id: &str,
    keys: &[&str],
    secrets: &[&str],
    certificates: &[&str],
) -> Value {
    json!({"tenantId": tenant, "objectId": object_id,
        "permissions": {"keys": keys, "secrets": secrets, "certificates": certificates}})
}

/// A private endpoint connection of a vault: its name, the endpoint's id,
/// its status, and the connection's etag.
#[derive(Debug, Clone)]
pub struct PrivateEndpointConnection {
    pub name: String,
    pub endpoint_id: String,
    pub status: &'static str,
    pub etag: String,
}

/// A Key Vault (calls 6 and 4).
#[derive(Debug, Clone, Default)]
pub struct Vault<'a> {
    pub sub: &'a str,
    pub rg: &'a str,
    pub name: &'a str,
    pub location: &'a str,
    pub tags: Value,
    pub tenant: &'a str,
    /// `systemData.createdBy` and `lastModifiedBy`.
    pub owner: &'a str,
    pub rbac: Option<bool>,
    pub soft_delete: Option<bool>,
    pub soft_delete_days: Option<u32>,
    pub purge_protection: Option<bool>,
    pub public_network: Option<&'a str>,
    pub network_acls: Option<Value>,
    pub access_policies: Vec<Value>,
    pub private_endpoints: Vec<PrivateEndpointConnection>,
}

impl Vault<'_> {
    pub fn id(&self) -> String {
        rid(self.sub, self.rg, T_VAULT, self.name)
    }

    pub fn body(&self) -> Value {
        let vid = self.id();
        let mut p =
            obj(json!({"sku": {"family": "A", "name": "standard"}, "tenantId": self.tenant}));
        put(&mut p, "networkAcls", self.network_acls.clone());
        p.insert("accessPolicies".into(), json!(self.access_policies));
        p.insert("enabledForDeployment".into(), json!(false));
        p.insert("enabledForDiskEncryption".into(), json!(false));
        p.insert("enabledForTemplateDeployment".into(), json!(false));
        put(
            &mut p,
            "enableSoftDelete",
            self.soft_delete.map(|v| json!(v)),
        );
        put(
            &mut p,
            "softDeleteRetentionInDays",
            self.soft_delete_days.map(|v| json!(v)),
        );
        put(
            &mut p,
            "enableRbacAuthorization",
            self.rbac.map(|v| json!(v)),
        );
        put(
            &mut p,
            "enablePurgeProtection",
            self.purge_protection.map(|v| json!(v)),
        );
        p.insert(
            "vaultUri".into(),
            json!(format!("https://{}.vault.azure.net/", self.name)),
        );
        p.insert("provisioningState".into(), json!("Succeeded"));
        put(
            &mut p,
            "publicNetworkAccess",
            self.public_network.map(|v| json!(v)),
        );
        if !self.private_endpoints.is_empty() {
            let conns: Vec<Value> = self
                .private_endpoints
                .iter()
                .map(|pe| {
                    let description = if pe.status == "Approved" {
                        "Auto-approved"
                    } else {
                        "Awaiting approval by the vault owner"
                    };
                    json!({
                        "id": format!("{vid}/privateEndpointConnections/{}", pe.name),
                        "etag": pe.etag,
                        "properties": {
                            "privateEndpoint": {"id": pe.endpoint_id},
                            "privateLinkServiceConnectionState": {
                                "status": pe.status,
                                "description": description,
                                "actionsRequired": "None",
                            },
                            "provisioningState": "Succeeded",
                        },
                    })
                })
                .collect();
            p.insert("privateEndpointConnections".into(), Value::Array(conns));
        }
        json!({"id": vid, "name": self.name, "type": T_VAULT, "location": self.location, "tags": self.tags,
            "systemData": {"createdBy": self.owner, "createdByType": "User", "createdAt": CREATED,
                           "lastModifiedBy": self.owner, "lastModifiedByType": "User",
                           "lastModifiedAt": MODIFIED},
            "properties": p})
    }
}

/// A customer-managed key: key name, vault name, the identity's id, and the
/// key version's identifier.
#[derive(Debug, Clone)]
pub struct Cmk {
    pub key: String,
    pub vault: String,
    pub identity: String,
    pub version: String,
}

/// A storage account (calls 7 and 4).
#[derive(Debug, Clone)]
pub struct Storage<'a> {
    pub sub: &'a str,
    pub rg: &'a str,
    pub name: &'a str,
    pub location: &'a str,
    pub tags: Value,
    pub kind: &'a str,
    pub sku: &'a str,
    /// The services with a primary endpoint; `None` leaves out
    /// `primaryEndpoints` (the services then come from the kind).
    pub endpoints: Option<&'a [&'a str]>,
    pub allow_blob_public: Option<bool>,
    pub public_network: Option<&'a str>,
    /// `networkAcls.defaultAction`; `None` leaves out `networkAcls`.
    pub network_default: Option<&'a str>,
    pub bypass: &'a str,
    pub shared_key: Option<bool>,
    pub tls: Option<&'a str>,
    pub https: bool,
    pub cmk: Option<Cmk>,
    /// Account-level `immutableStorageWithVersioning`.
    pub vlw: Option<Value>,
    pub identity: Option<Value>,
    pub created: &'a str,
}

pub const ALL_SERVICES: &[&str] = &["blob", "file", "queue", "table"];

impl<'a> Storage<'a> {
    /// A StorageV2, Standard_LRS account with the four services and nothing set.
    pub fn new(sub: &'a str, rg: &'a str, name: &'a str, location: &'a str, tags: Value) -> Self {
        Storage {
            sub,
            rg,
            name,
            location,
            tags,
            kind: "StorageV2",
            sku: "Standard_LRS",
            endpoints: Some(ALL_SERVICES),
            allow_blob_public: None,
            public_network: None,
            network_default: None,
            bypass: "AzureServices",
            shared_key: None,
            tls: None,
            https: true,
            cmk: None,
            vlw: None,
            identity: None,
            created: STORAGE_CREATED,
        }
    }

    pub fn id(&self) -> String {
        rid(self.sub, self.rg, T_STORAGE, self.name)
    }

    pub fn body(&self) -> Value {
        let created = self.created;
        let mut p = obj(json!({"keyCreationTime": {"key1": created, "key2": created}}));
        put(
            &mut p,
            "allowBlobPublicAccess",
            self.allow_blob_public.map(|v| json!(v)),
        );
        put(&mut p, "minimumTlsVersion", self.tls.map(|v| json!(v)));
        put(
            &mut p,
            "allowSharedKeyAccess",
            self.shared_key.map(|v| json!(v)),
        );
        put(
            &mut p,
            "publicNetworkAccess",
            self.public_network.map(|v| json!(v)),
        );
        if let Some(default) = self.network_default {
            p.insert(
                "networkAcls".into(),
                json!({"bypass": self.bypass, "defaultAction": default, "ipRules": [],
                    "virtualNetworkRules": [], "resourceAccessRules": []}),
            );
        }
        p.insert("creationTime".into(), json!(created));
        put(&mut p, "immutableStorageWithVersioning", self.vlw.clone());
        if let Some(endpoints) = self.endpoints {
            let mut ep = Map::new();
            for svc in ["dfs", "web", "blob", "file", "queue", "table"] {
                let implied = matches!(svc, "dfs" | "web")
                    && matches!(self.kind, "StorageV2" | "BlockBlobStorage");
                if endpoints.contains(&svc) || implied {
                    ep.insert(
                        svc.into(),
                        json!(format!("https://{}.{svc}.core.windows.net/", self.name)),
                    );
                }
            }
            p.insert("primaryEndpoints".into(), Value::Object(ep));
        }
        p.insert("primaryLocation".into(), json!(self.location));
        p.insert("provisioningState".into(), json!("Succeeded"));
        let mut enc = obj(json!({
            "services": {"file": {"keyType": "Account", "enabled": true, "lastEnabledTime": created},
                         "blob": {"keyType": "Account", "enabled": true, "lastEnabledTime": created}},
            "requireInfrastructureEncryption": false,
        }));
        match &self.cmk {
            Some(cmk) => {
                enc.insert("keySource".into(), json!("Microsoft.Keyvault"));
                enc.insert(
                    "keyvaultproperties".into(),
                    json!({
                        "keyname": cmk.key, "keyversion": "",
                        "keyvaulturi": format!("https://{}.vault.azure.net/", cmk.vault),
                        "currentVersionedKeyIdentifier": format!("https://{}.vault.azure.net/keys/{}/{}", cmk.vault, cmk.key, cmk.version),
                        "lastKeyRotationTimestamp": "2026-06-01T00:00:00.0000000Z",
                    }),
                );
                enc.insert(
                    "identity".into(),
                    json!({"userAssignedIdentity": cmk.identity}),
                );
            }
            None => {
                enc.insert("keySource".into(), json!("Microsoft.Storage"));
            }
        }
        p.insert("encryption".into(), Value::Object(enc));
        p.insert("statusOfPrimary".into(), json!("available"));
        p.insert("supportsHttpsTrafficOnly".into(), json!(self.https));
        let mut b = obj(
            json!({"id": self.id(), "kind": self.kind, "location": self.location, "name": self.name}),
        );
        put(&mut b, "identity", self.identity.clone());
        b.insert("properties".into(), Value::Object(p));
        let tier = if self.sku.starts_with("Premium") {
            "Premium"
        } else {
            "Standard"
        };
        b.insert("sku".into(), json!({"name": self.sku, "tier": tier}));
        b.insert("tags".into(), self.tags.clone());
        b.insert("type".into(), json!(T_STORAGE));
        Value::Object(b)
    }
}

/// The storage services present in an account (specs/baseline.md, "Present
/// storage services"): those with a primary endpoint, else by kind.
pub fn services_of(account: &Value) -> Vec<&'static str> {
    if let Some(ep) = account["properties"]
        .get("primaryEndpoints")
        .and_then(Value::as_object)
    {
        return ALL_SERVICES
            .iter()
            .copied()
            .filter(|s| ep.contains_key(*s))
            .collect();
    }
    match account["kind"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase()
        .as_str()
    {
        "storagev2" | "storage" => ALL_SERVICES.to_vec(),
        "blobstorage" | "blockblobstorage" => vec!["blob"],
        "filestorage" => vec!["file"],
        _ => Vec::new(),
    }
}

/// `{"enabled", "days"}`.
pub fn retention(enabled: bool, days: u32) -> Value {
    json!({"enabled": enabled, "days": days})
}

/// A blob service's properties (call 8).
pub fn blob_service(
    account_id: &str,
    blob_soft_delete: Option<Value>,
    container_soft_delete: Option<Value>,
    versioning: bool,
    sku: &str,
) -> Value {
    let mut p = obj(json!({"cors": {"corsRules": []}}));
    put(&mut p, "deleteRetentionPolicy", blob_soft_delete);
    put(
        &mut p,
        "containerDeleteRetentionPolicy",
        container_soft_delete,
    );
    p.insert("isVersioningEnabled".into(), json!(versioning));
    p.insert("changeFeed".into(), json!({"enabled": versioning}));
    json!({"id": format!("{account_id}/blobServices/default"), "name": "default",
        "type": "Microsoft.Storage/storageAccounts/blobServices",
        "properties": p, "sku": {"name": sku, "tier": "Standard"}})
}

/// A container-level time-based immutability policy.
#[derive(Debug, Clone)]
pub struct ContainerPolicy {
    pub days: u32,
    pub state: &'static str,
    /// Whether the list item carries the policy object; when it does not,
    /// the list item only says `hasImmutabilityPolicy` and a scan reads the
    /// policy (call 9a).
    pub in_list: bool,
    pub etag: String,
    pub update_history: Vec<Value>,
}

/// A blob container list item (call 9).
pub fn container(
    account_id: &str,
    name: &str,
    etag: &str,
    policy: Option<&ContainerPolicy>,
    vlw: bool,
) -> Value {
    let mut p = obj(json!({"deleted": false, "remainingRetentionDays": 0,
        "defaultEncryptionScope": "$account-encryption-key", "denyEncryptionScopeOverride": false,
        "publicAccess": "None", "leaseStatus": "Unlocked", "leaseState": "Available",
        "lastModifiedTime": CONTAINER_MODIFIED, "hasImmutabilityPolicy": policy.is_some(),
        "hasLegalHold": false}));
    if let Some(pol) = policy.filter(|p| p.in_list) {
        p.insert(
            "immutabilityPolicy".into(),
            json!({
                "etag": pol.etag,
                "properties": {"immutabilityPeriodSinceCreationInDays": pol.days, "state": pol.state,
                               "allowProtectedAppendWrites": true},
                "updateHistory": pol.update_history,
            }),
        );
    }
    if vlw {
        p.insert(
            "immutableStorageWithVersioning".into(),
            json!({"enabled": true, "timeStamp": "2025-03-01T00:00:00.0000000Z", "migrationState": "Completed"}),
        );
    }
    json!({"id": format!("{account_id}/blobServices/default/containers/{name}"), "name": name,
        "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
        "etag": etag, "properties": p})
}

/// An `updateHistory` entry of a container policy.
pub fn policy_update(
    update: &str,
    days: u32,
    timestamp: &str,
    object_id: &str,
    tenant: &str,
) -> Value {
    json!({"update": update, "immutabilityPeriodSinceCreationInDays": days, "timestamp": timestamp,
        "objectIdentifier": object_id, "tenantId": tenant, "allowProtectedAppendWrites": true})
}

/// A container's immutability policy (call 9a).
pub fn immutability_policy(container_id: &str, days: u32, state: &str, etag: &str) -> Value {
    json!({"id": format!("{container_id}/immutabilityPolicies/default"), "name": "default",
        "type": "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies",
        "etag": etag,
        "properties": {"immutabilityPeriodSinceCreationInDays": days, "allowProtectedAppendWrites": true,
                       "state": state}})
}

/// A Log Analytics workspace (calls 10 and 4).
#[derive(Debug, Clone, Default)]
pub struct Workspace<'a> {
    pub sub: &'a str,
    pub rg: &'a str,
    pub name: &'a str,
    pub location: &'a str,
    pub tags: Value,
    pub customer_id: String,
    pub retention_days: Option<u32>,
    pub purge30: Option<bool>,
    /// `workspaceCapping.dailyQuotaGb`; `None` is -1 (no cap).
    pub daily_quota_gb: Option<f64>,
    /// `workspaceCapping.dataIngestionStatus`; `None` is RespectQuota.
    pub ingestion_status: Option<&'a str>,
}

impl Workspace<'_> {
    pub fn id(&self) -> String {
        rid(self.sub, self.rg, T_WORKSPACE, self.name)
    }

    pub fn body(&self) -> Value {
        let mut features = obj(
            json!({"legacy": 0, "searchVersion": 1, "enableLogAccessUsingOnlyResourcePermissions": true}),
        );
        put(
            &mut features,
            "immediatePurgeDataOn30Days",
            self.purge30.map(|v| json!(v)),
        );
        let mut p = obj(
            json!({"customerId": self.customer_id, "provisioningState": "Succeeded",
            "sku": {"name": "PerGB2018", "lastSkuUpdate": CREATED}}),
        );
        put(
            &mut p,
            "retentionInDays",
            self.retention_days.map(|v| json!(v)),
        );
        p.insert("features".into(), Value::Object(features));
        p.insert(
            "workspaceCapping".into(),
            json!({"dailyQuotaGb": self.daily_quota_gb.unwrap_or(-1.0),
                "quotaNextResetTime": "2026-11-20T14:00:00Z",
                "dataIngestionStatus": self.ingestion_status.unwrap_or("RespectQuota")}),
        );
        p.insert("publicNetworkAccessForIngestion".into(), json!("Enabled"));
        p.insert("publicNetworkAccessForQuery".into(), json!("Enabled"));
        p.insert("createdDate".into(), json!(CREATED));
        p.insert("modifiedDate".into(), json!(MODIFIED));
        json!({"properties": p, "id": self.id(), "name": self.name, "type": T_WORKSPACE,
            "location": self.location, "tags": self.tags})
    }
}

/// Workspace lists give ids with lower-cased segments (as the upstream example does).
pub fn listed_workspace_id(wid: &str) -> String {
    wid.replace("/resourceGroups/", "/resourcegroups/").replace(
        "/providers/Microsoft.OperationalInsights/",
        "/providers/microsoft.operationalinsights/",
    )
}

/// A workspace table (call 11); -1 is "the default".
pub fn table(
    ws_id: &str,
    name: &str,
    retention_days: i32,
    total_days: i32,
    archive_days: i32,
) -> Value {
    json!({"properties": {"totalRetentionInDays": total_days, "archiveRetentionInDays": archive_days,
        "plan": "Analytics", "retentionInDaysAsDefault": retention_days == -1,
        "totalRetentionInDaysAsDefault": total_days == -1,
        "schema": {"name": name, "tableSubType": "Classic", "tableType": "Microsoft",
                   "solutions": ["LogManagement"]},
        "provisioningState": "Succeeded", "retentionInDays": retention_days},
        "id": format!("{ws_id}/tables/{name}"), "name": name})
}

/// An inbound or outbound TCP rule of an NSG.
#[derive(Debug, Clone, Copy)]
pub struct Rule<'a> {
    pub name: &'a str,
    pub direction: &'a str,
    pub access: &'a str,
    pub port: &'a str,
    pub source: &'a str,
}

/// A network security group (calls 27 and 4).
#[derive(Debug, Clone, Default)]
pub struct Nsg<'a> {
    pub sub: &'a str,
    pub rg: &'a str,
    pub name: &'a str,
    pub location: &'a str,
    pub tags: Value,
    /// The group's etag, which its rules share.
    pub etag: String,
    pub resource_guid: String,
    pub rules: Vec<Rule<'a>>,
    pub subnets: Vec<String>,
    pub nics: Vec<String>,
    pub flow_logs: Vec<String>,
}

impl Nsg<'_> {
    pub fn id(&self) -> String {
        rid(self.sub, self.rg, T_NSG, self.name)
    }

    pub fn body(&self) -> Value {
        let nid = self.id();
        let sec: Vec<Value> = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                json!({"name": r.name, "id": format!("{nid}/securityRules/{}", r.name),
                    "etag": self.etag, "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                    "properties": {"provisioningState": "Succeeded", "protocol": "Tcp", "sourcePortRange": "*",
                                   "destinationPortRange": r.port, "sourceAddressPrefix": r.source,
                                   "destinationAddressPrefix": "*", "access": r.access, "priority": 100 + 10 * i,
                                   "direction": r.direction}})
            })
            .collect();
        let ids = |v: &[String]| -> Vec<Value> { v.iter().map(|s| json!({"id": s})).collect() };
        let mut p = obj(
            json!({"provisioningState": "Succeeded", "resourceGuid": self.resource_guid,
            "securityRules": sec, "subnets": ids(&self.subnets)}),
        );
        if !self.nics.is_empty() {
            p.insert("networkInterfaces".into(), json!(ids(&self.nics)));
        }
        if !self.flow_logs.is_empty() {
            p.insert("flowLogs".into(), json!(ids(&self.flow_logs)));
        }
        json!({"name": self.name, "id": nid, "etag": self.etag, "type": T_NSG,
            "location": self.location, "tags": self.tags, "properties": p})
    }
}

/// A subnet: name, address prefix, and the id of its NSG.
#[derive(Debug, Clone)]
pub struct Subnet {
    pub name: String,
    pub prefix: String,
    pub nsg: Option<String>,
}

/// A virtual network (calls 26 and 4).
#[derive(Debug, Clone, Default)]
pub struct Vnet<'a> {
    pub sub: &'a str,
    pub rg: &'a str,
    pub name: &'a str,
    pub location: &'a str,
    pub tags: Value,
    /// The network's etag, which its subnets share.
    pub etag: String,
    pub resource_guid: String,
    pub prefixes: Vec<String>,
    pub subnets: Vec<Subnet>,
}

impl Vnet<'_> {
    pub fn id(&self) -> String {
        rid(self.sub, self.rg, T_VNET, self.name)
    }

    pub fn body(&self) -> Value {
        let vid = self.id();
        let sn: Vec<Value> = self
            .subnets
            .iter()
            .map(|s| {
                let mut sp =
                    obj(json!({"provisioningState": "Succeeded", "addressPrefix": s.prefix}));
                if let Some(nsg) = &s.nsg {
                    sp.insert("networkSecurityGroup".into(), json!({"id": nsg}));
                }
                sp.insert("delegations".into(), json!([]));
                sp.insert("privateEndpointNetworkPolicies".into(), json!("Disabled"));
                sp.insert("privateLinkServiceNetworkPolicies".into(), json!("Enabled"));
                json!({"name": s.name, "id": subnet_id(&vid, &s.name), "etag": self.etag,
                    "properties": sp, "type": "Microsoft.Network/virtualNetworks/subnets"})
            })
            .collect();
        json!({"name": self.name, "id": vid, "etag": self.etag, "type": T_VNET,
            "location": self.location, "tags": self.tags,
            "properties": {"provisioningState": "Succeeded", "resourceGuid": self.resource_guid,
                           "addressSpace": {"addressPrefixes": self.prefixes}, "subnets": sn,
                           "virtualNetworkPeerings": [], "enableDdosProtection": false}})
    }
}

pub fn subnet_id(vnet_id: &str, name: &str) -> String {
    format!("{vnet_id}/subnets/{name}")
}

/// The id of a subscription's Network Watcher in a region.
pub fn watcher_id(sub: &str, location: &str) -> String {
    rid(
        sub,
        "NetworkWatcherRG",
        T_WATCHER,
        &format!("NetworkWatcher_{location}"),
    )
}

/// A Network Watcher (calls 18 and 4).
pub fn watcher(sub: &str, location: &str, etag: &str) -> Value {
    json!({"name": format!("NetworkWatcher_{location}"), "id": watcher_id(sub, location), "etag": etag,
        "type": T_WATCHER, "location": location, "tags": {}, "properties": {"provisioningState": "Succeeded"}})
}

/// Traffic analytics of a flow log.
#[derive(Debug, Clone)]
pub struct Analytics {
    pub enabled: bool,
    /// The workspace's customer id, region and resource id, when set.
    pub workspace: Option<(String, String, String)>,
    pub interval: u32,
}

/// A flow log (calls 19 and 4).
#[derive(Debug, Clone)]
pub struct FlowLog<'a> {
    pub watcher_id: &'a str,
    pub location: &'a str,
    pub name: &'a str,
    pub etag: String,
    pub target_id: &'a str,
    pub target_guid: String,
    pub storage_id: &'a str,
    pub enabled: bool,
    pub retention_policy: Option<Value>,
    pub analytics: Option<Analytics>,
    pub state: &'a str,
}

impl FlowLog<'_> {
    pub fn id(&self) -> String {
        format!("{}/flowLogs/{}", self.watcher_id, self.name)
    }

    pub fn body(&self) -> Value {
        let mut p = obj(
            json!({"provisioningState": self.state, "targetResourceId": self.target_id,
            "targetResourceGuid": self.target_guid, "storageId": self.storage_id, "enabled": self.enabled}),
        );
        if let Some(a) = &self.analytics {
            let mut ta = obj(json!({"enabled": a.enabled}));
            if let Some((customer_id, region, resource_id)) = &a.workspace {
                ta.insert("workspaceId".into(), json!(customer_id));
                ta.insert("workspaceRegion".into(), json!(region));
                ta.insert("workspaceResourceId".into(), json!(resource_id));
            }
            ta.insert("trafficAnalyticsInterval".into(), json!(a.interval));
            p.insert(
                "flowAnalyticsConfiguration".into(),
                json!({"networkWatcherFlowAnalyticsConfiguration": ta}),
            );
        }
        put(&mut p, "retentionPolicy", self.retention_policy.clone());
        p.insert("format".into(), json!({"type": "JSON", "version": 2}));
        json!({"name": self.name, "id": self.id(), "etag": self.etag, "properties": p,
            "location": self.location, "type": T_FLOWLOG, "tags": {}})
    }
}

/// An action group (calls 15 and 4): email receivers as (name, address), ARM
/// role receivers as (name, role id).
pub fn action_group(
    rg_id: &str,
    name: &str,
    short: &str,
    enabled: bool,
    emails: &[(&str, String)],
    arm_roles: &[(&str, &str)],
) -> Value {
    let emails: Vec<Value> = emails
        .iter()
        .map(|(n, address)| json!({"name": n, "emailAddress": address, "useCommonAlertSchema": true, "status": "Enabled"}))
        .collect();
    let roles: Vec<Value> = arm_roles
        .iter()
        .map(|(n, role)| json!({"name": n, "roleId": role, "useCommonAlertSchema": true}))
        .collect();
    json!({
        "id": format!("{rg_id}/providers/microsoft.insights/actionGroups/{name}"),
        "type": "Microsoft.Insights/ActionGroups", "name": name, "location": "Global",
        "kind": null, "identity": null, "tags": {},
        "properties": {
            "groupShortName": short, "enabled": enabled,
            "emailReceivers": emails,
            "smsReceivers": [], "webhookReceivers": [], "eventHubReceivers": [], "itsmReceivers": [],
            "azureAppPushReceivers": [], "automationRunbookReceivers": [], "voiceReceivers": [],
            "logicAppReceivers": [], "azureFunctionReceivers": [],
            "armRoleReceivers": roles,
        },
    })
}

/// An `operationName equals` condition.
pub fn op(name: &str) -> Value {
    json!({"field": "operationName", "equals": name})
}

/// The `category equals Administrative` condition.
pub fn administrative() -> Value {
    json!({"field": "category", "equals": "Administrative"})
}

/// An activity log alert (calls 13 and 4).
pub fn activity_alert(
    rg_id: &str,
    name: &str,
    scopes: &[String],
    all_of: Vec<Value>,
    action_groups: &[String],
    enabled: Option<bool>,
    description: &str,
) -> Value {
    let groups: Vec<Value> = action_groups
        .iter()
        .map(|a| json!({"actionGroupId": a, "webhookProperties": {}}))
        .collect();
    let mut p = obj(json!({"scopes": scopes, "condition": {"allOf": all_of},
        "actions": {"actionGroups": groups}}));
    put(&mut p, "enabled", enabled.map(|v| json!(v)));
    p.insert("description".into(), json!(description));
    json!({"id": format!("{rg_id}/providers/microsoft.insights/activityLogAlerts/{name}"),
        "type": "Microsoft.Insights/ActivityLogAlerts", "name": name, "location": "Global", "tags": {},
        "properties": p})
}

/// A log search alert rule (calls 14 and 4).
#[derive(Debug, Clone)]
pub struct QueryRule<'a> {
    pub rg_id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    pub scope: &'a str,
    pub query: &'a str,
    pub action_groups: &'a [String],
    pub enabled: bool,
    pub severity: u32,
}

impl QueryRule<'_> {
    pub fn body(&self) -> Value {
        json!({
            "id": format!("{}/providers/microsoft.insights/scheduledqueryrules/{}", self.rg_id, self.name),
            "name": self.name, "type": "microsoft.insights/scheduledqueryrules", "location": self.location,
            "tags": {}, "kind": "LogAlert",
            "properties": {
                "description": self.description, "severity": self.severity, "enabled": self.enabled,
                "evaluationFrequency": "PT5M", "scopes": [self.scope], "windowSize": "PT15M",
                "criteria": {"allOf": [{"query": self.query, "timeAggregation": "Count", "dimensions": [],
                                        "operator": "GreaterThan", "threshold": 0,
                                        "failingPeriods": {"numberOfEvaluationPeriods": 1,
                                                           "minFailingPeriodsToAlert": 1}}]},
                "autoMitigate": false,
                "actions": {"actionGroups": self.action_groups, "customProperties": {}},
                "skipQueryValidation": false,
            },
        })
    }
}

/// A Defender for Cloud plan (call 16).
#[derive(Debug, Clone, Default)]
pub struct Pricing<'a> {
    pub sub: &'a str,
    pub plan: &'a str,
    pub tier: &'a str,
    pub sub_plan: Option<&'a str>,
    pub coverage: Option<&'a str>,
    pub extensions: Option<Vec<Value>>,
    pub deprecated: Option<bool>,
}

impl Pricing<'_> {
    pub fn body(&self) -> Value {
        let mut p = obj(json!({"pricingTier": self.tier}));
        put(&mut p, "subPlan", self.sub_plan.map(|v| json!(v)));
        p.insert("freeTrialRemainingTime".into(), json!("PT0S"));
        if self.tier.eq_ignore_ascii_case("standard") {
            p.insert(
                "enablementTime".into(),
                json!("2025-01-09T10:11:12.1234567Z"),
            );
        }
        p.insert("enforce".into(), json!("False"));
        put(
            &mut p,
            "resourcesCoverageStatus",
            self.coverage.map(|v| json!(v)),
        );
        put(&mut p, "deprecated", self.deprecated.map(|v| json!(v)));
        put(
            &mut p,
            "extensions",
            self.extensions.clone().map(Value::Array),
        );
        json!({"id": format!("/subscriptions/{}/providers/Microsoft.Security/pricings/{}", self.sub, self.plan),
            "name": self.plan, "type": "Microsoft.Security/pricings", "properties": p})
    }
}

/// A plan extension.
pub fn ext(name: &str, on: bool) -> Value {
    json!({"name": name, "isEnabled": if on { "True" } else { "False" }})
}

/// A security contact (call 17).
pub fn security_contact(sub: &str, name: &str, properties: Value) -> Value {
    json!({"id": format!("/subscriptions/{sub}/providers/Microsoft.Security/securityContacts/{name}"),
        "name": name, "type": "Microsoft.Security/securityContacts", "properties": properties})
}

/// A management lock (call 20).
pub fn lock(scope: &str, name: &str, level: &str, notes: &str) -> Value {
    json!({"properties": {"level": level, "notes": notes, "owners": []},
        "id": format!("{scope}/providers/Microsoft.Authorization/locks/{name}"),
        "type": "Microsoft.Authorization/locks", "name": name})
}

/// A role assignment (call 21).
#[derive(Debug, Clone)]
pub struct RoleAssignment<'a> {
    pub scope: &'a str,
    pub role_definition_id: String,
    pub principal_id: String,
    pub principal_type: &'a str,
    /// The assignment's name (a GUID).
    pub name: String,
    pub created_by: Option<String>,
}

impl RoleAssignment<'_> {
    pub fn body(&self) -> Value {
        json!({"properties": {"roleDefinitionId": self.role_definition_id, "principalId": self.principal_id,
                "principalType": self.principal_type, "scope": self.scope, "condition": null,
                "conditionVersion": null, "createdOn": ASSIGNED, "updatedOn": ASSIGNED,
                "createdBy": self.created_by, "updatedBy": self.created_by,
                "delegatedManagedIdentityResourceId": null, "description": null},
            "id": format!("{}/providers/Microsoft.Authorization/roleAssignments/{}", self.scope, self.name),
            "type": "Microsoft.Authorization/roleAssignments", "name": self.name})
    }
}

/// A role definition id in its subscription form, or (`sub` `None`) its tenant form.
pub fn role_definition_id(sub: Option<&str>, role: &str) -> String {
    match sub {
        Some(s) => {
            format!("/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{role}")
        }
        None => format!("/providers/Microsoft.Authorization/roleDefinitions/{role}"),
    }
}

/// `{workspace}/providers/Microsoft.SecurityInsights/{kind}/{name}`.
pub fn si_id(ws_id: &str, kind: &str, name: &str) -> String {
    format!("{ws_id}/providers/Microsoft.SecurityInsights/{kind}/{name}")
}

/// A workspace's Sentinel onboarding state (call 22).
pub fn onboarding_state(ws_id: &str) -> Value {
    json!({"id": si_id(ws_id, "onboardingStates", "default"), "name": "default",
        "type": "Microsoft.SecurityInsights/onboardingStates", "properties": {"customerManagedKey": false}})
}

/// A Sentinel data connector (call 23): `properties` then its data types' states.
pub fn connector(
    ws_id: &str,
    name: &str,
    etag: &str,
    kind: &str,
    properties: Value,
    data_types: &[(&str, &str)],
) -> Value {
    let mut p = obj(properties);
    let types: Map<String, Value> = data_types
        .iter()
        .map(|(k, v)| (k.to_string(), json!({"state": v})))
        .collect();
    p.insert("dataTypes".into(), Value::Object(types));
    json!({"id": si_id(ws_id, "dataConnectors", name), "name": name,
        "type": "Microsoft.SecurityInsights/dataConnectors", "kind": kind,
        "etag": etag, "properties": p})
}

/// A Sentinel analytics rule (call 24).
#[derive(Debug, Clone, Default)]
pub struct AlertRule<'a> {
    pub ws_id: &'a str,
    pub name: String,
    pub etag: String,
    pub kind: &'a str,
    pub display: &'a str,
    pub enabled: bool,
    pub severity: &'a str,
    /// A scheduled rule's query.
    pub query: Option<&'a str>,
    pub template: Option<&'a str>,
    pub product: Option<&'a str>,
}

impl AlertRule<'_> {
    pub fn body(&self) -> Value {
        let mut p = obj(json!({"displayName": self.display, "enabled": self.enabled,
            "severity": self.severity, "lastModifiedUtc": RULE_MODIFIED}));
        if let Some(q) = self.query {
            for (k, v) in obj(
                json!({"description": self.display, "query": q, "queryFrequency": "PT1H",
                "queryPeriod": "P1D", "triggerOperator": "GreaterThan", "triggerThreshold": 0,
                "suppressionDuration": "PT5H", "suppressionEnabled": false, "tactics": ["DefenseEvasion"],
                "techniques": ["T1562"]}),
            ) {
                p.insert(k, v);
            }
        }
        put(
            &mut p,
            "alertRuleTemplateName",
            self.template.map(|v| json!(v)),
        );
        put(&mut p, "productFilter", self.product.map(|v| json!(v)));
        json!({"id": si_id(self.ws_id, "alertRules", &self.name), "name": self.name,
            "type": "Microsoft.SecurityInsights/alertRules", "kind": self.kind,
            "etag": self.etag, "properties": p})
    }
}

/// A Sentinel setting (call 25).
pub fn sentinel_setting(ws_id: &str, kind: &str, etag: &str, properties: Value) -> Value {
    json!({"id": si_id(ws_id, "settings", kind), "name": kind, "type": "Microsoft.SecurityInsights/settings",
        "kind": kind, "etag": etag, "properties": properties})
}

/// A list response: `{"value": items}`.
pub fn listing(items: Vec<Value>) -> Value {
    json!({ "value": items })
}

// ---------------------------------------------------------------------------
// Machines (calls 31–35, baseline 1.2 "Machines")
// ---------------------------------------------------------------------------

/// The properties of a virtual machine (call 31) of OS `os` (`Windows` or
/// `Linux`), added to a resource body: its OS in `storageProfile.osDisk.osType`.
pub fn with_vm_os(mut body: Value, os: &str, size: &str) -> Value {
    let name = body["name"].as_str().unwrap_or_default().to_string();
    body["properties"] = json!({
        "hardwareProfile": {"vmSize": size},
        "storageProfile": {"osDisk": {"osType": os, "name": format!("{name}_OsDisk_1"),
            "createOption": "FromImage", "caching": "ReadWrite", "diskSizeGB": 127}, "dataDisks": []},
        "osProfile": {"computerName": name, "adminUsername": "azureadmin", "allowExtensionOperations": true},
        "provisioningState": "Succeeded"
    });
    body
}

/// An Azure Arc machine (call 32): its OS in `properties.osType` (lower case, as Arc gives it).
pub fn arc_machine(
    sub: &str,
    rg: &str,
    name: &str,
    location: &str,
    os: &str,
    tags: Value,
) -> Value {
    json!({"id": rid(sub, rg, T_ARC, name), "name": name, "type": T_ARC, "location": location,
        "tags": tags, "identity": {"type": "SystemAssigned"},
        "properties": {"provisioningState": "Succeeded", "status": "Connected", "osType": os,
            "osName": os, "agentVersion": "1.48.02881", "machineFqdn": format!("{name}.corp.example")}})
}

/// A machine extension (call 33). `machine_id` is a virtual machine's or an Arc machine's id.
pub fn machine_extension(
    machine_id: &str,
    ext_type: &str,
    publisher: &str,
    state: &str,
    location: &str,
) -> Value {
    let rtype = if is_arc(machine_id) {
        "Microsoft.HybridCompute/machines/extensions"
    } else {
        "Microsoft.Compute/virtualMachines/extensions"
    };
    json!({"id": format!("{machine_id}/extensions/{ext_type}"), "name": ext_type, "type": rtype,
        "location": location, "properties": {"publisher": publisher, "type": ext_type,
            "typeHandlerVersion": "1.0", "autoUpgradeMinorVersion": true, "provisioningState": state}})
}

/// The Azure Monitor Agent for `os`, and the legacy agent.
pub const AMA_PUBLISHER: &str = "Microsoft.Azure.Monitor";
pub fn ama_type(os: &str) -> &'static str {
    if os.eq_ignore_ascii_case("Linux") {
        "AzureMonitorLinuxAgent"
    } else {
        "AzureMonitorWindowsAgent"
    }
}
pub const LEGACY_PUBLISHER: &str = "Microsoft.EnterpriseCloud.Monitoring";
pub fn legacy_type(os: &str) -> &'static str {
    if os.eq_ignore_ascii_case("Linux") {
        "OmsAgentForLinux"
    } else {
        "MicrosoftMonitoringAgent"
    }
}

/// Whether an id is an Azure Arc machine's (or one of its children's).
pub fn is_arc(id: &str) -> bool {
    id.to_ascii_lowercase()
        .contains("/microsoft.hybridcompute/")
}

/// A resource as a Resource Graph row answers it (`project id, name, type,
/// properties`; Resource Graph gives the type in lower case).
pub fn graph_row(body: &Value) -> Value {
    json!({"id": body["id"], "name": body["name"],
        "type": body["type"].as_str().map(str::to_ascii_lowercase), "properties": body["properties"]})
}

/// A data collection rule association (call 34) of a machine with a rule.
pub fn dcr_association(machine_id: &str, name: &str, rule_id: &str) -> Value {
    json!({"id": format!("{machine_id}/providers/Microsoft.Insights/dataCollectionRuleAssociations/{name}"),
        "name": name, "type": "Microsoft.Insights/dataCollectionRuleAssociations",
        "properties": {"dataCollectionRuleId": rule_id, "provisioningState": "Succeeded"}})
}

/// What a data collection rule (call 35) collects and where it sends it.
#[derive(Debug, Clone, Default)]
pub struct Dcr<'a> {
    pub sub: &'a str,
    pub rg: &'a str,
    pub name: &'a str,
    pub location: &'a str,
    /// Windows event log xPath queries (stream Microsoft-SecurityEvent).
    pub xpaths: Vec<&'a str>,
    /// Syslog facilities (stream Microsoft-Syslog).
    pub facilities: Vec<&'a str>,
    pub workspace: &'a str,
    /// Whether the flows go to the workspace (else to Azure Monitor Metrics only).
    pub to_workspace: bool,
}

impl Dcr<'_> {
    pub fn id(&self) -> String {
        rid(self.sub, self.rg, T_DCR, self.name)
    }
    pub fn body(&self) -> Value {
        let mut sources = Map::new();
        let mut streams = Vec::new();
        if !self.xpaths.is_empty() {
            sources.insert(
                "windowsEventLogs".into(),
                json!([{"name": "eventLogs",
                "streams": ["Microsoft-SecurityEvent"], "xPathQueries": self.xpaths}]),
            );
            streams.push("Microsoft-SecurityEvent");
        }
        if !self.facilities.is_empty() {
            sources.insert("syslog".into(), json!([{"name": "syslog", "streams": ["Microsoft-Syslog"],
                "facilityNames": self.facilities, "logLevels": ["Info", "Notice", "Warning", "Error", "Critical", "Alert", "Emergency"]}]));
            streams.push("Microsoft-Syslog");
        }
        let to = if self.to_workspace { "soc" } else { "metrics" };
        json!({"id": self.id(), "name": self.name, "type": T_DCR, "location": self.location,
            "properties": {"dataSources": sources,
                "destinations": {"logAnalytics": [{"name": "soc", "workspaceResourceId": self.workspace}],
                    "azureMonitorMetrics": {"name": "metrics"}},
                "dataFlows": [{"streams": streams, "destinations": [to]}],
                "provisioningState": "Succeeded"}})
    }
}
