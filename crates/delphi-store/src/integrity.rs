//! Whether a database is sound: after a crash, a restore or a backup, before trusting it.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::DbConnection;

#[derive(QueryableByName)]
struct Problem {
    #[diesel(sql_type = Text)]
    problem: String,
}

/// Problems with the database file, each as one line; empty when sound. On SQLite: the
/// integrity check (pages, indexes, constraints) and the foreign-key check. On PostgreSQL
/// the server keeps its files consistent, and constraints are checked as rows are written,
/// so there is nothing to add.
pub fn integrity_problems(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    let DbConnection::Sqlite(c) = conn else {
        return Ok(Vec::new());
    };
    let mut problems: Vec<String> = diesel::sql_query(
        "SELECT integrity_check AS problem FROM pragma_integrity_check \
         WHERE integrity_check <> 'ok'",
    )
    .load::<Problem>(c)?
    .into_iter()
    .map(|p| p.problem)
    .collect();
    problems.extend(
        diesel::sql_query(
            "SELECT 'foreign key: ' || \"table\" || ' row ' || rowid || ' names a missing ' \
             || parent AS problem FROM pragma_foreign_key_check",
        )
        .load::<Problem>(c)?
        .into_iter()
        .map(|p| p.problem),
    );
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDb;

    #[test]
    fn a_fresh_database_is_sound() {
        for db in TestDb::all() {
            let mut conn = db.pool.get().unwrap();
            assert_eq!(
                integrity_problems(&mut conn).unwrap(),
                Vec::<String>::new(),
                "{}",
                db.label
            );
        }
    }
}
