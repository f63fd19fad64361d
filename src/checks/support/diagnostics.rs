//! Baseline "Category enabled": what diagnostic settings enable, and the
//! checks decided by it alone (subscription, tenant, Key Vault).

use super::{join, Verdict};
use crate::checks::{Check, Ctx, Finding, Out};
use crate::inventory::{last_segment, DiagnosticSetting, Listing};

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
    fail_unless_unparsed(reason, settings)
}

/// A `fail` found in the settings that could be read, or an `error` when some
/// could not be parsed (one of them might have made it pass).
fn fail_unless_unparsed(reason: String, settings: &Listing<DiagnosticSetting>) -> Verdict {
    match settings.malformed.first() {
        Some(m) => Verdict::Error(format!(
            "{reason}, and {} setting(s) could not be parsed: {}",
            settings.malformed.len(),
            m.error
        )),
        None => Verdict::Fail(reason),
    }
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
    fail_unless_unparsed(reason, settings)
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

/// A subscription-scope check that the subscription's diagnostic settings
/// together enable `categories` (AZ-MON-002, and with `workspace_only`, AZ-MON-003).
pub fn subscription_categories(
    ctx: &Ctx,
    check: &Check,
    categories: &[&str],
    workspace_only: bool,
) -> Vec<Finding> {
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
pub fn tenant_categories(ctx: &Ctx, check: &Check, categories: &[&str]) -> Vec<Finding> {
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
pub fn vault_audit_event(ctx: &Ctx, check: &Check, workspace_only: bool) -> Vec<Finding> {
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
}
