//! The two extractors every `/admin` handler takes instead of checking for itself:
//!
//! - [`SignedIn`]: the session check, done once. A request without a live session (no
//!   cookie, an unknown id, a session ended by signing out or a password change, an expired
//!   one, a login that no longer exists) never reaches the handler: it is sent to the
//!   sign-in page.
//! - [`CsrfForm<T>`]: a POSTed form read strictly ([`crate::forms`]) into the typed form `T`,
//!   only when its `csrf` field is the session's CSRF value (it includes [`SignedIn`]).

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use delphi_app::sessions;
use delphi_app::users::User;
use delphi_app::{Actor, AppError};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::render::{problem, see_other};
use super::session;
use crate::forms::Fields;
use crate::{blocking, WebState};

/// A signed-in user with their session's CSRF value.
pub struct SignedIn {
    /// Who is signed in.
    pub user: User,
    /// The same user as the use cases' caller.
    pub actor: Actor,
    /// The session cookie's value, the session id (CSRF values derive from it).
    pub session: String,
    /// The CSRF value of this session's forms.
    pub csrf: String,
}

/// Why an `/admin` extractor stopped the request: carries the response to send instead.
pub type Rejection = actix_web::Error;

fn reject(response: HttpResponse) -> Rejection {
    actix_web::error::InternalError::from_response("admin request refused", response).into()
}

fn state_of(req: &HttpRequest) -> Result<web::Data<WebState>, Rejection> {
    req.app_data::<web::Data<WebState>>()
        .cloned()
        .ok_or_else(|| reject(HttpResponse::InternalServerError().finish()))
}

/// The signed-in user of a request, if the cookie names a live session of a login that
/// exists (checked on the server: an ended or expired session is no session).
pub(super) async fn signed_in(
    state: &WebState,
    req: &HttpRequest,
) -> Result<Option<SignedIn>, AppError> {
    let Some(value) = session::read(req, session::COOKIE) else {
        return Ok(None);
    };
    let app = state.app.clone();
    let id = value.clone();
    let user = blocking(move || sessions::resolve(&app, &id)).await?;
    Ok(user.map(|user| SignedIn {
        csrf: session::csrf(&state.app.secret, &value),
        actor: Actor::User(user.id.clone()),
        session: value,
        user,
    }))
}

impl FromRequest for SignedIn {
    type Error = Rejection;
    type Future = LocalBoxFuture<'static, Result<Self, Rejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = state_of(&req)?;
            match signed_in(&state, &req).await {
                Ok(Some(signed)) => Ok(signed),
                Ok(None) => Err(reject(see_other("/admin/login"))),
                Err(error) => Err(reject(problem(&state, None, &error))),
            }
        })
    }
}

/// The message of a form whose CSRF value is wrong or missing.
pub const CSRF_REFUSED: &str =
    "this form has expired or did not come from this site; reload the page and try again";

/// A POSTed form of a signed-in user, with its CSRF value checked, read into `T`.
pub struct CsrfForm<T> {
    /// Who sent it.
    pub signed: SignedIn,
    /// The form.
    pub form: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = Rejection;
    type Future = LocalBoxFuture<'static, Result<Self, Rejection>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed = SignedIn::from_request(req, payload);
        let fields = Fields::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let signed = signed.await?;
            let state = state_of(&req)?;
            let refuse = |error: AppError| reject(problem(&state, Some(&signed), &error));
            let fields = match fields.await {
                Ok(fields) => fields,
                Err(error) => return Err(refuse(AppError::invalid("form", error.to_string()))),
            };
            if !session::csrf_ok(&state.app.secret, &signed.session, fields.get("csrf")) {
                return Err(refuse(AppError::Forbidden(CSRF_REFUSED.to_owned())));
            }
            match fields.typed::<T>() {
                Ok(form) => Ok(Self { signed, form }),
                Err(reason) => Err(refuse(AppError::invalid(
                    "form",
                    format!("the form does not fit: {reason}"),
                ))),
            }
        })
    }
}
