//! Reading a study's audit log: who did what, when, newest first, optionally one kind of
//! action only. Callers who may not see contacts read "a study member" instead of a
//! signed-in member's address, and "(withheld)" for any address in the details.

use chrono::NaiveDateTime;
use delphi_store::{audit, read_tx};
use serde::Serialize;

use crate::access::{self, Actor, Permission};
use crate::{App, AppError};

/// One entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// When.
    pub at: NaiveDateTime,
    /// Who (`user:ADDRESS`, `operator`, `panellist:PSEUDONYM`, `mail-worker`...).
    pub actor: String,
    /// What, e.g. `round.closed`.
    pub action: String,
    /// The details recorded with it.
    pub detail: serde_json::Value,
}

/// A study's audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditLog {
    /// The entries shown, newest first.
    pub entries: Vec<AuditEntry>,
    /// Every kind of action in the log, sorted (for the filter).
    pub kinds: Vec<String>,
    /// Entries in the log before filtering.
    pub total: usize,
}

/// The most entries one page returns.
pub const MAX_ENTRIES: usize = 1_000;

/// The audit log of the study `slug`, only `kind` when given, newest first, at most
/// [`MAX_ENTRIES`].
pub fn audit_log(
    app: &App,
    actor: &Actor,
    slug: &str,
    kind: Option<&str>,
) -> Result<AuditLog, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Read)?;
        let rows = audit::for_study(conn, &study.id)?;
        let mut kinds: Vec<String> = rows.iter().map(|r| r.action.clone()).collect();
        kinds.sort();
        kinds.dedup();
        if let Some(kind) = kind.filter(|k| !kinds.iter().any(|known| known == k)) {
            return Err(AppError::invalid(
                "kind",
                format!(
                    "this study's log has no action {kind:?}; it has {}",
                    kinds.join(", ")
                ),
            ));
        }
        let total = rows.len();
        let contacts = grant.sees_contacts();
        let entries = rows
            .into_iter()
            .rev()
            .filter(|r| kind.is_none_or(|k| r.action == k))
            .take(MAX_ENTRIES)
            .map(|r| AuditEntry {
                at: r.created_at,
                actor: if contacts || !r.actor.starts_with("user:") {
                    r.actor
                } else {
                    "a study member".to_owned()
                },
                action: r.action,
                detail: {
                    let detail = serde_json::from_str(&r.detail).unwrap_or_default();
                    if contacts {
                        detail
                    } else {
                        withhold_addresses(detail)
                    }
                },
            })
            .collect();
        Ok(AuditLog {
            entries,
            kinds,
            total,
        })
    })
}

/// The detail with every text that holds an address replaced (for readers without contacts).
fn withhold_addresses(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) if text.contains('@') => Value::String("(withheld)".to_owned()),
        Value::Array(items) => Value::Array(items.into_iter().map(withhold_addresses).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, withhold_addresses(v)))
                .collect(),
        ),
        other => other,
    }
}
