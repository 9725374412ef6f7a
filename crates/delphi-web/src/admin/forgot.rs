//! `/admin/forgot-password`: asks for an address and answers the same whatever it is ("if an
//! account exists, we sent a link"), so the form does not tell who has a login. Rate-limited
//! with the sign-in form (one bucket per client); the use case also caps the links one login
//! is sent an hour. No session yet, so the CSRF value is the sign-in form's double-submit one.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use delphi_app::accounts::{self, reset};
use serde::Serialize;

use super::extract::CSRF_REFUSED;
use super::render::{render, secure, Page};
use super::session;
use crate::errors::status_of;
use crate::forms::Fields;
use crate::{blocking, WebState};

/// What the answer says for every address.
pub const SENT: &str = "If an account exists for that address, we have emailed it a link to \
    choose a new password. The link works once, within the hour. Nothing arrived? Check the \
    spam folder, or ask again in a few minutes.";

#[derive(Serialize)]
struct ForgotData<'a> {
    email: &'a str,
    sent: bool,
    lifetime: String,
}

fn forgot_page(
    state: &WebState,
    status: StatusCode,
    email: &str,
    notice: Option<String>,
    error: Option<String>,
) -> HttpResponse {
    let nonce = session::login_nonce();
    let csrf = session::login_csrf(&state.app.secret, &nonce);
    let page = Page {
        title: "Forgot your password?".to_owned(),
        user: None,
        csrf: &csrf,
        notice: notice.clone(),
        error,
        data: ForgotData {
            email,
            sent: notice.is_some(),
            lifetime: accounts::lifetime_words(
                delphi_core::states::AccountLinkPurpose::ResetPassword,
            ),
        },
    };
    let mut response = render(state, "admin/forgot.html", status, &page);
    if let Err(error) = response.add_cookie(&session::cookie(
        session::LOGIN_COOKIE,
        nonce,
        secure(state),
    )) {
        tracing::error!(%error, "the form's cookie could not be set");
    }
    response
}

/// `GET /admin/forgot-password`.
pub async fn form(state: web::Data<WebState>) -> HttpResponse {
    forgot_page(&state, StatusCode::OK, "", None, None)
}

/// `POST /admin/forgot-password`: csrf, email.
pub async fn send(state: web::Data<WebState>, req: HttpRequest, form: Fields) -> HttpResponse {
    let email = form.get("email").trim().to_owned();
    let nonce = session::read(&req, session::LOGIN_COOKIE).unwrap_or_default();
    if !session::login_csrf_ok(&state.app.secret, &nonce, form.get("csrf")) {
        let refused = Some(CSRF_REFUSED.to_owned());
        return forgot_page(&state, StatusCode::FORBIDDEN, &email, None, refused);
    }
    let (app, address) = (state.app.clone(), email.clone());
    match blocking(move || reset::request(&app, &address)).await {
        Ok(()) => forgot_page(&state, StatusCode::OK, "", Some(SENT.to_owned()), None),
        Err(error) => {
            let status = status_of(&error);
            forgot_page(&state, status, &email, None, Some(error.to_string()))
        }
    }
}
