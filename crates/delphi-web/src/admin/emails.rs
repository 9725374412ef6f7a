//! The wording of a study's emails (`/admin/studies/{slug}/emails/{kind}`): edit, preview
//! with example values, send a test to oneself, save, back to the default.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::email_templates::{self, ComposedEmail, CustomWording, WordingAction, VARIABLES};
use delphi_app::{AppError, Refusal};
use delphi_core::states::MailKind;
use serde::{Deserialize, Serialize};

use super::extract::{CsrfForm, SignedIn};
use super::render::{problem, render, see_other, Page};
use crate::errors::status_of;
use crate::{blocking, WebState};

#[derive(Serialize)]
struct Variable {
    /// As written in a template, e.g. `{{study_title}}`.
    token: String,
    meaning: &'static str,
}

#[derive(Serialize)]
struct WordingData {
    slug: String,
    study_title: String,
    kind: MailKind,
    kind_name: &'static str,
    subject: String,
    body_text: String,
    customised: bool,
    me: String,
    variables: Vec<Variable>,
    /// `{{link}}`, as the page names it.
    link_token: &'static str,
    preview_subject: String,
    preview_text: String,
    previewing_draft: bool,
}

/// The kind named in the path; an unknown one is refused with the kinds there are.
fn kind_of(text: &str) -> Result<MailKind, AppError> {
    MailKind::parse(text)
        .ok()
        .filter(|kind| MailKind::EDITABLE.contains(kind))
        .ok_or_else(|| {
            let kinds: Vec<&str> = MailKind::EDITABLE.iter().map(|k| k.as_str()).collect();
            AppError::invalid(
                "kind",
                format!(
                    "there is no email kind {text:?}; the kinds are {}",
                    kinds.join(", ")
                ),
            )
        })
}

/// What the page shows in the form and as the preview, when not the wording in use.
struct Draft {
    wording: CustomWording,
    preview: Option<ComposedEmail>,
}

/// Draws the editing page of one kind of email.
async fn wording_page(
    state: &WebState,
    signed: &SignedIn,
    slug: String,
    kind: MailKind,
    status: StatusCode,
    (notice, error): (Option<String>, Option<String>),
    draft: Option<Draft>,
) -> HttpResponse {
    let (app, templates, actor) = (
        state.app.clone(),
        state.templates.clone(),
        signed.actor.clone(),
    );
    let s = slug.clone();
    let wording = match blocking(move || {
        email_templates::wording(&app, &templates, &actor, &s, kind)
    })
    .await
    {
        Ok(wording) => wording,
        Err(error) => return problem(state, Some(signed), &error),
    };
    let (form, preview) = match draft {
        Some(draft) => (draft.wording, draft.preview),
        None => (
            CustomWording {
                subject: wording.current.subject.clone(),
                body_text: wording.current.body_text.clone(),
            },
            None,
        ),
    };
    let previewing_draft = preview.is_some();
    let shown = preview.unwrap_or(wording.preview);
    let data = WordingData {
        slug,
        study_title: wording.study.title,
        kind_name: kind.label(),
        kind,
        subject: form.subject,
        body_text: form.body_text,
        customised: wording.current.customised,
        me: signed.user.email.clone(),
        variables: VARIABLES
            .iter()
            .map(|(name, meaning)| Variable {
                token: format!("{{{{{name}}}}}"),
                meaning,
            })
            .collect(),
        link_token: "{{link}}",
        preview_subject: shown.subject,
        preview_text: shown.text,
        previewing_draft,
    };
    let page = Page::of(signed, format!("{} email", data.kind_name), data)
        .notice(notice)
        .error(error);
    render(state, "admin/email.html", status, &page)
}

/// What `?done=...` may say after saving, resetting or testing.
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /admin/studies/{slug}/emails/{kind}`.
pub async fn show(
    state: web::Data<WebState>,
    signed: SignedIn,
    path: web::Path<(String, String)>,
    done: web::Query<Done>,
) -> HttpResponse {
    let (slug, kind) = path.into_inner();
    let kind = match kind_of(&kind) {
        Ok(kind) => kind,
        Err(error) => return problem(&state, Some(&signed), &error),
    };
    let notice = match done.done.as_deref() {
        Some("saved") => {
            Some("Saved: the study's emails of this kind use this wording from now on.")
        }
        Some("reset") => Some("Back to the default wording."),
        Some("tested") => {
            Some("A test message is on its way to you (example values, [Test] in the subject).")
        }
        _ => None,
    };
    let messages = (notice.map(str::to_owned), None);
    wording_page(&state, &signed, slug, kind, StatusCode::OK, messages, None).await
}

/// The wording form: what to do, and the draft.
#[derive(Deserialize)]
pub struct WordingForm {
    action: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body_text: String,
}

/// `POST /admin/studies/{slug}/emails/{kind}`: action (`preview`, `test`, `save`, `reset`),
/// subject, body_text.
pub async fn act(
    state: web::Data<WebState>,
    path: web::Path<(String, String)>,
    posted: CsrfForm<WordingForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let (slug, kind) = path.into_inner();
    let kind = match kind_of(&kind) {
        Ok(kind) => kind,
        Err(error) => return problem(&state, Some(&signed), &error),
    };
    let (action, done) = match form.action.as_str() {
        "preview" => (WordingAction::Preview, ""),
        "test" => (WordingAction::SendTest, "tested"), // not-a-state: the button value
        "save" => (WordingAction::Save, "saved"),
        "reset" => (WordingAction::Reset, "reset"),
        _ => {
            let error = AppError::invalid("action", "choose preview, test, save or reset");
            return problem(&state, Some(&signed), &error);
        }
    };
    let draft = CustomWording {
        subject: form.subject,
        body_text: form.body_text.replace("\r\n", "\n"),
    };
    let (app, templates, actor) = (
        state.app.clone(),
        state.templates.clone(),
        signed.actor.clone(),
    );
    let (s, d) = (slug.clone(), draft.clone());
    let outcome =
        blocking(move || email_templates::act(&app, &templates, &actor, &s, kind, action, &d))
            .await;
    match outcome {
        Ok(preview) if action == WordingAction::Preview => {
            let draft = Draft {
                wording: draft,
                preview: Some(preview),
            };
            wording_page(
                &state,
                &signed,
                slug,
                kind,
                StatusCode::OK,
                (None, None),
                Some(draft),
            )
            .await
        }
        Ok(_) => see_other(&format!("/admin/studies/{slug}/emails/{kind}?done={done}")),
        Err(
            error @ (AppError::NotFound(_)
            | AppError::Forbidden(_)
            | AppError::Refused(Refusal::NoSuchStudy { .. } | Refusal::ReadOnly)),
        ) => problem(&state, Some(&signed), &error),
        Err(error) => {
            let draft = Draft {
                wording: draft,
                preview: None,
            };
            let messages = (None, Some(error.to_string()));
            wording_page(
                &state,
                &signed,
                slug,
                kind,
                status_of(&error),
                messages,
                Some(draft),
            )
            .await
        }
    }
}
