//! Closing a round, in one transaction: refuse further writes, count the answers the study's
//! settings say count ([`counting`]), compute and store every item's statistics (whole panel
//! and per stakeholder group), its classification, its stability since the previous round
//! and the round's concordance ([`stability`]).

pub mod counting;
mod stability;

use std::collections::HashMap;

use delphi_core::lifecycle::{self, Disposition};
use delphi_core::results::{Change, RuleInForce};
use delphi_core::stopping::{self, StopReason};
use delphi_core::{Classifier, RuleInput, StoredResult, Verdict};
use delphi_stats::{describe, describe_panel, Histogram};
use delphi_store::results::{ResultRow, ALL_GROUPS};
use delphi_store::{items, results, rounds, studies, write_tx};
use serde_json::json;

use crate::access::{self, Actor, Permission};
use crate::{audit, App, AppError};

/// What closing a round produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedRound {
    /// Round id.
    pub round_id: String,
    /// Round number.
    pub number: i32,
    /// Items with results.
    pub items: usize,
    /// How many items are in, out, none, not classified.
    pub tally: HashMap<Verdict, usize>,
    /// Whether the stopping rule says the study may stop, and why.
    pub stop: Option<String>,
}

/// Closes the study's open round and stores its results.
#[tracing::instrument(skip_all, fields(slug))]
pub fn close_round(app: &App, actor: &Actor, slug: &str) -> Result<ClosedRound, AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let study_id = study.id.as_str();
        let settings = crate::studies::settings_of(&study)?;
        let round = rounds::latest(conn, study_id)?
            .ok_or_else(|| AppError::Conflict("no round has opened yet".to_owned()))?;
        lifecycle::check_close_round(round.status)?;
        let now = delphi_store::now();
        if !rounds::close(conn, &round.id, now)? {
            return Err(AppError::Conflict(
                "this round was closed a moment ago by someone else".to_owned(),
            ));
        }

        let classifier = Classifier::new(&settings.consensus)
            .map_err(|e| AppError::Conflict(format!("the consensus rule cannot be used: {e}")))?;
        let describe_cfg = settings.describe_config();
        let quantile_type = settings.quantile_type();
        let groups = studies::groups(conn, study_id)?;
        let group_index: HashMap<String, usize> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.clone(), i))
            .collect();
        let standings =
            counting::standings(conn, study_id, &round.id, &settings.counting, &group_index)?;
        // The rule looks at the groups invited to this round (a group with nobody in the
        // panel is not a stakeholder group of the round).
        let invited_groups: Vec<bool> = (0..groups.len())
            .map(|g| standings.values().any(|&(group, _)| group == g))
            .collect();

        let rated_items: Vec<items::ItemRow> = rounds::items(conn, &round.id)?
            .into_iter()
            .filter(|ri| ri.disposition != Disposition::ForInformation)
            .map(|ri| items::find(conn, &ri.item_id)?.ok_or(diesel_missing()))
            .collect::<Result<_, AppError>>()?;
        let empty = Histogram::new(settings.scale.min, settings.scale.max);
        let item_ids: Vec<&str> = rated_items.iter().map(|i| i.id.as_str()).collect();
        let mut tallies =
            counting::tally(conn, &round.id, &item_ids, &standings, &empty, groups.len())?;
        let concordance = stability::concordance(
            &item_ids
                .iter()
                .filter_map(|id| tallies.get(*id))
                .collect::<Vec<_>>(),
        );
        let earlier_round = stability::previous_round(
            conn,
            study_id,
            round.number,
            &settings.counting,
            &group_index,
            &empty,
        )?;

        let previous = previous_results(conn, study_id, round.number)?;
        let mut rows = Vec::with_capacity(rated_items.len() * (groups.len() + 1));
        let mut tally: HashMap<Verdict, usize> = HashMap::new();
        let mut classifications = Vec::with_capacity(rated_items.len());
        let mut max_scheibe: Option<f64> = None;
        for item in &rated_items {
            let Some(counted) = tallies.remove(item.id.as_str()) else {
                continue;
            };
            let stats = describe_panel(&counted.overall, &describe_cfg);
            let group_stats: Vec<_> = counted
                .by_group
                .iter()
                .map(|h| describe(h, &describe_cfg))
                .collect();
            let input = RuleInput {
                overall: counted.overall.clone(),
                groups: groups
                    .iter()
                    .zip(counted.by_group.iter())
                    .zip(&invited_groups)
                    .filter(|(_, &invited)| invited)
                    .map(|((g, h), _)| (g.code.clone(), h.clone()))
                    .collect(),
                quantile_type,
            };
            let assessment = classifier.assess(&input);
            let classification = assessment.classification;
            *tally.entry(classification.verdict()).or_default() += 1;
            let (_, _, iqr) = stats.quartiles(quantile_type);
            let earlier_id = match &item.replaces_id {
                Some(old) if !previous.contains_key(&item.id) => old.as_str(),
                _ => item.id.as_str(),
            };
            let change = previous.get(earlier_id).map(|before| Change {
                previous_round: before.round,
                delta_median: stats.median.zip(before.median).map(|(a, b)| a - b),
                delta_iqr: iqr.zip(before.iqr).map(|(a, b)| a - b),
                previous_classification: before.verdict,
            });
            let item_stability = earlier_round
                .as_ref()
                .filter(|e| e.rated(earlier_id))
                .and_then(|e| e.stability(earlier_id, &counted));
            if let Some(change) = item_stability.as_ref().and_then(|s| s.scheibe_pct_change) {
                max_scheibe = Some(max_scheibe.map_or(change, |m: f64| m.max(change)));
            }
            let comet_all_groups =
                delphi_stats::comet::all_groups(group_stats.iter().map(|s| s.comet));
            rows.push(ResultRow {
                round_id: round.id.clone(),
                item_id: item.id.clone(),
                group_code: ALL_GROUPS.to_owned(),
                n_valid: stats.n_valid as i32,
                n_utr: stats.n_utr as i32,
                classification: Some(classification.verdict()),
                result: StoredResult {
                    statistics: stats,
                    quantile_type: quantile_type.number(),
                    classification: Some(classification.clone()),
                    rule: Some(RuleInForce {
                        consensus_in: settings.consensus.consensus_in.clone(),
                        consensus_out: settings.consensus.consensus_out.clone(),
                    }),
                    comet_all_groups,
                    change,
                    answers: Some(counted.answers),
                    short_groups: assessment.short_groups,
                    stability: item_stability,
                    round_concordance: Some(concordance.clone()),
                },
                computed_at: now,
            });
            for ((group, stats), answers) in
                groups.iter().zip(group_stats).zip(counted.group_answers)
            {
                rows.push(ResultRow {
                    round_id: round.id.clone(),
                    item_id: item.id.clone(),
                    group_code: group.code.clone(),
                    n_valid: stats.n_valid as i32,
                    n_utr: stats.n_utr as i32,
                    classification: None,
                    result: StoredResult {
                        statistics: stats,
                        quantile_type: quantile_type.number(),
                        classification: None,
                        rule: None,
                        comet_all_groups: None,
                        change: None,
                        answers: Some(answers),
                        short_groups: Vec::new(),
                        stability: None,
                        round_concordance: None,
                    },
                    computed_at: now,
                });
            }
            classifications.push(classification);
        }
        results::insert_many(conn, &rows)?;
        let stop = stopping::should_stop(
            &settings.stopping,
            round.number as u32,
            &classifications,
            max_scheibe,
        )
        .map(|reason| match reason {
            StopReason::MaxRounds(n) => format!("the protocol's maximum of {n} rounds is reached"),
            StopReason::AllClassified => "every item reached consensus".to_owned(),
            StopReason::Stable { max_change_pct } => {
                format!("ratings changed at most {max_change_pct:.1} %")
            }
        });
        audit::record(
            conn,
            study_id,
            &grant.label,
            "round.closed",
            json!({"round": round.number, "items": rated_items.len(), "tally": tally}),
        )?;
        Ok(ClosedRound {
            round_id: round.id.clone(),
            number: round.number,
            items: rated_items.len(),
            tally,
            stop,
        })
    })
}

fn diesel_missing() -> AppError {
    AppError::Internal("a round item points at a missing item".to_owned())
}

/// What the previous round left for one item.
struct Earlier {
    round: i32,
    median: Option<f64>,
    iqr: Option<f64>,
    verdict: Option<Verdict>,
}

/// item id -> its whole-panel result in the round before `number`.
fn previous_results(
    conn: &mut delphi_store::DbConnection,
    study_id: &str,
    number: i32,
) -> Result<HashMap<String, Earlier>, AppError> {
    let Some(previous) = rounds::for_study(conn, study_id)?
        .into_iter()
        .find(|r| r.number == number - 1)
    else {
        return Ok(HashMap::new());
    };
    Ok(results::for_round(conn, &previous.id)?
        .into_iter()
        .filter(|row| row.group_code == ALL_GROUPS)
        .map(|row| {
            let earlier = Earlier {
                round: previous.number,
                median: row.result.statistics.median,
                iqr: row.result.quartiles().iqr,
                verdict: row.classification,
            };
            (row.item_id, earlier)
        })
        .collect())
}
