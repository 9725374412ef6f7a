//! Between two rounds, as JSON: the comments of the round just closed and their moderation,
//! the next-round planner (proposal, changes, summary), the preview of a panellist's next
//! page, opening the round and completing the study. Each handler calls one use case.

use actix_web::{web, HttpResponse};
use delphi_app::moderation::{self, Decision};
use delphi_app::opening::RoundOptions;
use delphi_app::planner::{self, ChangeInput, CommentSource, SuggestionSource};
use delphi_app::{panellist, studies, AppError};
use delphi_core::states::{CommentDecision, PlanChangeKind};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::caller::{Body, Caller, Writer};
use crate::errors::ApiError;
use crate::{blocking, WebState};

/// The OpenAPI paths of this module (merged into the API's document).
#[derive(OpenApi)]
#[openapi(paths(
    comments,
    decide,
    decide_item,
    plan,
    change,
    undo,
    preview,
    open,
    complete
))]
pub struct PlanningDoc;

/// Routes of this module (whole paths, not a scope: a scope matching the prefix would
/// answer 404 for the other modules' routes under it).
pub fn configure(cfg: &mut web::ServiceConfig) {
    let study = |rest: &str| format!("/api/v1/studies/{{slug}}{rest}");
    cfg.route(&study("/comments"), web::get().to(comments))
        .route(&study("/comments/decisions"), web::post().to(decide))
        .route(
            &study("/comments/items/{code}"),
            web::post().to(decide_item),
        )
        .route(&study("/plan"), web::get().to(plan))
        .route(&study("/plan/changes"), web::post().to(change))
        .route(&study("/plan/changes/{code}"), web::delete().to(undo))
        .route(&study("/plan/preview/{pseudonym}"), web::get().to(preview))
        .route(&study("/plan/open"), web::post().to(open))
        .route(&study("/complete"), web::post().to(complete));
}

fn json<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(value)
}

/// `GET /api/v1/studies/{slug}/comments`: every comment of the latest closed round by item.
#[utoipa::path(get, path = "/api/v1/studies/{slug}/comments",
    params(("slug" = String, Path, description = "The study's short name")),
    responses((status = 200, description = "Every comment of the latest closed round by item (pseudonym and group, never an address)"), (status = 401, description = "Not signed in"), (status = 404, description = "No such study"), (status = 409, description = "The study's state forbids it (e.g. a round is open)")))]
pub async fn comments(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let app = state.app.clone();
    let view = blocking(move || moderation::comments(&app, &caller.0, &slug)).await?;
    Ok(json(&view))
}

/// What to do with one comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionWord {
    /// Show it as written.
    Release,
    /// Never show it.
    Hide,
    /// Show `text` instead (the original is kept).
    Edit,
}

/// The body of `POST .../comments/decisions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// The item's code.
    pub item: String,
    /// The writer's pseudonym.
    pub panellist: String,
    /// Release, hide, or edit.
    pub decision: DecisionWord,
    /// The edited words (for `edit`).
    #[serde(default)]
    pub text: Option<String>,
}

/// Turns a decision word (and its text) into the use case's decision.
pub fn decision_of(word: DecisionWord, text: Option<String>) -> Result<Decision, AppError> {
    Ok(match word {
        DecisionWord::Release => Decision::Release,
        DecisionWord::Hide => Decision::Hide,
        DecisionWord::Edit => Decision::ReleaseEdited(
            text.ok_or_else(|| AppError::invalid("text", "give the edited words to release"))?,
        ),
    })
}

/// `POST /api/v1/studies/{slug}/comments/decisions`: release, hide or release edited.
#[utoipa::path(post, path = "/api/v1/studies/{slug}/comments/decisions",
    params(("slug" = String, Path, description = "The study's short name")),
    request_body = DecisionBody,
    responses((status = 200, description = "The decision stored"), (status = 401, description = "Not signed in"), (status = 403, description = "Wrong CSRF header, or a read-only role"), (status = 404, description = "No such study"), (status = 409, description = "The study's state forbids it (e.g. a round is open)"), (status = 422, description = "The body does not fit, or a field is refused (named)")))]
pub async fn decide(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    writer: Writer,
    body: Body<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let app = state.app.clone();
    let b = body.0;
    let decision = decision_of(b.decision, b.text)?;
    let kind = blocking(move || {
        moderation::decide(&app, &writer.0, &slug, &b.item, &b.panellist, &decision)
    })
    .await?;
    Ok(json(&serde_json::json!({ "decision": kind })))
}

/// The body of `POST .../comments/items/{code}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemDecisionBody {
    /// `released` or `hidden`: every comment of the item.
    #[schema(value_type = String, example = "released")]
    pub decision: CommentDecision,
}

/// `POST /api/v1/studies/{slug}/comments/items/{code}`: release or hide all of an item's
/// comments.
#[utoipa::path(post, path = "/api/v1/studies/{slug}/comments/items/{code}",
    params(("slug" = String, Path, description = "The study's short name"), ("code" = String, Path, description = "An item code")),
    request_body = ItemDecisionBody,
    responses((status = 200, description = "How many comments were decided"), (status = 401, description = "Not signed in"), (status = 403, description = "Wrong CSRF header, or a read-only role"), (status = 404, description = "No such study"), (status = 409, description = "The study's state forbids it (e.g. a round is open)"), (status = 422, description = "The body does not fit, or a field is refused (named)")))]
pub async fn decide_item(
    state: web::Data<WebState>,
    path: web::Path<(String, String)>,
    writer: Writer,
    body: Body<ItemDecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let app = state.app.clone();
    let (slug, code) = path.into_inner();
    let decision = body.0.decision;
    let n =
        blocking(move || moderation::decide_item(&app, &writer.0, &slug, &code, decision)).await?;
    Ok(json(&serde_json::json!({ "decided": n })))
}

/// `GET /api/v1/studies/{slug}/plan`: proposal, changes, summary, stopping rule.
#[utoipa::path(get, path = "/api/v1/studies/{slug}/plan",
    params(("slug" = String, Path, description = "The study's short name")),
    responses((status = 200, description = "The rule's proposal, the changes, the summary and the stopping rule's state"), (status = 401, description = "Not signed in"), (status = 404, description = "No such study"), (status = 409, description = "The study's state forbids it (e.g. a round is open)")))]
pub async fn plan(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let app = state.app.clone();
    let view = blocking(move || planner::plan_view(&app, &caller.0, &slug)).await?;
    Ok(json(&view))
}

/// The body of `POST .../plan/changes`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    /// `rerate`, `inform`, `retire`, `drop`, `reword` or `add`.
    #[schema(value_type = String, example = "drop")]
    pub kind: PlanChangeKind,
    /// The item changed; for `add`, the new item's code.
    pub code: String,
    /// The new code (`reword`).
    #[serde(default)]
    pub new_code: Option<String>,
    /// The section (`add`).
    #[serde(default)]
    pub section: Option<String>,
    /// The new words (`reword`, `add`).
    #[serde(default)]
    pub text: Option<String>,
    /// Why (required for `drop`, `reword`, `add`).
    #[serde(default)]
    pub reason: String,
    /// The comment an added item comes from: the item it was written on...
    #[serde(default)]
    pub from_item: Option<String>,
    /// ... and its writer's pseudonym.
    #[serde(default)]
    pub from_panellist: Option<String>,
    /// The suggestion (round 1's "is anything missing?") an added item comes from.
    #[serde(default)]
    pub from_suggestion: Option<SuggestionBody>,
}

/// A suggestion an added item comes from.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestionBody {
    /// Its writer's pseudonym.
    pub pseudonym: String,
    /// The section it was written for (`""`: the whole round).
    #[serde(default)]
    pub section: String,
}

impl ChangeBody {
    /// The use case's input.
    pub fn input(self) -> ChangeInput {
        let from_comment = match (self.from_item, self.from_panellist) {
            (Some(item), Some(pseudonym)) if !item.is_empty() => {
                Some(CommentSource { item, pseudonym })
            }
            _ => None,
        };
        ChangeInput {
            kind: self.kind,
            code: self.code,
            new_code: self.new_code,
            section: self.section,
            text: self.text,
            reason: self.reason,
            from_comment,
            from_suggestion: self.from_suggestion.map(|s| SuggestionSource {
                section: s.section,
                pseudonym: s.pseudonym,
            }),
        }
    }
}

/// `POST /api/v1/studies/{slug}/plan/changes`: change one item's proposal (or add one);
/// answers with the plan as it now stands.
#[utoipa::path(post, path = "/api/v1/studies/{slug}/plan/changes",
    params(("slug" = String, Path, description = "The study's short name")),
    request_body = ChangeBody,
    responses((status = 200, description = "The plan with the change"), (status = 401, description = "Not signed in"), (status = 403, description = "Wrong CSRF header, or a read-only role"), (status = 404, description = "No such study"), (status = 409, description = "The study's state forbids it (e.g. a round is open)"), (status = 422, description = "The body does not fit, or a field is refused (named)")))]
pub async fn change(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    writer: Writer,
    body: Body<ChangeBody>,
) -> Result<HttpResponse, ApiError> {
    let app = state.app.clone();
    let input = body.0.input();
    let view = blocking(move || {
        planner::change(&app, &writer.0, &slug, &input)?;
        planner::plan_view(&app, &writer.0, &slug)
    })
    .await?;
    Ok(json(&view))
}

/// `DELETE /api/v1/studies/{slug}/plan/changes/{code}`: take a change back.
#[utoipa::path(delete, path = "/api/v1/studies/{slug}/plan/changes/{code}",
    params(("slug" = String, Path, description = "The study's short name"), ("code" = String, Path, description = "An item code")),
    responses((status = 200, description = "The plan without the change"), (status = 401, description = "Not signed in"), (status = 403, description = "Wrong CSRF header, or a read-only role"), (status = 404, description = "No such study"), (status = 409, description = "The study's state forbids it (e.g. a round is open)"), (status = 422, description = "The body does not fit, or a field is refused (named)")))]
pub async fn undo(
    state: web::Data<WebState>,
    path: web::Path<(String, String)>,
    writer: Writer,
) -> Result<HttpResponse, ApiError> {
    let app = state.app.clone();
    let (slug, code) = path.into_inner();
    let view = blocking(move || {
        planner::undo(&app, &writer.0, &slug, &code)?;
        planner::plan_view(&app, &writer.0, &slug)
    })
    .await?;
    Ok(json(&view))
}

/// `GET /api/v1/studies/{slug}/plan/preview/{pseudonym}`: the next round's page data as
/// that panellist will see it.
#[utoipa::path(get, path = "/api/v1/studies/{slug}/plan/preview/{pseudonym}",
    params(("slug" = String, Path, description = "The study's short name"), ("pseudonym" = String, Path, description = "A panellist's study code")),
    responses((status = 200, description = "The next round's page data as that panellist will see it"), (status = 401, description = "Not signed in"), (status = 403, description = "A read-only role"), (status = 404, description = "No such study"), (status = 409, description = "The study's state forbids it (e.g. a round is open)"), (status = 422, description = "The body does not fit, or a field is refused (named)")))]
pub async fn preview(
    state: web::Data<WebState>,
    path: web::Path<(String, String)>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let app = state.app.clone();
    let (slug, pseudonym) = path.into_inner();
    let page = blocking(move || panellist::preview(&app, &caller.0, &slug, &pseudonym)).await?;
    Ok(json(&page))
}

/// The body of `POST .../plan/open`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    /// The deadline, `YYYY-MM-DD` (the end of that day, UTC) or `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    pub deadline: Option<String>,
    /// Instructions shown at the top of the round.
    #[serde(default)]
    pub instructions: String,
}

/// Reads a deadline as a researcher types it.
pub fn deadline_of(text: Option<&str>) -> Result<Option<chrono::NaiveDateTime>, AppError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(23, 59, 0));
    }
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .map(Some)
        .map_err(|_| {
            AppError::invalid(
                "deadline",
                format!(
                    "{text:?} is not a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM)"
                ),
            )
        })
}

/// `POST /api/v1/studies/{slug}/plan/open`: open the next round with the plan (invitations
/// queued).
#[utoipa::path(post, path = "/api/v1/studies/{slug}/plan/open",
    params(("slug" = String, Path, description = "The study's short name")),
    request_body = OpenBody,
    responses((status = 200, description = "The round opened: number, items, invitations queued"), (status = 401, description = "Not signed in"), (status = 403, description = "Wrong CSRF header, or a read-only role"), (status = 404, description = "No such study"), (status = 409, description = "The study's state forbids it (e.g. a round is open)"), (status = 422, description = "The body does not fit, or a field is refused (named)")))]
pub async fn open(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    writer: Writer,
    body: Body<OpenBody>,
) -> Result<HttpResponse, ApiError> {
    let app = state.app.clone();
    let options = RoundOptions {
        deadline: deadline_of(body.0.deadline.as_deref())?,
        instructions: body.0.instructions,
    };
    let opened = blocking(move || planner::open(&app, &writer.0, &slug, &options)).await?;
    Ok(json(&serde_json::json!({
        "round": opened.number,
        "items": opened.items,
        "invited": opened.invited,
    })))
}

/// The body of `POST .../complete`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteBody {
    /// Why the study is complete.
    pub reason: String,
}

/// `POST /api/v1/studies/{slug}/complete`: complete the study, with a reason.
#[utoipa::path(post, path = "/api/v1/studies/{slug}/complete",
    params(("slug" = String, Path, description = "The study's short name")),
    request_body = CompleteBody,
    responses((status = 200, description = "The study is completed"), (status = 401, description = "Not signed in"), (status = 403, description = "Wrong CSRF header, or a read-only role"), (status = 404, description = "No such study"), (status = 409, description = "The study's state forbids it (e.g. a round is open)"), (status = 422, description = "The body does not fit, or a field is refused (named)")))]
pub async fn complete(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    writer: Writer,
    body: Body<CompleteBody>,
) -> Result<HttpResponse, ApiError> {
    let app = state.app.clone();
    let reason = body.0.reason;
    blocking(move || studies::complete(&app, &writer.0, &slug, &reason)).await?;
    Ok(json(
        &serde_json::json!({ "status": delphi_core::states::StudyStatus::Completed }),
    ))
}
