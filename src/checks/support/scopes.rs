//! Lock and role assignment scopes: which scopes cover a resource.

use crate::inventory::norm_id;

/// Whether `scope` is `target` or an ancestor of it (a resource group, the
/// subscription, a management group or the root scope `/`).
pub fn scope_covers(scope: &str, target: &str) -> bool {
    normed_scope_covers(&norm_id(scope), &norm_id(target))
}

/// [`scope_covers`] over scopes already put through [`norm_id`] (a scope is
/// compared as a resource id).
pub fn normed_scope_covers(s: &str, t: &str) -> bool {
    if s == "/" || s.starts_with("/providers/microsoft.management/managementgroups/") {
        return true;
    }
    t.strip_prefix(s)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_coverage() {
        let vault = "/subscriptions/S/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/kv";
        assert!(scope_covers("/subscriptions/s", vault));
        assert!(scope_covers("subscriptions/S/resourcegroups/rg/", vault));
        assert!(scope_covers(vault, vault));
        assert!(!scope_covers("/subscriptions/S/resourceGroups/RG2", vault));
        assert!(!scope_covers("/subscriptions/S/resourceGroups/R", vault));
        assert!(scope_covers(
            "/providers/Microsoft.Management/managementGroups/root",
            vault
        ));
    }
}
