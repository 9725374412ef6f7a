//! A study's dashboard (`GET /admin/studies/{slug}`): rounds with response rates, the latest
//! round's email by kind with the failures, each panellist's last invitation and reminder;
//! and its actions: remind the non-submitters, send failed email again.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::dashboard;
use delphi_app::{outbox, reminders, AppError};
use serde::Deserialize;

use super::dashboard_view::study_data;
use super::extract::{CsrfForm, SignedIn};
use super::render::{problem, render, see_other, Page};
use crate::errors::status_of;
use crate::{blocking, WebState};

/// Draws a study's dashboard with an optional notice or error.
async fn dashboard_page(
    state: &WebState,
    signed: &SignedIn,
    slug: String,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> HttpResponse {
    let (app, actor) = (state.app.clone(), signed.actor.clone());
    let dashboard = match blocking(move || dashboard::dashboard(&app, &actor, &slug)).await {
        Ok(dashboard) => dashboard,
        Err(error) => return problem(state, Some(signed), &error),
    };
    let data = study_data(dashboard);
    let page = Page::of(signed, data.title.clone(), data)
        .notice(notice)
        .error(error);
    render(state, "admin/study.html", status, &page)
}

/// What `?done=...` may say after an action (fixed texts; nothing is echoed).
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    n: Option<String>,
    m: Option<String>,
}

impl Done {
    fn notice(&self) -> Option<String> {
        let number = |value: &Option<String>| value.as_deref()?.parse::<usize>().ok();
        match self.done.as_deref()? {
            "reminded" => Some(format!(
                "{} reminders queued; {} who had today's reminder already were not reminded again.",
                number(&self.n)?,
                number(&self.m)?
            )),
            "retried" => Some("The message will be sent again by the next delivery.".to_owned()),
            "retried_round" => Some(format!(
                "{} failed messages will be sent again by the next delivery.",
                number(&self.n)?
            )),
            _ => None,
        }
    }
}

/// `GET /admin/studies/{slug}`.
pub async fn show(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
    done: web::Query<Done>,
) -> HttpResponse {
    let notice = done.notice();
    dashboard_page(
        &state,
        &signed,
        slug.into_inner(),
        StatusCode::OK,
        notice,
        None,
    )
    .await
}

/// After an action: back to the dashboard with a notice, or the dashboard with the error.
async fn after<T>(
    state: &WebState,
    signed: &SignedIn,
    slug: String,
    outcome: Result<T, AppError>,
    done: impl FnOnce(T) -> String,
) -> HttpResponse {
    match outcome {
        Ok(value) => see_other(&format!("/admin/studies/{slug}?{}", done(value))),
        Err(error @ (AppError::NotFound(_) | AppError::Refused(_))) => {
            problem(state, Some(signed), &error)
        }
        Err(error) => {
            let status = status_of(&error);
            dashboard_page(state, signed, slug, status, None, Some(error.to_string())).await
        }
    }
}

/// The reminder form: nothing but its CSRF value.
#[derive(Deserialize)]
pub struct RemindForm {}

/// `POST /admin/studies/{slug}/remind`.
pub async fn remind(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<RemindForm>,
) -> HttpResponse {
    let signed = posted.signed;
    let (app, actor, slug) = (state.app.clone(), signed.actor.clone(), slug.into_inner());
    let target = slug.clone();
    let outcome = blocking(move || reminders::remind_now(&app, &actor, &target, None)).await;
    after(&state, &signed, slug, outcome, |report| {
        format!(
            "done=reminded&n={}&m={}",
            report.queued, report.already_reminded
        )
    })
    .await
}

/// The retry form: one message (an outbox id) or every failed message of a round.
#[derive(Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    message: String,
    #[serde(default)]
    round: String,
}

/// `POST /admin/studies/{slug}/retry`.
pub async fn retry(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<RetryForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let (app, actor, slug) = (state.app.clone(), signed.actor.clone(), slug.into_inner());
    let target = slug.clone();
    let message = form.message.trim().to_owned();
    if !message.is_empty() {
        let outcome = blocking(move || outbox::retry(&app, &actor, &target, &message)).await;
        return after(&state, &signed, slug, outcome, |()| {
            "done=retried".to_owned()
        })
        .await;
    }
    let outcome = match form.round.trim().parse::<i32>() {
        Ok(number) => blocking(move || outbox::retry_round(&app, &actor, &target, number)).await,
        Err(_) => Err(AppError::invalid(
            "round",
            "say which message (`message`) or which round (`round`, a number) to send again",
        )),
    };
    after(&state, &signed, slug, outcome, |n| {
        format!("done=retried_round&n={n}")
    })
    .await
}
