//! The researcher's pages under `/admin`, one module per area:
//!
//! - [`login`]: sign in and out;
//! - [`studies`]: the studies one may open;
//! - [`dashboard`]: a study's rounds with response rates, the latest round's email by kind
//!   with failures and their reasons, each panellist's last invitation and reminder, and the
//!   actions "remind non-submitters" and "send failed email again";
//! - [`emails`]: the wording of the study's emails (edit, preview, test, save, reset);
//! - [`monitor`]: a round's response overall, per group and per panellist, updated live by
//!   `/static/monitor.js`; [`remind`] (who a reminder reaches, before it goes), [`deadline`]
//!   (extend the open round's deadline), [`close`] (confirm, then close the round);
//! - [`results`]: a closed round's results, sorted and filtered by query parameters;
//! - [`audit`]: the study's audit log, filtered by kind.
//! - [`comments`]: moderating the comments of the round just closed;
//! - [`planner`]: the next-round planner, opening the round, completing the study;
//! - [`preview`]: the next round's page as a chosen panellist will see it (read-only).
//!
//! Handlers take [`extract::SignedIn`] (the session check, done once) or
//! [`extract::CsrfForm`] (a typed form whose CSRF value was checked), call one use case with
//! the user as the [`delphi_app::Actor`], and render with [`render`]. The use case checks
//! the user's role in the study itself: a study one may not read is a 404, an analyst's
//! actions are refused. A new page is a new module here and a route below.

mod audit;
mod close;
mod comments;
mod dashboard;
mod dashboard_view;
mod deadline;
mod emails;
mod extract;
mod login;
mod monitor;
mod planner;
mod preview;
mod remind;
mod render;
mod results;
mod results_view;
mod results_words;
pub mod session;
mod studies;

pub(crate) use deadline::parse_deadline;

use actix_governor::Governor;
use actix_web::web;

use crate::panellist::RateLimit;

/// Routes `/admin/...`; the sign-in form shares the per-address rate limit.
pub fn configure(cfg: &mut web::ServiceConfig, limit: &RateLimit) {
    cfg.service(
        web::resource("/admin/login")
            .wrap(Governor::new(limit))
            .route(web::get().to(login::form))
            .route(web::post().to(login::sign_in)),
    )
    .service(
        web::scope("/admin")
            .route("", web::get().to(studies::list))
            .route("/", web::get().to(studies::list))
            .route("/logout", web::post().to(login::sign_out))
            .route("/studies/{slug}", web::get().to(dashboard::show))
            .route("/studies/{slug}/remind", web::get().to(remind::confirm))
            .route("/studies/{slug}/remind", web::post().to(dashboard::remind))
            .route(
                "/studies/{slug}/rounds/{number}",
                web::get().to(monitor::show),
            )
            .route(
                "/studies/{slug}/rounds/{number}/results",
                web::get().to(results::show),
            )
            .route("/studies/{slug}/deadline", web::post().to(deadline::extend))
            .route("/studies/{slug}/close", web::get().to(close::confirm))
            .route("/studies/{slug}/close", web::post().to(close::close))
            .route("/studies/{slug}/audit", web::get().to(audit::show))
            .route("/studies/{slug}/retry", web::post().to(dashboard::retry))
            .route("/studies/{slug}/emails/{kind}", web::get().to(emails::show))
            .route("/studies/{slug}/emails/{kind}", web::post().to(emails::act))
            .route("/studies/{slug}/comments", web::get().to(comments::show))
            .route("/studies/{slug}/comments", web::post().to(comments::decide))
            .route(
                "/studies/{slug}/comments/all",
                web::post().to(comments::decide_item),
            )
            .route("/studies/{slug}/plan", web::get().to(planner::show))
            .route("/studies/{slug}/plan", web::post().to(planner::change))
            .route("/studies/{slug}/plan/undo", web::post().to(planner::undo))
            .route(
                "/studies/{slug}/plan/open",
                web::get().to(planner::confirm_open),
            )
            .route("/studies/{slug}/plan/open", web::post().to(planner::open))
            .route("/studies/{slug}/preview", web::get().to(preview::show))
            .route(
                "/studies/{slug}/complete",
                web::get().to(planner::confirm_complete),
            )
            .route(
                "/studies/{slug}/complete",
                web::post().to(planner::complete),
            ),
    );
}
