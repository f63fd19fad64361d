//! The emulator as Resource Manager: read quotas (429, Retry-After, the
//! remaining-reads headers), 405 on writes, latency, faults by rule and by
//! seed, a bounded run; and the live client pacing itself to the quota.

use azward::azure::http::{ArmClient, Auth, ClientOptions, RateLimit};
use azward::azure::recording::{Exchange, Header, Recording};
use azward_lab::emulator::{
    Emulator, EmulatorOptions, Fault, FaultRates, FaultRule, Faults, Latency, StopReason, Throttle,
};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

fn ex(url: &str, body: Value) -> Exchange {
    Exchange {
        method: "GET".into(),
        url: url.into(),
        status: 200,
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

async fn serve(exchanges: Vec<Exchange>, opts: EmulatorOptions) -> Emulator {
    Emulator::start(&recording(exchanges), "127.0.0.1:0".parse().unwrap(), opts)
        .await
        .unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[tokio::test]
async fn buckets_per_subscription_and_tenant_answer_429_with_arm_headers() {
    let emu = serve(
        vec![
            ex("/subscriptions/S1/a", json!({"value": []})),
            ex("/subscriptions/s2/a", json!({"value": []})),
            ex("/subscriptions", json!({"value": []})),
        ],
        EmulatorOptions {
            throttle: Some(Throttle {
                subscription: RateLimit {
                    burst: 3,
                    per_second: 0.5,
                },
                tenant: RateLimit {
                    burst: 2,
                    per_second: 0.5,
                },
                graph: RateLimit::GRAPH,
            }),
            ..Default::default()
        },
    )
    .await;
    let c = http();
    let o = emu.origin();
    let sub_reads = "x-ms-ratelimit-remaining-subscription-reads";
    for left in ["2", "1", "0"] {
        let r = c
            .get(format!("{o}/subscriptions/s1/a"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(header(&r, sub_reads).as_deref(), Some(left));
    }
    let r = c
        .get(format!("{o}/subscriptions/s1/a"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(
        header(&r, "retry-after").as_deref(),
        Some("2"),
        "a token in 2 s at 0.5/s"
    );
    assert_eq!(header(&r, sub_reads).as_deref(), Some("0"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "TooManyRequests");

    // Another subscription has its own bucket; tenant-level calls have theirs.
    let r = c
        .get(format!("{o}/subscriptions/S2/a"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), header(&r, sub_reads)),
        (200, Some("2".into()))
    );
    let tenant_reads = "x-ms-ratelimit-remaining-tenant-reads";
    for (status, left) in [(200, "1"), (200, "0"), (429, "0")] {
        let r = c
            .get(format!("{o}/subscriptions?api-version=2022-12-01"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status);
        assert_eq!(header(&r, tenant_reads).as_deref(), Some(left));
    }

    let log = emu.requests();
    assert_eq!(log.len(), 8);
    assert!(
        log.windows(2).all(|w| w[0].at <= w[1].at),
        "timestamps from start"
    );
    let s = emu.stats();
    assert_eq!(s.throttled, 2);
    assert_eq!(s.reads_by_scope[&Some("s1".to_string())], 3);
    assert_eq!(s.reads_by_scope[&None], 2);
}

#[tokio::test]
async fn every_method_but_get_is_refused_with_405() {
    let emu = serve(vec![ex("/a", json!({}))], EmulatorOptions::default()).await;
    let c = http();
    for m in ["POST", "PUT", "PATCH", "DELETE"] {
        let r = c
            .request(m.parse().unwrap(), format!("{}/a", emu.origin()))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 405, "{m}");
        assert_eq!(header(&r, "allow").as_deref(), Some("GET"));
    }
    assert!(emu.requests().iter().all(|r| r.status == 405));
    assert_eq!(
        emu.stats().reads_by_scope.values().sum::<u64>(),
        0,
        "a 405 takes no token"
    );
}

#[tokio::test]
async fn faults_by_rule_latency_and_forbidden_subscriptions() {
    let body =
        json!({"value": [{"id": "/subscriptions/s/x", "name": "a name long enough to cut"}]});
    let urls = [
        "/reset",
        "/truncated",
        "/malformed",
        "/slow",
        "/unavailable",
    ];
    let mut exchanges: Vec<Exchange> = urls.iter().map(|u| ex(u, body.clone())).collect();
    exchanges.push(ex("/subscriptions/denied/resources", body.clone()));
    let rule = |text: &str, fault: Fault| FaultRule {
        path_contains: text.into(),
        fault,
        times: Some(1),
    };
    let emu = serve(
        exchanges,
        EmulatorOptions {
            latency: Latency::parse("30ms").unwrap(),
            faults: Faults {
                rules: vec![
                    rule("/reset", Fault::Reset),
                    rule("/truncated", Fault::Truncated),
                    rule("/malformed", Fault::Malformed),
                    rule("/slow", Fault::SlowBody(Duration::from_millis(300))),
                    rule("/unavailable", Fault::Status(503)),
                ],
                forbidden_subscriptions: vec!["DENIED".into()],
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let c = http();
    let o = emu.origin();
    let get = |p: &str| c.get(format!("{o}{p}")).send();

    assert!(get("/reset").await.is_err(), "the connection is dropped");
    let r = get("/truncated").await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.bytes().await.is_err(),
        "the body stops short of its length"
    );
    let r = get("/malformed").await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(serde_json::from_slice::<Value>(&r.bytes().await.unwrap()).is_err());
    let started = Instant::now();
    let r = get("/slow").await.unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        body,
        "a slow body arrives whole"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(330),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(get("/unavailable").await.unwrap().status().as_u16(), 503);
    let r = get("/subscriptions/denied/resources?api-version=1")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "AuthorizationFailed");

    // Each rule fires once: the second time every read is answered.
    for u in urls {
        let r = get(u).await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{u}");
        assert_eq!(r.json::<Value>().await.unwrap(), body, "{u}");
    }
    let log = emu.requests();
    let faults: Vec<Option<&str>> = log.iter().take(6).map(|r| r.fault).collect();
    assert_eq!(
        faults,
        [
            Some("reset"),
            Some("truncated"),
            Some("malformed"),
            Some("slow-body"),
            Some("server-error"),
            Some("forbidden")
        ]
    );
    assert_eq!(log[0].status, 0, "a reset has no status");
    assert!(
        log.windows(2)
            .all(|w| w[1].at >= w[0].at + Duration::from_millis(30)),
        "30 ms latency on each answer"
    );
}

#[tokio::test]
async fn faults_by_rate_are_the_same_for_the_same_seed() {
    let exchanges: Vec<Exchange> = (0..40)
        .map(|i| ex(&format!("/r{i}"), json!({"value": [i]})))
        .collect();
    let run = |seed: u64| {
        let exchanges = exchanges.clone();
        async move {
            let emu = serve(
                exchanges,
                EmulatorOptions {
                    faults: Faults {
                        rates: FaultRates::parse("5xx=25%,malformed=25%").unwrap(),
                        ..Default::default()
                    },
                    seed,
                    ..Default::default()
                },
            )
            .await;
            let c = http();
            // Concurrently: arrival order must not matter.
            let futs = (0..40).map(|i| {
                let c = c.clone();
                let o = emu.origin();
                async move {
                    let r = c.get(format!("{o}/r{i}")).send().await.unwrap();
                    let status = r.status().as_u16();
                    let ok = serde_json::from_slice::<Value>(&r.bytes().await.unwrap()).is_ok();
                    (status, ok)
                }
            });
            futures::future::join_all(futs).await
        }
    };
    let a = run(42).await;
    assert_eq!(a, run(42).await);
    assert_ne!(a, run(43).await);
    let faulty = a.iter().filter(|(s, ok)| *s != 200 || !ok).count();
    assert!((8..=32).contains(&faulty), "{faulty} of 40");
}

#[tokio::test]
async fn the_client_paces_itself_to_the_quota_instead_of_meeting_429s() {
    let n = 30;
    let exchanges: Vec<Exchange> = (0..n)
        .map(|i| ex(&format!("/subscriptions/s/r{i}"), json!({"value": []})))
        .collect();
    let quota = RateLimit {
        burst: 5,
        per_second: 50.0,
    };
    let emu = serve(
        exchanges.clone(),
        EmulatorOptions {
            throttle: Some(Throttle {
                subscription: quota,
                tenant: quota,
                graph: RateLimit::GRAPH,
            }),
            ..Default::default()
        },
    )
    .await;
    let opts = ClientOptions {
        concurrency: 8,
        rate_limit: Some(quota),
        ..Default::default()
    };
    let c = ArmClient::live(&emu.origin(), Auth::Anonymous, opts).unwrap();
    let started = Instant::now();
    let reads = hang_guard(list_all(&c, n)).await;
    let wall = started.elapsed();
    assert!(reads.iter().all(|r| r.is_ok()));
    assert_eq!(
        emu.stats().throttled,
        0,
        "no 429: the client slowed down first"
    );
    assert_eq!(c.stats.snapshot().requests, n as u64);
    assert!(c.pacing().paced >= (n - 5) as u64, "{:?}", c.pacing());
    assert!(
        wall >= Duration::from_millis(440),
        "(30 − 5) / 50 per second = 0.5 s at the least, took {wall:?}"
    );
}

/// `f`, or a panic after a minute: a guard against hanging, never a measure
/// of speed (a loaded machine may be slow; the tests assert what happened).
async fn hang_guard<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .expect("still running after 60 s: hung")
}

/// Lists `/subscriptions/s/r{i}` for each i, all at once.
async fn list_all(
    c: &ArmClient,
    n: usize,
) -> Vec<Result<Vec<Value>, azward::inventory::ReadError>> {
    futures::future::join_all((0..n).map(|i| async move {
        c.list(&format!("/subscriptions/s/r{i}?api-version=1"))
            .await
    }))
    .await
}

#[tokio::test]
async fn a_client_that_does_not_pace_meets_429s_and_honours_retry_after() {
    let exchanges: Vec<Exchange> = (0..8)
        .map(|i| ex(&format!("/subscriptions/s/r{i}"), json!({"value": []})))
        .collect();
    let quota = RateLimit {
        burst: 4,
        per_second: 20.0,
    };
    let emu = serve(
        exchanges,
        EmulatorOptions {
            throttle: Some(Throttle {
                subscription: quota,
                tenant: quota,
                graph: RateLimit::GRAPH,
            }),
            ..Default::default()
        },
    )
    .await;
    let opts = ClientOptions {
        concurrency: 8,
        rate_limit: None,
        ..Default::default()
    };
    let c = ArmClient::live(&emu.origin(), Auth::Anonymous, opts).unwrap();
    let started = Instant::now();
    let reads = list_all(&c, 8).await;
    assert!(reads.iter().all(|r| r.is_ok()));
    assert!(emu.stats().throttled >= 1);
    assert!(c.stats.snapshot().throttled >= 1);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 honoured"
    );
}

#[tokio::test]
async fn a_bounded_run_stops_by_itself_and_closes_the_port() {
    let emu = serve(vec![ex("/a", json!({}))], EmulatorOptions::default()).await;
    let origin = emu.origin();
    assert_eq!(
        hang_guard(emu.run_until_signal(Duration::from_millis(150))).await,
        StopReason::MaxRuntime
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(http().get(format!("{origin}/a")).send().await.is_err());
}

#[test]
fn refuses_to_listen_beyond_loopback() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt
        .block_on(Emulator::start(
            &recording(vec![]),
            "0.0.0.0:0".parse().unwrap(),
            EmulatorOptions::default(),
        ))
        .err()
        .expect("refused");
    assert!(err.to_string().contains("loopback"), "{err}");
}

/// Resource Graph's query: served by the body sent, on its own quota (and
/// the tenant's), with its `x-ms-user-quota-*` headers; a client that
/// follows those headers meets no 429 even with no quota of its own.
#[tokio::test]
async fn resource_graph_queries_match_by_body_and_have_their_own_quota() {
    use azward::azure::http::{GRAPH_PATH, GRAPH_SCOPE};
    let url = format!("{GRAPH_PATH}?api-version=2024-04-01");
    let post = |query: &str, data: Value| Exchange {
        method: "POST".into(),
        request_body: Some(json!({"query": query})),
        ..ex(&url, json!({"data": data}))
    };
    let graph = RateLimit {
        burst: 2,
        per_second: 10.0,
    };
    let emu = serve(
        vec![post("a", json!([1])), post("b", json!([2]))],
        EmulatorOptions {
            throttle: Some(Throttle {
                graph,
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await;
    let c = http();
    let send = |q: &str| {
        c.post(format!("{}{url}", emu.origin()))
            .json(&json!({"query": q}))
            .send()
    };
    let r = send("b").await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        header(&r, "x-ms-user-quota-remaining").as_deref(),
        Some("1")
    );
    assert!(header(&r, "x-ms-user-quota-resets-after").is_some_and(|v| v.starts_with("00:00:0")));
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"data": [2]}));
    let r = send("other").await.unwrap();
    assert_eq!(r.status().as_u16(), 404, "another body is not recorded");
    let r = send("a").await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(
        header(&r, "x-ms-user-quota-remaining").as_deref(),
        Some("0")
    );
    let s = emu.stats();
    assert_eq!(s.reads_by_scope[&Some(GRAPH_SCOPE.to_string())], 2);
    assert_eq!(s.reads_by_scope[&None], 2, "and the tenant's");

    // A client whose own Resource Graph quota is far above the server's
    // still meets no 429: the headers hold it until the window resets.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let client = ArmClient::live(
        &emu.origin(),
        Auth::Anonymous,
        ClientOptions {
            graph_rate_limit: RateLimit {
                burst: 1000,
                per_second: 1000.0,
            },
            ..Default::default()
        },
    )
    .unwrap();
    let body = json!({"query": "a"});
    let started = Instant::now();
    for _ in 0..6 {
        let v = hang_guard(client.request("POST", &url, Some(&body)))
            .await
            .unwrap();
        assert_eq!(v, json!({"data": [1]}));
    }
    assert_eq!(client.stats.snapshot().throttled, 0);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "held twice for the window's reset"
    );
}
