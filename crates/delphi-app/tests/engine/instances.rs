//! Several `delphi serve` processes on one database, played by two apps with pools of their
//! own over the same database: what one instance does, the other sees, and a race between
//! them has one winner. (Migrations started together: delphi-store's `connection.rs`.)

use std::sync::Barrier;

use delphi_app::{closing, participation, App, AppError, SecretKey};
use delphi_store::testing::TestDb;
use delphi_store::Pool;

use crate::support::{answer, import, open_first, panellist, small, study_id, tokens, OPERATOR};

/// Two instances over `db`, sharing the server key as a deployment does.
fn two_instances(db: &TestDb) -> [App; 2] {
    let secret = SecretKey::generate();
    let other = Pool::connect(&db.url, 4).expect("a second pool");
    [
        App::new(db.pool.clone(), secret.clone(), "https://delphi.test"),
        App::new(other, secret, "https://delphi.test"),
    ]
}

#[test]
fn a_round_closed_on_two_instances_at_once_closes_exactly_once() {
    for db in TestDb::all() {
        let [a, b] = two_instances(&db);
        let slug = import(&a, &small("race"));
        open_first(&a, &slug);
        for (i, token) in tokens(&a, &slug).iter().enumerate() {
            let me = panellist(token);
            participation::consent(&b, &me).expect("consent");
            participation::save_answer(&b, &me, &answer("A1", Some(7 + (i % 3) as i32)))
                .expect("a save on the other instance");
        }
        let barrier = Barrier::new(2);
        let outcomes: Vec<Result<closing::ClosedRound, AppError>> = std::thread::scope(|s| {
            let handles: Vec<_> = [&a, &b]
                .into_iter()
                .map(|app| {
                    let (barrier, slug) = (&barrier, &slug);
                    s.spawn(move || {
                        barrier.wait();
                        closing::close_round(app, OPERATOR, slug)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("no panic"))
                .collect()
        });
        let closed = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(closed, 1, "{}: {outcomes:?}", db.label);
        assert!(
            outcomes
                .iter()
                .any(|o| matches!(o, Err(AppError::Conflict(_)))),
            "{}: the loser is told the round closed: {outcomes:?}",
            db.label
        );
        let mut conn = a.conn().expect("a connection");
        let id = study_id(&a, &slug);
        let closes = delphi_store::audit::for_study(&mut conn, &id)
            .expect("the audit log")
            .into_iter()
            .filter(|entry| entry.action == "round.closed")
            .count();
        assert_eq!(closes, 1, "one close recorded: {}", db.label);
        let round = delphi_store::rounds::latest(&mut conn, &id)
            .expect("rounds")
            .expect("round 1");
        let results = delphi_store::results::for_round(&mut conn, &round.id).expect("results");
        let won = outcomes.iter().flatten().next().expect("the winner");
        assert_eq!(won.round_id, round.id);
        let mut keys: Vec<(String, String)> = results
            .iter()
            .map(|r| (r.item_id.clone(), r.group_code.clone()))
            .collect();
        let all = keys.len();
        keys.dedup();
        assert!(
            all > 0 && keys.len() == all,
            "results stored once: {}",
            db.label
        );
    }
}
