//! AZ-FLOW-002: no security table stopped and resumed within the window.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-FLOW-002",
    title: "Security tables of SOC workspaces have no gaps",
    family: Family::Flow,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "For every SOC workspace, within the last `flow_lookback_days` days no table of `security_tables` has \
a gap longer than `flow_max_silence_hours` hours between two hours with rows (the time from the end of one hour with \
rows to the start of the next). The reason names each table and gap. A SOC workspace with no row in any security \
table during the window is `not_applicable` (AZ-FLOW-001 fails it). A failed query is `error`.",
    rationale: "Logging that stopped and started again is the pattern of an attacker who disables a diagnostic \
setting or an agent, acts, and re-enables it so that today's configuration looks clean. The configuration checks \
cannot see it; the hours with no rows can. A gap is also what a daily cap, an expired connector secret or a broken \
pipeline leaves, and the evidence from those hours is lost either way.",
    reads: "28 (with 10, 22, and 2, 5, 12, 35 to find SOC workspaces)",
    parameters: &[Param::SecurityTables, Param::FlowLookbackDays, Param::FlowMaxSilenceHours],
    references: &[attack("T1562.008")],
    remediation: Remediation {
        portal: &[
            "Open the Log Analytics workspace > Logs and chart the table's rows per hour over the last {flow_lookback_days} days to see when the gap started and ended.",
            "Open the Activity Log of the source's subscription for that period and look for deletes or changes of diagnostic settings, data connectors, data collection rules or agents (azward's tamper timeline lists them).",
            "Check the workspace's daily cap and ingestion status for the period (Usage and estimated costs), and the source's health (connector status, agent heartbeat).",
            "Treat the gap as a period without evidence in any investigation that covers it.",
        ],
        cli: "az monitor activity-log list --subscription {subscription} --offset {flow_lookback_days}d --query \"[?contains(operationName.value, 'diagnosticSettings') || contains(operationName.value, 'dataCollectionRules')]\"",
        bicep: r#"// Prevent the usual causes: lock the diagnostic settings' scope and the workspace
resource lock 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'protect-logging'
  properties: {
    level: 'CanNotDelete'
    notes: 'Evidence pipeline: deleting the workspace or its settings leaves a gap'
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    judge_workspaces(
        &CHECK,
        ctx.inv,
        |ws, name| activity(ctx.inv, ctx.params, ws, name),
        |a, name| judge(a, ctx.params, name),
    )
}

fn judge(a: &Activity, params: &Params, name: &str) -> (Status, String) {
    let days = params.flow_lookback_days;
    if !a.any_rows() {
        return (
            Status::NotApplicable,
            format!("workspace '{name}': no security table received a row in the last {days} days, so there is no gap to measure (AZ-FLOW-001 fails it)"),
        );
    }
    let max_h = params.flow_max_silence_hours;
    let gaps: Vec<String> = a
        .with_rows()
        .flat_map(|t| {
            t.gaps(max_h * HOUR).into_iter().map(move |(from, to)| {
                format!(
                    "{}: no rows for {} from {} to {}",
                    t.table,
                    duration_label(to - from),
                    hour_label(from),
                    hour_label(to)
                )
            })
        })
        .collect();
    let with_rows = a.with_rows().count();
    if gaps.is_empty() {
        (
            Status::Pass,
            format!("workspace '{name}': none of the {with_rows} security tables with rows in the last {days} days has a gap longer than {max_h} hours"),
        )
    } else {
        (
            Status::Fail,
            format!(
                "workspace '{name}': logging stopped and resumed ({} gap{} longer than {max_h} hours): {}",
                gaps.len(),
                if gaps.len() == 1 { "" } else { "s" },
                gaps.join("; ")
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
    fn steady_tables_pass_and_a_trailing_silence_is_no_gap() {
        let mut inv = with_workspace(WS, true);
        let mut rows = steady("SigninLogs", 300, 0);
        // Rows every 24 hours exactly: 23 empty hours between, not a gap.
        rows.extend((0..12).map(|i| ("AzureActivity", 40 + 24 * i, 3)));
        // Silent for the last 100 hours: AZ-FLOW-001's business, not a gap.
        rows.extend(steady("AuditLogs", 300, 100));
        set_queries(&mut inv, WS, Ok(hourly(&rows)), Ok(vec![]), Ok(vec![]));
        assert_result(&run(&CHECK, &inv), WS, Status::Pass, "none of the 3 security tables with rows in the last 14 days has a gap longer than 24 hours");
    }

    #[test]
    fn stopped_and_resumed_fails_naming_each_gap() {
        let mut inv = with_workspace(WS, true);
        let mut rows = steady("SigninLogs", 300, 200);
        rows.extend(steady("SigninLogs", 150, 0));
        rows.extend(vec![("Syslog", 80, 1), ("Syslog", 54, 1), ("Syslog", 2, 1)]);
        set_queries(&mut inv, WS, Ok(hourly(&rows)), Ok(vec![]), Ok(vec![]));
        let f = run(&CHECK, &inv);
        assert_result(&f, WS, Status::Fail, "logging stopped and resumed (3 gaps longer than 24 hours): SigninLogs: no rows for 2 days 1 hours from 2026-11-12T02:00Z to 2026-11-14T03:00Z; Syslog: no rows for 25 hours from 2026-11-17T02:00Z to 2026-11-18T03:00Z; Syslog: no rows for 2 days 3 hours");
        let mut p = Params::defaults();
        p.flow_max_silence_hours = 51;
        assert_result(
            &run_with(&CHECK, &inv, &p),
            WS,
            Status::Pass,
            "longer than 51 hours",
        );
    }

    #[test]
    fn no_rows_is_not_applicable_and_a_failed_query_an_error() {
        let mut inv = with_workspace(WS, true);
        set_queries(&mut inv, WS, Ok(vec![]), Ok(vec![]), Ok(vec![]));
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::NotApplicable,
            "no gap to measure",
        );
        set_queries(&mut inv, WS, Err(timed_out(WS)), Ok(vec![]), Ok(vec![]));
        assert_result(&run(&CHECK, &inv), WS, Status::Error, "(Q1)");
    }
}
