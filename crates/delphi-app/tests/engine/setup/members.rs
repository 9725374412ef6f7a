//! Owners give roles; the last owner stays.

use super::*;

#[test]
fn owners_give_roles_and_the_last_owner_stays() {
    use delphi_app::setup::members;
    on_each_backend(|app| {
        let owner = researcher(app, "first-owner@example.org");
        let slug = create::from_fields(app, &owner, &fields("members")).unwrap();
        let colleague = researcher(app, "colleague@example.org");
        assert!(
            items::list(app, &colleague, &slug).is_err(),
            "not a member yet"
        );
        members::set_role(
            app,
            &owner,
            &slug,
            "colleague@example.org",
            Role::Researcher,
        )
        .unwrap();
        items::list(app, &colleague, &slug).expect("a researcher now");
        let refused =
            members::set_role(app, &colleague, &slug, "colleague@example.org", Role::Owner)
                .unwrap_err();
        assert!(
            matches!(refused, AppError::Refused(Refusal::OwnersOnly)),
            "{refused:?}"
        );
        let cases: Vec<(&str, Attempt<'_>, &str)> = vec![
            (
                "the last owner demoted",
                Box::new(|| {
                    members::set_role(app, &owner, &slug, "first-owner@example.org", Role::Analyst)
                }),
                "last owner",
            ),
            (
                "the last owner removed",
                Box::new(|| members::remove(app, &owner, &slug, "first-owner@example.org")),
                "last owner",
            ),
            (
                "an unknown login",
                Box::new(|| {
                    members::set_role(app, &owner, &slug, "ghost@example.org", Role::Analyst)
                }),
                "no login",
            ),
            (
                "a login that is not a member",
                Box::new(|| members::remove(app, &owner, &slug, "nobody@example.org")),
                "not a member",
            ),
        ];
        for (case, act, expected) in cases {
            let message = refused_changing_nothing(app, case, act);
            assert!(message.contains(expected), "{case}: {message}");
        }
        members::set_role(app, &owner, &slug, "colleague@example.org", Role::Owner).unwrap();
        members::remove(app, &owner, &slug, "first-owner@example.org")
            .expect("another owner stays");
        let view = members::list(app, &colleague, &slug).unwrap();
        assert_eq!(view.members.len(), 1);
        assert_eq!(view.members[0].role, Role::Owner);
    });
}
