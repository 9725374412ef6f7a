//! Setting a study up (issue 13): created from fields, folder files or a workbook; every bad
//! input refused by name with nothing saved; a draft replaced by a corrected import; items and
//! panel changed while in draft; links revoked and reissued; the protocol locked at round 1
//! and amended only with a reason.
#![allow(clippy::unwrap_used)] // test helpers: a failed step is the test failing

use delphi_app::setup::files::{FolderUpload, Upload};
use delphi_app::setup::protocol::{self, Updated};
use delphi_app::setup::{create, files, items, panel};
use delphi_app::{closing, participation, queries, users, Actor, App, AppError, Refusal};
use delphi_core::definition::StudyFields;
use delphi_core::states::{MailKind, Role};
use delphi_store::testing::snapshot;

use crate::support::*;

const STUDY_TOML: &str = include_str!("../../../../../examples/splw-leadership/study.toml");
const ITEMS_CSV: &str = include_str!("../../../../../examples/splw-leadership/items.csv");
const PANEL_CSV: &str = include_str!("../../../../../examples/splw-leadership/panel.csv");

/// A change that spoils a good form.
type Spoil = Box<dyn Fn(&mut StudyFields)>;
/// A use case call that must be refused.
type Attempt<'a> = Box<dyn Fn() -> Result<(), AppError> + 'a>;

/// A researcher with a login (who becomes the owner of what they create).
fn researcher(app: &App, email: &str) -> Actor {
    let user = users::create_user(
        app,
        OPERATOR,
        email,
        "Researcher",
        "a long enough password",
        false,
    )
    .expect("a login");
    Actor::User(user.id)
}

fn fields(slug: &str) -> StudyFields {
    StudyFields {
        slug: slug.to_owned(),
        title: "Leadership for link workers".to_owned(),
        description: "What leadership means for link workers.".to_owned(),
        consent_text: "I agree to take part.".to_owned(),
        info_url: "https://example.ac.uk/info".to_owned(),
        team_name: "The SPLW team".to_owned(),
        team_institution: "University of Exampleton".to_owned(),
        team_contact: "team@example.ac.uk".to_owned(),
        ethics_reference: "REC 1".to_owned(),
        time_zone: "Europe/London".to_owned(),
        scale_min: "1".to_owned(),
        scale_max: "9".to_owned(),
        labels: String::new(),
        unable_to_rate: "on".to_owned(),
        sections: "Patient level\nCommunity level".to_owned(),
        groups: "link_workers: Link workers\nmanagers: Managers".to_owned(),
        preset: "comet_all_groups".to_owned(),
        registry_id: String::new(),
    }
}

fn file(name: &str, text: &str) -> Option<Upload> {
    Some(Upload {
        name: name.to_owned(),
        bytes: text.as_bytes().to_vec(),
    })
}

/// Runs `act`, which must fail, and checks that nothing was written.
fn refused_changing_nothing(
    app: &App,
    case: &str,
    act: impl FnOnce() -> Result<(), AppError>,
) -> String {
    let mut conn = app.conn().expect("connection");
    let before = snapshot(&mut conn).expect("snapshot");
    let error = act().expect_err(case);
    assert_eq!(
        snapshot(&mut conn).expect("snapshot"),
        before,
        "{case}: nothing is saved"
    );
    error.to_string()
}

#[test]
fn a_study_from_the_form_belongs_to_its_creator_and_names_its_team() {
    on_each_backend(|app| {
        let me = researcher(app, "owner@example.org");
        let slug = create::from_fields(app, &me, &fields("by-form")).expect("created");
        let list = queries::studies_for(app, &me).expect("my studies");
        assert!(list.iter().any(|s| s.slug == slug));
        let mut conn = app.conn().expect("connection");
        let study = delphi_store::studies::find_by_slug(&mut conn, &slug)
            .unwrap()
            .unwrap();
        assert_eq!(study.team_contact, "team@example.ac.uk");
        assert_eq!(study.time_zone, "Europe/London");
        let role = delphi_store::studies::member_role(
            &mut conn,
            &study.id,
            match &me {
                Actor::User(id) => id,
                _ => unreachable!(),
            },
        )
        .unwrap();
        assert_eq!(role, Some(Role::Owner));
        let view = items::list(app, &me, &slug).expect("items page");
        assert_eq!(view.sections, ["Patient level", "Community level"]);
        assert!(view.draft && view.items.is_empty());
    });
}

#[test]
fn every_bad_form_is_refused_by_name_and_nothing_is_saved() {
    on_each_backend(|app| {
        let me = researcher(app, "forms@example.org");
        let cases: Vec<(&str, Spoil, &str)> = vec![
            (
                "empty title",
                Box::new(|f| f.title.clear()),
                "title is empty",
            ),
            (
                "bad short name",
                Box::new(|f| f.slug = "Not OK".into()),
                "slug \"Not OK\"",
            ),
            (
                "reserved short name",
                Box::new(|f| f.slug = "new".into()),
                "slug \"new\" is taken",
            ),
            (
                "no consent",
                Box::new(|f| f.consent_text = " ".into()),
                "consent_text is empty",
            ),
            (
                "contact not an address",
                Box::new(|f| f.team_contact = "team at uni".into()),
                "team.contact",
            ),
            (
                "information link not https",
                Box::new(|f| f.info_url = "javascript:alert(1)".into()),
                "team.info_url",
            ),
            (
                "unknown time zone",
                Box::new(|f| f.time_zone = "Moon Base".into()),
                "team.time_zone",
            ),
            (
                "scale not a number",
                Box::new(|f| f.scale_max = "nine".into()),
                "scale_max",
            ),
            (
                "scale too wide",
                Box::new(|f| f.scale_max = "500".into()),
                "scale",
            ),
            (
                "labels do not fit the scale",
                Box::new(|f| f.labels = "low\nhigh".into()),
                "scale.labels",
            ),
            (
                "no groups",
                Box::new(|f| f.groups.clear()),
                "at least one stakeholder group",
            ),
            (
                "bad group code",
                Box::new(|f| f.groups = "bad code!: X".into()),
                "groups line 1",
            ),
            (
                "group twice",
                Box::new(|f| f.groups = "a: A\na: B".into()),
                "appears twice",
            ),
            (
                "unknown preset",
                Box::new(|f| f.preset = "majority".into()),
                "preset",
            ),
            (
                "control character",
                Box::new(|f| f.title = "Bell\u{7}".into()),
                "title",
            ),
        ];
        for (case, spoil, expected) in cases {
            let mut bad = fields("spoilt");
            spoil(&mut bad);
            let message = refused_changing_nothing(app, case, || {
                create::from_fields(app, &me, &bad).map(drop)
            });
            assert!(message.contains(expected), "{case}: {message}");
        }
    });
}

#[test]
fn uploaded_files_create_a_draft_and_bad_rows_are_named_by_file_and_line() {
    on_each_backend(|app| {
        let me = researcher(app, "files@example.org");
        let folder = FolderUpload {
            study_toml: file("study.toml", STUDY_TOML),
            items_csv: file("items.csv", ITEMS_CSV),
            panel_csv: file("panel.csv", PANEL_CSV),
        };
        let slug = files::create_from_folder(app, &me, &folder).expect("imported");
        assert_eq!(slug, "splw-leadership");
        assert_eq!(items::list(app, &me, &slug).unwrap().items.len(), 36);

        let bad_panel = format!("{PANEL_CSV}not-an-address,X,link_workers\namina.ahmed@example.org,Again,managers\nz@example.org,Z,nobody\n");
        let lines = PANEL_CSV.lines().count();
        let bad = FolderUpload {
            panel_csv: file("panel.csv", &bad_panel),
            ..folder.clone()
        };
        let message = refused_changing_nothing(app, "bad panel rows", || {
            files::create_from_folder(app, &me, &bad).map(drop)
        });
        for line in [lines + 1, lines + 2, lines + 3] {
            assert!(
                message.contains(&format!("panel.csv line {line}:")),
                "{line}: {message}"
            );
        }
        let cases = [
            (
                "no study.toml",
                FolderUpload {
                    study_toml: None,
                    ..folder.clone()
                },
                "study.toml: choose",
            ),
            (
                "items not UTF-8",
                FolderUpload {
                    items_csv: Some(Upload {
                        name: "items.csv".into(),
                        bytes: vec![b'c', 0xff, 0xfe],
                    }),
                    ..folder.clone()
                },
                "items.csv: the file is not UTF-8",
            ),
            (
                "item without text",
                FolderUpload {
                    items_csv: file("items.csv", "code,section,text\nA1,Patient level,\n"),
                    ..folder.clone()
                },
                "items.csv line 2: empty text",
            ),
            (
                "broken toml",
                FolderUpload {
                    study_toml: file("study.toml", "slug = \n"),
                    ..folder.clone()
                },
                "study.toml line 1",
            ),
        ];
        for (case, upload, expected) in cases {
            let message = refused_changing_nothing(app, case, || {
                files::create_from_folder(app, &me, &upload).map(drop)
            });
            assert!(message.contains(expected), "{case}: {message}");
        }
    });
}

#[test]
fn a_corrected_import_replaces_the_draft_but_not_someone_elses_or_a_running_study() {
    on_each_backend(|app| {
        let me = researcher(app, "again@example.org");
        let small_items = "code,section,text\nA1,Patient level,First\n";
        let first = FolderUpload {
            study_toml: file("study.toml", STUDY_TOML),
            items_csv: file("items.csv", small_items),
            panel_csv: None,
        };
        files::create_from_folder(app, &me, &first).expect("first import");
        let corrected = FolderUpload {
            items_csv: file("items.csv", ITEMS_CSV),
            panel_csv: file("panel.csv", PANEL_CSV),
            ..first.clone()
        };
        files::create_from_folder(app, &me, &corrected).expect("the draft is replaced");
        let view = items::list(app, &me, "splw-leadership").unwrap();
        assert_eq!(
            view.items.len(),
            36,
            "the corrected items replaced the first ones"
        );
        assert_eq!(
            panel::list(app, &me, "splw-leadership")
                .unwrap()
                .people
                .len(),
            40
        );

        let other = researcher(app, "other@example.org");
        let message = refused_changing_nothing(app, "someone else's draft", || {
            files::create_from_folder(app, &other, &corrected).map(drop)
        });
        assert!(message.contains("exists already"), "{message}");

        open_first(app, "splw-leadership");
        let message = refused_changing_nothing(app, "a running study", || {
            files::create_from_folder(app, &me, &corrected).map(drop)
        });
        assert!(message.contains("has started"), "{message}");
    });
}

mod draft;
mod locking;
mod members;
mod workbook;
