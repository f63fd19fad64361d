//! Planned changes (`azward plan`): an ARM/Bicep what-if document
//! (`az deployment group|sub|mg|tenant what-if --no-pretty-print --output json`,
//! the `WhatIfOperationResult` of the Resource Manager API) applied to a base
//! recording's exchanges before replay, so every collector and check sees the
//! planned estate through the code that reads the real one.
//!
//! - Create, Modify, Deploy: `after` goes into the list bodies that list its
//!   type in its subscription (its provider's list and `/resources`); a
//!   diagnostic setting goes into its parent's settings list. A created
//!   resource's diagnostic settings list is answered with the settings the
//!   plan creates for it (or none: a new resource has no other); its other
//!   per-resource reads (a storage account's blob service and containers)
//!   are answered `UnknownUntilApply`, so the results that need them are
//!   `error`, never `pass`.
//! - Delete: removed from those lists.
//! - NoChange: nothing. Ignore, Unsupported, a type this slice does not map,
//!   or a subscription the base does not hold: listed in [`Applied::skipped`].

use crate::azure::recording::{Exchange, MatchKey, RecordedBody};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The largest what-if document read (a deployment of 800 resources with
/// full bodies is a few MB).
pub const MAX_BYTES: u64 = 64 << 20;
/// The most changes one document may hold.
pub const MAX_CHANGES: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum WhatIfError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
}

/// One planned change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Change {
    #[serde(rename = "resourceId")]
    pub resource_id: String,
    #[serde(rename = "changeType")]
    pub change_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// The planned resource's address where the plan has one of its own
    /// (a Terraform address); else the ARM id is the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// `after` holds only the properties the plan sets (a Terraform
    /// resource's mapped attributes): merged into the base's item, not put
    /// in its place.
    #[serde(skip)]
    pub merge: bool,
    /// The attributes the baseline reads whose values are unknown until
    /// apply (Terraform's `after_unknown`, after references between planned
    /// resources are resolved): results that follow from this change are
    /// `error`, never `pass` or `not_applicable`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
    /// The ARM property names those attributes set (`enablePurgeProtection`
    /// for `purge_protection_enabled`): a check whose condition names one
    /// depends on the unknown value.
    #[serde(skip)]
    pub unknown_props: Vec<String>,
    /// Per-resource reads of a created resource that the plan answers
    /// (path under the resource id, body): a Terraform storage account's
    /// `blob_properties` as its blob service.
    #[serde(skip)]
    pub known_reads: Vec<(String, Value)>,
}

impl Change {
    /// The address shown for this change: the plan's own, else the ARM id.
    pub fn display_address(&self) -> &str {
        self.address.as_deref().unwrap_or(&self.resource_id)
    }
}

/// A planned change document (what-if or Terraform): its changes, in file
/// order, and the changes it touches that cannot be applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WhatIf {
    pub source: PathBuf,
    pub changes: Vec<Change>,
    /// Changes already known not to apply (a Terraform type not supported,
    /// an id that cannot be resolved), listed in every output.
    pub skipped: Vec<Skipped>,
}

/// A planned change document's bytes (what-if or Terraform), refused past
/// [`MAX_BYTES`] before it is parsed.
pub fn read_bounded(path: &Path) -> Result<Vec<u8>, WhatIfError> {
    let io = |source| WhatIfError::Io {
        path: path.into(),
        source,
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    use std::io::Read;
    f.take(MAX_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(WhatIfError::Format {
            path: path.into(),
            message: format!("larger than {} MiB", MAX_BYTES >> 20),
        });
    }
    Ok(bytes)
}

/// The change types of the API (`WhatIfChange.changeType`).
const CHANGE_TYPES: [&str; 7] = [
    "Create",
    "Delete",
    "Modify",
    "Deploy",
    "NoChange",
    "Ignore",
    "Unsupported",
];

impl WhatIf {
    /// Reads a what-if document of at most [`MAX_BYTES`].
    pub fn load(path: &Path) -> Result<WhatIf, WhatIfError> {
        WhatIf::from_bytes(&read_bounded(path)?, path)
    }

    /// Parses a what-if document: the API's `{status, properties: {changes}}`
    /// or the Azure CLI's `{status, changes}`.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<WhatIf, WhatIfError> {
        let err = |message: String| WhatIfError::Format {
            path: path.into(),
            message,
        };
        let doc: Value =
            serde_json::from_slice(bytes).map_err(|e| err(format!("not JSON: {e}")))?;
        let Some(obj) = doc.as_object() else {
            return Err(err(
                "not a what-if result: the document is not an object".into()
            ));
        };
        if let Some(status) = obj.get("status").and_then(Value::as_str) {
            if !status.eq_ignore_ascii_case("Succeeded") {
                let why = obj
                    .get("error")
                    .and_then(|e| e.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or("no error message");
                return Err(err(format!(
                    "status: the what-if operation did not succeed ({}: {})",
                    crate::util::text::printable(status),
                    crate::util::text::printable(why)
                )));
            }
        }
        let changes = obj
            .get("properties")
            .and_then(|p| p.get("changes"))
            .or_else(|| obj.get("changes"))
            .ok_or_else(|| err("properties.changes: missing".into()))?;
        let Some(list) = changes.as_array() else {
            return Err(err("properties.changes: not an array".into()));
        };
        if list.len() > MAX_CHANGES {
            return Err(err(format!(
                "properties.changes: {} changes, more than {MAX_CHANGES}",
                list.len()
            )));
        }
        let mut out = Vec::with_capacity(list.len());
        for (i, c) in list.iter().enumerate() {
            let field = |name: &str| format!("properties.changes[{i}].{name}");
            let change: Change = serde_json::from_value(c.clone()).map_err(|e| {
                let m = e.to_string();
                let name = if m.contains("resourceId") {
                    "resourceId"
                } else if m.contains("changeType") {
                    "changeType"
                } else {
                    "after"
                };
                err(format!("{}: {m}", field(name)))
            })?;
            if !change.resource_id.starts_with('/') || change.resource_id.len() > 4096 {
                return Err(err(format!("{}: not a resource id", field("resourceId"))));
            }
            if !CHANGE_TYPES.contains(&change.change_type.as_str()) {
                return Err(err(format!(
                    "{}: unknown change type {:?}",
                    field("changeType"),
                    crate::util::text::printable(&change.change_type)
                )));
            }
            let writes = matches!(change.change_type.as_str(), "Create" | "Modify" | "Deploy");
            if writes && !change.after.as_ref().is_some_and(Value::is_object) {
                return Err(err(format!(
                    "{}: a {} change needs the resource after it",
                    field("after"),
                    change.change_type
                )));
            }
            out.push(change);
        }
        Ok(WhatIf {
            source: path.into(),
            changes: out,
            skipped: Vec::new(),
        })
    }
}

/// A change the overlay did not apply, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub resource_id: String,
    pub change_type: String,
    pub reason: String,
    /// The plan's own address (Terraform), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl Skipped {
    /// Whether the change could matter to the baseline but was not placed in
    /// the planned estate (its subscription is not in the base, its list
    /// could not be read, its id is unknown, what-if could not predict it, a
    /// child type not mapped): the planned estate may then miss a finding,
    /// so `--fail-on-new` fails rather than pass on it.
    pub fn hides_findings(&self) -> bool {
        const HIDING: [&str; 6] = [
            "the base does not hold",
            "its list could not be read",
            "its resource id cannot be known",
            "what-if cannot predict it",
            "resource type not mapped in this slice",
            "under a resource the plan creates",
        ];
        HIDING.iter().any(|h| self.reason.starts_with(h))
    }

    /// The address shown: the plan's own, else the ARM id.
    pub fn display_address(&self) -> &str {
        self.address.as_deref().unwrap_or(&self.resource_id)
    }
}

/// What the overlay did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Applied {
    /// The changes applied (Create, Modify, Deploy, Delete), in file order.
    pub applied: Vec<Change>,
    /// The changes not applied: Ignore, Unsupported, and types or scopes this slice does not map.
    pub skipped: Vec<Skipped>,
}

/// Types listed at `/subscriptions/{s}/providers/{type}` (call-set rows
/// 6, 7, 10, 13, 14, 15, 18, 20, 21 and the machines' and networks' lists).
const SUBSCRIPTION_LISTS: [&str; 13] = [
    "Microsoft.KeyVault/vaults",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.OperationalInsights/workspaces",
    "Microsoft.Insights/activityLogAlerts",
    "Microsoft.Insights/scheduledQueryRules",
    "Microsoft.Insights/actionGroups",
    "Microsoft.Network/networkWatchers",
    "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Network/virtualNetworks",
    "Microsoft.Compute/virtualMachines",
    "Microsoft.HybridCompute/machines",
    "Microsoft.Authorization/locks",
    "Microsoft.Authorization/roleAssignments",
];

/// Extension resource types: listed by scope, not in `/resources`.
const EXTENSION_TYPES: [&str; 2] = [
    "Microsoft.Authorization/locks",
    "Microsoft.Authorization/roleAssignments",
];

const DIAGNOSTIC_SETTINGS: &str = "Microsoft.Insights/diagnosticSettings";

/// The sub-services of a storage account whose diagnostic settings are read (row 12).
const STORAGE_SERVICES: [&str; 4] = [
    "blobServices/default",
    "fileServices/default",
    "queueServices/default",
    "tableServices/default",
];

/// A resource id's parts: subscription, resource type (`Namespace/type[/child…]`)
/// of its last provider segment, and the scope it is an extension of (for
/// `{scope}/providers/Ns/type/name`, the scope; else `None`).
struct Parts {
    subscription: Option<String>,
    rtype: String,
    scope: Option<String>,
}

fn parts(id: &str) -> Option<Parts> {
    let segs: Vec<&str> = id.trim_end_matches('/').split('/').collect();
    let subscription = (segs.len() > 2 && segs[1].eq_ignore_ascii_case("subscriptions"))
        .then(|| segs[2].to_string());
    let p = segs
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("providers"))?;
    let rest = &segs[p + 1..];
    if rest.len() < 3 || rest.len().is_multiple_of(2) {
        return None;
    }
    let mut rtype = rest[0].to_string();
    for pair in rest[1..].chunks(2).take(rest.len() / 2) {
        rtype.push('/');
        rtype.push_str(pair[0]);
    }
    // An extension resource: something other than the subscription or a
    // resource group before `providers`.
    let before = &segs[..p];
    let plain = before.len() <= 3
        || (before.len() == 5 && before[3].eq_ignore_ascii_case("resourceGroups"));
    let scope = (!plain).then(|| before.join("/"));
    Some(Parts {
        subscription,
        rtype,
        scope,
    })
}

/// A resource id's type (`Namespace/type[/child…]`), when it has one.
pub fn resource_type(id: &str) -> Option<String> {
    parts(id).map(|p| p.rtype)
}

/// The call-set rows (`docs/recording.md`) that read a resource of this id's
/// type: what a check's `reads` is compared with to tell which planned
/// change a result on a whole subscription follows from.
pub fn rows_of(resource_id: &str) -> &'static [&'static str] {
    let Some(p) = parts(resource_id) else {
        return &[];
    };
    let t = p.rtype.to_ascii_lowercase();
    match t.as_str() {
        "microsoft.insights/diagnosticsettings" if p.scope.is_none() => &["5"],
        "microsoft.insights/diagnosticsettings" => &["12"],
        "microsoft.keyvault/vaults" => &["4", "6"],
        "microsoft.storage/storageaccounts" => &["4", "7", "8", "9"],
        "microsoft.operationalinsights/workspaces" => &["4", "10"],
        "microsoft.insights/activitylogalerts" => &["13"],
        "microsoft.insights/scheduledqueryrules" => &["14"],
        "microsoft.insights/actiongroups" => &["15"],
        "microsoft.network/networkwatchers" => &["18"],
        "microsoft.authorization/locks" => &["20"],
        "microsoft.authorization/roleassignments" => &["21"],
        _ => &["4"],
    }
}

/// The call-set rows a check's `reads` names (`"7, and 2, 5, 12"`: 7, 2, 5, 12).
pub fn rows_in(reads: &str) -> Vec<String> {
    reads
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

/// Which changes a result on `resource_id` follows from (indices into
/// `changes`): changes on the resource itself; else changes under it (on a
/// subscription or resource group, those of the types the check reads,
/// `check_rows`, when any); else the change of the resource it is part of
/// (a storage account, for its blob service), never a whole subscription.
pub fn behind(changes: &[Change], resource_id: &str, check_rows: &[String]) -> Vec<usize> {
    matching(changes, resource_id, check_rows, Match::Loose)
}

/// How [`matching`] relates a result to the changes under its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// [`behind`]: those the check reads, else all.
    Loose,
    /// Only those the check reads: what an unknown value can affect.
    Read,
    /// None: the result must be on the planned resource or a part of it
    /// (what `--no-base` can judge).
    Own,
}

/// [`behind`], with the changes under the resource counted as `mode` says.
pub fn matching(
    changes: &[Change],
    resource_id: &str,
    check_rows: &[String],
    mode: Match,
) -> Vec<usize> {
    let ids = || changes.iter().map(|c| c.resource_id.as_str()).enumerate();
    let exact: Vec<usize> = ids()
        .filter(|(_, c)| crate::model::same_id(c, resource_id))
        .map(|(i, _)| i)
        .collect();
    if !exact.is_empty() && mode != Match::Read {
        return exact;
    }
    let id = resource_id.trim_end_matches('/').to_ascii_lowercase();
    let under: Vec<(usize, &str)> = ids()
        .filter(|(_, c)| c.to_ascii_lowercase().starts_with(&format!("{id}/")))
        .collect();
    if !under.is_empty() && mode != Match::Own {
        let read: Vec<usize> = under
            .iter()
            .filter(|(_, c)| rows_of(c).iter().any(|r| check_rows.iter().any(|x| x == r)))
            // What an unknown value can affect: a resource's own diagnostic
            // setting (row 12) counts for that resource, not for the
            // subscription or group it is in.
            .filter(|(_, c)| {
                mode != Match::Read
                    || rows_of(c) != ["12"]
                    || parts(c)
                        .and_then(|p| p.scope)
                        .is_some_and(|s| s.eq_ignore_ascii_case(&id))
            })
            .map(|(i, _)| *i)
            .collect();
        if mode == Match::Read {
            // Everything the result reads: the resource, what is under it
            // that the check reads, and what it is part of.
            let mut all = exact;
            all.extend(read);
            all.extend(part_of(changes, &id));
            return all;
        }
        return if read.is_empty() {
            under.into_iter().map(|(i, _)| i).collect()
        } else {
            read
        };
    }
    let mut out = exact;
    out.extend(part_of(changes, &id));
    out
}

/// The changes of resources that `id` (lower-cased) is a part of.
fn part_of(changes: &[Change], id: &str) -> Vec<usize> {
    changes
        .iter()
        .map(|c| c.resource_id.as_str())
        .enumerate()
        .filter(|(_, c)| c.to_ascii_lowercase().contains("/providers/"))
        .filter(|(_, c)| {
            id.starts_with(&format!(
                "{}/",
                c.trim_end_matches('/').to_ascii_lowercase()
            ))
        })
        .map(|(i, _)| i)
        .collect()
}

fn canonical(list: &[&'static str], t: &str) -> Option<&'static str> {
    list.iter().copied().find(|x| x.eq_ignore_ascii_case(t))
}

/// A recording's exchanges with the GETs indexed by path, so applying a
/// change looks up its lists instead of scanning every exchange.
struct Exchanges<'a> {
    v: &'a mut Vec<Exchange>,
    by_path: std::collections::HashMap<String, Vec<usize>>,
}

impl<'a> Exchanges<'a> {
    fn new(v: &'a mut Vec<Exchange>) -> Exchanges<'a> {
        let mut by_path: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, e) in v.iter().enumerate() {
            if e.method == "GET" {
                by_path
                    .entry(MatchKey::of(&e.url, "").path)
                    .or_default()
                    .push(i);
            }
        }
        Exchanges { v, by_path }
    }

    /// The exchanges answering `path` (any query, any page), by index.
    fn of(&self, path: &str) -> Vec<usize> {
        self.by_path
            .get(&MatchKey::of(path, "").path)
            .cloned()
            .unwrap_or_default()
    }

    fn push(&mut self, e: Exchange) {
        self.by_path
            .entry(MatchKey::of(&e.url, "").path)
            .or_default()
            .push(self.v.len());
        self.v.push(e);
    }
}

impl std::ops::Index<usize> for Exchanges<'_> {
    type Output = Exchange;
    fn index(&self, i: usize) -> &Exchange {
        &self.v[i]
    }
}

impl std::ops::IndexMut<usize> for Exchanges<'_> {
    fn index_mut(&mut self, i: usize) -> &mut Exchange {
        &mut self.v[i]
    }
}

/// The exchanges answering `path` (any query, any page), by index.
#[cfg(test)]
fn exchanges_of(ex: &[Exchange], path: &str) -> Vec<usize> {
    let want = MatchKey::of(path, "").path;
    ex.iter()
        .enumerate()
        .filter(|(_, e)| e.method == "GET" && MatchKey::of(&e.url, "").path == want)
        .map(|(i, _)| i)
        .collect()
}

fn body_of(e: &Exchange) -> Option<Value> {
    e.body.as_ref().and_then(RecordedBody::to_value)
}

/// Removes the item `id` from every page of the list at `path`; true when found.
fn remove_from(ex: &mut Exchanges, path: &str, id: &str) -> bool {
    let mut found = false;
    for i in ex.of(path) {
        let Some(mut body) = body_of(&ex[i]) else {
            continue;
        };
        if let Some(items) = body.get_mut("value").and_then(Value::as_array_mut) {
            let n = items.len();
            items.retain(|v| {
                !v["id"]
                    .as_str()
                    .is_some_and(|x| crate::model::same_id(x, id))
            });
            if items.len() != n {
                found = true;
                ex[i].body = Some(RecordedBody::from(&body));
            }
        }
    }
    found
}

/// Merges `patch` into `base` (objects key by key, anything else replaced).
pub fn merge_into(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(slot) => merge_into(slot, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// Puts `item` in the list at `path`: in place of the item with its id (or
/// merged into it, with `merge`), or appended to the first successful page.
/// False when the base holds no successful answer for that list.
fn upsert_into(ex: &mut Exchanges, path: &str, id: &str, item: &Value, merge: bool) -> bool {
    let pages: Vec<usize> = ex
        .of(path)
        .into_iter()
        .filter(|&i| ex[i].status == 200)
        .collect();
    for &i in &pages {
        let Some(mut body) = body_of(&ex[i]) else {
            continue;
        };
        let Some(items) = body.get_mut("value").and_then(Value::as_array_mut) else {
            continue;
        };
        if let Some(slot) = items.iter_mut().find(|v| {
            v["id"]
                .as_str()
                .is_some_and(|x| crate::model::same_id(x, id))
        }) {
            if merge {
                merge_into(slot, item);
            } else {
                *slot = item.clone();
            }
            ex[i].body = Some(RecordedBody::from(&body));
            return true;
        }
    }
    let Some(&first) = pages.first() else {
        return false;
    };
    let Some(mut body) = body_of(&ex[first]) else {
        return false;
    };
    let Some(items) = body.get_mut("value").and_then(Value::as_array_mut) else {
        return false;
    };
    items.push(item.clone());
    ex[first].body = Some(RecordedBody::from(&body));
    true
}

/// Replaces (or merges into) the answer to `GET id` itself, where the base
/// reads the resource on its own (a data collection rule, row 35); a
/// delete answers 404. False when the base does not read it.
fn replace_read(ex: &mut Exchanges, id: &str, item: Option<&Value>, merge: bool) -> bool {
    let hits = ex.of(id);
    for &i in &hits {
        match item {
            None => {
                ex[i].status = 404;
                ex[i].body = Some(RecordedBody::from(&json!({"error": {
                    "code": "ResourceNotFound",
                    "message": format!("{id} is deleted by the plan"),
                }})));
            }
            Some(it) => {
                let mut body = match (merge, ex[i].status == 200) {
                    (true, true) => body_of(&ex[i]).unwrap_or_else(|| json!({})),
                    _ => json!({}),
                };
                merge_into(&mut body, it);
                ex[i].status = 200;
                ex[i].body = Some(RecordedBody::from(&body));
            }
        }
    }
    !hits.is_empty()
}

/// Answers `GET path` with `status` and `body`, unless the base already answers it.
fn answer(ex: &mut Exchanges, path: &str, status: u16, body: Value) {
    if ex.of(path).is_empty() {
        ex.push(Exchange {
            method: "GET".into(),
            url: path.to_string(),
            status,
            body: Some(RecordedBody::from(&body)),
            headers: None,
            request_body: None,
        });
    }
}

fn unknown_until_apply(id: &str, what: &str) -> Value {
    json!({"error": {"code": "UnknownUntilApply", "message": format!(
        "unknown until apply: {id} is created by the plan, which does not give its {what}"
    )}})
}

/// The item `/resources` lists for a resource.
fn generic_item(after: &Value) -> Value {
    let mut o = serde_json::Map::new();
    for k in ["id", "name", "type", "kind", "location", "sku", "tags"] {
        if let Some(v) = after.get(k) {
            o.insert(k.into(), v.clone());
        }
    }
    Value::Object(o)
}

/// `after` as a list body holds it: without what-if's `apiVersion`, and
/// with the change's resource id.
fn as_item(id: &str, after: &Value) -> Value {
    let mut v = after.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("apiVersion");
        o.entry("id").or_insert_with(|| json!(id));
    }
    v
}

/// The list a child or extension resource is read in: its id without its
/// name (`{workspace}/tables/T` → `{workspace}/tables`).
fn collection_of(id: &str) -> Option<&str> {
    let id = id.trim_end_matches('/');
    let (coll, name) = id.rsplit_once('/')?;
    (!name.is_empty() && coll.matches('/').count() >= 2).then_some(coll)
}

/// Applies `plan` to a base recording's exchanges. Changes apply parents
/// first (fewer id segments), so a child the plan creates under a resource
/// it creates finds that resource's lists.
pub fn apply(exchanges: &mut Vec<Exchange>, plan: &WhatIf) -> Applied {
    let ex = &mut Exchanges::new(exchanges);
    let mut out = Applied::default();
    let mut skipped: Vec<(usize, Skipped)> = Vec::new();
    let skip = |c: &Change, reason: &str| Skipped {
        resource_id: c.resource_id.clone(),
        change_type: c.change_type.clone(),
        reason: reason.to_string(),
        address: c.address.clone(),
    };
    let mut order: Vec<(usize, &Change)> = plan.changes.iter().enumerate().collect();
    order.sort_by_key(|(_, c)| c.resource_id.trim_end_matches('/').matches('/').count());
    let mut done: Vec<(usize, &Change)> = Vec::new();
    for (at, c) in order {
        let id = c.resource_id.as_str();
        match c.change_type.as_str() {
            "NoChange" => continue,
            "Ignore" => {
                skipped.push((
                    at,
                    skip(
                        c,
                        "what-if ignores it (outside the deployment's scope or mode)",
                    ),
                ));
                continue;
            }
            "Unsupported" => {
                skipped.push((at, skip(c, "what-if cannot predict it")));
                continue;
            }
            _ => {}
        }
        let Some(p) = parts(id) else {
            skipped.push((at, skip(c, "not a resource id this slice maps")));
            continue;
        };
        let delete = c.change_type == "Delete";
        let item = c.after.as_ref().map(|a| as_item(id, a));
        let sub_lists = p.subscription.as_ref().and_then(|sub| {
            canonical(&SUBSCRIPTION_LISTS, &p.rtype)
                .filter(|_| p.scope.is_none() || canonical(&EXTENSION_TYPES, &p.rtype).is_some())
                .map(|t| (sub.clone(), t))
        });
        let applied = if p.rtype.eq_ignore_ascii_case(DIAGNOSTIC_SETTINGS) {
            let parent = p.scope.clone().unwrap_or_else(|| match &p.subscription {
                Some(sub) => format!("/subscriptions/{sub}"),
                None => String::new(),
            });
            let list = format!("{parent}/providers/{DIAGNOSTIC_SETTINGS}");
            if delete {
                remove_from(ex, &list, id);
            } else {
                let item = item.expect("checked at load");
                if !upsert_into(ex, &list, id, &item, c.merge) {
                    // The parent may be created by the plan: its list is
                    // the settings the plan gives it.
                    answer(ex, &list, 200, json!({"value": [item]}));
                }
            }
            Ok(())
        } else if let Some((sub, t)) = sub_lists {
            let mut lists = vec![format!("/subscriptions/{sub}/providers/{t}")];
            if canonical(&EXTENSION_TYPES, t).is_none() {
                lists.push(format!("/subscriptions/{sub}/resources"));
            }
            put_in_lists(ex, c, &lists, item.as_ref(), delete)
        } else if let Some(coll) = collection_of(id).filter(|coll| !ex.of(coll).is_empty()) {
            // A child or extension resource whose list the base reads (a
            // workspace's tables, a watcher's flow logs, Sentinel's rules
            // and onboarding, Defender's pricings, Entra's settings).
            let coll = coll.to_string();
            if delete {
                remove_from(ex, &coll, id);
                Ok(())
            } else if upsert_into(
                ex,
                &coll,
                id,
                item.as_ref().expect("checked at load"),
                c.merge,
            ) {
                Ok(())
            } else {
                Err("its list could not be read in the base, or is unknown until apply")
            }
        } else if replace_read(ex, id, item.as_ref(), c.merge) {
            Ok(())
        } else if let (Some(sub), true) = (
            &p.subscription,
            p.rtype.matches('/').count() == 1 && p.scope.is_none(),
        ) {
            // Any other top-level type is a generic resource of `/resources`.
            put_in_lists(
                ex,
                c,
                &[format!("/subscriptions/{sub}/resources")],
                item.as_ref(),
                delete,
            )
        } else if p.subscription.is_none() {
            Err("outside a subscription, and its list is not read")
        } else if collection_of(id).is_some_and(|coll| {
            done.iter().any(|(_, d)| {
                d.change_type == "Create"
                    && coll
                        .to_ascii_lowercase()
                        .starts_with(&format!("{}/", d.resource_id.to_ascii_lowercase()))
            })
        }) {
            Err("under a resource the plan creates, whose other parts are unknown until apply")
        } else {
            Err("resource type not mapped in this slice")
        };
        match applied {
            Ok(()) => {
                if c.change_type == "Create" {
                    answer_created(ex, c, &p.rtype);
                }
                done.push((at, c));
            }
            Err(why) => skipped.push((at, skip(c, why))),
        }
    }
    // Reports follow the file's order.
    done.sort_by_key(|(at, _)| *at);
    out.applied = done.into_iter().map(|(_, c)| c.clone()).collect();
    skipped.sort_by_key(|(at, _)| *at);
    out.skipped = plan.skipped.clone();
    out.skipped.extend(skipped.into_iter().map(|(_, s)| s));
    out
}

/// Puts a change into (or removes it from) a top-level type's lists.
fn put_in_lists(
    ex: &mut Exchanges,
    c: &Change,
    lists: &[String],
    item: Option<&Value>,
    delete: bool,
) -> Result<(), &'static str> {
    if !lists.iter().all(|l| !ex.of(l).is_empty()) {
        return Err("the base does not hold this subscription's lists");
    }
    for l in lists {
        if delete {
            remove_from(ex, l, &c.resource_id);
        } else {
            let item = item.expect("checked at load");
            let it = if l.ends_with("/resources") {
                generic_item(item)
            } else {
                item.clone()
            };
            upsert_into(ex, l, &c.resource_id, &it, c.merge);
        }
    }
    Ok(())
}

/// The per-resource reads of a resource the plan creates: its diagnostic
/// settings lists are empty unless the plan creates settings (answered
/// already); what the plan gives (`known_reads`) is answered; the rest it
/// cannot tell is `UnknownUntilApply`.
fn answer_created(ex: &mut Exchanges, c: &Change, t: &str) {
    let id = c.resource_id.as_str();
    if canonical(&EXTENSION_TYPES, t).is_some() || t.eq_ignore_ascii_case(DIAGNOSTIC_SETTINGS) {
        return;
    }
    let empty = || json!({"value": []});
    for (path, body) in &c.known_reads {
        answer(ex, &format!("{id}/{path}"), 200, body.clone());
    }
    answer(
        ex,
        &format!("{id}/providers/{DIAGNOSTIC_SETTINGS}"),
        200,
        empty(),
    );
    if t.eq_ignore_ascii_case("Microsoft.Storage/storageAccounts") {
        for s in STORAGE_SERVICES {
            answer(
                ex,
                &format!("{id}/{s}/providers/{DIAGNOSTIC_SETTINGS}"),
                200,
                empty(),
            );
        }
        for (path, what) in [
            ("blobServices/default", "blob service properties"),
            ("blobServices/default/containers", "blob containers"),
        ] {
            answer(
                ex,
                &format!("{id}/{path}"),
                404,
                unknown_until_apply(id, what),
            );
        }
    }
    if t.eq_ignore_ascii_case("Microsoft.OperationalInsights/workspaces") {
        // A new workspace is onboarded to Sentinel only by the plan; its
        // tables are Azure's defaults, which the plan does not give.
        answer(
            ex,
            &format!("{id}/providers/Microsoft.SecurityInsights/onboardingStates"),
            200,
            empty(),
        );
        answer(
            ex,
            &format!("{id}/tables"),
            404,
            unknown_until_apply(id, "tables"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "/subscriptions/00000000-0000-0000-0000-000000000001";

    fn upstream() -> Value {
        let v: Value = serde_json::from_str(arm_example!(
            "resources/PostDeploymentWhatIfOnResourceGroup.json"
        ))
        .unwrap();
        v["responses"]["200"]["body"].clone()
    }

    fn load(doc: &Value) -> Result<WhatIf, WhatIfError> {
        WhatIf::from_bytes(doc.to_string().as_bytes(), Path::new("plan.json"))
    }

    fn list(url: &str, items: Vec<Value>) -> Exchange {
        Exchange {
            method: "GET".into(),
            url: format!("https://management.azure.com{url}?api-version=x"),
            status: 200,
            body: Some(RecordedBody::from(json!({ "value": items }))),
            headers: None,
            request_body: None,
        }
    }

    fn ids(ex: &[Exchange], url: &str) -> Vec<String> {
        let i = exchanges_of(ex, url)[0];
        body_of(&ex[i]).unwrap()["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn the_upstream_result_applies_as_generic_resources() {
        let plan = load(&upstream()).unwrap();
        assert_eq!(plan.changes.len(), 2);
        let existing = plan.changes[0].resource_id.clone();
        let mut ex = vec![list(
            &format!("{S}/resources"),
            vec![json!({"id": existing.to_lowercase(), "name": "myExistingIdentity"})],
        )];
        let out = apply(&mut ex, &plan);
        assert_eq!(out.applied.len(), 2, "{out:?}");
        assert!(out.skipped.is_empty());
        // Modified in place (matched case-insensitively), created appended.
        let listed = ids(&ex, &format!("{S}/resources"));
        assert_eq!(listed, vec![existing, plan.changes[1].resource_id.clone()]);
        let body = body_of(&ex[0]).unwrap();
        assert_eq!(body["value"][0]["tags"]["myNewTag"], "my tag value");
        assert!(body["value"][0].get("apiVersion").is_none());
        // The new resource's diagnostic settings: none.
        let diag = format!(
            "{}/providers/{DIAGNOSTIC_SETTINGS}",
            plan.changes[1].resource_id
        );
        assert_eq!(ids(&ex, &diag), Vec::<String>::new());
    }

    #[test]
    fn a_delete_leaves_every_page_and_a_sub_setting_goes_to_read_5() {
        let setting = format!("{S}/providers/microsoft.insights/diagnosticSettings/export");
        let mut ex = vec![
            list(
                &format!("{S}/providers/Microsoft.Insights/diagnosticSettings"),
                vec![json!({"id": setting})],
            ),
            list(
                &format!("{S}/providers/Microsoft.Insights/diagnosticSettings?$skiptoken=2"),
                vec![json!({"id": "/other"})],
            ),
        ];
        let plan = load(&json!({"status": "Succeeded", "properties": {"changes": [
            {"resourceId": setting.to_uppercase().replace("/SUBSCRIPTIONS/", "/subscriptions/"), "changeType": "Delete"},
            {"resourceId": format!("{S}/providers/Microsoft.Insights/diagnosticSettings/new"), "changeType": "Create",
             "after": {"name": "new", "properties": {"logs": []}}},
        ]}}))
        .unwrap();
        let out = apply(&mut ex, &plan);
        assert_eq!(out.applied.len(), 2, "{out:?}");
        let first = body_of(&ex[0]).unwrap();
        assert_eq!(first["value"].as_array().unwrap().len(), 1);
        assert_eq!(first["value"][0]["name"], "new");
        assert_eq!(body_of(&ex[1]).unwrap()["value"][0]["id"], "/other");
    }

    #[test]
    fn what_is_not_applied_is_listed_with_why() {
        let mut ex = vec![list(&format!("{S}/resources"), vec![])];
        let plan = load(&json!({"status": "Succeeded", "changes": [
            {"resourceId": format!("{S}/resourceGroups/g/providers/Microsoft.Web/sites/a"), "changeType": "Ignore"},
            {"resourceId": format!("{S}/resourceGroups/g/providers/Microsoft.Web/sites/b"), "changeType": "Unsupported"},
            {"resourceId": format!("{S}/resourceGroups/g/providers/Microsoft.Web/sites/c"), "changeType": "NoChange"},
            {"resourceId": format!("{S}/resourceGroups/g/providers/Microsoft.OperationalInsights/workspaces/w/tables/T"),
             "changeType": "Modify", "after": {"properties": {}}},
            {"resourceId": "/subscriptions/other/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v",
             "changeType": "Delete"},
        ]}))
        .unwrap();
        let out = apply(&mut ex, &plan);
        assert!(out.applied.is_empty());
        let why: Vec<&str> = out.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            why,
            [
                "what-if ignores it (outside the deployment's scope or mode)",
                "what-if cannot predict it",
                "resource type not mapped in this slice",
                "the base does not hold this subscription's lists",
            ]
        );
    }

    #[test]
    fn a_created_storage_account_leaves_its_blob_service_unknown_until_apply() {
        let id = format!("{S}/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/st");
        let mut ex = vec![
            list(&format!("{S}/resources"), vec![]),
            list(
                &format!("{S}/providers/Microsoft.Storage/storageAccounts"),
                vec![],
            ),
        ];
        let plan = load(&json!({"status": "Succeeded", "properties": {"changes": [
            {"resourceId": id, "changeType": "Create", "after": {"name": "st", "properties": {}}},
        ]}}))
        .unwrap();
        apply(&mut ex, &plan);
        let blob = &ex[exchanges_of(&ex, &format!("{id}/blobServices/default"))[0]];
        assert_eq!(blob.status, 404);
        let body = body_of(blob).unwrap();
        assert_eq!(body["error"]["code"], "UnknownUntilApply");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("unknown until apply: "));
        for s in STORAGE_SERVICES {
            let diag = format!("{id}/{s}/providers/{DIAGNOSTIC_SETTINGS}");
            assert_eq!(ids(&ex, &diag), Vec::<String>::new());
        }
    }

    #[test]
    fn malformed_documents_are_one_line_naming_the_field() {
        let err = |doc: Value| load(&doc).unwrap_err().to_string();
        assert_eq!(
            err(json!([])),
            "plan.json: not a what-if result: the document is not an object"
        );
        assert_eq!(
            err(json!({"status": "Succeeded"})),
            "plan.json: properties.changes: missing"
        );
        assert!(
            err(json!({"status": "Failed", "error": {"message": "bad\ntemplate"}}))
                .ends_with("did not succeed (Failed: bad template)")
        );
        assert!(err(json!({"changes": [{"changeType": "Create"}]}))
            .starts_with("plan.json: properties.changes[0].resourceId: "));
        assert_eq!(
            err(json!({"changes": [{"resourceId": "x", "changeType": "Create"}]})),
            "plan.json: properties.changes[0].resourceId: not a resource id"
        );
        assert_eq!(
            err(json!({"changes": [{"resourceId": "/x", "changeType": "Modify"}]})),
            "plan.json: properties.changes[0].after: a Modify change needs the resource after it"
        );
        let many: Vec<Value> = (0..=MAX_CHANGES)
            .map(|_| json!({"resourceId": "/x", "changeType": "NoChange"}))
            .collect();
        assert!(err(json!({"changes": many})).contains("more than 100000"));
        for e in [err(json!("\u{1b}")), err(json!({"changes": {}}))] {
            assert_eq!(e.lines().count(), 1, "{e}");
        }
    }

    #[test]
    fn a_file_over_the_bound_is_refused_before_parsing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.json");
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(MAX_BYTES + 1).unwrap();
        let e = WhatIf::load(&p).unwrap_err().to_string();
        assert!(e.ends_with("big.json: larger than 64 MiB"), "{e}");
    }
}
