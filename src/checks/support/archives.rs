//! Log archive accounts (AZ-ST-007 … 009): the storage accounts that logs
//! are sent to, the reads that could have named more, and the driver of the
//! per-archive checks.

use crate::checks::{Ctx, Out};
use crate::inventory::{
    is_log_capable, is_storage_account_type, norm_id, DiagnosticSetting, Inventory, Listing, Read,
    ReadError, StorageAccount, Subscription,
};
use crate::model::subscription_of;
use std::collections::BTreeSet;

/// The log archive accounts, and the reads that could have named more.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogArchives {
    /// [`norm_id`] of every storage account named by a setting or flow log read.
    pub accounts: BTreeSet<String>,
    /// Reads that could name further archive accounts but failed, were not
    /// made, or held items that could not be parsed: the lower-case
    /// subscription where the read lies (`None` for the tenant's Entra ID
    /// settings) and a short description, in inventory order.
    pub unread: Vec<(Option<String>, String)>,
}

impl LogArchives {
    pub fn contains(&self, account_id: &str) -> bool {
        self.accounts.contains(&norm_id(account_id))
    }

    /// Whether every read that could name a log archive account was made.
    pub fn complete(&self) -> bool {
        self.unread.is_empty()
    }

    /// The unread reads of one scope (`None`: the tenant), if any.
    pub fn unread_in(&self, scope: Option<&str>) -> Vec<&str> {
        self.unread
            .iter()
            .filter(|(s, _)| s.as_deref() == scope)
            .map(|(_, r)| r.as_str())
            .collect()
    }

    /// The reason of a `not_applicable` result for an account that no read
    /// names (only given when discovery was complete).
    pub fn not_archive_reason(&self, account_name: &str) -> String {
        format!(
            "account '{account_name}' is not a log archive account (no diagnostic setting or flow log read names it)"
        )
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
                    scope: Option<String>,
                    what: &dyn Fn() -> String,
                    out: &mut LogArchives| match read {
        Ok(l) => {
            if !l.malformed.is_empty() {
                out.unread.push((
                    scope,
                    format!("{} unparsable item(s) in {}", l.malformed.len(), what()),
                ));
            }
        }
        Err(e) => out
            .unread
            .push((scope, format!("{} ({})", what(), err_text(e)))),
    };
    settings(
        &inv.entra_diagnostic_settings,
        None,
        &|| "the Entra ID diagnostic settings".into(),
        &mut out,
    );
    for sub in inv.scanned() {
        settings(
            &sub.diagnostic_settings,
            Some(sub.id.to_ascii_lowercase()),
            &|| format!("the diagnostic settings of subscription {}", sub.id),
            &mut out,
        );
    }
    for (id, read) in &inv.reads.diagnostic_settings {
        settings(
            read,
            subscription_of(id),
            &|| format!("the diagnostic settings of {id}"),
            &mut out,
        );
    }
    for (id, read) in &inv.reads.flow_logs {
        match read {
            Ok(l) => {
                if !l.malformed.is_empty() {
                    out.unread.push((
                        subscription_of(id),
                        format!(
                            "{} unparsable item(s) in the flow logs of {id}",
                            l.malformed.len()
                        ),
                    ));
                }
            }
            Err(e) => out.unread.push((
                subscription_of(id),
                format!("the flow logs of {id} ({})", err_text(e)),
            )),
        }
    }
    // Reads never made because the list that leads to them failed, or
    // because a listed resource has no recorded read.
    for sub in inv.scanned() {
        let mut unread = Vec::new();
        unread_targets(inv, sub, &mut unread);
        let scope = sub.id.to_ascii_lowercase();
        out.unread
            .extend(unread.into_iter().map(|r| (Some(scope.clone()), r)));
    }
    out
}

/// The first reads that could not be made, and how many more.
fn summary(gaps: &[&str]) -> String {
    const SHOWN: usize = 3;
    let mut s = gaps[..gaps.len().min(SHOWN)].join("; ");
    if gaps.len() > SHOWN {
        s.push_str(&format!(" (and {} more)", gaps.len() - SHOWN));
    }
    s
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
/// (AZ-ST-007 … 009); an archive account that could not be parsed is
/// `error`, a failed storage account list one `error` on the subscription.
///
/// Baseline "Log archive discovery": when a read that could name an archive
/// account failed, each subscription where such a read lies gets one `error`
/// ("archive accounts may be missing: …"; the tenant's Entra ID settings on
/// `/tenants/{id}`), and accounts that no read names get no result: they are
/// `not_applicable` only when discovery was complete.
pub fn each_archive_account(
    ctx: &Ctx,
    out: &mut Out,
    mut assess: impl FnMut(&mut Out, &Subscription, &StorageAccount),
) {
    let archives = log_archives(ctx.inv);
    let complete = archives.complete();
    out.each_sub(ctx.inv, |out, sub| {
        let gaps = archives.unread_in(Some(&sub.id.to_ascii_lowercase()));
        if !gaps.is_empty() {
            out.error(
                &sub.resource_id(),
                Some(&sub.id),
                format!("archive accounts may be missing: {}", summary(&gaps)),
            );
        }
        let Some(accounts) = out.list(sub, "storage accounts", &sub.storage_accounts) else {
            return;
        };
        for a in &accounts.items {
            if archives.contains(&a.id) {
                assess(out, sub, a);
            } else if complete {
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
            } else if complete {
                out.not_applicable(
                    id,
                    Some(&sub.id),
                    archives.not_archive_reason(crate::inventory::last_segment(id)),
                );
            }
        }
    });
    let tenant_gaps = archives.unread_in(None);
    if !tenant_gaps.is_empty() {
        out.error(
            &ctx.inv.tenant_resource_id(),
            None,
            format!("archive accounts may be missing: {}", summary(&tenant_gaps)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        assert!(a.complete());
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
        let all = a
            .unread
            .iter()
            .map(|(_, r)| r.as_str())
            .collect::<Vec<_>>()
            .join(" | ");
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
        assert_eq!(a.unread_in(None).len(), 1, "the Entra ID settings");
        assert_eq!(a.unread_in(Some(SUB2)).len(), 2, "{all}");
        assert_eq!(a.unread_in(Some(SUB)).len(), 4, "{all}");
    }
}
