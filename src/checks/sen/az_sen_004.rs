//! AZ-SEN-004: UEBA is enabled on each onboarded Sentinel workspace.

use super::support::each_onboarded_workspace;
use super::*;
use crate::inventory::{eq_ci, lookup, SentinelSetting};

pub static CHECK: Check = Check {
    id: "AZ-SEN-004",
    title: "Sentinel User and Entity Behavior Analytics (UEBA) is enabled",
    family: Family::Sen,
    severity: Severity::Low,
    scope: Scope::Resource,
    condition: "UEBA is enabled on each workspace onboarded to Microsoft Sentinel: the `EntityAnalytics` setting has a \
non-empty `entityProviders` and the `Ueba` setting has a non-empty `dataSources` (settings matched by kind or name). \
Workspaces not onboarded are not applicable.",
    rationale: "UEBA builds behavioural baselines of users and hosts and enriches every entity with its identity data, so a \
responder can see at once whether a sign-in, a resource deletion or a mass download was anomalous for that account. Without \
it the BehaviorAnalytics and IdentityInfo tables stay empty and every 'is this normal?' question needs manual baselining.",
    reads: "22, 25",
    parameters: &[],
    references: &[baseline_ref("UEBA on")],
    remediation: Remediation {
        portal: &[
            "Open Microsoft Sentinel, select the workspace, then Settings > Settings > Entity behavior analytics > Set UEBA.",
            "Turn on UEBA, sync entities from Microsoft Entra ID, and select the data sources (AuditLogs, AzureActivity, SigninLogs, SecurityEvent), then Apply.",
        ],
        cli: "az rest --method put --url https://management.azure.com{id}/providers/Microsoft.SecurityInsights/settings/Ueba?api-version=2025-07-01-preview \
--body '{\"kind\":\"Ueba\",\"properties\":{\"dataSources\":[\"AuditLogs\",\"AzureActivity\",\"SigninLogs\",\"SecurityEvent\"]}}'",
        bicep: r#"param workspaceName string
resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: workspaceName
}
resource entityAnalytics 'Microsoft.SecurityInsights/settings@2025-07-01-preview' = {
  scope: workspace
  name: 'EntityAnalytics'
  kind: 'EntityAnalytics'
  properties: { entityProviders: ['AzureActiveDirectory'] }
}
resource ueba 'Microsoft.SecurityInsights/settings@2025-07-01-preview' = {
  scope: workspace
  name: 'Ueba'
  kind: 'Ueba'
  properties: { dataSources: ['AuditLogs', 'AzureActivity', 'SigninLogs', 'SecurityEvent'] }
  dependsOn: [entityAnalytics]
}"#,
    },
    evaluate,
};

fn find<'a>(settings: &'a [SentinelSetting], which: &str) -> Option<&'a SentinelSetting> {
    settings
        .iter()
        .find(|s| eq_ci(s.kind.as_deref(), which))
        .or_else(|| settings.iter().find(|s| eq_ci(s.name.as_deref(), which)))
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    each_onboarded_workspace(&mut out, ctx.inv, |out, sub, ws, name| {
        let settings = match lookup(&ctx.inv.reads.sentinel_settings, ws, "Sentinel settings") {
            Ok(s) => s,
            Err(e) => {
                out.read_error(
                    ws,
                    Some(&sub.id),
                    &format!("the Sentinel settings of workspace '{name}'"),
                    &e,
                );
                return;
            }
        };
        let props = |s: Option<&SentinelSetting>| s.and_then(|s| s.properties.clone());
        let providers = props(find(&settings.items, "EntityAnalytics"))
            .and_then(|p| p.entity_providers)
            .unwrap_or_default();
        let sources = props(find(&settings.items, "Ueba"))
            .and_then(|p| p.data_sources)
            .unwrap_or_default();
        let mut missing = Vec::new();
        if providers.is_empty() {
            missing.push(match find(&settings.items, "EntityAnalytics") {
                Some(_) => "the EntityAnalytics setting has no entityProviders",
                None => "there is no EntityAnalytics setting",
            });
        }
        if sources.is_empty() {
            missing.push(match find(&settings.items, "Ueba") {
                Some(_) => "the Ueba setting has no dataSources",
                None => "there is no Ueba setting",
            });
        }
        if missing.is_empty() {
            out.pass(
                ws,
                Some(&sub.id),
                format!(
                    "UEBA is on for workspace '{name}': entity providers {}, data sources {}",
                    providers.join(", "),
                    sources.join(", ")
                ),
            );
            return;
        }
        let found = format!(
            "UEBA is not enabled on workspace '{name}': {}",
            missing.join(" and ")
        );
        out.fail_unless_unreadable(ws, Some(&sub.id), found, &settings.malformed, "setting(s)");
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::{norm_id, Inventory};
    use serde_json::{json, Value};

    fn setting(kind: &str, props: Value) -> Value {
        json!({"id": format!("{WS}/providers/Microsoft.SecurityInsights/settings/{kind}"), "name": kind, "kind": kind,
               "properties": props})
    }

    fn entity(providers: Value) -> Value {
        setting("EntityAnalytics", json!({"entityProviders": providers}))
    }

    fn ueba(sources: Value) -> Value {
        setting("Ueba", json!({"dataSources": sources}))
    }

    fn estate(settings: Vec<Value>) -> Inventory {
        let mut inv = inv();
        sub(&mut inv).workspaces = Ok(listing(vec![json!({"id": WS, "name": "law-sec"})]));
        inv.reads
            .onboarding_states
            .insert(norm_id(WS), Ok(listing(vec![json!({"name": "default"})])));
        inv.reads
            .sentinel_settings
            .insert(norm_id(WS), Ok(listing(settings)));
        inv
    }

    #[test]
    fn ueba_on() {
        let inv = estate(vec![
            setting("Anomalies", json!({"isEnabled": true})),
            entity(json!(["AzureActiveDirectory"])),
            ueba(json!(["AuditLogs", "SigninLogs"])),
        ]);
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Pass,
            "entity providers AzureActiveDirectory, data sources AuditLogs, SigninLogs",
        );
        // Matched by name when kind is absent.
        let inv = estate(vec![
            json!({"name": "EntityAnalytics", "properties": {"entityProviders": ["ActiveDirectory"]}}),
            json!({"name": "ueba", "properties": {"dataSources": ["SecurityEvent"]}}),
        ]);
        assert_eq!(status(&run(&CHECK, &inv), WS), Status::Pass);
    }

    #[test]
    fn ueba_off() {
        let f = run(
            &CHECK,
            &estate(vec![entity(json!([])), ueba(json!(["AuditLogs"]))]),
        );
        assert_result(
            &f,
            WS,
            Status::Fail,
            "the EntityAnalytics setting has no entityProviders",
        );
        let f = run(
            &CHECK,
            &estate(vec![
                entity(json!(["AzureActiveDirectory"])),
                ueba(json!(null)),
            ]),
        );
        assert_result(&f, WS, Status::Fail, "the Ueba setting has no dataSources");
        let f = run(&CHECK, &estate(vec![]));
        assert_result(
            &f,
            WS,
            Status::Fail,
            "there is no EntityAnalytics setting and there is no Ueba setting",
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
        // Onboarding states holding only an unparsable item: cannot tell.
        inv.reads
            .onboarding_states
            .insert(norm_id(WS), Ok(listing(vec![json!("default")])));
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Error,
            "onboarding state could not be parsed",
        );

        let mut inv = estate(vec![]);
        inv.reads
            .sentinel_settings
            .insert(norm_id(WS), Err(forbidden("settings")));
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Error,
            "Sentinel settings of workspace 'law-sec'",
        );

        let inv = estate(vec![
            entity(json!(["AzureActiveDirectory"])),
            setting("Ueba", json!({"dataSources": "AuditLogs"})),
        ]);
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Error,
            "1 setting(s) could not be parsed",
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
