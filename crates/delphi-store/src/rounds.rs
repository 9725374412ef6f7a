//! Rounds, the items each round asks, and who was invited to each.

use chrono::NaiveDateTime;
use delphi_core::states::{Disposition, RoundStatus};
use diesel::prelude::*;

use crate::fixed::{Bind, Fixed};
use crate::schema::{participations, round_items, rounds};
use crate::DbConnection;

/// A row of `rounds`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = rounds)]
pub struct RoundRow {
    /// UUID.
    pub id: String,
    /// Study.
    pub study_id: String,
    /// 1, 2, 3...
    pub number: i32,
    /// Draft, open or closed.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: RoundStatus,
    /// Instructions shown at the top of the round.
    pub instructions: String,
    /// Optional deadline (UTC).
    pub deadline: Option<NaiveDateTime>,
    /// When it opened.
    pub opened_at: Option<NaiveDateTime>,
    /// When it closed.
    pub closed_at: Option<NaiveDateTime>,
    /// Created.
    pub created_at: NaiveDateTime,
}

/// A row of `round_items`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = round_items)]
pub struct RoundItemRow {
    /// Round.
    pub round_id: String,
    /// Item.
    pub item_id: String,
    /// Display order.
    pub position: i32,
    /// New, carried, reworded or shown for information.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub disposition: Disposition,
}

/// A row of `participations`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = participations)]
pub struct ParticipationRow {
    /// Round.
    pub round_id: String,
    /// Panellist.
    pub panellist_id: String,
    /// When invited.
    pub invited_at: NaiveDateTime,
    /// First time the page was opened.
    pub opened_at: Option<NaiveDateTime>,
    /// When submitted (answers stay editable until the round closes).
    pub submitted_at: Option<NaiveDateTime>,
    /// When the panellist last saved an answer in the round, `None` while they have none
    /// (kept by [`crate::saves::save`] in the save's transaction, to
    /// [`crate::saves::ACTIVITY_STEP`]: the round monitor's last activity, and whether they
    /// started).
    pub last_saved_at: Option<NaiveDateTime>,
}

/// Inserts a round.
pub fn insert(conn: &mut DbConnection, row: &RoundRow) -> QueryResult<()> {
    diesel::insert_into(rounds::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// A round by id.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<RoundRow>> {
    rounds::table
        .find(id)
        .select(RoundRow::as_select())
        .first(conn)
        .optional()
}

/// A study's rounds in order.
pub fn for_study(conn: &mut DbConnection, study_id: &str) -> QueryResult<Vec<RoundRow>> {
    rounds::table
        .filter(rounds::study_id.eq(study_id))
        .order(rounds::number)
        .select(RoundRow::as_select())
        .load(conn)
}

/// The study's latest round, if any.
pub fn latest(conn: &mut DbConnection, study_id: &str) -> QueryResult<Option<RoundRow>> {
    rounds::table
        .filter(rounds::study_id.eq(study_id))
        .order(rounds::number.desc())
        .select(RoundRow::as_select())
        .first(conn)
        .optional()
}

/// Marks a round open.
pub fn open(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(rounds::table.find(id))
        .set((
            rounds::status.eq(RoundStatus::Open.as_str()),
            rounds::opened_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// Marks an open round closed; returns false when it was not open (a concurrent close).
pub fn close(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        rounds::table
            .find(id)
            .filter(rounds::status.eq(RoundStatus::Open.as_str())),
    )
    .set((
        rounds::status.eq(RoundStatus::Closed.as_str()),
        rounds::closed_at.eq(at),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Sets or clears the deadline.
pub fn set_deadline(
    conn: &mut DbConnection,
    id: &str,
    deadline: Option<NaiveDateTime>,
) -> QueryResult<()> {
    diesel::update(rounds::table.find(id))
        .set(rounds::deadline.eq(deadline))
        .execute(conn)
        .map(drop)
}

/// Freezes a round's items.
pub fn insert_items(conn: &mut DbConnection, rows: &[RoundItemRow]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(round_items::table)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

/// A round's items in order.
pub fn items(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<RoundItemRow>> {
    round_items::table
        .filter(round_items::round_id.eq(round_id))
        .order(round_items::position)
        .select(RoundItemRow::as_select())
        .load(conn)
}

/// One item of a round.
pub fn round_item(
    conn: &mut DbConnection,
    round_id: &str,
    item_id: &str,
) -> QueryResult<Option<RoundItemRow>> {
    round_items::table
        .find((round_id, item_id))
        .select(RoundItemRow::as_select())
        .first(conn)
        .optional()
}

/// A round's items by code: (code, item id, disposition), in display order.
pub fn item_codes(
    conn: &mut DbConnection,
    round_id: &str,
) -> QueryResult<Vec<(String, String, Disposition)>> {
    use crate::schema::items;
    let rows: Vec<(String, String, String)> = round_items::table
        .inner_join(items::table)
        .filter(round_items::round_id.eq(round_id))
        .order(round_items::position)
        .select((items::code, round_items::item_id, round_items::disposition))
        .load(conn)?;
    rows.into_iter()
        .map(|(code, id, disposition)| {
            Ok((
                code,
                id,
                Disposition::parse(&disposition).map_err(crate::damaged)?,
            ))
        })
        .collect()
}

/// Records invitations.
///
/// On PostgreSQL the planner is then told about them (`ANALYZE participations`, inside the
/// caller's transaction, which counts its own rows): a round's burst of saves comes as soon
/// as it opens, before autovacuum may have sampled the table, and a planner that believes
/// the table nearly empty finds each save's participation by the round alone, filtering the
/// whole round's invitations per save (seen under load: 100 rows read per save at 200
/// panellists, most of PostgreSQL's time) instead of looking up its primary key.
pub fn insert_participations(
    conn: &mut DbConnection,
    rows: &[ParticipationRow],
) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(participations::table)
            .values(row)
            .execute(conn)?;
    }
    if let DbConnection::Pg(pg) = conn {
        diesel::connection::SimpleConnection::batch_execute(pg, "ANALYZE participations")?;
    }
    Ok(())
}

/// Who was invited to a round.
pub fn participations(
    conn: &mut DbConnection,
    round_id: &str,
) -> QueryResult<Vec<ParticipationRow>> {
    participations::table
        .filter(participations::round_id.eq(round_id))
        .select(ParticipationRow::as_select())
        .load(conn)
}

/// One panellist's participation in a round.
pub fn participation(
    conn: &mut DbConnection,
    round_id: &str,
    panellist_id: &str,
) -> QueryResult<Option<ParticipationRow>> {
    participations::table
        .find((round_id, panellist_id))
        .select(ParticipationRow::as_select())
        .first(conn)
        .optional()
}

/// Records the first opening of the round page.
pub fn mark_opened(
    conn: &mut DbConnection,
    round_id: &str,
    panellist_id: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    // Every panellist opens the page when a round's email goes out: kept prepared.
    let statement = Fixed::new(
        "UPDATE participations SET opened_at = ? \
         WHERE round_id = ? AND panellist_id = ? AND opened_at IS NULL",
        vec![
            Bind::Timestamp(&at),
            Bind::Text(round_id),
            Bind::Text(panellist_id),
        ],
    );
    crate::with_conn!(conn, |c| statement.execute(c)).map(drop)
}

/// Records (or re-records) a submission.
pub fn mark_submitted(
    conn: &mut DbConnection,
    round_id: &str,
    panellist_id: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let statement = Fixed::new(
        "UPDATE participations SET submitted_at = ? WHERE round_id = ? AND panellist_id = ?",
        vec![
            Bind::Timestamp(&at),
            Bind::Text(round_id),
            Bind::Text(panellist_id),
        ],
    );
    crate::with_conn!(conn, |c| statement.execute(c)).map(|n| n == 1)
}

/// What a save re-checks at write time about its panellist and round.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteCheck {
    /// The panellist's link was revoked.
    pub token_revoked: bool,
    /// The panellist withdrew.
    pub withdrawn: bool,
    /// The round's status now.
    pub round_status: RoundStatus,
}

#[derive(QueryableByName)]
struct WriteCheckRow {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    token_revoked: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    withdrawn: bool,
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
}

/// The panellist's and the round's state for a write to the round, in one statement (`None`
/// when the panellist is not invited to it). On PostgreSQL the round's row is locked
/// `FOR SHARE` until the caller's transaction ends, so a close (which updates that row)
/// waits for the writes that saw the round open, and then counts them; a write that comes
/// after the close sees it closed. SQLite's one writer at a time gives the same order.
pub fn write_check(
    conn: &mut DbConnection,
    round_id: &str,
    panellist_id: &str,
) -> QueryResult<Option<WriteCheck>> {
    use crate::schema::panellists;
    let row: Option<(bool, bool, String)> = match conn {
        DbConnection::Sqlite(c) => participations::table
            .inner_join(panellists::table)
            .inner_join(rounds::table)
            .filter(
                participations::round_id
                    .eq(round_id)
                    .and(participations::panellist_id.eq(panellist_id)),
            )
            .select((
                panellists::token_revoked_at.is_not_null(),
                panellists::withdrawn_at.is_not_null(),
                rounds::status,
            ))
            .first(c)
            .optional()?,
        DbConnection::Pg(c) => Fixed::new(
            "SELECT p.token_revoked_at IS NOT NULL AS token_revoked, \
             p.withdrawn_at IS NOT NULL AS withdrawn, r.status \
             FROM participations AS pa \
             JOIN panellists AS p ON p.id = pa.panellist_id \
             JOIN rounds AS r ON r.id = pa.round_id \
             WHERE pa.round_id = ? AND pa.panellist_id = ? \
             FOR SHARE OF r",
            vec![Bind::Text(round_id), Bind::Text(panellist_id)],
        )
        .get_result::<WriteCheckRow>(c)
        .optional()?
        .map(|r| (r.token_revoked, r.withdrawn, r.status)),
    };
    row.map(|(token_revoked, withdrawn, status)| {
        Ok(WriteCheck {
            token_revoked,
            withdrawn,
            round_status: RoundStatus::parse(&status).map_err(crate::damaged)?,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    use super::*;
    use crate::fixtures::OPEN_ROUND;
    use crate::testing::TestDb;

    #[derive(QueryableByName)]
    struct Estimate {
        #[diesel(sql_type = diesel::sql_types::Float)]
        reltuples: f32,
    }

    /// PostgreSQL's planner knows a round's invitations as soon as they are recorded: its
    /// row estimate counts them (a never-analysed table estimates -1).
    #[test]
    fn recorded_invitations_are_known_to_the_postgres_planner() {
        for db in TestDb::all() {
            let mut conn = db.pool.get().unwrap();
            conn.batch_execute(OPEN_ROUND).unwrap();
            let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
                .and_then(|d| d.and_hms_opt(9, 0, 0))
                .unwrap();
            let invitation = ParticipationRow {
                round_id: "r".into(),
                panellist_id: "p3".into(),
                invited_at: at,
                opened_at: None,
                submitted_at: None,
                last_saved_at: None,
            };
            insert_participations(&mut conn, &[invitation]).unwrap();
            let DbConnection::Pg(pg) = &mut *conn else {
                continue;
            };
            let estimate = diesel::sql_query(
                "SELECT reltuples FROM pg_class WHERE relname = 'participations'",
            )
            .get_result::<Estimate>(pg)
            .unwrap();
            assert_eq!(estimate.reltuples, 3.0, "{}", db.label);
        }
    }
}
