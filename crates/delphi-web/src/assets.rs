//! The stylesheets and the one script, embedded in the binary.

use actix_web::{web, HttpResponse};

/// The panellist pages' stylesheet.
pub const CSS: &str = include_str!("../../../web/static/p.css");
/// The researcher pages' additions to the stylesheet (tables, the sign-in form).
pub const ADMIN_CSS: &str = include_str!("../../../web/static/a.css");
/// The panellist pages' script (autosave, progress, the reason prompt).
pub const JS: &str = include_str!("../../../web/static/p.js");
/// The settings page's script (the consensus rule checked as one types).
pub const ADMIN_JS: &str = include_str!("../../../web/static/a.js");
/// The round monitor's script (polls the monitor's JSON and updates the page).
pub const MONITOR_JS: &str = include_str!("../../../web/static/monitor.js");

/// Routes `/static/p.css`, `/static/a.css`, `/static/p.js` and `/static/monitor.js`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/p.css", web::get().to(css))
        .route("/static/a.css", web::get().to(admin_css))
        .route("/static/p.js", web::get().to(js))
        .route("/static/a.js", web::get().to(admin_js))
        .route("/static/monitor.js", web::get().to(monitor_js));
}

async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(CSS)
}

async fn admin_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(ADMIN_CSS)
}

async fn js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(JS)
}

async fn admin_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(ADMIN_JS)
}

async fn monitor_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(MONITOR_JS)
}
