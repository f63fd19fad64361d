//! `azward-lab`: the lab tools (emulator, estate generator, benchmark).
//! Exit codes: 0 success, 2 usage or runtime error, 130/143 `generate`
//! interrupted by SIGINT/SIGTERM.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "azward-lab", version, about = "azward's lab tools: emulator, estate generator, benchmark", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a recording on loopback as Resource Manager would: read quotas, latency, faults.
    Emulate(Box<azward_lab::emulator::EmulateArgs>),
    /// Write an estate recording: a synthetic estate of any size (deterministic from a seed), or a
    /// named scenario (--scenario: the demo estate and the test recordings derived from it).
    Generate(Box<azward_lab::generate::GenerateArgs>),
    /// Scan a generated estate through the emulator; print wall time against the throttle bound.
    Bench(Box<azward_lab::bench::BenchArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Generate(_) = &cli.command {
        // Ctrl-C or SIGTERM: the staged files are removed, exit 130/143.
        if let Err(e) = azward::util::interrupt::install(|_| "interrupted: nothing written".into())
        {
            eprintln!("error: could not set up the signal handler: {e}");
            return ExitCode::from(2);
        }
    }
    let result: anyhow::Result<()> = match cli.command {
        Command::Emulate(args) => azward_lab::emulator::run_cli(&args)
            .map(|_| ())
            .map_err(Into::into),
        Command::Generate(args) => azward_lab::generate::run_cli(&args)
            .map(|_| ())
            .map_err(Into::into),
        Command::Bench(args) => azward_lab::bench::run_cli(&args).map_err(Into::into),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let msg: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            for line in msg.join(": ").lines() {
                eprintln!("error: {line}");
            }
            ExitCode::from(2)
        }
    }
}
