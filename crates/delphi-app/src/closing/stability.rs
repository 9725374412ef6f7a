//! What a close adds beyond one round's ratings: each item's stability since the previous
//! round (Wilcoxon on the paired counted ratings, Scheibe's percent change) and Kendall's W
//! over the round's items.

use std::collections::HashMap;

use delphi_core::results::{Concordance, ItemStability};
use delphi_core::settings::CountingSettings;
use delphi_stats::{kendall_w, scheibe_pct_change, wilcoxon, Histogram};
use delphi_store::{rounds, DbConnection};

use super::counting::{self, Tally};
use crate::AppError;

/// The counted ratings of the round before the one closing.
pub(crate) struct PreviousRound {
    number: i32,
    tallies: HashMap<String, Tally>,
}

/// The previous round's counted ratings (under the same counting settings), if there is one.
pub(crate) fn previous_round(
    conn: &mut DbConnection,
    study_id: &str,
    number: i32,
    counting_settings: &CountingSettings,
    group_index: &HashMap<String, usize>,
    empty: &Histogram,
) -> Result<Option<PreviousRound>, AppError> {
    let Some(previous) = rounds::for_study(conn, study_id)?
        .into_iter()
        .find(|r| r.number == number - 1)
    else {
        return Ok(None);
    };
    let standings =
        counting::standings(conn, study_id, &previous.id, counting_settings, group_index)?;
    let item_ids: Vec<String> = rounds::items(conn, &previous.id)?
        .into_iter()
        .map(|ri| ri.item_id)
        .collect();
    let ids: Vec<&str> = item_ids.iter().map(String::as_str).collect();
    let tallies = counting::tally(
        conn,
        &previous.id,
        &ids,
        &standings,
        empty,
        group_index.len(),
    )?;
    Ok(Some(PreviousRound {
        number: previous.number,
        tallies,
    }))
}

impl PreviousRound {
    /// The stability of an item (rated before as `earlier_id`) between the two rounds.
    pub(crate) fn stability(&self, earlier_id: &str, now: &Tally) -> Option<ItemStability> {
        let before = self.tallies.get(earlier_id)?;
        if before.overall.n_valid() == 0 {
            return None;
        }
        let mut pairs: Vec<(&String, i32, i32)> = now
            .ratings
            .iter()
            .filter_map(|(who, &to)| before.ratings.get(who).map(|&from| (who, from, to)))
            .collect();
        pairs.sort_unstable();
        let from: Vec<i32> = pairs.iter().map(|p| p.1).collect();
        let to: Vec<i32> = pairs.iter().map(|p| p.2).collect();
        Some(ItemStability {
            previous_round: self.number,
            n_paired: pairs.len() as u64,
            wilcoxon_p: if pairs.is_empty() {
                None
            } else {
                wilcoxon(&from, &to).p_value
            },
            scheibe_pct_change: scheibe_pct_change(&before.overall, &now.overall),
        })
    }

    /// Whether the previous round rated `item_id`.
    pub(crate) fn rated(&self, item_id: &str) -> bool {
        self.tallies.contains_key(item_id)
    }
}

/// Kendall's W over the items (in round order), from the panellists with a counted numeric
/// rating for every one of them.
pub(crate) fn concordance(items: &[&Tally]) -> Concordance {
    let undefined = |raters: u64, reason: &str| Concordance {
        raters,
        items: items.len() as u64,
        w: None,
        p_value: None,
        reason: Some(reason.to_owned()),
    };
    let Some(first) = items.first() else {
        return undefined(0, "the round has no rated item");
    };
    let mut raters: Vec<&String> = first
        .ratings
        .keys()
        .filter(|who| items.iter().all(|t| t.ratings.contains_key(*who)))
        .collect();
    raters.sort_unstable();
    if items.len() < 2 {
        return undefined(raters.len() as u64, "W needs at least two rated items");
    }
    if raters.len() < 2 {
        return undefined(
            raters.len() as u64,
            "W needs at least two panellists who rated every item",
        );
    }
    let rows: Vec<Vec<i32>> = raters
        .iter()
        .map(|who| items.iter().map(|t| t.ratings[*who]).collect())
        .collect();
    let w = kendall_w(&rows);
    Concordance {
        raters: w.m_raters,
        items: w.n_items,
        w: w.w,
        p_value: w.p_value,
        reason: w.reason,
    }
}
