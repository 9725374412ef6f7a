//! Reminders to the panellists of an open round who have not submitted: on demand, and on a
//! schedule (N days before the deadline). Each is queued with a dedupe key per panellist,
//! round and occasion, so nobody gets the same reminder twice however often it is asked for.

use chrono::NaiveDateTime;
use delphi_core::lifecycle::RoundStatus;
use delphi_core::states::MailKind;
use delphi_store::outbox::{self, NewOutboxMessage};
use delphi_store::{rounds, studies, write_tx, DbConnection};

use crate::access::{self, Actor, Permission};
use crate::{audit, App, AppError};

/// What a reminder request did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReminderReport {
    /// Reminders queued now.
    pub queued: usize,
    /// Non-submitters who already had this reminder (not queued again).
    pub already_reminded: usize,
}

/// Queues a reminder now to everyone invited to the open round of the study `slug` who has
/// not submitted and has not withdrawn. `occasion` names this reminder (the dedupe key): by
/// default the day, so pressing the button twice on one day sends one reminder.
pub fn remind_now(
    app: &App,
    actor: &Actor,
    slug: &str,
    occasion: Option<&str>,
) -> Result<ReminderReport, AppError> {
    let now = delphi_store::now();
    let occasion = match occasion.map(str::trim) {
        Some(o) if !o.is_empty() => {
            if o.len() > 64 || o.contains(char::is_whitespace) {
                return Err(AppError::invalid(
                    "occasion",
                    "a reminder's name is at most 64 characters, without spaces",
                ));
            }
            format!("manual-{o}")
        }
        _ => format!("manual-{}", now.format("%Y-%m-%d")),
    };
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let round = rounds::latest(conn, &study.id)?
            .filter(|round| round.status == RoundStatus::Open)
            .ok_or_else(|| {
                AppError::Conflict(
                    "no round is open: reminders go only while a round is open".to_owned(),
                )
            })?;
        let report = queue_for_round(conn, &round, &occasion, now)?;
        audit::record(
            conn,
            &round.study_id,
            &grant.label,
            "reminders.sent",
            serde_json::json!({"round": round.number, "occasion": occasion,
                               "queued": report.queued, "already": report.already_reminded}),
        )?;
        Ok(report)
    })
}

/// Queues the scheduled reminders that are due at `now`: for every open round with a
/// deadline and each `days_before` (e.g. `[3, 1]`), once `now` is within that many days of
/// the deadline (and the deadline has not passed). Only the nearest due point per round is
/// sent, so a worker that was down does not send two reminders at once, and a point that
/// fell before the round opened is skipped. Returns how many reminders were queued.
pub fn queue_scheduled(
    app: &App,
    actor: &Actor,
    now: NaiveDateTime,
    days_before: &[u32],
) -> Result<usize, AppError> {
    access::system(actor)?;
    if days_before.is_empty() {
        return Ok(0);
    }
    let mut conn = app.conn()?;
    let open: Vec<rounds::RoundRow> = open_rounds_with_deadline(&mut conn)?;
    let mut queued = 0;
    for round in open {
        let (Some(deadline), Some(opened_at)) = (round.deadline, round.opened_at) else {
            continue;
        };
        if now >= deadline {
            continue;
        }
        let due = days_before
            .iter()
            .copied()
            .filter(|d| {
                let point = deadline - chrono::Duration::days(i64::from(*d));
                point > opened_at && point <= now
            })
            .min();
        let Some(days) = due else { continue };
        let occasion = format!("before-{days}d");
        let report = write_tx(&mut conn, |conn| {
            // Re-read inside the transaction: the round may have closed meanwhile.
            match rounds::find(conn, &round.id)? {
                Some(r) if r.status == RoundStatus::Open => {
                    queue_for_round(conn, &r, &occasion, now)
                }
                _ => Ok(ReminderReport::default()),
            }
        })?;
        if report.queued > 0 {
            tracing::info!(round_id = %round.id, days, queued = report.queued, "scheduled reminders queued");
        }
        queued += report.queued;
    }
    Ok(queued)
}

fn open_rounds_with_deadline(conn: &mut DbConnection) -> Result<Vec<rounds::RoundRow>, AppError> {
    let mut out = Vec::new();
    for study in studies::list(conn)? {
        out.extend(
            rounds::for_study(conn, &study.id)?
                .into_iter()
                .filter(|r| r.status == RoundStatus::Open && r.deadline.is_some()),
        );
    }
    Ok(out)
}

/// The dedupe key of one panellist's reminder.
pub fn dedupe_key(round_id: &str, panellist_id: &str, occasion: &str) -> String {
    format!("reminder:{round_id}:{panellist_id}:{occasion}")
}

fn queue_for_round(
    conn: &mut DbConnection,
    round: &rounds::RoundRow,
    occasion: &str,
    now: NaiveDateTime,
) -> Result<ReminderReport, AppError> {
    let study = crate::studies::load(conn, &round.study_id)?;
    let settings = crate::studies::settings_of(&study)?;
    let context = crate::round_mail::context(&study, &settings, round.number, round.deadline);
    let mut report = ReminderReport::default();
    for (participation, person) in crate::round_mail::reachable(conn, &study.id, &round.id)? {
        if participation.submitted_at.is_some() {
            continue;
        }
        let added = outbox::enqueue(
            conn,
            &NewOutboxMessage {
                study_id: Some(study.id.clone()),
                round_id: Some(round.id.clone()),
                panellist_id: Some(person.id.clone()),
                kind: MailKind::Reminder,
                recipient: person.email.clone(),
                context: context.clone(),
                dedupe_key: Some(dedupe_key(&round.id, &person.id, occasion)),
            },
            now,
        )?;
        if added {
            report.queued += 1;
        } else {
            report.already_reminded += 1;
        }
    }
    Ok(report)
}

/// Who a reminder now would reach: the open round and its non-submitters (pseudonym and
/// group only), split by whether today's reminder already went to them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReminderPreview {
    /// The open round.
    pub round: i32,
    /// Who would be reminded now: (pseudonym, group code).
    pub recipients: Vec<(String, String)>,
    /// Non-submitters who already had today's reminder (not reminded again).
    pub already_reminded: Vec<(String, String)>,
}

/// Who [`remind_now`] (without an occasion) would remind now in the study `slug`.
pub fn preview(app: &App, actor: &Actor, slug: &str) -> Result<ReminderPreview, AppError> {
    let occasion = format!("manual-{}", delphi_store::now().format("%Y-%m-%d"));
    let mut conn = app.conn()?;
    delphi_store::read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Manage)?;
        let round = rounds::latest(conn, &study.id)?
            .filter(|round| round.status == RoundStatus::Open)
            .ok_or_else(|| {
                AppError::Conflict(
                    "no round is open: reminders go only while a round is open".to_owned(),
                )
            })?;
        let groups = studies::groups(conn, &study.id)?;
        let mut preview = ReminderPreview {
            round: round.number,
            recipients: Vec::new(),
            already_reminded: Vec::new(),
        };
        for (participation, person) in crate::round_mail::reachable(conn, &study.id, &round.id)? {
            if participation.submitted_at.is_some() {
                continue;
            }
            let group = groups
                .iter()
                .find(|g| g.id == person.group_id)
                .map(|g| g.code.clone())
                .unwrap_or_default();
            let key = dedupe_key(&round.id, &person.id, &occasion);
            if outbox::exists_with_key(conn, &key)? {
                preview.already_reminded.push((person.pseudonym, group));
            } else {
                preview.recipients.push((person.pseudonym, group));
            }
        }
        preview.recipients.sort();
        preview.already_reminded.sort();
        Ok(preview)
    })
}
