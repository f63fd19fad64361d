//! The live HTTP client over real HTTP, against the in-process loopback
//! emulator serving a recording: paging, throttling, server errors,
//! timeouts, GET only, and no token anywhere it could leak.

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azward::azure::http::{ArmClient, Auth, ClientOptions};
use azward::azure::recording::{Exchange, Header, Recording};
use azward_lab::emulator::{DelayRule, Emulator, EmulatorOptions};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

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

fn recording(exchanges: Vec<Exchange>) -> Recording {
    let text = azward::azure::recording::to_jsonl(
        &Header {
            recording: 1,
            ..Default::default()
        },
        &exchanges,
    );
    Recording::from_bytes(text.as_bytes(), Path::new("test.jsonl")).unwrap()
}

fn fast() -> ClientOptions {
    ClientOptions {
        concurrency: 4,
        max_retries: 3,
        timeout: Duration::from_secs(5),
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        ..Default::default()
    }
}

async fn serve(exchanges: Vec<Exchange>, opts: EmulatorOptions) -> Emulator {
    Emulator::start(&recording(exchanges), "127.0.0.1:0".parse().unwrap(), opts)
        .await
        .unwrap()
}

#[tokio::test]
async fn follows_next_link_over_several_pages() {
    let emu = serve(
        vec![
            ex("/subscriptions/s/resources?api-version=2021-04-01", 200, json!({"value": [{"id": "/a"}], "nextLink": "https://management.azure.com/subscriptions/s/resources?api-version=2021-04-01&$skiptoken=p2"})),
            ex("/subscriptions/s/resources?$skiptoken=p2", 200, json!({"value": [{"id": "/b"}], "nextLink": "https://management.azure.com/subscriptions/s/resources?api-version=2021-04-01&$skiptoken=p3"})),
            ex("/subscriptions/s/resources?$skiptoken=p3", 200, json!({"value": [{"id": "/c"}], "nextLink": ""})),
        ],
        EmulatorOptions::default(),
    )
    .await;
    let c = ArmClient::live(&emu.origin(), Auth::Anonymous, fast()).unwrap();
    let items = c
        .list("/subscriptions/s/resources?api-version=2021-04-01")
        .await
        .unwrap();
    let ids: Vec<&str> = items.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["/a", "/b", "/c"]);
    let log = emu.requests();
    assert_eq!(log.len(), 3);
    assert!(log
        .iter()
        .all(|r| r.method == "GET" && !r.had_authorization));
    assert!(log[2].path_and_query.contains("skiptoken=p3"));
}

#[tokio::test]
async fn honours_retry_after_then_succeeds() {
    let mut throttled = ex(
        "/a?api-version=1",
        429,
        json!({"error": {"code": "TooManyRequests", "message": "throttled"}}),
    );
    throttled.headers = Some(BTreeMap::from([("Retry-After".into(), "1".into())]));
    let emu = serve(
        vec![
            throttled,
            ex("/a?api-version=1", 200, json!({"value": [1]})),
        ],
        EmulatorOptions::default(),
    )
    .await;
    let c = ArmClient::live(&emu.origin(), Auth::Anonymous, fast()).unwrap();
    let started = Instant::now();
    assert_eq!(c.list("/a?api-version=1").await.unwrap(), vec![json!(1)]);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was honoured ({:?})",
        started.elapsed()
    );
    let s = c.stats.snapshot();
    assert_eq!((s.requests, s.throttled, s.retries), (2, 1, 1));
    assert_eq!(
        emu.requests().iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 200]
    );
}

#[tokio::test]
async fn retries_a_server_error_then_succeeds_and_gives_up_after_max_retries() {
    let emu = serve(
        vec![
            ex(
                "/a",
                500,
                json!({"error": {"code": "InternalServerError", "message": "oops"}}),
            ),
            ex("/a", 200, json!({"value": []})),
            ex(
                "/b",
                503,
                json!({"error": {"code": "ServiceUnavailable", "message": "down"}}),
            ),
        ],
        EmulatorOptions::default(),
    )
    .await;
    let c = ArmClient::live(&emu.origin(), Auth::Anonymous, fast()).unwrap();
    assert!(c.list("/a?api-version=1").await.unwrap().is_empty());
    let e = c.list("/b?api-version=1").await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.status),
        ("ServiceUnavailable", Some(503))
    );
    assert!(e.message.contains("after 3 retries"), "{e}");
    assert_eq!(
        emu.requests()
            .iter()
            .filter(|r| r.path_and_query.starts_with("/b"))
            .count(),
        4
    );
}

#[tokio::test]
async fn a_request_that_times_out_is_retried_then_an_error() {
    let emu = serve(
        vec![ex("/slow", 200, json!({"value": []}))],
        EmulatorOptions {
            // Far longer than the client waits, however slow the machine:
            // only the client's own timeout can end these requests.
            delays: vec![DelayRule {
                path_contains: "/slow".into(),
                delay: Duration::from_secs(600),
            }],
            ..Default::default()
        },
    )
    .await;
    let opts = ClientOptions {
        timeout: Duration::from_millis(300),
        max_retries: 1,
        ..fast()
    };
    let c = ArmClient::live(&emu.origin(), Auth::Anonymous, opts).unwrap();
    let e = c.list("/slow?api-version=1").await.unwrap_err();
    assert_eq!(e.code, "Timeout", "{e}");
    assert!(e.message.contains("after 2 attempts"), "{e}");
    assert_eq!(c.stats.snapshot().transport_errors, 2);
}

#[tokio::test]
async fn only_get_is_sent_and_the_emulator_refuses_writes() {
    let emu = serve(
        vec![ex("/a", 200, json!({"value": []}))],
        EmulatorOptions::default(),
    )
    .await;
    let c = ArmClient::live(&emu.origin(), Auth::Anonymous, fast()).unwrap();
    for m in ["PUT", "PATCH", "DELETE", "POST"] {
        assert_eq!(
            c.request(m, "/a", None).await.unwrap_err().code,
            "MethodNotAllowed"
        );
    }
    assert!(
        emu.requests().is_empty(),
        "refused methods never reach the wire"
    );
    let raw = reqwest::Client::new()
        .delete(format!("{}/a", emu.origin()))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 405);
}

#[derive(Debug)]
struct FixedToken;

const SECRET: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJ0aWQiOiJ0In0.super-secret-signature";

#[async_trait::async_trait]
impl TokenCredential for FixedToken {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _o: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            Secret::new(SECRET),
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

#[tokio::test]
async fn the_token_is_sent_but_never_recorded() {
    let emu = serve(
        vec![
            ex("/a", 200, json!({"value": [{"id": "/x"}]})),
            ex(
                "/e",
                403,
                json!({"error": {"code": "AuthorizationFailed", "message": "denied"}}),
            ),
        ],
        EmulatorOptions::default(),
    )
    .await;
    let auth = Auth::Credential {
        credential: Arc::new(FixedToken),
        scope: "https://management.azure.com/.default".into(),
    };
    let c = ArmClient::live(&emu.origin(), auth, fast())
        .unwrap()
        .with_recorder();
    c.list("/a?api-version=1").await.unwrap();
    let err = c.list("/e?api-version=1").await.unwrap_err();
    assert!(emu.requests().iter().all(|r| r.had_authorization));
    let recorded = azward::azure::recording::to_jsonl(
        &Header {
            recording: 1,
            ..Default::default()
        },
        &c.recorded(),
    );
    assert_eq!(c.recorded().len(), 2);
    assert!(
        !recorded.contains("super-secret") && !recorded.to_lowercase().contains("authorization\""),
        "{recorded}"
    );
    assert!(!err.to_string().contains("super-secret"));
    assert!(!format!("{:?}", c.stats.snapshot()).contains("super-secret"));
}
