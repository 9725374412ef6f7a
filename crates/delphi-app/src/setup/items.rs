//! A draft study's items: list, add one, edit its words or section, move it up or down,
//! delete it. (More from a file: [`super::files::import_items`].)

use delphi_core::definition::ItemDefinition;
use delphi_core::lifecycle::ItemOrigin;
use delphi_core::text::{self, TextKind};
use delphi_core::values::ItemCode;
use delphi_store::{drafts, items, read_tx, studies, write_tx, DbConnection};
use serde::Serialize;

use super::draft_study;
use crate::access::{self, Actor, Permission};
use crate::{audit, App, AppError};

/// One item as the items page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemLine {
    /// Code.
    pub code: String,
    /// Section.
    pub section: String,
    /// Words.
    pub text: String,
}

/// A study's items with what may be done to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemsView {
    /// Short name.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Whether the study is still a draft (items can change).
    pub draft: bool,
    /// Whether the caller may change them.
    pub can_manage: bool,
    /// The sections, in order.
    pub sections: Vec<String>,
    /// The items in the study's order.
    pub items: Vec<ItemLine>,
}

/// The sections of a study: those it declares, then any its items use besides.
pub(crate) fn sections_of(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
) -> Result<Vec<String>, AppError> {
    let mut sections = drafts::sections(conn, &study.id)?;
    for item in items::for_study(conn, &study.id)? {
        if !sections.contains(&item.section) {
            sections.push(item.section);
        }
    }
    Ok(sections)
}

/// The items page of a study.
pub fn list(app: &App, actor: &Actor, slug: &str) -> Result<ItemsView, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Read)?;
        let draft = super::is_draft(conn, &study)?;
        let items = items::for_study(conn, &study.id)?
            .into_iter()
            .map(|i| ItemLine {
                code: i.code,
                section: i.section,
                text: i.text,
            })
            .collect();
        Ok(ItemsView {
            sections: sections_of(conn, &study)?,
            slug: study.slug,
            title: study.title,
            draft,
            can_manage: grant.may_manage(),
            items,
        })
    })
}

/// An item's words and section as typed, cleaned and checked against the study's sections.
fn checked(sections: &[String], section: &str, words: &str) -> Result<(String, String), AppError> {
    let words =
        text::clean(TextKind::ItemText, words).map_err(|e| AppError::invalid("text", e.0))?;
    if words.is_empty() {
        return Err(AppError::invalid("text", "the item text is empty"));
    }
    let section =
        text::clean(TextKind::Section, section).map_err(|e| AppError::invalid("section", e.0))?;
    if section.is_empty() {
        return Err(AppError::invalid("section", "choose a section"));
    }
    if !sections.is_empty() && !sections.contains(&section) {
        return Err(AppError::invalid(
            "section",
            format!(
                "unknown section {section:?} (the study has {})",
                sections.join(", ")
            ),
        ));
    }
    Ok((section, words))
}

/// Adds one item to a draft study.
pub fn add(
    app: &App,
    actor: &Actor,
    slug: &str,
    code: &str,
    section: &str,
    words: &str,
) -> Result<(), AppError> {
    let code = ItemCode::parse(code).map_err(|e| AppError::invalid("code", e.0))?;
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = draft_study(conn, actor, slug, "items can be added here")?;
        let (section, text) = checked(&sections_of(conn, &study)?, section, words)?;
        let definition = ItemDefinition {
            code: code.clone(),
            section,
            text,
        };
        crate::studies::insert_items(conn, &study.id, &[definition], ItemOrigin::Seeded, None)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "item.added",
            serde_json::json!({"code": code.as_str()}),
        )
    })
}

fn item_of(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
    code: &str,
) -> Result<items::ItemRow, AppError> {
    items::find_by_code(conn, &study.id, code)?
        .ok_or_else(|| AppError::NotFound(format!("no item {code} in this study")))
}

/// Changes a draft item's words and section.
pub fn edit(
    app: &App,
    actor: &Actor,
    slug: &str,
    code: &str,
    section: &str,
    words: &str,
) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = draft_study(conn, actor, slug, "items can be edited here")?;
        let item = item_of(conn, &study, code)?;
        let (section, text) = checked(&sections_of(conn, &study)?, section, words)?;
        items::set_text(conn, &item.id, &text)?;
        drafts::set_item_section(conn, &item.id, &section)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "item.edited",
            serde_json::json!({"code": code, "section": section}),
        )
    })
}

/// Which way an item moves in the study's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// One place earlier.
    Up,
    /// One place later.
    Down,
}

/// Moves a draft item one place up or down (swapping with its neighbour).
pub fn reorder(
    app: &App,
    actor: &Actor,
    slug: &str,
    code: &str,
    direction: Direction,
) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = draft_study(conn, actor, slug, "items can be moved here")?;
        let all = items::for_study(conn, &study.id)?;
        let at = all
            .iter()
            .position(|i| i.code == code)
            .ok_or_else(|| AppError::NotFound(format!("no item {code} in this study")))?;
        let other = match direction {
            Direction::Up if at > 0 => at - 1,
            Direction::Down if at + 1 < all.len() => at + 1,
            _ => return Ok(()),
        };
        let (a, b) = (&all[at], &all[other]);
        let (a_at, mut b_at) = (a.created_at, b.created_at);
        if a_at == b_at {
            b_at += chrono::Duration::microseconds(if other > at { 1 } else { -1 });
        }
        drafts::set_item_order(conn, &a.id, b_at)?;
        drafts::set_item_order(conn, &b.id, a_at)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "item.moved",
            serde_json::json!({"code": code, "position": other + 1}),
        )
    })
}

/// Deletes a draft item.
pub fn delete(app: &App, actor: &Actor, slug: &str, code: &str) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = draft_study(conn, actor, slug, "items can be deleted")?;
        let item = item_of(conn, &study, code)?;
        drafts::delete_item(conn, &item.id)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "item.deleted",
            serde_json::json!({"code": code}),
        )
    })
}
