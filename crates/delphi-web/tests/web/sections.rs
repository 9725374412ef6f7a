//! Rounds shown one section per page: progress across sections, saving as one goes with the
//! plain form, the review page, bad section numbers; the item ledger of a later round; the
//! words and times every panellist page shares.

use delphi_app::planner::{self, ChangeInput};
use delphi_core::settings::BySection;
use delphi_core::states::{PlanChangeKind, Role};

use crate::callers;
use crate::fixture;
use crate::support::{location, TestApp};

/// The progress line of a page by section.
fn progress(section: usize, of: usize, rated: usize, total: usize) -> String {
    format!(
        "Section {section} of {of} · <span id=rated>{rated}</span> of <span id=total>{total}</span> rated"
    )
}

/// The form fields rating items `from..=to` (1-based codes `I1`...).
fn ratings(from: usize, to: usize) -> Vec<(String, String)> {
    (from..=to)
        .map(|n| (format!("r_I{n}"), "7".to_owned()))
        .collect()
}

fn post(t: &TestApp, path: &str, csrf: &str, fields: &[(String, String)], go: &str) -> String {
    let mut all: Vec<(&str, &str)> = vec![("csrf", csrf), ("go", go)];
    all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let response = t.post_form(path, &all);
    assert_eq!(response.status().as_u16(), 303, "{path} {go}");
    location(&response)
}

#[test]
fn a_long_round_goes_section_by_section_without_javascript_to_the_review_and_submit() {
    let t = TestApp::spawn();
    // 30 items over three sections: above 20, so by section without any setting.
    let f = fixture::round_one(&t.app, "sections", 30, 4);
    let token = &f.tokens[0];
    let base = format!("/p/{token}");
    let csrf = t.csrf(token);
    assert_eq!(
        t.post_form(&format!("{base}/consent"), &[("csrf", &csrf)])
            .status()
            .as_u16(),
        303
    );

    let first = t.page(&base, 200);
    assert!(first.contains(&progress(1, 3, 0, 30)), "{first}");
    assert_eq!(first.matches("<fieldset").count(), 10, "one section only");
    assert!(first.contains("<h2>Patient level</h2>"));
    assert!(!first.contains("Organisational level"));
    assert!(first.contains("<title>Round 1, section 1 of 3 – "));
    assert!(first.contains("value=s2 class=pri>Save, next section"));
    assert!(
        !first.contains("previous section"),
        "no section before the first"
    );
    assert!(
        first.contains("data-o=0"),
        "the script counts from the other sections"
    );
    assert!(
        first.contains("Rate each statement from 1"),
        "instructions on the first page"
    );

    // Section 1 rated, then "next": saved, and section 2 follows.
    let next = post(&t, &format!("{base}/answers"), &csrf, &ratings(1, 10), "s2");
    assert_eq!(next, format!("{base}/section/2"));
    let second = t.page(&next, 200);
    assert!(second.contains(&progress(2, 3, 10, 30)), "{second}");
    assert!(second.contains("<h2>Organisational level</h2>"));
    assert!(second.contains("data-o=10"));
    assert!(second.contains("value=s1>Save, previous section"));
    assert!(
        !second.contains("Rate each statement from 1"),
        "introduction once"
    );

    // The plain form saves half of section 2 and stays there.
    let stay = post(
        &t,
        &format!("{base}/answers"),
        &csrf,
        &ratings(11, 15),
        "save2",
    );
    assert_eq!(stay, format!("{base}/section/2?n=saved"));
    let saved = t.page(&stay, 200);
    assert!(saved.contains("Your answers are saved."));
    assert!(saved.contains(&progress(2, 3, 15, 30)));
    assert!(saved.contains("name=r_I11 value=7 checked"));

    // Coming back by the link resumes at the first section with something unrated.
    assert!(t.page(&base, 200).contains(&progress(2, 3, 15, 30)));

    // The last section offers the review instead of a next section.
    let third = t.page(&format!("{base}/section/3"), 200);
    assert!(third.contains("value=submit class=pri>Save, review and submit"));
    assert!(third.contains("data-o=15"));
    let review = post(
        &t,
        &format!("{base}/answers"),
        &csrf,
        &ratings(21, 30),
        "submit",
    );
    assert_eq!(review, format!("{base}/submit"));
    let review = t.page(&review, 200);
    assert!(
        review.contains("You have rated 25 of 30 statements."),
        "{review}"
    );
    assert!(review.contains(&format!(
        "<a href=\"{base}/section/2\">Organisational level</a>: 5 of 10 rated"
    )));
    for n in 16..=20 {
        assert!(
            review.contains(&format!("<a href=\"{base}/section/2#i-I{n}\">I{n}</a>")),
            "unrated I{n} links into its section"
        );
    }
    assert!(!review.contains("#i-I15\""), "rated items are not listed");

    let done = t.post_form(&format!("{base}/submit"), &[("csrf", &csrf)]);
    assert_eq!(location(&done), format!("{base}?n=submitted"));
    let thanks = t.page(&format!("{base}?n=submitted"), 200);
    assert!(
        thanks.contains("You rated 25 of the 30 statements; you can still rate the others"),
        "{thanks}"
    );
}

#[test]
fn a_section_the_round_does_not_have_is_a_clear_404_on_the_study_page() {
    let t = TestApp::spawn();
    let f = fixture::round_one(&t.app, "no-section", 24, 2);
    let token = &f.tokens[0];
    let base = format!("/p/{token}");
    let csrf = t.csrf(token);
    t.post_form(&format!("{base}/consent"), &[("csrf", &csrf)]);
    for bad in ["0", "4", "abc", "99999999999999999999", "-1", "%3Cb%3E"] {
        let page = t.page(&format!("{base}/section/{bad}"), 404);
        assert!(
            page.contains("This round has 3 sections, numbered 1 to 3."),
            "{bad}: {page}"
        );
        assert!(
            page.contains("splw-study@example.ac.uk"),
            "the team's contact"
        );
        assert!(!page.contains("<b>"), "nothing echoed");
    }
    // Someone else's link, or none: the same 404 as every unknown link.
    let unknown = t.get(&format!("/p/{}/section/1", "A".repeat(32)));
    assert_eq!(unknown.status().as_u16(), 404);
}

#[test]
fn a_study_chooses_one_page_or_pages_by_section() {
    let t = TestApp::spawn();
    let long = fixture::round_one(&t.app, "one-page", 30, 2);
    fixture::pages_by_section(&t.app, &long.slug, BySection::Off);
    let short = fixture::round_one(&t.app, "short-sections", 6, 2);
    fixture::pages_by_section(&t.app, &short.slug, BySection::On);
    for f in [&long, &short] {
        let csrf = t.csrf(&f.tokens[0]);
        t.post_form(&format!("/p/{}/consent", f.tokens[0]), &[("csrf", &csrf)]);
    }
    let base = format!("/p/{}", long.tokens[0]);
    let whole = t.page(&base, 200);
    assert_eq!(whole.matches("<fieldset").count(), 30);
    assert!(!whole.contains("Section 1 of"));
    let redirected = t.get(&format!("{base}/section/2"));
    assert_eq!(
        redirected.status().as_u16(),
        303,
        "one page: the link's page"
    );
    assert_eq!(location(&redirected), base);

    let short_page = t.page(&format!("/p/{}", short.tokens[0]), 200);
    assert!(short_page.contains(&progress(1, 3, 0, 6)));
    assert_eq!(short_page.matches("<fieldset").count(), 2);
}

#[test]
fn the_settings_form_saves_the_layout_and_names_a_bad_choice() {
    let t = TestApp::spawn();
    let f = fixture::draft(&t.app, "layout", 4, 2);
    callers::user(&t, "layout@example.org", "L");
    delphi_app::users::add_member(
        &t.app,
        fixture::OPERATOR,
        &f.slug,
        "layout@example.org",
        Role::Owner,
    )
    .expect("an owner");
    let r = callers::Browser::signed_in(&t, "layout@example.org");
    let path = format!("/admin/studies/{}/settings", f.slug);
    let page = r.text(&path);
    assert!(page.contains("<option value=auto selected>when it has more than 20 statements"));
    let form = |by_section: &'static str| {
        vec![
            ("csrf", r.csrf.clone()),
            ("action", "save".to_owned()),
            ("preset", "custom".to_owned()),
            ("consensus_in", "pct(7, 9) >= 70".to_owned()),
            ("min_n_for_classification", "5".to_owned()),
            ("quantile_type", "7".to_owned()),
            ("short_groups", "not_consensus".to_owned()),
            ("max_rounds", "3".to_owned()),
            ("min_responses", "5".to_owned()),
            ("consensus_items", "retire".to_owned()),
            ("later_round_invitations", "previous_responders".to_owned()),
            ("counting_withdrawn", "keep".to_owned()),
            ("by_section", by_section.to_owned()),
        ]
    };
    let send = |fields: Vec<(&str, String)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        r.post(&path, &pairs)
    };
    let before = t.snapshot();
    let refused = send(form("sometimes"));
    assert_eq!(refused.status().as_u16(), 422);
    assert!(refused
        .text()
        .expect("a body")
        .contains("by_section: choose one of auto, on, off"));
    assert_eq!(before, t.snapshot(), "nothing saved");
    assert_eq!(send(form("on")).status().as_u16(), 303);
    let settings = delphi_app::setup::protocol::view(&t.app, fixture::OPERATOR, &f.slug)
        .expect("settings")
        .settings;
    assert_eq!(settings.pages.by_section, BySection::On);
    assert!(r.text(&path).contains("<option value=on selected>always"));
}

#[test]
fn a_later_round_opens_with_the_ledger_of_what_changed_and_why() {
    let t = TestApp::spawn();
    let f = fixture::round_one(&t.app, "ledger", 8, 25);
    fixture::answer_round_one(&t.app, &f, &[]);
    delphi_app::closing::close_round(&t.app, fixture::OPERATOR, &f.slug).expect("closes");
    let change = |kind, code: &str, text: Option<&str>, reason: &str| ChangeInput {
        kind,
        code: code.to_owned(),
        new_code: (kind == PlanChangeKind::Reword).then(|| format!("{code}r")),
        section: (kind == PlanChangeKind::Add).then(|| "Patient level".to_owned()),
        text: text.map(str::to_owned),
        reason: reason.to_owned(),
        from_comment: None,
        from_suggestion: None,
    };
    for input in [
        change(
            PlanChangeKind::Drop,
            "I2",
            None,
            "Out of <scope> for this study",
        ),
        change(
            PlanChangeKind::Reword,
            "I3",
            Some("Clearer words & <fewer>"),
            "Panellists found it ambiguous",
        ),
        change(
            PlanChangeKind::Add,
            "N1",
            Some("A new statement"),
            "Suggested by the panel",
        ),
    ] {
        planner::change(&t.app, fixture::OPERATOR, &f.slug, &input).expect("the change holds");
    }
    planner::open(&t.app, fixture::OPERATOR, &f.slug, &Default::default()).expect("opens");

    let page = t.page(&format!("/p/{}", f.tokens[0]), 200);
    let ledger = page
        .split("<section class=lg")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .expect("the ledger is on the page");
    assert!(ledger.contains("What changed since round 1"));
    // I1 and I5 reached consensus (rated 8 or 9 by everyone) and retire.
    let agreed = ledger
        .split("<h3>Agreed by the panel, not asked again</h3>")
        .nth(1)
        .expect("agreed listed");
    assert!(agreed.contains("<li>I1 Statement 1:"), "{ledger}");
    assert!(agreed.contains("<li>I5 Statement 5:"));
    assert!(agreed.contains("Why: Consensus reached in round 1"));
    assert!(ledger
        .contains("<li>I3r now reads “Clearer words &amp; &lt;fewer&gt;”; it read “Statement 3:"));
    assert!(ledger.contains("Why: Panellists found it ambiguous"));
    assert!(
        ledger.contains("<h3>New</h3><ul><li>N1 A new statement<br>Why: Suggested by the panel")
    );
    assert!(ledger.contains("<h3>Removed by the research team</h3><ul><li>I2 Statement 2:"));
    assert!(ledger.contains("Why: Out of &lt;scope&gt; for this study"));
    assert!(
        !page.contains("<scope>") && !page.contains("<fewer>"),
        "escaped"
    );
}

#[test]
fn the_final_round_says_so_and_times_are_in_the_study_zone() {
    let t = TestApp::spawn();
    let f = fixture::round_one(&t.app, "final", 4, 2);
    // The study allows 3 rounds: round 1 is not the last.
    let token = &f.tokens[0];
    let csrf = t.csrf(token);
    t.post_form(&format!("/p/{token}/consent"), &[("csrf", &csrf)]);
    let page = t.page(&format!("/p/{token}"), 200);
    assert!(!page.contains("final round"));
    let mut settings = delphi_app::setup::protocol::view(&t.app, fixture::OPERATOR, &f.slug)
        .expect("settings")
        .settings;
    settings.stopping.max_rounds = 1;
    delphi_app::setup::protocol::update(&t.app, fixture::OPERATOR, &f.slug, &settings, "One round")
        .expect("amended");
    let page = t.page(&format!("/p/{token}"), 200);
    assert!(
        page.contains("This is the final round of the study."),
        "{page}"
    );
    // Submitted: the time is written in the study's zone (Europe/London: GMT or BST).
    t.post_form(&format!("/p/{token}/submit"), &[("csrf", &csrf)]);
    let page = t.page(&format!("/p/{token}"), 200);
    let stamp = page
        .split("You submitted on ")
        .nth(1)
        .and_then(|rest| rest.split('.').next())
        .expect("the submission time");
    assert!(
        stamp.ends_with(" GMT") || stamp.ends_with(" BST"),
        "{stamp}"
    );
}
