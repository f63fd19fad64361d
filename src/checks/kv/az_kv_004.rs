//! AZ-KV-004: Key Vault is not reachable from the public internet.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-KV-004",
    title: "Key Vault public network access is disabled or restricted by a firewall",
    family: Family::Kv,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "`publicNetworkAccess` is Disabled, or `networkAcls.defaultAction` is Deny (absent `publicNetworkAccess` \
counts as Enabled; no `networkAcls` counts as default action Allow).",
    rationale: "A vault open to every network lets a stolen token or client secret be used from anywhere: the attacker \
reads secrets from their own infrastructure and the only trace is an IP address in the audit log. With public access \
disabled or a default-deny firewall, stolen credentials are useless outside the allowed networks, and any attempt from \
elsewhere is rejected and logged, which gives the responder both containment and a signal.",
    reads: "6",
    parameters: &[],
    references: &[policy("55615ac9"), mcsb("NS-2"), attack("T1555.006")],
    remediation: Remediation {
        portal: &[
            "Open the key vault > Settings > Networking > Firewalls and virtual networks.",
            "Select 'Disable public access' (with a private endpoint), or 'Allow public access from specific virtual networks and IP addresses' and add only the networks that need it.",
            "Keep 'Allow trusted Microsoft services to bypass this firewall' if Azure services need the vault, then Apply.",
        ],
        cli: "az keyvault update --name {name} --resource-group {resource_group} --subscription {subscription} --default-action Deny --bypass AzureServices",
        bicep: r#"resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: vaultName
  location: location
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
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
        "key vaults",
        "key vault",
        |s| &s.vaults,
        |out, sub, v| {
            let props = v.props();
            let public = v.public_network_access();
            let action = v.network_default_action();
            let name = v.display_name();
            if public.eq_ignore_ascii_case("Disabled") {
                out.pass(
                    &v.id,
                    Some(&sub.id),
                    format!("vault '{name}' has publicNetworkAccess Disabled"),
                );
            } else if action.eq_ignore_ascii_case("Deny") {
                out.pass(
                    &v.id,
                    Some(&sub.id),
                    format!(
                        "vault '{name}' has publicNetworkAccess {public} with networkAcls.defaultAction Deny"
                    ),
                );
            } else {
                let public_text = match props.public_network_access {
                    Some(_) => format!("publicNetworkAccess is {public}"),
                    None => "publicNetworkAccess not set (defaults to Enabled)".to_string(),
                };
                let action_text = match props
                    .network_acls
                    .as_ref()
                    .and_then(|a| a.default_action.as_ref())
                {
                    Some(_) => format!("networkAcls.defaultAction is {action}"),
                    None => "no networkAcls default action (defaults to Allow)".to_string(),
                };
                out.fail(
                    &v.id,
                    Some(&sub.id),
                    format!("vault '{name}' is reachable from any network: {public_text} and {action_text}"),
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
    fn disabled_deny_allow_and_defaults() {
        let mut inv = inv();
        let disabled = rid("rg", "Microsoft.KeyVault/vaults", "kv-disabled");
        let deny = rid("rg", "Microsoft.KeyVault/vaults", "kv-deny");
        let allow = rid("rg", "Microsoft.KeyVault/vaults", "kv-allow");
        let unset = rid("rg", "Microsoft.KeyVault/vaults", "kv-unset");
        let deny_lower = rid("rg", "Microsoft.KeyVault/vaults", "kv-deny-lower");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": disabled, "name": "kv-disabled", "properties": {"publicNetworkAccess": "disabled", "networkAcls": {"defaultAction": "Allow"}}}),
            json!({"id": deny, "name": "kv-deny", "properties": {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}}}),
            json!({"id": allow, "name": "kv-allow", "properties": {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices"}}}),
            json!({"id": unset, "name": "kv-unset", "properties": {"tenantId": TENANT}}),
            json!({"id": deny_lower, "name": "kv-deny-lower", "properties": {"networkAcls": {"defaultAction": "deny"}}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(&f, &disabled, Status::Pass, "publicNetworkAccess Disabled");
        assert_result(&f, &deny, Status::Pass, "networkAcls.defaultAction Deny");
        assert_result(
            &f,
            &allow,
            Status::Fail,
            "publicNetworkAccess is Enabled and networkAcls.defaultAction is Allow",
        );
        assert_result(
            &f,
            &unset,
            Status::Fail,
            "publicNetworkAccess not set (defaults to Enabled) and no networkAcls default action (defaults to Allow)",
        );
        assert_result(
            &f,
            &deny_lower,
            Status::Pass,
            "publicNetworkAccess Enabled with networkAcls.defaultAction Deny",
        );
    }

    #[test]
    fn upstream_example_vault_fails() {
        let mut inv = inv();
        let body: serde_json::Value =
            serde_json::from_str(arm_example!("keyvault/getVault.json")).expect("example parses");
        let vault = body["responses"]["200"]["body"].clone();
        let id = vault["id"].as_str().unwrap_or_default().to_string();
        sub(&mut inv).vaults = Ok(listing(vec![vault]));
        assert_result(
            &run(&CHECK, &inv),
            &id,
            Status::Fail,
            "publicNetworkAccess is Enabled",
        );
    }

    #[test]
    fn malformed_vault_and_failed_list_are_errors() {
        let mut inv = with_second(inv());
        let bad = rid("rg", "Microsoft.KeyVault/vaults", "kv-bad");
        let good = rid("rg", "Microsoft.KeyVault/vaults", "kv-good");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": bad, "properties": {"networkAcls": {"defaultAction": ["Deny"]}}}),
            json!({"id": good, "properties": {"publicNetworkAccess": "Disabled"}}),
            json!({"properties": {}}),
        ]));
        sub_n(&mut inv, 1).vaults = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.KeyVault/vaults",
        ));
        let f = run(&CHECK, &inv);
        assert_result(&f, &bad, Status::Error, "could not be parsed");
        assert_result(&f, &good, Status::Pass, "vault 'kv-good'");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 2 of the key vaults list",
        );
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the key vaults list",
        );
        assert_eq!(f.len(), 4);
    }
}
