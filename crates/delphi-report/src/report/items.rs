//! The item ledger, the results of every item in every round (with a chart and per-group
//! results), and the final list by section.

use delphi_core::states::{ItemStatus, Verdict};
use delphi_core::Classification;
use serde::Serialize;

use super::svg::{self, Distribution, Svg};
use super::text::{self, number, percent, DASH};
use crate::record::{RecordIndex, WHOLE_PANEL};
use crate::summary::LedgerEntry;

#[derive(Serialize)]
pub(super) struct LedgerLine {
    anchor: String,
    code: String,
    section: String,
    text: String,
    origin: String,
    rewords: Option<String>,
    replaced_by: Option<String>,
    asked: String,
    status: &'static str,
    status_reason: Option<String>,
    change_note: Option<String>,
    final_verdict: &'static str,
    final_class: &'static str,
}

#[derive(Serialize)]
pub(super) struct ItemRound {
    round: i32,
    n: u64,
    utr: u64,
    median: String,
    quartiles: String,
    iqr: String,
    pct_agree: String,
    verdict: &'static str,
    verdict_class: &'static str,
    reason: Option<String>,
    chart: Svg,
    chart_text: String,
}

#[derive(Serialize)]
pub(super) struct GroupLine {
    round: i32,
    group: String,
    n: u64,
    utr: u64,
    median: String,
    iqr: String,
    pct_agree: String,
    comet: &'static str,
}

#[derive(Serialize)]
pub(super) struct ItemBlock {
    anchor: String,
    code: String,
    text: String,
    path: String,
    rounds: Vec<ItemRound>,
    groups: Vec<GroupLine>,
}

#[derive(Serialize)]
pub(super) struct SectionBlock {
    name: String,
    items: Vec<ItemBlock>,
}

#[derive(Serialize)]
pub(super) struct FinalItem {
    anchor: String,
    code: String,
    text: String,
    round: i32,
}

#[derive(Serialize)]
pub(super) struct FinalSection {
    name: String,
    included: Vec<FinalItem>,
    excluded: Vec<FinalItem>,
    unresolved: Vec<FinalItem>,
}

/// What `report/items.html` shows.
#[derive(Serialize)]
pub(super) struct ItemsContext {
    quantile: &'static str,
    agree_band: String,
    ledger: Vec<LedgerLine>,
    sections: Vec<SectionBlock>,
    final_sections: Vec<FinalSection>,
}

/// The sections in the order their first item appears, each with its item positions.
fn sections(index: &RecordIndex<'_>) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, item) in index.record.items.iter().enumerate() {
        match out.iter_mut().find(|(name, _)| *name == item.section) {
            Some((_, items)) => items.push(i),
            None => out.push((item.section.clone(), vec![i])),
        }
    }
    out
}

fn point_text(index: &RecordIndex<'_>, point: i32, count: u64) -> String {
    let label = index.record.point_label(point);
    let number = point.to_string();
    if label == number || label.starts_with(&format!("{number} ")) {
        format!("{label}: {count}")
    } else {
        format!("{number} ({label}): {count}")
    }
}

fn item_block(index: &RecordIndex<'_>, entry: &LedgerEntry) -> ItemBlock {
    let record = index.record;
    let item = &record.items[entry.item];
    let scale = &record.settings.scale;
    let mut rounds = Vec::new();
    let mut groups = Vec::new();
    for visit in &entry.visits {
        let Some(stored) = index.result(visit.round, &item.code, WHOLE_PANEL) else {
            continue;
        };
        let res = &stored.result;
        let st = &res.statistics;
        let q = res.quartiles();
        let counts = res.counts(scale.min, scale.max);
        let label = format!("Ratings of {} in round {}", item.code, visit.round);
        let mut chart_text: Vec<String> = record
            .points()
            .zip(&counts)
            .map(|(p, &c)| point_text(index, p, c))
            .collect();
        chart_text.push(format!("unable to rate: {}", st.n_utr));
        rounds.push(ItemRound {
            round: visit.round,
            n: st.n_valid,
            utr: st.n_utr,
            median: number(st.median, 2),
            quartiles: match (q.q1, q.q3) {
                (Some(a), Some(b)) => format!("{}–{}", number(Some(a), 2), number(Some(b), 2)),
                _ => DASH.to_owned(),
            },
            iqr: number(q.iqr, 2),
            pct_agree: percent(st.pct_agree),
            verdict: text::verdict(res.verdict()),
            verdict_class: text::verdict_class(res.verdict()),
            reason: match &res.classification {
                Some(Classification::NotClassified { reason }) => Some(reason.clone()),
                _ => None,
            },
            chart: svg::distribution(&Distribution {
                min: scale.min,
                counts: &counts,
                agree: scale.agree,
                label: &label,
            }),
            chart_text: format!("{label}: {}.", chart_text.join("; ")),
        });
        for &g in &index.group_order {
            let group = &record.groups[g];
            let Some(gr) = index.result(visit.round, &item.code, &group.code) else {
                continue;
            };
            let gs = &gr.result.statistics;
            groups.push(GroupLine {
                round: visit.round,
                group: group.name.clone(),
                n: gs.n_valid,
                utr: gs.n_utr,
                median: number(gs.median, 2),
                iqr: number(gr.result.quartiles().iqr, 2),
                pct_agree: percent(gs.pct_agree),
                comet: gs.comet.map_or(DASH, |c| c.as_str()),
            });
        }
    }
    let mut path: Vec<String> = entry
        .visits
        .iter()
        .map(|v| match v.verdict {
            Some(verdict) => format!("round {}: {}", v.round, text::verdict(Some(verdict))),
            None => format!(
                "round {}: {}",
                v.round,
                v.disposition.as_str().replace('_', " ")
            ),
        })
        .collect();
    if let Some(next) = &entry.replaced_by {
        path.push(format!("reworded as {next}"));
    } else if matches!(item.status, ItemStatus::Retired | ItemStatus::Dropped) {
        path.push(item.status.as_str().to_owned());
    }
    ItemBlock {
        anchor: text::anchor("item-", &item.code),
        code: item.code.clone(),
        text: item.text.clone(),
        path: path.join(" → "),
        rounds,
        groups,
    }
}

fn ledger_line(index: &RecordIndex<'_>, entry: &LedgerEntry) -> LedgerLine {
    let item = &index.record.items[entry.item];
    let last = entry.last_verdict().map(|(_, v)| v);
    LedgerLine {
        anchor: text::anchor("item-", &item.code),
        code: item.code.clone(),
        section: item.section.clone(),
        text: item.text.clone(),
        origin: match item.origin_round {
            Some(r) => format!("{} in round {r}", item.origin.as_str()),
            None => item.origin.as_str().to_owned(),
        },
        rewords: item.replaces.clone(),
        replaced_by: entry.replaced_by.clone(),
        asked: if entry.visits.is_empty() {
            "never".to_owned()
        } else {
            entry
                .visits
                .iter()
                .map(|v| v.round.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        },
        status: item.status.as_str(),
        status_reason: item.status_reason.clone(),
        change_note: item.change_note.clone(),
        final_verdict: text::verdict(last),
        final_class: text::verdict_class(last),
    }
}

pub(super) fn context(index: &RecordIndex<'_>, ledger: &[LedgerEntry]) -> ItemsContext {
    let record = index.record;
    let scale = &record.settings.scale;
    let mut blocks = Vec::new();
    let mut finals = Vec::new();
    for (name, items) in sections(index) {
        let mut final_section = FinalSection {
            name: name.clone(),
            included: Vec::new(),
            excluded: Vec::new(),
            unresolved: Vec::new(),
        };
        let mut block_items = Vec::new();
        for &i in &items {
            let entry = &ledger[i];
            if !entry.visits.is_empty() {
                block_items.push(item_block(index, entry));
            }
            let item = &record.items[i];
            if entry.replaced_by.is_some() || item.status == ItemStatus::Replaced {
                continue;
            }
            let Some((round, verdict)) = entry.last_verdict() else {
                continue;
            };
            let line = FinalItem {
                anchor: text::anchor("item-", &item.code),
                code: item.code.clone(),
                text: item.text.clone(),
                round,
            };
            match verdict {
                Verdict::In => final_section.included.push(line),
                Verdict::Out => final_section.excluded.push(line),
                Verdict::None | Verdict::NotClassified => final_section.unresolved.push(line),
            }
        }
        blocks.push(SectionBlock {
            name,
            items: block_items,
        });
        finals.push(final_section);
    }
    ItemsContext {
        quantile: text::quantile_name(record.settings.quantile_type()),
        agree_band: format!("{}–{}", scale.agree[0], scale.agree[1]),
        ledger: ledger.iter().map(|e| ledger_line(index, e)).collect(),
        sections: blocks,
        final_sections: finals,
    }
}
