//! Every use case on its happy path.

use delphi_app::{closing, panellist, participation, queries, studies, users, App};
use delphi_store::{items, rounds};

use crate::support::*;

#[test]
fn importing_the_example_creates_study_groups_items_and_panel() {
    on_each_backend(|app: &App| {
        let id = import(app, &example());
        let summary = queries::study_summary(app, &id).unwrap();
        assert_eq!(
            (summary.status.as_str(), summary.items, summary.panellists),
            ("draft", 36, 40)
        );
        let links = queries::panellist_links(app, &id).unwrap();
        assert_eq!(links[0].0, "P001");
        assert!(links[0].2.starts_with("http://delphi.test/p/"));
        let mut conn = app.conn().unwrap();
        let stored = delphi_store::panellists::for_study(&mut conn, &id).unwrap();
        let token = links[0].2.rsplit('/').next().unwrap();
        assert!(
            stored
                .iter()
                .all(|p| !p.token_hash.contains(token) && !p.token_sealed.contains(token)),
            "tokens are never stored in clear"
        );
    });
}

#[test]
fn opening_round_one_freezes_items_invites_everyone_and_queues_one_email_each() {
    on_each_backend(|app| {
        let id = import(app, &example());
        let opened = open_first(app, &id);
        assert_eq!((opened.number, opened.items, opened.invited), (1, 36, 40));
        assert_eq!(count_outbox(app, &opened.round_id, "invitation"), 40);
        let mut conn = app.conn().unwrap();
        let study = delphi_store::studies::find(&mut conn, &id)
            .unwrap()
            .unwrap();
        assert_eq!(study.status, "running");
        assert!(
            study.rule_locked_at.is_some(),
            "the consensus rule is locked at round 1"
        );
        assert_eq!(
            rounds::items(&mut conn, &opened.round_id).unwrap().len(),
            36
        );
        assert_eq!(
            rounds::participations(&mut conn, &opened.round_id)
                .unwrap()
                .len(),
            40
        );
    });
}

#[test]
fn answers_save_update_submit_and_count_when_the_round_closes() {
    on_each_backend(|app| {
        let id = import(app, &small("answers"));
        let round = open_first(app, &id);
        let tokens = tokens(app, &id);
        for token in &tokens {
            participation::consent(app, token).unwrap();
        }
        rate(app, &tokens[0], "A1", 3);
        rate(app, &tokens[0], "A1", 8); // autosave replaces
        let mut utr = answer("A2", None);
        utr.unable_to_rate = true;
        utr.comment = Some("  Depends on the <setting>  ".into());
        participation::save_answer(app, &tokens[0], &utr).unwrap();
        let submission = participation::submit(app, &tokens[0]).unwrap();
        assert_eq!(submission.unrated, vec!["A3".to_owned(), "A4".to_owned()]);
        participation::submit(app, &tokens[0]).unwrap();
        assert_eq!(
            count_outbox(app, &round.round_id, "thank_you"),
            1,
            "one thank-you however often they submit"
        );
        rate(app, &tokens[0], "A3", 9); // still editable after submitting
        for token in &tokens[1..] {
            rate(app, token, "A1", 8);
        }
        let closed = closing::close_round(app, &id).unwrap();
        assert_eq!(closed.items, 4);
        let results = queries::round_results(app, &round.round_id).unwrap();
        let a1 = results
            .iter()
            .find(|r| r.code == "A1" && r.group == "ALL")
            .unwrap();
        assert_eq!(a1.stats["statistics"]["n_valid"], 10);
        assert_eq!(a1.stats["statistics"]["median"], 8.0);
        assert_eq!(a1.classification.as_deref(), Some("in"));
        let a2 = results
            .iter()
            .find(|r| r.code == "A2" && r.group == "ALL")
            .unwrap();
        assert_eq!(a2.stats["statistics"]["n_utr"], 1);
        assert_eq!(a2.classification.as_deref(), Some("not_classified"));
        assert_eq!(
            results.iter().filter(|r| r.code == "A1").count(),
            1 + 5,
            "whole panel and each of the five groups"
        );
        let mut conn = app.conn().unwrap();
        let saved = delphi_store::responses::for_round(&mut conn, &round.round_id).unwrap();
        let comment = saved.iter().find(|r| r.comment.is_some()).unwrap();
        assert_eq!(comment.comment.as_deref(), Some("Depends on the <setting>"));
    });
}

#[test]
fn withdrawal_keeps_answers_and_queues_a_confirmation() {
    on_each_backend(|app| {
        let id = import(app, &small("withdraw"));
        let round = open_first(app, &id);
        let tokens = tokens(app, &id);
        participation::consent(app, &tokens[1]).unwrap();
        rate(app, &tokens[1], "A1", 7);
        participation::withdraw(app, &tokens[1]).unwrap();
        participation::withdraw(app, &tokens[1]).unwrap();
        let err = participation::save_answer(app, &tokens[1], &answer("A1", Some(2))).unwrap_err();
        assert_eq!(err.code(), "forbidden");
        let mut conn = app.conn().unwrap();
        let kept = delphi_store::responses::for_round(&mut conn, &round.round_id).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].rating, Some(7));
        let withdrawals = delphi_store::outbox::for_round(&mut conn, &round.round_id).unwrap();
        assert!(withdrawals.iter().all(|m| m.kind == "invitation"));
    });
}

#[test]
fn items_can_be_edited_only_until_rated_and_studies_complete_after_the_last_round() {
    on_each_backend(|app| {
        let id = import(app, &small("editing"));
        studies::edit_item_text(app, &id, "A1", "First, clearer").unwrap();
        open_first(app, &id);
        let tokens = tokens(app, &id);
        participation::consent(app, &tokens[0]).unwrap();
        rate(app, &tokens[0], "A1", 5);
        let err = studies::edit_item_text(app, &id, "A1", "Changed after rating").unwrap_err();
        assert_eq!(err.code(), "conflict");
        assert!(
            err.to_string().contains("reword it in the next round"),
            "{err}"
        );
        let mut conn = app.conn().unwrap();
        let item = items::find_by_code(&mut conn, &id, "A1").unwrap().unwrap();
        assert_eq!(item.text, "First, clearer");
        assert_eq!(
            studies::complete(app, &id).unwrap_err().code(),
            "conflict",
            "a round is open"
        );
        closing::close_round(app, &id).unwrap();
        studies::complete(app, &id).unwrap();
        assert_eq!(studies::complete(app, &id).unwrap_err().code(), "conflict");
    });
}

#[test]
fn users_log_in_with_argon2_and_roles_limit_access() {
    on_each_backend(|app| {
        let user = users::create_user(
            app,
            "res@example.org",
            "Researcher",
            "correct horse battery",
            false,
        )
        .unwrap();
        assert!(users::create_user(
            app,
            "res@example.org",
            "Again",
            "correct horse battery",
            false
        )
        .is_err());
        assert_eq!(
            users::create_user(app, "x@example.org", "X", "short", false)
                .unwrap_err()
                .field(),
            Some("password")
        );
        assert_eq!(
            users::verify_login(app, "res@example.org", "correct horse battery")
                .unwrap()
                .id,
            user.id
        );
        let wrong = users::verify_login(app, "res@example.org", "wrong password!!").unwrap_err();
        let unknown =
            users::verify_login(app, "nobody@example.org", "correct horse battery").unwrap_err();
        assert_eq!(
            wrong.to_string(),
            unknown.to_string(),
            "no hint which part was wrong"
        );
        let id =
            studies::create_from_definition(app, &small("owned"), Some("res@example.org")).unwrap();
        assert!(users::authorize(app, &user, &id, users::Access::Manage).is_ok());
        let other = users::create_user(
            app,
            "ana@example.org",
            "Analyst",
            "correct horse battery",
            false,
        )
        .unwrap();
        assert_eq!(
            users::authorize(app, &other, &id, users::Access::Read)
                .unwrap_err()
                .code(),
            "forbidden"
        );
    });
}

#[test]
fn items_join_a_draft_and_people_join_the_panel_until_the_study_completes() {
    use delphi_app::panellist::PageState;
    use delphi_core::definition::{ItemDefinition, PanellistDefinition};
    use delphi_core::values::{Email, GroupCode, ItemCode};

    on_each_backend(|app| {
        let id = import(app, &small("grow"));
        let item = |code: &str| ItemDefinition {
            code: ItemCode::parse(code).unwrap(),
            section: "Community level".to_owned(),
            text: format!("Added item {code}"),
        };
        studies::add_items(app, &id, &[item("A5")]).unwrap();
        let taken = studies::add_items(app, &id, &[item("A6"), item("A1")]).unwrap_err();
        assert_eq!(taken.code(), "conflict");
        assert!(
            taken.to_string().contains("item code A1 is already used"),
            "{taken}"
        );
        let summary = queries::study_summary(app, &id).unwrap();
        assert_eq!(summary.items, 5, "A6 was not added either: one transaction");

        let person = |email: &str, group: &str| PanellistDefinition {
            email: Email::parse(email).unwrap(),
            name: None,
            group: GroupCode::parse(group).unwrap(),
        };
        let round = open_first(app, &id);
        assert_eq!((round.items, round.invited), (5, 10));
        studies::add_panellists(app, &id, &[person("late@example.org", "managers")]).unwrap();
        let unknown = studies::add_panellists(
            app,
            &id,
            &[
                person("x@example.org", "managers"),
                person("y@example.org", "nobody"),
            ],
        )
        .unwrap_err();
        assert_eq!(unknown.field(), Some("group"), "{unknown}");
        let twice = studies::add_panellists(app, &id, &[person("LATE@example.org", "managers")])
            .unwrap_err();
        assert!(
            twice.to_string().contains("is already on the panel"),
            "{twice}"
        );
        let links = tokens(app, &id);
        assert_eq!(links.len(), 11, "x@ was not added: one transaction");
        let late = panellist::page(app, &links[10]).unwrap();
        assert!(
            matches!(late.state, PageState::NotInvited { round_number: 1 }),
            "a late panellist waits for the next round: {:?}",
            late.state.name()
        );

        closing::close_round(app, &id).unwrap();
        studies::complete(app, &id).unwrap();
        let done = studies::add_panellists(app, &id, &[person("later@example.org", "managers")])
            .unwrap_err();
        assert_eq!(done.code(), "conflict");
    });
}

#[test]
fn members_get_one_role_each_and_the_researcher_view_respects_it() {
    use delphi_app::researcher;

    on_each_backend(|app| {
        let password = "correct horse battery";
        let owner = users::create_user(app, "own@example.org", "Own", password, false).unwrap();
        let analyst = users::create_user(app, "ana@example.org", "Ana", password, false).unwrap();
        let outsider = users::create_user(app, "out@example.org", "Out", password, false).unwrap();
        let id = studies::create_from_definition(app, &small("members"), Some("own@example.org"))
            .unwrap();
        open_first(app, &id);
        users::add_member(app, &id, "ana@example.org", "analyst").unwrap();

        let view = researcher::dashboard(app, &analyst, "members").unwrap();
        assert!(!view.can_manage);
        assert_eq!(view.panellists.len(), 10);
        assert!(
            view.panellists.iter().all(|p| p.email.is_empty()),
            "analysts see pseudonyms only"
        );
        let refused = researcher::remind(app, &analyst, "members").unwrap_err();
        assert_eq!(refused.code(), "forbidden", "{refused}");
        assert_eq!(
            researcher::remind(app, &owner, "members").unwrap().queued,
            10
        );
        let view = researcher::dashboard(app, &owner, "members").unwrap();
        assert!(view.can_manage && view.panellists[0].email == "p0@example.org");
        assert_eq!(
            view.mail
                .unwrap()
                .kinds
                .iter()
                .map(|k| k.queued)
                .sum::<i64>(),
            20,
            "ten invitations and ten reminders wait"
        );

        users::add_member(app, &id, "ana@example.org", "researcher").unwrap();
        assert!(
            researcher::dashboard(app, &analyst, "members")
                .unwrap()
                .can_manage,
            "the role changed in place"
        );
        assert_eq!(
            researcher::dashboard(app, &outsider, "members")
                .unwrap_err()
                .code(),
            "not_found"
        );
        assert!(queries::studies_for(app, &outsider).unwrap().is_empty());
        assert_eq!(queries::studies_for(app, &owner).unwrap().len(), 1);
        assert_eq!(
            researcher::retry_round(app, &owner, "members", 7)
                .unwrap_err()
                .code(),
            "not_found"
        );
    });
}
