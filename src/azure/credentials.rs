//! Credentials from `azure_identity` 1.x: client secret and workload identity
//! federation from the standard environment variables, managed identity, and
//! the Azure CLI. Tokens are only ever handed to the HTTP client; they are
//! never logged, recorded or written to a report.

use azure_core::cloud::CloudConfiguration;
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::http::ClientOptions;
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientAssertionCredentialOptions,
    ClientSecretCredential, ClientSecretCredentialOptions, ManagedIdentityCredential,
    ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};
use base64::Engine as _;
use std::sync::Arc;
use std::time::Duration;

/// Which credential `--auth` picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMethod {
    /// Try client secret, workload identity, managed identity, Azure CLI, in that order.
    Auto,
    /// AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET.
    ClientSecret,
    /// Workload identity federation: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE
    /// (the GitHub Actions OIDC path).
    WorkloadIdentity,
    /// The managed identity of the host (AZURE_CLIENT_ID selects a user-assigned one).
    ManagedIdentity,
    /// The account logged in with `az login`.
    AzureCli,
    /// No credential: only for a loopback `--arm-endpoint` (the emulator).
    None,
}

impl AuthMethod {
    pub fn label(self) -> &'static str {
        match self {
            AuthMethod::Auto => "auto",
            AuthMethod::ClientSecret => "client secret (environment)",
            AuthMethod::WorkloadIdentity => "workload identity federation (environment)",
            AuthMethod::ManagedIdentity => "managed identity",
            AuthMethod::AzureCli => "Azure CLI",
            AuthMethod::None => "none (loopback emulator)",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("authentication failed: {0}")]
    Failed(String),
    #[error("--auth none is only allowed with a loopback --arm-endpoint (http://127.0.0.1:PORT or http://[::1]:PORT)")]
    NoneNotLoopback,
}

/// A credential that produced a token, with what it is and the tenant the token is for.
pub struct Acquired {
    pub credential: Arc<dyn TokenCredential>,
    pub method: AuthMethod,
    pub tenant_id: Option<String>,
}

/// A token is used until this long before it expires, then renewed (a token
/// that lives less than twice this long: until half its life has passed).
pub const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// A credential whose tokens are kept until shortly before they expire
/// ([`RENEW_BEFORE_EXPIRY`]): `azure_identity`'s Azure CLI credential runs
/// `az account get-access-token` on every call, so without this a scan of
/// 107 reads started 108 processes. Concurrent callers wait for the one
/// renewal in progress rather than each starting their own.
#[derive(Debug)]
pub struct CachedCredential {
    inner: Arc<dyn TokenCredential>,
    /// Each scope's token and when to renew it.
    tokens: tokio::sync::Mutex<
        std::collections::HashMap<Vec<String>, (AccessToken, time::OffsetDateTime)>,
    >,
}

/// When to renew a token obtained `now`: [`RENEW_BEFORE_EXPIRY`] before it
/// expires, or halfway through a shorter life (a source whose tokens live a
/// few minutes is then asked a few times a scan, not once per read; an
/// expired token is renewed at once).
fn renew_at(token: &AccessToken, now: time::OffsetDateTime) -> time::OffsetDateTime {
    let life = token.expires_on - now;
    let margin = RENEW_BEFORE_EXPIRY.min(life.max(time::Duration::ZERO).unsigned_abs() / 2);
    token.expires_on - margin
}

impl CachedCredential {
    pub fn new(inner: Arc<dyn TokenCredential>) -> CachedCredential {
        CachedCredential {
            inner,
            tokens: tokio::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Starts with `token` (the one that proved the credential works) for `scope`.
    fn seeded(
        inner: Arc<dyn TokenCredential>,
        scope: &str,
        token: AccessToken,
    ) -> CachedCredential {
        let c = CachedCredential::new(inner);
        c.tokens.try_lock().expect("new, so unlocked").insert(
            vec![scope.to_string()],
            (
                token.clone(),
                renew_at(&token, time::OffsetDateTime::now_utc()),
            ),
        );
        c
    }
}

#[async_trait::async_trait]
impl TokenCredential for CachedCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let key: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let mut tokens = self.tokens.lock().await;
        let now = time::OffsetDateTime::now_utc();
        if let Some((t, _)) = tokens.get(&key).filter(|(_, renew)| now < *renew) {
            return Ok(t.clone());
        }
        let t = self.inner.get_token(scopes, options).await?;
        let renew = renew_at(&t, time::OffsetDateTime::now_utc());
        tokens.insert(key, (t.clone(), renew));
        Ok(t)
    }
}

/// The token scope of a Resource Manager endpoint.
pub fn scope_for(endpoint: &str) -> String {
    format!("{}/.default", endpoint.trim_end_matches('/'))
}

fn cloud_for(endpoint: &str) -> Option<Arc<CloudConfiguration>> {
    let e = endpoint.to_ascii_lowercase();
    if e.contains("usgovcloudapi.net") {
        Some(Arc::new(CloudConfiguration::AzureGovernment))
    } else if e.contains("chinacloudapi.cn") {
        Some(Arc::new(CloudConfiguration::AzureChina))
    } else {
        None
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn build(method: AuthMethod, endpoint: &str) -> Result<Arc<dyn TokenCredential>, String> {
    let client_options = || ClientOptions {
        cloud: cloud_for(endpoint),
        ..Default::default()
    };
    let r: azure_core::Result<Arc<dyn TokenCredential>> = match method {
        AuthMethod::ClientSecret => {
            let (Some(tenant), Some(client), Some(secret)) = (
                env("AZURE_TENANT_ID"),
                env("AZURE_CLIENT_ID"),
                env("AZURE_CLIENT_SECRET"),
            ) else {
                return Err(
                    "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET must all be set"
                        .into(),
                );
            };
            let options = ClientSecretCredentialOptions {
                client_options: client_options(),
            };
            ClientSecretCredential::new(&tenant, client, Secret::new(secret), Some(options))
                .map(|c| c as Arc<dyn TokenCredential>)
        }
        AuthMethod::WorkloadIdentity => {
            if env("AZURE_FEDERATED_TOKEN_FILE").is_none()
                || env("AZURE_TENANT_ID").is_none()
                || env("AZURE_CLIENT_ID").is_none()
            {
                return Err("AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE must all be set".into());
            }
            let options = WorkloadIdentityCredentialOptions {
                credential_options: ClientAssertionCredentialOptions {
                    client_options: client_options(),
                },
                ..Default::default()
            };
            WorkloadIdentityCredential::new(Some(options)).map(|c| c as Arc<dyn TokenCredential>)
        }
        AuthMethod::ManagedIdentity => {
            let options = ManagedIdentityCredentialOptions {
                user_assigned_id: env("AZURE_CLIENT_ID").map(UserAssignedId::ClientId),
                client_options: client_options(),
            };
            ManagedIdentityCredential::new(Some(options)).map(|c| c as Arc<dyn TokenCredential>)
        }
        AuthMethod::AzureCli => {
            let options = AzureCliCredentialOptions {
                tenant_id: env("AZURE_TENANT_ID"),
                ..Default::default()
            };
            AzureCliCredential::new(Some(options)).map(|c| c as Arc<dyn TokenCredential>)
        }
        AuthMethod::Auto | AuthMethod::None => return Err("not a credential".into()),
    };
    r.map_err(|e| one_line(&e.to_string()))
}

fn one_line(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(400)
        .collect()
}

/// The `tid` claim of a JWT access token (read, not verified: only to name
/// the tenant; the token itself is never printed).
pub fn token_tenant(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("tid")?.as_str().map(str::to_string)
}

async fn try_method(method: AuthMethod, endpoint: &str) -> Result<Acquired, String> {
    let credential = build(method, endpoint)?;
    let scope = scope_for(endpoint);
    // Managed identity probes IMDS, which can hang off Azure: bound each attempt.
    let token = tokio::time::timeout(
        Duration::from_secs(20),
        credential.get_token(&[scope.as_str()], None),
    )
    .await
    .map_err(|_| "timed out after 20 s".to_string())?
    .map_err(|e| one_line(&e.to_string()))?;
    let tenant_id = token_tenant(token.token.secret()).or_else(|| env("AZURE_TENANT_ID"));
    Ok(Acquired {
        credential: Arc::new(CachedCredential::seeded(credential, &scope, token)),
        method,
        tenant_id,
    })
}

/// Gets a first token with the chosen method (or, for `Auto`, the first that
/// works, in the documented order), so that a scan that cannot authenticate
/// stops before it reads anything.
pub async fn acquire(method: AuthMethod, endpoint: &str) -> Result<Acquired, AuthError> {
    let order: Vec<AuthMethod> = match method {
        AuthMethod::Auto => {
            let mut o = Vec::new();
            if env("AZURE_CLIENT_SECRET").is_some() {
                o.push(AuthMethod::ClientSecret);
            }
            if env("AZURE_FEDERATED_TOKEN_FILE").is_some() {
                o.push(AuthMethod::WorkloadIdentity);
            }
            o.push(AuthMethod::ManagedIdentity);
            o.push(AuthMethod::AzureCli);
            o
        }
        AuthMethod::None => return Err(AuthError::NoneNotLoopback),
        m => vec![m],
    };
    let mut failures = Vec::new();
    for m in order {
        match try_method(m, endpoint).await {
            Ok(a) => return Ok(a),
            Err(e) => failures.push(format!("{}: {e}", m.label())),
        }
    }
    Err(AuthError::Failed(failures.join("; ")))
}

/// Whether an endpoint is on the loopback interface (where `--auth none` is
/// allowed, and a token may go over plain http). The URL is parsed as the
/// HTTP client parses it: `http://127.0.0.1:80@10.0.0.1` is host 10.0.0.1,
/// and a URL with user information is never loopback.
pub fn is_loopback(endpoint: &str) -> bool {
    let Ok(url) = url::Url::parse(endpoint.trim()) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return false;
    }
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Hands out tokens that expire `lifetime` after they are made, counting them.
    #[derive(Debug)]
    pub(crate) struct Counting {
        pub made: AtomicUsize,
        pub lifetime: time::Duration,
    }

    impl Counting {
        pub fn hourly() -> Counting {
            Counting {
                made: AtomicUsize::new(0),
                lifetime: time::Duration::hours(1),
            }
        }
    }

    #[async_trait::async_trait]
    impl TokenCredential for Counting {
        async fn get_token(
            &self,
            _: &[&str],
            _: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            let n = self.made.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(AccessToken::new(
                Secret::new(format!("token-{n}")),
                time::OffsetDateTime::now_utc() + self.lifetime,
            ))
        }
    }

    #[tokio::test]
    async fn tokens_are_kept_until_shortly_before_they_expire() {
        let inner = Arc::new(Counting::hourly());
        let c = Arc::new(CachedCredential::new(inner.clone()));
        let calls = (0..107).map(|_| {
            let c = c.clone();
            async move { c.get_token(&["s/.default"], None).await.unwrap() }
        });
        let tokens = futures::future::join_all(calls).await;
        assert_eq!(
            inner.made.load(Ordering::SeqCst),
            1,
            "one token for 107 concurrent reads"
        );
        assert!(tokens.iter().all(|t| t.token.secret() == "token-0"));
        c.get_token(&["other/.default"], None).await.unwrap();
        assert_eq!(
            inner.made.load(Ordering::SeqCst),
            2,
            "each scope has its own"
        );

        // A source whose tokens live less than the renewal margin (4 minutes
        // here) is not asked once per read: such a token is kept for the
        // first half of its life.
        let short = Arc::new(Counting {
            made: AtomicUsize::new(0),
            lifetime: time::Duration::minutes(4),
        });
        let c = CachedCredential::new(short.clone());
        for _ in 0..107 {
            let t = c.get_token(&["s"], None).await.unwrap();
            assert_eq!(t.token.secret(), "token-0");
        }
        assert_eq!(short.made.load(Ordering::SeqCst), 1);

        // A token that has already expired is never reused.
        let stale = Arc::new(Counting {
            made: AtomicUsize::new(0),
            lifetime: time::Duration::seconds(-100),
        });
        let c = CachedCredential::new(stale.clone());
        c.get_token(&["s"], None).await.unwrap();
        let t = c.get_token(&["s"], None).await.unwrap();
        assert_eq!(t.token.secret(), "token-1");
    }

    #[test]
    fn tenant_from_token_and_loopback() {
        let payload =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"tid":"t-1","aud":"x"}"#);
        assert_eq!(
            token_tenant(&format!("h.{payload}.s")).as_deref(),
            Some("t-1")
        );
        assert_eq!(token_tenant("garbage"), None);
        assert!(is_loopback("http://127.0.0.1:8080"));
        assert!(is_loopback("http://[::1]:80/"));
        assert!(is_loopback("http://localhost:1"));
        assert!(!is_loopback("https://management.azure.com"));
        assert!(!is_loopback("http://10.0.0.1:80"));
        // The host is what follows the user information.
        assert!(!is_loopback("http://127.0.0.1:80@10.0.0.1"));
        assert!(!is_loopback("http://127.0.0.1@10.0.0.1:8080/"));
        assert!(!is_loopback("http://user:pw@127.0.0.1:80"));
        assert!(!is_loopback("http://127.0.0.1.nip.io"));
        assert!(!is_loopback("http://localhost.evil.example"));
        assert!(!is_loopback("ftp://127.0.0.1"));
        assert!(is_loopback("http://127.1.2.3:9"));
        assert_eq!(
            scope_for("https://management.azure.com/"),
            "https://management.azure.com/.default"
        );
    }
}
