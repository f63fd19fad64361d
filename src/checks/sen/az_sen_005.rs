//! AZ-SEN-005: the enabled analytics rules of each onboarded workspace cover
//! the ATT&CK techniques of `required_detection_techniques`; and the
//! techniques × workspaces matrix the report shows.

use super::support::{each_onboarded_workspace, onboarding, Onboarding};
use super::*;
use crate::inventory::{lookup, AlertRule, Inventory, Listing};

pub static CHECK: Check = Check {
    id: "AZ-SEN-005",
    title: "Sentinel analytics rules cover the required ATT&CK techniques",
    family: Family::Sen,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "(onboarded workspaces) For each technique of `required_detection_techniques` an enabled analytics \
rule lists it: in `properties.techniques`, or a sub-technique of it in `properties.subTechniques` (T1562.008 covers \
T1562); one result per workspace naming the uncovered techniques.",
    rationale: "Logs nobody queries detect nothing. When the techniques an attacker uses to blind the SOC (T1562 \
impair defenses, T1070 indicator removal) or to get in and take data (T1078 valid accounts, T1110 brute force, T1530 \
cloud storage, T1555 credential stores) have no enabled analytics rule, the evidence arrives and no one is told; the \
matrix in the report shows which workspace lacks which detection.",
    reads: "22, 24",
    parameters: &[Param::RequiredDetectionTechniques],
    references: &[mcsb("LT-1")],
    remediation: Remediation {
        portal: &[
            "Open Microsoft Sentinel > the workspace > Content hub, and install the solutions whose analytics rules cover the uncovered techniques ({required_detection_techniques}).",
            "Open Analytics > Rule templates, filter by MITRE ATT&CK technique, and create and enable a rule for each uncovered technique.",
            "For a custom rule, set its tactics, techniques and sub-techniques so coverage can be measured.",
        ],
        cli: "az sentinel alert-rule list --resource-group {resource_group} --workspace-name {name} \
--query \"[?enabled].{rule:displayName, techniques:techniques, subTechniques:subTechniques}\" --output table",
        bicep: r#"resource rule 'Microsoft.SecurityInsights/alertRules@2025-09-01' = {
  scope: workspace
  name: guid('diagnostic-settings-deleted')
  kind: 'Scheduled'
  properties: {
    displayName: 'Diagnostic setting deleted'
    enabled: true
    severity: 'High'
    query: 'AzureActivity | where OperationNameValue =~ "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE" and ActivityStatusValue =~ "Success"'
    queryFrequency: 'PT1H'
    queryPeriod: 'PT1H'
    triggerOperator: 'GreaterThan'
    triggerThreshold: 0
    suppressionDuration: 'PT1H'
    suppressionEnabled: false
    tactics: [ 'DefenseEvasion' ]
    techniques: [ 'T1562' ]
    subTechniques: [ 'T1562.008' ]
  }
}"#,
    },
    evaluate,
};

/// Whether a listed id covers a required technique: the same id, or a
/// sub-technique of it (`T1562.008` covers `T1562`).
fn covers(listed: &str, required: &str) -> bool {
    let r = required.trim().to_ascii_uppercase();
    listed == r
        || listed
            .strip_prefix(&r)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// For each required technique, the names of the enabled rules that cover it.
fn coverage<'r>(rules: &'r Listing<AlertRule>, required: &[String]) -> Vec<(String, Vec<&'r str>)> {
    let enabled: Vec<(&str, Vec<String>)> = rules
        .items
        .iter()
        .filter(|r| r.properties.as_ref().and_then(|p| p.enabled) == Some(true))
        .map(|r| (r.name.as_deref().unwrap_or("(unnamed)"), r.techniques()))
        .collect();
    required
        .iter()
        .map(|t| {
            let by: Vec<&str> = enabled
                .iter()
                .filter(|(_, listed)| listed.iter().any(|l| covers(l, t)))
                .map(|(n, _)| *n)
                .collect();
            (t.trim().to_string(), by)
        })
        .collect()
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    let required = &ctx.params.required_detection_techniques;
    each_onboarded_workspace(&mut out, ctx.inv, |out, sub, ws, name| {
        let Some(rules) = analytics_rules(out, ctx.inv, sub, ws, name) else {
            return;
        };
        let cov = coverage(rules, required);
        let uncovered: Vec<&str> = cov
            .iter()
            .filter(|(_, by)| by.is_empty())
            .map(|(t, _)| t.as_str())
            .collect();
        if uncovered.is_empty() {
            out.pass(
                ws,
                Some(&sub.id),
                format!(
                    "the enabled analytics rules of workspace '{name}' cover all {} required techniques ({})",
                    cov.len(),
                    required.join(", ")
                ),
            );
            return;
        }
        let found = format!(
            "no enabled analytics rule of workspace '{name}' covers {} of the {} required techniques: {}",
            uncovered.len(),
            cov.len(),
            uncovered.join(", ")
        );
        // A rule that could not be parsed might cover them.
        out.fail_unless_unreadable(ws, Some(&sub.id), found, &rules.malformed, "rule(s)");
    });
    out.done()
}

/// One onboarded workspace's row of the detection matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixRow {
    pub workspace: String,
    pub subscription: String,
    /// Per technique of `techniques`, in order: the enabled rules covering it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub covered_by: Option<Vec<Vec<String>>>,
    /// Why the rules could not be read (then `covered_by` is absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The techniques × workspaces matrix of AZ-SEN-005.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetectionMatrix {
    pub techniques: Vec<String>,
    pub workspaces: Vec<MatrixRow>,
}

/// The matrix over every onboarded workspace of the scanned subscriptions
/// (workspace order as listed, subscriptions in inventory order).
pub fn detection_matrix(inv: &Inventory, params: &Params) -> DetectionMatrix {
    let required = &params.required_detection_techniques;
    let mut rows = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for sub in inv.scanned() {
        let Ok(workspaces) = &sub.workspaces else {
            continue;
        };
        for ws in crate::checks::drivers::listed_ids(workspaces, |w| &w.id) {
            if onboarding(inv, ws) != Onboarding::Onboarded || !seen.insert(norm_id(ws)) {
                continue;
            }
            let (covered_by, error) =
                match lookup(&inv.reads.alert_rules, ws, "Sentinel analytics rules") {
                    Ok(rules) => (
                        Some(
                            coverage(rules, required)
                                .into_iter()
                                .map(|(_, by)| by.into_iter().map(str::to_string).collect())
                                .collect(),
                        ),
                        None,
                    ),
                    Err(e) => (None, Some(e.to_string())),
                };
            rows.push(MatrixRow {
                workspace: ws.to_string(),
                subscription: sub.id.clone(),
                covered_by,
                error,
            });
        }
    }
    DetectionMatrix {
        techniques: required.iter().map(|t| t.trim().to_string()).collect(),
        workspaces: rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::norm_id;
    use serde_json::{json, Value};

    fn rule(name: &str, enabled: bool, techniques: Value, subs: Value) -> Value {
        json!({"id": format!("{WS}/providers/Microsoft.SecurityInsights/alertRules/{name}"), "name": name, "kind": "Scheduled",
               "properties": {"displayName": name, "enabled": enabled, "techniques": techniques, "subTechniques": subs}})
    }

    fn estate(rules: Vec<Value>) -> Inventory {
        let mut inv = inv();
        sub(&mut inv).workspaces = Ok(listing(vec![json!({"id": WS, "name": "law-sec"})]));
        inv.reads.onboarding_states.insert(norm_id(WS), Ok(listing(vec![json!({"id": format!("{WS}/providers/Microsoft.SecurityInsights/onboardingStates/default"), "name": "default"})])));
        inv.reads
            .alert_rules
            .insert(norm_id(WS), Ok(listing(rules)));
        inv
    }

    fn params(required: &[&str]) -> Params {
        let mut p = crate::profile::Baseline::default().params;
        p.required_detection_techniques = required.iter().map(|s| s.to_string()).collect();
        p
    }

    #[test]
    fn sub_techniques_cover_their_technique_and_disabled_rules_do_not() {
        let inv = estate(vec![
            rule("tamper", true, json!([]), json!(["T1562.008"])),
            rule("brute", true, json!(["t1110"]), json!(null)),
            rule("off", false, json!(["T1070"]), json!([])),
            rule("near", true, json!(["T15620"]), json!([])),
        ]);
        let p = params(&["T1562", "T1110", "T1070"]);
        let f = run_with(&CHECK, &inv, &p);
        assert_result(
            &f,
            WS,
            Status::Fail,
            "covers 1 of the 3 required techniques: T1070",
        );
        let m = detection_matrix(&inv, &p);
        assert_eq!(m.techniques, vec!["T1562", "T1110", "T1070"]);
        assert_eq!(
            m.workspaces[0].covered_by,
            Some(vec![
                vec!["tamper".to_string()],
                vec!["brute".to_string()],
                vec![]
            ])
        );
        let f = run_with(&CHECK, &inv, &params(&["T1562", "T1110"]));
        assert_result(&f, WS, Status::Pass, "cover all 2");
    }

    #[test]
    fn unreadable_rules_are_error_never_fail_or_pass() {
        let mut inv = estate(vec![rule("x", true, json!(["T1562"]), json!([]))]);
        inv.reads
            .alert_rules
            .insert(norm_id(WS), Err(forbidden("GET alertRules")));
        let f = run_with(&CHECK, &inv, &params(&["T1562"]));
        assert_eq!(status(&f, WS), Status::Error);
        assert!(detection_matrix(&inv, &params(&["T1562"])).workspaces[0]
            .error
            .is_some());
        // A malformed rule might cover what is missing: error, not fail.
        let inv = estate(vec![
            json!({"id": format!("{WS}/providers/Microsoft.SecurityInsights/alertRules/bad"), "name": 7}),
        ]);
        assert_eq!(
            status(&run_with(&CHECK, &inv, &params(&["T1562"])), WS),
            Status::Error
        );
    }

    #[test]
    fn real_scheduled_rule_bodies_are_read() {
        let text = include_str!(
            "../../../tests/fixtures/arm-examples/securityinsights/GetScheduledAlertRule.json"
        );
        let doc: Value = serde_json::from_str(text).unwrap();
        let body = doc["responses"]["200"]["body"].clone();
        let techniques = body["properties"]["techniques"].clone();
        assert!(
            techniques.as_array().is_some_and(|a| !a.is_empty()),
            "{body}"
        );
        let first = techniques[0].as_str().unwrap().to_string();
        let inv = estate(vec![body]);
        let f = run_with(&CHECK, &inv, &params(&[first.as_str()]));
        assert_eq!(status(&f, WS), Status::Pass, "{f:?}");
    }
}
