//! A loopback HTTP server that serves a recording as Resource Manager would,
//! for tests, benchmarks and demos (`azward-lab emulate`).
//!
//! - It binds loopback addresses only, answers every method but GET (and an
//!   allow-listed POST) with 405, and rewrites recorded `nextLink`s to its own
//!   origin.
//! - Reads are throttled like ARM's: a token bucket per subscription (the
//!   subscription in the path) and one for tenant-level calls, by default 250
//!   tokens refilled at 25 per second. Every answer carries
//!   `x-ms-ratelimit-remaining-subscription-reads` (or `-tenant-reads`); an
//!   empty bucket answers 429 with `Retry-After` (whole seconds until a token).
//!   A Resource Graph query (the allow-listed POST, matched by its body)
//!   also draws on Resource Graph's own bucket (15 refilled at 3 per second)
//!   and carries `x-ms-user-quota-remaining` / `-resets-after`.
//! - Latency (fixed plus uniform jitter) and faults (500/503, connection
//!   reset, truncated or malformed body, slow body, 403 on chosen
//!   subscriptions) are injected by rate or by rule. Random choices are a
//!   function of the seed, the request and how many times it was asked, so a
//!   run is reproducible whatever order concurrent requests arrive in.
//! - It logs each request: method, path, when (from start), whether an
//!   Authorization header came (never its value), status and injected fault.

use azward::azure::http::{
    is_graph_request, rate_scope, remaining_header, RateLimit, GRAPH_REMAINING_HEADER,
    GRAPH_RESETS_HEADER, GRAPH_SCOPE, POST_ALLOW_LIST,
};
use azward::azure::recording::{
    body_bytes, rebase_next_link, Exchange, Matcher, Recording, RecordingError,
};
use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// A request the emulator received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    pub path_and_query: String,
    pub had_authorization: bool,
    /// The status answered; 0 when the connection was dropped (an injected reset).
    pub status: u16,
    /// When it arrived, from the emulator's start.
    pub at: Duration,
    /// The fault injected into its answer, if any.
    pub fault: Option<&'static str>,
}

/// Delays the response to requests whose path contains `path_contains`.
#[derive(Debug, Clone)]
pub struct DelayRule {
    pub path_contains: String,
    pub delay: Duration,
}

/// The read quotas, as Resource Manager enforces them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    /// Each subscription's bucket (requests whose path names a subscription).
    pub subscription: RateLimit,
    /// The tenant's bucket (`/subscriptions`, `/providers/...`).
    pub tenant: RateLimit,
    /// Resource Graph's per-user quota (its queries draw on the tenant's
    /// bucket too), under the key [`GRAPH_SCOPE`].
    pub graph: RateLimit,
}

impl Throttle {
    /// The bucket a request draws on: its subscription's, or (no
    /// subscription in its path) the tenant's.
    pub fn for_scope(&self, scope: &Option<String>) -> RateLimit {
        if scope.as_deref() == Some(GRAPH_SCOPE) {
            self.graph
        } else if scope.is_some() {
            self.subscription
        } else {
            self.tenant
        }
    }
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            subscription: RateLimit::ARM,
            tenant: RateLimit::ARM,
            graph: RateLimit::GRAPH,
        }
    }
}

/// Latency added to every answer: `fixed`, plus or minus a uniform `jitter`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Latency {
    pub fixed: Duration,
    pub jitter: Duration,
}

impl Latency {
    /// `80ms`, `80ms±40ms` (or `80ms+-40ms`), `1.5s`, `0`.
    pub fn parse(s: &str) -> Result<Latency, String> {
        let t = s.trim();
        let (fixed, jitter) = match t.split_once('±').or_else(|| t.split_once("+-")) {
            Some((f, j)) => (parse_duration(f)?, parse_duration(j)?),
            None => (parse_duration(t)?, Duration::ZERO),
        };
        Ok(Latency { fixed, jitter })
    }

    /// The least latency a request can get.
    pub fn min(&self) -> Duration {
        self.fixed.saturating_sub(self.jitter)
    }

    fn sample(&self, rng: &mut fastrand::Rng) -> Duration {
        if self.jitter.is_zero() {
            return self.fixed;
        }
        let lo = self.min().as_micros() as u64;
        let hi = (self.fixed + self.jitter).as_micros() as u64;
        Duration::from_micros(rng.u64(lo..=hi))
    }
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", show_duration(self.fixed))?;
        if !self.jitter.is_zero() {
            write!(f, "±{}", show_duration(self.jitter))?;
        }
        Ok(())
    }
}

fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// `250ms`, `1.5s`, `2m`, `1h`, `500us`; a bare number is milliseconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 80ms, 1.5s, 2m)"))?;
    let secs = match unit.trim() {
        "" | "ms" => v / 1000.0,
        "us" | "µs" => v / 1_000_000.0,
        "s" => v,
        "m" | "min" => v * 60.0,
        "h" => v * 3600.0,
        u => return Err(format!("{s:?}: unknown unit {u:?} (us, ms, s, m, h)")),
    };
    if !(0.0..=1e7).contains(&secs) {
        return Err(format!("{s:?} is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// One injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// An error answer with this status (500, 503, 403, 429, …) and an ARM error body.
    Status(u16),
    /// The connection is dropped without an answer.
    Reset,
    /// Headers announce the whole body; half of it is sent, then the connection drops.
    Truncated,
    /// A 2xx whose body is cut in half: not JSON.
    Malformed,
    /// Half the body, a pause, then the rest.
    SlowBody(Duration),
}

impl Fault {
    fn label(self) -> &'static str {
        match self {
            Fault::Status(403) => "forbidden",
            Fault::Status(429) => "throttled",
            Fault::Status(_) => "server-error",
            Fault::Reset => "reset",
            Fault::Truncated => "truncated",
            Fault::Malformed => "malformed",
            Fault::SlowBody(_) => "slow-body",
        }
    }

    /// `500`, `503`, `403`, `reset`, `truncated`, `malformed`, `slow` or `slow:2s`.
    pub fn parse(s: &str) -> Result<Fault, String> {
        let t = s.trim().to_ascii_lowercase();
        if let Ok(code) = t.parse::<u16>() {
            if (400..=599).contains(&code) {
                return Ok(Fault::Status(code));
            }
        }
        Ok(match t.as_str() {
            "reset" => Fault::Reset,
            "truncated" | "truncate" => Fault::Truncated,
            "malformed" => Fault::Malformed,
            "slow" => Fault::SlowBody(DEFAULT_SLOW_BODY),
            _ => match t.strip_prefix("slow:") {
                Some(d) => Fault::SlowBody(parse_duration(d)?),
                None => {
                    return Err(format!(
                        "unknown fault {s:?} (a 4xx/5xx status, reset, truncated, malformed, slow[:DURATION])"
                    ))
                }
            },
        })
    }
}

/// The largest request body read (a Resource Graph query is a few KB).
pub const MAX_REQUEST_BODY: usize = 1 << 20;

/// How long a slow body stalls halfway, unless told otherwise.
pub const DEFAULT_SLOW_BODY: Duration = Duration::from_secs(2);

/// A fault for requests whose path contains `path_contains` (case-insensitive):
/// the first `times` of them, or all when `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    pub path_contains: String,
    pub fault: Fault,
    pub times: Option<u32>,
}

impl FaultRule {
    /// `TEXT=FAULT` or `TEXT=FAULT*TIMES`, e.g. `/vaults=503*2`, `/storageAccounts=reset`.
    pub fn parse(s: &str) -> Result<FaultRule, String> {
        let (text, rest) = s
            .rsplit_once('=')
            .ok_or_else(|| format!("{s:?}: expected PATH-TEXT=FAULT[*TIMES]"))?;
        let (fault, times) = match rest.split_once('*') {
            Some((f, n)) => (
                f,
                Some(
                    n.trim()
                        .parse::<u32>()
                        .map_err(|_| format!("{s:?}: bad count {n:?}"))?,
                ),
            ),
            None => (rest, None),
        };
        Ok(FaultRule {
            path_contains: text.to_string(),
            fault: Fault::parse(fault)?,
            times,
        })
    }
}

/// Shares of requests given each fault (0.0 to 1.0), drawn independently per request.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FaultRates {
    /// Answered 500 or 503 (half each).
    pub server_errors: f64,
    pub resets: f64,
    pub truncated: f64,
    pub malformed: f64,
    pub slow_bodies: f64,
}

impl FaultRates {
    /// `5xx=10%,reset=2%,truncated=1%,malformed=1%,slow=1%` (a share is a
    /// percentage or a fraction; an empty string is no fault).
    pub fn parse(s: &str) -> Result<FaultRates, String> {
        let mut r = FaultRates::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?}: expected NAME=SHARE"))?;
            let v = value.trim();
            let share = match v.strip_suffix('%') {
                Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
                None => v.parse::<f64>(),
            }
            .map_err(|_| format!("{part:?}: {v:?} is not a share"))?;
            if !(0.0..=1.0).contains(&share) {
                return Err(format!("{part:?}: a share is between 0% and 100%"));
            }
            match name.trim().to_ascii_lowercase().as_str() {
                "5xx" | "server-error" | "server-errors" => r.server_errors = share,
                "reset" | "resets" => r.resets = share,
                "truncated" | "truncate" => r.truncated = share,
                "malformed" => r.malformed = share,
                "slow" | "slow-body" => r.slow_bodies = share,
                n => {
                    return Err(format!(
                        "unknown fault {n:?} (5xx, reset, truncated, malformed, slow)"
                    ))
                }
            }
        }
        let total = r.server_errors + r.resets + r.truncated + r.malformed + r.slow_bodies;
        if total > 1.0 {
            return Err(format!("the shares add up to more than 100% ({s:?})"));
        }
        Ok(r)
    }

    fn pick(&self, rng: &mut fastrand::Rng, slow_body: Duration) -> Option<Fault> {
        let u = rng.f64();
        let mut edge = self.server_errors;
        if u < edge {
            return Some(Fault::Status(if rng.bool() { 500 } else { 503 }));
        }
        for (share, fault) in [
            (self.resets, Fault::Reset),
            (self.truncated, Fault::Truncated),
            (self.malformed, Fault::Malformed),
            (self.slow_bodies, Fault::SlowBody(slow_body)),
        ] {
            edge += share;
            if u < edge {
                return Some(fault);
            }
        }
        None
    }
}

/// Faults to inject.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub rates: FaultRates,
    /// How long a slow body (by rate) stalls; zero means [`DEFAULT_SLOW_BODY`].
    pub slow_body: Duration,
    /// Applied before the rates, first matching rule first.
    pub rules: Vec<FaultRule>,
    /// Subscriptions whose every read is answered 403 AuthorizationFailed.
    pub forbidden_subscriptions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    pub delays: Vec<DelayRule>,
    /// Read quotas; `None` serves without limit. Default: ARM's.
    pub throttle: Option<Throttle>,
    pub latency: Latency,
    pub faults: Faults,
    /// Seeds every random choice (latency jitter, faults by rate).
    pub seed: u64,
    /// POST paths answered (matched on the path, case-insensitively); others get 405.
    pub post_allow_list: Vec<String>,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            delays: Vec::new(),
            throttle: Some(Throttle::default()),
            latency: Latency::default(),
            faults: Faults::default(),
            seed: 0,
            post_allow_list: POST_ALLOW_LIST.iter().map(|p| p.to_string()).collect(),
        }
    }
}

struct ServerBucket {
    tokens: f64,
    updated: Instant,
}

struct State {
    matcher: Matcher,
    /// The body bytes of each exchange (index as in the matcher), `nextLink` rewritten.
    bodies: Vec<Bytes>,
    own_origin: String,
    log: Mutex<Vec<LoggedRequest>>,
    opts: EmulatorOptions,
    started: Instant,
    buckets: Mutex<HashMap<Option<String>, ServerBucket>>,
    asked: Mutex<HashMap<String, u32>>,
    rule_hits: Vec<AtomicU32>,
    forbidden: HashSet<String>,
    in_flight: AtomicUsize,
}

/// A running emulator; dropping it (or [`Emulator::stop`]) stops it.
pub struct Emulator {
    pub addr: SocketAddr,
    state: Arc<State>,
    stop: watch::Sender<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("refusing to listen on {0}: the emulator binds loopback addresses only")]
    NotLoopback(SocketAddr),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Recording(#[from] RecordingError),
    #[error("could not start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// Why [`Emulator::run_until_signal`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// SIGINT (Ctrl-C).
    Interrupted,
    /// SIGTERM.
    Terminated,
    /// The maximum runtime passed.
    MaxRuntime,
}

/// Counts over the request log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmulatorStats {
    pub requests: u64,
    /// Answered 429 by the read quota.
    pub throttled: u64,
    /// Answers with an injected fault (403 on a forbidden subscription included).
    pub faults: u64,
    /// Requests that took a token, by quota: the subscription, or `None` for the tenant.
    pub reads_by_scope: BTreeMap<Option<String>, u64>,
}

impl Emulator {
    /// Starts serving `rec` on `bind` (port 0 picks a free port).
    pub async fn start(
        rec: &Recording,
        bind: SocketAddr,
        opts: EmulatorOptions,
    ) -> Result<Emulator, EmulatorError> {
        if !bind.ip().is_loopback() {
            return Err(EmulatorError::NotLoopback(bind));
        }
        let listener = TcpListener::bind(bind)
            .await
            .map_err(|source| EmulatorError::Bind { addr: bind, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind { addr: bind, source })?;
        let recorded_origin = rec.endpoint().to_string();
        let own_origin = format!("http://{addr}");
        let bodies = rec
            .exchanges
            .iter()
            .map(|ex| Bytes::from(served_body(ex, &recorded_origin, &own_origin)))
            .collect();
        let state = Arc::new(State {
            matcher: Matcher::new(rec.exchanges.clone(), &recorded_origin),
            bodies,
            own_origin,
            log: Mutex::new(Vec::new()),
            rule_hits: opts
                .faults
                .rules
                .iter()
                .map(|_| AtomicU32::new(0))
                .collect(),
            forbidden: opts
                .faults
                .forbidden_subscriptions
                .iter()
                .map(|s| s.trim().to_ascii_lowercase())
                .collect(),
            opts,
            started: Instant::now(),
            buckets: Mutex::new(HashMap::new()),
            asked: Mutex::new(HashMap::new()),
            in_flight: AtomicUsize::new(0),
        });
        let (stop, mut stopped) = watch::channel(false);
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let _ = stream.set_nodelay(true);
                        let st = st.clone();
                        let mut conn_stop = stopped.clone();
                        tokio::spawn(async move {
                            let svc = service_fn(move |req| handle(req, st.clone()));
                            let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
                            tokio::select! {
                                _ = conn => {}
                                _ = conn_stop.changed() => {}
                            }
                        });
                    }
                    _ = stopped.changed() => break,
                }
            }
        });
        Ok(Emulator { addr, state, stop })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        self.state.own_origin.clone()
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Requests received and not yet answered (the log has a request once it is answered).
    pub fn in_flight(&self) -> usize {
        self.state.in_flight.load(Ordering::Relaxed)
    }

    /// Counts over the request log.
    pub fn stats(&self) -> EmulatorStats {
        let log = self.state.log.lock().unwrap_or_else(|p| p.into_inner());
        let mut s = EmulatorStats {
            requests: log.len() as u64,
            ..Default::default()
        };
        let throttling = self.state.opts.throttle.is_some();
        for r in log.iter() {
            if r.fault == Some("throttled") {
                s.throttled += 1;
            } else if r.fault.is_some() {
                s.faults += 1;
            }
            if throttling && r.fault != Some("throttled") && r.status != 405 {
                *s.reads_by_scope
                    .entry(rate_scope(&r.path_and_query))
                    .or_default() += 1;
                if is_graph_request(&r.method, &r.path_and_query) {
                    *s.reads_by_scope
                        .entry(Some(GRAPH_SCOPE.to_string()))
                        .or_default() += 1;
                }
            }
        }
        s
    }

    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Serves until SIGINT or SIGTERM, or until `max_runtime` has passed, then stops.
    pub async fn run_until_signal(&self, max_runtime: Duration) -> StopReason {
        #[cfg(unix)]
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        #[cfg(unix)]
        let terminated = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminated = std::future::pending::<()>();
        let reason = tokio::select! {
            _ = tokio::signal::ctrl_c() => StopReason::Interrupted,
            _ = terminated => StopReason::Terminated,
            _ = tokio::time::sleep(max_runtime) => StopReason::MaxRuntime,
        };
        self.stop();
        reason
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

impl State {
    /// Takes a token from the request's bucket: the reads left, or the whole
    /// seconds until a token is there.
    fn take_token(&self, scope: &Option<String>, t: &Throttle) -> Result<u64, u64> {
        let limit = t.for_scope(scope);
        let burst = f64::from(limit.burst.max(1));
        let rate = limit.per_second.max(1e-9);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let b = buckets.entry(scope.clone()).or_insert(ServerBucket {
            tokens: burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(b.updated).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(burst);
        b.updated = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(b.tokens.floor() as u64)
        } else {
            Err(((1.0 - b.tokens) / rate).ceil().max(1.0) as u64)
        }
    }

    /// How long until the bucket of `scope` has its next whole token.
    fn next_token_in(&self, scope: &Option<String>, t: &Throttle) -> Duration {
        let rate = t.for_scope(scope).per_second.max(1e-9);
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let tokens = buckets.get(scope).map_or(0.0, |b| b.tokens);
        Duration::from_secs_f64((1.0 - tokens.fract()) / rate)
    }

    /// How many times this request was asked before (0 the first time).
    fn times_asked(&self, key: &str) -> u32 {
        let mut asked = self.asked.lock().unwrap_or_else(|p| p.into_inner());
        let n = asked.entry(key.to_string()).or_insert(0);
        let before = *n;
        *n += 1;
        before
    }

    fn rule_fault(&self, path: &str) -> Option<Fault> {
        let lower = path.to_ascii_lowercase();
        for (rule, hits) in self.opts.faults.rules.iter().zip(&self.rule_hits) {
            if !lower.contains(&rule.path_contains.to_ascii_lowercase()) {
                continue;
            }
            match rule.times {
                None => return Some(rule.fault),
                Some(n) => {
                    if hits.fetch_add(1, Ordering::Relaxed) < n {
                        return Some(rule.fault);
                    }
                }
            }
        }
        None
    }
}

/// `hh:mm:ss`, seconds rounded up (Resource Graph's `x-ms-user-quota-resets-after`).
fn hms(d: Duration) -> String {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// A 64-bit FNV-1a hash: stable across builds, so a seed means the same run everywhere.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

type EmuBody = UnsyncBoxBody<Bytes, std::io::Error>;

fn full(bytes: Bytes) -> EmuBody {
    Full::new(bytes)
        .map_err(|never: std::convert::Infallible| match never {})
        .boxed_unsync()
}

/// `first`, then after `pause` either `rest` or (when `None`) a dropped connection.
fn staged(first: Bytes, pause: Duration, rest: Option<Bytes>) -> EmuBody {
    let stream = futures::stream::unfold(0u8, move |stage| {
        let first = first.clone();
        let rest = rest.clone();
        async move {
            match stage {
                0 => Some((Ok(Frame::data(first)), 1)),
                1 => {
                    if !pause.is_zero() {
                        tokio::time::sleep(pause).await;
                    }
                    Some((
                        match rest {
                            Some(b) => Ok(Frame::data(b)),
                            None => Err(std::io::Error::new(
                                std::io::ErrorKind::ConnectionAborted,
                                "body truncated by the emulator",
                            )),
                        },
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    StreamBody::new(stream).boxed_unsync()
}

fn response(status: u16, headers: &[(String, String)], body: Bytes) -> Response<EmuBody> {
    response_with(status, headers, body.len(), full(body))
}

fn response_with(
    status: u16,
    headers: &[(String, String)],
    len: usize,
    body: EmuBody,
) -> Response<EmuBody> {
    let mut b = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    let mut has_type = false;
    for (k, v) in headers {
        if k.eq_ignore_ascii_case("content-length") {
            continue;
        }
        // A recorded header that is not a valid HTTP header is left out,
        // not the answer: a recorded 503 stays a 503.
        let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(k.as_bytes()),
            hyper::header::HeaderValue::from_str(v),
        ) else {
            continue;
        };
        has_type |= name == hyper::header::CONTENT_TYPE;
        b = b.header(name, value);
    }
    if !has_type && len > 0 {
        b = b.header("content-type", "application/json; charset=utf-8");
    }
    b = b.header("content-length", len.to_string());
    b.body(body)
        .unwrap_or_else(|_| Response::new(full(Bytes::new())))
}

fn error_body(code: &str, message: &str) -> Bytes {
    let body = serde_json::json!({"error": {"code": code, "message": message}});
    Bytes::from(serde_json::to_vec(&body).unwrap_or_default())
}

/// The bytes an exchange is served with: its body, `nextLink` pointed at the emulator.
fn served_body(ex: &Exchange, recorded_origin: &str, own_origin: &str) -> Vec<u8> {
    ex.body
        .as_ref()
        .and_then(|b| rebase_next_link(b, recorded_origin, own_origin))
        .and_then(|v| serde_json::to_vec(&v).ok())
        .unwrap_or_else(|| body_bytes(&ex.body))
}

/// The connection is dropped instead of answered (an injected reset).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by the emulator")
    }
}

impl std::error::Error for Dropped {}

async fn handle(req: Request<Incoming>, st: Arc<State>) -> Result<Response<EmuBody>, Dropped> {
    st.in_flight.fetch_add(1, Ordering::Relaxed);
    let answer = answer(req, &st).await;
    st.in_flight.fetch_sub(1, Ordering::Relaxed);
    answer
}

async fn answer(req: Request<Incoming>, st: &Arc<State>) -> Result<Response<EmuBody>, Dropped> {
    let at = st.started.elapsed();
    let method = req.method().as_str().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let had_authorization = req.headers().contains_key(hyper::header::AUTHORIZATION);
    let log = |status: u16, fault: Option<&'static str>| {
        st.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(LoggedRequest {
                method: method.clone(),
                path_and_query: path.clone(),
                had_authorization,
                status,
                at,
                fault,
            });
    };
    let path_only = path.split('?').next().unwrap_or("");
    let allowed = method == "GET"
        || (method == "POST"
            && st
                .opts
                .post_allow_list
                .iter()
                .any(|p| p.eq_ignore_ascii_case(path_only)));
    if !allowed {
        log(405, None);
        let body = error_body(
            "MethodNotAllowed",
            &format!("{method} is not served: the emulator is read-only"),
        );
        return Ok(response(405, &[("allow".into(), "GET".into())], body));
    }
    // Read no more than a request of the allow-list could need.
    let sent = match http_body_util::Limited::new(req.into_body(), MAX_REQUEST_BODY)
        .collect()
        .await
    {
        Ok(b) => Ok(b.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            log(413, None);
            let body = error_body(
                "RequestTooLarge",
                &format!("the request body is larger than {MAX_REQUEST_BODY} bytes"),
            );
            return Ok(response(
                413,
                &[("connection".into(), "close".into())],
                body,
            ));
        }
        Err(e) => Err(e),
    };
    let request_body: Option<serde_json::Value> = match (&sent, method.as_str()) {
        (Ok(b), "POST") if !b.is_empty() => serde_json::from_slice(b).ok(),
        _ => None,
    };

    let asked = st.times_asked(&format!("{method} {path}"));
    let seed = st.opts.seed.to_le_bytes();
    let mut rng = fastrand::Rng::with_seed(fnv1a(&[
        &seed,
        method.as_bytes(),
        path.as_bytes(),
        &asked.to_le_bytes(),
    ]));
    let scope = rate_scope(&path);
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut delay = st.opts.latency.sample(&mut rng);
    for d in &st.opts.delays {
        if path.contains(&d.path_contains) {
            delay += d.delay;
        }
    }

    if let (Some(t), true) = (&st.opts.throttle, is_graph_request(&method, &path)) {
        // Resource Graph's quota first, with its own headers.
        let graph = Some(GRAPH_SCOPE.to_string());
        match st.take_token(&graph, t) {
            Ok(remaining) => {
                let next = st.next_token_in(&graph, t);
                headers.push((GRAPH_REMAINING_HEADER.into(), remaining.to_string()));
                headers.push((GRAPH_RESETS_HEADER.into(), hms(next)));
            }
            Err(retry_after) => {
                tokio::time::sleep(delay).await;
                log(429, Some("throttled"));
                let body = error_body(
                    "RateLimiting",
                    &format!("Please provide below info when asking for support: the Resource Graph quota is exhausted. Retry after {retry_after} seconds."),
                );
                return Ok(response(
                    429,
                    &[
                        ("retry-after".into(), retry_after.to_string()),
                        (GRAPH_REMAINING_HEADER.into(), "0".into()),
                        (
                            GRAPH_RESETS_HEADER.into(),
                            hms(Duration::from_secs(retry_after)),
                        ),
                    ],
                    body,
                ));
            }
        }
    }
    if let Some(t) = &st.opts.throttle {
        let header = remaining_header(&scope).to_string();
        match st.take_token(&scope, t) {
            Ok(remaining) => headers.push((header, remaining.to_string())),
            Err(retry_after) => {
                tokio::time::sleep(delay).await;
                log(429, Some("throttled"));
                let what = if scope.is_some() {
                    "subscription"
                } else {
                    "tenant"
                };
                let body = error_body(
                    "TooManyRequests",
                    &format!("The request is being throttled: the {what} read quota is exhausted. Retry after {retry_after} seconds."),
                );
                return Ok(response(
                    429,
                    &[
                        ("retry-after".into(), retry_after.to_string()),
                        (header, "0".into()),
                    ],
                    body,
                ));
            }
        }
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }

    if let Some(sub) = scope.as_ref().filter(|s| st.forbidden.contains(*s)) {
        log(403, Some("forbidden"));
        let body = error_body(
            "AuthorizationFailed",
            &format!("The client does not have authorization to perform action 'read' over scope '/subscriptions/{sub}' or the scope is invalid. (injected by the emulator)"),
        );
        headers.push(("x-ms-failure-cause".into(), "gateway".into()));
        return Ok(response(403, &headers, body));
    }

    let fault = st.rule_fault(&path).or_else(|| {
        let slow = if st.opts.faults.slow_body.is_zero() {
            DEFAULT_SLOW_BODY
        } else {
            st.opts.faults.slow_body
        };
        st.opts.faults.rates.pick(&mut rng, slow)
    });
    match fault {
        Some(Fault::Reset) => {
            log(0, Some("reset"));
            return Err(Dropped);
        }
        Some(Fault::Status(code)) => {
            log(code, fault.map(Fault::label));
            let (c, m) = match code {
                403 => ("AuthorizationFailed", "The client does not have authorization to perform this action. (injected by the emulator)"),
                429 => ("TooManyRequests", "The request is being throttled. (injected by the emulator)"),
                503 => ("ServiceUnavailable", "The service is temporarily unavailable. (injected by the emulator)"),
                _ => ("InternalServerError", "The server encountered an internal error. (injected by the emulator)"),
            };
            if code == 429 {
                headers.push(("retry-after".into(), "1".into()));
            }
            return Ok(response(code, &headers, error_body(c, m)));
        }
        _ => {}
    }

    let (status, body) = match st.matcher.find_index(&method, &path, request_body.as_ref()) {
        Some(i) => {
            let ex = &st.matcher.exchanges()[i];
            let throttling = st.opts.throttle.is_some();
            for (k, v) in ex.headers.iter().flatten() {
                if throttling
                    && k.to_ascii_lowercase()
                        .starts_with("x-ms-ratelimit-remaining")
                {
                    continue;
                }
                headers.push((k.clone(), v.clone()));
            }
            (ex.status, st.bodies[i].clone())
        }
        None => {
            let nr = azward::azure::recording::not_recorded(&method, &path);
            headers.extend(nr.headers);
            (nr.status, Bytes::from(nr.body))
        }
    };
    log(status, fault.map(Fault::label));
    let half = body.len() / 2;
    Ok(match fault {
        Some(Fault::Malformed) => response(status, &headers, body.slice(..half)),
        Some(Fault::Truncated) => response_with(
            status,
            &headers,
            body.len(),
            // A short pause lets the head and the first half go out before the drop.
            staged(body.slice(..half), Duration::from_millis(20), None),
        ),
        Some(Fault::SlowBody(pause)) => response_with(
            status,
            &headers,
            body.len(),
            staged(body.slice(..half), pause, Some(body.slice(half..))),
        ),
        _ => response(status, &headers, body),
    })
}

// ---------------------------------------------------------------------------
// `azward-lab emulate`
// ---------------------------------------------------------------------------

/// `azward-lab emulate RECORDING`: serve a recording on loopback as Resource Manager would.
#[derive(Debug, Clone, clap::Args)]
pub struct EmulateArgs {
    /// The recording to serve (JSON Lines, `.gz` accepted).
    pub recording: PathBuf,
    /// Loopback address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Latency added to every answer: fixed, or fixed±jitter (uniform), e.g. 80ms±40ms.
    #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = Latency::parse)]
    pub latency: Latency,
    /// Tokens in each subscription's read bucket.
    #[arg(long, value_name = "N", default_value_t = 250)]
    pub bucket: u32,
    /// Tokens refilled per second in each subscription's bucket.
    #[arg(long, value_name = "PER_SEC", default_value_t = 25.0)]
    pub refill: f64,
    /// Tokens in the tenant's read bucket (tenant-level calls).
    #[arg(long, value_name = "N", default_value_t = 250)]
    pub tenant_bucket: u32,
    /// Tokens refilled per second in the tenant's bucket.
    #[arg(long, value_name = "PER_SEC", default_value_t = 25.0)]
    pub tenant_refill: f64,
    /// Serve without any read quota.
    #[arg(long)]
    pub no_throttle: bool,
    /// Faults by share of requests: 5xx=10%,reset=2%,truncated=1%,malformed=1%,slow=1%.
    #[arg(long, value_name = "SPEC", default_value = "", value_parser = FaultRates::parse)]
    pub faults: FaultRates,
    /// How long a slow body stalls halfway.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub slow_body: Duration,
    /// A fault for requests whose path contains TEXT: TEXT=FAULT[*TIMES]
    /// (FAULT: a 4xx/5xx status, reset, truncated, malformed, slow[:DURATION]). Repeatable.
    #[arg(long = "fault-rule", value_name = "RULE", value_parser = FaultRule::parse)]
    pub fault_rules: Vec<FaultRule>,
    /// Answer 403 AuthorizationFailed to every read of this subscription. Repeatable.
    #[arg(long = "forbid", value_name = "SUBSCRIPTION_ID")]
    pub forbid: Vec<String>,
    /// Seed of the random choices (jitter, faults by share): the same seed, the same run.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop after this long even without a signal.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub max_runtime: Duration,
}

impl EmulateArgs {
    pub fn options(&self) -> EmulatorOptions {
        EmulatorOptions {
            throttle: (!self.no_throttle).then_some(Throttle {
                subscription: RateLimit {
                    burst: self.bucket,
                    per_second: self.refill,
                },
                tenant: RateLimit {
                    burst: self.tenant_bucket,
                    per_second: self.tenant_refill,
                },
                graph: RateLimit::GRAPH,
            }),
            latency: self.latency,
            faults: Faults {
                rates: self.faults,
                slow_body: self.slow_body,
                rules: self.fault_rules.clone(),
                forbidden_subscriptions: self.forbid.clone(),
            },
            seed: self.seed,
            ..Default::default()
        }
    }
}

/// Runs `azward-lab emulate`: prints the origin on stdout (first line), serves
/// until SIGINT, SIGTERM or `--max-runtime`, and prints a summary on stderr.
pub fn run_cli(args: &EmulateArgs) -> Result<StopReason, EmulatorError> {
    use std::io::Write as _;
    // Refused before the recording (perhaps gigabytes) is read.
    if !args.listen.ip().is_loopback() {
        return Err(EmulatorError::NotLoopback(args.listen));
    }
    let rec = Recording::load(&args.recording)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(EmulatorError::Runtime)?;
    runtime.block_on(async {
        let emu = Emulator::start(&rec, args.listen, args.options()).await?;
        let origin = emu.origin();
        println!("{origin}");
        let _ = std::io::stdout().flush();
        let tenant = rec
            .header
            .tenant_id
            .as_deref()
            .map(|t| format!(" --tenant {t}"))
            .unwrap_or_default();
        eprintln!(
            "serving {} ({} exchanges) on {origin}; latency {}, {}; stops on Ctrl-C, SIGTERM or after {}",
            args.recording.display(),
            rec.exchanges.len(),
            args.latency,
            if args.no_throttle {
                "no read quota".to_string()
            } else {
                format!(
                    "read quota {} + {}/s per subscription, {} + {}/s per tenant",
                    args.bucket, args.refill, args.tenant_bucket, args.tenant_refill
                )
            },
            show_duration(args.max_runtime),
        );
        eprintln!("scan it with: azward scan --auth none --arm-endpoint {origin}{tenant}");
        let reason = emu.run_until_signal(args.max_runtime).await;
        let s = emu.stats();
        eprintln!(
            "stopped ({}) after {:.1} s: {} requests, {} answered 429, {} faults injected",
            match reason {
                StopReason::Interrupted => "SIGINT",
                StopReason::Terminated => "SIGTERM",
                StopReason::MaxRuntime => "maximum runtime",
            },
            emu.state.started.elapsed().as_secs_f64(),
            s.requests,
            s.throttled,
            s.faults
        );
        Ok(reason)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_latency_durations_and_faults() {
        assert_eq!(
            Latency::parse("80ms±40ms").unwrap(),
            Latency {
                fixed: Duration::from_millis(80),
                jitter: Duration::from_millis(40)
            }
        );
        assert_eq!(
            Latency::parse("80ms+-40ms").unwrap().to_string(),
            "80ms±40ms"
        );
        assert_eq!(
            Latency::parse("1.5s").unwrap().fixed,
            Duration::from_millis(1500)
        );
        assert_eq!(Latency::parse("0").unwrap(), Latency::default());
        assert!(Latency::parse("fast").is_err());
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("3 weeks").is_err());

        let r = FaultRates::parse("5xx=10%, reset=2%,malformed=0.01").unwrap();
        assert_eq!((r.server_errors, r.resets, r.malformed), (0.1, 0.02, 0.01));
        assert!(FaultRates::parse("5xx=80%,reset=30%").is_err());
        assert!(FaultRates::parse("gremlins=1%").is_err());
        assert_eq!(FaultRates::parse("").unwrap(), FaultRates::default());

        let rule = FaultRule::parse("/vaults=503*2").unwrap();
        assert_eq!(
            (rule.path_contains.as_str(), rule.fault, rule.times),
            ("/vaults", Fault::Status(503), Some(2))
        );
        assert_eq!(
            FaultRule::parse("x=slow:1s").unwrap().fault,
            Fault::SlowBody(Duration::from_secs(1))
        );
        assert!(FaultRule::parse("nothing").is_err());
    }

    #[test]
    fn a_non_loopback_listen_is_refused_before_the_recording_is_read() {
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: EmulateArgs,
        }
        let cli = Cli::parse_from(["x", "/nonexistent/recording.jsonl", "--listen", "0.0.0.0:0"]);
        let e = run_cli(&cli.args).unwrap_err();
        assert!(matches!(e, EmulatorError::NotLoopback(_)), "{e}");
    }

    #[test]
    fn a_malformed_recorded_header_does_not_turn_an_error_into_a_200() {
        let r = response(
            503,
            &[
                ("bad name".into(), "x".into()),
                ("retry-after".into(), "1\n2".into()),
                ("x-ms-ok".into(), "yes".into()),
            ],
            error_body("ServiceUnavailable", "down"),
        );
        assert_eq!(r.status().as_u16(), 503);
        assert_eq!(r.headers()["x-ms-ok"], "yes");
        assert!(!r.headers().contains_key("retry-after"));
    }

    #[tokio::test]
    async fn request_bodies_are_bounded() {
        let rec = Recording::from_bytes(
            b"{\"recording\":1}\n{\"method\":\"GET\",\"url\":\"/a\",\"status\":200,\"body\":{\"value\":[]}}\n",
            std::path::Path::new("r.jsonl"),
        )
        .unwrap();
        let emu = Emulator::start(
            &rec,
            "127.0.0.1:0".parse().unwrap(),
            EmulatorOptions::default(),
        )
        .await
        .unwrap();
        let client = reqwest::Client::new();
        let url = format!("{}/a", emu.origin());
        let big = client
            .get(&url)
            .body(vec![b'x'; MAX_REQUEST_BODY + 1])
            .send()
            .await
            .unwrap();
        assert_eq!(big.status().as_u16(), 413);
        let small = client.get(&url).body("{}").send().await.unwrap();
        assert_eq!(small.status().as_u16(), 200);
    }

    #[test]
    fn fault_choices_follow_the_seed() {
        let rates = FaultRates::parse("5xx=30%,reset=30%").unwrap();
        let draw = |seed: u64| -> Vec<Option<Fault>> {
            (0..50u32)
                .map(|n| {
                    let mut rng = fastrand::Rng::with_seed(fnv1a(&[
                        &seed.to_le_bytes(),
                        b"GET",
                        b"/x",
                        &n.to_le_bytes(),
                    ]));
                    rates.pick(&mut rng, DEFAULT_SLOW_BODY)
                })
                .collect()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        let faults = draw(7).iter().filter(|f| f.is_some()).count();
        assert!((15..=45).contains(&faults), "{faults}");
    }
}
