//! The JSON API: autosave, and every refusal with its status, code and field.

use serde_json::json;

use crate::fixture;
use crate::support::{api_error, TestApp};

#[test]
fn autosave_saves_one_answer_per_request_and_the_page_shows_it() {
    let t = TestApp::spawn();
    let f = fixture::round_one(&t.app, "autosave", 3, 5);
    let token = &f.tokens[0];
    assert_eq!(t.api_page(token)["state"]["state"], "consent");
    assert_eq!(t.api_post(token, "consent").status().as_u16(), 200);
    let page = t.api_page(token);
    assert_eq!(page["state"]["state"], "rating");
    assert_eq!(page["state"]["total"], 3);

    let saved = t.put_answer(token, "I2", json!({"rating": 9, "comment": "clear"}));
    assert_eq!(saved.status().as_u16(), 200);
    let body: serde_json::Value = saved.json().unwrap();
    assert_eq!(body["rating"], 9);
    assert_eq!(body["item_code"], "I2");
    let utr = t.put_answer(token, "I3", json!({"unable_to_rate": true}));
    assert_eq!(utr.status().as_u16(), 200);

    let page = t.api_page(token);
    assert_eq!(page["state"]["rated"], 2);
    assert_eq!(page["state"]["unrated"], json!(["I1"]));
    let html = t.page(&format!("/p/{token}"), 200);
    assert!(html.contains("name=r_I2 value=9 checked"));
    assert!(html.contains(">clear</textarea>"));

    let submitted: serde_json::Value = t.api_post(token, "submit").json().unwrap();
    assert_eq!(submitted["unrated"], json!(["I1"]));
}

#[test]
fn refusals_carry_status_code_and_field() {
    let t = TestApp::spawn();
    let a = fixture::round_one(&t.app, "study-a", 3, 5);
    let b = fixture::round_one(&t.app, "study-b", 3, 5);
    let token = &a.tokens[0];
    t.api_post(token, "consent");

    // Rating outside the scale.
    let (status, code, field) = api_error(t.put_answer(token, "I1", json!({"rating": 10})));
    assert_eq!(
        (status, code.as_str(), field.as_deref()),
        (422, "invalid_input", Some("rating"))
    );
    let (status, _, _) = api_error(t.put_answer(token, "I1", json!({"rating": 0})));
    assert_eq!(status, 422);
    // Both a rating and "unable to rate".
    let (status, _, field) =
        api_error(t.put_answer(token, "I1", json!({"rating": 3, "unable_to_rate": true})));
    assert_eq!((status, field.as_deref()), (422, Some("rating")));
    // Unknown item.
    let (status, code, _) = api_error(t.put_answer(token, "ZZ9", json!({"rating": 3})));
    assert_eq!((status, code.as_str()), (404, "not_found"));
    // Malformed body.
    let bad = t
        .client
        .put(format!("{}/api/v1/p/{token}/answers/I1", t.address))
        .header("X-CSRF-Token", t.csrf(token))
        .header("Content-Type", "application/json")
        .body("{\"rating\": \"seven\"}")
        .send()
        .unwrap();
    // JSON that does not fit the body is refused like any invalid answer (422), in JSON.
    assert_eq!(api_error(bad).0, 422);
    // Missing CSRF header.
    let forged = t
        .client
        .put(format!("{}/api/v1/p/{token}/answers/I1", t.address))
        .json(&json!({"rating": 3}))
        .send()
        .unwrap();
    assert_eq!(api_error(forged).1, "csrf");
    // A token of one study used against another study: study B's item codes are the same,
    // so use B's token with A's page: the answer lands only in B, never in A.
    let b_token = &b.tokens[0];
    t.api_post(b_token, "consent");
    assert_eq!(
        t.put_answer(b_token, "I1", json!({"rating": 6}))
            .status()
            .as_u16(),
        200
    );
    assert_eq!(t.api_page(token)["state"]["rated"], 0, "study A untouched");
    // A CSRF value of one link does not work for another.
    let crossed = t
        .client
        .put(format!("{}/api/v1/p/{token}/answers/I1", t.address))
        .header("X-CSRF-Token", t.csrf(b_token))
        .json(&json!({"rating": 3}))
        .send()
        .unwrap();
    assert_eq!(api_error(crossed).1, "csrf");

    // Closed round.
    delphi_app::closing::close_round(&t.app, fixture::OPERATOR, &a.slug).unwrap();
    let (status, code, _) = api_error(t.put_answer(token, "I1", json!({"rating": 3})));
    assert_eq!((status, code.as_str()), (409, "round_closed"));

    // Revoked link.
    let mut conn = t.app.conn().unwrap();
    let person = delphi_store::panellists::for_study(&mut conn, &b.study_id)
        .unwrap()
        .remove(0);
    delphi_app::studies::revoke_link(&t.app, fixture::OPERATOR, &b.slug, &person.pseudonym)
        .unwrap();
    let (status, code, _) = api_error(t.put_answer(b_token, "I1", json!({"rating": 3})));
    assert_eq!((status, code.as_str()), (404, "not_found"));
    let unknown = t.get("/api/v1/p/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(api_error(unknown).0, 404);
}

#[test]
fn an_item_of_another_study_is_not_part_of_this_round() {
    let t = TestApp::spawn();
    let a = fixture::round_one(&t.app, "own-a", 2, 5);
    let b = fixture::round_two(&t.app, "own-b", 3, 5, &[]);
    let token = &a.tokens[0];
    t.api_post(token, "consent");
    // N1 exists only in study B.
    let (status, code, _) = api_error(t.put_answer(token, "N1", json!({"rating": 3})));
    assert_eq!((status, code.as_str()), (404, "not_found"));
    assert!(!b.tokens.is_empty());
}
