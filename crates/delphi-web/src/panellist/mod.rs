//! The panellist's side: `/p/{token}` pages and the `/api/v1/p/{token}` JSON API. No account
//! and no password: the link is the credential, so every route starts from the token, and
//! unknown or revoked tokens all get the same 404.

mod api;
mod controls;
mod form;
mod pages;

use std::sync::Arc;

use actix_governor::{
    governor::middleware::NoOpMiddleware, Governor, GovernorConfig, PeerIpKeyExtractor,
};
use actix_web::{web, HttpResponse};
use delphi_app::panellist::PanellistPage;
use serde::Serialize;

use crate::WebState;

/// The shared per-address rate limit of the panellist routes.
pub type RateLimit = Arc<GovernorConfig<PeerIpKeyExtractor, NoOpMiddleware>>;

/// Mounts the panellist pages and API behind the rate limit.
pub fn configure(cfg: &mut web::ServiceConfig, limit: &RateLimit) {
    cfg.service(
        web::scope("/p/{token}")
            .wrap(Governor::new(limit))
            .route("", web::get().to(pages::show))
            .route("/consent", web::post().to(pages::consent))
            .route("/answers", web::post().to(pages::save))
            .route("/submit", web::get().to(pages::confirm_submit))
            .route("/submit", web::post().to(pages::submit))
            .route("/withdraw", web::get().to(pages::confirm_withdraw))
            .route("/withdraw", web::post().to(pages::withdraw)),
    )
    .service(
        web::scope("/api/v1/p/{token}")
            .wrap(Governor::new(limit))
            .route("", web::get().to(api::show))
            .route("/consent", web::post().to(api::consent))
            .route("/answers/{code}", web::put().to(api::save))
            .route("/submit", web::post().to(api::submit))
            .route("/withdraw", web::post().to(api::withdraw)),
    );
}

/// A short message shown at the top of a page after an action (fixed texts only: nothing
/// from the query string is ever echoed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Answers saved by the plain form.
    Saved,
    /// Submission recorded.
    Submitted,
}

impl Notice {
    fn text(self) -> &'static str {
        match self {
            Self::Saved => "Your answers are saved.",
            Self::Submitted => {
                "Thank you: your answers are submitted. You can still change them until the round closes."
            }
        }
    }

    fn from_query(query: &str) -> Option<Self> {
        query.split('&').find_map(|pair| match pair {
            "n=saved" => Some(Self::Saved),
            "n=submitted" => Some(Self::Submitted),
            _ => None,
        })
    }
}

/// Everything a panellist template sees.
#[derive(Serialize)]
struct PageContext<'a> {
    #[serde(flatten)]
    page: &'a PanellistPage,
    /// `/p/{token}`: the base of every link and form on the page.
    base: String,
    /// The CSRF value for this link.
    csrf: String,
    /// A fixed message after an action.
    notice: Option<&'static str>,
    /// The error that stopped an action.
    error: Option<String>,
    /// The page's title.
    title: String,
    /// Whether the page loads the script.
    script: bool,
    /// Whether the footer offers withdrawal.
    withdraw_link: bool,
}

/// The template of a page state (and of the confirmation pages).
fn template_of(page: &PanellistPage, view: View) -> &'static str {
    match view {
        View::ConfirmSubmit => "panellist/submit.html",
        View::ConfirmWithdraw => "panellist/withdraw.html",
        View::Error => "panellist/error.html",
        View::Page => match page.state.name() {
            "consent" => "panellist/consent.html",
            "rating" => "panellist/round.html",
            "not_open" => "panellist/not_open.html",
            "closed" => "panellist/closed.html",
            "not_invited" => "panellist/not_invited.html",
            "completed" => "panellist/completed.html",
            _ => "panellist/withdrawn.html",
        },
    }
}

/// Which page to draw from a [`PanellistPage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The page of the current state.
    Page,
    /// "Submit your answers?" with unrated items named.
    ConfirmSubmit,
    /// "Withdraw from this study?".
    ConfirmWithdraw,
    /// An action was refused.
    Error,
}

fn title_of(page: &PanellistPage, view: View) -> String {
    use delphi_app::panellist::PageState;
    match (view, &page.state) {
        (View::ConfirmSubmit, _) => "Submit your answers".to_owned(),
        (View::ConfirmWithdraw, _) => "Withdraw from the study".to_owned(),
        (View::Error, _) => "Not saved".to_owned(),
        (_, PageState::Consent { .. }) => "About this study".to_owned(),
        (_, PageState::Rating(round)) => format!("Round {}", round.number),
        (_, PageState::NotOpen { .. }) => "Not open yet".to_owned(),
        (_, PageState::Closed(closed)) => format!("Round {} has closed", closed.round_number),
        (_, PageState::NotInvited { round_number }) => format!("Round {round_number}"),
        (_, PageState::Completed) => "Study completed".to_owned(),
        (_, PageState::Withdrawn { .. }) => "You have withdrawn".to_owned(),
    }
}

/// Renders a panellist page (public for benchmarks and tests).
pub fn render_page(
    state: &WebState,
    token: &str,
    page: &PanellistPage,
    view: View,
    notice: Option<Notice>,
    error: Option<String>,
) -> Result<String, delphi_render::RenderError> {
    let withdrawable = !matches!(
        page.state,
        delphi_app::panellist::PageState::Withdrawn { .. }
            | delphi_app::panellist::PageState::Completed
    );
    let context = PageContext {
        page,
        base: format!("/p/{token}"),
        csrf: crate::csrf::csrf_token(&state.app.secret, token),
        notice: notice.map(Notice::text),
        error,
        title: title_of(page, view),
        script: view == View::Page && page.state.name() == "rating",
        withdraw_link: withdrawable && view != View::ConfirmWithdraw,
    };
    let name = template_of(page, view);
    match (&page.state, view) {
        (delphi_app::panellist::PageState::Rating(round), View::Page) => {
            let data =
                with_controls(&context, round).map_err(|e| delphi_render::RenderError::Render {
                    name: name.to_owned(),
                    reason: e.to_string(),
                })?;
            state.templates.render(name, &data)
        }
        _ => state.templates.render(name, &context),
    }
}

/// The round page's data with each item's rating controls written in (`controls`, raw HTML)
/// in place of its list of points.
fn with_controls(
    context: &PageContext<'_>,
    round: &delphi_app::panellist::RoundView,
) -> Result<serde_json::Value, serde_json::Error> {
    let mut data = serde_json::to_value(context)?;
    let sections = data["state"]["sections"].as_array_mut();
    for (section, typed) in sections.into_iter().flatten().zip(&round.sections) {
        let items = section["items"].as_array_mut();
        for (item, typed) in items.into_iter().flatten().zip(&typed.items) {
            if let Some(object) = item.as_object_mut() {
                object.remove("points");
                if let (Some(stats), Some(typed_stats)) = (
                    object
                        .get_mut("feedback")
                        .and_then(|f| f.get_mut("stats"))
                        .and_then(|s| s.as_object_mut()),
                    typed.feedback.as_ref().and_then(|f| f.stats.as_ref()),
                ) {
                    stats.remove("chart");
                    stats.remove("groups");
                    stats.insert(
                        "drawn".to_owned(),
                        controls::drawn_stats(typed_stats).into(),
                    );
                }
                object.insert(
                    "controls".to_owned(),
                    controls::scale(typed, round.unable_to_rate).into(),
                );
            }
        }
    }
    Ok(data)
}

/// An HTML response that is never cached (pages carry the panellist's answers).
fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}

/// A 303 to a page of the same link.
fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}
