//! The root span of every request, as `tracing-actix-web` logs it, without the secrets a
//! path can carry: a panellist's link token is the credential to their answers, so
//! `/p/{token}/...` and `/api/v1/p/{token}/...` are logged with the token replaced, and the
//! client address is the connection's peer, or what a configured trusted proxy forwarded
//! (`client.rs`): a spoofable `X-Forwarded-For` header from anyone else is not believed.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::Error;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

/// What a link token is logged as.
pub const REDACTED: &str = "{token}";

/// The request's path with any panellist link token replaced by [`REDACTED`].
pub fn redact(path: &str) -> String {
    for prefix in ["/p/", "/api/v1/p/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let after = rest.find('/').map_or("", |at| &rest[at..]);
            return format!("{prefix}{REDACTED}{after}");
        }
    }
    path.to_owned()
}

/// The root span builder of the server (see the module documentation).
pub struct RedactedSpans;

impl RootSpanBuilder for RedactedSpans {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let peer = request
            .app_data::<actix_web::web::Data<crate::client::TrustedProxies>>()
            .and_then(|proxies| proxies.client_of_request(request.request()))
            .or_else(|| request.peer_addr().map(|addr| addr.ip()))
            .map_or_else(String::new, |ip| ip.to_string());
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.target = %redact(request.path()),
            http.client_ip = %peer,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_never_reach_the_log() {
        assert_eq!(redact("/p/SECRETTOKEN"), "/p/{token}");
        assert_eq!(redact("/p/SECRETTOKEN/answers"), "/p/{token}/answers");
        assert_eq!(
            redact("/api/v1/p/SECRETTOKEN/answers/P1"),
            "/api/v1/p/{token}/answers/P1"
        );
        assert_eq!(redact("/admin/studies/splw"), "/admin/studies/splw");
        assert_eq!(redact("/healthz"), "/healthz");
    }
}
