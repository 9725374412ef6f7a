//! Hostile text typed by panellists and researchers is inert on every page that shows it: a
//! comment, a reason, a study title, an item, a group name and a panellist's name carrying
//! `<script>`, `"><img onerror>` and `=HYPERLINK(...)`, seen on the panellist's feedback
//! page, the researcher's pages and the email preview. (The exports and the report get the
//! same strings in `delphi-report/tests/exports/hostile.rs`.) On every backend.

use delphi_app::opening::RoundOptions;
use delphi_app::participation::{self, AnswerInput};
use delphi_app::{closing, next_round, opening, studies, Actor};
use delphi_core::states::Role;
use delphi_store::testing::TestDb;

use crate::callers::{csrf_of, user, Browser};
use crate::fixture::{self, OPERATOR};
use crate::support::TestApp;

/// Markup that would run if a page let it through.
pub const SCRIPT: &str = "<script>alert(1)</script>";
/// An attribute break-out that would run.
pub const IMG: &str = "\"><img src=x onerror=alert(1)>";
/// A formula a spreadsheet would run.
pub const FORMULA: &str = "=HYPERLINK(\"http://x\",\"y\")";

/// Fails if `html` carries any of the hostile strings as markup.
fn assert_inert(html: &str, page: &str) {
    for live in ["<script>alert", "<img src=x", "\"><img", "onerror=alert"] {
        assert!(
            !html.contains(live),
            "{page} lets {live:?} through:\n{html}"
        );
    }
}

/// A study whose title, first group, second item and panellists' names are hostile, with
/// round 1 answered (hostile comments and reasons on the second item), closed, two comments
/// released, and round 2 open.
fn hostile_study(t: &TestApp) -> fixture::Fixture {
    let mut definition = fixture::definition("hostile", 4, 10);
    definition.title = format!("Study {SCRIPT}");
    definition.groups[0].name = format!("Group {IMG}");
    definition.items[1].text = format!("Item {SCRIPT} {IMG}");
    for person in &mut definition.panel {
        person.name = Some(format!("Name {IMG}"));
    }
    let study_id =
        studies::create_from_definition(&t.app, OPERATOR, &definition, None).expect("imports");
    let options = RoundOptions {
        deadline: None,
        instructions: format!("Instructions {IMG}"),
    };
    opening::open_first_round(&t.app, OPERATOR, "hostile", &options).expect("round 1");
    let tokens: Vec<String> = delphi_app::queries::panellist_links(&t.app, OPERATOR, "hostile")
        .expect("links")
        .into_iter()
        .map(|l| l.link.rsplit('/').next().expect("a token").to_owned())
        .collect();
    let codes: Vec<String> = definition
        .items
        .iter()
        .map(|i| i.code.as_str().to_owned())
        .collect();
    for (p, token) in tokens.iter().enumerate() {
        let panellist = Actor::Panellist(token.clone());
        participation::consent(&t.app, &panellist).expect("consent");
        let comment = [SCRIPT, IMG, FORMULA][p % 3];
        let answers: Vec<AnswerInput> = codes
            .iter()
            .enumerate()
            .map(|(i, code)| AnswerInput {
                item_code: code.clone(),
                rating: Some(fixture::rating_for(i, p)),
                unable_to_rate: false,
                comment: (i == 1).then(|| format!("{comment} from {p}")),
                reason: (i == 1).then(|| format!("Reason {comment}")),
            })
            .collect();
        participation::save_answers(&t.app, &panellist, &answers).expect("answers");
        participation::submit(&t.app, &panellist).expect("submit");
    }
    closing::close_round(&t.app, OPERATOR, "hostile").expect("closes");
    let f = fixture::Fixture {
        study_id,
        slug: "hostile".to_owned(),
        tokens,
        codes,
    };
    fixture::release_comments(&t.app, &f);
    next_round::open_next_round(&t.app, OPERATOR, "hostile", &[], &options).expect("round 2");
    f
}

#[test]
fn hostile_text_is_inert_on_the_feedback_page_the_admin_pages_and_the_email_preview() {
    for db in TestDb::all() {
        let t = TestApp::spawn_on(db);
        let f = hostile_study(&t);
        // The panellist's round-2 page: the released comments, the item, the group, the title.
        let page = t.page(&format!("/p/{}", f.tokens[0]), 200);
        assert_inert(&page, "the feedback page");
        assert!(page.contains("Comments from the panel (2)"), "{page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "the comment is shown, escaped: {page}"
        );
        assert!(page.contains("Item &lt;script&gt;"), "the item, escaped");
        assert!(page.contains("Study &lt;script&gt;"), "the title, escaped");
        // The API carries the text as data: JSON that browsers may not sniff as a page, and
        // the page's script only ever sets text (never markup).
        let api = t.get(&format!("/api/v1/p/{}", f.tokens[0]));
        let header = |name: &str| {
            api.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(header("content-type"), "application/json");
        assert_eq!(header("x-content-type-options"), "nosniff");
        let script = t.page("/static/p.js", 200);
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
        ] {
            assert!(!script.contains(sink), "p.js uses {sink}");
        }
        for path in ["/consent", "/submit", "/withdraw"] {
            let url = format!("/p/{}{path}", f.tokens[0]);
            let response = t.get(&url);
            assert_inert(&response.text().expect("a page"), &url);
        }

        user(&t, "owner@example.org", "Olive Owner");
        delphi_app::users::add_member(
            &t.app,
            OPERATOR,
            "hostile",
            "owner@example.org",
            Role::Owner,
        )
        .expect("owner");
        let owner = Browser::signed_in(&t, "owner@example.org");
        for path in [
            "/admin",
            "/admin/account",
            "/admin/studies/hostile",
            "/admin/studies/hostile/emails/invitation",
            "/admin/studies/hostile/emails/reminder",
        ] {
            let response = owner.get(path);
            assert_eq!(response.status().as_u16(), 200, "{path}");
            let html = response.text().expect("a page");
            assert_inert(&html, path);
            if path != "/admin/account" {
                assert!(html.contains("Study &lt;script&gt;"), "{path}: the title");
            }
        }
        // A draft wording previewed with hostile text of its own and the hostile title.
        let path = "/admin/studies/hostile/emails/invitation";
        let csrf = csrf_of(&owner.text(path));
        let preview = owner.post(
            path,
            &[
                ("csrf", &csrf),
                ("action", "preview"),
                ("subject", &format!("{{{{study_title}}}} {IMG}")),
                (
                    "body_text",
                    &format!("Dear {{{{name}}}}, {SCRIPT} {FORMULA} {{{{link}}}}"),
                ),
            ],
        );
        let status = preview.status().as_u16();
        let html = preview.text().expect("a page");
        assert_eq!(status, 200, "{html}");
        assert_inert(&html, "the email preview");
        assert!(
            html.contains("Study &lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img"),
            "the preview's subject, escaped: {html}"
        );
        let _ = f;
    }
}
