//! AZ-DEF-001: the required Defender for Cloud plans are on, fully covering.

use super::*;
use crate::inventory::{eq_ci, last_segment, Pricing};

pub static CHECK: Check = Check {
    id: "AZ-DEF-001",
    title: "Required Defender for Cloud plans are enabled (Standard tier, fully covered)",
    family: Family::Def,
    severity: Severity::High,
    scope: Scope::Subscription,
    condition: "Each plan in `required_defender_plans` has `pricingTier` Standard and, when present, `resourcesCoverageStatus` \
FullyCovered (resource-level exclusions leave resources unprotected); VirtualMachines also has `subPlan` equal to \
`defender_servers_plan` (an absent subPlan on a Standard plan counts as P2, as plans from before sub-plans were). A required \
plan missing from the pricings list fails. One result per plan.",
    rationale: "Defender for Cloud plans are the detection layer: they raise the alerts that start most investigations and \
collect the host, storage, Key Vault and Resource Manager telemetry a responder pivots on. A plan on the Free tier, or one \
with resources excluded, means attacks on those resources raise no alert and leave no Defender evidence; Defender for \
Servers P1 lacks the file integrity monitoring and agentless scanning a host investigation relies on.",
    reads: "16",
    parameters: &[Param::RequiredDefenderPlans, Param::DefenderServersPlan],
    references: &[
        // The spec's "CIS 3.1.x": the v3.0.0 controls that each turn one plan on.
        cis("3.1.3.1"),
        cis("3.1.4.1"),
        cis("3.1.5.1"),
        cis("3.1.6.1"),
        cis("3.1.7.1"),
        cis("3.1.7.2"),
        cis("3.1.7.3"),
        cis("3.1.7.4"),
        cis("3.1.8.1"),
        cis("3.1.9.1"),
        cis("3.1.16"),
        mcsb("LT-1"),
    ],
    remediation: Remediation {
        portal: &[
            "Open Microsoft Defender for Cloud > Environment settings and select the subscription.",
            "On Defender plans, set each required plan ({required_defender_plans}) to On (for Servers choose plan {defender_servers_plan}), and remove resource-level exclusions.",
            "Save.",
        ],
        cli: "az security pricing create --name {name} --tier Standard --subscription {subscription}",
        bicep: r#"targetScope = 'subscription'
// The plans required in force: {required_defender_plans}
param plans array
resource pricing 'Microsoft.Security/pricings@2024-01-01' = [for p in plans: {
  name: p
  properties: {
    pricingTier: 'Standard'
    subPlan: p == 'VirtualMachines' ? '{defender_servers_plan}' : null
  }
}]"#,
    },
    evaluate,
};

fn assess(p: &Pricing, plan: &str, servers_plan: &str) -> Result<String, String> {
    let props = p.properties.clone().unwrap_or_default();
    let tier = props.pricing_tier.as_deref();
    if !eq_ci(tier, "Standard") {
        return Err(format!(
            "plan {plan} is not enabled (pricingTier {})",
            tier.unwrap_or("not set")
        ));
    }
    let coverage = props.resources_coverage_status.as_deref();
    if let Some(c) = coverage {
        if !c.eq_ignore_ascii_case("FullyCovered") {
            return Err(format!(
                "plan {plan} is Standard but resourcesCoverageStatus is {c}: some resources are excluded from protection"
            ));
        }
    }
    let mut reason = format!("plan {plan} is Standard");
    if plan.eq_ignore_ascii_case("VirtualMachines") {
        let (sub_plan, note) = match props.sub_plan.as_deref() {
            Some(s) if !s.trim().is_empty() => (s.to_string(), ""),
            _ => ("P2".to_string(), " (subPlan not set: counts as P2)"),
        };
        if !sub_plan.eq_ignore_ascii_case(servers_plan) {
            return Err(format!(
                "plan {plan} is Standard but on subPlan {sub_plan}{note}, not {servers_plan}"
            ));
        }
        reason.push_str(&format!(" with subPlan {sub_plan}{note}"));
    }
    if coverage.is_some() {
        reason.push_str(", FullyCovered");
    }
    Ok(reason)
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_list(ctx.inv, "Defender pricings", |s| &s.pricings, |out, sub, pricings| {
        for plan in &ctx.params.required_defender_plans {
            let rid = format!(
                "/subscriptions/{}/providers/Microsoft.Security/pricings/{plan}",
                sub.id
            );
            if let Some(p) = pricings
                .items
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(plan))
            {
                match assess(p, plan, &ctx.params.defender_servers_plan) {
                    Ok(r) => out.pass(&rid, Some(&sub.id), r),
                    Err(r) => out.fail(&rid, Some(&sub.id), r),
                };
                continue;
            }
            // A pricing that could not be parsed but whose id names the plan.
            if let Some(m) = pricings.malformed.iter().find(|m| {
                m.id.as_deref()
                    .is_some_and(|id| last_segment(id).eq_ignore_ascii_case(plan))
            }) {
                out.error(
                    &rid,
                    Some(&sub.id),
                    format!(
                        "the pricing of plan {plan} could not be parsed: {}",
                        m.error
                    ),
                );
                continue;
            }
            // Not found; an item without a readable id might have been it.
            if let Some(m) = pricings.malformed.iter().find(|m| m.id.is_none()) {
                out.error(
                    &rid,
                    Some(&sub.id),
                    format!(
                        "plan {plan} is not among the readable pricings, but item {} of the list could not be read: {}",
                        m.position, m.error
                    ),
                );
                continue;
            }
            out.fail(
                &rid,
                Some(&sub.id),
                format!("plan {plan} is missing from the subscription's Defender pricings"),
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
    use serde_json::{json, Value};

    fn pid(plan: &str) -> String {
        format!("/subscriptions/{SUB}/providers/Microsoft.Security/pricings/{plan}")
    }

    fn pricing(plan: &str, props: Value) -> Value {
        json!({"id": pid(plan), "name": plan, "type": "Microsoft.Security/pricings", "properties": props})
    }

    fn params(plans: &[&str]) -> Params {
        Params {
            required_defender_plans: plans.iter().map(|s| s.to_string()).collect(),
            ..Params::defaults()
        }
    }

    #[test]
    fn one_result_per_required_plan() {
        let mut inv = inv();
        sub(&mut inv).pricings = Ok(listing(vec![
            pricing(
                "VirtualMachines",
                json!({"pricingTier": "Standard", "subPlan": "P2", "resourcesCoverageStatus": "FullyCovered"}),
            ),
            pricing("keyvaults", json!({"pricingTier": "standard"})),
            pricing(
                "StorageAccounts",
                json!({"pricingTier": "Standard", "resourcesCoverageStatus": "PartiallyCovered"}),
            ),
            pricing(
                "AppServices",
                json!({"pricingTier": "Free", "resourcesCoverageStatus": "NotCovered"}),
            ),
            pricing("Dns", json!({"pricingTier": "Free"})),
        ]));
        let f = run(&CHECK, &inv);
        // Eight default plans; Dns is not required.
        assert_eq!(f.len(), 8);
        assert_result(
            &f,
            &pid("VirtualMachines"),
            Status::Pass,
            "subPlan P2, FullyCovered",
        );
        assert_result(
            &f,
            &pid("KeyVaults"),
            Status::Pass,
            "plan KeyVaults is Standard",
        );
        assert_result(
            &f,
            &pid("StorageAccounts"),
            Status::Fail,
            "resourcesCoverageStatus is PartiallyCovered",
        );
        assert_result(&f, &pid("AppServices"), Status::Fail, "pricingTier Free");
        assert_result(&f, &pid("Arm"), Status::Fail, "missing");
        assert_result(&f, &pid("CloudPosture"), Status::Fail, "missing");
    }

    #[test]
    fn servers_sub_plan() {
        let mut inv = inv();
        sub(&mut inv).pricings = Ok(listing(vec![pricing(
            "VirtualMachines",
            json!({"pricingTier": "Standard", "subPlan": "P1"}),
        )]));
        let p = params(&["VirtualMachines"]);
        assert_result(
            &run_with(&CHECK, &inv, &p),
            &pid("VirtualMachines"),
            Status::Fail,
            "subPlan P1, not P2",
        );
        let p1 = Params {
            defender_servers_plan: "P1".into(),
            ..params(&["VirtualMachines"])
        };
        assert_result(
            &run_with(&CHECK, &inv, &p1),
            &pid("VirtualMachines"),
            Status::Pass,
            "subPlan P1",
        );

        // Absent subPlan on Standard counts as P2.
        sub(&mut inv).pricings = Ok(listing(vec![pricing(
            "VirtualMachines",
            json!({"pricingTier": "Standard"}),
        )]));
        assert_result(
            &run_with(&CHECK, &inv, &p),
            &pid("VirtualMachines"),
            Status::Pass,
            "counts as P2",
        );
        assert_result(
            &run_with(&CHECK, &inv, &p1),
            &pid("VirtualMachines"),
            Status::Fail,
            "counts as P2",
        );
    }

    #[test]
    fn failed_list_is_one_error() {
        let mut inv = inv();
        sub(&mut inv).pricings = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Security/pricings",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the Defender pricings list",
        );
    }

    #[test]
    fn malformed_pricings() {
        let mut inv = inv();
        sub(&mut inv).pricings = Ok(listing(vec![
            json!({"id": pid("Arm"), "name": "Arm", "properties": {"pricingTier": 1}}),
            pricing("KeyVaults", json!({"pricingTier": "Standard"})),
        ]));
        let p = params(&["Arm", "KeyVaults", "Containers"]);
        let f = run_with(&CHECK, &inv, &p);
        assert_result(&f, &pid("Arm"), Status::Error, "could not be parsed");
        assert_result(&f, &pid("KeyVaults"), Status::Pass, "Standard");
        assert_result(&f, &pid("Containers"), Status::Fail, "missing");

        // An item with no id: the missing plans are errors, found ones are assessed.
        sub(&mut inv).pricings = Ok(listing(vec![
            json!({"properties": {"pricingTier": "Standard"}}),
            pricing("KeyVaults", json!({"pricingTier": "Standard"})),
        ]));
        let f = run_with(&CHECK, &inv, &p);
        assert_result(
            &f,
            &pid("Arm"),
            Status::Error,
            "item 0 of the list could not be read",
        );
        assert_result(&f, &pid("KeyVaults"), Status::Pass, "Standard");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 0 of the Defender pricings list",
        );
    }

    #[test]
    fn upstream_example() {
        let body: Value =
            serde_json::from_str(arm_example!("security/ListPricings_example.json")).expect("json");
        let items = body["responses"]["200"]["body"]["value"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut inv = inv();
        sub(&mut inv).pricings = Ok(listing(items));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &pid("VirtualMachines"),
            Status::Fail,
            "PartiallyCovered",
        );
        assert_result(&f, &pid("SqlServers"), Status::Pass, "FullyCovered");
        assert_result(&f, &pid("AppServices"), Status::Fail, "Free");
        assert_result(&f, &pid("CloudPosture"), Status::Pass, "Standard");
    }

    #[test]
    fn remediation_uses_the_plans_in_force() {
        let params = Params {
            required_defender_plans: vec!["KeyVaults".into(), "Arm".into()],
            defender_servers_plan: "P1".into(),
            ..Params::defaults()
        };
        let filled = CHECK.remediation.filled(&params);
        let text = format!("{} {}", filled.portal.join(" "), filled.bicep);
        assert!(text.contains("KeyVaults, Arm"), "{text}");
        assert!(text.contains("'P1'") && text.contains("plan P1"), "{text}");
        assert!(
            !text.contains("P2") && !text.contains("CloudPosture"),
            "{text}"
        );
    }
}
