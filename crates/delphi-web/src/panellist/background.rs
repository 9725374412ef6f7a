//! `/p/{token}/background`: the background questionnaire a panellist answers once after
//! consent. Every question may be left unanswered; "prefer not to answer any" skips it all,
//! and the round never waits for it. Fields: `b_{id}` (`b_{id}.{n}` for the n-th option of a
//! multiple choice: a form gives each field once), `go` (`save` or `skip`), `csrf`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::questions::{self, BackgroundInput, BackgroundView};
use delphi_app::{Actor, AppError, Refusal};
use serde::Serialize;

use super::{html, see_other, Common};
use crate::errors::{not_found, status_of};
use crate::forms::Fields;
use crate::{blocking, WebState};

/// What the questionnaire's template sees.
#[derive(Serialize)]
struct BackgroundPage<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    #[serde(flatten)]
    view: &'a BackgroundView,
}

fn draw(
    state: &WebState,
    token: &str,
    view: &BackgroundView,
    status: StatusCode,
    error: Option<String>,
) -> HttpResponse {
    let common = Common {
        base: format!("/p/{token}"),
        csrf: crate::csrf::csrf_token(&state.app.secret, token),
        notice: None,
        error: error.as_deref(),
        title: "About you".to_owned(),
        script: false,
        withdraw_link: true,
        preview: false,
    };
    match state.templates.render(
        "panellist/background.html",
        &BackgroundPage { common, view },
    ) {
        Ok(body) => html(status, body),
        Err(error) => {
            tracing::error!(%error, "the background page did not render");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Something went wrong on our side. Please try again in a moment.")
        }
    }
}

async fn view_of(state: &WebState, token: &str) -> Result<BackgroundView, AppError> {
    let (app, actor) = (state.app.clone(), Actor::Panellist(token.to_owned()));
    blocking(move || questions::background(&app, &actor)).await
}

/// Where a refusal goes: the 404 of a bad link, the questionnaire with the message, or the
/// panellist's page when the questionnaire cannot be shown (withdrawn, not consented).
async fn refused(state: &WebState, token: &str, error: AppError) -> HttpResponse {
    if matches!(error, AppError::Refused(Refusal::UnknownLink)) {
        return not_found();
    }
    match view_of(state, token).await {
        Err(AppError::Refused(Refusal::UnknownLink)) => not_found(),
        Ok(view) if !view.questions.is_empty() => draw(
            state,
            token,
            &view,
            status_of(&error),
            Some(error.to_string()),
        ),
        _ => see_other(format!("/p/{token}")),
    }
}

/// `GET /p/{token}/background`: the questionnaire (the round's page when it asks none).
pub async fn show(state: web::Data<WebState>, token: web::Path<String>) -> HttpResponse {
    match view_of(&state, &token).await {
        Ok(view) if view.questions.is_empty() => see_other(format!("/p/{token}")),
        Ok(view) => draw(&state, &token, &view, StatusCode::OK, None),
        Err(error) => refused(&state, &token, error).await,
    }
}

/// Reads the form into the use case's input (unknown fields are ignored).
fn input_of(fields: &Fields) -> BackgroundInput {
    let mut input = BackgroundInput {
        skip: fields.get("go") == "skip",
        ..BackgroundInput::default()
    };
    for (name, value) in fields.pairs() {
        if let Some(field) = name.strip_prefix("b_") {
            let id = field.split_once('.').map_or(field, |(id, _)| id);
            match input.answers.iter_mut().find(|(known, _)| known == id) {
                Some((_, values)) => values.push(value.clone()),
                None => input.answers.push((id.to_owned(), vec![value.clone()])),
            }
        }
    }
    input
}

/// `POST /p/{token}/background`: stores the answers (all or nothing), then the round.
pub async fn save(
    state: web::Data<WebState>,
    token: web::Path<String>,
    fields: Fields,
) -> HttpResponse {
    if !crate::csrf::verify(&state.app.secret, &token, fields.get(crate::csrf::FIELD)) {
        let expired = AppError::Forbidden(
            "this form had expired, so nothing was changed; please try again from the page below"
                .to_owned(),
        );
        return refused(&state, &token, expired).await;
    }
    let input = input_of(&fields);
    let (app, actor) = (state.app.clone(), Actor::Panellist(token.clone()));
    match blocking(move || questions::save_background(&app, &actor, &input)).await {
        Ok(()) => see_other(format!("/p/{token}?n=saved")),
        Err(error) => refused(&state, &token, error).await,
    }
}
