//! AZ-NET-004: enabled flow logs feed traffic analytics in a Log Analytics workspace.

use super::az_net_002::disabled_reason;
use super::support::each_flow_log;
use super::*;
use crate::inventory::FlowLog;

pub static CHECK: Check = Check {
    id: "AZ-NET-004",
    title: "Flow logs send traffic analytics to a Log Analytics workspace",
    family: Family::Net,
    severity: Severity::Low,
    scope: Scope::Resource,
    condition: "Each enabled flow log has `flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration.enabled` true \
and a `workspaceResourceId` that is a Log Analytics workspace id (`…/providers/Microsoft.OperationalInsights/workspaces/…`). \
Disabled flow logs are not applicable.",
    rationale: "Raw flow logs sit in storage as JSON blobs that cannot be queried quickly during an incident. Traffic analytics \
loads them into Log Analytics, where a responder can search every flow of a compromised address in seconds and correlate it \
with sign-ins, Defender alerts and resource logs.",
    reads: "18, 19",
    parameters: &[],
    references: &[cis("6.1.5"), policy("2f080164")],
    remediation: Remediation {
        portal: &[
            "Open Network Watcher > Flow logs and select the flow log.",
            "Under Analytics, tick 'Enable traffic analytics', choose a processing interval, and select the Log Analytics workspace.",
            "Save.",
        ],
        cli: "az network watcher flow-log update --ids {id} --traffic-analytics true --workspace <log-analytics-workspace-id> --interval 10",
        bicep: r#"param location string = resourceGroup().location
param targetResourceId string
param storageId string
param workspaceResourceId string
param flowLogName string
resource flowLog 'Microsoft.Network/networkWatchers/flowLogs@2024-07-01' = {
  name: 'NetworkWatcher_${location}/${flowLogName}'
  location: location
  properties: {
    targetResourceId: targetResourceId
    storageId: storageId
    enabled: true
    flowAnalyticsConfiguration: {
      networkWatcherFlowAnalyticsConfiguration: {
        enabled: true
        workspaceResourceId: workspaceResourceId
        trafficAnalyticsInterval: 10
      }
    }
  }
}"#,
    },
    evaluate,
};

/// A test of the id's type (the segment may be anywhere in it), not an id
/// comparison: nothing of `model`'s id normalization applies.
fn is_workspace_id(id: &str) -> bool {
    id.to_ascii_lowercase()
        .contains("/providers/microsoft.operationalinsights/workspaces/")
}

fn verdict(fl: &FlowLog) -> Result<String, String> {
    let name = fl.display_name();
    let ta = fl
        .properties
        .as_ref()
        .and_then(|p| p.flow_analytics_configuration.as_ref())
        .and_then(|c| c.network_watcher_flow_analytics_configuration.as_ref());
    let Some(ta) = ta else {
        return Err(format!(
            "flow log '{name}' has no traffic analytics configuration"
        ));
    };
    if ta.enabled != Some(true) {
        return Err(format!(
            "flow log '{name}' has traffic analytics {}",
            match ta.enabled {
                Some(false) => "disabled (enabled is false)",
                _ => "not enabled (enabled not set)",
            }
        ));
    }
    match ta.workspace_resource_id.as_deref().map(str::trim) {
        Some(ws) if is_workspace_id(ws) => Ok(format!(
            "flow log '{name}' sends traffic analytics to workspace '{}'",
            crate::inventory::last_segment(ws)
        )),
        Some(ws) if !ws.is_empty() => Err(format!(
            "flow log '{name}' has traffic analytics enabled but workspaceResourceId '{ws}' is not a Log Analytics workspace id"
        )),
        _ => Err(format!(
            "flow log '{name}' has traffic analytics enabled but no workspaceResourceId"
        )),
    }
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    each_flow_log(&mut out, ctx.inv, |out, sub, fl| {
        if !fl.is_enabled() {
            out.not_applicable(&fl.id, Some(&sub.id), disabled_reason(fl));
            return;
        }
        match verdict(fl) {
            Ok(r) => out.pass(&fl.id, Some(&sub.id), r),
            Err(r) => out.fail(&fl.id, Some(&sub.id), r),
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

    fn ta(enabled: serde_json::Value, ws: serde_json::Value) -> serde_json::Value {
        json!({"flowAnalyticsConfiguration": {"networkWatcherFlowAnalyticsConfiguration":
            {"enabled": enabled, "workspaceResourceId": ws, "workspaceId": "00000000-0000-0000-0000-000000000000",
             "trafficAnalyticsInterval": 10}}})
    }

    #[test]
    fn traffic_analytics() {
        let ws_lower = WS.to_lowercase();
        let inv = estate(vec![
            flow_log("good", ta(json!(true), json!(WS))),
            flow_log("lower", ta(json!(true), json!(ws_lower))),
            flow_log("off", ta(json!(false), json!(WS))),
            flow_log("unset", ta(json!(null), json!(WS))),
            flow_log("dash", ta(json!(true), json!("-"))),
            flow_log("sa", ta(json!(true), json!(SA))),
            flow_log("nows", ta(json!(true), json!(null))),
            flow_log("none", json!({})),
            flow_log("disabled", json!({"enabled": false})),
        ]);
        let f = run(&CHECK, &inv);
        assert_result(&f, &fl_id("good"), Status::Pass, "to workspace 'law-sec'");
        assert_result(&f, &fl_id("lower"), Status::Pass, "law-sec");
        assert_result(
            &f,
            &fl_id("off"),
            Status::Fail,
            "disabled (enabled is false)",
        );
        assert_result(&f, &fl_id("unset"), Status::Fail, "not enabled");
        assert_result(
            &f,
            &fl_id("dash"),
            Status::Fail,
            "'-' is not a Log Analytics workspace id",
        );
        assert_result(
            &f,
            &fl_id("sa"),
            Status::Fail,
            "stlogs' is not a Log Analytics workspace id",
        );
        assert_result(&f, &fl_id("nows"), Status::Fail, "no workspaceResourceId");
        assert_result(
            &f,
            &fl_id("none"),
            Status::Fail,
            "no traffic analytics configuration",
        );
        assert_result(&f, &fl_id("disabled"), Status::NotApplicable, "is disabled");
    }

    #[test]
    fn shared_errors() {
        assert_shared_errors(&CHECK);
    }
}
