//! The researcher's pages under `/admin`, one module per area:
//!
//! - [`login`]: sign in and out;
//! - [`account`]: one's own password and sessions (sign out everywhere);
//! - [`forgot`] ("Forgot your password?") and [`set_password`] (the page of a one-time link:
//!   a new login's first password or a reset): public, rate-limited like the sign-in;
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
//! - [`preview`]: the next round's page as a chosen panellist will see it (read-only);
//! - [`exports`]: the study's downloads (analysts included) and the owners' contact list.
//! - [`new_study`], [`items`], [`panel`], [`settings`]: setting a study up in the browser
//!   (create from a form, files or a workbook; a draft's items; the panel; the rules and the
//!   protocol lock), with [`upload`] reading multipart uploads within limits; [`members`]:
//!   the owners' page of who may open the study.
//!
//! Handlers take [`extract::SignedIn`] (the session check, done once) or
//! [`extract::CsrfForm`] (a typed form whose CSRF value was checked), call one use case with
//! the user as the [`delphi_app::Actor`], and render with [`render`]. The use case checks
//! the user's role in the study itself: a study one may not read is a 404, an analyst's
//! actions are refused. A new page is a new module here and a route below.

mod account;
mod audit;
mod close;
mod comments;
mod dashboard;
mod dashboard_view;
mod deadline;
mod emails;
pub(crate) mod exports;
mod extract;
mod forgot;
mod items;
mod login;
mod members;
mod monitor;
mod new_study;
mod panel;
mod planner;
mod preview;
mod remind;
mod render;
mod results;
mod results_view;
mod results_words;
pub mod session;
mod set_password;
mod settings;
mod settings_form;
mod studies;
mod upload;

pub(crate) use deadline::parse_deadline;

use actix_governor::Governor;
use actix_web::web;

use crate::limits::Limiters;

/// Routes `/admin/...`; the sign-in form has its own per-client rate limit.
pub fn configure(cfg: &mut web::ServiceConfig, limits: &Limiters) {
    // Before the /admin scope, so /admin/studies/new is not taken for a study's short name.
    cfg.configure(setup_routes);
    cfg.service(
        web::resource("/admin/login")
            .wrap(Governor::new(&limits.sign_in))
            .route(web::get().to(login::form))
            .route(web::post().to(login::sign_in)),
    )
    .service(
        web::resource("/admin/forgot-password")
            .wrap(Governor::new(&limits.sign_in))
            .route(web::get().to(forgot::form))
            .route(web::post().to(forgot::send)),
    )
    .service(
        web::resource("/admin/set-password/{token}")
            .wrap(Governor::new(&limits.sign_in))
            .route(web::get().to(set_password::form))
            .route(web::post().to(set_password::choose)),
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
            )
            .route("/studies/{slug}/exports", web::get().to(exports::page))
            .route(
                "/studies/{slug}/exports/contacts",
                web::post().to(exports::contacts),
            )
            .route(
                "/studies/{slug}/exports/{format}",
                web::get().to(exports::download),
            ),
    );
}

/// Setting a study up (issue 13): new study, items, panel, settings; uploads may be larger
/// than a form.
fn setup_routes(cfg: &mut web::ServiceConfig) {
    let uploads = || web::PayloadConfig::new(upload::MAX_BODY_BYTES);
    cfg.route("/admin/rule-check", web::get().to(settings::check_rule))
        .route("/admin/studies/new", web::get().to(new_study::show))
        .route("/admin/studies/new", web::post().to(new_study::create))
        .service(
            web::resource("/admin/studies/new/files")
                .app_data(uploads())
                .route(web::post().to(new_study::from_files)),
        )
        .service(
            web::resource("/admin/studies/new/workbook")
                .app_data(uploads())
                .route(web::post().to(new_study::from_workbook)),
        )
        .route("/admin/studies/{slug}/items", web::get().to(items::show))
        .route("/admin/studies/{slug}/items", web::post().to(items::act))
        .service(
            web::resource("/admin/studies/{slug}/items/import")
                .app_data(uploads())
                .route(web::post().to(items::import)),
        )
        .route("/admin/studies/{slug}/panel", web::get().to(panel::show))
        .route("/admin/studies/{slug}/panel", web::post().to(panel::act))
        .service(
            web::resource("/admin/studies/{slug}/panel/import")
                .app_data(uploads())
                .route(web::post().to(panel::import)),
        )
        .route(
            "/admin/studies/{slug}/settings",
            web::get().to(settings::show),
        )
        .route(
            "/admin/studies/{slug}/settings",
            web::post().to(settings::act),
        )
        .route(
            "/admin/studies/{slug}/open-round-1",
            web::post().to(settings::open_first),
        )
        .route(
            "/admin/studies/{slug}/members",
            web::get().to(members::show),
        )
        .route(
            "/admin/studies/{slug}/members",
            web::post().to(members::act),
        );
}
