//! `GET /admin`: the studies the signed-in user may open.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::queries;
use delphi_core::states::StudyStatus;
use serde::Serialize;

use super::extract::SignedIn;
use super::render::{problem, render, Page};
use crate::{blocking, WebState};

#[derive(Serialize)]
struct StudyLine {
    slug: String,
    title: String,
    status: StudyStatus,
    rounds: usize,
    current: String,
}

#[derive(Serialize)]
struct StudiesData {
    studies: Vec<StudyLine>,
}

fn current(round: Option<&queries::RoundSummary>) -> String {
    match round {
        None => "no round yet".to_owned(),
        Some(r) => format!(
            "round {} {}: {} of {} submitted",
            r.number, r.status, r.submitted, r.invited
        ),
    }
}

/// `GET /admin`.
pub async fn list(state: web::Data<WebState>, signed: SignedIn) -> HttpResponse {
    let (app, actor) = (state.app.clone(), signed.actor.clone());
    let list = match blocking(move || queries::studies_for(&app, &actor)).await {
        Ok(list) => list,
        Err(error) => return problem(&state, Some(&signed), &error),
    };
    let studies = list
        .into_iter()
        .map(|study| StudyLine {
            current: current(study.latest_round()),
            rounds: study.rounds.len(),
            slug: study.slug,
            title: study.title,
            status: study.status,
        })
        .collect();
    let page = Page::of(&signed, "Your studies", StudiesData { studies });
    render(&state, "admin/studies.html", StatusCode::OK, &page)
}
