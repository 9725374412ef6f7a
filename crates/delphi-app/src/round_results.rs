//! A closed round's results as the researcher's results page reads them: per item the whole
//! panel and each stakeholder group (the stored results, never recomputed), the rule and the
//! quantile type they were computed with, the round's concordance, and the stopping rule's
//! state.

use delphi_core::results::Concordance;
use delphi_core::stopping::{self, StopReason};
use delphi_core::{Classification, StoredResult};
use delphi_store::{read_tx, rounds, studies};
use serde::Serialize;

use crate::access::{self, Actor, Permission};
use crate::queries::{self, ItemResult};
use crate::{App, AppError};

/// One item of the round: the whole panel and each group.
#[derive(Debug, Clone, Serialize)]
pub struct ItemResults {
    /// Item code.
    pub code: String,
    /// The exact words rated.
    pub text: String,
    /// Section.
    pub section: String,
    /// The whole panel.
    pub whole: StoredResult,
    /// Each stakeholder group, by code, in the study's order.
    pub groups: Vec<(String, StoredResult)>,
}

/// A stakeholder group of the study.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// The stopping rule's state after the round.
#[derive(Debug, Clone, Serialize)]
pub struct StoppingState {
    /// The protocol's maximum of rounds.
    pub max_rounds: u32,
    /// Whether this round is the last the protocol allows.
    pub max_rounds_reached: bool,
    /// Items classified in or out.
    pub resolved: usize,
    /// Items rated.
    pub rated: usize,
    /// Whether the protocol stops when every item is classified.
    pub when_all_classified: bool,
    /// The protocol's stability threshold (Scheibe's % change), if any.
    pub stability_pct: Option<f64>,
    /// The largest Scheibe change over the items rated in the previous round too.
    pub max_change_pct: Option<f64>,
    /// Whether the study may stop, and why, in words.
    pub stop: Option<String>,
}

/// A closed round's results.
#[derive(Debug, Clone, Serialize)]
pub struct RoundResults {
    /// Study short name.
    pub slug: String,
    /// Study title.
    pub title: String,
    /// Round number.
    pub number: i32,
    /// The study's closed rounds' numbers.
    pub closed_rounds: Vec<i32>,
    /// The scale.
    pub scale: (i32, i32),
    /// The stakeholder groups.
    pub groups: Vec<Group>,
    /// The sections, in the study's order of first appearance.
    pub sections: Vec<String>,
    /// Per item, in the round's order.
    pub items: Vec<ItemResults>,
    /// Kendall's W of the round, as stored at the close.
    pub concordance: Option<Concordance>,
    /// The stopping rule's state.
    pub stopping: StoppingState,
}

/// The results of round `number` (closed) of the study `slug`.
pub fn round_results(
    app: &App,
    actor: &Actor,
    slug: &str,
    number: i32,
) -> Result<RoundResults, AppError> {
    let rows = queries::round_results(app, actor, slug, number)?;
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Read)?;
        let settings = crate::studies::settings_of(&study)?;
        let groups: Vec<Group> = studies::groups(conn, &study.id)?
            .into_iter()
            .map(|g| Group {
                code: g.code,
                name: g.name,
            })
            .collect();
        let closed_rounds = rounds::for_study(conn, &study.id)?
            .into_iter()
            .filter(|r| r.closed_at.is_some())
            .map(|r| r.number)
            .collect();
        let items = gather(rows, &groups);
        let mut sections: Vec<String> = Vec::new();
        for item in &items {
            if !sections.contains(&item.section) {
                sections.push(item.section.clone());
            }
        }
        let classifications: Vec<Classification> = items
            .iter()
            .filter_map(|i| i.whole.classification.clone())
            .collect();
        let max_change_pct = items
            .iter()
            .filter_map(|i| i.whole.stability.as_ref()?.scheibe_pct_change)
            .fold(None, |max: Option<f64>, c| {
                Some(max.map_or(c, |m| m.max(c)))
            });
        let stop = stopping::should_stop(
            &settings.stopping,
            number as u32,
            &classifications,
            max_change_pct,
        )
        .map(|reason| match reason {
            StopReason::MaxRounds(n) => format!("maximum rounds reached ({n})"),
            StopReason::AllClassified => "all items classified".to_owned(),
            StopReason::Stable { max_change_pct } => {
                format!("stable (ratings changed at most {max_change_pct:.1} %)")
            }
        });
        Ok(RoundResults {
            slug: study.slug.clone(),
            title: study.title.clone(),
            number,
            closed_rounds,
            scale: (settings.scale.min, settings.scale.max),
            sections,
            concordance: items.iter().find_map(|i| i.whole.round_concordance.clone()),
            stopping: StoppingState {
                max_rounds: settings.stopping.max_rounds,
                max_rounds_reached: number as u32 >= settings.stopping.max_rounds,
                resolved: classifications.iter().filter(|c| c.is_resolved()).count(),
                rated: classifications.len(),
                when_all_classified: settings.stopping.when_all_classified,
                stability_pct: settings.stopping.stability_pct,
                max_change_pct,
                stop,
            },
            groups,
            items,
        })
    })
}

/// Folds the rows (whole panel first per item) into items.
fn gather(rows: Vec<ItemResult>, groups: &[Group]) -> Vec<ItemResults> {
    let mut items: Vec<ItemResults> = Vec::new();
    for row in rows {
        if row.group == delphi_core::results::WHOLE_PANEL {
            items.push(ItemResults {
                code: row.code,
                text: row.text,
                section: row.section,
                whole: row.result,
                groups: Vec::new(),
            });
        } else if let Some(item) = items.last_mut().filter(|i| i.code == row.code) {
            item.groups.push((row.group, row.result));
        }
    }
    for item in &mut items {
        item.groups
            .sort_by_key(|(code, _)| groups.iter().position(|g| &g.code == code));
    }
    items
}
