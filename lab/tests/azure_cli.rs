//! `--auth azure-cli` asks `az` for a token once per scan, not once per
//! read: a fake `az` on PATH counts its invocations. (One test in its own
//! binary: it sets PATH for the process.)

use azward::azure::collect::Target;
use azward::azure::credentials::AuthMethod;
use azward::azure::recording::Recording;
use azward::azure::scan::{self, Input, ScanOptions};
use azward_lab::emulator::{Emulator, EmulatorOptions};
use std::path::Path;

#[tokio::test]
async fn a_scan_with_the_azure_cli_runs_az_once() {
    let rec = Recording::from_bytes(scan::DEMO_RECORDING, Path::new("demo.jsonl")).unwrap();
    let tenant = rec.header.tenant_id.clone().unwrap();
    let emu = Emulator::start(
        &rec,
        "127.0.0.1:0".parse().unwrap(),
        EmulatorOptions::default(),
    )
    .await
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("az-invocations");
    let b64 = |s: &str| base64url(s.as_bytes());
    let token = format!(
        "{}.{}.sig",
        b64(r#"{"typ":"JWT","alg":"none"}"#),
        b64(&format!(r#"{{"tid":"{tenant}"}}"#))
    );
    let az = dir.path().join("az");
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexp=$(( $(date +%s) + 3600 ))\nprintf '{{\"accessToken\":\"{token}\",\"expires_on\":%s,\"tokenType\":\"Bearer\"}}\\n' \"$exp\"\n",
            count.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::set_var("PATH", format!("{}:{path}", dir.path().display()));
    std::env::remove_var("AZURE_TENANT_ID");

    let mut opts = ScanOptions::new(Input::Live {
        auth: AuthMethod::AzureCli,
    });
    opts.arm_endpoint = Some(emu.origin());
    opts.target = Target::All;
    let outcome = scan::run(&opts).await.expect("scan runs");
    assert_eq!(outcome.auth_used, Some(AuthMethod::AzureCli));
    let requests = emu.requests();
    assert!(requests.len() > 100, "{}", requests.len());
    assert!(requests.iter().all(|r| r.had_authorization));
    let runs = std::fs::read_to_string(&count).unwrap();
    assert_eq!(
        runs.lines().count(),
        1,
        "az ran once for {} requests: {runs}",
        requests.len()
    );
    assert!(runs.contains("account get-access-token"), "{runs}");
}

/// Base64url without padding (a JWT segment).
fn base64url(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}
