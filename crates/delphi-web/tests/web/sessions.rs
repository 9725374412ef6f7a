//! Sessions end on the server: a cookie kept after signing out, after a password change
//! elsewhere, after "sign out everywhere" or past its expiry opens no page and performs no
//! action. On every backend.

use delphi_core::states::Role;
use delphi_store::testing::TestDb;
use reqwest::Method;

use crate::callers::{user, with_cookie, Browser, PASSWORD};
use crate::fixture;
use crate::support::{location, TestApp};

/// A study `sess` (round 1 open) owned by `owner@example.org`.
fn arranged(t: &TestApp) {
    fixture::round_one(&t.app, "sess", 2, 3);
    user(t, "owner@example.org", "Olive Owner");
    delphi_app::users::add_member(
        &t.app,
        fixture::OPERATOR,
        "sess",
        "owner@example.org",
        Role::Owner,
    )
    .expect("owner");
}

/// Whether the cookie `session` is refused: a page and an action (with the CSRF value the
/// session's pages carried) both go to the sign-in page, and the action changes nothing.
fn assert_refused(t: &TestApp, session: &str, csrf: &str, why: &str) {
    let page = with_cookie(t, Method::GET, "/admin/studies/sess", session)
        .send()
        .expect("GET");
    assert_eq!(page.status().as_u16(), 303, "{why}: the page");
    assert_eq!(location(&page), "/admin/login", "{why}");
    let before = t.snapshot();
    let action = with_cookie(t, Method::POST, "/admin/studies/sess/remind", session)
        .form(&[("csrf", csrf)])
        .send()
        .expect("POST");
    assert_eq!(action.status().as_u16(), 303, "{why}: the action");
    assert_eq!(location(&action), "/admin/login", "{why}");
    assert_eq!(t.snapshot(), before, "{why}: nothing changed");
}

fn assert_live(t: &TestApp, session: &str, why: &str) {
    let page = with_cookie(t, Method::GET, "/admin/studies/sess", session)
        .send()
        .expect("GET");
    assert_eq!(page.status().as_u16(), 200, "{why}");
}

#[test]
fn a_cookie_kept_after_signing_out_is_refused_on_pages_and_actions() {
    for db in TestDb::all() {
        let t = TestApp::spawn_on(db);
        arranged(&t);
        let b = Browser::signed_in(&t, "owner@example.org");
        let (kept, csrf) = (b.session.clone(), b.csrf.clone());
        assert_live(&t, &kept, "before signing out");
        let out = b.post("/admin/logout", &[("csrf", &csrf)]);
        assert_eq!(out.status().as_u16(), 303);
        assert_refused(&t, &kept, &csrf, "after signing out");
        // The id stored is a hash: the cookie's value appears nowhere in the database.
        let stored = format!("{:?}", t.snapshot());
        assert!(!stored.contains(&kept), "{}", t.backend());
    }
}

#[test]
fn changing_the_password_ends_every_other_session() {
    for db in TestDb::all() {
        let t = TestApp::spawn_on(db);
        arranged(&t);
        let here = Browser::signed_in(&t, "owner@example.org");
        let elsewhere = Browser::signed_in(&t, "owner@example.org");
        assert!(here
            .text("/admin/account")
            .contains("signed in on 2 browsers or devices"));
        let change = |current: &str, new: &str, repeat: &str| {
            here.post(
                "/admin/account/password",
                &[
                    ("csrf", &here.csrf),
                    ("current", current),
                    ("new", new),
                    ("repeat", repeat),
                ],
            )
        };
        let new = "a new and longer passphrase";
        let before = t.snapshot();
        for (current, new, repeat, words) in [
            ("wrong password", new, new, "current password is not right"),
            (PASSWORD, "short", "short", "at least 12 characters"),
            (PASSWORD, new, "something else", "differ"),
        ] {
            let refused = change(current, new, repeat);
            assert_eq!(refused.status().as_u16(), 422, "{words}");
            let body = refused.text().expect("a page");
            assert!(body.contains(words), "{words}: {body}");
        }
        assert_eq!(t.snapshot(), before, "a refused change changes nothing");
        let changed = change(PASSWORD, new, new);
        assert_eq!(changed.status().as_u16(), 303);
        assert_eq!(location(&changed), "/admin/account?done=password&n=1");
        assert!(here
            .text("/admin/account?done=password&n=1")
            .contains("1 other sign-in ended"));
        assert_live(&t, &here.session, "the session that changed it stays");
        assert_refused(&t, &elsewhere.session, &elsewhere.csrf, "the other session");
        let mut again = Browser::new(&t);
        again.sign_in("owner@example.org", new);
        let login = Browser::new(&t).text("/admin/login");
        let old = Browser::new(&t).post(
            "/admin/login",
            &[
                ("csrf", &crate::callers::csrf_of(&login)),
                ("email", "owner@example.org"),
                ("password", PASSWORD),
            ],
        );
        assert_ne!(
            old.status().as_u16(),
            303,
            "the old password no longer works"
        );
    }
}

#[test]
fn signing_out_everywhere_ends_every_session() {
    for db in TestDb::all() {
        let t = TestApp::spawn_on(db);
        arranged(&t);
        let here = Browser::signed_in(&t, "owner@example.org");
        let elsewhere = Browser::signed_in(&t, "owner@example.org");
        let out = here.post(
            "/admin/account/sign-out-everywhere",
            &[("csrf", &here.csrf)],
        );
        assert_eq!(out.status().as_u16(), 303);
        assert_eq!(location(&out), "/admin/login");
        assert_refused(&t, &here.session, &here.csrf, "this session");
        assert_refused(&t, &elsewhere.session, &elsewhere.csrf, "the other session");
    }
}

#[test]
fn the_server_enforces_the_expiry() {
    for db in TestDb::all() {
        let t = TestApp::spawn_on(db);
        arranged(&t);
        let owner = delphi_app::users::verify_login(&t.app, "owner@example.org", PASSWORD)
            .expect("the owner");
        let mut conn = t.app.conn().expect("a connection");
        let now = delphi_store::now();
        for (id, hours) in [("E".repeat(43), -1), ("L".repeat(43), 1)] {
            delphi_store::sessions::insert(
                &mut conn,
                &delphi_store::sessions::SessionRow {
                    id_hash: delphi_app::tokens::hash(&id),
                    user_id: owner.id.clone(),
                    created_at: now - chrono::Duration::hours(12),
                    expires_at: now + chrono::Duration::hours(hours),
                },
            )
            .expect("a session");
        }
        assert_live(&t, &"L".repeat(43), "a live session");
        let csrf = delphi_web::admin_csrf(&t.app.secret, &"E".repeat(43));
        assert_refused(&t, &"E".repeat(43), &csrf, "an expired session");
        assert_refused(&t, "forged", "x", "a made-up cookie");
    }
}
