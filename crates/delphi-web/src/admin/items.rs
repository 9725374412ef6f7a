//! `/admin/studies/{slug}/items`: a draft study's items: add one, edit its words or section,
//! move it up or down, delete it, import more from a CSV file or a workbook's `items` sheet.

use actix_web::{web, HttpResponse};
use delphi_app::setup::{files, items};
use delphi_app::AppError;
use serde::{Deserialize, Serialize};

use super::extract::{CsrfForm, SignedIn};
use super::render::{problem, refusal, render, see_other, Page};
use super::upload::CsrfUpload;
use crate::{blocking, WebState};

#[derive(Serialize)]
struct ItemsData {
    #[serde(flatten)]
    view: items::ItemsView,
    count: usize,
    problems: Vec<String>,
}

/// What `?done=` may say.
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn notice(done: Option<&str>) -> Option<String> {
    let text = match done? {
        "created" => {
            "The study is created as a draft. Add or check its items, then its panel and settings."
        }
        "added" => "Item added.", // not-a-state: the ?done= word
        "saved" => "Item saved.",
        "moved" => "Item moved.",
        "deleted" => "Item deleted.",
        "imported" => "Items imported.",
        _ => return None,
    };
    Some(text.to_owned())
}

async fn page(
    state: &WebState,
    signed: &SignedIn,
    slug: String,
    notice: Option<String>,
    error: Option<AppError>,
) -> HttpResponse {
    let (app, actor) = (state.app.clone(), signed.actor.clone());
    let view = match blocking(move || items::list(&app, &actor, &slug)).await {
        Ok(view) => view,
        Err(e) => return problem(state, Some(signed), &e),
    };
    let (status, problems) = refusal(error.as_ref());
    let title = format!("Items of {}", view.title);
    let count = view.items.len();
    let data = ItemsData {
        view,
        count,
        problems,
    };
    let page = Page::of(signed, title, data)
        .notice(notice)
        .error(error.map(|_| "Nothing was changed:".to_owned()));
    render(state, "admin/items.html", status, &page)
}

/// `GET /admin/studies/{slug}/items`.
pub async fn show(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
    done: web::Query<Done>,
) -> HttpResponse {
    let notice = notice(done.done.as_deref());
    page(&state, &signed, slug.into_inner(), notice, None).await
}

/// The item form: what to do and to which item.
#[derive(Deserialize)]
pub struct ItemForm {
    action: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    section: String,
    #[serde(default)]
    text: String,
}

/// `POST /admin/studies/{slug}/items`: action `add`, `save`, `up`, `down` or `delete`.
pub async fn act(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<ItemForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let slug = slug.into_inner();
    let (app, actor, s) = (state.app.clone(), signed.actor.clone(), slug.clone());
    let action = form.action.clone();
    let outcome = blocking(move || {
        let (code, section, text) = (&form.code, &form.section, &form.text);
        match form.action.as_str() {
            "add" => items::add(&app, &actor, &s, code, section, text).map(|()| "added"), // not-a-state: a button
            "save" => items::edit(&app, &actor, &s, code, section, text).map(|()| "saved"),
            "up" => items::reorder(&app, &actor, &s, code, items::Direction::Up).map(|()| "moved"),
            "down" => {
                items::reorder(&app, &actor, &s, code, items::Direction::Down).map(|()| "moved")
            }
            "delete" => items::delete(&app, &actor, &s, code).map(|()| "deleted"),
            _ => Err(AppError::invalid(
                "action",
                "choose add, save, up, down or delete",
            )),
        }
    })
    .await;
    match outcome {
        Ok(done) => see_other(&format!("/admin/studies/{slug}/items?done={done}")),
        Err(error @ AppError::Refused(_)) => problem(&state, Some(&signed), &error),
        Err(error) => {
            tracing::debug!(%action, "an item action was refused");
            page(&state, &signed, slug, None, Some(error)).await
        }
    }
}

/// `POST /admin/studies/{slug}/items/import`: `file` (CSV or XLSX, multipart).
pub async fn import(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    upload: CsrfUpload,
) -> HttpResponse {
    let CsrfUpload { signed, parts } = upload;
    let slug = slug.into_inner();
    let Some(part) = parts.get("file") else {
        let error = AppError::invalid("file", "choose a CSV file or a workbook to import");
        return page(&state, &signed, slug, None, Some(error)).await;
    };
    let file = files::Upload {
        name: part.filename.clone().unwrap_or_default(),
        bytes: part.bytes.clone(),
    };
    let (app, actor, s) = (state.app.clone(), signed.actor.clone(), slug.clone());
    match blocking(move || files::import_items(&app, &actor, &s, &file)).await {
        Ok(_) => see_other(&format!("/admin/studies/{slug}/items?done=imported")),
        Err(error @ AppError::Refused(_)) => problem(&state, Some(&signed), &error),
        Err(error) => page(&state, &signed, slug, None, Some(error)).await,
    }
}
