//! The Activity Log as read for the tamper history (baseline 1.2, HIST;
//! recording spec rows 36–37): the events of each scope, and what could not
//! be read. A scope keeps the events of the listings that were read even when
//! another of its listings failed, so a `fail` established from what was read
//! stands (baseline "Which results become `error`").

use super::{Malformed, ReadError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The window of a history read: `history_days` before the scan time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryWindow {
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub start: String,
    /// The scan time, `YYYY-MM-DDTHH:MM:SSZ`.
    pub end: String,
    pub days: i64,
    /// The bound on events per listing beyond which the scope is `error`.
    pub max_events: usize,
}

/// The Activity Log of one scope (a subscription's nine provider listings,
/// or the tenant's one).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HistoryRead {
    pub events: Vec<ActivityEvent>,
    /// Events that could not be parsed (wrong field types).
    pub malformed: Vec<Malformed>,
    /// Listings that failed, or that held more events than the bound (the
    /// events read before the bound are kept, so a fail found in them stands;
    /// the error keeps the scope from ever passing on a truncated history).
    pub errors: Vec<ReadError>,
}

impl HistoryRead {
    /// The events, each once: an event listed twice (on two pages, or by
    /// two listings) has the same identity ([`ActivityEvent::key`],
    /// case-insensitive); events without one are all kept.
    pub fn distinct(&self) -> impl Iterator<Item = &ActivityEvent> {
        let mut seen = std::collections::HashSet::new();
        self.events
            .iter()
            .filter(move |e| e.key().is_none_or(|k| seen.insert(k.to_ascii_lowercase())))
    }
}

/// Rows 36 and 37, when the scan read the history.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct History {
    /// `None` when the scan did not read the Activity Log.
    pub window: Option<HistoryWindow>,
    /// Row 36, keyed by lower-case subscription id.
    pub subscriptions: BTreeMap<String, HistoryRead>,
    /// Row 37.
    pub tenant: Option<HistoryRead>,
}

/// A `{value, localizedValue}` pair of the Activity Log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Localizable {
    pub value: Option<String>,
    pub localized_value: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequestInfo {
    pub client_ip_address: Option<String>,
}

/// One Activity Log event (lenient: every field optional, unknown ones ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityEvent {
    pub id: Option<String>,
    pub event_data_id: Option<String>,
    pub event_timestamp: Option<String>,
    pub operation_name: Option<Localizable>,
    pub status: Option<Localizable>,
    pub caller: Option<String>,
    pub http_request: Option<HttpRequestInfo>,
    pub resource_id: Option<String>,
    pub correlation_id: Option<String>,
    pub subscription_id: Option<String>,
}

impl ActivityEvent {
    pub fn operation(&self) -> &str {
        self.operation_name
            .as_ref()
            .and_then(|o| o.value.as_deref())
            .unwrap_or("")
    }
    pub fn status_value(&self) -> &str {
        self.status
            .as_ref()
            .and_then(|o| o.value.as_deref())
            .unwrap_or("")
    }
    pub fn caller(&self) -> &str {
        self.caller.as_deref().unwrap_or("")
    }
    pub fn client_ip(&self) -> &str {
        self.http_request
            .as_ref()
            .and_then(|h| h.client_ip_address.as_deref())
            .unwrap_or("")
    }
    pub fn timestamp(&self) -> &str {
        self.event_timestamp.as_deref().unwrap_or("")
    }
    /// What identifies the event when an event is listed twice (by two
    /// provider listings, or on two pages): `eventDataId`, else `id`.
    pub fn key(&self) -> Option<&str> {
        self.event_data_id.as_deref().or(self.id.as_deref())
    }
}
