//! The round console as JSON: monitor, close, results, reminders, deadline, audit log. Each
//! handler takes [`Caller`] (reads) or [`Writer`] (writes: session plus `X-CSRF-Token`),
//! calls one use case and answers JSON; errors are `{"error": {"code", "message", "field"}}`.

use actix_web::{web, HttpResponse};
use delphi_app::{audit_log, closing, deadline, monitor, reminders, round_results};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::caller::{BodilessWriter, Body, Caller, Writer};
use crate::errors::ApiError;
use crate::{blocking, WebState};

fn json<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(value)
}

/// `{slug}` and `{number}` of a round's path.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RoundPath {
    /// The study's short name.
    slug: String,
    /// The round's number.
    number: i32,
}

/// The monitor of one round.
#[utoipa::path(get, path = "/api/v1/studies/{slug}/rounds/{number}/monitor", params(RoundPath),
    responses((status = 200, description = "Response overall, per group and per panellist (pseudonyms only), with warnings"),
        (status = 401, description = "Not signed in"), (status = 404, description = "No such study or round")))]
pub async fn monitor(
    state: web::Data<WebState>,
    Caller(actor): Caller,
    path: web::Path<RoundPath>,
) -> Result<HttpResponse, ApiError> {
    let RoundPath { slug, number } = path.into_inner();
    let app = state.app.clone();
    let data = blocking(move || monitor::monitor(&app, &actor, &slug, Some(number))).await?;
    Ok(json(&data))
}

/// The results of a closed round.
#[utoipa::path(get, path = "/api/v1/studies/{slug}/rounds/{number}/results", params(RoundPath),
    responses((status = 200, description = "Per item and group: n counted and left out, median, IQR, agreement, classification and rule, change, stability; Kendall's W; the stopping rule's state"),
        (status = 401, description = "Not signed in"), (status = 404, description = "No such study or round"),
        (status = 409, description = "The round has not closed")))]
pub async fn results(
    state: web::Data<WebState>,
    Caller(actor): Caller,
    path: web::Path<RoundPath>,
) -> Result<HttpResponse, ApiError> {
    let RoundPath { slug, number } = path.into_inner();
    let app = state.app.clone();
    let data = blocking(move || round_results::round_results(&app, &actor, &slug, number)).await?;
    Ok(json(&data))
}

/// What a close did.
#[derive(Serialize, ToSchema)]
pub struct ClosedBody {
    /// Round number.
    round: i32,
    /// Items with results.
    items: usize,
    /// Whether the stopping rule says the study may stop, and why.
    stop: Option<String>,
}

/// Closes the study's open round (exactly once, however many ask at the same time).
#[utoipa::path(post, path = "/api/v1/studies/{slug}/close",
    params(("slug" = String, Path, description = "The study's short name")),
    responses((status = 200, description = "The round closed", body = ClosedBody),
        (status = 401, description = "Not signed in"), (status = 403, description = "Wrong CSRF header, or a read-only role"),
        (status = 404, description = "No such study"), (status = 409, description = "No round is open")))]
pub async fn close(
    state: web::Data<WebState>,
    BodilessWriter(actor): BodilessWriter,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let app = state.app.clone();
    let closed = blocking(move || closing::close_round(&app, &actor, &slug)).await?;
    Ok(json(&ClosedBody {
        round: closed.number,
        items: closed.items,
        stop: closed.stop,
    }))
}

/// Who a reminder now would reach (pseudonyms and groups).
#[utoipa::path(get, path = "/api/v1/studies/{slug}/remind",
    params(("slug" = String, Path, description = "The study's short name")),
    responses((status = 200, description = "The open round's non-submitters, and those already reminded today"),
        (status = 401, description = "Not signed in"), (status = 403, description = "A read-only role"),
        (status = 409, description = "No round is open")))]
pub async fn remind_preview(
    state: web::Data<WebState>,
    Caller(actor): Caller,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let app = state.app.clone();
    let data = blocking(move || reminders::preview(&app, &actor, &slug)).await?;
    Ok(json(&data))
}

/// Queues today's reminder to everyone of the open round who has not submitted.
#[utoipa::path(post, path = "/api/v1/studies/{slug}/remind",
    params(("slug" = String, Path, description = "The study's short name")),
    responses((status = 200, description = "`queued` and `already_reminded` counts"),
        (status = 401, description = "Not signed in"), (status = 403, description = "Wrong CSRF header, or a read-only role"),
        (status = 409, description = "No round is open")))]
pub async fn remind(
    state: web::Data<WebState>,
    BodilessWriter(actor): BodilessWriter,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let app = state.app.clone();
    let report = blocking(move || reminders::remind_now(&app, &actor, &slug, None)).await?;
    Ok(json(&report))
}

/// The new deadline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendBody {
    /// UTC, `YYYY-MM-DDTHH:MM` (seconds and a trailing `Z` are accepted).
    deadline: String,
}

/// Moves the open round's deadline later and emails the new date to its panellists.
#[utoipa::path(post, path = "/api/v1/studies/{slug}/deadline", request_body = ExtendBody,
    params(("slug" = String, Path, description = "The study's short name")),
    responses((status = 200, description = "`round`, `deadline` and `queued` messages"),
        (status = 401, description = "Not signed in"), (status = 403, description = "Wrong CSRF header, or a read-only role"),
        (status = 409, description = "No round is open"), (status = 422, description = "The date is not later, or not a date")))]
pub async fn extend(
    state: web::Data<WebState>,
    Writer(actor): Writer,
    slug: web::Path<String>,
    Body(body): Body<ExtendBody>,
) -> Result<HttpResponse, ApiError> {
    let when = crate::admin::parse_deadline(&body.deadline)?;
    let app = state.app.clone();
    let done = blocking(move || deadline::extend(&app, &actor, &slug, when)).await?;
    Ok(json(&done))
}

/// `?kind=` of the audit log.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this kind of action, e.g. `round.closed`.
    kind: Option<String>,
}

/// The study's audit log, newest first.
#[utoipa::path(get, path = "/api/v1/studies/{slug}/audit",
    params(("slug" = String, Path, description = "The study's short name"), AuditQuery),
    responses((status = 200, description = "Entries (when, who, what, details) and the kinds present"),
        (status = 401, description = "Not signed in"), (status = 404, description = "No such study"),
        (status = 422, description = "An unknown kind")))]
pub async fn audit(
    state: web::Data<WebState>,
    Caller(actor): Caller,
    slug: web::Path<String>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let app = state.app.clone();
    let kind = query.into_inner().kind.filter(|k| !k.is_empty());
    let log = blocking(move || audit_log::audit_log(&app, &actor, &slug, kind.as_deref())).await?;
    Ok(json(&log))
}
