//! actix-web: thin handlers, pages, JSON API, auth and sessions.
//!
//! Handlers parse input, call one use case of `delphi-app` off the async executor
//! (`web::block`), and render a page or JSON. No SQL and no email sending happen here.
//!
//! Routes so far:
//!
//! - `GET /healthz`: `{"status": "ok", ...}`;
//! - `/p/{token}...`: the panellist's pages (consent, the round as a plain HTML form,
//!   submission, withdrawal, and a page for every other state);
//! - `/api/v1/p/{token}...`: the same as JSON, used by the page's script for autosave;
//! - `/admin...`: the researcher's pages (sign in, studies, a study's rounds, email outbox,
//!   reminders and retries, one's account, the round monitor, closing, results, the audit
//!   log), behind a session held on the server and CSRF values;
//! - `/api/v1/studies/{slug}/...`: the round console, the planner and the downloads as JSON
//!   (session cookie, and the CSRF value in `X-CSRF-Token` for writes), described by
//!   `/api/v1/openapi.json` ([`api`]);
//! - `/static/...`: the stylesheets and the one script, embedded in the binary.
//!
//! Every response carries a strict Content-Security-Policy, `X-Content-Type-Options`,
//! `Referrer-Policy: no-referrer` (the token is in the URL) and `X-Frame-Options: DENY`.
//! Panellist pages, the panellist API and the researcher's sign-in are rate-limited per
//! client address, each family on its own (`limits.rs`); the client address is the peer's,
//! or what a configured trusted proxy forwarded (`client.rs`).
//! Whatever the framework refuses before a handler runs (a body over its limit, JSON that does
//! not parse, a query that does not fit, a wrong method) is answered as the API's JSON error
//! on `/api/...` and as a page elsewhere (`rejections.rs`).

mod admin;
pub mod api;
mod assets;
pub mod client;
mod csrf;
mod deadline;
mod errors;
mod escape;
pub mod forms;
mod health;
pub mod limits;
mod logging;
mod panellist;
mod rejections;
mod security;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{web, App as HttpApp, HttpServer};

pub use admin::session::csrf as admin_csrf;
pub use admin::session::link_csrf as account_link_csrf;
pub use client::{IpNet, TrustedProxies};
pub use csrf::csrf_token;
pub use errors::{ApiError, NOT_FOUND_PAGE};
pub use limits::{Limit, RateLimits};
pub use panellist::{render_page, Notice, View};

/// What every handler shares: the use cases and the templates.
#[derive(Clone)]
pub struct WebState {
    /// Use cases.
    pub app: delphi_app::App,
    /// Page templates (the shared handlebars setup).
    pub templates: delphi_render::Templates,
}

/// Runs a use case on the blocking pool, off the async executor.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, delphi_app::AppError>
where
    F: FnOnce() -> Result<T, delphi_app::AppError> + Send + 'static,
    T: Send + 'static,
{
    web::block(f).await.unwrap_or_else(|_| {
        Err(delphi_app::AppError::Internal(
            "the worker pool is unavailable".to_owned(),
        ))
    })
}

/// Tunables of the web layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebOptions {
    /// Per-client rate limits of the panellist pages, the panellist API and the sign-in.
    pub limits: RateLimits,
    /// Proxies whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: TrustedProxies,
    /// actix workers (0: one per core).
    pub workers: usize,
    /// How long a request may take, body included, before it is answered 408.
    pub request_deadline: std::time::Duration,
}

impl Default for WebOptions {
    fn default() -> Self {
        Self {
            limits: RateLimits::default(),
            trusted_proxies: TrustedProxies::default(),
            workers: 0,
            request_deadline: deadline::DEFAULT,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The embedded templates do not compile.
    #[error("page templates: {0}")]
    Templates(#[from] delphi_render::RenderError),
    /// The options make no rate limit.
    #[error("rate limit: requests per second and burst must be greater than 0")]
    RateLimit,
}

impl From<StartError> for std::io::Error {
    fn from(error: StartError) -> Self {
        std::io::Error::other(error.to_string())
    }
}

/// Starts the web server on `listener` with default options (the caller awaits the server).
pub fn start(
    app: delphi_app::App,
    listener: TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    start_with(app, listener, WebOptions::default())
}

/// Starts the web server with explicit options.
pub fn start_with(
    app: delphi_app::App,
    listener: TcpListener,
    options: WebOptions,
) -> std::io::Result<actix_web::dev::Server> {
    let state = WebState {
        app,
        templates: delphi_render::Templates::load().map_err(StartError::from)?,
    };
    // One limiter per family for every worker: the configuration holds the shared state.
    let proxies = Arc::new(options.trusted_proxies.clone());
    let limits = limits::Limiters::new(&options.limits, &proxies).ok_or(StartError::RateLimit)?;
    let deadline = options.request_deadline;
    let mut server = HttpServer::new(move || {
        HttpApp::new()
            .app_data(web::Data::new(state.clone()))
            .app_data(web::Data::from(proxies.clone()))
            .app_data(rejections::form_config())
            .app_data(rejections::json_config())
            .app_data(rejections::query_config())
            .app_data(rejections::path_config())
            .wrap(actix_web::middleware::from_fn(move |request, next| {
                deadline::within(deadline, request, next)
            }))
            .wrap(actix_web::middleware::from_fn(rejections::guard))
            .wrap(rejections::fill_bodies())
            .wrap(security::headers())
            .wrap(tracing_actix_web::TracingLogger::<logging::RedactedSpans>::new())
            .route("/healthz", web::get().to(health::healthz))
            .configure(assets::configure)
            .configure(|cfg| panellist::configure(cfg, &limits))
            .configure(|cfg| admin::configure(cfg, &limits))
            .configure(api::configure)
            .default_service(web::to(errors::not_found_page))
    })
    .listen(listener)?;
    if options.workers > 0 {
        server = server.workers(options.workers);
    }
    Ok(server.run())
}
