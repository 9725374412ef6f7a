//! Between two rounds in the browser and through `/api/v1/studies/{slug}/...`: comments
//! moderated, the next round planned, previewed, opened, the study completed; and every
//! refusal (no session, an analyst, a researcher of another study, a wrong CSRF value, a
//! step the study's state forbids) refused with nothing changed.

use delphi_app::{closing, users};
use delphi_core::states::Role;
use delphi_store::testing::snapshot;
use reqwest::blocking::{Client, Response};
use reqwest::redirect::Policy;
use serde_json::{json, Value};

use crate::fixture;
use crate::support::{api_error, location, TestApp};

const PASSWORD: &str = "correct horse battery staple";
const SLUG: &str = "pln";

/// A signed-in browser (or API client) with its session's CSRF value.
struct Session<'a> {
    t: &'a TestApp,
    client: Client,
    csrf: String,
}

fn csrf_of(html: &str) -> String {
    let start = html.find("name=csrf value=\"").expect("a CSRF field") + 17;
    html[start..].split('"').next().expect("a value").to_owned()
}

impl<'a> Session<'a> {
    fn anonymous(t: &'a TestApp) -> Self {
        let client = Client::builder()
            .redirect(Policy::none())
            .cookie_store(true)
            .build()
            .expect("a client");
        Self {
            t,
            client,
            csrf: String::new(),
        }
    }

    fn signed_in(t: &'a TestApp, email: &str) -> Self {
        let mut s = Self::anonymous(t);
        let form = s.text("/admin/login", 200);
        let response = s.form(
            "/admin/login",
            &[
                ("csrf", &csrf_of(&form)),
                ("email", email),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(response.status().as_u16(), 303, "{email} signs in");
        s.csrf = csrf_of(&s.text("/admin", 200));
        s
    }

    fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.t.address))
            .send()
            .expect("GET answers")
    }

    fn text(&self, path: &str, status: u16) -> String {
        let response = self.get(path);
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.text().expect("a body")
    }

    fn form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.t.address))
            .form(fields)
            .send()
            .expect("POST answers")
    }

    /// A form with this session's CSRF value.
    fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.form(path, &all)
    }

    fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Response {
        let mut request = self
            .client
            .request(
                method,
                format!("{}/api/v1/studies/{SLUG}{path}", self.t.address),
            )
            .header("X-CSRF-Token", &self.csrf);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().expect("the API answers")
    }

    fn api_get(&self, path: &str) -> Value {
        let response = self.api(reqwest::Method::GET, path, None);
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        response.json().expect("JSON")
    }

    fn api_post(&self, path: &str, body: Value) -> Response {
        self.api(reqwest::Method::POST, path, Some(body))
    }
}

/// Round 1 of `pln` closed: six panellists, each with a comment on the second item; a
/// researcher, an analyst and an owner of another study.
fn arranged(t: &TestApp) -> fixture::Fixture {
    for (email, name) in [
        ("researcher@example.org", "Rita Researcher"),
        ("analyst@example.org", "Ann Analyst"),
        ("outsider@example.org", "Otto Outsider"),
    ] {
        users::create_user(&t.app, fixture::OPERATOR, email, name, PASSWORD, false)
            .expect("a user");
    }
    let f = fixture::round_one(&t.app, SLUG, 4, 6);
    fixture::answer_round_one(&t.app, &f, &[]);
    closing::close_round(&t.app, fixture::OPERATOR, SLUG).expect("round 1 closes");
    let other = fixture::draft(&t.app, "other", 2, 2);
    let member = |slug: &str, email: &str, role| {
        users::add_member(&t.app, fixture::OPERATOR, slug, email, role).expect("a member")
    };
    member(SLUG, "researcher@example.org", Role::Researcher);
    member(SLUG, "analyst@example.org", Role::Analyst);
    member(&other.slug, "outsider@example.org", Role::Owner);
    f
}

fn rows(t: &TestApp) -> std::collections::BTreeMap<&'static str, Vec<String>> {
    snapshot(&mut t.app.conn().expect("a connection")).expect("a snapshot")
}

#[test]
fn a_researcher_moderates_plans_previews_opens_and_completes_in_the_browser() {
    let t = TestApp::spawn();
    let f = arranged(&t);
    let item = f.codes[1].clone();
    let b = Session::signed_in(&t, "researcher@example.org");

    let page = b.text(&format!("/admin/studies/{SLUG}/comments"), 200);
    assert!(page.contains("Comments of round 1"), "{page}");
    assert!(
        page.contains("P001") && page.contains("&lt;b&gt;not bold&lt;/b&gt;"),
        "escaped"
    );
    assert!(
        !page.contains("@example.org"),
        "no address on the comments page"
    );
    let path = format!("/admin/studies/{SLUG}/comments");
    for (who, decision, text) in [
        ("P001", "release", ""),
        ("P002", "release", ""),
        ("P003", "hide", ""),
        ("P004", "edit", "An edited comment without a name"),
    ] {
        let r = b.post(
            &path,
            &[
                ("item", &item),
                ("panellist", who),
                ("decision", decision),
                ("text", text),
            ],
        );
        assert_eq!(r.status().as_u16(), 303, "{who} {decision}");
        assert!(
            location(&r).starts_with(&format!("{path}?done=decided#i-")),
            "{}",
            location(&r)
        );
    }
    let page = b.text(&path, 200);
    assert!(
        page.contains("released, edited") && page.contains("hidden"),
        "{page}"
    );
    let r = b.post(
        &path,
        &[
            ("item", &item),
            ("panellist", "P004"),
            ("decision", "edit"),
            ("text", ""),
        ],
    );
    assert_eq!(r.status().as_u16(), 422, "an empty edit is refused");

    let plan = format!("/admin/studies/{SLUG}/plan");
    let page = b.text(&plan, 200);
    assert!(
        page.contains("Plan round 2") && page.contains("invited"),
        "{page}"
    );
    let reworded = format!("{}r", f.codes[2]);
    for fields in [
        vec![
            ("kind", "reword"),
            ("code", f.codes[2].as_str()),
            ("new_code", reworded.as_str()),
            ("text", "Clearer words"),
            ("reason", "Vague"),
        ],
        vec![
            ("kind", "drop"),
            ("code", f.codes[3].as_str()),
            ("reason", "Overlaps"),
        ],
        vec![
            ("kind", "add"),
            ("code", "N9"),
            ("section", "Patient level"),
            ("text", "From a comment"),
            ("reason", "Suggested"),
            ("from", &format!("{item}/P001")),
        ],
    ] {
        let r = b.post(&plan, &fields);
        assert_eq!(r.status().as_u16(), 303, "{fields:?}");
    }
    let r = b.post(
        &plan,
        &[
            ("kind", "drop"),
            ("code", f.codes[0].as_str()),
            ("reason", ""),
        ],
    );
    assert_eq!(r.status().as_u16(), 422, "a drop needs a reason");
    let page = b.text(&plan, 200);
    assert!(
        page.contains("Clearer words") && page.contains(&format!("{item}, comment by P001")),
        "{page}"
    );

    let preview = b.text(
        &format!("/admin/studies/{SLUG}/preview?panellist=P001"),
        200,
    );
    assert!(
        preview.contains("Preview") && preview.contains("disabled"),
        "{preview}"
    );
    assert!(
        preview.contains("Clearer words") && preview.contains("An edited comment without a name")
    );
    assert!(
        !preview.contains("Comment 2 on") && !preview.contains("Comment 3 on"),
        "hidden and original"
    );
    assert!(!preview.contains("/static/p.js"), "no script in a preview");

    let confirm = b.text(&format!("{plan}/open"), 200);
    assert!(
        confirm.contains("Open round 2") && confirm.contains("invitations"),
        "{confirm}"
    );
    let before = rows(&t);
    let r = b.post(
        &format!("{plan}/open"),
        &[("deadline", "not a date"), ("instructions", "")],
    );
    assert_eq!(r.status().as_u16(), 422, "a bad deadline");
    assert!(before == rows(&t), "nothing opened");
    let r = b.post(
        &format!("{plan}/open"),
        &[("deadline", "2031-01-31"), ("instructions", "Round 2")],
    );
    assert_eq!(r.status().as_u16(), 303);
    let round2 = t.page(&format!("/p/{}", f.tokens[0]), 200);
    assert!(
        round2.contains("Clearer words") && round2.contains("An edited comment without a name")
    );
    assert!(!round2.contains("Comment 2 on") && !round2.contains("Comment 3 on"));

    let before = rows(&t);
    let r = b.post(
        &format!("/admin/studies/{SLUG}/complete"),
        &[("reason", "Enough")],
    );
    assert_eq!(r.status().as_u16(), 409, "a round is open");
    assert!(before == rows(&t));
    closing::close_round(&t.app, fixture::OPERATOR, SLUG).expect("round 2 closes");
    let page = b.text(&format!("/admin/studies/{SLUG}/complete"), 200);
    assert!(page.contains("Complete the study"), "{page}");
    let r = b.post(
        &format!("/admin/studies/{SLUG}/complete"),
        &[("reason", "Enough agreement")],
    );
    assert_eq!(r.status().as_u16(), 303);
    assert!(t
        .page(&format!("/p/{}", f.tokens[0]), 200)
        .contains("completed"));
}

#[test]
fn the_api_does_the_same_and_refuses_without_changing_anything() {
    let t = TestApp::spawn();
    let f = arranged(&t);
    let item = f.codes[1].clone();
    let researcher = Session::signed_in(&t, "researcher@example.org");
    let analyst = Session::signed_in(&t, "analyst@example.org");
    let outsider = Session::signed_in(&t, "outsider@example.org");
    let nobody = Session::anonymous(&t);
    let mut forged = Session::signed_in(&t, "researcher@example.org");
    forged.csrf = "forged".to_owned();

    let release = json!({"item": item, "panellist": "P001", "decision": "release"});
    let drop = json!({"kind": "drop", "code": f.codes[3], "reason": "Overlaps"});
    let writes: Vec<(reqwest::Method, &str, Option<Value>)> = vec![
        (
            reqwest::Method::POST,
            "/comments/decisions",
            Some(release.clone()),
        ),
        (
            reqwest::Method::POST,
            "/comments/items/ITEM",
            Some(json!({"decision": "hidden"})),
        ),
        (reqwest::Method::POST, "/plan/changes", Some(drop.clone())),
        (reqwest::Method::DELETE, "/plan/changes/A1", None),
        (reqwest::Method::POST, "/plan/open", Some(json!({}))),
        (
            reqwest::Method::POST,
            "/complete",
            Some(json!({"reason": "done"})),
        ),
    ];
    let items_path = format!("/comments/items/{item}");
    for (method, path, body) in &writes {
        let path = if *path == "/comments/items/ITEM" {
            items_path.as_str()
        } else {
            path
        };
        for (who, session, status, code) in [
            ("nobody", &nobody, 401, "not_signed_in"),
            ("a wrong CSRF value", &forged, 403, "csrf"),
            ("an analyst", &analyst, 403, "forbidden"),
            ("a researcher of another study", &outsider, 404, "not_found"),
        ] {
            let before = rows(&t);
            let (got, got_code, _) = api_error(session.api(method.clone(), path, body.clone()));
            assert_eq!(
                (got, got_code.as_str()),
                (status, code),
                "{method} {path} by {who}"
            );
            assert!(
                before == rows(&t),
                "{method} {path} by {who} changed nothing"
            );
        }
    }
    for (who, session, status) in [
        ("nobody", &nobody, 401),
        ("another study's owner", &outsider, 404),
    ] {
        for path in ["/comments", "/plan", "/plan/preview/P001"] {
            let r = session.api(reqwest::Method::GET, path, None);
            assert_eq!(r.status().as_u16(), status, "GET {path} by {who}");
        }
    }
    assert_eq!(
        analyst.api_get("/comments")["round"],
        1,
        "an analyst reads comments"
    );

    // Bad bodies: the wrong content type, JSON that does not fit, an unknown decision.
    let before = rows(&t);
    let r = researcher
        .client
        .post(format!(
            "{}/api/v1/studies/{SLUG}/comments/decisions",
            t.address
        ))
        .header("X-CSRF-Token", &researcher.csrf)
        .body("item=x")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send()
        .expect("answers");
    assert_eq!(api_error(r).0, 415);
    let r = researcher.api_post(
        "/comments/decisions",
        json!({"item": item, "panellist": "P001", "decision": "publish"}),
    );
    assert_eq!(api_error(r).0, 422);
    let r = researcher.api_post(
        "/plan/changes",
        json!({"kind": "drop", "code": f.codes[3], "reason": ""}),
    );
    assert_eq!(
        api_error(r),
        (422, "invalid_input".to_owned(), Some("reason".to_owned()))
    );
    assert!(before == rows(&t), "bad bodies change nothing");

    let view = researcher.api_get("/comments");
    assert_eq!(view["total"], 6);
    let r = researcher.api_post("/comments/decisions", release);
    assert_eq!(r.status().as_u16(), 200);
    let edit =
        json!({"item": item, "panellist": "P002", "decision": "edit", "text": "Edited words"});
    assert_eq!(
        researcher
            .api_post("/comments/decisions", edit)
            .status()
            .as_u16(),
        200
    );
    let r = researcher.api_post(&items_path, json!({"decision": "released"}));
    assert_eq!(r.json::<Value>().expect("JSON")["decided"], 6);

    let r = researcher.api_post("/plan/changes", drop);
    let plan: Value = r.json().expect("JSON");
    assert_eq!(plan["summary"]["dropped"], 1, "{plan}");
    let add = json!({"kind": "add", "code": "N9", "section": "Patient level", "text": "New", "reason": "From a comment", "from_item": item, "from_panellist": "P003"});
    let plan: Value = researcher
        .api_post("/plan/changes", add)
        .json()
        .expect("JSON");
    assert_eq!(
        plan["added"][0]["from_comment"],
        format!("{item}, comment by P003")
    );
    let r = researcher.api(reqwest::Method::DELETE, "/plan/changes/N9", None);
    assert_eq!(r.json::<Value>().expect("JSON")["added"], json!([]));
    let page = researcher.api_get("/plan/preview/P001");
    assert!(page.to_string().contains("Edited words"), "{page}");
    let r = researcher.api_post("/plan/open", json!({"deadline": "2031-02-01"}));
    let opened: Value = r.json().expect("JSON");
    assert_eq!(opened["round"], 2, "{opened}");

    // Round 2 is open: planning, moderating round 1 and completing are refused.
    for (path, body) in [
        (
            "/plan/changes",
            json!({"kind": "drop", "code": f.codes[0], "reason": "x"}),
        ),
        ("/plan/open", json!({})),
        (
            "/comments/decisions",
            json!({"item": item, "panellist": "P003", "decision": "release"}),
        ),
        ("/complete", json!({"reason": "done"})),
    ] {
        let before = rows(&t);
        let (status, code, _) = api_error(researcher.api_post(path, body));
        assert_eq!(
            (status, code.as_str()),
            (409, "conflict"),
            "{path} while round 2 is open"
        );
        assert!(before == rows(&t));
    }
    assert!(researcher.api_get("/plan")["blocked"].is_string());
    closing::close_round(&t.app, fixture::OPERATOR, SLUG).expect("round 2 closes");
    let r = researcher.api_post("/complete", json!({"reason": "Stable"}));
    assert_eq!(r.status().as_u16(), 200);
}
