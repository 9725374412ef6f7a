//! Every illegal transition and refused input returns a typed error, never a panic.

use delphi_app::opening::{open_first_round, RoundOptions};
use delphi_app::{closing, next_round, participation, studies};
use delphi_core::planning::PlanEdit;
use delphi_core::values::ItemCode;

use crate::support::*;

#[test]
fn illegal_transitions_are_refused() {
    on_each_backend(|app| {
        let id = import(app, &small("illegal"));
        assert_eq!(
            closing::close_round(app, OPERATOR, &id).unwrap_err().code(),
            "conflict",
            "nothing to close"
        );
        assert_eq!(
            next_round::preview(app, OPERATOR, &id, &[])
                .unwrap_err()
                .code(),
            "conflict",
            "no round yet"
        );
        open_first(app, &id);
        let again = open_first_round(app, OPERATOR, &id, &RoundOptions::default()).unwrap_err();
        assert_eq!(again.code(), "conflict");
        let next = next_round::open_next_round(app, OPERATOR, &id, &[], &RoundOptions::default())
            .unwrap_err();
        assert!(next.to_string().contains("still open"), "{next}");
        closing::close_round(app, OPERATOR, &id).unwrap();
        assert_eq!(
            closing::close_round(app, OPERATOR, &id).unwrap_err().code(),
            "conflict",
            "already closed"
        );
        let tokens = tokens(app, &id);
        let late = participation::save_answer(app, &panellist(&tokens[0]), &answer("A1", Some(5)))
            .unwrap_err();
        assert_eq!(late.code(), "round_closed");
        assert!(
            late.to_string().contains("saved before it closed are kept"),
            "{late}"
        );
        assert_eq!(
            participation::submit(app, &panellist(&tokens[0]))
                .unwrap_err()
                .code(),
            "round_closed"
        );
        let dup =
            studies::create_from_definition(app, OPERATOR, &small("illegal"), None).unwrap_err();
        assert_eq!(dup.code(), "conflict");
        assert_eq!(
            studies::create_from_definition(
                app,
                OPERATOR,
                &small("owner"),
                Some("ghost@example.org")
            )
            .unwrap_err()
            .code(),
            "not_found"
        );
        assert_eq!(
            studies::add_items(app, OPERATOR, &id, &small("x").items)
                .unwrap_err()
                .code(),
            "conflict"
        );
    });
}

#[test]
fn empty_rounds_and_past_deadlines_are_refused() {
    on_each_backend(|app| {
        let id = import(app, &small("deadline"));
        let past = RoundOptions {
            deadline: Some(chrono::Utc::now().naive_utc() - chrono::Duration::hours(1)),
            instructions: String::new(),
        };
        assert_eq!(
            open_first_round(app, OPERATOR, &id, &past)
                .unwrap_err()
                .field(),
            Some("deadline")
        );
        let mut conn = app.conn().unwrap();
        assert!(
            delphi_store::rounds::for_study(&mut conn, &study_id(app, &id))
                .unwrap()
                .is_empty(),
            "nothing half-written"
        );
    });
}

#[test]
fn bad_answers_are_refused_with_the_field_named() {
    on_each_backend(|app| {
        let id = import(app, &small("answers-bad"));
        let mut other_definition = small("other-study");
        for item in &mut other_definition.items {
            item.code = ItemCode::parse(&item.code.as_str().replace('A', "B")).unwrap();
        }
        let other = import(app, &other_definition);
        open_first(app, &id);
        open_first(app, &other);
        let tokens = tokens(app, &id);
        let other_tokens = tokens_of(app, &other);
        let token = &tokens[0];
        let before =
            participation::save_answer(app, &panellist(token), &answer("A1", Some(5))).unwrap_err();
        assert!(before.to_string().contains("consent"), "{before}");
        participation::consent(app, &panellist(token)).unwrap();
        let off = participation::save_answer(app, &panellist(token), &answer("A1", Some(10)))
            .unwrap_err();
        assert_eq!((off.code(), off.field()), ("invalid_input", Some("rating")));
        assert_eq!(off.to_string(), "rating 10 is outside the scale 1-9");
        let zero =
            participation::save_answer(app, &panellist(token), &answer("A1", Some(0))).unwrap_err();
        assert_eq!(zero.field(), Some("rating"));
        let unknown =
            participation::save_answer(app, &panellist(token), &answer("Z9", Some(5))).unwrap_err();
        assert_eq!(unknown.code(), "not_found");
        let mut both = answer("A1", Some(5));
        both.unable_to_rate = true;
        assert_eq!(
            participation::save_answer(app, &panellist(token), &both)
                .unwrap_err()
                .field(),
            Some("rating")
        );
        let mut long = answer("A1", Some(5));
        long.comment = Some("x".repeat(participation::MAX_COMMENT + 1));
        assert_eq!(
            participation::save_answer(app, &panellist(token), &long)
                .unwrap_err()
                .field(),
            Some("comment")
        );
        // A token of one study used against an item only another study asks.
        let foreign =
            participation::save_answer(app, &panellist(token), &answer("B1", Some(5))).unwrap_err();
        assert_eq!(foreign.code(), "not_found");
        participation::save_answer(app, &panellist(&other_tokens[0]), &answer("B1", Some(5)))
            .unwrap_err(); // not consented there
        let mut conn = app.conn().unwrap();
        let other_round = delphi_store::rounds::latest(&mut conn, &study_id(app, &other))
            .unwrap()
            .unwrap();
        assert!(
            delphi_store::responses::for_round(&mut conn, &other_round.id)
                .unwrap()
                .is_empty(),
            "nothing reached the other study"
        );
    });
}

fn tokens_of(app: &delphi_app::App, study: &str) -> Vec<String> {
    tokens(app, study)
}

#[test]
fn unknown_and_revoked_links_look_the_same() {
    on_each_backend(|app| {
        let id = import(app, &small("revoked"));
        open_first(app, &id);
        let tokens = tokens(app, &id);
        let mut conn = app.conn().unwrap();
        let person = delphi_store::panellists::for_study(&mut conn, &study_id(app, &id))
            .unwrap()
            .remove(0);
        studies::revoke_link(app, OPERATOR, &id, &person.pseudonym).unwrap();
        let revoked = participation::consent(app, &panellist(&tokens[0])).unwrap_err();
        let never = participation::consent(app, &panellist("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
            .unwrap_err();
        let junk = participation::consent(app, &panellist("../../etc/passwd")).unwrap_err();
        assert_eq!(revoked.code(), "not_found");
        assert_eq!(revoked.to_string(), never.to_string());
        assert_eq!(never.to_string(), junk.to_string());
        let link = studies::reissue_link(app, OPERATOR, &id, &person.pseudonym).unwrap();
        let fresh = link.rsplit('/').next().unwrap();
        participation::consent(app, &panellist(fresh)).unwrap();
        assert_eq!(
            participation::consent(app, &panellist(&tokens[0]))
                .unwrap_err()
                .code(),
            "not_found",
            "the old link stays dead"
        );
    });
}

#[test]
fn planning_edits_that_cannot_apply_are_refused_and_nothing_changes() {
    on_each_backend(|app| {
        let id = import(app, &small("plan-bad"));
        open_first(app, &id);
        closing::close_round(app, OPERATOR, &id).unwrap();
        let code = |s: &str| ItemCode::parse(s).unwrap();
        let reuse = [PlanEdit::Add {
            code: code("A1"),
            section: "Patient level".into(),
            text: "dup".into(),
            note: None,
        }];
        let err = next_round::open_next_round(app, OPERATOR, &id, &reuse, &RoundOptions::default())
            .unwrap_err();
        assert_eq!((err.code(), err.field()), ("invalid_input", Some("plan")));
        let mut conn = app.conn().unwrap();
        assert_eq!(
            delphi_store::rounds::for_study(&mut conn, &study_id(app, &id))
                .unwrap()
                .len(),
            1,
            "no round 2 half-made"
        );
    });
}

#[test]
fn comments_with_control_or_bidirectional_characters_are_refused_and_nothing_is_saved() {
    on_each_backend(|app| {
        let id = import(app, &small("hostile-text"));
        let round = open_first(app, &id);
        let token = &tokens(app, &id)[0];
        participation::consent(app, &panellist(token)).unwrap();
        // PostgreSQL refused a NUL with a 500 "database error"; SQLite stored it, and stored
        // a right-to-left override that turns a comment's words around on screen.
        for (text, what) in [
            ("fine\u{0}then", "a NUL byte"),
            ("nice\u{202E}txt.exe", "a right-to-left override"),
            ("ring\u{7}", "a bell"),
        ] {
            let mut hostile = answer("A1", Some(5));
            hostile.comment = Some(text.to_owned());
            let err = participation::save_answer(app, &panellist(token), &hostile).unwrap_err();
            assert_eq!(err.field(), Some("comment"), "{what}: {err}");
            assert!(
                err.to_string().contains("character 5"),
                "{what} is named where it is: {err}"
            );
            let mut reason = answer("A1", Some(5));
            reason.reason = Some(text.to_owned());
            let err = participation::save_answer(app, &panellist(token), &reason).unwrap_err();
            assert_eq!(err.field(), Some("reason"), "{what}: {err}");
        }
        let mut conn = app.conn().unwrap();
        assert!(
            delphi_store::responses::for_round(&mut conn, &round.round_id)
                .unwrap()
                .is_empty(),
            "nothing was saved"
        );
        let mut fine = answer("A1", Some(5));
        fine.comment = Some("  Cafe\u{301} au lait, line\r\nbreak  ".to_owned());
        participation::save_answer(app, &panellist(token), &fine).unwrap();
        let saved = delphi_store::responses::for_round(&mut conn, &round.round_id).unwrap();
        assert_eq!(
            saved[0].comment.as_deref(),
            Some("Caf\u{e9} au lait, line\nbreak"),
            "trimmed, NFC, one kind of line end"
        );
    });
}
