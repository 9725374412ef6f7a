//! Shared arrangements of the round-console tests: a study `con` with round 1 open, its
//! members (owner, analyst) and a researcher of another study, a signed-in browser per user,
//! and a snapshot of every table for "refused and nothing changed".

use std::collections::BTreeMap;

use delphi_app::participation::{self, AnswerInput};
use delphi_app::{users, Actor};
use delphi_core::states::Role;
use reqwest::blocking::{Client, Response};
use reqwest::redirect::Policy;

use crate::fixture;
use crate::support::{location, TestApp};

pub const PASSWORD: &str = "correct horse battery staple";
pub const OWNER: &str = "owner@example.org";
pub const ANALYST: &str = "analyst@example.org";
pub const OUTSIDER: &str = "outsider@example.org";

/// A signed-in browser: keeps cookies, does not follow redirects.
pub struct Researcher<'a> {
    t: &'a TestApp,
    client: Client,
    /// The session's CSRF value.
    pub csrf: String,
}

/// The CSRF value of the first form of a page.
pub fn csrf_of(html: &str) -> String {
    let start = html.find("name=csrf value=\"").expect("a CSRF field") + 17;
    html[start..].split('"').next().expect("a value").to_owned()
}

impl<'a> Researcher<'a> {
    /// Signs `email` in through the form.
    pub fn sign_in(t: &'a TestApp, email: &str) -> Self {
        let mut b = Self {
            t,
            client: Client::builder()
                .redirect(Policy::none())
                .cookie_store(true)
                .build()
                .expect("a client"),
            csrf: String::new(),
        };
        let form = b.page("/admin/login", 200);
        let response = b.post(
            "/admin/login",
            &[
                ("csrf", &csrf_of(&form)),
                ("email", email),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(response.status().as_u16(), 303, "{email} signs in");
        b.csrf = csrf_of(&b.page("/admin", 200));
        b
    }

    /// A browser without a session.
    pub fn anonymous(t: &'a TestApp) -> Self {
        Self {
            t,
            client: Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("a client"),
            csrf: String::new(),
        }
    }

    pub fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.t.address))
            .send()
            .expect("GET answers")
    }

    pub fn page(&self, path: &str, status: u16) -> String {
        let response = self.get(path);
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.text().expect("a body")
    }

    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.t.address))
            .form(fields)
            .send()
            .expect("POST answers")
    }

    /// POSTs to the API with `csrf` in `X-CSRF-Token` (none when `None`) and a JSON body.
    pub fn api_post(
        &self,
        path: &str,
        csrf: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Response {
        let mut request = self.client.post(format!("{}{path}", self.t.address));
        if let Some(csrf) = csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().expect("POST answers")
    }

    /// GETs JSON from the API, asserting the status.
    pub fn api_json(&self, path: &str, status: u16) -> serde_json::Value {
        let response = self.get(path);
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.json().expect("JSON")
    }
}

/// Every row of every table.
pub fn snapshot(t: &TestApp) -> BTreeMap<&'static str, Vec<String>> {
    let mut conn = t.app.conn().expect("a connection");
    delphi_store::testing::snapshot(&mut conn).expect("a snapshot")
}

/// The study `con`: 4 items, 10 panellists over five groups, round 1 open. Panellists 0-5
/// submitted, 6 saved an answer without submitting, 7 withdrew, 8 and 9 did nothing. The
/// owner and an analyst are members; the outsider owns another study (`other`).
pub fn arranged(t: &TestApp) -> fixture::Fixture {
    for (email, name) in [
        (OWNER, "Olive Owner"),
        (ANALYST, "Ann Analyst"),
        (OUTSIDER, "Otto Outsider"),
    ] {
        users::create_user(&t.app, fixture::OPERATOR, email, name, PASSWORD, false)
            .expect("a user");
    }
    let f = fixture::round_one(&t.app, "con", 4, 10);
    fixture::draft(&t.app, "other", 2, 3);
    let member = |slug: &str, email: &str, role| {
        users::add_member(&t.app, fixture::OPERATOR, slug, email, role).expect("a member")
    };
    member("con", OWNER, Role::Owner);
    member("con", ANALYST, Role::Analyst);
    member("other", OUTSIDER, Role::Owner);
    for (p, token) in f.tokens.iter().enumerate().take(8) {
        let panellist = Actor::Panellist(token.clone());
        participation::consent(&t.app, &panellist).expect("consent");
        if p == 7 {
            participation::withdraw(&t.app, &panellist).expect("withdraw");
            continue;
        }
        let answers: Vec<AnswerInput> = f
            .codes
            .iter()
            .enumerate()
            .map(|(i, code)| AnswerInput {
                item_code: code.clone(),
                rating: Some(fixture::rating_for(i, p)),
                unable_to_rate: false,
                comment: None,
                reason: None,
            })
            .collect();
        participation::save_answers(&t.app, &panellist, &answers).expect("answers");
        if p < 6 {
            participation::submit(&t.app, &panellist).expect("submit");
        }
    }
    f
}

/// Asserts a redirect to `to`.
pub fn redirects_to(response: &Response, to: &str) {
    assert_eq!(response.status().as_u16(), 303, "a redirect");
    assert_eq!(location(response), to);
}
