//! A draft's items and the panel changed before and while rounds run.

use super::*;

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
