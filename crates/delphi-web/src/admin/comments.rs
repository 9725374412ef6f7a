//! `/admin/studies/{slug}/comments`: every comment of the round just closed by item, with
//! the writer's pseudonym and group and the reasons given for outlying ratings; release,
//! hide or release an edited version of one comment, or release or hide all of an item's.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::moderation;
use delphi_app::AppError;
use delphi_core::states::CommentDecision;
use serde::{Deserialize, Serialize};

use super::extract::{CsrfForm, SignedIn};
use super::render::{problem, render, see_other, Page};
use crate::api::planning::{decision_of, DecisionWord};
use crate::errors::status_of;
use crate::{blocking, WebState};

/// What an anchor may hold as it is (item codes are letters, digits, `-`, `_` and `.`).
const FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.');

#[derive(Serialize)]
struct CommentsData {
    slug: String,
    round: Option<i32>,
    open: bool,
    closed_because: Option<String>,
    total: usize,
    undecided: usize,
    items: Vec<ItemData>,
}

#[derive(Serialize)]
struct ItemData {
    code: String,
    text: String,
    section: String,
    any_comment: bool,
    comments: Vec<LineData>,
}

#[derive(Serialize)]
struct LineData {
    pseudonym: String,
    group: String,
    rating: String,
    comment: Option<String>,
    reason: Option<String>,
    state: &'static str,
    released: bool,
    hidden: bool,
    shown_text: Option<String>,
}

fn data_of(slug: String, view: moderation::CommentsView) -> CommentsData {
    let items = view
        .items
        .into_iter()
        .map(|item| ItemData {
            any_comment: item.comments.iter().any(|c| c.comment.is_some()),
            code: item.code,
            text: item.text,
            section: item.section,
            comments: item
                .comments
                .into_iter()
                .map(|c| LineData {
                    rating: match (c.rating, c.unable_to_rate) {
                        (Some(r), _) => r.to_string(),
                        (None, true) => "unable to rate".to_owned(),
                        (None, false) => "not rated".to_owned(),
                    },
                    state: match (c.decision, &c.shown_text) {
                        _ if c.comment.is_none() => "",
                        (Some(CommentDecision::Released), Some(_)) => "released, edited",
                        (Some(CommentDecision::Released), None) => "released",
                        (Some(CommentDecision::Hidden), _) => "hidden",
                        (None, _) => "not decided",
                    },
                    released: c.decision == Some(CommentDecision::Released),
                    hidden: c.decision == Some(CommentDecision::Hidden),
                    pseudonym: c.pseudonym,
                    group: c.group,
                    comment: c.comment,
                    reason: c.reason,
                    shown_text: c.shown_text,
                })
                .collect(),
        })
        .collect();
    CommentsData {
        slug,
        round: view.round,
        open: view.open_for_decisions,
        closed_because: view.closed_because,
        total: view.total,
        undecided: view.undecided,
        items,
    }
}

async fn draw(
    state: &WebState,
    signed: &SignedIn,
    slug: String,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> HttpResponse {
    let (app, actor, target) = (state.app.clone(), signed.actor.clone(), slug.clone());
    match blocking(move || moderation::comments(&app, &actor, &target)).await {
        Ok(view) => {
            let title = match view.round {
                Some(n) => format!("Comments of round {n}"),
                None => "Comments".to_owned(),
            };
            let page = Page::of(signed, title, data_of(slug, view))
                .notice(notice)
                .error(error);
            render(state, "admin/comments.html", status, &page)
        }
        Err(error) => problem(state, Some(signed), &error),
    }
}

/// `?done=` after a decision (fixed texts only).
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /admin/studies/{slug}/comments`.
pub async fn show(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
    done: web::Query<Done>,
) -> HttpResponse {
    let notice = match done.done.as_deref() {
        Some("decided") => Some("Saved.".to_owned()),
        _ => None,
    };
    draw(
        &state,
        &signed,
        slug.into_inner(),
        StatusCode::OK,
        notice,
        None,
    )
    .await
}

async fn after<T>(
    state: &WebState,
    signed: &SignedIn,
    slug: String,
    anchor: &str,
    outcome: Result<T, AppError>,
) -> HttpResponse {
    match outcome {
        Ok(_) => see_other(&format!(
            "/admin/studies/{slug}/comments?done=decided#{}",
            percent_encoding::utf8_percent_encode(anchor, FRAGMENT)
        )),
        Err(error @ (AppError::NotFound(_) | AppError::Refused(_))) => {
            problem(state, Some(signed), &error)
        }
        Err(error) => {
            let status = status_of(&error);
            draw(state, signed, slug, status, None, Some(error.to_string())).await
        }
    }
}

/// The form of one comment's decision.
#[derive(Deserialize)]
pub struct DecisionForm {
    item: String,
    panellist: String,
    decision: DecisionWord,
    #[serde(default)]
    text: Option<String>,
}

/// `POST /admin/studies/{slug}/comments`.
pub async fn decide(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<DecisionForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let slug = slug.into_inner();
    let anchor = format!("i-{}", form.item);
    let outcome = match decision_of(form.decision, form.text) {
        Ok(decision) => {
            let (app, actor, target) = (state.app.clone(), signed.actor.clone(), slug.clone());
            blocking(move || {
                moderation::decide(
                    &app,
                    &actor,
                    &target,
                    &form.item,
                    &form.panellist,
                    &decision,
                )
            })
            .await
        }
        Err(error) => Err(error),
    };
    after(&state, &signed, slug, &anchor, outcome).await
}

/// The form of all of an item's comments.
#[derive(Deserialize)]
pub struct ItemForm {
    item: String,
    decision: CommentDecision,
}

/// `POST /admin/studies/{slug}/comments/all`.
pub async fn decide_item(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<ItemForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let slug = slug.into_inner();
    let anchor = format!("i-{}", form.item);
    let (app, actor, target) = (state.app.clone(), signed.actor.clone(), slug.clone());
    let outcome =
        blocking(move || moderation::decide_item(&app, &actor, &target, &form.item, form.decision))
            .await;
    after(&state, &signed, slug, &anchor, outcome).await
}
