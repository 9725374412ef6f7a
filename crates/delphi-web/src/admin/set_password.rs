//! `/admin/set-password/{token}`: the page a one-time account link opens (a new login's first
//! password, or a reset). Choosing a password signs in; every other session of the user ends.
//! A used, expired or unknown link gets the same 404 page. The form's CSRF value is a MAC of
//! the link's token; rate-limited with the sign-in form.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::accounts::{self, redeem};
use delphi_app::AppError;
use delphi_core::states::AccountLinkPurpose;
use serde::Serialize;

use super::extract::CSRF_REFUSED;
use super::render::{render, secure, see_other, Page};
use super::session;
use crate::errors::status_of;
use crate::forms::Fields;
use crate::{blocking, WebState};

#[derive(Serialize)]
struct SetPasswordData {
    token: String,
    email: String,
    first: bool,
    min_chars: usize,
}

/// The page of a link that does not work (one page, one status, whatever the reason).
fn refused_page(state: &WebState) -> HttpResponse {
    let page = Page {
        title: "This link does not work".to_owned(),
        user: None,
        csrf: "",
        notice: None,
        error: None,
        data: serde_json::json!({ "reason": accounts::LINK_REFUSED }),
    };
    render(
        state,
        "admin/link_refused.html",
        StatusCode::NOT_FOUND,
        &page,
    )
}

fn form_page(
    state: &WebState,
    token: String,
    view: redeem::LinkView,
    status: StatusCode,
    error: Option<String>,
) -> HttpResponse {
    let csrf = session::link_csrf(&state.app.secret, &token);
    let first = view.purpose == AccountLinkPurpose::SetPassword;
    let page = Page {
        title: if first {
            "Choose your password"
        } else {
            "Choose a new password"
        }
        .to_owned(),
        user: None,
        csrf: &csrf,
        notice: None,
        error,
        data: SetPasswordData {
            token,
            email: view.email,
            first,
            min_chars: delphi_app::password::MIN_CHARS,
        },
    };
    render(state, "admin/set_password.html", status, &page)
}

/// `GET /admin/set-password/{token}`.
pub async fn form(state: web::Data<WebState>, token: web::Path<String>) -> HttpResponse {
    let token = token.into_inner();
    let (app, t) = (state.app.clone(), token.clone());
    match blocking(move || redeem::view(&app, &t)).await {
        Ok(view) => form_page(&state, token, view, StatusCode::OK, None),
        Err(AppError::NotFound(_)) => refused_page(&state),
        Err(error) => super::render::problem(&state, None, &error),
    }
}

/// `POST /admin/set-password/{token}`: csrf, new, repeat. Signs in on success.
pub async fn choose(
    state: web::Data<WebState>,
    token: web::Path<String>,
    form: Fields,
) -> HttpResponse {
    let token = token.into_inner();
    if !session::link_csrf_ok(&state.app.secret, &token, form.get("csrf")) {
        let error = AppError::Forbidden(CSRF_REFUSED.to_owned());
        return super::render::problem(&state, None, &error);
    }
    let (app, t) = (state.app.clone(), token.clone());
    let (new, repeat) = (form.get("new").to_owned(), form.get("repeat").to_owned());
    let outcome = blocking(move || redeem::choose_password(&app, &t, &new, &repeat)).await;
    match outcome {
        Ok(session) => {
            let mut response = see_other("/admin");
            let cookie = session::cookie(session::COOKIE, session.id, secure(&state));
            if let Err(error) = response.add_cookie(&cookie) {
                tracing::error!(%error, "the session cookie could not be set");
            }
            response
        }
        Err(AppError::NotFound(_)) => refused_page(&state),
        Err(error @ AppError::InvalidInput { .. }) => {
            let (app, t) = (state.app.clone(), token.clone());
            match blocking(move || redeem::view(&app, &t)).await {
                Ok(view) => form_page(
                    &state,
                    token,
                    view,
                    status_of(&error),
                    Some(error.to_string()),
                ),
                Err(_) => refused_page(&state),
            }
        }
        Err(error) => super::render::problem(&state, None, &error),
    }
}
