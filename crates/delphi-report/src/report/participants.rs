//! Participant flow per round and group (table and diagram), participant characteristics,
//! and the rounds with their dates and reminders.

use std::collections::BTreeMap;

use delphi_core::states::Disposition;
use serde::Serialize;

use super::svg::{self, FlowStep, Svg};
use super::text::{self, percent, time_opt, DASH};
use crate::record::RecordIndex;
use crate::summary::{flow, rate};

#[derive(Serialize)]
pub(super) struct FlowLine {
    round: i32,
    group: String,
    total: bool,
    invited: u64,
    opened: u64,
    consented: u64,
    responded: u64,
    rate: String,
    withdrawn: u64,
    lost: String,
    retained: String,
}

#[derive(Serialize)]
pub(super) struct AnswerLine {
    answer: String,
    counts: Vec<u64>,
    total: u64,
}

#[derive(Serialize)]
pub(super) struct Question {
    question: String,
    answers: Vec<AnswerLine>,
}

#[derive(Serialize)]
pub(super) struct RoundLine {
    number: i32,
    status: &'static str,
    opened: String,
    closed: String,
    deadline: String,
    open_for: String,
    since_previous: String,
    reminders: u32,
    rated: usize,
    for_information: usize,
    new: usize,
    carried: usize,
    reworded: usize,
}

/// What `report/participants.html` shows.
#[derive(Serialize)]
pub(super) struct ParticipantsContext {
    flow_chart: Svg,
    flow_text: String,
    flow: Vec<FlowLine>,
    groups: Vec<String>,
    characteristics: Vec<Question>,
    rounds: Vec<RoundLine>,
}

pub(super) fn context(index: &RecordIndex<'_>) -> ParticipantsContext {
    let record = index.record;
    let rows = flow(index);
    let first_responders: BTreeMap<Option<usize>, u64> = rows
        .iter()
        .filter(|r| Some(r.round) == rows.first().map(|f| f.round))
        .map(|r| (r.group, r.responded))
        .collect();
    let panel: Vec<&crate::summary::FlowRow> = rows.iter().filter(|r| r.group.is_none()).collect();
    let steps: Vec<FlowStep> = panel
        .iter()
        .enumerate()
        .map(|(k, r)| FlowStep {
            round: r.round,
            invited: r.invited,
            responded: r.responded,
            rate: percent(r.response_rate),
            lost: r.lost_since_previous,
            withdrawn: k.checked_sub(1).map_or(0, |p| panel[p].withdrawn),
        })
        .collect();
    let flow_text = steps
        .iter()
        .map(|s| {
            let lost = s.lost.map_or(String::new(), |l| {
                format!(", {l} lost since the previous round")
            });
            format!(
                "Round {}: {} invited, {} responded ({}){lost}.",
                s.round, s.invited, s.responded, s.rate
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let flow = rows
        .iter()
        .map(|r| FlowLine {
            round: r.round,
            group: r.group.map_or_else(
                || "Whole panel".to_owned(),
                |g| record.groups[g].name.clone(),
            ),
            total: r.group.is_none(),
            invited: r.invited,
            opened: r.opened,
            consented: r.consented,
            responded: r.responded,
            rate: percent(r.response_rate),
            withdrawn: r.withdrawn,
            lost: r
                .lost_since_previous
                .map_or_else(|| DASH.to_owned(), |n| n.to_string()),
            retained: percent(rate(
                r.responded,
                first_responders.get(&r.group).copied().unwrap_or(0),
            )),
        })
        .collect();
    ParticipantsContext {
        flow_chart: svg::flow(&steps, "Participant flow through the rounds"),
        flow_text,
        flow,
        groups: index
            .group_order
            .iter()
            .map(|&g| record.groups[g].name.clone())
            .collect(),
        characteristics: characteristics(index),
        rounds: rounds(index),
    }
}

/// Answers to each background question, counted per group (questions and answers in the
/// order first met).
fn characteristics(index: &RecordIndex<'_>) -> Vec<Question> {
    let record = index.record;
    let slot: BTreeMap<usize, usize> = index
        .group_order
        .iter()
        .enumerate()
        .map(|(k, &g)| (g, k))
        .collect();
    let mut questions: Vec<Question> = Vec::new();
    for p in &record.panellists {
        let Some(&k) = index.groups.get(p.group.as_str()).and_then(|g| slot.get(g)) else {
            continue;
        };
        for a in &p.background {
            let q = match questions.iter().position(|q| q.question == a.question) {
                Some(q) => q,
                None => {
                    questions.push(Question {
                        question: a.question.clone(),
                        answers: Vec::new(),
                    });
                    questions.len() - 1
                }
            };
            let answers = &mut questions[q].answers;
            let line = match answers.iter().position(|l| l.answer == a.answer) {
                Some(l) => l,
                None => {
                    answers.push(AnswerLine {
                        answer: a.answer.clone(),
                        counts: vec![0; slot.len()],
                        total: 0,
                    });
                    answers.len() - 1
                }
            };
            answers[line].counts[k] += 1;
            answers[line].total += 1;
        }
    }
    questions
}

fn rounds(index: &RecordIndex<'_>) -> Vec<RoundLine> {
    let record = index.record;
    let mut order: Vec<usize> = (0..record.rounds.len()).collect();
    order.sort_by_key(|&r| record.rounds[r].number);
    let mut previous_close = None;
    let mut lines = Vec::new();
    for r in order {
        let round = &record.rounds[r];
        let count = |d: Disposition| round.items.iter().filter(|i| i.disposition == d).count();
        let for_information = count(Disposition::ForInformation);
        lines.push(RoundLine {
            number: round.number,
            status: round.status.as_str(),
            opened: time_opt(round.opened_at.as_ref()),
            closed: time_opt(round.closed_at.as_ref()),
            deadline: time_opt(round.deadline.as_ref()),
            open_for: match (round.opened_at, round.closed_at) {
                (Some(a), Some(b)) => text::days(&a, &b),
                _ => DASH.to_owned(),
            },
            since_previous: match (previous_close, round.opened_at) {
                (Some(a), Some(b)) => text::days(&a, &b),
                _ => DASH.to_owned(),
            },
            reminders: round.reminders_sent,
            rated: round.items.len() - for_information,
            for_information,
            new: count(Disposition::New),
            carried: count(Disposition::Carried),
            reworded: count(Disposition::Reworded),
        });
        previous_close = round.closed_at.or(previous_close);
    }
    lines
}
