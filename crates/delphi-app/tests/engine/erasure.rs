//! A panellist's erasure request: their address and name are gone from every table, their
//! answers stay under the pseudonym or go, as asked, and the request is audited.

use delphi_app::erasure::{erase_panellist, ErasedAnswers};
use delphi_app::participation;

use crate::support::*;

fn tables_mentioning(app: &delphi_app::App, text: &str) -> Vec<&'static str> {
    let mut conn = app.conn().expect("connection");
    delphi_store::testing::snapshot(&mut conn)
        .expect("snapshot")
        .into_iter()
        .filter(|(_, rows)| rows.iter().any(|row| row.contains(text)))
        .map(|(table, _)| table)
        .collect()
}

#[test]
fn erasure_removes_contact_details_everywhere_and_keeps_or_removes_answers() {
    on_each_backend(|app| {
        let id = import(app, &small("erase"));
        let round = open_first(app, &id);
        let tokens = tokens(app, &id);
        for token in &tokens[..2] {
            let me = panellist(token);
            participation::consent(app, &me).unwrap();
            let mut rated = answer("A1", Some(8));
            rated.comment = Some("My manager knows my view".into());
            participation::save_answer(app, &me, &rated).unwrap();
        }
        // A delivery error that quotes the address, as SMTP servers do.
        let mut conn = app.conn().unwrap();
        let first = delphi_store::outbox::for_round(&mut conn, &round.round_id)
            .unwrap()
            .into_iter()
            .find(|m| m.recipient == "p0@example.org")
            .unwrap()
            .id;
        delphi_store::outbox::mark_failed(&mut conn, &first, "550 <p0@example.org> unknown")
            .unwrap();
        assert!(!tables_mentioning(app, "p0@example.org").is_empty());

        let kept = erase_panellist(app, OPERATOR, &id, "P001", ErasedAnswers::Keep).unwrap();
        assert_eq!(kept.answers_removed, 0);
        assert!(kept.messages >= 1);
        assert_eq!(
            tables_mentioning(app, "p0@example.org"),
            Vec::<&str>::new(),
            "the address is nowhere"
        );
        assert_eq!(
            tables_mentioning(app, "P 0"),
            Vec::<&str>::new(),
            "nor the name"
        );
        let gone = participation::consent(app, &panellist(&tokens[0])).unwrap_err();
        assert_eq!(gone.code(), "not_found", "the link is dead");
        let responses = delphi_store::responses::for_round(&mut conn, &round.round_id).unwrap();
        assert_eq!(responses.len(), 2, "the answers stay under the pseudonym");
        let audit = delphi_store::audit::for_study(&mut conn, &study_id(app, &id)).unwrap();
        let entry = audit
            .iter()
            .find(|a| a.action == "panellist.erased")
            .expect("audited");
        assert!(entry.detail.contains("P001") && !entry.detail.contains("example.org"));

        let removed = erase_panellist(app, OPERATOR, &id, "P002", ErasedAnswers::Remove).unwrap();
        assert_eq!(removed.answers_removed, 1);
        let responses = delphi_store::responses::for_round(&mut conn, &round.round_id).unwrap();
        assert_eq!(responses.len(), 1, "the second panellist's answer went");
        let again = erase_panellist(app, OPERATOR, &id, "P001", ErasedAnswers::Keep).unwrap_err();
        assert_eq!(again.code(), "conflict");
        let unknown = erase_panellist(app, OPERATOR, &id, "P999", ErasedAnswers::Keep).unwrap_err();
        assert_eq!(unknown.code(), "not_found");
    });
}
