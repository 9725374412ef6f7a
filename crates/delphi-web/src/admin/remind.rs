//! Before reminders go (`GET /admin/studies/{slug}/remind`): who will receive one (pseudonym
//! and group), who already had today's, and the button that sends them
//! (`POST /admin/studies/{slug}/remind`, in [`super::dashboard`]).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::reminders;
use serde::Serialize;

use super::extract::SignedIn;
use super::render::{problem, render, Page};
use crate::{blocking, WebState};

#[derive(Serialize)]
struct Person {
    pseudonym: String,
    group: String,
}

#[derive(Serialize)]
struct RemindData {
    slug: String,
    round: i32,
    count: usize,
    recipients: Vec<Person>,
    already: Vec<Person>,
}

fn people(list: Vec<(String, String)>) -> Vec<Person> {
    list.into_iter()
        .map(|(pseudonym, group)| Person { pseudonym, group })
        .collect()
}

/// `GET /admin/studies/{slug}/remind`.
pub async fn confirm(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
) -> HttpResponse {
    let (app, actor, slug) = (state.app.clone(), signed.actor.clone(), slug.into_inner());
    let target = slug.clone();
    match blocking(move || reminders::preview(&app, &actor, &target)).await {
        Ok(preview) => {
            let data = RemindData {
                slug,
                round: preview.round,
                count: preview.recipients.len(),
                recipients: people(preview.recipients),
                already: people(preview.already_reminded),
            };
            let title = format!("Remind round {} non-submitters", data.round);
            render(
                &state,
                "admin/remind.html",
                StatusCode::OK,
                &Page::of(&signed, title, data),
            )
        }
        Err(error) => problem(&state, Some(&signed), &error),
    }
}
