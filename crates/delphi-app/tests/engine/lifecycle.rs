//! Every use case on its happy path.

use delphi_app::{closing, panellist, participation, queries, studies, users, App};
use delphi_core::states::{MailKind, Role, StudyStatus, Verdict};
use delphi_store::{items, rounds};

use crate::support::*;

#[test]
fn importing_the_example_creates_study_groups_items_and_panel() {
    on_each_backend(|app: &App| {
        let id = import(app, &example());
        let summary = queries::study_summary(app, OPERATOR, &id).unwrap();
        assert_eq!(
            (summary.status, summary.items, summary.panellists),
            (StudyStatus::Draft, 36, 40)
        );
        let links = queries::panellist_links(app, OPERATOR, &id).unwrap();
        assert_eq!(links[0].pseudonym, "P001");
        assert!(links[0].link.starts_with("http://delphi.test/p/"));
        let mut conn = app.conn().unwrap();
        let stored = delphi_store::panellists::for_study(&mut conn, &study_id(app, &id)).unwrap();
        let token = links[0].link.rsplit('/').next().unwrap();
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
        assert_eq!(
            count_outbox(app, &opened.round_id, MailKind::Invitation),
            40
        );
        let mut conn = app.conn().unwrap();
        let study = delphi_store::studies::find(&mut conn, &study_id(app, &id))
            .unwrap()
            .unwrap();
        assert_eq!(study.status, StudyStatus::Running);
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
            participation::consent(app, &panellist(token)).unwrap();
        }
        rate(app, &tokens[0], "A1", 3);
        rate(app, &tokens[0], "A1", 8); // autosave replaces
        let mut utr = answer("A2", None);
        utr.unable_to_rate = true;
        utr.comment = Some("  Depends on the <setting>  ".into());
        participation::save_answer(app, &panellist(&tokens[0]), &utr).unwrap();
        let submission = participation::submit(app, &panellist(&tokens[0])).unwrap();
        assert_eq!(submission.unrated, vec!["A3".to_owned(), "A4".to_owned()]);
        participation::submit(app, &panellist(&tokens[0])).unwrap();
        assert_eq!(
            count_outbox(app, &round.round_id, MailKind::ThankYou),
            1,
            "one thank-you however often they submit"
        );
        rate(app, &tokens[0], "A3", 9); // still editable after submitting
        for token in &tokens[1..] {
            rate(app, token, "A1", 8);
        }
        let closed = closing::close_round(app, OPERATOR, &id).unwrap();
        assert_eq!(closed.items, 4);
        let results = queries::round_results(app, OPERATOR, &id, round.number).unwrap();
        let a1 = results
            .iter()
            .find(|r| r.code == "A1" && r.group == "ALL")
            .unwrap();
        assert_eq!(a1.result.statistics.n_valid, 10);
        assert_eq!(a1.result.statistics.median, Some(8.0));
        assert_eq!(a1.classification, Some(Verdict::In));
        let a2 = results
            .iter()
            .find(|r| r.code == "A2" && r.group == "ALL")
            .unwrap();
        assert_eq!(a2.result.statistics.n_utr, 1);
        assert_eq!(a2.classification, Some(Verdict::NotClassified));
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
        participation::consent(app, &panellist(&tokens[1])).unwrap();
        rate(app, &tokens[1], "A1", 7);
        participation::withdraw(app, &panellist(&tokens[1])).unwrap();
        participation::withdraw(app, &panellist(&tokens[1])).unwrap();
        let err = participation::save_answer(app, &panellist(&tokens[1]), &answer("A1", Some(2)))
            .unwrap_err();
        assert_eq!(err.code(), "forbidden");
        let mut conn = app.conn().unwrap();
        let kept = delphi_store::responses::for_round(&mut conn, &round.round_id).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].rating, Some(7));
        let withdrawals = delphi_store::outbox::for_round(&mut conn, &round.round_id).unwrap();
        assert!(withdrawals.iter().all(|m| m.kind == MailKind::Invitation));
    });
}

#[test]
fn items_can_be_edited_only_until_rated_and_studies_complete_after_the_last_round() {
    on_each_backend(|app| {
        let id = import(app, &small("editing"));
        studies::edit_item_text(app, OPERATOR, &id, "A1", "First, clearer").unwrap();
        open_first(app, &id);
        let tokens = tokens(app, &id);
        participation::consent(app, &panellist(&tokens[0])).unwrap();
        rate(app, &tokens[0], "A1", 5);
        let err =
            studies::edit_item_text(app, OPERATOR, &id, "A1", "Changed after rating").unwrap_err();
        assert_eq!(err.code(), "conflict");
        assert!(
            err.to_string().contains("reword it in the next round"),
            "{err}"
        );
        let mut conn = app.conn().unwrap();
        let item = items::find_by_code(&mut conn, &study_id(app, &id), "A1")
            .unwrap()
            .unwrap();
        assert_eq!(item.text, "First, clearer");
        assert_eq!(
            studies::complete(app, OPERATOR, &id, "all items classified")
                .unwrap_err()
                .code(),
            "conflict",
            "a round is open"
        );
        closing::close_round(app, OPERATOR, &id).unwrap();
        studies::complete(app, OPERATOR, &id, "all items classified").unwrap();
        assert_eq!(
            studies::complete(app, OPERATOR, &id, "all items classified")
                .unwrap_err()
                .code(),
            "conflict"
        );
    });
}

#[test]
fn users_log_in_with_argon2_and_roles_limit_access() {
    on_each_backend(|app| {
        let user = users::create_user(
            app,
            OPERATOR,
            "res@example.org",
            "Researcher",
            "correct horse battery",
            false,
        )
        .unwrap();
        assert!(users::create_user(
            app,
            OPERATOR,
            "res@example.org",
            "Again",
            "correct horse battery",
            false
        )
        .is_err());
        assert_eq!(
            users::create_user(app, OPERATOR, "x@example.org", "X", "short", false)
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
        studies::create_from_definition(app, OPERATOR, &small("owned"), Some("res@example.org"))
            .unwrap();
        let as_user = |u: &users::User| delphi_app::Actor::User(u.id.clone());
        assert!(
            queries::panellist_links(app, &as_user(&user), "owned").is_ok(),
            "the owner may manage"
        );
        let other = users::create_user(
            app,
            OPERATOR,
            "ana@example.org",
            "Analyst",
            "correct horse battery",
            false,
        )
        .unwrap();
        assert_eq!(
            queries::study_summary(app, &as_user(&other), "owned")
                .unwrap_err()
                .code(),
            "not_found",
            "a study one has no role in is one that does not exist"
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
        studies::add_items(app, OPERATOR, &id, &[item("A5")]).unwrap();
        let taken = studies::add_items(app, OPERATOR, &id, &[item("A6"), item("A1")]).unwrap_err();
        assert_eq!(taken.code(), "conflict");
        assert!(
            taken.to_string().contains("item code A1 is already used"),
            "{taken}"
        );
        let summary = queries::study_summary(app, OPERATOR, &id).unwrap();
        assert_eq!(summary.items, 5, "A6 was not added either: one transaction");

        let person = |email: &str, group: &str| PanellistDefinition {
            email: Email::parse(email).unwrap(),
            name: None,
            group: GroupCode::parse(group).unwrap(),
        };
        let round = open_first(app, &id);
        assert_eq!((round.items, round.invited), (5, 10));
        studies::add_panellists(
            app,
            OPERATOR,
            &id,
            &[person("late@example.org", "managers")],
        )
        .unwrap();
        let unknown = studies::add_panellists(
            app,
            OPERATOR,
            &id,
            &[
                person("x@example.org", "managers"),
                person("y@example.org", "nobody"),
            ],
        )
        .unwrap_err();
        assert_eq!(unknown.field(), Some("group"), "{unknown}");
        let twice = studies::add_panellists(
            app,
            OPERATOR,
            &id,
            &[person("LATE@example.org", "managers")],
        )
        .unwrap_err();
        assert!(
            twice.to_string().contains("is already on the panel"),
            "{twice}"
        );
        let links = tokens(app, &id);
        assert_eq!(links.len(), 11, "x@ was not added: one transaction");
        let late = panellist::page(app, &panellist(&links[10])).unwrap();
        assert!(
            matches!(late.state, PageState::NotInvited { round_number: 1 }),
            "a late panellist waits for the next round: {:?}",
            late.state.name()
        );

        closing::close_round(app, OPERATOR, &id).unwrap();
        studies::complete(app, OPERATOR, &id, "all items classified").unwrap();
        let done = studies::add_panellists(
            app,
            OPERATOR,
            &id,
            &[person("later@example.org", "managers")],
        )
        .unwrap_err();
        assert_eq!(done.code(), "conflict");
    });
}

#[test]
fn members_get_one_role_each_and_the_researcher_view_respects_it() {
    use delphi_app::{dashboard, outbox, reminders, Actor};

    on_each_backend(|app| {
        let password = "correct horse battery";
        let user = |email: &str, name: &str| {
            let made = users::create_user(app, OPERATOR, email, name, password, false).unwrap();
            Actor::User(made.id)
        };
        let owner = user("own@example.org", "Own");
        let analyst = user("ana@example.org", "Ana");
        let outsider = user("out@example.org", "Out");
        let id = "members";
        studies::create_from_definition(app, OPERATOR, &small(id), Some("own@example.org"))
            .unwrap();
        open_first(app, id);
        users::add_member(app, OPERATOR, id, "ana@example.org", Role::Analyst).unwrap();

        let view = dashboard::dashboard(app, &analyst, "members").unwrap();
        assert!(!view.can_manage);
        assert_eq!(view.panellists.len(), 10);
        assert!(
            view.panellists.iter().all(|p| p.email.is_empty()),
            "analysts see pseudonyms only"
        );
        let refused = reminders::remind_now(app, &analyst, "members", None).unwrap_err();
        assert_eq!(refused.code(), "forbidden", "{refused}");
        assert_eq!(
            reminders::remind_now(app, &owner, "members", None)
                .unwrap()
                .queued,
            10
        );
        let view = dashboard::dashboard(app, &owner, "members").unwrap();
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

        users::add_member(app, &owner, id, "ana@example.org", Role::Researcher).unwrap();
        assert!(
            dashboard::dashboard(app, &analyst, "members")
                .unwrap()
                .can_manage,
            "the role changed in place"
        );
        assert_eq!(
            dashboard::dashboard(app, &outsider, "members")
                .unwrap_err()
                .code(),
            "not_found"
        );
        assert!(queries::studies_for(app, &outsider).unwrap().is_empty());
        assert_eq!(queries::studies_for(app, &owner).unwrap().len(), 1);
        assert_eq!(
            outbox::retry_round(app, &owner, "members", 7)
                .unwrap_err()
                .code(),
            "not_found"
        );
    });
}
