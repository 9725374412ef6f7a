//! `delphi-load`: plays panellists completing a round against a running server.
//!
//! - `setup`: a study with N panellists and K items, round 1 open, in a database the server
//!   uses (SQLite or PostgreSQL), and a study file with the link tokens;
//! - `run`: the panellists open the round page, consent, save each item and submit, at a
//!   given rate and concurrency, open loop; prints throughput, p50/p95/p99/max and errors;
//! - `verify`: every acknowledged save and submission is in the database and it is sound.
//!
//! `scripts/bench-load.sh` (benchmarks), `scripts/test-crash.sh` (kill -9 under load) and
//! `scripts/test-deployment.sh` (two instances behind nginx) drive it.

mod report;
mod run;
mod setup;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "delphi-load", about = "Load generator for delphi serve")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a study to load (round 1 open) and write its study file.
    Setup(setup::SetupArgs),
    /// Play panellists against a server, open loop, and print the figures.
    Run(run::RunArgs),
    /// Check that every acknowledged save is in the database.
    Verify(verify::VerifyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Setup(args) => setup::run(args),
        Command::Run(args) => run::run(args),
        Command::Verify(args) => verify::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("delphi-load: {error:#}");
            ExitCode::FAILURE
        }
    }
}
