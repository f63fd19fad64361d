//! Shared definitions of the baseline used by several checks: categories
//! enabled by diagnostic settings, alert matching, lock and role scopes.

use crate::checks::{Ctx, Out, Status};
use crate::inventory::{
    eq_ci, is_log_capable, is_storage_account_type, norm_id, ActivityLogAlert, AlertCondition,
    DiagnosticSetting, Inventory, Listing, Read, ReadError, StorageAccount, Subscription,
};
use std::collections::BTreeSet;

/// A decided result with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass(String),
    Fail(String),
    Error(String),
    NotApplicable(String),
}

impl Verdict {
    pub fn into_parts(self) -> (Status, String) {
        match self {
            Verdict::Pass(r) => (Status::Pass, r),
            Verdict::Fail(r) => (Status::Fail, r),
            Verdict::Error(r) => (Status::Error, r),
            Verdict::NotApplicable(r) => (Status::NotApplicable, r),
        }
    }
}

/// Joins names for a reason: `a, b and c`.
pub fn join(names: &[String]) -> String {
    match names.len() {
        0 => String::new(),
        1 => names[0].clone(),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

fn quoted(settings: &[&DiagnosticSetting]) -> String {
    join(
        &settings
            .iter()
            .map(|s| format!("'{}'", s.display_name()))
            .collect::<Vec<_>>(),
    )
}

/// Baseline "Category enabled", for several categories that a resource's
/// settings must enable *together*.
///
/// * `audit_counts`: the categories for which the group `audit` counts
///   (only Key Vault `AuditEvent` in version 1).
/// * `workspace_only`: count only settings with a non-empty `workspaceId`
///   ("reaches Log Analytics").
///
/// A malformed setting in the list makes a would-be `fail` an `error`: the
/// setting that could not be read might have enabled what is missing.
pub fn require_categories(
    settings: &Listing<DiagnosticSetting>,
    categories: &[&str],
    audit_counts: &[&str],
    workspace_only: bool,
) -> Verdict {
    let counted: Vec<&DiagnosticSetting> = settings
        .items
        .iter()
        .filter(|s| !workspace_only || s.workspace_id().is_some())
        .collect();
    let mut missing = Vec::new();
    let mut enabling: Vec<&DiagnosticSetting> = Vec::new();
    for cat in categories {
        let audit = audit_counts.iter().any(|a| a.eq_ignore_ascii_case(cat));
        let by: Vec<&DiagnosticSetting> = counted
            .iter()
            .copied()
            .filter(|s| s.enables(cat, audit))
            .collect();
        if by.is_empty() {
            missing.push(cat.to_string());
        }
        for s in by {
            if !enabling.iter().any(|e| std::ptr::eq(*e, s)) {
                enabling.push(s);
            }
        }
    }
    let target = if workspace_only {
        " to a Log Analytics workspace"
    } else {
        ""
    };
    let wanted = join(&categories.iter().map(|c| c.to_string()).collect::<Vec<_>>());
    if missing.is_empty() {
        return Verdict::Pass(format!(
            "{} send{} {wanted}{target}",
            setting_word(&enabling),
            if enabling.len() == 1 { "s" } else { "" }
        ));
    }
    let reason = if settings.items.is_empty() {
        format!("no diagnostic setting enables {}{target}", join(&missing))
    } else {
        let mut r = format!(
            "{} {} enable {}{target}",
            describe_settings(&settings.items),
            not_verb(settings.items.len()),
            join(&missing)
        );
        let audit_uncounted = missing
            .iter()
            .any(|m| !audit_counts.iter().any(|a| a.eq_ignore_ascii_case(m)))
            && counted.iter().any(|s| s.has_enabled_audit_group());
        if audit_uncounted {
            r.push_str(" (categoryGroup 'audit' was not counted for these categories)");
        }
        r
    };
    if !settings.malformed.is_empty() {
        return Verdict::Error(format!(
            "{reason}, and {} setting(s) could not be parsed: {}",
            settings.malformed.len(),
            settings.malformed[0].error
        ));
    }
    Verdict::Fail(reason)
}

/// "At least one category or group" enabled with a destination (AZ-MON-001, AZ-MON-004).
pub fn require_any_category(settings: &Listing<DiagnosticSetting>) -> Verdict {
    let enabling: Vec<&DiagnosticSetting> =
        settings.items.iter().filter(|s| s.enables_any()).collect();
    if !enabling.is_empty() {
        let s = enabling[0];
        let cats: Vec<String> = s
            .enabled_logs()
            .filter_map(|l| {
                l.category
                    .clone()
                    .or_else(|| l.category_group.clone().map(|g| format!("group {g}")))
            })
            .collect();
        return Verdict::Pass(format!(
            "setting '{}' sends {} to {}",
            s.display_name(),
            join(&cats),
            destinations(s)
        ));
    }
    let reason = if settings.items.is_empty() {
        "no diagnostic setting".to_string()
    } else {
        format!(
            "{} {} no log category with a destination",
            describe_settings(&settings.items),
            if settings.items.len() == 1 {
                "enables"
            } else {
                "enable"
            }
        )
    };
    if !settings.malformed.is_empty() {
        return Verdict::Error(format!(
            "{reason}, and {} setting(s) could not be parsed: {}",
            settings.malformed.len(),
            settings.malformed[0].error
        ));
    }
    Verdict::Fail(reason)
}

fn not_verb(n: usize) -> &'static str {
    if n == 1 {
        "does not"
    } else {
        "do not"
    }
}

fn setting_word(settings: &[&DiagnosticSetting]) -> String {
    if settings.len() == 1 {
        format!("setting {}", quoted(settings))
    } else {
        format!("settings {}", quoted(settings))
    }
}

/// `setting 'a' (no destination)` or `settings 'a' and 'b'`.
pub fn describe_settings(settings: &[DiagnosticSetting]) -> String {
    let parts: Vec<String> = settings
        .iter()
        .map(|s| {
            if s.has_destination() {
                format!("'{}'", s.display_name())
            } else {
                format!("'{}' (no destination)", s.display_name())
            }
        })
        .collect();
    if parts.len() == 1 {
        format!("setting {}", parts[0])
    } else {
        format!("settings {}", join(&parts))
    }
}

/// The destination kinds of a setting, for reasons.
pub fn destinations(s: &DiagnosticSetting) -> String {
    let p = s.props();
    let mut d = Vec::new();
    let set = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    if set(&p.workspace_id) {
        d.push("Log Analytics".to_string());
    }
    if set(&p.storage_account_id) {
        d.push("storage".to_string());
    }
    if set(&p.event_hub_authorization_rule_id) {
        d.push("Event Hubs".to_string());
    }
    if set(&p.marketplace_partner_id) {
        d.push("a partner solution".to_string());
    }
    if set(&p.service_bus_rule_id) {
        d.push("Service Bus".to_string());
    }
    join(&d)
}

/// Normalizes a scope for comparison: lower case, leading `/`, no trailing `/`.
pub fn norm_scope(scope: &str) -> String {
    norm_id(scope)
}

/// The resource type an operation acts on: the operation minus its last segment.
pub fn operation_resource_type(op: &str) -> &str {
    op.rsplit_once('/').map(|(t, _)| t).unwrap_or(op)
}

fn is_op_condition(c: &AlertCondition) -> bool {
    eq_ci(c.field.as_deref(), "operationName")
}

fn op_condition_names(c: &AlertCondition, op: &str) -> bool {
    eq_ci(c.equals.as_deref(), op)
        || c.contains_any
            .as_ref()
            .is_some_and(|v| v.iter().any(|x| x.eq_ignore_ascii_case(op)))
}

/// Baseline alert matching: whether `alert` matches operation `op` for the
/// subscription `sub_id` (enabled, an action group, scoped to the
/// subscription, and no narrowing condition).
pub fn alert_matches(alert: &ActivityLogAlert, sub_id: &str, op: &str) -> bool {
    if !alert.enabled() || alert.action_group_ids().is_empty() {
        return false;
    }
    let sub_scope = norm_scope(&format!("/subscriptions/{sub_id}"));
    if !alert.scopes().iter().any(|s| norm_scope(s) == sub_scope) {
        return false;
    }
    let conditions = alert.conditions();
    if conditions.is_empty() {
        return false;
    }
    let mut names_op = false;
    for c in conditions {
        let field = c.field.as_deref();
        let ok = if eq_ci(field, "category") {
            eq_ci(c.equals.as_deref(), "Administrative") && c.contains_any.is_none()
        } else if is_op_condition(c) {
            let hit = op_condition_names(c, op);
            names_op |= hit;
            hit
        } else if eq_ci(field, "resourceType") {
            eq_ci(c.equals.as_deref(), operation_resource_type(op)) && c.contains_any.is_none()
        } else if field.is_none() {
            match &c.any_of {
                Some(any) if !any.is_empty() && any.iter().all(is_op_condition) => {
                    let hit = any.iter().any(|a| eq_ci(a.equals.as_deref(), op));
                    names_op |= hit;
                    hit
                }
                _ => false,
            }
        } else {
            false
        };
        if !ok {
            return false;
        }
    }
    // Only category / resource type conditions, with no operation named:
    // the alert still fires on `op`, so it matches.
    let _ = names_op;
    true
}

/// Whether `scope` is `target` or an ancestor of it (a resource group, the
/// subscription, a management group or the root scope `/`).
pub fn scope_covers(scope: &str, target: &str) -> bool {
    let s = norm_scope(scope);
    let t = norm_scope(target);
    if s == "/" || s.starts_with("/providers/microsoft.management/managementgroups/") {
        return true;
    }
    t == s || t.starts_with(&format!("{s}/"))
}

/// The log archive accounts, and the reads that could have named more.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogArchives {
    /// [`norm_id`] of every storage account named by a setting or flow log read.
    pub accounts: BTreeSet<String>,
    /// Reads that could name further archive accounts but failed, were not
    /// made, or held items that could not be parsed (short descriptions, in
    /// inventory order).
    pub unread: Vec<String>,
}

impl LogArchives {
    pub fn contains(&self, account_id: &str) -> bool {
        self.accounts.contains(&norm_id(account_id))
    }

    /// The reason of a `not_applicable` result for an account not found to
    /// be a log archive account. When some reads failed the account could
    /// still be one; the result stays `not_applicable` (nothing read names
    /// it) and the reason says which reads were missing.
    pub fn not_archive_reason(&self, account_name: &str) -> String {
        let mut r = format!(
            "account '{account_name}' is not a log archive account (no diagnostic setting or flow log read names it)"
        );
        if let Some(first) = self.unread.first() {
            r.push_str(&format!(
                "; but {} read(s) that could name log archive accounts failed or were not made, so it may still be one: {first}",
                self.unread.len()
            ));
            if self.unread.len() > 1 {
                r.push_str(&format!(" and {} more", self.unread.len() - 1));
            }
        }
        r
    }
}

/// [`log_archive_accounts`] with the reads that could not contribute.
pub fn log_archives(inv: &Inventory) -> LogArchives {
    let mut out = LogArchives {
        accounts: inv.log_archive_accounts(),
        unread: Vec::new(),
    };
    let settings =
        |read: &Read<Listing<DiagnosticSetting>>, what: &str, out: &mut LogArchives| match read {
            Ok(l) => {
                if !l.malformed.is_empty() {
                    out.unread.push(format!(
                        "{} unparsable item(s) in {what}",
                        l.malformed.len()
                    ));
                }
            }
            Err(e) => out.unread.push(format!("{what} ({})", err_text(e))),
        };
    settings(
        &inv.entra_diagnostic_settings,
        "the Entra ID diagnostic settings",
        &mut out,
    );
    for sub in inv.scanned() {
        settings(
            &sub.diagnostic_settings,
            &format!("the diagnostic settings of subscription {}", sub.id),
            &mut out,
        );
    }
    for (id, read) in &inv.reads.diagnostic_settings {
        settings(read, &format!("the diagnostic settings of {id}"), &mut out);
    }
    for (id, read) in &inv.reads.flow_logs {
        match read {
            Ok(l) => {
                if !l.malformed.is_empty() {
                    out.unread.push(format!(
                        "{} unparsable item(s) in the flow logs of {id}",
                        l.malformed.len()
                    ));
                }
            }
            Err(e) => out
                .unread
                .push(format!("the flow logs of {id} ({})", err_text(e))),
        }
    }
    // Reads never made because the list that leads to them failed, or
    // because a listed resource has no recorded read.
    for sub in inv.scanned() {
        unread_targets(inv, sub, &mut out.unread);
    }
    out
}

fn err_text(e: &ReadError) -> String {
    match e.status {
        Some(s) => format!("{}, HTTP {s}", e.code),
        None => e.code.clone(),
    }
}

fn unread_targets(inv: &Inventory, sub: &Subscription, unread: &mut Vec<String>) {
    let list_problem = |what: &str, malformed: usize, err: Option<&ReadError>| match err {
        Some(e) => Some(format!(
            "the {what} list of subscription {} ({})",
            sub.id,
            err_text(e)
        )),
        None if malformed > 0 => Some(format!(
            "{malformed} unparsable item(s) in the {what} list of subscription {}",
            sub.id
        )),
        None => None,
    };
    let diag_read = |id: &str| inv.reads.diagnostic_settings.contains_key(&norm_id(id));
    let mut missing: Vec<String> = Vec::new();
    match &sub.resources {
        Ok(l) => {
            unread.extend(list_problem("resource", l.malformed.len(), None));
            for r in &l.items {
                let t = r.resource_type();
                if is_log_capable(t) && !is_storage_account_type(t) && !diag_read(&r.id) {
                    missing.push(format!("the diagnostic settings of {} (not read)", r.id));
                }
            }
        }
        Err(e) => unread.extend(list_problem("resource", 0, Some(e))),
    }
    match &sub.storage_accounts {
        Ok(l) => {
            unread.extend(list_problem("storage account", l.malformed.len(), None));
            for a in &l.items {
                for svc in a.present_services() {
                    let id = svc.service_id(&a.id);
                    if !diag_read(&id) {
                        missing.push(format!("the diagnostic settings of {id} (not read)"));
                    }
                }
            }
        }
        Err(e) => unread.extend(list_problem("storage account", 0, Some(e))),
    }
    match &sub.network_watchers {
        Ok(l) => {
            unread.extend(list_problem("network watcher", l.malformed.len(), None));
            for w in &l.items {
                if !inv.reads.flow_logs.contains_key(&norm_id(&w.id)) {
                    missing.push(format!("the flow logs of {} (not read)", w.id));
                }
            }
        }
        Err(e) => unread.extend(list_problem("network watcher", 0, Some(e))),
    }
    unread.extend(missing);
}

/// Runs `assess` on every log archive account of every scanned subscription
/// (AZ-ST-007 … 009). Accounts that are not archives are `not_applicable`
/// (see [`LogArchives::not_archive_reason`]); an archive account that could
/// not be parsed is `error`, a non-archive one stays `not_applicable`
/// (decided from other reads); a failed storage account list is one `error`
/// on the subscription.
pub fn each_archive_account(
    ctx: &Ctx,
    out: &mut Out,
    mut assess: impl FnMut(&mut Out, &Subscription, &StorageAccount),
) {
    let archives = log_archives(ctx.inv);
    for sub in ctx.inv.scanned() {
        let Some(accounts) = out.list(sub, "storage accounts", &sub.storage_accounts) else {
            continue;
        };
        for a in &accounts.items {
            if archives.contains(&a.id) {
                assess(out, sub, a);
            } else {
                out.not_applicable(
                    &a.id,
                    Some(&sub.id),
                    archives.not_archive_reason(a.display_name()),
                );
            }
        }
        for m in &accounts.malformed {
            let Some(id) = &m.id else { continue };
            if archives.contains(id) {
                out.error(
                    id,
                    Some(&sub.id),
                    format!(
                        "the storage account (a log archive account) could not be parsed: {}",
                        m.error
                    ),
                );
            } else {
                out.not_applicable(
                    id,
                    Some(&sub.id),
                    archives.not_archive_reason(crate::inventory::last_segment(id)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn alert(v: serde_json::Value) -> ActivityLogAlert {
        serde_json::from_value(v).unwrap()
    }

    const SUB: &str = "11111111-1111-1111-1111-111111111111";
    const OP: &str = "Microsoft.Insights/diagnosticSettings/delete";

    fn base(all_of: serde_json::Value) -> serde_json::Value {
        json!({"id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Insights/activityLogAlerts/a",
               "properties": {"scopes": [format!("/subscriptions/{SUB}/")], "condition": {"allOf": all_of},
                              "actions": {"actionGroups": [{"actionGroupId": "/subscriptions/x/resourceGroups/rg/providers/microsoft.insights/actionGroups/ag"}]}}})
    }

    #[test]
    fn matches_equals_contains_and_any_of() {
        let eq = alert(base(
            json!([{"field": "category", "equals": "administrative"}, {"field": "operationName", "equals": OP.to_lowercase()}]),
        ));
        assert!(alert_matches(&eq, SUB, OP));
        let contains = alert(base(
            json!([{"field": "operationName", "containsAny": ["x", OP]}]),
        ));
        assert!(alert_matches(&contains, SUB, OP));
        let any = alert(base(
            json!([{"anyOf": [{"field": "operationName", "equals": "other"}, {"field": "operationName", "equals": OP}]}]),
        ));
        assert!(alert_matches(&any, SUB, OP));
        let rt = alert(base(
            json!([{"field": "resourceType", "equals": "microsoft.insights/diagnosticsettings"}, {"field": "operationName", "equals": OP}]),
        ));
        assert!(alert_matches(&rt, SUB, OP));
    }

    #[test]
    fn narrowing_conditions_and_scopes_do_not_match() {
        let level = alert(base(
            json!([{"field": "operationName", "equals": OP}, {"field": "level", "equals": "Critical"}]),
        ));
        assert!(!alert_matches(&level, SUB, OP));
        let other_op = alert(base(
            json!([{"field": "operationName", "equals": "Microsoft.Network/networkSecurityGroups/write"}]),
        ));
        assert!(!alert_matches(&other_op, SUB, OP));
        let mut rg = base(json!([{"field": "operationName", "equals": OP}]));
        rg["properties"]["scopes"] = json!([format!("/subscriptions/{SUB}/resourceGroups/rg")]);
        assert!(!alert_matches(&alert(rg), SUB, OP));
        let mut disabled = base(json!([{"field": "operationName", "equals": OP}]));
        disabled["properties"]["enabled"] = json!(false);
        assert!(!alert_matches(&alert(disabled), SUB, OP));
        let mut no_ag = base(json!([{"field": "operationName", "equals": OP}]));
        no_ag["properties"]["actions"] = json!({"actionGroups": []});
        assert!(!alert_matches(&alert(no_ag), SUB, OP));
        let mixed_any = alert(base(
            json!([{"anyOf": [{"field": "operationName", "equals": OP}, {"field": "status", "equals": "Succeeded"}]}]),
        ));
        assert!(!alert_matches(&mixed_any, SUB, OP));
    }

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

    #[test]
    fn categories_together_and_malformed_is_error() {
        let parse = |v: Vec<serde_json::Value>| Listing::<DiagnosticSetting>::parse(v);
        let a = json!({"name": "a", "properties": {"workspaceId": "/w", "logs": [{"category": "Administrative", "enabled": true}]}});
        let b = json!({"name": "b", "properties": {"storageAccountId": "/s", "logs": [{"category": "Security", "enabled": true}]}});
        let v = require_categories(
            &parse(vec![a.clone(), b.clone()]),
            &["Administrative", "Security"],
            &[],
            false,
        );
        assert!(matches!(v, Verdict::Pass(_)), "{v:?}");
        let v = require_categories(
            &parse(vec![a.clone(), b.clone()]),
            &["Administrative", "Security"],
            &[],
            true,
        );
        assert!(
            matches!(v, Verdict::Fail(ref r) if r.contains("Security")),
            "{v:?}"
        );
        let bad = json!({"name": "c", "properties": {"logs": "oops"}});
        let v = require_categories(
            &parse(vec![a, bad]),
            &["Administrative", "Security"],
            &[],
            false,
        );
        assert!(matches!(v, Verdict::Error(_)), "{v:?}");
    }

    #[test]
    fn empty_workspace_id_is_no_destination() {
        let s: DiagnosticSetting = serde_json::from_value(json!({"name": "x", "properties": {"workspaceId": "", "logs": [{"categoryGroup": "allLogs", "enabled": true}]}})).unwrap();
        assert!(!s.has_destination());
        assert!(matches!(
            require_any_category(&Listing::new(vec![s])),
            Verdict::Fail(_)
        ));
    }

    #[test]
    fn log_archive_accounts_from_every_source() {
        use crate::checks::testkit::*;
        let acct = |n: &str| rid("rg", "Microsoft.Storage/storageAccounts", n);
        let mut inv = inv();
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![diag(
            "activity",
            None,
            Some(&acct("STSUB")),
            &[(Some("Administrative"), None, false)],
        )]));
        inv.entra_diagnostic_settings = Ok(listing(vec![diag(
            "entra",
            Some(""),
            Some(&acct("stentra")),
            &[],
        )]));
        let kv = rid("rg", "Microsoft.KeyVault/vaults", "kv");
        set_diagnostics(
            &mut inv,
            &kv,
            vec![
                diag("kv", None, Some(&format!("{}/", acct("stres"))), &[]),
                diag("empty", Some(WS), Some(""), &[]),
            ],
        );
        let nw = rid("rg", "Microsoft.Network/networkWatchers", "nw");
        inv.reads.flow_logs.insert(
            norm_id(&nw),
            Ok(listing(vec![
                json!({"id": format!("{nw}/flowLogs/f"), "properties": {"storageId": acct("stflow")}}),
            ])),
        );
        let a = log_archives(&inv);
        let want: BTreeSet<String> = ["stsub", "stentra", "stres", "stflow"]
            .iter()
            .map(|n| norm_id(&acct(n)))
            .collect();
        assert_eq!(a.accounts, want);
        assert!(a.unread.is_empty(), "{:?}", a.unread);
        assert!(a.contains(&acct("StFlow")));
        assert_eq!(inv.log_archive_accounts(), want);
        assert!(!a.not_archive_reason("x").contains("may still be one"));
    }

    #[test]
    fn log_archives_name_the_reads_that_failed() {
        use crate::checks::testkit::*;
        let mut inv = with_second(inv());
        inv.entra_diagnostic_settings =
            Err(forbidden("/providers/microsoft.aadiam/diagnosticSettings"));
        sub_n(&mut inv, 1).diagnostic_settings = Err(forbidden("sub2 diag"));
        let kv = rid("rg", "Microsoft.KeyVault/vaults", "kv");
        let vm = rid("rg", "Microsoft.Compute/virtualMachines", "vm");
        let ws = rid("rg", "Microsoft.OperationalInsights/workspaces", "law");
        sub(&mut inv).resources = Ok(listing(vec![
            json!({"id": kv, "type": "Microsoft.KeyVault/vaults"}),
            json!({"id": vm, "type": "Microsoft.Compute/virtualMachines"}),
            json!({"id": ws, "type": "Microsoft.OperationalInsights/workspaces"}),
        ]));
        fail_diagnostics(&mut inv, &kv);
        let st = rid("rg", "Microsoft.Storage/storageAccounts", "st");
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": st, "kind": "BlobStorage", "properties": {}}),
        ]));
        let nw = rid("rg", "Microsoft.Network/networkWatchers", "nw");
        sub(&mut inv).network_watchers = Ok(listing(vec![json!({"id": nw})]));
        sub_n(&mut inv, 1).network_watchers = Err(forbidden("sub2 watchers"));
        let a = log_archives(&inv);
        let all = a.unread.join(" | ");
        assert!(
            all.contains("the Entra ID diagnostic settings (AuthorizationFailed, HTTP 403)"),
            "{all}"
        );
        assert!(
            all.contains(&format!("the diagnostic settings of subscription {SUB2}")),
            "{all}"
        );
        assert!(
            all.contains(&format!("the diagnostic settings of {}", norm_id(&kv))),
            "{all}"
        );
        assert!(
            all.contains(&format!("the diagnostic settings of {ws} (not read)")),
            "{all}"
        );
        assert!(!all.contains("virtualMachines"), "not log-capable: {all}");
        assert!(all.contains("blobServices/default (not read)"), "{all}");
        assert!(
            !all.contains("fileServices"),
            "BlobStorage has no file service: {all}"
        );
        assert!(
            all.contains(&format!("the flow logs of {nw} (not read)")),
            "{all}"
        );
        assert!(
            all.contains(&format!("the network watcher list of subscription {SUB2}")),
            "{all}"
        );
        assert_eq!(a.unread.len(), 7, "{all}");
        let r = a.not_archive_reason("st");
        assert!(r.contains("7 read(s)") && r.contains("and 6 more"), "{r}");
    }
}
