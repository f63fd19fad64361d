//! AZ-ST-003: the storage account is not open to every network.

use super::*;
use crate::inventory::eq_ci;

pub static CHECK: Check = Check {
    id: "AZ-ST-003",
    title: "Storage account restricts network access",
    family: Family::St,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "`publicNetworkAccess` is Disabled or `networkAcls.defaultAction` is Deny (no `networkAcls` = default action \
Allow; absent `publicNetworkAccess` = Enabled unless the default action is Deny).",
    rationale: "An account reachable from every network can be used from anywhere with a stolen key or SAS token, and an \
investigation then has to consider the whole internet as the origin. Restricting access to selected networks or private \
endpoints shrinks the set of places an attacker can act from and makes access from an unexpected address stand out in the \
logs.",
    reads: "7",
    parameters: &[],
    references: &[cis("4.6"), cis("4.7"), policy("34c877ad")],
    remediation: Remediation {
        portal: &[
            "Open the storage account > Security + networking > Networking.",
            "Under 'Public network access', choose 'Enabled from selected virtual networks and IP addresses' (and add the needed networks) or 'Disabled' (use private endpoints), then Save.",
        ],
        cli: "az storage account update --name {name} --resource-group {resource_group} --subscription {subscription} --default-action Deny --bypass AzureServices",
        bicep: r#"resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    publicNetworkAccess: 'Disabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
    }
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_item(
        ctx.inv,
        "storage accounts",
        "storage account",
        |s| &s.storage_accounts,
        |out, sub, a| {
            let name = a.display_name();
            let p = a.props();
            let explicit_pna = p.public_network_access.as_deref();
            let default_action = a.network_default_action();
            if eq_ci(explicit_pna, "Disabled") {
                out.pass(
                    &a.id,
                    Some(&sub.id),
                    format!("account '{name}' has publicNetworkAccess Disabled"),
                );
            } else if default_action.eq_ignore_ascii_case("Deny") {
                out.pass(
                    &a.id,
                    Some(&sub.id),
                    format!("account '{name}' has network default action Deny"),
                );
            } else {
                let pna = match explicit_pna {
                    Some(v) => format!("publicNetworkAccess {v}"),
                    None => "publicNetworkAccess not set (Enabled)".to_string(),
                };
                let acl = if p
                    .network_acls
                    .as_ref()
                    .and_then(|n| n.default_action.as_ref())
                    .is_some()
                {
                    format!("network default action {default_action}")
                } else {
                    "no network default action (Allow)".to_string()
                };
                out.fail(
                    &a.id,
                    Some(&sub.id),
                    format!("account '{name}' is reachable from all networks: {pna}, {acl}"),
                );
            }
        },
    );
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    #[test]
    fn disabled_deny_open_and_defaults() {
        let mut inv = inv();
        let ids: Vec<String> = [
            "stdisabled",
            "stdeny",
            "stopen",
            "stdefault",
            "stperimeter",
            "stbad",
        ]
        .iter()
        .map(|n| rid("rg", "Microsoft.Storage/storageAccounts", n))
        .collect();
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": ids[0], "name": "stdisabled", "properties": {"publicNetworkAccess": "disabled", "networkAcls": {"defaultAction": "Allow"}}}),
            json!({"id": ids[1], "name": "stdeny", "properties": {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "deny", "bypass": "AzureServices"}}}),
            json!({"id": ids[2], "name": "stopen", "properties": {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Allow"}}}),
            json!({"id": ids[3], "name": "stdefault", "properties": {}}),
            json!({"id": ids[4], "name": "stperimeter", "properties": {"publicNetworkAccess": "SecuredByPerimeter"}}),
            json!({"id": ids[5], "name": "stbad", "properties": {"networkAcls": "Deny"}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 6);
        assert_result(&f, &ids[0], Status::Pass, "publicNetworkAccess Disabled");
        assert_result(&f, &ids[1], Status::Pass, "default action Deny");
        assert_result(
            &f,
            &ids[2],
            Status::Fail,
            "publicNetworkAccess Enabled, network default action Allow",
        );
        assert_result(
            &f,
            &ids[3],
            Status::Fail,
            "publicNetworkAccess not set (Enabled), no network default action (Allow)",
        );
        assert_result(
            &f,
            &ids[4],
            Status::Fail,
            "publicNetworkAccess SecuredByPerimeter",
        );
        assert_result(&f, &ids[5], Status::Error, "could not be parsed");
    }

    #[test]
    fn failed_list_and_item_without_id() {
        let mut inv = inv();
        sub(&mut inv).storage_accounts = Ok(listing(vec![json!({"properties": {}})]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 0 of the storage accounts list",
        );
        sub(&mut inv).storage_accounts = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Storage/storageAccounts",
        ));
        assert_result(
            &run(&CHECK, &inv),
            &sub_id(),
            Status::Error,
            "could not read the storage accounts list",
        );
    }
}
