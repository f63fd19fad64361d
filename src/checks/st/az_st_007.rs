//! AZ-ST-007: log archive data is immutable.

use super::support::{each_archive_account, join};
use super::*;
use crate::inventory::{
    eq_ci, last_segment, lookup, BlobContainer, ImmutabilityPolicyProperties, StorageAccount,
    StorageService,
};

pub static CHECK: Check = Check {
    id: "AZ-ST-007",
    title: "Log archive data is immutable (Locked policy of at least the minimum period)",
    family: Family::St,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "(log archive accounts) Data is immutable: account-level `immutableStorageWithVersioning` is enabled with a \
Locked policy, or every log container (name starting `insights-`) has a Locked time-based immutability policy; the period \
(`immutabilityPeriodSinceCreationInDays`) is at least `archive_min_immutability_days`. An archive account with no log \
container yet fails (nothing is protected) unless the account-level Locked policy is in place (it covers containers \
created later). When a read that could name a log archive account fails, one error on the subscription where it failed (\"archive \
accounts may be missing\"); accounts that no read names are then not reported (never not_applicable).",
    rationale: "An attacker with write access to the archive account can delete or overwrite the very logs that record the \
intrusion (T1070) or destroy them outright (T1485). A Locked time-based immutability policy makes the archived logs \
write-once for the retention period, even for the account owner, so the evidence a responder relies on survives the \
attacker; an Unlocked policy can simply be removed.",
    reads: "7, and 2, 5, 12, 19 to find log archive accounts; 9, 9a",
    parameters: &[Param::ArchiveMinImmutabilityDays],
    references: &[attack("T1070"), attack("T1485")],
    remediation: Remediation {
        portal: &[
            "Open the log archive storage account > Data storage > Containers, and select each container whose name starts with 'insights-'.",
            "Choose Access policy > '+ Add policy' > Time-based retention, set the retention period to at least {archive_min_immutability_days} days (the baseline minimum in force), and Save.",
            "Select the policy's '...' menu > 'Lock policy' and confirm: only a Locked policy protects the logs from deletion by an administrator.",
        ],
        cli: "az storage container immutability-policy create --account-name {name} --resource-group {resource_group} --subscription {subscription} \
--container-name <insights-container> --period {archive_min_immutability_days} && \
az storage container immutability-policy lock --account-name {name} --resource-group {resource_group} --subscription {subscription} \
--container-name <insights-container> --if-match \"$(az storage container immutability-policy show --account-name {name} \
--resource-group {resource_group} --subscription {subscription} --container-name <insights-container> --query etag -o tsv)\"",
        bicep: r#"resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' existing = {
  name: '${storageAccountName}/default/insights-activity-logs'
}
resource retention 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2025-01-01' = {
  parent: container
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: {archive_min_immutability_days}
    allowProtectedAppendWrites: true
  }
}
// Lock it afterwards (az storage container immutability-policy lock): a template cannot lock a policy."#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    let min = ctx.params.archive_min_immutability_days;
    each_archive_account(ctx, &mut out, |out, sub, a| assess(ctx, out, sub, a, min));
    out.done()
}

/// A policy protects when its state is Locked and its period is at least `min`.
fn protects(p: &ImmutabilityPolicyProperties, min: i64) -> bool {
    eq_ci(p.state.as_deref(), "Locked")
        && p.immutability_period_since_creation_in_days
            .is_some_and(|d| d >= min)
}

/// `Locked, 365 days` / `Unlocked, period not set`.
fn describe(p: &ImmutabilityPolicyProperties) -> String {
    let state = p.state.as_deref().unwrap_or("state not set");
    match p.immutability_period_since_creation_in_days {
        Some(d) => format!("{state}, {d} days"),
        None => format!("{state}, period not set"),
    }
}

fn is_log_container_name(name: &str) -> bool {
    name.get(..9)
        .is_some_and(|p| p.eq_ignore_ascii_case("insights-"))
}

enum Container {
    Protected(String),
    Unprotected(String),
    Unassessed(String),
}

fn classify(ctx: &Ctx, c: &BlobContainer, min: i64) -> Container {
    let name = c.display_name();
    let p = c.properties.clone().unwrap_or_default();
    let embedded = p
        .immutability_policy
        .and_then(|i| i.properties)
        .filter(|i| i.state.is_some());
    let policy = match embedded {
        Some(policy) => policy,
        None if p.has_immutability_policy == Some(true) => {
            match lookup(
                &ctx.inv.reads.immutability_policies,
                &c.id,
                "the immutability policy",
            ) {
                Ok(body) => body.properties.clone().unwrap_or_default(),
                Err(e) => {
                    return Container::Unassessed(format!(
                        "{name} (could not read its immutability policy: {e})"
                    ))
                }
            }
        }
        None => return Container::Unprotected(format!("{name} (no immutability policy)")),
    };
    let text = format!("{name} ({})", describe(&policy));
    if protects(&policy, min) {
        Container::Protected(text)
    } else {
        Container::Unprotected(text)
    }
}

fn assess(ctx: &Ctx, out: &mut Out, sub: &Subscription, a: &StorageAccount, min: i64) {
    let name = a.display_name();
    let sub_id = Some(sub.id.as_str());
    let versioning = a
        .props()
        .immutable_storage_with_versioning
        .clone()
        .unwrap_or_default();
    let account_text = if versioning.enabled == Some(true) {
        match &versioning.immutability_policy {
            Some(p) if protects(p, min) => {
                out.pass(
                    &a.id,
                    sub_id,
                    format!(
                        "account '{name}' has account-level immutability enabled with a {} policy (at least {min} days)",
                        describe(p)
                    ),
                );
                return;
            }
            Some(p) => format!(
                "account-level immutability is enabled but its policy is {} (needs Locked, at least {min} days)",
                describe(p)
            ),
            None => "account-level immutability is enabled with no account-level policy".to_string(),
        }
    } else {
        "account-level immutability is not enabled".to_string()
    };
    if !a.present_services().contains(&StorageService::Blob) {
        out.fail(
            &a.id,
            sub_id,
            format!("account '{name}': {account_text}, and it has no blob service, so no log container is protected"),
        );
        return;
    }
    let containers = match lookup(&ctx.inv.reads.containers, &a.id, "the blob container list") {
        Ok(c) => c,
        Err(e) => {
            out.error(
                &a.id,
                sub_id,
                format!("account '{name}': {account_text}, and the blob container list could not be read: {e}"),
            );
            return;
        }
    };
    let mut protected = Vec::new();
    let mut unprotected = Vec::new();
    let mut unassessed = Vec::new();
    for c in containers
        .items
        .iter()
        .filter(|c| is_log_container_name(c.display_name()))
    {
        match classify(ctx, c, min) {
            Container::Protected(t) => protected.push(t),
            Container::Unprotected(t) => unprotected.push(t),
            Container::Unassessed(t) => unassessed.push(t),
        }
    }
    // A container that could not be parsed may be a log container.
    for m in &containers.malformed {
        match &m.id {
            Some(id) if !is_log_container_name(last_segment(id)) => {}
            Some(id) => unassessed.push(format!(
                "{} (could not be parsed: {})",
                last_segment(id),
                m.error
            )),
            None => unassessed.push(format!(
                "item {} of the container list (could not be parsed: {})",
                m.position, m.error
            )),
        }
    }
    if !unprotected.is_empty() {
        out.fail(
            &a.id,
            sub_id,
            format!(
                "account '{name}': {account_text}, and log container(s) lack a Locked policy of at least {min} days: {}",
                join(&unprotected)
            ),
        );
    } else if !unassessed.is_empty() {
        out.error(
            &a.id,
            sub_id,
            format!(
                "account '{name}': {account_text}, and log container(s) could not be assessed: {}",
                join(&unassessed)
            ),
        );
    } else if protected.is_empty() {
        out.fail(
            &a.id,
            sub_id,
            format!("account '{name}': {account_text}, and it has no log container (insights-*) yet, so nothing is protected"),
        );
    } else {
        out.pass(
            &a.id,
            sub_id,
            format!(
                "account '{name}': every log container has a Locked policy of at least {min} days: {}",
                join(&protected)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::checks::Params;
    use crate::inventory::{norm_id, Inventory};
    use serde_json::{json, Value};

    /// One archive account (named by a subscription diagnostic setting) and
    /// one non-archive account.
    fn estate(archive_props: Value) -> (Inventory, String) {
        let mut inv = inv();
        let other = rid("rg", "Microsoft.Storage/storageAccounts", "stapp");
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": SA, "name": "stlogs", "kind": "StorageV2", "properties": archive_props}),
            json!({"id": other, "name": "stapp", "kind": "StorageV2", "properties": {}}),
        ]));
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![diag(
            "activity",
            None,
            Some(&SA.to_uppercase()),
            &[(Some("Administrative"), None, true)],
        )]));
        // Every read that could name an archive was made.
        for svc in crate::inventory::STORAGE_SERVICES {
            set_diagnostics(&mut inv, &svc.service_id(SA), vec![]);
            set_diagnostics(&mut inv, &svc.service_id(&other), vec![]);
        }
        (inv, other)
    }

    fn container(name: &str, props: Value) -> Value {
        json!({"id": format!("{SA}/blobServices/default/containers/{name}"), "name": name, "properties": props})
    }

    fn set_containers(inv: &mut Inventory, items: Vec<Value>) {
        inv.reads.containers.insert(norm_id(SA), Ok(listing(items)));
    }

    fn locked(days: i64) -> Value {
        json!({"hasImmutabilityPolicy": true, "immutabilityPolicy": {"etag": "x", "properties": {"state": "Locked", "immutabilityPeriodSinceCreationInDays": days}}})
    }

    #[test]
    fn account_level_locked_policy_passes_without_containers() {
        let (inv, other) = estate(json!({"immutableStorageWithVersioning": {"enabled": true,
            "immutabilityPolicy": {"immutabilityPeriodSinceCreationInDays": 400, "state": "Locked"}}}));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 2);
        assert_result(
            &f,
            SA,
            Status::Pass,
            "account-level immutability enabled with a Locked, 400 days policy",
        );
        assert_result(
            &f,
            &other,
            Status::NotApplicable,
            "not a log archive account",
        );
    }

    #[test]
    fn account_level_unlocked_or_short_falls_back_to_containers() {
        let (mut inv, _) = estate(json!({"immutableStorageWithVersioning": {"enabled": true,
            "immutabilityPolicy": {"immutabilityPeriodSinceCreationInDays": 400, "state": "Unlocked"}}}));
        set_containers(
            &mut inv,
            vec![container("insights-activity-logs", locked(365))],
        );
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            SA,
            Status::Pass,
            "insights-activity-logs (Locked, 365 days)",
        );

        let (mut inv, _) = estate(json!({"immutableStorageWithVersioning": {"enabled": true,
            "immutabilityPolicy": {"immutabilityPeriodSinceCreationInDays": 30, "state": "Locked"}}}));
        set_containers(
            &mut inv,
            vec![container("insights-activity-logs", locked(30))],
        );
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            SA,
            Status::Fail,
            "policy is Locked, 30 days (needs Locked, at least 365 days)",
        );
        assert_result(
            &f,
            SA,
            Status::Fail,
            "insights-activity-logs (Locked, 30 days)",
        );
    }

    #[test]
    fn every_log_container_must_be_locked_long_enough() {
        let (mut inv, _) = estate(json!({}));
        set_containers(
            &mut inv,
            vec![
                container("insights-logs-storageread", locked(730)),
                container(
                    "insights-logs-unlocked",
                    json!({"hasImmutabilityPolicy": true, "immutabilityPolicy": {"properties": {"state": "Unlocked", "immutabilityPeriodSinceCreationInDays": 730}}}),
                ),
                container(
                    "insights-logs-none",
                    json!({"hasImmutabilityPolicy": false}),
                ),
                // Not a log container: never looked at.
                container("backups", json!({"hasImmutabilityPolicy": false})),
            ],
        );
        let f = run(&CHECK, &inv);
        let r = &result(&f, SA, None).reason;
        assert_eq!(result(&f, SA, None).status, Status::Fail, "{r}");
        assert!(
            r.contains("account-level immutability is not enabled"),
            "{r}"
        );
        assert!(
            r.contains("insights-logs-unlocked (Unlocked, 730 days)"),
            "{r}"
        );
        assert!(
            r.contains("insights-logs-none (no immutability policy)"),
            "{r}"
        );
        assert!(!r.contains("backups") && !r.contains("storageread"), "{r}");
    }

    #[test]
    fn parameter_sets_the_minimum() {
        let (mut inv, _) = estate(json!({}));
        set_containers(
            &mut inv,
            vec![container("insights-activity-logs", locked(180))],
        );
        assert_result(
            &run(&CHECK, &inv),
            SA,
            Status::Fail,
            "insights-activity-logs (Locked, 180 days)",
        );
        let params = Params {
            archive_min_immutability_days: 180,
            ..Params::defaults()
        };
        assert_result(
            &run_with(&CHECK, &inv, &params),
            SA,
            Status::Pass,
            "at least 180 days",
        );
    }

    #[test]
    fn no_log_container_fails() {
        let (mut inv, _) = estate(json!({}));
        set_containers(&mut inv, vec![container("data", locked(999))]);
        assert_result(
            &run(&CHECK, &inv),
            SA,
            Status::Fail,
            "no log container (insights-*) yet",
        );
        set_containers(&mut inv, vec![]);
        assert_result(&run(&CHECK, &inv), SA, Status::Fail, "nothing is protected");
    }

    #[test]
    fn policy_state_from_call_9a() {
        let (mut inv, _) = estate(json!({}));
        let c = "insights-activity-logs";
        let cid = format!("{SA}/blobServices/default/containers/{c}");
        set_containers(
            &mut inv,
            vec![container(c, json!({"hasImmutabilityPolicy": true}))],
        );
        // 9a not read: error, never pass.
        assert_result(
            &run(&CHECK, &inv),
            SA,
            Status::Error,
            "could not read its immutability policy",
        );
        inv.reads.immutability_policies.insert(
            norm_id(&cid),
            Ok(parse(json!({"id": format!("{cid}/immutabilityPolicies/default"), "properties": {"immutabilityPeriodSinceCreationInDays": 365, "state": "Locked"}}))),
        );
        assert_result(&run(&CHECK, &inv), SA, Status::Pass, "(Locked, 365 days)");
        inv.reads.immutability_policies.insert(
            norm_id(&cid),
            Ok(parse(json!({"properties": {"immutabilityPeriodSinceCreationInDays": 365, "state": "Unlocked"}}))),
        );
        assert_result(&run(&CHECK, &inv), SA, Status::Fail, "(Unlocked, 365 days)");
        inv.reads
            .immutability_policies
            .insert(norm_id(&cid), Err(forbidden(&cid)));
        assert_result(&run(&CHECK, &inv), SA, Status::Error, "AuthorizationFailed");
        // A known unprotected container decides the result even so.
        set_containers(
            &mut inv,
            vec![
                container(c, json!({"hasImmutabilityPolicy": true})),
                container("insights-logs-x", json!({})),
            ],
        );
        assert_result(
            &run(&CHECK, &inv),
            SA,
            Status::Fail,
            "insights-logs-x (no immutability policy)",
        );
    }

    #[test]
    fn failed_container_list_and_malformed_containers() {
        let (mut inv, _) = estate(json!({}));
        assert_result(&run(&CHECK, &inv), SA, Status::Error, "was not read");
        inv.reads
            .containers
            .insert(norm_id(SA), Err(forbidden("x/containers")));
        assert_result(
            &run(&CHECK, &inv),
            SA,
            Status::Error,
            "container list could not be read",
        );

        set_containers(
            &mut inv,
            vec![
                container("insights-activity-logs", locked(365)),
                json!({"id": format!("{SA}/blobServices/default/containers/insights-logs-bad"), "properties": {"hasImmutabilityPolicy": "yes"}}),
            ],
        );
        assert_result(
            &run(&CHECK, &inv),
            SA,
            Status::Error,
            "insights-logs-bad (could not be parsed",
        );
        // A malformed container that is not a log container does not matter.
        set_containers(
            &mut inv,
            vec![
                container("insights-activity-logs", locked(365)),
                json!({"id": format!("{SA}/blobServices/default/containers/data"), "properties": {"hasImmutabilityPolicy": "yes"}}),
            ],
        );
        assert_result(&run(&CHECK, &inv), SA, Status::Pass, "every log container");
        // One without an id might be one.
        set_containers(
            &mut inv,
            vec![
                container("insights-activity-logs", locked(365)),
                json!({"name": 5}),
            ],
        );
        assert_result(
            &run(&CHECK, &inv),
            SA,
            Status::Error,
            "item 1 of the container list",
        );
    }

    #[test]
    fn archive_without_blob_service_fails() {
        let (inv, _) =
            estate(json!({"primaryEndpoints": {"file": "https://stlogs.file.core.windows.net/"}}));
        assert_result(&run(&CHECK, &inv), SA, Status::Fail, "no blob service");
    }
}
