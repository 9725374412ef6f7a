//! Moderating the comments of the round just closed: every comment by item, with the
//! panellist's pseudonym and group (never a name or address) and the reasons given for
//! outlying ratings; release, hide, or release an edited version (the original stays in the
//! panellist's answer, the edit is audited). Released comments (the edited text where there
//! is one) are what the next round's feedback shows ([`crate::panellist`]).

use std::collections::HashMap;

use delphi_core::lifecycle::{RoundStatus, StudyStatus};
use delphi_core::states::CommentDecision;
use delphi_core::text::{self, TextKind};
use delphi_store::results::CommentReviewRow;
use delphi_store::DbConnection;
use delphi_store::{items, panellists, read_tx, responses, results, rounds, studies, write_tx};

use crate::access::{self, Actor, Grant, Permission};
use crate::{audit, App, AppError};

/// What a researcher decides about one comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Show it as written.
    Release,
    /// Never show it.
    Hide,
    /// Show these words instead (e.g. with a name removed); the original is kept.
    ReleaseEdited(String),
}

/// The comments of the latest closed round.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommentsView {
    /// The round whose comments these are (`None` before any round has closed).
    pub round: Option<i32>,
    /// Whether decisions may still change (the round is the latest and the next has not
    /// opened; the study is not completed).
    pub open_for_decisions: bool,
    /// Why they may not, when they may not.
    pub closed_because: Option<String>,
    /// Items of the round that have comments or reasons, in round order.
    pub items: Vec<ItemComments>,
    /// Comments in all, and how many are still undecided.
    pub total: usize,
    /// Comments without a decision.
    pub undecided: usize,
}

/// One item's comments.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemComments {
    /// Item code.
    pub code: String,
    /// The words rated.
    pub text: String,
    /// Section.
    pub section: String,
    /// Each panellist's comment or reason.
    pub comments: Vec<CommentLine>,
}

/// One panellist's comment and reason on one item.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommentLine {
    /// The panellist's pseudonym.
    pub pseudonym: String,
    /// Their stakeholder group's name.
    pub group: String,
    /// Their rating.
    pub rating: Option<i32>,
    /// Whether they were unable to rate.
    pub unable_to_rate: bool,
    /// The comment as written (never changed here).
    pub comment: Option<String>,
    /// The reason given for a rating far from the panel median.
    pub reason: Option<String>,
    /// The decision, once made.
    pub decision: Option<CommentDecision>,
    /// The edited words released instead of the comment.
    pub shown_text: Option<String>,
}

/// The latest closed round, and whether its decisions may still change.
fn moderated_round(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
) -> Result<Option<(rounds::RoundRow, Option<String>)>, AppError> {
    let all = rounds::for_study(conn, &study.id)?;
    let Some(closed) = all
        .iter()
        .rev()
        .find(|r| r.status == RoundStatus::Closed)
        .cloned()
    else {
        return Ok(None);
    };
    let why = if study.status == StudyStatus::Completed {
        Some("the study is completed; its comments can no longer change".to_owned())
    } else if all.last().is_some_and(|r| r.number > closed.number) {
        Some(format!(
            "round {} has opened with the comments of round {} as they were",
            closed.number + 1,
            closed.number
        ))
    } else {
        None
    };
    Ok(Some((closed, why)))
}

/// Every comment and reason of the latest closed round, by item.
pub fn comments(app: &App, actor: &Actor, slug: &str) -> Result<CommentsView, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Read)?;
        let Some((round, why)) = moderated_round(conn, &study)? else {
            return Ok(CommentsView {
                round: None,
                open_for_decisions: false,
                closed_because: Some("no round has closed yet".to_owned()),
                items: Vec::new(),
                total: 0,
                undecided: 0,
            });
        };
        let items_by_id: HashMap<String, items::ItemRow> = items::for_study(conn, &study.id)?
            .into_iter()
            .map(|i| (i.id.clone(), i))
            .collect();
        let groups: HashMap<String, String> = studies::groups(conn, &study.id)?
            .into_iter()
            .map(|g| (g.id, g.name))
            .collect();
        let people: HashMap<String, (String, String)> = panellists::for_study(conn, &study.id)?
            .into_iter()
            .map(|p| {
                let group = groups.get(&p.group_id).cloned().unwrap_or_default();
                (p.id, (p.pseudonym, group))
            })
            .collect();
        let reviews: HashMap<(String, String), CommentReviewRow> =
            results::comment_reviews(conn, &round.id)?
                .into_iter()
                .map(|r| ((r.item_id.clone(), r.panellist_id.clone()), r))
                .collect();
        let mut by_item: HashMap<String, Vec<CommentLine>> = HashMap::new();
        for row in responses::for_round(conn, &round.id)? {
            let comment = row.comment.filter(|c| !c.trim().is_empty());
            let reason = row.reason.filter(|c| !c.trim().is_empty());
            if comment.is_none() && reason.is_none() {
                continue;
            }
            let (pseudonym, group) = people.get(&row.panellist_id).cloned().unwrap_or_default();
            let review = reviews.get(&(row.item_id.clone(), row.panellist_id.clone()));
            by_item.entry(row.item_id).or_default().push(CommentLine {
                pseudonym,
                group,
                rating: row.rating,
                unable_to_rate: row.unable_to_rate,
                decision: review.filter(|_| comment.is_some()).map(|r| r.decision),
                shown_text: review.and_then(|r| r.shown_text.clone()),
                comment,
                reason,
            });
        }
        let mut items = Vec::new();
        for round_item in rounds::items(conn, &round.id)? {
            let (Some(item), Some(mut comments)) = (
                items_by_id.get(&round_item.item_id),
                by_item.remove(&round_item.item_id),
            ) else {
                continue;
            };
            comments.sort_by(|a, b| a.pseudonym.cmp(&b.pseudonym));
            items.push(ItemComments {
                code: item.code.clone(),
                text: item.text.clone(),
                section: item.section.clone(),
                comments,
            });
        }
        let lines = || items.iter().flat_map(|i| &i.comments);
        let total = lines().filter(|c| c.comment.is_some()).count();
        let undecided = lines()
            .filter(|c| c.comment.is_some() && c.decision.is_none())
            .count();
        Ok(CommentsView {
            round: Some(round.number),
            open_for_decisions: why.is_none(),
            closed_because: why,
            items,
            total,
            undecided,
        })
    })
}

/// The round, item and grant of a decision, checked inside the transaction.
struct Target {
    study: studies::StudyRow,
    grant: Grant,
    round: rounds::RoundRow,
    item: items::ItemRow,
}

fn target(
    conn: &mut DbConnection,
    actor: &Actor,
    slug: &str,
    item_code: &str,
) -> Result<Target, AppError> {
    let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
    let Some((round, why)) = moderated_round(conn, &study)? else {
        return Err(AppError::Conflict(
            "no round has closed yet, so there are no comments to decide on".to_owned(),
        ));
    };
    if let Some(why) = why {
        return Err(AppError::Conflict(why));
    }
    let item = items::find_by_code(conn, &study.id, item_code)?
        .filter(|_| !item_code.is_empty())
        .ok_or_else(|| AppError::invalid("item", format!("this study has no item {item_code}")))?;
    if rounds::round_item(conn, &round.id, &item.id)?.is_none() {
        return Err(AppError::invalid(
            "item",
            format!("item {item_code} was not in round {}", round.number),
        ));
    }
    Ok(Target {
        study,
        grant,
        round,
        item,
    })
}

/// Decides on the comment of the panellist `pseudonym` on item `item_code` of the latest
/// closed round. Refused once the next round has opened.
pub fn decide(
    app: &App,
    actor: &Actor,
    slug: &str,
    item_code: &str,
    pseudonym: &str,
    decision: &Decision,
) -> Result<CommentDecision, AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let t = target(conn, actor, slug, item_code)?;
        let person = panellists::for_study(conn, &t.study.id)?
            .into_iter()
            .find(|p| p.pseudonym == pseudonym)
            .ok_or_else(|| {
                AppError::invalid(
                    "panellist",
                    format!("this study has no panellist {pseudonym}"),
                )
            })?;
        let written = responses::for_panellist(conn, &t.round.id, &person.id)?
            .into_iter()
            .find(|r| r.item_id == t.item.id)
            .and_then(|r| r.comment)
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| {
                AppError::invalid(
                    "panellist",
                    format!("{pseudonym} left no comment on {item_code}"),
                )
            })?;
        let (kind, shown_text) = match decision {
            Decision::Release => (CommentDecision::Released, None),
            Decision::Hide => (CommentDecision::Hidden, None),
            Decision::ReleaseEdited(edited) => {
                let edited = text::clean(TextKind::Comment, edited)
                    .map_err(|e| AppError::invalid("text", e.0))?;
                if edited.is_empty() {
                    return Err(AppError::invalid(
                        "text",
                        "the edited comment is empty; hide the comment instead",
                    ));
                }
                let changed = edited != written;
                (CommentDecision::Released, changed.then_some(edited))
            }
        };
        results::review_comment(
            conn,
            &CommentReviewRow {
                round_id: t.round.id.clone(),
                item_id: t.item.id.clone(),
                panellist_id: person.id.clone(),
                decision: kind,
                shown_text: shown_text.clone(),
                decided_by: t.grant.user_id.clone(),
                decided_at: delphi_store::now(),
            },
        )?;
        let action = match (kind, &shown_text) {
            (CommentDecision::Released, Some(_)) => "comment.edited",
            (CommentDecision::Released, None) => "comment.released",
            (CommentDecision::Hidden, _) => "comment.hidden",
        };
        audit::record(
            conn,
            &t.study.id,
            &t.grant.label,
            action,
            serde_json::json!({
                "round": t.round.number,
                "item": item_code,
                "panellist": pseudonym,
                "decision": kind,
                "released_text": shown_text,
            }),
        )?;
        Ok(kind)
    })
}

/// Releases or hides every comment on item `item_code` of the latest closed round; a comment
/// already released with an edit keeps its edit when released again. Returns how many
/// comments were decided.
pub fn decide_item(
    app: &App,
    actor: &Actor,
    slug: &str,
    item_code: &str,
    decision: CommentDecision,
) -> Result<usize, AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let t = target(conn, actor, slug, item_code)?;
        let earlier: HashMap<String, CommentReviewRow> =
            results::comment_reviews(conn, &t.round.id)?
                .into_iter()
                .filter(|r| r.item_id == t.item.id)
                .map(|r| (r.panellist_id.clone(), r))
                .collect();
        let now = delphi_store::now();
        let mut count = 0;
        for row in responses::for_round(conn, &t.round.id)? {
            if row.item_id != t.item.id
                || row.comment.as_deref().is_none_or(|c| c.trim().is_empty())
            {
                continue;
            }
            let shown_text = match decision {
                CommentDecision::Released => earlier
                    .get(&row.panellist_id)
                    .and_then(|r| r.shown_text.clone()),
                CommentDecision::Hidden => None,
            };
            results::review_comment(
                conn,
                &CommentReviewRow {
                    round_id: t.round.id.clone(),
                    item_id: t.item.id.clone(),
                    panellist_id: row.panellist_id,
                    decision,
                    shown_text,
                    decided_by: t.grant.user_id.clone(),
                    decided_at: now,
                },
            )?;
            count += 1;
        }
        audit::record(
            conn,
            &t.study.id,
            &t.grant.label,
            match decision {
                CommentDecision::Released => "comments.released_all",
                CommentDecision::Hidden => "comments.hidden_all",
            },
            serde_json::json!({"round": t.round.number, "item": item_code, "comments": count}),
        )?;
        Ok(count)
    })
}
