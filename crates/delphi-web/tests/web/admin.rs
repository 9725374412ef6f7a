//! The researcher's pages: signing in (password, CSRF, session cookie), who sees which study,
//! the dashboard (rounds, email, panellists) and its actions (remind, send again), and what
//! an analyst may not do.

use delphi_app::users;
use delphi_core::states::{MailKind, OutboxStatus, Role};
use reqwest::blocking::{Client, Response};
use reqwest::redirect::Policy;

use crate::fixture;
use crate::support::{location, TestApp};

const PASSWORD: &str = "correct horse battery staple";

/// A browser of the researcher pages: keeps cookies, does not follow redirects.
struct Browser<'a> {
    t: &'a TestApp,
    client: Client,
}

impl<'a> Browser<'a> {
    fn new(t: &'a TestApp) -> Self {
        Self {
            t,
            client: Client::builder()
                .redirect(Policy::none())
                .cookie_store(true)
                .build()
                .expect("a client"),
        }
    }

    fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.t.address))
            .send()
            .expect("GET answers")
    }

    fn page(&self, path: &str, status: u16) -> String {
        let response = self.get(path);
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.text().expect("a body")
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.t.address))
            .form(fields)
            .send()
            .expect("POST answers")
    }

    /// Signs in through the form; returns the dashboard's CSRF value.
    fn sign_in(&self, email: &str) -> String {
        let form = self.page("/admin/login", 200);
        let response = self.post(
            "/admin/login",
            &[
                ("csrf", &csrf_of(&form)),
                ("email", email),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(response.status().as_u16(), 303, "{email} signs in");
        assert_eq!(location(&response), "/admin");
        csrf_of(&self.page("/admin", 200))
    }
}

/// The CSRF value of the first form of a page.
fn csrf_of(html: &str) -> String {
    let start = html.find("name=csrf value=\"").expect("a CSRF field") + 17;
    html[start..].split('"').next().expect("a value").to_owned()
}

/// A study `adm` with round 1 open for six panellists, an owner, an analyst and an outsider;
/// of the six invitations two failed (one with markup in its error), four were sent.
fn arranged(t: &TestApp) -> (fixture::Fixture, Vec<String>) {
    for (email, name) in [
        ("owner@example.org", "Olive Owner"),
        ("analyst@example.org", "Ann Analyst"),
        ("outsider@example.org", "Otto Outsider"),
    ] {
        users::create_user(&t.app, fixture::OPERATOR, email, name, PASSWORD, false)
            .expect("a user");
    }
    let f = fixture::round_one(&t.app, "adm", 4, 6);
    let member =
        |email: &str, role| users::add_member(&t.app, fixture::OPERATOR, "adm", email, role);
    member("owner@example.org", Role::Owner).expect("owner");
    member("analyst@example.org", Role::Analyst).expect("analyst");
    let refused = "boss".parse::<Role>();
    assert!(
        refused.is_err_and(|e| e.to_string().contains("\"boss\"")),
        "an unknown role is refused by name"
    );
    let mut conn = t.app.conn().expect("a connection");
    let round = delphi_store::rounds::for_study(&mut conn, &f.study_id).expect("rounds")[0]
        .id
        .clone();
    let rows = delphi_store::outbox::for_round(&mut conn, &round).expect("outbox");
    assert_eq!(rows.len(), 6, "one invitation each");
    let mut failed = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        if index < 2 {
            let error = if index == 0 {
                "550 <b>mailbox</b> unavailable"
            } else {
                "timed out"
            };
            delphi_store::outbox::mark_failed(&mut conn, &row.id, error).expect("failed");
            failed.push(row.id.clone());
        } else {
            delphi_store::outbox::mark_sent(&mut conn, &row.id, delphi_store::now()).expect("sent");
        }
    }
    (f, failed)
}

#[test]
fn signing_in_takes_the_right_password_from_this_sites_form() {
    let t = TestApp::spawn();
    arranged(&t);
    let b = Browser::new(&t);
    let response = b.get("/admin");
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        location(&response),
        "/admin/login",
        "signed out: to the sign-in"
    );

    let form = b.page("/admin/login", 200);
    assert!(form.contains("<label for=email>Email</label>"), "{form}");
    let csrf = csrf_of(&form);
    let refused = b.post(
        "/admin/login",
        &[
            ("csrf", "forged"),
            ("email", "owner@example.org"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(refused.status().as_u16(), 403);
    assert!(refused
        .text()
        .expect("a body")
        .contains("this form has expired"));

    let form = b.page("/admin/login", 200);
    let wrong = b.post(
        "/admin/login",
        &[
            ("csrf", &csrf_of(&form)),
            ("email", "owner@example.org"),
            ("password", "not the password"),
        ],
    );
    assert_eq!(wrong.status().as_u16(), 403);
    let body = wrong.text().expect("a body");
    assert!(
        body.contains("the email or password is not right"),
        "{body}"
    );
    assert!(
        body.contains("value=\"owner@example.org\""),
        "the email is kept: {body}"
    );
    assert_ne!(csrf, csrf_of(&body), "every form gets its own value");

    let form = b.page("/admin/login", 200);
    let ok = b.post(
        "/admin/login",
        &[
            ("csrf", &csrf_of(&form)),
            ("email", "owner@example.org"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(ok.status().as_u16(), 303);
    let cookie = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("delphi_admin="))
        .expect("a session cookie")
        .to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    let studies = b.page("/admin", 200);
    assert!(studies.contains("href=\"/admin/studies/adm\""), "{studies}");
    assert!(
        studies.contains("round 1 open: 0 of 6 submitted"),
        "{studies}"
    );
    assert!(studies.contains("Olive Owner"), "the user is named");

    let dashboard_csrf = csrf_of(&studies);
    let response = b.post("/admin/logout", &[("csrf", "forged")]);
    assert_eq!(
        response.status().as_u16(),
        403,
        "signing out needs the form's value"
    );
    let response = b.post("/admin/logout", &[("csrf", &dashboard_csrf)]);
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(b.get("/admin").status().as_u16(), 303, "signed out");

    // A session cookie the server did not sign is no session.
    let forged = Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("a client")
        .get(format!("{}/admin", t.address))
        .header("Cookie", "delphi_admin=someone.99999999999.AAAA")
        .send()
        .expect("GET answers");
    assert_eq!(forged.status().as_u16(), 303);
}

#[test]
fn a_study_is_seen_only_by_its_members() {
    let t = TestApp::spawn();
    arranged(&t);
    let outsider = Browser::new(&t);
    outsider.sign_in("outsider@example.org");
    let list = outsider.page("/admin", 200);
    assert!(list.contains("You have no study yet"), "{list}");
    let hidden = outsider.page("/admin/studies/adm", 404);
    assert!(
        hidden.contains("there is no study &#x60;adm&#x60; you can open"),
        "{hidden}"
    );
    assert_eq!(
        outsider.page("/admin/studies/nothing", 404),
        hidden.replace("&#x60;adm&#x60;", "&#x60;nothing&#x60;"),
        "a study one may not read looks like one that does not exist"
    );
    let csrf = csrf_of(&list);
    let response = outsider.post("/admin/studies/adm/remind", &[("csrf", &csrf)]);
    assert_eq!(response.status().as_u16(), 404);
}

#[test]
fn the_dashboard_shows_rounds_email_and_panellists_and_acts_on_them() {
    let t = TestApp::spawn();
    let (_, failed) = arranged(&t);
    let owner = Browser::new(&t);
    owner.sign_in("owner@example.org");
    let page = owner.page("/admin/studies/adm", 200);
    for expected in [
        "<tr><th scope=row>1</th><td>open</td><td class=n>6</td><td class=n>0</td><td class=n>0 %</td></tr>",
        "<tr><th scope=row>Invitation</th><td class=n>0</td><td class=n>4</td><td class=n>2</td></tr>",
        "550 &lt;b&gt;mailbox&lt;/b&gt; unavailable",
        "timed out",
        "p0@example.org",
        "Remind everyone who has not submitted",
        "Send every failed message of round 1 again",
    ] {
        assert!(page.contains(expected), "{expected} in {page}");
    }
    assert!(!page.contains("<b>mailbox"), "the error text is escaped");
    assert_eq!(
        page.matches("name=message").count(),
        2,
        "a button per failed message"
    );
    let csrf = csrf_of(&page);

    let response = owner.post("/admin/studies/adm/remind", &[("csrf", "forged")]);
    assert_eq!(response.status().as_u16(), 403);
    let response = owner.post("/admin/studies/adm/remind", &[("csrf", &csrf)]);
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        location(&response),
        "/admin/studies/adm?done=reminded&n=6&m=0"
    );
    let page = owner.page(&location(&response), 200);
    assert!(page.contains("6 reminders queued; 0 who had"), "{page}");
    let again = owner.post("/admin/studies/adm/remind", &[("csrf", &csrf)]);
    assert_eq!(location(&again), "/admin/studies/adm?done=reminded&n=0&m=6");

    let response = owner.post(
        "/admin/studies/adm/retry",
        &[("csrf", &csrf), ("message", &failed[0])],
    );
    assert_eq!(location(&response), "/admin/studies/adm?done=retried");
    let response = owner.post(
        "/admin/studies/adm/retry",
        &[("csrf", &csrf), ("round", "1")],
    );
    assert_eq!(
        location(&response),
        "/admin/studies/adm?done=retried_round&n=1"
    );
    let page = owner.page("/admin/studies/adm", 200);
    assert_eq!(
        page.matches("name=message").count(),
        0,
        "nothing failed now"
    );
    assert!(page.contains("<tr><th scope=row>Invitation</th><td class=n>2</td><td class=n>4</td><td class=n>0</td></tr>"), "{page}");

    let response = owner.post(
        "/admin/studies/adm/retry",
        &[("csrf", &csrf), ("round", "one")],
    );
    assert_eq!(response.status().as_u16(), 422);
    assert!(response
        .text()
        .expect("a body")
        .contains("say which message"));

    // A message of another study cannot be reached through this one.
    let other = fixture::round_one(&t.app, "other", 2, 2);
    let mut conn = t.app.conn().expect("a connection");
    let other_round = delphi_store::rounds::for_study(&mut conn, &other.study_id).expect("rounds")
        [0]
    .id
    .clone();
    let theirs = delphi_store::outbox::for_round(&mut conn, &other_round).expect("outbox")[0]
        .id
        .clone();
    delphi_store::outbox::mark_failed(&mut conn, &theirs, "550").expect("failed");
    let response = owner.post(
        "/admin/studies/adm/retry",
        &[("csrf", &csrf), ("message", &theirs)],
    );
    assert_eq!(response.status().as_u16(), 404);
    let row = delphi_store::outbox::find(&mut conn, &theirs)
        .expect("find")
        .expect("a row");
    assert_eq!(row.status, OutboxStatus::Failed, "untouched");
}

#[test]
fn an_analyst_reads_pseudonyms_and_cannot_act() {
    let t = TestApp::spawn();
    arranged(&t);
    let analyst = Browser::new(&t);
    analyst.sign_in("analyst@example.org");
    let page = analyst.page("/admin/studies/adm", 200);
    assert!(
        page.contains("Your role in this study is read-only"),
        "{page}"
    );
    assert!(page.contains("<th scope=row>P001</th>"), "{page}");
    assert!(
        !page.contains("@example.org"),
        "no addresses for analysts: {page}"
    );
    assert!(!page.contains("Remind everyone"), "{page}");
    assert!(!page.contains("Send again"), "{page}");
    let csrf = csrf_of(&page);
    let response = analyst.post("/admin/studies/adm/remind", &[("csrf", &csrf)]);
    assert_eq!(response.status().as_u16(), 403);
    assert!(response
        .text()
        .expect("a body")
        .contains("your role in this study is read-only"));
}

#[test]
fn a_researcher_words_an_email_previews_it_tests_it_and_saves_it() {
    let t = TestApp::spawn();
    let (f, _) = arranged(&t);
    let owner = Browser::new(&t);
    owner.sign_in("owner@example.org");
    let dashboard = owner.page("/admin/studies/adm", 200);
    assert!(
        dashboard.contains("href=\"/admin/studies/adm/emails/reminder\""),
        "{dashboard}"
    );
    let page = owner.page("/admin/studies/adm/emails/reminder", 200);
    assert!(page.contains("uses the default wording"), "{page}");
    assert!(
        page.contains("<code>{{study_title}}</code>"),
        "the variables are listed: {page}"
    );
    assert!(page.contains("Preview of the wording in use"), "{page}");
    let csrf = csrf_of(&page);
    let path = "/admin/studies/adm/emails/reminder";

    let broken = owner.post(
        path,
        &[
            ("csrf", &csrf),
            ("action", "save"),
            ("subject", "Please finish round {{round_number}}"),
            ("body_text", "Dear {{name}}, {{colour}} <b>now</b>."),
        ],
    );
    assert_eq!(
        broken.status().as_u16(),
        422,
        "a draft that does not render is refused"
    );
    let body = broken.text().expect("a body");
    assert!(
        body.contains("the message does not work as a template"),
        "{body}"
    );
    assert!(body.contains("colour"), "the unknown word is named: {body}");
    assert!(
        body.contains("Dear {{name}}, {{colour}} &lt;b&gt;now&lt;/b&gt;.</textarea>"),
        "the draft stays in the form, escaped: {body}"
    );

    let draft = [
        ("csrf", csrf.as_str()),
        ("action", "preview"),
        (
            "subject",
            "Please finish round {{round_number}} of {{study_title}}",
        ),
        (
            "body_text",
            "Dear {{name}},\r\nthere is still time to rate: {{link}}\r\n",
        ),
    ];
    let preview = owner.post(path, &draft);
    assert_eq!(preview.status().as_u16(), 200);
    let body = preview.text().expect("a body");
    assert!(body.contains("Preview of your draft"), "{body}");
    assert!(
        body.contains("<strong>Subject:</strong> Please finish round 1 of Leadership"),
        "{body}"
    );

    assert!(
        body.contains("there is still time to rate: http://delphi.test/p/"),
        "{body}"
    );
    let mut unlinked = draft;
    unlinked[3] = ("body_text", "Dear {{name}}, there is still time.");
    let refused = owner.post(path, &unlinked);
    assert_eq!(refused.status().as_u16(), 422);
    assert!(refused
        .text()
        .expect("a body")
        .contains("the message must give the panellist&#x27;s personal link"));

    let mut test = draft;
    test[1] = ("action", "test");
    let response = owner.post(path, &test);
    assert_eq!(location(&response), format!("{path}?done=tested"));
    let mut conn = t.app.conn().expect("a connection");
    let tests = delphi_store::outbox::facts_for_study(&mut conn, &f.study_id)
        .expect("facts")
        .into_iter()
        .filter(|m| {
            m.kind == MailKind::Reminder && m.panellist_id.is_none() && m.round_id.is_none()
        })
        .count();
    assert_eq!(tests, 1, "one test message queued, through the outbox");

    let mut save = draft;
    save[1] = ("action", "save");
    let response = owner.post(path, &save);
    assert_eq!(location(&response), format!("{path}?done=saved"));
    let page = owner.page(&location(&response), 200);
    assert!(page.contains("This study uses its own wording"), "{page}");
    assert!(page.contains("value=\"Please finish round {{round_number}} of {{study_title}}\""));
    let reset = owner.post(path, &[("csrf", &csrf), ("action", "reset")]);
    assert_eq!(location(&reset), format!("{path}?done=reset"));
    assert!(owner.page(path, 200).contains("uses the default wording"));

    let analyst = Browser::new(&t);
    analyst.sign_in("analyst@example.org");
    let refused = analyst.page(path, 403);
    assert!(refused.contains("read-only"), "{refused}");
    let unknown = owner.page("/admin/studies/adm/emails/postcard", 422);
    assert!(unknown.contains("there is no email kind"), "{unknown}");
}
