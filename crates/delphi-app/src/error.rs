//! The one error type of the use cases, with a flat code the web maps to HTTP.

use delphi_core::lifecycle::{LifecycleError, UnknownState};
use delphi_store::{QueryError, StoreError};

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
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The server is at its limit for this kind of work right now (e.g. too many sign-ins
    /// at once); trying again in a moment helps. The web answers 503.
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
