//! Which answers count when a round closes (the study's `counting` settings), how many were
//! left out, `every_group(...)` with a stakeholder group short of answers, and two closes at
//! once: on SQLite and PostgreSQL.

use delphi_app::{closing, participation, queries, App};
use delphi_core::results::AnswerCount;
use delphi_core::settings::{ShortGroupPolicy, WithdrawnAnswers};
use delphi_core::states::Verdict;
use delphi_core::Classification;
use delphi_store::testing::snapshot;

use crate::support::*;

/// The small study's link tokens of link workers and of managers (five each).
fn tokens_by_group(app: &App, slug: &str) -> (Vec<String>, Vec<String>) {
    let links = queries::panellist_links(app, OPERATOR, slug).expect("links");
    let token =
        |l: &queries::PanellistLink| l.link.rsplit('/').next().expect("arranged").to_owned();
    let of = |name: &str| -> Vec<String> {
        links
            .iter()
            .filter(|l| l.group == name)
            .map(token)
            .collect()
    };
    (of("Link workers"), of("Managers and supervisors"))
}

/// Everyone rates A1 8; one manager saves a 2 and never submits; one manager submits and
/// then withdraws. Returns the whole-panel and managers' answer counts of A1 and the
/// whole-panel result.
fn close_with(
    app: &App,
    slug: &str,
    edit: impl Fn(&mut delphi_core::StudySettings),
) -> (AnswerCount, AnswerCount, delphi_core::StoredResult) {
    let mut definition = small(slug);
    edit(&mut definition.settings);
    import(app, &definition);
    let round = open_first(app, slug);
    let (workers, managers) = tokens_by_group(app, slug);
    assert_eq!((workers.len(), managers.len()), (5, 5));
    for (index, token) in workers.iter().chain(&managers).enumerate() {
        participation::consent(app, &panellist(token)).expect("arranged");
        let unsubmitted = index == 9;
        rate(app, token, "A1", if unsubmitted { 2 } else { 8 });
        if !unsubmitted {
            participation::submit(app, &panellist(token)).expect("arranged");
        }
    }
    participation::withdraw(app, &panellist(&managers[0])).expect("arranged");
    closing::close_round(app, OPERATOR, slug).expect("arranged");
    let results = queries::round_results(app, OPERATOR, slug, round.number).expect("arranged");
    let a1 = |group: &str| {
        results
            .iter()
            .find(|r| r.code == "A1" && r.group == group)
            .expect("arranged")
            .result
            .clone()
    };
    let all = a1("ALL");
    (
        all.answers.expect("arranged"),
        a1("managers").answers.expect("arranged"),
        all,
    )
}

#[test]
fn by_default_only_submitted_answers_count_and_the_results_say_how_many_were_left_out() {
    on_each_backend(|app| {
        let (all, managers, result) = close_with(app, "count-default", |_| {});
        let expected = AnswerCount {
            counted: 9,
            left_out_unsubmitted: 1,
            left_out_withdrawn: 0,
        };
        assert_eq!(
            all, expected,
            "the withdrawn panellist's submitted answer is kept"
        );
        assert_eq!(all.left_out(), 1);
        assert_eq!(managers.counted, 4);
        assert_eq!(result.statistics.n_valid, 9);
        assert_eq!(
            result.statistics.median,
            Some(8.0),
            "the unsubmitted 2 is left out"
        );
        // Managers have 4 counted ratings, fewer than the minimum of 5: every_group cannot
        // hold, and the result names the group.
        assert_eq!(result.short_groups.len(), 1, "{:?}", result.short_groups);
        assert_eq!(result.short_groups[0].group, "managers");
        assert_eq!(result.short_groups[0].n, 4);
        let Some(Classification::NotClassified { reason }) = &result.classification else {
            panic!("{:?}", result.classification);
        };
        assert!(reason.contains("managers has 4"), "{reason}");
    });
}

#[test]
fn settings_count_unsubmitted_answers_drop_withdrawn_ones_or_relax_short_groups() {
    on_each_backend(|app| {
        let (all, _, result) = close_with(app, "count-unsubmitted", |s| {
            s.counting.unsubmitted = true;
        });
        assert_eq!(all.counted, 10);
        assert_eq!(all.left_out(), 0);
        assert_eq!(result.statistics.n_valid, 10);
        assert!(result.short_groups.is_empty());
        assert_eq!(
            result.verdict(),
            Some(Verdict::None),
            "the counted 2 makes 20 % of managers disagree"
        );

        let (all, managers, result) = close_with(app, "count-drop", |s| {
            s.counting.withdrawn = WithdrawnAnswers::Drop;
        });
        assert_eq!(
            all,
            AnswerCount {
                counted: 8,
                left_out_unsubmitted: 1,
                left_out_withdrawn: 1,
            }
        );
        assert_eq!(managers.counted, 3);
        assert_eq!(result.short_groups[0].n, 3);

        let (_, _, result) = close_with(app, "count-relaxed", |s| {
            s.consensus.short_groups = ShortGroupPolicy::GroupsWithData;
        });
        assert_eq!(
            result.verdict(),
            Some(Verdict::In),
            "the rule holds in the groups with data"
        );
        assert_eq!(result.short_groups[0].group, "managers", "still named");
    });
}

#[test]
fn two_closes_at_once_make_exactly_one_close() {
    on_each_backend(|app| {
        let slug = "close-race";
        import(app, &small(slug));
        open_first(app, slug);
        for token in tokens(app, slug) {
            participation::consent(app, &panellist(&token)).unwrap();
            rate(app, &token, "A1", 8);
            participation::submit(app, &panellist(&token)).unwrap();
        }
        let barrier = std::sync::Barrier::new(2);
        let outcomes: Vec<Result<closing::ClosedRound, delphi_app::AppError>> =
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..2)
                    .map(|_| {
                        scope.spawn(|| {
                            barrier.wait();
                            closing::close_round(app, OPERATOR, slug)
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
        let closed = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(closed, 1, "{outcomes:?}");
        let refused = outcomes.iter().find_map(|o| o.as_ref().err()).unwrap();
        assert_eq!(refused.code(), "conflict", "{refused}");
        let mut conn = app.conn().unwrap();
        let id = study_id(app, slug);
        let round = delphi_store::rounds::latest(&mut conn, &id)
            .unwrap()
            .unwrap();
        let stored = delphi_store::results::for_round(&mut conn, &round.id).unwrap();
        assert_eq!(
            stored.len(),
            4 * 6,
            "one set of results: 4 items x (panel + 5 groups)"
        );
        let audits = delphi_store::audit::for_study(&mut conn, &id)
            .unwrap()
            .into_iter()
            .filter(|a| a.action == "round.closed")
            .count();
        assert_eq!(audits, 1);
        let before = snapshot(&mut conn).unwrap();
        assert!(closing::close_round(app, OPERATOR, slug).is_err());
        assert_eq!(
            before,
            snapshot(&mut conn).unwrap(),
            "a third close changes nothing"
        );
    });
}
