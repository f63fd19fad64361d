//! AZ-SEN-002: each onboarded Sentinel workspace receives the required sources.

use super::support::{each_onboarded_workspace, join};
use super::*;
use crate::inventory::{lookup, same_id, DataConnector, DiagnosticSetting, Listing};

pub static CHECK: Check = Check {
    id: "AZ-SEN-002",
    title: "Sentinel workspaces receive the required data sources",
    family: Family::Sen,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "Each workspace onboarded to Microsoft Sentinel has every source in `required_sentinel_connectors`: \
`EntraIDLogs` is met when the tenant's Entra ID diagnostic settings send AuditLogs and SignInLogs to this workspace (what \
Sentinel's Entra ID connector sets up; the `AzureActiveDirectory` connector kind carries only Identity Protection alerts); any \
other value is met by a data connector of that `kind` with at least one `dataTypes.*.state` Enabled. Workspaces not \
onboarded are not applicable.",
    rationale: "Sentinel can only detect and investigate what it receives. Entra ID sign-in and audit logs show account \
takeover and privilege changes; Defender for Cloud and Microsoft Defender XDR alerts are the detections a responder triages \
first. A workspace missing one of these sources leaves a whole class of attack invisible in the incident queue and the \
investigation graph.",
    reads: "22, 23, 2",
    parameters: &[Param::RequiredSentinelConnectors],
    references: &[mcsb("LT-1"), mcsb("LT-2")],
    remediation: Remediation {
        portal: &[
            "Open Microsoft Sentinel, select the workspace, then Content hub and install the solution for each missing source (Microsoft Entra ID, Microsoft Defender for Cloud, Microsoft Defender XDR).",
            "Open Data connectors, select the connector and Open connector page, then connect it (for Entra ID tick Sign-in logs and Audit logs).",
        ],
        cli: "az rest --method put --url https://management.azure.com/providers/microsoft.aadiam/diagnosticSettings/sentinel-entra?api-version=2017-04-01 \
--body '{\"properties\":{\"workspaceId\":\"{id}\",\"logs\":[{\"category\":\"AuditLogs\",\"enabled\":true},{\"category\":\"SignInLogs\",\"enabled\":true}]}}'",
        bicep: r#"targetScope = 'tenant'
param workspaceId string
resource entraToSentinel 'microsoft.aadiam/diagnosticSettings@2017-04-01' = {
  name: 'sentinel-entra'
  properties: {
    workspaceId: workspaceId
    logs: [
      { category: 'AuditLogs', enabled: true }
      { category: 'SignInLogs', enabled: true }
    ]
  }
}"#,
    },
    evaluate,
};

const ENTRA: &str = "EntraIDLogs";
const ENTRA_CATEGORIES: [&str; 2] = ["AuditLogs", "SignInLogs"];

/// How one required source stands for a workspace.
enum Source {
    Met,
    Missing(String),
    Unknown(String),
}

fn entra(settings: &Read<Listing<DiagnosticSetting>>, ws: &str) -> Source {
    let settings = match settings {
        Ok(s) => s,
        Err(e) => {
            return Source::Unknown(format!(
                "{ENTRA} (the Entra ID diagnostic settings could not be read: {e})"
            ))
        }
    };
    let to_ws: Vec<&DiagnosticSetting> = settings
        .items
        .iter()
        .filter(|s| s.workspace_id().is_some_and(|w| same_id(w, ws)))
        .collect();
    let missing: Vec<String> = ENTRA_CATEGORIES
        .iter()
        .filter(|c| !to_ws.iter().any(|s| s.enables(c, false)))
        .map(|c| c.to_string())
        .collect();
    if missing.is_empty() {
        return Source::Met;
    }
    let why = format!(
        "{ENTRA} (no Entra ID diagnostic setting sends {} to this workspace)",
        join(&missing)
    );
    match settings.malformed.first() {
        Some(m) => Source::Unknown(format!(
            "{why}, but {} Entra ID diagnostic setting(s) could not be parsed: {}",
            settings.malformed.len(),
            m.error
        )),
        None => Source::Missing(why),
    }
}

fn connector(connectors: &Result<&Listing<DataConnector>, ReadError>, kind: &str) -> Source {
    let connectors = match connectors {
        Ok(c) => c,
        Err(e) => {
            return Source::Unknown(format!(
                "{kind} (the data connectors could not be read: {e})"
            ))
        }
    };
    let of_kind: Vec<&DataConnector> = connectors
        .items
        .iter()
        .filter(|c| {
            c.kind
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case(kind))
        })
        .collect();
    if of_kind.iter().any(|c| c.has_enabled_data_type()) {
        return Source::Met;
    }
    let why = if of_kind.is_empty() {
        format!("{kind} (no data connector of this kind)")
    } else {
        format!("{kind} (connector present but no data type Enabled)")
    };
    match connectors.malformed.first() {
        Some(m) => Source::Unknown(format!(
            "{why}, but {} data connector(s) could not be parsed: {}",
            connectors.malformed.len(),
            m.error
        )),
        None => Source::Missing(why),
    }
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    let required = &ctx.params.required_sentinel_connectors;
    each_onboarded_workspace(&mut out, ctx.inv, |out, sub, ws, name| {
        let connectors = lookup(
            &ctx.inv.reads.data_connectors,
            ws,
            "Sentinel data connectors",
        );
        let mut met = Vec::new();
        let mut missing = Vec::new();
        let mut unknown = Vec::new();
        for r in required {
            let s = if r.eq_ignore_ascii_case(ENTRA) {
                entra(&ctx.inv.entra_diagnostic_settings, ws)
            } else {
                connector(&connectors, r)
            };
            match s {
                Source::Met => met.push(r.clone()),
                Source::Missing(w) => missing.push(w),
                Source::Unknown(w) => unknown.push(w),
            }
        }
        if !missing.is_empty() {
            // A missing source established from what was read stands
            // (baseline, "Every" conditions); the reason names the rest.
            let mut reason = format!("workspace '{name}' is missing {}", missing.join("; "));
            if !unknown.is_empty() {
                reason.push_str(&format!("; could not assess {}", unknown.join("; ")));
            }
            out.fail(ws, Some(&sub.id), reason);
        } else if !unknown.is_empty() {
            out.error(
                ws,
                Some(&sub.id),
                format!(
                    "workspace '{name}': could not assess {}",
                    unknown.join("; ")
                ),
            );
        } else if met.is_empty() {
            out.pass(
                ws,
                Some(&sub.id),
                format!("workspace '{name}': no Sentinel source is required"),
            );
        } else {
            out.pass(
                ws,
                Some(&sub.id),
                format!("workspace '{name}' receives {}", join(&met)),
            );
        }
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::checks::Params;
    use crate::inventory::{norm_id, Inventory};
    use serde_json::{json, Value};

    const WS2: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-other";

    fn dc(kind: &str, state: &str) -> Value {
        json!({"id": format!("{WS}/providers/Microsoft.SecurityInsights/dataConnectors/{kind}"), "name": kind, "kind": kind,
               "properties": {"tenantId": TENANT, "dataTypes": {"alerts": {"state": state}}}})
    }

    fn entra_to(ws: &str, cats: &[&str]) -> Value {
        let logs: Vec<(Option<&str>, Option<&str>, bool)> =
            cats.iter().map(|c| (Some(*c), None, true)).collect();
        diag("to-sentinel", Some(ws), None, &logs)
    }

    /// WS onboarded, with the given connectors and Entra settings.
    fn estate(connectors: Vec<Value>, entra: Vec<Value>) -> Inventory {
        let mut inv = inv();
        sub(&mut inv).workspaces = Ok(listing(vec![json!({"id": WS, "name": "law-sec"})]));
        inv.reads
            .onboarding_states
            .insert(norm_id(WS), Ok(listing(vec![json!({"name": "default"})])));
        inv.reads
            .data_connectors
            .insert(norm_id(WS), Ok(listing(connectors)));
        inv.entra_diagnostic_settings = Ok(listing(entra));
        inv
    }

    fn all_connectors() -> Vec<Value> {
        vec![
            dc("AzureSecurityCenter", "Enabled"),
            dc("MicrosoftThreatProtection", "enabled"),
        ]
    }

    #[test]
    fn all_sources_present() {
        let inv = estate(
            all_connectors(),
            vec![entra_to(&WS.to_uppercase(), &["AuditLogs", "SignInLogs"])],
        );
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Pass,
            "receives EntraIDLogs, AzureSecurityCenter and MicrosoftThreatProtection",
        );
        // Entra categories may come from two settings, or allLogs.
        let inv = estate(
            all_connectors(),
            vec![diag(
                "all",
                Some(WS),
                None,
                &[(None, Some("allLogs"), true)],
            )],
        );
        assert_eq!(status(&run(&CHECK, &inv), WS), Status::Pass);
        let inv = estate(
            all_connectors(),
            vec![entra_to(WS, &["AuditLogs"]), {
                let mut d = entra_to(WS, &["SignInLogs"]);
                d["name"] = json!("second");
                d
            }],
        );
        assert_eq!(status(&run(&CHECK, &inv), WS), Status::Pass);
    }

    #[test]
    fn entra_must_reach_this_workspace() {
        // AzureActiveDirectory connector does not count for EntraIDLogs.
        let mut connectors = all_connectors();
        connectors.push(dc("AzureActiveDirectory", "Enabled"));
        let inv = estate(
            connectors.clone(),
            vec![entra_to(WS2, &["AuditLogs", "SignInLogs"])],
        );
        assert_result(&run(&CHECK, &inv), WS, Status::Fail, "EntraIDLogs (no Entra ID diagnostic setting sends AuditLogs and SignInLogs to this workspace)");
        let inv = estate(connectors, vec![entra_to(WS, &["AuditLogs"])]);
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Fail,
            "sends SignInLogs to this workspace",
        );
    }

    #[test]
    fn connectors_need_an_enabled_data_type() {
        let entra = vec![entra_to(WS, &["AuditLogs", "SignInLogs"])];
        let inv = estate(vec![dc("AzureSecurityCenter", "Disabled")], entra);
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            WS,
            Status::Fail,
            "AzureSecurityCenter (connector present but no data type Enabled)",
        );
        assert_result(
            &f,
            WS,
            Status::Fail,
            "MicrosoftThreatProtection (no data connector of this kind)",
        );
    }

    #[test]
    fn parameter_decides_the_sources() {
        let inv = estate(vec![dc("Office365", "Enabled")], vec![]);
        let p = Params {
            required_sentinel_connectors: vec!["office365".into()],
            ..Params::defaults()
        };
        assert_result(
            &run_with(&CHECK, &inv, &p),
            WS,
            Status::Pass,
            "receives office365",
        );
        // Entra settings unread, but not needed.
        let mut inv = inv;
        inv.entra_diagnostic_settings =
            Err(forbidden("/providers/microsoft.aadiam/diagnosticSettings"));
        assert_eq!(status(&run_with(&CHECK, &inv, &p), WS), Status::Pass);
    }

    #[test]
    fn not_onboarded_is_not_applicable() {
        let mut inv = estate(vec![], vec![]);
        inv.reads
            .onboarding_states
            .insert(norm_id(WS), Ok(listing(vec![])));
        inv.reads.data_connectors.clear();
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::NotApplicable,
            "not onboarded",
        );
    }

    #[test]
    fn errors() {
        let entra = vec![entra_to(WS, &["AuditLogs", "SignInLogs"])];
        // Onboarding read failed.
        let mut inv = estate(all_connectors(), entra.clone());
        inv.reads
            .onboarding_states
            .insert(norm_id(WS), Err(forbidden("onboardingStates")));
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Error,
            "could not read the Sentinel onboarding states",
        );
        // Data connectors read failed, or was not made.
        let mut inv = estate(all_connectors(), entra.clone());
        inv.reads
            .data_connectors
            .insert(norm_id(WS), Err(forbidden("dataConnectors")));
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Error,
            "the data connectors could not be read",
        );
        inv.reads.data_connectors.clear();
        assert_result(&run(&CHECK, &inv), WS, Status::Error, "was not read");
        // Entra settings failed.
        let mut inv = estate(all_connectors(), vec![]);
        inv.entra_diagnostic_settings =
            Err(forbidden("/providers/microsoft.aadiam/diagnosticSettings"));
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Error,
            "Entra ID diagnostic settings could not be read",
        );
        // A malformed connector might be the missing one.
        let inv = estate(
            vec![
                dc("AzureSecurityCenter", "Enabled"),
                json!({"id": "/x", "kind": "MicrosoftThreatProtection", "properties": {"dataTypes": 5}}),
            ],
            entra,
        );
        assert_result(
            &run(&CHECK, &inv),
            WS,
            Status::Error,
            "1 data connector(s) could not be parsed",
        );
        // Workspace list failed: one error on the subscription.
        let mut inv = estate(vec![], vec![]);
        sub(&mut inv).workspaces = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.OperationalInsights/workspaces",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the Log Analytics workspaces list",
        );
    }

    #[test]
    fn upstream_connectors_example() {
        let body: Value =
            serde_json::from_str(arm_example!("securityinsights/GetDataConnectors.json"))
                .expect("json");
        let items = body["responses"]["200"]["body"]["value"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let inv = estate(items, vec![entra_to(WS, &["AuditLogs", "SignInLogs"])]);
        let p = Params {
            required_sentinel_connectors: vec!["EntraIDLogs".into(), "AzureSecurityCenter".into()],
            ..Params::defaults()
        };
        assert_result(
            &run_with(&CHECK, &inv, &p),
            WS,
            Status::Pass,
            "AzureSecurityCenter",
        );
    }

    /// Baseline "Every" conditions: a missing connector found in the list
    /// that was read fails even when the Entra ID settings could not be read.
    #[test]
    fn a_missing_connector_fails_beside_unreadable_entra_settings() {
        let mut inv = estate(vec![dc("AzureSecurityCenter", "Enabled")], vec![]);
        inv.entra_diagnostic_settings =
            Err(forbidden("/providers/microsoft.aadiam/diagnosticSettings"));
        let f = run(&CHECK, &inv);
        assert_result(&f, WS, Status::Fail, "missing MicrosoftThreatProtection");
        assert_result(&f, WS, Status::Fail, "could not assess EntraIDLogs");
        // With every connector present, the unread settings decide: error.
        let mut inv = estate(all_connectors(), vec![]);
        inv.entra_diagnostic_settings =
            Err(forbidden("/providers/microsoft.aadiam/diagnosticSettings"));
        assert_eq!(status(&run(&CHECK, &inv), WS), Status::Error);
    }
}
