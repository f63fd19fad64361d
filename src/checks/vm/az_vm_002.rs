//! AZ-VM-002: a data collection rule sends the machine's security log to Log Analytics.

use super::*;
use crate::inventory::{lookup, DataCollectionRule, Os, SYSLOG_STREAM};

pub static CHECK: Check = Check {
    id: "AZ-VM-002",
    title: "Machine's security log is collected into Log Analytics",
    family: Family::Vm,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "A data collection rule associated with the machine collects its security log into a Log Analytics \
workspace. Windows: a `windowsEventLogs` data source with an `xPathQueries` entry starting `Security!`, whose stream \
(`Microsoft-SecurityEvent`, `Microsoft-WindowsEvent` or `Microsoft-Event`) a `dataFlows` entry sends to a \
`logAnalytics` destination. Linux: a `syslog` data source whose `facilityNames` include `auth` and `authpriv` (or `*`), \
whose stream `Microsoft-Syslog` a `dataFlows` entry sends to a `logAnalytics` destination. A machine with no \
association fails. The OS is `storageProfile.osDisk.osType` (virtual machine) or `osType` (Arc machine); a machine \
whose OS is absent or neither Windows nor Linux passes when either definition holds. A rule that cannot be read makes \
the result `error` unless another readable rule already passes the machine.",
    rationale: "An agent collects only what a data collection rule tells it to. The Windows Security log (logons, \
privilege use, process creation, log clearing: event 1102) and Linux auth and authpriv (sudo, sshd, su) are the \
machine's own record of who did what; a rule that collects other event logs, drops authpriv, or sends the security \
stream only to metrics or a storage destination leaves the SOC blind to every interactive intrusion, and an attacker \
with administrator rights clears the local copy (T1070.001).",
    reads: "31, 32, 34, 35",
    parameters: &[],
    references: &[mcsb("LT-3"), attack("T1070.001")],
    remediation: Remediation {
        portal: &[
            "Open Monitor > Data Collection Rules and create (or open) a rule for the machine's platform.",
            "Windows: add a data source Windows Event Logs with the Security log (xPath Security!*), destination Azure Monitor Logs (the SOC workspace).",
            "Linux: add a data source Linux Syslog with facilities auth and authpriv at least, destination Azure Monitor Logs.",
            "Under Resources, add the machine (this creates the data collection rule association).",
        ],
        cli: "az monitor data-collection rule association create --name {name}-security \
--rule-id <data-collection-rule-id> --resource {id}",
        bicep: r#"resource dcr 'Microsoft.Insights/dataCollectionRules@2022-06-01' = {
  name: 'dcr-windows-security'
  location: location
  kind: 'Windows'
  properties: {
    dataSources: {
      windowsEventLogs: [
        {
          name: 'securityEvents'
          streams: [ 'Microsoft-SecurityEvent' ]
          xPathQueries: [ 'Security!*' ]
        }
      ]
    }
    destinations: {
      logAnalytics: [
        { name: 'soc', workspaceResourceId: workspaceId }
      ]
    }
    dataFlows: [
      { streams: [ 'Microsoft-SecurityEvent' ], destinations: [ 'soc' ] }
    ]
  }
}

resource vm 'Microsoft.Compute/virtualMachines@2024-07-01' existing = {
  name: vmName
}

resource association 'Microsoft.Insights/dataCollectionRuleAssociations@2022-06-01' = {
  name: 'security'
  scope: vm
  properties: {
    dataCollectionRuleId: dcr.id
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    let inv = ctx.inv;
    each_machine(&mut out, inv, |out, sub, m| {
        let machine = match m {
            MachineItem::Parsed(machine) => machine,
            // The OS is the item's own field.
            MachineItem::Malformed { id, error } => {
                out.error(
                    id,
                    Some(&sub.id),
                    format!("the machine could not be parsed: {error}"),
                );
                return;
            }
        };
        let (id, name) = (machine.id.as_str(), machine.display_name());
        let assocs = match lookup(
            &inv.reads.dcr_associations,
            id,
            "data collection rule associations",
        ) {
            Ok(a) => a,
            Err(e) => {
                out.error(
                    id,
                    Some(&sub.id),
                    format!("could not read the data collection rule associations of machine '{name}': {e}"),
                );
                return;
            }
        };
        let os = machine.os();
        let os_text = match (os, machine.os_type()) {
            (Some(Os::Windows), _) => "Windows".to_string(),
            (Some(Os::Linux), _) => "Linux".to_string(),
            (None, Some(other)) => format!("OS '{other}' (neither Windows nor Linux)"),
            (None, None) => "no OS type".to_string(),
        };
        let mut missing = Vec::new();
        let mut unreadable = Vec::new();
        let mut rules = 0;
        for rule_id in assocs.items.iter().filter_map(|a| a.rule_id()) {
            rules += 1;
            match lookup(
                &inv.reads.data_collection_rules,
                rule_id,
                "data collection rule",
            ) {
                Err(e) => unreadable.push(format!("rule {rule_id} could not be read: {e}")),
                Ok(rule) => match judge(rule, os) {
                    Ok(how) => {
                        out.pass(
                            id,
                            Some(&sub.id),
                            format!(
                                "machine '{name}' ({os_text}): rule '{}' {how}",
                                rule.display_name()
                            ),
                        );
                        return;
                    }
                    Err(why) => missing.push(format!("rule '{}' {why}", rule.display_name())),
                },
            }
        }
        if let Some(m) = assocs.malformed.first() {
            unreadable.push(format!(
                "{} association(s) could not be parsed: {}",
                assocs.malformed.len(),
                m.error
            ));
        }
        let found = if rules == 0 {
            if assocs.items.is_empty() {
                format!("machine '{name}' ({os_text}) has no data collection rule association")
            } else {
                format!("machine '{name}' ({os_text}) has associations but none names a data collection rule")
            }
        } else {
            format!("machine '{name}' ({os_text}): {}", missing.join("; "))
        };
        if unreadable.is_empty() {
            out.fail(id, Some(&sub.id), found);
        } else if missing.is_empty() {
            out.error(
                id,
                Some(&sub.id),
                format!("machine '{name}' ({os_text}): {}", unreadable.join("; ")),
            );
        } else {
            // A readable rule that does not collect it does not decide: an
            // unreadable one might.
            out.error(
                id,
                Some(&sub.id),
                format!("{found}; but {}", unreadable.join("; ")),
            );
        }
    });
    out.done()
}

/// `Ok(how it collects)` or `Err(what it lacks)`, for the machine's OS (both
/// definitions when it is unknown).
fn judge(rule: &DataCollectionRule, os: Option<Os>) -> Result<String, String> {
    let windows = || match rule.windows_security() {
        Some(true) => {
            Ok("sends the Windows Security event log to a logAnalytics destination".to_string())
        }
        Some(false) => Err(
            "collects the Security event log, but no dataFlows entry sends its stream \
(Microsoft-SecurityEvent, Microsoft-WindowsEvent or Microsoft-Event) to a logAnalytics destination"
                .to_string(),
        ),
        None => Err("has no windowsEventLogs data source with a Security! xPath query".to_string()),
    };
    let linux = || {
        match rule.linux_security() {
        (Some(true), _) => Ok(format!(
            "sends syslog auth and authpriv ({SYSLOG_STREAM}) to a logAnalytics destination"
        )),
        (Some(false), _) => Err(format!(
            "collects syslog auth and authpriv, but no dataFlows entry sends {SYSLOG_STREAM} to a logAnalytics destination"
        )),
        (None, lacking) if lacking.is_empty() => Err("has no syslog data source".to_string()),
        (None, lacking) => Err(format!(
            "has a syslog data source without facility {}",
            lacking.join(" and ")
        )),
    }
    };
    match os {
        Some(Os::Windows) => windows(),
        Some(Os::Linux) => linux(),
        None => windows().or_else(|w| linux().map_err(|l| format!("{w}, and {l}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::{norm_id, Listing};
    use serde_json::{json, Value};

    const VM: &str = "Microsoft.Compute/virtualMachines";
    const ARC: &str = "Microsoft.HybridCompute/machines";
    const OTHER: &str = "33333333-3333-3333-3333-333333333333";

    fn vm(id: &str, os: Option<&str>) -> Value {
        json!({"id": id, "name": id.rsplit('/').next(), "type": VM,
               "properties": {"storageProfile": {"osDisk": {"osType": os}}}})
    }

    fn dcr_id(name: &str) -> String {
        format!("/subscriptions/{OTHER}/resourceGroups/rg-mon/providers/Microsoft.Insights/dataCollectionRules/{name}")
    }

    fn windows_rule(name: &str, xpath: &str, stream: &str, destination: &str) -> Value {
        json!({"id": dcr_id(name), "name": name, "properties": {
            "dataSources": {"windowsEventLogs": [{"name": "ev", "streams": [stream], "xPathQueries": ["Application!*", xpath]}]},
            "destinations": {"logAnalytics": [{"name": "la", "workspaceResourceId": WS}], "azureMonitorMetrics": {"name": "metrics"}},
            "dataFlows": [{"streams": [stream], "destinations": [destination]}]
        }})
    }

    fn syslog_rule(name: &str, facilities: &[&str], destination: &str) -> Value {
        json!({"id": dcr_id(name), "name": name, "properties": {
            "dataSources": {"syslog": [{"name": "sys", "streams": ["Microsoft-Syslog"], "facilityNames": facilities, "logLevels": ["*"]}]},
            "destinations": {"logAnalytics": [{"name": "la", "workspaceResourceId": WS}]},
            "dataFlows": [{"streams": ["Microsoft-Syslog"], "destinations": [destination]}]
        }})
    }

    fn associate(inv: &mut Inventory, machine: &str, rules: &[&str]) {
        let items = rules
            .iter()
            .map(|r| json!({"id": format!("{machine}/providers/Microsoft.Insights/dataCollectionRuleAssociations/{}", r.rsplit('/').next().unwrap()),
                            "properties": {"dataCollectionRuleId": r}}))
            .collect();
        inv.reads
            .dcr_associations
            .insert(norm_id(machine), Ok(Listing::parse(items)));
    }

    fn add_rule(inv: &mut Inventory, body: Value) {
        let id = body["id"].as_str().unwrap().to_string();
        inv.reads
            .data_collection_rules
            .insert(norm_id(&id), Ok(parse(body)));
    }

    #[test]
    fn passes_and_fails_by_os() {
        let mut inv = inv();
        let win_ok = rid("rg", VM, "win-ok");
        let win_metrics = rid("rg", VM, "win-metrics");
        let win_app = rid("rg", VM, "win-app");
        let win_none = rid("rg", VM, "win-none");
        let lin_ok = rid("rg", VM, "lin-ok");
        let lin_star = rid("rg", VM, "lin-star");
        let lin_nopriv = rid("rg", VM, "lin-nopriv");
        let arc = rid("rg", ARC, "arc-lin");
        sub(&mut inv).virtual_machines = Ok(listing(vec![
            vm(&win_ok, Some("Windows")),
            vm(&win_metrics, Some("windows")),
            vm(&win_app, Some("Windows")),
            vm(&win_none, Some("Windows")),
            vm(&lin_ok, Some("Linux")),
            vm(&lin_star, Some("LINUX")),
            vm(&lin_nopriv, Some("Linux")),
        ]));
        sub(&mut inv).arc_machines = Ok(listing(vec![
            json!({"id": arc, "name": "arc-lin", "properties": {"osType": "linux"}}),
        ]));
        add_rule(
            &mut inv,
            windows_rule(
                "dcr-win",
                "Security!*[System[(EventID=4624)]]",
                "Microsoft-SecurityEvent",
                "la",
            ),
        );
        add_rule(
            &mut inv,
            windows_rule(
                "dcr-win-metrics",
                "Security!*",
                "Microsoft-SecurityEvent",
                "metrics",
            ),
        );
        add_rule(
            &mut inv,
            windows_rule("dcr-win-app", "System!*", "Microsoft-Event", "la"),
        );
        add_rule(
            &mut inv,
            syslog_rule("dcr-lin", &["auth", "authpriv", "daemon"], "la"),
        );
        add_rule(&mut inv, syslog_rule("dcr-lin-star", &["*"], "la"));
        add_rule(
            &mut inv,
            syslog_rule("dcr-lin-nopriv", &["auth", "cron"], "la"),
        );
        associate(
            &mut inv,
            &win_ok,
            &[&dcr_id("dcr-win-app"), &dcr_id("dcr-win")],
        );
        associate(&mut inv, &win_metrics, &[&dcr_id("dcr-win-metrics")]);
        associate(
            &mut inv,
            &win_app,
            &[&dcr_id("dcr-win-app"), &dcr_id("dcr-lin")],
        );
        associate(&mut inv, &win_none, &[]);
        associate(&mut inv, &lin_ok, &[&dcr_id("dcr-lin")]);
        associate(&mut inv, &lin_star, &[&dcr_id("dcr-lin-star")]);
        associate(&mut inv, &lin_nopriv, &[&dcr_id("dcr-lin-nopriv")]);
        associate(&mut inv, &arc, &[&dcr_id("dcr-lin")]);
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 8, "{f:#?}");
        assert_result(
            &f,
            &win_ok,
            Status::Pass,
            "win-ok' (Windows): rule 'dcr-win' sends the Windows Security event log",
        );
        assert_result(
            &f,
            &win_metrics,
            Status::Fail,
            "no dataFlows entry sends its stream",
        );
        assert_result(&f, &win_app, Status::Fail, "rule 'dcr-win-app' has no windowsEventLogs data source with a Security! xPath query; rule 'dcr-lin' has no windowsEventLogs");
        assert_result(
            &f,
            &win_none,
            Status::Fail,
            "has no data collection rule association",
        );
        assert_result(&f, &lin_ok, Status::Pass, "auth and authpriv");
        assert_result(&f, &lin_star, Status::Pass, "(Linux)");
        assert_result(
            &f,
            &lin_nopriv,
            Status::Fail,
            "has a syslog data source without facility authpriv",
        );
        assert_result(&f, &arc, Status::Pass, "arc-lin");
    }

    #[test]
    fn unknown_os_passes_on_either_definition() {
        let mut inv = inv();
        let a = rid("rg", VM, "no-os");
        let b = rid("rg", ARC, "bsd");
        sub(&mut inv).virtual_machines = Ok(listing(vec![vm(&a, None)]));
        sub(&mut inv).arc_machines = Ok(listing(vec![
            json!({"id": b, "properties": {"osType": "FreeBSD"}}),
        ]));
        add_rule(
            &mut inv,
            syslog_rule("dcr-lin", &["auth", "authpriv"], "la"),
        );
        add_rule(&mut inv, syslog_rule("dcr-lin-nopriv", &["auth"], "la"));
        associate(&mut inv, &a, &[&dcr_id("dcr-lin")]);
        associate(&mut inv, &b, &[&dcr_id("dcr-lin-nopriv")]);
        let f = run(&CHECK, &inv);
        assert_result(&f, &a, Status::Pass, "(no OS type)");
        assert_result(
            &f,
            &b,
            Status::Fail,
            "OS 'FreeBSD' (neither Windows nor Linux)",
        );
        assert_result(&f, &b, Status::Fail, "without facility authpriv");
    }

    #[test]
    fn an_endpoint_association_names_no_rule() {
        let mut inv = inv();
        let id = rid("rg", VM, "vm-dce");
        sub(&mut inv).virtual_machines = Ok(listing(vec![vm(&id, Some("Windows"))]));
        inv.reads.dcr_associations.insert(
            norm_id(&id),
            Ok(listing(vec![json!({"name": "configurationAccessEndpoint",
                "properties": {"dataCollectionEndpointId": "/subscriptions/x/resourceGroups/r/providers/Microsoft.Insights/dataCollectionEndpoints/dce"}})])),
        );
        let f = run(&CHECK, &inv);
        assert_result(&f, &id, Status::Fail, "none names a data collection rule");
    }

    #[test]
    fn read_errors() {
        let mut inv = inv();
        let no_assoc = rid("rg", VM, "vm-noassoc");
        let bad_rule = rid("rg", VM, "vm-badrule");
        let saved = rid("rg", VM, "vm-saved");
        let partly = rid("rg", VM, "vm-partly");
        sub(&mut inv).virtual_machines = Ok(listing(vec![
            vm(&no_assoc, Some("Windows")),
            vm(&bad_rule, Some("Windows")),
            vm(&saved, Some("Windows")),
            vm(&partly, Some("Windows")),
        ]));
        inv.reads.dcr_associations.insert(
            norm_id(&no_assoc),
            Err(forbidden(
                "vm-noassoc/providers/Microsoft.Insights/dataCollectionRuleAssociations",
            )),
        );
        let gone = dcr_id("dcr-gone");
        inv.reads
            .data_collection_rules
            .insert(norm_id(&gone), Err(forbidden("dcr-gone")));
        add_rule(
            &mut inv,
            windows_rule("dcr-win", "Security!*", "Microsoft-WindowsEvent", "la"),
        );
        add_rule(
            &mut inv,
            windows_rule("dcr-app", "Application!*", "Microsoft-Event", "la"),
        );
        associate(&mut inv, &bad_rule, &[&gone]);
        associate(&mut inv, &saved, &[&gone, &dcr_id("dcr-win")]);
        associate(&mut inv, &partly, &[&dcr_id("dcr-app"), &gone]);
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 4, "{f:#?}");
        assert_result(
            &f,
            &no_assoc,
            Status::Error,
            "could not read the data collection rule associations of machine 'vm-noassoc'",
        );
        assert_result(
            &f,
            &bad_rule,
            Status::Error,
            "dcr-gone could not be read: AuthorizationFailed",
        );
        assert_result(&f, &saved, Status::Pass, "dcr-win");
        assert_result(&f, &partly, Status::Error, "rule 'dcr-app' has no windowsEventLogs data source with a Security! xPath query; but rule");
    }

    #[test]
    fn failed_lists_and_malformed_items() {
        let mut inv = with_second(inv());
        sub(&mut inv).virtual_machines = Err(forbidden("virtualMachines"));
        let odd = format!("/subscriptions/{SUB2}/resourceGroups/rg/providers/{VM}/vm-odd");
        let lin = format!("/subscriptions/{SUB2}/resourceGroups/rg/providers/{VM}/vm-lin");
        sub_n(&mut inv, 1).virtual_machines = Ok(listing(vec![
            json!({"id": odd, "properties": {"storageProfile": {"osDisk": {"osType": 3}}}}),
            vm(&lin, Some("Linux")),
        ]));
        add_rule(
            &mut inv,
            syslog_rule("dcr-lin", &["auth", "authpriv"], "la"),
        );
        associate(&mut inv, &odd, &[&dcr_id("dcr-lin")]);
        // A malformed association might name the rule that passes: `error`.
        inv.reads.dcr_associations.insert(
            norm_id(&lin),
            Ok(listing(vec![
                json!({"name": "a", "properties": {"dataCollectionRuleId": 5}}),
            ])),
        );
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 3, "{f:#?}");
        assert_result(
            &f,
            &format!("/subscriptions/{SUB}"),
            Status::Error,
            "could not read the virtual machines list",
        );
        assert_result(&f, &odd, Status::Error, "could not be parsed");
        assert_result(
            &f,
            &lin,
            Status::Error,
            "1 association(s) could not be parsed",
        );
    }

    #[test]
    fn a_malformed_rule_body_is_an_unreadable_rule() {
        let mut inv = inv();
        let id = rid("rg", VM, "vm");
        sub(&mut inv).virtual_machines = Ok(listing(vec![vm(&id, Some("Linux"))]));
        let body = json!({"id": dcr_id("dcr-odd"), "properties": {"dataSources": {"syslog": "everything"}}});
        let parsed = serde_json::from_value::<DataCollectionRule>(body);
        assert!(parsed.is_err(), "a wrong-typed field fails the rule");
        inv.reads.data_collection_rules.insert(
            norm_id(&dcr_id("dcr-odd")),
            Err(crate::inventory::ReadError {
                request: "GET dcr-odd".into(),
                status: Some(200),
                code: "MalformedBody".into(),
                message: parsed.unwrap_err().to_string(),
            }),
        );
        associate(&mut inv, &id, &[&dcr_id("dcr-odd")]);
        let f = run(&CHECK, &inv);
        assert_result(&f, &id, Status::Error, "MalformedBody");
    }

    /// The upstream rules (tests/fixtures/arm-examples): `myCollectionRule` collects
    /// `Security!` but syslog of cron and syslog only.
    #[test]
    fn upstream_rule_passes_windows_and_fails_linux() {
        let text = arm_example!("monitor/DataCollectionRulesListBySubscription.json");
        let v: Value = serde_json::from_str(text).unwrap();
        let rule = v["responses"]["200"]["body"]["value"][0].clone();
        let rule_id = rule["id"].as_str().unwrap().to_string();
        let mut inv = inv();
        let win = rid("rg", VM, "win");
        let lin = rid("rg", VM, "lin");
        sub(&mut inv).virtual_machines = Ok(listing(vec![
            vm(&win, Some("Windows")),
            vm(&lin, Some("Linux")),
        ]));
        add_rule(&mut inv, rule);
        associate(&mut inv, &win, &[&rule_id]);
        associate(&mut inv, &lin, &[&rule_id]);
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &win,
            Status::Pass,
            "rule 'myCollectionRule' sends the Windows Security event log",
        );
        assert_result(&f, &lin, Status::Fail, "without facility auth and authpriv");
    }
}
