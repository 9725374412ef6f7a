//! What every email about a round may say, built in one place so the emails promise only
//! what the page shows: the deadline in the study's time zone ([`crate::times`]), whether it
//! is the final round (the stopping rule's most rounds), and which feedback the page shows
//! (the study's feedback settings).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use delphi_core::StudySettings;
use delphi_store::panellists::{self, PanellistRow};
use delphi_store::rounds::{self, ParticipationRow};
use delphi_store::studies::StudyRow;
use delphi_store::DbConnection;

use crate::AppError;

/// Whether round `number` is the last the stopping rule allows.
pub fn is_final_round(settings: &StudySettings, number: i32) -> bool {
    u32::try_from(number).is_ok_and(|n| n >= settings.stopping.max_rounds)
}

/// Whether round `number`'s page shows the panel's view from the round before (any
/// statistic, chart, group median, status or released comment).
pub fn shows_panel(settings: &StudySettings, number: i32) -> bool {
    let f = &settings.feedback;
    number > 1 && (f.median_iqr || f.distribution || f.group_medians || f.status || f.comments)
}

/// Whether round `number`'s page shows each panellist their own previous rating.
pub fn shows_own(settings: &StudySettings, number: i32) -> bool {
    number > 1 && settings.feedback.own_previous
}

/// The stored context of an email about round `number` of `study` (the outbox row's
/// `context`): `study_title`, `round_number`, `deadline` (in the study's zone, or null),
/// `final_round`, `shows_panel`, `shows_own`.
pub fn context(
    study: &StudyRow,
    settings: &StudySettings,
    number: i32,
    deadline: Option<NaiveDateTime>,
) -> serde_json::Value {
    context_of(&study.title, &study.time_zone, settings, number, deadline)
}

/// [`context`] from the study's title and time zone alone (what a submission reads).
pub(crate) fn context_of(
    study_title: &str,
    time_zone: &str,
    settings: &StudySettings,
    number: i32,
    deadline: Option<NaiveDateTime>,
) -> serde_json::Value {
    serde_json::json!({
        "study_title": study_title,
        "round_number": number,
        "deadline": deadline.map(|d| crate::times::format(d, time_zone)),
        "final_round": is_final_round(settings, number),
        "shows_panel": shows_panel(settings, number),
        "shows_own": shows_own(settings, number),
    })
}

/// The round's invited panellists an email may still reach (not withdrawn, link not revoked),
/// with their participation, in the round's order. The study's panel is read once, not one
/// query per participant.
pub(crate) fn reachable(
    conn: &mut DbConnection,
    study_id: &str,
    round_id: &str,
) -> Result<Vec<(ParticipationRow, PanellistRow)>, AppError> {
    let mut panel: HashMap<String, PanellistRow> = panellists::for_study(conn, study_id)?
        .into_iter()
        .filter(|p| p.withdrawn_at.is_none() && p.token_revoked_at.is_none())
        .map(|p| (p.id.clone(), p))
        .collect();
    Ok(rounds::participations(conn, round_id)?
        .into_iter()
        .filter_map(|part| {
            let person = panel.remove(&part.panellist_id)?;
            Some((part, person))
        })
        .collect())
}
