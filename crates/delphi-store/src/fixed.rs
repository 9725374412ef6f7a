//! Statements of fixed text with typed binds, for the writes made many times a second.
//!
//! diesel keeps a statement prepared (parsed and planned once per connection) only when it
//! can tell its text never changes, and it never can for an update, an upsert, an insert with
//! optional columns or `sql_query`: PostgreSQL then parses and plans such a statement every
//! time. A [`Fixed`] statement's text is a constant, so diesel's cache keys it by that text
//! and the bind types, and prepares it once. `?` marks each bind in the text (the text holds
//! no other `?`); on PostgreSQL diesel writes them `$1`, `$2`...

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::Error::QueryBuilderError;
use diesel::serialize::ToSql;
use diesel::sql_types::{Bool, HasSqlType, Integer, Nullable, Text, Timestamp, Untyped};

/// One bound value, in the order of the `?` it fills.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bind<'a> {
    /// Text.
    Text(&'a str),
    /// Text or NULL.
    NullableText(Option<&'a str>),
    /// A 32-bit integer.
    Integer(i32),
    /// A 32-bit integer or NULL.
    NullableInteger(Option<i32>),
    /// A boolean.
    Bool(bool),
    /// A timestamp.
    Timestamp(&'a NaiveDateTime),
}

/// A statement of fixed `sql` with its `binds` (see the module).
#[derive(Debug, Clone)]
pub(crate) struct Fixed<'a> {
    sql: &'static str,
    binds: Vec<Bind<'a>>,
}

impl<'a> Fixed<'a> {
    /// `sql` with a `?` for each of `binds`, in order.
    pub(crate) fn new(sql: &'static str, binds: Vec<Bind<'a>>) -> Self {
        Self { sql, binds }
    }
}

impl<DB> QueryFragment<DB> for Fixed<'_>
where
    DB: Backend + HasSqlType<Text> + HasSqlType<Integer> + HasSqlType<Timestamp> + HasSqlType<Bool>,
    str: ToSql<Text, DB>,
    i32: ToSql<Integer, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
    bool: ToSql<Bool, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let mut parts = self.sql.split('?');
        if self.sql.matches('?').count() != self.binds.len() {
            return Err(QueryBuilderError(
                format!(
                    "a fixed statement has {} binds for its {} markers: {}",
                    self.binds.len(),
                    self.sql.matches('?').count(),
                    self.sql
                )
                .into(),
            ));
        }
        out.push_sql(parts.next().unwrap_or_default());
        for (bind, part) in self.binds.iter().zip(parts) {
            match bind {
                Bind::Text(v) => out.push_bind_param::<Text, _>(*v)?,
                Bind::NullableText(v) => out.push_bind_param::<Nullable<Text>, _>(v)?,
                Bind::Integer(v) => out.push_bind_param::<Integer, _>(v)?,
                Bind::NullableInteger(v) => out.push_bind_param::<Nullable<Integer>, _>(v)?,
                Bind::Bool(v) => out.push_bind_param::<Bool, _>(v)?,
                Bind::Timestamp(v) => out.push_bind_param::<Timestamp, _>(*v)?,
            }
            out.push_sql(part);
        }
        Ok(())
    }
}

impl QueryId for Fixed<'_> {
    // No type of its own: the cache keys it by its text and bind types.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Fixed<'_> {
    type SqlType = Untyped;
}

impl<Conn> RunQueryDsl<Conn> for Fixed<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDb;
    use crate::with_conn;

    #[test]
    fn binds_fill_their_markers_and_a_miscount_is_an_error() {
        for db in TestDb::all() {
            let mut conn = db.pool.get().unwrap();
            #[derive(QueryableByName, PartialEq, Debug)]
            struct Row {
                #[diesel(sql_type = Text)]
                word: String,
                #[diesel(sql_type = Integer)]
                number: i32,
            }
            let row: Row = with_conn!(&mut *conn, |c| Fixed::new(
                "SELECT ? AS word, ? AS number",
                vec![Bind::Text("seven"), Bind::Integer(7)],
            )
            .get_result(c))
            .unwrap();
            assert_eq!(
                (row.word.as_str(), row.number),
                ("seven", 7),
                "{}",
                db.label
            );
            let wrong = with_conn!(&mut *conn, |c| Fixed::new(
                "SELECT ? AS word, ? AS number",
                vec![Bind::Text("seven")],
            )
            .get_result::<Row>(c));
            assert!(wrong.is_err(), "{}", db.label);
        }
    }
}
