//! Who calls the JSON API: the signed-in user of the session cookie, and for writes the
//! session's CSRF value in the `X-CSRF-Token` header (a custom header cannot be sent
//! cross-site without a CORS preflight, and the value cannot be made without the secret).

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use delphi_app::{sessions, Actor, AppError, Refusal};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::admin::session;
use crate::errors::ApiError;
use crate::{blocking, WebState};

/// The caller of a read: a signed-in user (or [`Actor::Anonymous`], which every use case
/// refuses with 401).
pub struct Caller(pub Actor);

/// The caller of a write, whose `X-CSRF-Token` header matched the session.
pub struct Writer(pub Actor);

fn state_of(req: &HttpRequest) -> Result<web::Data<WebState>, ApiError> {
    req.app_data::<web::Data<WebState>>()
        .cloned()
        .ok_or_else(|| ApiError::from(AppError::Internal("no state".to_owned())))
}

/// The session's user and the session value, when the cookie names a live session (held on
/// the server: signed out, ended elsewhere or expired is no session) of a login that exists.
async fn session_of(req: &HttpRequest) -> Result<Option<(Actor, String)>, ApiError> {
    let state = state_of(req)?;
    let Some(value) = session::read(req, session::COOKIE) else {
        return Ok(None);
    };
    let (app, id) = (state.app.clone(), value.clone());
    let user = blocking(move || sessions::resolve(&app, &id)).await?;
    Ok(user.map(|u| (Actor::User(u.id), value)))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            Ok(Self(
                session_of(&req)
                    .await?
                    .map_or(Actor::Anonymous, |(actor, _)| actor),
            ))
        })
    }
}

impl FromRequest for Writer {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let Some((actor, value)) = session_of(&req).await? else {
                return Err(AppError::Refused(Refusal::NotSignedIn).into());
            };
            let state = state_of(&req)?;
            let presented = req
                .headers()
                .get(crate::csrf::HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !session::csrf_ok(&state.app.secret, &value, presented) {
                return Err(ApiError::csrf());
            }
            Ok(Self(actor))
        })
    }
}

/// The caller of a write that takes no body (close, remind, contacts): [`Writer`]'s checks
/// first, then the body must be empty or `{}`, refused before the action runs.
pub struct BodilessWriter(pub Actor);

impl FromRequest for BodilessWriter {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        // As for [`Body`]: who is calling is answered before what they sent.
        let writer = Writer::from_request(req, &mut Payload::None);
        Box::pin(async move {
            let Writer(actor) = writer.await?;
            let bytes = bytes.await.map_err(|e| {
                ApiError::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    e.to_string(),
                )
            })?;
            crate::panellist::api::no_body(&bytes)?;
            Ok(Self(actor))
        })
    }
}

/// A JSON body read into `T`, once the caller passed [`Writer`]'s checks: refused with 415
/// unless the content type is JSON, and with 422 naming what does not fit.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/json"));
        let bytes = web::Bytes::from_request(req, payload);
        // Who is calling is checked before the body is looked at: actix extracts a handler's
        // arguments together, and a body that does not fit must not answer before the
        // session and CSRF checks of `Writer` have refused a caller (401 before 422).
        let writer = Writer::from_request(req, &mut Payload::None);
        Box::pin(async move {
            use actix_web::http::StatusCode;
            writer.await?;
            if !is_json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the body as application/json",
                ));
            }
            let bytes = bytes.await.map_err(|e| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    e.to_string(),
                )
            })?;
            serde_json::from_slice(&bytes).map(Self).map_err(|e| {
                if e.is_data() {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_input",
                        format!("the body does not fit: {e}"),
                    )
                } else {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_json",
                        format!("the body is not valid JSON: {e}"),
                    )
                }
            })
        })
    }
}
