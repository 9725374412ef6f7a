//! Opening a round: freeze its items, record who is invited, queue one email each.

use chrono::NaiveDateTime;
use delphi_core::lifecycle::{self, Disposition, ItemStatus, RoundStatus, StudyStatus};
use delphi_core::states::MailKind;
use delphi_store::outbox::{self, NewOutboxMessage};
use delphi_store::{items, panellists, rounds, studies, write_tx, DbConnection};

use crate::access::{self, Actor, Permission};
use crate::{audit, App, AppError};

/// What the researcher sets when a round opens.
#[derive(Debug, Clone, Default)]
pub struct RoundOptions {
    /// Optional deadline (UTC), shown to panellists and used for reminders.
    pub deadline: Option<NaiveDateTime>,
    /// Instructions shown at the top of the round.
    pub instructions: String,
}

/// The round that opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedRound {
    /// Round id.
    pub round_id: String,
    /// Round number.
    pub number: i32,
    /// Items asked (and shown for information).
    pub items: usize,
    /// Panellists invited (one email queued for each).
    pub invited: usize,
}

/// Opens round 1 with every active item and everyone not withdrawn; locks the consensus rule.
#[tracing::instrument(skip_all, fields(study_id))]
pub fn open_first_round(
    app: &App,
    actor: &Actor,
    slug: &str,
    options: &RoundOptions,
) -> Result<OpenedRound, AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let study_id = study.id.as_str();
        if !rounds::for_study(conn, study_id)?.is_empty() {
            return Err(AppError::Conflict(
                "round 1 has already opened; plan the next round from the last one's results"
                    .to_owned(),
            ));
        }
        let items: Vec<(String, Disposition)> = items::for_study(conn, study_id)?
            .into_iter()
            .filter(|i| i.status == ItemStatus::Active)
            .map(|i| (i.id, Disposition::New))
            .collect();
        let invited: Vec<panellists::PanellistRow> = panellists::for_study(conn, study_id)?
            .into_iter()
            .filter(|p| p.withdrawn_at.is_none())
            .collect();
        open_round_with(
            conn,
            &study,
            &grant.label,
            1,
            &items,
            &invited,
            options,
            serde_json::Value::Null,
        )
    })
}

/// Creates and opens round `number` inside the caller's transaction; `actor` is the audit
/// label of who opens it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn open_round_with(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
    actor: &str,
    number: i32,
    items: &[(String, Disposition)],
    invited: &[panellists::PanellistRow],
    options: &RoundOptions,
    changes: serde_json::Value,
) -> Result<OpenedRound, AppError> {
    let any_open = rounds::for_study(conn, &study.id)?
        .iter()
        .any(|r| r.status == RoundStatus::Open);
    lifecycle::check_open_round(study.status, any_open, items.len(), invited.len())?;
    let now = delphi_store::now();
    if let Some(deadline) = options.deadline {
        if deadline <= now {
            return Err(AppError::invalid(
                "deadline",
                "the deadline must be in the future",
            ));
        }
    }
    let round_id = crate::new_id();
    rounds::insert(
        conn,
        &rounds::RoundRow {
            id: round_id.clone(),
            study_id: study.id.clone(),
            number,
            status: RoundStatus::Open,
            instructions: options.instructions.trim().to_owned(),
            deadline: options.deadline,
            opened_at: Some(now),
            closed_at: None,
            created_at: now,
        },
    )?;
    let round_items: Vec<rounds::RoundItemRow> = items
        .iter()
        .enumerate()
        .map(|(position, (item_id, disposition))| rounds::RoundItemRow {
            round_id: round_id.clone(),
            item_id: item_id.clone(),
            position: position as i32,
            disposition: *disposition,
        })
        .collect();
    rounds::insert_items(conn, &round_items)?;
    let participations: Vec<rounds::ParticipationRow> = invited
        .iter()
        .map(|p| rounds::ParticipationRow {
            round_id: round_id.clone(),
            panellist_id: p.id.clone(),
            invited_at: now,
            opened_at: None,
            submitted_at: None,
            last_saved_at: None,
        })
        .collect();
    rounds::insert_participations(conn, &participations)?;
    let kind = if number == 1 {
        MailKind::Invitation
    } else {
        MailKind::RoundOpened
    };
    let settings = crate::studies::settings_of(study)?;
    let mut context = crate::round_mail::context(study, &settings, number, options.deadline);
    context["changes"] = changes;
    for person in invited {
        outbox::enqueue(
            conn,
            &NewOutboxMessage {
                study_id: Some(study.id.clone()),
                round_id: Some(round_id.clone()),
                panellist_id: Some(person.id.clone()),
                kind,
                recipient: person.email.clone(),
                context: context.clone(),
                dedupe_key: Some(format!("{kind}:{round_id}:{}", person.id)),
            },
            now,
        )?;
    }
    if number == 1 {
        studies::lock_rule(conn, &study.id, now)?;
        studies::set_status(conn, &study.id, StudyStatus::Running, now)?;
    }
    audit::record(
        conn,
        &study.id,
        actor,
        "round.opened",
        serde_json::json!({"round": number, "items": items.len(), "invited": invited.len()}),
    )?;
    Ok(OpenedRound {
        round_id,
        number,
        items: items.len(),
        invited: invited.len(),
    })
}
