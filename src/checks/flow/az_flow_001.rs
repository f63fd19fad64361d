//! AZ-FLOW-001: no security table of a SOC workspace has gone silent.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-FLOW-001",
    title: "Security tables of SOC workspaces are not silent",
    family: Family::Flow,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "For every SOC workspace (onboarded to Sentinel, or named as `workspaceId` by a diagnostic setting or \
as a `logAnalytics` destination by a data collection rule), every table of `security_tables` that received rows in \
the last `flow_lookback_days` days has been silent for at most `flow_max_silence_hours` hours: the time from the end \
of its last hour with rows to the scan time. One result per workspace names each silent table and its last hour with \
rows. A SOC workspace where no security table received a row in the whole window fails (\"no security data \
arrived\"). A failed query is `error`.",
    rationale: "Configuration only says that evidence should arrive. A table that received sign-ins or audit events \
for days and then nothing is the trace of a source that was switched off, disconnected or broken: an attacker who \
disables a diagnostic setting, removes a connector or stops an agent leaves exactly this silence (the rule from the \
investigation notes: no audit log for 24 hours is suspicious). Nobody notices a log that stops arriving unless \
something looks for the silence.",
    reads: "28 (with 10, 22, and 2, 5, 12, 35 to find SOC workspaces)",
    parameters: &[Param::SecurityTables, Param::FlowLookbackDays, Param::FlowMaxSilenceHours],
    references: &[attack("T1562.008"), attack("T1070")],
    remediation: Remediation {
        portal: &[
            "Open the Log Analytics workspace > Logs and run: union withsource=T {security_tables} | summarize max(TimeGenerated) by T, to see when each table last received rows (the `az` command below needs the workspace's Workspace ID, shown on its Overview page).",
            "For each silent table, find its source: the diagnostic setting, Entra ID setting, Sentinel data connector or data collection rule that feeds it, and check that it still exists, is enabled and points at this workspace.",
            "Check the Activity Log of the source's subscription for who deleted or changed the setting, then restore it.",
            "Add an analytics rule or log alert that fires when a security table receives no rows for {flow_max_silence_hours} hours.",
        ],
        cli: "az monitor log-analytics query --workspace <workspace-customer-id> --analytics-query 'union withsource=T * | summarize LastRow=max(TimeGenerated) by T' --timespan P{flow_lookback_days}D",
        bicep: r#"// Alert when a security table goes silent (one rule per table, or a union)
resource silence 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'security-table-silence'
  location: location
  properties: {
    enabled: true
    severity: 1
    scopes: [ workspaceId ]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: 'SigninLogs | where TimeGenerated > ago({flow_max_silence_hours}h) | count'
          timeAggregation: 'Total'
          metricMeasureColumn: 'Count'
          operator: 'LessThanOrEqual'
          threshold: 0
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
        |ws, name| activity(ctx.inv, ctx.params, ws, name),
        |a, name| judge(a, ctx.params, name),
    )
}

fn judge(a: &Activity, params: &Params, name: &str) -> (Status, String) {
    let days = params.flow_lookback_days;
    if !a.any_rows() {
        return (
            Status::Fail,
            format!(
                "workspace '{name}': no security data arrived: none of the {} security tables received a row in the last {days} days",
                a.tables.len()
            ),
        );
    }
    let max = params.flow_max_silence_hours * HOUR;
    let with_rows = a.with_rows().count();
    let silent: Vec<String> = a
        .with_rows()
        .filter_map(|t| {
            let s = t.silence(a.window)?;
            (s > max).then(|| {
                format!(
                    "{} silent for {} (last rows in the hour from {})",
                    t.table,
                    duration_label(s),
                    hour_label(t.last_hour().unwrap_or_default())
                )
            })
        })
        .collect();
    let none: Vec<&str> = a
        .tables
        .iter()
        .filter(|t| t.hours.is_empty())
        .map(|t| t.table)
        .collect();
    let quiet = if none.is_empty() {
        String::new()
    } else {
        format!(
            "; {} received no row in the window and {} not judged: {}",
            none.len(),
            if none.len() == 1 { "is" } else { "are" },
            none.join(", ")
        )
    };
    if silent.is_empty() {
        (
            Status::Pass,
            format!(
                "workspace '{name}': {with_rows} security tables received rows in the last {days} days, none silent for more than {} hours{quiet}",
                params.flow_max_silence_hours
            ),
        )
    } else {
        (
            Status::Fail,
            format!(
                "workspace '{name}': {} of {with_rows} security tables with rows went silent for more than {} hours: {}{quiet}",
                silent.len(),
                params.flow_max_silence_hours,
                silent.join("; ")
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
    fn tables_with_recent_rows_pass_and_quiet_tables_are_named_not_judged() {
        let mut inv = with_workspace(WS, true);
        let mut rows = steady("SigninLogs", 300, 0);
        rows.extend(steady("AuditLogs", 300, 23));
        set_queries(&mut inv, WS, Ok(hourly(&rows)), Ok(vec![]), Ok(vec![]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        // AuditLogs' last hour ended 22 h 30 min before the scan: within 24 hours.
        assert_result(&f, WS, Status::Pass, "workspace 'law-sec': 2 security tables received rows in the last 14 days, none silent for more than 24 hours; 8 received no row in the window and are not judged: AADNonInteractiveUserSignInLogs");
    }

    #[test]
    fn a_table_silent_for_longer_than_the_limit_fails_with_its_last_hour() {
        let mut inv = with_workspace(WS, true);
        let mut rows = steady("SigninLogs", 300, 0);
        // Case and zero-row hours from the answer do not count as rows.
        rows.extend(steady("auditlogs", 300, 26));
        rows.push(("AuditLogs", 3, 0));
        set_queries(&mut inv, WS, Ok(hourly(&rows)), Ok(vec![]), Ok(vec![]));
        let f = run(&CHECK, &inv);
        assert_result(&f, WS, Status::Fail, "1 of 2 security tables with rows went silent for more than 24 hours: AuditLogs silent for 25 hours 30 minutes (last rows in the hour from 2026-11-19T07:00Z)");
        // A stricter limit makes SigninLogs' half hour count too.
        let mut p = Params::defaults();
        p.flow_max_silence_hours = 1;
        let f = run_with(&CHECK, &inv, &p);
        assert_result(&f, WS, Status::Fail, "1 of 2");
        p.flow_max_silence_hours = 30;
        assert_eq!(status(&run_with(&CHECK, &inv, &p), WS), Status::Pass);
    }

    #[test]
    fn no_security_data_in_the_window_fails_and_rows_outside_it_or_other_tables_do_not_count() {
        let mut inv = with_workspace(WS, true);
        let rows = vec![
            ("SigninLogs", 24 * 15, 50),
            ("Heartbeat", 1, 10),
            ("Perf", 0, 7),
        ];
        set_queries(&mut inv, WS, Ok(hourly(&rows)), Ok(vec![]), Ok(vec![]));
        let f = run(&CHECK, &inv);
        assert_result(&f, WS, Status::Fail, "no security data arrived: none of the 10 security tables received a row in the last 14 days");
    }

    #[test]
    fn the_hour_that_starts_at_the_scan_time_is_after_it_and_hides_no_silence() {
        // A scan time on the hour (the demo's and every generated estate's):
        // rows in the hour starting then are all stamped after the scan time,
        // as rows in a later hour are; neither makes a silent table recent.
        let mut inv = with_workspace(WS, true);
        inv.scan_time = Some(hours_ago(0));
        let mut rows = steady("SigninLogs", 300, 1);
        rows.extend(steady("AuditLogs", 300, 30));
        rows.push(("AuditLogs", 0, 5));
        set_queries(&mut inv, WS, Ok(hourly(&rows)), Ok(vec![]), Ok(vec![]));
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Fail,
            "AuditLogs silent for 29 hours (last rows in the hour from 2026-11-19T03:00Z)",
        );
    }

    #[test]
    fn a_failed_query_or_unknown_scan_time_is_an_error_never_a_pass() {
        let mut inv = with_workspace(WS, true);
        set_queries(&mut inv, WS, Err(timed_out(WS)), Ok(vec![]), Ok(vec![]));
        assert_result(&run(&CHECK, &inv), WS, Status::Error, "could not query workspace 'law-sec' for rows per table and hour (Q1): GatewayTimeout (HTTP 504)");
        let mut inv = with_workspace(WS, true);
        set_queries(
            &mut inv,
            WS,
            Ok(hourly(&steady("SigninLogs", 10, 0))),
            Ok(vec![]),
            Ok(vec![]),
        );
        inv.scan_time = None;
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Error,
            "the scan time is unknown",
        );
        // Queries never made (a recording without them) are an error too.
        let inv = with_workspace(WS, true);
        assert_result(&run(&CHECK, &inv), WS, Status::Error, "were not made");
    }

    #[test]
    fn only_soc_workspaces_are_judged_and_an_unknown_one_is_an_error() {
        // Not onboarded and named by nothing: not a SOC workspace.
        let inv = with_workspace(WS, false);
        assert!(run(&CHECK, &inv).is_empty());
        // Named by a subscription's diagnostic setting: a SOC workspace.
        let mut named = with_workspace(WS, false);
        sub(&mut named).diagnostic_settings = Ok(listing(vec![diag(
            "to-law",
            Some(WS),
            None,
            &[(Some("Administrative"), None, true)],
        )]));
        set_queries(
            &mut named,
            WS,
            Ok(hourly(&steady("AzureActivity", 20, 0))),
            Ok(vec![]),
            Ok(vec![]),
        );
        assert_eq!(status(&run(&CHECK, &named), WS), Status::Pass);
        // Onboarding unreadable and named by nothing: it may be one.
        let mut unknown = with_workspace(WS, false);
        unknown
            .reads
            .onboarding_states
            .insert(norm_id(WS), Err(forbidden("onboardingStates")));
        assert_result(
            &run(&CHECK, &unknown),
            WS,
            Status::Error,
            "could not tell whether workspace 'law-sec' is a SOC workspace",
        );
        // A failed workspace list is one error on the subscription.
        let mut failed = with_workspace(WS, true);
        sub(&mut failed).workspaces = Err(forbidden("workspaces"));
        assert_result(
            &run(&CHECK, &failed),
            &sub_id(),
            Status::Error,
            "could not read the Log Analytics workspaces list",
        );
    }
}
