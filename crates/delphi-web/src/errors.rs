//! Errors as HTTP: JSON `{ "error": { "code", "message", "field"? } }` for the API, plain
//! pages for browsers. Unknown and revoked links get the very same 404 page, byte for byte.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use delphi_app::{AppError, Refusal};

/// The 404 page: the same bytes for every unknown or revoked link, and for any unknown path.
pub const NOT_FOUND_PAGE: &str = "<!doctype html><html lang=en><head><meta charset=utf-8>\
<meta name=viewport content=\"width=device-width,initial-scale=1\"><title>Page not found</title>\
<link rel=stylesheet href=/static/p.css></head><body><main id=main><h1>Page not found</h1>\
<p>This link is not valid. Please use the most recent link you were sent by email, or \
contact the research team.</p></main></body></html>";

/// The HTTP status of a use-case error.
pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::InvalidInput { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) | AppError::RoundClosed(_) => StatusCode::CONFLICT,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Refused(Refusal::NotSignedIn) => StatusCode::UNAUTHORIZED,
        AppError::Refused(Refusal::NoSuchStudy { .. } | Refusal::UnknownLink) => {
            StatusCode::NOT_FOUND
        }
        AppError::Refused(_) => StatusCode::FORBIDDEN,
        AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error of the JSON API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
}

impl ApiError {
    /// An error with an explicit status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// Names the input field concerned.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// A missing or wrong CSRF value.
    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "this request did not carry the page's security value; reload the page and try again",
        )
    }

    /// The work could not be handed to a worker thread.
    pub fn blocking() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the server is busy; please try again",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self {
            status: status_of(&error),
            code: error.code(),
            field: error.field().map(str::to_owned),
            message: error.to_string(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut error = serde_json::json!({ "code": self.code, "message": self.message });
        if let Some(field) = &self.field {
            error["field"] = serde_json::Value::String(field.clone());
        }
        HttpResponse::build(self.status)
            .insert_header(("Cache-Control", "no-store"))
            .json(serde_json::json!({ "error": error }))
    }
}

/// A small page that says what went wrong (for requests refused before any handler runs).
pub fn message_page(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    let mut body = String::with_capacity(400 + message.len());
    body.push_str(
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width,initial-scale=1\"><title>",
    );
    crate::escape::escape_into(&mut body, title);
    body.push_str(
        "</title><link rel=stylesheet href=/static/p.css></head><body><main id=main><h1>",
    );
    crate::escape::escape_into(&mut body, title);
    body.push_str("</h1><p>");
    crate::escape::escape_into(&mut body, message);
    body.push_str("</p><p>Please go back, reload the page and try again.</p></main></body></html>");
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}

/// The plain 404 page.
pub fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(NOT_FOUND_PAGE)
}

/// Default service: any unknown path (the API's as JSON).
pub async fn not_found_page(request: actix_web::HttpRequest) -> HttpResponse {
    if crate::rejections::is_api(&request) {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "there is nothing at this address",
        )
        .error_response();
    }
    not_found()
}
