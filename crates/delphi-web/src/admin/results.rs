//! A closed round's results (`GET /admin/studies/{slug}/rounds/{number}/results`), filtered
//! by `section`, `status` and `group` and sorted by `sort` (query parameters, so the form
//! works without JavaScript). The view is [`super::results_view`].

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::round_results;

use super::extract::SignedIn;
use super::monitor::RoundPath;
use super::render::{problem, render, Page};
use super::results_view::{view, ResultsQuery};
use crate::{blocking, WebState};

/// `GET /admin/studies/{slug}/rounds/{number}/results`.
pub async fn show(
    state: web::Data<WebState>,
    signed: SignedIn,
    path: web::Path<RoundPath>,
    query: Result<web::Query<ResultsQuery>, actix_web::Error>,
) -> HttpResponse {
    let query = match query {
        Ok(query) => query.into_inner(),
        Err(error) => {
            let error = delphi_app::AppError::invalid("query", error.to_string());
            return problem(&state, Some(&signed), &error);
        }
    };
    let (slug, number) = path.into_inner().parts();
    let (app, actor) = (state.app.clone(), signed.actor.clone());
    let outcome = blocking(move || round_results::round_results(&app, &actor, &slug, number))
        .await
        .and_then(|data| {
            let title = format!("Results of round {} – {}", data.number, data.title);
            Ok((title, view(data, &query)?))
        });
    match outcome {
        Ok((title, data)) => render(
            &state,
            "admin/results.html",
            StatusCode::OK,
            &Page::of(&signed, title, data),
        ),
        Err(error) => problem(&state, Some(&signed), &error),
    }
}
