//! The panellist's HTML pages: each handler checks the CSRF value of a POST, runs one use case
//! off the executor, then redirects (POST/redirect/GET) or renders.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use delphi_app::panellist::{self, PageState, PanellistPage};
use delphi_app::{participation, Actor, AppError, Refusal};

use super::form::{self, Intent};
use super::{html, render_page, see_other, Notice, View};
pub(super) use crate::blocking;
use crate::errors::{not_found, status_of};
use crate::WebState;

use crate::forms::Fields;

/// Loads the page for a token (and records the first opening of an open round).
async fn load(state: &WebState, token: &str) -> Result<PanellistPage, AppError> {
    let app = state.app.clone();
    let actor = Actor::Panellist(token.to_owned());
    blocking(move || {
        let page = panellist::page(&app, &actor)?;
        if page.first_open {
            // Only a statistic for the researcher: a failure must not cost the page.
            if let Err(error) = participation::mark_opened(&app, &actor) {
                tracing::warn!(%error, "could not record the first opening");
            }
        }
        Ok(page)
    })
    .await
}

fn draw(
    state: &WebState,
    token: &str,
    page: &PanellistPage,
    view: View,
    status: StatusCode,
    notice: Option<Notice>,
    error: Option<String>,
) -> HttpResponse {
    match render_page(state, token, page, view, notice, error) {
        Ok(body) => html(status, body),
        Err(error) => {
            tracing::error!(%error, "a panellist page did not render");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Something went wrong on our side. Please try again in a moment.")
        }
    }
}

/// Shows why an action was refused, on a page of the study (or the 404 for a bad link).
async fn refused(state: &WebState, token: &str, error: AppError) -> HttpResponse {
    if matches!(error, AppError::Refused(Refusal::UnknownLink)) {
        return not_found();
    }
    let status = status_of(&error);
    match load(state, token).await {
        Ok(page) => draw(
            state,
            token,
            &page,
            View::Error,
            status,
            None,
            Some(error.to_string()),
        ),
        Err(_) => not_found(),
    }
}

fn csrf_ok(state: &WebState, token: &str, presented: &str) -> bool {
    crate::csrf::verify(&state.app.secret, token, presented)
}

fn csrf_of(fields: &Fields) -> &str {
    fields.get(crate::csrf::FIELD)
}

async fn csrf_refused(state: &WebState, token: &str) -> HttpResponse {
    refused(
        state,
        token,
        AppError::Forbidden(
            "this form had expired, so nothing was changed; please try again from the page below"
                .to_owned(),
        ),
    )
    .await
}

/// The view of `GET /p/{token}`: a round shown by section opens at the first section with
/// a statement not rated yet (the first when all are).
fn first_view(page: &PanellistPage) -> View {
    match &page.state {
        PageState::Rating(round) if round.by_section => View::Section(
            round
                .sections
                .iter()
                .find(|s| s.rated < s.total)
                .map_or(1, |s| s.number),
        ),
        _ => View::Page,
    }
}

/// `GET /p/{token}`: the page of the panellist's current state.
pub async fn show(
    state: web::Data<WebState>,
    token: web::Path<String>,
    request: HttpRequest,
) -> HttpResponse {
    let notice = Notice::from_query(request.query_string());
    match load(&state, &token).await {
        Ok(page) => draw(
            &state,
            &token,
            &page,
            first_view(&page),
            StatusCode::OK,
            notice,
            None,
        ),
        Err(AppError::Refused(Refusal::UnknownLink)) => not_found(),
        Err(error) => refused(&state, &token, error).await,
    }
}

/// `GET /p/{token}/section/{number}`: one section of a round shown by section. A number the
/// round does not have is a 404 naming how many sections there are; when the round is not
/// shown by section (or no round is open) the link's own page is the answer.
pub async fn section(
    state: web::Data<WebState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
) -> HttpResponse {
    let (token, number) = path.into_inner();
    let notice = Notice::from_query(request.query_string());
    let page = match load(&state, &token).await {
        Ok(page) => page,
        Err(AppError::Refused(Refusal::UnknownLink)) => return not_found(),
        Err(error) => return refused(&state, &token, error).await,
    };
    let PageState::Rating(round) = &page.state else {
        return see_other(format!("/p/{token}"));
    };
    if !round.by_section {
        return see_other(format!("/p/{token}"));
    }
    match number.parse::<usize>() {
        Ok(n) if (1..=round.sections.len()).contains(&n) => draw(
            &state,
            &token,
            &page,
            View::Section(n),
            StatusCode::OK,
            notice,
            None,
        ),
        _ => draw(
            &state,
            &token,
            &page,
            View::NoSection,
            StatusCode::NOT_FOUND,
            None,
            None,
        ),
    }
}

/// `POST /p/{token}/consent`.
pub async fn consent(
    state: web::Data<WebState>,
    token: web::Path<String>,
    fields: Fields,
) -> HttpResponse {
    if !csrf_ok(&state, &token, csrf_of(&fields)) {
        return csrf_refused(&state, &token).await;
    }
    let (app, actor) = (state.app.clone(), Actor::Panellist(token.clone()));
    match blocking(move || participation::consent(&app, &actor)).await {
        Ok(true) => see_other(format!("/p/{token}/background")),
        Ok(false) => see_other(format!("/p/{token}")),
        Err(error) => refused(&state, &token, error).await,
    }
}

/// `POST /p/{token}/answers`: the plain form (every answer at once, all or nothing).
pub async fn save(
    state: web::Data<WebState>,
    token: web::Path<String>,
    fields: Fields,
) -> HttpResponse {
    if !csrf_ok(&state, &token, csrf_of(&fields)) {
        return csrf_refused(&state, &token).await;
    }
    let form = match form::parse(fields.pairs()) {
        Ok(form) => form,
        Err(error) => return refused(&state, &token, error).await,
    };
    let (app, actor, answers, open) = (
        state.app.clone(),
        Actor::Panellist(token.clone()),
        form.answers,
        form.open,
    );
    match blocking(move || participation::save_form(&app, &actor, &answers, &open)).await {
        Ok(_) => match form.intent {
            Intent::Submit => see_other(format!("/p/{token}/submit")),
            Intent::Save => see_other(format!("/p/{token}?n=saved")),
            Intent::Section(n) => see_other(format!("/p/{token}/section/{n}")),
            Intent::SaveSection(n) => see_other(format!("/p/{token}/section/{n}?n=saved")),
        },
        Err(error) => refused(&state, &token, error).await,
    }
}

/// `GET /p/{token}/submit`: confirmation naming the items not rated yet.
pub async fn confirm_submit(state: web::Data<WebState>, token: web::Path<String>) -> HttpResponse {
    match load(&state, &token).await {
        Ok(page) if matches!(page.state, PageState::Rating(_)) => draw(
            &state,
            &token,
            &page,
            View::ConfirmSubmit,
            StatusCode::OK,
            None,
            None,
        ),
        Ok(_) => see_other(format!("/p/{token}")),
        Err(AppError::Refused(Refusal::UnknownLink)) => not_found(),
        Err(error) => refused(&state, &token, error).await,
    }
}

/// `POST /p/{token}/submit`: records the submission.
pub async fn submit(
    state: web::Data<WebState>,
    token: web::Path<String>,
    fields: Fields,
) -> HttpResponse {
    if !csrf_ok(&state, &token, csrf_of(&fields)) {
        return csrf_refused(&state, &token).await;
    }
    let (app, actor) = (state.app.clone(), Actor::Panellist(token.clone()));
    match blocking(move || participation::submit(&app, &actor)).await {
        Ok(_) => see_other(format!("/p/{token}?n=submitted")),
        Err(error) => refused(&state, &token, error).await,
    }
}

/// `GET /p/{token}/withdraw`: "Withdraw from this study?".
pub async fn confirm_withdraw(
    state: web::Data<WebState>,
    token: web::Path<String>,
) -> HttpResponse {
    match load(&state, &token).await {
        Ok(page) if matches!(page.state, PageState::Withdrawn { .. }) => {
            see_other(format!("/p/{token}"))
        }
        Ok(page) => draw(
            &state,
            &token,
            &page,
            View::ConfirmWithdraw,
            StatusCode::OK,
            None,
            None,
        ),
        Err(AppError::Refused(Refusal::UnknownLink)) => not_found(),
        Err(error) => refused(&state, &token, error).await,
    }
}

/// `POST /p/{token}/withdraw`: withdraws (earlier answers are kept). A mail client's one-click
/// unsubscription (RFC 8058: the body `List-Unsubscribe=One-Click`, sent to the address of the
/// email's `List-Unsubscribe` header) withdraws too: the secret link is the credential, as for
/// every panellist route, and the form's CSRF value only guards the page's own form.
pub async fn withdraw(
    state: web::Data<WebState>,
    token: web::Path<String>,
    fields: Fields,
) -> HttpResponse {
    let one_click = fields.pairs().len() == 1 && fields.get("List-Unsubscribe") == "One-Click";
    if !one_click && !csrf_ok(&state, &token, csrf_of(&fields)) {
        return csrf_refused(&state, &token).await;
    }
    let (app, actor) = (state.app.clone(), Actor::Panellist(token.clone()));
    match blocking(move || participation::withdraw(&app, &actor)).await {
        Ok(()) => see_other(format!("/p/{token}")),
        Err(error) => refused(&state, &token, error).await,
    }
}
