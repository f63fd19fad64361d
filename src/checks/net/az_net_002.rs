//! AZ-NET-002: enabled flow logs keep their records long enough.

use super::support::each_flow_log;
use super::*;

pub static CHECK: Check = Check {
    id: "AZ-NET-002",
    title: "Flow logs keep records for the minimum retention",
    family: Family::Net,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "Each enabled flow log keeps its records at least `flow_log_min_retention_days`: passes when `retentionPolicy` \
is absent or not enabled, or `days` is 0 (kept forever), or `days` is at least the parameter. Disabled flow logs are not \
applicable.",
    rationale: "Intrusions are typically discovered weeks or months after the first connection; the flow records that show the \
initial beacon, the lateral movement and the exfiltration volume must still exist when the investigation starts. A retention \
policy that deletes flow logs after a few days destroys exactly the history a responder needs to scope an incident.",
    reads: "18, 19",
    parameters: &[Param::FlowLogMinRetentionDays],
    references: &[cis("7.5")],
    remediation: Remediation {
        portal: &[
            "Open Network Watcher > Flow logs and select the flow log.",
            "Under Retention, set 'Retention days' to at least {flow_log_min_retention_days} (or 0 to keep records until deleted by a storage lifecycle rule).",
            "Save.",
        ],
        cli: "az network watcher flow-log update --ids {id} --retention {flow_log_min_retention_days}",
        bicep: r#"param location string = resourceGroup().location
param targetResourceId string
param storageId string
param flowLogName string
resource flowLog 'Microsoft.Network/networkWatchers/flowLogs@2024-07-01' = {
  name: 'NetworkWatcher_${location}/${flowLogName}'
  location: location
  properties: {
    targetResourceId: targetResourceId
    storageId: storageId
    enabled: true
    retentionPolicy: { enabled: true, days: {flow_log_min_retention_days} }
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    let min = ctx.params.flow_log_min_retention_days;
    each_flow_log(&mut out, ctx.inv, |out, sub, fl| {
        let name = fl.display_name();
        if !fl.is_enabled() {
            out.not_applicable(&fl.id, Some(&sub.id), disabled_reason(fl));
            return;
        }
        let policy = fl
            .properties
            .as_ref()
            .and_then(|p| p.retention_policy.as_ref());
        match policy {
            None => out.pass(
                &fl.id,
                Some(&sub.id),
                format!("flow log '{name}' has no retention policy: records are kept until deleted"),
            ),
            Some(p) if p.enabled != Some(true) => out.pass(
                &fl.id,
                Some(&sub.id),
                format!("flow log '{name}' retention policy is not enabled: records are kept until deleted"),
            ),
            Some(p) => match p.days.unwrap_or(0) {
                0 => out.pass(
                    &fl.id,
                    Some(&sub.id),
                    format!("flow log '{name}' retention is 0 days (kept forever)"),
                ),
                d if d >= min => out.pass(
                    &fl.id,
                    Some(&sub.id),
                    format!("flow log '{name}' keeps records {d} days (minimum {min})"),
                ),
                d => out.fail(
                    &fl.id,
                    Some(&sub.id),
                    format!("flow log '{name}' keeps records only {d} days (minimum {min})"),
                ),
            },
        };
    });
    out.done()
}

/// Why a flow log is not enabled (shared with AZ-NET-004).
pub(super) fn disabled_reason(fl: &crate::inventory::FlowLog) -> String {
    let p = fl.properties.clone().unwrap_or_default();
    if p.enabled == Some(true) {
        format!(
            "flow log '{}' is enabled but its provisioningState is {}: it writes nothing",
            fl.display_name(),
            p.provisioning_state.as_deref().unwrap_or("Failed")
        )
    } else {
        format!(
            "flow log '{}' is disabled (enabled is {})",
            fl.display_name(),
            match p.enabled {
                Some(b) => b.to_string(),
                None => "not set".into(),
            }
        )
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::checks::Params;
    use crate::inventory::{norm_id, Inventory};
    use serde_json::{json, Value};

    pub fn watcher() -> String {
        format!("/subscriptions/{SUB}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_westeurope")
    }

    pub fn fl_id(name: &str) -> String {
        format!("{}/flowLogs/{name}", watcher())
    }

    /// A flow log body; `props` is merged into a default enabled one.
    pub fn flow_log(name: &str, props: Value) -> Value {
        let mut p = json!({"targetResourceId": rid("rg-net", "Microsoft.Network/virtualNetworks", "vnet-a"),
                           "storageId": SA, "enabled": true, "provisioningState": "Succeeded"});
        if let (Some(p), Some(extra)) = (p.as_object_mut(), props.as_object()) {
            for (k, v) in extra {
                p.insert(k.clone(), v.clone());
            }
        }
        json!({"id": fl_id(name), "name": name, "location": "westeurope", "properties": p})
    }

    pub fn estate(logs: Vec<Value>) -> Inventory {
        let mut inv = inv();
        sub(&mut inv).network_watchers = Ok(listing(vec![
            json!({"id": watcher(), "location": "westeurope"}),
        ]));
        inv.reads
            .flow_logs
            .insert(norm_id(&watcher()), Ok(listing(logs)));
        inv
    }

    /// The error cases every per-flow-log check shares.
    pub fn assert_shared_errors(check: &Check) {
        // Watcher list failed: one error on the subscription.
        let mut inv = estate(vec![]);
        sub(&mut inv).network_watchers = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Network/networkWatchers",
        ));
        let f = run(check, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the network watchers list",
        );
        // Flow log read failed: one error on the subscription.
        let mut inv = estate(vec![]);
        inv.reads
            .flow_logs
            .insert(norm_id(&watcher()), Err(forbidden("flowLogs")));
        let f = run(check, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "flow logs of network watcher 'NetworkWatcher_westeurope'",
        );
        // Not read at all.
        let mut inv = estate(vec![]);
        inv.reads.flow_logs.clear();
        assert_result(&run(check, &inv), &sub_id(), Status::Error, "was not read");
        // Malformed flow logs, with and without an id; the sibling is assessed.
        let inv = estate(vec![
            json!({"id": fl_id("bad"), "properties": {"enabled": "yes"}}),
            json!({"name": "noid", "properties": {"enabled": 1}}),
            flow_log("good", json!({})),
        ]);
        let f = run(check, &inv);
        assert_result(&f, &fl_id("bad"), Status::Error, "could not be parsed");
        assert_result(&f, &sub_id(), Status::Error, "item 1 of the flow logs list");
        assert_ne!(result(&f, &fl_id("good"), None).status, Status::Error);
        // A watcher that could not be parsed is still followed by id.
        let mut inv = estate(vec![flow_log("good", json!({}))]);
        sub(&mut inv).network_watchers = Ok(listing(vec![json!({"id": watcher(), "location": 7})]));
        let f = run(check, &inv);
        assert_eq!(f.len(), 1);
        assert_ne!(result(&f, &fl_id("good"), None).status, Status::Error);
    }

    #[test]
    fn retention_rules() {
        let inv = estate(vec![
            flow_log("absent", json!({})),
            flow_log(
                "off",
                json!({"retentionPolicy": {"enabled": false, "days": 7}}),
            ),
            flow_log(
                "forever",
                json!({"retentionPolicy": {"enabled": true, "days": 0}}),
            ),
            flow_log(
                "long",
                json!({"retentionPolicy": {"enabled": true, "days": 90}}),
            ),
            flow_log(
                "short",
                json!({"retentionPolicy": {"enabled": true, "days": 30}}),
            ),
            flow_log(
                "disabled",
                json!({"enabled": false, "retentionPolicy": {"enabled": true, "days": 1}}),
            ),
            flow_log(
                "failed",
                json!({"provisioningState": "Failed", "retentionPolicy": {"enabled": true, "days": 1}}),
            ),
        ]);
        let f = run(&CHECK, &inv);
        assert_result(&f, &fl_id("absent"), Status::Pass, "no retention policy");
        assert_result(&f, &fl_id("off"), Status::Pass, "not enabled");
        assert_result(&f, &fl_id("forever"), Status::Pass, "kept forever");
        assert_result(&f, &fl_id("long"), Status::Pass, "90 days (minimum 90)");
        assert_result(
            &f,
            &fl_id("short"),
            Status::Fail,
            "only 30 days (minimum 90)",
        );
        assert_result(&f, &fl_id("disabled"), Status::NotApplicable, "is disabled");
        assert_result(
            &f,
            &fl_id("failed"),
            Status::NotApplicable,
            "provisioningState is Failed",
        );

        let params = Params {
            flow_log_min_retention_days: 20,
            ..Params::defaults()
        };
        let f = run_with(&CHECK, &inv, &params);
        assert_result(&f, &fl_id("short"), Status::Pass, "30 days (minimum 20)");
    }

    #[test]
    fn shared_errors() {
        assert_shared_errors(&CHECK);
    }
}
