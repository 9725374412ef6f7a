//! Researchers' sessions held on the server: a session ends when signed out, after a
//! password change elsewhere, everywhere at once, or with its login; only the callers they
//! belong to may change them.

use delphi_app::sessions::{self, PasswordChange};
use delphi_app::{users, Actor, AppError, Refusal};

use crate::support::*;

const PASSWORD: &str = "correct horse battery staple";

#[test]
fn sessions_end_on_sign_out_password_change_and_sign_out_everywhere() {
    on_each_backend(|app| {
        let user = users::create_user(app, &Actor::Operator, "r@example.org", "R", PASSWORD, false)
            .unwrap();
        let me = Actor::User(user.id.clone());
        let wrong = sessions::sign_in(app, "r@example.org", "not the password");
        assert!(matches!(wrong, Err(AppError::Forbidden(_))));
        let (a, b, c) = (
            sessions::sign_in(app, "r@example.org", PASSWORD).unwrap(),
            sessions::sign_in(app, "r@example.org", PASSWORD).unwrap(),
            sessions::sign_in(app, "r@example.org", PASSWORD).unwrap(),
        );
        assert_eq!(sessions::resolve(app, &a.id).unwrap(), Some(user.clone()));
        assert_eq!(sessions::count(app, &me).unwrap(), 3);
        sessions::sign_out(app, &c.id).unwrap();
        assert_eq!(sessions::resolve(app, &c.id).unwrap(), None, "signed out");
        sessions::sign_out(app, &c.id).unwrap();

        let change = |current, new, repeat| PasswordChange {
            session_id: &a.id,
            current,
            new,
            repeat,
        };
        let new = "another long passphrase";
        for (actor, refused) in [
            (Actor::Operator, Refusal::WrongCaller),
            (Actor::Anonymous, Refusal::NotSignedIn),
            (Actor::Panellist("x".into()), Refusal::WrongCaller),
        ] {
            let error = sessions::change_password(app, &actor, &change(PASSWORD, new, new));
            assert!(
                matches!(error, Err(AppError::Refused(r)) if r == refused),
                "{actor:?}"
            );
            let error = sessions::sign_out_everywhere(app, &actor);
            assert!(
                matches!(error, Err(AppError::Refused(r)) if r == refused),
                "{actor:?}"
            );
        }
        let error = sessions::change_password(app, &me, &change("wrong", new, new));
        assert_eq!(error.unwrap_err().field(), Some("current"));
        assert_eq!(sessions::count(app, &me).unwrap(), 2, "nothing ended");

        assert_eq!(
            sessions::change_password(app, &me, &change(PASSWORD, new, new)).unwrap(),
            1
        );
        assert!(
            sessions::resolve(app, &a.id).unwrap().is_some(),
            "this session stays"
        );
        assert_eq!(
            sessions::resolve(app, &b.id).unwrap(),
            None,
            "the other ended"
        );
        assert!(users::verify_login(app, "r@example.org", new).is_ok());

        let d = sessions::sign_in(app, "r@example.org", new).unwrap();
        assert_eq!(sessions::sign_out_everywhere(app, &me).unwrap(), 2);
        for id in [&a.id, &d.id] {
            assert_eq!(sessions::resolve(app, id).unwrap(), None);
        }
        // Made-up ids never reach the database.
        assert_eq!(sessions::resolve(app, "").unwrap(), None);
        assert_eq!(sessions::resolve(app, &"x".repeat(10_000)).unwrap(), None);
    });
}
