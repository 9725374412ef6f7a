//! `delphi backup --out FILE`: a consistent copy of the SQLite database while the server
//! runs; for PostgreSQL, the `pg_dump` recipe (docs/deployment.md).

use std::path::PathBuf;

use anyhow::Context;

use crate::config::Config;

/// Options of `delphi backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The new file to write (an existing file is never overwritten).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Runs `delphi backup`.
pub fn run(config: &Config, args: &BackupArgs) -> anyhow::Result<()> {
    let url = delphi_store::DatabaseUrl::parse(&config.database_url)?;
    let path = match &url {
        delphi_store::DatabaseUrl::Sqlite(path) => path.clone(),
        delphi_store::DatabaseUrl::Postgres(_) => anyhow::bail!(
            "the database is PostgreSQL: back it up with its own tool, which copies consistently \
             while the servers run:\n  pg_dump --format=custom --file {} \"$DELPHI_DATABASE_URL\"\n\
             and restore with pg_restore into a new database (docs/deployment.md)",
            args.out.display()
        ),
    };
    // Opening would create a missing file: a backup of nothing is a mistake.
    anyhow::ensure!(
        std::path::Path::new(&path).exists(),
        "there is no database at {path} (database_url = {})",
        config.database_url
    );
    let pool = delphi_store::Pool::connect(&config.database_url, 1)
        .with_context(|| format!("opening the database {}", config.database_url))?;
    let mut conn = pool.get().context("connecting to the database")?;
    delphi_store::backup_sqlite(&mut conn, &args.out)?;
    let size = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    println!(
        "Backed up {} to {} ({size} bytes; a consistent copy, synced and integrity-checked).",
        config.database_url,
        args.out.display()
    );
    Ok(())
}
