//! Estate recordings, from one set of body builders ([`arm`]):
//!
//! - synthetic estates of any size, deterministic from a seed
//!   (`azward-lab generate -o FILE --subscriptions N --resources N …`);
//! - the named scenarios ([`demo`]): the demo estate and the test recordings
//!   derived from it (`azward-lab generate --scenario demo`).

pub mod arm;
pub mod demo;
mod synthetic;
pub use synthetic::RECORDED_AT as SYNTHETIC_RECORDED_AT;
pub mod uuid5;

pub use demo::Scenario;
pub use synthetic::*;

use std::path::{Path, PathBuf};

/// What `--scenario` names: one scenario, or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScenarioChoice {
    /// The demo estate (`demo/estate.jsonl`).
    Demo,
    /// `tests/recordings/partial-failure.jsonl`.
    PartialFailure,
    /// `tests/recordings/throttled.jsonl`.
    Throttled,
    /// The three, each to its place in the repository, and the demo's
    /// expected results (`demo/EXPECTED.md`).
    All,
}

/// `azward-lab generate`: write an estate recording.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// Write a named scenario instead of a synthetic estate. Without
    /// --output it goes to its place in the repository (run from the
    /// repository's root); `all` writes every scenario there, and
    /// demo/EXPECTED.md.
    #[arg(long, value_enum, value_name = "NAME")]
    pub scenario: Option<ScenarioChoice>,
    /// Where to write the recording (`.gz` to compress a synthetic estate).
    #[arg(long, short, value_name = "FILE", required_unless_present = "scenario")]
    pub output: Option<PathBuf>,
    /// Subscriptions in the estate.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 20,
        conflicts_with = "scenario"
    )]
    pub subscriptions: usize,
    /// Resources per subscription (at least 16).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 2000,
        conflicts_with = "scenario"
    )]
    pub resources: usize,
    /// Share of resources with at least one misconfiguration (0–1, or a percentage like 30%).
    #[arg(long, value_name = "SHARE", default_value = "0.3", value_parser = parse_share, conflicts_with = "scenario")]
    pub misconfigured: f64,
    /// Seed: the same seed and sizes give the same file, byte for byte.
    #[arg(long, default_value_t = 1, conflicts_with = "scenario")]
    pub seed: u64,
    /// Items per list page (longer lists are paged with nextLink).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1000,
        conflicts_with = "scenario"
    )]
    pub page_size: usize,
    /// Answer machines' extensions and associations with a GET per machine
    /// instead of Resource Graph queries (what a scan falls back to).
    #[arg(long, conflicts_with = "scenario")]
    pub no_resource_graph: bool,
}

/// `0.3` or `30%`.
pub fn parse_share(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("{s:?} is not a share (0.3 or 30%)"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{s:?} is not between 0 and 1 (0% and 100%)"))
    }
}

impl GenerateArgs {
    pub fn options(&self) -> GenerateOptions {
        GenerateOptions {
            subscriptions: self.subscriptions,
            resources: self.resources,
            misconfigured: self.misconfigured,
            seed: self.seed,
            page_size: self.page_size,
            resource_graph: !self.no_resource_graph,
        }
    }
}

/// Writes `text` to `path` (staged in the open output set) and returns
/// the line that says so once it is in place.
fn write_text(path: &Path, text: &str) -> Result<String, GenerateError> {
    azward::util::fsutil::write_atomic(path, text.as_bytes()).map_err(|source| {
        GenerateError::Io {
            path: path.to_path_buf(),
            source,
        }
    })?;
    Ok(format!(
        "wrote {} ({} lines, {} bytes)",
        path.display(),
        text.lines().count(),
        text.len()
    ))
}

/// A scenario's place in the repository, from the current directory.
fn in_repository(rel: &str) -> Result<PathBuf, GenerateError> {
    let path = PathBuf::from(rel);
    match path.parent() {
        Some(dir) if dir.is_dir() => Ok(path),
        _ => Err(GenerateError::Invalid(format!(
            "{rel}: run from the repository's root, or give --output"
        ))),
    }
}

/// Runs `azward-lab generate`; prints what it wrote on stderr. Every file
/// is staged and put in place at the end, together: an error or a signal
/// before then leaves none of them and no temporary file.
pub fn run_cli(args: &GenerateArgs) -> Result<(), GenerateError> {
    let outputs = azward::util::fsutil::OutputSet::open();
    let notes = stage_outputs(args)?;
    outputs.commit().map_err(|source| GenerateError::Io {
        path: args.output.clone().unwrap_or_else(|| PathBuf::from(".")),
        source,
    })?;
    for n in notes {
        eprintln!("{n}");
    }
    Ok(())
}

fn stage_outputs(args: &GenerateArgs) -> Result<Vec<String>, GenerateError> {
    let one = |s: Scenario| -> Result<String, GenerateError> {
        let path = match &args.output {
            Some(p) => p.clone(),
            None => in_repository(s.path())?,
        };
        write_text(&path, &s.render())
    };
    match args.scenario {
        Some(ScenarioChoice::Demo) => return Ok(vec![one(Scenario::Demo)?]),
        Some(ScenarioChoice::PartialFailure) => return Ok(vec![one(Scenario::PartialFailure)?]),
        Some(ScenarioChoice::Throttled) => return Ok(vec![one(Scenario::Throttled)?]),
        Some(ScenarioChoice::All) => {
            if args.output.is_some() {
                return Err(GenerateError::Invalid(
                    "--scenario all writes each scenario to its place in the repository: no --output"
                        .into(),
                ));
            }
            let mut notes = Vec::new();
            for s in Scenario::ALL {
                notes.push(one(s)?);
            }
            // The expected results of the demo, from the same declarations.
            notes.push(write_text(
                &in_repository(demo::EXPECTED_PATH)?,
                &demo::expected_md(),
            )?);
            return Ok(notes);
        }
        None => {}
    }
    let Some(output) = &args.output else {
        return Err(GenerateError::Invalid(
            "a synthetic estate needs --output FILE".into(),
        ));
    };
    let started = std::time::Instant::now();
    let s = generate(&args.options(), output)?;
    Ok(vec![
        format!(
            "wrote {}: {} subscriptions × {} resources = {} resources, {} exchanges, {:.1} MB in {:.2} s (sha256 {})",
            output.display(),
            args.subscriptions,
            args.resources,
            s.resources,
            s.exchanges,
            s.bytes as f64 / 1e6,
            started.elapsed().as_secs_f64(),
            s.sha256
        ),
        format!("tenant {}", s.tenant_id),
    ])
}
