//! The researcher's JSON API under `/api/v1/studies/{slug}/...`: the same use cases as the
//! `/admin` pages, authenticated by the session cookie, with the session's CSRF value in the
//! `X-CSRF-Token` header for every write ([`caller`]). Errors are
//! `{"error": {"code", "message", "field"}}` ([`crate::errors::ApiError`]).
//!
//! The OpenAPI document at `/api/v1/openapi.json` is generated from the handlers' annotations
//! by utoipa. A new route is a handler with `#[utoipa::path]`, listed in [`ApiDoc`]'s
//! `paths(...)` (or its module's document) and registered in [`configure`] (a test checks the
//! two agree).

pub mod caller;
pub mod console;
pub(crate) mod exports;
pub(crate) mod planning;

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

/// The OpenAPI document of `/api/v1/studies/...` (the planner's and the panellist's are merged
/// into it by [`document`]).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Delphi API",
        description = "Researchers run a study's rounds (/api/v1/studies/...: monitor, close, results, \
            reminders, deadline, planner, exports, audit log), authenticated by the /admin session \
            cookie; panellists answer a round (/api/v1/p/{token}/...), authenticated by their personal \
            link. Every write needs the X-CSRF-Token header."
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
        exports::list,
        exports::download,
        exports::contacts,
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

/// The whole document: the round console's paths, the planner's and the panellist's.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(planning::PlanningDoc::openapi());
    doc.merge(crate::panellist::api::PanellistDoc::openapi());
    doc
}

/// Routes `/api/v1/openapi.json` and `/api/v1/studies/{slug}/...`. Whole paths, not a scope:
/// a scope that matches the prefix answers 404 for a path it lacks instead of letting another
/// service try. The OpenAPI test compares every route registered here with the document.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/openapi.json", web::get().to(openapi_json))
        .route(
            "/api/v1/studies/{slug}/rounds/{number}/monitor",
            web::get().to(console::monitor),
        )
        .route(
            "/api/v1/studies/{slug}/rounds/{number}/results",
            web::get().to(console::results),
        )
        .route(
            "/api/v1/studies/{slug}/close",
            web::post().to(console::close),
        )
        .route(
            "/api/v1/studies/{slug}/remind",
            web::get().to(console::remind_preview),
        )
        .route(
            "/api/v1/studies/{slug}/remind",
            web::post().to(console::remind),
        )
        .route(
            "/api/v1/studies/{slug}/deadline",
            web::post().to(console::extend),
        )
        .route(
            "/api/v1/studies/{slug}/audit",
            web::get().to(console::audit),
        );
    planning::configure(cfg);
    exports::configure(cfg);
}
