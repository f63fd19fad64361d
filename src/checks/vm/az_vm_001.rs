//! AZ-VM-001: the machine runs the Azure Monitor Agent.

use super::*;
use crate::inventory::{lookup, Extension, Listing};

pub static CHECK: Check = Check {
    id: "AZ-VM-001",
    title: "Machine has the Azure Monitor Agent installed",
    family: Family::Vm,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "Every virtual machine and Azure Arc machine, running or not, has the Azure Monitor Agent extension \
(publisher `Microsoft.Azure.Monitor`, type `AzureMonitorWindowsAgent` or `AzureMonitorLinuxAgent`) installed with \
`provisioningState` Succeeded. The legacy Log Analytics agent (`MicrosoftMonitoringAgent`, `OmsAgentForLinux`, retired \
2024-08-31) does not count; the reason says so when it is the only agent.",
    rationale: "The operating system's own logs (Windows Security events, Linux auth and authpriv syslog) are where \
logons, privilege use, new services and cleared logs show up; without an agent on the machine none of it leaves the \
machine, and an attacker who gains administrator rights can clear it in place. The Azure Monitor Agent is the only \
supported agent since the Log Analytics agent's retirement on 2024-08-31: a machine that still has only the legacy \
agent sends nothing Microsoft supports and may already have stopped sending. An extension whose provisioning failed \
is not running.",
    reads: "31, 32, 33",
    parameters: &[],
    references: &[mcsb("LT-3"), attack("T1562.001")],
    remediation: Remediation {
        portal: &[
            "Open the virtual machine (or the Azure Arc machine) > Settings > Extensions + applications.",
            "Add Azure Monitor Agent (AzureMonitorWindowsAgent on Windows, AzureMonitorLinuxAgent on Linux), or reinstall it when its status is not Provisioning succeeded.",
            "Remove the legacy Log Analytics agent (MicrosoftMonitoringAgent or OmsAgentForLinux) once a data collection rule sends the machine's logs through the new agent.",
        ],
        cli: "az vm extension set --subscription {subscription} --resource-group {resource_group} --vm-name {name} \
--name AzureMonitorWindowsAgent --publisher Microsoft.Azure.Monitor --enable-auto-upgrade true \
# Linux: --name AzureMonitorLinuxAgent; Arc: az connectedmachine extension create --machine-name {name} --type AzureMonitorWindowsAgent --publisher Microsoft.Azure.Monitor",
        bicep: r#"resource vm 'Microsoft.Compute/virtualMachines@2024-07-01' existing = {
  name: vmName
}

resource ama 'Microsoft.Compute/virtualMachines/extensions@2024-07-01' = {
  parent: vm
  name: 'AzureMonitorWindowsAgent' // AzureMonitorLinuxAgent on Linux
  location: location
  properties: {
    publisher: 'Microsoft.Azure.Monitor'
    type: 'AzureMonitorWindowsAgent'
    typeHandlerVersion: '1.0'
    autoUpgradeMinorVersion: true
    enableAutomaticUpgrade: true
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    each_machine(&mut out, ctx.inv, |out, sub, m| {
        // Decided from the extensions read alone (made by id), so a machine
        // whose list item could not be parsed is still assessed.
        match lookup(&ctx.inv.reads.extensions, m.id(), "extensions") {
            Err(e) => {
                out.error(
                    m.id(),
                    Some(&sub.id),
                    format!(
                        "could not read the extensions of machine '{}': {e}",
                        m.name()
                    ),
                );
            }
            Ok(exts) => judge(out, &sub.id, m.id(), m.name(), exts),
        }
    });
    out.done()
}

fn judge(out: &mut Out, sub: &str, id: &str, name: &str, exts: &Listing<Extension>) {
    let ama: Vec<&Extension> = exts
        .items
        .iter()
        .filter(|e| e.is_azure_monitor_agent())
        .collect();
    if let Some(ok) = ama.iter().find(|e| e.succeeded()) {
        out.pass(
            id,
            Some(sub),
            format!(
                "machine '{name}' has the Azure Monitor Agent ({}) with provisioningState Succeeded",
                ok.label()
            ),
        );
        return;
    }
    let found = if let Some(e) = ama.first() {
        format!(
            "machine '{name}' has the Azure Monitor Agent extension {} with provisioningState {} (not Succeeded)",
            e.label(),
            e.provisioning_state().unwrap_or_else(|| "absent".into())
        )
    } else if let Some(e) = exts.items.iter().find(|e| e.is_legacy_agent()) {
        format!(
            "machine '{name}' has only the legacy Log Analytics agent ({}), retired on 2024-08-31, which does not count: the Azure Monitor Agent is not installed",
            e.label()
        )
    } else {
        format!(
            "machine '{name}' has no Azure Monitor Agent extension ({} extension(s) read)",
            exts.items.len()
        )
    };
    // An extension that could not be parsed might be the agent.
    out.fail_unless_unreadable(id, Some(sub), found, &exts.malformed, "extension(s)");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::{norm_id, Listing};
    use serde_json::{json, Value};

    const VM: &str = "Microsoft.Compute/virtualMachines";
    const ARC: &str = "Microsoft.HybridCompute/machines";

    fn vm(id: &str, os: &str) -> Value {
        json!({"id": id, "name": id.rsplit('/').next(), "type": VM,
               "properties": {"storageProfile": {"osDisk": {"osType": os}}}})
    }

    fn ext(publisher: &str, ty: &str, state: &str) -> Value {
        json!({"id": format!("x/extensions/{ty}"), "name": ty,
               "properties": {"publisher": publisher, "type": ty, "typeHandlerVersion": "1.0", "provisioningState": state}})
    }

    fn set_exts(inv: &mut Inventory, id: &str, exts: Vec<Value>) {
        inv.reads
            .extensions
            .insert(norm_id(id), Ok(Listing::parse(exts)));
    }

    #[test]
    fn a_succeeded_agent_passes_and_others_fail_with_the_reason() {
        let mut inv = inv();
        let ok = rid("rg", VM, "vm-ok");
        let linux = rid("rg", VM, "vm-linux");
        let legacy = rid("rg", VM, "vm-legacy");
        let failed = rid("rg", VM, "vm-failed");
        let none = rid("rg", VM, "vm-none");
        let arc = rid("rg", ARC, "arc-ok");
        sub(&mut inv).virtual_machines = Ok(listing(vec![
            vm(&ok, "Windows"),
            vm(&linux, "Linux"),
            vm(&legacy, "Windows"),
            vm(&failed, "Windows"),
            vm(&none, "Linux"),
        ]));
        sub(&mut inv).arc_machines = Ok(listing(vec![
            json!({"id": arc, "name": "arc-ok", "type": ARC, "properties": {"osType": "linux"}}),
        ]));
        set_exts(
            &mut inv,
            &ok,
            vec![
                ext(
                    "Microsoft.EnterpriseCloud.Monitoring",
                    "MicrosoftMonitoringAgent",
                    "Succeeded",
                ),
                ext(
                    "Microsoft.Azure.Monitor",
                    "AzureMonitorWindowsAgent",
                    "Succeeded",
                ),
            ],
        );
        set_exts(
            &mut inv,
            &linux,
            vec![ext(
                "microsoft.azure.monitor",
                "azuremonitorlinuxagent",
                "succeeded",
            )],
        );
        set_exts(
            &mut inv,
            &legacy,
            vec![ext(
                "Microsoft.EnterpriseCloud.Monitoring",
                "MicrosoftMonitoringAgent",
                "Succeeded",
            )],
        );
        set_exts(
            &mut inv,
            &failed,
            vec![ext(
                "Microsoft.Azure.Monitor",
                "AzureMonitorWindowsAgent",
                "Failed",
            )],
        );
        set_exts(
            &mut inv,
            &none,
            vec![ext(
                "Microsoft.Azure.Extensions",
                "CustomScript",
                "Succeeded",
            )],
        );
        set_exts(
            &mut inv,
            &arc,
            vec![ext(
                "Microsoft.Azure.Monitor",
                "AzureMonitorLinuxAgent",
                "Succeeded",
            )],
        );
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 6, "{f:#?}");
        assert_result(&f, &ok, Status::Pass, "AzureMonitorWindowsAgent");
        assert_result(&f, &linux, Status::Pass, "provisioningState Succeeded");
        assert_result(&f, &arc, Status::Pass, "AzureMonitorLinuxAgent");
        assert_result(
            &f,
            &legacy,
            Status::Fail,
            "only the legacy Log Analytics agent (MicrosoftMonitoringAgent), retired on 2024-08-31",
        );
        assert_result(
            &f,
            &failed,
            Status::Fail,
            "extension AzureMonitorWindowsAgent with provisioningState Failed (not Succeeded)",
        );
        assert_result(
            &f,
            &none,
            Status::Fail,
            "no Azure Monitor Agent extension (1 extension(s) read)",
        );
    }

    #[test]
    fn the_agent_from_another_publisher_does_not_count() {
        let mut inv = inv();
        let id = rid("rg", VM, "vm-fake");
        sub(&mut inv).virtual_machines = Ok(listing(vec![vm(&id, "Windows")]));
        set_exts(
            &mut inv,
            &id,
            vec![ext(
                "Contoso.Monitor",
                "AzureMonitorWindowsAgent",
                "Succeeded",
            )],
        );
        let f = run(&CHECK, &inv);
        assert_result(&f, &id, Status::Fail, "no Azure Monitor Agent extension");
    }

    #[test]
    fn failed_lists_are_one_error_on_the_subscription() {
        let mut inv = inv();
        sub(&mut inv).virtual_machines = Err(forbidden("virtualMachines"));
        sub(&mut inv).arc_machines = Err(forbidden("machines"));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        let sub_id = format!("/subscriptions/{SUB}");
        assert_result(
            &f,
            &sub_id,
            Status::Error,
            "could not read the virtual machines list",
        );
        assert_result(
            &f,
            &sub_id,
            Status::Error,
            "could not read the Azure Arc machines list",
        );
    }

    #[test]
    fn an_unreadable_extension_list_is_that_machines_error() {
        let mut inv = inv();
        let bad = rid("rg", VM, "vm-bad");
        let unread = rid("rg", VM, "vm-unread");
        let good = rid("rg", VM, "vm-good");
        sub(&mut inv).virtual_machines = Ok(listing(vec![
            vm(&bad, "Windows"),
            vm(&unread, "Windows"),
            vm(&good, "Linux"),
        ]));
        inv.reads
            .extensions
            .insert(norm_id(&bad), Err(forbidden("vm-bad/extensions")));
        set_exts(
            &mut inv,
            &good,
            vec![ext(
                "Microsoft.Azure.Monitor",
                "AzureMonitorLinuxAgent",
                "Succeeded",
            )],
        );
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 3);
        assert_result(
            &f,
            &bad,
            Status::Error,
            "could not read the extensions of machine 'vm-bad': AuthorizationFailed",
        );
        assert_result(&f, &unread, Status::Error, "was not read");
        assert_result(&f, &good, Status::Pass, "Succeeded");
    }

    #[test]
    fn malformed_items() {
        let mut inv = inv();
        // A machine whose own fields are unreadable is assessed from its extensions.
        let odd = rid("rg", VM, "vm-odd");
        let fine = rid("rg", VM, "vm-fine");
        sub(&mut inv).virtual_machines = Ok(listing(vec![
            json!({"id": odd, "name": "vm-odd", "properties": {"storageProfile": "not an object"}}),
            json!({"name": "no-id", "properties": 7}),
            vm(&fine, "Windows"),
        ]));
        set_exts(
            &mut inv,
            &odd,
            vec![ext(
                "Microsoft.Azure.Monitor",
                "AzureMonitorWindowsAgent",
                "Succeeded",
            )],
        );
        // A malformed extension might be the agent: no `fail`, an `error`.
        set_exts(
            &mut inv,
            &fine,
            vec![json!({"name": "AzureMonitorWindowsAgent", "properties": {"publisher": 1}})],
        );
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 3, "{f:#?}");
        assert_result(&f, &odd, Status::Pass, "vm-odd");
        assert_result(
            &f,
            &fine,
            Status::Error,
            "1 extension(s) could not be parsed",
        );
        assert_result(
            &f,
            &format!("/subscriptions/{SUB}"),
            Status::Error,
            "item 1 of the virtual machines list could not be read (no id)",
        );
    }

    #[test]
    fn no_machine_no_result() {
        assert!(run(&CHECK, &inv()).is_empty());
    }

    /// The upstream Arc extension list (tests/fixtures/arm-examples): a custom script
    /// and an update extension, no agent.
    #[test]
    fn upstream_arc_extensions_have_no_agent() {
        let text = arm_example!("hybridcompute/Extension_List.json");
        let v: Value = serde_json::from_str(text).unwrap();
        let exts = v["responses"]["200"]["body"]["value"]
            .as_array()
            .unwrap()
            .clone();
        let mut inv = inv();
        let arc = rid("rg", ARC, "myMachine");
        sub(&mut inv).arc_machines = Ok(listing(vec![
            json!({"id": arc, "name": "myMachine", "type": ARC, "properties": {"osType": null}}),
        ]));
        set_exts(&mut inv, &arc, exts);
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &arc,
            Status::Fail,
            "no Azure Monitor Agent extension (2 extension(s) read)",
        );
    }
}
