//! The background questionnaire after consent and round 1's "is anything missing?", through
//! the plain forms and the page's JSON API: bad input refused with the question named and
//! nothing saved; what panellists type shown escaped.

use crate::fixture;
use crate::support::{api_error, location, TestApp};

#[test]
fn consent_leads_to_the_background_questions_once_and_bad_answers_change_nothing() {
    let t = TestApp::spawn();
    let f = fixture::round_one_with_questions(&t.app, "bgweb", 6, 5);
    let token = &f.tokens[0];
    let base = format!("/p/{token}");
    let csrf = t.csrf(token);

    let consented = t.post_form(&format!("{base}/consent"), &[("csrf", &csrf)]);
    assert_eq!(consented.status().as_u16(), 303);
    assert_eq!(location(&consented), format!("{base}/background"));
    let page = t.page(&format!("{base}/background"), 200);
    assert!(page.contains("<legend>Your main role</legend>"), "{page}");
    assert!(page.contains("value=\"Person with lived experience\""));
    assert!(page.contains("type=checkbox name=\"b_areas.2\" value=\"Online\""));
    assert!(page.contains("type=number min=0 max=60"));
    assert_eq!(
        page.matches("Prefer not to say</label>").count(),
        1,
        "per single choice"
    );
    assert!(
        page.contains("Answer later"),
        "the round does not wait for it"
    );
    // The round page links to the questionnaire while it is unanswered.
    assert!(t.page(&base, 200).contains(&format!("{base}/background")));

    for (fields, words) in [
        (
            vec![("b_years", "61")],
            "Years in this role (years): 61 is outside 0 to 60",
        ),
        (
            vec![("b_role", "Pilot")],
            "Your main role (role): &quot;Pilot&quot; is not one of the options",
        ),
        (
            vec![("b_areas.0", "Town"), ("b_areas.1", "Town")],
            "&quot;Town&quot; is chosen twice",
        ),
        (
            vec![("b_role", "Manager"), ("b_years", "x")],
            "is not a whole number",
        ),
        (
            vec![("b_role", "<script>")],
            "&quot;&lt;script&gt;&quot; is not one of the options",
        ),
    ] {
        let before = t.snapshot();
        let mut form = vec![("csrf", csrf.as_str()), ("go", "save")];
        form.extend(fields);
        let refused = t.post_form(&format!("{base}/background"), &form);
        assert_eq!(refused.status().as_u16(), 422);
        let body = refused.text().unwrap();
        assert!(body.contains(words), "{words} in {body}");
        assert!(!body.contains("<script>"));
        assert!(
            before == t.snapshot(),
            "a refused questionnaire changed nothing"
        );
    }
    let forged = t.post_form(&format!("{base}/background"), &[("go", "skip")]);
    assert_eq!(forged.status().as_u16(), 403);

    let saved = t.post_form(
        &format!("{base}/background"),
        &[
            ("csrf", &csrf),
            ("b_role", "Manager"),
            ("b_areas.2", "Online"),
            ("b_areas.0", "Town"),
            ("b_years", "7"),
            ("go", "save"),
        ],
    );
    assert_eq!(saved.status().as_u16(), 303);
    assert_eq!(location(&saved), format!("{base}?n=saved"));
    assert!(!t.page(&base, 200).contains("/background\""), "asked once");
    let again = t.page(&format!("{base}/background"), 200);
    assert!(
        again.contains("value=\"Manager\" checked"),
        "answers shown to change"
    );
    assert!(again.contains("value=\"Town\" checked") && again.contains("value=\"Online\" checked"));
    assert!(again.contains("value=\"7\""));

    // Someone who prefers not to answer any is not asked again either.
    let other = &f.tokens[1];
    let other_csrf = t.csrf(other);
    t.post_form(&format!("/p/{other}/consent"), &[("csrf", &other_csrf)]);
    let skipped = t.post_form(
        &format!("/p/{other}/background"),
        &[("csrf", &other_csrf), ("b_role", "Pilot"), ("go", "skip")],
    );
    assert_eq!(skipped.status().as_u16(), 303);
    let consented = t.post_form(&format!("/p/{other}/consent"), &[("csrf", &other_csrf)]);
    assert_eq!(location(&consented), format!("/p/{other}"));
}

#[test]
fn a_study_without_background_questions_goes_straight_to_the_round() {
    let t = TestApp::spawn();
    let f = fixture::round_one(&t.app, "nobg", 3, 3);
    let token = &f.tokens[0];
    let consented = t.post_form(&format!("/p/{token}/consent"), &[("csrf", &t.csrf(token))]);
    assert_eq!(location(&consented), format!("/p/{token}"));
    let page = t.get(&format!("/p/{token}/background"));
    assert_eq!(page.status().as_u16(), 303);
    assert_eq!(location(&page), format!("/p/{token}"));
    let round = t.page(&format!("/p/{token}"), 200);
    assert!(
        !round.contains("name=o_"),
        "no open question unless the study asks it"
    );
    let refused = t
        .client
        .put(format!("{}/api/v1/p/{token}/open/0", t.address))
        .header("X-CSRF-Token", t.csrf(token))
        .json(&serde_json::json!({"text": "x"}))
        .send()
        .unwrap();
    let (status, code, field) = api_error(refused);
    assert_eq!(
        (status, code.as_str(), field.as_deref()),
        (422, "invalid_input", Some("o_0"))
    );
}

#[test]
fn round_one_asks_what_is_missing_per_section_and_overall_saved_with_the_answers() {
    let t = TestApp::spawn();
    let f = fixture::round_one_with_questions(&t.app, "openweb", 6, 5);
    let token = &f.tokens[0];
    let base = format!("/p/{token}");
    let csrf = t.csrf(token);
    t.post_form(&format!("{base}/consent"), &[("csrf", &csrf)]);
    let round = t.page(&base, 200);
    for n in 0..=3 {
        assert!(
            round.contains(&format!("name=o_{n} maxlength=2000")),
            "o_{n} in {round}"
        );
    }
    assert_eq!(
        round
            .matches("Is anything missing from this section?")
            .count(),
        3
    );
    assert_eq!(
        round
            .matches("Is anything missing from the statements?")
            .count(),
        1
    );

    let long = "z".repeat(2001);
    let before = t.snapshot();
    let refused = t.post_form(
        &format!("{base}/answers"),
        &[
            ("csrf", &csrf),
            ("r_I1", "7"),
            ("o_2", &long),
            ("go", "save"),
        ],
    );
    assert_eq!(refused.status().as_u16(), 422);
    let body = refused.text().unwrap();
    assert!(
        body.contains(
            "the question after section 2: the suggestion has 2001 characters; the limit is 2000"
        ),
        "{body}"
    );
    assert!(
        before == t.snapshot(),
        "neither the rating nor the suggestion was saved"
    );
    let unknown = t.post_form(
        &format!("{base}/answers"),
        &[("csrf", &csrf), ("o_9", "x"), ("go", "save")],
    );
    assert_eq!(unknown.status().as_u16(), 422);
    assert!(unknown
        .text()
        .unwrap()
        .contains("section 9 is not a section of this round (it has 3)"));

    let saved = t.post_form(
        &format!("{base}/answers"),
        &[
            ("csrf", &csrf),
            ("r_I1", "7"),
            ("o_1", "Carers <script>alert(1)</script>"),
            ("go", "save"),
        ],
    );
    assert_eq!(saved.status().as_u16(), 303);
    let round = t.page(&base, 200);
    assert!(
        round.contains("Carers &lt;script&gt;alert(1)&lt;/script&gt;</textarea>"),
        "escaped"
    );
    assert!(!round.contains("<script>alert"));

    // The page's script saves one suggestion at a time.
    let put = |n: &str, text: &str| {
        t.client
            .put(format!("{}/api/v1/p/{token}/open/{n}", t.address))
            .header("X-CSRF-Token", t.csrf(token))
            .json(&serde_json::json!({ "text": text }))
            .send()
            .unwrap()
    };
    let ok = put("0", "Peer support");
    assert_eq!(ok.status().as_u16(), 200);
    let saved: serde_json::Value = ok.json().unwrap();
    assert_eq!(saved["open"], 0);
    let before = t.snapshot();
    let (status, code, field) = api_error(put("3", &long));
    assert_eq!(
        (status, code.as_str(), field.as_deref()),
        (422, "invalid_input", Some("o_3"))
    );
    assert_eq!(put("x", "a").status().as_u16(), 404);
    assert!(
        before == t.snapshot(),
        "refused suggestions changed nothing"
    );
    assert!(t.page(&base, 200).contains("Peer support</textarea>"));
}
