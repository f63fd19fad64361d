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
virtual network (this covers it even with no subnets), or it has subnets and every subnet is covered by an enabled flow log \
targeting that subnet or the NSG attached to it; a virtual network with no subnets and no flow log of its own fails. Flow logs \
of every scanned subscription's network watchers count: a network that no readable enabled flow log covers fails, its reason \
naming the network watchers or flow logs that could not be read. When the subscription's own network watcher list cannot be \
read, the check gives one error on the subscription (its networks that a readable flow log covers still pass).",
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
    /// The flow logs by [`norm_id`] of their target, in the order read.
    by_target: HashMap<String, Vec<&'a FlowLog>>,
    /// Reads that failed (a watcher list, a watcher's flow logs, a flow log
    /// that could not be parsed), each naming its subscription: an uncovered
    /// network's reason names them (baseline, "Isolation").
    gaps: Vec<String>,
}

fn all_flow_logs(inv: &Inventory) -> FlowLogs<'_> {
    let mut found = FlowLogs {
        by_target: HashMap::new(),
        gaps: Vec::new(),
    };
    let mut logs: Vec<&FlowLog> = Vec::new();
    drivers::each_listed_id(
        inv,
        "network watchers",
        |s| &s.network_watchers,
        |w| &w.id,
        &mut found.gaps,
        |gaps, sub, watcher_id| match lookup(&inv.reads.flow_logs, watcher_id, "flow logs") {
            Ok(l) => {
                logs.extend(l.items.iter());
                if let Some(m) = l.malformed.first() {
                    gaps.push(format!(
                        "{} flow log(s) of network watcher '{}' of subscription {} could not be parsed: {}",
                        l.malformed.len(),
                        last_segment(watcher_id),
                        sub.id,
                        m.error
                    ));
                }
            }
            Err(e) => gaps.push(format!(
                "the flow logs of network watcher '{}' of subscription {} could not be read: {e}",
                last_segment(watcher_id),
                sub.id
            )),
        },
    );
    for fl in logs {
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

    /// What an uncovered network's reason adds: the reads that could not
    /// contribute (a flow log among them might have covered it).
    fn unread_note(&self) -> String {
        match self.gaps.first() {
            None => String::new(),
            Some(first) => {
                format!(
                "; no readable enabled flow log covers it, and these could not be read: {first}{}",
                if self.gaps.len() > 1 {
                    format!(" (and {} more: {})", self.gaps.len() - 1, join(&self.gaps[1..]))
                } else {
                    String::new()
                }
            )
            }
        }
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

/// Whether enabled flow logs cover the network: `Ok(reason)` when they do,
/// `Err(reason)` naming what is not covered.
fn coverage(vnet: &VirtualNetwork, logs: &FlowLogs) -> Result<String, String> {
    let name = vnet.display_name();
    let on_vnet: &[&FlowLog] = logs.on(&vnet.id);
    if let Some(fl) = on_vnet.iter().find(|fl| fl.is_enabled()) {
        return Ok(format!(
            "enabled flow log '{}' targets virtual network '{name}'",
            fl.display_name()
        ));
    }
    let disabled = match on_vnet.first() {
        Some(fl) => format!(
            "; flow log '{}' targets the network but is not enabled",
            fl.display_name()
        ),
        None => String::new(),
    };
    let subnets = vnet.subnets();
    if subnets.is_empty() {
        return Err(format!(
            "virtual network '{name}' has no subnets and no enabled flow log targets it{disabled}"
        ));
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
        return Ok(format!(
            "every subnet of virtual network '{name}' is covered by an enabled flow log: {}",
            join(&covered)
        ));
    }
    Err(format!(
        "no enabled flow log targets virtual network '{name}' and subnet{} {} {} not covered by an enabled flow log on the subnet or its NSG{disabled}",
        if uncovered.len() == 1 { "" } else { "s" },
        quoted(&uncovered),
        if uncovered.len() == 1 { "is" } else { "are" },
    ))
}

/// Baseline "Isolation": flow logs of every scanned subscription count; a
/// network that no readable enabled flow log covers fails, naming what could
/// not be read. When the subscription's own network watcher list failed, its
/// uncovered networks have no result of their own: the subscription's one
/// `error` stands for them (its covered networks still pass).
fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    let logs = all_flow_logs(ctx.inv);
    out.each_sub(ctx.inv, |out, sub| {
        let own_watchers_read = out
            .list(sub, "network watchers", &sub.network_watchers)
            .is_some();
        out.items_of(
            sub,
            "virtual networks",
            "virtual network",
            &sub.virtual_networks,
            |out, sub, vnet| match coverage(vnet, &logs) {
                Ok(reason) => {
                    out.pass(&vnet.id, Some(&sub.id), reason);
                }
                Err(_) if !own_watchers_read => {}
                Err(reason) => {
                    out.fail(
                        &vnet.id,
                        Some(&sub.id),
                        format!("{reason}{}", logs.unread_note()),
                    );
                }
            },
        );
    });
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
    fn vnet_flow_log_covers_a_vnet_without_subnets() {
        let (a, va) = vnet("vnet-empty", &[]);
        let (b, vb) = vnet("vnet-empty2", &[]);
        let w = watcher(SUB, "westeurope");
        let inv = estate(vec![va, vb], vec![flow_log(&w, "fl-a", &a, true)]);
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &a,
            Status::Pass,
            "enabled flow log 'fl-a' targets virtual network 'vnet-empty'",
        );
        assert_result(
            &f,
            &b,
            Status::Fail,
            "has no subnets and no enabled flow log targets it",
        );
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

    /// Baseline "Isolation": a failure in one subscription never turns
    /// another subscription's `fail` into `error`.
    #[test]
    fn another_subscriptions_failed_watcher_list_leaves_uncovered_networks_failing() {
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
        assert_result(
            &f,
            &b,
            Status::Fail,
            &format!("the network watchers of subscription {SUB2} could not be read"),
        );
        // One error on the subscription whose list failed, none per network.
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the network watchers list",
        );
        assert_eq!(f.len(), 3, "{f:#?}");
    }

    #[test]
    fn own_failed_watcher_list_is_one_error_and_covered_networks_still_pass() {
        // SUB's watcher list failed; SUB2's watcher holds a flow log on vnet-a.
        let (a, va) = vnet("vnet-a", &[("snet-1", None)]);
        let (_b, vb) = vnet("vnet-b", &[("snet-1", None)]);
        let (_c, vc) = vnet("vnet-c", &[]);
        let mut inv = with_second(estate(vec![va, vb, vc], vec![]));
        sub(&mut inv).network_watchers = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Network/networkWatchers",
        ));
        let w2 = watcher(SUB2, "westeurope");
        sub_n(&mut inv, 1).network_watchers = Ok(listing(vec![json!({"id": w2})]));
        inv.reads.flow_logs.insert(
            norm_id(&w2),
            Ok(listing(vec![flow_log(&w2, "fl-hub", &a, true)])),
        );
        let f = run(&CHECK, &inv);
        assert_result(&f, &a, Status::Pass, "'fl-hub'");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the network watchers list",
        );
        assert_eq!(f.len(), 2, "no result per uncovered network: {f:#?}");
    }

    #[test]
    fn unread_flow_logs_of_a_watcher_leave_uncovered_networks_failing() {
        // A watcher whose flow-log read failed: a known gap fails, naming it.
        let mut inv = estate(vec![vnet("vnet-b", &[("snet-1", None)]).1], vec![]);
        let b = rid("rg-net", "Microsoft.Network/virtualNetworks", "vnet-b");
        let w = watcher(SUB, "westeurope");
        inv.reads
            .flow_logs
            .insert(norm_id(&w), Err(forbidden(&format!("{w}/flowLogs"))));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_result(&f, &b, Status::Fail, "AuthorizationFailed");

        // A watcher whose flow logs were never read.
        let mut inv = estate(vec![vnet("vnet-b", &[("snet-1", None)]).1], vec![]);
        inv.reads.flow_logs.clear();
        assert_result(&run(&CHECK, &inv), &b, Status::Fail, "was not read");

        // A flow log that could not be parsed is named.
        let inv = estate(
            vec![vnet("vnet-b", &[("snet-1", None)]).1],
            vec![json!({"id": format!("{w}/flowLogs/bad"), "properties": {"enabled": "yes"}})],
        );
        assert_result(&run(&CHECK, &inv), &b, Status::Fail, "could not be parsed");
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
