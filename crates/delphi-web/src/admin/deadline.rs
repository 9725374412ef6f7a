//! Extending the open round's deadline (`POST /admin/studies/{slug}/deadline`, from the
//! monitor): the new date is stored and emailed to the round's panellists via the outbox.

use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use delphi_app::{deadline, AppError};
use serde::Deserialize;

use super::extract::CsrfForm;
use super::monitor::monitor_page;
use super::render::{problem, see_other};
use crate::errors::status_of;
use crate::{blocking, WebState};

/// Reads a deadline typed in a `datetime-local` field or sent to the API, as UTC:
/// `YYYY-MM-DDTHH:MM`, optionally with seconds and a trailing `Z`.
pub fn parse_deadline(text: &str) -> Result<NaiveDateTime, AppError> {
    let text = text.trim();
    let bare = text.strip_suffix('Z').unwrap_or(text);
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(bare, format).ok())
        .ok_or_else(|| {
            AppError::invalid(
                "deadline",
                "give the new deadline as a date and time, e.g. 2026-12-18T17:00 (UTC)",
            )
        })
}

/// The form: the new deadline.
#[derive(Deserialize)]
pub struct DeadlineForm {
    deadline: String,
}

/// `POST /admin/studies/{slug}/deadline`.
pub async fn extend(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<DeadlineForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let slug = slug.into_inner();
    let (app, actor, target) = (state.app.clone(), signed.actor.clone(), slug.clone());
    let outcome = match parse_deadline(&form.deadline) {
        Ok(when) => blocking(move || deadline::extend(&app, &actor, &target, when)).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(done) => see_other(&format!(
            "/admin/studies/{slug}/rounds/{}?done=extended&n={}",
            done.round, done.queued
        )),
        Err(error @ (AppError::InvalidInput { .. } | AppError::Conflict(_))) => {
            // Back to the open round's monitor with the reason.
            let (app, actor, target) = (state.app.clone(), signed.actor.clone(), slug.clone());
            let latest =
                blocking(move || delphi_app::monitor::monitor(&app, &actor, &target, None))
                    .await
                    .map(|m| m.number);
            match latest {
                Ok(number) => {
                    monitor_page(
                        &state,
                        &signed,
                        slug,
                        number,
                        status_of(&error),
                        None,
                        Some(error.to_string()),
                    )
                    .await
                }
                Err(_) => problem(&state, Some(&signed), &error),
            }
        }
        Err(error) => problem(&state, Some(&signed), &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_parse_from_the_browsers_field_and_iso_text() {
        let expected =
            NaiveDateTime::parse_from_str("2026-12-18 17:00", "%Y-%m-%d %H:%M").expect("a time");
        for text in [
            "2026-12-18T17:00",
            "2026-12-18T17:00:00Z",
            " 2026-12-18 17:00 ",
        ] {
            assert_eq!(parse_deadline(text).expect(text), expected, "{text}");
        }
        let err = parse_deadline("next friday").unwrap_err();
        assert_eq!(err.field(), Some("deadline"));
    }
}
