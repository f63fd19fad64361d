//! A loopback HTTP server that serves a recording as Resource Manager would,
//! for tests of the live client over real HTTP (and, later, benchmarks).
//! It binds loopback addresses only, answers every method but GET with 405,
//! rewrites recorded `nextLink`s to its own origin, and logs each request
//! (method, path, whether an Authorization header came: never its value).

use crate::azure::recording::{split_origin, Matcher, Recording};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// A request the emulator received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    pub path_and_query: String,
    pub had_authorization: bool,
    pub status: u16,
}

/// Delays the response to requests whose path contains `path_contains`.
#[derive(Debug, Clone)]
pub struct DelayRule {
    pub path_contains: String,
    pub delay: Duration,
}

#[derive(Debug, Clone, Default)]
pub struct EmulatorOptions {
    pub delays: Vec<DelayRule>,
}

struct State {
    matcher: Matcher,
    recorded_origin: String,
    own_origin: String,
    log: Mutex<Vec<LoggedRequest>>,
    opts: EmulatorOptions,
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
        let state = Arc::new(State {
            matcher: Matcher::new(rec.exchanges.clone(), &recorded_origin),
            recorded_origin,
            own_origin: format!("http://{addr}"),
            log: Mutex::new(Vec::new()),
            opts,
        });
        let (stop, mut stopped) = watch::channel(false);
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
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

    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

fn response(status: u16, headers: &[(String, String)], body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut b = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    let mut has_type = false;
    for (k, v) in headers {
        has_type |= k.eq_ignore_ascii_case("content-type");
        b = b.header(k.as_str(), v.as_str());
    }
    if !has_type && !body.is_empty() {
        b = b.header("content-type", "application/json; charset=utf-8");
    }
    b.body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// Points recorded `nextLink`s at the emulator itself.
fn rewrite_next_link(body: Vec<u8>, recorded_origin: &str, own_origin: &str) -> Vec<u8> {
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return body;
    };
    let Some(link) = v
        .get("nextLink")
        .and_then(|l| l.as_str())
        .map(str::to_string)
    else {
        return body;
    };
    let (origin, rest) = split_origin(&link);
    if !origin.is_empty()
        && crate::azure::recording::norm_origin(&origin)
            == crate::azure::recording::norm_origin(recorded_origin)
    {
        v["nextLink"] = serde_json::Value::String(format!("{own_origin}{rest}"));
        return serde_json::to_vec(&v).unwrap_or(body);
    }
    body
}

async fn handle(
    req: Request<Incoming>,
    st: Arc<State>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let method = req.method().as_str().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let had_authorization = req.headers().contains_key(hyper::header::AUTHORIZATION);
    let log = |status: u16| {
        st.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(LoggedRequest {
                method: method.clone(),
                path_and_query: path.clone(),
                had_authorization,
                status,
            });
    };
    if method != "GET" {
        log(405);
        let body = serde_json::json!({"error": {"code": "MethodNotAllowed", "message": format!("{method} is not served: the emulator is read-only")}});
        return Ok(response(
            405,
            &[("allow".into(), "GET".into())],
            serde_json::to_vec(&body).unwrap_or_default(),
        ));
    }
    let _ = req.into_body().collect().await;
    for d in &st.opts.delays {
        if path.contains(&d.path_contains) {
            tokio::time::sleep(d.delay).await;
        }
    }
    let served = st.matcher.serve(&method, &path, None);
    log(served.status);
    let body = rewrite_next_link(served.body, &st.recorded_origin, &st.own_origin);
    Ok(response(served.status, &served.headers, body))
}
