//! `/admin/studies/{slug}/plan`: the next-round planner (the rule's proposal per item, the
//! researcher's changes with their reasons, items added from comments, the summary and its
//! warnings), the confirmation and opening of the round, and completing the study.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::opening::RoundOptions;
use delphi_app::planner::{self, PlanView};
use delphi_app::{studies, AppError};
use serde::{Deserialize, Serialize};

use super::extract::{CsrfForm, SignedIn};
use super::render::{problem, render, see_other, Page};
use crate::api::planning::{deadline_of, ChangeBody, SuggestionBody};
use crate::errors::status_of;
use crate::{blocking, WebState};

#[derive(Serialize)]
struct PlanData {
    slug: String,
    #[serde(flatten)]
    plan: PlanView,
}

/// Which of the planner's pages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Screen {
    Plan,
    ConfirmOpen,
    ConfirmComplete,
}

async fn draw(
    state: &WebState,
    signed: &SignedIn,
    slug: String,
    screen: Screen,
    status: StatusCode,
    error: Option<String>,
) -> HttpResponse {
    let (app, actor, target) = (state.app.clone(), signed.actor.clone(), slug.clone());
    let plan = match blocking(move || planner::plan_view(&app, &actor, &target)).await {
        Ok(plan) => plan,
        Err(error) => return problem(state, Some(signed), &error),
    };
    let (title, template) = match screen {
        Screen::Plan if plan.blocked.is_some() => ("Next round".to_owned(), "admin/plan.html"),
        Screen::Plan => (format!("Plan round {}", plan.next_round), "admin/plan.html"),
        Screen::ConfirmOpen => (
            format!("Open round {}?", plan.next_round),
            "admin/plan_open.html",
        ),
        Screen::ConfirmComplete => ("Complete the study?".to_owned(), "admin/complete.html"),
    };
    let page = Page::of(signed, title, PlanData { slug, plan }).error(error);
    render(state, template, status, &page)
}

/// `GET /admin/studies/{slug}/plan`.
pub async fn show(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
) -> HttpResponse {
    draw(
        &state,
        &signed,
        slug.into_inner(),
        Screen::Plan,
        StatusCode::OK,
        None,
    )
    .await
}

/// After a change: back to the planner, or the planner with the error.
async fn after<T>(
    state: &WebState,
    signed: &SignedIn,
    slug: String,
    screen: Screen,
    outcome: Result<T, AppError>,
    done: impl FnOnce(T) -> String,
) -> HttpResponse {
    match outcome {
        Ok(value) => see_other(&done(value)),
        Err(error @ (AppError::NotFound(_) | AppError::Refused(_))) => {
            problem(state, Some(signed), &error)
        }
        Err(error) => {
            let status = status_of(&error);
            draw(state, signed, slug, screen, status, Some(error.to_string())).await
        }
    }
}

/// The change form: the API's body, with the comment source as `ITEM/PSEUDONYM`.
#[derive(Deserialize)]
pub struct ChangeForm {
    kind: delphi_core::states::PlanChangeKind,
    code: String,
    #[serde(default)]
    new_code: Option<String>,
    #[serde(default)]
    section: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    from: Option<String>,
}

/// `POST /admin/studies/{slug}/plan`: one change.
pub async fn change(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<ChangeForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let slug = slug.into_inner();
    // `ITEM/PSEUDONYM` for a comment, `~PSEUDONYM/SECTION` for a suggestion.
    let from = form.from.as_deref().unwrap_or_default();
    let (mut from_item, mut from_panellist, mut from_suggestion) = (None, None, None);
    if let Some(rest) = from.strip_prefix('~') {
        if let Some((who, section)) = rest.split_once('/') {
            from_suggestion = Some(SuggestionBody {
                pseudonym: who.to_owned(),
                section: section.to_owned(),
            });
        }
    } else if let Some((item, who)) = from.split_once('/') {
        (from_item, from_panellist) = (Some(item.to_owned()), Some(who.to_owned()));
    }
    let input = ChangeBody {
        kind: form.kind,
        code: form.code,
        new_code: form.new_code,
        section: form.section,
        text: form.text,
        reason: form.reason,
        from_item,
        from_panellist,
        from_suggestion,
    }
    .input();
    let (app, actor, target) = (state.app.clone(), signed.actor.clone(), slug.clone());
    let outcome = blocking(move || planner::change(&app, &actor, &target, &input)).await;
    let back = format!("/admin/studies/{slug}/plan");
    after(&state, &signed, slug, Screen::Plan, outcome, |()| back).await
}

/// The undo form.
#[derive(Deserialize)]
pub struct UndoForm {
    code: String,
}

/// `POST /admin/studies/{slug}/plan/undo`.
pub async fn undo(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<UndoForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let slug = slug.into_inner();
    let (app, actor, target) = (state.app.clone(), signed.actor.clone(), slug.clone());
    let outcome = blocking(move || planner::undo(&app, &actor, &target, &form.code)).await;
    let back = format!("/admin/studies/{slug}/plan");
    after(&state, &signed, slug, Screen::Plan, outcome, |()| back).await
}

/// `GET /admin/studies/{slug}/plan/open`: the summary, the warnings and the confirmation.
pub async fn confirm_open(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
) -> HttpResponse {
    let slug = slug.into_inner();
    draw(
        &state,
        &signed,
        slug,
        Screen::ConfirmOpen,
        StatusCode::OK,
        None,
    )
    .await
}

/// The opening form.
#[derive(Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    deadline: Option<String>,
    #[serde(default)]
    instructions: String,
}

/// `POST /admin/studies/{slug}/plan/open`: open the round (invitations queued).
pub async fn open(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<OpenForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let slug = slug.into_inner();
    let (app, actor, target) = (state.app.clone(), signed.actor.clone(), slug.clone());
    let outcome = match deadline_of(form.deadline.as_deref()) {
        Ok(deadline) => {
            let options = RoundOptions {
                deadline,
                instructions: form.instructions,
            };
            blocking(move || planner::open(&app, &actor, &target, &options)).await
        }
        Err(error) => Err(error),
    };
    let back = format!("/admin/studies/{slug}");
    after(&state, &signed, slug, Screen::ConfirmOpen, outcome, |_| {
        back
    })
    .await
}

/// `GET /admin/studies/{slug}/complete`: the stopping rule's state and the reason to give.
pub async fn confirm_complete(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
) -> HttpResponse {
    let slug = slug.into_inner();
    draw(
        &state,
        &signed,
        slug,
        Screen::ConfirmComplete,
        StatusCode::OK,
        None,
    )
    .await
}

/// The completion form.
#[derive(Deserialize)]
pub struct CompleteForm {
    reason: String,
}

/// `POST /admin/studies/{slug}/complete`.
pub async fn complete(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<CompleteForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let slug = slug.into_inner();
    let (app, actor, target) = (state.app.clone(), signed.actor.clone(), slug.clone());
    let outcome = blocking(move || studies::complete(&app, &actor, &target, &form.reason)).await;
    let back = format!("/admin/studies/{slug}");
    after(
        &state,
        &signed,
        slug,
        Screen::ConfirmComplete,
        outcome,
        |()| back,
    )
    .await
}
