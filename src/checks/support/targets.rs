//! The targets of the per-resource diagnostic checks (AZ-MON-004, AZ-MON-005).

use crate::inventory::{
    is_log_capable, is_storage_account_type, last_segment, norm_id, DiagnosticSetting,
    GenericResource, Inventory, Listing, StorageAccount, Subscription,
};
use std::borrow::Cow;
use std::collections::HashMap;

/// The resource type encoded in a resource id: the provider namespace and the
/// type segments after the last `providers` (`Microsoft.Sql/servers/databases`).
pub fn resource_type_of_id(id: &str) -> String {
    let segs: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
    let Some(p) = segs
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("providers"))
    else {
        return String::new();
    };
    let rest = segs.get(p + 1..).unwrap_or(&[]);
    let Some((namespace, tail)) = rest.split_first() else {
        return String::new();
    };
    let mut t = namespace.to_string();
    for ty in tail.iter().step_by(2) {
        t.push('/');
        t.push_str(ty);
    }
    t
}

/// One target of the per-resource diagnostic checks (AZ-MON-004, AZ-MON-005):
/// a log-capable resource, or one present service of a storage account.
pub struct LogTarget<'a> {
    /// The result's resource id: the resource id as Azure returned it, or the
    /// storage service id `{account}/blobServices/default` (etc.).
    pub id: Cow<'a, str>,
    /// For reasons: `'kv1' (Microsoft.KeyVault/vaults)`, `blob service of 'st1'`.
    pub label: String,
    /// The resource type (the account's type for storage services).
    pub resource_type: Cow<'a, str>,
    /// The diagnostic settings read (call 12), or why the target could not be
    /// assessed (a failed read, or a storage account whose services are unknown).
    pub settings: Result<&'a Listing<DiagnosticSetting>, String>,
}

/// The targets of AZ-MON-004/005 in one subscription: every resource of the
/// resources list (call 4) whose type is log-capable and passes `in_scope`;
/// storage accounts expand to their present services (from the storage
/// accounts list, call 7, matched by id). A failed storage accounts list is
/// one target on the subscription id with an error; a storage account that
/// cannot be expanded (missing or malformed in the list, an unknown kind and
/// no `primaryEndpoints`) is one target on the account id with an error; an
/// account whose `primaryEndpoints` names no service has no target. Resources
/// that are malformed in the list but have an id are assessed by the type
/// their id names (their own settings read is intact).
pub fn log_targets<'a>(
    inv: &'a Inventory,
    sub: &'a Subscription,
    resources: &'a Listing<GenericResource>,
    in_scope: impl Fn(&str) -> bool,
) -> Vec<LogTarget<'a>> {
    // (id, name, type), borrowed from the list where it has them.
    let mut entries: Vec<(&'a str, &'a str, Cow<'a, str>)> = resources
        .items
        .iter()
        .map(|r| {
            let name = r.name.as_deref().unwrap_or_else(|| last_segment(&r.id));
            let ty = if r.resource_type().is_empty() {
                Cow::Owned(resource_type_of_id(&r.id))
            } else {
                Cow::Borrowed(r.resource_type())
            };
            (r.id.as_str(), name, ty)
        })
        .collect();
    entries.extend(resources.malformed.iter().filter_map(|m| {
        m.id.as_deref()
            .map(|id| (id, last_segment(id), Cow::Owned(resource_type_of_id(id))))
    }));
    let mut out = Vec::new();
    // The storage accounts list by id, built when the first account needs it.
    let mut account_index: Option<HashMap<String, &StorageAccount>> = None;
    let mut storage_list_failed = false;
    for (id, name, ty) in entries {
        if !is_log_capable(&ty) || !in_scope(&ty) {
            continue;
        }
        if !is_storage_account_type(&ty) {
            out.push(LogTarget {
                settings: inv
                    .diagnostics_of(id)
                    .map_err(|e| format!("could not read diagnostic settings: {e}")),
                label: format!("'{name}' ({ty})"),
                id: Cow::Borrowed(id),
                resource_type: ty,
            });
            continue;
        }
        let account_error = |reason: String| LogTarget {
            id: Cow::Borrowed(id),
            label: format!("storage account '{name}'"),
            resource_type: ty.clone(),
            settings: Err(reason),
        };
        let accounts = match &sub.storage_accounts {
            Ok(l) => l,
            Err(e) => {
                // One error on the subscription for all its accounts
                // (baseline, "Storage list"), not one per account.
                if !storage_list_failed {
                    storage_list_failed = true;
                    out.push(LogTarget {
                        id: Cow::Owned(sub.resource_id()),
                        label: "storage accounts".to_string(),
                        resource_type: ty.clone(),
                        settings: Err(format!(
                            "could not read the storage accounts list, so the services of the subscription's storage accounts cannot be known: {e}"
                        )),
                    });
                }
                continue;
            }
        };
        let by_id = account_index.get_or_insert_with(|| {
            let mut m = HashMap::new();
            for a in &accounts.items {
                m.entry(norm_id(&a.id)).or_insert(a);
            }
            m
        });
        let Some(account) = by_id.get(&norm_id(id)).copied() else {
            let reason = match accounts.malformed_with_id(id) {
                Some(m) => format!(
                    "its storage accounts list item could not be parsed, so its services are unknown: {}",
                    m.error
                ),
                None => "it is missing from the storage accounts list, so its services are unknown"
                    .to_string(),
            };
            out.push(account_error(reason));
            continue;
        };
        let services = account.present_services();
        if services.is_empty() {
            // A `primaryEndpoints` naming no service means no service is
            // present: no per-service results (baseline, "Present storage
            // services"). Only an unknown kind leaves them undetermined.
            if account
                .properties
                .as_ref()
                .is_some_and(|p| p.primary_endpoints.is_some())
            {
                continue;
            }
            out.push(account_error(format!(
                "its storage services could not be determined: no primaryEndpoints and kind '{}' names no service",
                account.kind.as_deref().unwrap_or("not set")
            )));
            continue;
        }
        for svc in services {
            let sid = svc.service_id(&account.id);
            out.push(LogTarget {
                settings: inv
                    .diagnostics_of(&sid)
                    .map_err(|e| format!("could not read diagnostic settings: {e}")),
                label: format!(
                    "{} service of '{}'",
                    svc.endpoint_key(),
                    account.display_name()
                ),
                id: Cow::Owned(sid),
                resource_type: ty.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_types_from_ids() {
        assert_eq!(
            resource_type_of_id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/s1/databases/db1"),
            "Microsoft.Sql/servers/databases"
        );
        assert_eq!(
            resource_type_of_id(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/"
            ),
            "Microsoft.KeyVault/vaults"
        );
        assert_eq!(
            resource_type_of_id("/subscriptions/s/resourceGroups/rg"),
            ""
        );
        assert_eq!(resource_type_of_id("/subscriptions/s/providers"), "");
    }
}
