//! The researchers' JSON API for exports, authenticated by the session cookie
//! ([`super::caller`]):
//!
//! - `GET /api/v1/studies/{slug}/exports`: what the caller may download, with addresses;
//! - `GET /api/v1/studies/{slug}/exports/{format}` (`?bom=on&comments=on`): the file, as
//!   on the Exports page (analysts included; pseudonyms only);
//! - `POST /api/v1/studies/{slug}/exports/contacts` with the session's CSRF value in
//!   `X-CSRF-Token`: the contact list, owners only, audited.
//!
//! Errors are the API's JSON errors: 401 without a session, 404 for a study the caller may
//! not read (or an unknown format), 403 for a refusal or a wrong CSRF value.

use actix_web::{web, HttpResponse};
use delphi_app::{exports, AppError};
use delphi_report::export::{ExportOptions, Format};
use serde::Serialize;

use super::caller::{BodilessWriter, Caller};
use crate::admin::exports::{format_named, produce, CsvChoices};
use crate::errors::ApiError;
use crate::{blocking, WebState};

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/studies/{slug}/exports", web::get().to(list))
        .route(
            "/api/v1/studies/{slug}/exports/contacts",
            web::post().to(contacts),
        )
        .route(
            "/api/v1/studies/{slug}/exports/{format}",
            web::get().to(download),
        );
}

/// One download the caller may have.
#[derive(Serialize)]
struct Offered {
    format: &'static str,
    title: &'static str,
    file_name: String,
    media_type: &'static str,
    href: String,
    method: &'static str,
}

/// `GET /api/v1/studies/{slug}/exports`.
#[utoipa::path(get, path = "/api/v1/studies/{slug}/exports",
    params(("slug" = String, Path, description = "The study's short name")),
    responses((status = 200, description = "The downloads the caller may have"), (status = 401, description = "Not signed in"), (status = 404, description = "No such study")))]
pub async fn list(
    state: web::Data<WebState>,
    caller: Caller,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (app, slug) = (state.app.clone(), slug.into_inner());
    let offer = blocking(move || exports::offer(&app, &caller.0, &slug)).await?;
    let formats: Vec<Offered> = Format::ALL
        .into_iter()
        .filter(|f| offer.contacts || !f.needs_contacts())
        .map(|f| Offered {
            format: f.name(),
            title: f.title(),
            file_name: f.file_name(&offer.slug),
            media_type: f.content_type(),
            href: format!("/api/v1/studies/{}/exports/{}", offer.slug, f.name()),
            method: if f.needs_contacts() { "POST" } else { "GET" },
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({
            "study": offer.slug,
            "closed_rounds": offer.closed_rounds,
            "exports": formats,
        })))
}

/// `GET /api/v1/studies/{slug}/exports/{format}`.
#[utoipa::path(get, path = "/api/v1/studies/{slug}/exports/{format}",
    params(("slug" = String, Path, description = "The study's short name"), ("format" = String, Path, description = "csv, results-csv, xlsx, json, html, codebook, spss or r")),
    responses((status = 200, description = "The file, as an attachment"), (status = 401, description = "Not signed in"), (status = 404, description = "No such study or format"), (status = 422, description = "A choice in the query does not fit")))]
pub async fn download(
    state: web::Data<WebState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    choices: Result<web::Query<CsvChoices>, actix_web::Error>,
) -> Result<HttpResponse, ApiError> {
    let (slug, name) = path.into_inner();
    let format = format_named(&name)?;
    if format.needs_contacts() {
        return Err(ApiError::from(AppError::Forbidden(
            "the contact list is a POST with the X-CSRF-Token header".to_owned(),
        )));
    }
    let options = choices
        .map_err(|e| AppError::invalid("query", e.to_string()))?
        .options()?;
    Ok(produce(&state, caller.0, slug, format, options)
        .await?
        .response())
}

/// `POST /api/v1/studies/{slug}/exports/contacts`.
#[utoipa::path(post, path = "/api/v1/studies/{slug}/exports/contacts",
    params(("slug" = String, Path, description = "The study's short name")),
    responses((status = 200, description = "The contact list (owners only; audited)"), (status = 401, description = "Not signed in"), (status = 403, description = "Not an owner, or a wrong X-CSRF-Token"), (status = 404, description = "No such study")))]
pub async fn contacts(
    state: web::Data<WebState>,
    BodilessWriter(actor): BodilessWriter,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let download = produce(
        &state,
        actor,
        slug.into_inner(),
        Format::Contacts,
        ExportOptions::default(),
    )
    .await?;
    Ok(download.response())
}
