//! The Exports page, its downloads and the export API: who gets what (analysts every
//! download, owners alone the contact list, after a CSRF check, audited), refusals that
//! change nothing, and a hostile comment inert in every file.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use delphi_app::users;
use delphi_core::states::Role;
use delphi_store::testing::snapshot;
use reqwest::blocking::{Client, Response};
use reqwest::redirect::Policy;

use crate::fixture;
use crate::support::{location, TestApp};

const PASSWORD: &str = "correct horse battery staple";
const HOSTILE: &str =
    "=HYPERLINK(\"http://evil.example/\",\"x\") <script>alert(1)</script> \"><img src=x onerror=alert(1)>";
const FILES: [(&str, &str, &str); 8] = [
    ("html", "exp-report.html", "text/html; charset=utf-8"),
    ("csv", "exp-responses.csv", "text/csv; charset=utf-8"),
    ("results-csv", "exp-results.csv", "text/csv; charset=utf-8"),
    (
        "xlsx",
        "exp-study.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("json", "exp-study.json", "application/json"),
    (
        "codebook",
        "exp-codebook.md",
        "text/markdown; charset=utf-8",
    ),
    ("spss", "exp-responses.sps", "text/plain; charset=utf-8"),
    ("r", "exp-responses.R", "text/plain; charset=utf-8"),
];

/// A browser that keeps cookies and does not follow redirects.
struct Browser<'a> {
    t: &'a TestApp,
    client: Client,
    csrf: String,
}

impl<'a> Browser<'a> {
    fn anonymous(t: &'a TestApp) -> Self {
        let client = Client::builder()
            .redirect(Policy::none())
            .cookie_store(true)
            .build()
            .expect("a client");
        Self {
            t,
            client,
            csrf: String::new(),
        }
    }

    fn signed_in(t: &'a TestApp, email: &str) -> Self {
        let mut b = Self::anonymous(t);
        let form = b.get("/admin/login").text().expect("the form");
        let response = b.post(
            "/admin/login",
            &[
                ("csrf", &csrf_of(&form)),
                ("email", email),
                ("password", PASSWORD),
            ],
            None,
        );
        assert_eq!(response.status().as_u16(), 303, "{email} signs in");
        b.csrf = csrf_of(&b.get("/admin").text().expect("studies"));
        b
    }

    fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.t.address))
            .send()
            .expect("GET answers")
    }

    fn post(&self, path: &str, fields: &[(&str, &str)], header: Option<&str>) -> Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.t.address))
            .form(fields);
        if let Some(value) = header {
            request = request.header("X-CSRF-Token", value);
        }
        request.send().expect("POST answers")
    }
}

fn csrf_of(html: &str) -> String {
    let start = html.find("name=csrf value=\"").expect("a CSRF field") + 17;
    html[start..].split('"').next().expect("a value").to_owned()
}

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A study `exp` with three closed rounds and a hostile comment; its owner, researcher and
/// analyst; and the owner of another study.
fn arranged(t: &TestApp) -> fixture::Fixture {
    for email in [
        "owner@example.org",
        "researcher@example.org",
        "analyst@example.org",
        "outsider@example.org",
    ] {
        users::create_user(&t.app, fixture::OPERATOR, email, email, PASSWORD, false)
            .expect("a user");
    }
    let f = fixture::three_closed_rounds(&t.app, "exp", 6, 10, HOSTILE);
    fixture::draft(&t.app, "other", 2, 2);
    for (study, email, role) in [
        ("exp", "owner@example.org", Role::Owner),
        ("exp", "researcher@example.org", Role::Researcher),
        ("exp", "analyst@example.org", Role::Analyst),
        ("other", "outsider@example.org", Role::Owner),
    ] {
        users::add_member(&t.app, fixture::OPERATOR, study, email, role).expect("a member");
    }
    f
}

fn audited(t: &TestApp, study_id: &str) -> usize {
    let mut conn = t.app.conn().expect("a connection");
    delphi_store::audit::for_study(&mut conn, study_id)
        .expect("audit")
        .into_iter()
        .filter(|a| a.action == delphi_app::exports::CONTACTS_AUDIT_ACTION)
        .count()
}

#[test]
fn an_analyst_downloads_every_file_by_its_name_but_never_the_contacts() {
    let t = TestApp::spawn();
    let f = arranged(&t);
    let analyst = Browser::signed_in(&t, "analyst@example.org");
    let dashboard = analyst.get("/admin/studies/exp").text().expect("dashboard");
    assert!(
        dashboard.contains("href=\"/admin/studies/exp/exports\""),
        "linked"
    );
    let page = analyst.get("/admin/studies/exp/exports");
    assert_eq!(page.status().as_u16(), 200);
    let page = page.text().expect("the page");
    assert!(
        page.contains("Results exist for 3 closed rounds."),
        "{page}"
    );
    assert!(
        !page.contains("exports/contacts"),
        "no contact list offered"
    );
    for (format, file, media) in FILES {
        assert!(
            page.contains(&format!("/admin/studies/exp/exports/{format}\"")),
            "{format}"
        );
        for path in [
            format!("/admin/studies/exp/exports/{format}"),
            format!("/api/v1/studies/exp/exports/{format}"),
        ] {
            let response = analyst.get(&path);
            assert_eq!(response.status().as_u16(), 200, "{path}");
            assert_eq!(
                header(&response, "content-disposition"),
                format!("attachment; filename=\"{file}\""),
                "{path}"
            );
            assert_eq!(header(&response, "content-type"), media, "{path}");
            assert_eq!(header(&response, "cache-control"), "no-store", "{path}");
            let body = response.bytes().expect("a body");
            assert!(body.len() > 100, "{path}");
            assert!(
                !String::from_utf8_lossy(&body).contains("@example.org"),
                "{path}: pseudonyms only"
            );
        }
    }
    let listed: serde_json::Value = analyst
        .get("/api/v1/studies/exp/exports")
        .json()
        .expect("JSON");
    assert_eq!(
        listed["exports"].as_array().map(Vec::len),
        Some(8),
        "{listed}"
    );

    // The contact list is refused every way an analyst may ask, and nothing is written.
    let mut conn = t.app.conn().expect("a connection");
    let before = snapshot(&mut conn).expect("snapshot");
    let form = analyst.post(
        "/admin/studies/exp/exports/contacts",
        &[("csrf", &analyst.csrf)],
        None,
    );
    assert_eq!(form.status().as_u16(), 403);
    assert!(form.text().expect("page").contains("owners may do this"));
    assert_eq!(
        analyst
            .get("/admin/studies/exp/exports/contacts")
            .status()
            .as_u16(),
        403
    );
    let api = analyst.post(
        "/api/v1/studies/exp/exports/contacts",
        &[],
        Some(&analyst.csrf),
    );
    assert_eq!(api.status().as_u16(), 403);
    assert_eq!(
        api.json::<serde_json::Value>().expect("JSON")["error"]["code"],
        "forbidden"
    );
    assert_eq!(before, snapshot(&mut conn).expect("snapshot"));
    assert_eq!(audited(&t, &f.study_id), 0);
}

#[test]
fn strangers_and_wrong_requests_are_refused_and_change_nothing() {
    let t = TestApp::spawn();
    let f = arranged(&t);
    // Signed in before the snapshot: a sign-in may write a session row.
    let outsider = Browser::signed_in(&t, "outsider@example.org");
    let owner = Browser::signed_in(&t, "owner@example.org");
    let mut conn = t.app.conn().expect("a connection");
    let before = snapshot(&mut conn).expect("snapshot");

    let nobody = Browser::anonymous(&t);
    for path in [
        "/admin/studies/exp/exports",
        "/admin/studies/exp/exports/csv",
    ] {
        let response = nobody.get(path);
        assert_eq!(response.status().as_u16(), 303, "{path}");
        assert_eq!(location(&response), "/admin/login");
    }
    let response = nobody.post(
        "/admin/studies/exp/exports/contacts",
        &[("csrf", "x")],
        None,
    );
    assert_eq!(response.status().as_u16(), 303);
    for response in [
        nobody.get("/api/v1/studies/exp/exports/csv"),
        nobody.get("/api/v1/studies/exp/exports"),
        nobody.post("/api/v1/studies/exp/exports/contacts", &[], Some("x")),
    ] {
        assert_eq!(response.status().as_u16(), 401);
        let body: serde_json::Value = response.json().expect("a JSON error");
        assert_eq!(body["error"]["code"], "not_signed_in");
    }

    // The owner of another study cannot tell this one exists.
    for path in [
        "/admin/studies/exp/exports",
        "/admin/studies/exp/exports/json",
        "/api/v1/studies/exp/exports/json",
    ] {
        assert_eq!(outsider.get(path).status().as_u16(), 404, "{path}");
    }
    let response = outsider.post(
        "/admin/studies/exp/exports/contacts",
        &[("csrf", &outsider.csrf)],
        None,
    );
    assert_eq!(response.status().as_u16(), 404);

    // The owner with a wrong or missing CSRF value, an unknown format, a bad choice.
    let response = owner.post(
        "/admin/studies/exp/exports/contacts",
        &[("csrf", &outsider.csrf)],
        None,
    );
    assert_eq!(response.status().as_u16(), 403);
    for header in [None, Some(outsider.csrf.as_str())] {
        let response = owner.post("/api/v1/studies/exp/exports/contacts", &[], header);
        assert_eq!(response.status().as_u16(), 403);
        let body: serde_json::Value = response.json().expect("a JSON error");
        assert_eq!(body["error"]["code"], "csrf");
    }
    let unknown = owner.get("/admin/studies/exp/exports/pdf");
    assert_eq!(unknown.status().as_u16(), 404);
    assert!(unknown.text().expect("page").contains("there is no export"));
    let bad = owner.get("/admin/studies/exp/exports/csv?bom=maybe");
    assert_eq!(bad.status().as_u16(), 422);
    let api = owner.get("/api/v1/studies/exp/exports/pdf");
    assert_eq!(api.status().as_u16(), 404);
    assert_eq!(before, snapshot(&mut conn).expect("snapshot"));
    assert_eq!(audited(&t, &f.study_id), 0);
}

#[test]
fn an_owner_takes_the_contact_list_and_the_log_says_so() {
    let t = TestApp::spawn();
    let f = arranged(&t);
    let owner = Browser::signed_in(&t, "owner@example.org");
    let page = owner
        .get("/admin/studies/exp/exports")
        .text()
        .expect("page");
    assert!(
        page.contains("action=\"/admin/studies/exp/exports/contacts\""),
        "{page}"
    );
    let response = owner.post(
        "/admin/studies/exp/exports/contacts",
        &[("csrf", &owner.csrf)],
        None,
    );
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"exp-contacts.csv\""
    );
    let list = response.text().expect("CSV");
    assert!(list.starts_with("pseudonym,name,email\n"));
    assert_eq!(list.matches("@example.org").count(), 10, "{list}");
    assert_eq!(audited(&t, &f.study_id), 1);
    let api = owner.post(
        "/api/v1/studies/exp/exports/contacts",
        &[],
        Some(&owner.csrf),
    );
    assert_eq!(api.status().as_u16(), 200);
    assert_eq!(audited(&t, &f.study_id), 2);
    let listed: serde_json::Value = owner
        .get("/api/v1/studies/exp/exports")
        .json()
        .expect("JSON");
    let contacts = listed["exports"]
        .as_array()
        .and_then(|all| all.iter().find(|e| e["format"] == "contacts"))
        .expect("offered to the owner");
    assert_eq!(contacts["method"], "POST");
}

#[test]
fn a_hostile_comment_is_inert_in_every_download() {
    let t = TestApp::spawn();
    arranged(&t);
    let researcher = Browser::signed_in(&t, "researcher@example.org");
    let get = |path: &str| {
        let response = researcher.get(path);
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(
            header(&response, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        response.bytes().expect("a body").to_vec()
    };

    let csv = get("/admin/studies/exp/exports/csv?comments=on&bom=on");
    let csv = String::from_utf8(csv).expect("UTF-8");
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let mut found = 0;
    for row in reader.records() {
        for cell in row.expect("a row").iter() {
            let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
            assert!(
                !risky || cell.parse::<f64>().is_ok(),
                "a cell a spreadsheet would run: {cell:?}"
            );
            found += usize::from(cell == format!("'{HOSTILE}"));
        }
    }
    assert_eq!(found, 1, "the comment is there, neutralised");

    let xlsx = get("/admin/studies/exp/exports/xlsx");
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(xlsx)).expect("a workbook");
    let mut found = 0;
    for sheet in workbook.sheet_names() {
        let range = workbook.worksheet_range(&sheet).expect("a sheet");
        for cell in range.used_cells() {
            if let (_, _, Data::String(text)) = cell {
                assert!(!text.starts_with('='), "{sheet}: {text:?}");
                found += usize::from(text == &format!("'{HOSTILE}"));
            }
        }
        let formulas = workbook.worksheet_formula(&sheet).expect("formulas");
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{sheet} has no formula"
        );
    }
    assert!(found >= 1, "the comment is in the workbook, neutralised");

    let html = String::from_utf8(get("/admin/studies/exp/exports/html")).expect("UTF-8");
    assert!(
        !html.contains("<script") && !html.contains("<img"),
        "no markup of theirs"
    );
    assert!(!html.contains("onerror=alert"));

    let json = get("/admin/studies/exp/exports/json");
    let record: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    let comments: Vec<&str> = record["responses"]
        .as_array()
        .expect("responses")
        .iter()
        .filter_map(|r| r["comment"].as_str())
        .collect();
    assert_eq!(comments, vec![HOSTILE], "kept exactly, as a JSON string");
}
