//! Machines and their operating-system evidence (baseline 1.2, "Machines"):
//! virtual machines (call 31), Azure Arc machines (call 32), their extensions
//! (call 33), their data collection rule associations (call 34) and the data
//! collection rules those name (call 35). Lenient like every model: every
//! field optional, unknown fields ignored, a field of the wrong type fails
//! the item (or, for a rule read by id, the read).

use super::models::{eq_ci, last_segment};
use serde::{Deserialize, Serialize};

/// The operating system of a machine, from its own field (case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Windows,
    Linux,
}

fn os_of(s: Option<&str>) -> Option<Os> {
    if eq_ci(s, "Windows") {
        Some(Os::Windows)
    } else if eq_ci(s, "Linux") {
        Some(Os::Linux)
    } else {
        None
    }
}

/// A virtual machine (call 31) or an Azure Arc machine (call 32): one shape,
/// since the checks need only the id, the name and the OS.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Machine {
    pub id: String,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind_type: Option<String>,
    pub location: Option<String>,
    pub properties: Option<MachineProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineProperties {
    /// Virtual machines: `storageProfile.osDisk.osType`.
    pub storage_profile: Option<StorageProfile>,
    /// Arc machines: `osType`.
    pub os_type: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageProfile {
    pub os_disk: Option<OsDisk>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OsDisk {
    pub os_type: Option<String>,
}

impl Machine {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| last_segment(&self.id))
    }
    /// An Azure Arc machine (its id names `Microsoft.HybridCompute/machines`).
    pub fn is_arc(&self) -> bool {
        is_arc_id(&self.id)
    }
    /// The OS field as returned: `properties.storageProfile.osDisk.osType`
    /// for a virtual machine, `properties.osType` for an Arc machine
    /// (baseline 1.2, "Machines").
    pub fn os_type(&self) -> Option<&str> {
        let p = self.properties.as_ref()?;
        if self.is_arc() {
            p.os_type.as_deref()
        } else {
            p.storage_profile
                .as_ref()
                .and_then(|s| s.os_disk.as_ref())
                .and_then(|d| d.os_type.as_deref())
        }
        .filter(|s| !s.trim().is_empty())
    }
    /// Windows or Linux; `None` when the field is absent or names another OS.
    pub fn os(&self) -> Option<Os> {
        os_of(self.os_type())
    }
}

/// Whether a resource id is an Azure Arc machine's.
pub fn is_arc_id(id: &str) -> bool {
    id.to_ascii_lowercase()
        .contains("/providers/microsoft.hybridcompute/machines/")
}

/// A machine extension (call 33), of a virtual machine or an Arc machine.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Extension {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: Option<ExtensionProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionProperties {
    pub publisher: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub provisioning_state: Option<String>,
}

/// The Azure Monitor Agent's publisher and extension types.
pub const AMA_PUBLISHER: &str = "Microsoft.Azure.Monitor";
pub const AMA_TYPES: &[&str] = &["AzureMonitorWindowsAgent", "AzureMonitorLinuxAgent"];
/// The legacy Log Analytics agent's extension types (retired 2024-08-31).
pub const LEGACY_AGENT_TYPES: &[&str] = &["MicrosoftMonitoringAgent", "OmsAgentForLinux"];

impl Extension {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or_else(|| self.id.as_deref().map(last_segment))
            .unwrap_or("(unnamed)")
    }
    fn props(&self) -> ExtensionProperties {
        self.properties.clone().unwrap_or_default()
    }
    /// `Type`, or `Type 'name'` when its name is not its type (for reasons).
    pub fn label(&self) -> String {
        let ty = self.extension_type().unwrap_or_else(|| "(no type)".into());
        if ty.eq_ignore_ascii_case(self.display_name()) {
            ty
        } else {
            format!("{ty} '{}'", self.display_name())
        }
    }
    pub fn extension_type(&self) -> Option<String> {
        self.props().kind
    }
    pub fn provisioning_state(&self) -> Option<String> {
        self.props().provisioning_state
    }
    /// Publisher `Microsoft.Azure.Monitor`, type `AzureMonitorWindowsAgent`
    /// or `AzureMonitorLinuxAgent` (case-insensitive).
    pub fn is_azure_monitor_agent(&self) -> bool {
        let p = self.props();
        eq_ci(p.publisher.as_deref(), AMA_PUBLISHER)
            && AMA_TYPES.iter().any(|t| eq_ci(p.kind.as_deref(), t))
    }
    /// The legacy Log Analytics agent, by type (its publishers vary:
    /// `Microsoft.EnterpriseCloud.Monitoring`, and for Arc the same).
    pub fn is_legacy_agent(&self) -> bool {
        let kind = self.props().kind;
        LEGACY_AGENT_TYPES.iter().any(|t| eq_ci(kind.as_deref(), t))
    }
    pub fn succeeded(&self) -> bool {
        eq_ci(self.props().provisioning_state.as_deref(), "Succeeded")
    }
}

/// A data collection rule association (call 34).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DcrAssociation {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: Option<DcrAssociationProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DcrAssociationProperties {
    pub data_collection_rule_id: Option<String>,
    pub data_collection_endpoint_id: Option<String>,
}

impl DcrAssociation {
    /// The rule it names; `None` for an endpoint association (no rule).
    pub fn rule_id(&self) -> Option<&str> {
        self.properties
            .as_ref()
            .and_then(|p| p.data_collection_rule_id.as_deref())
            .filter(|s| !s.trim().is_empty())
    }
}

/// A data collection rule (call 35).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DataCollectionRule {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: Option<DcrProperties>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DcrProperties {
    pub data_sources: Option<DcrDataSources>,
    pub destinations: Option<DcrDestinations>,
    pub data_flows: Option<Vec<DcrDataFlow>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DcrDataSources {
    pub windows_event_logs: Option<Vec<WindowsEventLogSource>>,
    pub syslog: Option<Vec<SyslogSource>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowsEventLogSource {
    pub name: Option<String>,
    pub streams: Option<Vec<String>>,
    pub x_path_queries: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyslogSource {
    pub name: Option<String>,
    pub streams: Option<Vec<String>>,
    pub facility_names: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DcrDestinations {
    pub log_analytics: Option<Vec<LogAnalyticsDestination>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogAnalyticsDestination {
    pub name: Option<String>,
    pub workspace_resource_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DcrDataFlow {
    pub streams: Option<Vec<String>>,
    pub destinations: Option<Vec<String>>,
}

/// The streams a Windows security-log source may use (baseline 1.2, AZ-VM-002).
pub const WINDOWS_SECURITY_STREAMS: &[&str] = &[
    "Microsoft-SecurityEvent",
    "Microsoft-WindowsEvent",
    "Microsoft-Event",
];
pub const SYSLOG_STREAM: &str = "Microsoft-Syslog";

fn has(list: &Option<Vec<String>>, wanted: &str) -> bool {
    list.iter()
        .flatten()
        .any(|s| s.eq_ignore_ascii_case(wanted))
}

impl DataCollectionRule {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or_else(|| self.id.as_deref().map(last_segment))
            .unwrap_or("(unnamed)")
    }
    fn props(&self) -> DcrProperties {
        self.properties.clone().unwrap_or_default()
    }
    /// The names of its `logAnalytics` destinations.
    fn log_analytics_names(&self) -> Vec<String> {
        self.props()
            .destinations
            .and_then(|d| d.log_analytics)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|d| d.name)
            .collect()
    }
    /// The workspaces its `logAnalytics` destinations name.
    pub fn workspace_ids(&self) -> Vec<String> {
        self.props()
            .destinations
            .and_then(|d| d.log_analytics)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|d| d.workspace_resource_id)
            .filter(|s| !s.trim().is_empty())
            .collect()
    }
    /// Whether a `dataFlows` entry sends `stream` to a `logAnalytics` destination.
    pub fn flows_to_log_analytics(&self, stream: &str) -> bool {
        let la = self.log_analytics_names();
        self.props().data_flows.unwrap_or_default().iter().any(|f| {
            has(&f.streams, stream)
                && f.destinations
                    .iter()
                    .flatten()
                    .any(|d| la.iter().any(|n| n.eq_ignore_ascii_case(d)))
        })
    }
    /// Windows: a `windowsEventLogs` source with an `xPathQueries` entry
    /// starting `Security!`; `Some(true)` when one of its security streams
    /// flows to Log Analytics, `Some(false)` when none does, `None` when no
    /// source collects the Security log.
    pub fn windows_security(&self) -> Option<bool> {
        let sources = self
            .props()
            .data_sources
            .and_then(|d| d.windows_event_logs)
            .unwrap_or_default();
        let mut found = None;
        for s in sources {
            let security = s.x_path_queries.iter().flatten().any(|q| {
                q.trim_start()
                    .get(..9)
                    .is_some_and(|p| p.eq_ignore_ascii_case("Security!"))
            });
            if !security {
                continue;
            }
            let flows = WINDOWS_SECURITY_STREAMS
                .iter()
                .any(|st| has(&s.streams, st) && self.flows_to_log_analytics(st));
            found = Some(found.unwrap_or(false) || flows);
        }
        found
    }
    /// Linux: a `syslog` source whose `facilityNames` include `auth` and
    /// `authpriv` (or `*`); `Some(true)` when its `Microsoft-Syslog` stream
    /// flows to Log Analytics, `Some(false)` when not, `None` when no source
    /// collects both facilities. Also the facilities missing from the best
    /// syslog source, for the reason.
    pub fn linux_security(&self) -> (Option<bool>, Vec<&'static str>) {
        let sources = self
            .props()
            .data_sources
            .and_then(|d| d.syslog)
            .unwrap_or_default();
        let mut found = None;
        let mut missing: Option<Vec<&'static str>> = None;
        for s in sources {
            let all = has(&s.facility_names, "*");
            let lacking: Vec<&'static str> = ["auth", "authpriv"]
                .into_iter()
                .filter(|f| !all && !has(&s.facility_names, f))
                .collect();
            if !lacking.is_empty() {
                if missing.as_ref().is_none_or(|m| lacking.len() < m.len()) {
                    missing = Some(lacking);
                }
                continue;
            }
            let flows =
                has(&s.streams, SYSLOG_STREAM) && self.flows_to_log_analytics(SYSLOG_STREAM);
            found = Some(found.unwrap_or(false) || flows);
        }
        (found, missing.unwrap_or_default())
    }
}

/// The upstream example bodies (tests/fixtures/arm-examples, origin in its SOURCES.md).
#[cfg(test)]
mod upstream {
    use super::*;
    use crate::inventory::Listing;
    use serde_json::Value;

    fn body(text: &str) -> Value {
        let v: Value = serde_json::from_str(text).expect("example parses");
        v["responses"]["200"]["body"].clone()
    }

    fn items<T: serde::de::DeserializeOwned>(text: &str) -> Listing<T> {
        let value = body(text)["value"].as_array().expect("a list").clone();
        Listing::parse(value)
    }

    #[test]
    fn virtual_machine_list() {
        let l: Listing<Machine> = items(arm_example!(
            "compute/VirtualMachine_ListBySubscription_ByLocation.json"
        ));
        assert!(l.malformed.is_empty(), "{:?}", l.malformed);
        assert_eq!(l.items.len(), 2);
        assert!(!l.items[0].is_arc());
        assert_eq!(l.items[0].os(), Some(Os::Windows));
        assert_eq!(l.items[0].display_name(), "{virtualMachineName}");
    }

    #[test]
    fn arc_machine_list_has_no_os_type() {
        let l: Listing<Machine> = items(arm_example!(
            "hybridcompute/Machines_ListBySubscription.json"
        ));
        assert!(l.malformed.is_empty(), "{:?}", l.malformed);
        assert_eq!(l.items.len(), 2);
        assert!(l.items.iter().all(Machine::is_arc));
        // `"osType": null` upstream: an unknown OS, not a parse failure.
        assert_eq!(l.items[0].os_type(), None);
        assert_eq!(l.items[1].os(), None);
    }

    #[test]
    fn extension_lists() {
        let vm: Listing<Extension> = items(arm_example!(
            "compute/VirtualMachineExtension_List_MaximumSet_Gen.json"
        ));
        assert!(vm.malformed.is_empty());
        assert_eq!(vm.items[0].extension_type().as_deref(), Some("extType"));
        assert_eq!(
            vm.items[0].provisioning_state().as_deref(),
            Some("Creating")
        );
        assert!(!vm.items[0].is_azure_monitor_agent() && !vm.items[0].succeeded());
        let arc: Listing<Extension> = items(arm_example!("hybridcompute/Extension_List.json"));
        assert!(arc.malformed.is_empty());
        assert_eq!(arc.items.len(), 2);
        assert!(arc.items[0].succeeded());
        assert!(arc
            .items
            .iter()
            .all(|e| !e.is_azure_monitor_agent() && !e.is_legacy_agent()));
    }

    #[test]
    fn association_names_its_rule() {
        let a: DcrAssociation = serde_json::from_value(body(arm_example!(
            "monitor/DataCollectionRuleAssociationsCreate.json"
        )))
        .expect("parses");
        assert_eq!(
            a.rule_id(),
            Some("/subscriptions/703362b3-f278-4e4b-9179-c76eaf41ffc2/resourceGroups/myResourceGroup/providers/Microsoft.Insights/dataCollectionRules/myCollectionRule")
        );
    }

    #[test]
    fn data_collection_rules() {
        let l: Listing<DataCollectionRule> = items(arm_example!(
            "monitor/DataCollectionRulesListBySubscription.json"
        ));
        assert!(l.malformed.is_empty(), "{:?}", l.malformed);
        let (mine, hers) = (&l.items[0], &l.items[1]);
        // `Security!` and `Security!*` through Microsoft-WindowsEvent to the workspace.
        assert_eq!(mine.windows_security(), Some(true));
        assert_eq!(hers.windows_security(), Some(true));
        // Syslog of cron and syslog only: neither auth nor authpriv.
        assert_eq!(mine.linux_security(), (None, vec!["auth", "authpriv"]));
        assert_eq!(hers.linux_security(), (None, vec![]));
        assert!(mine.flows_to_log_analytics("Microsoft-Syslog"));
        assert_eq!(
            hers.workspace_ids(),
            vec!["/subscriptions/703362b3-f278-4e4b-9179-c76eaf41ffc2/resourceGroups/herResourceGroup/providers/Microsoft.OperationalInsights/workspaces/herTeamWorkspace".to_string()]
        );
    }
}
