//! Controlled feedback: the previous round's stored results, the panellist's own previous
//! answers and the released comments, turned into what one item shows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use delphi_core::settings::FeedbackSettings;
use delphi_core::states::{CommentDecision, Verdict};
use delphi_store::results::{ResultRow, ALL_GROUPS};
use delphi_store::{responses, results, rounds, DbConnection};

use super::format_number;
use super::view::{ChartView, FeedbackView, GroupMedian, PanelStats};
use crate::AppError;

/// The whole-panel statistics of one item, as stored when the round closed.
#[derive(Debug, Clone, Default)]
struct Stored {
    n: u64,
    unable: u64,
    median: Option<f64>,
    q1: Option<f64>,
    q3: Option<f64>,
    iqr: Option<f64>,
    counts: Vec<u64>,
    classification: Option<Verdict>,
}

/// A closed round's stored results as feedback reads them. They are written once, in the
/// transaction that closes the round, and never change, so every panellist's page can share
/// one parsed copy ([`ResultsCache`]).
#[derive(Debug, Default)]
pub(super) struct RoundResults {
    overall: HashMap<String, Stored>,
    /// item id -> (group code, n, median)
    groups: HashMap<String, Vec<(String, u64, Option<f64>)>>,
}

impl RoundResults {
    fn load(
        conn: &mut DbConnection,
        round: &rounds::RoundRow,
        scale: (i32, i32),
    ) -> Result<Self, AppError> {
        let mut results = Self::default();
        for row in results::for_round(conn, &round.id)? {
            results.add(row, scale);
        }
        Ok(results)
    }

    fn add(&mut self, row: ResultRow, (min, max): (i32, i32)) {
        let result = &row.result;
        let n = result.statistics.n_valid;
        if row.group_code != ALL_GROUPS {
            self.groups.entry(row.item_id).or_default().push((
                row.group_code,
                n,
                result.statistics.median,
            ));
            return;
        }
        let quartiles = result.quartiles();
        self.overall.insert(
            row.item_id,
            Stored {
                n,
                unable: result.statistics.n_utr,
                median: result.statistics.median,
                q1: quartiles.q1,
                q3: quartiles.q3,
                iqr: quartiles.iqr,
                counts: result.counts(min, max),
                classification: row.classification,
            },
        );
    }
}

/// The parsed results of closed rounds, by round id, shared by every page of the process.
#[derive(Debug, Clone, Default)]
pub struct ResultsCache(Arc<Mutex<HashMap<String, Arc<RoundResults>>>>);

/// Rounds kept parsed at most (a round of 100 items takes a few tens of kilobytes).
const CACHED_ROUNDS: usize = 256;

impl ResultsCache {
    /// The results of the closed round `round`, parsed once.
    fn get(
        &self,
        conn: &mut DbConnection,
        round: &rounds::RoundRow,
        scale: (i32, i32),
    ) -> Result<Arc<RoundResults>, AppError> {
        let cached = self.lock().get(&round.id).cloned();
        if let Some(results) = cached {
            return Ok(results);
        }
        let results = Arc::new(RoundResults::load(conn, round, scale)?);
        let mut map = self.lock();
        if map.len() >= CACHED_ROUNDS {
            map.clear();
        }
        map.insert(round.id.clone(), Arc::clone(&results));
        Ok(results)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<RoundResults>>> {
        // The map holds only finished values, so a panic elsewhere leaves it consistent.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What the previous round left for one panellist.
#[derive(Debug, Default)]
pub(super) struct PreviousRound {
    number: i32,
    results: Arc<RoundResults>,
    own: HashMap<String, responses::ResponseRow>,
    comments: HashMap<String, Vec<String>>,
}

impl PreviousRound {
    /// Loads the closed round `number` for `panellist_id`; `None` when there is none.
    pub(super) fn load(
        conn: &mut DbConnection,
        cache: &ResultsCache,
        round: &rounds::RoundRow,
        panellist_id: &str,
        settings: &FeedbackSettings,
        scale: (i32, i32),
    ) -> Result<Self, AppError> {
        let mut previous = Self {
            number: round.number,
            results: cache.get(conn, round, scale)?,
            ..Self::default()
        };
        if settings.own_previous {
            previous.own = responses::for_panellist(conn, &round.id, panellist_id)?
                .into_iter()
                .map(|r| (r.item_id.clone(), r))
                .collect();
        }
        if settings.comments {
            let released: Vec<_> = results::comment_reviews(conn, &round.id)?
                .into_iter()
                .filter(|r| r.decision == CommentDecision::Released)
                .collect();
            if !released.is_empty() {
                let written: HashMap<(String, String), String> =
                    responses::for_round(conn, &round.id)?
                        .into_iter()
                        .filter_map(|r| r.comment.map(|c| ((r.item_id, r.panellist_id), c)))
                        .collect();
                for review in released {
                    let text = review.shown_text.clone().or_else(|| {
                        written
                            .get(&(review.item_id.clone(), review.panellist_id.clone()))
                            .cloned()
                    });
                    if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
                        previous
                            .comments
                            .entry(review.item_id)
                            .or_default()
                            .push(text);
                    }
                }
                for list in previous.comments.values_mut() {
                    list.sort();
                }
            }
        }
        Ok(previous)
    }

    /// The previous panel median of an item (for the outlier-reason prompt), when enough
    /// panellists rated it for statistics to be shown.
    pub(super) fn median(&self, item_id: &str, min_responses: u32) -> Option<f64> {
        self.results
            .overall
            .get(item_id)
            .filter(|s| s.n >= u64::from(min_responses))
            .and_then(|s| s.median)
    }

    /// Whether the previous round has anything about this item.
    pub(super) fn knows(&self, item_id: &str) -> bool {
        self.results.overall.contains_key(item_id) || self.own.contains_key(item_id)
    }

    /// The medians of the groups with enough answers to show, and the names of those with
    /// too few (fewer than `min_responses`, none at all, or no median), both in the study's
    /// order: a group is never left out without a word.
    fn groups(
        &self,
        source_id: &str,
        min_responses: u32,
        groups_in_order: &[(String, String)],
    ) -> (Vec<GroupMedian>, Vec<String>) {
        let stored = self.results.groups.get(source_id);
        let mut shown = Vec::new();
        let mut short = Vec::new();
        for (code, name) in groups_in_order {
            let found = stored
                .into_iter()
                .flatten()
                .find(|(c, _, _)| c == code)
                .filter(|(_, n, _)| *n >= u64::from(min_responses))
                .and_then(|(_, n, median)| median.map(|m| (*n, m)));
            match found {
                Some((n, median)) => shown.push(GroupMedian {
                    name: name.clone(),
                    median: format_number(median),
                    n,
                }),
                None => short.push(name.clone()),
            }
        }
        (shown, short)
    }

    /// The feedback for one item (`source_id` is the item itself or the one it rewords).
    pub(super) fn feedback(
        &self,
        source_id: &str,
        about_previous_wording: bool,
        settings: &FeedbackSettings,
        scale: (i32, i32),
        groups_in_order: &[(String, String)],
    ) -> FeedbackView {
        let own_row = self.own.get(source_id);
        let own_previous = own_row.and_then(|r| match (r.rating, r.unable_to_rate) {
            (Some(value), _) => Some(value.to_string()),
            (None, true) => Some("unable to rate".to_owned()),
            (None, false) => None,
        });
        let stored = self.results.overall.get(source_id);
        let too_few = stored.is_none_or(|s| s.n < u64::from(settings.min_responses));
        let any_stat = settings.median_iqr
            || settings.distribution
            || settings.group_medians
            || settings.status;
        let stats = stored.filter(|_| !too_few && any_stat).map(|s| {
            let (groups, short_groups) = if settings.group_medians {
                self.groups(source_id, settings.min_responses, groups_in_order)
            } else {
                (Vec::new(), Vec::new())
            };
            let show = |flag: bool, v: Option<f64>| v.filter(|_| flag).map(format_number);
            PanelStats {
                n: s.n,
                unable: s.unable,
                median: show(settings.median_iqr, s.median),
                q1: show(settings.median_iqr, s.q1),
                q3: show(settings.median_iqr, s.q3),
                iqr: show(settings.median_iqr, s.iqr),
                chart: settings.distribution.then(|| ChartView {
                    min: scale.0,
                    counts: s.counts.clone(),
                    own: own_row.and_then(|r| r.rating),
                }),
                groups,
                short_groups,
                status: s
                    .classification
                    .filter(|_| settings.status)
                    .map(|verdict| verdict.label().to_owned()),
                status_code: s.classification.filter(|_| settings.status),
            }
        });
        FeedbackView {
            round_number: self.number,
            about_previous_wording,
            own_previous: own_previous.filter(|_| settings.own_previous),
            stats,
            too_few: too_few && any_stat,
            comments: if settings.comments {
                self.comments.get(source_id).cloned().unwrap_or_default()
            } else {
                Vec::new()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_with_too_few_answers_are_named_in_the_studys_order() {
        let mut results = RoundResults::default();
        results.groups.insert(
            "item".to_owned(),
            vec![
                ("managers".to_owned(), 4, Some(6.0)),
                ("link_workers".to_owned(), 5, Some(7.5)),
                ("carers".to_owned(), 6, None),
            ],
        );
        let previous = PreviousRound {
            results: Arc::new(results),
            ..PreviousRound::default()
        };
        let order = [
            (
                "lived".to_owned(),
                "People with lived experience".to_owned(),
            ),
            ("link_workers".to_owned(), "Link workers".to_owned()),
            ("managers".to_owned(), "Managers".to_owned()),
            ("carers".to_owned(), "Carers".to_owned()),
        ];
        let (shown, short) = previous.groups("item", 5, &order);
        assert_eq!(
            shown,
            vec![GroupMedian {
                name: "Link workers".to_owned(),
                median: "7.5".to_owned(),
                n: 5
            }]
        );
        // No row at all, four answers of five, and no median: each named, none dropped.
        assert_eq!(
            short,
            ["People with lived experience", "Managers", "Carers"]
        );
        let (shown, short) = previous.groups("another item", 5, &order);
        assert!(shown.is_empty());
        assert_eq!(short.len(), 4);
    }
}
