//! Building the panellist page from a token: which state, then the round with its feedback.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use delphi_core::lifecycle::{Disposition, RoundStatus, StudyStatus};
use delphi_core::StudySettings;
use delphi_store::{items, panellists, read_tx, responses, rounds, studies, DbConnection};

use super::feedback::{PreviousRound, ResultsCache};
use super::ledger::LedgerView;
use super::view::{
    ClosedView, ItemView, PageState, PanellistPage, PointView, RoundView, SectionView, StudyInfo,
};
use crate::access::{self, Actor};
use crate::{App, AppError};

/// The panellist page of the panellist `actor` (their link). Unknown and revoked links give
/// the same refusal.
pub fn page(app: &App, actor: &Actor) -> Result<PanellistPage, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| page_in(conn, &app.results, actor))
}

/// [`page`] on a connection the caller holds, with the previous rounds' parsed results
/// shared through `cache`.
pub fn page_in(
    conn: &mut DbConnection,
    cache: &ResultsCache,
    actor: &Actor,
) -> Result<PanellistPage, AppError> {
    let person = access::panellist(conn, actor)?;
    let study = crate::studies::load(conn, &person.study_id)?;
    let info = study_info(&study, &person);
    let zone = study.time_zone.clone();
    let done = |state| {
        Ok(PanellistPage {
            study: info.clone(),
            state,
            first_open: false,
        })
    };
    if let Some(at) = person.withdrawn_at {
        return done(PageState::Withdrawn {
            withdrawn_at: when(at, &zone),
        });
    }
    if study.status == StudyStatus::Completed {
        return done(PageState::Completed);
    }
    let all_rounds = rounds::for_study(conn, &study.id)?;
    let last_closed = all_rounds
        .iter()
        .rev()
        .find(|r| r.status == RoundStatus::Closed)
        .map(|r| r.number);
    let Some(round) = all_rounds.last() else {
        return done(PageState::NotOpen { last_closed });
    };
    match round.status {
        RoundStatus::Draft => done(PageState::NotOpen { last_closed }),
        RoundStatus::Closed => {
            let answered = responses::for_panellist(conn, &round.id, &person.id)?
                .iter()
                .filter(|r| r.rating.is_some() || r.unable_to_rate)
                .count();
            let submitted = rounds::participation(conn, &round.id, &person.id)?
                .is_some_and(|p| p.submitted_at.is_some());
            done(PageState::Closed(ClosedView {
                round_number: round.number,
                answered,
                submitted,
            }))
        }
        RoundStatus::Open => {
            let Some(participation) = rounds::participation(conn, &round.id, &person.id)? else {
                return done(PageState::NotInvited {
                    round_number: round.number,
                });
            };
            if person.consented_at.is_none() {
                return done(PageState::Consent {
                    round_number: round.number,
                });
            }
            let previous = all_rounds
                .iter()
                .find(|r| r.number == round.number - 1 && r.status == RoundStatus::Closed);
            let all_items = items::for_study(conn, &study.id)?
                .into_iter()
                .map(|i| (i.id.clone(), i))
                .collect();
            let round_items: Vec<(String, Disposition)> = rounds::items(conn, &round.id)?
                .into_iter()
                .map(|ri| (ri.item_id, ri.disposition))
                .collect();
            let ledger = previous
                .map(|prev| -> Result<_, AppError> {
                    let before: Vec<String> = rounds::items(conn, &prev.id)?
                        .into_iter()
                        .map(|ri| ri.item_id)
                        .collect();
                    Ok(super::ledger::build(
                        prev.number,
                        &before,
                        &round_items,
                        &all_items,
                        super::ledger::left_by_status,
                    ))
                })
                .transpose()?;
            let view = round_view(
                conn,
                cache,
                &study,
                RoundParts {
                    round,
                    all_items: &all_items,
                    round_items: &round_items,
                    ledger,
                },
                previous,
                &person,
                participation.submitted_at,
            )?;
            Ok(PanellistPage {
                study: info,
                state: PageState::Rating(Box::new(view)),
                first_open: participation.opened_at.is_none(),
            })
        }
    }
}

/// The study as the panellist `person` sees it.
pub(crate) fn study_info(
    study: &studies::StudyRow,
    person: &panellists::PanellistRow,
) -> StudyInfo {
    StudyInfo {
        title: study.title.clone(),
        description: study.description.clone(),
        consent_text: study.consent_text.clone(),
        description_paragraphs: paragraphs(&study.description),
        consent_paragraphs: paragraphs(&study.consent_text),
        consented_at: person.consented_at.map(|at| when(at, &study.time_zone)),
        team: super::view::TeamInfo::of(study),
    }
}

/// Splits text at blank lines; line breaks inside a paragraph become spaces.
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// A moment as every panellist page and email writes it ([`crate::times::format`]).
fn when(at: NaiveDateTime, zone: &str) -> String {
    crate::times::format(at, zone)
}

/// The round a page shows: its row, every item of the study by id (the items it rewords
/// included), and its items in order with how each appears.
pub(super) struct RoundParts<'a> {
    pub round: &'a rounds::RoundRow,
    pub all_items: &'a HashMap<String, items::ItemRow>,
    pub round_items: &'a [(String, Disposition)],
    /// What changed since the round before (none in round 1).
    pub ledger: Option<LedgerView>,
}

pub(super) fn round_view(
    conn: &mut DbConnection,
    cache: &ResultsCache,
    study: &studies::StudyRow,
    parts: RoundParts<'_>,
    previous_round: Option<&rounds::RoundRow>,
    person: &panellists::PanellistRow,
    submitted_at: Option<NaiveDateTime>,
) -> Result<RoundView, AppError> {
    let RoundParts {
        round,
        all_items,
        round_items,
        ledger,
    } = parts;
    let zone = study.time_zone.as_str();
    let settings: StudySettings = crate::studies::settings_of(study)?;
    let scale = (settings.scale.min, settings.scale.max);
    let feedback_settings = &settings.feedback;
    let saved: HashMap<String, responses::ResponseRow> =
        responses::for_panellist(conn, &round.id, &person.id)?
            .into_iter()
            .map(|r| (r.item_id.clone(), r))
            .collect();
    let previous = previous_round
        .map(|r| PreviousRound::load(conn, cache, r, &person.id, feedback_settings, scale))
        .transpose()?;
    let groups: Vec<(String, String)> = studies::groups(conn, &study.id)?
        .into_iter()
        .map(|g| (g.code, g.name))
        .collect();
    let labels = point_labels(&settings);
    let outlier_distance = settings.outlier_reason.as_ref().map(|o| o.distance);

    let mut sections: Vec<SectionView> = Vec::new();
    let (mut rated, mut total, mut unrated) = (0, 0, Vec::new());
    for (index, (item_id, disposition)) in round_items.iter().enumerate() {
        let item = all_items.get(item_id).ok_or_else(|| {
            AppError::Internal("a round item points at a missing item".to_owned())
        })?;
        let disposition = *disposition;
        let for_information = disposition == Disposition::ForInformation;
        let replaced = item.replaces_id.as_ref().and_then(|id| all_items.get(id));
        let response = saved.get(&item.id);
        let rating = response.and_then(|r| r.rating);
        let unable_to_rate = response.is_some_and(|r| r.unable_to_rate);
        let answered = rating.is_some() || unable_to_rate;
        if !for_information {
            total += 1;
            if answered {
                rated += 1;
            } else {
                unrated.push(item.code.clone());
            }
        }
        // Feedback is about this item in the previous round, or about the words it replaces.
        let source = match replaced {
            Some(old) if disposition == Disposition::Reworded => Some((old.id.as_str(), true)),
            _ => Some((item.id.as_str(), false)),
        };
        let feedback = match (&previous, source) {
            (Some(prev), Some((source_id, about_old))) if prev.knows(source_id) => {
                Some(prev.feedback(source_id, about_old, feedback_settings, scale, &groups))
            }
            _ => None,
        };
        let reason_median = match (&previous, source, outlier_distance) {
            (Some(prev), Some((source_id, _)), Some(_)) if !for_information => {
                prev.median(source_id, feedback_settings.min_responses)
            }
            _ => None,
        };
        let ask_reason = match (rating, reason_median, outlier_distance) {
            (Some(r), Some(median), Some(distance)) => (f64::from(r) - median).abs() > distance,
            _ => false,
        };
        let view = ItemView {
            code: item.code.clone(),
            text: item.text.clone(),
            position: index + 1,
            for_information,
            is_new: disposition == Disposition::New && round.number > 1,
            replaces_text: replaced
                .filter(|_| disposition == Disposition::Reworded)
                .map(|old| old.text.clone()),
            change_note: item.change_note.clone(),
            points: labels
                .iter()
                .map(|(value, label)| PointView {
                    value: *value,
                    label: label.clone(),
                    checked: rating == Some(*value),
                })
                .collect(),
            rating,
            unable_to_rate,
            comment: response.and_then(|r| r.comment.clone()).unwrap_or_default(),
            reason: response.and_then(|r| r.reason.clone()).unwrap_or_default(),
            answered,
            ask_reason,
            reason_median,
            feedback,
        };
        // Items of one section stay together (added items join their section's heading).
        match sections.iter_mut().find(|s| s.heading == item.section) {
            Some(section) => section.items.push(view),
            None => sections.push(SectionView {
                number: sections.len() + 1,
                heading: item.section.clone(),
                rated: 0,
                total: 0,
                open: None,
                items: vec![view],
            }),
        }
    }
    for section in &mut sections {
        let asked = section.items.iter().filter(|i| !i.for_information);
        section.total = asked.clone().count();
        section.rated = asked.filter(|i| i.answered).count();
    }
    let item_count = sections.iter().map(|s| s.items.len()).sum();
    let by_section = settings
        .pages
        .by_section
        .applies(item_count, sections.len());
    let mut open = None;
    for (section, question) in
        crate::questions::open::views_for(conn, &settings, round, &person.id)?
    {
        match sections.iter_mut().find(|s| s.heading == section) {
            Some(s) if !(section.is_empty() && question.n == 0) => s.open = Some(question),
            _ => open = Some(question),
        }
    }
    let background_pending = crate::questions::background::pending_in(conn, study, person)?;
    let has_feedback = sections
        .iter()
        .flat_map(|s| &s.items)
        .any(|i| i.feedback.is_some());
    Ok(RoundView {
        number: round.number,
        instructions: round.instructions.clone(),
        deadline: round.deadline.map(|at| when(at, zone)),
        submitted_at: submitted_at.map(|at| when(at, zone)),
        final_round: crate::round_mail::is_final_round(&settings, round.number),
        by_section,
        ledger: ledger.filter(|l| !l.is_empty()),
        unable_to_rate: settings.unable_to_rate,
        scale_min: settings.scale.min,
        scale_max: settings.scale.max,
        outlier_distance,
        outlier_distance_label: outlier_distance.map(super::format_number),
        has_feedback,
        min_responses: feedback_settings.min_responses,
        sections,
        open,
        background_pending,
        rated,
        total,
        unrated,
    })
}

/// Each point of the scale with its label (the number alone when the study gives none).
fn point_labels(settings: &StudySettings) -> Vec<(i32, String)> {
    (settings.scale.min..=settings.scale.max)
        .enumerate()
        .map(|(index, value)| {
            let label = settings
                .scale
                .labels
                .get(index)
                .map(|l| l.trim())
                .filter(|l| !l.is_empty())
                .map_or_else(|| value.to_string(), str::to_owned);
            (value, label)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn blank_lines_split_paragraphs_and_line_breaks_join() {
        assert_eq!(
            super::paragraphs("One line\nwrapped.\n\n\nTwo.\n"),
            vec!["One line wrapped.".to_owned(), "Two.".to_owned()]
        );
        assert!(super::paragraphs("  \n").is_empty());
    }
}
