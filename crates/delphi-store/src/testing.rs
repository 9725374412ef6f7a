//! Fresh, migrated databases for tests: an SQLite file per test, and a PostgreSQL database
//! per test when `DELPHI_TEST_POSTGRES_URL` is set (dropped again afterwards).

use diesel::connection::SimpleConnection;

use crate::{run_migrations, DatabaseUrl, Pool};

/// The environment variable naming a PostgreSQL server for the test suites.
pub const POSTGRES_ENV: &str = "DELPHI_TEST_POSTGRES_URL";

/// The environment variable that moves the suites that run on one backend at a time (the
/// web suite, some email tests) to PostgreSQL: `DELPHI_TEST_BACKEND=postgres` (`.ci/run`
/// runs them again so).
pub const BACKEND_ENV: &str = "DELPHI_TEST_BACKEND";

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
        Self::sqlite_with(true)
    }

    /// A fresh PostgreSQL database, or `None` when `DELPHI_TEST_POSTGRES_URL` is unset.
    pub fn postgres() -> Option<Self> {
        Self::postgres_with(true)
    }

    /// Every configured backend with an empty database, no migration applied yet (for tests
    /// of the migrations themselves).
    pub fn all_unmigrated() -> Vec<Self> {
        let mut dbs = vec![Self::sqlite_with(false)];
        dbs.extend(Self::postgres_with(false));
        dbs
    }

    fn sqlite_with(migrate: bool) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let pool = pool(&url, migrate);
        Self {
            pool,
            url,
            label: "sqlite",
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    fn postgres_with(migrate: bool) -> Option<Self> {
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
        let pool = pool(&url, migrate);
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

    /// The one backend of a suite that runs on one at a time: SQLite, or PostgreSQL when
    /// `DELPHI_TEST_BACKEND=postgres` (which then needs `DELPHI_TEST_POSTGRES_URL`).
    pub fn primary() -> Self {
        match std::env::var(BACKEND_ENV).as_deref() {
            Ok("postgres") => Self::postgres().unwrap_or_else(|| {
                panic!("{BACKEND_ENV}=postgres needs {POSTGRES_ENV} naming a server")
            }),
            Ok("sqlite") | Ok("") | Err(_) => Self::sqlite(),
            Ok(other) => panic!("{BACKEND_ENV}={other:?}: use sqlite or postgres"),
        }
    }

    /// SQLite, plus PostgreSQL when configured: the backends a suite runs on.
    pub fn all() -> Vec<Self> {
        let mut dbs = vec![Self::sqlite()];
        dbs.extend(Self::postgres());
        dbs
    }
}

fn pool(url: &str, migrate: bool) -> Pool {
    let pool = Pool::connect(url, 8).unwrap_or_else(|e| panic!("{url}: {e}"));
    if migrate {
        let mut conn = pool.get().expect("a connection");
        run_migrations(&mut conn).expect("migrations apply");
    }
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

/// Moves every account link's times `by` into the past (tests of links that expired).
pub fn age_account_links(
    conn: &mut crate::DbConnection,
    by: chrono::Duration,
) -> diesel::QueryResult<usize> {
    use crate::schema::account_links;
    use diesel::prelude::*;
    let rows: Vec<(String, chrono::NaiveDateTime, chrono::NaiveDateTime)> = account_links::table
        .select((
            account_links::id,
            account_links::created_at,
            account_links::expires_at,
        ))
        .load(conn)?;
    for (id, created, expires) in &rows {
        diesel::update(account_links::table.find(id))
            .set((
                account_links::created_at.eq(*created - by),
                account_links::expires_at.eq(*expires - by),
            ))
            .execute(conn)?;
    }
    Ok(rows.len())
}

/// Every row of every table, as text, table by table in primary-key order: two snapshots are
/// equal exactly when nothing was written in between (the authorisation tests compare one
/// taken before a refused call with one taken after).
pub fn snapshot(
    conn: &mut crate::DbConnection,
) -> diesel::QueryResult<std::collections::BTreeMap<&'static str, Vec<String>>> {
    use diesel::prelude::*;

    use crate::schema::*;
    use crate::{audit, email_templates as wording, outbox as mail};
    use crate::{items as item_rows, panellists as panel_rows, responses as response_rows};
    use crate::{results as res, rounds as rnd, studies as st, users as us};

    fn rows<T: std::fmt::Debug>(loaded: Vec<T>) -> Vec<String> {
        loaded.iter().map(|row| format!("{row:?}")).collect()
    }
    let mut all = std::collections::BTreeMap::new();
    all.insert(
        "users",
        rows(
            users::table
                .order(users::id)
                .select(us::UserRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "studies",
        rows(
            studies::table
                .order(studies::id)
                .select(st::StudyRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "study_members",
        rows(
            study_members::table
                .order((study_members::study_id, study_members::user_id))
                .select(st::MemberRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "stakeholder_groups",
        rows(
            stakeholder_groups::table
                .order(stakeholder_groups::id)
                .select(st::GroupRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "panellists",
        rows(
            panellists::table
                .order(panellists::id)
                .select(panel_rows::PanellistRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "items",
        rows(
            items::table
                .order(items::id)
                .select(item_rows::ItemRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "rounds",
        rows(
            rounds::table
                .order(rounds::id)
                .select(rnd::RoundRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "round_items",
        rows(
            round_items::table
                .order((round_items::round_id, round_items::item_id))
                .select(rnd::RoundItemRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "participations",
        rows(
            participations::table
                .order((participations::round_id, participations::panellist_id))
                .select(rnd::ParticipationRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "responses",
        rows(
            responses::table
                .order((
                    responses::round_id,
                    responses::item_id,
                    responses::panellist_id,
                ))
                .select(response_rows::ResponseRow::as_select())
                .load(conn)?,
        ),
    );
    let stored: Vec<(String, String, String, Option<String>, String)> = results::table
        .order((results::round_id, results::item_id, results::group_code))
        .select((
            results::round_id,
            results::item_id,
            results::group_code,
            results::classification,
            results::stats,
        ))
        .load(conn)?;
    all.insert("results", rows(stored));
    all.insert(
        "comment_reviews",
        rows(
            comment_reviews::table
                .order((
                    comment_reviews::round_id,
                    comment_reviews::item_id,
                    comment_reviews::panellist_id,
                ))
                .select(res::CommentReviewRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "plan_changes",
        rows(
            plan_changes::table
                .order((
                    plan_changes::study_id,
                    plan_changes::round_number,
                    plan_changes::item_code,
                ))
                .select(crate::plans::PlanChangeRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "open_answers",
        rows(
            open_answers::table
                .order((
                    open_answers::round_id,
                    open_answers::panellist_id,
                    open_answers::section,
                ))
                .select(crate::questions::OpenAnswerRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "background_answers",
        rows(
            background_answers::table
                .order((
                    background_answers::panellist_id,
                    background_answers::question_id,
                ))
                .select(crate::questions::BackgroundAnswerRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "email_templates",
        rows(
            email_templates::table
                .order((email_templates::study_id, email_templates::kind))
                .select(wording::EmailTemplateRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "outbox",
        rows(
            outbox::table
                .order(outbox::id)
                .select(mail::OutboxRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "amendments",
        rows(
            amendments::table
                .order(amendments::id)
                .select(crate::amendments::AmendmentRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "study_sections",
        rows(
            study_sections::table
                .order((study_sections::study_id, study_sections::position))
                .select((
                    study_sections::study_id,
                    study_sections::position,
                    study_sections::name,
                ))
                .load::<(String, i32, String)>(conn)?,
        ),
    );
    all.insert(
        "audit_log",
        rows(
            audit_log::table
                .order(audit_log::id)
                .select(audit::AuditRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "account_links",
        rows(
            account_links::table
                .order(account_links::id)
                .select(crate::account_links::AccountLinkRow::as_select())
                .load(conn)?,
        ),
    );
    all.insert(
        "sessions",
        rows(
            sessions::table
                .order(sessions::id_hash)
                .select(crate::sessions::SessionRow::as_select())
                .load(conn)?,
        ),
    );
    Ok(all)
}

/// Runs `future` to its end on this thread, polling it with a waker that does nothing: how
/// a test waits for a [`crate::Committing`] save without an async runtime.
pub fn wait<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}
