//! The signed-in user's own account (`/admin/account`): change one's password (the current
//! one required; every other session ends) and sign out everywhere (every session ends,
//! this one included).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::sessions::{self, PasswordChange};
use serde::{Deserialize, Serialize};

use super::extract::{CsrfForm, SignedIn};
use super::render::{problem, render, see_other, Page};
use super::session;
use crate::errors::status_of;
use crate::{blocking, WebState};

#[derive(Serialize)]
struct AccountData {
    email: String,
    sessions: usize,
    only_here: bool,
    min_chars: usize,
}

async fn account_page(
    state: &WebState,
    signed: &SignedIn,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> HttpResponse {
    let (app, actor) = (state.app.clone(), signed.actor.clone());
    let sessions = match blocking(move || sessions::count(&app, &actor)).await {
        Ok(n) => n,
        Err(error) => return problem(state, Some(signed), &error),
    };
    let data = AccountData {
        email: signed.user.email.clone(),
        sessions,
        only_here: sessions <= 1,
        min_chars: sessions::MIN_PASSWORD_CHARS,
    };
    let page = Page::of(signed, "Your account", data)
        .notice(notice)
        .error(error);
    render(state, "admin/account.html", status, &page)
}

/// What `?done=...` may say (fixed texts; only a number is read).
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    n: Option<usize>,
}

/// `GET /admin/account`.
pub async fn show(
    state: web::Data<WebState>,
    signed: SignedIn,
    done: web::Query<Done>,
) -> HttpResponse {
    let notice = match (done.done.as_deref(), done.n) {
        (Some("password"), Some(n)) => Some(format!(
            "Your password is changed. {n} other sign-in{} ended.",
            if n == 1 { "" } else { "s" }
        )),
        _ => None,
    };
    account_page(&state, &signed, StatusCode::OK, notice, None).await
}

/// The password form.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

/// `POST /admin/account/password`: csrf, current, new, repeat.
pub async fn change_password(
    state: web::Data<WebState>,
    posted: CsrfForm<PasswordForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let (app, actor, id) = (
        state.app.clone(),
        signed.actor.clone(),
        signed.session.clone(),
    );
    let outcome = blocking(move || {
        let change = PasswordChange {
            session_id: &id,
            current: &form.current,
            new: &form.new,
            repeat: &form.repeat,
        };
        sessions::change_password(&app, &actor, &change)
    })
    .await;
    match outcome {
        Ok(ended) => see_other(&format!("/admin/account?done=password&n={ended}")),
        Err(error) => {
            let status = status_of(&error);
            account_page(&state, &signed, status, None, Some(error.to_string())).await
        }
    }
}

/// A form with nothing but its CSRF value.
#[derive(Deserialize)]
pub struct Empty {}

/// `POST /admin/account/sign-out-everywhere`: csrf. Every session of the user ends.
pub async fn sign_out_everywhere(
    state: web::Data<WebState>,
    posted: CsrfForm<Empty>,
) -> HttpResponse {
    let signed = posted.signed;
    let (app, actor) = (state.app.clone(), signed.actor.clone());
    if let Err(error) = blocking(move || sessions::sign_out_everywhere(&app, &actor)).await {
        return problem(&state, Some(&signed), &error);
    }
    let mut response = see_other("/admin/login");
    if let Err(error) = response.add_cookie(&session::removal(session::COOKIE)) {
        tracing::error!(%error, "the session cookie could not be removed");
    }
    response
}
