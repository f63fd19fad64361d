//! AZ-FLOW-004: every configured source delivered to its SOC workspace.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-FLOW-004",
    title: "Configured log sources deliver to their SOC workspace",
    family: Family::Flow,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "Each source configured to send to a SOC workspace W delivered at least one row to W in the last \
`flow_lookback_days` days: a subscription whose diagnostic settings send the Activity Log to W (rows in \
`AzureActivity` with its `SubscriptionId`), and a resource (a storage service for storage) whose diagnostic settings \
send enabled log categories to W (rows in any table of `security_tables` with its `_ResourceId`, compared lower-case). \
One result per source and workspace: the source is the resource, the workspace the item. A source whose settings \
could not be read is not known to be one (its AZ-MON checks show the failed read); an Entra ID tenant setting is not \
a source (its tables are judged by AZ-FLOW-001…003). A failed query of W makes its sources `error`.",
    rationale: "A diagnostic setting that exists and points at the right workspace can still deliver nothing: a \
category the resource never emits, a workspace in another tenant, a firewall or a private link that blocks \
ingestion, a setting recreated by an attacker with the categories that matter switched off. Only the rows in the \
workspace prove that the source's evidence arrives. A source with no activity writes no logs, so a quiet resource \
(a vault nobody used in the window) may be waived with that reason.",
    reads: "30 (with the settings reads 5, 12 that name the sources)",
    parameters: &[Param::SecurityTables, Param::FlowLookbackDays],
    references: &[mcsb("LT-3")],
    remediation: Remediation {
        portal: &[
            "Open the source (the subscription's Activity Log > Export Activity Logs, or the resource's Diagnostic settings) and check that the setting sending to the workspace is enabled, names the categories the resource emits, and that the workspace still exists.",
            "Open the workspace > Logs and query the table the source writes to (AzureActivity, AzureDiagnostics or its resource-specific table) filtered on _ResourceId to confirm rows arrive after the fix.",
            "If the resource simply had no activity in the last {flow_lookback_days} days, waive this result with that reason and an expiry.",
        ],
        cli: "az monitor diagnostic-settings list --resource {id}",
        bicep: r#"// A diagnostic setting that sends the resource's logs to the SOC workspace
resource toSoc 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-soc-workspace'
  scope: target
  properties: {
    workspaceId: socWorkspaceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [ { categoryGroup: 'allLogs', enabled: true } ]
  }
}"#,
    },
    evaluate,
};

/// What a source's workspace gives every source that sends to it, worked
/// out once per workspace.
enum Target<'i> {
    /// Not a workspace of the scanned subscriptions' lists: not judged.
    Outside,
    /// Its subscription's workspace list could not be read.
    ListFailed(String, String),
    /// Listed (as the list names it: the item), with its Q3 rows indexed by
    /// source, or why they are unknown.
    Listed(&'i str, Result<Delivered<'i>, String>),
}

fn target<'i>(inv: &'i Inventory, ws: &str) -> Target<'i> {
    let ws_name = crate::inventory::last_segment(ws);
    let Some(ws_sub) = subscription_of(ws) else {
        return Target::Outside;
    };
    // Only SOC workspaces of the scanned subscriptions are judged.
    let Some(holder) = inv.scanned().find(|s| s.id == ws_sub) else {
        return Target::Outside;
    };
    // The item is the workspace as its list names it (the resource of its
    // AZ-FLOW-001…003 results).
    let listed = match &holder.workspaces {
        Ok(l) => crate::checks::drivers::listed_ids(l, |w| &w.id).find(|w| same_id(w, ws)),
        Err(e) => return Target::ListFailed(ws_sub, e.to_string()),
    };
    // Not in its list (gone, or never there): not a workspace this scan judges.
    let Some(listed) = listed else {
        return Target::Outside;
    };
    Target::Listed(
        listed,
        source_rows(inv, listed, ws_name).map(Delivered::new),
    )
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    let inv = ctx.inv;
    let days = ctx.params.flow_lookback_days;
    let mut targets: std::collections::HashMap<String, Target> = std::collections::HashMap::new();
    for source in sources(inv) {
        let ws = source.workspace.as_str();
        let target = targets
            .entry(norm_id(ws))
            .or_insert_with(|| target(inv, ws));
        let ws_name = crate::inventory::last_segment(ws);
        let what = if source.activity_log {
            "the Activity Log"
        } else {
            "its logs"
        };
        let settings = source.settings.join("', '");
        let sub = Some(source.subscription.as_str());
        let (finding, item) = match target {
            Target::Outside => continue,
            Target::ListFailed(ws_sub, e) => (
                out.error(&source.id, sub, format!(
                    "setting '{settings}' sends {what} to workspace '{ws_name}', but the workspace list of subscription {ws_sub} could not be read: {e}"
                )),
                ws,
            ),
            Target::Listed(listed, Ok(delivered)) => (
                match delivered.last(&source) {
                    Some(r) => out.pass(&source.id, sub, format!(
                        "delivered rows to workspace '{ws_name}' through setting '{settings}' (last row {} in {})",
                        crate::util::text::utc_seconds(r.last_row),
                        r.table
                    )),
                    None => out.fail(&source.id, sub, format!(
                        "setting '{settings}' sends {what} to workspace '{ws_name}', but no row from it arrived in the security tables in the last {days} days (a source with no activity writes no logs: a quiet resource may be waived)"
                    )),
                },
                *listed,
            ),
            Target::Listed(listed, Err(e)) => (out.error(&source.id, sub, e.clone()), *listed),
        };
        finding.item = Some(item.to_string());
    }
    out.done()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    const KV: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-Payments";

    fn estate() -> Inventory {
        let mut inv = with_workspace(WS, false);
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![diag(
            "activity-to-law",
            Some(WS),
            None,
            &[(Some("Administrative"), None, true)],
        )]));
        let mut kv_diag = diag("kv-to-law", Some(WS), None, &[(None, Some("audit"), true)]);
        kv_diag["id"] = json!(format!(
            "{KV}/providers/microsoft.insights/diagnosticSettings/kv-to-law"
        ));
        set_diagnostics(&mut inv, KV, vec![kv_diag]);
        let blob = format!("{SA}/blobServices/default");
        let mut blob_diag = diag(
            "blob-to-law",
            Some(WS),
            None,
            &[(Some("StorageWrite"), None, true)],
        );
        blob_diag["id"] = json!(format!(
            "{blob}/providers/microsoft.insights/diagnosticSettings/blob-to-law"
        ));
        set_diagnostics(&mut inv, &blob, vec![blob_diag]);
        // Disabled categories send nothing: not a source.
        let off = rid("rg", "Microsoft.Web/sites", "app-off");
        let mut off_diag = diag(
            "off",
            Some(WS),
            None,
            &[(Some("AppServiceHTTPLogs"), None, false)],
        );
        off_diag["id"] = json!(format!(
            "{off}/providers/microsoft.insights/diagnosticSettings/off"
        ));
        set_diagnostics(&mut inv, &off, vec![off_diag]);
        // Entra ID is not a source.
        inv.entra_diagnostic_settings = Ok(listing(vec![diag(
            "entra",
            Some(WS),
            None,
            &[(Some("SignInLogs"), None, true)],
        )]));
        inv
    }

    #[test]
    fn sources_that_delivered_pass_and_quiet_ones_fail_with_the_workspace_as_item() {
        let mut inv = estate();
        let rows = vec![
            source_row("AzureActivity", &format!("/subscriptions/{SUB}"), 2),
            source_row("AZKVAuditLogs", KV, 30),
            // The blob service's rows are in a table outside security_tables:
            // Q3 would not return them; a row from the account itself is not the service's.
            source_row("StorageBlobLogs", SA, 1),
        ];
        set_queries(&mut inv, WS, Ok(vec![]), Ok(vec![]), Ok(rows));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 3, "{f:#?}");
        let sub_r = result(&f, &sub_id(), Some(WS));
        assert_eq!(sub_r.status, Status::Pass);
        assert!(sub_r.reason.contains("delivered rows to workspace 'law-sec' through setting 'activity-to-law' (last row 2026-11-20T07:00:00Z in AzureActivity)"), "{}", sub_r.reason);
        // The id as Azure spelled it (kv-Payments), matched lower-case.
        let kv = result(&f, KV, Some(WS));
        assert_eq!(kv.status, Status::Pass);
        assert_eq!(kv.resource_id.as_str(), KV);
        let blob = result(&f, &format!("{SA}/blobServices/default"), Some(WS));
        assert_eq!(blob.status, Status::Fail);
        assert!(blob.reason.contains("setting 'blob-to-law' sends its logs to workspace 'law-sec', but no row from it arrived in the security tables in the last 14 days (a source with no activity writes no logs"), "{}", blob.reason);
    }

    #[test]
    fn the_activity_log_counts_only_in_azure_activity() {
        let mut inv = estate();
        let rows = vec![source_row(
            "AzureDiagnostics",
            &format!("/subscriptions/{SUB}"),
            2,
        )];
        set_queries(&mut inv, WS, Ok(vec![]), Ok(vec![]), Ok(rows));
        assert_eq!(
            result(&run(&CHECK, &inv), &sub_id(), Some(WS)).status,
            Status::Fail
        );
    }

    #[test]
    fn a_failed_query_or_workspace_list_is_an_error_and_unknown_workspaces_are_skipped() {
        let mut inv = estate();
        set_queries(&mut inv, WS, Ok(vec![]), Ok(vec![]), Err(timed_out(WS)));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 3);
        assert!(
            f.iter()
                .all(|r| r.status == Status::Error && r.reason.contains("(Q3): GatewayTimeout")),
            "{f:#?}"
        );
        let mut inv = estate();
        sub(&mut inv).workspaces = Err(forbidden("workspaces"));
        let f = run(&CHECK, &inv);
        assert!(
            f.iter().all(|r| r.status == Status::Error
                && r.reason.contains("workspace list of subscription")),
            "{f:#?}"
        );
        // A workspace outside the scan, or not in its subscription's list: no result.
        let mut inv = estate();
        sub(&mut inv).workspaces = Ok(listing(vec![]));
        assert!(run(&CHECK, &inv).is_empty());
    }

    #[test]
    fn sources_in_a_subscription_whose_settings_failed_are_unknown_not_failed() {
        let mut inv = estate();
        sub(&mut inv).diagnostic_settings = Err(forbidden("diagnosticSettings"));
        fail_diagnostics(&mut inv, KV);
        set_queries(&mut inv, WS, Ok(vec![]), Ok(vec![]), Ok(vec![]));
        let f = run(&CHECK, &inv);
        // Only the blob service is still known to be a source.
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].status, Status::Fail);
    }
}
