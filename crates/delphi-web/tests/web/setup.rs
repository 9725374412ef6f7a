//! Setting a study up in the browser (issue 13): the new-study form and uploads, the items,
//! panel and settings pages, each with bad input refused by name and nothing saved; the
//! rule check; a revoked link answering exactly like an unknown one.
#![allow(clippy::unwrap_used)] // test helpers: a failed step is the test failing

use delphi_app::users;
use reqwest::blocking::{Client, Response};
use reqwest::redirect::Policy;

use crate::fixture;
use crate::support::{location, TestApp};

const STUDY_TOML: &str = include_str!("../../../../examples/splw-leadership/study.toml");
const ITEMS_CSV: &str = include_str!("../../../../examples/splw-leadership/items.csv");
const PANEL_CSV: &str = include_str!("../../../../examples/splw-leadership/panel.csv");
const PASSWORD: &str = "correct horse battery staple";

struct Researcher<'a> {
    t: &'a TestApp,
    client: Client,
    csrf: String,
}

fn csrf_of(html: &str) -> String {
    let start = html.find("name=csrf value=\"").expect("a CSRF field") + 17;
    html[start..].split('"').next().expect("a value").to_owned()
}

impl<'a> Researcher<'a> {
    fn sign_in(t: &'a TestApp, email: &str) -> Self {
        users::create_user(&t.app, fixture::OPERATOR, email, "R", PASSWORD, false)
            .expect("a login");
        let client = Client::builder()
            .redirect(Policy::none())
            .cookie_store(true)
            .build()
            .expect("a client");
        let login = client
            .get(format!("{}/admin/login", t.address))
            .send()
            .unwrap()
            .text()
            .unwrap();
        let response = client
            .post(format!("{}/admin/login", t.address))
            .form(&[
                ("csrf", csrf_of(&login).as_str()),
                ("email", email),
                ("password", PASSWORD),
            ])
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 303);
        let page = client
            .get(format!("{}/admin", t.address))
            .send()
            .unwrap()
            .text()
            .unwrap();
        Self {
            t,
            client,
            csrf: csrf_of(&page),
        }
    }

    fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.t.address))
            .send()
            .unwrap()
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(format!("{}{path}", self.t.address))
            .form(&all)
            .send()
            .unwrap()
    }

    /// POSTs a multipart body of (field, file name, bytes); `csrf` added unless `None`.
    fn upload(&self, path: &str, csrf: Option<&str>, files: &[(&str, &str, &[u8])]) -> Response {
        let boundary = "delphi-test-boundary-7f3a";
        let mut body = Vec::new();
        if let Some(csrf) = csrf {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").bytes());
        }
        for (field, name, bytes) in files {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").bytes());
        self.client
            .post(format!("{}{path}", self.t.address))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .unwrap()
    }
}

fn study_count(t: &TestApp) -> usize {
    let mut conn = t.app.conn().unwrap();
    delphi_store::studies::list(&mut conn).unwrap().len()
}

const GOOD: &[(&str, &str)] = &[
    ("title", "Leadership for link workers"),
    ("slug", "by-form"),
    ("description", "About leadership."),
    ("consent_text", "I agree."),
    ("info_url", "https://example.ac.uk/info"),
    ("team_name", "The SPLW team"),
    ("team_institution", "University of Exampleton"),
    ("team_contact", "team@example.ac.uk"),
    ("ethics_reference", "REC 1"),
    ("time_zone", "Europe/London"),
    ("scale_min", "1"),
    ("scale_max", "9"),
    ("labels", ""),
    ("unable_to_rate", "on"),
    ("preset", "comet"),
    ("sections", "Patient level\r\nCommunity level"),
    ("groups", "link_workers: Link workers\r\nmanagers: Managers"),
];

fn with(field: &str, value: &str) -> Vec<(String, String)> {
    GOOD.iter()
        .map(|(k, v)| {
            (
                (*k).to_owned(),
                if *k == field {
                    value.to_owned()
                } else {
                    (*v).to_owned()
                },
            )
        })
        .collect()
}

#[test]
fn the_new_study_form_refuses_each_bad_field_by_name_and_creates_a_good_one() {
    let t = TestApp::spawn();
    let r = Researcher::sign_in(&t, "owner@example.org");
    let page = r.get("/admin/studies/new").text().unwrap();
    assert!(
        page.contains("<h1>New study</h1>") && page.contains("enctype=\"multipart/form-data\"")
    );
    for (case, field, value, expected) in [
        ("empty title", "title", "", "title is empty"),
        (
            "bad short name",
            "slug",
            "Not OK",
            "slug &quot;Not OK&quot;",
        ),
        (
            "contact not an address",
            "team_contact",
            "nobody",
            "team.contact",
        ),
        (
            "link not https",
            "info_url",
            "javascript:alert(1)",
            "team.info_url",
        ),
        ("bad group", "groups", "bad code!: X", "groups line 1"),
        ("scale not a number", "scale_max", "nine", "scale_max"),
    ] {
        let fields = with(field, value);
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let response = r.post("/admin/studies/new", &pairs);
        assert_eq!(response.status().as_u16(), 422, "{case}");
        let body = response.text().unwrap();
        assert!(body.contains("Nothing was saved"), "{case}");
        assert!(body.contains(expected), "{case}: {body}");
        assert_eq!(study_count(&t), 0, "{case}: nothing saved");
    }
    let response = r.post("/admin/studies/new", GOOD);
    assert_eq!(
        location(&response),
        "/admin/studies/by-form/items?done=created"
    );
    let items = r
        .get("/admin/studies/by-form/items?done=created")
        .text()
        .unwrap();
    assert!(items.contains("The study is created as a draft"), "{items}");
    let added = r.post(
        "/admin/studies/by-form/items",
        &[
            ("action", "add"),
            ("code", "A1"),
            ("section", "Patient level"),
            ("text", "Builds trust"),
        ],
    );
    assert_eq!(location(&added), "/admin/studies/by-form/items?done=added");
    let refused = r.post(
        "/admin/studies/by-form/items",
        &[
            ("action", "add"),
            ("code", "A1"),
            ("section", "Patient level"),
            ("text", "Again"),
        ],
    );
    assert_eq!(refused.status().as_u16(), 409);
    assert!(refused.text().unwrap().contains("already used"));
}

#[test]
fn uploads_import_the_folder_or_a_workbook_and_name_every_bad_line() {
    let t = TestApp::spawn();
    let r = Researcher::sign_in(&t, "files@example.org");
    let no_csrf = r.upload(
        "/admin/studies/new/files",
        None,
        &[("study_toml", "study.toml", STUDY_TOML.as_bytes())],
    );
    assert_eq!(
        no_csrf.status().as_u16(),
        403,
        "an upload without the CSRF value"
    );
    let bad_panel = format!(
        "{PANEL_CSV}not-an-address,X,link_workers\namina.ahmed@example.org,Again,managers\n"
    );
    let response = r.upload(
        "/admin/studies/new/files",
        Some(&r.csrf),
        &[
            ("study_toml", "study.toml", STUDY_TOML.as_bytes()),
            ("items_csv", "items.csv", ITEMS_CSV.as_bytes()),
            ("panel_csv", "panel.csv", bad_panel.as_bytes()),
        ],
    );
    assert_eq!(response.status().as_u16(), 422);
    let body = response.text().unwrap();
    let lines = PANEL_CSV.lines().count();
    assert!(
        body.contains(&format!("panel.csv line {}:", lines + 1)),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "panel.csv line {}: amina.ahmed@example.org appears twice",
            lines + 2
        )),
        "{body}"
    );
    assert_eq!(study_count(&t), 0);
    let response = r.upload(
        "/admin/studies/new/files",
        Some(&r.csrf),
        &[
            ("study_toml", "study.toml", STUDY_TOML.as_bytes()),
            ("items_csv", "items.csv", ITEMS_CSV.as_bytes()),
            ("panel_csv", "panel.csv", PANEL_CSV.as_bytes()),
        ],
    );
    assert_eq!(
        location(&response),
        "/admin/studies/splw-leadership/items?done=created"
    );
    let panel = r
        .get("/admin/studies/splw-leadership/panel")
        .text()
        .unwrap();
    assert!(panel.contains("40 panellists"), "{panel}");
    let junk = r.upload(
        "/admin/studies/new/workbook",
        Some(&r.csrf),
        &[("workbook", "study.xlsx", b"PK\x03\x04junk")],
    );
    assert_eq!(junk.status().as_u16(), 422);
    assert!(junk.text().unwrap().contains("not an XLSX workbook"));
    let more = r.upload(
        "/admin/studies/splw-leadership/panel/import",
        Some(&r.csrf),
        &[(
            "file",
            "more.csv",
            b"email,name,group\nnew@example.org,New,managers\nben.brown@example.org,Ben,managers\n",
        )],
    );
    assert_eq!(more.status().as_u16(), 422);
    assert!(more
        .text()
        .unwrap()
        .contains("panel.csv line 3: ben.brown@example.org is already on the panel"));
}

#[test]
fn settings_check_rules_preview_and_refuse_an_amendment_without_a_reason() {
    let t = TestApp::spawn();
    let r = Researcher::sign_in(&t, "rules@example.org");
    let f = fixture::round_one(&t.app, "rules", 3, 5);
    let mut conn = t.app.conn().unwrap();
    let user = delphi_store::users::find_by_email(&mut conn, "rules@example.org")
        .unwrap()
        .unwrap();
    delphi_store::studies::add_member(
        &mut conn,
        &delphi_store::studies::MemberRow {
            study_id: f.study_id.clone(),
            user_id: user.id,
            role: delphi_core::states::Role::Owner,
            created_at: delphi_store::now(),
        },
    )
    .unwrap();
    let check: serde_json::Value = r
        .get("/admin/rule-check?rule=pct(7%2C%209)%20%3E%3D%2070%20%26%26%20medain%20%3E%207")
        .json()
        .unwrap();
    assert_eq!(check["ok"], false);
    assert_eq!(check["column"], 20, "{check}");
    assert!(check["error"].as_str().unwrap().contains("medain"));
    let check: serde_json::Value = r
        .get("/admin/rule-check?rule=median%20%3E%3D%207")
        .json()
        .unwrap();
    assert_eq!(check["ok"], true);

    let page = r.get("/admin/studies/rules/settings").text().unwrap();
    assert!(page.contains("Protocol locked"), "round 1 is open: {page}");
    let items = r.get("/admin/studies/rules/items").text().unwrap();
    assert!(items.contains("Round 1 has opened"), "{items}");
    assert!(
        items.contains("<caption>3 items, in the order panellists see them</caption>"),
        "{items}"
    );
    let panel = r.get("/admin/studies/rules/panel").text().unwrap();
    assert!(
        panel.contains("5 panellists") && panel.contains(">invited<"),
        "{panel}"
    );
    let form: Vec<(&str, &str)> = vec![
        ("preset", "custom"),
        ("consensus_in", "pct(7, 9) >= 80"),
        ("consensus_out", ""),
        ("min_n_for_classification", "5"),
        ("quantile_type", "7"),
        ("short_groups", "not_consensus"),
        ("max_rounds", "3"),
        ("when_all_classified", "on"),
        ("stability_pct", ""),
        ("own_previous", "on"),
        ("median_iqr", "on"),
        ("min_responses", "5"),
        ("consensus_items", "retire"),
        ("outlier_distance", "3"),
        ("later_round_invitations", "previous_responders"),
        ("counting_withdrawn", "keep"),
    ];
    let mut save = form.clone();
    save.push(("action", "save"));
    save.push(("reason", ""));
    let refused = r.post("/admin/studies/rules/settings", &save);
    assert_eq!(refused.status().as_u16(), 422);
    assert!(refused.text().unwrap().contains("needs a reason"));
    let mut preview = form.clone();
    preview.push(("action", "preview"));
    let shown = r
        .post("/admin/studies/rules/settings", &preview)
        .text()
        .unwrap();
    assert!(shown.contains("Preview on a simulated panel"), "{shown}");
    let mut amend = form.clone();
    amend.push(("action", "save"));
    amend.push(("reason", "Agreed with the steering group"));
    let saved = r.post("/admin/studies/rules/settings", &amend);
    assert_eq!(
        location(&saved),
        "/admin/studies/rules/settings?done=amended"
    );
    let page = r
        .get("/admin/studies/rules/settings?done=amended")
        .text()
        .unwrap();
    assert!(page.contains("Agreed with the steering group"), "{page}");
    assert!(
        page.contains("<td>protocol.amended</td>"),
        "the audit log shows it: {page}"
    );
}

#[test]
fn a_revoked_link_answers_exactly_like_an_unknown_one() {
    let t = TestApp::spawn();
    let f = fixture::round_one(&t.app, "revoke", 2, 3);
    let live = t.get(&format!("/p/{}", f.tokens[0]));
    assert_eq!(live.status().as_u16(), 200);
    delphi_app::studies::revoke_link(&t.app, fixture::OPERATOR, "revoke", "P001").unwrap();
    let revoked = t.get(&format!("/p/{}", f.tokens[0]));
    let unknown = t.get(&format!("/p/{}", "B".repeat(f.tokens[0].len())));
    assert_eq!(revoked.status().as_u16(), 404);
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(revoked.text().unwrap(), unknown.text().unwrap());
}

#[test]
fn the_members_page_gives_roles_and_keeps_the_last_owner() {
    let t = TestApp::spawn();
    let r = Researcher::sign_in(&t, "boss@example.org");
    r.post("/admin/studies/new", GOOD);
    users::create_user(
        &t.app,
        fixture::OPERATOR,
        "helper@example.org",
        "H",
        PASSWORD,
        false,
    )
    .unwrap();
    let page = r.get("/admin/studies/by-form/members").text().unwrap();
    assert!(
        page.contains("<th scope=row>boss@example.org</th>"),
        "{page}"
    );
    let added = r.post(
        "/admin/studies/by-form/members",
        &[
            ("action", "set"),
            ("email", "helper@example.org"),
            ("role", "analyst"),
        ],
    );
    assert_eq!(
        location(&added),
        "/admin/studies/by-form/members?done=changed"
    );
    let refused = r.post(
        "/admin/studies/by-form/members",
        &[("action", "remove"), ("email", "boss@example.org")],
    );
    assert_eq!(refused.status().as_u16(), 409);
    assert!(refused.text().unwrap().contains("last owner"));
}
