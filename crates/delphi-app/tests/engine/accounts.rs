//! One-time account links: a new member chooses a first password from the emailed link and
//! is signed in; a forgotten password is reset by a link that ends every other session; a
//! used, expired, unknown or malformed link is refused the same way; a weak password is
//! refused naming the field; a reset for an unknown address writes nothing. On every backend.

use chrono::Duration;
use delphi_app::accounts::{self, mail, redeem, reset};
use delphi_app::setup::members::{self, Added, NewMember};
use delphi_app::{sessions, users, Actor, App, AppError};
use delphi_core::states::{AccountLinkPurpose, MailKind, Role};
use delphi_store::outbox::{self, OutboxRow};
use delphi_store::testing::{age_account_links, snapshot};

use crate::support::*;

const PASSWORD: &str = "correct horse battery staple";
const NEW: &str = "a brand new passphrase";

fn mail_to(app: &App, address: &str) -> Vec<OutboxRow> {
    let mut conn = app.conn().expect("test setup");
    outbox::for_recipient(&mut conn, address).expect("test setup")
}

/// The link the worker would write into the message (unsealed the same way), and its token.
fn link_of(app: &App, row: &OutboxRow) -> Result<(String, String), String> {
    let mut conn = app.conn().expect("test setup");
    let context = serde_json::from_str(&row.context).expect("test setup");
    let vars = mail::variables(app, &mut conn, row, &context)?;
    let token = vars.link.rsplit('/').next().expect("test setup").to_owned();
    Ok((vars.link, token))
}

/// A study `slug` owned by a login of `email`.
fn owned_study(app: &App, slug: &str, email: &str) -> Actor {
    let owner = users::create_user(app, &Actor::Operator, email, "Olu Owner", PASSWORD, false)
        .expect("test setup");
    import(app, &small(slug));
    users::add_member(app, &Actor::Operator, slug, email, Role::Owner).expect("test setup");
    Actor::User(owner.id)
}

/// Asserts `attempt` is the one refusal of a dead link and changed nothing.
fn refused_alike(app: &App, case: &str, attempt: impl FnOnce() -> Result<(), AppError>) {
    let mut conn = app.conn().expect("test setup");
    let before = snapshot(&mut conn).expect("test setup");
    match attempt() {
        Err(AppError::NotFound(message)) => assert_eq!(message, accounts::LINK_REFUSED, "{case}"),
        other => panic!("{case}: {other:?}"),
    }
    assert_eq!(
        snapshot(&mut conn).expect("test setup"),
        before,
        "{case}: nothing changed"
    );
}

#[test]
fn a_new_member_chooses_a_password_from_the_emailed_link_and_is_signed_in() {
    on_each_backend(|app| {
        let owner = owned_study(app, "acc", "owner@example.org");
        let new = NewMember {
            email: "Nia.New@Example.ORG",
            name: "Nia <b>New</b>",
            role: Role::Researcher,
        };
        assert_eq!(
            members::add(app, &owner, "acc", &new).unwrap(),
            Added::NewLogin
        );
        let address = "Nia.New@example.org";
        let sent = mail_to(app, address);
        assert_eq!(sent.len(), 1, "one email");
        assert_eq!(sent[0].kind, MailKind::AccountInvitation);
        assert!(sent[0].study_id.is_some(), "the study's team and Reply-To");
        let (link, token) = link_of(app, &sent[0]).unwrap();
        assert!(
            link.starts_with("http://delphi.test/admin/set-password/"),
            "{link}"
        );
        assert!(accounts::looks_like_token(&token), "256 bits, base64url");
        assert!(
            !sent[0].context.contains(&token),
            "the outbox never holds the token"
        );
        {
            let mut conn = app.conn().unwrap();
            let stored = format!("{:?}", snapshot(&mut conn).unwrap());
            assert!(
                !stored.contains(&token),
                "only the hash and the sealed token are stored"
            );
        }
        // No password works before one is chosen (not even the empty one or the marker).
        for guess in ["", "!", PASSWORD] {
            assert!(sessions::sign_in(app, address, guess).is_err(), "{guess:?}");
        }
        let view = redeem::view(app, &token).unwrap();
        assert_eq!(view.purpose, AccountLinkPurpose::SetPassword);
        assert_eq!(view.email, address);
        assert_eq!(
            view.name, "Nia <b>New</b>",
            "stored as typed; pages escape it"
        );

        // A weak or mistyped password: refused naming the field, nothing changed, link kept.
        for (case, new, repeat, field, words) in [
            (
                "too short",
                "short",
                "short",
                "new",
                "at least 12 characters",
            ),
            (
                "mistyped",
                NEW,
                "a brand new passphrasf",
                "repeat",
                "differ",
            ),
        ] {
            let mut conn = app.conn().unwrap();
            let before = snapshot(&mut conn).unwrap();
            let error = redeem::choose_password(app, &token, new, repeat).unwrap_err();
            assert_eq!(error.field(), Some(field), "{case}");
            assert!(error.to_string().contains(words), "{case}: {error}");
            assert_eq!(
                snapshot(&mut conn).unwrap(),
                before,
                "{case}: nothing changed"
            );
        }
        let session = redeem::choose_password(app, &token, NEW, NEW).unwrap();
        assert_eq!(session.user.email, address);
        let me = sessions::resolve(app, &session.id)
            .unwrap()
            .expect("signed in");
        assert_eq!(
            delphi_app::setup::items::list(app, &Actor::User(me.id), "acc")
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Ok(()),
            "a researcher of the study"
        );
        assert!(sessions::sign_in(app, address, NEW).is_ok());

        // Used: the same refusal as an unknown or malformed link, for the page and the form.
        let unknown = "A".repeat(43);
        for (case, t) in [
            ("used", token.as_str()),
            ("unknown", &unknown),
            ("malformed", "x/../y"),
        ] {
            refused_alike(app, case, || redeem::view(app, t).map(drop));
            refused_alike(app, case, || {
                redeem::choose_password(app, t, NEW, NEW).map(drop)
            });
        }
        assert!(
            link_of(app, &sent[0])
                .unwrap_err()
                .contains("used or has expired"),
            "a used link is never mailed"
        );

        // An existing login is told it was added; a role change sends nothing.
        users::create_user(
            app,
            &Actor::Operator,
            "old@example.org",
            "Old",
            PASSWORD,
            false,
        )
        .unwrap();
        let old = NewMember {
            email: "old@example.org",
            name: "",
            role: Role::Analyst,
        };
        assert_eq!(
            members::add(app, &owner, "acc", &old).unwrap(),
            Added::ExistingLogin
        );
        let told = mail_to(app, "old@example.org");
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].kind, MailKind::MemberAdded);
        assert_eq!(
            link_of(app, &told[0]).unwrap().0,
            "http://delphi.test/admin/login"
        );
        let promoted = NewMember {
            role: Role::Researcher,
            ..old
        };
        assert_eq!(
            members::add(app, &owner, "acc", &promoted).unwrap(),
            Added::RoleChanged
        );
        assert_eq!(mail_to(app, "old@example.org").len(), 1, "no second email");

        // Only owners add members; a bad address or name is named.
        let colleague = Actor::User(me_id(app, address));
        let other = NewMember {
            email: "x@example.org",
            ..new
        };
        assert!(matches!(
            members::add(app, &colleague, "acc", &other),
            Err(AppError::Refused(_))
        ));
        for (case, email, name, field) in [
            ("no @", "not-an-address", "", "email"),
            ("bidi name", "y@example.org", "a\u{202E}b", "name"),
        ] {
            let m = NewMember {
                email,
                name,
                role: Role::Analyst,
            };
            let error = members::add(app, &owner, "acc", &m).unwrap_err();
            assert_eq!(error.field(), Some(field), "{case}: {error}");
        }
    });
}

fn me_id(app: &App, email: &str) -> String {
    let mut conn = app.conn().expect("the login");
    delphi_store::users::find_by_email(&mut conn, email)
        .expect("the login")
        .expect("the login")
        .id
}

#[test]
fn a_first_password_link_expires_and_adding_again_sends_a_fresh_one() {
    on_each_backend(|app| {
        let owner = owned_study(app, "late", "owner@example.org");
        let new = NewMember {
            email: "late@example.org",
            name: "Lee Late",
            role: Role::Analyst,
        };
        members::add(app, &owner, "late", &new).unwrap();
        let (_, token) = link_of(app, &mail_to(app, "late@example.org")[0]).unwrap();
        let mut conn = app.conn().unwrap();
        age_account_links(
            &mut conn,
            Duration::days(accounts::SET_PASSWORD_DAYS) + Duration::minutes(1),
        )
        .unwrap();
        drop(conn);
        refused_alike(app, "expired", || redeem::view(app, &token).map(drop));
        refused_alike(app, "expired", || {
            redeem::choose_password(app, &token, NEW, NEW).map(drop)
        });
        assert!(
            link_of(app, &mail_to(app, "late@example.org")[0]).is_err(),
            "not mailed late"
        );
        // The owner adds them again (they are a member with no password yet): a fresh link.
        let again = NewMember {
            role: Role::Researcher,
            ..new
        };
        assert_eq!(
            members::add(app, &owner, "late", &again).unwrap(),
            Added::RoleChanged
        );
        members::remove(app, &owner, "late", "late@example.org").unwrap();
        assert_eq!(
            members::add(app, &owner, "late", &again).unwrap(),
            Added::LinkSentAgain
        );
        let sent = mail_to(app, "late@example.org");
        assert_eq!(sent.len(), 2);
        let (_, fresh) = link_of(app, &sent[1]).unwrap();
        assert!(redeem::choose_password(app, &fresh, NEW, NEW).is_ok());
    });
}

#[test]
fn a_forgotten_password_is_reset_by_a_link_that_ends_every_other_session() {
    on_each_backend(|app| {
        users::create_user(
            app,
            &Actor::Operator,
            "r@example.org",
            "Rae",
            PASSWORD,
            false,
        )
        .unwrap();
        let (a, b) = (
            sessions::sign_in(app, "r@example.org", PASSWORD).unwrap(),
            sessions::sign_in(app, "r@example.org", PASSWORD).unwrap(),
        );
        // An unknown address answers the same and writes nothing; a non-address is named.
        let mut conn = app.conn().unwrap();
        let before = snapshot(&mut conn).unwrap();
        assert!(reset::request(app, "nobody@example.org").is_ok());
        assert_eq!(
            snapshot(&mut conn).unwrap(),
            before,
            "nothing written, nothing sent"
        );
        let error = reset::request(app, "nobody").unwrap_err();
        assert_eq!(error.field(), Some("email"));
        drop(conn);

        reset::request(app, " r@EXAMPLE.org ").unwrap();
        let sent = mail_to(app, "r@example.org");
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].kind, MailKind::PasswordReset);
        assert_eq!(sent[0].study_id, None);
        let (_, token) = link_of(app, &sent[0]).unwrap();
        assert_eq!(
            redeem::view(app, &token).unwrap().purpose,
            AccountLinkPurpose::ResetPassword
        );
        let weak = redeem::choose_password(app, &token, "password", "password").unwrap_err();
        assert_eq!(weak.field(), Some("new")); // not-a-state: a form field
        assert!(
            sessions::resolve(app, &a.id).unwrap().is_some(),
            "a refusal ends nothing"
        );

        let c = redeem::choose_password(app, &token, NEW, NEW).unwrap();
        for old in [&a.id, &b.id] {
            assert_eq!(
                sessions::resolve(app, old).unwrap(),
                None,
                "every other session ended"
            );
        }
        assert!(
            sessions::resolve(app, &c.id).unwrap().is_some(),
            "this browser is signed in"
        );
        assert!(
            sessions::sign_in(app, "r@example.org", PASSWORD).is_err(),
            "old password"
        );
        assert!(sessions::sign_in(app, "r@example.org", NEW).is_ok());
        refused_alike(app, "reused", || {
            redeem::choose_password(app, &token, NEW, NEW).map(drop)
        });

        // At most RESETS_PER_HOUR links an hour, whatever is asked; the answer stays the same.
        for _ in 0..5 {
            reset::request(app, "r@example.org").unwrap();
        }
        let cap = usize::try_from(accounts::RESETS_PER_HOUR).unwrap();
        assert_eq!(mail_to(app, "r@example.org").len(), cap);

        // A reset link works for an hour only.
        let (_, late) = link_of(app, mail_to(app, "r@example.org").last().unwrap()).unwrap();
        let mut conn = app.conn().unwrap();
        age_account_links(
            &mut conn,
            Duration::hours(accounts::RESET_HOURS) + Duration::minutes(1),
        )
        .unwrap();
        drop(conn);
        refused_alike(app, "expired reset", || redeem::view(app, &late).map(drop));
        // An hour on, the cap counts afresh.
        reset::request(app, "r@example.org").unwrap();
        assert_eq!(mail_to(app, "r@example.org").len(), cap + 1);
    });
}
