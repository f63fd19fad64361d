//! A planned estate's values unknown until apply (`azward plan`): a result
//! that depends on one is `error`, whatever it would otherwise be.

use crate::azure::whatif::{matching, resource_type, rows_in, Change, Match};
use crate::checks::Status;
use crate::engine::ResultRow;

/// Types whose changes are property values: an unknown one matters to the
/// checks whose condition (or reason) names the property. A change of any
/// other type (a diagnostic setting, an alert, a lock, a role assignment,
/// a Sentinel rule…) is a relationship: any unknown in it matters to every
/// check that reads its type.
const PROPERTY_TYPES: [&str; 7] = [
    "microsoft.keyvault/vaults",
    "microsoft.storage/storageaccounts",
    "microsoft.operationalinsights/workspaces",
    "microsoft.operationalinsights/workspaces/tables",
    "microsoft.security/pricings",
    "microsoft.security/securitycontacts",
    "microsoft.insights/actiongroups",
];

/// Whether `text` names `word` (case-insensitive, not inside a longer name).
fn names(text: &str, word: &str) -> bool {
    let t = text.to_ascii_lowercase();
    let w = word.to_ascii_lowercase();
    t.match_indices(&w).any(|(i, _)| {
        let before = t[..i].chars().next_back();
        let after = t[i + w.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// Whether the result of `check` with `reason` depends on `c`'s unknowns.
fn depends(c: &Change, condition: &str, reason: &str) -> bool {
    let ty = resource_type(&c.resource_id)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !PROPERTY_TYPES.contains(&ty.as_str()) || c.unknown_props.is_empty() {
        return true;
    }
    c.unknown_props
        .iter()
        .any(|p| names(condition, p) || names(reason, p))
}

/// Makes `error` every result that depends on a value unknown until apply:
/// one that follows from a change in `changes` with `unknown` attributes
/// (on the planned resource, a part of it, or a subscription whose check
/// reads its type) and whose check needs those attributes.
pub fn mark_unknown(results: &mut [ResultRow], changes: &[Change]) {
    explain_created(results, changes);
    let changes: Vec<Change> = changes
        .iter()
        .filter(|c| !c.unknown.is_empty())
        .cloned()
        .collect();
    if changes.is_empty() {
        return;
    }
    for r in results.iter_mut() {
        if r.status == Status::Error {
            continue;
        }
        let check = crate::checks::find(r.check_id);
        let rows = check.map(|c| rows_in(c.reads)).unwrap_or_default();
        let condition = check.map(|c| c.condition).unwrap_or_default();
        let hit = matching(&changes, r.resource_id.as_str(), &rows, Match::Read)
            .into_iter()
            .find(|&i| depends(&changes[i], condition, &r.reason));
        let Some(i) = hit else {
            continue;
        };
        let c = &changes[i];
        r.reason = format!(
            "unknown until apply: {} ({}); with the values the plan knows it would be {}: {}",
            c.display_address(),
            c.unknown.join(", "),
            r.status,
            r.reason
        );
        r.status = Status::Error;
        r.remediation_cli = None;
    }
}

/// An `error` because the base recording has no answer for a read of a
/// resource the plan creates (a new workspace's queries) says so.
fn explain_created(results: &mut [ResultRow], changes: &[Change]) {
    let created: Vec<Change> = changes
        .iter()
        .filter(|c| c.change_type == "Create")
        .cloned()
        .collect();
    if created.is_empty() {
        return;
    }
    for r in results.iter_mut() {
        if r.status != Status::Error || !r.reason.contains("NotRecorded") {
            continue;
        }
        if let Some(&i) = matching(&created, r.resource_id.as_str(), &[], Match::Own).first() {
            r.reason = format!(
                "unknown until apply: {} is created by the plan, which does not give what this check reads ({})",
                created[i].display_address(),
                r.reason
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Family, Severity};
    use crate::model::ResourceId;

    fn row(check: &'static str, status: Status, id: &str) -> ResultRow {
        ResultRow {
            check_id: check,
            title: "t",
            family: Family::Kv,
            severity: Severity::High,
            status,
            resource_id: ResourceId::new(id),
            item: None,
            subscription_id: None,
            reason: "r".into(),
            remediation_cli: None,
            waiver: None,
        }
    }

    const KV: &str = "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv";

    #[test]
    fn only_the_results_whose_condition_names_the_unknown_property_are_error() {
        let change = Change {
            resource_id: KV.into(),
            change_type: "Create".into(),
            address: Some("azurerm_key_vault.kv".into()),
            unknown: vec!["purge_protection_enabled".into()],
            unknown_props: vec!["enablePurgeProtection".into()],
            ..Change::default()
        };
        let mut rows = vec![
            // Purge protection: fail or pass, it depends on the unknown.
            row("AZ-KV-006", Status::Fail, KV),
            // RBAC and private endpoints do not.
            row("AZ-KV-003", Status::Pass, KV),
            row("AZ-KV-005", Status::Fail, KV),
            // Another vault with the same name elsewhere.
            row("AZ-KV-006", Status::Pass, &KV.replace("/s/", "/t/")),
        ];
        mark_unknown(&mut rows, &[change]);
        let st: Vec<Status> = rows.iter().map(|r| r.status).collect();
        assert_eq!(
            st,
            [Status::Error, Status::Pass, Status::Fail, Status::Pass]
        );
        assert!(
            rows[0].reason.starts_with(
                "unknown until apply: azurerm_key_vault.kv (purge_protection_enabled); with the values the plan knows it would be fail"
            ),
            "{}",
            rows[0].reason
        );
    }

    #[test]
    fn an_unknown_in_a_diagnostic_setting_reaches_its_resource_not_its_subscription() {
        let setting = format!("{KV}/providers/Microsoft.Insights/diagnosticSettings/d");
        let change = Change {
            resource_id: setting,
            change_type: "Create".into(),
            unknown: vec!["log_analytics_workspace_id".into()],
            ..Change::default()
        };
        let mut rows = vec![
            row("AZ-KV-001", Status::Pass, KV),
            row("AZ-KV-003", Status::Pass, KV),
            row("AZ-MON-003", Status::Pass, "/subscriptions/s"),
        ];
        mark_unknown(&mut rows, &[change]);
        let st: Vec<Status> = rows.iter().map(|r| r.status).collect();
        // KV-001 reads the vault's settings (row 12); KV-003 does not.
        assert_eq!(st, [Status::Error, Status::Pass, Status::Pass]);
    }

    #[test]
    fn names_matches_whole_property_names_only() {
        assert!(names(
            "`enablePurgeProtection` is true",
            "enablepurgeprotection"
        ));
        assert!(!names("retentionInDaysX", "retentionInDays"));
        assert!(!names("totalRetentionInDays", "retentionInDays"));
    }
}
