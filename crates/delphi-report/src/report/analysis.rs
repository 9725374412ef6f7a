//! Stability between rounds (Wilcoxon, Scheibe), Kendall's W per round, and the attrition
//! check, all computed with `delphi-stats` from the responses the counting rule counted.

use std::collections::{HashMap, HashSet};

use delphi_stats::report::{Report, ALL};
use delphi_stats::{describe, Dataset, DatasetBuilder, Histogram};
use serde::Serialize;

use super::text::{number, p_value, DASH};
use crate::record::RecordIndex;

/// Scheibe et al. (1975) call a change below this stable.
const SCHEIBE_STABLE_PCT: f64 = 15.0;

/// The counted responses (a rating or "unable to rate") as a dataset, or why there is none.
pub(super) fn counted_dataset(index: &RecordIndex<'_>) -> Result<Dataset, String> {
    let record = index.record;
    let scale = &record.settings.scale;
    let mut builder = DatasetBuilder::new(scale.min, scale.max).map_err(|e| e.to_string())?;
    for r in record.responses.iter().filter(|r| r.counted) {
        let rating = match (r.rating, r.unable_to_rate) {
            (Some(v), _) => Some(i64::from(v)),
            (None, true) => None,
            (None, false) => continue,
        };
        let Some(g) = index.group_of(&r.pseudonym) else {
            continue;
        };
        builder
            .add(
                i64::from(r.round),
                &r.item,
                &r.pseudonym,
                &record.groups[g].code,
                rating,
            )
            .map_err(|e| e.to_string())?;
    }
    if builder.is_empty() {
        return Err("no counted ratings".to_owned());
    }
    Ok(builder.finish())
}

#[derive(Serialize)]
pub(super) struct KendallLine {
    round: i64,
    group: String,
    total: bool,
    raters: String,
    items: u64,
    w: String,
    chi2: String,
    df: String,
    p: String,
    note: String,
}

#[derive(Serialize)]
pub(super) struct StabilityLine {
    anchor: String,
    item: String,
    rounds: String,
    n_paired: u64,
    n_changed: u64,
    t: String,
    p: String,
    method: &'static str,
    scheibe: String,
    stable: bool,
}

#[derive(Serialize)]
pub(super) struct PairSummary {
    rounds: String,
    items: usize,
    stable: usize,
    became_in: u64,
    left_in: u64,
    p: String,
}

#[derive(Serialize)]
pub(super) struct AttritionLine {
    item: String,
    n_stayed: u64,
    median_stayed: String,
    mean_stayed: String,
    n_left: u64,
    median_left: String,
    mean_left: String,
    difference: String,
}

#[derive(Serialize)]
pub(super) struct Attrition {
    first: i32,
    last: i32,
    stayed: usize,
    left: usize,
    lines: Vec<AttritionLine>,
    summary: String,
}

/// What the stability and attrition parts of `report/analysis.html` show.
#[derive(Serialize)]
pub(super) struct AnalysisContext {
    unavailable: Option<String>,
    kendall: Vec<KendallLine>,
    stability: Vec<StabilityLine>,
    pairs: Vec<PairSummary>,
    attrition: Option<Attrition>,
    attrition_note: String,
}

fn group_name(index: &RecordIndex<'_>, code: &str) -> String {
    if code == ALL {
        return "Whole panel".to_owned();
    }
    index
        .groups
        .get(code)
        .map_or_else(|| code.to_owned(), |&g| index.record.groups[g].name.clone())
}

pub(super) fn context(index: &RecordIndex<'_>, stats: Result<&Report, &str>) -> AnalysisContext {
    let (attrition, attrition_note) = attrition(index);
    let report = match stats {
        Ok(report) => report,
        Err(why) => {
            return AnalysisContext {
                unavailable: Some(format!("Not computed: {why}.")),
                kendall: Vec::new(),
                stability: Vec::new(),
                pairs: Vec::new(),
                attrition,
                attrition_note,
            }
        }
    };
    let position = |code: &str| {
        index
            .groups
            .get(code)
            .map_or(i32::MIN, |&g| index.record.groups[g].position)
    };
    let mut rows: Vec<&delphi_stats::report::KendallRow> = report
        .kendall
        .iter()
        .filter(|k| k.policy == "complete_panellists")
        .collect();
    rows.sort_by_key(|k| (k.round, k.group != ALL, position(&k.group)));
    let kendall = rows
        .into_iter()
        .map(|k| {
            let r = &k.result;
            KendallLine {
                round: k.round,
                group: group_name(index, &k.group),
                total: k.group == ALL,
                raters: format!("{} of {}", r.m_raters, k.n_panellists_in_round.unwrap_or(0)),
                items: r.n_items,
                w: number(r.w, 3),
                chi2: number(r.chi2, 2),
                df: r.df.map_or_else(|| DASH.to_owned(), |d| d.to_string()),
                p: p_value(r.p_value),
                note: r
                    .reason
                    .clone()
                    .or_else(|| r.warning.clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let stability: Vec<StabilityLine> = report
        .stability
        .iter()
        .map(|s| StabilityLine {
            anchor: super::text::anchor("item-", &s.item_id),
            item: s.item_id.clone(),
            rounds: format!("{}→{}", s.round_from, s.round_to),
            n_paired: s.n_paired,
            n_changed: s.wilcoxon.n_nonzero,
            t: number(Some(s.wilcoxon.t), 1),
            p: if s.wilcoxon.no_change {
                "no change".to_owned()
            } else {
                p_value(s.wilcoxon.p_value)
            },
            method: match s.wilcoxon.method.as_deref() {
                Some("exact_conditional") => "exact",
                Some(_) => "normal",
                None => DASH,
            },
            scheibe: number(s.scheibe_pct_change, 1),
            stable: s.scheibe_pct_change.is_some_and(|c| c < SCHEIBE_STABLE_PCT),
        })
        .collect();
    let pairs = report
        .item_level_mcnemar_consensus_in
        .iter()
        .map(|m| {
            let rows: Vec<&StabilityLine> = stability
                .iter()
                .filter(|s| s.rounds == format!("{}→{}", m.round_from, m.round_to))
                .collect();
            PairSummary {
                rounds: format!("{}→{}", m.round_from, m.round_to),
                items: rows.len(),
                stable: rows.iter().filter(|s| s.stable).count(),
                became_in: m.test.b_0to1,
                left_in: m.test.c_1to0,
                p: p_value(Some(m.test.p_exact)),
            }
        })
        .collect();
    AnalysisContext {
        unavailable: None,
        kendall,
        stability,
        pairs,
        attrition,
        attrition_note,
    }
}

/// Round-1 ratings of the panellists who responded to round 1 and to the last round
/// ("stayed") against those who responded to round 1 but not to the last ("left").
fn attrition(index: &RecordIndex<'_>) -> (Option<Attrition>, String) {
    let record = index.record;
    let mut numbers: Vec<i32> = record.rounds.iter().map(|r| r.number).collect();
    numbers.sort_unstable();
    let (Some(&first), Some(&last)) = (numbers.first(), numbers.last()) else {
        return (None, "No round has run.".to_owned());
    };
    if first == last {
        return (
            None,
            "Only one round has run, so nobody has left yet.".to_owned(),
        );
    }
    let responders = |number: i32| -> HashSet<&str> {
        record
            .rounds
            .iter()
            .filter(|r| r.number == number)
            .flat_map(|r| &r.participation)
            .filter(|p| p.submitted_at.is_some())
            .map(|p| p.pseudonym.as_str())
            .collect()
    };
    let (r1, rl) = (responders(first), responders(last));
    let stayed = r1.intersection(&rl).count();
    let left = r1.len() - stayed;
    let scale = &record.settings.scale;
    let cfg = record.settings.describe_config();
    let round1 = record.rounds.iter().find(|r| r.number == first);
    let mut lines = Vec::new();
    let mut differences = Vec::new();
    let mut median_apart = 0;
    let items = round1.map(|r| r.items.as_slice()).unwrap_or_default();
    let empty = Histogram::new(scale.min, scale.max);
    let mut histograms: HashMap<&str, (Histogram, Histogram)> = items
        .iter()
        .map(|ri| (ri.code.as_str(), (empty.clone(), empty.clone())))
        .collect();
    for r in record
        .responses
        .iter()
        .filter(|r| r.round == first && r.counted)
    {
        let (Some(v), Some((stay, gone))) = (r.rating, histograms.get_mut(r.item.as_str())) else {
            continue;
        };
        let who = r.pseudonym.as_str();
        if !r1.contains(who) {
            continue;
        }
        if rl.contains(who) {
            stay.add(v);
        } else {
            gone.add(v);
        }
    }
    for ri in items {
        let Some((h_stay, h_left)) = histograms.remove(ri.code.as_str()) else {
            continue;
        };
        if h_stay.n_valid() + h_left.n_valid() == 0 {
            continue;
        }
        let (s, l) = (describe(&h_stay, &cfg), describe(&h_left, &cfg));
        let difference = s.mean.zip(l.mean).map(|(a, b)| b - a);
        differences.extend(difference);
        if let (Some(a), Some(b)) = (s.median, l.median) {
            median_apart += usize::from((a - b).abs() >= 1.0);
        }
        lines.push(AttritionLine {
            item: ri.code.clone(),
            n_stayed: s.n_valid,
            median_stayed: number(s.median, 2),
            mean_stayed: number(s.mean, 2),
            n_left: l.n_valid,
            median_left: number(l.median, 2),
            mean_left: number(l.mean, 2),
            difference: number(difference, 2),
        });
    }
    let summary = if left == 0 {
        format!("Everyone who responded to round {first} also responded to round {last}.")
    } else if differences.is_empty() {
        "No item has round-1 ratings from both those who stayed and those who left.".to_owned()
    } else {
        let mean = differences.iter().sum::<f64>() / differences.len() as f64;
        let largest = differences.iter().fold(0.0f64, |m, d| m.max(d.abs()));
        format!(
            "Over {} items, those who left rated on average {} points {} than those who \
             stayed (largest difference {} points); the medians differ by a point or more \
             on {} items.",
            differences.len(),
            number(Some(mean.abs()), 2),
            if mean >= 0.0 { "higher" } else { "lower" },
            number(Some(largest), 2),
            median_apart
        )
    };
    let note = format!(
        "{} of the {} round-{first} responders also responded to round {last}; {} did not.",
        stayed,
        r1.len(),
        left
    );
    (
        Some(Attrition {
            first,
            last,
            stayed,
            left,
            lines,
            summary,
        }),
        note,
    )
}
