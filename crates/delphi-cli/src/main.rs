//! The `delphi` command: run a demo, serve the platform, deliver email, manage the database,
//! import studies, export their data and reports, and analyse ratings.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod admin;
mod analyse;
mod backup;
mod config;
mod demo;
mod export;
mod mail;
mod runtime;
mod study;

/// Delphi consensus studies: rounds, panels, statistics and reports.
#[derive(Debug, Parser)]
#[command(name = "delphi", version, about, long_about = None)]
struct Cli {
    /// Configuration file (default: ./delphi.toml when present). `DELPHI_*` variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start a ready-to-explore demo: an SQLite database with the link-worker leadership study,
    /// round 1 simulated and closed, round 2 open, emails written to files.
    Demo(demo::DemoArgs),
    /// Serve the web pages and JSON API, with the email worker running alongside.
    Serve,
    /// Deliver queued email (the outbox) without serving pages.
    Worker(runtime::WorkerArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Import a study folder (study.toml, items.csv, panel.csv) as a draft study.
    Import(runtime::ImportArgs),
    /// Compute consensus statistics from a ratings CSV (round,item_id,panellist_id,stakeholder_group,rating).
    Analyse(analyse::AnalyseArgs),
    /// Write one of a study's downloads (responses CSV, results CSV, workbook, JSON, the
    /// consensus report, codebook, SPSS or R script, contact list) to a file.
    Export(export::ExportArgs),
    /// The researcher's round work: open and close rounds, results, reminders, the outbox.
    #[command(subcommand)]
    Study(study::StudyCommand),
    /// Administration tasks.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Copy the SQLite database consistently while the server runs (PostgreSQL: pg_dump).
    Backup(backup::BackupArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DELPHI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Command::Analyse(args) = &cli.command {
        return analyse::run(args);
    }
    let result = match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Serve => {
            config::Config::load(cli.config.as_deref()).and_then(|c| runtime::serve(&c))
        }
        Command::Worker(args) => {
            config::Config::load(cli.config.as_deref()).and_then(|c| runtime::worker(&c, &args))
        }
        Command::Migrate => {
            config::Config::load(cli.config.as_deref()).and_then(|c| runtime::migrate(&c))
        }
        Command::Import(args) => {
            config::Config::load(cli.config.as_deref()).and_then(|c| runtime::import(&c, &args))
        }
        Command::Export(args) => {
            config::Config::load(cli.config.as_deref()).and_then(|c| export::run(&c, &args))
        }
        Command::Study(command) => {
            config::Config::load(cli.config.as_deref()).and_then(|c| study::run(&c, command))
        }
        Command::Admin(command) => {
            config::Config::load(cli.config.as_deref()).and_then(|c| admin::run(&c, command))
        }
        Command::Backup(args) => {
            config::Config::load(cli.config.as_deref()).and_then(|c| backup::run(&c, &args))
        }
        Command::Analyse(_) => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("delphi: {err:#}");
            ExitCode::FAILURE
        }
    }
}
