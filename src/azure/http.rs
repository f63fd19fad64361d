//! The one HTTP client: GET only (plus allow-listed POST), bounded
//! concurrency, retries with backoff and `Retry-After`, paging over
//! `nextLink`, per-request timeout; live over `reqwest` or replayed from a
//! recording on a virtual clock; optionally recording every exchange.

use crate::azure::recording::{norm_origin, split_origin, Exchange, MatchKey, Matcher};
use crate::inventory::ReadError;
use azure_core::credentials::TokenCredential;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// POST endpoints a scan may call (reads that ARM exposes as POST). Version 1
/// of the call set has none.
pub const POST_ALLOW_LIST: &[&str] = &[];

/// Response headers worth keeping in a recording and honouring on replay.
pub const KEPT_HEADERS: &[&str] = &[
    "retry-after",
    "x-ms-ratelimit-remaining-subscription-reads",
    "x-ms-ratelimit-remaining-tenant-reads",
];

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
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            concurrency: 16,
            max_retries: 6,
            timeout: Duration::from_secs(30),
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
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

struct RawResponse {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

enum Attempt {
    Response(RawResponse),
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

/// The Resource Manager client every collector uses.
pub struct ArmClient {
    backend: Backend,
    endpoint: String,
    opts: ClientOptions,
    permits: Semaphore,
    recorder: Option<Mutex<Vec<Exchange>>>,
    pub stats: Stats,
}

impl ArmClient {
    /// A live client against `endpoint` (e.g. `https://management.azure.com`).
    pub fn live(
        endpoint: &str,
        auth: Auth,
        opts: ClientOptions,
    ) -> Result<ArmClient, reqwest::Error> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("azward/", env!("CARGO_PKG_VERSION")))
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
        ArmClient {
            backend,
            endpoint: norm_origin(endpoint),
            permits: Semaphore::new(opts.concurrency.max(1)),
            opts,
            recorder: None,
            stats: Stats::default(),
        }
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
        let r = self.request("GET", path, None).await;
        if r.is_err() {
            self.stats.failed_reads.fetch_add(1, Ordering::Relaxed);
        }
        r
    }

    /// GETs a list, following `nextLink` to the end; the items of every page.
    pub async fn list(&self, path: &str) -> Result<Vec<Value>, ReadError> {
        let r = self.list_pages(path).await;
        if r.is_err() {
            self.stats.failed_reads.fetch_add(1, Ordering::Relaxed);
        }
        r
    }

    async fn list_pages(&self, path: &str) -> Result<Vec<Value>, ReadError> {
        let mut items = Vec::new();
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
            let page = self.request("GET", &next, None).await?;
            match page.get("value") {
                Some(Value::Array(values)) => items.extend(values.iter().cloned()),
                _ => {
                    return Err(read_error(
                        "GET",
                        &next,
                        Some(200),
                        "MalformedBody",
                        "a list response without a \"value\" array".into(),
                    ));
                }
            }
            match page.get("nextLink") {
                None | Some(Value::Null) => return Ok(items),
                Some(Value::String(s)) if s.trim().is_empty() => return Ok(items),
                Some(Value::String(link)) => next = self.same_origin_path(&next, link)?,
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
        let mut attempt: u32 = 0;
        loop {
            let outcome = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .expect("semaphore is never closed");
                self.stats.requests.fetch_add(1, Ordering::Relaxed);
                self.send(method, path, body).await
            };
            let retry_wait = match outcome {
                Attempt::Response(r) => {
                    self.record(method, path, body, &r);
                    if (200..300).contains(&r.status) {
                        return parse_body(method, path, r);
                    }
                    let retryable = r.status == 429 || r.status >= 500;
                    if r.status == 429 {
                        self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                    } else if r.status >= 500 {
                        self.stats.server_errors.fetch_add(1, Ordering::Relaxed);
                    }
                    if !retryable || attempt >= self.opts.max_retries {
                        return Err(error_from_response(method, path, &r, attempt));
                    }
                    retry_after(&r.headers)
                        .map(|d| d.min(self.opts.max_retry_after))
                        .unwrap_or_else(|| self.backoff(attempt))
                }
                Attempt::Transport { code, message } => {
                    self.stats.transport_errors.fetch_add(1, Ordering::Relaxed);
                    if attempt >= self.opts.max_retries {
                        let message = format!("{message} (after {} attempts)", attempt + 1);
                        return Err(read_error(method, path, None, code, message));
                    }
                    self.backoff(attempt)
                }
                Attempt::Fatal { code, message } => {
                    return Err(read_error(method, path, None, code, message))
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
        }
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

    async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Attempt {
        match &self.backend {
            Backend::Replay { matcher } => {
                let served = matcher.serve(method, path, body);
                let headers = served
                    .headers
                    .into_iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v))
                    .collect();
                Attempt::Response(RawResponse {
                    status: served.status,
                    headers,
                    body: served.body,
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
                let resp = match req.send().await {
                    Ok(r) => r,
                    Err(e) => return transport_error(&e),
                };
                let status = resp.status().as_u16();
                let headers = resp
                    .headers()
                    .iter()
                    .filter_map(|(k, v)| {
                        let k = k.as_str().to_ascii_lowercase();
                        KEPT_HEADERS
                            .contains(&k.as_str())
                            .then(|| v.to_str().ok().map(|v| (k, v.to_string())))
                            .flatten()
                    })
                    .collect();
                match resp.bytes().await {
                    Ok(b) => Attempt::Response(RawResponse {
                        status,
                        headers,
                        body: b.to_vec(),
                    }),
                    Err(e) => transport_error(&e),
                }
            }
        }
    }

    fn record(&self, method: &str, path: &str, request_body: Option<&Value>, r: &RawResponse) {
        let Some(rec) = &self.recorder else { return };
        let body =
            if r.body.is_empty() {
                None
            } else {
                Some(serde_json::from_slice(&r.body).unwrap_or_else(|_| {
                    Value::String(String::from_utf8_lossy(&r.body).into_owned())
                }))
            };
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

fn path_matches(pattern: &str, path: &str) -> bool {
    let p = path.split('?').next().unwrap_or(path);
    pattern.eq_ignore_ascii_case(p)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(300).collect()
}

fn transport_error(e: &reqwest::Error) -> Attempt {
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
/// or the `retry-after-ms` variants.
fn retry_after(headers: &BTreeMap<String, String>) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .or_else(|| headers.get("x-ms-retry-after-ms"))
    {
        if let Ok(ms) = ms.trim().parse::<u64>() {
            return Some(Duration::from_millis(ms));
        }
    }
    headers
        .get("retry-after")
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
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

fn parse_body(method: &str, path: &str, r: RawResponse) -> Result<Value, ReadError> {
    if r.body.is_empty() {
        return Err(read_error(
            method,
            path,
            Some(r.status),
            "MalformedBody",
            "empty response body".into(),
        ));
    }
    serde_json::from_slice(&r.body).map_err(|e| {
        read_error(
            method,
            path,
            Some(r.status),
            "MalformedBody",
            format!("response body is not JSON: {e}"),
        )
    })
}

fn error_from_response(method: &str, path: &str, r: &RawResponse, retries: u32) -> ReadError {
    let parsed: Option<Value> = serde_json::from_slice(&r.body).ok();
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
            body: Some(body),
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
}
