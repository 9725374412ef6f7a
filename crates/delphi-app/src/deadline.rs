//! Extending the open round's deadline: the new date is stored and every panellist of the
//! round who has not withdrawn is emailed it through the outbox, in the same transaction.

use chrono::NaiveDateTime;
use delphi_core::lifecycle::RoundStatus;
use delphi_core::states::MailKind;
use delphi_store::outbox::{self, NewOutboxMessage};
use delphi_store::{rounds, write_tx};

use crate::access::{self, Actor, Permission};
use crate::{audit, App, AppError};

/// What extending the deadline did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Extended {
    /// The round.
    pub round: i32,
    /// The new deadline.
    pub deadline: NaiveDateTime,
    /// Messages queued (one per panellist of the round who has not withdrawn).
    pub queued: usize,
}

/// Moves the open round's deadline of the study `slug` to `deadline`, which must be in the
/// future and later than the current deadline, and queues the new date to the round's
/// panellists.
pub fn extend(
    app: &App,
    actor: &Actor,
    slug: &str,
    deadline: NaiveDateTime,
) -> Result<Extended, AppError> {
    let now = delphi_store::now();
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let round = rounds::latest(conn, &study.id)?
            .filter(|round| round.status == RoundStatus::Open)
            .ok_or_else(|| {
                AppError::Conflict("no round is open: only an open round's deadline moves".into())
            })?;
        if deadline <= now {
            return Err(AppError::invalid(
                "deadline",
                "the new deadline must be in the future",
            ));
        }
        if let Some(current) = round.deadline.filter(|current| deadline <= *current) {
            return Err(AppError::invalid(
                "deadline",
                format!(
                    "the new deadline must be later than the current one ({})",
                    crate::times::format(current, &study.time_zone)
                ),
            ));
        }
        rounds::set_deadline(conn, &round.id, Some(deadline))?;
        let settings = crate::studies::settings_of(&study)?;
        let context = crate::round_mail::context(&study, &settings, round.number, Some(deadline));
        let stamp = deadline.format("%Y%m%dT%H%M").to_string();
        let mut queued = 0;
        for (_, person) in crate::round_mail::reachable(conn, &study.id, &round.id)? {
            let added = outbox::enqueue(
                conn,
                &NewOutboxMessage {
                    study_id: Some(study.id.clone()),
                    round_id: Some(round.id.clone()),
                    panellist_id: Some(person.id.clone()),
                    kind: MailKind::DeadlineExtended,
                    recipient: person.email.clone(),
                    context: context.clone(),
                    dedupe_key: Some(format!("deadline:{}:{}:{stamp}", round.id, person.id)),
                },
                now,
            )?;
            queued += usize::from(added);
        }
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "round.deadline_extended",
            serde_json::json!({
                "round": round.number,
                "from": round.deadline.map(|d| d.to_string()),
                "to": deadline.to_string(),
                "queued": queued,
            }),
        )?;
        Ok(Extended {
            round: round.number,
            deadline,
            queued,
        })
    })
}
