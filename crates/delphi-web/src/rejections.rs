//! The framework's own refusals, in the site's two languages: a request the framework turns
//! away before any handler runs (JSON that does not parse or does not fit, a wrong content
//! type, a body over its limit, a query or path that does not fit, a wrong method, a rate
//! limit) is answered on `/api/...` with the API's JSON error
//! `{"error": {"code", "message", "field"?}}` and elsewhere with a page that names what was
//! wrong, never the framework's plain text (which the panellist page's script could only
//! report as "no connection").
//!
//! - [`json_config`], [`query_config`], [`path_config`], [`form_config`]: the extractors'
//!   limits and error handlers, registered once in `lib.rs`;
//! - [`guard`]: before any handler, a body declared larger than the address takes (413) and
//!   a query string that is too long (414) or not text (400) are refused, on every route;
//! - [`fill_bodies`]: a last net for 4xx answers that still carry no page or JSON (a wrong
//!   method is a bare 405, the rate limit a plain-text 429): the same status and headers
//!   (`Retry-After` kept), with a body in the right form; and every 503 (too many sign-ins
//!   at once) gets a `Retry-After`.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{
    InternalError, JsonPayloadError, PathError, QueryPayloadError, UrlencodedError,
};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Next};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::errors::{message_page, ApiError};

/// Largest JSON body of the API (one item's answer is far smaller).
pub const JSON_LIMIT: usize = 64 * 1024;
/// Largest urlencoded body read by the framework's `Form` (the strict [`crate::forms`]
/// decoder reads through the payload limit, 256 KiB).
pub const FORM_LIMIT: usize = 256 * 1024;

/// Longest query string any address takes (the site's own links carry a few words).
pub const QUERY_LIMIT: usize = 2_048;

/// Whether the request is one of the JSON API's.
pub fn is_api(request: &HttpRequest) -> bool {
    request.path().starts_with("/api/")
}

/// A refusal in the caller's language: the API's JSON error, or a page.
fn refusal(
    request: &HttpRequest,
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
) -> HttpResponse {
    if is_api(request) {
        let mut error = ApiError::new(status, code, message);
        if let Some(field) = field {
            error = error.with_field(field);
        }
        actix_web::ResponseError::error_response(&error)
    } else {
        message_page(status, title_of(status), &message)
    }
}

fn title_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "Too much was sent",
        StatusCode::URI_TOO_LONG => "The address is too long",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        StatusCode::METHOD_NOT_ALLOWED => "Not possible here",
        StatusCode::NOT_FOUND => "Page not found",
        _ => "The request was not understood",
    }
}

fn reject(response: HttpResponse, why: String) -> actix_web::Error {
    InternalError::from_response(why, response).into()
}

/// The field a serde message names (`unknown field `x``, `missing field `x``).
fn field_of(message: &str) -> Option<String> {
    ["unknown field `", "missing field `", "duplicate field `"]
        .iter()
        .find_map(|marker| {
            let rest = &message[message.find(marker)? + marker.len()..];
            Some(rest[..rest.find('`')?].to_owned())
        })
}

/// What a JSON body that was refused gets: 415, 413, 400 (not JSON) or 422 (JSON that does
/// not fit the body's shape, with the field when serde names it).
fn json_refusal(error: &JsonPayloadError, request: &HttpRequest) -> HttpResponse {
    let (status, code, message, field) = match error {
        JsonPayloadError::ContentType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be JSON, sent with `Content-Type: application/json`".to_owned(),
            None,
        ),
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than the limit of {} KiB", limit / 1024),
            None,
        ),
        JsonPayloadError::Deserialize(json) if json.is_data() => {
            let text = json.to_string();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                format!("the body does not fit: {text}"),
                field_of(&text),
            )
        }
        JsonPayloadError::Deserialize(json) => (
            StatusCode::BAD_REQUEST,
            "bad_json",
            format!("the body is not valid JSON: {json}"),
            None,
        ),
        other => (
            StatusCode::BAD_REQUEST,
            "bad_body",
            format!("the body could not be read: {other}"),
            None,
        ),
    };
    refusal(request, status, code, message, field)
}

/// The API's JSON: its size limit, and refusals as JSON errors.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|error, request| {
            let response = json_refusal(&error, request);
            reject(response, error.to_string())
        })
}

/// Query strings: one that does not fit (a duplicated or mistyped parameter) is a 400 that
/// names it.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, request| {
        let QueryPayloadError::Deserialize(inner) = &error else {
            return error.into();
        };
        let text = inner.to_string();
        let response = refusal(
            request,
            StatusCode::BAD_REQUEST,
            "bad_query",
            format!("the query string of this address does not fit: {text}"),
            field_of(&text),
        );
        reject(response, error.to_string())
    })
}

/// Path parameters: one that does not fit its type is a 404 (there is nothing there).
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error, request| {
        let PathError::Deserialize(inner) = &error else {
            return error.into();
        };
        let response = refusal(
            request,
            StatusCode::NOT_FOUND,
            "not_found",
            format!("there is nothing at this address ({inner})"),
            None,
        );
        reject(response, error.to_string())
    })
}

/// The framework's urlencoded forms (the pages use [`crate::forms`]; this keeps any other
/// use within the same limit and language).
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(FORM_LIMIT)
        .error_handler(|error, request| {
            let status = match &error {
                UrlencodedError::Overflow { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                UrlencodedError::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                _ => StatusCode::BAD_REQUEST,
            };
            let response = refusal(
                request,
                status,
                "bad_form",
                format!("the form was not accepted: {error}"),
                None,
            );
            reject(response, error.to_string())
        })
}

/// What [`guard`] refuses, if anything: (status, code, message).
fn unfit(request: &ServiceRequest) -> Option<(StatusCode, &'static str, String)> {
    let query = request.query_string();
    if query.len() > QUERY_LIMIT {
        return Some((
            StatusCode::URI_TOO_LONG,
            "query_too_long",
            format!(
                "the query string has {} bytes; the limit is {QUERY_LIMIT}",
                query.len()
            ),
        ));
    }
    if percent_encoding::percent_decode(query.as_bytes())
        .decode_utf8()
        .is_err()
    {
        return Some((
            StatusCode::BAD_REQUEST,
            "bad_query",
            "the query string of this address is not valid text (UTF-8)".to_owned(),
        ));
    }
    let limit = if is_api(request.request()) {
        JSON_LIMIT
    } else {
        FORM_LIMIT
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())?;
    (declared > limit as u64).then(|| {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "the body has {declared} bytes; this address takes at most {} KiB",
                limit / 1024
            ),
        )
    })
}

/// Refuses a request whose body is declared larger than the address takes (413, before a
/// byte of it is read, whether or not its handler reads a body) or whose query string is
/// longer than [`QUERY_LIMIT`] (414) or not UTF-8 (400), in the caller's language.
pub async fn guard(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Some((status, code, message)) = unfit(&request) {
        let mut response = refusal(request.request(), status, code, message, None);
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return Ok(request.into_response(response).map_into_right_body());
    }
    next.call(request)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Whether a response already speaks one of the site's languages (a page or JSON).
fn has_body(response: &HttpResponse<impl MessageBody>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"))
}

/// The words for a bare refusal's status.
fn bare_message(status: StatusCode, request: &HttpRequest, retry: Option<&str>) -> String {
    match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            format!("this address does not take a {} request", request.method())
        }
        StatusCode::TOO_MANY_REQUESTS => format!(
            "too many requests from your address; please wait {} seconds and try again",
            retry.unwrap_or("a few")
        ),
        StatusCode::PAYLOAD_TOO_LARGE => "the request is larger than this address takes".to_owned(),
        StatusCode::REQUEST_TIMEOUT => {
            "the request did not arrive in time; please try again".to_owned()
        }
        StatusCode::NOT_FOUND => "there is nothing at this address".to_owned(),
        other => format!(
            "the request was refused: {}",
            other.canonical_reason().unwrap_or("client error")
        ),
    }
}

fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::NOT_FOUND => "not_found",
        _ => "bad_request",
    }
}

/// Gives a 4xx answer without a page or JSON body one, keeping its status and headers.
fn fill<B: MessageBody>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    if has_body(response.response()) {
        return Ok(ErrorHandlerResponse::Response(
            response.map_into_left_body(),
        ));
    }
    let (request, old) = response.into_parts();
    let status = old.status();
    let retry = old
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok());
    let message = bare_message(status, &request, retry);
    let mut new = refusal(&request, status, code_of(status), message, None);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    new.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(request, new).map_into_right_body(),
    ))
}

/// Seconds a client is asked to wait after a 503 (too many sign-ins at once: the password
/// gate's longest wait, `delphi_app::password::MAX_WAIT`).
pub const RETRY_AFTER_SECONDS: u64 = delphi_app::password::MAX_WAIT.as_secs();

/// A 503 tells the client when to try again (`Retry-After`), unless it says so already.
fn retry_after<B: MessageBody>(
    mut response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let headers = response.response_mut().headers_mut();
    if !headers.contains_key(header::RETRY_AFTER) {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    }
    Ok(ErrorHandlerResponse::Response(
        response.map_into_left_body(),
    ))
}

/// The middleware that fills bare 4xx answers (see [`fill`]) and gives every 503 a
/// `Retry-After` (a 429 of the rate limit has its own).
pub fn fill_bodies<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new()
        .handler(StatusCode::SERVICE_UNAVAILABLE, retry_after)
        .default_handler_client(fill)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(
            field_of("unknown field `ratin`, expected one of `rating`").as_deref(),
            Some("ratin")
        );
        assert_eq!(field_of("duplicate field `done`").as_deref(), Some("done"));
        assert_eq!(field_of("invalid type: string \"x\", expected i32"), None);
    }
}
