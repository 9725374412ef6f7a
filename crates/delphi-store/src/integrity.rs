//! Whether a database is sound: after a crash, a restore or a backup, before trusting it.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::DbConnection;

#[derive(QueryableByName)]
struct Problem {
    #[diesel(sql_type = Text)]
    problem: String,
}

/// Problems with the database, each as one line; empty when sound. On SQLite: the
/// integrity check (pages, indexes, constraints) and the foreign-key check (on PostgreSQL
/// the server keeps its files consistent, and constraints are checked as rows are written).
/// On both: every participation's activity (`last_saved_at`) agrees with its answers (a
/// time exactly when it has answers), since the two are written in one transaction.
pub fn integrity_problems(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    let mut problems = Vec::new();
    if let DbConnection::Sqlite(c) = conn {
        problems.extend(
            diesel::sql_query(
                "SELECT integrity_check AS problem FROM pragma_integrity_check \
                 WHERE integrity_check <> 'ok'",
            )
            .load::<Problem>(c)?
            .into_iter()
            .map(|p| p.problem),
        );
        problems.extend(
            diesel::sql_query(
                "SELECT 'foreign key: ' || \"table\" || ' row ' || rowid || ' names a missing ' \
                 || parent AS problem FROM pragma_foreign_key_check",
            )
            .load::<Problem>(c)?
            .into_iter()
            .map(|p| p.problem),
        );
    }
    problems.extend(
        crate::with_conn!(conn, |c| diesel::sql_query(ACTIVITY_CHECK)
            .load::<Problem>(c))?
        .into_iter()
        .map(|p| p.problem),
    );
    Ok(problems)
}

/// Participations whose activity disagrees with their answers: a time recorded but no
/// answer, or answers but no time (portable SQL).
const ACTIVITY_CHECK: &str = "SELECT 'participation of panellist ' || p.panellist_id \
     || ' in round ' || p.round_id || ' records ' \
     || CASE WHEN p.last_saved_at IS NULL THEN 'no save' ELSE 'a save' END \
     || ' but has ' || CAST(count(r.item_id) AS TEXT) || ' answers' AS problem \
     FROM participations AS p LEFT JOIN responses AS r \
     ON r.round_id = p.round_id AND r.panellist_id = p.panellist_id \
     GROUP BY p.round_id, p.panellist_id, p.last_saved_at \
     HAVING (p.last_saved_at IS NULL) <> (count(r.item_id) = 0) \
     ORDER BY p.round_id, p.panellist_id";

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

    fn at(minute: u32) -> chrono::NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
            .and_then(|d| d.and_hms_opt(9, minute, 0))
            .unwrap()
    }

    fn answer(item: &str, panellist: &str, minute: u32) -> crate::responses::ResponseRow {
        crate::responses::ResponseRow {
            round_id: "r".into(),
            item_id: item.into(),
            panellist_id: panellist.into(),
            rating: Some(5),
            unable_to_rate: false,
            comment: None,
            reason: None,
            updated_at: at(minute),
        }
    }

    fn activity(conn: &mut DbConnection, panellist: &str) -> Option<chrono::NaiveDateTime> {
        crate::rounds::participation(conn, "r", panellist)
            .unwrap()
            .unwrap()
            .last_saved_at
    }

    #[test]
    fn answers_keep_their_participation_activity_and_drift_is_reported() {
        use diesel::connection::SimpleConnection;
        for db in TestDb::all() {
            let mut conn = db.pool.get().unwrap();
            conn.batch_execute(crate::fixtures::OPEN_ROUND).unwrap();
            let c = &mut conn;
            assert_eq!(activity(c, "p1"), None, "{}", db.label);
            crate::responses::upsert(c, &answer("i1", "p1", 1)).unwrap();
            assert_eq!(activity(c, "p1"), Some(at(1)), "{}", db.label);
            crate::responses::upsert(c, &answer("i1", "p1", 3)).unwrap();
            assert_eq!(activity(c, "p1"), Some(at(3)), "{}", db.label);
            crate::responses::upsert(c, &answer("i2", "p1", 4)).unwrap();
            assert_eq!(activity(c, "p1"), Some(at(4)), "{}", db.label);
            assert_eq!(activity(c, "p2"), None, "{}", db.label);
            crate::responses::insert_many(c, &[answer("i1", "p2", 6), answer("i2", "p2", 5)])
                .unwrap();
            assert_eq!(
                activity(c, "p2"),
                Some(at(6)),
                "the latest of a bulk insert"
            );
            assert_eq!(integrity_problems(c).unwrap(), Vec::<String>::new());

            c.batch_execute(
                "UPDATE participations SET last_saved_at = NULL WHERE panellist_id = 'p1'",
            )
            .unwrap();
            let problems = integrity_problems(c).unwrap();
            assert_eq!(
                problems,
                vec!["participation of panellist p1 in round r records no save but has 2 answers"],
                "{}",
                db.label
            );

            assert_eq!(crate::responses::delete_for_panellist(c, "p1").unwrap(), 2);
            assert_eq!(activity(c, "p1"), None, "{}", db.label);
            assert_eq!(activity(c, "p2"), Some(at(6)), "{}", db.label);
            assert_eq!(integrity_problems(c).unwrap(), Vec::<String>::new());
        }
    }
}
