//! The only crate that names diesel: schema, rows, queries per table, connections and migrations for SQLite and PostgreSQL.
