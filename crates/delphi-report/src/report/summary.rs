//! The study summary and the protocol: scale, rules with their lock time, amendments,
//! feedback, software.

use delphi_core::settings::{ConsensusItemPolicy, LaterRoundInvitations};
use delphi_core::states::{ItemOrigin, Verdict};
use serde::Serialize;

use super::text::{self, time, time_opt};
use crate::record::RecordIndex;
use crate::summary::LedgerEntry;

#[derive(Serialize)]
pub(super) struct Point {
    value: i32,
    label: String,
}

#[derive(Serialize)]
pub(super) struct AmendmentRow {
    at: String,
    change: String,
    reason: String,
}

#[derive(Serialize)]
pub(super) struct Counts {
    included: usize,
    excluded: usize,
    unresolved: usize,
    not_classified: usize,
    never_rated: usize,
}

/// What `report/summary.html` shows.
#[derive(Serialize)]
pub(super) struct SummaryContext {
    title: String,
    description: String,
    status: &'static str,
    team_name: Option<String>,
    institution: Option<String>,
    contact: Option<String>,
    ethics_reference: Option<String>,
    registry_id: Option<String>,
    generated_at: String,
    software: String,
    rounds: usize,
    first_opened: String,
    last_closed: String,
    items_total: usize,
    items_seeded: usize,
    items_added: usize,
    items_reworded: usize,
    panellists: usize,
    n_groups: usize,
    groups: Vec<String>,
    counts: Counts,
    scale: String,
    points: Vec<Point>,
    unable_to_rate: bool,
    agree_band: String,
    disagree_band: String,
    preset: Option<String>,
    rule_in: String,
    rule_out: Option<String>,
    min_n: u32,
    quantile: &'static str,
    locked_at: Option<String>,
    lock_status: &'static str,
    amendments: Vec<AmendmentRow>,
    stopping: Vec<String>,
    feedback: Vec<&'static str>,
    feedback_min_responses: u32,
    consensus_items: &'static str,
    later_rounds: &'static str,
    outlier_reason: Option<String>,
}

fn some(text: &Option<String>) -> Option<String> {
    text.as_ref().filter(|t| !t.trim().is_empty()).cloned()
}

/// Whether the rule was locked before round 1 opened, in words.
pub(super) fn lock_status(index: &RecordIndex<'_>) -> &'static str {
    let record = index.record;
    let first = record
        .rounds
        .iter()
        .filter(|r| r.opened_at.is_some())
        .min_by_key(|r| r.number)
        .and_then(|r| r.opened_at);
    match (record.protocol.locked_at, first) {
        (None, _) => "The platform holds no lock time for the consensus definition.",
        (Some(lock), Some(open)) if lock <= open => {
            "The consensus definition was fixed before round 1 opened."
        }
        (Some(_), Some(_)) => "The consensus definition was fixed after round 1 had opened.",
        (Some(_), None) => "The consensus definition is fixed; no round has opened yet.",
    }
}

pub(super) fn context(index: &RecordIndex<'_>, ledger: &[LedgerEntry]) -> SummaryContext {
    let record = index.record;
    let st = &record.study;
    let set = &record.settings;
    let scale = &set.scale;
    let origin = |o: ItemOrigin| record.items.iter().filter(|i| i.origin == o).count();
    let mut counts = Counts {
        included: 0,
        excluded: 0,
        unresolved: 0,
        not_classified: 0,
        never_rated: 0,
    };
    for entry in ledger {
        match entry.last_verdict().map(|(_, v)| v) {
            Some(Verdict::In) => counts.included += 1,
            Some(Verdict::Out) => counts.excluded += 1,
            Some(Verdict::None) => counts.unresolved += 1,
            Some(Verdict::NotClassified) => counts.not_classified += 1,
            None => counts.never_rated += 1,
        }
    }
    let opened = record.rounds.iter().filter_map(|r| r.opened_at).min();
    let closed = record.rounds.iter().filter_map(|r| r.closed_at).max();
    let stop = &set.stopping;
    let mut stopping = vec![format!("after at most {} rounds", stop.max_rounds)];
    if stop.when_all_classified {
        stopping.push("when every item has reached consensus (in or out)".to_owned());
    }
    if let Some(pct) = stop.stability_pct {
        stopping.push(format!(
            "when ratings change by less than {} % between rounds (Scheibe)",
            text::number(Some(pct), 1)
        ));
    }
    let fb = &set.feedback;
    let feedback = [
        (fb.own_previous, "the panellist's own previous rating"),
        (fb.median_iqr, "the panel's median and IQR"),
        (
            fb.distribution,
            "the distribution of the panel's ratings (chart)",
        ),
        (fb.group_medians, "the median of each stakeholder group"),
        (fb.status, "the item's consensus status"),
        (
            fb.comments,
            "comments released by the research team, without names",
        ),
    ]
    .into_iter()
    .filter_map(|(on, what)| on.then_some(what))
    .collect();
    SummaryContext {
        title: st.title.clone(),
        description: st.description.trim().to_owned(),
        status: st.status.as_str(),
        team_name: some(&st.team.name),
        institution: some(&st.team.institution),
        contact: some(&st.team.contact),
        ethics_reference: some(&st.ethics_reference),
        registry_id: some(&st.registry_id),
        generated_at: time(&record.generated_at),
        software: format!("{} {}", record.software.name, record.software.version),
        rounds: record.rounds.len(),
        first_opened: time_opt(opened.as_ref()),
        last_closed: time_opt(closed.as_ref()),
        items_total: record.items.len(),
        items_seeded: origin(ItemOrigin::Seeded),
        items_added: origin(ItemOrigin::Added),
        items_reworded: origin(ItemOrigin::Reworded),
        panellists: record.panellists.len(),
        n_groups: record.groups.len(),
        groups: index
            .group_order
            .iter()
            .map(|&g| record.groups[g].name.clone())
            .collect(),
        counts,
        scale: format!("{}–{}", scale.min, scale.max),
        points: record
            .points()
            .map(|value| Point {
                value,
                label: record.point_label(value),
            })
            .collect(),
        unable_to_rate: set.unable_to_rate,
        agree_band: format!("{}–{}", scale.agree[0], scale.agree[1]),
        disagree_band: format!("{}–{}", scale.disagree[0], scale.disagree[1]),
        preset: some(&set.consensus.preset),
        rule_in: set.consensus.consensus_in.clone(),
        rule_out: some(&set.consensus.consensus_out),
        min_n: set.consensus.min_n_for_classification,
        quantile: text::quantile_name(set.quantile_type()),
        locked_at: record.protocol.locked_at.as_ref().map(time),
        lock_status: lock_status(index),
        amendments: record
            .protocol
            .amendments
            .iter()
            .map(|a| AmendmentRow {
                at: time(&a.at),
                change: a.change.clone(),
                reason: a.reason.clone(),
            })
            .collect(),
        stopping,
        feedback,
        feedback_min_responses: fb.min_responses,
        consensus_items: match fb.consensus_items {
            ConsensusItemPolicy::Retire => "retired (not asked again)",
            ConsensusItemPolicy::ForInformation => "shown again for information, not rated",
            ConsensusItemPolicy::Rerate => "asked again like any other item",
        },
        later_rounds: match set.later_round_invitations {
            LaterRoundInvitations::PreviousResponders => {
                "the panellists who submitted the previous round"
            }
            LaterRoundInvitations::AllActive => "every panellist who has not withdrawn",
        },
        outlier_reason: set.outlier_reason.as_ref().map(|o| {
            format!(
                "Panellists were asked for a reason when a rating was more than {} points from \
                 the previous panel median.",
                text::number(Some(o.distance), 1)
            )
        }),
    }
}
