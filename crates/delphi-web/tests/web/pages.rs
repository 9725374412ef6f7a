//! Every state of the panellist page, and the plain-HTML flow (no JavaScript).

use crate::fixture;
use crate::support::{location, TestApp};

#[test]
fn round_one_consent_rating_reload_and_submit_work_as_plain_forms() {
    let t = TestApp::spawn();
    let f = fixture::round_one(&t.app, "plain", 4, 6);
    let token = &f.tokens[0];
    let base = format!("/p/{token}");

    let consent = t.page(&base, 200);
    assert!(
        consent.contains("Taking part is voluntary"),
        "consent text shown"
    );
    assert!(
        consent.contains("Social prescribing link workers"),
        "study information shown"
    );
    assert!(!consent.contains("<fieldset"), "no rating before consent");

    // A form without the CSRF value changes nothing.
    let forged = t.post_form(&format!("{base}/consent"), &[]);
    assert_eq!(forged.status().as_u16(), 403);
    assert!(t.page(&base, 200).contains("Taking part is voluntary"));

    let csrf = t.csrf(token);
    let ok = t.post_form(&format!("{base}/consent"), &[("csrf", &csrf)]);
    assert_eq!(ok.status().as_u16(), 303);
    assert_eq!(location(&ok), base);

    let round = t.page(&base, 200);
    assert_eq!(
        round.matches("<fieldset").count(),
        4,
        "one fieldset per item"
    );
    assert_eq!(round.matches("<legend>").count(), 4, "one legend per item");
    assert!(round.contains("<h2>Patient level</h2>"), "section headings");
    assert!(round.contains("<span id=rated>0</span> of <span id=total>4</span> rated"));
    assert!(round.contains("1<i> Not important</i>"), "point labels");
    assert!(round.contains("Unable to rate"));
    assert!(
        round.contains("&lt;care&gt; &amp; support"),
        "item text is escaped"
    );
    assert!(!round.contains("<care>"));

    let saved = t.post_form(
        &format!("{base}/answers"),
        &[
            ("csrf", &csrf),
            ("r_I1", "7"),
            ("c_I1", "A <script>comment</script>"),
            ("r_I2", "u"),
            ("c_I3", ""),
            ("go", "save"),
        ],
    );
    assert_eq!(saved.status().as_u16(), 303);
    assert_eq!(location(&saved), format!("{base}?n=saved"));
    let reloaded = t.page(&format!("{base}?n=saved"), 200);
    assert!(reloaded.contains("Your answers are saved."));
    assert!(
        reloaded.contains("name=r_I1 value=7 checked"),
        "rating kept"
    );
    assert!(
        reloaded.contains("name=r_I2 value=u checked"),
        "unable to rate kept"
    );
    assert!(reloaded.contains("A &lt;script&gt;comment&lt;/script&gt;</textarea>"));
    assert!(reloaded.contains("<span id=rated>2</span> of <span id=total>4</span> rated"));

    let review = t.post_form(
        &format!("{base}/answers"),
        &[("csrf", &csrf), ("r_I1", "8"), ("go", "submit")],
    );
    assert_eq!(location(&review), format!("{base}/submit"));
    let confirm = t.page(&format!("{base}/submit"), 200);
    assert!(confirm.contains("You have rated 2 of 4"), "{confirm}");
    assert!(confirm.contains("#i-I3\">I3</a>") && confirm.contains("#i-I4\">I4</a>"));
    assert!(!confirm.contains("#i-I1\""), "rated items are not named");

    let done = t.post_form(&format!("{base}/submit"), &[("csrf", &csrf)]);
    assert_eq!(location(&done), format!("{base}?n=submitted"));
    let after = t.page(&format!("{base}?n=submitted"), 200);
    assert!(after.contains("your answers are submitted"));
    assert!(after.contains("You submitted on"));
    assert!(
        after.contains("name=r_I1 value=8 checked"),
        "still editable"
    );
}

#[test]
fn every_other_state_has_its_own_page() {
    let t = TestApp::spawn();
    let draft = fixture::draft(&t.app, "draft", 3, 5);
    let not_open = t.page(&format!("/p/{}", draft.tokens[0]), 200);
    assert!(not_open.contains("has not opened yet"), "{not_open}");

    let f = fixture::round_one(&t.app, "states", 3, 6);
    fixture::answer_round_one(&t.app, &f, &[5]);
    delphi_app::closing::close_round(&t.app, fixture::OPERATOR, &f.slug).unwrap();
    let closed = t.page(&format!("/p/{}", f.tokens[0]), 200);
    assert!(closed.contains("Round 1 has closed"));
    assert!(
        closed.contains("Your 3 saved answers are kept and counted"),
        "{closed}"
    );

    // A save after the close is refused with a message, on the page and in the API.
    let csrf = t.csrf(&f.tokens[0]);
    let late = t.post_form(
        &format!("/p/{}/answers", f.tokens[0]),
        &[("csrf", &csrf), ("r_I1", "2")],
    );
    assert_eq!(late.status().as_u16(), 409);
    assert!(late.text().unwrap().contains("this round has closed"));

    // Round 2 invites round-1 responders only: panellist 5 is not invited.
    delphi_app::next_round::open_next_round(
        &t.app,
        fixture::OPERATOR,
        &f.slug,
        &[],
        &delphi_app::opening::RoundOptions::default(),
    )
    .unwrap();
    let not_invited = t.page(&format!("/p/{}", f.tokens[5]), 200);
    assert!(
        not_invited.contains("open to panellists who took part"),
        "{not_invited}"
    );

    delphi_app::closing::close_round(&t.app, fixture::OPERATOR, &f.slug).unwrap();
    delphi_app::studies::complete(&t.app, fixture::OPERATOR, &f.slug, "done").unwrap();
    let completed = t.page(&format!("/p/{}", f.tokens[0]), 200);
    assert!(completed.contains("This study has finished"), "{completed}");
}

#[test]
fn withdrawal_asks_first_and_keeps_earlier_answers() {
    let t = TestApp::spawn();
    let f = fixture::round_one(&t.app, "withdraw", 3, 5);
    fixture::answer_round_one(&t.app, &f, &[]);
    let token = &f.tokens[1];
    let base = format!("/p/{token}");
    assert!(t
        .page(&base, 200)
        .contains(&format!("href=\"{base}/withdraw\"")));
    let confirm = t.page(&format!("{base}/withdraw"), 200);
    assert!(confirm.contains("Withdraw from this study?"));
    assert!(confirm.contains("answers you gave before withdrawing are kept"));
    let done = t.post_form(&format!("{base}/withdraw"), &[("csrf", &t.csrf(token))]);
    assert_eq!(location(&done), base);
    let page = t.page(&base, 200);
    assert!(
        page.contains("You have withdrawn from this study"),
        "{page}"
    );
    assert!(!page.contains("/withdraw\""), "no second withdrawal link");

    // Answers stay, and nothing more can be saved.
    let mut conn = t.app.conn().unwrap();
    let round = delphi_store::rounds::latest(&mut conn, &f.study_id)
        .unwrap()
        .unwrap();
    let kept = delphi_store::responses::for_round(&mut conn, &round.id).unwrap();
    assert_eq!(kept.len(), 3 * 5, "every answer is kept");
    let refused = t.put_answer(token, "I1", serde_json::json!({"rating": 4}));
    assert_eq!(refused.status().as_u16(), 403);
}

#[test]
fn every_page_names_the_team_and_a_mail_clients_unsubscribe_withdraws() {
    let t = TestApp::spawn();
    let f = fixture::round_one(&t.app, "team", 2, 3);
    let base = format!("/p/{}", f.tokens[0]);
    for path in [base.clone(), format!("{base}/withdraw")] {
        let page = t.page(&path, 200);
        assert!(
            page.contains("This study is run by Dr Sam Taylor and the SPLW research team, University of Exampleton."),
            "{path}: {page}"
        );
        assert!(
            page.contains(
                "<a href=\"mailto:splw-study@example.ac.uk\">splw-study@example.ac.uk</a>"
            ),
            "{path}"
        );
        assert!(
            page.contains("Ethics approval: UEX-REC 2026/041."),
            "{path}"
        );
    }
    // RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` to the withdraw link.
    let done = t.post_form(
        &format!("{base}/withdraw"),
        &[("List-Unsubscribe", "One-Click")],
    );
    assert_eq!(done.status().as_u16(), 303);
    assert!(t
        .page(&base, 200)
        .contains("You have withdrawn from this study"));
    // Anything else without the form's CSRF value changes nothing.
    let other = format!("/p/{}", f.tokens[1]);
    let refused = t.post_form(&format!("{other}/withdraw"), &[("List-Unsubscribe", "Yes")]);
    assert_eq!(refused.status().as_u16(), 403);
    assert!(!t.page(&other, 200).contains("You have withdrawn"));
}
