//! The researcher's JSON API under `/api/v1/studies/{slug}/...`: the same use cases as the
//! `/admin` pages, authenticated by the session cookie, with the session's CSRF value in the
//! `X-CSRF-Token` header for every write ([`caller`]). Errors are
//! `{"error": {"code", "message", "field"}}` ([`crate::errors::ApiError`]).

mod caller;
pub(crate) mod planning;

use actix_web::web;

/// Routes `/api/v1/studies/{slug}/...`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    planning::configure(cfg);
}
