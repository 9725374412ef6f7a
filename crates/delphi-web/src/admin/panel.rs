//! `/admin/studies/{slug}/panel`: the panel: import more (CSV or XLSX, duplicates and bad
//! addresses named by line), add one, remove one not yet invited, change a group, withdraw
//! someone who asked by email, revoke a link or issue a new one (emailed when a round is open).

use actix_web::{web, HttpResponse};
use delphi_app::setup::{files, panel};
use delphi_app::AppError;
use serde::{Deserialize, Serialize};

use super::extract::{CsrfForm, SignedIn};
use super::render::{problem, refusal, render, see_other, Page};
use super::upload::CsrfUpload;
use crate::{blocking, WebState};

#[derive(Serialize)]
struct PanelData {
    #[serde(flatten)]
    view: panel::PanelView,
    count: usize,
    problems: Vec<String>,
    /// A link issued just now (shown once).
    new_link: Option<String>,
}

/// What `?done=` may say.
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn notice(done: Option<&str>) -> Option<String> {
    let text = match done? {
        // not-a-state: the ?done= words below
        "added" => "Added to the panel: invited from the next round that opens.", // not-a-state: ?done=
        "imported" => "Panel imported.",
        "removed" => "Removed from the panel.",
        "group" => "Group changed.",
        "withdrawn" => "Withdrawal recorded; the confirmation is on its way to them.", // not-a-state: ?done=
        "revoked" => "Link revoked: it stopped working at once.",
        _ => return None,
    };
    Some(text.to_owned())
}

async fn page(
    state: &WebState,
    signed: &SignedIn,
    slug: String,
    messages: (Option<String>, Option<AppError>),
    new_link: Option<String>,
) -> HttpResponse {
    let (notice, error) = messages;
    let (app, actor) = (state.app.clone(), signed.actor.clone());
    let view = match blocking(move || panel::list(&app, &actor, &slug)).await {
        Ok(view) => view,
        Err(e) => return problem(state, Some(signed), &e),
    };
    let (status, problems) = refusal(error.as_ref());
    let title = format!("Panel of {}", view.title);
    let count = view.people.len();
    let data = PanelData {
        view,
        count,
        problems,
        new_link,
    };
    let page = Page::of(signed, title, data)
        .notice(notice)
        .error(error.map(|_| "Nothing was changed:".to_owned()));
    render(state, "admin/panel.html", status, &page)
}

/// `GET /admin/studies/{slug}/panel`.
pub async fn show(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
    done: web::Query<Done>,
) -> HttpResponse {
    let notice = notice(done.done.as_deref());
    page(&state, &signed, slug.into_inner(), (notice, None), None).await
}

/// The panel form: what to do and to whom.
#[derive(Deserialize)]
pub struct PanelForm {
    action: String,
    #[serde(default)]
    pseudonym: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    group: String,
}

/// `POST /admin/studies/{slug}/panel`: action `add`, `remove`, `group`, `withdraw`, `revoke`
/// or `reissue`.
pub async fn act(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<PanelForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let slug = slug.into_inner();
    let (app, actor, s) = (state.app.clone(), signed.actor.clone(), slug.clone());
    let outcome = blocking(move || {
        let who = form.pseudonym.as_str();
        let done = |d: &'static str| move |()| (d, None);
        match form.action.as_str() {
            "add" => add(&app, &actor, &s, &form).map(done("added")), // not-a-state: a button
            "remove" => panel::remove(&app, &actor, &s, who).map(done("removed")),
            "group" => panel::change_group(&app, &actor, &s, who, &form.group).map(done("group")),
            "withdraw" => panel::withdraw_on_request(&app, &actor, &s, who).map(done("withdrawn")),
            "revoke" => {
                delphi_app::studies::revoke_link(&app, &actor, &s, who).map(done("revoked"))
            }
            "reissue" => panel::reissue(&app, &actor, &s, who).map(|r| ("reissued", Some(r))),
            _ => Err(AppError::invalid(
                "action",
                "choose add, remove, group, withdraw, revoke or reissue",
            )),
        }
    })
    .await;
    match outcome {
        Ok(("reissued", Some(reissued))) => {
            let notice = if reissued.emailed {
                "A new link is issued and on its way to them by email; the old one no longer works."
            } else {
                "A new link is issued (it goes out with the next invitation); the old one no longer works."
            };
            let messages = (Some(notice.to_owned()), None);
            page(&state, &signed, slug, messages, Some(reissued.link)).await
        }
        Ok((done, _)) => see_other(&format!("/admin/studies/{slug}/panel?done={done}")),
        Err(error @ AppError::Refused(_)) => problem(&state, Some(&signed), &error),
        Err(error) => page(&state, &signed, slug, (None, Some(error)), None).await,
    }
}

fn add(
    app: &delphi_app::App,
    actor: &delphi_app::Actor,
    slug: &str,
    form: &PanelForm,
) -> Result<(), AppError> {
    panel::add_one(app, actor, slug, &form.email, &form.name, &form.group)
}

/// `POST /admin/studies/{slug}/panel/import`: `file` (CSV or XLSX, multipart).
pub async fn import(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    upload: CsrfUpload,
) -> HttpResponse {
    let CsrfUpload { signed, parts } = upload;
    let slug = slug.into_inner();
    let Some(part) = parts.get("file") else {
        let error = AppError::invalid("file", "choose a CSV file or a workbook to import");
        return page(&state, &signed, slug, (None, Some(error)), None).await;
    };
    let file = files::Upload {
        name: part.filename.clone().unwrap_or_default(),
        bytes: part.bytes.clone(),
    };
    let (app, actor, s) = (state.app.clone(), signed.actor.clone(), slug.clone());
    match blocking(move || files::import_panel(&app, &actor, &s, &file)).await {
        Ok(_) => see_other(&format!("/admin/studies/{slug}/panel?done=imported")),
        Err(error @ AppError::Refused(_)) => problem(&state, Some(&signed), &error),
        Err(error) => page(&state, &signed, slug, (None, Some(error)), None).await,
    }
}
