//! The panellist's side: `/p/{token}` pages and the `/api/v1/p/{token}` JSON API. No account
//! and no password: the link is the credential, so every route starts from the token, and
//! unknown or revoked tokens all get the same 404.

pub(crate) mod api;
mod background;
mod context;
mod controls;
mod form;
mod pages;

use actix_governor::Governor;
use actix_web::{web, HttpResponse};
use delphi_app::panellist::{PageState, PanellistPage};
use serde::Serialize;

use crate::limits::Limiters;
use crate::WebState;

/// Mounts the panellist pages and the API, each behind its own per-client rate limit.
pub fn configure(cfg: &mut web::ServiceConfig, limits: &Limiters) {
    cfg.service(
        web::scope("/p/{token}")
            .wrap(Governor::new(&limits.pages))
            .route("", web::get().to(pages::show))
            .route("/consent", web::post().to(pages::consent))
            .route("/background", web::get().to(background::show))
            .route("/background", web::post().to(background::save))
            .route("/answers", web::post().to(pages::save))
            .route("/section/{number}", web::get().to(pages::section))
            .route("/submit", web::get().to(pages::confirm_submit))
            .route("/submit", web::post().to(pages::submit))
            .route("/withdraw", web::get().to(pages::confirm_withdraw))
            .route("/withdraw", web::post().to(pages::withdraw)),
    )
    .service(
        web::scope("/api/v1/p/{token}")
            .wrap(Governor::new(&limits.api))
            .route("", web::get().to(api::show))
            .route("/consent", web::post().to(api::consent))
            .route("/answers/{code}", web::put().to(api::save))
            .route("/open/{number}", web::put().to(api::save_open))
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
    /// The message, with the round's counts when some statements were left unrated.
    fn text(self, page: &PanellistPage) -> String {
        match self {
            Self::Saved => "Your answers are saved.".to_owned(),
            Self::Submitted => match &page.state {
                PageState::Rating(round) if round.rated < round.total => format!(
                    "Thank you: your answers are submitted. You rated {} of the {} statements; you can still rate the others and change your answers until the round closes.",
                    round.rated, round.total
                ),
                _ => "Thank you: your answers are submitted. You can still change them until the round closes.".to_owned(),
            },
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

/// What every panellist page has besides its state.
#[derive(Serialize)]
struct Common<'a> {
    /// `/p/{token}`: the base of every link and form on the page.
    base: String,
    /// The CSRF value for this link.
    csrf: String,
    /// A message after an action (fixed words and the page's own counts, never the query).
    notice: Option<String>,
    /// The error that stopped an action.
    error: Option<&'a str>,
    /// The page's title.
    title: String,
    /// Whether the page loads the script.
    script: bool,
    /// Whether the footer offers withdrawal.
    withdraw_link: bool,
    /// A researcher's read-only preview: nothing on the page can be sent.
    preview: bool,
}

/// Everything the template of a page other than the open round sees.
#[derive(Serialize)]
struct PageContext<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    #[serde(flatten)]
    page: &'a PanellistPage,
}

/// The template of a page state (and of the confirmation pages).
fn template_of(page: &PanellistPage, view: View) -> &'static str {
    match view {
        View::ConfirmSubmit => "panellist/submit.html",
        View::ConfirmWithdraw => "panellist/withdraw.html",
        View::Error => "panellist/error.html",
        View::NoSection => "panellist/no_section.html",
        View::Page | View::Section(_) => match page.state {
            PageState::Consent { .. } => "panellist/consent.html",
            PageState::Rating(_) => "panellist/round.html",
            PageState::NotOpen { .. } => "panellist/not_open.html",
            PageState::Closed(_) => "panellist/closed.html",
            PageState::NotInvited { .. } => "panellist/not_invited.html",
            PageState::Completed => "panellist/completed.html",
            PageState::Withdrawn { .. } => "panellist/withdrawn.html",
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
    /// One section of the open round (1-based, within the round's sections).
    Section(usize),
    /// A section number the round does not have.
    NoSection,
}

fn title_of(page: &PanellistPage, view: View) -> String {
    match (view, &page.state) {
        (View::ConfirmSubmit, _) => "Submit your answers".to_owned(),
        (View::ConfirmWithdraw, _) => "Withdraw from the study".to_owned(),
        (View::Error, _) => "Not saved".to_owned(),
        (View::NoSection, _) => "No such section".to_owned(),
        (View::Section(n), PageState::Rating(round)) => {
            format!(
                "Round {}, section {n} of {}",
                round.number,
                round.sections.len()
            )
        }
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
        PageState::Withdrawn { .. } | PageState::Completed
    );
    let common = Common {
        base: format!("/p/{token}"),
        csrf: crate::csrf::csrf_token(&state.app.secret, token),
        notice: notice.map(|n| n.text(page)),
        error: error.as_deref(),
        title: title_of(page, view),
        script: matches!(view, View::Page | View::Section(_))
            && matches!(page.state, PageState::Rating(_)),
        withdraw_link: withdrawable && view != View::ConfirmWithdraw,
        preview: false,
    };
    draw_page(state, common, page, view)
}

/// The next round's page as a panellist will see it, for a researcher: read-only (the
/// form's controls disabled, no script, no link or CSRF value of the panellist's).
pub(crate) fn render_preview(
    state: &WebState,
    page: &PanellistPage,
) -> Result<String, delphi_render::RenderError> {
    let common = Common {
        base: String::new(),
        csrf: String::new(),
        notice: Some("Preview: this is the page as the panellist will see it when the round opens. Nothing can be changed here.".to_owned()),
        error: None,
        title: format!("Preview: {}", title_of(page, View::Page)),
        script: false,
        withdraw_link: false,
        preview: true,
    };
    draw_page(state, common, page, View::Page)
}

fn draw_page(
    state: &WebState,
    common: Common<'_>,
    page: &PanellistPage,
    view: View,
) -> Result<String, delphi_render::RenderError> {
    let name = template_of(page, view);
    match (&page.state, view) {
        (PageState::Rating(round), View::Page | View::Section(_)) => {
            let section = match view {
                View::Section(n) => Some(n),
                _ => None,
            };
            let context = context::RoundPage {
                common,
                study: &page.study,
                state: context::RoundContext::of(round, section),
            };
            state.templates.render(name, &context)
        }
        _ => state.templates.render(name, &PageContext { common, page }),
    }
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
