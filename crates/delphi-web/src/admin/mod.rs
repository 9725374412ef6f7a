//! The researcher's pages under `/admin`, one module per area:
//!
//! - [`login`]: sign in and out;
//! - [`account`]: one's own password and sessions (sign out everywhere);
//! - [`studies`]: the studies one may open;
//! - [`dashboard`]: a study's rounds with response rates, the latest round's email by kind
//!   with failures and their reasons, each panellist's last invitation and reminder, and the
//!   actions "remind non-submitters" and "send failed email again";
//! - [`emails`]: the wording of the study's emails (edit, preview, test, save, reset);
//! - [`comments`]: moderating the comments of the round just closed;
//! - [`planner`]: the next-round planner, opening the round, completing the study;
//! - [`preview`]: the next round's page as a chosen panellist will see it (read-only).
//!
//! Handlers take [`extract::SignedIn`] (the session check, done once) or
//! [`extract::CsrfForm`] (a typed form whose CSRF value was checked), call one use case with
//! the user as the [`delphi_app::Actor`], and render with [`render`]. The use case checks
//! the user's role in the study itself: a study one may not read is a 404, an analyst's
//! actions are refused. A new page is a new module here and a route below.

mod account;
mod comments;
mod dashboard;
mod dashboard_view;
mod emails;
mod extract;
mod login;
mod planner;
mod preview;
mod render;
pub mod session;
mod studies;

use actix_governor::Governor;
use actix_web::web;

use crate::limits::Limiters;

/// Routes `/admin/...`; the sign-in form has its own per-client rate limit.
pub fn configure(cfg: &mut web::ServiceConfig, limits: &Limiters) {
    cfg.service(
        web::resource("/admin/login")
            .wrap(Governor::new(&limits.sign_in))
            .route(web::get().to(login::form))
            .route(web::post().to(login::sign_in)),
    )
    .service(
        web::scope("/admin")
            .route("", web::get().to(studies::list))
            .route("/", web::get().to(studies::list))
            .route("/logout", web::post().to(login::sign_out))
            .route("/account", web::get().to(account::show))
            .route(
                "/account/password",
                web::post().to(account::change_password),
            )
            .route(
                "/account/sign-out-everywhere",
                web::post().to(account::sign_out_everywhere),
            )
            .route("/studies/{slug}", web::get().to(dashboard::show))
            .route("/studies/{slug}/remind", web::post().to(dashboard::remind))
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
