//! AZ-ST-008: the log archive account is not publicly reachable.

use super::support::{each_archive_account, join};
use super::*;
use crate::inventory::eq_ci;

pub static CHECK: Check = Check {
    id: "AZ-ST-008",
    title: "Log archive account is not publicly accessible",
    family: Family::St,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "(log archive accounts) `allowBlobPublicAccess` is false (absent fails: \"not set\"), and the network default \
action is Deny or `publicNetworkAccess` is Disabled; when the default action is Deny, `networkAcls.bypass` includes \
AzureServices (else Azure Monitor cannot deliver logs). When a read that could name a log archive account fails, one error on the subscription where it failed (\"archive \
accounts may be missing\"); accounts that no read names are then not reported (never not_applicable).",
    rationale: "The archive account holds the logs of the whole estate: exposed anonymously or to every network, it hands an \
attacker the map of what is monitored and a place to tamper with evidence (T1530). Locking it down must not stop the logs \
from arriving, so a Deny default needs the trusted Azure services exception that Azure Monitor uses to write diagnostic logs.",
    reads: "7, and 2, 5, 12, 19 to find log archive accounts",
    parameters: &[],
    references: &[cis("v2.0 5.1.3"), attack("T1530")],
    remediation: Remediation {
        portal: &[
            "Open the log archive storage account > Settings > Configuration, set 'Allow Blob anonymous access' to Disabled and Save.",
            "Open Security + networking > Networking: choose 'Enabled from selected virtual networks and IP addresses' (or Disabled with private endpoints).",
            "Under Exceptions, tick 'Allow Azure services on the trusted services list to access this storage account', then Save.",
        ],
        cli: "az storage account update --name {name} --resource-group {resource_group} --subscription {subscription} \
--allow-blob-public-access false --default-action Deny --bypass AzureServices",
        bicep: r#"resource archive 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_GRS' }
  properties: {
    allowBlobPublicAccess: false
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
    }
  }
}"#,
    },
    evaluate,
};

/// `networkAcls.bypass` is a comma-separated list (`Logging, Metrics, AzureServices`).
fn bypass_includes_azure_services(bypass: &str) -> bool {
    bypass
        .split(',')
        .any(|b| b.trim().eq_ignore_ascii_case("AzureServices"))
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    each_archive_account(ctx, &mut out, |out, sub, a| {
        let name = a.display_name();
        let p = a.props();
        let mut problems = Vec::new();
        let mut good = Vec::new();
        match a.allow_blob_public_access() {
            Some(false) => good.push("allowBlobPublicAccess is false".to_string()),
            Some(true) => problems.push("allowBlobPublicAccess is true".to_string()),
            None => problems.push("allowBlobPublicAccess not set".to_string()),
        }
        let deny = a.network_default_action().eq_ignore_ascii_case("Deny");
        let disabled = eq_ci(p.public_network_access.as_deref(), "Disabled");
        if deny {
            match a.network_bypass() {
                Some(b) if bypass_includes_azure_services(&b) => {
                    good.push(format!("network default action Deny with bypass '{b}'"))
                }
                Some(b) => problems.push(format!(
                    "network default action is Deny but bypass '{b}' does not include AzureServices (Azure Monitor cannot deliver logs)"
                )),
                None => problems.push(
                    "network default action is Deny but networkAcls.bypass is not set (AzureServices not included: Azure Monitor cannot deliver logs)"
                        .to_string(),
                ),
            }
        } else if disabled {
            good.push("publicNetworkAccess Disabled".to_string());
        } else {
            let pna = p
                .public_network_access
                .clone()
                .unwrap_or_else(|| "not set (Enabled)".into());
            problems.push(format!(
                "reachable from all networks (network default action {}, publicNetworkAccess {pna})",
                a.network_default_action()
            ));
        }
        if problems.is_empty() {
            out.pass(
                &a.id,
                Some(&sub.id),
                format!("archive account '{name}': {}", join(&good)),
            );
        } else {
            out.fail(
                &a.id,
                Some(&sub.id),
                format!("archive account '{name}': {}", problems.join("; ")),
            );
        }
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::Inventory;
    use serde_json::{json, Value};

    /// The archive account SA (named by a flow log) with the given properties.
    fn estate(props: Value) -> Inventory {
        let mut inv = inv();
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": SA, "name": "stlogs", "kind": "StorageV2", "properties": props}),
        ]));
        for svc in crate::inventory::STORAGE_SERVICES {
            set_diagnostics(&mut inv, &svc.service_id(SA), vec![]);
        }
        let nw = rid(
            "NetworkWatcherRG",
            "Microsoft.Network/networkWatchers",
            "nw-eastus",
        );
        sub(&mut inv).network_watchers = Ok(listing(vec![json!({"id": nw, "name": "nw-eastus"})]));
        inv.reads.flow_logs.insert(
            crate::inventory::norm_id(&nw),
            Ok(listing(vec![json!({"id": format!("{nw}/flowLogs/fl"), "properties": {"storageId": SA, "enabled": false}})])),
        );
        inv
    }

    #[test]
    fn locked_down_archive_passes() {
        let f = run(
            &CHECK,
            &estate(json!({"allowBlobPublicAccess": false,
            "networkAcls": {"defaultAction": "Deny", "bypass": "Logging, Metrics, AzureServices"}})),
        );
        assert_result(
            &f,
            SA,
            Status::Pass,
            "default action Deny with bypass 'Logging, Metrics, AzureServices'",
        );
        let f = run(
            &CHECK,
            &estate(json!({"allowBlobPublicAccess": false, "publicNetworkAccess": "Disabled"})),
        );
        assert_result(&f, SA, Status::Pass, "publicNetworkAccess Disabled");
    }

    #[test]
    fn public_access_network_and_bypass_failures() {
        let f = run(
            &CHECK,
            &estate(json!({"networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}})),
        );
        assert_result(&f, SA, Status::Fail, "allowBlobPublicAccess not set");
        let f = run(
            &CHECK,
            &estate(json!({"allowBlobPublicAccess": true, "publicNetworkAccess": "Disabled"})),
        );
        assert_result(&f, SA, Status::Fail, "allowBlobPublicAccess is true");
        let f = run(
            &CHECK,
            &estate(
                json!({"allowBlobPublicAccess": false, "networkAcls": {"defaultAction": "Deny", "bypass": "Logging, Metrics"}}),
            ),
        );
        assert_result(
            &f,
            SA,
            Status::Fail,
            "bypass 'Logging, Metrics' does not include AzureServices",
        );
        let f = run(
            &CHECK,
            &estate(
                json!({"allowBlobPublicAccess": false, "networkAcls": {"defaultAction": "Deny", "bypass": "None"}}),
            ),
        );
        assert_result(&f, SA, Status::Fail, "does not include AzureServices");
        let f = run(
            &CHECK,
            &estate(
                json!({"allowBlobPublicAccess": false, "networkAcls": {"defaultAction": "Deny"}}),
            ),
        );
        assert_result(&f, SA, Status::Fail, "bypass is not set");
        // Deny with publicNetworkAccess Disabled still needs the bypass.
        let f = run(
            &CHECK,
            &estate(
                json!({"allowBlobPublicAccess": false, "publicNetworkAccess": "Disabled", "networkAcls": {"defaultAction": "Deny", "bypass": "None"}}),
            ),
        );
        assert_result(&f, SA, Status::Fail, "does not include AzureServices");
        let f = run(&CHECK, &estate(json!({"allowBlobPublicAccess": false})));
        assert_result(&f, SA, Status::Fail, "reachable from all networks (network default action Allow, publicNetworkAccess not set (Enabled))");
        let f = run(&CHECK, &estate(json!({})));
        let r = &result(&f, SA, None).reason;
        assert!(
            r.contains("allowBlobPublicAccess not set; reachable from all networks"),
            "{r}"
        );
    }

    #[test]
    fn incomplete_discovery_is_an_error_never_not_applicable() {
        let mut inv = estate(json!({}));
        inv.reads.flow_logs.clear();
        let f = run(&CHECK, &inv);
        // The watcher's flow logs were not read: the account might be an
        // archive, so it has no result and the subscription an error.
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "archive accounts may be missing: the flow logs of",
        );
        sub(&mut inv).network_watchers = Ok(listing(vec![]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_result(&f, SA, Status::NotApplicable, "not a log archive account");
    }

    /// The issue's case: a 403 on flow logs turned a `fail` into
    /// `not_applicable`; now the archives found elsewhere are still assessed.
    #[test]
    fn a_failed_flow_log_read_keeps_the_found_archives_and_errors_the_subscription() {
        let mut inv = estate(json!({"allowBlobPublicAccess": true}));
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![diag(
            "activity",
            None,
            Some(SA),
            &[(Some("Administrative"), None, true)],
        )]));
        let nw = rid(
            "NetworkWatcherRG",
            "Microsoft.Network/networkWatchers",
            "nw-eastus",
        );
        inv.reads.flow_logs.insert(
            crate::inventory::norm_id(&nw),
            Err(forbidden(&format!("{nw}/flowLogs"))),
        );
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert_result(&f, SA, Status::Fail, "allowBlobPublicAccess is true");
        assert_result(&f, &sub_id(), Status::Error, "AuthorizationFailed");
    }

    #[test]
    fn malformed_and_failed_list() {
        let mut inv = estate(json!({}));
        let other = rid("rg", "Microsoft.Storage/storageAccounts", "stother");
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": SA, "properties": {"allowBlobPublicAccess": "no"}}),
            json!({"id": other, "properties": {"allowBlobPublicAccess": "no"}}),
            json!({"properties": {}}),
        ]));
        let f = run(&CHECK, &inv);
        // The malformed accounts' services are unknown, so discovery is
        // incomplete: `other` gets no not_applicable.
        assert_eq!(f.len(), 2, "{f:#?}");
        assert_result(&f, SA, Status::Error, "could not be parsed");
        assert!(f
            .iter()
            .all(|x| x.resource_id.key() != crate::inventory::norm_id(&other)));
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 2 of the storage accounts list",
        );
        sub(&mut inv).storage_accounts = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Storage/storageAccounts",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the storage accounts list",
        );
    }
}
