//! One scan from input to inventory: picks the backend (demo, replay, live),
//! builds the client, collects, and records when asked.

use crate::azure::collect::{collect_history, collect_scan, CollectError, Target};
use crate::azure::credentials::{self, AuthError, AuthMethod};
use crate::azure::http::{ArmClient, Auth, ClientOptions, StatsSnapshot};
use crate::azure::recording::{self, Header, Matcher, Recording, RecordingError};
use crate::inventory::{HistoryWindow, Inventory};
use crate::util::scan_time::{self, ScanTime};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// The demo estate, embedded so `azward scan --demo` needs no files and no network.
pub const DEMO_RECORDING: &[u8] = include_bytes!("../../demo/estate.jsonl");
pub const DEMO_NAME: &str = "<embedded demo estate>";

/// Where the data came from.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    /// `live`, `replay` or `demo`.
    pub mode: &'static str,
    pub arm_endpoint: String,
    /// The recording replayed or written, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording: Option<RecordingInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordingInfo {
    pub path: String,
    /// SHA-256 of the file's bytes as stored (compressed bytes for `.gz`).
    pub sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Input {
    Demo,
    Replay(PathBuf),
    /// A recording already loaded (and perhaps changed: `azward plan`'s
    /// planned estate), replayed as `mode` (`demo` or `replay`).
    Recording {
        recording: std::sync::Arc<Recording>,
        mode: &'static str,
    },
    Live {
        auth: AuthMethod,
    },
}

#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub input: Input,
    /// `--arm-endpoint`; for a replay, overrides the header's cloud.
    pub arm_endpoint: Option<String>,
    pub record: Option<PathBuf>,
    /// The tenant of a scan whose token does not say (`--auth none`), or an override.
    pub tenant_id: Option<String>,
    pub target: Target,
    pub client: ClientOptions,
    /// What the workspace queries (calls 28–30) ask: the parameters in force.
    pub flow: crate::azure::flow::FlowQueries,
    /// The scan time, when forced (tests); else a live scan's start truncated
    /// to the second, or a replay's header `recorded_at` ([`crate::util::scan_time`]).
    pub scan_time: Option<ScanTime>,
    /// The Activity Log reads (rows 36–37): `None` reads no history.
    pub history: Option<HistoryOptions>,
    /// Only the subscriptions and their Activity Log (rows 1, 36, 37): what
    /// `azward timeline` needs.
    pub history_only: bool,
}

/// How the Activity Log is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryOptions {
    /// `history_days`: the window ends at the scan time.
    pub days: i64,
    /// Events per listing beyond which the scope is `error` (never a silent truncation).
    pub max_events: usize,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions {
            days: 90,
            max_events: DEFAULT_HISTORY_MAX_EVENTS,
        }
    }
}

/// The longest window read: ten years (the Activity Log itself keeps 90 days).
pub const MAX_HISTORY_DAYS: i64 = 3650;

/// The default bound on events per Activity Log listing.
pub const DEFAULT_HISTORY_MAX_EVENTS: usize = 50_000;

impl HistoryOptions {
    /// The window ending at `scan_time`: `days`, bounded to
    /// [`MAX_HISTORY_DAYS`] (a profile's integer has no upper bound).
    pub fn window(&self, scan_time: ScanTime) -> HistoryWindow {
        let days = self.days.clamp(0, MAX_HISTORY_DAYS);
        let start = scan_time
            .checked_sub(time::Duration::days(days))
            .unwrap_or(scan_time);
        HistoryWindow {
            start: scan_time::format(start),
            end: scan_time::format(scan_time),
            days,
            max_events: self.max_events,
        }
    }
}

impl ScanOptions {
    /// `input` read as `azward scan` reads it by default: every visible
    /// subscription, the cloud the input names, the default client, no recording.
    pub fn new(input: Input) -> ScanOptions {
        ScanOptions {
            input,
            arm_endpoint: None,
            record: None,
            tenant_id: None,
            target: Target::All,
            client: ClientOptions::default(),
            flow: Default::default(),
            scan_time: None,
            history: Some(HistoryOptions::default()),
            history_only: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Recording(#[from] RecordingError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Collect(#[from] CollectError),
    #[error("could not set up the HTTP client: {0}")]
    Client(String),
    #[error("--record {0}: that is the recording being replayed; record to another file")]
    RecordOverReplay(PathBuf),
    #[error("could not write the recording {path}: {source}")]
    WriteRecording {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub struct ScanOutcome {
    pub inventory: Inventory,
    pub source: Source,
    pub stats: StatsSnapshot,
    pub started: SystemTime,
    pub finished: SystemTime,
    /// The scan time every time-relative read and check used.
    pub scan_time: ScanTime,
    /// The credential used, for a live scan.
    pub auth_used: Option<AuthMethod>,
}

pub async fn run(opts: &ScanOptions) -> Result<ScanOutcome, ScanError> {
    let started = SystemTime::now();
    let (client, tenant, mut source, auth_used) = match &opts.input {
        Input::Demo => {
            let rec = Recording::from_bytes(DEMO_RECORDING, Path::new(DEMO_NAME))?;
            let (c, t, s) =
                replay_client(rec, opts.arm_endpoint.clone(), opts.client.clone(), "demo");
            (c, t, s, None)
        }
        Input::Recording { recording, mode } => {
            let (c, t, s) = replay_client(
                (**recording).clone(),
                opts.arm_endpoint.clone(),
                opts.client.clone(),
                mode,
            );
            (c, t, s, None)
        }
        Input::Replay(path) => {
            if let Some(out) = opts
                .record
                .as_ref()
                .filter(|r| recording::same_file(r, path))
            {
                return Err(ScanError::RecordOverReplay(out.clone()));
            }
            let rec = Recording::load(path)?;
            let (c, t, s) = replay_client(
                rec,
                opts.arm_endpoint.clone(),
                opts.client.clone(),
                "replay",
            );
            (c, t, s, None)
        }
        Input::Live { auth } => {
            let endpoint = opts
                .arm_endpoint
                .clone()
                .unwrap_or_else(|| recording::PUBLIC_ARM.to_string());
            let (auth, tenant, used) = if *auth == AuthMethod::None {
                if !credentials::is_loopback(&endpoint) {
                    return Err(AuthError::NoneNotLoopback.into());
                }
                (Auth::Anonymous, opts.tenant_id.clone(), AuthMethod::None)
            } else {
                // Refused before any token is asked for.
                crate::azure::http::token_may_go_to(&endpoint)
                    .map_err(|e| ScanError::Client(e.to_string()))?;
                let a = credentials::acquire(*auth, &endpoint).await?;
                let scope = credentials::scope_for(&endpoint);
                (
                    Auth::Credential {
                        credential: a.credential,
                        scope,
                    },
                    a.tenant_id,
                    a.method,
                )
            };
            let client = ArmClient::live(&endpoint, auth, opts.client.clone())
                .map_err(|e| ScanError::Client(e.to_string()))?;
            let source = Source {
                mode: "live",
                arm_endpoint: client.endpoint().to_string(),
                recording: None,
            };
            (client, tenant, source, Some(used))
        }
    };
    let client = if opts.record.is_some() {
        client.with_recorder()
    } else {
        client
    };
    let tenant = opts.tenant_id.clone().or(tenant);
    // The scan's clock: forced, or a replay's `recorded_at` (so it answers
    // as the live scan did), or a live scan's start. A replay whose header
    // has no `recorded_at` has no known clock: its history (whose requests
    // name the window) is not read, and the checks judged on a window
    // (AZ-FLOW-001/002) are `error`.
    let known = match (&opts.scan_time, &source.recording) {
        (Some(t), _) => Some(scan_time::truncate(*t)),
        (None, Some(r)) => r.recorded_at.as_deref().and_then(scan_time::parse),
        (None, None) => Some(scan_time::live(started)),
    };
    let scan_time = known.unwrap_or_else(|| scan_time::live(started));
    // No known clock, no history: a window on this moment's wall clock is
    // not the recording's (its listings are not found) and would make the
    // report of a replay differ from one run to the next. AZ-HIST-001 is
    // then `error` ("not read") on every scope.
    let window = known.and(opts.history).map(|h| h.window(scan_time));
    let mut inventory = if opts.history_only {
        collect_history(&client, &opts.target, tenant.clone(), window).await?
    } else {
        collect_scan(&client, &opts.target, tenant.clone(), &opts.flow, window).await?
    };
    inventory.scan_time = known.map(|t| t.unix_timestamp());
    if !opts.history_only {
        mark_unreadable(&mut inventory);
    }
    let finished = SystemTime::now();
    if let Some(path) = &opts.record {
        let header = record_header(&source, client.endpoint(), tenant, scan_time);
        // Through an emulator, its nextLinks point back at the cloud the
        // header names, so the recording replays like one made against it.
        let cloud = recording::cloud_endpoint(cloud_name(client.endpoint()))
            .unwrap_or(recording::PUBLIC_ARM);
        let exchanges = recording::rebased(client.recorded(), client.endpoint(), cloud);
        let sha256 = recording::write(path, &header, &exchanges).map_err(|source| {
            ScanError::WriteRecording {
                path: path.clone(),
                source,
            }
        })?;
        if source.recording.is_none() {
            source.recording = Some(RecordingInfo {
                path: path.display().to_string(),
                sha256,
                recorded_at: header.recorded_at,
            });
        }
    }
    Ok(ScanOutcome {
        inventory,
        source,
        stats: client.stats.snapshot(),
        started,
        finished,
        scan_time,
        auth_used,
    })
}

/// The header of a scan's recording. A re-recorded replay (or demo) says so
/// in `tool` (the spec's header has no other field for it), naming the
/// recording it replayed and its SHA-256, and keeps that recording's
/// `recorded_at`: the scan time a replay uses.
fn record_header(
    source: &Source,
    endpoint: &str,
    tenant: Option<String>,
    scan_time: ScanTime,
) -> Header {
    let tool = format!("azward {}", env!("CARGO_PKG_VERSION"));
    let (tool, recorded_at) = match &source.recording {
        Some(r) => (
            format!(
                "{tool} (re-recorded from a {} of {} sha256:{})",
                source.mode, r.path, r.sha256
            ),
            r.recorded_at.clone(),
        ),
        None => (tool, None),
    };
    Header {
        recording: 1,
        cloud: Some(cloud_name(endpoint).into()),
        tenant_id: tenant,
        recorded_at: recorded_at.or_else(|| Some(scan_time::format(scan_time))),
        tool: Some(tool),
    }
}

/// Baseline "Tenancy and scope": a subscription found but whose every read
/// failed (every list refused) is **unreadable**, like one not found: it is
/// listed with that status and its cause, and can never pass a gate.
pub fn mark_unreadable(inv: &mut crate::inventory::Inventory) {
    use crate::inventory::SubscriptionStatus;
    for s in &mut inv.subscriptions {
        if s.status != SubscriptionStatus::Scanned {
            continue;
        }
        let errors = [
            s.resources.as_ref().err(),
            s.diagnostic_settings.as_ref().err(),
            s.vaults.as_ref().err(),
            s.storage_accounts.as_ref().err(),
            s.workspaces.as_ref().err(),
            s.activity_log_alerts.as_ref().err(),
            s.scheduled_query_rules.as_ref().err(),
            s.action_groups.as_ref().err(),
            s.pricings.as_ref().err(),
            s.security_contacts.as_ref().err(),
            s.network_watchers.as_ref().err(),
            s.locks.as_ref().err(),
            s.role_assignments.as_ref().err(),
            s.virtual_networks.as_ref().err(),
            s.network_security_groups.as_ref().err(),
            s.virtual_machines.as_ref().err(),
            s.arc_machines.as_ref().err(),
        ];
        if let [Some(first), ..] = errors {
            if errors.iter().all(Option::is_some) {
                let mut error = first.clone();
                error.message = format!(
                    "every read of the subscription failed; first: {}",
                    error.message
                );
                s.status = SubscriptionStatus::Error { error };
            }
        }
    }
}

fn cloud_name(endpoint: &str) -> &'static str {
    let e = endpoint.to_ascii_lowercase();
    if e.contains("usgovcloudapi") {
        "AzureUSGovernment"
    } else if e.contains("chinacloudapi") {
        "AzureChinaCloud"
    } else {
        "AzureCloud"
    }
}

/// A client answering from `rec` (at `arm_endpoint`, else the recording's
/// cloud), the recording's tenant, and the report's `source`.
pub fn replay_client(
    rec: Recording,
    arm_endpoint: Option<String>,
    options: ClientOptions,
    mode: &'static str,
) -> (ArmClient, Option<String>, Source) {
    let endpoint = arm_endpoint.unwrap_or_else(|| rec.endpoint().to_string());
    let info = RecordingInfo {
        path: rec.source.display().to_string(),
        sha256: rec.sha256.clone(),
        recorded_at: rec.header.recorded_at.clone(),
    };
    let tenant = rec.header.tenant_id.clone();
    let matcher = Arc::new(Matcher::new(rec.exchanges, &endpoint));
    let client = ArmClient::replay(matcher, options);
    let source = Source {
        mode,
        arm_endpoint: client.endpoint().to_string(),
        recording: Some(info),
    };
    (client, tenant, source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Inventory, ReadError, Subscription, SubscriptionStatus};

    #[tokio::test]
    async fn recording_onto_the_replayed_file_is_refused_and_a_re_recording_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let replayed = dir.path().join("r.jsonl");
        std::fs::write(&replayed, DEMO_RECORDING).unwrap();
        let mut opts = ScanOptions::new(Input::Replay(replayed.clone()));
        // The same file by another name.
        opts.record = Some(dir.path().join(".").join("r.jsonl"));
        let e = run(&opts).await.err().expect("refused");
        assert!(matches!(e, ScanError::RecordOverReplay(_)), "{e}");
        assert_eq!(std::fs::read(&replayed).unwrap(), DEMO_RECORDING);

        let out = dir.path().join("again.jsonl");
        opts.record = Some(out.clone());
        run(&opts).await.unwrap();
        let original = Recording::from_bytes(DEMO_RECORDING, Path::new("d")).unwrap();
        let again = Recording::load(&out).unwrap();
        let tool = again.header.tool.unwrap();
        assert!(tool.contains("re-recorded from a replay of"), "{tool}");
        assert!(tool.contains(&original.sha256), "{tool}");
        assert_eq!(again.header.recorded_at, original.header.recorded_at);
    }

    #[test]
    fn the_history_window_ends_at_the_scan_time_and_is_bounded() {
        let t = scan_time::parse("2026-11-20T09:00:00Z").unwrap();
        let w = HistoryOptions::default().window(t);
        assert_eq!(
            (w.start.as_str(), w.end.as_str(), w.days),
            ("2026-08-22T09:00:00Z", "2026-11-20T09:00:00Z", 90)
        );
        // A profile's `history_days` has no upper bound: never an overflow.
        let w = HistoryOptions {
            days: i64::MAX,
            max_events: 1,
        }
        .window(t);
        assert_eq!(
            (w.start.as_str(), w.days),
            ("2016-11-22T09:00:00Z", MAX_HISTORY_DAYS)
        );
    }

    #[test]
    fn a_subscription_whose_every_read_failed_is_unreadable() {
        let refused = ReadError {
            request: "GET /subscriptions/a/resources".into(),
            status: Some(403),
            code: "AuthorizationFailed".into(),
            message: "no".into(),
        };
        let mut inv = Inventory::new(None);
        inv.subscriptions = vec![
            Subscription::failed("a", SubscriptionStatus::Scanned, &refused),
            Subscription::empty("b"),
        ];
        let mut partly = Subscription::failed("c", SubscriptionStatus::Scanned, &refused);
        partly.vaults = Ok(Default::default());
        inv.subscriptions.push(partly);
        mark_unreadable(&mut inv);
        let st: Vec<&SubscriptionStatus> = inv.subscriptions.iter().map(|s| &s.status).collect();
        assert!(
            matches!(st[0], SubscriptionStatus::Error { error } if error.code == "AuthorizationFailed"),
            "{st:?}"
        );
        assert_eq!(st[1], &SubscriptionStatus::Scanned);
        assert_eq!(st[2], &SubscriptionStatus::Scanned, "one read succeeded");
    }
}
