//! Signing in and out (a session on the server: `delphi_app::sessions`). The sign-in form
//! has no session yet, so its CSRF value is a double-submit one (a random cookie and its MAC
//! in the form).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use delphi_app::sessions;
use serde::Serialize;

use super::extract::{signed_in, CsrfForm, CSRF_REFUSED};
use super::render::{problem, render, secure, see_other, Page};
use super::session;
use crate::errors::status_of;
use crate::forms::Fields;
use crate::{blocking, WebState};

#[derive(Serialize)]
struct LoginData<'a> {
    email: &'a str,
}

fn login_page(
    state: &WebState,
    status: StatusCode,
    email: &str,
    error: Option<String>,
) -> HttpResponse {
    let nonce = session::login_nonce();
    let csrf = session::login_csrf(&state.app.secret, &nonce);
    let page = Page {
        title: "Sign in".to_owned(),
        user: None,
        csrf: &csrf,
        notice: None,
        error,
        data: LoginData { email },
    };
    let mut response = render(state, "admin/login.html", status, &page);
    if let Err(error) = response.add_cookie(&session::cookie(
        session::LOGIN_COOKIE,
        nonce,
        secure(state),
    )) {
        tracing::error!(%error, "the sign-in cookie could not be set");
    }
    response
}

/// `GET /admin/login`.
pub async fn form(state: web::Data<WebState>, req: HttpRequest) -> HttpResponse {
    match signed_in(&state, &req).await {
        Ok(Some(_)) => see_other("/admin"),
        _ => login_page(&state, StatusCode::OK, "", None),
    }
}

/// `POST /admin/login`: email, password, csrf.
pub async fn sign_in(state: web::Data<WebState>, req: HttpRequest, form: Fields) -> HttpResponse {
    let email = form.get("email").trim().to_owned();
    let nonce = session::read(&req, session::LOGIN_COOKIE).unwrap_or_default();
    if !session::login_csrf_ok(&state.app.secret, &nonce, form.get("csrf")) {
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            &email,
            Some(CSRF_REFUSED.to_owned()),
        );
    }
    let app = state.app.clone();
    let password = form.get("password").to_owned();
    let address = email.clone();
    match blocking(move || sessions::sign_in(&app, &address, &password)).await {
        Ok(session) => {
            let mut response = see_other("/admin");
            let cookies = [
                session::cookie(session::COOKIE, session.id, secure(&state)),
                session::removal(session::LOGIN_COOKIE),
            ];
            for cookie in &cookies {
                if let Err(error) = response.add_cookie(cookie) {
                    tracing::error!(%error, "a session cookie could not be set");
                }
            }
            response
        }
        Err(error) => login_page(&state, status_of(&error), &email, Some(error.to_string())),
    }
}

/// A form with no fields but its CSRF value.
#[derive(serde::Deserialize)]
pub struct Empty {}

/// `POST /admin/logout`: csrf. Ends the session on the server, then drops the cookie.
pub async fn sign_out(state: web::Data<WebState>, form: CsrfForm<Empty>) -> HttpResponse {
    let (app, id) = (state.app.clone(), form.signed.session.clone());
    if let Err(error) = blocking(move || sessions::sign_out(&app, &id)).await {
        return problem(&state, Some(&form.signed), &error);
    }
    let mut response = see_other("/admin/login");
    if let Err(error) = response.add_cookie(&session::removal(session::COOKIE)) {
        tracing::error!(%error, "the session cookie could not be removed");
    }
    response
}
