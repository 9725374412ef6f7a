//! `/admin/studies/{slug}/members`: the owner adds someone by address (a new login is emailed
//! a one-time link to choose its password), changes a role or removes a member; the last
//! owner stays.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::setup::members;
use delphi_app::AppError;
use delphi_core::states::Role;
use serde::{Deserialize, Serialize};

use super::extract::{CsrfForm, SignedIn};
use super::render::{problem, render, see_other, Page};
use crate::errors::status_of;
use crate::{blocking, WebState};

#[derive(Serialize)]
struct MembersData {
    #[serde(flatten)]
    view: members::MembersView,
    roles: [Role; 3],
    link_days: i64,
}

async fn page(
    state: &WebState,
    signed: &SignedIn,
    slug: String,
    notice: Option<String>,
    error: Option<AppError>,
) -> HttpResponse {
    let (app, actor) = (state.app.clone(), signed.actor.clone());
    let view = match blocking(move || members::list(&app, &actor, &slug)).await {
        Ok(view) => view,
        Err(e) => return problem(state, Some(signed), &e),
    };
    let status = error.as_ref().map_or(StatusCode::OK, status_of);
    let title = format!("Members of {}", view.title);
    let data = MembersData {
        view,
        roles: [Role::Owner, Role::Researcher, Role::Analyst],
        link_days: delphi_app::accounts::SET_PASSWORD_DAYS,
    };
    let page = Page::of(signed, title, data)
        .notice(notice)
        .error(error.map(|e| e.to_string()));
    render(state, "admin/members.html", status, &page)
}

/// What `?done=` may say.
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /admin/studies/{slug}/members`.
pub async fn show(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
    done: web::Query<Done>,
) -> HttpResponse {
    let notice = done.done.as_deref().map(|done| {
        match done {
            "new_login" | "link_sent_again" => {
                "Member added. They have been emailed a link to choose their password."
            }
            "existing_login" => {
                "Member added. They have been emailed that they may open the study."
            }
            _ => "Members changed.",
        }
        .to_owned()
    });
    page(&state, &signed, slug.into_inner(), notice, None).await
}

/// The members form.
#[derive(Deserialize)]
pub struct MemberForm {
    action: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    name: String,
}

/// The add form's button value.
const ADD: &str = "add"; // not-a-state: a form's button value

/// `POST /admin/studies/{slug}/members`: action `add` (with `role` and an optional `name`),
/// `set` (with `role`) or `remove`.
pub async fn act(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<MemberForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let slug = slug.into_inner();
    let (app, actor, s) = (state.app.clone(), signed.actor.clone(), slug.clone());
    let parsed = Role::parse(&form.role);
    let role = move || {
        parsed.map_err(|_| AppError::invalid("role", "choose owner, researcher or analyst"))
    };
    let outcome = blocking(move || match form.action.as_str() {
        ADD => {
            let member = members::NewMember {
                email: &form.email,
                name: &form.name,
                role: role()?,
            };
            members::add(&app, &actor, &s, &member).map(|added| match added {
                members::Added::NewLogin => "new_login",
                members::Added::LinkSentAgain => "link_sent_again",
                members::Added::ExistingLogin => "existing_login",
                members::Added::RoleChanged => "changed",
            })
        }
        "set" => members::set_role(&app, &actor, &s, &form.email, role()?).map(|()| "changed"),
        "remove" => members::remove(&app, &actor, &s, &form.email).map(|()| "changed"),
        _ => Err(AppError::invalid("action", "choose add, set or remove")),
    })
    .await;
    match outcome {
        Ok(done) => see_other(&format!("/admin/studies/{slug}/members?done={done}")),
        Err(error @ AppError::Refused(_)) => problem(&state, Some(&signed), &error),
        Err(error) => page(&state, &signed, slug, None, Some(error)).await,
    }
}
