//! A study's Exports page (`GET /admin/studies/{slug}/exports`) and its downloads:
//!
//! - `GET /admin/studies/{slug}/exports/{format}` (`?bom=on&comments=on` for the responses
//!   CSV, its codebook and scripts): any member, analysts included; pseudonyms only;
//! - `POST /admin/studies/{slug}/exports/contacts` (a form with its CSRF value): the contact
//!   list, owners only, written to the audit log by the use case.
//!
//! Every download is an attachment with its file name ([`Format::file_name`]) and is never
//! cached. [`produce`] is shared with the JSON API.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::{exports, Actor, AppError};
use delphi_report::export::{write_export, ExportOptions, Format, ResponsesCsvOptions};
use serde::{Deserialize, Serialize};

use super::extract::{CsrfForm, SignedIn};
use super::render::{problem, render, Page};
use crate::{blocking, WebState};

/// A finished download.
pub(crate) struct Download {
    format: Format,
    file_name: String,
    bytes: Vec<u8>,
}

impl Download {
    /// The file as an attachment, never cached.
    pub(crate) fn response(self) -> HttpResponse {
        HttpResponse::Ok()
            .content_type(self.format.content_type())
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{}\"", self.file_name),
            ))
            .insert_header(("Cache-Control", "no-store"))
            .body(self.bytes)
    }
}

/// The format named in an address, or a 404 naming the formats there are.
pub(crate) fn format_named(name: &str) -> Result<Format, AppError> {
    Format::parse(name).ok_or_else(|| {
        AppError::NotFound(format!(
            "there is no export {name:?}; the exports are {}",
            Format::names()
        ))
    })
}

/// The responses CSV's choices in a query string: `bom` and `comments`, each `on`, `1`,
/// `true`, or absent.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvChoices {
    #[serde(default)]
    bom: Option<String>,
    #[serde(default)]
    comments: Option<String>,
}

fn flag(name: &str, value: Option<&str>) -> Result<bool, AppError> {
    match value.map(str::trim) {
        None | Some("" | "0" | "off" | "false") => Ok(false),
        Some("1" | "on" | "true") => Ok(true),
        Some(_) => Err(AppError::invalid(
            name,
            format!("`{name}` is `on` or absent"),
        )),
    }
}

impl CsvChoices {
    /// The export options these choices make.
    pub(crate) fn options(&self) -> Result<ExportOptions, AppError> {
        Ok(ExportOptions {
            responses: ResponsesCsvOptions {
                bom: flag("bom", self.bom.as_deref())?,
                include_comments: flag("comments", self.comments.as_deref())?,
            },
            csv_file: None,
        })
    }
}

/// Reads the study for `actor` (with contacts only for [`Format::Contacts`], which the use
/// case lets owners alone have and audits) and writes `format` of it.
pub(crate) async fn produce(
    state: &WebState,
    actor: Actor,
    slug: String,
    format: Format,
    options: ExportOptions,
) -> Result<Download, AppError> {
    let (app, templates) = (state.app.clone(), state.templates.clone());
    blocking(move || {
        let record = if format.needs_contacts() {
            exports::record_with_contacts(&app, &actor, &slug)?
        } else {
            exports::record(&app, &actor, &slug)?
        };
        let mut bytes = Vec::new();
        write_export(
            &record,
            format,
            &options,
            &templates,
            &mut bytes,
            &mut |_, _| {},
        )
        .map_err(|e| AppError::Internal(format!("the {format} export failed: {e}")))?;
        Ok(Download {
            format,
            file_name: format.file_name(&record.study.slug),
            bytes,
        })
    })
    .await
}

/// One row of the page: a download.
#[derive(Serialize)]
struct Row {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    file: String,
    csv_options: bool,
}

/// The page's own data.
#[derive(Serialize)]
struct ExportsData {
    slug: String,
    study_title: String,
    closed_rounds: Option<String>,
    downloads: Vec<Row>,
    contacts: Option<Row>,
}

/// `GET /admin/studies/{slug}/exports`.
pub async fn page(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
) -> HttpResponse {
    let (app, actor, slug) = (state.app.clone(), signed.actor.clone(), slug.into_inner());
    let offer = match blocking(move || exports::offer(&app, &actor, &slug)).await {
        Ok(offer) => offer,
        Err(error) => return problem(&state, Some(&signed), &error),
    };
    let row = |f: Format| Row {
        name: f.name(),
        title: f.title(),
        description: f.description(),
        file: f.file_name(&offer.slug),
        csv_options: f == Format::ResponsesCsv,
    };
    let data = ExportsData {
        downloads: Format::ALL
            .into_iter()
            .filter(|f| !f.needs_contacts())
            .map(row)
            .collect(),
        contacts: offer.contacts.then(|| row(Format::Contacts)),
        closed_rounds: match offer.closed_rounds {
            0 => None,
            1 => Some("1 closed round".to_owned()),
            n => Some(format!("{n} closed rounds")),
        },
        study_title: offer.title.clone(),
        slug: offer.slug.clone(),
    };
    let page = Page::of(&signed, format!("Exports: {}", offer.title), data);
    render(&state, "admin/exports.html", StatusCode::OK, &page)
}

/// `GET /admin/studies/{slug}/exports/{format}`.
pub async fn download(
    state: web::Data<WebState>,
    signed: SignedIn,
    path: web::Path<(String, String)>,
    choices: Result<web::Query<CsvChoices>, actix_web::Error>,
) -> HttpResponse {
    let (slug, name) = path.into_inner();
    let outcome = async {
        let format = format_named(&name)?;
        if format.needs_contacts() {
            return Err(AppError::Forbidden(
                "the contact list is downloaded with its button on the Exports page".to_owned(),
            ));
        }
        let options = match choices {
            Ok(choices) => choices.options()?,
            Err(e) => return Err(AppError::invalid("query", e.to_string())),
        };
        produce(&state, signed.actor.clone(), slug, format, options).await
    };
    match outcome.await {
        Ok(download) => download.response(),
        Err(error) => problem(&state, Some(&signed), &error),
    }
}

/// The contact list's form: nothing but its CSRF value.
#[derive(Deserialize)]
pub struct ContactsForm {}

/// `POST /admin/studies/{slug}/exports/contacts`.
pub async fn contacts(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<ContactsForm>,
) -> HttpResponse {
    let signed = posted.signed;
    let outcome = produce(
        &state,
        signed.actor.clone(),
        slug.into_inner(),
        Format::Contacts,
        ExportOptions::default(),
    )
    .await;
    match outcome {
        Ok(download) => download.response(),
        Err(error) => problem(&state, Some(&signed), &error),
    }
}
