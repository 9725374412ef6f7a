//! The one error type of the use cases, with a flat code the web maps to HTTP.

use delphi_core::lifecycle::{LifecycleError, UnknownState};
use delphi_store::{QueryError, StoreError};

use crate::access::Refusal;

/// What went wrong, in words the researcher or panellist can act on.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing asked for does not exist (or the caller may not know it exists).
    #[error("{0}")]
    NotFound(String),
    /// Input was refused; `field` names the input when there is one.
    #[error("{message}")]
    InvalidInput {
        /// The offending field, e.g. `rating`.
        field: Option<String>,
        /// What is wrong with it.
        message: String,
    },
    /// The request conflicts with the current state (e.g. a round is already open).
    #[error("{0}")]
    Conflict(String),
    /// The round has closed; answers can no longer change.
    #[error("{0}")]
    RoundClosed(String),
    /// The caller may not do this (a state that forbids it, e.g. a withdrawn panellist).
    #[error("{0}")]
    Forbidden(String),
    /// The caller is not allowed to: who they are does not let them (see [`crate::access`]).
    #[error("{}", .0.message())]
    Refused(Refusal),
    /// Too many requests of this kind at once (e.g. sign-ins); try again shortly.
    #[error("{0}")]
    Busy(String),
    /// Something failed that the caller cannot fix (logged with detail).
    #[error("something went wrong on our side; please try again ({0})")]
    Internal(String),
}

impl AppError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "not_found",
            Self::InvalidInput { .. } => "invalid_input",
            Self::Conflict(_) => "conflict",
            Self::RoundClosed(_) => "round_closed",
            Self::Forbidden(_) => "forbidden",
            Self::Refused(Refusal::NotSignedIn) => "not_signed_in",
            Self::Refused(Refusal::NoSuchStudy { .. } | Refusal::UnknownLink) => "not_found",
            Self::Refused(_) => "forbidden",
            Self::Busy(_) => "busy",
            Self::Internal(_) => "internal",
        }
    }

    /// The input field concerned, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::InvalidInput { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// Invalid input in a named field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }
}

impl From<QueryError> for AppError {
    fn from(error: QueryError) -> Self {
        if delphi_store::is_unique_violation(&error) {
            return Self::Conflict("that already exists".to_owned());
        }
        if let QueryError::DeserializationError(damage) = &error {
            tracing::error!(%damage, "stored data does not parse");
            return Self::Internal(format!("stored data is damaged: {damage}"));
        }
        tracing::error!(%error, "database query failed");
        Self::Internal("database error".to_owned())
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Query(error) => error.into(),
            other => {
                tracing::error!(error = %other, "storage failed");
                Self::Internal("database unavailable".to_owned())
            }
        }
    }
}

impl From<LifecycleError> for AppError {
    fn from(error: LifecycleError) -> Self {
        Self::Conflict(error.0)
    }
}

impl From<UnknownState> for AppError {
    fn from(error: UnknownState) -> Self {
        tracing::error!(%error, "a stored state does not parse");
        Self::Internal(format!("stored data is damaged: {error}"))
    }
}
