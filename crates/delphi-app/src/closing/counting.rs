//! Which saved answers count in a round's results (the study's `counting` settings), and the
//! histograms and answer counts of the answers that do.

use std::collections::HashMap;

use delphi_core::results::AnswerCount;
use delphi_core::settings::{CountingSettings, WithdrawnAnswers};
use delphi_stats::Histogram;
use delphi_store::{panellists, responses, rounds, DbConnection};

use crate::AppError;

/// Why one panellist's answers in a round count or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// They count.
    Counts,
    /// Saved but never submitted, and the study counts submitted answers only.
    Unsubmitted,
    /// The panellist withdrew and the study drops a withdrawn panellist's answers.
    Withdrawn,
}

/// The counting rule itself, for one panellist's answers in one round: whether they
/// submitted, and whether they withdrew before the round closed (a withdrawal after the close
/// leaves that round's results as they were). The close and the exports' `counted` flag both
/// ask this function, so they cannot disagree.
pub fn standing(
    counting: &CountingSettings,
    submitted: bool,
    withdrawn_before_close: bool,
) -> Standing {
    if withdrawn_before_close && counting.withdrawn == WithdrawnAnswers::Drop {
        Standing::Withdrawn
    } else if !submitted && !counting.unsubmitted {
        Standing::Unsubmitted
    } else {
        Standing::Counts
    }
}

/// Each invited panellist of a round: their group index (in `group_index`, by group id) and
/// whether their answers count. The exports read the same answer to mark rows `counted`.
pub fn standings(
    conn: &mut DbConnection,
    study_id: &str,
    round_id: &str,
    counting: &CountingSettings,
    group_index: &HashMap<String, usize>,
) -> Result<HashMap<String, (usize, Standing)>, AppError> {
    let people: HashMap<String, panellists::PanellistRow> = panellists::for_study(conn, study_id)?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut out = HashMap::new();
    for participation in rounds::participations(conn, round_id)? {
        let Some(person) = people.get(&participation.panellist_id) else {
            continue;
        };
        let Some(&group) = group_index.get(&person.group_id) else {
            continue;
        };
        // At the close, every withdrawal recorded so far came before it.
        let standing = standing(
            counting,
            participation.submitted_at.is_some(),
            person.withdrawn_at.is_some(),
        );
        out.insert(participation.panellist_id, (group, standing));
    }
    Ok(out)
}

/// The counted answers of one item: whole panel and per group.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    /// Whole panel.
    pub overall: Histogram,
    /// Per group, in the study's group order.
    pub by_group: Vec<Histogram>,
    /// Whole-panel answers counted and left out.
    pub answers: AnswerCount,
    /// The same per group.
    pub group_answers: Vec<AnswerCount>,
    /// panellist id -> counted numeric rating (for stability and concordance).
    pub ratings: HashMap<String, i32>,
}

impl Tally {
    fn new(empty: &Histogram, groups: usize) -> Self {
        Self {
            overall: empty.clone(),
            by_group: vec![empty.clone(); groups],
            answers: AnswerCount::default(),
            group_answers: vec![AnswerCount::default(); groups],
            ratings: HashMap::new(),
        }
    }
}

/// item id -> its tally, for the items `item_ids` of the round.
pub(crate) fn tally(
    conn: &mut DbConnection,
    round_id: &str,
    item_ids: &[&str],
    standings: &HashMap<String, (usize, Standing)>,
    empty: &Histogram,
    groups: usize,
) -> Result<HashMap<String, Tally>, AppError> {
    let mut tallies: HashMap<String, Tally> = item_ids
        .iter()
        .map(|id| ((*id).to_owned(), Tally::new(empty, groups)))
        .collect();
    for (item_id, panellist_id, rating, utr) in responses::ratings_for_round(conn, round_id)? {
        let (Some(t), Some(&(g, standing))) =
            (tallies.get_mut(&item_id), standings.get(&panellist_id))
        else {
            continue;
        };
        if rating.is_none() && !utr {
            continue;
        }
        let bump = |count: &mut AnswerCount| match standing {
            Standing::Counts => count.counted += 1,
            Standing::Unsubmitted => count.left_out_unsubmitted += 1,
            Standing::Withdrawn => count.left_out_withdrawn += 1,
        };
        bump(&mut t.answers);
        bump(&mut t.group_answers[g]);
        if standing != Standing::Counts {
            continue;
        }
        match rating {
            Some(value) => {
                if t.overall.add(value) {
                    t.by_group[g].add(value);
                    t.ratings.insert(panellist_id, value);
                }
            }
            None => {
                t.overall.add_unable_to_rate();
                t.by_group[g].add_unable_to_rate();
            }
        }
    }
    Ok(tallies)
}
