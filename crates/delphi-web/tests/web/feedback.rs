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
    let item = page
        .split("<fieldset id=i-I2 ")
        .nth(1)
        .unwrap()
        .split("</fieldset>")
        .next()
        .unwrap();
    // The own previous rating is named in the legend and marked in the chart; the feedback
    // describes the item's radios.
    assert!(
        item.contains("Round 1: your rating <b class=o>2</b>"),
        "{item}"
    );
    assert!(
        item.starts_with("data-m=5.0 aria-describedby=f-I2>"),
        "{item}"
    );
    assert!(item.contains("<div class=fb id=f-I2>"), "{item}");
    // Every point of 1..9 is on the axis, empty ones included (I2 was rated 2, 5, 8, 9, 4, 7).
    assert!(item.contains(
        "<svg class=d viewBox=\"0 0 180 52\" role=img aria-label=\"Ratings per point: 1: 0, 2: "
    ));
    assert!(item.contains(">123456789</text></svg>"), "{item}");
    assert!(item.contains("<path class=o d=\"M30 38V"), "{item}");
    // The median and the middle half in words, who could not rate, the group medians.
    assert!(item.contains("Median (middle rating) <b>"), "{item}");
    assert!(item.contains("; middle half of the panel <b>"), "{item}");
    assert!(item.contains(" rated it, 0 could not.</p>"), "{item}");
    assert!(item.contains("By group: Link workers <b>"), "group medians");
    assert!(
        !item.contains("Too few answers from"),
        "every group had five answers"
    );
    // The radios carry their labels' words; "Unable to rate" stands apart from the row.
    assert!(item.contains("value=9>9<i> Critical</i></label></p><label><input type=radio name=r_I2 value=u>Unable to rate</label>"));
    // The help on reading the feedback is on the page once.
    assert_eq!(page.matches("How to read the panel's view").count(), 1);
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
        page.contains("Too few answers to show the panel's view."),
        "{page}"
    );
    assert!(!page.contains("Median"), "no statistic");
    assert!(!page.contains("<svg"), "no chart");
    assert!(
        page.contains("Round 1: your rating <b>2</b>"),
        "own previous answer still shown, without the chart's colour: {page}"
    );
}

#[test]
fn a_group_with_too_few_answers_is_named_never_left_out() {
    let t = TestApp::spawn();
    // 25 panellists over five groups; panellist 4 (people with lived experience) does not
    // answer round 1, leaving that group four answers of the five needed.
    let f = fixture::round_two(&t.app, "short-group", 4, 25, &[4]);
    let page = t.page(&format!("/p/{}", f.tokens[0]), 200);
    let item = page
        .split("<fieldset id=i-I2 ")
        .nth(1)
        .unwrap()
        .split("</fieldset>")
        .next()
        .unwrap();
    assert!(
        item.contains("</b>. Too few answers from People with lived experience to show.</p>"),
        "{item}"
    );
    assert!(item.contains("By group: Link workers <b>"), "{item}");
    assert!(!item.contains("People with lived experience <b>"), "{item}");
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
