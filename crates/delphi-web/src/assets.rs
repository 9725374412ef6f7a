//! The stylesheets and the one script, embedded in the binary.

use std::sync::OnceLock;

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

/// The panellist's stylesheet as served: without comments and line breaks (every byte of a
/// panellist page counts on a phone; the source stays commented).
pub fn served_css() -> &'static str {
    static SERVED: OnceLock<String> = OnceLock::new();
    SERVED.get_or_init(|| strip_css(CSS))
}

/// The panellist's script as served: without whole-line comments and indentation.
pub fn served_js() -> &'static str {
    static SERVED: OnceLock<String> = OnceLock::new();
    SERVED.get_or_init(|| strip_js(JS))
}

/// CSS without `/* */` comments and line breaks (our stylesheet has neither in strings).
fn strip_css(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// JavaScript without indentation and whole-line `//` comments; lines stay lines, so
/// automatic semicolons and everything else mean what they meant.
fn strip_js(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for line in source.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(served_css())
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
        .body(served_js())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_indentation_go_and_the_rest_stays() {
        assert_eq!(
            strip_css("/* a\n b */\n.a{x:1}\n  .b{y:\"/\"} /* c */\n"),
            ".a{x:1}.b{y:\"/\"}"
        );
        assert_eq!(
            strip_js("// top\n  var a = 1; // kept\n\n    // inner\n  f(a)\n"),
            "var a = 1; // kept\nf(a)\n"
        );
        assert!(served_css().len() < CSS.len() && !served_css().contains("/*"));
        assert!(served_js().len() < JS.len() && served_js().contains("'use strict'"));
    }
}
