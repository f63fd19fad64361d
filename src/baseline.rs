//! The baseline in force for a scan: which checks run, at which severity, with
//! which parameters. The defaults are those of baseline v1.1
//! (`specs/baseline.md`, "Parameters").

use crate::checks::{Check, Severity, REGISTRY};
use serde::Serialize;
use std::collections::BTreeMap;

/// The version of the baseline specification the checks implement.
pub const BASELINE_VERSION: &str = "1.1";

/// Every parameter of the baseline, with its default.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Params {
    pub law_min_retention_days: i64,
    pub law_min_total_retention_days: i64,
    pub security_tables: Vec<String>,
    pub archive_min_immutability_days: i64,
    pub flow_log_min_retention_days: i64,
    pub required_defender_plans: Vec<String>,
    pub defender_servers_plan: String,
    pub kv_max_privileged_principals: usize,
    pub required_sentinel_connectors: Vec<String>,
    pub dedicated_table_types: Vec<String>,
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

impl Default for Params {
    fn default() -> Self {
        Params {
            law_min_retention_days: 90,
            law_min_total_retention_days: 365,
            security_tables: strings(&[
                "SigninLogs",
                "AuditLogs",
                "AADNonInteractiveUserSignInLogs",
                "AADServicePrincipalSignInLogs",
                "AzureActivity",
                "AzureDiagnostics",
                "AZKVAuditLogs",
                "StorageBlobLogs",
                "SecurityEvent",
                "Syslog",
            ]),
            archive_min_immutability_days: 365,
            flow_log_min_retention_days: 90,
            required_defender_plans: strings(&[
                "VirtualMachines",
                "StorageAccounts",
                "KeyVaults",
                "Arm",
                "SqlServers",
                "AppServices",
                "Containers",
                "CloudPosture",
            ]),
            defender_servers_plan: "P2".into(),
            kv_max_privileged_principals: 5,
            required_sentinel_connectors: strings(&[
                "EntraIDLogs",
                "AzureSecurityCenter",
                "MicrosoftThreatProtection",
            ]),
            dedicated_table_types: strings(&[
                "Microsoft.KeyVault/vaults",
                "Microsoft.Network/azureFirewalls",
                "Microsoft.ContainerService/managedClusters",
            ]),
        }
    }
}

/// A check as the baseline enables it.
#[derive(Debug, Clone, Serialize)]
pub struct EnabledCheck {
    #[serde(skip)]
    pub check: &'static Check,
    pub id: &'static str,
    /// The effective severity, after the profile's overrides.
    pub severity: Severity,
}

/// The baseline in force: name, enabled checks with effective severities, parameters.
#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    pub name: String,
    pub version: String,
    pub params: Params,
    pub checks: Vec<EnabledCheck>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub severity_overrides: BTreeMap<String, Severity>,
}

impl Default for Baseline {
    fn default() -> Self {
        Baseline {
            name: "azward default".into(),
            version: BASELINE_VERSION.into(),
            params: Params::default(),
            checks: REGISTRY
                .iter()
                .map(|c| EnabledCheck {
                    check: c,
                    id: c.id,
                    severity: c.severity,
                })
                .collect(),
            severity_overrides: BTreeMap::new(),
        }
    }
}

impl Baseline {
    pub fn severity_of(&self, id: &str) -> Option<Severity> {
        self.checks.iter().find(|c| c.id == id).map(|c| c.severity)
    }
}
