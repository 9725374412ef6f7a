//! How each item's classification changes under other common consensus definitions,
//! computed from the statistics stored when its last round closed (Webbe et al. 2023 showed
//! that definitions applied to one Delphi give widely different item sets).

use delphi_core::states::{ItemStatus, Verdict};
use delphi_stats::ItemStatistics;
use serde::Serialize;

use super::text;
use crate::record::{RecordIndex, WHOLE_PANEL};
use crate::summary::LedgerEntry;

#[derive(Serialize)]
pub(super) struct Cell {
    text: &'static str,
    class: &'static str,
    differs: bool,
}

#[derive(Serialize)]
pub(super) struct Line {
    anchor: String,
    item: String,
    round: i32,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
pub(super) struct Total {
    included: usize,
    same_as_study: usize,
}

/// What the sensitivity part of `report/analysis.html` shows.
#[derive(Serialize)]
pub(super) struct SensitivityContext {
    columns: Vec<String>,
    lines: Vec<Line>,
    totals: Vec<Total>,
    scale_note: Option<String>,
    out_note: String,
}

/// `in` when `a` holds, `out` when `b` holds, otherwise `none`.
fn verdict(a: bool, b: bool) -> Verdict {
    if a {
        Verdict::In
    } else if b {
        Verdict::Out
    } else {
        Verdict::None
    }
}

/// The alternative definitions of one item's statistics, in column order (after the
/// study's rule); `None` where a definition is undefined (no numeric rating).
fn alternatives(
    st: &ItemStatistics,
    agree: [i32; 2],
    disagree: [i32; 2],
    nine_point: bool,
) -> [Option<Verdict>; 5] {
    if st.n_valid == 0 {
        return [None; 5];
    }
    let comet = st.comet.map(|c| match c {
        delphi_stats::Consensus::In => Verdict::In,
        delphi_stats::Consensus::Out => Verdict::Out,
        delphi_stats::Consensus::None => Verdict::None,
    });
    let pct75 = Some(verdict(100 * st.n_agree >= 75 * st.n_valid, false));
    let (lo, hi) = (f64::from(agree[0]), f64::from(disagree[1]));
    let median_iqr = |iqr: Option<f64>| {
        let (m, iqr) = (st.median?, iqr?);
        Some(verdict(m >= lo && iqr <= 1.0, m <= hi && iqr <= 1.0))
    };
    let rand = st.rand.as_ref().map(|r| {
        if nine_point {
            match r.category.as_str() {
                "appropriate" => Verdict::In,
                "inappropriate" => Verdict::Out,
                _ => Verdict::None,
            }
        } else {
            let calm = !r.type7.disagreement;
            verdict(calm && r.median >= lo, calm && r.median <= hi)
        }
    });
    [
        comet,
        pct75,
        median_iqr(st.iqr_t6),
        median_iqr(st.iqr_t7),
        rand,
    ]
}

pub(super) fn context(index: &RecordIndex<'_>, ledger: &[LedgerEntry]) -> SensitivityContext {
    let record = index.record;
    let scale = &record.settings.scale;
    let nine_point = scale.min == 1 && scale.max == 9;
    let (a, d) = (scale.agree, scale.disagree);
    let columns = vec![
        "Study rule".to_owned(),
        "COMET 70/15".to_owned(),
        format!("≥ 75 % rate {}–{}", a[0], a[1]),
        format!("Median ≥ {}, IQR ≤ 1 (type 6)", a[0]),
        format!("Median ≥ {}, IQR ≤ 1 (type 7)", a[0]),
        "RAND/UCLA".to_owned(),
    ];
    let mut totals: Vec<Total> = (0..columns.len())
        .map(|_| Total {
            included: 0,
            same_as_study: 0,
        })
        .collect();
    let mut lines = Vec::new();
    for entry in ledger {
        let item = &record.items[entry.item];
        if entry.replaced_by.is_some() || item.status == ItemStatus::Replaced {
            continue;
        }
        let Some((round, study)) = entry.last_verdict() else {
            continue;
        };
        let Some(stored) = index.result(round, &item.code, WHOLE_PANEL) else {
            continue;
        };
        let mut verdicts = vec![Some(study)];
        verdicts.extend(alternatives(&stored.result.statistics, a, d, nine_point));
        let cells = verdicts
            .iter()
            .zip(totals.iter_mut())
            .map(|(&v, total)| {
                total.included += usize::from(v == Some(Verdict::In));
                total.same_as_study += usize::from(v == Some(study));
                Cell {
                    text: text::verdict(v),
                    class: text::verdict_class(v),
                    differs: v != Some(study),
                }
            })
            .collect();
        lines.push(Line {
            anchor: text::anchor("item-", &item.code),
            item: item.code.clone(),
            round,
            cells,
        });
    }
    SensitivityContext {
        out_note: format!(
            "The median rules call an item out when the median is at most {} with an IQR of at \
             most 1; RAND/UCLA's appropriate is in, inappropriate is out, uncertain is no \
             consensus; 75 % agreement has no out.",
            d[1]
        ),
        columns,
        lines,
        totals,
        scale_note: (!nine_point).then(|| {
            format!(
                "The scale is {}–{}, not 1–9: the median rules and RAND/UCLA use the study's \
                 agreement band ({}–{}) and disagreement band ({}–{}) in place of 7–9 and 1–3; \
                 RAND/UCLA's disagreement index was calibrated for 1–9 only.",
                scale.min, scale.max, a[0], a[1], d[0], d[1]
            )
        }),
    }
}
