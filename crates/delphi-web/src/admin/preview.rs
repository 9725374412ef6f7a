//! `GET /admin/studies/{slug}/preview?panellist=P003`: the next round's page exactly as that
//! panellist will see it when it opens, with their feedback, read-only. No link is issued
//! or changed and nothing is stored.

use actix_web::{web, HttpResponse};
use delphi_app::{panellist, AppError};
use serde::Deserialize;

use super::extract::SignedIn;
use super::render::problem;
use crate::{blocking, WebState};

/// Whose page to preview.
#[derive(Deserialize)]
pub struct Whom {
    #[serde(default)]
    panellist: String,
}

/// `GET /admin/studies/{slug}/preview`.
pub async fn show(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
    whom: web::Query<Whom>,
) -> HttpResponse {
    let (app, actor) = (state.app.clone(), signed.actor.clone());
    let pseudonym = whom.into_inner().panellist;
    let page = if pseudonym.trim().is_empty() {
        Err(AppError::invalid(
            "panellist",
            "choose a panellist to preview as",
        ))
    } else {
        blocking(move || panellist::preview(&app, &actor, &slug, pseudonym.trim())).await
    };
    let page = match page {
        Ok(page) => page,
        Err(error) => return problem(&state, Some(&signed), &error),
    };
    match crate::panellist::render_preview(&state, &page) {
        Ok(body) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body),
        Err(error) => {
            tracing::error!(%error, "a preview did not render");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Something went wrong on our side. Please try again in a moment.")
        }
    }
}
