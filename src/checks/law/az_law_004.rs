//! AZ-LAW-004: the workspace does not purge data immediately after 30 days.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-LAW-004",
    title: "Log Analytics workspace does not purge data immediately after 30 days",
    family: Family::Law,
    severity: Severity::Low,
    scope: Scope::Resource,
    condition: "`features.immediatePurgeDataOn30Days` is not true (absent or false passes).",
    rationale: "With immediatePurgeDataOn30Days set, data older than 30 days is removed at once and cannot be recovered, \
whatever the retention settings suggest. Anyone able to change workspace settings can use it to make a month of evidence \
disappear, and a responder who expects the usual grace period finds nothing.",
    reads: "10",
    parameters: &[Param::LawMinRetentionDays],
    references: &[attack("T1070")],
    remediation: Remediation {
        portal: &[
            "The flag is not exposed in the portal: use the CLI command or the template below to set features.immediatePurgeDataOn30Days to false.",
            "Then review who can write workspace settings (Log Analytics Contributor and above), and alert on workspace writes (AZ-MON-007).",
        ],
        cli: "az resource update --ids {id} --set properties.features.immediatePurgeDataOn30Days=false",
        bicep: r#"resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: workspaceName
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: {law_min_retention_days}
    features: {
      immediatePurgeDataOn30Days: false
    }
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_item(
        ctx.inv,
        "Log Analytics workspaces",
        "Log Analytics workspace",
        |s| &s.workspaces,
        |out, sub, ws| {
            let name = ws.display_name();
            let flag = ws
                .properties
                .as_ref()
                .and_then(|p| p.features.as_ref())
                .and_then(|f| f.immediate_purge_data_on30_days);
            match flag {
                Some(true) => out.fail(
                    &ws.id,
                    Some(&sub.id),
                    format!("workspace '{name}' has features.immediatePurgeDataOn30Days true: data older than 30 days is purged at once"),
                ),
                Some(false) => out.pass(
                    &ws.id,
                    Some(&sub.id),
                    format!("workspace '{name}' has features.immediatePurgeDataOn30Days false"),
                ),
                None => out.pass(
                    &ws.id,
                    Some(&sub.id),
                    format!("workspace '{name}' does not set features.immediatePurgeDataOn30Days"),
                ),
            };
        },
    );
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    #[test]
    fn immediate_purge_true_false_and_absent() {
        let mut inv = inv();
        let on = rid("rg", "Microsoft.OperationalInsights/workspaces", "law-on");
        let off = rid("rg", "Microsoft.OperationalInsights/workspaces", "law-off");
        let absent = rid(
            "rg",
            "Microsoft.OperationalInsights/workspaces",
            "law-absent",
        );
        let no_props = rid(
            "rg",
            "Microsoft.OperationalInsights/workspaces",
            "law-noprops",
        );
        sub(&mut inv).workspaces = Ok(listing(vec![
            json!({"id": on, "name": "law-on", "properties": {"features": {"immediatePurgeDataOn30Days": true, "enableLogAccessUsingOnlyResourcePermissions": true}}}),
            json!({"id": off, "name": "law-off", "properties": {"features": {"immediatePurgeDataOn30Days": false}}}),
            json!({"id": absent, "name": "law-absent", "properties": {"features": {"legacy": 0}}}),
            json!({"id": no_props, "name": "law-noprops"}),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &on,
            Status::Fail,
            "workspace 'law-on' has features.immediatePurgeDataOn30Days true",
        );
        assert_result(&f, &off, Status::Pass, "immediatePurgeDataOn30Days false");
        assert_result(&f, &absent, Status::Pass, "does not set");
        assert_result(&f, &no_props, Status::Pass, "does not set");
    }

    #[test]
    fn malformed_workspace_and_failed_list_are_errors() {
        let mut inv = with_second(inv());
        let bad = rid("rg", "Microsoft.OperationalInsights/workspaces", "law-bad");
        sub(&mut inv).workspaces = Ok(listing(vec![
            json!({"id": bad, "properties": {"features": {"immediatePurgeDataOn30Days": "false"}}}),
        ]));
        sub_n(&mut inv, 1).workspaces = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.OperationalInsights/workspaces",
        ));
        let f = run(&CHECK, &inv);
        assert_result(&f, &bad, Status::Error, "could not be parsed");
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the Log Analytics workspaces list",
        );
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn remediation_uses_the_retention_in_force() {
        let params = Params {
            law_min_retention_days: 365,
            ..Params::defaults()
        };
        let bicep = CHECK.remediation.filled(&params).bicep;
        assert!(bicep.contains("retentionInDays: 365"), "{bicep}");
    }
}
