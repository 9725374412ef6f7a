//! Several `delphi serve` processes on one database, played by two apps with pools of their
//! own over the same database: what one instance does, the other sees, and a race between
//! them has one winner. (Migrations started together: delphi-store's `connection.rs`.)

use std::sync::Barrier;

use delphi_app::{closing, participation, App, AppError, SecretKey};
use delphi_store::testing::{wait, TestDb};
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

/// Instance `a` remembers who may save after a first save (`save_cache`); whatever `b`
/// changes meanwhile — a reissued link, a withdrawal, the round closed and the next opened —
/// `a`'s next save obeys, because its write checks again in the database.
#[test]
fn what_one_instance_remembers_for_saves_yields_to_what_the_other_changes() {
    use delphi_app::{next_round, opening::RoundOptions, studies};
    for db in TestDb::all() {
        let [a, b] = two_instances(&db);
        let slug = import(&a, &small("remembered"));
        open_first(&a, &slug);
        let tokens = tokens(&a, &slug);
        let stored = |app: &App, slug: &str| {
            let mut conn = app.conn().unwrap();
            let round = delphi_store::rounds::latest(&mut conn, &study_id(app, slug))
                .unwrap()
                .unwrap();
            let mut rows = delphi_store::responses::for_round(&mut conn, &round.id).unwrap();
            rows.sort_by(|x, y| (&x.panellist_id, &x.item_id).cmp(&(&y.panellist_id, &y.item_id)));
            rows.into_iter()
                .map(|r| (r.panellist_id, r.item_id, r.rating))
                .collect::<Vec<_>>()
        };
        for token in &tokens[..3] {
            participation::consent(&a, &panellist(token)).unwrap();
            participation::save_answer(&a, &panellist(token), &answer("A1", Some(5))).unwrap();
        }
        let mut conn = a.conn().unwrap();
        let people = delphi_store::panellists::for_study(&mut conn, &study_id(&a, &slug)).unwrap();
        drop(conn);
        let pseudonym_of = |token: &str| {
            let hash = delphi_app::tokens::hash(token);
            people
                .iter()
                .find(|p| p.token_hash == hash)
                .unwrap()
                .pseudonym
                .clone()
        };

        // A reissued link: the old one is dead on `a` too, and nothing it sends is stored.
        let before = stored(&a, &slug);
        let link = studies::reissue_link(&b, OPERATOR, &slug, &pseudonym_of(&tokens[0])).unwrap();
        let old = participation::save_answer(&a, &panellist(&tokens[0]), &answer("A1", Some(9)))
            .unwrap_err();
        assert_eq!(old.code(), "not_found", "{}: {old}", db.label);
        assert_eq!(
            stored(&a, &slug),
            before,
            "{}: the old link changed nothing",
            db.label
        );
        let fresh = link.rsplit('/').next().unwrap();
        participation::save_answer(&a, &panellist(fresh), &answer("A1", Some(9))).unwrap();

        // A withdrawal recorded on `b`.
        participation::withdraw(&b, &panellist(&tokens[1])).unwrap();
        let gone = participation::save_answer(&a, &panellist(&tokens[1]), &answer("A2", Some(3)))
            .unwrap_err();
        assert_eq!(gone.code(), "forbidden", "{}: {gone}", db.label);

        // The round closed and the next opened on `b`: `a`'s save goes to round 2.
        participation::submit(&a, &panellist(&tokens[2])).unwrap();
        closing::close_round(&b, OPERATOR, &slug).unwrap();
        let closed = participation::save_answer(&a, &panellist(&tokens[2]), &answer("A1", Some(4)))
            .unwrap_err();
        assert_eq!(closed.code(), "round_closed", "{}: {closed}", db.label);
        next_round::open_next_round(&b, OPERATOR, &slug, &[], &RoundOptions::default()).unwrap();
        let saved = participation::save_answer(&a, &panellist(&tokens[2]), &answer("A1", Some(4)))
            .expect("a save into round 2");
        assert_eq!(saved.item_code, "A1");
        let round_two = stored(&a, &slug);
        assert_eq!(round_two.len(), 1, "{}: {round_two:?}", db.label);
        assert_eq!(round_two[0].2, Some(4));
    }
}

/// The autosave's way without a thread (`queue_save`) is only for a link the process
/// remembers and an answer that passes its checks; a save that the other instance made out
/// of date (a withdrawal) comes back `None` with the link forgotten, and the whole save
/// then says why.
#[test]
fn a_queued_save_needs_a_remembered_link_and_yields_to_what_the_other_instance_changed() {
    for db in TestDb::all() {
        let [a, b] = two_instances(&db);
        let slug = import(&a, &small("queued"));
        open_first(&a, &slug);
        let me = panellist(&tokens(&a, &slug)[0]);
        participation::consent(&a, &me).unwrap();
        let first = participation::queue_save(&a, &me, &answer("A1", Some(5)));
        assert!(first.is_none(), "{}: a link not yet remembered", db.label);
        participation::save_answer(&a, &me, &answer("A1", Some(5))).unwrap();
        let queued = participation::queue_save(&a, &me, &answer("A1", Some(6)))
            .expect("remembered after the first save");
        let saved = wait(queued.saved()).expect("stored");
        assert_eq!(saved.item_code, "A1", "{}", db.label);
        let off_scale = participation::queue_save(&a, &me, &answer("A1", Some(99)));
        assert!(off_scale.is_none(), "{}: a failed check", db.label);

        participation::withdraw(&b, &me).unwrap();
        let queued = participation::queue_save(&a, &me, &answer("A1", Some(7)))
            .expect("still remembered on a");
        assert!(wait(queued.saved()).is_none(), "{}: refused", db.label);
        let again = participation::queue_save(&a, &me, &answer("A1", Some(7)));
        assert!(again.is_none(), "{}: the link is forgotten", db.label);
        let why = participation::save_answer(&a, &me, &answer("A1", Some(7))).unwrap_err();
        assert_eq!(why.code(), "forbidden", "{}: {why}", db.label);

        let mut conn = a.conn().unwrap();
        let round = delphi_store::rounds::latest(&mut conn, &study_id(&a, &slug))
            .unwrap()
            .unwrap();
        let ratings: Vec<Option<i32>> = delphi_store::responses::for_round(&mut conn, &round.id)
            .unwrap()
            .into_iter()
            .map(|r| r.rating)
            .collect();
        assert_eq!(
            ratings,
            vec![Some(6)],
            "{}: the queued save, nothing after",
            db.label
        );
    }
}
