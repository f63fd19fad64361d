//! The version 1 call set (`specs/recording.md`, "What a scan reads"): paths
//! and the api-version sent today. Every call is a GET with no query
//! parameter but `api-version`.

/// A call of the call set: its row number, a short description, and the api-version.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub row: &'static str,
    pub what: &'static str,
    pub api_version: &'static str,
}

pub const SUBSCRIPTIONS: Call = Call {
    row: "1",
    what: "subscriptions",
    api_version: "2022-12-01",
};
pub const ENTRA_DIAGNOSTICS: Call = Call {
    row: "2",
    what: "Entra ID diagnostic settings",
    api_version: "2017-04-01",
};
pub const MG_DESCENDANTS: Call = Call {
    row: "3",
    what: "management group descendants",
    api_version: "2023-04-01",
};
pub const RESOURCES: Call = Call {
    row: "4",
    what: "resources",
    api_version: "2021-04-01",
};
pub const SUB_DIAGNOSTICS: Call = Call {
    row: "5",
    what: "subscription diagnostic settings",
    api_version: "2021-05-01-preview",
};
pub const VAULTS: Call = Call {
    row: "6",
    what: "key vaults",
    api_version: "2026-02-01",
};
pub const STORAGE_ACCOUNTS: Call = Call {
    row: "7",
    what: "storage accounts",
    api_version: "2025-01-01",
};
pub const BLOB_SERVICE: Call = Call {
    row: "8",
    what: "blob service properties",
    api_version: "2025-01-01",
};
pub const CONTAINERS: Call = Call {
    row: "9",
    what: "blob containers",
    api_version: "2025-01-01",
};
pub const IMMUTABILITY_POLICY: Call = Call {
    row: "9a",
    what: "container immutability policy",
    api_version: "2025-01-01",
};
pub const WORKSPACES: Call = Call {
    row: "10",
    what: "Log Analytics workspaces",
    api_version: "2025-02-01",
};
pub const TABLES: Call = Call {
    row: "11",
    what: "workspace tables",
    api_version: "2025-02-01",
};
pub const RESOURCE_DIAGNOSTICS: Call = Call {
    row: "12",
    what: "diagnostic settings",
    api_version: "2021-05-01-preview",
};
pub const ACTIVITY_LOG_ALERTS: Call = Call {
    row: "13",
    what: "activity log alerts",
    api_version: "2020-10-01",
};
pub const SCHEDULED_QUERY_RULES: Call = Call {
    row: "14",
    what: "scheduled query rules",
    api_version: "2023-12-01",
};
pub const ACTION_GROUPS: Call = Call {
    row: "15",
    what: "action groups",
    api_version: "2023-01-01",
};
pub const PRICINGS: Call = Call {
    row: "16",
    what: "Defender pricings",
    api_version: "2024-01-01",
};
pub const SECURITY_CONTACTS: Call = Call {
    row: "17",
    what: "security contacts",
    api_version: "2023-12-01-preview",
};
pub const NETWORK_WATCHERS: Call = Call {
    row: "18",
    what: "network watchers",
    api_version: "2024-07-01",
};
pub const FLOW_LOGS: Call = Call {
    row: "19",
    what: "flow logs",
    api_version: "2024-07-01",
};
pub const LOCKS: Call = Call {
    row: "20",
    what: "management locks",
    api_version: "2020-05-01",
};
pub const ROLE_ASSIGNMENTS: Call = Call {
    row: "21",
    what: "role assignments",
    api_version: "2022-04-01",
};
pub const ONBOARDING_STATES: Call = Call {
    row: "22",
    what: "Sentinel onboarding states",
    api_version: "2025-09-01",
};
pub const DATA_CONNECTORS: Call = Call {
    row: "23",
    what: "Sentinel data connectors",
    api_version: "2025-09-01",
};
pub const ALERT_RULES: Call = Call {
    row: "24",
    what: "Sentinel analytics rules",
    api_version: "2025-09-01",
};
pub const SENTINEL_SETTINGS: Call = Call {
    row: "25",
    what: "Sentinel settings",
    api_version: "2025-07-01-preview",
};
pub const VIRTUAL_NETWORKS: Call = Call {
    row: "26",
    what: "virtual networks",
    api_version: "2024-07-01",
};
pub const NSGS: Call = Call {
    row: "27",
    what: "network security groups",
    api_version: "2024-07-01",
};
/// Calls 28–30: the Log Analytics query API through Resource Manager
/// (`{workspace}/query?query=Q1|Q2|Q3`, see [`crate::azure::flow`]).
pub const WORKSPACE_QUERY: Call = Call {
    row: "28-30",
    what: "workspace query",
    api_version: "2017-10-01",
};
pub const VIRTUAL_MACHINES: Call = Call {
    row: "31",
    what: "virtual machines",
    api_version: "2024-07-01",
};
pub const ARC_MACHINES: Call = Call {
    row: "32",
    what: "Azure Arc machines",
    api_version: "2024-07-10",
};
pub const VM_EXTENSIONS: Call = Call {
    row: "33",
    what: "virtual machine extensions",
    api_version: "2024-07-01",
};
pub const ARC_EXTENSIONS: Call = Call {
    row: "33",
    what: "Arc machine extensions",
    api_version: "2024-07-10",
};
pub const DCR_ASSOCIATIONS: Call = Call {
    row: "34",
    what: "data collection rule associations",
    api_version: "2022-06-01",
};
pub const DATA_COLLECTION_RULE: Call = Call {
    row: "35",
    what: "data collection rule",
    api_version: "2022-06-01",
};

/// Row 36: a subscription's Activity Log, one filtered listing per provider
/// of [`HISTORY_PROVIDERS`] (baseline 1.2, tamper history).
pub const ACTIVITY_LOG: Call = Call {
    row: "36",
    what: "Activity Log",
    api_version: "2015-04-01",
};
/// Row 37: the tenant-level Activity Log events.
pub const TENANT_ACTIVITY_LOG: Call = Call {
    row: "37",
    what: "tenant Activity Log",
    api_version: "2015-04-01",
};

/// The providers of the HIST operations, one row-36 listing each, in the
/// order of the recording spec.
pub const HISTORY_PROVIDERS: [&str; 9] = [
    "Microsoft.Insights",
    "Microsoft.OperationalInsights",
    "Microsoft.Network",
    "Microsoft.Storage",
    "Microsoft.KeyVault",
    "Microsoft.Authorization",
    "Microsoft.SecurityInsights",
    "Microsoft.Security",
    "Microsoft.Compute",
];

/// The fixed `$filter` of rows 36 (F, with a provider) and 37 (F0, without):
/// `start` and `end` as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn history_filter(start: &str, end: &str, provider: Option<&str>) -> String {
    let f = format!("eventTimestamp ge '{start}' and eventTimestamp le '{end}'");
    match provider {
        Some(p) => format!("{f} and resourceProvider eq '{p}'"),
        None => f,
    }
}

/// The URL of a row-36 listing (`sub` given) or of row 37: the call's path,
/// `api-version`, then the filter, percent-encoded.
pub fn history_url(sub: Option<&str>, filter: &str) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let (call, base) = match sub {
        Some(s) => (&ACTIVITY_LOG, format!("/subscriptions/{s}")),
        None => (&TENANT_ACTIVITY_LOG, String::new()),
    };
    format!(
        "{}&$filter={}",
        call.url(
            &base,
            "/providers/Microsoft.Insights/eventtypes/management/values"
        ),
        utf8_percent_encode(filter, NON_ALPHANUMERIC)
    )
}

impl Call {
    /// `{base}{suffix}?api-version=…`.
    pub fn url(&self, base: &str, suffix: &str) -> String {
        format!(
            "{}{}?api-version={}",
            base.trim_end_matches('/'),
            suffix,
            self.api_version
        )
    }
}

/// `/subscriptions/{sub}/providers/{provider_path}?api-version=…`.
pub fn sub_url(call: &Call, sub: &str, provider_path: &str) -> String {
    call.url(&format!("/subscriptions/{sub}"), provider_path)
}

/// Ensures a resource id from a body is usable as a path: leading `/`, no trailing `/`.
pub fn id_path(id: &str) -> String {
    let t = id.trim().trim_end_matches('/');
    if t.starts_with('/') {
        t.to_string()
    } else {
        format!("/{t}")
    }
}
