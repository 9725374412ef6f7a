//! A whole three-round study: results per round, items retired, reworded and added,
//! lineage kept, and every stored rating tied to the exact words the panellist saw.

use std::collections::HashMap;

use delphi_app::opening::RoundOptions;
use delphi_app::{closing, next_round, participation, queries, studies};
use delphi_core::planning::PlanEdit;
use delphi_core::states::{Disposition, ItemOrigin, ItemStatus, MailKind, RoundStatus, Verdict};
use delphi_core::values::ItemCode;
use delphi_store::{items, responses, rounds};

use crate::support::*;

/// Ratings that make A1 reach consensus in, A3 consensus out, A2 and A4 stay unresolved.
fn rating_for(code: &str, panellist: usize, round: i32) -> i32 {
    match code {
        "A1" => 8,
        "A3" => 2,
        "A2" | "A2r" => [2, 5, 8, 9, 4][panellist % 5],
        "A4" => [5, 6, 5, 6, 7][panellist % 5],
        _ => 5 + (panellist as i32 + round) % 5,
    }
}

#[test]
fn a_three_round_study_keeps_lineage_and_the_words_rated() {
    on_each_backend(|app| {
        let id = import(app, &small("three-rounds"));
        let tokens = tokens(app, &id);
        let mut seen_text: Vec<(String, String, String, String)> = Vec::new(); // (round, item id, panellist token, text)
        let mut rate_round = |round_number: i32| {
            let mut conn = app.conn().unwrap();
            let round = rounds::latest(&mut conn, &study_id(app, &id))
                .unwrap()
                .unwrap();
            assert_eq!(round.number, round_number);
            let asked = rounds::items(&mut conn, &round.id).unwrap();
            for (p, token) in tokens.iter().enumerate() {
                participation::consent(app, &panellist(token)).unwrap();
                for ri in asked
                    .iter()
                    .filter(|ri| ri.disposition != Disposition::ForInformation)
                {
                    let item = items::find(&mut conn, &ri.item_id).unwrap().unwrap();
                    rate(
                        app,
                        token,
                        &item.code,
                        rating_for(&item.code, p, round_number),
                    );
                    seen_text.push((
                        round.id.clone(),
                        item.id.clone(),
                        token.clone(),
                        item.text.clone(),
                    ));
                }
                participation::submit(app, &panellist(token)).unwrap();
            }
        };
        open_first(app, &id);
        rate_round(1);
        let closed = closing::close_round(app, OPERATOR, &id).unwrap();
        assert_eq!(closed.tally.get(&Verdict::In), Some(&1));
        assert_eq!(closed.tally.get(&Verdict::Out), Some(&1));

        let code = |s: &str| ItemCode::parse(s).unwrap();
        let edits = vec![
            PlanEdit::Reword {
                code: code("A2"),
                new_code: code("A2r"),
                text: "Second, said more plainly".into(),
                note: Some("Panellists found it vague".into()),
            },
            PlanEdit::Add {
                code: code("A5"),
                section: "Community level".into(),
                text: "Suggested in comments".into(),
                note: None,
            },
        ];
        let plan = next_round::preview(app, OPERATOR, &id, &edits).unwrap();
        assert_eq!(plan.retired, vec![code("A1"), code("A3")]);
        let round2 =
            next_round::open_next_round(app, OPERATOR, &id, &edits, &RoundOptions::default())
                .unwrap();
        assert_eq!((round2.number, round2.items, round2.invited), (2, 3, 10));
        assert_eq!(
            count_outbox(app, &round2.round_id, MailKind::RoundOpened),
            10
        );
        rate_round(2);
        closing::close_round(app, OPERATOR, &id).unwrap();

        let drop = vec![PlanEdit::Drop { code: code("A4") }];
        let round3 =
            next_round::open_next_round(app, OPERATOR, &id, &drop, &RoundOptions::default())
                .unwrap();
        assert_eq!(round3.number, 3);
        rate_round(3);
        let closed3 = closing::close_round(app, OPERATOR, &id).unwrap();
        assert!(
            closed3
                .stop
                .as_deref()
                .unwrap_or_default()
                .contains("maximum of 3 rounds"),
            "{:?}",
            closed3.stop
        );
        assert_eq!(
            next_round::preview(app, OPERATOR, &id, &[])
                .unwrap_err()
                .code(),
            "conflict",
            "no round 4 in a 3-round protocol"
        );
        studies::complete(app, OPERATOR, &id, "all items classified").unwrap();

        let mut conn = app.conn().unwrap();
        let all = items::for_study(&mut conn, &study_id(app, &id)).unwrap();
        let by_code: HashMap<&str, &items::ItemRow> =
            all.iter().map(|i| (i.code.as_str(), i)).collect();
        assert_eq!(by_code["A1"].status, ItemStatus::Retired);
        assert_eq!(by_code["A3"].status, ItemStatus::Retired);
        assert_eq!(by_code["A2"].status, ItemStatus::Replaced);
        assert_eq!(by_code["A4"].status, ItemStatus::Dropped);
        assert_eq!(
            by_code["A2r"].replaces_id.as_deref(),
            Some(by_code["A2"].id.as_str()),
            "lineage kept"
        );
        assert_eq!(by_code["A2r"].origin, ItemOrigin::Reworded);
        assert_eq!(by_code["A2r"].origin_round, Some(2));
        assert_eq!(by_code["A5"].origin, ItemOrigin::Added);

        // Results stored per round, and the reworded item's change is measured against A2.
        let study_rounds = rounds::for_study(&mut conn, &study_id(app, &id)).unwrap();
        assert_eq!(study_rounds.len(), 3);
        for round in &study_rounds {
            assert_eq!(round.status, RoundStatus::Closed);
            assert!(!queries::round_results(app, OPERATOR, &id, round.number)
                .unwrap()
                .is_empty());
        }
        let r2 = queries::round_results(app, OPERATOR, &id, study_rounds[1].number).unwrap();
        let a2r = r2
            .iter()
            .find(|r| r.code == "A2r" && r.group == "ALL")
            .unwrap();
        assert_eq!(a2r.result.change.as_ref().unwrap().previous_round, 1);

        // Every stored rating is tied to the exact words the panellist saw.
        for (round_id, item_id, _, text) in &seen_text {
            let item = items::find(&mut conn, item_id).unwrap().unwrap();
            assert_eq!(
                &item.text, text,
                "item {} changed after it was rated",
                item.code
            );
            assert!(responses::for_round(&mut conn, round_id)
                .unwrap()
                .iter()
                .any(|r| &r.item_id == item_id));
        }
        let total: usize = study_rounds
            .iter()
            .map(|r| responses::for_round(&mut conn, &r.id).unwrap().len())
            .sum();
        assert_eq!(total, seen_text.len() - count_duplicates(&seen_text));
    });
}

fn count_duplicates(seen: &[(String, String, String, String)]) -> usize {
    let mut unique = std::collections::HashSet::new();
    seen.iter()
        .filter(|(r, i, p, _)| !unique.insert((r, i, p)))
        .count()
}
