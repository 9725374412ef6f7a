//! A deadline on every request, body included. actix-web times out a request's head, but a
//! body sent one byte every two seconds was read for ever, holding a connection and a
//! worker's attention; past the deadline the request is answered 408 and dropped.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, ResponseError};

/// How long a request may take by default, from its head to its response.
pub const DEFAULT: Duration = Duration::from_secs(60);

/// The refusal of a request that took too long (whether it was the API's: its answer is
/// then the API's JSON error, else a page).
#[derive(Debug)]
struct TooSlow(Duration, bool);

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request did not arrive within {} seconds; please try again",
            self.0.as_secs()
        )
    }
}

impl ResponseError for TooSlow {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::REQUEST_TIMEOUT
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = if self.1 {
            crate::errors::ApiError::new(self.status_code(), "timeout", self.to_string())
                .error_response()
        } else {
            crate::errors::message_page(
                self.status_code(),
                "The request took too long",
                &self.to_string(),
            )
        };
        response.headers_mut().insert(
            actix_web::http::header::CONNECTION,
            actix_web::http::header::HeaderValue::from_static("close"),
        );
        response
    }
}

/// Runs the rest of the chain within `limit`.
pub async fn within(
    limit: Duration,
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let api = request.path().starts_with("/api/");
    match actix_web::rt::time::timeout(limit, next.call(request)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(TooSlow(limit, api).into()),
    }
}
