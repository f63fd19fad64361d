//! AZ-FLOW-003: security data reaches the SOC workspace quickly enough.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-FLOW-003",
    title: "Security tables of SOC workspaces are ingested without delay",
    family: Family::Flow,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "For every SOC workspace, for every table of `security_tables` with rows in the last day, the 95th \
percentile of ingestion delay (`ingestion_time() - TimeGenerated`) is at most `flow_max_latency_minutes` minutes. \
A SOC workspace with no row in any security table in the last day is `not_applicable` (nothing to measure). A failed \
query is `error`.",
    rationale: "Detection can be no faster than delivery: an analytics rule that runs every five minutes over data \
that arrives an hour late sees the attack an hour late, and rules whose look-back is shorter than the delay never \
see some events at all. A growing delay is also the first sign of a throttled or failing pipeline.",
    reads: "29 (with 10, 22, and 2, 5, 12, 35 to find SOC workspaces)",
    parameters: &[Param::SecurityTables, Param::FlowMaxLatencyMinutes],
    references: &[baseline_ref("table health: delay and blank periods")],
    remediation: Remediation {
        portal: &[
            "Open the Log Analytics workspace > Logs and run: {security_tables} as a union with | summarize percentile(ingestion_time() - TimeGenerated, 95) by bin(TimeGenerated, 1h), to see when the delay grew.",
            "For Azure Monitor Agent sources, check the agents' heartbeat and the data collection endpoint; for diagnostic settings, check the service health of the resource's region.",
            "Where the delay is structural (some sources deliver in batches), widen the look-back of the analytics rules over that table to at least the delay plus their frequency.",
        ],
        cli: "az monitor log-analytics query --workspace <workspace-customer-id> --analytics-query 'union withsource=T * | where TimeGenerated > ago(1d) | summarize P95=percentile(datetime_diff(\"second\", ingestion_time(), TimeGenerated), 95) by T'",
        bicep: r#"// Alert when ingestion falls behind (here for SigninLogs)
resource latency 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'security-ingestion-latency'
  location: location
  properties: {
    enabled: true
    severity: 2
    scopes: [ workspaceId ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: 'SigninLogs | summarize P95=percentile(datetime_diff("minute", ingestion_time(), TimeGenerated), 95)'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'P95'
          operator: 'GreaterThan'
          threshold: {flow_max_latency_minutes}
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [ actionGroupId ] }
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    judge_workspaces(
        &CHECK,
        ctx.inv,
        |ws, name| delays(ctx.inv, ctx.params, ws, name),
        |d, name| judge(d, ctx.params, name),
    )
}

fn judge(delays: &[&TableDelay], params: &Params, name: &str) -> (Status, String) {
    let measured: Vec<(&str, f64)> = delays
        .iter()
        .filter_map(|d| d.p95_seconds.map(|s| (d.table.as_str(), s)))
        .collect();
    if measured.is_empty() {
        return (
            Status::NotApplicable,
            format!("workspace '{name}': no security table received rows in the last day, so there is no delay to measure"),
        );
    }
    let max = params.flow_max_latency_minutes;
    let slow: Vec<String> = measured
        .iter()
        .filter(|(_, s)| *s > (max * 60) as f64)
        .map(|(t, s)| format!("{t} {}", delay_label(*s)))
        .collect();
    if slow.is_empty() {
        let worst = measured
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("measured is not empty");
        (
            Status::Pass,
            format!(
                "workspace '{name}': the 95th percentile of ingestion delay is at most {max} minutes in each of the {} security tables with rows in the last day (slowest: {} {})",
                measured.len(),
                worst.0,
                delay_label(worst.1)
            ),
        )
    } else {
        (
            Status::Fail,
            format!(
                "workspace '{name}': the 95th percentile of ingestion delay exceeds {max} minutes in {} of {} security tables with rows in the last day: {}",
                slow.len(),
                measured.len(),
                slow.join(", ")
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::checks::testkit::*;

    #[test]
    fn delays_within_the_limit_pass_naming_the_slowest() {
        let mut inv = with_workspace(WS, true);
        let d = vec![
            delay("SigninLogs", Some(130.0)),
            delay("AuditLogs", Some(900.0)),
            delay("Heartbeat", Some(99999.0)),
        ];
        set_queries(&mut inv, WS, Ok(vec![]), Ok(d), Ok(vec![]));
        assert_result(&run(&CHECK, &inv), WS, Status::Pass, "at most 15 minutes in each of the 2 security tables with rows in the last day (slowest: AuditLogs 15 min)");
    }

    #[test]
    fn a_slow_table_fails_and_a_stricter_limit_counts() {
        let mut inv = with_workspace(WS, true);
        let d = vec![
            delay("SigninLogs", Some(130.0)),
            delay("syslog", Some(3720.0)),
            delay("AuditLogs", None),
        ];
        set_queries(&mut inv, WS, Ok(vec![]), Ok(d), Ok(vec![]));
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Fail,
            "exceeds 15 minutes in 1 of 2 security tables with rows in the last day: syslog 62 min",
        );
        let mut p = Params::defaults();
        p.flow_max_latency_minutes = 2;
        assert_result(&run_with(&CHECK, &inv, &p), WS, Status::Fail, "in 2 of 2 security tables with rows in the last day: SigninLogs 2.2 min, syslog 62 min");
    }

    #[test]
    fn nothing_measured_is_not_applicable_and_a_failed_query_an_error() {
        let mut inv = with_workspace(WS, true);
        set_queries(
            &mut inv,
            WS,
            Ok(vec![]),
            Ok(vec![delay("SigninLogs", None)]),
            Ok(vec![]),
        );
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::NotApplicable,
            "no delay to measure",
        );
        // Q1 failing does not stop Q2 from being judged.
        set_queries(
            &mut inv,
            WS,
            Err(timed_out(WS)),
            Ok(vec![delay("SigninLogs", Some(60.0))]),
            Ok(vec![]),
        );
        assert_eq!(status(&run(&CHECK, &inv), WS), Status::Pass);
        set_queries(&mut inv, WS, Ok(vec![]), Err(timed_out(WS)), Ok(vec![]));
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Error,
            "could not query workspace 'law-sec' for ingestion delay (Q2): GatewayTimeout",
        );
    }
}
