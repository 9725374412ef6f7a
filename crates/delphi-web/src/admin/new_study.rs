//! `/admin/studies/new`: a new study from the form, from the study folder's files, or from one
//! workbook. Any signed-in user may create one and becomes its owner; importing a corrected
//! file again replaces one's own draft of the same short name. Every bad field or row is
//! listed (by field, or by file or sheet and line) and nothing is saved.

use actix_web::{web, HttpResponse};
use delphi_app::setup::{create, files};
use delphi_app::AppError;
use delphi_core::definition::StudyFields;
use delphi_core::settings::PRESETS;
use serde::Serialize;

use super::extract::{CsrfForm, SignedIn};
use super::render::{problem, refusal, render, see_other, Page};
use super::upload::{CsrfUpload, Parts};
use crate::{blocking, WebState};

#[derive(Serialize)]
struct NewStudyData {
    fields: StudyFields,
    presets: Vec<PresetChoice>,
    /// Every problem of the last attempt, one per line.
    problems: Vec<String>,
    /// Which of the three ways the problems belong to (`form`, `files`, `workbook`).
    failed: &'static str,
}

#[derive(Serialize)]
struct PresetChoice {
    name: &'static str,
    label: &'static str,
    selected: bool,
}

/// What each preset means, for the choice.
pub fn preset_label(name: &str) -> &'static str {
    match name {
        "comet" => "COMET: at least 70 % rate in the top third and under 15 % in the bottom third",
        "comet_all_groups" => "COMET in every stakeholder group",
        "comet_le50out" => "COMET in; out when at most 50 % rate in the top third",
        "median_iqr" => "Median in the top third with an IQR of at most 1",
        "pct75" => "75 % agreement (top third)",
        "rand_ucla" => "RAND/UCLA: median in the top third without disagreement",
        _ => "",
    }
}

fn page(
    state: &WebState,
    signed: &SignedIn,
    fields: StudyFields,
    failed: &'static str,
    error: Option<&AppError>,
) -> HttpResponse {
    let selected = if fields.preset.is_empty() {
        "comet"
    } else {
        fields.preset.as_str()
    };
    let presets = PRESETS
        .iter()
        .map(|&name| PresetChoice {
            name,
            label: preset_label(name),
            selected: name == selected,
        })
        .collect();
    let (status, problems) = refusal(error);
    let data = NewStudyData {
        fields,
        presets,
        problems,
        failed,
    };
    let page = Page::of(signed, "New study", data)
        .error(error.map(|_| "Nothing was saved. Put these right and try again:".to_owned()));
    render(state, "admin/new_study.html", status, &page)
}

/// `GET /admin/studies/new`.
pub async fn show(state: web::Data<WebState>, signed: SignedIn) -> HttpResponse {
    let fields = StudyFields {
        scale_min: "1".to_owned(),
        scale_max: "9".to_owned(),
        unable_to_rate: "on".to_owned(),
        time_zone: "UTC".to_owned(),
        ..StudyFields::default()
    };
    page(&state, &signed, fields, "", None)
}

/// After creating: the study's items page (the next step of setting it up).
fn created(slug: &str) -> HttpResponse {
    see_other(&format!("/admin/studies/{slug}/items?done=created"))
}

/// `POST /admin/studies/new`: the form.
pub async fn create(state: web::Data<WebState>, posted: CsrfForm<StudyFields>) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let (app, actor, fields) = (state.app.clone(), signed.actor.clone(), form.clone());
    match blocking(move || create::from_fields(&app, &actor, &fields)).await {
        Ok(slug) => created(&slug),
        Err(error) => page(&state, &signed, form, "form", Some(&error)),
    }
}

fn upload_of(parts: &Parts, name: &str) -> Option<files::Upload> {
    parts.get(name).map(|part| files::Upload {
        name: part.filename.clone().unwrap_or_default(),
        bytes: part.bytes.clone(),
    })
}

/// `POST /admin/studies/new/files`: `study_toml`, `items_csv`, `panel_csv` (multipart).
pub async fn from_files(state: web::Data<WebState>, upload: CsrfUpload) -> HttpResponse {
    let CsrfUpload { signed, parts } = upload;
    let folder = files::FolderUpload {
        study_toml: upload_of(&parts, "study_toml"),
        items_csv: upload_of(&parts, "items_csv"),
        panel_csv: upload_of(&parts, "panel_csv"),
    };
    let (app, actor) = (state.app.clone(), signed.actor.clone());
    match blocking(move || files::create_from_folder(&app, &actor, &folder)).await {
        Ok(slug) => created(&slug),
        Err(error) => page(
            &state,
            &signed,
            StudyFields::default(),
            "files",
            Some(&error),
        ),
    }
}

/// `POST /admin/studies/new/workbook`: `workbook` (multipart).
pub async fn from_workbook(state: web::Data<WebState>, upload: CsrfUpload) -> HttpResponse {
    let CsrfUpload { signed, parts } = upload;
    let Some(book) = upload_of(&parts, "workbook") else {
        let error = AppError::invalid("workbook", "choose the workbook (.xlsx) to upload");
        return page(
            &state,
            &signed,
            StudyFields::default(),
            "workbook",
            Some(&error),
        );
    };
    let (app, actor) = (state.app.clone(), signed.actor.clone());
    match blocking(move || files::create_from_workbook(&app, &actor, &book.bytes)).await {
        Ok(slug) => created(&slug),
        Err(error @ AppError::Refused(_)) => problem(&state, Some(&signed), &error),
        Err(error) => page(
            &state,
            &signed,
            StudyFields::default(),
            "workbook",
            Some(&error),
        ),
    }
}
