//! The ARM recording format (`specs/recording.md`): reading, matching
//! requests to exchanges for replay, and writing.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The Resource Manager endpoint of the public cloud.
pub const PUBLIC_ARM: &str = "https://management.azure.com";

/// The Resource Manager endpoint of a named cloud.
pub fn cloud_endpoint(cloud: &str) -> Option<&'static str> {
    match cloud.to_ascii_lowercase().as_str() {
        "azurecloud" | "azurepubliccloud" | "public" => Some(PUBLIC_ARM),
        "azureusgovernment" | "azureusgovernmentcloud" => {
            Some("https://management.usgovcloudapi.net")
        }
        "azurechinacloud" => Some("https://management.chinacloudapi.cn"),
        _ => None,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
}

/// The header line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub recording: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
}

/// One HTTP exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<Value>,
}

/// A parsed recording and the SHA-256 of its bytes as stored.
#[derive(Debug, Clone)]
pub struct Recording {
    pub header: Header,
    pub exchanges: Vec<Exchange>,
    pub sha256: String,
    /// The file it came from (or a name such as `<demo>`).
    pub source: PathBuf,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Recording {
    /// Reads a recording file (`.gz` is gunzipped).
    pub fn load(path: &Path) -> Result<Recording, RecordingError> {
        let bytes = std::fs::read(path).map_err(|source| RecordingError::Io {
            path: path.into(),
            source,
        })?;
        Recording::from_bytes(&bytes, path)
    }

    /// Parses stored bytes; gzip is recognised by its magic number as well as by a `.gz` name.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Recording, RecordingError> {
        let sha256 = sha256_hex(bytes);
        let gz = bytes.starts_with(&[0x1f, 0x8b]) || path.extension().is_some_and(|e| e == "gz");
        let text: std::borrow::Cow<str> = if gz {
            let mut s = String::new();
            flate2::read::MultiGzDecoder::new(bytes)
                .read_to_string(&mut s)
                .map_err(|e| RecordingError::File {
                    path: path.into(),
                    message: format!("not valid gzip-compressed UTF-8: {e}"),
                })?;
            s.into()
        } else {
            // Borrowed, not copied: a large recording is held once.
            std::str::from_utf8(bytes)
                .map_err(|e| RecordingError::File {
                    path: path.into(),
                    message: format!("not valid UTF-8: {e}"),
                })?
                .into()
        };
        let mut header: Option<Header> = None;
        let mut exchanges = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let err = |message: String| RecordingError::Line {
                path: path.into(),
                line: n,
                message,
            };
            if header.is_none() {
                let v: Value =
                    serde_json::from_str(t).map_err(|e| err(format!("header is not JSON: {e}")))?;
                let version = v.get("recording").ok_or_else(|| {
                    err("the first line must be a header with a \"recording\" version".into())
                })?;
                let major = version.as_u64().ok_or_else(|| {
                    err(format!("\"recording\" must be a number, found {version}"))
                })?;
                if major != 1 {
                    return Err(err(format!(
                        "unsupported recording version {major} (this azward reads version 1)"
                    )));
                }
                header =
                    Some(serde_json::from_value(v).map_err(|e| err(format!("bad header: {e}")))?);
                continue;
            }
            let ex: Exchange =
                serde_json::from_str(t).map_err(|e| err(format!("bad exchange: {e}")))?;
            if ex.method.is_empty() || ex.method != ex.method.to_ascii_uppercase() {
                return Err(err(format!(
                    "\"method\" must be upper case, found {:?}",
                    ex.method
                )));
            }
            if ex.url.is_empty() {
                return Err(err("\"url\" is empty".into()));
            }
            if !(100..=599).contains(&ex.status) {
                return Err(err(format!(
                    "\"status\" {} is not an HTTP status",
                    ex.status
                )));
            }
            exchanges.push(ex);
        }
        let header = header.ok_or_else(|| RecordingError::File {
            path: path.into(),
            message: "no header line (empty recording)".into(),
        })?;
        Ok(Recording {
            header,
            exchanges,
            sha256,
            source: path.into(),
        })
    }

    /// The Resource Manager endpoint the recording was made against.
    pub fn endpoint(&self) -> &'static str {
        self.header
            .cloud
            .as_deref()
            .and_then(cloud_endpoint)
            .unwrap_or(PUBLIC_ARM)
    }
}

/// Serializes a recording as JSON Lines.
pub fn to_jsonl(header: &Header, exchanges: &[Exchange]) -> String {
    let mut out = String::new();
    out.push_str(&serde_json::to_string(header).expect("header serializes"));
    out.push('\n');
    for ex in exchanges {
        out.push_str(&serde_json::to_string(ex).expect("exchange serializes"));
        out.push('\n');
    }
    out
}

/// Writes a recording atomically (gzip when the name ends in `.gz`) and
/// returns the SHA-256 of the bytes written.
pub fn write(path: &Path, header: &Header, exchanges: &[Exchange]) -> std::io::Result<String> {
    let text = to_jsonl(header, exchanges);
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text.as_bytes())?;
        enc.finish()?
    } else {
        text.into_bytes()
    };
    crate::fsutil::write_atomic(path, &bytes)?;
    Ok(sha256_hex(&bytes))
}

// ---------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The match key of a request: origin (empty for the Resource Manager
/// endpoint), path lower-cased after percent-decoding, and the query as a
/// sorted set of (lower-cased name, decoded value) pairs without `api-version`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MatchKey {
    pub origin: String,
    pub path: String,
    pub query: Vec<(String, String)>,
}

/// Splits an absolute URL into (origin, path-and-query); a relative one has origin "".
pub fn split_origin(url: &str) -> (String, &str) {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let scheme_end = url.find("://").map(|i| i + 3).unwrap_or(0);
        let rest = &url[scheme_end..];
        let path_start = rest
            .find(['/', '?'])
            .map(|i| scheme_end + i)
            .unwrap_or(url.len());
        (url[..path_start].to_ascii_lowercase(), &url[path_start..])
    } else {
        (String::new(), url)
    }
}

/// Normalizes an origin for comparison (lower case, no trailing slash, default ports dropped).
pub fn norm_origin(origin: &str) -> String {
    let o = origin.trim_end_matches('/').to_ascii_lowercase();
    o.strip_suffix(":443")
        .filter(|_| o.starts_with("https://"))
        .map(str::to_string)
        .unwrap_or(o)
}

impl MatchKey {
    pub fn of(url: &str, arm_origin: &str) -> MatchKey {
        let (origin, rest) = split_origin(url);
        let origin = if origin.is_empty() || norm_origin(&origin) == norm_origin(arm_origin) {
            String::new()
        } else {
            norm_origin(&origin)
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut path = decode(path).to_lowercase();
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        let mut pairs: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k).to_lowercase(), decode(v))
            })
            .filter(|(k, _)| k != "api-version")
            .collect();
        pairs.sort();
        MatchKey {
            origin,
            path,
            query: pairs,
        }
    }
}

/// A response as served.
#[derive(Debug, Clone)]
pub struct Served {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Body bytes of an exchange: JSON, except that a string body is served raw
/// (that is how a malformed, non-JSON body is recorded).
pub fn body_bytes(body: &Option<Value>) -> Vec<u8> {
    match body {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        Some(v) => serde_json::to_vec(v).expect("JSON serializes"),
    }
}

/// Serves a recording's exchanges to requests, by the spec's match rules.
#[derive(Debug)]
pub struct Matcher {
    arm_origin: String,
    exchanges: Vec<Exchange>,
    index: HashMap<(String, MatchKey), Vec<usize>>,
    cursors: Mutex<HashMap<(String, MatchKey, String), usize>>,
}

impl Matcher {
    /// `arm_origin` is the endpoint absolute recorded URLs are reduced against.
    pub fn new(exchanges: Vec<Exchange>, arm_origin: &str) -> Matcher {
        let mut index: HashMap<(String, MatchKey), Vec<usize>> = HashMap::new();
        for (i, ex) in exchanges.iter().enumerate() {
            index
                .entry((ex.method.clone(), MatchKey::of(&ex.url, arm_origin)))
                .or_default()
                .push(i);
        }
        Matcher {
            arm_origin: arm_origin.to_string(),
            exchanges,
            index,
            cursors: Mutex::new(HashMap::new()),
        }
    }

    pub fn arm_origin(&self) -> &str {
        &self.arm_origin
    }

    pub fn exchanges(&self) -> &[Exchange] {
        &self.exchanges
    }

    /// The exchange answering `method url` (with `request_body` for POST):
    /// matches in file order, one per request, the last repeating.
    pub fn find(&self, method: &str, url: &str, request_body: Option<&Value>) -> Option<&Exchange> {
        let method = method.to_ascii_uppercase();
        let key = MatchKey::of(url, &self.arm_origin);
        let candidates: Vec<usize> = self
            .index
            .get(&(method.clone(), key.clone()))?
            .iter()
            .copied()
            .filter(|&i| match (&self.exchanges[i].request_body, request_body) {
                (Some(recorded), Some(sent)) => recorded == sent,
                (Some(_), None) => false,
                (None, _) => true,
            })
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let body_key = request_body.map(|b| b.to_string()).unwrap_or_default();
        let mut cursors = self.cursors.lock().unwrap_or_else(|p| p.into_inner());
        let cursor = cursors.entry((method, key, body_key)).or_insert(0);
        let i = candidates[(*cursor).min(candidates.len() - 1)];
        *cursor += 1;
        Some(&self.exchanges[i])
    }

    /// Answers a request as a replay would: the matching exchange, or `404 NotRecorded`.
    pub fn serve(&self, method: &str, url: &str, request_body: Option<&Value>) -> Served {
        match self.find(method, url, request_body) {
            Some(ex) => Served {
                status: ex.status,
                headers: ex
                    .headers
                    .iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                body: body_bytes(&ex.body),
            },
            None => not_recorded(method, url),
        }
    }
}

/// The spec's answer to an unrecorded request.
pub fn not_recorded(method: &str, url: &str) -> Served {
    let body =
        serde_json::json!({"error": {"code": "NotRecorded", "message": format!("{method} {url}")}});
    Served {
        status: 404,
        headers: vec![("content-type".into(), "application/json".into())],
        body: serde_json::to_vec(&body).expect("JSON serializes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ex(method: &str, url: &str, status: u16, body: Value) -> Exchange {
        Exchange {
            method: method.into(),
            url: url.into(),
            status,
            body: Some(body),
            headers: None,
            request_body: None,
        }
    }

    #[test]
    fn keys_ignore_api_version_case_and_encoding() {
        let a = MatchKey::of(
            "/subscriptions/ABC/providers/Microsoft.KeyVault/vaults?api-version=2024-11-01",
            PUBLIC_ARM,
        );
        let b = MatchKey::of("https://management.azure.com/subscriptions/abc/providers/microsoft.keyvault/VAULTS?api-version=2026-02-01", PUBLIC_ARM);
        assert_eq!(a, b);
        let c = MatchKey::of("/x%20y?$skipToken=A%2BB&api-version=1", PUBLIC_ARM);
        assert_eq!(c.path, "/x y");
        assert_eq!(c.query, vec![("$skiptoken".to_string(), "A+B".to_string())]);
        let other = MatchKey::of("https://login.example.com/x", PUBLIC_ARM);
        assert_eq!(other.origin, "https://login.example.com");
        assert_ne!(
            MatchKey::of("/x?a=1", PUBLIC_ARM),
            MatchKey::of("/x?a=2", PUBLIC_ARM)
        );
    }

    #[test]
    fn serves_in_order_and_repeats_the_last() {
        let m = Matcher::new(
            vec![
                ex("GET", "/a?api-version=1", 429, json!({})),
                ex("GET", "/a?api-version=1", 200, json!({"value": []})),
            ],
            PUBLIC_ARM,
        );
        assert_eq!(m.serve("GET", "/A?api-version=2", None).status, 429);
        assert_eq!(m.serve("GET", "/a", None).status, 200);
        assert_eq!(m.serve("GET", "/a", None).status, 200);
        let nr = m.serve("GET", "/b?api-version=1", None);
        assert_eq!(nr.status, 404);
        assert!(String::from_utf8_lossy(&nr.body).contains("NotRecorded"));
        assert_eq!(
            m.serve("POST", "/a", None).status,
            404,
            "methods must be equal"
        );
    }

    #[test]
    fn post_matches_request_body() {
        let mut e = ex("POST", "/q", 200, json!({"ok": 1}));
        e.request_body = Some(json!({"query": "x"}));
        let m = Matcher::new(vec![e], PUBLIC_ARM);
        assert_eq!(
            m.serve("POST", "/q", Some(&json!({"query": "y"}))).status,
            404
        );
        assert_eq!(
            m.serve("POST", "/q", Some(&json!({"query": "x"}))).status,
            200
        );
    }

    #[test]
    fn parse_errors_name_the_line() {
        let p = Path::new("r.jsonl");
        let e = Recording::from_bytes(b"# c\n{\"recording\": 2}\n", p)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "r.jsonl:2: unsupported recording version 2 (this azward reads version 1)"
        );
        let e = Recording::from_bytes(b"{\"recording\": 1}\n\n{\"method\": \"GET\"}\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("r.jsonl:3: bad exchange"), "{e}");
        let e = Recording::from_bytes(b"{\"method\": \"GET\"}\n", p)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("r.jsonl:1: the first line must be a header"),
            "{e}"
        );
        assert!(Recording::from_bytes(b"", p).is_err());
    }

    #[test]
    fn gzip_round_trip_and_hash_of_stored_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl.gz");
        let header = Header {
            recording: 1,
            tenant_id: Some("t".into()),
            ..Default::default()
        };
        let sha = write(
            &path,
            &header,
            &[ex("GET", "/a", 200, json!({"value": [1]}))],
        )
        .unwrap();
        let r = Recording::load(&path).unwrap();
        assert_eq!(r.sha256, sha);
        assert_eq!(r.sha256, sha256_hex(&std::fs::read(&path).unwrap()));
        assert_eq!(r.exchanges.len(), 1);
        assert_eq!(r.header.tenant_id.as_deref(), Some("t"));
    }
}
