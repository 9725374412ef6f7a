//! What PostgreSQL's batched writes share ([`crate::saves::save_many`] and
//! [`crate::submissions::submit_many`]): the writes of a group commit's batch go as rows of
//! one statement, numbered by their places in the batch. Each statement joins every row to
//! its participation by the live link and locks the round `FOR SHARE` (so a close waits for
//! it), writes the rows that may write, and returns per row what its check found.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};

use crate::damaged;
use crate::rounds::WriteCheck;
use crate::saves::{outcome_of, SaveOutcome};
use delphi_core::lifecycle::RoundStatus;

/// Rows most written by one statement.
pub const MAX_ROWS: usize = 64;

/// The `target` CTE's columns after `i.*` and the caller's own, and its joins: the input
/// row (`input i`, with `round_id`, `panellist_id` and `link_hash`) joined to its
/// participation by the panellist's live link, its round locked.
pub(crate) const TARGET_CHECKS: &str = "r.status AS round_status, \
     p.token_revoked_at IS NOT NULL AS token_revoked, \
     p.withdrawn_at IS NOT NULL AS withdrawn FROM input i \
     JOIN participations pa ON pa.round_id = i.round_id \
     AND pa.panellist_id = i.panellist_id \
     JOIN panellists p ON p.id = pa.panellist_id AND p.token_hash = i.link_hash \
     JOIN rounds r ON r.id = pa.round_id FOR SHARE OF r)";

/// The end of every batched statement: a [`FoundRow`] per row that found its participation.
pub(crate) const FOUND: &str = " SELECT n, round_status, token_revoked, withdrawn FROM target";

/// What a batched statement returns for a row: its place and what its check found.
#[derive(QueryableByName)]
pub(crate) struct FoundRow {
    #[diesel(sql_type = Integer)]
    n: i32,
    #[diesel(sql_type = Text)]
    round_status: String,
    #[diesel(sql_type = Bool)]
    token_revoked: bool,
    #[diesel(sql_type = Bool)]
    withdrawn: bool,
}

/// Writes `writes` by `statement` (given rows numbered by their places, it runs them and
/// returns their [`FoundRow`]s) in statements of up to [`MAX_ROWS`], and returns each
/// write's outcome in order. Writes of the same `key` go in statements one after the other,
/// in their order (a statement may touch a row only once).
pub(crate) fn in_turns<'w, W, K: Eq + std::hash::Hash>(
    pg: &mut PgConnection,
    writes: &'w [W],
    key: impl Fn(&'w W) -> K,
    mut statement: impl FnMut(&mut PgConnection, &[(i32, &'w W)]) -> QueryResult<Vec<FoundRow>>,
) -> QueryResult<Vec<SaveOutcome>> {
    let mut found: Vec<Option<WriteCheck>> = vec![None; writes.len()];
    for this_turn in turns(writes.iter().map(key)) {
        for chunk in this_turn.chunks(MAX_ROWS) {
            let rows: Vec<(i32, &W)> = chunk
                .iter()
                .map(|n| Ok((i32::try_from(*n).map_err(damaged)?, &writes[*n])))
                .collect::<QueryResult<_>>()?;
            for back in statement(pg, &rows)? {
                let n = usize::try_from(back.n).map_err(damaged)?;
                let slot = found
                    .get_mut(n)
                    .ok_or_else(|| broken(&format!("a batched row came back as #{n}")))?;
                *slot = Some(WriteCheck {
                    token_revoked: back.token_revoked,
                    withdrawn: back.withdrawn,
                    round_status: RoundStatus::parse(&back.round_status).map_err(damaged)?,
                });
            }
        }
    }
    Ok(found.into_iter().map(outcome_of).collect())
}

/// The error for a batched statement that did not answer as it must (a bug, not bad input).
pub(crate) fn broken(what: &str) -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError(what.into())
}

/// The writes of a batch in turns, by their places in it: a write goes in the turn after the
/// last one holding a write of the same key, so writes of one key keep their order and the
/// first turn holds most of the batch.
fn turns<K: Eq + std::hash::Hash>(keys: impl Iterator<Item = K>) -> Vec<Vec<usize>> {
    let mut seen: std::collections::HashMap<K, usize> = std::collections::HashMap::new();
    let mut turns: Vec<Vec<usize>> = Vec::new();
    for (n, key) in keys.enumerate() {
        let count = seen.entry(key).or_insert(0);
        if turns.len() <= *count {
            turns.push(Vec::new());
        }
        turns[*count].push(n);
        *count += 1;
    }
    turns
}

/// The query traits of a statement built by hand whose text depends on how many rows it
/// has (the prepared-statement cache keys it by that text).
macro_rules! untyped_statement {
    ($name:ident) => {
        impl diesel::query_builder::QueryId for $name<'_> {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }

        impl diesel::query_builder::Query for $name<'_> {
            type SqlType = diesel::sql_types::Untyped;
        }

        impl<Conn> diesel::query_dsl::RunQueryDsl<Conn> for $name<'_> {}
    };
}
pub(crate) use untyped_statement;
