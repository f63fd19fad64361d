//! AZ-KV-005: Key Vault has an approved private endpoint.

use super::*;
use crate::inventory::{eq_ci, last_segment, PrivateEndpointConnection};

pub static CHECK: Check = Check {
    id: "AZ-KV-005",
    title: "Key Vault has an approved private endpoint connection",
    family: Family::Kv,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "At least one private endpoint connection of the vault has `privateLinkServiceConnectionState.status` \
Approved.",
    rationale: "A private endpoint gives workloads a path to the vault that does not cross the internet, which is what \
makes it possible to disable public access altogether. Access then comes from known private addresses in known virtual \
networks, so a responder can attribute each request in the audit log to a network and a workload instead of an arbitrary \
public IP, and an attacker outside those networks cannot reach the vault at all.",
    reads: "6",
    parameters: &[],
    references: &[cis("3.3.7"), policy("a6abeaec")],
    remediation: Remediation {
        portal: &[
            "Open the key vault > Settings > Networking > Private endpoint connections > + Create.",
            "Pick the virtual network and subnet of the workloads that use the vault, with target sub-resource 'vault', and integrate with the private DNS zone privatelink.vaultcore.azure.net.",
            "If the connection shows Pending, approve it on the same page; then consider disabling public access (AZ-KV-004).",
        ],
        cli: "az network private-endpoint create --name pe-{name} --resource-group {resource_group} --subscription {subscription} \
--vnet-name <vnet-name> --subnet <subnet-name> --private-connection-resource-id {id} --group-id vault --connection-name pe-{name}",
        bicep: r#"param subnetId string
resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: vaultName
}
resource pe 'Microsoft.Network/privateEndpoints@2024-07-01' = {
  name: 'pe-${vaultName}'
  location: location
  properties: {
    subnet: { id: subnetId }
    privateLinkServiceConnections: [
      {
        name: 'pe-${vaultName}'
        properties: {
          privateLinkServiceId: vault.id
          groupIds: [ 'vault' ]
        }
      }
    ]
  }
}"#,
    },
    evaluate,
};

fn connection_name(c: &PrivateEndpointConnection) -> String {
    c.id.as_deref()
        .map(|id| last_segment(id).to_string())
        .unwrap_or_else(|| "(no id)".to_string())
}

fn connection_status(c: &PrivateEndpointConnection) -> Option<&str> {
    c.properties
        .as_ref()
        .and_then(|p| p.private_link_service_connection_state.as_ref())
        .and_then(|s| s.status.as_deref())
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_item(
        ctx.inv,
        "key vaults",
        "key vault",
        |s| &s.vaults,
        |out, sub, v| {
            let name = v.display_name();
            let connections = v
                .props()
                .private_endpoint_connections
                .clone()
                .unwrap_or_default();
            if let Some(c) = connections
                .iter()
                .find(|c| eq_ci(connection_status(c), "Approved"))
            {
                out.pass(
                    &v.id,
                    Some(&sub.id),
                    format!(
                        "vault '{name}' has an Approved private endpoint connection '{}'",
                        connection_name(c)
                    ),
                );
            } else if connections.is_empty() {
                out.fail(
                    &v.id,
                    Some(&sub.id),
                    format!("vault '{name}' has no private endpoint connection"),
                );
            } else {
                let found: Vec<String> = connections
                    .iter()
                    .map(|c| {
                        format!(
                            "'{}' ({})",
                            connection_name(c),
                            connection_status(c).unwrap_or("no status")
                        )
                    })
                    .collect();
                out.fail(
                    &v.id,
                    Some(&sub.id),
                    format!(
                        "vault '{name}' has no Approved private endpoint connection: {}",
                        support::join(&found)
                    ),
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

    fn pec(name: &str, status: Option<&str>) -> serde_json::Value {
        json!({
            "id": format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/privateEndpointConnections/{name}"),
            "properties": {
                "privateEndpoint": {"id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe"},
                "privateLinkServiceConnectionState": {"status": status, "actionsRequired": "None"},
                "provisioningState": "Succeeded"
            }
        })
    }

    #[test]
    fn approved_pending_none_and_absent() {
        let mut inv = inv();
        let approved = rid("rg", "Microsoft.KeyVault/vaults", "kv-approved");
        let pending = rid("rg", "Microsoft.KeyVault/vaults", "kv-pending");
        let empty = rid("rg", "Microsoft.KeyVault/vaults", "kv-empty");
        let absent = rid("rg", "Microsoft.KeyVault/vaults", "kv-absent");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": approved, "name": "kv-approved", "properties": {"privateEndpointConnections": [pec("pe-rejected", Some("Rejected")), pec("pe-ok", Some("approved"))]}}),
            json!({"id": pending, "name": "kv-pending", "properties": {"privateEndpointConnections": [pec("pe-wait", Some("Pending")), pec("pe-null", None)]}}),
            json!({"id": empty, "name": "kv-empty", "properties": {"privateEndpointConnections": []}}),
            json!({"id": absent, "name": "kv-absent", "properties": {}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &approved,
            Status::Pass,
            "Approved private endpoint connection 'pe-ok'",
        );
        assert_result(
            &f,
            &pending,
            Status::Fail,
            "no Approved private endpoint connection: 'pe-wait' (Pending) and 'pe-null' (no status)",
        );
        assert_result(
            &f,
            &empty,
            Status::Fail,
            "vault 'kv-empty' has no private endpoint connection",
        );
        assert_result(
            &f,
            &absent,
            Status::Fail,
            "has no private endpoint connection",
        );
    }

    #[test]
    fn malformed_vault_and_failed_list_are_errors() {
        let mut inv = with_second(inv());
        let bad = rid("rg", "Microsoft.KeyVault/vaults", "kv-bad");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": bad, "properties": {"privateEndpointConnections": {"status": "Approved"}}}),
        ]));
        sub_n(&mut inv, 1).vaults = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.KeyVault/vaults",
        ));
        let f = run(&CHECK, &inv);
        assert_result(&f, &bad, Status::Error, "could not be parsed");
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the key vaults list",
        );
        assert_eq!(f.len(), 2);
    }
}
