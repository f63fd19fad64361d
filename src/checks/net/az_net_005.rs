//! AZ-NET-005: a Network Watcher exists in every region holding a virtual network.

use super::support::join;
use super::*;
use std::collections::BTreeSet;

pub static CHECK: Check = Check {
    id: "AZ-NET-005",
    title: "Network Watcher is enabled in every region with a virtual network",
    family: Family::Net,
    severity: Severity::Low,
    scope: Scope::Subscription,
    condition: "A Network Watcher exists in every region that holds a virtual network of the subscription (locations compared \
lower-case with spaces removed). A subscription with no virtual network is not_applicable.",
    rationale: "Flow logs, packet capture, connection troubleshooting and next-hop analysis all run through the region's \
Network Watcher. Without one, a responder cannot turn on flow logs or capture packets in that region during an incident, \
and the traffic evidence of the networks there is never recorded.",
    reads: "26, 18",
    parameters: &[],
    references: &[cis("7.6")],
    remediation: Remediation {
        portal: &[
            "Open Network Watcher > Overview and select the subscription.",
            "For each region listed as missing, select the region and choose 'Enable network watcher'.",
        ],
        cli: "az network watcher configure --subscription {subscription} --resource-group NetworkWatcherRG --locations <region> --enabled true",
        bicep: r#"param location string
resource watcher 'Microsoft.Network/networkWatchers@2024-07-01' = {
  name: 'NetworkWatcher_${location}'
  location: location
  properties: {}
}"#,
    },
    evaluate,
};

/// Locations compare lower-case with spaces removed (`West Europe` = `westeurope`).
fn region(location: &str) -> String {
    location
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

fn describe_malformed(what: &str, l: &crate::inventory::Listing<impl Sized>) -> Option<String> {
    l.malformed.first().map(|m| {
        format!(
            "{} {what}(s) could not be parsed (item {}: {})",
            l.malformed.len(),
            m.position,
            m.error
        )
    })
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_sub(ctx.inv, |out, sub| {
        let rid = sub.resource_id();
        let (vnets, watchers) = match (&sub.virtual_networks, &sub.network_watchers) {
            (Ok(v), Ok(w)) => (v, w),
            (v, w) => {
                let mut causes = Vec::new();
                if let Err(e) = v {
                    causes.push(format!("could not read the virtual networks list: {e}"));
                }
                if let Err(e) = w {
                    causes.push(format!("could not read the network watchers list: {e}"));
                }
                out.error(&rid, Some(&sub.id), causes.join("; "));
                return;
            }
        };
        // Regions holding a virtual network, in first-seen order of the list.
        let mut vnet_regions: Vec<String> = Vec::new();
        let mut unlocated = Vec::new();
        for v in &vnets.items {
            match v.location.as_deref().map(region).filter(|r| !r.is_empty()) {
                Some(r) => {
                    if !vnet_regions.contains(&r) {
                        vnet_regions.push(r);
                    }
                }
                None => unlocated.push(format!("'{}'", v.display_name())),
            }
        }
        let watcher_regions: BTreeSet<String> = watchers
            .items
            .iter()
            .filter_map(|w| w.location.as_deref().map(region))
            .collect();
        let missing: Vec<String> = vnet_regions
            .iter()
            .filter(|r| !watcher_regions.contains(*r))
            .cloned()
            .collect();
        let vnets_unknown = describe_malformed("virtual network", vnets).or_else(|| {
            (!unlocated.is_empty())
                .then(|| format!("virtual network(s) {} have no location", join(&unlocated)))
        });
        let watchers_unknown = describe_malformed("network watcher", watchers);

        if !missing.is_empty() {
            // A watcher that could not be parsed might be in a missing region.
            if let Some(u) = watchers_unknown {
                out.error(
                    &rid,
                    Some(&sub.id),
                    format!(
                        "no readable Network Watcher in region(s) {} holding virtual networks, but {u}",
                        join(&missing)
                    ),
                );
            } else {
                out.fail(
                    &rid,
                    Some(&sub.id),
                    format!(
                        "no Network Watcher in region(s) {} that hold virtual networks (watchers in: {})",
                        join(&missing),
                        if watcher_regions.is_empty() {
                            "none".to_string()
                        } else {
                            join(&watcher_regions.iter().cloned().collect::<Vec<_>>())
                        }
                    ),
                );
            }
            return;
        }
        // A virtual network that could not be read might be in a region without a watcher.
        if let Some(u) = vnets_unknown {
            out.error(
                &rid,
                Some(&sub.id),
                format!(
                    "every region of the readable virtual networks has a Network Watcher, but {u}"
                ),
            );
            return;
        }
        if vnet_regions.is_empty() {
            out.not_applicable(
                &rid,
                Some(&sub.id),
                "the subscription has no virtual networks, so no region needs a Network Watcher",
            );
        } else {
            out.pass(
                &rid,
                Some(&sub.id),
                format!(
                    "a Network Watcher exists in every region holding a virtual network: {}",
                    join(&vnet_regions)
                ),
            );
        }
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::{json, Value};

    fn vnet(name: &str, location: &str) -> Value {
        json!({"id": rid("rg", "Microsoft.Network/virtualNetworks", name), "name": name, "location": location,
               "properties": {"subnets": []}})
    }
    fn watcher(location: &str) -> Value {
        json!({"id": rid("NetworkWatcherRG", "Microsoft.Network/networkWatchers", &format!("NetworkWatcher_{location}")),
               "location": location})
    }

    #[test]
    fn every_region_needs_a_watcher() {
        let mut i = with_second(inv());
        sub(&mut i).virtual_networks = Ok(listing(vec![
            vnet("a", "West Europe"),
            vnet("b", "northeurope"),
            vnet("c", "westeurope"),
        ]));
        sub(&mut i).network_watchers = Ok(listing(vec![
            watcher("westeurope"),
            watcher("North Europe"),
        ]));
        sub_n(&mut i, 1).virtual_networks =
            Ok(listing(vec![vnet("d", "eastus"), vnet("e", "westeurope")]));
        sub_n(&mut i, 1).network_watchers = Ok(listing(vec![watcher("WestEurope")]));
        let f = run(&CHECK, &i);
        assert_eq!(f.len(), 2);
        assert_result(&f, &sub_id(), Status::Pass, "westeurope and northeurope");
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Fail,
            "no Network Watcher in region(s) eastus",
        );
    }

    #[test]
    fn no_vnets_is_not_applicable() {
        let mut i = inv();
        sub(&mut i).network_watchers = Ok(listing(vec![]));
        assert_result(
            &run(&CHECK, &i),
            &sub_id(),
            Status::NotApplicable,
            "no virtual networks",
        );
    }

    #[test]
    fn failed_lists_give_one_error() {
        let mut i = inv();
        sub(&mut i).virtual_networks = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Network/virtualNetworks",
        ));
        sub(&mut i).network_watchers = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Network/networkWatchers",
        ));
        let f = run(&CHECK, &i);
        assert_eq!(f.len(), 1);
        assert_result(&f, &sub_id(), Status::Error, "virtual networks list");
        assert_result(&f, &sub_id(), Status::Error, "network watchers list");

        let mut i = inv();
        sub(&mut i).virtual_networks = Ok(listing(vec![vnet("a", "westeurope")]));
        sub(&mut i).network_watchers = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Network/networkWatchers",
        ));
        let f = run(&CHECK, &i);
        assert_eq!(f.len(), 1);
        assert_result(&f, &sub_id(), Status::Error, "AuthorizationFailed");
    }

    #[test]
    fn malformed_items() {
        // A malformed vnet might be in a region without a watcher.
        let mut i = inv();
        sub(&mut i).virtual_networks = Ok(listing(vec![
            vnet("a", "westeurope"),
            json!({"name": "x", "location": 5}),
        ]));
        sub(&mut i).network_watchers = Ok(listing(vec![watcher("westeurope")]));
        let f = run(&CHECK, &i);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "1 virtual network(s) could not be parsed",
        );

        // A malformed watcher might be in the missing region.
        let mut i = inv();
        sub(&mut i).virtual_networks = Ok(listing(vec![vnet("a", "westeurope")]));
        sub(&mut i).network_watchers = Ok(listing(vec![
            json!({"id": "/w", "location": ["westeurope"]}),
        ]));
        let f = run(&CHECK, &i);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "network watcher(s) could not be parsed",
        );

        // But a definite gap with only a malformed vnet still fails.
        let mut i = inv();
        sub(&mut i).virtual_networks = Ok(listing(vec![
            vnet("a", "eastus"),
            json!({"id": "/v", "location": 5}),
        ]));
        sub(&mut i).network_watchers = Ok(listing(vec![watcher("westeurope")]));
        assert_result(&run(&CHECK, &i), &sub_id(), Status::Fail, "eastus");
    }
}
