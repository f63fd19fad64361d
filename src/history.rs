//! The scan history (`azward scan --history FILE`, `azward history`): every
//! run's summary and failing results in an embedded SQLite database, keyed
//! by tenant and baseline, so that each run knows what is new and fixed since
//! the previous run of the same tenant and baseline without `--compare`.
//!
//! The file is refused when it is not a regular file, or not an azward
//! history; a run is recorded in one transaction (all of it or nothing), and
//! the schema carries its version (`PRAGMA user_version`) with the
//! migrations that bring an older file up to date.

use crate::checks::{Severity, Status};
use crate::engine::diff::{self, ReportDoc, ResultDoc, ScoreDoc, ScoresDoc};
use crate::engine::trend::{HistoryView, TrendPoint, TREND_RUNS};
use crate::engine::Score;
use crate::profile::Baseline;
use crate::report::Report;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The schema this azward writes.
pub const SCHEMA_VERSION: i64 = 1;

/// What the `azward_history` table says a file is.
const FORMAT: &str = "azward-history";

/// `MIGRATIONS[i]` brings a file from schema `i` to `i + 1` (0: a new file).
const MIGRATIONS: &[&str] = &[
    // 1: runs, their per-family and per-subscription figures, their failing results.
    "CREATE TABLE azward_history (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     INSERT INTO azward_history (key, value) VALUES ('format', 'azward-history');
     CREATE TABLE runs (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         tenant TEXT NOT NULL,
         baseline TEXT NOT NULL,
         started_at TEXT NOT NULL,
         finished_at TEXT NOT NULL,
         azward_version TEXT NOT NULL,
         source_mode TEXT NOT NULL,
         recording_sha256 TEXT,
         score REAL,
         coverage REAL,
         pass INTEGER NOT NULL,
         fail INTEGER NOT NULL,
         error INTEGER NOT NULL,
         waived INTEGER NOT NULL,
         not_applicable INTEGER NOT NULL,
         new_since_previous INTEGER,
         fixed_since_previous INTEGER,
         baseline_json TEXT NOT NULL
     );
     CREATE INDEX runs_by_key ON runs (tenant, baseline, id);
     CREATE TABLE run_groups (
         run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
         kind TEXT NOT NULL CHECK (kind IN ('family', 'subscription')),
         name TEXT NOT NULL,
         score REAL,
         coverage REAL,
         pass INTEGER NOT NULL,
         fail INTEGER NOT NULL,
         error INTEGER NOT NULL,
         PRIMARY KEY (run_id, kind, name)
     );
     CREATE TABLE findings (
         run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
         check_id TEXT NOT NULL,
         resource_id TEXT NOT NULL,
         item TEXT,
         status TEXT NOT NULL,
         severity TEXT NOT NULL,
         subscription_id TEXT,
         title TEXT NOT NULL,
         reason TEXT NOT NULL
     );
     CREATE INDEX findings_by_run ON findings (run_id);",
];

/// Longest a reason kept in the history (the report has the full text).
const MAX_REASON: usize = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{}: not an azward history database ({why})", path.display())]
    NotHistory { path: PathBuf, why: String },
    #[error("{}: {why}", path.display())]
    Refused { path: PathBuf, why: String },
    #[error("{}: written by a newer azward (history schema {found}; this azward reads up to {SCHEMA_VERSION})", path.display())]
    Newer { path: PathBuf, found: i64 },
    #[error("{}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

/// An open history file.
pub struct Store {
    path: PathBuf,
    conn: Connection,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The key a run is kept under besides its tenant: the baseline's name and version.
pub fn baseline_key(b: &Baseline) -> String {
    format!("{} {}", b.name, b.version)
}

/// One run as `azward history` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub id: i64,
    pub tenant: String,
    pub baseline: String,
    pub started_at: String,
    pub source_mode: String,
    pub recording_sha256: Option<String>,
    pub score: Option<f64>,
    pub coverage: Option<f64>,
    pub fail: u64,
    pub error: u64,
    pub new_since_previous: Option<u64>,
    pub fixed_since_previous: Option<u64>,
}

impl RunRow {
    pub fn failing(&self) -> u64 {
        self.fail + self.error
    }
    fn point(&self) -> TrendPoint {
        TrendPoint {
            run: self.id,
            started_at: self.started_at.clone(),
            score: self.score,
            coverage: self.coverage,
            failing: self.failing(),
        }
    }
}

/// A family's or subscription's figures in one run.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub run_id: i64,
    pub kind: String,
    pub name: String,
    pub score: Option<f64>,
    pub coverage: Option<f64>,
    pub failing: u64,
}

/// What a scan needs from the history, read before it starts: for every
/// tenant and baseline, its runs (for the trend) and the latest one's
/// failing results (for new and fixed).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: PathBuf,
    runs: BTreeMap<(String, String), Vec<RunRow>>,
    latest: BTreeMap<(String, String), ReportDoc>,
}

impl Loaded {
    fn key(tenant: Option<&str>, baseline: &str) -> (String, String) {
        (tenant.unwrap_or("").to_string(), baseline.to_string())
    }

    /// The previous run of this tenant and baseline, as a report a
    /// comparison reads, with its row.
    pub fn previous(&self, tenant: Option<&str>, baseline: &str) -> Option<(&RunRow, &ReportDoc)> {
        let k = Self::key(tenant, baseline);
        Some((self.runs.get(&k)?.last()?, self.latest.get(&k)?))
    }

    /// The view of this run (`now`, not yet recorded) against the history.
    pub fn view(&self, now: &ReportDoc, report: &Report, baseline: &str) -> HistoryView {
        let tenant = report.tenant_id.as_deref();
        let runs = self
            .runs
            .get(&Self::key(tenant, baseline))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let previous = self.previous(tenant, baseline);
        let d = previous.map(|(_, doc)| diff::diff(doc, now));
        let c = report.scores.overall.counts;
        let this = TrendPoint {
            run: runs.last().map_or(1, |r| r.id + 1),
            started_at: report.timing.started_at.clone(),
            score: report.scores.overall.score,
            coverage: report.scores.overall.coverage,
            failing: c.fail + c.error,
        };
        let mut trend: Vec<TrendPoint> = runs
            .iter()
            .skip(runs.len().saturating_sub(TREND_RUNS - 1))
            .map(RunRow::point)
            .collect();
        trend.push(this);
        HistoryView {
            file: self.file.display().to_string(),
            previous: previous.map(|(r, _)| r.point()),
            new: d.as_ref().map(|d| d.new.clone()).unwrap_or_default(),
            fixed: d.map(|d| d.fixed).unwrap_or_default(),
            trend,
        }
    }
}

fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
    move |source| HistoryError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// Applies `migrations` from the file's version on, each in its transaction.
fn migrate(path: &Path, conn: &mut Connection, migrations: &[&str]) -> Result<(), HistoryError> {
    let e = sqlite(path);
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|err| not_history(path, err))?;
    let latest = migrations.len() as i64;
    if found > latest {
        return Err(HistoryError::Newer {
            path: path.into(),
            found,
        });
    }
    for (i, sql) in migrations.iter().enumerate().skip(found.max(0) as usize) {
        let tx = conn.transaction().map_err(&e)?;
        tx.execute_batch(sql).map_err(&e)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(&e)?;
        tx.commit().map_err(&e)?;
    }
    Ok(())
}

fn not_history(path: &Path, err: rusqlite::Error) -> HistoryError {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => HistoryError::NotHistory {
            path: path.into(),
            why: "not an SQLite file".into(),
        },
        _ => HistoryError::Sqlite {
            path: path.into(),
            source: err,
        },
    }
}

impl Store {
    /// Opens a history, creating it when `path` does not exist (or is an
    /// empty file). Refuses a path that is not a regular file, an SQLite
    /// file that is not an azward history, and a newer schema.
    pub fn open(path: &Path) -> Result<Store, HistoryError> {
        Self::open_with(path, MIGRATIONS)
    }

    fn open_with(path: &Path, migrations: &[&str]) -> Result<Store, HistoryError> {
        let refused = |why: &str| HistoryError::Refused {
            path: path.into(),
            why: why.into(),
        };
        let fresh = match std::fs::metadata(path) {
            Ok(m) if !m.is_file() => {
                return Err(refused(
                    "not a regular file (a history is kept only in one)",
                ))
            }
            Ok(m) => m.len() == 0,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(path).is_ok() {
                    return Err(refused("a dangling symbolic link"));
                }
                true
            }
            Err(e) => return Err(refused(&e.to_string())),
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | if fresh {
                OpenFlags::SQLITE_OPEN_CREATE
            } else {
                OpenFlags::empty()
            };
        let mut conn = Connection::open_with_flags(path, flags).map_err(sqlite(path))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sqlite(path))?;
        if !fresh {
            let format: Option<String> = conn
                .query_row(
                    "SELECT value FROM azward_history WHERE key = 'format'",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|err| match err.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::NotADatabase) => not_history(path, err),
                    _ => HistoryError::NotHistory {
                        path: path.into(),
                        why: "no azward_history table".into(),
                    },
                })?;
            if format.as_deref() != Some(FORMAT) {
                return Err(HistoryError::NotHistory {
                    path: path.into(),
                    why: format!("format {:?}", format.unwrap_or_default()),
                });
            }
        }
        migrate(path, &mut conn, migrations)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(sqlite(path))?;
        Ok(Store {
            path: path.into(),
            conn,
        })
    }

    /// Every run, oldest first (optionally of one tenant).
    pub fn runs(&self, tenant: Option<&str>) -> Result<Vec<RunRow>, HistoryError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT id, tenant, baseline, started_at, source_mode, recording_sha256, score, coverage,
                        fail, error, new_since_previous, fixed_since_previous
                 FROM runs WHERE ?1 IS NULL OR lower(tenant) = lower(?1) ORDER BY id",
            )
            .map_err(sqlite(&self.path))?;
        let rows = st
            .query_map([tenant], |r| {
                Ok(RunRow {
                    id: r.get(0)?,
                    tenant: r.get(1)?,
                    baseline: r.get(2)?,
                    started_at: r.get(3)?,
                    source_mode: r.get(4)?,
                    recording_sha256: r.get(5)?,
                    score: r.get(6)?,
                    coverage: r.get(7)?,
                    fail: r.get::<_, i64>(8)?.max(0) as u64,
                    error: r.get::<_, i64>(9)?.max(0) as u64,
                    new_since_previous: r.get::<_, Option<i64>>(10)?.map(|n| n.max(0) as u64),
                    fixed_since_previous: r.get::<_, Option<i64>>(11)?.map(|n| n.max(0) as u64),
                })
            })
            .map_err(sqlite(&self.path))?;
        rows.collect::<Result<_, _>>().map_err(sqlite(&self.path))
    }

    /// The per-family and per-subscription figures of these runs.
    pub fn groups(&self, run_ids: &[i64]) -> Result<Vec<GroupRow>, HistoryError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT run_id, kind, name, score, coverage, fail + error FROM run_groups
                 WHERE run_id = ?1 ORDER BY kind, name",
            )
            .map_err(sqlite(&self.path))?;
        let mut out = Vec::new();
        for id in run_ids {
            let rows = st
                .query_map([id], |r| {
                    Ok(GroupRow {
                        run_id: r.get(0)?,
                        kind: r.get(1)?,
                        name: r.get(2)?,
                        score: r.get(3)?,
                        coverage: r.get(4)?,
                        failing: r.get::<_, i64>(5)?.max(0) as u64,
                    })
                })
                .map_err(sqlite(&self.path))?;
            for g in rows {
                out.push(g.map_err(sqlite(&self.path))?);
            }
        }
        Ok(out)
    }

    /// The failing results of one run, as a report a comparison reads.
    fn doc(&self, run: &RunRow) -> Result<ReportDoc, HistoryError> {
        let baseline_json: String = self
            .conn
            .query_row(
                "SELECT baseline_json FROM runs WHERE id = ?1",
                [run.id],
                |r| r.get(0),
            )
            .map_err(sqlite(&self.path))?;
        let mut st = self
            .conn
            .prepare(
                "SELECT check_id, title, severity, status, resource_id, item, subscription_id, reason
                 FROM findings WHERE run_id = ?1",
            )
            .map_err(sqlite(&self.path))?;
        let bad = |what: &str, v: &str| HistoryError::NotHistory {
            path: self.path.clone(),
            why: format!("run {}: {what} {v:?}", run.id),
        };
        let mut results = Vec::new();
        let rows = st
            .query_map([run.id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })
            .map_err(sqlite(&self.path))?;
        for row in rows {
            let (check_id, title, sev, status, resource_id, item, subscription_id, reason) =
                row.map_err(sqlite(&self.path))?;
            let severity = Severity::parse(&sev).ok_or_else(|| bad("severity", &sev))?;
            let status: Status = serde_json::from_value(serde_json::Value::String(status.clone()))
                .map_err(|_| bad("status", &status))?;
            results.push(ResultDoc {
                check_id,
                title,
                severity,
                status,
                resource_id,
                item,
                subscription_id,
                reason,
            });
        }
        Ok(ReportDoc {
            schema_version: crate::model::SCHEMA_VERSION.into(),
            tenant_id: Some(run.tenant.clone()).filter(|t| !t.is_empty()),
            scores: ScoresDoc {
                overall: ScoreDoc {
                    score: run.score,
                    coverage: run.coverage,
                },
            },
            results,
            baseline: serde_json::from_str(&baseline_json).ok(),
        })
    }

    /// What a scan needs: every key's runs and its latest run's failing results.
    pub fn load(&self) -> Result<Loaded, HistoryError> {
        let mut runs: BTreeMap<(String, String), Vec<RunRow>> = BTreeMap::new();
        for r in self.runs(None)? {
            runs.entry((r.tenant.to_ascii_lowercase(), r.baseline.clone()))
                .or_default()
                .push(r);
        }
        let mut latest = BTreeMap::new();
        for (k, list) in &runs {
            if let Some(last) = list.last() {
                latest.insert(k.clone(), self.doc(last)?);
            }
        }
        Ok(Loaded {
            file: self.path.clone(),
            runs,
            latest,
        })
    }

    /// Records a run (its report, as judged) in one transaction, then keeps
    /// only the newest `keep_runs` runs of its tenant and baseline. Returns
    /// the run's id and how many old runs were removed.
    pub fn record(
        &mut self,
        report: &Report,
        baseline: &str,
        keep_runs: Option<u32>,
    ) -> Result<(i64, usize), HistoryError> {
        let path = self.path.clone();
        let e = sqlite(&path);
        let tenant = report
            .tenant_id
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase();
        let o = &report.scores.overall;
        let c = o.counts;
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let (new, fixed) = report
            .history
            .as_ref()
            .filter(|h| h.previous.is_some())
            .map(|h| (Some(n(h.new.len() as u64)), Some(n(h.fixed.len() as u64))))
            .unwrap_or((None, None));
        let tx = self.conn.transaction().map_err(&e)?;
        tx.execute(
            "INSERT INTO runs (tenant, baseline, started_at, finished_at, azward_version, source_mode,
                 recording_sha256, score, coverage, pass, fail, error, waived, not_applicable,
                 new_since_previous, fixed_since_previous, baseline_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                tenant,
                baseline,
                report.timing.started_at,
                report.timing.finished_at,
                report.tool.version,
                report.source.mode,
                report.source.recording.as_ref().map(|r| r.sha256.clone()),
                o.score,
                o.coverage,
                n(c.pass),
                n(c.fail),
                n(c.error),
                n(c.waived),
                n(c.not_applicable),
                new,
                fixed,
                serde_json::to_string(&report.baseline).unwrap_or_default(),
            ],
        )
        .map_err(&e)?;
        let id = tx.last_insert_rowid();
        {
            let mut g = tx
                .prepare(
                    "INSERT INTO run_groups (run_id, kind, name, score, coverage, pass, fail, error)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(&e)?;
            let mut group = |kind: &str, name: &str, s: &Score| {
                g.execute(params![
                    id,
                    kind,
                    name,
                    s.score,
                    s.coverage,
                    n(s.counts.pass),
                    n(s.counts.fail),
                    n(s.counts.error)
                ])
                .map(|_| ())
            };
            for (name, s) in &report.scores.by_family {
                group("family", name, s).map_err(&e)?;
            }
            for (name, s) in &report.scores.by_subscription {
                group("subscription", name, s).map_err(&e)?;
            }
            let mut f = tx
                .prepare(
                    "INSERT INTO findings (run_id, check_id, resource_id, item, status, severity,
                         subscription_id, title, reason)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(&e)?;
            for r in report
                .results
                .iter()
                .filter(|r| matches!(r.status, Status::Fail | Status::Error))
            {
                f.execute(params![
                    id,
                    r.check_id,
                    r.resource_id.to_string(),
                    r.item,
                    r.status.as_str(),
                    r.severity.as_str(),
                    r.subscription_id,
                    r.title,
                    crate::util::text::truncate(&r.reason, MAX_REASON),
                ])
                .map_err(&e)?;
            }
        }
        let removed = match keep_runs {
            Some(keep) => tx
                .execute(
                    "DELETE FROM runs WHERE tenant = ?1 AND baseline = ?2 AND id NOT IN
                     (SELECT id FROM runs WHERE tenant = ?1 AND baseline = ?2 ORDER BY id DESC LIMIT ?3)",
                    params![tenant, baseline, i64::from(keep)],
                )
                .map_err(&e)?,
            None => 0,
        };
        tx.commit().map_err(&e)?;
        Ok((id, removed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn a_new_file_gets_the_current_schema() {
        let d = tmp();
        let p = d.path().join("h.db");
        let s = Store::open(&p).unwrap();
        let v: i64 = s
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        assert!(s.runs(None).unwrap().is_empty());
        drop(s);
        // Opened again: nothing to migrate, still an azward history.
        Store::open(&p).unwrap();
    }

    #[test]
    fn an_older_schema_is_migrated_and_keeps_its_runs() {
        let d = tmp();
        let p = d.path().join("h.db");
        let mut conn = Connection::open(&p).unwrap();
        migrate(&p, &mut conn, &MIGRATIONS[..1]).unwrap();
        conn.execute(
            "INSERT INTO runs (tenant, baseline, started_at, finished_at, azward_version, source_mode,
                 pass, fail, error, waived, not_applicable, baseline_json)
             VALUES ('t', 'b 1', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', '0.1.0', 'replay', 1, 2, 3, 0, 0, '{}')",
            [],
        )
        .unwrap();
        drop(conn);
        // A later schema: one more migration over the version-1 file.
        let later: Vec<&str> = MIGRATIONS
            .iter()
            .copied()
            .chain(["ALTER TABLE runs ADD COLUMN note TEXT; UPDATE runs SET note = 'migrated';"])
            .collect();
        let s = Store::open_with(&p, &later).unwrap();
        let (v, note): (i64, String) = (
            s.conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap(),
            s.conn
                .query_row("SELECT note FROM runs", [], |r| r.get(0))
                .unwrap(),
        );
        assert_eq!((v, note.as_str()), (2, "migrated"));
        assert_eq!(s.runs(None).unwrap()[0].failing(), 5);
        drop(s);
        // And this azward refuses the newer file rather than misread it.
        let err = Store::open(&p).unwrap_err().to_string();
        assert!(err.contains("newer azward (history schema 2"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_a_history_is_refused_and_left_alone() {
        let d = tmp();
        let text = d.path().join("notes.txt");
        std::fs::write(&text, "not a database, but precious\n".repeat(40)).unwrap();
        let err = Store::open(&text).unwrap_err().to_string();
        assert!(err.contains("not an azward history database"), "{err}");
        assert!(err.starts_with(&text.display().to_string()), "{err}");
        assert_eq!(
            std::fs::read_to_string(&text).unwrap(),
            "not a database, but precious\n".repeat(40)
        );
        let other = d.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        let err = Store::open(&other).unwrap_err().to_string();
        assert!(
            err.contains("not an azward history database (no azward_history table)"),
            "{err}"
        );
        let err = Store::open(d.path()).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_or_a_dangling_link_is_refused() {
        let err = Store::open(Path::new("/dev/null")).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        let d = tmp();
        let link = d.path().join("h.db");
        std::os::unix::fs::symlink(d.path().join("missing/h.db"), &link).unwrap();
        let err = Store::open(&link).unwrap_err().to_string();
        assert!(err.contains("dangling"), "{err}");
    }
}
