//! The panellist's JSON API (what the page's script uses). Mutations need the page's CSRF
//! value in the `X-CSRF-Token` header: a custom header cannot be sent cross-site without a
//! CORS preflight, and the value cannot be computed without the server secret.

use actix_web::{web, HttpRequest, HttpResponse};
use delphi_app::panellist;
use delphi_app::participation::{self, AnswerInput};
use delphi_app::questions::{self, OpenInput};
use delphi_app::Actor;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::pages::blocking;
use crate::errors::ApiError;
use crate::WebState;

/// The OpenAPI document of `/api/v1/p/{token}/...`, merged into the one at
/// `/api/v1/openapi.json` ([`crate::api::document`]).
#[derive(OpenApi)]
#[openapi(paths(show, consent, save, save_open, submit, withdraw))]
pub struct PanellistDoc;

fn check_csrf(state: &WebState, token: &str, request: &HttpRequest) -> Result<(), ApiError> {
    let presented = request
        .headers()
        .get(crate::csrf::HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if crate::csrf::verify(&state.app.secret, token, presented) {
        Ok(())
    } else {
        Err(ApiError::csrf())
    }
}

/// The body of an action that takes none (consent, submit, withdraw): empty or `{}`.
/// Anything else is refused before the action, so a malformed request changes nothing.
pub(crate) fn no_body(body: &[u8]) -> Result<(), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(fields)) if fields.is_empty() => Ok(()),
        Ok(_) => Err(ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "this action takes no body (or an empty JSON object `{}`)",
        )),
        Err(error) => Err(ApiError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            "bad_json",
            format!("the body is not valid JSON: {error}"),
        )),
    }
}

fn json<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(value)
}

/// `GET /api/v1/p/{token}`: the page's data (state, round, answers, feedback).
#[utoipa::path(get, path = "/api/v1/p/{token}", tag = "panellist",
    params(("token" = String, Path, description = "The panellist's personal link token (the credential)")),
    responses((status = 200, description = "The panellist's page as data: state, round, items, saved answers, feedback"),
        (status = 404, description = "Unknown or revoked link (the same answer for both)")))]
pub async fn show(
    state: web::Data<WebState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (app, actor) = (state.app.clone(), Actor::Panellist(token.into_inner()));
    let page = blocking(move || panellist::page(&app, &actor)).await?;
    Ok(json(&page))
}

/// `POST /api/v1/p/{token}/consent`.
#[utoipa::path(post, path = "/api/v1/p/{token}/consent", tag = "panellist",
    params(("token" = String, Path, description = "The panellist's personal link token (the credential)")),
    responses((status = 200, description = "Consent recorded"),
        (status = 403, description = "Wrong or missing X-CSRF-Token header"),
        (status = 404, description = "Unknown or revoked link"),
        (status = 422, description = "A body was sent (this action takes none)")))]
pub async fn consent(
    state: web::Data<WebState>,
    token: web::Path<String>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&state, &token, &request)?;
    no_body(&body)?;
    let (app, actor) = (state.app.clone(), Actor::Panellist(token.into_inner()));
    let background = blocking(move || participation::consent(&app, &actor)).await?;
    Ok(json(
        &serde_json::json!({ "consented": true, "background": background }),
    ))
}

/// The body of `PUT /api/v1/p/{token}/answers/{code}`: the item's whole answer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// A point on the scale, or null.
    #[serde(default)]
    pub rating: Option<i32>,
    /// "Unable to rate".
    #[serde(default)]
    pub unable_to_rate: bool,
    /// Optional comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Optional reason for a rating far from the panel.
    #[serde(default)]
    pub reason: Option<String>,
}

/// What a save answers.
#[derive(Debug, Serialize)]
struct Saved {
    item_code: String,
    rating: Option<i32>,
    unable_to_rate: bool,
    saved_at: String,
}

/// `PUT /api/v1/p/{token}/answers/{code}`: saves one item's answer (autosave).
#[utoipa::path(put, path = "/api/v1/p/{token}/answers/{code}", tag = "panellist",
    params(("token" = String, Path, description = "The panellist's personal link token (the credential)"), ("code" = String, Path, description = "The item's code")),
    request_body(content = AnswerBody, description = "The item's whole answer"),
    responses((status = 200, description = "Saved, after the commit: the answer as stored and when"),
        (status = 403, description = "Wrong or missing X-CSRF-Token header"),
        (status = 404, description = "Unknown or revoked link, or no such item in the open round"),
        (status = 409, description = "No round is open, or consent not given"),
        (status = 422, description = "A rating off the scale, or a comment or reason over its limit")))]
pub async fn save(
    state: web::Data<WebState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
    body: web::Json<AnswerBody>,
) -> Result<HttpResponse, ApiError> {
    let (token, code) = path.into_inner();
    check_csrf(&state, &token, &request)?;
    let body = body.into_inner();
    let input = AnswerInput {
        item_code: code,
        rating: body.rating,
        unable_to_rate: body.unable_to_rate,
        comment: body.comment,
        reason: body.reason,
    };
    let saved = autosave(&state, Actor::Panellist(token), input).await?;
    let (rating, unable_to_rate) = match saved.answer {
        delphi_core::values::Answer::Rated(r) => (Some(r.value()), false),
        delphi_core::values::Answer::UnableToRate => (None, true),
        delphi_core::values::Answer::Blank => (None, false),
    };
    Ok(json(&Saved {
        item_code: saved.item_code,
        rating,
        unable_to_rate,
        saved_at: saved.saved_at.and_utc().to_rfc3339(),
    }))
}

/// Saves an autosave's answer: on the executor, waiting for its commit without a thread,
/// when the process remembers the link ([`participation::queue_save`]); else, or when the
/// remembered facts were out of date, the whole save on the blocking pool.
async fn autosave(
    state: &WebState,
    actor: Actor,
    input: AnswerInput,
) -> Result<participation::SavedAnswer, delphi_app::AppError> {
    if let Some(queued) = participation::queue_save(&state.app, &actor, &input) {
        if let Some(saved) = queued.saved().await {
            return Ok(saved);
        }
    }
    let app = state.app.clone();
    blocking(move || participation::save_answer(&app, &actor, &input)).await
}

/// The body of `PUT /api/v1/p/{token}/open/{number}`: the suggestion's whole text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    /// What the panellist wrote (empty: take it back).
    #[serde(default)]
    pub text: String,
}

/// `PUT /api/v1/p/{token}/open/{number}`: saves round 1's "is anything missing?" after
/// section `number` (0: the question about the whole round).
#[utoipa::path(put, path = "/api/v1/p/{token}/open/{number}", tag = "panellist",
    params(("token" = String, Path, description = "The panellist's personal link token (the credential)"),
        ("number" = usize, Path, description = "The section's number in the round (1..), or 0 for the question about the whole round")),
    request_body(content = OpenBody, description = "The suggestion's whole text (empty: take it back)"),
    responses((status = 200, description = "Saved, after the commit: the question's number and when"),
        (status = 403, description = "Wrong or missing X-CSRF-Token header"),
        (status = 404, description = "Unknown or revoked link, or the number is not a number"),
        (status = 409, description = "No round is open, or consent not given"),
        (status = 422, description = "The round asks no such question, or the text is refused (too long, control characters); the field is named as o_{number}")))]
pub async fn save_open(
    state: web::Data<WebState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
    body: web::Json<OpenBody>,
) -> Result<HttpResponse, ApiError> {
    let (token, number) = path.into_inner();
    check_csrf(&state, &token, &request)?;
    let n = number.parse::<usize>().map_err(|_| {
        ApiError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "not_found",
            format!("{number:?} is not an open question of this round"),
        )
    })?;
    let input = OpenInput {
        n,
        text: body.into_inner().text,
    };
    let (app, actor) = (state.app.clone(), Actor::Panellist(token));
    let saved = blocking(move || questions::save_open_answer(&app, &actor, &input)).await?;
    Ok(json(&serde_json::json!({
        "open": saved.n,
        "saved_at": saved.saved_at.and_utc().to_rfc3339(),
    })))
}

/// `POST /api/v1/p/{token}/submit`: records the submission; names unrated items.
#[utoipa::path(post, path = "/api/v1/p/{token}/submit", tag = "panellist",
    params(("token" = String, Path, description = "The panellist's personal link token (the credential)")),
    responses((status = 200, description = "Submitted; the items left unrated are named"),
        (status = 403, description = "Wrong or missing X-CSRF-Token header"),
        (status = 404, description = "Unknown or revoked link"),
        (status = 409, description = "No round is open, or consent not given")))]
pub async fn submit(
    state: web::Data<WebState>,
    token: web::Path<String>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&state, &token, &request)?;
    no_body(&body)?;
    let (app, actor) = (state.app.clone(), Actor::Panellist(token.into_inner()));
    let submission = blocking(move || participation::submit(&app, &actor)).await?;
    Ok(json(&serde_json::json!({
        "submitted": true,
        "unrated": submission.unrated,
    })))
}

/// `POST /api/v1/p/{token}/withdraw`.
#[utoipa::path(post, path = "/api/v1/p/{token}/withdraw", tag = "panellist",
    params(("token" = String, Path, description = "The panellist's personal link token (the credential)")),
    responses((status = 200, description = "Withdrawn from the study; a confirmation email is queued"),
        (status = 403, description = "Wrong or missing X-CSRF-Token header"),
        (status = 404, description = "Unknown or revoked link")))]
pub async fn withdraw(
    state: web::Data<WebState>,
    token: web::Path<String>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&state, &token, &request)?;
    no_body(&body)?;
    let (app, actor) = (state.app.clone(), Actor::Panellist(token.into_inner()));
    blocking(move || participation::withdraw(&app, &actor)).await?;
    Ok(json(&serde_json::json!({ "withdrawn": true })))
}
