//! Drawing `/admin` pages: the frame every page shares ([`Page`]), a page that only says
//! what went wrong ([`problem`]), redirects, and the words for states and kinds.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use chrono::NaiveDateTime;
use delphi_app::AppError;
use serde::Serialize;

use super::extract::SignedIn;
use crate::errors::status_of;
use crate::WebState;

/// What every admin page gets besides its own data.
#[derive(Serialize)]
pub struct Page<'a, T: Serialize> {
    /// The page's title.
    pub title: String,
    /// The signed-in user's name, or null on the sign-in page.
    pub user: Option<&'a str>,
    /// The CSRF value of the page's forms.
    pub csrf: &'a str,
    /// A fixed message after an action.
    pub notice: Option<String>,
    /// The error that stopped an action.
    pub error: Option<String>,
    /// The page's own data.
    #[serde(flatten)]
    pub data: T,
}

impl<'a, T: Serialize> Page<'a, T> {
    /// A page for the signed-in user.
    pub fn of(signed: &'a SignedIn, title: impl Into<String>, data: T) -> Self {
        Self {
            title: title.into(),
            user: Some(&signed.user.display_name),
            csrf: &signed.csrf,
            notice: None,
            error: None,
            data,
        }
    }

    /// The same page with a notice.
    pub fn notice(mut self, notice: Option<String>) -> Self {
        self.notice = notice;
        self
    }

    /// The same page with an error.
    pub fn error(mut self, error: Option<String>) -> Self {
        self.error = error;
        self
    }
}

/// What a refused action puts on the page it returns to: the status to answer with (200 when
/// nothing was refused) and the error's lines, one problem each (an upload's bad rows are a
/// line each).
pub fn refusal(error: Option<&AppError>) -> (StatusCode, Vec<String>) {
    match error {
        None => (StatusCode::OK, Vec::new()),
        Some(e) => (
            status_of(e),
            e.to_string().lines().map(str::to_owned).collect(),
        ),
    }
}

/// Renders `template` with `page`, never cached.
pub fn render<T: Serialize>(
    state: &WebState,
    template: &str,
    status: StatusCode,
    page: &Page<'_, T>,
) -> HttpResponse {
    match state.templates.render(template, page) {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body),
        Err(error) => {
            tracing::error!(%error, template, "an admin page did not render");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Something went wrong on our side. Please try again in a moment.")
        }
    }
}

/// A page that only says what went wrong, with its status code (a refusal to read a study
/// is a 404, as if it did not exist).
pub fn problem(state: &WebState, signed: Option<&SignedIn>, error: &AppError) -> HttpResponse {
    let status = status_of(error);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(%error, "an admin action failed");
    }
    if status == StatusCode::UNAUTHORIZED {
        return see_other("/admin/login");
    }
    let page = Page {
        title: "Not possible".to_owned(),
        user: signed.map(|s| s.user.display_name.as_str()),
        csrf: signed.map_or("", |s| s.csrf.as_str()),
        notice: None,
        error: Some(error.to_string()),
        data: serde_json::json!({}),
    };
    render(state, "admin/problem.html", status, &page)
}

/// A 303 to `location`.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location.to_owned()))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

/// Whether cookies must be `Secure` (the site is served over https).
pub fn secure(state: &WebState) -> bool {
    state.app.base_url.starts_with("https://")
}

/// A time as researchers read it.
pub fn when(at: NaiveDateTime) -> String {
    at.format("%-d %b %Y %H:%M UTC").to_string()
}
