//! The round monitor (`GET /admin/studies/{slug}/rounds/{number}`): response overall and per
//! stakeholder group, each panellist's status (pseudonyms only), warnings, and the actions of
//! an open round (remind, extend the deadline, close). `/static/monitor.js` polls the JSON
//! twin (`/api/v1/studies/{slug}/rounds/{number}/monitor`) and updates the figures in place;
//! without the script a reload shows the same.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::monitor::{self, Response, RoundMonitor};
use delphi_core::states::{ParticipationState, RoundStatus};
use serde::{Deserialize, Serialize};

use super::extract::SignedIn;
use super::render::{problem, render, when, Page};
use crate::{blocking, WebState};

/// One row of response figures.
#[derive(Serialize)]
pub struct Figures {
    key: String,
    label: String,
    invited: usize,
    opened: usize,
    consented: usize,
    started: usize,
    submitted: usize,
    withdrawn: usize,
    rate: String,
}

impl Figures {
    fn of(key: &str, label: &str, r: &Response) -> Self {
        Self {
            key: key.to_owned(),
            label: label.to_owned(),
            invited: r.invited,
            opened: r.opened,
            consented: r.consented,
            started: r.started,
            submitted: r.submitted,
            withdrawn: r.withdrawn,
            rate: rate(r.response_rate),
        }
    }
}

/// A response rate as people read it.
pub fn rate(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{r:.0} %"))
}

/// The words of a participation state.
pub fn state_label(state: ParticipationState) -> &'static str {
    match state {
        ParticipationState::Invited => "invited",
        ParticipationState::Opened => "opened the page",
        ParticipationState::Consented => "consented",
        ParticipationState::Started => "started",
        ParticipationState::Submitted => "submitted",
        ParticipationState::Withdrawn => "withdrawn",
    }
}

#[derive(Serialize)]
struct Person {
    pseudonym: String,
    group: String,
    state: &'static str,
    activity: String,
    invitation: String,
    reminder: String,
}

#[derive(Serialize)]
struct RoundLink {
    number: i32,
    current: bool,
}

#[derive(Serialize)]
struct MonitorData {
    slug: String,
    number: i32,
    rounds: Vec<RoundLink>,
    status: String,
    open: bool,
    closed: bool,
    deadline: Option<String>,
    can_manage: bool,
    minimum: u32,
    figures: Vec<Figures>,
    people: Vec<Person>,
    warnings: Vec<String>,
    api: String,
}

fn view(m: RoundMonitor) -> MonitorData {
    let mut figures = vec![Figures::of("ALL", "Whole panel", &m.overall)];
    figures.extend(
        m.groups
            .iter()
            .map(|g| Figures::of(&g.code, &g.name, &g.response)),
    );
    let at = |t: Option<chrono::NaiveDateTime>| t.map(when).unwrap_or_else(|| "–".to_owned());
    MonitorData {
        api: format!("/api/v1/studies/{}/rounds/{}/monitor", m.slug, m.number),
        rounds: m
            .rounds
            .iter()
            .map(|&number| RoundLink {
                number,
                current: number == m.number,
            })
            .collect(),
        people: m
            .panellists
            .into_iter()
            .map(|p| Person {
                pseudonym: p.pseudonym,
                group: p.group,
                state: state_label(p.state),
                activity: at(p.last_activity),
                invitation: at(p.last_invitation),
                reminder: at(p.last_reminder),
            })
            .collect(),
        status: m.status.to_string(),
        open: m.status == RoundStatus::Open,
        closed: m.status == RoundStatus::Closed,
        deadline: m.deadline.map(when),
        can_manage: m.can_manage,
        minimum: m.minimum,
        warnings: m.warnings,
        slug: m.slug,
        number: m.number,
        figures,
    }
}

/// The path of a round page.
#[derive(Deserialize)]
pub struct RoundPath {
    slug: String,
    number: i32,
}

impl RoundPath {
    /// The study's short name and the round's number.
    pub fn parts(self) -> (String, i32) {
        (self.slug, self.number)
    }
}

/// `?done=` after extending the deadline (fixed texts; nothing is echoed).
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    n: Option<String>,
}

/// `GET /admin/studies/{slug}/rounds/{number}`.
pub async fn show(
    state: web::Data<WebState>,
    signed: SignedIn,
    path: web::Path<RoundPath>,
    done: web::Query<Done>,
) -> HttpResponse {
    let RoundPath { slug, number } = path.into_inner();
    let notice = match (
        done.done.as_deref(),
        done.n.as_deref().map(str::parse::<usize>),
    ) {
        (Some("extended"), Some(Ok(n))) => Some(format!(
            "The deadline is moved; {n} panellists will be emailed the new date."
        )),
        _ => None,
    };
    monitor_page(&state, &signed, slug, number, StatusCode::OK, notice, None).await
}

/// Draws the monitor with an optional notice or error.
pub async fn monitor_page(
    state: &WebState,
    signed: &SignedIn,
    slug: String,
    number: i32,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> HttpResponse {
    let (app, actor) = (state.app.clone(), signed.actor.clone());
    match blocking(move || monitor::monitor(&app, &actor, &slug, Some(number))).await {
        Ok(m) => {
            let title = format!("Round {} – {}", m.number, m.title);
            let page = Page::of(signed, title, view(m)).notice(notice).error(error);
            render(state, "admin/monitor.html", status, &page)
        }
        Err(error) => problem(state, Some(signed), &error),
    }
}
