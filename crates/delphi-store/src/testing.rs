//! Fresh, migrated databases for tests: an SQLite file per test, and a PostgreSQL database
//! per test when `DELPHI_TEST_POSTGRES_URL` is set (dropped again afterwards).

use diesel::connection::SimpleConnection;

use crate::{run_migrations, DatabaseUrl, Pool};

/// The environment variable naming a PostgreSQL server for the test suites.
pub const POSTGRES_ENV: &str = "DELPHI_TEST_POSTGRES_URL";

/// A migrated database that disappears when dropped.
pub struct TestDb {
    /// Pool over the database.
    pub pool: Pool,
    /// Its URL.
    pub url: String,
    /// Which backend.
    pub label: &'static str,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, database: String },
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestDb({})", self.url)
    }
}

impl TestDb {
    /// A fresh SQLite file in a temporary folder.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let pool = migrated_pool(&url);
        Self {
            pool,
            url,
            label: "sqlite",
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A fresh PostgreSQL database, or `None` when `DELPHI_TEST_POSTGRES_URL` is unset.
    pub fn postgres() -> Option<Self> {
        let admin_url = std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty())?;
        let database = format!("delphi_t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = DatabaseUrl::parse(&admin_url)
            .and_then(|u| u.connect())
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={admin_url}: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {database}"))
            .expect("CREATE DATABASE for a test");
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) if server.contains("//") && server.len() > "postgres://".len() => {
                format!("{server}/{database}")
            }
            _ => format!("{}/{database}", admin_url.trim_end_matches('/')),
        };
        let pool = migrated_pool(&url);
        Some(Self {
            pool,
            url,
            label: "postgres",
            cleanup: Cleanup::Postgres {
                admin_url,
                database,
            },
        })
    }

    /// SQLite, plus PostgreSQL when configured: the backends a suite runs on.
    pub fn all() -> Vec<Self> {
        let mut dbs = vec![Self::sqlite()];
        dbs.extend(Self::postgres());
        dbs
    }
}

fn migrated_pool(url: &str) -> Pool {
    let pool = Pool::connect(url, 8).unwrap_or_else(|e| panic!("{url}: {e}"));
    let mut conn = pool.get().expect("a connection");
    run_migrations(&mut conn).expect("migrations apply");
    drop(conn);
    pool
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres {
            admin_url,
            database,
        } = &self.cleanup
        {
            // Close our pool's connections first by replacing it with an idle one.
            if let Ok(mut admin) = DatabaseUrl::parse(admin_url).and_then(|u| u.connect()) {
                let _ = admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"));
            }
        }
    }
}
