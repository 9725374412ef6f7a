//! The exports' record read from the database: complete, consistent, by pseudonym only,
//! and the responses CSV written from it gives back every stored result; the contact list
//! is for owners alone, and each one taken is in the audit log.

use std::collections::HashMap;

use delphi_app::{exports, users, AppError, Refusal};
use delphi_core::states::{Role, RoundStatus};
use delphi_report::export::{no_progress, write_responses_csv, ResponsesCsvOptions};
use delphi_report::record::WHOLE_PANEL;
use delphi_store::testing::snapshot;

use crate::fixture;
use crate::support::{on_each_backend, OPERATOR};

const HOSTILE: &str = "=HYPERLINK(\"http://evil.example/\",\"x\") <script>alert(1)</script>";

#[test]
fn the_record_holds_every_round_by_pseudonym_and_gives_back_the_stored_results() {
    on_each_backend(|app| {
        let f = fixture::three_closed_rounds(app, "exp", 8, 15, HOSTILE);
        let record = exports::record(app, OPERATOR, &f.slug).expect("the record");
        record.index().expect("every reference resolves");
        assert_eq!(record.rounds.len(), 3);
        assert!(record
            .rounds
            .iter()
            .all(|r| r.status == RoundStatus::Closed));
        assert!(
            record.protocol.locked_at.is_some(),
            "round 1 locked the rule"
        );
        assert_eq!(record.panellists.len(), 15);
        assert!(record.contacts.is_none());
        assert!(
            record
                .items
                .iter()
                .any(|i| i.replaces.as_deref() == Some("I3")),
            "the reworded item names the one it rewords"
        );

        // Every answer and every stored result is there.
        let mut conn = app.conn().expect("connection");
        let mut answers = 0;
        let mut stored = 0;
        for round in delphi_store::rounds::for_study(&mut conn, &f.study_id).expect("rounds") {
            answers += delphi_store::responses::for_round(&mut conn, &round.id)
                .expect("answers")
                .len();
            stored += delphi_store::results::for_round(&mut conn, &round.id)
                .expect("results")
                .len();
        }
        drop(conn);
        assert_eq!(record.responses.len(), answers);
        assert_eq!(record.results.len(), stored);
        assert!(record
            .responses
            .iter()
            .all(|r| r.counted && r.submitted_at.is_some()));
        assert!(record.responses.iter().any(|r| r.unable_to_rate));
        assert!(record
            .responses
            .iter()
            .any(|r| r.comment.as_deref() == Some(HOSTILE)));

        // Pseudonyms only: no address or name in what the record serialises.
        let json = serde_json::to_string(&record).expect("JSON");
        assert!(!json.contains("@example.org"), "no address");
        assert!(!json.contains("Panellist 1"), "no name");

        // The responses CSV, read as `delphi analyse` reads it, gives back every stored
        // statistic exactly.
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("responses.csv");
        let mut csv = Vec::new();
        let opts = ResponsesCsvOptions {
            include_comments: true,
            bom: true,
        };
        write_responses_csv(&record, &opts, &mut csv, &mut no_progress()).expect("CSV");
        std::fs::write(&path, csv).expect("written");
        let dataset = delphi_report::analyse::read_dataset(&path, 1, 9).expect("reads");
        let report = delphi_stats::report(&dataset, &record.settings.describe_config());
        let by_key: HashMap<(i64, &str, &str), &delphi_report::record::RoundResult> = record
            .results
            .iter()
            .map(|r| ((i64::from(r.round), r.item.as_str(), r.group.as_str()), r))
            .collect();
        assert_eq!(report.items.len(), record.results.len(), "every result");
        for row in &report.items {
            let key = (row.round, row.item_id.as_str(), row.group.as_str());
            let s = by_key.get(&key).unwrap_or_else(|| panic!("{key:?} stored"));
            assert_eq!(row.stats, s.result.statistics, "{key:?}");
            if row.group == WHOLE_PANEL {
                assert_eq!(row.comet_all_groups.flatten(), s.result.comet_all_groups);
            }
        }
    });
}

#[test]
fn only_owners_take_the_contact_list_and_each_one_is_audited() {
    on_each_backend(|app| {
        let f = fixture::three_closed_rounds(app, "contacts", 4, 10, "fine");
        for (email, role) in [
            ("own@example.org", Role::Owner),
            ("res@example.org", Role::Researcher),
            ("ana@example.org", Role::Analyst),
        ] {
            users::create_user(app, OPERATOR, email, email, "a long enough password", false)
                .expect("a user");
            users::add_member(app, OPERATOR, &f.slug, email, role).expect("a member");
        }
        let user = |email: &str| {
            let mut conn = app.conn().expect("connection");
            let id = delphi_store::users::find_by_email(&mut conn, email)
                .expect("a lookup")
                .expect("the user")
                .id;
            delphi_app::Actor::User(id)
        };
        let audited = || {
            let mut conn = app.conn().expect("connection");
            delphi_store::audit::for_study(&mut conn, &f.study_id)
                .expect("audit")
                .into_iter()
                .filter(|a| a.action == exports::CONTACTS_AUDIT_ACTION)
                .count()
        };

        // Analysts and researchers read the record, never the contacts; a refusal writes
        // nothing, the audit log included.
        for email in ["ana@example.org", "res@example.org"] {
            let record = exports::record(app, &user(email), &f.slug).expect("readable");
            assert!(record.contacts.is_none());
            let mut conn = app.conn().expect("connection");
            let before = snapshot(&mut conn).expect("snapshot");
            let refused = exports::record_with_contacts(app, &user(email), &f.slug);
            assert!(
                matches!(refused, Err(AppError::Refused(Refusal::OwnersOnly))),
                "{email}: {refused:?}"
            );
            assert_eq!(before, snapshot(&mut conn).expect("snapshot"), "{email}");
        }
        assert_eq!(audited(), 0);

        let record =
            exports::record_with_contacts(app, &user("own@example.org"), &f.slug).expect("owner");
        let contacts = record.contacts.as_ref().expect("filled");
        assert_eq!(contacts.len(), 10);
        assert!(contacts
            .iter()
            .all(|c| c.email.ends_with("@example.org") && c.pseudonym.starts_with('P')));
        assert_eq!(audited(), 1, "the owner's export is in the audit log");
        exports::record_with_contacts(app, OPERATOR, &f.slug).expect("the operator");
        assert_eq!(audited(), 2);
        let mut conn = app.conn().expect("connection");
        let entry = delphi_store::audit::for_study(&mut conn, &f.study_id)
            .expect("audit")
            .into_iter()
            .find(|a| a.action == exports::CONTACTS_AUDIT_ACTION)
            .expect("an entry");
        assert_eq!(entry.actor, "user:own@example.org");
        assert!(
            entry.detail.contains("\"panellists\":10"),
            "{}",
            entry.detail
        );
    });
}

#[test]
fn the_counting_rule_follows_the_settings() {
    use delphi_core::settings::WithdrawnAnswers;
    let mut settings = crate::support::example().settings;
    let at = |h: u32| {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("a time")
    };
    assert!(exports::counts(&settings, true, None, None));
    assert!(!exports::counts(&settings, false, None, Some(at(9))));
    settings.counting.unsubmitted = true;
    assert!(exports::counts(&settings, false, None, Some(at(9))));
    assert!(
        exports::counts(&settings, true, Some(at(8)), Some(at(9))),
        "kept"
    );
    settings.counting.withdrawn = WithdrawnAnswers::Drop;
    assert!(!exports::counts(&settings, true, Some(at(8)), Some(at(9))));
    assert!(exports::counts(&settings, true, Some(at(10)), Some(at(9))));
}
