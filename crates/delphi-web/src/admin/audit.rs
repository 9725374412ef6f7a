//! The study's audit log (`GET /admin/studies/{slug}/audit?kind=...`): who did what and when,
//! newest first, filtered by kind of action.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::audit_log;
use serde::{Deserialize, Serialize};

use super::extract::SignedIn;
use super::render::{problem, render, when, Page};
use crate::{blocking, WebState};

/// `?kind=`.
#[derive(Deserialize)]
pub struct AuditQuery {
    kind: Option<String>,
}

#[derive(Serialize)]
struct Entry {
    at: String,
    actor: String,
    action: String,
    detail: String,
}

#[derive(Serialize)]
struct Kind {
    kind: String,
    selected: bool,
}

#[derive(Serialize)]
struct AuditData {
    slug: String,
    entries: Vec<Entry>,
    kinds: Vec<Kind>,
    shown: usize,
    total: usize,
}

/// `GET /admin/studies/{slug}/audit`.
pub async fn show(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
    query: web::Query<AuditQuery>,
) -> HttpResponse {
    let (app, actor, slug) = (state.app.clone(), signed.actor.clone(), slug.into_inner());
    let kind = query.into_inner().kind.filter(|k| !k.trim().is_empty());
    let (target, chosen) = (slug.clone(), kind.clone());
    let outcome =
        blocking(move || audit_log::audit_log(&app, &actor, &target, chosen.as_deref())).await;
    let log = match outcome {
        Ok(log) => log,
        Err(error) => return problem(&state, Some(&signed), &error),
    };
    let data = AuditData {
        shown: log.entries.len(),
        total: log.total,
        kinds: log
            .kinds
            .into_iter()
            .map(|k| Kind {
                selected: kind.as_deref() == Some(k.as_str()),
                kind: k,
            })
            .collect(),
        entries: log
            .entries
            .into_iter()
            .map(|e| Entry {
                at: when(e.at),
                actor: e.actor,
                action: e.action,
                detail: match e.detail {
                    serde_json::Value::Object(map) if map.is_empty() => String::new(),
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                },
            })
            .collect(),
        slug,
    };
    render(
        &state,
        "admin/audit.html",
        StatusCode::OK,
        &Page::of(&signed, "Audit log", data),
    )
}
