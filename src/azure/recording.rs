//! The ARM recording format (`specs/recording.md`): reading, matching
//! requests to exchanges for replay, and writing.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
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

/// A recorded body, kept as its JSON text rather than a parsed tree: a
/// recording of 100,000 resources stays close to its file size in memory, and
/// a replay parses each body straight into the collector's models.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordedBody(Box<RawValue>);

impl RecordedBody {
    /// The JSON text, as recorded.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The body parsed (for the few readers that need a tree); `None` for
    /// text that is JSON to the loader but not to a tree (say, a lone
    /// surrogate escape).
    pub fn to_value(&self) -> Option<Value> {
        serde_json::from_str(self.json()).ok()
    }

    /// The bytes served for it: the JSON text, except that a string is served
    /// raw (that is how a malformed, non-JSON body is recorded) and `null` as
    /// an empty body.
    pub fn served(&self) -> std::borrow::Cow<'_, [u8]> {
        let t = self.json().trim();
        if t == "null" {
            return std::borrow::Cow::Borrowed(&[]);
        }
        if t.starts_with('"') {
            if let Ok(s) = serde_json::from_str::<String>(t) {
                return std::borrow::Cow::Owned(s.into_bytes());
            }
        }
        std::borrow::Cow::Borrowed(t.as_bytes())
    }
}

impl From<&Value> for RecordedBody {
    fn from(v: &Value) -> RecordedBody {
        // Compact: a recording holds one exchange per line.
        RecordedBody(RawValue::from_string(v.to_string()).expect("a Value is JSON"))
    }
}

impl From<Value> for RecordedBody {
    fn from(v: Value) -> RecordedBody {
        RecordedBody::from(&v)
    }
}

/// Two bodies are equal when they hold the same JSON (whatever the spacing);
/// text that does not parse as a tree is equal only to the same text.
impl PartialEq for RecordedBody {
    fn eq(&self, other: &RecordedBody) -> bool {
        if self.json() == other.json() {
            return true;
        }
        matches!((self.to_value(), other.to_value()), (Some(a), Some(b)) if a == b)
    }
}

/// One HTTP exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<RecordedBody>,
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

/// Bounds on what a recording may hold, so that a hostile or mistaken file
/// (a gzip bomb, `/dev/zero`, a multi-gigabyte line) is refused with a clear
/// error instead of exhausting memory or reading forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes of the file as stored, and of its text once inflated.
    pub max_bytes: u64,
    /// The longest line, in bytes.
    pub max_line: usize,
}

impl Limits {
    /// 1 GiB of text (a recording of 100,000 resources is about 140 MB) and
    /// lines of up to 128 MiB (one page of a list is a few MB at most).
    pub const DEFAULT: Limits = Limits {
        max_bytes: 1 << 30,
        max_line: 128 << 20,
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// `1 GiB`, `4 KiB`, `512 B`.
fn show_size(n: u64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} B")
}

fn is_gzip(bytes: &[u8], path: &Path) -> bool {
    bytes.starts_with(&[0x1f, 0x8b]) || path.extension().is_some_and(|e| e == "gz")
}

impl Recording {
    /// Reads a recording file (`.gz` is gunzipped) within [`Limits::DEFAULT`].
    pub fn load(path: &Path) -> Result<Recording, RecordingError> {
        Recording::load_with(path, Limits::DEFAULT)
    }

    /// Reads a recording file within `limits`: a file larger than the bound
    /// is refused before it is read, and a stream (a pipe, a device) is read
    /// no further than the bound, nor past a first block that holds a NUL
    /// byte (binary data, such as `/dev/zero`, is never a recording).
    pub fn load_with(path: &Path, limits: Limits) -> Result<Recording, RecordingError> {
        let io = |source| RecordingError::Io {
            path: path.into(),
            source,
        };
        let too_large = || RecordingError::File {
            path: path.into(),
            message: format!(
                "larger than {}, the most azward reads from a recording",
                show_size(limits.max_bytes)
            ),
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        if let Ok(meta) = file.metadata() {
            if meta.is_file() && meta.len() > limits.max_bytes {
                return Err(too_large());
            }
        }
        let mut bytes = Vec::new();
        let mut block = vec![0u8; 64 << 10];
        let mut first = true;
        loop {
            let n = match file.read(&mut block) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io(e)),
            };
            bytes.extend_from_slice(&block[..n]);
            if bytes.len() as u64 > limits.max_bytes {
                return Err(too_large());
            }
            if first && bytes.len() >= 2 {
                first = false;
                if !is_gzip(&bytes, path) {
                    check_no_nul(&bytes, path)?;
                }
            }
        }
        Recording::from_bytes_with(&bytes, path, limits)
    }

    /// Parses stored bytes within [`Limits::DEFAULT`]; gzip is recognised by
    /// its magic number as well as by a `.gz` name.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Recording, RecordingError> {
        Recording::from_bytes_with(bytes, path, Limits::DEFAULT)
    }

    /// Parses stored bytes within `limits`.
    ///
    /// The hash and the exchanges are worked out on all cores: a recording of
    /// 100,000 resources is about 140 MB of JSON.
    pub fn from_bytes_with(
        bytes: &[u8],
        path: &Path,
        limits: Limits,
    ) -> Result<Recording, RecordingError> {
        std::thread::scope(|scope| {
            let hash = scope.spawn(|| sha256_hex(bytes));
            let parsed = Recording::parse(bytes, path, limits);
            let sha256 = hash.join().expect("hashing does not panic");
            parsed.map(|(header, exchanges)| Recording {
                header,
                exchanges,
                sha256,
                source: path.into(),
            })
        })
    }

    fn parse(
        bytes: &[u8],
        path: &Path,
        limits: Limits,
    ) -> Result<(Header, Vec<Exchange>), RecordingError> {
        let file_err = |message: String| RecordingError::File {
            path: path.into(),
            message,
        };
        if bytes.len() as u64 > limits.max_bytes {
            return Err(file_err(format!(
                "larger than {}, the most azward reads from a recording",
                show_size(limits.max_bytes)
            )));
        }
        let text: std::borrow::Cow<str> = if is_gzip(bytes, path) {
            // Inflated no further than the bound: a small file can hide gigabytes.
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(bytes)
                .take(limits.max_bytes + 1)
                .read_to_end(&mut out)
                .map_err(|e| file_err(format!("not valid gzip: {e}")))?;
            if out.len() as u64 > limits.max_bytes {
                return Err(file_err(format!(
                    "inflates to more than {}, the most azward reads from a recording",
                    show_size(limits.max_bytes)
                )));
            }
            String::from_utf8(out)
                .map_err(|e| file_err(format!("not valid gzip-compressed UTF-8: {e}")))?
                .into()
        } else {
            // Borrowed, not copied: a large recording is held once.
            std::str::from_utf8(bytes)
                .map_err(|e| file_err(format!("not valid UTF-8: {e}")))?
                .into()
        };
        let err = |line: usize, message: String| RecordingError::Line {
            path: path.into(),
            line,
            message,
        };
        check_no_nul(text.as_bytes(), path)?;
        if text.starts_with('\u{feff}') {
            return Err(err(
                1,
                "the file starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without a BOM"
                    .into(),
            ));
        }
        // A file whose lines end in a lone CR is one long line to JSON Lines.
        if let Some(i) = text.find(['\r', '\n']) {
            if text[i..].starts_with('\r') && !text[i..].starts_with("\r\n") {
                let line = text[..i].matches('\n').count() + 1;
                return Err(err(
                    line,
                    "the line ends with a lone CR (carriage return); a recording's lines end with LF or CRLF".into(),
                ));
            }
        }
        // (line number, text) of every line that is not blank or a comment.
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#')
            });
        if let Some((n, _)) = text
            .lines()
            .enumerate()
            .find(|(_, l)| l.len() > limits.max_line)
        {
            return Err(err(
                n + 1,
                format!(
                    "the line is longer than {}, the longest azward reads",
                    show_size(limits.max_line as u64)
                ),
            ));
        }
        let Some((n, first)) = lines.next() else {
            return Err(RecordingError::File {
                path: path.into(),
                message: "no header line (empty recording)".into(),
            });
        };
        let header = parse_header(first.trim()).map_err(|m| err(n, m))?;
        let lines: Vec<(usize, &str)> = lines.map(|(n, l)| (n, l.trim())).collect();
        // A few large chunks, one or more per core.
        let chunk = lines
            .len()
            .div_ceil(crate::util::parallel::cores().min(8))
            .max(1024);
        let chunks: Vec<&[(usize, &str)]> = lines.chunks(chunk).collect();
        let parts: Vec<Result<Vec<Exchange>, RecordingError>> =
            crate::util::parallel::map(chunks.len(), |k| {
                chunks[k]
                    .iter()
                    .map(|&(n, t)| parse_exchange(t).map_err(|m| err(n, m)))
                    .collect()
            });
        let mut exchanges = Vec::with_capacity(lines.len());
        for part in parts {
            // The first bad line in file order is the one reported.
            exchanges.extend(part?);
        }
        Ok((header, exchanges))
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

/// Binary data is no recording: a NUL byte is named with its line.
fn check_no_nul(bytes: &[u8], path: &Path) -> Result<(), RecordingError> {
    match bytes.iter().position(|&b| b == 0) {
        None => Ok(()),
        Some(i) => Err(RecordingError::Line {
            path: path.into(),
            line: bytes[..i].iter().filter(|&&b| b == b'\n').count() + 1,
            message: "a NUL byte: this is binary data, not a JSON Lines recording".into(),
        }),
    }
}

fn parse_header(t: &str) -> Result<Header, String> {
    let v: Value = serde_json::from_str(t).map_err(|e| format!("header is not JSON: {e}"))?;
    let version = v
        .get("recording")
        .ok_or("the first line must be a header with a \"recording\" version")?;
    let major = version
        .as_u64()
        .ok_or_else(|| format!("\"recording\" must be a number, found {version}"))?;
    if major != 1 {
        return Err(format!(
            "unsupported recording version {major} (this azward reads version 1)"
        ));
    }
    serde_json::from_value(v).map_err(|e| format!("bad header: {e}"))
}

fn parse_exchange(t: &str) -> Result<Exchange, String> {
    let ex: Exchange = serde_json::from_str(t).map_err(|e| format!("bad exchange: {e}"))?;
    if ex.method.is_empty() || ex.method != ex.method.to_ascii_uppercase() {
        return Err(format!(
            "\"method\" must be upper case, found {:?}",
            ex.method
        ));
    }
    if ex.url.is_empty() {
        return Err("\"url\" is empty".into());
    }
    if !(100..=599).contains(&ex.status) {
        return Err(format!("\"status\" {} is not an HTTP status", ex.status));
    }
    Ok(ex)
}

/// Whether two paths name the same file (the same device and inode on Unix,
/// else the same canonical path): `./a.jsonl`, a symlink and a hard link to
/// it are all the same file. A path that does not exist is no other file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
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
    crate::util::fsutil::write_atomic(path, &bytes)?;
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

/// A query parameter's name or value: `+` is a space (form encoding, as
/// Azure reads it), then percent-decoding, so `%20` and `+` match
/// (recording.md, rows 28–30 and 36–37).
fn decode_form(s: &str) -> String {
    decode(&s.replace('+', " "))
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
    let has = |scheme: &str| {
        url.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    };
    if has("http://") || has("https://") {
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
                (decode_form(k).to_lowercase(), decode_form(v))
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

/// The body with its `nextLink` moved from origin `from` to origin `to`, or
/// `None` when it has no absolute `nextLink` at `from`. An emulator serves a
/// recording's links at its own origin ("Paging"); a recording made through
/// it moves them back to the recorded cloud's endpoint, so it replays.
pub fn rebase_next_link(body: &RecordedBody, from: &str, to: &str) -> Option<Value> {
    if !body.json().contains("nextLink") {
        return None;
    }
    let mut v = body.to_value()?;
    let (origin, rest) = split_origin(v.get("nextLink")?.as_str()?);
    if origin.is_empty() || norm_origin(&origin) != norm_origin(from) {
        return None;
    }
    let link = format!("{}{rest}", to.trim_end_matches('/'));
    v["nextLink"] = Value::String(link);
    Some(v)
}

/// `exchanges` as a recording of the cloud at `cloud` holds them, when they
/// were read from `endpoint` (an emulator's origin): every `nextLink` at
/// `endpoint` points at `cloud`. Unchanged when both are the same origin.
pub fn rebased(mut exchanges: Vec<Exchange>, endpoint: &str, cloud: &str) -> Vec<Exchange> {
    if norm_origin(endpoint) == norm_origin(cloud) {
        return exchanges;
    }
    for ex in &mut exchanges {
        if let Some(v) = ex
            .body
            .as_ref()
            .and_then(|b| rebase_next_link(b, endpoint, cloud))
        {
            ex.body = Some(RecordedBody::from(v));
        }
    }
    exchanges
}

/// Body bytes of an exchange: JSON, except that a string body is served raw
/// (that is how a malformed, non-JSON body is recorded).
pub fn body_bytes(body: &Option<RecordedBody>) -> Vec<u8> {
    body.as_ref()
        .map(|b| b.served().into_owned())
        .unwrap_or_default()
}

/// Serves a recording's exchanges to requests, by the spec's match rules.
#[derive(Debug)]
pub struct Matcher {
    arm_origin: String,
    exchanges: Vec<Exchange>,
    index: HashMap<(String, MatchKey), Slot>,
}

/// The exchanges recorded for one (method, match key), in file order, and
/// how many requests each request body has been answered so far.
#[derive(Debug, Default)]
struct Slot {
    exchanges: Vec<usize>,
    served: Mutex<HashMap<String, usize>>,
}

impl Matcher {
    /// `arm_origin` is the endpoint absolute recorded URLs are reduced against.
    pub fn new(exchanges: Vec<Exchange>, arm_origin: &str) -> Matcher {
        let mut index: HashMap<(String, MatchKey), Slot> = HashMap::new();
        for (i, ex) in exchanges.iter().enumerate() {
            index
                .entry((ex.method.clone(), MatchKey::of(&ex.url, arm_origin)))
                .or_default()
                .exchanges
                .push(i);
        }
        Matcher {
            arm_origin: arm_origin.to_string(),
            exchanges,
            index,
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
        self.find_index(method, url, request_body)
            .map(|i| &self.exchanges[i])
    }

    /// [`Matcher::find`], as the exchange's index in [`Matcher::exchanges`].
    pub fn find_index(
        &self,
        method: &str,
        url: &str,
        request_body: Option<&Value>,
    ) -> Option<usize> {
        let key = (
            method.to_ascii_uppercase(),
            MatchKey::of(url, &self.arm_origin),
        );
        let slot = self.index.get(&key)?;
        let fits = |i: &usize| match (&self.exchanges[*i].request_body, request_body) {
            (Some(recorded), Some(sent)) => recorded == sent,
            (Some(_), None) => false,
            (None, _) => true,
        };
        let candidates = slot.exchanges.iter().filter(|i| fits(i)).count();
        if candidates == 0 {
            return None;
        }
        let body_key = request_body.map(|b| b.to_string()).unwrap_or_default();
        let n = {
            let mut served = slot.served.lock().unwrap_or_else(|p| p.into_inner());
            let n = served.entry(body_key).or_insert(0);
            *n += 1;
            *n - 1
        };
        slot.exchanges
            .iter()
            .copied()
            .filter(|i| fits(i))
            .nth(n.min(candidates - 1))
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
            body: Some(body.into()),
            headers: None,
            request_body: None,
        }
    }

    #[test]
    fn a_recording_made_through_an_emulator_points_its_next_links_at_the_cloud() {
        let emu = "http://127.0.0.1:40457";
        let paged = ex(
            "GET",
            "/l",
            200,
            json!({"value": [1], "nextLink": format!("{emu}/l?$skiptoken=2")}),
        );
        let elsewhere = ex(
            "GET",
            "/m",
            200,
            json!({"value": [], "nextLink": "https://evil.example/m?x=1"}),
        );
        let last = ex("GET", "/l?$skiptoken=2", 200, json!({"value": [2]}));
        let out = rebased(
            vec![paged, elsewhere.clone(), last.clone()],
            &format!("{emu}/"),
            PUBLIC_ARM,
        );
        let link = |e: &Exchange| {
            e.body
                .as_ref()
                .and_then(|b| b.to_value())
                .map(|v| v["nextLink"].clone())
        };
        assert_eq!(
            link(&out[0]),
            Some(json!("https://management.azure.com/l?$skiptoken=2"))
        );
        // A link elsewhere, and a body without one, are kept as read.
        assert_eq!(link(&out[1]), link(&elsewhere));
        assert_eq!(
            out[2].body.as_ref().map(|b| b.json().to_string()),
            last.body.as_ref().map(|b| b.json().to_string())
        );
        // Against the cloud itself, nothing changes.
        let same = rebased(out.clone(), "https://MANAGEMENT.azure.com:443", PUBLIC_ARM);
        assert_eq!(link(&same[0]), link(&out[0]));
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
    fn bodies_stay_as_recorded_text() {
        let line =
            r#"{"method":"GET","url":"/a","status":200,"body":{ "value" : [ {"id":"x"} ] }}"#;
        let r = Recording::from_bytes(
            format!("{{\"recording\":1}}\n{line}\n").as_bytes(),
            Path::new("r.jsonl"),
        )
        .unwrap();
        let body = r.exchanges[0].body.as_ref().unwrap();
        assert_eq!(body.json(), r#"{ "value" : [ {"id":"x"} ] }"#);
        assert_eq!(body.served().as_ref(), body.json().as_bytes());
        // Equal to the same JSON spaced otherwise.
        assert_eq!(*body, RecordedBody::from(json!({"value": [{"id": "x"}]})));
        assert_ne!(*body, RecordedBody::from(json!({"value": []})));
        // A string is served raw; null as nothing.
        assert_eq!(
            RecordedBody::from(json!("<html>")).served().as_ref(),
            b"<html>"
        );
        assert!(RecordedBody::from(json!(null)).served().is_empty());
        // Written back on one line.
        let text = to_jsonl(&r.header, &r.exchanges);
        assert_eq!(text.lines().count(), 2);
    }

    #[test]
    fn the_first_bad_line_is_reported_whatever_thread_parsed_it() {
        let mut text = String::from("{\"recording\":1}\n");
        for i in 0..5000 {
            // One bad line in each half: whichever thread ends first, the
            // first in file order is reported.
            if i == 1000 || i == 4000 {
                text.push_str("{\"method\":\"get\",\"url\":\"/a\",\"status\":200}\n");
            } else {
                text.push_str("{\"method\":\"GET\",\"url\":\"/a\",\"status\":200}\n");
            }
        }
        let e = Recording::from_bytes(text.as_bytes(), Path::new("r.jsonl"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("r.jsonl:1002: \"method\" must be upper case"),
            "{e}"
        );
    }

    #[test]
    fn query_values_match_with_plus_or_percent_spaces_and_any_escape() {
        let arm = "https://management.azure.com";
        let a = MatchKey::of(
            "/w/query?api-version=1&query=union+a%2C+b%20%7C+where+x",
            arm,
        );
        let b = MatchKey::of(
            "/w/query?QUERY=union%20a,%20b+|+where%20x&api-version=2",
            arm,
        );
        assert_eq!(a, b);
        assert_eq!(
            a.query,
            vec![("query".into(), "union a, b | where x".into())]
        );
        // An escaped plus stays a plus; only a bare one is a space.
        let plus = MatchKey::of("/w/query?query=a%2Bb", arm);
        assert_eq!(plus.query[0].1, "a+b");
        assert_ne!(plus, MatchKey::of("/w/query?query=a+b", arm));
        // The path is not form-decoded.
        assert_eq!(MatchKey::of("/a+b", arm).path, "/a+b");
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
    fn a_recording_is_bounded_in_size_lines_and_inflation() {
        let dir = tempfile::tempdir().unwrap();
        let small = Limits {
            max_bytes: 4096,
            max_line: 512,
        };
        // A gzip bomb: a small file that inflates past the bound.
        let bomb = dir.path().join("bomb.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(b"{\"recording\":1}\n").unwrap();
        enc.write_all(&vec![b' '; 1 << 20]).unwrap();
        std::fs::write(&bomb, enc.finish().unwrap()).unwrap();
        let e = Recording::load_with(&bomb, small).unwrap_err().to_string();
        assert!(e.contains("inflates to more than 4 KiB"), "{e}");
        // A stored file over the bound.
        let big = dir.path().join("big.jsonl");
        std::fs::write(&big, vec![b'\n'; 5000]).unwrap();
        let e = Recording::load_with(&big, small).unwrap_err().to_string();
        assert!(e.contains("larger than 4 KiB"), "{e}");
        // A line over the bound.
        let long = format!(
            "{{\"recording\":1}}\n{{\"method\":\"GET\",\"url\":\"/{}\",\"status\":200}}\n",
            "a".repeat(600)
        );
        let e = Recording::from_bytes_with(long.as_bytes(), Path::new("r.jsonl"), small)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("r.jsonl:2: the line is longer than 512 B"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_device_is_not_read_forever() {
        // /dev/zero never ends: the first bytes already say it is no recording.
        let e = Recording::load(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("a NUL byte"), "{e}");
    }

    #[test]
    fn a_bom_and_cr_only_lines_are_named() {
        let p = Path::new("r.jsonl");
        let e = Recording::from_bytes(b"\xef\xbb\xbf{\"recording\":1}\n", p)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "r.jsonl:1: the file starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without a BOM"
        );
        let e = Recording::from_bytes(
            b"{\"recording\":1}\r{\"method\":\"GET\",\"url\":\"/a\",\"status\":200}\r",
            p,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "r.jsonl:1: the line ends with a lone CR (carriage return); a recording's lines end with LF or CRLF"
        );
        // CRLF is fine.
        let r = Recording::from_bytes(
            b"{\"recording\":1}\r\n{\"method\":\"GET\",\"url\":\"/a\",\"status\":200}\r\n",
            p,
        )
        .unwrap();
        assert_eq!(r.exchanges.len(), 1);
        // NUL bytes (a binary file) are named with their line.
        let e = Recording::from_bytes(b"{\"recording\":1}\n\n\0\0", p)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("r.jsonl:3: a NUL byte"), "{e}");
    }

    #[test]
    fn the_same_file_is_known_by_inode_not_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jsonl");
        std::fs::write(&a, "{\"recording\":1}\n").unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        assert!(same_file(&a, &sub.join("..").join("a.jsonl")));
        #[cfg(unix)]
        {
            let link = dir.path().join("link.jsonl");
            std::os::unix::fs::symlink(&a, &link).unwrap();
            assert!(same_file(&a, &link));
        }
        let hard = dir.path().join("hard.jsonl");
        std::fs::hard_link(&a, &hard).unwrap();
        assert!(same_file(&a, &hard));
        assert!(!same_file(&a, &dir.path().join("new.jsonl")));
        let b = dir.path().join("b.jsonl");
        std::fs::write(&b, "{\"recording\":1}\n").unwrap();
        assert!(!same_file(&a, &b));
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
