//! Read models: what the researcher's and analyst's views and the exports need.

use delphi_store::{items, panellists, results, rounds, studies};

use crate::users::{Access, User};
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
    /// `draft`, `running` or `completed`.
    pub status: String,
    /// Rounds with their status.
    pub rounds: Vec<RoundSummary>,
    /// Panel size.
    pub panellists: usize,
    /// Items in the study (every status).
    pub items: usize,
}

/// A round at a glance.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RoundSummary {
    /// Id.
    pub id: String,
    /// Number.
    pub number: i32,
    /// `draft`, `open` or `closed`.
    pub status: String,
    /// Invited.
    pub invited: usize,
    /// Submitted.
    pub submitted: usize,
}

/// A study with its rounds and response rates.
pub fn study_summary(app: &App, study_id: &str) -> Result<StudySummary, AppError> {
    let mut conn = app.conn()?;
    let study = crate::studies::load(&mut conn, study_id)?;
    let mut round_summaries = Vec::new();
    for round in rounds::for_study(&mut conn, study_id)? {
        let participations = rounds::participations(&mut conn, &round.id)?;
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
        panellists: panellists::for_study(&mut conn, study_id)?.len(),
        items: items::for_study(&mut conn, study_id)?.len(),
        id: study.id,
        slug: study.slug,
        title: study.title,
        status: study.status,
        rounds: round_summaries,
    })
}

/// The studies `user` may read, at a glance (administrators see every study).
pub fn studies_for(app: &App, user: &User) -> Result<Vec<StudySummary>, AppError> {
    let mut readable = Vec::new();
    for study in list_studies(app)? {
        match crate::users::authorize(app, user, &study.id, Access::Read) {
            Ok(_) => readable.push(study_summary(app, &study.id)?),
            Err(AppError::Forbidden(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(readable)
}

/// Every study (for administrators and the CLI).
pub fn list_studies(app: &App) -> Result<Vec<studies::StudyRow>, AppError> {
    let mut conn = app.conn()?;
    Ok(studies::list(&mut conn)?)
}

/// One item's stored result in a round, with the statistics parsed.
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
    pub classification: Option<String>,
    /// The stored statistics JSON.
    pub stats: serde_json::Value,
}

/// The stored results of a round, in item order, whole panel first.
pub fn round_results(app: &App, round_id: &str) -> Result<Vec<ItemResult>, AppError> {
    let mut conn = app.conn()?;
    let round = rounds::find(&mut conn, round_id)?
        .ok_or_else(|| AppError::NotFound("no such round".to_owned()))?;
    let order: Vec<String> = rounds::items(&mut conn, &round.id)?
        .into_iter()
        .map(|ri| ri.item_id)
        .collect();
    let mut rows = results::for_round(&mut conn, round_id)?;
    rows.sort_by_key(|r| {
        (
            order.iter().position(|id| *id == r.item_id),
            r.group_code != results::ALL_GROUPS,
        )
    });
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let item = items::find(&mut conn, &row.item_id)?
            .ok_or_else(|| AppError::Internal("result for a missing item".into()))?;
        out.push(ItemResult {
            code: item.code,
            text: item.text,
            section: item.section,
            group: row.group_code,
            classification: row.classification,
            stats: serde_json::from_str(&row.stats).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// A study's personal links (for the demo and for researchers re-sending a link by hand).
pub fn panellist_links(
    app: &App,
    study_id: &str,
) -> Result<Vec<(String, String, String)>, AppError> {
    let mut conn = app.conn()?;
    let groups = studies::groups(&mut conn, study_id)?;
    panellists::for_study(&mut conn, study_id)?
        .into_iter()
        .filter(|p| p.token_revoked_at.is_none() && p.withdrawn_at.is_none())
        .map(|p| {
            let token = crate::tokens::unseal(&app.secret, &p.token_sealed)?;
            let group = groups
                .iter()
                .find(|g| g.id == p.group_id)
                .map(|g| g.name.clone())
                .unwrap_or_default();
            Ok((
                p.pseudonym,
                group,
                crate::tokens::link(&app.base_url, &token),
            ))
        })
        .collect()
}
