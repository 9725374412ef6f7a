//! Read models: what the researcher's and analyst's views, the command line and the exports
//! read. Every function lets the caller in first ([`crate::access`]).

use delphi_core::states::{RoundStatus, StudyStatus, Verdict};
use delphi_core::StoredResult;
use delphi_store::{items, panellists, read_tx, results, rounds, studies, DbConnection};

use crate::access::{self, Actor, Permission, Refusal};
use crate::{App, AppError};

/// A study at a glance.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StudySummary {
    /// Id.
    pub id: String,
    /// Short name.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Draft, running or completed.
    pub status: StudyStatus,
    /// Rounds with their status.
    pub rounds: Vec<RoundSummary>,
    /// Panel size.
    pub panellists: usize,
    /// Items in the study (every status).
    pub items: usize,
}

impl StudySummary {
    /// The latest round, if any.
    pub fn latest_round(&self) -> Option<&RoundSummary> {
        self.rounds.iter().max_by_key(|r| r.number)
    }

    /// The open round, if any.
    pub fn open_round(&self) -> Option<&RoundSummary> {
        self.rounds.iter().find(|r| r.status == RoundStatus::Open)
    }
}

/// A round at a glance.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RoundSummary {
    /// Id.
    pub id: String,
    /// Number.
    pub number: i32,
    /// Draft, open or closed.
    pub status: RoundStatus,
    /// Invited.
    pub invited: usize,
    /// Submitted.
    pub submitted: usize,
}

/// The study `slug` with its rounds and response rates.
pub fn study_summary(app: &App, actor: &Actor, slug: &str) -> Result<StudySummary, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Read)?;
        summary_in(conn, &study)
    })
}

/// [`study_summary`] inside the caller's transaction, for a study already let in.
pub(crate) fn summary_in(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
) -> Result<StudySummary, AppError> {
    let mut round_summaries = Vec::new();
    for round in rounds::for_study(conn, &study.id)? {
        let participations = rounds::participations(conn, &round.id)?;
        round_summaries.push(RoundSummary {
            invited: participations.len(),
            submitted: participations
                .iter()
                .filter(|p| p.submitted_at.is_some())
                .count(),
            id: round.id,
            number: round.number,
            status: round.status,
        });
    }
    Ok(StudySummary {
        panellists: panellists::for_study(conn, &study.id)?.len(),
        items: items::for_study(conn, &study.id)?.len(),
        id: study.id.clone(),
        slug: study.slug.clone(),
        title: study.title.clone(),
        status: study.status,
        rounds: round_summaries,
    })
}

/// The studies `actor` may read, at a glance: a user's own studies (every study for a site
/// administrator), every study for the operator.
pub fn studies_for(app: &App, actor: &Actor) -> Result<Vec<StudySummary>, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let user = match actor {
            Actor::Operator => None,
            Actor::User(_) | Actor::Anonymous => Some(access::signed_in_user(conn, actor)?),
            _ => return Err(AppError::Refused(Refusal::WrongCaller)),
        };
        let mut readable = Vec::new();
        for study in studies::list(conn)? {
            let member = match &user {
                None => true,
                Some(user) => {
                    user.is_admin || studies::member_role(conn, &study.id, &user.id)?.is_some()
                }
            };
            if member {
                readable.push(summary_in(conn, &study)?);
            }
        }
        Ok(readable)
    })
}

/// One item's stored result in a round.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemResult {
    /// Item code.
    pub code: String,
    /// The exact words rated.
    pub text: String,
    /// Section.
    pub section: String,
    /// `ALL` or a group code.
    pub group: String,
    /// Classification (whole panel only).
    pub classification: Option<Verdict>,
    /// The stored statistics and classification.
    pub result: StoredResult,
}

/// The stored results of round `number` of the study `slug`, in item order, whole panel
/// first. A round that has not closed has none yet.
pub fn round_results(
    app: &App,
    actor: &Actor,
    slug: &str,
    number: i32,
) -> Result<Vec<ItemResult>, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Read)?;
        let round = crate::outbox::round_numbered(conn, &study, number)?;
        if round.status != RoundStatus::Closed {
            return Err(AppError::Conflict(format!(
                "round {number} is {}: results exist once it closes",
                round.status
            )));
        }
        let order: Vec<String> = rounds::items(conn, &round.id)?
            .into_iter()
            .map(|ri| ri.item_id)
            .collect();
        let mut rows = results::for_round(conn, &round.id)?;
        rows.sort_by_key(|r| {
            (
                order.iter().position(|id| *id == r.item_id),
                r.group_code != results::ALL_GROUPS,
            )
        });
        let all_items: std::collections::HashMap<String, items::ItemRow> =
            items::for_study(conn, &study.id)?
                .into_iter()
                .map(|i| (i.id.clone(), i))
                .collect();
        rows.into_iter()
            .map(|row| {
                let item = all_items
                    .get(&row.item_id)
                    .ok_or_else(|| AppError::Internal("result for a missing item".into()))?;
                Ok(ItemResult {
                    code: item.code.clone(),
                    text: item.text.clone(),
                    section: item.section.clone(),
                    group: row.group_code,
                    classification: row.classification,
                    result: row.result,
                })
            })
            .collect()
    })
}

/// A personal link, with whose it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PanellistLink {
    /// Pseudonym.
    pub pseudonym: String,
    /// Stakeholder group's name.
    pub group: String,
    /// The link.
    pub link: String,
}

/// The study's live personal links (for the demo, and for researchers re-sending a link by
/// hand). Whoever holds a link can answer as that panellist, so only callers who may manage
/// the study get them.
pub fn panellist_links(
    app: &App,
    actor: &Actor,
    slug: &str,
) -> Result<Vec<PanellistLink>, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Manage)?;
        let groups = studies::groups(conn, &study.id)?;
        panellists::for_study(conn, &study.id)?
            .into_iter()
            .filter(|p| p.token_revoked_at.is_none() && p.withdrawn_at.is_none())
            .map(|p| {
                let token = crate::tokens::unseal(&app.secret, &p.token_sealed)?;
                let group = groups
                    .iter()
                    .find(|g| g.id == p.group_id)
                    .map(|g| g.name.clone())
                    .unwrap_or_default();
                Ok(PanellistLink {
                    pseudonym: p.pseudonym,
                    group,
                    link: crate::tokens::link(&app.base_url, &token),
                })
            })
            .collect()
    })
}
