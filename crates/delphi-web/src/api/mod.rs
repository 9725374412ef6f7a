//! The researcher's JSON API under `/api/v1/studies/{slug}/...`: the same use cases as the
//! `/admin` pages, authenticated by the session cookie, with the session's CSRF value in the
//! `X-CSRF-Token` header for every write ([`caller`]). Errors are
//! `{"error": {"code", "message", "field"}}` ([`crate::errors::ApiError`]).
//!
//! The OpenAPI document at `/api/v1/openapi.json` is generated from the handlers' annotations
//! by utoipa. A new route is a handler with `#[utoipa::path]`, listed in [`ApiDoc`]'s
//! `paths(...)` and in [`table`] (a test checks the two agree).

pub mod caller;
pub mod console;
pub(crate) mod exports;
pub(crate) mod planning;

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

/// The OpenAPI document of `/api/v1/studies/...`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Delphi researcher API",
        description = "Run a study's rounds: monitor, close, results, reminders, deadline, audit log. \
            Authenticated by the /admin session cookie; writes need the X-CSRF-Token header."
    ),
    paths(
        openapi_json,
        console::monitor,
        console::results,
        console::close,
        console::remind_preview,
        console::remind,
        console::extend,
        console::audit,
    )
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json",
    responses((status = 200, description = "The OpenAPI 3.1 document of /api/v1")))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(document())
}

/// Every route of this module: (method, path, route). [`configure`] registers them and the
/// OpenAPI test compares [`routes`] with the document, so a route cannot go undocumented.
/// Whole paths, not a scope: a scope that matches the prefix answers 404 for a path it
/// lacks instead of letting another service try, and other modules add routes here too.
fn table() -> Vec<(&'static str, &'static str, actix_web::Route)> {
    vec![
        ("get", "/api/v1/openapi.json", web::get().to(openapi_json)),
        (
            "get",
            "/api/v1/studies/{slug}/rounds/{number}/monitor",
            web::get().to(console::monitor),
        ),
        (
            "get",
            "/api/v1/studies/{slug}/rounds/{number}/results",
            web::get().to(console::results),
        ),
        (
            "post",
            "/api/v1/studies/{slug}/close",
            web::post().to(console::close),
        ),
        (
            "get",
            "/api/v1/studies/{slug}/remind",
            web::get().to(console::remind_preview),
        ),
        (
            "post",
            "/api/v1/studies/{slug}/remind",
            web::post().to(console::remind),
        ),
        (
            "post",
            "/api/v1/studies/{slug}/deadline",
            web::post().to(console::extend),
        ),
        (
            "get",
            "/api/v1/studies/{slug}/audit",
            web::get().to(console::audit),
        ),
    ]
}

/// (method, path) of every route this module serves.
pub fn routes() -> Vec<(&'static str, &'static str)> {
    table().into_iter().map(|(m, p, _)| (m, p)).collect()
}

/// The whole document: the round console's paths and the planner's.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(planning::PlanningDoc::openapi());
    doc
}

/// Routes `/api/v1/openapi.json` and `/api/v1/studies/{slug}/...`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    for (_, path, route) in table() {
        cfg.route(path, route);
    }
    planning::configure(cfg);
    exports::configure(cfg);
}
