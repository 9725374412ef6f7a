//! The authorisation matrix: every route the server registers × every kind of caller. Each
//! refusal is checked by its status, and a refused request changes nothing (every row of
//! every table is compared before and after). On every backend.
//!
//! **Adding a route?** Add one line to [`ROUTES`] (method, path exactly as registered, the
//! form or JSON body it takes, and what each caller of [`CALLERS`] gets).
//! `every_registered_route_is_in_the_matrix` (`route_tables.rs`) reads the route tables in `src/` and fails,
//! naming the line to add, while a registered route is missing here (or a line here names
//! a route that is gone). The oversized and malformed requests of `malformed.rs` use the
//! same list.

use delphi_core::states::Role;
use reqwest::blocking::{RequestBuilder, Response};
use reqwest::Method;

use crate::callers::{user, Browser};
use crate::fixture;
use crate::support::TestApp;

pub use crate::route_tables::registered_routes;

/// One registered route and what each caller gets there.
pub struct Route {
    /// `GET`, `POST`, `PUT`.
    pub method: &'static str,
    /// The path as registered, with its `{token}`, `{code}`, `{slug}`, `{kind}` parameters.
    pub path: &'static str,
    /// The body: `""` (none), form fields `a=1&b=2` (the caller's CSRF value is added),
    /// or JSON starting with `{` (the caller's CSRF value goes into `X-CSRF-Token`); for a
    /// `GET`, the query string. A body that fits, so a refusal is about who calls.
    pub body: &'static str,
    /// For each caller of [`CALLERS`], in order: `ok` (allowed: not a refusal; only GETs
    /// are sent) or the status of the refusal.
    pub expect: &'static str,
}

const fn r(
    method: &'static str,
    path: &'static str,
    body: &'static str,
    expect: &'static str,
) -> Route {
    Route {
        method,
        path,
        body,
        expect,
    }
}

/// The callers, in the order of [`Route::expect`]:
///
/// - `none`: no cookie, and on panellist routes a guessed link;
/// - `here`: the panellist of this study, by their own link (a link in an admin cookie);
/// - `elsewhere`: a panellist of another study, by their own link and valid CSRF value,
///   naming this study's items (their link in an admin cookie);
/// - `analyst`, `researcher`: signed-in members of this study;
/// - `stranger`: the signed-in owner of another study;
/// - `ended`: the cookie of a session that signed out.
pub const CALLERS: [&str; 7] = [
    "none",
    "here",
    "elsewhere",
    "analyst",
    "researcher",
    "stranger",
    "ended",
];

/// Every route, once. One line per route: method, path, body, what each caller gets.
#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    //                                                                     none here elsew anal resea stran ended
    r("GET", "/healthz", "",                                              "ok   ok   ok   ok   ok   ok   ok"),
    r("GET", "/static/p.css", "",                                         "ok   ok   ok   ok   ok   ok   ok"),
    r("GET", "/static/a.css", "",                                         "ok   ok   ok   ok   ok   ok   ok"),
    r("GET", "/static/p.js", "",                                          "ok   ok   ok   ok   ok   ok   ok"),
    r("GET", "/p/{token}", "",                                            "404  ok   ok   404  404  404  404"),
    r("POST", "/p/{token}/consent", "x=1",                                "404  ok   ok   404  404  404  404"),
    r("GET", "/p/{token}/background", "",                                 "404  ok   ok   404  404  404  404"),
    r("POST", "/p/{token}/background", "go=skip",                         "404  ok   ok   404  404  404  404"),
    r("POST", "/p/{token}/answers", "r_I3=5",                             "404  ok   404  404  404  404  404"),
    r("GET", "/p/{token}/section/{number}", "",                           "404  ok   ok   404  404  404  404"),
    r("GET", "/p/{token}/submit", "",                                     "404  ok   ok   404  404  404  404"),
    r("POST", "/p/{token}/submit", "x=1",                                 "404  ok   ok   404  404  404  404"),
    r("GET", "/p/{token}/withdraw", "",                                   "404  ok   ok   404  404  404  404"),
    r("POST", "/p/{token}/withdraw", "x=1",                               "404  ok   ok   404  404  404  404"),
    r("GET", "/api/v1/p/{token}", "",                                     "404  ok   ok   404  404  404  404"),
    r("POST", "/api/v1/p/{token}/consent", "{}",                          "403  ok   ok   403  403  403  403"),
    r("PUT", "/api/v1/p/{token}/answers/{code}", r#"{"rating": 5}"#,      "403  ok   404  403  403  403  403"),
    r("PUT", "/api/v1/p/{token}/open/{number}", r#"{"text": "x"}"#,       "403  ok   422  403  403  403  403"),
    r("POST", "/api/v1/p/{token}/submit", "{}",                           "403  ok   ok   403  403  403  403"),
    r("POST", "/api/v1/p/{token}/withdraw", "{}",                         "403  ok   ok   403  403  403  403"),
    r("GET", "/admin/login", "",                                          "ok   ok   ok   ok   ok   ok   ok"),
    r("POST", "/admin/login", "email=owner%40example.org&password=wrong", "403  403  403  403  403  403  403"),
    // Public (no session): "Forgot your password?" and the page of a one-time account link. The
    // forms' CSRF values are the sign-in cookie's and the link's own, which no caller here has.
    r("GET", "/admin/forgot-password", "",                                "ok   ok   ok   ok   ok   ok   ok"),
    r("POST", "/admin/forgot-password", "email=owner%40example.org",      "403  403  403  403  403  403  403"),
    r("GET", "/admin/set-password/{token}", "",                           "404  404  404  404  404  404  404"),
    r("POST", "/admin/set-password/{token}", "new=a&repeat=b",            "403  403  403  403  403  403  403"),
    r("GET", "/admin", "",                                                "303  303  303  ok   ok   ok   303"),
    r("GET", "/admin/", "",                                               "303  303  303  ok   ok   ok   303"),
    r("POST", "/admin/logout", "x=1",                                     "303  303  303  ok   ok   ok   303"),
    r("GET", "/admin/account", "",                                        "303  303  303  ok   ok   ok   303"),
    r("POST", "/admin/account/password", "current=wrong&new=a&repeat=b",  "303  303  303  422  422  422  303"),
    r("POST", "/admin/account/sign-out-everywhere", "x=1",                "303  303  303  ok   ok   ok   303"),
    r("GET", "/admin/studies/{slug}", "",                                 "303  303  303  ok   ok   404  303"),
    r("POST", "/admin/studies/{slug}/remind", "x=1",                      "303  303  303  403  ok   404  303"),
    r("POST", "/admin/studies/{slug}/retry", "round=1",                   "303  303  303  403  ok   404  303"),
    r("GET", "/admin/studies/{slug}/emails/{kind}", "",                   "303  303  303  403  ok   404  303"),
    r("POST", "/admin/studies/{slug}/emails/{kind}", "action=save&subject=S&body_text=B", "303  303  303  403  ok   404  303"),
    r("GET", "/admin/studies/{slug}/comments", "",                        "303  303  303  ok   ok   404  303"),
    r("POST", "/admin/studies/{slug}/comments", "item=I3&panellist=P001&decision=release",                    "303  303  303  403  ok   404  303"),
    r("POST", "/admin/studies/{slug}/comments/all", "item=I3&decision=released",                "303  303  303  403  ok   404  303"),
    r("GET", "/admin/studies/{slug}/plan", "",                            "303  303  303  ok   ok   404  303"),
    r("POST", "/admin/studies/{slug}/plan", "kind=rerate&code=I3&reason=r",                        "303  303  303  403  ok   404  303"),
    r("POST", "/admin/studies/{slug}/plan/undo", "code=I3",                   "303  303  303  403  ok   404  303"),
    r("GET", "/admin/studies/{slug}/plan/open", "",                       "303  303  303  ok   ok   404  303"),
    r("POST", "/admin/studies/{slug}/plan/open", "instructions=Rate",                   "303  303  303  403  ok   404  303"),
    r("GET", "/admin/studies/{slug}/preview", "panellist=P001",                         "303  303  303  403  409  404  303"),
    r("GET", "/admin/studies/{slug}/complete", "",                        "303  303  303  ok   ok   404  303"),
    r("POST", "/admin/studies/{slug}/complete", "reason=Done",                    "303  303  303  403  ok   404  303"),
    r("GET", "/api/v1/openapi.json", "",                                  "ok   ok   ok   ok   ok   ok   ok"),
    r("GET", "/api/v1/studies/{slug}/comments", "",                       "401  401  401  ok   ok   404  401"),
    r("POST", "/api/v1/studies/{slug}/comments/decisions", r#"{"item": "I3", "panellist": "P001", "decision": "release"}"#,          "401  401  401  403  ok   404  401"),
    r("POST", "/api/v1/studies/{slug}/comments/items/{code}", r#"{"decision": "released"}"#,       "401  401  401  403  ok   404  401"),
    r("GET", "/api/v1/studies/{slug}/plan", "",                           "401  401  401  ok   ok   404  401"),
    r("POST", "/api/v1/studies/{slug}/plan/changes", r#"{"kind": "rerate", "code": "I3", "reason": "r"}"#,                "401  401  401  403  ok   404  401"),
    r("DELETE", "/api/v1/studies/{slug}/plan/changes/{code}", "",         "401  401  401  403  ok   404  401"),
    r("GET", "/api/v1/studies/{slug}/plan/preview/{pseudonym}", "",       "401  401  401  403  409  404  401"),
    r("POST", "/api/v1/studies/{slug}/plan/open", r#"{"instructions": "Rate"}"#,                   "401  401  401  403  ok   404  401"),
    r("POST", "/api/v1/studies/{slug}/complete", r#"{"reason": "Done"}"#,                    "401  401  401  403  ok   404  401"),
    // Setting a study up (issue 13); an upload sent as a form is refused before any study is read.
    r("GET", "/static/a.js", "",                                          "ok   ok   ok   ok   ok   ok   ok"),
    r("GET", "/admin/rule-check", "rule=n",                               "303  303  303  ok   ok   ok   303"),
    r("GET", "/admin/studies/new", "",                                    "303  303  303  ok   ok   ok   303"),
    r("POST", "/admin/studies/new", "title=T",                            "303  303  303  422  422  422  303"),
    r("POST", "/admin/studies/new/files", "x=1",                          "303  303  303  422  422  422  303"),
    r("POST", "/admin/studies/new/workbook", "x=1",                       "303  303  303  422  422  422  303"),
    r("GET", "/admin/studies/{slug}/items", "",                          "303  303  303  ok   ok   404  303"),
    r("POST", "/admin/studies/{slug}/items", "action=add&code=Z9&section=S&text=T", "303  303  303  403  409  404  303"),
    r("POST", "/admin/studies/{slug}/items/import", "x=1",               "303  303  303  422  422  422  303"),
    r("GET", "/admin/studies/{slug}/panel", "",                          "303  303  303  ok   ok   404  303"),
    r("POST", "/admin/studies/{slug}/panel", "action=remove&pseudonym=P001", "303  303  303  403  409  404  303"),
    r("POST", "/admin/studies/{slug}/panel/import", "x=1",               "303  303  303  422  422  422  303"),
    r("GET", "/admin/studies/{slug}/settings", "",                       "303  303  303  ok   ok   404  303"),
    r("POST", "/admin/studies/{slug}/settings", "action=save&preset=custom&consensus_in=n%3E%3D1&consensus_out=&min_n_for_classification=5&quantile_type=7&short_groups=not_consensus&max_rounds=3&min_responses=5&consensus_items=retire&later_round_invitations=previous_responders&counting_withdrawn=keep&reason=", "303  303  303  403  ok   404  303"),
    r("POST", "/admin/studies/{slug}/open-round-1", "x=1",               "303  303  303  403  409  404  303"),
    r("GET", "/admin/studies/{slug}/members", "",                        "303  303  303  403  403  404  303"),
    r("POST", "/admin/studies/{slug}/members", "action=remove&email=owner%40example.org", "303  303  303  403  403  404  303"),
    // Exports (issue 11): analysts download; the contact list is the owners' (the researcher is not one).
    r("GET", "/admin/studies/{slug}/exports", "",                         "303  303  303  ok   ok   404  303"),
    r("GET", "/admin/studies/{slug}/exports/{format}", "",                "303  303  303  ok   ok   404  303"),
    r("POST", "/admin/studies/{slug}/exports/contacts", "x=1",            "303  303  303  403  403  404  303"),
    r("GET", "/api/v1/studies/{slug}/exports", "",                        "401  401  401  ok   ok   404  401"),
    r("GET", "/api/v1/studies/{slug}/exports/{format}", "",               "401  401  401  ok   ok   404  401"),
    r("POST", "/api/v1/studies/{slug}/exports/contacts", "{}",            "401  401  401  403  403  404  401"),
    // The round console (issue 10): the monitor, results and audit log are for every member;
    // reminders, the deadline and closing for researchers. Each route meets a fresh world.
    r("GET", "/static/monitor.js", "",                                    "ok   ok   ok   ok   ok   ok   ok"),
    r("GET", "/admin/studies/{slug}/rounds/{number}", "",                 "303  303  303  ok   ok   404  303"),
    r("GET", "/admin/studies/{slug}/rounds/{number}/results", "",         "303  303  303  409  409  404  303"),
    r("GET", "/admin/studies/{slug}/audit", "",                           "303  303  303  ok   ok   404  303"),
    r("GET", "/admin/studies/{slug}/remind", "",                          "303  303  303  403  ok   404  303"),
    r("GET", "/admin/studies/{slug}/close", "",                           "303  303  303  403  ok   404  303"),
    r("GET", "/api/v1/studies/{slug}/rounds/{number}/monitor", "",        "401  401  401  ok   ok   404  401"),
    r("GET", "/api/v1/studies/{slug}/rounds/{number}/results", "",        "401  401  401  409  409  404  401"),
    r("GET", "/api/v1/studies/{slug}/audit", "",                          "401  401  401  ok   ok   404  401"),
    r("GET", "/api/v1/studies/{slug}/remind", "",                         "401  401  401  403  ok   404  401"),
    r("POST", "/api/v1/studies/{slug}/remind", "{}",                      "401  401  401  403  ok   404  401"),
    r("POST", "/admin/studies/{slug}/deadline", "deadline=2099-01-01T10%3A00", "303  303  303  403  ok   404  303"),
    r("POST", "/api/v1/studies/{slug}/deadline", r#"{"deadline": "2099-02-01T10:00"}"#, "401  401  401  403  ok   404  401"),
    r("POST", "/admin/studies/{slug}/close", "x=1",                       "303  303  303  403  ok   404  303"),
    r("POST", "/api/v1/studies/{slug}/close", "{}",                       "401  401  401  403  ok   404  401"),
];

/// What a caller brings: a link token, its CSRF value, an admin cookie and its CSRF value.
#[derive(Clone, Default)]
pub struct Caller {
    /// Its name in [`CALLERS`].
    pub name: &'static str,
    /// The link in panellist paths.
    pub token: String,
    /// The link's CSRF value (form field or header).
    pub link_csrf: String,
    /// The `delphi_admin` cookie, if any.
    pub cookie: Option<String>,
    /// The CSRF value of the cookie's session.
    pub admin_csrf: String,
}

/// The study the routes are tried on: `mx` (round 1 open, three items), its members, and
/// a study `other` of two items with its own owner and panel.
pub struct World {
    /// The callers of [`CALLERS`], in order.
    pub callers: Vec<Caller>,
    /// This study's short name.
    pub slug: &'static str,
}

/// Builds the studies, logins and sessions the matrix needs.
pub fn world(t: &TestApp) -> World {
    let here = fixture::round_one(&t.app, "mx", 3, 3);
    let other = fixture::round_one(&t.app, "other", 2, 2);
    for (email, name, study, role) in [
        ("analyst@example.org", "Ann Analyst", "mx", Role::Analyst),
        (
            "researcher@example.org",
            "Rae Researcher",
            "mx",
            Role::Researcher,
        ),
        ("owner@example.org", "Olive Owner", "mx", Role::Owner),
        ("stranger@example.org", "Sam Stranger", "other", Role::Owner),
    ] {
        user(t, email, name);
        delphi_app::users::add_member(&t.app, fixture::OPERATOR, study, email, role)
            .expect("a member");
    }
    for token in [&here.tokens[0], &other.tokens[0]] {
        delphi_app::participation::consent(&t.app, &delphi_app::Actor::Panellist(token.clone()))
            .expect("consent");
    }
    let signed = |email: &str| {
        let b = Browser::signed_in(t, email);
        (Some(b.session.clone()), b.csrf.clone())
    };
    let guessed = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned();
    let link = |token: &String| Caller {
        token: token.clone(),
        link_csrf: t.csrf(token),
        cookie: Some(token.clone()),
        admin_csrf: delphi_web::admin_csrf(&t.app.secret, token),
        ..Caller::default()
    };
    let member = |name, email: &str| {
        let (cookie, admin_csrf) = signed(email);
        Caller {
            name,
            token: guessed.clone(),
            cookie,
            admin_csrf,
            ..Caller::default()
        }
    };
    let ended = {
        let b = Browser::signed_in(t, "owner@example.org");
        let out = b.post("/admin/logout", &[("csrf", &b.csrf)]);
        assert_eq!(out.status().as_u16(), 303, "signed out");
        Caller {
            name: "ended",
            token: guessed.clone(),
            cookie: Some(b.session.clone()),
            admin_csrf: b.csrf.clone(),
            ..Caller::default()
        }
    };
    World {
        callers: vec![
            Caller {
                name: "none",
                token: guessed.clone(),
                ..Caller::default()
            },
            Caller {
                name: "here",
                ..link(&here.tokens[0])
            },
            Caller {
                name: "elsewhere",
                ..link(&other.tokens[0])
            },
            member("analyst", "analyst@example.org"),
            member("researcher", "researcher@example.org"),
            member("stranger", "stranger@example.org"),
            ended,
        ],
        slug: "mx",
    }
}

impl Route {
    /// The path with this study's values and the caller's link.
    pub fn url(&self, t: &TestApp, world: &World, caller: &Caller) -> String {
        let path = self
            .path
            .replace("{token}", &caller.token)
            .replace("{code}", "I3")
            .replace("{slug}", world.slug)
            .replace("{kind}", "invitation")
            .replace("{pseudonym}", "P001")
            .replace("{format}", "csv")
            .replace("{number}", "1");
        let query = if self.method == "GET" && !self.body.is_empty() {
            format!("?{}", self.body)
        } else {
            String::new()
        };
        format!("{}{path}{query}", t.address)
    }

    /// The request of `caller`, with `body` instead of the route's own when given.
    pub fn request(
        &self,
        t: &TestApp,
        world: &World,
        caller: &Caller,
        body: Option<Vec<u8>>,
    ) -> RequestBuilder {
        let method = Method::from_bytes(self.method.as_bytes()).expect("a method");
        let mut request = t.client.request(method, self.url(t, world, caller));
        if let Some(cookie) = &caller.cookie {
            request = request.header("Cookie", format!("delphi_admin={cookie}"));
        }
        let csrf = if self.path.contains("{token}") {
            &caller.link_csrf
        } else {
            &caller.admin_csrf
        };
        if self.body.starts_with('{') {
            request = request
                .header("X-CSRF-Token", csrf.as_str())
                .header("Content-Type", "application/json");
            request.body(body.unwrap_or_else(|| self.body.as_bytes().to_vec()))
        } else if body.is_some() || (self.method != "GET" && !self.body.is_empty()) {
            let own = format!("csrf={csrf}&{}", self.body).into_bytes();
            request
                .header("X-CSRF-Token", csrf.as_str())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body.unwrap_or(own))
        } else if self.method == "GET" {
            request
        } else {
            request.header("X-CSRF-Token", csrf.as_str())
        }
    }

    /// What each caller gets, parsed.
    pub fn expectations(&self) -> Vec<Option<u16>> {
        let cells: Vec<Option<u16>> = self
            .expect
            .split_whitespace()
            .map(|cell| match cell {
                "ok" => None,
                status => Some(status.parse().expect("a status or ok")),
            })
            .collect();
        assert_eq!(cells.len(), CALLERS.len(), "{} {}", self.method, self.path);
        cells
    }
}

const UNLIMITED: delphi_web::Limit = delphi_web::Limit {
    per_second: 10_000,
    burst: 100_000,
};

/// A server whose rate limit does not get in the way of the hundreds of requests here.
pub fn unlimited(db: delphi_store::testing::TestDb) -> TestApp {
    TestApp::spawn_on_with(
        db,
        delphi_web::WebOptions {
            limits: delphi_web::RateLimits {
                panellist_pages: UNLIMITED,
                panellist_api: UNLIMITED,
                sign_in: UNLIMITED,
            },
            workers: 1,
            ..delphi_web::WebOptions::default()
        },
    )
}

fn send(request: RequestBuilder) -> Response {
    request.send().expect("an answer")
}

#[test]
fn every_route_refuses_every_caller_it_should_and_nothing_changes() {
    for db in delphi_store::testing::TestDb::all() {
        let t = unlimited(db);
        let world = world(&t);
        let mut failures = Vec::new();
        for route in ROUTES {
            for (caller, expected) in world.callers.iter().zip(route.expectations()) {
                let cell = format!("{} {} by {}", route.method, route.path, caller.name);
                match expected {
                    Some(status) => {
                        let before = t.snapshot();
                        let response = send(route.request(&t, &world, caller, None));
                        let got = response.status().as_u16();
                        if got != status {
                            let body = response.text().unwrap_or_default();
                            let start: String = body.chars().take(300).collect();
                            failures.push(format!("{cell}: {got}, not {status}: {start}"));
                        }
                        if t.snapshot() != before {
                            failures.push(format!("{cell}: the refusal changed stored data"));
                        }
                    }
                    None if route.method == "GET" => {
                        let got = send(route.request(&t, &world, caller, None)).status();
                        if got.is_client_error() || got.is_server_error() {
                            failures.push(format!("{cell}: allowed, but {got}"));
                        }
                    }
                    None => {}
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{}:\n{}",
            t.backend(),
            failures.join("\n")
        );
    }
}
