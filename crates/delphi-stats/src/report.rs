//! The whole report of STATISTICS.md section 9 from a [`Dataset`]: per-item statistics for
//! the panel and each stakeholder group, Kendall's W, rwg(j), stability between consecutive
//! rounds and the item-level McNemar test on "consensus in".

use serde::Serialize;

use crate::comet::{all_groups, Consensus};
use crate::dataset::{Dataset, RoundData, UTR};
use crate::describe::{describe, describe_panel, DescribeConfig, ItemStatistics};
use crate::kendall::{kendall_w, KendallAccumulator, KendallW};
use crate::mcnemar::{mcnemar_paired, McNemar};
use crate::stability::{stability, Stability, StabilityInput};
use crate::Histogram;

/// The group name of the whole panel.
pub const ALL: &str = "ALL";

/// Statistics of one item in one round for one group (or `ALL`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    /// Round number.
    pub round: i64,
    /// Item identifier.
    pub item_id: String,
    /// Stakeholder group, or `ALL`.
    pub group: String,
    /// The section-3 statistics.
    #[serde(flatten)]
    pub stats: ItemStatistics,
    /// COMET applied inside every group with data (whole-panel rows only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comet_all_groups: Option<Option<Consensus>>,
}

/// Kendall's W of one round for one group under one missing-data policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KendallRow {
    /// Round number.
    pub round: i64,
    /// Stakeholder group, or `ALL`.
    pub group: String,
    /// `complete_panellists` (default) or `complete_items`.
    pub policy: String,
    /// Panellists with any row in the round (`complete_panellists` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_panellists_in_round: Option<u64>,
    /// Panellists who rated every item (`complete_panellists`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panellists_used: Option<Vec<String>>,
    /// Items rated by every panellist of the round (`complete_items`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items_used: Option<Vec<String>>,
    /// The result.
    #[serde(flatten)]
    pub result: KendallW,
}

/// rwg(j) over the items of a round (complete panellists). Not meaningful for heterogeneous
/// Delphi items: it grows with J. Provided for completeness only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RwgJRow {
    /// Round number.
    pub round: i64,
    /// Stakeholder group, or `ALL`.
    pub group: String,
    /// Items (J).
    #[serde(rename = "J_items")]
    pub j_items: u64,
    /// Raters.
    pub m_raters: u64,
    /// Mean of the item variances.
    pub mean_item_var: f64,
    /// J(1 − s̄²/σ²)/(J(1 − s̄²/σ²) + s̄²/σ²).
    pub rwg_j: Option<f64>,
}

/// McNemar on "COMET says in" across the items present in two consecutive rounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemLevelMcNemar {
    /// Earlier round.
    pub round_from: i64,
    /// Later round.
    pub round_to: i64,
    /// Items classified in both rounds.
    pub n_items: u64,
    /// The test.
    #[serde(flatten)]
    pub test: McNemar,
}

/// The whole report, in the layout of the oracle JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Per round, item and group (`ALL` first, then the groups with rows, by name).
    pub items: Vec<ItemRow>,
    /// Kendall's W per round and group: `complete_panellists` then `complete_items`.
    pub kendall: Vec<KendallRow>,
    /// rwg(j) per round and group.
    pub rwg_j: Vec<RwgJRow>,
    /// Stability of every item present in two consecutive rounds.
    pub stability: Vec<Stability>,
    /// Item-level McNemar per pair of consecutive rounds.
    pub item_level_mcnemar_consensus_in: Vec<ItemLevelMcNemar>,
}

fn sorted_indices(names: &[String]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| names[a].cmp(&names[b]));
    order
}

/// Whole-panel histograms and classifications, per round position and item index.
struct PanelSummary {
    hist: Vec<Vec<Option<Histogram>>>,
    comet: Vec<Vec<Option<Consensus>>>,
}

/// Counts per (group, code) of one item column: one pass, one byte per panellist.
fn column_counts(column: &[u8], panellist_group: &[u32], counts: &mut [u64]) {
    counts.fill(0);
    for (&code, &g) in column.iter().zip(panellist_group) {
        counts[g as usize * 256 + code as usize] += 1;
    }
}

fn histogram_of(counts: &[u64], scale_min: i32, points: usize) -> Histogram {
    Histogram {
        scale_min,
        counts: counts[1..=points].to_vec(),
        n_utr: counts[UTR as usize],
    }
}

/// The per-item rows of every round (section 3), `ALL` and per group.
pub fn item_rows(ds: &Dataset, cfg: &DescribeConfig) -> Vec<ItemRow> {
    item_rows_with_summary(ds, cfg).0
}

fn item_rows_with_summary(ds: &Dataset, cfg: &DescribeConfig) -> (Vec<ItemRow>, PanelSummary) {
    let points = (ds.scale_max - ds.scale_min + 1) as usize;
    let item_order = sorted_indices(&ds.item_ids);
    let group_order = sorted_indices(&ds.group_names);
    let n_groups = ds.group_names.len();
    let mut counts = vec![0u64; n_groups.max(1) * 256];
    let mut all_counts = vec![0u64; 256];
    let mut rows = Vec::new();
    let mut summary = PanelSummary {
        hist: Vec::with_capacity(ds.rounds.len()),
        comet: Vec::with_capacity(ds.rounds.len()),
    };
    for round in &ds.rounds {
        let mut hists = vec![None; ds.item_ids.len()];
        let mut comets = vec![None; ds.item_ids.len()];
        for &i in &item_order {
            if !round.present[i] {
                continue;
            }
            column_counts(&round.columns[i], &ds.panellist_group, &mut counts);
            all_counts.fill(0);
            for g in 0..n_groups {
                for (total, c) in all_counts.iter_mut().zip(&counts[g * 256..(g + 1) * 256]) {
                    *total += c;
                }
            }
            let all = histogram_of(&all_counts, ds.scale_min, points);
            let all_row = rows.len();
            rows.push(ItemRow {
                round: round.round,
                item_id: ds.item_ids[i].clone(),
                group: ALL.to_owned(),
                stats: describe_panel(&all, cfg),
                comet_all_groups: None,
            });
            let mut group_comets = Vec::new();
            for &g in &group_order {
                let slice = &counts[g * 256..(g + 1) * 256];
                if slice[1..].iter().all(|&c| c == 0) {
                    continue;
                }
                let stats = describe(&histogram_of(slice, ds.scale_min, points), cfg);
                group_comets.push(stats.comet);
                rows.push(ItemRow {
                    round: round.round,
                    item_id: ds.item_ids[i].clone(),
                    group: ds.group_names[g].clone(),
                    stats,
                    comet_all_groups: None,
                });
            }
            rows[all_row].comet_all_groups = Some(all_groups(group_comets));
            comets[i] = rows[all_row].stats.comet;
            hists[i] = Some(all);
        }
        summary.hist.push(hists);
        summary.comet.push(comets);
    }
    (rows, summary)
}

/// Running sums of one (group, item) over complete panellists, for rwg(j).
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    sum: u64,
    sum_sq: u64,
}

/// Kendall's W and rwg(j) of one round, `ALL` first and then every group by name.
fn kendall_round(
    ds: &Dataset,
    round: &RoundData,
    cfg_sigma_eu: f64,
) -> (Vec<KendallRow>, Vec<RwgJRow>) {
    let n_p = ds.panellist_ids.len();
    let n_groups = ds.group_names.len();
    let items: Vec<usize> = sorted_indices(&ds.item_ids)
        .into_iter()
        .filter(|&i| round.present[i])
        .collect();
    let code = |i: usize, p: usize| round.columns[i].get(p).copied().unwrap_or(0);
    let mut in_round = vec![false; n_p];
    let mut complete = vec![true; n_p];
    for &i in &items {
        for p in 0..n_p {
            let c = code(i, p);
            in_round[p] |= c != 0;
            if c == 0 || c == UTR {
                complete[p] = false;
            }
        }
    }
    for p in 0..n_p {
        complete[p] &= in_round[p];
    }
    let panellist_order = sorted_indices(&ds.panellist_ids);
    // Slot 0 is ALL, slot g + 1 is group g.
    let slots = n_groups + 1;
    let mut acc: Vec<KendallAccumulator> = (0..slots)
        .map(|_| KendallAccumulator::new(items.len()))
        .collect();
    let mut sums = vec![Sums::default(); slots * items.len()];
    let mut used: Vec<Vec<String>> = vec![Vec::new(); slots];
    let mut in_round_count = vec![0u64; slots];
    let mut row = vec![0i32; items.len()];
    for &p in &panellist_order {
        if !in_round[p] {
            continue;
        }
        let g = ds.panellist_group[p] as usize + 1;
        in_round_count[0] += 1;
        in_round_count[g] += 1;
        if !complete[p] {
            continue;
        }
        for (j, &i) in items.iter().enumerate() {
            let x = ds.scale_min + i32::from(code(i, p)) - 1;
            row[j] = x;
            let x = x as i64;
            for slot in [0, g] {
                let s = &mut sums[slot * items.len() + j];
                s.sum = s.sum.wrapping_add(x as u64);
                s.sum_sq += (x * x) as u64;
            }
        }
        acc[0].add_rater(&row);
        acc[g].add_rater(&row);
        used[0].push(ds.panellist_ids[p].clone());
        used[g].push(ds.panellist_ids[p].clone());
    }
    let mut kendall = Vec::new();
    let mut rwg = Vec::new();
    let mut slot_order = vec![(0usize, ALL.to_owned())];
    slot_order.extend(
        sorted_indices(&ds.group_names)
            .into_iter()
            .map(|g| (g + 1, ds.group_names[g].clone())),
    );
    for (slot, name) in slot_order {
        let result = acc[slot].finish();
        let m = result.m_raters;
        if m >= 2 && result.n_items >= 1 {
            let j_items = items.len();
            let mean_item_var = (0..j_items)
                .map(|j| {
                    let s = sums[slot * j_items + j];
                    let (sum, mm) = (s.sum as i64 as f64, m as f64);
                    (mm * s.sum_sq as f64 - sum * sum) / (mm * (mm - 1.0))
                })
                .sum::<f64>()
                / j_items as f64;
            let ratio = mean_item_var / cfg_sigma_eu;
            let jf = j_items as f64;
            let den = jf * (1.0 - ratio) + ratio;
            rwg.push(RwgJRow {
                round: round.round,
                group: name.clone(),
                j_items: j_items as u64,
                m_raters: m,
                mean_item_var,
                rwg_j: (den != 0.0).then(|| jf * (1.0 - ratio) / den),
            });
        }
        kendall.push(KendallRow {
            round: round.round,
            group: name.clone(),
            policy: "complete_panellists".to_owned(),
            n_panellists_in_round: Some(in_round_count[slot]),
            panellists_used: Some(std::mem::take(&mut used[slot])),
            items_used: None,
            result,
        });
        let raters: Vec<usize> = panellist_order
            .iter()
            .copied()
            .filter(|&p| in_round[p] && (slot == 0 || ds.panellist_group[p] as usize + 1 == slot))
            .collect();
        kendall.push(complete_items_row(ds, round, &items, &raters, name));
    }
    (kendall, rwg)
}

/// The `complete_items` policy (irr::kendall): drop items with any missing rating among
/// `raters` (the panellists of the round, or of one group in it).
fn complete_items_row(
    ds: &Dataset,
    round: &RoundData,
    items: &[usize],
    raters: &[usize],
    group: String,
) -> KendallRow {
    let code = |i: usize, p: usize| round.columns[i].get(p).copied().unwrap_or(0);
    let kept: Vec<usize> = items
        .iter()
        .copied()
        .filter(|&i| raters.iter().all(|&p| !matches!(code(i, p), 0 | UTR)))
        .collect();
    let result = if raters.is_empty() || kept.is_empty() {
        kendall_w(&[])
    } else {
        let mut acc = KendallAccumulator::new(kept.len());
        let mut row = vec![0i32; kept.len()];
        for &p in raters {
            for (x, &i) in row.iter_mut().zip(&kept) {
                *x = ds.scale_min + i32::from(code(i, p)) - 1;
            }
            acc.add_rater(&row);
        }
        acc.finish()
    };
    KendallRow {
        round: round.round,
        group,
        policy: "complete_items".to_owned(),
        n_panellists_in_round: None,
        panellists_used: None,
        items_used: Some(kept.iter().map(|&i| ds.item_ids[i].clone()).collect()),
        result,
    }
}

/// Stability rows and the item-level McNemar for consecutive rounds.
fn stability_rows(
    ds: &Dataset,
    cfg: &DescribeConfig,
    summary: &PanelSummary,
) -> (Vec<Stability>, Vec<ItemLevelMcNemar>) {
    let item_order = sorted_indices(&ds.item_ids);
    let mut rows = Vec::new();
    let mut item_level = Vec::new();
    for k in 1..ds.rounds.len() {
        let (r0, r1) = (&ds.rounds[k - 1], &ds.rounds[k]);
        let common: Vec<usize> = item_order
            .iter()
            .copied()
            .filter(|&i| r0.present[i] && r1.present[i])
            .collect();
        let mut from = Vec::new();
        let mut to = Vec::new();
        for &i in &common {
            from.clear();
            to.clear();
            for (&a, &b) in r0.columns[i].iter().zip(&r1.columns[i]) {
                if !matches!(a, 0 | UTR) && !matches!(b, 0 | UTR) {
                    from.push(ds.scale_min + i32::from(a) - 1);
                    to.push(ds.scale_min + i32::from(b) - 1);
                }
            }
            let empty = Histogram::new(ds.scale_min, ds.scale_max);
            let all_from = summary.hist[k - 1][i].as_ref().unwrap_or(&empty);
            let all_to = summary.hist[k][i].as_ref().unwrap_or(&empty);
            let input = StabilityInput {
                paired_from: &from,
                paired_to: &to,
                all_from,
                all_to,
                agree: cfg.agree,
            };
            rows.push(stability(&ds.item_ids[i], r0.round, r1.round, &input));
        }
        let pairs: Vec<(bool, bool)> = common
            .iter()
            .filter_map(|&i| {
                let a = summary.comet[k - 1][i]?;
                let b = summary.comet[k][i]?;
                Some((a == Consensus::In, b == Consensus::In))
            })
            .collect();
        item_level.push(ItemLevelMcNemar {
            round_from: r0.round,
            round_to: r1.round,
            n_items: pairs.len() as u64,
            test: mcnemar_paired(pairs),
        });
    }
    (rows, item_level)
}

/// The whole section-9 report.
pub fn report(ds: &Dataset, cfg: &DescribeConfig) -> Report {
    let (items, summary) = item_rows_with_summary(ds, cfg);
    let points = f64::from(ds.scale_max - ds.scale_min + 1);
    let sigma_eu = (points * points - 1.0) / 12.0;
    let mut kendall = Vec::new();
    let mut rwg_j = Vec::new();
    for round in &ds.rounds {
        let (k, r) = kendall_round(ds, round, sigma_eu);
        kendall.extend(k);
        rwg_j.extend(r);
    }
    let (stability, item_level_mcnemar_consensus_in) = stability_rows(ds, cfg, &summary);
    Report {
        items,
        kendall,
        rwg_j,
        stability,
        item_level_mcnemar_consensus_in,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DatasetBuilder;

    #[test]
    fn complete_items_per_group() {
        let mut b = DatasetBuilder::new(1, 9).expect("scale");
        for (item, p, g, r) in [
            ("I1", "P1", "A", Some(7)),
            ("I2", "P1", "A", Some(8)),
            ("I3", "P1", "A", None),
            ("I1", "P2", "A", Some(5)),
            ("I2", "P2", "A", Some(6)),
            ("I3", "P2", "A", Some(7)),
            ("I1", "P3", "B", Some(1)),
            ("I3", "P3", "B", Some(3)),
        ] {
            b.add(1, item, p, g, r).expect("row");
        }
        let report = report(&b.finish(), &DescribeConfig::default());
        let row = |group: &str, policy: &str| {
            report
                .kendall
                .iter()
                .find(|k| k.group == group && k.policy == policy)
                .expect("row")
        };
        let all = row(ALL, "complete_items");
        assert_eq!(all.items_used.as_deref(), Some(&["I1".to_owned()][..]));
        assert_eq!(all.result.m_raters, 3);
        let a = row("A", "complete_items");
        assert_eq!(a.items_used, Some(vec!["I1".to_owned(), "I2".to_owned()]));
        assert_eq!(a.result.w, Some(1.0));
        let b_row = row("B", "complete_items");
        assert_eq!(b_row.result.m_raters, 1);
        assert_eq!(b_row.result.w, None);
        // Only P2 rated every item of the round with a number.
        let complete = row(ALL, "complete_panellists");
        assert_eq!(complete.panellists_used, Some(vec!["P2".to_owned()]));
        assert_eq!(complete.result.m_raters, 1);
        assert_eq!(row("B", "complete_panellists").result.m_raters, 0);
        assert_eq!(
            row("A", "complete_panellists").n_panellists_in_round,
            Some(2)
        );
    }
}
