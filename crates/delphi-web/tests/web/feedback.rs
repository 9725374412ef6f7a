//! Round 2: the panellist's previous ratings and the panel's feedback; the minimum number of
//! responses; new and reworded items; the reason prompt.

use serde_json::json;

use crate::fixture;
use crate::support::TestApp;

#[test]
fn round_two_shows_previous_ratings_and_the_panels_view() {
    let t = TestApp::spawn();
    let f = fixture::round_two(&t.app, "feedback", 4, 25, &[]);
    let token = &f.tokens[0];
    let page = t.page(&format!("/p/{token}"), 200);
    assert!(page.contains("<h1>Round 2</h1>"));
    // I1 reached consensus and retired; I2's own previous rating is rating_for(1, 0) = 2.
    assert!(
        !page.contains("id=i-I1"),
        "retired items are not asked again"
    );
    assert!(page.contains("Your rating: <b>2</b>"), "{page}");
    assert!(page.contains("Panel median <b>"));
    assert!(page.contains(
        "<svg class=d viewBox=\"0 0 90 32\" role=img aria-label=\"Ratings per point: 1: 0,"
    ));
    assert!(
        page.contains("<rect class=own"),
        "own rating highlighted in the chart"
    );
    assert!(page.contains("By group: Link workers <b>"), "group medians");
    assert!(page.contains("class=\"s "), "item status");
    // Released comments, escaped, never with names.
    assert!(page.contains("Comments from the panel (2)"));
    assert!(page.contains("&lt;b&gt;not bold&lt;/b&gt;"));
    assert!(!page.contains("Panellist 0"), "no names");
    // New and reworded items.
    assert!(page.contains("<span class=tag>New</span>"));
    assert!(page.contains("Earlier wording: “Statement 3"));
    assert!(page.contains("Round 1, earlier wording:"));
    // The reason prompt: I2's median is asked for when far.
    let api = t.api_page(token);
    assert_eq!(api["state"]["has_feedback"], true);
    assert_eq!(api["state"]["outlier_distance"], 3.0);
}

#[test]
fn no_statistic_below_the_minimum_number_of_responses() {
    let t = TestApp::spawn();
    // Only panellists 0..3 answer round 1: 3 < 5 responses.
    let f = fixture::round_two(&t.app, "few", 3, 8, &[3, 4, 5, 6, 7]);
    let token = &f.tokens[0];
    let page = t.page(&format!("/p/{token}"), 200);
    assert!(
        page.contains("Too few responses to show the panel's view."),
        "{page}"
    );
    assert!(!page.contains("Panel median"), "no statistic");
    assert!(!page.contains("<svg"), "no chart");
    assert!(
        page.contains("Your rating: <b>2</b>"),
        "own previous answer still shown"
    );
}

#[test]
fn a_far_rating_asks_for_a_reason_and_stores_it() {
    let t = TestApp::spawn();
    let f = fixture::round_two(&t.app, "reason", 4, 10, &[]);
    let token = &f.tokens[0];
    // I4 was rated 7, 8, 9, 6, 3 in turn: median 7; a 2 is more than 3 points away.
    let saved = t.put_answer(
        token,
        "I4",
        json!({"rating": 2, "reason": "I see it differently"}),
    );
    assert_eq!(saved.status().as_u16(), 200);
    let page = t.page(&format!("/p/{token}"), 200);
    let item = page
        .split("<fieldset id=i-I4")
        .nth(1)
        .unwrap()
        .split("</fieldset>")
        .next()
        .unwrap();
    assert!(
        item.contains("<label class=why>Your rating is more than 3 points"),
        "the reason prompt is shown: {item}"
    );
    assert!(item.contains("I see it differently</textarea>"));
    let near = page
        .split("<fieldset id=i-I2")
        .nth(1)
        .unwrap()
        .split("</fieldset>")
        .next()
        .unwrap();
    assert!(!near.contains("class=why"), "no prompt for an unrated item");
    assert!(
        near.contains(" data-m="),
        "the median is there for the script's prompt"
    );
    let mut conn = t.app.conn().unwrap();
    let round = delphi_store::rounds::latest(&mut conn, &f.study_id)
        .unwrap()
        .unwrap();
    let stored = delphi_store::responses::for_round(&mut conn, &round.id).unwrap();
    assert!(stored
        .iter()
        .any(|r| r.reason.as_deref() == Some("I see it differently")));
}
