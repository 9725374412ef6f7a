//! The researcher's JSON API under `/api/v1/studies/{slug}/...`: the same use cases as the
//! `/admin` pages, authenticated by the session cookie, with the session's CSRF value in the
//! `X-CSRF-Token` header for every write ([`caller`]). Errors are
//! `{"error": {"code", "message", "field"}}` ([`crate::errors::ApiError`]).

mod caller;
pub(crate) mod exports;
pub(crate) mod planning;

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

/// `GET /api/v1/openapi.json`: the document generated from the handlers' annotations.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(planning::PlanningDoc::openapi())
}

/// Routes `/api/v1/openapi.json` and `/api/v1/studies/{slug}/...`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/openapi.json", web::get().to(openapi_json));
    planning::configure(cfg);
    exports::configure(cfg);
}
