//! Round 1's open question and the background questionnaire: bad input refused with the
//! question named and nothing saved half; what is saved reaches the planner, the exports and
//! the report.

use delphi_app::questions::{self, BackgroundInput, OpenInput};
use delphi_app::setup::protocol;
use delphi_app::{closing, exports, participation, planner, AppError};
use delphi_core::questions::{BackgroundQuestion, QuestionKind};
use delphi_core::states::PlanChangeKind;
use delphi_store::testing::snapshot;

use crate::support::*;

fn given(pairs: &[(&str, &[&str])]) -> BackgroundInput {
    BackgroundInput {
        answers: pairs
            .iter()
            .map(|(id, values)| {
                let values = values.iter().map(|v| (*v).to_owned()).collect();
                ((*id).to_owned(), values)
            })
            .collect(),
        skip: false,
    }
}

/// Calls `refuse`, which must fail as invalid input on `field` with a message containing
/// `words`, and checks that no row of any table changed.
fn refused_unchanged<T: std::fmt::Debug>(
    app: &delphi_app::App,
    field: &str,
    words: &str,
    refuse: impl FnOnce() -> Result<T, AppError>,
) {
    let mut conn = app.conn().expect("connection");
    let before = snapshot(&mut conn).expect("snapshot");
    let error = refuse().expect_err("refused");
    let after = snapshot(&mut conn).expect("snapshot");
    assert_eq!(error.code(), "invalid_input", "{error}");
    assert_eq!(error.field(), Some(field), "{error}");
    assert!(error.to_string().contains(words), "{error} lacks {words:?}");
    assert!(before == after, "a refusal ({error}) changed the data");
}

#[test]
fn background_answers_are_checked_stored_once_and_exported_per_group() {
    on_each_backend(|app| {
        let slug = import(app, &with_questions(small("background")));
        open_first(app, &slug);
        let tokens = tokens(app, &slug);
        let (me, other) = (panellist(&tokens[0]), panellist(&tokens[9]));
        let early =
            questions::save_background(app, &me, &given(&[("role", &["Nurse"])])).unwrap_err();
        assert!(early.to_string().contains("consent"), "{early}");
        assert!(
            participation::consent(app, &me).unwrap(),
            "the questionnaire waits"
        );
        assert!(questions::background_pending(app, &me).unwrap());

        let long = "x".repeat(201);
        refused_unchanged(app, "b_region", "Region (region)", || {
            questions::save_background(app, &me, &given(&[("region", &[long.as_str()])]))
        });
        refused_unchanged(app, "b_role", "\"Pilot\" is not one of the options", || {
            questions::save_background(app, &me, &given(&[("role", &["Pilot"])]))
        });
        refused_unchanged(app, "b_years", "61 is outside 0 to 60", || {
            questions::save_background(app, &me, &given(&[("years", &["61"])]))
        });
        refused_unchanged(app, "b_years", "is not a whole number", || {
            questions::save_background(app, &me, &given(&[("years", &["ten"])]))
        });
        refused_unchanged(app, "b_areas", "\"A\" is chosen twice", || {
            questions::save_background(app, &me, &given(&[("areas", &["A", "A"])]))
        });
        refused_unchanged(app, "b_role", "choose one option", || {
            questions::save_background(app, &me, &given(&[("role", &["Nurse", "Doctor"])]))
        });
        refused_unchanged(app, "background", "no background question \"shoe\"", || {
            questions::save_background(app, &me, &given(&[("shoe", &["42"])]))
        });
        // One bad answer among good ones: none of them is kept.
        refused_unchanged(app, "b_years", "outside 0 to 60", || {
            let input = given(&[("role", &["Doctor"]), ("areas", &["A"]), ("years", &["-1"])]);
            questions::save_background(app, &me, &input)
        });
        assert!(
            questions::background_pending(app, &me).unwrap(),
            "still unanswered"
        );

        let good = given(&[
            ("role", &["Doctor"]),
            ("areas", &["C", "A"]),
            ("years", &["12"]),
            ("region", &["<b>North</b>"]),
        ]);
        questions::save_background(app, &me, &good).unwrap();
        assert!(
            !questions::background_pending(app, &me).unwrap(),
            "asked once"
        );
        assert!(
            !participation::consent(app, &me).unwrap(),
            "not asked again"
        );
        let view = questions::background(app, &me).unwrap();
        assert!(view.answered);
        let role = &view.questions[0];
        assert_eq!(
            role.options.iter().map(|o| o.checked).collect::<Vec<_>>(),
            [false, true]
        );
        let areas = &view.questions[1];
        assert_eq!(
            areas.options.iter().map(|o| o.checked).collect::<Vec<_>>(),
            [true, false, true]
        );
        assert_eq!(view.questions[2].value, "12");
        assert_eq!(view.questions[3].value, "<b>North</b>", "stored as typed");

        // Another panellist prefers not to answer any.
        participation::consent(app, &other).unwrap();
        questions::save_background(
            app,
            &other,
            &BackgroundInput {
                answers: Vec::new(),
                skip: true,
            },
        )
        .unwrap();
        assert!(!questions::background_pending(app, &other).unwrap());

        let record = exports::record(app, OPERATOR, &slug).unwrap();
        let first = &record.panellists[0];
        let answers: Vec<(&str, &str)> = first
            .background
            .iter()
            .map(|a| (a.question.as_str(), a.answer.as_str()))
            .collect();
        assert_eq!(
            answers,
            [
                ("Your main role", "Doctor"),
                ("Areas of work", "A"),
                ("Areas of work", "C"),
                ("Years in role", "12"),
                ("Region", "<b>North</b>"),
            ]
        );
        let last = &record.panellists[9];
        assert!(last
            .background
            .iter()
            .all(|a| a.answer == "Prefer not to say"));
        assert_eq!(last.background.len(), 4);
        assert!(record.panellists[1].background.is_empty(), "never answered");

        // The report's panel characteristics count the answers per group.
        let mut html = Vec::new();
        delphi_report::export::write_export(
            &record,
            delphi_report::export::Format::Html,
            &delphi_report::export::ExportOptions::default(),
            &delphi_render::Templates::load().expect("templates"),
            &mut html,
            &mut delphi_report::export::no_progress(),
        )
        .unwrap();
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("Your main role"), "the question is reported");
        assert!(html.contains("Prefer not to say"), "refusals are counted");
        assert!(
            html.contains("&lt;b&gt;North&lt;/b&gt;"),
            "escaped in the report"
        );
        assert!(!html.contains("<b>North</b>"));
        let mut codebook = Vec::new();
        delphi_report::export::write_export(
            &record,
            delphi_report::export::Format::Codebook,
            &delphi_report::export::ExportOptions::default(),
            &delphi_render::Templates::load().expect("templates"),
            &mut codebook,
            &mut delphi_report::export::no_progress(),
        )
        .unwrap();
        let codebook = String::from_utf8(codebook).unwrap();
        assert!(
            codebook.contains("| `role` | Your main role | single | Nurse; Doctor |"),
            "{codebook}"
        );
        assert!(
            codebook.contains("| `years` | Years in role | number | a whole number from 0 to 60 |")
        );
    });
}

#[test]
fn a_bad_questionnaire_is_refused_naming_the_question() {
    on_each_backend(|app| {
        let slug = import(app, &small("bad-config"));
        let mut settings = protocol::view(app, OPERATOR, &slug).unwrap().settings;
        let question = |id: &str, kind, options: &[&str]| BackgroundQuestion {
            id: id.to_owned(),
            label: "A question".to_owned(),
            kind,
            options: options.iter().map(|o| (*o).to_owned()).collect(),
            min: None,
            max: None,
        };
        settings.background = vec![
            question("role", QuestionKind::Single, &[]),
            question("role", QuestionKind::Multiple, &["A", "B"]),
            question("years", QuestionKind::Number, &[]),
        ];
        refused_unchanged(
            app,
            "settings",
            "background[0] (role): a single choice question needs at least 2 options",
            || protocol::update(app, OPERATOR, &slug, &settings, ""),
        );
        let error = protocol::update(app, OPERATOR, &slug, &settings, "").unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("background[1] (role): the id is used by an earlier question"),
            "{text}"
        );
        assert!(
            text.contains("background[2] (years): a number question needs both min and max"),
            "{text}"
        );

        // The same in a study folder's study.toml, named by its file.
        let toml = include_str!("../../../../examples/splw-leadership/study.toml").to_owned()
            + "\n[[settings.background]]\nid = \"role\"\nlabel = \"Role\"\nkind = \"single\"\noptions = [\"Only one\"]\n";
        let items = "code,section,text\nA1,S,First\nA2,S,Second\n";
        let panel = "email,name,group\np@example.org,P,link_workers\n";
        let problems = delphi_core::definition::StudyDefinition::parse(&toml, items, panel)
            .map(drop)
            .unwrap_err();
        let text = format!("{problems:?}");
        assert!(
            text.contains(
                "background[0] (role): a single choice question needs at least 2 options"
            ),
            "{text}"
        );
    });
}

#[test]
fn open_answers_are_bounded_saved_with_the_round_and_become_items_in_the_planner() {
    on_each_backend(|app| {
        let slug = import(app, &with_questions(small("open")));
        open_first(app, &slug);
        let tokens = tokens(app, &slug);
        for token in &tokens {
            participation::consent(app, &panellist(token)).unwrap();
        }
        let me = panellist(&tokens[0]);
        let open = |n: usize, text: &str| OpenInput {
            n,
            text: text.to_owned(),
        };
        let long = "y".repeat(2001);
        refused_unchanged(
            app,
            "o_1",
            "the question after section 1: the suggestion has 2001 characters; the limit is 2000",
            || questions::save_open_answer(app, &me, &open(1, &long)),
        );
        refused_unchanged(
            app,
            "o_3",
            "section 3 is not a section of this round (it has 2)",
            || questions::save_open_answer(app, &me, &open(3, "x")),
        );
        // With the round's answers: a bad suggestion keeps the good rating from being saved.
        refused_unchanged(app, "o_0", "the limit is 2000", || {
            participation::save_form(app, &me, &[answer("A1", Some(7))], &[open(0, &long)])
        });
        participation::save_form(
            app,
            &me,
            &[answer("A1", Some(7))],
            &[
                open(1, "Continuity of care <script>"),
                open(0, "Peer support"),
            ],
        )
        .unwrap();
        let page = delphi_app::panellist::page(app, &me).unwrap();
        let delphi_app::panellist::PageState::Rating(round) = page.state else {
            panic!("the round page");
        };
        assert_eq!(
            round.sections[0].open.as_ref().unwrap().text,
            "Continuity of care <script>"
        );
        assert_eq!(round.sections[1].open.as_ref().unwrap().text, "");
        assert_eq!(round.open.as_ref().unwrap().text, "Peer support");
        // Taking a suggestion back.
        questions::save_open_answer(app, &panellist(&tokens[6]), &open(2, "Housing")).unwrap();
        questions::save_open_answer(app, &panellist(&tokens[1]), &open(2, "Transport")).unwrap();
        questions::save_open_answer(app, &panellist(&tokens[1]), &open(2, "  ")).unwrap();
        for (index, token) in tokens.iter().enumerate() {
            let split = if index % 2 == 0 { 1 } else { 9 };
            for (code, value) in [("A1", 8), ("A2", 8), ("A3", split), ("A4", 10 - split)] {
                rate(app, token, code, value);
            }
        }
        closing::close_round(app, OPERATOR, &slug).unwrap();

        let plan = planner::plan_view(app, OPERATOR, &slug).unwrap();
        let lines: Vec<(&str, &str, &str, &str)> = plan
            .suggestions
            .iter()
            .map(|s| {
                (
                    s.section.as_str(),
                    s.pseudonym.as_str(),
                    s.group.as_str(),
                    s.text.as_str(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("", "P001", "Link workers", "Peer support"),
                (
                    "Community level",
                    "P007",
                    "Managers and supervisors",
                    "Housing"
                ),
                (
                    "Patient level",
                    "P001",
                    "Link workers",
                    "Continuity of care <script>"
                ),
            ]
        );
        let add = |pseudonym: &str, section: &str| planner::ChangeInput {
            kind: PlanChangeKind::Add,
            code: "A9".to_owned(),
            new_code: None,
            section: Some("Community level".to_owned()),
            text: Some("Peer support is offered".to_owned()),
            reason: "Suggested by a panellist".to_owned(),
            from_comment: None,
            from_suggestion: Some(planner::SuggestionSource {
                section: section.to_owned(),
                pseudonym: pseudonym.to_owned(),
            }),
        };
        refused_unchanged(
            app,
            "from_suggestion",
            "P002 made no suggestion for the whole round in round 1",
            || planner::change(app, OPERATOR, &slug, &add("P002", "")),
        );
        planner::change(app, OPERATOR, &slug, &add("P001", "")).unwrap();
        let plan = planner::plan_view(app, OPERATOR, &slug).unwrap();
        assert_eq!(plan.suggestions[0].added_as.as_deref(), Some("A9"));
        assert_eq!(plan.suggestions[1].added_as, None);
        assert_eq!(
            plan.added[0].from_comment.as_deref(),
            Some("suggestion by P001 (whole round)")
        );
        planner::open(
            app,
            OPERATOR,
            &slug,
            &delphi_app::opening::RoundOptions::default(),
        )
        .unwrap();
        // Round 2 asks no open question.
        let late = questions::save_open_answer(app, &me, &open(0, "More")).unwrap_err();
        assert!(
            late.to_string().contains("round 2 asks no open question"),
            "{late}"
        );
    });
}
