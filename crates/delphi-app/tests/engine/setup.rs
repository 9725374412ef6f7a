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

const STUDY_TOML: &str = include_str!("../../../../examples/splw-leadership/study.toml");
const ITEMS_CSV: &str = include_str!("../../../../examples/splw-leadership/items.csv");
const PANEL_CSV: &str = include_str!("../../../../examples/splw-leadership/panel.csv");

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

/// A workbook with the example's study, items and panel (and `extra_panel` rows after it).
fn workbook(extra_panel: &[[&str; 3]]) -> Vec<u8> {
    workbook_named("from-workbook", extra_panel)
}

fn workbook_named(slug: &str, extra_panel: &[[&str; 3]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let study = book.add_worksheet().set_name("study").unwrap();
    let rows: &[(&str, &str)] = &[
        (
            "info_url",
            "https://example.ac.uk/splw-study/participant-information",
        ),
        ("team_institution", "University of Exampleton"),
        ("ethics_reference", "UEX-REC 2026/041"),
        ("time_zone", "Europe/London"),
        ("slug", slug),
        ("title", "Leadership for link workers"),
        ("consent_text", "I agree to take part."),
        ("team_name", "The SPLW team"),
        ("team_contact", "team@example.ac.uk"),
        ("scale_min", "1"),
        ("scale_max", "9"),
        ("unable_to_rate", "yes"),
        ("preset", "comet"),
        ("section", "Patient level"),
        ("section", "Organisational level"),
        ("section", "Community level"),
        ("group", "link_workers: Link workers"),
        ("group", "managers: Managers"),
        ("group", "commissioners: Commissioners"),
        ("group", "clinicians: GPs"),
        ("group", "lived_experience: Lived experience"),
    ];
    study.write_string(0, 0, "key").unwrap();
    study.write_string(0, 1, "value").unwrap();
    for (i, (key, value)) in rows.iter().enumerate() {
        study.write_string(i as u32 + 1, 0, *key).unwrap();
        study.write_string(i as u32 + 1, 1, *value).unwrap();
    }
    for (name, csv) in [("items", ITEMS_CSV), ("panel", PANEL_CSV)] {
        let sheet = book.add_worksheet().set_name(name).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv.as_bytes());
        let mut row = 0;
        for record in reader.records() {
            for (col, cell) in record.unwrap().iter().enumerate() {
                sheet.write_string(row, col as u16, cell).unwrap();
            }
            row += 1;
        }
        if name == "panel" {
            for extra in extra_panel {
                for (col, cell) in extra.iter().enumerate() {
                    sheet.write_string(row, col as u16, *cell).unwrap();
                }
                row += 1;
            }
        }
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn a_workbook_creates_a_study_and_its_bad_rows_are_named_by_sheet_and_row() {
    on_each_backend(|app| {
        let me = researcher(app, "book@example.org");
        let slug = files::create_from_workbook(app, &me, &workbook(&[])).expect("imported");
        assert_eq!(items::list(app, &me, &slug).unwrap().items.len(), 36);
        assert_eq!(panel::list(app, &me, &slug).unwrap().people.len(), 40);

        let bad = workbook(&[["nobody", "", "managers"], ["p@example.org", "", "pilots"]]);
        let message = refused_changing_nothing(app, "bad workbook rows", || {
            files::create_from_workbook(app, &me, &bad).map(drop)
        });
        assert!(message.contains("sheet panel line 42:"), "{message}");
        assert!(
            message.contains("sheet panel line 43: unknown group"),
            "{message}"
        );
        let message = refused_changing_nothing(app, "not a workbook", || {
            files::create_from_workbook(app, &me, b"PK\x03\x04 not really").map(drop)
        });
        assert!(message.contains("not an XLSX workbook"), "{message}");
    });
}

#[test]
fn draft_items_are_added_edited_moved_and_deleted_and_bad_ones_refused() {
    on_each_backend(|app| {
        let me = researcher(app, "items@example.org");
        let slug = create::from_fields(app, &me, &fields("items")).unwrap();
        items::add(app, &me, &slug, "A1", "Patient level", "First").unwrap();
        items::add(app, &me, &slug, "A2", "Community level", "Second").unwrap();
        items::add(app, &me, &slug, "A3", "Community level", "Third").unwrap();
        let cases: Vec<(&str, Attempt<'_>, &str)> = vec![
            (
                "code twice",
                Box::new(|| items::add(app, &me, &slug, "A1", "Patient level", "Again")),
                "already used",
            ),
            (
                "bad code",
                Box::new(|| items::add(app, &me, &slug, "a b", "Patient level", "X")),
                "code",
            ),
            (
                "unknown section",
                Box::new(|| items::add(app, &me, &slug, "A9", "Elsewhere", "X")),
                "unknown section",
            ),
            (
                "empty text",
                Box::new(|| items::add(app, &me, &slug, "A9", "Patient level", "  ")),
                "empty",
            ),
            (
                "edit of an unknown item",
                Box::new(|| items::edit(app, &me, &slug, "Z9", "Patient level", "X")),
                "no item Z9",
            ),
        ];
        for (case, act, expected) in cases {
            let message = refused_changing_nothing(app, case, act);
            assert!(message.contains(expected), "{case}: {message}");
        }
        items::edit(app, &me, &slug, "A1", "Community level", "First, reworded").unwrap();
        items::reorder(app, &me, &slug, "A3", items::Direction::Up).unwrap();
        items::delete(app, &me, &slug, "A2").unwrap();
        let view = items::list(app, &me, &slug).unwrap();
        let codes: Vec<&str> = view.items.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["A1", "A3"]);
        assert_eq!(view.items[0].section, "Community level");
        assert_eq!(view.items[0].text, "First, reworded");
        let more = Upload {
            name: "more.csv".into(),
            bytes: b"code,section,text\nB1,Patient level,More\nB2,Nowhere,Bad\n".to_vec(),
        };
        let message = refused_changing_nothing(app, "a bad import", || {
            files::import_items(app, &me, &slug, &more).map(drop)
        });
        assert!(
            message.contains("items.csv line 3: unknown section"),
            "{message}"
        );
        let again = Upload {
            name: "again.csv".into(),
            bytes: b"code,section,text\nA1,Patient level,Again\n".to_vec(),
        };
        let message = refused_changing_nothing(app, "an imported code used already", || {
            files::import_items(app, &me, &slug, &again).map(drop)
        });
        assert!(
            message.contains("items.csv line 2: item code A1 is already used"),
            "{message}"
        );

        let analyst = researcher(app, "analyst@example.org");
        let refused = items::add(app, &analyst, &slug, "C1", "Patient level", "X").unwrap_err();
        assert!(matches!(
            refused,
            AppError::Refused(Refusal::NoSuchStudy { .. })
        ));
    });
}

#[test]
fn the_panel_changes_and_a_revoked_link_answers_like_an_unknown_one() {
    on_each_backend(|app| {
        let slug = import(app, &small("panel"));
        let more = Upload {
            name: "panel.csv".into(),
            bytes: b"email,name,group\nnew@example.org,New,managers\np0@example.org,Dup,managers\nbad,,managers\n"
                .to_vec(),
        };
        let message = refused_changing_nothing(app, "duplicates and bad addresses", || {
            files::import_panel(app, OPERATOR, &slug, &more).map(drop)
        });
        assert!(
            message.contains("panel.csv line 3: p0@example.org is already on the panel"),
            "{message}"
        );
        assert!(message.contains("panel.csv line 4:"), "{message}");
        panel::add_one(app, OPERATOR, &slug, "late@example.org", "Late", "managers").unwrap();
        let late = panel::list(app, OPERATOR, &slug)
            .unwrap()
            .people
            .pop()
            .unwrap();
        panel::remove(app, OPERATOR, &slug, &late.pseudonym).expect("never invited: removed");
        panel::change_group(app, OPERATOR, &slug, "P001", "managers").unwrap();
        let message = refused_changing_nothing(app, "unknown group", || {
            panel::change_group(app, OPERATOR, &slug, "P001", "pilots")
        });
        assert!(message.contains("unknown group"), "{message}");

        let opened = open_first(app, &slug);
        let tokens = tokens(app, &slug);
        let message = refused_changing_nothing(app, "remove an invited panellist", || {
            panel::remove(app, OPERATOR, &slug, "P002")
        });
        assert!(message.contains("record a withdrawal"), "{message}");

        // Revoked: the same refusal as a link that never existed.
        delphi_app::studies::revoke_link(app, OPERATOR, &slug, "P002").unwrap();
        let revoked = delphi_app::panellist::page(app, &panellist(&tokens[1])).unwrap_err();
        let unknown =
            delphi_app::panellist::page(app, &panellist("A".repeat(43).as_str())).unwrap_err();
        assert!(
            matches!(revoked, AppError::Refused(Refusal::UnknownLink)),
            "{revoked:?}"
        );
        assert_eq!(revoked.to_string(), unknown.to_string());

        // Reissued: the old link stops, the new one works and is queued by email.
        let before = count_outbox(app, &opened.round_id, MailKind::Invitation);
        let reissued = panel::reissue(app, OPERATOR, &slug, "P003").unwrap();
        assert!(reissued.emailed);
        assert_eq!(
            count_outbox(app, &opened.round_id, MailKind::Invitation),
            before + 1
        );
        assert!(delphi_app::panellist::page(app, &panellist(&tokens[2])).is_err());
        let new_token = reissued.link.rsplit('/').next().unwrap();
        delphi_app::panellist::page(app, &panellist(new_token)).expect("the new link opens");

        panel::withdraw_on_request(app, OPERATOR, &slug, "P004").unwrap();
        let page = delphi_app::panellist::page(app, &panellist(&tokens[3])).unwrap();
        assert!(matches!(
            page.state,
            delphi_app::panellist::PageState::Withdrawn { .. }
        ));
    });
}

#[test]
fn the_protocol_locks_at_round_one_and_changes_after_are_amendments_with_reasons() {
    on_each_backend(|app| {
        let slug = import(app, &small("protocol"));
        let mut settings = protocol::view(app, OPERATOR, &slug).unwrap().settings;
        settings.stopping.max_rounds = 4;
        assert_eq!(
            protocol::update(app, OPERATOR, &slug, &settings, "").unwrap(),
            Updated::Saved
        );
        assert!(protocol::view(app, OPERATOR, &slug)
            .unwrap()
            .locked_at
            .is_none());

        // A draft previews on a simulated panel.
        let preview = protocol::preview(app, OPERATOR, &slug, &settings.consensus).unwrap();
        assert!(preview.source.contains("simulated"), "{}", preview.source);
        assert_eq!(preview.lines.len(), 4);

        open_first(app, &slug);
        let tokens = tokens(app, &slug);
        for token in &tokens {
            participation::consent(app, &panellist(token)).unwrap();
            for code in ["A1", "A2", "A3", "A4"] {
                rate(app, token, code, 8);
            }
            participation::submit(app, &panellist(token)).unwrap();
        }
        closing::close_round(app, OPERATOR, &slug).unwrap();
        let view = protocol::view(app, OPERATOR, &slug).unwrap();
        assert!(view.locked_at.is_some(), "round 1 locked the protocol");
        let stored_before = format!(
            "{:?}",
            queries::round_results(app, OPERATOR, &slug, 1).unwrap()
        );

        let mut scale = view.settings.clone();
        scale.scale.max = 7;
        scale.scale.agree = [6, 7];
        scale.scale.labels.clear();
        let message = refused_changing_nothing(app, "an edit of the locked scale", || {
            protocol::update(app, OPERATOR, &slug, &scale, "a reason").map(drop)
        });
        assert!(message.contains("scale is locked"), "{message}");

        let mut rule = view.settings.clone();
        rule.consensus.consensus_in = "pct(7, 9) >= 80".to_owned();
        rule.consensus.preset = None;
        let message = refused_changing_nothing(app, "an amendment without a reason", || {
            protocol::update(app, OPERATOR, &slug, &rule, "  ").map(drop)
        });
        assert!(message.contains("needs a reason"), "{message}");

        let outcome = protocol::update(
            app,
            OPERATOR,
            &slug,
            &rule,
            "The steering group asked for 80 %",
        )
        .unwrap();
        assert!(
            matches!(outcome, Updated::Amended(ref s) if s.contains("pct(7, 9) >= 80")),
            "{outcome:?}"
        );
        let view = protocol::view(app, OPERATOR, &slug).unwrap();
        assert_eq!(view.amendments.len(), 1);
        assert_eq!(
            view.amendments[0].reason,
            "The steering group asked for 80 %"
        );
        let mut conn = app.conn().unwrap();
        let audit = delphi_store::audit::for_study(&mut conn, &study_id(app, &slug)).unwrap();
        assert!(audit
            .iter()
            .any(|a| a.action == "protocol.amended" && a.detail.contains("steering group")));
        // Round 1 keeps the classification made under the rule in force then.
        assert_eq!(
            format!(
                "{:?}",
                queries::round_results(app, OPERATOR, &slug, 1).unwrap()
            ),
            stored_before
        );
        // The latest results preview under the draft rule.
        let preview = protocol::preview(app, OPERATOR, &slug, &rule.consensus).unwrap();
        assert_eq!(preview.source, "round 1's answers");
        assert_eq!(preview.tally[0], 4, "all rated 8: in under 80 % too");
    });
}

/// `examples/splw-leadership/splw-leadership.xlsx` (the browser test uploads it) is the
/// example as one workbook; `UPDATE_EXAMPLES=1` writes it again.
#[test]
fn the_example_workbook_imports() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/splw-leadership/splw-leadership.xlsx");
    if std::env::var_os("UPDATE_EXAMPLES").is_some() {
        std::fs::write(&path, workbook_named("splw-workbook", &[])).expect("written");
    }
    let bytes = std::fs::read(&path).expect("the example workbook");
    on_each_backend(|app| {
        let me = researcher(app, "example@example.org");
        let slug = files::create_from_workbook(app, &me, &bytes).expect("imports");
        assert_eq!(slug, "splw-workbook");
        assert_eq!(items::list(app, &me, &slug).unwrap().items.len(), 36);
    });
}

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
