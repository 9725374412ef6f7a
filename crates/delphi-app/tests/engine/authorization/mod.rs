//! Who may call which use case: every use case × every kind of caller, on SQLite and
//! PostgreSQL. What is allowed succeeds; every refusal is the typed `AppError::Refused`
//! and changes nothing (every row of every table compared before and after).

use delphi_app::email_templates::{self, CustomWording};
use delphi_app::opening::RoundOptions;
use delphi_app::participation::AnswerInput;
use delphi_app::{
    closing, dashboard, exports, moderation, next_round, opening, outbox, panellist, participation,
    planner, queries, questions, reminders, studies, users, Actor, App, AppError, SecretKey,
};
use delphi_core::definition::{ItemDefinition, PanellistDefinition};
use delphi_core::states::{CommentDecision, MailKind, PlanChangeKind, Role};
use delphi_core::values::{Email, GroupCode, ItemCode};
use delphi_render::Templates;
use delphi_store::testing::{snapshot, TestDb};

use crate::support::{answer, panellist, small, tokens, with_questions, OPERATOR};

mod cases;
use cases::cases;

/// The kinds of caller the matrix tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    NoUser,
    UnknownUser,
    Analyst,
    Researcher,
    Owner,
    OwnerOfAnother,
    PanellistHere,
    PanellistElsewhere,
    Operator,
    MailWorker,
}

const CALLERS: [Caller; 10] = [
    Caller::NoUser,
    Caller::UnknownUser,
    Caller::Analyst,
    Caller::Researcher,
    Caller::Owner,
    Caller::OwnerOfAnother,
    Caller::PanellistHere,
    Caller::PanellistElsewhere,
    Caller::Operator,
    Caller::MailWorker,
];

/// Who a use case lets in.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// Anyone with a role in the study (analysts included), and the operator.
    Readers,
    /// Researchers and owners of the study, and the operator.
    Managers,
    /// Owners of the study, and the operator.
    Owners,
    /// Any signed-in user (who becomes the owner), and the operator.
    Users,
    /// A panellist, by their own link (it reaches only their own study).
    Panellists,
    /// The operator and the mail worker (work across every study).
    System,
    /// The operator (and site administrators, of whom the matrix has none).
    Operators,
}

fn allowed(who: Who, caller: Caller) -> bool {
    use Caller::*;
    match who {
        Who::Readers => matches!(caller, Analyst | Researcher | Owner | Operator),
        Who::Managers => matches!(caller, Researcher | Owner | Operator),
        Who::Owners => matches!(caller, Owner | Operator),
        Who::Users => matches!(
            caller,
            Analyst | Researcher | Owner | OwnerOfAnother | Operator
        ),
        Who::Panellists => matches!(caller, PanellistHere | PanellistElsewhere),
        Who::System => matches!(caller, Operator | MailWorker),
        Who::Operators => caller == Operator,
    }
}

/// How far the study under test has come before the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd)]
enum Stage {
    Draft,
    Open,
    Closed,
}

/// The studies and callers of one attempt.
struct World {
    /// The study under test.
    slug: String,
    /// A failed message of its round 1 (from `Stage::Open`).
    failed_message: String,
    actors: Vec<(Caller, Actor)>,
}

impl World {
    fn actor(&self, caller: Caller) -> &Actor {
        &self
            .actors
            .iter()
            .find(|(c, _)| *c == caller)
            .expect("every caller has an actor")
            .1
    }
}

/// The users of a database: (analyst, researcher, owner, owner of another study), by id.
fn users_of(app: &App) -> [String; 4] {
    let mut conn = app.conn().expect("connection");
    ["analyst", "researcher", "owner", "other"].map(|name| {
        let row = delphi_store::users::UserRow {
            id: delphi_app::new_id(),
            email: format!("{name}@example.org"),
            display_name: name.to_owned(),
            // Never signs in: the matrix calls use cases directly.
            password_hash: "not a hash".to_owned(),
            is_admin: false,
            created_at: delphi_store::now(),
        };
        delphi_store::users::insert(&mut conn, &row).expect("a user");
        row.id
    })
}

fn world(app: &App, users: &[String; 4], n: usize, stage: Stage) -> World {
    let (slug, other) = (format!("here-{n}"), format!("there-{n}"));
    let asking = |slug: &str| with_questions(small(slug));
    studies::create_from_definition(app, OPERATOR, &asking(&slug), None).expect("imports");
    studies::create_from_definition(app, OPERATOR, &asking(&other), None).expect("imports");
    let member = |study: &str, user: usize, role| {
        let email = format!(
            "{}@example.org",
            ["analyst", "researcher", "owner", "other"][user]
        );
        users::add_member(app, OPERATOR, study, &email, role).expect("a member");
    };
    member(&slug, 0, Role::Analyst);
    member(&slug, 1, Role::Researcher);
    member(&slug, 2, Role::Owner);
    member(&other, 3, Role::Owner);
    opening::open_first_round(app, OPERATOR, &other, &RoundOptions::default()).expect("opens");
    let there = tokens(app, &other)[0].clone();
    participation::consent(app, &panellist(&there)).expect("consents");
    let here = tokens(app, &slug)[0].clone();
    let mut failed_message = String::new();
    if stage >= Stage::Open {
        let round = opening::open_first_round(app, OPERATOR, &slug, &RoundOptions::default())
            .expect("opens");
        let mut conn = app.conn().expect("connection");
        let first = delphi_store::outbox::for_round(&mut conn, &round.round_id).expect("outbox")[0]
            .id
            .clone();
        delphi_store::outbox::mark_failed(&mut conn, &first, "550 no such mailbox").expect("fails");
        failed_message = first;
        participation::consent(app, &panellist(&here)).expect("consents");
    }
    if stage >= Stage::Closed {
        for (index, token) in tokens(app, &slug).into_iter().enumerate() {
            let me = panellist(&token);
            participation::consent(app, &me).expect("consents");
            // A1 and A2 reach consensus; A3 and A4 split the panel, so a round 2 can open.
            let split = if index % 2 == 0 { 1 } else { 9 };
            for (code, value) in [("A1", 8), ("A2", 8), ("A3", split), ("A4", 10 - split)] {
                let mut given = answer(code, Some(value));
                // One comment to moderate and to add an item from.
                if index == 0 && code == "A3" {
                    given.comment = Some("Say what kind of support is meant".to_owned());
                }
                participation::save_answer(app, &me, &given).expect("saves");
            }
            if index == 0 {
                let missing = delphi_app::questions::OpenInput {
                    n: 0,
                    text: "Peer support is missing".to_owned(),
                };
                delphi_app::questions::save_open_answer(app, &me, &missing).expect("suggests");
            }
        }
        closing::close_round(app, OPERATOR, &slug).expect("closes");
    }
    let [analyst, researcher, owner, other_owner] = users.clone();
    World {
        slug,
        failed_message,
        actors: vec![
            (Caller::NoUser, Actor::Anonymous),
            (Caller::UnknownUser, Actor::User(delphi_app::new_id())),
            (Caller::Analyst, Actor::User(analyst)),
            (Caller::Researcher, Actor::User(researcher)),
            (Caller::Owner, Actor::User(owner)),
            (Caller::OwnerOfAnother, Actor::User(other_owner)),
            (Caller::PanellistHere, panellist(&here)),
            (Caller::PanellistElsewhere, panellist(&there)),
            (Caller::Operator, Actor::Operator),
            (Caller::MailWorker, Actor::MailWorker),
        ],
    }
}

type Run = fn(&App, &Actor, &World, usize) -> Result<(), AppError>;

struct Case {
    name: &'static str,
    who: Who,
    stage: Stage,
    run: Run,
}

#[test]
fn every_use_case_lets_in_exactly_its_callers_and_a_refusal_changes_nothing() {
    let mut problems = Vec::new();
    let mut matrix = String::from("use case / callers:");
    for caller in CALLERS {
        matrix.push_str(&format!(" {caller:?}"));
    }
    matrix.push('\n');
    let cases = cases();
    for db in TestDb::all() {
        let app = App::new(db.pool.clone(), SecretKey::generate(), "http://delphi.test");
        let users = users_of(&app);
        // Refusals first, on one world per stage: since none may change anything (each is
        // checked against a snapshot of every table), they can share it.
        let stages = [Stage::Draft, Stage::Open, Stage::Closed];
        let shared: Vec<World> = (0..stages.len())
            .map(|n| world(&app, &users, n, stages[n]))
            .collect();
        let mut conn = app.conn().expect("connection");
        for case in &cases {
            let refused_world = &shared[stages.iter().position(|s| *s == case.stage).unwrap_or(0)];
            for caller in CALLERS.into_iter().filter(|c| !allowed(case.who, *c)) {
                let before = snapshot(&mut conn).expect("snapshot");
                let outcome = (case.run)(&app, refused_world.actor(caller), refused_world, 900);
                let after = snapshot(&mut conn).expect("snapshot");
                match outcome {
                    Err(AppError::Refused(_)) if before == after => {}
                    Err(AppError::Refused(why)) => problems.push(format!(
                        "{} by {caller:?} on {}: refused ({why:?}) but changed the data",
                        case.name, db.label
                    )),
                    other => problems.push(format!(
                        "{} by {caller:?} on {}: should be refused, got {other:?}",
                        case.name, db.label
                    )),
                }
            }
        }
        drop(conn);
        // Each allowed caller on a world of its own, in the stage the use case needs.
        let mut worlds = shared.len();
        for case in &cases {
            let mut line = format!("{:<34}", case.name);
            for caller in CALLERS {
                let allow = allowed(case.who, caller);
                line.push_str(if allow { " yes" } else { "  - " });
                if !allow {
                    continue;
                }
                let fresh = world(&app, &users, worlds, case.stage);
                worlds += 1;
                if let Err(error) = (case.run)(&app, fresh.actor(caller), &fresh, worlds) {
                    problems.push(format!(
                        "{} by {caller:?} on {}: should succeed, got {error:?}",
                        case.name, db.label
                    ));
                }
            }
            if db.label == "sqlite" {
                matrix.push_str(&line);
                matrix.push('\n');
            }
        }
    }
    eprintln!("{matrix}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
