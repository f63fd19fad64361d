//! AZ-KV-007: few principals can take over a Key Vault.

use super::support::{join, normed_scope_covers};
use super::*;
use crate::inventory::{norm_id, RoleAssignment};

pub static CHECK: Check = Check {
    id: "AZ-KV-007",
    title: "Few principals hold privileged roles over each Key Vault",
    family: Family::Kv,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "At most `kv_max_privileged_principals` distinct principals hold Owner, User Access Administrator, Role \
Based Access Control Administrator, Key Vault Administrator, Key Vault Data Access Administrator or Key Vault Secrets \
Officer at the vault's scope or above (resource group, subscription, management group, root); for vaults using access \
policies, also Contributor and Key Vault Contributor, who can grant themselves data access. Roles are matched on the last \
segment (GUID) of `roleDefinitionId`; a group counts as one principal (groups are not expanded).",
    rationale: "Every principal that can read all secrets, or grant itself that right, is a way in for an attacker and a \
suspect the responder has to clear. Owners and access administrators on the subscription or resource group inherit control \
of every vault below, and with access policies a plain Contributor can add itself a policy. Keeping that set small makes \
theft of secrets require one of a few well-protected identities and keeps the list of identities to review after an \
incident short.",
    reads: "6, 21",
    parameters: &[Param::KvMaxPrivilegedPrincipals],
    references: &[mcsb("PA-7"), attack("T1555.006")],
    remediation: Remediation {
        portal: &[
            "Open the key vault > Access control (IAM) > Role assignments, and filter by the roles named in the finding (include inherited assignments).",
            "Remove standing assignments that are not needed, move subscription- and resource-group-wide Owner/Contributor assignments down to the resources that need them, and prefer groups reviewed by access reviews.",
            "Make the remaining privileged roles eligible (Privileged Identity Management) instead of active, and switch access-policy vaults to Azure RBAC (AZ-KV-003) so Contributor no longer implies data access.",
        ],
        cli: "az role assignment list --scope {id} --include-inherited --subscription {subscription} --query \"[].{principal:principalName, type:principalType, role:roleDefinitionName, scope:scope}\" -o table",
        bicep: r#"param principalId string
resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: vaultName
}
// Grant narrow data roles at the vault instead of broad roles above it.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, '4633458b-17de-408a-b874-0445c86b69e6')
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
    principalId: principalId
  }
}"#,
    },
    evaluate,
};

/// Baseline "Role": privileged over every vault.
const PRIVILEGED: &[(&str, &str)] = &[
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"),
    (
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "User Access Administrator",
    ),
    (
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "Role Based Access Control Administrator",
    ),
    (
        "00482a5a-887f-4fb3-b363-3b7fe8e74483",
        "Key Vault Administrator",
    ),
    (
        "8b54135c-b56d-4d72-a534-26097cfdc8d8",
        "Key Vault Data Access Administrator",
    ),
    (
        "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
        "Key Vault Secrets Officer",
    ),
];

/// Also privileged over vaults using access policies (they can add themselves a policy).
const ACCESS_POLICY_EXTRA: &[(&str, &str)] = &[
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
    (
        "f25e0fa2-a7c8-4377-a976-54943a77a395",
        "Key Vault Contributor",
    ),
];

/// At most this many principals are named in a reason.
const NAMED: usize = 10;

const ASSIGNMENT_SEGMENT: &str = "/providers/microsoft.authorization/roleassignments/";

/// The scope of an assignment: `properties.scope`, else the part of its id
/// before `/providers/Microsoft.Authorization/roleAssignments/` (empty = root `/`).
/// The scope keeps its case here; it is compared after `norm_id`.
fn scope_from_id(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let i = lower.find(ASSIGNMENT_SEGMENT)?;
    let prefix = id.get(..i)?;
    Some(if prefix.trim().is_empty() {
        "/".to_string()
    } else {
        prefix.to_string()
    })
}

fn assignment_scope(ra: &RoleAssignment) -> Option<String> {
    ra.properties
        .as_ref()
        .and_then(|p| p.scope.as_deref())
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .or_else(|| ra.id.as_deref().and_then(scope_from_id))
}

fn role_name(guid: &str, roles: &[(&'static str, &'static str)]) -> Option<&'static str> {
    roles
        .iter()
        .find(|(g, _)| g.eq_ignore_ascii_case(guid))
        .map(|(_, n)| *n)
}

struct Holder {
    key: String,
    principal: String,
    kind: Option<String>,
    roles: Vec<&'static str>,
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    let max = ctx.params.kv_max_privileged_principals;
    out.each_list(ctx.inv, "key vaults", |s| &s.vaults, |out, sub, vaults| {
        // Whether Contributor counts depends on the vault's own
        // `enableRbacAuthorization`: a vault that could not be parsed is an error.
        out.malformed_items(sub, "key vault", &vaults.malformed);
        if vaults.items.is_empty() {
            return; // no vault to assess: the role assignment list is not needed
        }
        let Some(assignments) = out.list(sub, "role assignments", &sub.role_assignments) else {
            return;
        };
        // Each assignment's scope, normalized once for all the vaults.
        let scopes: Vec<Option<String>> = assignments
            .items
            .iter()
            .map(|ra| assignment_scope(ra).map(|s| norm_id(&s)))
            .collect();
        let malformed_scopes: Vec<Option<String>> = assignments
            .malformed
            .iter()
            .map(|m| {
                m.id.as_deref()
                    .and_then(scope_from_id)
                    .map(|s| norm_id(&s))
            })
            .collect();
        for v in &vaults.items {
            let vault_scope = norm_id(&v.id);
            let rbac = v.rbac_authorization();
            let mut holders: Vec<Holder> = Vec::new();
            let mut unreadable = 0usize;
            for (ra, scope) in assignments.items.iter().zip(&scopes) {
                let Some(scope) = scope else {
                    unreadable += 1;
                    continue;
                };
                if !normed_scope_covers(scope, &vault_scope) {
                    continue;
                }
                let Some(guid) = ra.role_guid().filter(|g| !g.is_empty()) else {
                    unreadable += 1;
                    continue;
                };
                // Contributor roles count only where access policies rule.
                let role = role_name(&guid, PRIVILEGED).or_else(|| {
                    (!rbac)
                        .then(|| role_name(&guid, ACCESS_POLICY_EXTRA))
                        .flatten()
                });
                let Some(role) = role else {
                    continue;
                };
                let props = ra.properties.as_ref();
                let Some(principal) = props
                    .and_then(|p| p.principal_id.as_deref())
                    .filter(|p| !p.trim().is_empty())
                else {
                    unreadable += 1;
                    continue;
                };
                let key = principal.to_ascii_lowercase();
                match holders.iter_mut().find(|h| h.key == key) {
                    Some(h) => {
                        if !h.roles.contains(&role) {
                            h.roles.push(role);
                        }
                    }
                    None => holders.push(Holder {
                        key,
                        principal: principal.to_string(),
                        kind: props.and_then(|p| p.principal_type.clone()),
                        roles: vec![role],
                    }),
                }
            }
            // Malformed assignments: their scope is known only from their id.
            unreadable += malformed_scopes
                .iter()
                .filter(|scope| match scope {
                    Some(scope) => normed_scope_covers(scope, &vault_scope),
                    None => true,
                })
                .count();

            let count = holders.len();
            let mut named: Vec<String> = holders
                .iter()
                .take(NAMED)
                .map(|h| match &h.kind {
                    Some(k) => format!("{} ({k}: {})", h.principal, h.roles.join(", ")),
                    None => format!("{} ({})", h.principal, h.roles.join(", ")),
                })
                .collect();
            if count > NAMED {
                named.push(format!("{} more", count - NAMED));
            }
            let model = if rbac {
                "vault uses Azure RBAC"
            } else {
                "vault uses access policies, so Contributor and Key Vault Contributor count"
            };
            let who = if count == 0 {
                String::new()
            } else {
                format!(": {}", join(&named))
            };
            let reason = format!(
                "vault '{}': {count} distinct principal{} hold{} privileged roles at the vault's scope or above (maximum {max}){who}; {model}; a group counts as one principal (groups are not expanded)",
                v.display_name(),
                if count == 1 { "" } else { "s" },
                if count == 1 { "s" } else { "" },
            );
            if count > max {
                let note = if unreadable > 0 {
                    format!("; {unreadable} role assignment(s) that may apply could not be read")
                } else {
                    String::new()
                };
                out.fail(&v.id, Some(&sub.id), format!("{reason}{note}"));
            } else if unreadable > 0 {
                out.error(
                    &v.id,
                    Some(&sub.id),
                    format!("{reason}; {unreadable} role assignment(s) that may apply could not be read"),
                );
            } else {
                out.pass(&v.id, Some(&sub.id), reason);
            }
        }
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::checks::Params;
    use serde_json::json;

    const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
    const KV_ADMIN: &str = "00482a5a-887f-4fb3-b363-3b7fe8e74483";
    const KV_SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
    const KV_CONTRIBUTOR: &str = "f25e0fa2-a7c8-4377-a976-54943a77a395";
    const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

    /// A role assignment in the live shape (subscription-form roleDefinitionId).
    fn ra(n: usize, scope: &str, role: &str, principal: &str, kind: &str) -> serde_json::Value {
        let scope_t = scope.trim_end_matches('/');
        json!({
            "id": format!("{scope_t}/providers/Microsoft.Authorization/roleAssignments/{n:08}-0000-0000-0000-000000000000"),
            "name": format!("{n:08}-0000-0000-0000-000000000000"),
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {
                "roleDefinitionId": format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{}", role.to_uppercase()),
                "principalId": principal,
                "principalType": kind,
                "scope": scope,
            }
        })
    }

    fn rg(name: &str) -> String {
        format!("/subscriptions/{SUB}/resourceGroups/{name}")
    }

    fn params(max: usize) -> Params {
        Params {
            kv_max_privileged_principals: max,
            ..Params::defaults()
        }
    }

    #[test]
    fn counts_distinct_principals_at_and_above_the_vault() {
        let mut inv = inv();
        let kv = rid("rg-a", "Microsoft.KeyVault/vaults", "kv-rbac");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": kv, "name": "kv-rbac", "properties": {"enableRbacAuthorization": true}}),
        ]));
        sub(&mut inv).role_assignments = Ok(listing(vec![
            ra(1, &sub_id(), OWNER, "p-owner", "User"),
            ra(2, &rg("rg-a"), KV_ADMIN, "p-group", "Group"),
            // same principal twice: counted once
            ra(3, &kv, KV_SECRETS_OFFICER, "P-GROUP", "Group"),
            // another resource group: does not cover the vault
            ra(4, &rg("rg-b"), OWNER, "p-other-rg", "User"),
            // a key below the vault: not at the vault's scope or above
            ra(5, &format!("{kv}/keys/k1"), KV_ADMIN, "p-key", "User"),
            // Reader is not privileged; Contributor does not count for RBAC vaults
            ra(6, &sub_id(), READER, "p-reader", "User"),
            ra(7, &sub_id(), CONTRIBUTOR, "p-contrib", "ServicePrincipal"),
            // management group, inherited
            ra(
                8,
                "/providers/Microsoft.Management/managementGroups/root-mg",
                OWNER,
                "p-mg",
                "User",
            ),
        ]));
        let f = run_with(&CHECK, &inv, &params(3));
        assert_result(
            &f,
            &kv,
            Status::Pass,
            "3 distinct principals hold privileged roles at the vault's scope or above (maximum 3): p-owner (User: Owner), p-group (Group: Key Vault Administrator, Key Vault Secrets Officer) and p-mg (User: Owner)",
        );
        assert_result(
            &f,
            &kv,
            Status::Pass,
            "a group counts as one principal (groups are not expanded)",
        );
        let r = &result(&f, &kv, None).reason;
        assert!(
            !r.contains("p-other-rg") && !r.contains("p-key") && !r.contains("p-contrib"),
            "{r}"
        );

        let f = run_with(&CHECK, &inv, &params(2));
        assert_result(
            &f,
            &kv,
            Status::Fail,
            "3 distinct principals hold privileged roles",
        );
    }

    #[test]
    fn access_policy_vaults_also_count_contributors() {
        let mut inv = inv();
        let ap = rid("rg-a", "Microsoft.KeyVault/vaults", "kv-ap");
        let rbac = rid("rg-a", "Microsoft.KeyVault/vaults", "kv-rbac");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": ap, "name": "kv-ap", "properties": {}}),
            json!({"id": rbac, "name": "kv-rbac", "properties": {"enableRbacAuthorization": true}}),
        ]));
        sub(&mut inv).role_assignments = Ok(listing(vec![
            ra(1, &sub_id(), OWNER, "p1", "User"),
            ra(2, &sub_id(), CONTRIBUTOR, "p2", "User"),
            ra(3, &rg("rg-a"), KV_CONTRIBUTOR, "p3", "ServicePrincipal"),
        ]));
        let f = run_with(&CHECK, &inv, &params(2));
        assert_result(&f, &ap, Status::Fail, "3 distinct principals");
        assert_result(
            &f,
            &ap,
            Status::Fail,
            "p3 (ServicePrincipal: Key Vault Contributor)",
        );
        assert_result(
            &f,
            &ap,
            Status::Fail,
            "vault uses access policies, so Contributor and Key Vault Contributor count",
        );
        assert_result(
            &f,
            &rbac,
            Status::Pass,
            "1 distinct principal holds privileged roles",
        );
    }

    #[test]
    fn scope_from_the_id_and_tenant_form_role_ids() {
        let mut inv = inv();
        let kv = rid("rg-a", "Microsoft.KeyVault/vaults", "kv");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": kv, "name": "kv", "properties": {"enableRbacAuthorization": true}}),
        ]));
        sub(&mut inv).role_assignments = Ok(listing(vec![
            // no properties.scope: scope from the id; tenant-form roleDefinitionId
            json!({"id": format!("{}/providers/Microsoft.Authorization/roleAssignments/a1", rg("RG-A")),
                   "properties": {"roleDefinitionId": format!("/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"), "principalId": "p-id-scope"}}),
            json!({"id": format!("{}/providers/Microsoft.Authorization/roleAssignments/a2", rg("rg-b")),
                   "properties": {"roleDefinitionId": format!("/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"), "principalId": "p-elsewhere"}}),
            // root scope assignment
            json!({"id": "/providers/Microsoft.Authorization/roleAssignments/a3",
                   "properties": {"roleDefinitionId": format!("/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"), "principalId": "p-root"}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(&f, &kv, Status::Pass, "2 distinct principals");
        assert_result(
            &f,
            &kv,
            Status::Pass,
            "p-id-scope (Owner) and p-root (Owner)",
        );
    }

    #[test]
    fn unreadable_assignments_make_a_would_be_pass_an_error_but_not_a_fail() {
        let mut inv = inv();
        let a = rid("rg-a", "Microsoft.KeyVault/vaults", "kv-a");
        let b = rid("rg-b", "Microsoft.KeyVault/vaults", "kv-b");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": a, "name": "kv-a", "properties": {"enableRbacAuthorization": true}}),
            json!({"id": b, "name": "kv-b", "properties": {"enableRbacAuthorization": true}}),
        ]));
        sub(&mut inv).role_assignments = Ok(listing(vec![
            ra(1, &rg("rg-b"), OWNER, "p1", "User"),
            ra(2, &rg("rg-b"), OWNER, "p2", "User"),
            // malformed, with an id at rg-a: may apply to kv-a only
            json!({"id": format!("{}/providers/Microsoft.Authorization/roleAssignments/bad", rg("rg-a")),
                   "properties": {"principalId": 42}}),
        ]));
        let f = run_with(&CHECK, &inv, &params(1));
        assert_result(
            &f,
            &a,
            Status::Error,
            "1 role assignment(s) that may apply could not be read",
        );
        assert_result(&f, &b, Status::Fail, "2 distinct principals");

        // A privileged assignment without a principalId covering the vault.
        sub(&mut inv).role_assignments = Ok(listing(vec![json!({
            "id": format!("{}/providers/Microsoft.Authorization/roleAssignments/np", rg("rg-a")),
            "properties": {"roleDefinitionId": OWNER}
        })]));
        let f = run_with(&CHECK, &inv, &params(1));
        assert_result(&f, &a, Status::Error, "could not be read");
        assert_result(&f, &b, Status::Pass, "0 distinct principals");

        // A malformed item with no id applies everywhere, and is also one error on the subscription.
        sub(&mut inv).role_assignments = Ok(listing(vec![json!({"properties": "x"})]));
        let f = run_with(&CHECK, &inv, &params(1));
        assert_result(&f, &a, Status::Error, "could not be read");
        assert_result(&f, &b, Status::Error, "could not be read");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 0 of the role assignments list",
        );
    }

    #[test]
    fn failed_role_assignment_list_is_one_error_on_the_subscription() {
        let mut inv = with_second(inv());
        let a = rid("rg-a", "Microsoft.KeyVault/vaults", "kv-a");
        let b = rid("rg-b", "Microsoft.KeyVault/vaults", "kv-b");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": a, "properties": {}}),
            json!({"id": b, "properties": {}}),
        ]));
        sub(&mut inv).role_assignments = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Authorization/roleAssignments",
        ));
        // SUB2 has no vault: its failed role assignment list is not needed.
        sub_n(&mut inv, 1).role_assignments = Err(forbidden(
            "/subscriptions/y/providers/Microsoft.Authorization/roleAssignments",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the role assignments list",
        );
    }

    #[test]
    fn malformed_vault_and_failed_vault_list_are_errors() {
        let mut inv = with_second(inv());
        let bad = rid("rg-a", "Microsoft.KeyVault/vaults", "kv-bad");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": bad, "properties": {"enableRbacAuthorization": "no"}}),
        ]));
        sub_n(&mut inv, 1).vaults = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.KeyVault/vaults",
        ));
        let f = run(&CHECK, &inv);
        assert_result(&f, &bad, Status::Error, "could not be parsed");
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the key vaults list",
        );
        assert_eq!(f.len(), 2);
    }
}
