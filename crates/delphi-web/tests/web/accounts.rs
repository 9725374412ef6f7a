//! One-time account links over HTTP: an owner adds a member by email, who follows the
//! emailed link, sets a password and is signed in; "Forgot your password?" answers the same
//! for every address and its link ends every other session; a used, expired or unknown link
//! gets the same 404 page; a weak password is refused with a clear message; the forms share
//! the sign-in's rate limit. On every backend.

use delphi_core::states::{MailKind, Role};
use delphi_store::outbox::{self, OutboxRow};
use delphi_store::testing::{age_account_links, TestDb};
use delphi_web::{Limit, RateLimits, WebOptions};
use reqwest::Method;

use crate::callers::{csrf_of, user, with_cookie, Browser};
use crate::fixture;
use crate::support::{location, TestApp};

const NEW: &str = "a brand new passphrase";

fn mail_to(t: &TestApp, address: &str) -> Vec<OutboxRow> {
    let mut conn = t.app.conn().expect("a connection");
    outbox::for_recipient(&mut conn, address).expect("the outbox")
}

/// The path of the link the mail worker writes into `row` (unsealed the same way).
fn link_path(t: &TestApp, row: &OutboxRow) -> String {
    let mut conn = t.app.conn().expect("a connection");
    let context = serde_json::from_str(&row.context).expect("JSON");
    let vars = delphi_app::accounts::mail::variables(&t.app, &mut conn, row, &context)
        .expect("a link to send");
    vars.link
        .strip_prefix("http://delphi.test")
        .expect("the site's address")
        .to_owned()
}

/// GET and POST of a dead link (with the link's own CSRF value, as its page carried): the
/// same 404 page, nothing changed.
fn assert_dead(t: &TestApp, browser: &Browser<'_>, path: &str, why: &str) -> String {
    let token = path.rsplit('/').next().expect("a token");
    let csrf = delphi_web::account_link_csrf(&t.app.secret, token);
    let csrf = csrf.as_str();
    let page = browser.get(path);
    assert_eq!(page.status().as_u16(), 404, "{why}: the page");
    let body = page.text().expect("a body");
    assert!(body.contains("This link does not work"), "{why}: {body}");
    let before = t.snapshot();
    let posted = browser.post(path, &[("csrf", csrf), ("new", NEW), ("repeat", NEW)]);
    assert_eq!(posted.status().as_u16(), 404, "{why}: the form");
    assert_eq!(
        posted.text().expect("a body"),
        body,
        "{why}: one page for every dead link"
    );
    assert_eq!(t.snapshot(), before, "{why}: nothing changed");
    body
}

#[test]
fn an_added_member_sets_a_password_from_the_emailed_link_and_is_signed_in() {
    for db in TestDb::all() {
        let t = TestApp::spawn_on(db);
        fixture::round_one(&t.app, "acc", 2, 3);
        user(&t, "owner@example.org", "Olive Owner");
        delphi_app::users::add_member(
            &t.app,
            fixture::OPERATOR,
            "acc",
            "owner@example.org",
            Role::Owner,
        )
        .expect("owner");
        let owner = Browser::signed_in(&t, "owner@example.org");
        let added = owner.post(
            "/admin/studies/acc/members",
            &[
                ("csrf", &owner.csrf),
                ("action", "add"),
                ("email", "nia@example.org"),
                ("name", "Nia <script>New</script>"),
                ("role", "researcher"),
            ],
        );
        assert_eq!(added.status().as_u16(), 303, "{}", t.backend());
        let page = owner.text(&location(&added));
        assert!(
            page.contains("emailed a link to choose their password"),
            "{page}"
        );
        assert!(
            page.contains("Nia &lt;script&gt;New&lt;/script&gt;"),
            "escaped: {page}"
        );
        let sent = mail_to(&t, "nia@example.org");
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].kind, MailKind::AccountInvitation);
        let path = link_path(&t, &sent[0]);
        assert!(path.starts_with("/admin/set-password/"), "{path}");

        let nia = Browser::new(&t);
        let form = nia.get(&path);
        assert_eq!(form.status().as_u16(), 200);
        let form = form.text().expect("a body");
        assert!(form.contains("Choose your password") && form.contains("nia@example.org"));
        let csrf = csrf_of(&form);
        // A weak password: refused, saying why, nothing changed.
        let before = t.snapshot();
        let weak = nia.post(
            &path,
            &[("csrf", &csrf), ("new", "short"), ("repeat", "short")],
        );
        assert_eq!(weak.status().as_u16(), 422);
        assert!(weak
            .text()
            .expect("a body")
            .contains("at least 12 characters"));
        assert_eq!(t.snapshot(), before, "a weak password changes nothing");
        // Another page's CSRF value is refused.
        let forged = nia.post(
            &path,
            &[("csrf", &owner.csrf), ("new", NEW), ("repeat", NEW)],
        );
        assert_eq!(forged.status().as_u16(), 403);
        assert_eq!(t.snapshot(), before, "a forged form changes nothing");

        let set = nia.post(&path, &[("csrf", &csrf), ("new", NEW), ("repeat", NEW)]);
        assert_eq!(set.status().as_u16(), 303);
        assert_eq!(location(&set), "/admin");
        let studies = nia.get("/admin");
        assert_eq!(studies.status().as_u16(), 200, "signed in");
        assert!(studies
            .text()
            .expect("a body")
            .contains("/admin/studies/acc"));
        let mut again = Browser::new(&t);
        again.sign_in("nia@example.org", NEW);

        // Used, unknown, malformed, expired: the same page and status.
        assert_eq!(
            csrf,
            delphi_web::account_link_csrf(&t.app.secret, path.rsplit('/').next().unwrap())
        );
        let used = assert_dead(&t, &nia, &path, "used");
        let unknown = format!("/admin/set-password/{}", "A".repeat(43));
        assert_eq!(assert_dead(&t, &nia, &unknown, "unknown"), used);
        assert_eq!(
            assert_dead(&t, &nia, "/admin/set-password/short", "malformed"),
            used
        );
        let later = owner.post(
            "/admin/studies/acc/members",
            &[
                ("csrf", &owner.csrf),
                ("action", "add"),
                ("email", "late@example.org"),
                ("role", "analyst"),
            ],
        );
        assert_eq!(later.status().as_u16(), 303);
        let late = link_path(&t, &mail_to(&t, "late@example.org")[0]);
        {
            let mut conn = t.app.conn().expect("a connection");
            age_account_links(&mut conn, chrono::Duration::days(8)).expect("aged");
        }
        assert_eq!(assert_dead(&t, &Browser::new(&t), &late, "expired"), used);
    }
}

#[test]
fn a_forgotten_password_is_reset_by_email_and_every_other_session_ends() {
    for db in TestDb::all() {
        let t = TestApp::spawn_on(db);
        fixture::round_one(&t.app, "rst", 2, 3);
        user(&t, "rae@example.org", "Rae");
        delphi_app::users::add_member(
            &t.app,
            fixture::OPERATOR,
            "rst",
            "rae@example.org",
            Role::Researcher,
        )
        .expect("member");
        let (a, b) = (
            Browser::signed_in(&t, "rae@example.org"),
            Browser::signed_in(&t, "rae@example.org"),
        );
        let me = Browser::new(&t);
        assert!(me
            .text("/admin/login")
            .contains("href=/admin/forgot-password"));
        let ask = |address: &str| {
            let csrf = csrf_of(&me.text("/admin/forgot-password"));
            let answer = me.post(
                "/admin/forgot-password",
                &[("csrf", &csrf), ("email", address)],
            );
            (answer.status().as_u16(), answer.text().expect("a body"))
        };
        // An unknown address: the same answer as a known one, and nothing written or sent.
        let before = t.snapshot();
        let unknown = ask("nobody@example.org");
        assert_eq!(
            t.snapshot(),
            before,
            "nothing written for an unknown address"
        );
        let known = ask("rae@example.org");
        assert_eq!(unknown, known, "the answer does not tell who has a login");
        assert_eq!(known.0, 200);
        assert!(
            known.1.contains("If an account exists for that address"),
            "{}",
            known.1
        );
        let (status, body) = ask("not an address");
        assert_eq!(status, 422);
        assert!(body.contains("not an email address"), "{body}");

        let sent = mail_to(&t, "rae@example.org");
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].kind, MailKind::PasswordReset);
        let path = link_path(&t, &sent[0]);
        let form = me.text(&path);
        assert!(form.contains("Choose a new password"), "{form}");
        let csrf = csrf_of(&form);
        let set = me.post(&path, &[("csrf", &csrf), ("new", NEW), ("repeat", NEW)]);
        assert_eq!(set.status().as_u16(), 303);
        assert_eq!(me.get("/admin").status().as_u16(), 200, "signed in here");
        for (other, why) in [(&a, "first"), (&b, "second")] {
            let page = with_cookie(&t, Method::GET, "/admin", &other.session)
                .send()
                .expect("GET");
            assert_eq!(page.status().as_u16(), 303, "the {why} other session ended");
        }
        assert_dead(&t, &me, &path, "reused reset link");
    }
}

#[test]
fn the_forms_share_the_sign_in_rate_limit() {
    let tight = Limit {
        per_second: 1,
        burst: 3,
    };
    let t = TestApp::spawn_with(WebOptions {
        limits: RateLimits {
            sign_in: tight,
            ..RateLimits::default()
        },
        workers: 1,
        ..WebOptions::default()
    });
    let status = |path: &str| {
        t.client
            .get(format!("{}{path}", t.address))
            .send()
            .expect("an answer")
            .status()
            .as_u16()
    };
    let forgot: Vec<u16> = (0..5).map(|_| status("/admin/forgot-password")).collect();
    assert_eq!(&forgot[..3], &[200; 3], "{forgot:?}");
    assert_eq!(forgot[4], 429, "{forgot:?}");
    assert_eq!(status("/admin/login"), 429, "one bucket with the sign-in");
    assert_eq!(
        status(&format!("/admin/set-password/{}", "A".repeat(43))),
        429
    );
    assert_eq!(
        status("/p/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        404,
        "pages are not limited"
    );
}
