//! Controlled feedback: the previous round's stored results, the panellist's own previous
//! answers and the released comments, turned into what one item shows.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use delphi_core::settings::FeedbackSettings;
use delphi_core::states::{CommentDecision, Verdict};
use delphi_store::results::{ResultRow, ALL_GROUPS};
use delphi_store::{responses, results, rounds, DbConnection};

use super::format_number;
use super::view::{ChartBar, ChartView, FeedbackView, GroupMedian, PanelStats};
use crate::AppError;

/// Bar width and gap of the distribution chart, in SVG units.
const BAR: u32 = 8;
const STEP: u32 = 10;
const CHART_HEIGHT: u32 = 32;

/// The whole-panel statistics of one item, as stored when the round closed.
#[derive(Debug, Clone, Default)]
struct Stored {
    n: u64,
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
            let groups = if settings.group_medians {
                self.results
                    .groups
                    .get(source_id)
                    .into_iter()
                    .flatten()
                    .filter(|(_, n, _)| *n >= u64::from(settings.min_responses))
                    .filter_map(|(code, n, median)| {
                        let position = groups_in_order.iter().position(|(c, _)| c == code)?;
                        median.map(|m| {
                            (
                                position,
                                GroupMedian {
                                    name: groups_in_order[position].1.clone(),
                                    median: format_number(m),
                                    n: *n,
                                },
                            )
                        })
                    })
                    .collect::<std::collections::BTreeMap<usize, GroupMedian>>()
                    .into_values()
                    .collect()
            } else {
                Vec::new()
            };
            let show = |flag: bool, v: Option<f64>| v.filter(|_| flag).map(format_number);
            PanelStats {
                n: s.n,
                median: show(settings.median_iqr, s.median),
                q1: show(settings.median_iqr, s.q1),
                q3: show(settings.median_iqr, s.q3),
                iqr: show(settings.median_iqr, s.iqr),
                chart: settings
                    .distribution
                    .then(|| chart(&s.counts, scale, own_row.and_then(|r| r.rating))),
                groups,
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

/// Draws the distribution: one bar per scale point, tallest bar full height.
fn chart(counts: &[u64], (min, _max): (i32, i32), own: Option<i32>) -> ChartView {
    let peak = counts.iter().copied().max().unwrap_or(0).max(1);
    let mut path = String::with_capacity(counts.len() * 14);
    let mut text = String::with_capacity(counts.len() * 7 + 8);
    let mut own_bar = None;
    for (index, &count) in counts.iter().enumerate() {
        let x = index as u32 * STEP;
        let h = if count == 0 {
            0
        } else {
            ((count as f64 / peak as f64) * f64::from(CHART_HEIGHT - 2))
                .round()
                .max(1.0) as u32
        };
        let point = min + index as i32;
        if h > 0 {
            let _ = write!(path, "M{x} {CHART_HEIGHT}v-{h}h{BAR}v{h}z");
        }
        if own == Some(point) {
            own_bar = Some(ChartBar {
                x,
                y: CHART_HEIGHT - h.max(1),
                w: BAR,
                h: h.max(1),
            });
        }
        if index > 0 {
            text.push_str(", ");
        }
        let _ = write!(text, "{point}: {count}");
    }
    ChartView {
        width: counts.len() as u32 * STEP,
        height: CHART_HEIGHT,
        path,
        own: own_bar,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_scales_bars_to_the_tallest_and_describes_them() {
        let chart = chart(&[0, 2, 4], (1, 3), Some(2));
        assert_eq!(chart.width, 30);
        assert_eq!(chart.path, "M10 32v-15h8v15zM20 32v-30h8v30z");
        assert_eq!(chart.text, "1: 0, 2: 2, 3: 4");
        assert_eq!(
            chart.own,
            Some(ChartBar {
                x: 10,
                y: 17,
                w: 8,
                h: 15
            })
        );
    }
}
