//! The dashboard's page data: the app's read model turned into lines the template prints
//! (states and kinds in words, times as people read them, rates as percentages).

use delphi_app::dashboard::Dashboard;
use delphi_app::outbox::LastMessage;
use delphi_core::states::{MailKind, OutboxStatus, RoundStatus, StudyStatus};
use serde::Serialize;

use super::render::when;

#[derive(Serialize)]
struct RoundLine {
    number: i32,
    status: RoundStatus,
    invited: usize,
    submitted: usize,
    rate: String,
    closed: bool,
}

#[derive(Serialize)]
struct KindLine {
    kind: &'static str,
    queued: i64,
    sent: i64,
    failed: i64,
}

#[derive(Serialize)]
struct ProblemLine {
    id: String,
    kind: &'static str,
    to: String,
    failed: bool,
    attempts: i32,
    error: String,
    next: String,
}

#[derive(Serialize)]
struct PersonLine {
    pseudonym: String,
    email: String,
    invitation: String,
    reminder: String,
    reminders: usize,
}

#[derive(Serialize)]
struct EmailKind {
    kind: MailKind,
    name: &'static str,
}

/// Everything the dashboard template shows.
#[derive(Serialize)]
pub(super) struct StudyData {
    slug: String,
    pub(super) title: String,
    status: StudyStatus,
    items: usize,
    panellists: usize,
    can_manage: bool,
    rounds: Vec<RoundLine>,
    latest: Option<i32>,
    open: bool,
    kinds: Vec<KindLine>,
    problems: Vec<ProblemLine>,
    any_failed: bool,
    people: Vec<PersonLine>,
    emails: Vec<EmailKind>,
}

fn describe(message: Option<&LastMessage>) -> String {
    match message {
        None => "–".to_owned(),
        Some(m) => match (m.status, m.sent_at) {
            (OutboxStatus::Sent, Some(at)) => format!("sent {}", when(at)),
            (OutboxStatus::Failed, _) => format!(
                "failed: {}",
                m.last_error.as_deref().unwrap_or("no reason recorded")
            ),
            _ => format!("queued {}", when(m.queued_at)),
        },
    }
}

/// The dashboard as the template shows it.
pub(super) fn study_data(dashboard: Dashboard) -> StudyData {
    let study = dashboard.study;
    let can_manage = dashboard.can_manage;
    let (kinds, problems) = dashboard
        .mail
        .map(|mail| (mail.kinds, mail.problems))
        .unwrap_or_default();
    let problems: Vec<ProblemLine> = problems
        .into_iter()
        .map(|p| ProblemLine {
            failed: p.status == OutboxStatus::Failed,
            kind: p.kind.label(),
            to: match (&p.pseudonym, p.recipient.is_empty()) {
                (Some(pseudonym), false) => format!("{pseudonym} ({})", p.recipient),
                (Some(pseudonym), true) => pseudonym.clone(),
                (None, false) => p.recipient.clone(),
                (None, true) => "–".to_owned(),
            },
            attempts: p.attempts,
            error: p
                .last_error
                .unwrap_or_else(|| "no reason recorded".to_owned()),
            next: p.next_attempt_at.map(when).unwrap_or_default(),
            id: p.id,
        })
        .collect();
    StudyData {
        open: study.open_round().is_some(),
        latest: dashboard.latest_round.as_ref().map(|r| r.number),
        rounds: study
            .rounds
            .iter()
            .map(|r| RoundLine {
                number: r.number,
                closed: r.status == RoundStatus::Closed,
                status: r.status,
                invited: r.invited,
                submitted: r.submitted,
                rate: if r.invited == 0 {
                    "–".to_owned()
                } else {
                    format!("{:.0} %", 100.0 * r.submitted as f64 / r.invited as f64)
                },
            })
            .collect(),
        kinds: kinds
            .iter()
            .map(|k| KindLine {
                kind: k.kind.label(),
                queued: k.queued,
                sent: k.sent,
                failed: k.failed,
            })
            .collect(),
        any_failed: problems.iter().any(|p| p.failed),
        problems,
        people: dashboard
            .panellists
            .into_iter()
            .map(|p| PersonLine {
                invitation: describe(p.last_invitation.as_ref()),
                reminder: describe(p.last_reminder.as_ref()),
                reminders: p.reminders,
                pseudonym: p.pseudonym,
                email: p.email,
            })
            .collect(),
        emails: MailKind::EDITABLE
            .iter()
            .map(|&kind| EmailKind {
                kind,
                name: kind.label(),
            })
            .collect(),
        slug: study.slug,
        title: study.title,
        status: study.status,
        items: study.items,
        panellists: study.panellists,
        can_manage,
    }
}
