//! AZ-NET-003: flow logs target virtual networks, subnets or NICs, not NSGs.

use super::support::each_flow_log;
use super::*;
use crate::inventory::last_segment;

pub static CHECK: Check = Check {
    id: "AZ-NET-003",
    title: "Flow logs are virtual network flow logs, not NSG flow logs",
    family: Family::Net,
    severity: Severity::Low,
    scope: Scope::Resource,
    condition: "Each flow log (enabled or not) targets a virtual network, subnet or network interface, not a network security \
group (NSG flow logs retire on 2027-09-30).",
    rationale: "NSG flow logs are being retired: new ones can no longer be created and existing ones stop recording on \
2027-09-30, silently leaving the networks they cover without traffic evidence. Virtual network flow logs also record traffic \
that NSG flow logs miss (flows through virtual appliances, private endpoints, encryption status), which matters when tracing \
lateral movement.",
    reads: "18, 19",
    parameters: &[],
    references: &[baseline_ref("VNet flow logs")],
    remediation: Remediation {
        portal: &[
            "Open Network Watcher > Flow logs and use 'Migrate' (or + Create) to create a Virtual network flow log for the network the NSG protects.",
            "Check that the new flow log writes to the same storage account and traffic analytics workspace.",
            "Delete the NSG flow log.",
        ],
        cli: "az network watcher flow-log create --name <vnet>-flowlog --location <region> --vnet <vnet-id> \
--storage-account <storage-account-id> --retention {flow_log_min_retention_days} --enabled true --subscription {subscription} && \
az network watcher flow-log delete --ids {id}",
        bicep: r#"param location string = resourceGroup().location
param vnetId string
param storageId string
resource flowLog 'Microsoft.Network/networkWatchers/flowLogs@2024-07-01' = {
  name: 'NetworkWatcher_${location}/vnet-flowlog'
  location: location
  properties: {
    targetResourceId: vnetId
    storageId: storageId
    enabled: true
  }
}"#,
    },
    evaluate,
};

#[derive(Debug, PartialEq, Eq)]
enum Target {
    VirtualNetwork,
    Subnet,
    NetworkInterface,
    NetworkSecurityGroup,
    Other(String),
}

/// The kind of resource a flow log targets, from the segments after the last `providers`.
/// (Lower-cased to match types, not to compare ids: not `model::norm_id`.)
fn classify(target: &str) -> Target {
    let segs: Vec<String> = target
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let start = segs
        .iter()
        .rposition(|s| s == "providers")
        .map(|i| i + 1)
        .unwrap_or(segs.len());
    let rest: Vec<&str> = segs.iter().skip(start).map(String::as_str).collect();
    match rest.as_slice() {
        ["microsoft.network", "virtualnetworks", _] => Target::VirtualNetwork,
        ["microsoft.network", "virtualnetworks", _, "subnets", _] => Target::Subnet,
        ["microsoft.network", "networkinterfaces", _] => Target::NetworkInterface,
        ["microsoft.network", "networksecuritygroups", _] => Target::NetworkSecurityGroup,
        [ns, ty, ..] => Target::Other(format!("{ns}/{ty}")),
        _ => Target::Other("an unrecognised resource".into()),
    }
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    each_flow_log(&mut out, ctx.inv, |out, sub, fl| {
        let name = fl.display_name();
        let Some(target) = fl.target() else {
            out.error(
                &fl.id,
                Some(&sub.id),
                format!(
                    "flow log '{name}' has no targetResourceId: what it targets cannot be told"
                ),
            );
            return;
        };
        let t = last_segment(target);
        match classify(target) {
            Target::VirtualNetwork => out.pass(
                &fl.id,
                Some(&sub.id),
                format!("flow log '{name}' targets virtual network '{t}'"),
            ),
            Target::Subnet => out.pass(
                &fl.id,
                Some(&sub.id),
                format!("flow log '{name}' targets subnet '{t}'"),
            ),
            Target::NetworkInterface => out.pass(
                &fl.id,
                Some(&sub.id),
                format!("flow log '{name}' targets network interface '{t}'"),
            ),
            Target::NetworkSecurityGroup => out.fail(
                &fl.id,
                Some(&sub.id),
                format!(
                    "flow log '{name}' is an NSG flow log (targets network security group '{t}'); NSG flow logs retire on 2027-09-30"
                ),
            ),
            Target::Other(kind) => out.fail(
                &fl.id,
                Some(&sub.id),
                format!(
                    "flow log '{name}' targets {kind} '{t}', not a virtual network, subnet or network interface"
                ),
            ),
        };
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::net::az_net_002::tests::{assert_shared_errors, estate, fl_id, flow_log};
    use crate::checks::testkit::*;
    use serde_json::json;

    #[test]
    fn targets() {
        let vnet = rid("rg-net", "Microsoft.Network/virtualNetworks", "vnet-a");
        let inv = estate(vec![
            flow_log("vnet", json!({"targetResourceId": vnet})),
            flow_log(
                "subnet",
                json!({"targetResourceId": format!("{vnet}/subnets/snet-1")}),
            ),
            flow_log(
                "nic",
                json!({"targetResourceId": rid("rg", "microsoft.network/NETWORKINTERFACES", "nic-1")}),
            ),
            // Applies to disabled flow logs too.
            flow_log(
                "nsg",
                json!({"enabled": false, "targetResourceId": rid("rg", "Microsoft.Network/networkSecurityGroups", "vm5-nsg")}),
            ),
            flow_log(
                "other",
                json!({"targetResourceId": rid("rg", "Microsoft.Compute/virtualMachines", "vm1")}),
            ),
            flow_log("none", json!({"targetResourceId": null})),
        ]);
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &fl_id("vnet"),
            Status::Pass,
            "targets virtual network 'vnet-a'",
        );
        assert_result(
            &f,
            &fl_id("subnet"),
            Status::Pass,
            "targets subnet 'snet-1'",
        );
        assert_result(&f, &fl_id("nic"), Status::Pass, "network interface 'nic-1'");
        assert_result(
            &f,
            &fl_id("nsg"),
            Status::Fail,
            "NSG flow log (targets network security group 'vm5-nsg')",
        );
        assert_result(
            &f,
            &fl_id("other"),
            Status::Fail,
            "microsoft.compute/virtualmachines 'vm1'",
        );
        assert_result(&f, &fl_id("none"), Status::Error, "no targetResourceId");
        assert_eq!(f.len(), 6);
    }

    #[test]
    fn upstream_example_is_an_nsg_flow_log() {
        let body: serde_json::Value =
            serde_json::from_str(arm_example!("network/NetworkWatcherFlowLogGet.json"))
                .expect("json");
        let mut fl = body["responses"]["200"]["body"].clone();
        fl["id"] = json!(fl_id("flowLog1"));
        let f = run(&CHECK, &estate(vec![fl]));
        assert_result(&f, &fl_id("flowLog1"), Status::Fail, "'vm5-nsg'");
    }

    #[test]
    fn shared_errors() {
        assert_shared_errors(&CHECK);
    }
}
