//! The round console's pages: the monitor (response per group and per panellist, pseudonyms
//! only, warnings), reminders after a confirmation, extending the deadline, closing after a
//! confirmation, the results with their filters, the audit log; and every refusal changes
//! nothing.

use delphi_core::states::MailKind;

use crate::console_support::*;
use crate::support::TestApp;

#[test]
fn the_monitor_shows_response_per_group_and_each_panellist_by_pseudonym_only() {
    let t = TestApp::spawn();
    arranged(&t);
    let owner = Researcher::sign_in(&t, OWNER);
    let page = owner.page("/admin/studies/con/rounds/1", 200);
    for expected in [
        "<tr data-group=\"ALL\"><th scope=row>Whole panel</th><td class=n data-f=invited>10</td><td class=n data-f=opened>0</td><td class=n data-f=consented>8</td><td class=n data-f=started>7</td><td class=n data-f=submitted>6</td><td class=n data-f=withdrawn>1</td><td class=n data-f=rate>60 %</td></tr>",
        "data-api=\"/api/v1/studies/con/rounds/1/monitor\"",
        "<script src=/static/monitor.js defer></script>",
        "fewer than the study&#x27;s minimum of 5",
        "href=\"/admin/studies/con/close\"",
        "href=\"/admin/studies/con/remind\"",
        "name=deadline type=datetime-local",
    ] {
        assert!(page.contains(expected), "{expected} in {page}");
    }
    assert!(!page.contains("@example.org"), "no address on the monitor");
    assert!(!page.contains("Panellist 3"), "no name on the monitor");
    let analyst = Researcher::sign_in(&t, ANALYST);
    let read_only = analyst.page("/admin/studies/con/rounds/1", 200);
    assert!(read_only.contains("data-f=submitted>6<"), "{read_only}");
    assert!(
        !read_only.contains("name=deadline"),
        "no actions for an analyst"
    );
    assert!(!read_only.contains("@example.org"));
    let outsider = Researcher::sign_in(&t, OUTSIDER);
    outsider.page("/admin/studies/con/rounds/1", 404);
    owner.page("/admin/studies/con/rounds/9", 404);
    let nobody = Researcher::anonymous(&t);
    redirects_to(&nobody.get("/admin/studies/con/rounds/1"), "/admin/login");
    let js = nobody.get("/static/monitor.js");
    assert_eq!(js.status().as_u16(), 200);
    assert!(js.text().expect("a body").contains("textContent"));
}

#[test]
fn reminders_go_after_a_confirmation_that_names_who_receives_them() {
    let t = TestApp::spawn();
    let f = arranged(&t);
    let owner = Researcher::sign_in(&t, OWNER);
    let page = owner.page("/admin/studies/con/remind", 200);
    assert!(
        page.contains("Send 3 reminders"),
        "panellists 6, 8 and 9: {page}"
    );
    assert!(!page.contains("@example.org"));
    let analyst = Researcher::sign_in(&t, ANALYST);
    let before = snapshot(&t);
    analyst.page("/admin/studies/con/remind", 403);
    let refused = analyst.post("/admin/studies/con/remind", &[("csrf", &analyst.csrf)]);
    assert_eq!(refused.status().as_u16(), 403);
    let forged = owner.post("/admin/studies/con/remind", &[("csrf", "forged")]);
    assert_eq!(forged.status().as_u16(), 403);
    assert_eq!(before, snapshot(&t), "refused reminders change nothing");
    let sent = owner.post("/admin/studies/con/remind", &[("csrf", &owner.csrf)]);
    redirects_to(&sent, "/admin/studies/con?done=reminded&n=3&m=0");
    let again = owner.page("/admin/studies/con/remind", 200);
    assert!(again.contains("Already reminded today"), "{again}");
    assert_eq!(f.tokens.len(), 10);
}

#[test]
fn the_deadline_moves_later_and_the_panel_is_emailed_the_new_date() {
    let t = TestApp::spawn();
    arranged(&t);
    let owner = Researcher::sign_in(&t, OWNER);
    // A sign-in is a session row: everyone signs in before the "before" picture.
    let analyst = Researcher::sign_in(&t, ANALYST);
    let before = snapshot(&t);
    let past = owner.post(
        "/admin/studies/con/deadline",
        &[("csrf", &owner.csrf), ("deadline", "2001-01-01T10:00")],
    );
    assert_eq!(past.status().as_u16(), 422);
    assert!(past
        .text()
        .expect("a body")
        .contains("must be in the future"));
    let garbled = owner.post(
        "/admin/studies/con/deadline",
        &[("csrf", &owner.csrf), ("deadline", "soon")],
    );
    assert_eq!(garbled.status().as_u16(), 422);
    let forged = owner.post(
        "/admin/studies/con/deadline",
        &[("csrf", "x"), ("deadline", "2099-01-01T10:00")],
    );
    assert_eq!(forged.status().as_u16(), 403);
    let refused = analyst.post(
        "/admin/studies/con/deadline",
        &[("csrf", &analyst.csrf), ("deadline", "2099-01-01T10:00")],
    );
    assert_eq!(refused.status().as_u16(), 403);
    assert_eq!(before, snapshot(&t), "refusals change nothing");
    let moved = owner.post(
        "/admin/studies/con/deadline",
        &[("csrf", &owner.csrf), ("deadline", "2099-01-01T10:00")],
    );
    redirects_to(&moved, "/admin/studies/con/rounds/1?done=extended&n=9");
    let page = owner.page("/admin/studies/con/rounds/1?done=extended&n=9", 200);
    assert!(page.contains("Deadline: 1 Jan 2099 10:00 UTC"), "{page}");
    assert!(page.contains("9 panellists will be emailed"), "{page}");
    let mut conn = t.app.conn().expect("a connection");
    let round =
        delphi_store::rounds::for_study(&mut conn, &arranged_id(&t)).expect("rounds")[0].clone();
    let mail = delphi_store::outbox::for_round(&mut conn, &round.id).expect("outbox");
    let extended: Vec<_> = mail
        .iter()
        .filter(|m| m.kind == MailKind::DeadlineExtended)
        .collect();
    assert_eq!(extended.len(), 9, "everyone but the withdrawn panellist");
    assert!(
        extended[0]
            .context
            .contains("Thursday 1 January 2099, 10:00 GMT"),
        "in the study's zone (Europe/London)"
    );
    let earlier = owner.post(
        "/admin/studies/con/deadline",
        &[("csrf", &owner.csrf), ("deadline", "2098-01-01T10:00")],
    );
    assert_eq!(earlier.status().as_u16(), 422, "only later");
}

fn arranged_id(t: &TestApp) -> String {
    let mut conn = t.app.conn().expect("a connection");
    delphi_store::studies::find_by_slug(&mut conn, "con")
        .expect("a lookup")
        .expect("the study")
        .id
}

#[test]
fn closing_asks_first_then_closes_once_and_shows_filterable_results() {
    let t = TestApp::spawn();
    arranged(&t);
    let owner = Researcher::sign_in(&t, OWNER);
    owner.page("/admin/studies/con/rounds/1/results", 409);
    let confirm = owner.page("/admin/studies/con/close", 200);
    for expected in [
        "cannot be undone",
        "Answers that count",
        "Close round 1 now",
    ] {
        assert!(confirm.contains(expected), "{expected} in {confirm}");
    }
    assert!(confirm.contains("<strong>1</strong> panellists have saved answers but not submitted"));
    let analyst = Researcher::sign_in(&t, ANALYST);
    analyst.page("/admin/studies/con/close", 403);
    // A sign-in is a session row: the outsider signs in before the "before" picture.
    let outsider = Researcher::sign_in(&t, OUTSIDER);
    let before = snapshot(&t);
    let refused = analyst.post("/admin/studies/con/close", &[("csrf", &analyst.csrf)]);
    assert_eq!(refused.status().as_u16(), 403);
    let forged = owner.post("/admin/studies/con/close", &[("csrf", "forged")]);
    assert_eq!(forged.status().as_u16(), 403);
    let hidden = outsider.post("/admin/studies/con/close", &[("csrf", &outsider.csrf)]);
    assert_eq!(hidden.status().as_u16(), 404);
    assert_eq!(before, snapshot(&t), "refused closes change nothing");
    let closed = owner.post("/admin/studies/con/close", &[("csrf", &owner.csrf)]);
    redirects_to(&closed, "/admin/studies/con/rounds/1/results");
    let after = snapshot(&t);
    let again = owner.post("/admin/studies/con/close", &[("csrf", &owner.csrf)]);
    assert_eq!(
        again.status().as_u16(),
        409,
        "a closed round does not close again"
    );
    assert_eq!(after, snapshot(&t));

    let results = owner.page("/admin/studies/con/rounds/1/results", 200);
    for expected in [
        "4 of 4 items shown",
        "<svg class=chart role=img",
        "type 7 (Hyndman and Fan)",
        "Kendall&#x27;s W",
        "Maximum rounds: round 1 of 3.",
        "every_group(...) needs at least 5 valid ratings",
        "<th scope=row>Whole panel</th><td class=n>6</td><td class=n>1</td>",
    ] {
        assert!(results.contains(expected), "{expected} in {results}");
    }
    let managers = owner.page("/admin/studies/con/rounds/1/results?group=managers", 200);
    assert!(managers.contains("<th scope=row>Managers and supervisors</th>"));
    assert!(
        !managers.contains("<th scope=row>Link workers</th>"),
        "one group only"
    );
    let none = owner.page("/admin/studies/con/rounds/1/results?status=in", 200);
    assert!(none.contains("0 of 4 items shown"), "{none}");
    let section = owner.page(
        "/admin/studies/con/rounds/1/results?section=Patient+level&sort=median",
        200,
    );
    assert!(section.contains("of 4 items shown"));
    let bad = owner.page("/admin/studies/con/rounds/1/results?status=maybe", 422);
    assert!(bad.contains("status is one of"), "{bad}");
    owner.page("/admin/studies/con/rounds/1/results?sort=sideways", 422);
    analyst.page("/admin/studies/con/rounds/1/results", 200);
    outsider.page("/admin/studies/con/rounds/1/results", 404);
    let dashboard = owner.page("/admin/studies/con", 200);
    assert!(dashboard.contains("href=\"/admin/studies/con/rounds/1/results\""));
}

#[test]
fn the_audit_log_lists_who_did_what_and_filters_by_kind() {
    let t = TestApp::spawn();
    arranged(&t);
    let owner = Researcher::sign_in(&t, OWNER);
    owner.post("/admin/studies/con/remind", &[("csrf", &owner.csrf)]);
    owner.post("/admin/studies/con/close", &[("csrf", &owner.csrf)]);
    let page = owner.page("/admin/studies/con/audit", 200);
    for expected in [
        "round.closed",
        "reminders.sent",
        "user:owner@example.org",
        "operator",
    ] {
        assert!(page.contains(expected), "{expected} in {page}");
    }
    let closed = owner.page("/admin/studies/con/audit?kind=round.closed", 200);
    assert!(closed.contains("1 of "), "{closed}");
    assert!(!closed.contains("<th scope=row>reminders.sent</th>"));
    let bad = owner.page("/admin/studies/con/audit?kind=nothing.happened", 422);
    assert!(bad.contains("has no action"), "{bad}");
    let analyst = Researcher::sign_in(&t, ANALYST);
    let read = analyst.page("/admin/studies/con/audit", 200);
    assert!(
        !read.contains("owner@example.org"),
        "analysts read no address"
    );
    assert!(read.contains("a study member"));
    Researcher::sign_in(&t, OUTSIDER).page("/admin/studies/con/audit", 404);
}
