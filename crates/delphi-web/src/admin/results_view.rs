//! The results page's view: per item the whole panel (n counted and left out, median, IQR
//! named by quantile type, percent agreement, classification with its rule, chart, change,
//! stability) and each stakeholder group, filtered and sorted by the page's query.

use delphi_app::round_results::{ItemResults, RoundResults};
use delphi_app::AppError;
use delphi_core::states::Verdict;
use delphi_core::{Classification, StoredResult};
use delphi_render::chart::distribution_svg;
use serde::{Deserialize, Serialize};

use super::results_words::{concordance_text, number, signed, stopping_lines};

/// The page's query: `section`, `status`, `group`, `sort` (each optional).
#[derive(Debug, Default, Deserialize)]
pub struct ResultsQuery {
    section: Option<String>,
    status: Option<String>,
    group: Option<String>,
    sort: Option<String>,
}

/// The ways to sort.
const SORTS: [&str; 5] = ["order", "code", "median", "agreement", "status"];

#[derive(Serialize)]
struct Stats {
    label: String,
    counted: u64,
    left_out: u64,
    utr: u64,
    median: String,
    iqr: String,
    quartiles: String,
    agree: String,
    chart: String,
}

fn stats(item: &str, label: &str, result: &StoredResult, (min, max): (i32, i32)) -> Stats {
    let s = &result.statistics;
    let q = result.quartiles();
    let answers = result.answers.unwrap_or_default();
    Stats {
        chart: distribution_svg(
            &format!("{item}, {label}: ratings from {min} to {max}"),
            min,
            &result.counts(min, max),
        ),
        label: label.to_owned(),
        counted: answers.counted,
        left_out: answers.left_out(),
        utr: s.n_utr,
        median: number(s.median),
        iqr: number(q.iqr),
        quartiles: format!("{}–{}", number(q.q1), number(q.q3)),
        agree: s
            .pct_agree
            .map_or_else(|| "–".to_owned(), |p| format!("{p:.0} %")),
    }
}

#[derive(Serialize)]
struct ItemView {
    code: String,
    text: String,
    section: String,
    status: &'static str,
    status_class: &'static str,
    reason: Option<String>,
    rule: String,
    whole: Stats,
    groups: Vec<Stats>,
    change: Option<String>,
    stability: Option<String>,
}

fn verdict_of(item: &ItemResults) -> Verdict {
    item.whole.verdict().unwrap_or(Verdict::NotClassified)
}

fn item_view(item: &ItemResults, data: &RoundResults, group: Option<&str>) -> ItemView {
    let verdict = verdict_of(item);
    let rule =
        item.whole
            .rule
            .as_ref()
            .map_or_else(String::new, |r| match (&r.consensus_out, verdict) {
                (Some(out), Verdict::Out) => format!("consensus out: {out}"),
                (Some(out), _) => format!("consensus in: {}; consensus out: {out}", r.consensus_in),
                (None, _) => format!("consensus in: {}", r.consensus_in),
            });
    let name_of = |code: &str| {
        data.groups
            .iter()
            .find(|g| g.code == code)
            .map_or_else(|| code.to_owned(), |g| g.name.clone())
    };
    ItemView {
        code: item.code.clone(),
        text: item.text.clone(),
        section: item.section.clone(),
        status: verdict.label(),
        status_class: verdict.as_str(),
        reason: match &item.whole.classification {
            Some(Classification::NotClassified { reason }) => Some(reason.clone()),
            _ => None,
        },
        rule,
        whole: stats(&item.code, "Whole panel", &item.whole, data.scale),
        groups: item
            .groups
            .iter()
            .filter(|(code, _)| group.is_none_or(|g| g == code))
            .map(|(code, result)| stats(&item.code, &name_of(code), result, data.scale))
            .collect(),
        change: item.whole.change.as_ref().map(|c| {
            format!(
                "since round {}: median {}, IQR {}{}",
                c.previous_round,
                signed(c.delta_median),
                signed(c.delta_iqr),
                c.previous_classification
                    .map(|v| format!(" (then: {})", v.label()))
                    .unwrap_or_default()
            )
        }),
        stability: item.whole.stability.as_ref().map(|s| {
            format!(
                "{} paired; Wilcoxon p = {}; Scheibe's change {} %",
                s.n_paired,
                s.wilcoxon_p
                    .map_or_else(|| "–".to_owned(), |p| format!("{p:.3}")),
                number(s.scheibe_pct_change)
            )
        }),
    }
}

/// A choice of a filter.
#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// Everything the results template shows.
#[derive(Serialize)]
pub struct ResultsData {
    slug: String,
    number: i32,
    quantile: String,
    shown: usize,
    total: usize,
    items: Vec<ItemView>,
    sections: Vec<Choice>,
    statuses: Vec<Choice>,
    groups: Vec<Choice>,
    sorts: Vec<Choice>,
    concordance: String,
    stopping: Vec<String>,
    stop: Option<String>,
    rounds: Vec<i32>,
}

fn choices(options: Vec<(String, String)>, chosen: Option<&str>) -> Vec<Choice> {
    options
        .into_iter()
        .map(|(value, label)| Choice {
            selected: chosen == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

fn pick(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The page's view of `data` under `query`; an unknown filter value names the parameter.
pub fn view(data: RoundResults, query: &ResultsQuery) -> Result<ResultsData, AppError> {
    let section = pick(&query.section);
    if let Some(s) = section.filter(|s| !data.sections.iter().any(|known| known == s)) {
        return Err(AppError::invalid(
            "section",
            format!("this round has no section {s:?}"),
        ));
    }
    let status = match pick(&query.status) {
        None => None,
        Some(s) => Some(Verdict::parse(s).map_err(|_| {
            AppError::invalid("status", "status is one of in, out, none, not_classified")
        })?),
    };
    let group = pick(&query.group);
    if let Some(g) = group.filter(|g| !data.groups.iter().any(|known| known.code == *g)) {
        return Err(AppError::invalid(
            "group",
            format!("this study has no group {g:?}"),
        ));
    }
    let sort = pick(&query.sort).unwrap_or("order");
    if !SORTS.contains(&sort) {
        return Err(AppError::invalid(
            "sort",
            format!("sort is one of {}", SORTS.join(", ")),
        ));
    }
    let mut chosen: Vec<&ItemResults> = data
        .items
        .iter()
        .filter(|i| section.is_none_or(|s| i.section == s))
        .filter(|i| status.is_none_or(|v| verdict_of(i) == v))
        .collect();
    let key = |v: Option<f64>| v.unwrap_or(f64::NEG_INFINITY);
    match sort {
        "code" => chosen.sort_by(|a, b| a.code.cmp(&b.code)),
        "median" => chosen.sort_by(|a, b| {
            key(b.whole.statistics.median).total_cmp(&key(a.whole.statistics.median))
        }),
        "agreement" => chosen.sort_by(|a, b| {
            key(b.whole.statistics.pct_agree).total_cmp(&key(a.whole.statistics.pct_agree))
        }),
        "status" => chosen.sort_by_key(|i| verdict_of(i)),
        _ => {}
    }
    let items: Vec<ItemView> = chosen.iter().map(|i| item_view(i, &data, group)).collect();
    let quantile = data.items.first().map_or(7, |i| i.whole.quantile_type);
    let stopping = stopping_lines(&data);
    let concordance = concordance_text(data.concordance.as_ref());
    Ok(ResultsData {
        slug: data.slug.clone(),
        number: data.number,
        quantile: format!("type {quantile} (Hyndman and Fan)"),
        shown: items.len(),
        total: data.items.len(),
        items,
        sections: choices(
            data.sections
                .iter()
                .map(|s| (s.clone(), s.clone()))
                .collect(),
            section,
        ),
        statuses: choices(
            Verdict::ALL
                .iter()
                .map(|v| (v.as_str().to_owned(), v.label().to_owned()))
                .collect(),
            status.map(Verdict::as_str),
        ),
        groups: choices(
            data.groups
                .iter()
                .map(|g| (g.code.clone(), g.name.clone()))
                .collect(),
            group,
        ),
        sorts: choices(
            [
                ("order", "Round order"),
                ("code", "Item code"),
                ("median", "Median, highest first"),
                ("agreement", "Agreement, highest first"),
                ("status", "Classification"),
            ]
            .iter()
            .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
            .collect(),
            Some(sort),
        ),
        concordance,
        stopping,
        stop: data.stopping.stop.clone(),
        rounds: data.closed_rounds.clone(),
    })
}
