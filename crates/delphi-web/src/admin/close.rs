//! Closing the open round from the browser: a confirmation page with the response per group
//! and what closing does (`GET /admin/studies/{slug}/close`), then the close itself
//! (`POST`), which happens exactly once however many press it at the same time.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::{closing, monitor, AppError};
use delphi_core::states::RoundStatus;
use serde::{Deserialize, Serialize};

use super::extract::{CsrfForm, SignedIn};
use super::monitor::rate;
use super::render::{problem, render, see_other, Page};
use crate::{blocking, WebState};

#[derive(Serialize)]
struct GroupLine {
    name: String,
    invited: usize,
    submitted: usize,
    counting: usize,
    rate: String,
}

#[derive(Serialize)]
struct CloseData {
    slug: String,
    number: i32,
    groups: Vec<GroupLine>,
    warnings: Vec<String>,
    unsubmitted: usize,
}

/// `GET /admin/studies/{slug}/close`.
pub async fn confirm(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
) -> HttpResponse {
    let (app, actor, slug) = (state.app.clone(), signed.actor.clone(), slug.into_inner());
    let m = match blocking(move || monitor::monitor(&app, &actor, &slug, None)).await {
        Ok(m) => m,
        Err(error) => return problem(&state, Some(&signed), &error),
    };
    if m.status != RoundStatus::Open || !m.can_manage {
        let error = if m.can_manage {
            AppError::Conflict(format!(
                "round {} is {}: only an open round can be closed",
                m.number, m.status
            ))
        } else {
            AppError::Refused(delphi_app::Refusal::ReadOnly)
        };
        return problem(&state, Some(&signed), &error);
    }
    let line = |name: &str, r: &monitor::Response| GroupLine {
        name: name.to_owned(),
        invited: r.invited,
        submitted: r.submitted,
        counting: r.counting,
        rate: rate(r.response_rate),
    };
    let mut groups = vec![line("Whole panel", &m.overall)];
    groups.extend(m.groups.iter().map(|g| line(&g.name, &g.response)));
    let data = CloseData {
        unsubmitted: m.overall.started.saturating_sub(m.overall.submitted),
        slug: m.slug,
        number: m.number,
        groups,
        warnings: m.warnings,
    };
    let title = format!("Close round {}?", data.number);
    render(
        &state,
        "admin/close.html",
        StatusCode::OK,
        &Page::of(&signed, title, data),
    )
}

/// The close form: nothing but its CSRF value.
#[derive(Deserialize)]
pub struct CloseForm {}

/// `POST /admin/studies/{slug}/close`: closes, then shows the results.
pub async fn close(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<CloseForm>,
) -> HttpResponse {
    let signed = posted.signed;
    let (app, actor, slug) = (state.app.clone(), signed.actor.clone(), slug.into_inner());
    let target = slug.clone();
    match blocking(move || closing::close_round(&app, &actor, &target)).await {
        Ok(closed) => see_other(&format!(
            "/admin/studies/{slug}/rounds/{}/results",
            closed.number
        )),
        Err(error) => problem(&state, Some(&signed), &error),
    }
}
