//! What every email about a round may say, built in one place so the emails promise only
//! what the page shows: the deadline in the study's time zone ([`crate::times`]), whether it
//! is the final round (the stopping rule's most rounds), and which feedback the page shows
//! (the study's feedback settings).

use chrono::NaiveDateTime;
use delphi_core::StudySettings;
use delphi_store::studies::StudyRow;

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
    serde_json::json!({
        "study_title": study.title,
        "round_number": number,
        "deadline": deadline.map(|d| crate::times::format(d, &study.time_zone)),
        "final_round": is_final_round(settings, number),
        "shows_panel": shows_panel(settings, number),
        "shows_own": shows_own(settings, number),
    })
}
