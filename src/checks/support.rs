//! Shared definitions of the baseline used by several checks: categories
//! enabled by diagnostic settings, alert matching, lock and role scopes.

use crate::checks::drivers::listed_ids;
use crate::checks::{Ctx, Out, Status};
use crate::inventory::{
    eq_ci, is_log_capable, is_storage_account_type, last_segment, norm_id, ActivityLogAlert,
    AlertCondition, DiagnosticSetting, GenericResource, Inventory, Listing, Read, ReadError,
    StorageAccount, Subscription,
};
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

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

    /// The same verdict, its reason prefixed with what it is about
    /// (`label: reason`).
    pub fn labelled(self, label: &str) -> Verdict {
        let with = |r: String| format!("{label}: {r}");
        match self {
            Verdict::Pass(r) => Verdict::Pass(with(r)),
            Verdict::Fail(r) => Verdict::Fail(with(r)),
            Verdict::Error(r) => Verdict::Error(with(r)),
            Verdict::NotApplicable(r) => Verdict::NotApplicable(with(r)),
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

/// `setting 'a'` or `settings 'a' and 'b'`.
pub fn setting_word(settings: &[&DiagnosticSetting]) -> String {
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
    alert_mismatch(alert, sub_id, op).is_none()
}

/// Whether `scope` is `target` or an ancestor of it (a resource group, the
/// subscription, a management group or the root scope `/`).
pub fn scope_covers(scope: &str, target: &str) -> bool {
    normed_scope_covers(&norm_scope(scope), &norm_scope(target))
}

/// [`scope_covers`] over scopes already put through [`norm_scope`].
pub fn normed_scope_covers(s: &str, t: &str) -> bool {
    if s == "/" || s.starts_with("/providers/microsoft.management/managementgroups/") {
        return true;
    }
    t.strip_prefix(s)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
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
    // `what` names the read only when it is needed (most reads are fine).
    let settings = |read: &Read<Listing<DiagnosticSetting>>,
                    what: &dyn Fn() -> String,
                    out: &mut LogArchives| match read {
        Ok(l) => {
            if !l.malformed.is_empty() {
                out.unread.push(format!(
                    "{} unparsable item(s) in {}",
                    l.malformed.len(),
                    what()
                ));
            }
        }
        Err(e) => out.unread.push(format!("{} ({})", what(), err_text(e))),
    };
    settings(
        &inv.entra_diagnostic_settings,
        &|| "the Entra ID diagnostic settings".into(),
        &mut out,
    );
    for sub in inv.scanned() {
        settings(
            &sub.diagnostic_settings,
            &|| format!("the diagnostic settings of subscription {}", sub.id),
            &mut out,
        );
    }
    for (id, read) in &inv.reads.diagnostic_settings {
        settings(
            read,
            &|| format!("the diagnostic settings of {id}"),
            &mut out,
        );
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
    out.each_list(
        ctx.inv,
        "storage accounts",
        |s| &s.storage_accounts,
        |out, sub, accounts| {
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
        },
    );
}

/// Drives the per-flow-log checks (AZ-NET-002 … 004): every flow log of every
/// network watcher of every scanned subscription, with the errors the
/// baseline asks for. A failed watcher list is one `error` on the
/// subscription; a failed flow-log read is one `error` on the watcher (the
/// flow logs it holds are unknown); a flow log that could not be parsed is an
/// `error` on its own id, or, with no readable id, on the subscription.
/// Watchers that could not be parsed but have an id are still followed (their
/// flow logs were read by id).
pub fn each_flow_log(
    out: &mut crate::checks::Out,
    inv: &crate::inventory::Inventory,
    mut assess: impl FnMut(
        &mut crate::checks::Out,
        &crate::inventory::Subscription,
        &crate::inventory::FlowLog,
    ),
) {
    out.each_list(inv, "network watchers", |s| &s.network_watchers, |out, sub, watchers| {
        for watcher_id in listed_ids(watchers, |w| &w.id) {
            let watcher_name = crate::inventory::last_segment(watcher_id);
            let logs = match crate::inventory::lookup(&inv.reads.flow_logs, watcher_id, "flow logs")
            {
                Ok(l) => l,
                Err(e) => {
                    out.read_error(
                        watcher_id,
                        Some(&sub.id),
                        &format!("the flow logs of network watcher '{watcher_name}'"),
                        &e,
                    );
                    continue;
                }
            };
            for m in &logs.malformed {
                match &m.id {
                    Some(id) => out.error(
                        id,
                        Some(&sub.id),
                        format!("the flow log could not be parsed: {}", m.error),
                    ),
                    None => out.error(
                        &sub.resource_id(),
                        Some(&sub.id),
                        format!(
                            "item {} of the flow logs list of network watcher '{watcher_name}' could not be read (no id): {}",
                            m.position, m.error
                        ),
                    ),
                };
            }
            for fl in &logs.items {
                assess(out, sub, fl);
            }
        }
    });
}

/// Whether a workspace is onboarded to Microsoft Sentinel (call 22).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Onboarding {
    /// The onboarding states read returned at least one item.
    Onboarded,
    /// The read returned no item.
    NotOnboarded,
    /// The read failed (or was not made, or only held unparsable items): the cause.
    Unknown(String),
}

pub fn onboarding(inv: &crate::inventory::Inventory, workspace_id: &str) -> Onboarding {
    match crate::inventory::lookup(
        &inv.reads.onboarding_states,
        workspace_id,
        "Sentinel onboarding states",
    ) {
        Ok(l) if !l.items.is_empty() => Onboarding::Onboarded,
        Ok(l) => match l.malformed.first() {
            Some(m) => Onboarding::Unknown(format!(
                "the Sentinel onboarding state could not be parsed: {}",
                m.error
            )),
            None => Onboarding::NotOnboarded,
        },
        Err(e) => Onboarding::Unknown(format!(
            "could not read the Sentinel onboarding states: {e}"
        )),
    }
}

/// Drives the per-workspace Sentinel checks (AZ-SEN-002 … 004): a failed
/// workspace list is one `error` on the subscription; a workspace whose
/// onboarding could not be read is `error`; one not onboarded is
/// `not_applicable`; `assess` gets each onboarded workspace's id and name.
pub fn each_onboarded_workspace(
    out: &mut crate::checks::Out,
    inv: &crate::inventory::Inventory,
    mut assess: impl FnMut(&mut crate::checks::Out, &crate::inventory::Subscription, &str, &str),
) {
    out.each_list(
        inv,
        "Log Analytics workspaces",
        |s| &s.workspaces,
        |out, sub, workspaces| {
            for ws in listed_ids(workspaces, |w| &w.id) {
                let name = crate::inventory::last_segment(ws);
                match onboarding(inv, ws) {
                    Onboarding::Onboarded => assess(out, sub, ws, name),
                    Onboarding::NotOnboarded => {
                        out.not_applicable(
                            ws,
                            Some(&sub.id),
                            format!("workspace '{name}' is not onboarded to Microsoft Sentinel"),
                        );
                    }
                    Onboarding::Unknown(cause) => {
                        out.error(ws, Some(&sub.id), format!("workspace '{name}': {cause}"));
                    }
                }
            }
        },
    );
}

/// Why `alert` does not match operation `op` for subscription `sub_id`
/// (`None` when it matches), for the reasons of AZ-MON-006/007/008.
pub fn alert_mismatch(alert: &ActivityLogAlert, sub_id: &str, op: &str) -> Option<String> {
    let name = alert.display_name();
    if !alert.enabled() {
        return Some(format!("'{name}' is disabled"));
    }
    if alert.action_group_ids().is_empty() {
        return Some(format!("'{name}' has no action group"));
    }
    let sub_scope = norm_scope(&format!("/subscriptions/{sub_id}"));
    if !alert.scopes().iter().any(|s| norm_scope(s) == sub_scope) {
        let scopes = alert.scopes();
        return Some(if scopes.is_empty() {
            format!("'{name}' has no scope")
        } else {
            format!(
                "'{name}' is scoped to {} rather than the subscription",
                join(
                    &scopes
                        .iter()
                        .map(|s| s.trim().to_string())
                        .collect::<Vec<_>>()
                )
            )
        });
    }
    let conditions = alert.conditions();
    if conditions.is_empty() {
        return Some(format!("'{name}' has no condition"));
    }
    for c in conditions {
        let field = c.field.as_deref();
        let problem = if eq_ci(field, "category") {
            (!(eq_ci(c.equals.as_deref(), "Administrative") && c.contains_any.is_none())).then(
                || {
                    format!(
                        "its category condition is '{}', not Administrative",
                        c.equals.as_deref().unwrap_or("(containsAny)")
                    )
                },
            )
        } else if is_op_condition(c) {
            (!op_condition_names(c, op))
                .then(|| "its operationName condition names other operations".to_string())
        } else if eq_ci(field, "resourceType") {
            (!(eq_ci(c.equals.as_deref(), operation_resource_type(op)) && c.contains_any.is_none()))
                .then(|| "its resourceType condition names another resource type".to_string())
        } else if field.is_none() {
            match &c.any_of {
                Some(any) if !any.is_empty() && any.iter().all(is_op_condition) => {
                    (!any.iter().any(|a| eq_ci(a.equals.as_deref(), op)))
                        .then(|| "its anyOf condition names other operations".to_string())
                }
                Some(_) => Some("it is narrowed by an anyOf condition on other fields".to_string()),
                None => Some("it has a condition with no field".to_string()),
            }
        } else {
            Some(format!(
                "it is narrowed by a '{}' condition",
                field.unwrap_or_default()
            ))
        };
        if let Some(p) = problem {
            return Some(format!("'{name}' does not match: {p}"));
        }
    }
    None
}

/// Whether any condition of `alert` (or of an `anyOf` inside it) names `op`
/// as operationName: the alerts worth naming when none matches.
pub fn alert_names_op(alert: &ActivityLogAlert, op: &str) -> bool {
    alert.conditions().iter().any(|c| {
        (is_op_condition(c) && op_condition_names(c, op))
            || c.any_of.as_ref().is_some_and(|any| {
                any.iter()
                    .any(|a| is_op_condition(a) && op_condition_names(a, op))
            })
    })
}

/// The "at least one alert" verdict of AZ-MON-006/007/008 for one
/// subscription: a matching alert for any of `ops` passes; otherwise a
/// malformed alert in the list (which might have matched) makes it `error`,
/// else `fail`, naming the alerts that name the operation but do not match.
/// `what` describes the operation(s) in the reason.
pub fn alert_verdict(
    alerts: &Listing<ActivityLogAlert>,
    sub_id: &str,
    ops: &[&str],
    what: &str,
) -> Verdict {
    for a in &alerts.items {
        if let Some(op) = ops.iter().find(|op| alert_matches(a, sub_id, op)) {
            return Verdict::Pass(format!(
                "enabled alert '{}' matches {op} on the subscription and notifies {}",
                a.display_name(),
                join(
                    &a.action_group_ids()
                        .iter()
                        .map(|g| format!("'{}'", last_segment(g)))
                        .collect::<Vec<_>>()
                )
            ));
        }
    }
    let near: Vec<String> = alerts
        .items
        .iter()
        .filter_map(|a| {
            ops.iter()
                .filter(|op| alert_names_op(a, op))
                .find_map(|op| alert_mismatch(a, sub_id, op))
        })
        .collect();
    let n = alerts.items.len() + alerts.malformed.len();
    let mut reason = format!(
        "no enabled activity log alert with an action group matches {what} on the subscription ({n} alert{} read",
        if n == 1 { "" } else { "s" }
    );
    if near.is_empty() {
        reason.push(')');
    } else {
        reason.push_str(&format!("; {})", near.join("; ")));
    }
    if let Some(m) = alerts.malformed.first() {
        let which = match &m.id {
            Some(id) => format!("alert '{}'", last_segment(id)),
            None => format!("item {} of the list", m.position),
        };
        return Verdict::Error(format!(
            "{reason}, and {} alert(s) could not be parsed ({which}: {})",
            alerts.malformed.len(),
            m.error
        ));
    }
    Verdict::Fail(reason)
}

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
/// accounts list, call 7, matched by id). A storage account that cannot be
/// expanded (list failed, account missing or malformed in it, no service
/// determinable) is one target on the account id with an error. Resources
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
                out.push(account_error(format!(
                    "could not read the storage accounts list to find its services: {e}"
                )));
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
            let why = if account
                .properties
                .as_ref()
                .is_some_and(|p| p.primary_endpoints.is_some())
            {
                "primaryEndpoints names no blob, file, queue or table service".to_string()
            } else {
                format!(
                    "no primaryEndpoints and kind '{}' names no service",
                    account.kind.as_deref().unwrap_or("not set")
                )
            };
            out.push(account_error(format!(
                "its storage services could not be determined: {why}"
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

/// A subscription-scope check that the subscription's diagnostic settings
/// together enable `categories` (AZ-MON-002, and with `workspace_only`, AZ-MON-003).
pub fn subscription_categories(
    ctx: &Ctx,
    check: &crate::checks::Check,
    categories: &[&str],
    workspace_only: bool,
) -> Vec<crate::checks::Finding> {
    let mut out = Out::new(check);
    out.each_list(
        ctx.inv,
        "subscription diagnostic settings",
        |s| &s.diagnostic_settings,
        |out, sub, settings| {
            let v = require_categories(settings, categories, &[], workspace_only);
            out.verdict(v, &sub.resource_id(), Some(&sub.id));
        },
    );
    out.done()
}

/// A tenant-scope check that the Entra ID diagnostic settings together enable
/// `categories` (AZ-ENTRA-001/002): always one result, on the tenant.
pub fn tenant_categories(
    ctx: &Ctx,
    check: &crate::checks::Check,
    categories: &[&str],
) -> Vec<crate::checks::Finding> {
    let mut out = Out::new(check);
    let tenant = ctx.inv.tenant_resource_id();
    match &ctx.inv.entra_diagnostic_settings {
        Ok(settings) => {
            let v = require_categories(settings, categories, &[], false);
            out.verdict(v, &tenant, None);
        }
        Err(e) => {
            out.read_error(&tenant, None, "the Entra ID diagnostic settings", e);
        }
    }
    out.done()
}

/// Key Vault `AuditEvent` enabled (AZ-KV-001) or reaching Log Analytics
/// (AZ-KV-002, `workspace_only`). Decided from the vault's diagnostic settings
/// alone: a vault whose own body could not be parsed is still assessed when
/// its id is readable.
pub fn vault_audit_event(
    ctx: &Ctx,
    check: &crate::checks::Check,
    workspace_only: bool,
) -> Vec<crate::checks::Finding> {
    let mut out = Out::new(check);
    out.each_list(
        ctx.inv,
        "key vaults",
        |s| &s.vaults,
        |out, sub, vaults| {
            let mut targets: Vec<(&str, &str)> = vaults
                .items
                .iter()
                .map(|v| (v.id.as_str(), v.display_name()))
                .collect();
            targets.extend(
                vaults
                    .malformed
                    .iter()
                    .filter_map(|m| m.id.as_deref())
                    .map(|id| (id, last_segment(id))),
            );
            for (id, name) in targets {
                match ctx.inv.diagnostics_of(id) {
                    Err(e) => {
                        out.read_error(
                            id,
                            Some(&sub.id),
                            &format!("the diagnostic settings of vault '{name}'"),
                            &e,
                        );
                    }
                    Ok(settings) => {
                        let v = require_categories(
                            settings,
                            &["AuditEvent"],
                            &["AuditEvent"],
                            workspace_only,
                        );
                        out.verdict(v.labelled(&format!("vault '{name}'")), id, Some(&sub.id));
                    }
                }
            }
        },
    );
    out.done()
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

#[cfg(test)]
mod mon_helper_tests {
    use super::*;
    use serde_json::json;

    const SUB: &str = "11111111-1111-1111-1111-111111111111";
    const OP: &str = "Microsoft.Network/publicIPAddresses/write";

    fn alert(props: serde_json::Value) -> ActivityLogAlert {
        serde_json::from_value(json!({"id": "/subscriptions/x/resourceGroups/rg/providers/microsoft.insights/activityLogAlerts/a", "name": "a", "properties": props})).unwrap()
    }

    #[test]
    fn mismatch_explains_exactly_when_alert_matches_does_not_hold() {
        let ag = json!({"actionGroups": [{"actionGroupId": "/subscriptions/x/resourceGroups/rg/providers/microsoft.insights/actionGroups/ag"}]});
        let scope = json!([format!("/subscriptions/{SUB}")]);
        let conditions = [
            json!([{"field": "operationName", "equals": OP}]),
            json!([{"field": "category", "equals": "Administrative"}]),
            json!([{"field": "category", "equals": "Security"}]),
            json!([{"field": "category", "containsAny": ["Administrative"]}]),
            json!([{"field": "resourceType", "equals": "microsoft.network/publicipaddresses"}]),
            json!([{"field": "resourceType", "equals": "Microsoft.Network/networkSecurityGroups"}]),
            json!([{"field": "operationName", "containsAny": [OP]}]),
            json!([{"field": "operationName", "equals": "other"}]),
            json!([{"anyOf": [{"field": "operationName", "equals": OP}]}]),
            json!([{"anyOf": [{"field": "operationName", "equals": "other"}]}]),
            json!([{"anyOf": [{"field": "status", "equals": "x"}]}]),
            json!([{"anyOf": []}]),
            json!([{"equals": "x"}]),
            json!([{"field": "caller", "equals": "x"}, {"field": "operationName", "equals": OP}]),
            json!([]),
        ];
        let (mut checked, mut matched) = (0, 0);
        for c in &conditions {
            for enabled in [json!(true), json!(false), serde_json::Value::Null] {
                for actions in [ag.clone(), json!({})] {
                    for scopes in [
                        scope.clone(),
                        json!([format!("/subscriptions/{SUB}/resourceGroups/rg")]),
                        json!([]),
                    ] {
                        let a = alert(
                            json!({"enabled": enabled, "actions": actions, "scopes": scopes, "condition": {"allOf": c}}),
                        );
                        assert_eq!(
                            alert_mismatch(&a, SUB, OP).is_none(),
                            alert_matches(&a, SUB, OP),
                            "{c} {enabled} {actions} {scopes}: {:?}",
                            alert_mismatch(&a, SUB, OP)
                        );
                        checked += 1;
                        matched += usize::from(alert_matches(&a, SUB, OP));
                    }
                }
            }
        }
        assert_eq!(checked, conditions.len() * 18);
        assert_eq!(
            matched, 10,
            "enabled, notifying, on the subscription, matching condition"
        );
    }

    #[test]
    fn names_op_and_verdict() {
        let named = alert(
            json!({"condition": {"allOf": [{"anyOf": [{"field": "operationName", "equals": OP}]}]}}),
        );
        assert!(alert_names_op(&named, OP));
        assert!(!alert_names_op(
            &named,
            "Microsoft.Network/publicIPAddresses/delete"
        ));
        let listing = Listing::new(vec![named]);
        let v = alert_verdict(&listing, SUB, &[OP], OP);
        assert!(
            matches!(&v, Verdict::Fail(r) if r.contains("(1 alert read; 'a' has no action group)")),
            "{v:?}"
        );
    }

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
