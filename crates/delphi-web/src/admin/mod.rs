//! The researcher's pages under `/admin`: sign in, the studies one may open, and a study's
//! dashboard (rounds with response rates, the latest round's email by kind with failures and
//! their reasons, each panellist's last invitation and reminder) with the actions "remind
//! non-submitters" and "send failed email again", and the wording of the study's emails
//! (edit, preview, send a test to oneself, save, back to the default).
//!
//! Every page needs a signed-in user ([`session`]); every study page checks the user's role
//! in that study through `delphi_app::researcher`, so a study one may not read is a 404 and
//! an analyst's actions are refused. Every form carries the session's CSRF value.

mod pages;
pub mod session;

use actix_governor::Governor;
use actix_web::web;

use crate::panellist::RateLimit;

/// Routes `/admin/...`; the sign-in form shares the per-address rate limit.
pub fn configure(cfg: &mut web::ServiceConfig, limit: &RateLimit) {
    cfg.service(
        web::resource("/admin/login")
            .wrap(Governor::new(limit))
            .route(web::get().to(pages::login_form))
            .route(web::post().to(pages::login)),
    )
    .service(
        web::scope("/admin")
            .route("", web::get().to(pages::studies))
            .route("/", web::get().to(pages::studies))
            .route("/logout", web::post().to(pages::logout))
            .route("/studies/{slug}", web::get().to(pages::study))
            .route("/studies/{slug}/remind", web::post().to(pages::remind))
            .route("/studies/{slug}/retry", web::post().to(pages::retry))
            .route(
                "/studies/{slug}/emails/{kind}",
                web::get().to(pages::wording),
            )
            .route(
                "/studies/{slug}/emails/{kind}",
                web::post().to(pages::act_on_wording),
            ),
    );
}
