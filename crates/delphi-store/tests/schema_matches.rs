//! Both migration folders must produce exactly the columns `schema.rs` declares
//! (names, SQL types and nullability), on SQLite and, when configured, PostgreSQL.

use std::collections::BTreeMap;

use delphi_store::testing::TestDb;
use delphi_store::DbConnection;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

/// column -> (type, nullable).
type Columns = BTreeMap<String, (String, bool)>;

/// table -> its columns, read from schema.rs itself.
fn declared() -> BTreeMap<String, Columns> {
    let source = include_str!("../src/schema.rs");
    let mut tables = BTreeMap::new();
    let mut current: Option<(String, Columns)> = None;
    for line in source.lines().map(str::trim) {
        if let Some((name, _)) = line
            .split_once(" (")
            .filter(|_| line.ends_with('{') && current.is_none())
        {
            if !name.contains(' ') {
                current = Some((name.to_owned(), BTreeMap::new()));
            }
        } else if let (Some((_, columns)), Some((col, ty))) =
            (current.as_mut(), line.split_once(" -> "))
        {
            let ty = ty.trim_end_matches(',');
            let (ty, nullable) = match ty
                .strip_prefix("Nullable<")
                .and_then(|t| t.strip_suffix('>'))
            {
                Some(inner) => (inner, true),
                None => (ty, false),
            };
            columns.insert(col.to_owned(), (ty.to_owned(), nullable));
        } else if line == "}" {
            if let Some((name, columns)) = current.take() {
                tables.insert(name, columns);
            }
        }
    }
    assert!(
        tables.len() >= 15,
        "parsed {} tables from schema.rs",
        tables.len()
    );
    tables
}

#[derive(QueryableByName, Debug)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text, column_name = "type")]
    ty: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName, Debug)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

fn sql_type_for(diesel_type: &str, sqlite: bool) -> &'static str {
    match (diesel_type, sqlite) {
        ("Text", true) => "TEXT",
        ("Integer", true) => "INTEGER",
        ("Bool", true) => "BOOLEAN",
        ("Timestamp", true) => "TIMESTAMP",
        ("Text", false) => "text",
        ("Integer", false) => "integer",
        ("Bool", false) => "boolean",
        ("Timestamp", false) => "timestamp without time zone",
        (other, _) => panic!("schema.rs uses {other}, which is not a portable type"),
    }
}

fn actual(conn: &mut DbConnection, table: &str) -> BTreeMap<String, (String, bool)> {
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(format!("PRAGMA table_info({table})"))
            .load::<SqliteColumn>(c)
            .expect("table_info")
            .into_iter()
            // SQLite reports a TEXT PRIMARY KEY as nullable unless NOT NULL is written.
            .map(|col| (col.name, (col.ty, col.notnull == 0 && col.pk == 0)))
            .collect(),
        DbConnection::Pg(c) => diesel::sql_query(
            "SELECT column_name::text, data_type::text, is_nullable::text \
             FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
        )
        .bind::<Text, _>(table)
        .load::<PgColumn>(c)
        .expect("information_schema")
        .into_iter()
        .map(|col| (col.column_name, (col.data_type, col.is_nullable == "YES")))
        .collect(),
    }
}

#[test]
fn migrations_produce_exactly_the_declared_schema() {
    let declared = declared();
    for db in TestDb::all() {
        let mut conn = db.pool.get().expect("connection");
        let sqlite = matches!(*conn, DbConnection::Sqlite(_));
        for (table, columns) in &declared {
            let expected: BTreeMap<String, (String, bool)> = columns
                .iter()
                .map(|(name, (ty, nullable))| {
                    (
                        name.clone(),
                        (sql_type_for(ty, sqlite).to_owned(), *nullable),
                    )
                })
                .collect();
            assert_eq!(
                actual(&mut conn, table),
                expected,
                "{} table {table}",
                db.label
            );
        }
    }
}

#[test]
fn migrations_are_idempotent_and_pragmas_are_set() {
    let db = TestDb::sqlite();
    let mut conn = db.pool.get().expect("connection");
    delphi_store::run_migrations(&mut conn).expect("second run is a no-op");
    #[derive(QueryableByName)]
    struct Value {
        #[diesel(sql_type = Text)]
        value: String,
    }
    let DbConnection::Sqlite(c) = &mut *conn else {
        unreachable!()
    };
    let mode: Vec<Value> =
        diesel::sql_query("SELECT journal_mode AS value FROM pragma_journal_mode")
            .load(c)
            .expect("pragma");
    assert_eq!(mode[0].value, "wal");
    let fk: Vec<Value> =
        diesel::sql_query("SELECT CAST(foreign_keys AS TEXT) AS value FROM pragma_foreign_keys")
            .load(c)
            .expect("pragma");
    assert_eq!(fk[0].value, "1");
    // Durable against a power cut: FULL (2) syncs the log at every commit.
    let sync: Vec<Value> =
        diesel::sql_query("SELECT CAST(synchronous AS TEXT) AS value FROM pragma_synchronous")
            .load(c)
            .expect("pragma");
    assert_eq!(sync[0].value, "2", "synchronous = FULL");
    // No checkpoint inside a commit: the pool's checkpointer does it beside the writers.
    #[derive(QueryableByName)]
    struct Auto {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        wal_autocheckpoint: i32,
    }
    let auto: Vec<Auto> = diesel::sql_query("PRAGMA wal_autocheckpoint")
        .load(c)
        .expect("pragma");
    assert_eq!(auto[0].wal_autocheckpoint, 0);
}
