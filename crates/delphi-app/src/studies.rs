//! Setting a study up: import a definition, add items and panellists, edit items, complete.

use delphi_core::definition::{ItemDefinition, PanellistDefinition, StudyDefinition};
use delphi_core::lifecycle::{self, ItemOrigin, ItemStatus, RoundStatus, StudyStatus};
use delphi_core::values::pseudonym;
use delphi_store::{items, panellists, rounds, studies, users, write_tx, DbConnection};

use crate::access::{self, Actor, Permission, Refusal};
use crate::{audit, tokens, App, AppError};

/// Creates a draft study with its groups, items and panel, all or nothing. A signed-in user
/// who creates a study becomes its owner; the operator may name an owner by email (who must
/// exist). A study of the same short name that is still a draft (no round yet), which the
/// caller may manage, is replaced by the new definition (a corrected file imported again);
/// any other is a conflict. Returns the study's id.
#[tracing::instrument(skip_all, fields(slug = %definition.slug))]
pub fn create_from_definition(
    app: &App,
    actor: &Actor,
    definition: &StudyDefinition,
    owner_email: Option<&str>,
) -> Result<String, AppError> {
    if let Err(problems) = definition.settings.validate() {
        let text: Vec<String> = problems.iter().map(|p| p.0.clone()).collect();
        return Err(AppError::invalid("settings", text.join("; ")));
    }
    let settings = serde_json::to_string(&definition.settings)
        .map_err(|e| AppError::Internal(format!("settings do not serialise: {e}")))?;
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (label, owner) = match actor {
            Actor::Operator => {
                let owner = owner_email
                    .map(|email| {
                        users::find_by_email(conn, email)?.ok_or_else(|| {
                            AppError::NotFound(format!(
                                "no user with the email {email}; create it with `delphi admin create-user`"
                            ))
                        })
                    })
                    .transpose()?;
                ("operator".to_owned(), owner)
            }
            _ => {
                let user = access::signed_in_user(conn, actor)?;
                (format!("user:{}", user.email), Some(user))
            }
        };
        let now = delphi_store::now();
        let team = &definition.team;
        let mut row = studies::StudyRow {
            id: crate::new_id(),
            slug: definition.slug.clone(),
            title: definition.title.trim().to_owned(),
            description: definition.description.trim().to_owned(),
            consent_text: definition.consent_text.trim().to_owned(),
            status: StudyStatus::Draft,
            settings,
            rule_locked_at: None,
            created_at: now,
            updated_at: now,
            team_name: team.name.clone(),
            team_institution: team.institution.clone(),
            team_contact: team.contact.clone(),
            ethics_reference: team.ethics_reference.clone(),
            registry_id: team.registry_id.clone(),
            info_url: team.info_url.clone(),
            time_zone: team.time_zone.clone(),
        };
        let replaced = match studies::find_by_slug(conn, &definition.slug)? {
            Some(existing) => {
                crate::setup::replaceable_draft(conn, actor, &existing)?;
                row.id = existing.id.clone();
                row.created_at = existing.created_at;
                delphi_store::drafts::clear_definition(conn, &row.id)?;
                delphi_store::drafts::update_study(conn, &row)?;
                true
            }
            None => {
                studies::insert(conn, &row)?;
                false
            }
        };
        let study_id = row.id.clone();
        delphi_store::drafts::set_sections(conn, &study_id, &definition.sections)?;
        for (position, group) in definition.groups.iter().enumerate() {
            studies::insert_group(
                conn,
                &studies::GroupRow {
                    id: crate::new_id(),
                    study_id: study_id.clone(),
                    code: group.code.as_str().to_owned(),
                    name: group.name.trim().to_owned(),
                    position: position as i32,
                },
            )?;
        }
        insert_items(conn, &study_id, &definition.items, ItemOrigin::Seeded, None)?;
        insert_panellists(app, conn, &study_id, &definition.panel)?;
        if let Some(user) = owner.filter(|_| !replaced) {
            studies::add_member(
                conn,
                &studies::MemberRow {
                    study_id: study_id.clone(),
                    user_id: user.id,
                    role: lifecycle::Role::Owner,
                    created_at: now,
                },
            )?;
        }
        audit::record(
            conn,
            &study_id,
            &label,
            if replaced {
                "study.replaced"
            } else {
                "study.created"
            },
            serde_json::json!({"items": definition.items.len(), "panellists": definition.panel.len()}),
        )?;
        Ok(study_id)
    })
}

/// Inserts items with the next creation times so their order is kept.
pub(crate) fn insert_items(
    conn: &mut DbConnection,
    study_id: &str,
    definitions: &[ItemDefinition],
    origin: ItemOrigin,
    origin_round: Option<i32>,
) -> Result<Vec<String>, AppError> {
    let now = delphi_store::now();
    let mut ids = Vec::new();
    let rows: Vec<items::ItemRow> = definitions
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let id = crate::new_id();
            ids.push(id.clone());
            items::ItemRow {
                id,
                study_id: study_id.to_owned(),
                code: item.code.as_str().to_owned(),
                text: item.text.trim().to_owned(),
                section: item.section.trim().to_owned(),
                origin,
                origin_round,
                replaces_id: None,
                change_note: None,
                status: ItemStatus::Active,
                created_at: now + chrono::Duration::microseconds(i as i64),
                status_reason: None,
            }
        })
        .collect();
    for row in &rows {
        if items::find_by_code(conn, study_id, &row.code)?.is_some() {
            return Err(AppError::Conflict(format!(
                "item code {} is already used in this study",
                row.code
            )));
        }
    }
    items::insert_many(conn, &rows)?;
    Ok(ids)
}

fn insert_panellists(
    app: &App,
    conn: &mut DbConnection,
    study_id: &str,
    panel: &[PanellistDefinition],
) -> Result<(), AppError> {
    let groups = studies::groups(conn, study_id)?;
    let existing = panellists::for_study(conn, study_id)?;
    let now = delphi_store::now();
    let mut rows = Vec::new();
    for (next, person) in (existing.len() + 1..).zip(panel) {
        if existing
            .iter()
            .any(|p| p.email.eq_ignore_ascii_case(person.email.as_str()))
        {
            return Err(AppError::Conflict(format!(
                "{} is already on the panel",
                person.email
            )));
        }
        let group = groups
            .iter()
            .find(|g| g.code == person.group.as_str())
            .ok_or_else(|| {
                AppError::invalid(
                    "group",
                    format!("unknown stakeholder group {}", person.group),
                )
            })?;
        let token = tokens::issue(&app.secret);
        rows.push(panellists::PanellistRow {
            id: crate::new_id(),
            study_id: study_id.to_owned(),
            group_id: group.id.clone(),
            email: person.email.as_str().to_owned(),
            name: person.name.clone(),
            pseudonym: pseudonym(next),
            token_hash: token.hash,
            token_sealed: token.sealed,
            token_revoked_at: None,
            consented_at: None,
            withdrawn_at: None,
            created_at: now,
        });
    }
    panellists::insert_many(conn, &rows)?;
    Ok(())
}

/// Adds items to a study whose first round has not opened (later, items join through the
/// next-round plan).
pub fn add_items(
    app: &App,
    actor: &Actor,
    slug: &str,
    definitions: &[ItemDefinition],
) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        if study.status != StudyStatus::Draft {
            return Err(AppError::Conflict(
                "the study is running: add items through the next round's plan".to_owned(),
            ));
        }
        insert_items(conn, &study.id, definitions, ItemOrigin::Seeded, None)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "items.added",
            serde_json::json!({"items": definitions.len()}),
        )
    })
}

/// Adds people to the panel (they are invited from the next round that opens).
pub fn add_panellists(
    app: &App,
    actor: &Actor,
    slug: &str,
    panel: &[PanellistDefinition],
) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        if study.status == StudyStatus::Completed {
            return Err(AppError::Conflict("the study is completed".to_owned()));
        }
        insert_panellists(app, conn, &study.id, panel)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "panellists.added",
            serde_json::json!({"panellists": panel.len()}),
        )
    })
}

/// Changes an item's words, only while nobody has rated it.
pub fn edit_item_text(
    app: &App,
    actor: &Actor,
    slug: &str,
    code: &str,
    text: &str,
) -> Result<(), AppError> {
    if text.trim().is_empty() {
        return Err(AppError::invalid("text", "the item text is empty"));
    }
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let item = items::find_by_code(conn, &study.id, code)?
            .ok_or_else(|| AppError::NotFound(format!("no item {code} in this study")))?;
        let rated = items::response_count(conn, &item.id)?;
        lifecycle::check_item_editable(rated as u64)?;
        items::set_text(conn, &item.id, text.trim())?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "item.edited",
            serde_json::json!({"code": code}),
        )
    })
}

/// Completes the study: no more rounds. The reason (the stopping rule's state, or the
/// researcher's own) is required and audited.
pub fn complete(app: &App, actor: &Actor, slug: &str, reason: &str) -> Result<(), AppError> {
    let reason = delphi_core::text::clean(delphi_core::text::TextKind::Reason, reason)
        .map_err(|e| AppError::invalid("reason", e.0))?;
    if reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            "say why the study is complete (e.g. the stopping rule's state)",
        ));
    }
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let open = rounds::for_study(conn, &study.id)?
            .iter()
            .any(|r| r.status == RoundStatus::Open);
        lifecycle::check_complete(study.status, open)?;
        studies::set_status(conn, &study.id, StudyStatus::Completed, delphi_store::now())?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "study.completed",
            serde_json::json!({"reason": reason}),
        )
    })
}

/// The panellist with this pseudonym in the study, or "not found".
fn panellist_of(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
    pseudonym: &str,
) -> Result<panellists::PanellistRow, AppError> {
    panellists::for_study(conn, &study.id)?
        .into_iter()
        .find(|p| p.pseudonym == pseudonym)
        .ok_or_else(|| AppError::NotFound(format!("this study has no panellist {pseudonym}")))
}

/// Issues a new link for a panellist (the old link stops working). Returns the new link.
pub fn reissue_link(
    app: &App,
    actor: &Actor,
    slug: &str,
    pseudonym: &str,
) -> Result<String, AppError> {
    let token = tokens::issue(&app.secret);
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let person = panellist_of(conn, &study, pseudonym)?;
        panellists::replace_token(conn, &person.id, &token.hash, &token.sealed)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "panellist.link_reissued",
            serde_json::json!({"pseudonym": person.pseudonym}),
        )
    })?;
    Ok(tokens::link(&app.base_url, &token.token))
}

/// Revokes a panellist's link.
pub fn revoke_link(app: &App, actor: &Actor, slug: &str, pseudonym: &str) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let person = panellist_of(conn, &study, pseudonym)?;
        panellists::revoke_token(conn, &person.id, delphi_store::now())?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "panellist.link_revoked",
            serde_json::json!({"pseudonym": person.pseudonym}),
        )
    })
}

/// Loads a study by id (for use cases that reached it through a row they already hold).
pub(crate) fn load(conn: &mut DbConnection, study_id: &str) -> Result<studies::StudyRow, AppError> {
    studies::find(conn, study_id)?.ok_or_else(|| {
        AppError::Refused(Refusal::NoSuchStudy {
            slug: study_id.to_owned(),
        })
    })
}

/// Reads a study's settings.
pub(crate) fn settings_of(
    study: &studies::StudyRow,
) -> Result<delphi_core::StudySettings, AppError> {
    parse_settings(&study.settings, &study.slug)
}

/// Reads a study's stored settings (`study` names it in the error).
pub(crate) fn parse_settings(
    json: &str,
    study: &str,
) -> Result<delphi_core::StudySettings, AppError> {
    serde_json::from_str(json)
        .map_err(|e| AppError::Internal(format!("stored settings of {study} do not parse: {e}")))
}
