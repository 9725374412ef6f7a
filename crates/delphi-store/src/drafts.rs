//! Changes a study allows only while it is being set up (or, for the texts and team, at any
//! time): the study's own fields, replacing a draft's definition, items moved, reordered or
//! deleted, panellists moved between groups or removed before they are invited.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{
    items, panellists, participations, stakeholder_groups, studies, study_sections,
};
use crate::studies::StudyRow;
use crate::DbConnection;

/// Writes a study's texts, settings and team from `row` (its id, slug, status and times of
/// creation and locking are left as they are).
pub fn update_study(conn: &mut DbConnection, row: &StudyRow) -> QueryResult<()> {
    diesel::update(studies::table.find(&row.id))
        .set((
            studies::title.eq(&row.title),
            studies::description.eq(&row.description),
            studies::consent_text.eq(&row.consent_text),
            studies::settings.eq(&row.settings),
            studies::team_name.eq(&row.team_name),
            studies::team_institution.eq(&row.team_institution),
            studies::team_contact.eq(&row.team_contact),
            studies::ethics_reference.eq(&row.ethics_reference),
            studies::registry_id.eq(&row.registry_id),
            studies::info_url.eq(&row.info_url),
            studies::time_zone.eq(&row.time_zone),
            studies::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(drop)
}

/// Removes a draft's panel, items and groups (before its definition is imported again).
pub fn clear_definition(conn: &mut DbConnection, study_id: &str) -> QueryResult<()> {
    diesel::delete(panellists::table.filter(panellists::study_id.eq(study_id))).execute(conn)?;
    diesel::delete(items::table.filter(items::study_id.eq(study_id))).execute(conn)?;
    diesel::delete(stakeholder_groups::table.filter(stakeholder_groups::study_id.eq(study_id)))
        .execute(conn)?;
    Ok(())
}

/// Replaces the sections a study declares.
pub fn set_sections(conn: &mut DbConnection, study_id: &str, names: &[String]) -> QueryResult<()> {
    diesel::delete(study_sections::table.filter(study_sections::study_id.eq(study_id)))
        .execute(conn)?;
    for (position, name) in names.iter().enumerate() {
        diesel::insert_into(study_sections::table)
            .values((
                study_sections::study_id.eq(study_id),
                study_sections::position.eq(position as i32),
                study_sections::name.eq(name),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The sections a study declares, in order (empty for a study imported without a list).
pub fn sections(conn: &mut DbConnection, study_id: &str) -> QueryResult<Vec<String>> {
    study_sections::table
        .filter(study_sections::study_id.eq(study_id))
        .order(study_sections::position)
        .select(study_sections::name)
        .load(conn)
}

/// Changes an item's section.
pub fn set_item_section(conn: &mut DbConnection, id: &str, section: &str) -> QueryResult<()> {
    diesel::update(items::table.find(id))
        .set(items::section.eq(section))
        .execute(conn)
        .map(drop)
}

/// Sets the time that orders an item among the study's items (items are listed by it).
pub fn set_item_order(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(items::table.find(id))
        .set(items::created_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// Deletes an item nobody has rated (the caller checks).
pub fn delete_item(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::delete(items::table.find(id))
        .execute(conn)
        .map(drop)
}

/// Moves a panellist to another group.
pub fn set_panellist_group(conn: &mut DbConnection, id: &str, group_id: &str) -> QueryResult<()> {
    diesel::update(panellists::table.find(id))
        .set(panellists::group_id.eq(group_id))
        .execute(conn)
        .map(drop)
}

/// Deletes a panellist who was never invited (the caller checks with [`invitations`]).
pub fn delete_panellist(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::delete(panellists::table.find(id))
        .execute(conn)
        .map(drop)
}

/// How many rounds a panellist was invited to.
pub fn invitations(conn: &mut DbConnection, panellist_id: &str) -> QueryResult<i64> {
    participations::table
        .filter(participations::panellist_id.eq(panellist_id))
        .count()
        .get_result(conn)
}

/// A study's members, oldest first.
pub fn members(
    conn: &mut DbConnection,
    study_id: &str,
) -> QueryResult<Vec<crate::studies::MemberRow>> {
    use crate::schema::study_members;
    study_members::table
        .filter(study_members::study_id.eq(study_id))
        .order(study_members::created_at)
        .select(crate::studies::MemberRow::as_select())
        .load(conn)
}
