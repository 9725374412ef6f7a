//! Shared helpers: an app per backend, the example study, panellist tokens.

use delphi_app::participation::AnswerInput;
use delphi_app::{opening, participation, queries, studies, Actor, App, SecretKey};
use delphi_core::definition::StudyDefinition;
use delphi_core::states::MailKind;
use delphi_store::testing::TestDb;

/// Runs `body` once per configured backend.
pub fn on_each_backend(body: impl Fn(&App)) {
    for db in TestDb::all() {
        let app = App::new(db.pool.clone(), SecretKey::generate(), "http://delphi.test");
        eprintln!("-- on {}", db.label);
        body(&app);
    }
}

pub fn example() -> StudyDefinition {
    StudyDefinition::parse(
        include_str!("../../../../examples/splw-leadership/study.toml"),
        include_str!("../../../../examples/splw-leadership/items.csv"),
        include_str!("../../../../examples/splw-leadership/panel.csv"),
    )
    .expect("the example parses")
}

/// A small study: 4 items, 2 groups of 5, COMET rule in every group, at most 3 rounds.
pub fn small(slug: &str) -> StudyDefinition {
    let study = include_str!("../../../../examples/splw-leadership/study.toml")
        .replace("slug = \"splw-leadership\"", &format!("slug = \"{slug}\""));
    let items = "code,section,text\nA1,Patient level,First\nA2,Patient level,Second\nA3,Community level,Third\nA4,Community level,Fourth\n";
    let mut panel = String::from("email,name,group\n");
    for i in 0..10 {
        let group = if i < 5 { "link_workers" } else { "managers" };
        panel.push_str(&format!("p{i}@example.org,P {i},{group}\n"));
    }
    StudyDefinition::parse(&study, items, &panel).expect("the small study parses")
}

/// The suites arrange studies as the command-line operator.
pub const OPERATOR: &Actor = &Actor::Operator;

/// The caller a personal link makes.
pub fn panellist(token: &str) -> Actor {
    Actor::Panellist(token.to_owned())
}

/// Imports a study as the operator; returns its short name (what use cases take).
pub fn import(app: &App, definition: &StudyDefinition) -> String {
    studies::create_from_definition(app, OPERATOR, definition, None).expect("import");
    definition.slug.clone()
}

/// A study's id (what the store's queries take), from its short name.
pub fn study_id(app: &App, slug: &str) -> String {
    let mut conn = app.conn().expect("connection");
    delphi_store::studies::find_by_slug(&mut conn, slug)
        .expect("a lookup")
        .expect("the study")
        .id
}

/// The personal tokens of a study's panel, in pseudonym order.
pub fn tokens(app: &App, slug: &str) -> Vec<String> {
    queries::panellist_links(app, OPERATOR, slug)
        .expect("links")
        .into_iter()
        .map(|link| link.link.rsplit('/').next().expect("token").to_owned())
        .collect()
}

pub fn open_first(app: &App, slug: &str) -> opening::OpenedRound {
    opening::open_first_round(app, OPERATOR, slug, &opening::RoundOptions::default())
        .expect("round 1 opens")
}

pub fn rate(app: &App, token: &str, code: &str, rating: i32) {
    participation::save_answer(app, &panellist(token), &answer(code, Some(rating)))
        .expect("rating saves");
}

pub fn answer(code: &str, rating: Option<i32>) -> AnswerInput {
    AnswerInput {
        item_code: code.to_owned(),
        rating,
        unable_to_rate: false,
        comment: None,
        reason: None,
    }
}

pub fn count_outbox(app: &App, round_id: &str, kind: MailKind) -> usize {
    let mut conn = app.conn().expect("connection");
    delphi_store::outbox::for_round(&mut conn, round_id)
        .expect("outbox")
        .into_iter()
        .filter(|m| m.kind == kind)
        .count()
}

/// `definition` asking round 1's open question per section and overall, and four background
/// questions: `role` (single: Nurse, Doctor), `areas` (multiple: A, B, C), `years` (number
/// 0-60) and `region` (text).
pub fn with_questions(mut definition: StudyDefinition) -> StudyDefinition {
    use delphi_core::questions::{BackgroundQuestion, OpenQuestionSettings, QuestionKind};
    let question = |id: &str, label: &str, kind, options: &[&str], range: Option<(i64, i64)>| {
        BackgroundQuestion {
            id: id.to_owned(),
            label: label.to_owned(),
            kind,
            options: options.iter().map(|o| (*o).to_owned()).collect(),
            min: range.map(|r| r.0),
            max: range.map(|r| r.1),
        }
    };
    definition.settings.open_questions = OpenQuestionSettings {
        per_section: true,
        overall: true,
    };
    definition.settings.background = vec![
        question(
            "role",
            "Your main role",
            QuestionKind::Single,
            &["Nurse", "Doctor"],
            None,
        ),
        question(
            "areas",
            "Areas of work",
            QuestionKind::Multiple,
            &["A", "B", "C"],
            None,
        ),
        question(
            "years",
            "Years in role",
            QuestionKind::Number,
            &[],
            Some((0, 60)),
        ),
        question("region", "Region", QuestionKind::Text, &[], None),
    ];
    definition
}
