//! Between two rounds: comments moderated (released, hidden, released edited), the planner's
//! proposal changed (reword, drop, add from a comment) with every reason in the ledger, the
//! preview of a panellist's next page, opening from the stored plan, completing with a
//! reason; and each illegal step refused without changing anything.

use delphi_app::moderation::{self, Decision};
use delphi_app::opening::RoundOptions;
use delphi_app::planner::{self, ChangeInput, CommentSource, Outcome};
use delphi_app::{closing, panellist, participation, studies, AppError};
use delphi_core::states::{CommentDecision, ItemStatus, PlanChangeKind};
use delphi_store::testing::snapshot;
use delphi_store::{audit, items};

use crate::support::*;

/// A1 reaches consensus in, A3 out; A2 and A4 split the panel.
fn rating_for(code: &str, p: usize) -> i32 {
    match code {
        "A1" => 8,
        "A3" => 2,
        "A2" => [2, 5, 8, 9, 4][p % 5],
        _ => [5, 6, 5, 6, 7][p % 5],
    }
}

fn change(kind: PlanChangeKind, code: &str, reason: &str) -> ChangeInput {
    ChangeInput {
        kind,
        code: code.to_owned(),
        new_code: None,
        section: None,
        text: None,
        reason: reason.to_owned(),
        from_comment: None,
        from_suggestion: None,
    }
}

/// Round 1 answered by everyone, with comments on A2 from the first four and closed.
fn closed_round_one(app: &delphi_app::App, slug: &str) -> Vec<String> {
    import(app, &small(slug));
    let tokens = tokens(app, slug);
    open_first(app, slug);
    for (p, token) in tokens.iter().enumerate() {
        participation::consent(app, &panellist(token)).expect("consents");
        for code in ["A1", "A2", "A3", "A4"] {
            let mut given = answer(code, Some(rating_for(code, p)));
            if code == "A2" && p < 4 {
                given.comment = Some(format!("Comment {p} on A2 from Pat Smith"));
            }
            participation::save_answer(app, &panellist(token), &given).expect("saves");
        }
        participation::submit(app, &panellist(token)).expect("submits");
    }
    closing::close_round(app, OPERATOR, slug).expect("round 1 closes");
    tokens
}

fn refused_unchanged(
    app: &delphi_app::App,
    what: &str,
    code: &str,
    run: impl FnOnce() -> AppError,
) {
    let mut conn = app.conn().expect("connection");
    let before = snapshot(&mut conn).expect("snapshot");
    let error = run();
    let after = snapshot(&mut conn).expect("snapshot");
    assert_eq!(error.code(), code, "{what}: {error}");
    assert!(before == after, "{what}: refused but the data changed");
}

#[test]
fn comments_and_the_plan_reach_the_next_round_with_their_reasons() {
    on_each_backend(|app| {
        let slug = "between";
        let tokens = closed_round_one(app, slug);

        let view = moderation::comments(app, OPERATOR, slug).expect("comments");
        assert_eq!((view.round, view.total, view.undecided), (Some(1), 4, 4));
        let a2 = &view.items[0];
        assert_eq!(a2.code, "A2");
        assert_eq!(a2.comments[0].pseudonym, "P001");
        assert!(!a2.comments[0].group.is_empty(), "the group is named");
        let json = serde_json::to_string(&view).expect("JSON");
        assert!(!json.contains("@example.org"), "no address: {json}");

        let decide =
            |who: &str, d: &Decision| moderation::decide(app, OPERATOR, slug, "A2", who, d);
        decide("P001", &Decision::Release).expect("released");
        decide("P002", &Decision::Release).expect("released");
        decide("P003", &Decision::Hide).expect("hidden");
        decide(
            "P004",
            &Decision::ReleaseEdited("Comment 3 on A2 from [name removed]".into()),
        )
        .expect("released edited");
        refused_unchanged(app, "an empty edit", "invalid_input", || {
            decide("P004", &Decision::ReleaseEdited("  ".into())).unwrap_err()
        });
        refused_unchanged(
            app,
            "a panellist without a comment",
            "invalid_input",
            || decide("P005", &Decision::Release).unwrap_err(),
        );
        let view = moderation::comments(app, OPERATOR, slug).expect("comments");
        assert_eq!(view.undecided, 0);
        let p4 = &view.items[0].comments[3];
        assert_eq!(p4.decision, Some(CommentDecision::Released));
        assert_eq!(
            p4.comment.as_deref(),
            Some("Comment 3 on A2 from Pat Smith"),
            "original kept"
        );

        // The plan: the rule's proposal, then reword A2, drop A4, add A5 from P001's comment.
        let plan = planner::plan_view(app, OPERATOR, slug).expect("plan");
        let line = |plan: &planner::PlanView, code: &str| {
            plan.items
                .iter()
                .find(|l| l.code == code)
                .expect("a line")
                .clone()
        };
        assert_eq!(line(&plan, "A2").proposal, Outcome::Carry);
        assert_ne!(
            line(&plan, "A1").proposal,
            Outcome::Carry,
            "consensus is not carried"
        );
        refused_unchanged(app, "a drop without a reason", "invalid_input", || {
            planner::change(
                app,
                OPERATOR,
                slug,
                &change(PlanChangeKind::Drop, "A4", " "),
            )
            .unwrap_err()
        });
        refused_unchanged(app, "retiring an unresolved item", "invalid_input", || {
            planner::change(
                app,
                OPERATOR,
                slug,
                &change(PlanChangeKind::Retire, "A4", ""),
            )
            .unwrap_err()
        });
        let mut reword = change(PlanChangeKind::Reword, "A2", "Panellists found it vague");
        reword.new_code = Some("A2r".into());
        reword.text = Some("Second, said more plainly".into());
        planner::change(app, OPERATOR, slug, &reword).expect("reworded");
        planner::change(
            app,
            OPERATOR,
            slug,
            &change(PlanChangeKind::Drop, "A4", "Overlaps A2"),
        )
        .expect("dropped");
        let mut add = change(PlanChangeKind::Add, "A5", "Suggested by a panellist");
        add.section = Some("Community level".into());
        add.text = Some("A statement from a comment".into());
        add.from_comment = Some(CommentSource {
            item: "A2".into(),
            pseudonym: "P001".into(),
        });
        planner::change(app, OPERATOR, slug, &add).expect("added");
        let mut reuse = add.clone();
        reuse.code = "A1".into();
        refused_unchanged(app, "a code already used", "invalid_input", || {
            planner::change(app, OPERATOR, slug, &reuse).unwrap_err()
        });
        let plan = planner::plan_view(app, OPERATOR, slug).expect("plan");
        assert_eq!(line(&plan, "A2").outcome, Outcome::Reword);
        assert_eq!(line(&plan, "A4").outcome, Outcome::Drop);
        assert_eq!(
            plan.added[0].from_comment.as_deref(),
            Some("A2, comment by P001")
        );
        assert_eq!(
            (
                plan.summary.reworded,
                plan.summary.new,
                plan.summary.dropped
            ),
            (1, 1, 1)
        );
        assert!(
            plan.summary
                .text
                .starts_with(&format!("{} items: ", plan.summary.items))
                && plan.summary.text.contains("10 invited"),
            "{}",
            plan.summary.text
        );

        // The preview shows the new wording with what it replaced, and the released comments.
        let page = panellist::preview(app, OPERATOR, slug, "P001").expect("preview");
        let shown = serde_json::to_string(&page).expect("JSON");
        assert!(shown.contains("Second, said more plainly"), "{shown}");
        assert!(shown.contains("Comment 0 on A2 from Pat Smith"));
        assert!(shown.contains("[name removed]"), "the edit is shown");
        assert!(
            !shown.contains("Comment 2 on A2"),
            "the hidden comment is not"
        );
        assert!(
            !shown.contains("Comment 3 on A2 from Pat Smith"),
            "nor the edited original"
        );

        let opened = planner::open(app, OPERATOR, slug, &RoundOptions::default()).expect("opens");
        assert_eq!(opened.number, 2);
        let mut conn = app.conn().expect("connection");
        let id = study_id(app, slug);
        let a4 = items::find_by_code(&mut conn, &id, "A4").unwrap().unwrap();
        assert_eq!(a4.status, ItemStatus::Dropped);
        assert_eq!(a4.status_reason.as_deref(), Some("Overlaps A2"));
        let a5 = items::find_by_code(&mut conn, &id, "A5").unwrap().unwrap();
        assert_eq!(a5.change_note.as_deref(), Some("Suggested by a panellist"));
        drop(conn);
        let real = panellist::page(app, &panellist(&tokens[0])).expect("the page");
        let real = serde_json::to_string(&real).expect("JSON");
        for text in [
            "Second, said more plainly",
            "[name removed]",
            "Comment 0 on A2",
        ] {
            assert!(real.contains(text), "{text} on the real page: {real}");
        }
        assert!(!real.contains("Comment 2 on A2") && !real.contains("Comment 3 on A2 from Pat"));

        // Round 2 is open: the moderation and the plan of round 1 are fixed.
        refused_unchanged(
            app,
            "moderating after the next round opened",
            "conflict",
            || decide("P003", &Decision::Release).unwrap_err(),
        );
        refused_unchanged(app, "planning while a round is open", "conflict", || {
            planner::change(
                app,
                OPERATOR,
                slug,
                &change(PlanChangeKind::Drop, "A1", "x"),
            )
            .unwrap_err()
        });
        refused_unchanged(app, "opening while a round is open", "conflict", || {
            planner::open(app, OPERATOR, slug, &RoundOptions::default()).unwrap_err()
        });
        assert!(planner::plan_view(app, OPERATOR, slug)
            .expect("view")
            .blocked
            .is_some());

        closing::close_round(app, OPERATOR, slug).expect("round 2 closes");
        let hidden = moderation::decide_item(app, OPERATOR, slug, "A2r", CommentDecision::Hidden)
            .expect("nothing to hide is fine");
        assert_eq!(hidden, 0);
        refused_unchanged(app, "completing without a reason", "invalid_input", || {
            studies::complete(app, OPERATOR, slug, "").unwrap_err()
        });
        studies::complete(app, OPERATOR, slug, "All items classified").expect("completes");
        let mut conn = app.conn().expect("connection");
        let log = audit::for_study(&mut conn, &study_id(app, slug)).expect("audit");
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        for action in [
            "comment.released",
            "comment.hidden",
            "comment.edited",
            "plan.changed",
        ] {
            assert!(actions.contains(&action), "{action} audited: {actions:?}");
        }
        assert!(log
            .iter()
            .any(|e| e.action == "study.completed" && e.detail.contains("All items classified")));
    });
}

#[test]
fn releasing_all_of_an_items_comments_keeps_an_edit() {
    on_each_backend(|app| {
        let slug = "release-all";
        closed_round_one(app, slug);
        moderation::decide(
            app,
            OPERATOR,
            slug,
            "A2",
            "P002",
            &Decision::ReleaseEdited("Shorter".into()),
        )
        .expect("edited");
        let n = moderation::decide_item(app, OPERATOR, slug, "A2", CommentDecision::Released)
            .expect("all released");
        assert_eq!(n, 4);
        let view = moderation::comments(app, OPERATOR, slug).expect("comments");
        let lines = &view.items[0].comments;
        assert!(lines
            .iter()
            .all(|c| c.decision == Some(CommentDecision::Released)));
        assert_eq!(lines[1].shown_text.as_deref(), Some("Shorter"));
        planner::change(
            app,
            OPERATOR,
            slug,
            &change(PlanChangeKind::Drop, "A4", "Overlap"),
        )
        .expect("dropped");
        planner::undo(app, OPERATOR, slug, "A4").expect("taken back");
        refused_unchanged(
            app,
            "taking back a change that is not there",
            "invalid_input",
            || planner::undo(app, OPERATOR, slug, "A4").unwrap_err(),
        );
    });
}
