//! Closing a round, in one transaction: refuse further writes, compute and store every
//! item's statistics (whole panel and per stakeholder group) and its classification.

use std::collections::HashMap;

use delphi_core::lifecycle::{self, Disposition};
use delphi_core::results::{Change, RuleInForce};
use delphi_core::stopping::{self, StopReason};
use delphi_core::{Classifier, RuleInput, StoredResult, Verdict};
use delphi_stats::{describe, describe_panel, Histogram};
use delphi_store::results::{ResultRow, ALL_GROUPS};
use delphi_store::{items, panellists, responses, results, rounds, studies, write_tx};
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
        let panellist_group: HashMap<String, usize> = panellists::for_study(conn, study_id)?
            .into_iter()
            .filter_map(|p| group_index.get(&p.group_id).map(|&g| (p.id, g)))
            .collect();

        let rated_items: Vec<items::ItemRow> = rounds::items(conn, &round.id)?
            .into_iter()
            .filter(|ri| ri.disposition != Disposition::ForInformation)
            .map(|ri| items::find(conn, &ri.item_id)?.ok_or(diesel_missing()))
            .collect::<Result<_, AppError>>()?;
        let empty = Histogram::new(settings.scale.min, settings.scale.max);
        let mut histograms: HashMap<&str, (Histogram, Vec<Histogram>)> = rated_items
            .iter()
            .map(|item| {
                (
                    item.id.as_str(),
                    (empty.clone(), vec![empty.clone(); groups.len()]),
                )
            })
            .collect();
        for (item_id, panellist_id, rating, utr) in responses::ratings_for_round(conn, &round.id)? {
            let (Some((overall, by_group)), Some(&g)) = (
                histograms.get_mut(item_id.as_str()),
                panellist_group.get(&panellist_id),
            ) else {
                continue;
            };
            match (rating, utr) {
                (Some(value), _) => {
                    overall.add(value);
                    by_group[g].add(value);
                }
                (None, true) => {
                    overall.add_unable_to_rate();
                    by_group[g].add_unable_to_rate();
                }
                (None, false) => {}
            }
        }

        let previous = previous_results(conn, study_id, round.number)?;
        let mut rows = Vec::with_capacity(rated_items.len() * (groups.len() + 1));
        let mut tally: HashMap<Verdict, usize> = HashMap::new();
        let mut classifications = Vec::with_capacity(rated_items.len());
        for item in &rated_items {
            let Some((overall, by_group)) = histograms.remove(item.id.as_str()) else {
                continue;
            };
            let stats = describe_panel(&overall, &describe_cfg);
            let group_stats: Vec<_> = by_group
                .iter()
                .map(|h| describe(h, &describe_cfg))
                .collect();
            let input = RuleInput {
                overall: overall.clone(),
                groups: groups
                    .iter()
                    .map(|g| g.code.clone())
                    .zip(by_group.iter().cloned())
                    .collect(),
                quantile_type,
            };
            let classification = classifier.classify(&input);
            *tally.entry(classification.verdict()).or_default() += 1;
            let (_, _, iqr) = stats.quartiles(quantile_type);
            let earlier = previous
                .get(&item.id)
                .or_else(|| item.replaces_id.as_ref().and_then(|r| previous.get(r)));
            let change = earlier.map(|before| Change {
                previous_round: before.round,
                delta_median: stats.median.zip(before.median).map(|(a, b)| a - b),
                delta_iqr: iqr.zip(before.iqr).map(|(a, b)| a - b),
                previous_classification: before.verdict,
            });
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
                },
                computed_at: now,
            });
            for (group, stats) in groups.iter().zip(group_stats) {
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
            None,
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
