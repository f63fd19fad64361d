//! The one HTTP client: GET only (plus allow-listed POST), bounded
//! concurrency, retries with backoff and `Retry-After`, paging over
//! `nextLink`, per-request timeout; live over `reqwest` or replayed from a
//! recording on a virtual clock; optionally recording every exchange.
//!
//! Resource Manager throttles reads with a token bucket per subscription and
//! one per tenant (250 tokens, refilled at 25 per second). A live client keeps
//! its own copy of each bucket ([`RateLimit`]): every request draws a token
//! from the bucket of its scope (the subscription in its path, else the
//! tenant) and waits for one when the bucket is empty, so it slows down before
//! a 429 instead of after. The `x-ms-ratelimit-remaining-*-reads` headers
//! correct the copy when others share the quota, and a 429 stops the whole
//! bucket for its `Retry-After`. A replay never waits.

use crate::azure::recording::{
    norm_origin, not_recorded, split_origin, Exchange, MatchKey, Matcher, RecordedBody,
};
use crate::inventory::ReadError;
use crate::util::progress::Progress;
use azure_core::credentials::TokenCredential;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// POST endpoints a scan may call (reads that ARM exposes as POST), matched
/// on the path (case-insensitively, any query). Version 1.2 of the call set
/// allows only the Azure Resource Graph query ([`GRAPH_PATH`]).
pub const POST_ALLOW_LIST: &[&str] = &[GRAPH_PATH];

/// Azure Resource Graph's query endpoint (recording.md, rows 33–34).
pub const GRAPH_PATH: &str = "/providers/Microsoft.ResourceGraph/resources";

/// The quota key of Resource Graph's own per-user quota in the client's
/// and the emulator's bucket maps: a `/` never occurs in the subscription a
/// [`rate_scope`] returns, so it names no subscription.
pub const GRAPH_SCOPE: &str = "/resourcegraph";

/// Whether a request is a Resource Graph query (it then also draws on
/// [`GRAPH_SCOPE`]).
pub fn is_graph_request(method: &str, path_and_query: &str) -> bool {
    method.eq_ignore_ascii_case("POST") && path_matches(GRAPH_PATH, split_origin(path_and_query).1)
}

/// Resource Graph's quota headers: the queries left in the user's window,
/// and when the window resets (`hh:mm:ss`).
pub const GRAPH_REMAINING_HEADER: &str = "x-ms-user-quota-remaining";
pub const GRAPH_RESETS_HEADER: &str = "x-ms-user-quota-resets-after";

/// Response headers worth keeping in a recording and honouring on replay.
pub const KEPT_HEADERS: &[&str] = &[
    "retry-after",
    "x-ms-ratelimit-remaining-subscription-reads",
    "x-ms-ratelimit-remaining-tenant-reads",
    GRAPH_REMAINING_HEADER,
    GRAPH_RESETS_HEADER,
];

/// `hh:mm:ss` (seconds may have a fraction) as a duration, no longer than `max`.
pub fn parse_resets_after(v: &str, max: Duration) -> Option<Duration> {
    let mut secs = 0.0;
    let parts: Vec<&str> = v.trim().split(':').collect();
    if parts.len() != 3 {
        return None;
    }
    for p in parts {
        let n: f64 = p.trim().parse().ok()?;
        if !n.is_finite() || n < 0.0 {
            return None;
        }
        secs = secs * 60.0 + n;
    }
    Some(Duration::from_secs_f64(secs.min(max.as_secs_f64())))
}

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Retries after the first attempt, for 429, 5xx, timeouts and connection errors.
    pub max_retries: u32,
    pub timeout: Duration,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured as given; longer values are capped.
    pub max_retry_after: Duration,
    /// The read quota of each subscription and of the tenant, as the client
    /// paces itself (live scans only); `None` sends as fast as concurrency allows.
    pub rate_limit: Option<RateLimit>,
    /// Resource Graph's per-user quota, which its queries draw on besides
    /// the tenant's (live scans with a `rate_limit` only).
    pub graph_rate_limit: RateLimit,
    /// Where progress is reported; `None` counts nothing.
    pub progress: Option<Arc<Progress>>,
    /// After this many attempts in a row (across the client) got no answer
    /// at all (connection refused or reset, timeout), the endpoint is taken
    /// for dead: a request stops retrying, and each later one gets a single
    /// attempt until an answer comes. A scan of a dead endpoint thus ends
    /// after a few attempts instead of retrying every read for minutes.
    pub max_consecutive_failures: u32,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            concurrency: 64,
            max_retries: 6,
            timeout: Duration::from_secs(30),
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            rate_limit: Some(RateLimit::ARM),
            graph_rate_limit: RateLimit::GRAPH,
            progress: None,
            max_consecutive_failures: 5,
        }
    }
}

/// A read quota: a token bucket of `burst` tokens refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub burst: u32,
    pub per_second: f64,
}

impl RateLimit {
    /// Resource Manager's read quota per subscription and per tenant:
    /// 250 tokens, 25 per second.
    pub const ARM: RateLimit = RateLimit {
        burst: 250,
        per_second: 25.0,
    };

    /// Resource Graph's per-user quota: 15 queries per 5-second window,
    /// modelled as a bucket of 15 refilled at 3 per second; the client also
    /// follows the `x-ms-user-quota-remaining` / `-resets-after` headers,
    /// which tell the window as it is.
    pub const GRAPH: RateLimit = RateLimit {
        burst: 15,
        per_second: 3.0,
    };

    /// The stricter of two quotas.
    pub fn min_with(self, other: RateLimit) -> RateLimit {
        RateLimit {
            burst: self.burst.min(other.burst),
            per_second: self.per_second.min(other.per_second),
        }
    }
}

/// The quota a request counts against: the subscription in its path
/// (lower case), or `None` for a tenant-level call (`/subscriptions`,
/// `/providers/...`).
pub fn rate_scope(path_and_query: &str) -> Option<String> {
    let (_, rest) = split_origin(path_and_query);
    let path = rest.split(['?', '#']).next().unwrap_or("");
    let mut segs = path.split('/').filter(|s| !s.is_empty());
    match (segs.next(), segs.next()) {
        (Some(first), Some(sub)) if first.eq_ignore_ascii_case("subscriptions") => {
            Some(sub.to_ascii_lowercase())
        }
        _ => None,
    }
}

/// The response header that tells how many reads remain in a scope's bucket.
pub fn remaining_header(scope: &Option<String>) -> &'static str {
    match scope {
        Some(_) => "x-ms-ratelimit-remaining-subscription-reads",
        None => "x-ms-ratelimit-remaining-tenant-reads",
    }
}

struct Bucket {
    /// The server's bucket as this client sees it: a token goes when a
    /// request is sent, and it holds no more than its burst.
    server: f64,
    /// What the server's bucket will hold once every request that has a
    /// token reserved is sent; negative while requests wait for their turn.
    /// Schedules the waits.
    tokens: f64,
    updated: Instant,
    /// Tokens reserved so far: the k-th may go once `tokens + reserved`
    /// (every token the bucket has had) reaches k. Refill the server's
    /// bucket could not take because it was full (requests holding tokens
    /// were still queued) is not counted, so their successors wait longer.
    reserved: u64,
    /// Requests sent so far (to relate a response to the requests sent after it).
    sent: u64,
    /// After a 429: nothing is sent before this instant.
    blocked_until: Option<Instant>,
}

/// The client's copy of the read quotas (one bucket per scope; Resource
/// Graph's under [`GRAPH_SCOPE`] with its own quota).
struct Limiter {
    limit: RateLimit,
    graph: RateLimit,
    buckets: Mutex<HashMap<Option<String>, Bucket>>,
    paced: AtomicU64,
    paced_ms: AtomicU64,
}

impl Limiter {
    #[cfg(test)]
    fn new(limit: RateLimit) -> Limiter {
        Limiter::with_graph(limit, RateLimit::GRAPH)
    }

    fn with_graph(limit: RateLimit, graph: RateLimit) -> Limiter {
        let sane = |l: RateLimit| RateLimit {
            burst: l.burst.max(1),
            per_second: if l.per_second > 0.0 {
                l.per_second
            } else {
                f64::MIN_POSITIVE
            },
        };
        Limiter {
            limit: sane(limit),
            graph: sane(graph),
            buckets: Mutex::new(HashMap::new()),
            paced: AtomicU64::new(0),
            paced_ms: AtomicU64::new(0),
        }
    }

    fn with_bucket<R>(
        &self,
        scope: &Option<String>,
        f: impl FnOnce(&mut Bucket, Instant) -> R,
    ) -> R {
        let now = Instant::now();
        let limit = self.limit_of(scope);
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let burst = f64::from(limit.burst);
        let b = buckets.entry(scope.clone()).or_insert(Bucket {
            server: burst,
            tokens: burst,
            updated: now,
            reserved: 0,
            sent: 0,
            blocked_until: None,
        });
        let added = now.saturating_duration_since(b.updated).as_secs_f64() * limit.per_second;
        let over = (b.server + added - burst).max(0.0);
        b.server += added - over;
        b.tokens += added - over;
        b.updated = now;
        f(b, now)
    }

    fn limit_of(&self, scope: &Option<String>) -> RateLimit {
        if scope.as_deref() == Some(GRAPH_SCOPE) {
            self.graph
        } else {
            self.limit
        }
    }

    fn wait_for(&self, scope: &Option<String>, debt: f64) -> Duration {
        if debt <= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((debt / self.limit_of(scope).per_second).min(3600.0))
        }
    }

    /// Waits until a token is there for one more request of `scope`; true
    /// when it had to wait.
    async fn pace(&self, scope: &Option<String>) -> bool {
        // The k-th token reserved is there once the bucket has had k tokens.
        let due = |b: &Bucket, k: u64, now: Instant| {
            let mut wait = self.wait_for(scope, k as f64 - (b.tokens + b.reserved as f64));
            if let Some(until) = b.blocked_until {
                wait = wait.max(until.saturating_duration_since(now));
            }
            wait
        };
        let (mut wait, k) = self.with_bucket(scope, |b, now| {
            b.tokens -= 1.0;
            b.reserved += 1;
            (due(b, b.reserved, now), b.reserved)
        });
        let mut waited = Duration::ZERO;
        // Refill lost while this request waited, or a 429 meanwhile, pushes
        // its turn back: look again on waking. Never early, not even by a
        // fraction of a millisecond: the server's bucket would be short.
        while !wait.is_zero() {
            tokio::time::sleep(wait).await;
            waited += wait;
            wait = self.with_bucket(scope, |b, now| due(b, k, now));
        }
        if !waited.is_zero() {
            self.paced.fetch_add(1, Ordering::Relaxed);
            self.paced_ms
                .fetch_add(waited.as_millis() as u64, Ordering::Relaxed);
        }
        !waited.is_zero()
    }

    /// A request of `scope` goes out now; its number among the sent ones.
    fn sending(&self, scope: &Option<String>) -> u64 {
        self.with_bucket(scope, |b, _| {
            b.server -= 1.0;
            b.sent += 1;
            b.sent
        })
    }

    /// The server said `remaining` reads were left when it answered request
    /// number `seq`: the requests sent since then come off that.
    fn observe_remaining(&self, scope: &Option<String>, seq: u64, remaining: f64) {
        // A count outside the bucket (negative, or more than its burst) is
        // clamped: a server's `-1e9` must not stall the client for an hour.
        let remaining = if remaining.is_finite() {
            remaining.clamp(0.0, f64::from(self.limit_of(scope).burst))
        } else {
            return;
        };
        self.with_bucket(scope, |b, _| {
            let target = remaining - b.sent.saturating_sub(seq) as f64;
            let excess = b.server - target;
            if excess > 0.0 {
                b.server -= excess;
                b.tokens -= excess;
            }
        });
    }

    /// A 429: the bucket is empty and nothing goes out before `retry_after`.
    fn throttled(&self, scope: &Option<String>, retry_after: Duration) {
        self.with_bucket(scope, |b, now| {
            let excess = b.server.max(0.0);
            b.server -= excess;
            b.tokens -= excess;
            let until = now + retry_after;
            b.blocked_until = Some(b.blocked_until.map_or(until, |u| u.max(until)));
        });
    }
}

/// The concurrency bound, shared fairly: when requests queue for a slot,
/// slots go round-robin to the scopes (subscriptions) that have some
/// waiting, so no subscription's quota sits idle (full, its refill wasted)
/// behind another's queue.
struct FairPermits {
    state: Mutex<FairState>,
}

struct FairState {
    available: usize,
    queues: HashMap<Option<String>, std::collections::VecDeque<oneshot::Sender<()>>>,
    /// Scopes with waiters, in turn order.
    turn: std::collections::VecDeque<Option<String>>,
}

/// A slot, given back (to the next scope in turn) when dropped.
struct FairPermit<'a> {
    owner: &'a FairPermits,
}

impl Drop for FairPermit<'_> {
    fn drop(&mut self) {
        self.owner.release();
    }
}

/// A waiter's side; a slot handed to a waiter that went away is passed on.
struct FairWaiter<'a> {
    owner: &'a FairPermits,
    rx: Option<oneshot::Receiver<()>>,
}

impl Drop for FairWaiter<'_> {
    fn drop(&mut self) {
        if let Some(mut rx) = self.rx.take() {
            rx.close();
            if rx.try_recv().is_ok() {
                self.owner.release();
            }
        }
    }
}

impl FairPermits {
    fn new(n: usize) -> FairPermits {
        FairPermits {
            state: Mutex::new(FairState {
                available: n.max(1),
                queues: HashMap::new(),
                turn: std::collections::VecDeque::new(),
            }),
        }
    }

    async fn acquire(&self, scope: &Option<String>) -> FairPermit<'_> {
        let rx = {
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if st.available > 0 && st.turn.is_empty() {
                st.available -= 1;
                return FairPermit { owner: self };
            }
            let (tx, rx) = oneshot::channel();
            let queue = st.queues.entry(scope.clone()).or_default();
            queue.push_back(tx);
            if queue.len() == 1 {
                st.turn.push_back(scope.clone());
            }
            rx
        };
        let mut waiter = FairWaiter {
            owner: self,
            rx: Some(rx),
        };
        let rx = waiter.rx.as_mut().expect("set above");
        // The sender is only dropped after sending (or when the whole client goes).
        let _ = rx.await;
        waiter.rx = None;
        FairPermit { owner: self }
    }

    fn release(&self) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(scope) = st.turn.pop_front() {
            let Some(queue) = st.queues.get_mut(&scope) else {
                continue;
            };
            let next = queue.pop_front();
            if queue.is_empty() {
                st.queues.remove(&scope);
            } else {
                st.turn.push_back(scope);
            }
            if let Some(tx) = next {
                if tx.send(()).is_ok() {
                    return;
                }
            }
        }
        st.available += 1;
    }
}

/// What the client's own pacing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PacingSnapshot {
    /// Requests held back to stay within the quota.
    pub paced: u64,
    /// Their waits added up, in ms.
    pub paced_ms: u64,
}

/// How live requests authenticate.
#[derive(Clone)]
pub enum Auth {
    /// A bearer token for `scope` from an `azure_identity` credential.
    Credential {
        credential: Arc<dyn TokenCredential>,
        scope: String,
    },
    /// No Authorization header: only for the loopback emulator.
    Anonymous,
}

enum Backend {
    Live { http: reqwest::Client, auth: Auth },
    Replay { matcher: Arc<Matcher> },
}

/// Counters of what the client did.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub throttled: AtomicU64,
    pub server_errors: AtomicU64,
    pub transport_errors: AtomicU64,
    pub failed_reads: AtomicU64,
    /// Time spent waiting before retries, in ms (virtual in a replay).
    pub waited_ms: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StatsSnapshot {
    pub requests: u64,
    pub retries: u64,
    pub throttled: u64,
    pub server_errors: u64,
    pub transport_errors: u64,
    pub failed_reads: u64,
    pub waited_ms: u64,
}

impl Stats {
    pub fn snapshot(&self) -> StatsSnapshot {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            requests: l(&self.requests),
            retries: l(&self.retries),
            throttled: l(&self.throttled),
            server_errors: l(&self.server_errors),
            transport_errors: l(&self.transport_errors),
            failed_reads: l(&self.failed_reads),
            waited_ms: l(&self.waited_ms),
        }
    }
}

struct RawResponse<'a> {
    status: u16,
    headers: BTreeMap<String, String>,
    body: RawBody<'a>,
}

/// A response body: bytes off the wire, or the JSON text of a recording,
/// borrowed (a replay never copies a recorded body).
type RawBody<'a> = Cow<'a, [u8]>;

/// The body as JSON, when it is JSON.
fn json_of(body: &[u8]) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

/// A successful response's body, not yet parsed: the caller parses its own
/// models straight from the text (no intermediate JSON tree).
pub struct Body<'a> {
    method: &'a str,
    path: &'a str,
    status: u16,
    bytes: RawBody<'a>,
}

impl Body<'_> {
    /// The body parsed as `T`; a body that is not JSON, or not of that shape,
    /// is a `MalformedBody` read error.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ReadError> {
        serde_json::from_slice(&self.bytes)
            .map_err(|e| malformed_body(self.method, self.path, self.status, &e))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// The `MalformedBody` error of a body that did not parse: not JSON at all,
/// or JSON of another shape than the call's model.
pub fn malformed_body(method: &str, path: &str, status: u16, e: &serde_json::Error) -> ReadError {
    let message = match e.classify() {
        serde_json::error::Category::Data => {
            format!("the body does not have the expected shape: {e}")
        }
        _ => format!("response body is not JSON: {e}"),
    };
    read_error(method, path, Some(status), "MalformedBody", message)
}

/// One page of a list, its items left as JSON text.
struct Page<'a> {
    value: Option<Vec<&'a RawValue>>,
    next_link: Option<Value>,
}

/// A page is a JSON object and nothing else (a derived struct would also
/// take an array, by position: `[[]]` would read as an empty list). A
/// repeated key keeps its last value, as a JSON object does.
impl<'de> serde::Deserialize<'de> for Page<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Page<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list page: an object with a \"value\" array")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Page<'de>, A::Error> {
                let mut page = Page {
                    value: None,
                    next_link: None,
                };
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "value" => page.value = map.next_value()?,
                        "nextLink" => page.next_link = map.next_value()?,
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(page)
            }
        }
        d.deserialize_map(Visit)
    }
}

enum Attempt<'a> {
    Response(RawResponse<'a>),
    /// No response: timeout or connection failure (retryable).
    Transport {
        code: &'static str,
        message: String,
    },
    /// Not retryable, no response (e.g. the credential failed).
    Fatal {
        code: &'static str,
        message: String,
    },
}

/// Why a live client could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    #[error("{0}: a token is only sent over https (or plain http to a loopback address)")]
    TokenOverPlainHttp(String),
}

/// A bearer token goes over https, or over plain http to loopback only.
pub fn token_may_go_to(endpoint: &str) -> Result<(), ClientError> {
    if endpoint.trim().to_ascii_lowercase().starts_with("https://")
        || crate::azure::credentials::is_loopback(endpoint)
    {
        Ok(())
    } else {
        Err(ClientError::TokenOverPlainHttp(endpoint.to_string()))
    }
}

/// Redirects are followed only within the origin they started from, at most
/// ten: a redirect to another host (or scheme, or port) is answered as the
/// 3xx it is, and becomes a read error; nothing is read from the other origin.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if !same {
            attempt.stop()
        } else if attempt.previous().len() > 10 {
            attempt.error("more than ten redirects")
        } else {
            attempt.follow()
        }
    })
}

/// The Resource Manager client every collector uses.
pub struct ArmClient {
    backend: Backend,
    endpoint: String,
    opts: ClientOptions,
    permits: FairPermits,
    /// Attempts in a row, across the client, that got no answer.
    unanswered: std::sync::atomic::AtomicU32,
    recorder: Option<Mutex<Vec<Exchange>>>,
    limiter: Option<Limiter>,
    progress: Arc<Progress>,
    pub stats: Stats,
}

impl ArmClient {
    /// A live client against `endpoint` (e.g. `https://management.azure.com`).
    pub fn live(endpoint: &str, auth: Auth, opts: ClientOptions) -> Result<ArmClient, ClientError> {
        if matches!(auth, Auth::Credential { .. }) {
            token_may_go_to(endpoint)?;
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("azward/", env!("CARGO_PKG_VERSION")))
            .redirect(redirect_policy())
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout.min(Duration::from_secs(10)))
            .build()?;
        Ok(ArmClient::new(Backend::Live { http, auth }, endpoint, opts))
    }

    /// A client answering from a recording (no network, virtual clock).
    pub fn replay(matcher: Arc<Matcher>, opts: ClientOptions) -> ArmClient {
        let endpoint = matcher.arm_origin().to_string();
        ArmClient::new(Backend::Replay { matcher }, &endpoint, opts)
    }

    fn new(backend: Backend, endpoint: &str, opts: ClientOptions) -> ArmClient {
        // A replay answers on a virtual clock: it never paces itself.
        let limiter = match backend {
            Backend::Live { .. } => opts
                .rate_limit
                .map(|l| Limiter::with_graph(l, opts.graph_rate_limit)),
            Backend::Replay { .. } => None,
        };
        let progress = opts.progress.clone().unwrap_or_else(Progress::disabled);
        ArmClient {
            backend,
            endpoint: norm_origin(endpoint),
            permits: FairPermits::new(opts.concurrency),
            unanswered: std::sync::atomic::AtomicU32::new(0),
            opts,
            recorder: None,
            limiter,
            progress,
            stats: Stats::default(),
        }
    }

    /// The progress hook (disabled unless the options gave one).
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// What the client's own pacing did (zero for a replay).
    pub fn pacing(&self) -> PacingSnapshot {
        self.limiter
            .as_ref()
            .map(|l| PacingSnapshot {
                paced: l.paced.load(Ordering::Relaxed),
                paced_ms: l.paced_ms.load(Ordering::Relaxed),
            })
            .unwrap_or_default()
    }

    /// Keeps every exchange, for `--record`.
    pub fn with_recorder(mut self) -> ArmClient {
        self.recorder = Some(Mutex::new(Vec::new()));
        self
    }

    pub fn is_replay(&self) -> bool {
        matches!(self.backend, Backend::Replay { .. })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The exchanges recorded so far, in request order.
    pub fn recorded(&self) -> Vec<Exchange> {
        self.recorder
            .as_ref()
            .map(|r| r.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .unwrap_or_default()
    }

    /// GETs one object.
    pub async fn get(&self, path: &str) -> Result<Value, ReadError> {
        self.get_as(path).await
    }

    /// GETs one object, parsed straight into `T` (a body of another shape is
    /// a `MalformedBody` read error).
    pub async fn get_as<T: DeserializeOwned>(&self, path: &str) -> Result<T, ReadError> {
        let parsed = match self.request_body("GET", path, None).await {
            Ok(body) => body.parse(),
            Err(e) => Err(e),
        };
        if parsed.is_err() {
            self.stats.failed_reads.fetch_add(1, Ordering::Relaxed);
            self.progress.error();
        }
        parsed
    }

    /// GETs a list, following `nextLink` to the end; the items of every page.
    pub async fn list(&self, path: &str) -> Result<Vec<Value>, ReadError> {
        let mut items = Vec::new();
        let mut bad = None;
        self.list_with(path, |page| {
            for v in page {
                match serde_json::from_str(v.get()) {
                    Ok(item) => items.push(item),
                    Err(e) => bad = bad.take().or(Some(e)),
                }
            }
        })
        .await?;
        match bad {
            Some(e) => Err(malformed_body("GET", path, 200, &e)),
            None => Ok(items),
        }
    }

    /// GETs a list, following `nextLink` to the end, and hands each page's
    /// items to `sink` as they come, as JSON text (borrowed from the recording
    /// in a replay): a page's body lives only until its items are taken.
    pub async fn list_with(
        &self,
        path: &str,
        mut sink: impl FnMut(&[&RawValue]),
    ) -> Result<(), ReadError> {
        self.list_while(path, |page| {
            sink(page);
            true
        })
        .await
    }

    /// As [`ArmClient::list_with`], but `sink` may stop the listing after a
    /// page by returning `false` (a bound reached: no further page is read).
    pub async fn list_while(
        &self,
        path: &str,
        sink: impl FnMut(&[&RawValue]) -> bool,
    ) -> Result<(), ReadError> {
        let r = self.list_pages(path, sink).await;
        if r.is_err() {
            self.stats.failed_reads.fetch_add(1, Ordering::Relaxed);
            self.progress.error();
        }
        r
    }

    async fn list_pages(
        &self,
        path: &str,
        mut sink: impl FnMut(&[&RawValue]) -> bool,
    ) -> Result<(), ReadError> {
        let mut seen: HashSet<MatchKey> = HashSet::new();
        let mut next = path.to_string();
        loop {
            let key = MatchKey::of(&next, &self.endpoint);
            if !seen.insert(key) {
                return Err(read_error(
                    "GET",
                    &next,
                    None,
                    "PagingLoop",
                    "nextLink points to a page already read in this listing".into(),
                ));
            }
            if seen.len() > 1 {
                self.progress.expect_requests(1);
            }
            let no_value = || {
                read_error(
                    "GET",
                    &next,
                    Some(200),
                    "MalformedBody",
                    "a list response without a \"value\" array".into(),
                )
            };
            let body = self.request_body("GET", &next, None).await?;
            let link = match serde_json::from_slice::<Page>(body.bytes()) {
                Ok(Page {
                    value: Some(values),
                    next_link,
                }) => {
                    if !sink(&values) {
                        return Ok(());
                    }
                    next_link
                }
                Ok(_) => return Err(no_value()),
                Err(e) if e.classify() == serde_json::error::Category::Data => {
                    return Err(no_value())
                }
                Err(e) => return Err(malformed_body("GET", &next, body.status, &e)),
            };
            match link {
                None | Some(Value::Null) => return Ok(()),
                Some(Value::String(s)) if s.trim().is_empty() => return Ok(()),
                Some(Value::String(link)) => next = self.same_origin_path(&next, &link)?,
                Some(other) => {
                    return Err(read_error(
                        "GET",
                        &next,
                        Some(200),
                        "MalformedBody",
                        format!("nextLink is not a string: {other}"),
                    ));
                }
            }
        }
    }

    /// Reduces a `nextLink` to path and query when it points at the Resource
    /// Manager endpoint; anything else stops the listing (a token is never
    /// sent to another host).
    fn same_origin_path(&self, current: &str, link: &str) -> Result<String, ReadError> {
        let (origin, rest) = split_origin(link);
        if !origin.is_empty()
            && norm_origin(&origin) == self.endpoint
            && (rest.starts_with('/') || rest.is_empty())
        {
            return Ok(if rest.is_empty() {
                "/".into()
            } else {
                rest.to_string()
            });
        }
        let shown: String = link.chars().take(200).collect();
        Err(read_error(
            "GET",
            current,
            Some(200),
            "ForeignNextLink",
            format!("nextLink {shown:?} does not point at the Resource Manager endpoint {}; listing stopped", self.endpoint),
        ))
    }

    /// One request with retries; the parsed JSON body of a 2xx answer.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ReadError> {
        self.request_body(method, path, body).await?.parse()
    }

    /// One request with retries; the body of a 2xx answer (borrowed in a
    /// replay). A 2xx body that is not JSON is retried, then an error.
    pub async fn request_body<'a>(
        &'a self,
        method: &'a str,
        path: &'a str,
        body: Option<&Value>,
    ) -> Result<Body<'a>, ReadError> {
        if method != "GET"
            && !(method == "POST" && POST_ALLOW_LIST.iter().any(|p| path_matches(p, path)))
        {
            return Err(read_error(
                method,
                path,
                None,
                "MethodNotAllowed",
                "azward is read-only: only GET and allow-listed POST reads are sent".into(),
            ));
        }
        // The quota a request draws on: only a live scan paces or holds slots.
        let scope = match &self.backend {
            Backend::Live { .. } => rate_scope(path),
            Backend::Replay { .. } => None,
        };
        // A Resource Graph query draws on Resource Graph's own quota too.
        let graph = is_graph_request(method, path).then(|| Some(GRAPH_SCOPE.to_string()));
        let mut attempt: u32 = 0;
        let result = loop {
            // Pacing happens before a concurrency slot is taken, so a request
            // waiting for its subscription's quota never holds up another
            // subscription's; slots go round-robin to the subscriptions.
            if let Some(limiter) = &self.limiter {
                let mut paced = false;
                if let Some(g) = &graph {
                    paced |= limiter.pace(g).await;
                }
                paced |= limiter.pace(&scope).await;
                if paced {
                    self.progress.paced_wait();
                }
            }
            let (outcome, seq) = {
                // A replay has no connection to bound, and its requests may
                // come from several threads at once: no slot to wait for.
                let _permit = match &self.backend {
                    Backend::Live { .. } => Some(self.permits.acquire(&scope).await),
                    Backend::Replay { .. } => None,
                };
                let seq = self.limiter.as_ref().map_or(0, |l| l.sending(&scope));
                let graph_seq = match (&self.limiter, &graph) {
                    (Some(l), Some(g)) => l.sending(g),
                    _ => 0,
                };
                self.stats.requests.fetch_add(1, Ordering::Relaxed);
                (self.send(method, path, body).await, (seq, graph_seq))
            };
            let (seq, graph_seq) = seq;
            let retry_wait = match outcome {
                Attempt::Response(r) => {
                    self.unanswered.store(0, Ordering::Relaxed);
                    self.record(method, path, body, &r);
                    if let Some(limiter) = &self.limiter {
                        if let Some(remaining) = r
                            .headers
                            .get(remaining_header(&scope))
                            .and_then(|v| v.trim().parse::<f64>().ok())
                        {
                            limiter.observe_remaining(&scope, seq, remaining);
                        }
                        if let Some(g) = &graph {
                            let max = self.opts.max_retry_after;
                            observe_graph_quota(limiter, g, graph_seq, &r.headers, max);
                        }
                    }
                    if (200..300).contains(&r.status) {
                        match parse_body(method, path, r) {
                            Ok(v) => break Ok(v),
                            // A 2xx body that is not JSON is a transfer that went
                            // wrong (truncated, garbled): a GET is safe to repeat.
                            Err(mut e) => {
                                if attempt >= self.opts.max_retries {
                                    if attempt > 0 {
                                        e.message.push_str(&format!(
                                            " (after {} attempts)",
                                            attempt + 1
                                        ));
                                    }
                                    break Err(e);
                                }
                                self.backoff(attempt)
                            }
                        }
                    } else if (300..400).contains(&r.status) {
                        break Err(redirected(method, path, &r));
                    } else {
                        let retryable = r.status == 429 || r.status >= 500;
                        let wait = retry_after(&r.headers, self.opts.max_retry_after)
                            .unwrap_or_else(|| self.backoff(attempt));
                        if r.status == 429 {
                            self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                            self.progress.throttled();
                            if let Some(limiter) = &self.limiter {
                                // Resource Graph throttles on its own quota.
                                limiter.throttled(graph.as_ref().unwrap_or(&scope), wait);
                            }
                        } else if r.status >= 500 {
                            self.stats.server_errors.fetch_add(1, Ordering::Relaxed);
                        }
                        if !retryable || attempt >= self.opts.max_retries {
                            break Err(error_from_response(method, path, &r, attempt));
                        }
                        wait
                    }
                }
                Attempt::Transport { code, message } => {
                    self.stats.transport_errors.fetch_add(1, Ordering::Relaxed);
                    let unanswered = self.unanswered.fetch_add(1, Ordering::Relaxed) + 1;
                    if unanswered >= self.opts.max_consecutive_failures.max(1) {
                        let message = format!(
                            "{message} (after {} attempts; {unanswered} attempts in a row got no answer from the endpoint, so it is not retried)",
                            attempt + 1
                        );
                        break Err(read_error(method, path, None, code, message));
                    }
                    if attempt >= self.opts.max_retries {
                        let message = format!("{message} (after {} attempts)", attempt + 1);
                        break Err(read_error(method, path, None, code, message));
                    }
                    self.backoff(attempt)
                }
                Attempt::Fatal { code, message } => {
                    break Err(read_error(method, path, None, code, message))
                }
            };
            attempt += 1;
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            self.stats
                .waited_ms
                .fetch_add(retry_wait.as_millis() as u64, Ordering::Relaxed);
            if !self.is_replay() {
                tokio::time::sleep(retry_wait).await;
            }
        };
        self.progress.request_done();
        result
    }

    /// Exponential backoff with jitter: a random wait in [d/2, d], d = base × 2^attempt, capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .opts
            .base_backoff
            .saturating_mul(1u32 << attempt.min(16));
        let d = exp.min(self.opts.max_backoff);
        let half = d / 2;
        half + Duration::from_millis(fastrand::u64(0..=half.as_millis() as u64))
    }

    async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Attempt<'_> {
        match &self.backend {
            Backend::Replay { matcher } => {
                // The recorded JSON is handed over as it is (no serialize and
                // parse round trip); a string body is served raw, as the
                // emulator would (that is how a malformed body is recorded).
                let Some(ex) = matcher.find(method, path, body) else {
                    let served = not_recorded(method, path);
                    return Attempt::Response(RawResponse {
                        status: served.status,
                        headers: BTreeMap::new(),
                        body: Cow::Owned(served.body),
                    });
                };
                let headers = ex
                    .headers
                    .iter()
                    .flatten()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                    .collect();
                let body = match &ex.body {
                    Some(b) => b.served(),
                    None => Cow::Owned(Vec::new()),
                };
                Attempt::Response(RawResponse {
                    status: ex.status,
                    headers,
                    body,
                })
            }
            Backend::Live { http, auth } => {
                let url = format!("{}{}", self.endpoint, path);
                let m = if method == "POST" {
                    reqwest::Method::POST
                } else {
                    reqwest::Method::GET
                };
                let mut req = http.request(m, &url);
                if let Auth::Credential { credential, scope } = auth {
                    match credential.get_token(&[scope.as_str()], None).await {
                        Ok(t) => req = req.bearer_auth(t.token.secret()),
                        Err(e) => {
                            return Attempt::Fatal {
                                code: "AuthenticationFailed",
                                message: first_line(&e.to_string()),
                            };
                        }
                    }
                }
                if let Some(b) = body {
                    req = req.json(b);
                }
                if is_workspace_query(path) {
                    // The query API answers in up to its own three minutes.
                    req = req.timeout(self.opts.timeout.max(WORKSPACE_QUERY_TIMEOUT));
                }
                let resp = match req.send().await {
                    Ok(r) => r,
                    Err(e) => return transport_error(&e),
                };
                let status = resp.status().as_u16();
                let redirect = resp.status().is_redirection();
                let headers = resp
                    .headers()
                    .iter()
                    .filter_map(|(k, v)| {
                        let k = k.as_str().to_ascii_lowercase();
                        (KEPT_HEADERS.contains(&k.as_str()) || (redirect && k == "location"))
                            .then(|| v.to_str().ok().map(|v| (k, v.to_string())))
                            .flatten()
                    })
                    .collect();
                match resp.bytes().await {
                    Ok(b) => Attempt::Response(RawResponse {
                        status,
                        headers,
                        body: Cow::Owned(b.to_vec()),
                    }),
                    Err(e) => transport_error(&e),
                }
            }
        }
    }

    fn record(&self, method: &str, path: &str, request_body: Option<&Value>, r: &RawResponse) {
        let Some(rec) = &self.recorder else { return };
        // Re-serialized compact (a recording holds one exchange per line); a
        // body that is not JSON is kept as a string, and served raw.
        let body =
            (!r.body.is_empty()).then(|| {
                RecordedBody::from(json_of(&r.body).unwrap_or_else(|| {
                    Value::String(String::from_utf8_lossy(&r.body).into_owned())
                }))
            });
        let headers = (!r.headers.is_empty()).then(|| r.headers.clone());
        rec.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Exchange {
                method: method.to_string(),
                url: path.to_string(),
                status: r.status,
                body,
                headers,
                request_body: request_body.cloned(),
            });
    }
}

/// How long a Log Analytics query (calls 28–30) may take: the query API's
/// own default timeout is three minutes, far beyond an ARM read's; a
/// shorter wait would only retry a query the service is still running.
pub const WORKSPACE_QUERY_TIMEOUT: Duration = Duration::from_secs(180);

/// Whether `path` is a workspace query (`{workspace}/query?…`).
fn is_workspace_query(path: &str) -> bool {
    let p = path.split('?').next().unwrap_or(path).to_ascii_lowercase();
    p.ends_with("/query") && p.contains("/providers/microsoft.operationalinsights/workspaces/")
}

/// Resource Graph's quota headers: what is left in the window corrects
/// the client's bucket, and an exhausted window holds every query until it
/// resets (no longer than `max`).
fn observe_graph_quota(
    limiter: &Limiter,
    graph: &Option<String>,
    seq: u64,
    headers: &BTreeMap<String, String>,
    max: Duration,
) {
    let Some(remaining) = headers
        .get(GRAPH_REMAINING_HEADER)
        .and_then(|v| v.trim().parse::<f64>().ok())
    else {
        return;
    };
    limiter.observe_remaining(graph, seq, remaining);
    if remaining < 1.0 {
        if let Some(reset) = headers
            .get(GRAPH_RESETS_HEADER)
            .and_then(|v| parse_resets_after(v, max))
        {
            limiter.throttled(graph, reset);
        }
    }
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let p = path.split('?').next().unwrap_or(path);
    pattern.eq_ignore_ascii_case(p)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(300).collect()
}

fn transport_error(e: &reqwest::Error) -> Attempt<'static> {
    let code = if e.is_timeout() {
        "Timeout"
    } else {
        "Connection"
    };
    // reqwest errors name the URL (which never carries a token) and the cause.
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    Attempt::Transport {
        code,
        message: first_line(&msg),
    }
}

/// `Retry-After` (seconds or an HTTP date is not used by ARM; seconds only)
/// or the `retry-after-ms` variants, no longer than `max` (a server's `1e30`
/// is `max`, never an overflow).
fn retry_after(headers: &BTreeMap<String, String>, max: Duration) -> Option<Duration> {
    let given = |name: &str, unit: f64| {
        headers
            .get(name)
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(|v| (v * unit).min(max.as_secs_f64()))
    };
    given("retry-after-ms", 1e-3)
        .or_else(|| given("x-ms-retry-after-ms", 1e-3))
        .or_else(|| given("retry-after", 1.0))
        .map(Duration::from_secs_f64)
}

/// A 3xx not followed: a redirect to another origin (or past the limit).
fn redirected(method: &str, path: &str, r: &RawResponse) -> ReadError {
    let to = r
        .headers
        .get("location")
        .map(|l| {
            let (origin, _) = split_origin(l);
            if origin.is_empty() {
                "a relative location".to_string()
            } else {
                origin
            }
        })
        .unwrap_or_else(|| "no location".into());
    read_error(
        method,
        path,
        Some(r.status),
        "Redirected",
        format!(
            "answered {} redirecting to {to}: a redirect to another origin is not followed",
            r.status
        ),
    )
}

pub fn read_error(
    method: &str,
    path: &str,
    status: Option<u16>,
    code: &str,
    message: String,
) -> ReadError {
    ReadError {
        request: format!("{method} {path}"),
        status,
        code: code.into(),
        message,
    }
}

/// A 2xx answer's body, checked to be JSON (a garbled transfer is retried).
fn parse_body<'a>(
    method: &'a str,
    path: &'a str,
    r: RawResponse<'a>,
) -> Result<Body<'a>, ReadError> {
    let bytes = r.body;
    if bytes.is_empty() {
        return Err(read_error(
            method,
            path,
            Some(r.status),
            "MalformedBody",
            "empty response body".into(),
        ));
    }
    // A body borrowed from a recording was checked when the recording was
    // loaded; one off the wire (or a recorded string, served raw) is checked
    // here without building anything.
    if let Cow::Owned(b) = &bytes {
        // (`&RawValue` checks the UTF-8 inside strings too; `IgnoredAny` does not.)
        if let Err(e) = serde_json::from_slice::<&RawValue>(b) {
            return Err(read_error(
                method,
                path,
                Some(r.status),
                "MalformedBody",
                format!("response body is not JSON: {e}"),
            ));
        }
    }
    Ok(Body {
        method,
        path,
        status: r.status,
        bytes,
    })
}

fn error_from_response(method: &str, path: &str, r: &RawResponse, retries: u32) -> ReadError {
    let parsed: Option<Value> = json_of(&r.body);
    let err = parsed.as_ref().and_then(|v| v.get("error"));
    let code = err
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| match r.status {
            429 => "TooManyRequests".into(),
            s => format!("HTTP{s}"),
        });
    let mut message = err
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(first_line)
        .unwrap_or_default();
    if retries > 0 {
        if !message.is_empty() {
            message.push(' ');
        }
        message.push_str(&format!("(still failing after {retries} retries)"));
    }
    read_error(method, path, Some(r.status), &code, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::recording::{Exchange, PUBLIC_ARM};
    use serde_json::json;

    fn ex(url: &str, status: u16, body: Value) -> Exchange {
        Exchange {
            method: "GET".into(),
            url: url.into(),
            status,
            body: Some(body.into()),
            headers: None,
            request_body: None,
        }
    }

    fn client(exchanges: Vec<Exchange>) -> ArmClient {
        ArmClient::replay(
            Arc::new(Matcher::new(exchanges, PUBLIC_ARM)),
            ClientOptions::default(),
        )
    }

    #[tokio::test]
    async fn pages_are_followed_and_loops_and_foreign_hosts_stop() {
        let c = client(vec![
            ex(
                "/l?api-version=1",
                200,
                json!({"value": [1], "nextLink": "https://management.azure.com/l?api-version=1&$skiptoken=2"}),
            ),
            ex(
                "/l?$skiptoken=2",
                200,
                json!({"value": [2], "nextLink": null}),
            ),
        ]);
        assert_eq!(
            c.list("/l?api-version=1").await.unwrap(),
            vec![json!(1), json!(2)]
        );

        let c = client(vec![ex(
            "/l",
            200,
            json!({"value": [1], "nextLink": "https://management.azure.com/l?api-version=9"}),
        )]);
        assert_eq!(
            c.list("/l?api-version=1").await.unwrap_err().code,
            "PagingLoop"
        );

        let c = client(vec![ex(
            "/l",
            200,
            json!({"value": [1], "nextLink": "https://evil.example.com/l"}),
        )]);
        assert_eq!(c.list("/l").await.unwrap_err().code, "ForeignNextLink");

        let c = client(vec![ex("/l", 200, json!({"value": {"not": "an array"}}))]);
        assert_eq!(c.list("/l").await.unwrap_err().code, "MalformedBody");
    }

    #[tokio::test]
    async fn bodies_are_parsed_from_their_recorded_text_and_bad_ones_are_errors() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Named {
            name: String,
        }
        // Recorded text with its own spacing, read straight into the model.
        let spaced: RecordedBody =
            serde_json::from_str(r#"{ "name" : "kv\u00e9" , "extra": [1, 2] }"#).unwrap();
        let mut one = ex("/one", 200, json!(null));
        one.body = Some(spaced);
        let c = client(vec![
            one,
            // A string body is served raw: here, a truncated transfer.
            ex("/cut", 200, json!("{\"name\": \"kv")),
            ex("/shape", 200, json!({"name": 7})),
            ex("/top", 200, json!([1, 2])),
            ex("/empty", 200, json!(null)),
        ]);
        assert_eq!(
            c.get_as::<Named>("/one").await.unwrap(),
            Named {
                name: "kvé".into()
            }
        );
        let e = c.get_as::<Named>("/cut").await.unwrap_err();
        assert_eq!(e.code, "MalformedBody");
        assert!(e.message.starts_with("response body is not JSON"), "{e}");
        let e = c.get_as::<Named>("/shape").await.unwrap_err();
        assert_eq!(e.code, "MalformedBody");
        assert!(
            e.message
                .starts_with("the body does not have the expected shape"),
            "{e}"
        );
        let e = c.list("/top").await.unwrap_err();
        assert!(e.message.contains("without a \"value\" array"), "{e}");
        let e = c.get("/empty").await.unwrap_err();
        assert_eq!(e.code, "MalformedBody");
        assert_eq!(
            e.message, "empty response body (after 7 attempts)",
            "retried first"
        );
        assert_eq!(c.stats.snapshot().failed_reads, 4);

        // A page is an object: an array is not read by position as one.
        let raw = |text: &str| -> RecordedBody { serde_json::from_str(text).unwrap() };
        let mut pos = ex("/pos", 200, json!(null));
        pos.body = Some(raw(r#"[[], "https://management.azure.com/pos2"]"#));
        let mut empty_pos = ex("/pos2", 200, json!(null));
        empty_pos.body = Some(raw("[[]]"));
        // A repeated key keeps its last value, as it always did.
        let mut twice = ex("/twice", 200, json!(null));
        twice.body = Some(raw(r#"{"value": [1], "value": [2]}"#));
        // JSON to the loader, but not to a model: a lone surrogate escape.
        let mut lone = ex("/lone", 200, json!(null));
        lone.body = Some(raw(r#"{"name": "\ud800"}"#));
        let c = client(vec![pos, empty_pos, twice, lone]);
        for path in ["/pos", "/pos2"] {
            let e = c.list(path).await.unwrap_err();
            assert!(
                e.message.contains("without a \"value\" array"),
                "{path}: {e}"
            );
        }
        assert_eq!(c.list("/twice").await.unwrap(), vec![json!(2)]);
        let e = c.get_as::<Named>("/lone").await.unwrap_err();
        assert!(e.message.starts_with("response body is not JSON"), "{e}");
    }

    #[tokio::test]
    async fn throttling_is_retried_on_a_virtual_clock() {
        let mut throttled = ex(
            "/a",
            429,
            json!({"error": {"code": "TooManyRequests", "message": "slow down"}}),
        );
        throttled.headers = Some(BTreeMap::from([(
            "Retry-After".to_string(),
            "7".to_string(),
        )]));
        let c = client(vec![throttled.clone(), ex("/a", 200, json!({"value": []}))]);
        let started = std::time::Instant::now();
        assert_eq!(c.list("/a").await.unwrap(), Vec::<Value>::new());
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "a replay never sleeps"
        );
        let s = c.stats.snapshot();
        assert_eq!(
            (s.requests, s.throttled, s.retries, s.waited_ms),
            (2, 1, 1, 7000)
        );

        let c = client(vec![throttled]);
        let e = c.list("/a").await.unwrap_err();
        assert_eq!((e.code.as_str(), e.status), ("TooManyRequests", Some(429)));
        assert!(e.message.contains("after 6 retries"), "{e}");
    }

    #[tokio::test]
    async fn errors_carry_arm_code_and_writes_are_refused() {
        let c = client(vec![ex(
            "/a",
            403,
            json!({"error": {"code": "AuthorizationFailed", "message": "no\naccess"}}),
        )]);
        let e = c.get("/a").await.unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.status, e.message.as_str()),
            ("AuthorizationFailed", Some(403), "no")
        );
        assert_eq!(c.get("/unknown").await.unwrap_err().code, "NotRecorded");
        for m in ["PUT", "DELETE", "PATCH", "POST"] {
            assert_eq!(
                c.request(m, "/a", None).await.unwrap_err().code,
                "MethodNotAllowed"
            );
        }
        assert_eq!(
            c.stats.snapshot().requests,
            2,
            "refused methods send nothing"
        );
    }

    #[tokio::test]
    async fn only_the_resource_graph_query_is_an_allowed_post() {
        let graph = format!("{GRAPH_PATH}?api-version=2024-04-01");
        let body = serde_json::json!({"query": "resources"});
        let mut answered = ex(&graph, 200, json!({"data": []}));
        answered.method = "POST".into();
        answered.request_body = Some(body.clone());
        let c = client(vec![answered]);
        assert_eq!(
            c.request("POST", &graph, Some(&body)).await.unwrap(),
            json!({"data": []})
        );
        // Case and query do not matter; another body is simply not recorded.
        let lower = graph.to_ascii_lowercase();
        let other = json!({"query": "other"});
        assert_eq!(
            c.request("POST", &lower, Some(&other))
                .await
                .unwrap_err()
                .code,
            "NotRecorded"
        );
        for path in [
            "/providers/Microsoft.ResourceGraph/resourcesX",
            "/providers/Microsoft.ResourceGraph/resources/x",
            "/subscriptions/s/providers/Microsoft.ResourceGraph/resources",
            "/providers/Microsoft.ResourceGraph",
            "/subscriptions/s/providers/Microsoft.Compute/virtualMachines/v/start",
        ] {
            assert_eq!(
                c.request("POST", path, Some(&body)).await.unwrap_err().code,
                "MethodNotAllowed",
                "{path}"
            );
        }
        for m in ["PUT", "DELETE", "PATCH"] {
            assert_eq!(
                c.request(m, &graph, Some(&body)).await.unwrap_err().code,
                "MethodNotAllowed",
                "{m}"
            );
        }
        assert_eq!(
            c.stats.snapshot().requests,
            2,
            "refused requests send nothing"
        );
        assert!(is_graph_request(
            "post",
            &format!("https://management.azure.com{graph}")
        ));
        assert!(!is_graph_request("GET", &graph));
        assert_eq!(
            parse_resets_after("00:01:02.5", Duration::from_secs(600)),
            Some(Duration::from_millis(62_500))
        );
        assert_eq!(
            parse_resets_after("99:00:00", Duration::from_secs(9)),
            Some(Duration::from_secs(9))
        );
        assert_eq!(parse_resets_after("5", Duration::from_secs(9)), None);
        assert_eq!(parse_resets_after("-1:00:00", Duration::from_secs(9)), None);
    }
}

#[cfg(test)]
mod hardening_tests {
    use super::*;
    use crate::azure::recording::{Exchange, PUBLIC_ARM};
    use serde_json::json;
    use std::sync::atomic::AtomicUsize;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn huge_retry_after_and_negative_remaining_counts_are_clamped() {
        let mut throttled = Exchange {
            method: "GET".into(),
            url: "/a".into(),
            status: 429,
            body: None,
            headers: Some(BTreeMap::from([("Retry-After".into(), "1e30".into())])),
            request_body: None,
        };
        let ok = Exchange {
            status: 200,
            headers: None,
            body: Some(json!({"value": []}).into()),
            ..throttled.clone()
        };
        let c = ArmClient::replay(
            Arc::new(Matcher::new(vec![throttled.clone(), ok], PUBLIC_ARM)),
            ClientOptions::default(),
        );
        assert!(c.list("/a").await.unwrap().is_empty());
        assert_eq!(
            c.stats.snapshot().waited_ms,
            120_000,
            "capped at max_retry_after"
        );
        throttled.headers = Some(BTreeMap::from([("retry-after-ms".into(), "1e300".into())]));
        let max = Duration::from_secs(9);
        let h = throttled
            .headers
            .clone()
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        assert_eq!(retry_after(&h, max), Some(max));

        let l = Limiter::new(RateLimit {
            burst: 10,
            per_second: 1.0,
        });
        let s = Some("s".to_string());
        let seq = l.sending(&s);
        l.observe_remaining(&s, seq, -1e9);
        let tokens = l.with_bucket(&s, |b, _| b.tokens);
        assert!(
            tokens >= -0.01,
            "a negative count is read as none left: {tokens}"
        );
        l.observe_remaining(&s, seq, f64::NAN);
        assert!(l.with_bucket(&s, |b, _| b.tokens) >= -0.01);
    }

    /// A one-shot HTTP/1.1 server on loopback: answers each request with
    /// `answer(path)`, and counts them.
    async fn tiny_server(answer: fn(&str, &str) -> String) -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicUsize::new(0));
        let (o, n) = (origin.clone(), count.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(k) => buf.extend_from_slice(&chunk[..k]),
                    }
                }
                n.fetch_add(1, Ordering::SeqCst);
                let head = String::from_utf8_lossy(&buf);
                let path = head.split(' ').nth(1).unwrap_or("/").to_string();
                let _ = stream.write_all(answer(&o, &path).as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        });
        (origin, count)
    }

    fn http(status: &str, extra: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\n{extra}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    }

    #[tokio::test]
    async fn a_redirect_to_another_origin_is_a_read_error() {
        let (other, other_hits) =
            tiny_server(|_, _| http("200 OK", "", r#"{"value": [{"id": "/stolen"}]}"#)).await;
        static OTHER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        OTHER.set(other).unwrap();
        let (origin, _) = tiny_server(|own, path| {
            if path.starts_with("/moved") {
                // Same origin: followed.
                http("302 Found", &format!("location: {own}/here\r\n"), "")
            } else if path.starts_with("/here") {
                http("200 OK", "", r#"{"value": [{"id": "/mine"}]}"#)
            } else {
                let to = OTHER.get().unwrap();
                http("302 Found", &format!("location: {to}/l\r\n"), "")
            }
        })
        .await;
        let c = ArmClient::live(&origin, Auth::Anonymous, ClientOptions::default()).unwrap();
        let e = c.list("/l").await.unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.status),
            ("Redirected", Some(302)),
            "{e}"
        );
        assert!(e.message.contains(OTHER.get().unwrap()), "{e}");
        assert_eq!(
            other_hits.load(Ordering::SeqCst),
            0,
            "nothing is read from another origin"
        );
        assert_eq!(
            c.list("/moved").await.unwrap(),
            vec![json!({"id": "/mine"})]
        );
    }

    #[test]
    fn a_token_never_goes_over_plain_http_to_another_host() {
        let auth = || Auth::Credential {
            credential: Arc::new(crate::azure::credentials::tests::Counting::hourly()),
            scope: "https://management.azure.com/.default".into(),
        };
        for endpoint in [
            "http://10.0.0.1",
            "http://127.0.0.1:80@10.0.0.1",
            "HTTP://management.azure.com",
        ] {
            assert!(
                matches!(
                    ArmClient::live(endpoint, auth(), ClientOptions::default()),
                    Err(ClientError::TokenOverPlainHttp(_))
                ),
                "{endpoint}"
            );
        }
        assert!(ArmClient::live(
            "https://management.azure.com",
            auth(),
            ClientOptions::default()
        )
        .is_ok());
        assert!(ArmClient::live("http://127.0.0.1:9", auth(), ClientOptions::default()).is_ok());
        assert!(
            ArmClient::live("http://10.0.0.1", Auth::Anonymous, ClientOptions::default()).is_ok()
        );
    }

    #[tokio::test]
    async fn a_dead_endpoint_is_given_up_after_a_few_attempts() {
        // A port nobody listens on: every attempt is refused.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let c = ArmClient::live(
            &format!("http://127.0.0.1:{port}"),
            Auth::Anonymous,
            // Counted, not timed: the waits are made short.
            ClientOptions {
                base_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(2),
                ..Default::default()
            },
        )
        .unwrap();
        let e = c.get("/subscriptions").await.unwrap_err();
        assert!(
            e.message.contains("5 attempts in a row got no answer"),
            "{e}"
        );
        assert_eq!(
            c.stats.snapshot().requests,
            5,
            "not the 7 attempts of max_retries 6"
        );
        // Later reads get one attempt each while nothing answers.
        let e = c.get("/subscriptions/s/resources").await.unwrap_err();
        assert!(e.message.contains("after 1 attempts"), "{e}");
        assert_eq!(c.stats.snapshot().requests, 6);
    }
}

#[cfg(test)]
mod pacing_tests {
    use super::*;

    #[test]
    fn workspace_queries_are_told_apart_for_their_longer_timeout() {
        let ws = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w";
        assert!(is_workspace_query(&format!(
            "{ws}/query?api-version=2017-10-01&query=x"
        )));
        assert!(is_workspace_query(&format!("{}/QUERY", ws.to_lowercase())));
        assert!(!is_workspace_query(&format!("{ws}/tables?api-version=1")));
        assert!(!is_workspace_query(
            "/subscriptions/s/providers/Microsoft.ResourceGraph/query?x=1"
        ));
        assert!(!is_workspace_query(&format!("{ws}/tables?q=/query")));
    }

    #[test]
    fn requests_count_against_their_subscription_or_the_tenant() {
        assert_eq!(
            rate_scope("/subscriptions/ABC/providers/x?api-version=1").as_deref(),
            Some("abc")
        );
        assert_eq!(
            rate_scope("https://management.azure.com/subscriptions/d/resources").as_deref(),
            Some("d")
        );
        assert_eq!(rate_scope("/subscriptions?api-version=1"), None);
        assert_eq!(
            rate_scope("/providers/microsoft.aadiam/diagnosticSettings"),
            None
        );
        assert_eq!(
            remaining_header(&Some("s".into())),
            "x-ms-ratelimit-remaining-subscription-reads"
        );
        assert_eq!(
            remaining_header(&None),
            "x-ms-ratelimit-remaining-tenant-reads"
        );
    }

    fn debt(l: &Limiter, scope: &Option<String>) -> f64 {
        l.with_bucket(scope, |b, _| b.tokens)
    }

    #[tokio::test]
    async fn the_client_bucket_paces_after_its_burst_and_learns_from_the_server() {
        let l = Limiter::new(RateLimit {
            burst: 3,
            per_second: 10.0,
        });
        let s = Some("s".to_string());
        let start = Instant::now();
        for _ in 0..3 {
            assert!(!l.pace(&s).await, "the burst goes at once");
            l.sending(&s);
        }
        assert!(l.pace(&s).await, "the fourth waits for a refill");
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(95) && waited <= Duration::from_millis(300),
            "{waited:?}"
        );
        l.sending(&s);
        assert!(!l.pace(&None).await, "each scope has its own bucket");

        // The server says nothing is left (others share the quota).
        let t = Some("t".to_string());
        assert!(!l.pace(&t).await);
        let seq = l.sending(&t);
        l.observe_remaining(&t, seq, 0.0);
        assert!(debt(&l, &t) <= 0.01, "{}", debt(&l, &t));

        // A 429 stops the bucket for its Retry-After.
        let u = Some("u".to_string());
        l.throttled(&u, Duration::from_millis(300));
        let before = Instant::now();
        assert!(l.pace(&u).await);
        assert!(before.elapsed() >= Duration::from_millis(295));
        assert_eq!(l.paced.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn resource_graph_queries_have_their_own_quota_and_follow_its_headers() {
        let l = Limiter::with_graph(
            RateLimit::ARM,
            RateLimit {
                burst: 2,
                per_second: 10.0,
            },
        );
        let g = Some(GRAPH_SCOPE.to_string());
        for _ in 0..2 {
            assert!(!l.pace(&g).await);
            l.sending(&g);
        }
        let start = Instant::now();
        assert!(
            l.pace(&g).await,
            "the third query waits for Resource Graph's refill"
        );
        assert!(start.elapsed() >= Duration::from_millis(95));
        let seq = l.sending(&g);
        assert!(!l.pace(&None).await, "the tenant's bucket is untouched");
        // The window is spent and resets in 300 ms: every query waits for it.
        let headers = BTreeMap::from([
            (GRAPH_REMAINING_HEADER.to_string(), "0".to_string()),
            (GRAPH_RESETS_HEADER.to_string(), "00:00:00.3".to_string()),
        ]);
        observe_graph_quota(&l, &g, seq, &headers, Duration::from_secs(60));
        let before = Instant::now();
        assert!(l.pace(&g).await);
        assert!(before.elapsed() >= Duration::from_millis(295));
        assert_eq!(rate_scope(GRAPH_PATH), None, "a tenant-level call");
    }

    #[test]
    fn refill_lost_to_a_full_bucket_is_owed_by_the_queue() {
        let l = Limiter::new(RateLimit {
            burst: 2,
            per_second: 1000.0,
        });
        let s = Some("s".to_string());
        // Four tokens reserved, nothing sent: the server's bucket stays full,
        // so the refill of the next 20 ms is lost to it and the queue still
        // owes two tokens.
        l.with_bucket(&s, |b, _| {
            b.tokens -= 4.0;
            b.reserved += 4;
        });
        std::thread::sleep(Duration::from_millis(20));
        let (server, tokens) = l.with_bucket(&s, |b, _| (b.server, b.tokens));
        assert_eq!(server, 2.0);
        assert!(tokens <= -1.99, "the queue gets none of it: {tokens}");
        // Once two are sent, the bucket refills for the other two.
        l.sending(&s);
        l.sending(&s);
        std::thread::sleep(Duration::from_millis(5));
        assert!(l.with_bucket(&s, |b, _| b.tokens) >= -0.001);
    }

    #[tokio::test]
    async fn a_replay_never_paces() {
        let c = ArmClient::replay(
            Arc::new(Matcher::new(
                Vec::new(),
                crate::azure::recording::PUBLIC_ARM,
            )),
            ClientOptions {
                rate_limit: Some(RateLimit {
                    burst: 1,
                    per_second: 0.001,
                }),
                ..Default::default()
            },
        );
        let started = Instant::now();
        for _ in 0..5 {
            let _ = c.get("/subscriptions/s/x").await;
        }
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(c.pacing(), PacingSnapshot::default());
        assert_eq!(c.progress().snapshot().requests_done, 5);
        assert_eq!(c.progress().snapshot().errors, 5);
    }
}
