//! Studies, their members and stakeholder groups.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use delphi_core::states::{Role, StudyStatus};

use crate::schema::{stakeholder_groups, studies, study_members};
use crate::DbConnection;

/// A row of `studies`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = studies)]
pub struct StudyRow {
    /// UUID.
    pub id: String,
    /// Unique short name.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Description shown to panellists.
    pub description: String,
    /// Consent text.
    pub consent_text: String,
    /// Draft, running or completed.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: StudyStatus,
    /// `StudySettings` as JSON.
    pub settings: String,
    /// When the consensus rule was locked (round 1 opened).
    pub rule_locked_at: Option<NaiveDateTime>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
    /// The research team's name, shown to panellists (may be empty until set).
    pub team_name: String,
    /// The team's institution.
    pub team_institution: String,
    /// The team's contact address (Reply-To of every email).
    pub team_contact: String,
    /// The ethics committee's reference.
    pub ethics_reference: String,
    /// A protocol registry id (e.g. COMET's database entry).
    pub registry_id: String,
    /// A link to the participant information.
    pub info_url: String,
    /// The study's time zone (an IANA name such as `Europe/London`).
    pub time_zone: String,
}

/// A row of `study_members`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = study_members)]
pub struct MemberRow {
    /// Study.
    pub study_id: String,
    /// User.
    pub user_id: String,
    /// Owner, researcher or analyst.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub role: Role,
    /// Added.
    pub created_at: NaiveDateTime,
}

/// A row of `stakeholder_groups`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = stakeholder_groups)]
pub struct GroupRow {
    /// UUID.
    pub id: String,
    /// Study.
    pub study_id: String,
    /// Code used in panel files.
    pub code: String,
    /// Name shown to people.
    pub name: String,
    /// Display order.
    pub position: i32,
}

/// Inserts a study.
pub fn insert(conn: &mut DbConnection, row: &StudyRow) -> QueryResult<()> {
    diesel::insert_into(studies::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// A study by id.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<StudyRow>> {
    studies::table
        .find(id)
        .select(StudyRow::as_select())
        .first(conn)
        .optional()
}

/// A study by slug.
pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<StudyRow>> {
    studies::table
        .filter(studies::slug.eq(slug))
        .select(StudyRow::as_select())
        .first(conn)
        .optional()
}

/// All studies, newest first.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<StudyRow>> {
    studies::table
        .order(studies::created_at.desc())
        .select(StudyRow::as_select())
        .load(conn)
}

/// Sets a study's status.
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: StudyStatus,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(studies::table.find(id))
        .set((
            studies::status.eq(status.as_str()),
            studies::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// Stamps the moment the consensus rule was locked.
pub fn lock_rule(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        studies::table
            .find(id)
            .filter(studies::rule_locked_at.is_null()),
    )
    .set(studies::rule_locked_at.eq(at))
    .execute(conn)
    .map(drop)
}

/// Replaces a study's settings JSON.
pub fn set_settings(
    conn: &mut DbConnection,
    id: &str,
    settings: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(studies::table.find(id))
        .set((studies::settings.eq(settings), studies::updated_at.eq(at)))
        .execute(conn)
        .map(drop)
}

/// Adds a member.
pub fn add_member(conn: &mut DbConnection, row: &MemberRow) -> QueryResult<()> {
    diesel::insert_into(study_members::table)
        .values(row.clone())
        .execute(conn)
        .map(drop)
}

/// Removes a user's role in a study (nothing when they have none).
pub fn remove_member(conn: &mut DbConnection, study_id: &str, user_id: &str) -> QueryResult<()> {
    diesel::delete(study_members::table.find((study_id, user_id)))
        .execute(conn)
        .map(drop)
}

/// A user's role in a study.
pub fn member_role(
    conn: &mut DbConnection,
    study_id: &str,
    user_id: &str,
) -> QueryResult<Option<Role>> {
    let role: Option<String> = study_members::table
        .find((study_id, user_id))
        .select(study_members::role)
        .first(conn)
        .optional()?;
    role.map(|text| Role::parse(&text).map_err(crate::damaged))
        .transpose()
}

/// Inserts a stakeholder group.
pub fn insert_group(conn: &mut DbConnection, row: &GroupRow) -> QueryResult<()> {
    diesel::insert_into(stakeholder_groups::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// A study's stakeholder groups in display order.
pub fn groups(conn: &mut DbConnection, study_id: &str) -> QueryResult<Vec<GroupRow>> {
    stakeholder_groups::table
        .filter(stakeholder_groups::study_id.eq(study_id))
        .order(stakeholder_groups::position)
        .select(GroupRow::as_select())
        .load(conn)
}
