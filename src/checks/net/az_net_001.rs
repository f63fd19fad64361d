//! AZ-NET-001: every virtual network is covered by flow logs.

use super::support::join;
use super::*;
use crate::inventory::{last_segment, lookup, norm_id, FlowLog, Inventory, Subnet, VirtualNetwork};
use std::collections::HashMap;

pub static CHECK: Check = Check {
    id: "AZ-NET-001",
    title: "Virtual networks are covered by enabled flow logs",
    family: Family::Net,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "Each virtual network is covered: an enabled flow log (enabled true, provisioningState not Failed) targets the \
virtual network, or every subnet is covered by an enabled flow log targeting that subnet or the NSG attached to it; a virtual \
network with no subnets fails. Flow logs of every scanned subscription's network watchers count.",
    rationale: "Flow logs are the only record of which addresses talked to which, on which ports, and how much data moved: \
the evidence for lateral movement, command-and-control beacons and exfiltration volumes. Network traffic cannot be \
reconstructed after the fact, so a virtual network without flow logs leaves a responder blind to everything that crossed it \
during an incident.",
    reads: "26, 18, 19",
    parameters: &[],
    references: &[policy("4c3c6c5f"), policy("c251913d"), mcsb("LT-4")],
    remediation: Remediation {
        portal: &[
            "Open Network Watcher > Flow logs and select + Create.",
            "Choose Flow log type 'Virtual network', select the virtual network (or each subnet), and a storage account in the same region.",
            "Set a retention period, optionally enable traffic analytics to a Log Analytics workspace, then Review + create.",
        ],
        cli: "az network watcher flow-log create --name {name}-flowlog --location <region> --resource-group {resource_group} \
--subscription {subscription} --vnet {id} --storage-account <storage-account-id> --retention {flow_log_min_retention_days} --enabled true",
        bicep: r#"param vnetId string
param storageId string
param location string = resourceGroup().location
resource flowLog 'Microsoft.Network/networkWatchers/flowLogs@2024-07-01' = {
  name: 'NetworkWatcher_${location}/vnet-flowlog'
  location: location
  properties: {
    targetResourceId: vnetId
    storageId: storageId
    enabled: true
    retentionPolicy: { enabled: true, days: {flow_log_min_retention_days} }
  }
}"#,
    },
    evaluate,
};

/// Every flow log read, across the scanned subscriptions, and what could not be read.
struct FlowLogs<'a> {
    logs: Vec<&'a FlowLog>,
    /// The flow logs by [`norm_id`] of their target, in the order read.
    by_target: HashMap<String, Vec<&'a FlowLog>>,
    /// Reads that failed (a watcher list, a watcher's flow logs, a flow log
    /// that could not be parsed): an uncovered network is then `error`.
    gaps: Vec<String>,
}

fn all_flow_logs(inv: &Inventory) -> FlowLogs<'_> {
    let mut found = FlowLogs {
        logs: Vec::new(),
        by_target: HashMap::new(),
        gaps: Vec::new(),
    };
    drivers::each_listed_id(
        inv,
        "network watchers",
        |s| &s.network_watchers,
        |w| &w.id,
        &mut found.gaps,
        |gaps, _, watcher_id| match lookup(&inv.reads.flow_logs, watcher_id, "flow logs") {
            Ok(l) => {
                found.logs.extend(l.items.iter());
                if let Some(m) = l.malformed.first() {
                    gaps.push(format!(
                        "{} flow log(s) of network watcher '{}' could not be parsed: {}",
                        l.malformed.len(),
                        last_segment(watcher_id),
                        m.error
                    ));
                }
            }
            Err(e) => gaps.push(format!(
                "the flow logs of network watcher '{}' could not be read: {e}",
                last_segment(watcher_id)
            )),
        },
    );
    for fl in &found.logs {
        if let Some(t) = fl.target() {
            found.by_target.entry(norm_id(t)).or_default().push(fl);
        }
    }
    found
}

impl<'a> FlowLogs<'a> {
    /// The flow logs that target `id`, in the order read.
    fn on(&self, id: &str) -> &[&'a FlowLog] {
        self.by_target
            .get(&norm_id(id))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

fn subnet_name(s: &Subnet) -> String {
    s.name
        .clone()
        .or_else(|| s.id.as_deref().map(|i| last_segment(i).to_string()))
        .unwrap_or_else(|| "(unnamed)".into())
}

fn quoted(names: &[String]) -> String {
    join(&names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>())
}

fn assess(out: &mut Out, sub: &str, vnet: &VirtualNetwork, logs: &FlowLogs) {
    let name = vnet.display_name();
    let on_vnet: &[&FlowLog] = logs.on(&vnet.id);
    let subnets = vnet.subnets();
    if subnets.is_empty() {
        let note = match on_vnet.first() {
            Some(fl) => format!(
                " (flow log '{}' targets it, but there is no subnet whose traffic it could record)",
                fl.display_name()
            ),
            None => String::new(),
        };
        out.fail(
            &vnet.id,
            Some(sub),
            format!("virtual network '{name}' has no subnets, so nothing in it is covered by flow logs{note}"),
        );
        return;
    }
    if let Some(fl) = on_vnet.iter().find(|fl| fl.is_enabled()) {
        out.pass(
            &vnet.id,
            Some(sub),
            format!(
                "enabled flow log '{}' targets virtual network '{name}'",
                fl.display_name()
            ),
        );
        return;
    }
    let mut covered = Vec::new();
    let mut uncovered = Vec::new();
    for s in subnets {
        let by_subnet =
            s.id.as_deref()
                .and_then(|sid| logs.on(sid).iter().find(|fl| fl.is_enabled()));
        let by_nsg = s
            .nsg_id()
            .and_then(|nid| logs.on(nid).iter().find(|fl| fl.is_enabled()));
        match (by_subnet, by_nsg) {
            (Some(fl), _) => covered.push(format!(
                "'{}' (flow log '{}' on the subnet)",
                subnet_name(s),
                fl.display_name()
            )),
            (None, Some(fl)) => covered.push(format!(
                "'{}' (flow log '{}' on NSG '{}')",
                subnet_name(s),
                fl.display_name(),
                s.nsg_id().map(last_segment).unwrap_or("")
            )),
            (None, None) => uncovered.push(subnet_name(s)),
        }
    }
    if uncovered.is_empty() {
        out.pass(
            &vnet.id,
            Some(sub),
            format!(
                "every subnet of virtual network '{name}' is covered by an enabled flow log: {}",
                join(&covered)
            ),
        );
        return;
    }
    let disabled = match on_vnet.first() {
        Some(fl) => format!(
            "; flow log '{}' targets the network but is not enabled",
            fl.display_name()
        ),
        None => String::new(),
    };
    let what = format!(
        "no enabled flow log targets virtual network '{name}' and subnet{} {} {} not covered by an enabled flow log on the subnet or its NSG{disabled}",
        if uncovered.len() == 1 { "" } else { "s" },
        quoted(&uncovered),
        if uncovered.len() == 1 { "is" } else { "are" },
    );
    match logs.gaps.first() {
        Some(gap) => out.error(
            &vnet.id,
            Some(sub),
            format!(
                "{what} in the flow logs that were read, but {gap}{}",
                if logs.gaps.len() > 1 {
                    format!(" (and {} more unread source(s))", logs.gaps.len() - 1)
                } else {
                    String::new()
                }
            ),
        ),
        None => out.fail(&vnet.id, Some(sub), what),
    };
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    let logs = all_flow_logs(ctx.inv);
    out.each_item(
        ctx.inv,
        "virtual networks",
        "virtual network",
        |s| &s.virtual_networks,
        |out, sub, vnet| {
            assess(out, &sub.id, vnet, &logs);
        },
    );
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::norm_id;
    use serde_json::{json, Value};

    fn watcher(sub: &str, region: &str) -> String {
        format!("/subscriptions/{sub}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_{region}")
    }

    fn flow_log(watcher: &str, name: &str, target: &str, enabled: bool) -> Value {
        json!({"id": format!("{watcher}/flowLogs/{name}"), "name": name,
               "properties": {"targetResourceId": target, "enabled": enabled, "provisioningState": "Succeeded",
                              "storageId": SA}})
    }

    fn vnet(name: &str, subnets: &[(&str, Option<&str>)]) -> (String, Value) {
        let id = rid("rg-net", "Microsoft.Network/virtualNetworks", name);
        let subnets: Vec<Value> = subnets
            .iter()
            .map(|(s, nsg)| {
                let mut v = json!({"id": format!("{id}/subnets/{s}"), "name": s, "properties": {"addressPrefix": "10.0.0.0/24"}});
                if let Some(nsg) = nsg {
                    v["properties"]["networkSecurityGroup"] = json!({"id": nsg});
                }
                v
            })
            .collect();
        let body = json!({"id": id, "name": name, "location": "westeurope", "properties": {"subnets": subnets}});
        (id, body)
    }

    fn nsg(name: &str) -> String {
        rid("rg-net", "Microsoft.Network/networkSecurityGroups", name)
    }

    /// One watcher in SUB holding `logs`.
    fn estate(vnets: Vec<Value>, logs: Vec<Value>) -> Inventory {
        let mut inv = inv();
        let w = watcher(SUB, "westeurope");
        sub(&mut inv).network_watchers =
            Ok(listing(vec![json!({"id": w, "location": "westeurope"})]));
        sub(&mut inv).virtual_networks = Ok(listing(vnets));
        inv.reads.flow_logs.insert(norm_id(&w), Ok(listing(logs)));
        inv
    }

    #[test]
    fn vnet_flow_log_covers_the_network() {
        let (a, va) = vnet("vnet-a", &[("snet-1", None)]);
        let w = watcher(SUB, "westeurope");
        let inv = estate(
            vec![va],
            vec![flow_log(&w, "fl-a", &a.to_uppercase(), true)],
        );
        assert_result(
            &run(&CHECK, &inv),
            &a,
            Status::Pass,
            "enabled flow log 'fl-a' targets virtual network 'vnet-a'",
        );
    }

    #[test]
    fn subnets_covered_by_subnet_or_nsg_flow_logs() {
        let n1 = nsg("nsg-1");
        let (a, va) = vnet("vnet-a", &[("snet-1", None), ("snet-2", Some(&n1))]);
        let (b, vb) = vnet("vnet-b", &[("snet-1", None), ("snet-2", None)]);
        let w = watcher(SUB, "westeurope");
        let inv = estate(
            vec![va, vb.clone()],
            vec![
                flow_log(&w, "fl-snet", &format!("{a}/subnets/snet-1"), true),
                flow_log(&w, "fl-nsg", &n1, true),
                flow_log(&w, "fl-b1", &format!("{b}/subnets/snet-1"), true),
                // Disabled: does not cover.
                flow_log(&w, "fl-b2", &format!("{b}/subnets/snet-2"), false),
            ],
        );
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &a,
            Status::Pass,
            "'snet-2' (flow log 'fl-nsg' on NSG 'nsg-1')",
        );
        assert_result(&f, &b, Status::Fail, "subnet 'snet-2' is not covered");
    }

    #[test]
    fn failed_provisioning_or_disabled_vnet_flow_log_does_not_cover() {
        let (a, va) = vnet("vnet-a", &[("snet-1", None)]);
        let w = watcher(SUB, "westeurope");
        let mut fl = flow_log(&w, "fl-a", &a, true);
        fl["properties"]["provisioningState"] = json!("Failed");
        let inv = estate(vec![va], vec![fl]);
        assert_result(
            &run(&CHECK, &inv),
            &a,
            Status::Fail,
            "flow log 'fl-a' targets the network but is not enabled",
        );
    }

    #[test]
    fn vnet_without_subnets_fails_even_with_a_flow_log() {
        let (a, va) = vnet("vnet-empty", &[]);
        let (b, vb) = vnet("vnet-empty2", &[]);
        let w = watcher(SUB, "westeurope");
        let inv = estate(vec![va, vb], vec![flow_log(&w, "fl-a", &a, true)]);
        let f = run(&CHECK, &inv);
        assert_result(&f, &a, Status::Fail, "has no subnets");
        assert_result(&f, &b, Status::Fail, "has no subnets");
    }

    #[test]
    fn flow_logs_of_another_subscription_count() {
        let (a, va) = vnet("vnet-a", &[("snet-1", None)]);
        let mut inv = with_second(estate(vec![va], vec![]));
        let w2 = watcher(SUB2, "westeurope");
        sub_n(&mut inv, 1).network_watchers = Ok(listing(vec![json!({"id": w2})]));
        inv.reads.flow_logs.insert(
            norm_id(&w2),
            Ok(listing(vec![flow_log(&w2, "fl-hub", &a, true)])),
        );
        assert_result(&run(&CHECK, &inv), &a, Status::Pass, "'fl-hub'");
    }

    #[test]
    fn unread_flow_logs_make_uncovered_networks_error_not_fail() {
        let (a, va) = vnet("vnet-a", &[("snet-1", None)]);
        let (b, vb) = vnet("vnet-b", &[("snet-1", None)]);
        let mut inv = with_second(estate(vec![va, vb], vec![]));
        let w = watcher(SUB, "westeurope");
        inv.reads.flow_logs.insert(
            norm_id(&w),
            Ok(listing(vec![flow_log(&w, "fl-a", &a, true)])),
        );
        // The second subscription's watcher list failed.
        sub_n(&mut inv, 1).network_watchers = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Network/networkWatchers",
        ));
        let f = run(&CHECK, &inv);
        assert_result(&f, &a, Status::Pass, "'fl-a'");
        assert_result(&f, &b, Status::Error, "network watchers of subscription");
        assert_eq!(f.len(), 2, "{f:#?}");

        // A watcher whose flow-log read failed.
        let mut inv = estate(vec![vnet("vnet-b", &[("snet-1", None)]).1], vec![]);
        let w = watcher(SUB, "westeurope");
        inv.reads
            .flow_logs
            .insert(norm_id(&w), Err(forbidden(&format!("{w}/flowLogs"))));
        assert_result(&run(&CHECK, &inv), &b, Status::Error, "AuthorizationFailed");

        // A watcher whose flow logs were never read.
        let mut inv = estate(vec![vnet("vnet-b", &[("snet-1", None)]).1], vec![]);
        inv.reads.flow_logs.clear();
        assert_result(&run(&CHECK, &inv), &b, Status::Error, "was not read");

        // A flow log that could not be parsed might be the covering one.
        let w = watcher(SUB, "westeurope");
        let inv = estate(
            vec![vnet("vnet-b", &[("snet-1", None)]).1],
            vec![json!({"id": format!("{w}/flowLogs/bad"), "properties": {"enabled": "yes"}})],
        );
        assert_result(&run(&CHECK, &inv), &b, Status::Error, "could not be parsed");
    }

    #[test]
    fn failed_vnet_list_and_malformed_vnet() {
        let mut inv = estate(vec![], vec![]);
        sub(&mut inv).virtual_networks = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Network/virtualNetworks",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the virtual networks list",
        );

        let bad = rid("rg-net", "Microsoft.Network/virtualNetworks", "vnet-bad");
        let (a, va) = vnet("vnet-a", &[]);
        let inv = estate(
            vec![
                va,
                json!({"id": bad, "properties": {"subnets": "nope"}}),
                json!({"name": "x", "properties": {"subnets": 3}}),
            ],
            vec![],
        );
        let f = run(&CHECK, &inv);
        assert_result(&f, &bad, Status::Error, "could not be parsed");
        assert_result(&f, &a, Status::Fail, "no subnets");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 2 of the virtual networks list",
        );
    }

    #[test]
    fn no_vnets_no_results() {
        let inv = estate(vec![], vec![]);
        assert!(run(&CHECK, &inv).is_empty());
    }
}
