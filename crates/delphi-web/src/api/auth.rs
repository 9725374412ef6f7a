//! Who calls the researcher's JSON API: the signed-in session (the `/admin` cookie), and for
//! every write the session's CSRF value in the `X-CSRF-Token` header (a custom header cannot
//! be sent cross-site without a CORS preflight). Refusals are JSON errors, never redirects.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use delphi_app::Actor;
use futures_util::future::LocalBoxFuture;

use crate::admin::session;
use crate::errors::ApiError;
use crate::WebState;

/// A signed-in caller of the API.
pub struct ApiUser {
    /// The caller of the use cases.
    pub actor: Actor,
}

/// A signed-in caller of a write, whose `X-CSRF-Token` header was checked.
pub struct ApiWriter {
    /// The caller of the use cases.
    pub actor: Actor,
}

fn not_signed_in() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
        "please sign in first (the API uses the session of /admin)",
    )
}

async fn session_of(req: &HttpRequest) -> Result<(Actor, String, web::Data<WebState>), ApiError> {
    let state = req
        .app_data::<web::Data<WebState>>()
        .cloned()
        .ok_or_else(ApiError::blocking)?;
    match crate::admin::signed_in(&state, req).await? {
        Some(signed) => Ok((signed.actor, signed.session, state)),
        None => Err(not_signed_in()),
    }
}

impl FromRequest for ApiUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (actor, _, _) = session_of(&req).await?;
            Ok(Self { actor })
        })
    }
}

impl FromRequest for ApiWriter {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (actor, session_value, state) = session_of(&req).await?;
            let presented = req
                .headers()
                .get(crate::csrf::HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !session::csrf_ok(&state.app.secret, &session_value, presented) {
                return Err(ApiError::csrf());
            }
            Ok(Self { actor })
        })
    }
}
