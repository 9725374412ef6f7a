//! A study's panel: list, add one, remove one not yet invited, change a group, withdraw
//! someone who asked by email, revoke a link, issue a new one (emailed through the outbox
//! when a round is open). More from a file: [`super::files::import_panel`].

use delphi_core::definition::PanellistDefinition;
use delphi_core::lifecycle::{RoundStatus, StudyStatus};
use delphi_core::states::MailKind;
use delphi_core::text::{self, TextKind};
use delphi_core::values::{Email, GroupCode};
use delphi_store::outbox::{self, NewOutboxMessage};
use delphi_store::{drafts, panellists, read_tx, rounds, studies, write_tx, DbConnection};
use serde::Serialize;

use crate::access::{self, Actor, Permission};
use crate::{audit, tokens, App, AppError};

/// One panellist as the panel page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonLine {
    /// Study code.
    pub pseudonym: String,
    /// Address (empty for a caller who may not see contacts).
    pub email: String,
    /// Name (empty when unknown or hidden).
    pub name: String,
    /// Stakeholder group code.
    pub group: String,
    /// Invited to at least one round (cannot be removed, only withdrawn).
    pub invited: bool,
    /// Withdrawn.
    pub withdrawn: bool,
    /// Their link is revoked.
    pub revoked: bool,
}

/// A stakeholder group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupLine {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A study's panel with what the caller may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PanelView {
    /// Short name.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Whether the caller may change the panel.
    pub can_manage: bool,
    /// Whether the study is completed (the panel no longer changes).
    pub completed: bool,
    /// Groups in order.
    pub groups: Vec<GroupLine>,
    /// The panel in pseudonym order.
    pub people: Vec<PersonLine>,
}

/// The panel page of a study.
pub fn list(app: &App, actor: &Actor, slug: &str) -> Result<PanelView, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Read)?;
        let groups = studies::groups(conn, &study.id)?;
        let contacts = grant.sees_contacts();
        let mut people = Vec::new();
        for person in panellists::for_study(conn, &study.id)? {
            let group = groups
                .iter()
                .find(|g| g.id == person.group_id)
                .map(|g| g.code.clone())
                .unwrap_or_default();
            people.push(PersonLine {
                invited: drafts::invitations(conn, &person.id)? > 0,
                withdrawn: person.withdrawn_at.is_some(),
                revoked: person.token_revoked_at.is_some(),
                email: if contacts {
                    person.email
                } else {
                    String::new()
                },
                name: if contacts {
                    person.name.unwrap_or_default()
                } else {
                    String::new()
                },
                pseudonym: person.pseudonym,
                group,
            });
        }
        Ok(PanelView {
            slug: study.slug,
            title: study.title,
            can_manage: grant.may_manage(),
            completed: study.status == StudyStatus::Completed,
            groups: groups
                .into_iter()
                .map(|g| GroupLine {
                    code: g.code,
                    name: g.name,
                })
                .collect(),
            people,
        })
    })
}

/// Adds one person to the panel (invited from the next round that opens).
pub fn add_one(
    app: &App,
    actor: &Actor,
    slug: &str,
    email: &str,
    name: &str,
    group: &str,
) -> Result<(), AppError> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.0))?;
    let name = text::clean(TextKind::Name, name).map_err(|e| AppError::invalid("name", e.0))?;
    let group = GroupCode::parse(group).map_err(|e| AppError::invalid("group", e.0))?;
    let person = PanellistDefinition {
        email,
        name: Some(name).filter(|n| !n.is_empty()),
        group,
    };
    crate::studies::add_panellists(app, actor, slug, &[person])
}

/// The panellist `pseudonym` of a study the caller may manage.
fn managed(
    conn: &mut DbConnection,
    actor: &Actor,
    slug: &str,
    pseudonym: &str,
) -> Result<(studies::StudyRow, access::Grant, panellists::PanellistRow), AppError> {
    let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
    let person = panellists::for_study(conn, &study.id)?
        .into_iter()
        .find(|p| p.pseudonym == pseudonym)
        .ok_or_else(|| AppError::NotFound(format!("this study has no panellist {pseudonym}")))?;
    Ok((study, grant, person))
}

/// Removes someone who was never invited (an invited panellist can only withdraw).
pub fn remove(app: &App, actor: &Actor, slug: &str, pseudonym: &str) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant, person) = managed(conn, actor, slug, pseudonym)?;
        if drafts::invitations(conn, &person.id)? > 0 {
            return Err(AppError::Conflict(format!(
                "{pseudonym} has been invited to a round: record a withdrawal instead"
            )));
        }
        drafts::delete_panellist(conn, &person.id)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "panellist.removed",
            serde_json::json!({"pseudonym": pseudonym}),
        )
    })
}

/// Moves a panellist to another stakeholder group (their answers so far count under the group
/// they are in when a round closes).
pub fn change_group(
    app: &App,
    actor: &Actor,
    slug: &str,
    pseudonym: &str,
    group: &str,
) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant, person) = managed(conn, actor, slug, pseudonym)?;
        let groups = studies::groups(conn, &study.id)?;
        let target = groups.iter().find(|g| g.code == group).ok_or_else(|| {
            let codes: Vec<&str> = groups.iter().map(|g| g.code.as_str()).collect();
            AppError::invalid(
                "group",
                format!(
                    "unknown group {group:?} (the study has {})",
                    codes.join(", ")
                ),
            )
        })?;
        drafts::set_panellist_group(conn, &person.id, &target.id)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "panellist.group_changed",
            serde_json::json!({"pseudonym": pseudonym, "group": group}),
        )
    })
}

/// Records the withdrawal of a panellist who asked by email (and sends the confirmation).
pub fn withdraw_on_request(
    app: &App,
    actor: &Actor,
    slug: &str,
    pseudonym: &str,
) -> Result<(), AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant, person) = managed(conn, actor, slug, pseudonym)?;
        if person.withdrawn_at.is_some() {
            return Ok(());
        }
        crate::participation::mark_withdrawn(conn, &study, &person)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "panellist.withdrawn_on_request",
            serde_json::json!({"pseudonym": pseudonym}),
        )
    })
}

/// What [`reissue`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reissued {
    /// The new link (shown once to the researcher).
    pub link: String,
    /// Whether it was queued to the panellist (a round is open and they are invited to it).
    pub emailed: bool,
}

/// Issues a new link (the old one stops at once, answering like an unknown link) and, when
/// the panellist is invited to the open round, emails it through the outbox.
pub fn reissue(
    app: &App,
    actor: &Actor,
    slug: &str,
    pseudonym: &str,
) -> Result<Reissued, AppError> {
    let token = tokens::issue(&app.secret);
    let mut conn = app.conn()?;
    let emailed = write_tx(&mut conn, |conn| {
        let (study, grant, person) = managed(conn, actor, slug, pseudonym)?;
        if person.withdrawn_at.is_some() {
            return Err(AppError::Conflict(format!(
                "{pseudonym} has withdrawn: their link is not reissued"
            )));
        }
        panellists::replace_token(conn, &person.id, &token.hash, &token.sealed)?;
        let now = delphi_store::now();
        let open = rounds::for_study(conn, &study.id)?
            .into_iter()
            .find(|r| r.status == RoundStatus::Open);
        let mut emailed = false;
        if let Some(round) = open {
            if rounds::participation(conn, &round.id, &person.id)?.is_some() {
                let kind = if round.number == 1 {
                    MailKind::Invitation
                } else {
                    MailKind::RoundOpened
                };
                let settings = crate::studies::settings_of(&study)?;
                emailed = outbox::enqueue(
                    conn,
                    &NewOutboxMessage {
                        study_id: Some(study.id.clone()),
                        round_id: Some(round.id.clone()),
                        panellist_id: Some(person.id.clone()),
                        kind,
                        recipient: person.email.clone(),
                        context: crate::round_mail::context(
                            &study,
                            &settings,
                            round.number,
                            round.deadline,
                        ),
                        dedupe_key: Some(format!("reissue:{}:{}", person.id, crate::new_id())),
                    },
                    now,
                )?;
            }
        }
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "panellist.link_reissued",
            serde_json::json!({"pseudonym": pseudonym, "emailed": emailed}),
        )?;
        Ok(emailed)
    })?;
    Ok(Reissued {
        link: tokens::link(&app.base_url, &token.token),
        emailed,
    })
}
