//! AZ-SEN-003: each onboarded Sentinel workspace has an enabled analytics rule.

use super::support::each_onboarded_workspace;
use super::*;

pub static CHECK: Check = Check {
    id: "AZ-SEN-003",
    title: "Sentinel workspaces have at least one enabled analytics rule",
    family: Family::Sen,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "Each workspace onboarded to Microsoft Sentinel has at least one analytics (alert) rule whose \
`properties.enabled` is true. Workspaces not onboarded are not applicable.",
    rationale: "Analytics rules are what turn collected logs into incidents. A Sentinel workspace without an enabled rule \
stores evidence but raises nothing: the attack is discovered by someone else, late, and the responder starts without the \
incident timeline and entity mapping the rules would have built.",
    reads: "22, 24",
    parameters: &[],
    references: &[mcsb("LT-1")],
    remediation: Remediation {
        portal: &[
            "Open Microsoft Sentinel, select the workspace, then Analytics.",
            "Under Rule templates, enable at least the 'Advanced Multistage Attack Detection' (Fusion) rule and the Microsoft Security incident creation rules, then create scheduled rules from the templates of your connected sources.",
        ],
        cli: "az rest --method put --url https://management.azure.com{id}/providers/Microsoft.SecurityInsights/alertRules/BuiltInFusion?api-version=2025-09-01 \
--body '{\"kind\":\"Fusion\",\"properties\":{\"enabled\":true,\"alertRuleTemplateName\":\"f71aba3d-28fb-450b-b192-4e76a83015c8\"}}'",
        bicep: r#"param workspaceName string
resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: workspaceName
}
resource fusion 'Microsoft.SecurityInsights/alertRules@2025-09-01' = {
  scope: workspace
  name: 'BuiltInFusion'
  kind: 'Fusion'
  properties: {
    enabled: true
    alertRuleTemplateName: 'f71aba3d-28fb-450b-b192-4e76a83015c8'
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    each_onboarded_workspace(&mut out, ctx.inv, |out, sub, ws, name| {
        let Some(rules) = analytics_rules(out, ctx.inv, sub, ws, name) else {
            return;
        };
        let enabled: Vec<&crate::inventory::AlertRule> = rules
            .items
            .iter()
            .filter(|r| r.properties.as_ref().and_then(|p| p.enabled) == Some(true))
            .collect();
        if let Some(first) = enabled.first() {
            out.pass(
                ws,
                Some(&sub.id),
                format!(
                    "workspace '{name}' has {} enabled analytics rule(s) of {}, e.g. '{}'{}",
                    enabled.len(),
                    rules.items.len(),
                    first.name.as_deref().unwrap_or("(unnamed)"),
                    first
                        .kind
                        .as_deref()
                        .map(|k| format!(" ({k})"))
                        .unwrap_or_default()
                ),
            );
            return;
        }
        let found = if rules.items.is_empty() {
            format!("workspace '{name}' has no analytics rule")
        } else {
            format!(
                "none of the {} analytics rule(s) of workspace '{name}' is enabled",
                rules.items.len()
            )
        };
        out.fail_unless_unreadable(ws, Some(&sub.id), found, &rules.malformed, "rule(s)");
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::{norm_id, Inventory};
    use serde_json::{json, Value};

    fn rule(name: &str, enabled: Value) -> Value {
        json!({"id": format!("{WS}/providers/Microsoft.SecurityInsights/alertRules/{name}"), "name": name, "kind": "Scheduled",
               "properties": {"displayName": name, "enabled": enabled, "severity": "High"}})
    }

    fn estate(rules: Vec<Value>) -> Inventory {
        let mut inv = inv();
        sub(&mut inv).workspaces = Ok(listing(vec![json!({"id": WS, "name": "law-sec"})]));
        inv.reads
            .onboarding_states
            .insert(norm_id(WS), Ok(listing(vec![json!({"name": "default"})])));
        inv.reads
            .alert_rules
            .insert(norm_id(WS), Ok(listing(rules)));
        inv
    }

    #[test]
    fn enabled_rule_passes() {
        let inv = estate(vec![rule("off", json!(false)), rule("on", json!(true))]);
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Pass,
            "1 enabled analytics rule(s) of 2, e.g. 'on' (Scheduled)",
        );
    }

    #[test]
    fn no_enabled_rule_fails() {
        let f = run(
            &CHECK,
            &estate(vec![rule("off", json!(false)), rule("unset", json!(null))]),
        );
        assert_result(&f, WS, Status::Fail, "none of the 2 analytics rule(s)");
        assert_result(
            &run(&CHECK, &estate(vec![])),
            WS,
            Status::Fail,
            "has no analytics rule",
        );
    }

    #[test]
    fn not_onboarded_and_errors() {
        let mut inv = estate(vec![]);
        inv.reads
            .onboarding_states
            .insert(norm_id(WS), Ok(listing(vec![])));
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::NotApplicable,
            "not onboarded",
        );

        inv.reads
            .onboarding_states
            .insert(norm_id(WS), Err(forbidden("onboardingStates")));
        assert_result(&run(&CHECK, &inv), WS, Status::Error, "onboarding states");

        let mut inv = estate(vec![]);
        inv.reads
            .alert_rules
            .insert(norm_id(WS), Err(forbidden("alertRules")));
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Error,
            "analytics rules of workspace 'law-sec'",
        );
        inv.reads.alert_rules.clear();
        assert_result(&run(&CHECK, &inv), WS, Status::Error, "was not read");

        // A rule that could not be parsed might be the enabled one; a parsed enabled one stands.
        let bad = json!({"id": "/r", "properties": {"enabled": "true"}});
        assert_result(
            &run(
                &CHECK,
                &estate(vec![rule("off", json!(false)), bad.clone()]),
            ),
            WS,
            Status::Error,
            "1 rule(s) could not be parsed",
        );
        assert_result(
            &run(&CHECK, &estate(vec![rule("on", json!(true)), bad])),
            WS,
            Status::Pass,
            "'on'",
        );

        let mut inv = estate(vec![]);
        sub(&mut inv).workspaces = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.OperationalInsights/workspaces",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(&f, &sub_id(), Status::Error, "workspaces list");
    }
}
