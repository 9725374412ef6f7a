//! The round console's JSON API under `/api/v1/studies/...`: the session cookie, the CSRF
//! header on writes, the refusals (no session, analyst, researcher of another study, wrong
//! CSRF, illegal transition) each changing nothing; two closes at once on both backends; and
//! the OpenAPI document, parsed with utoipa's own types, listing every route.

use delphi_store::testing::TestDb;
use delphi_web::WebOptions;

use crate::console_support::*;
use crate::support::{api_error, TestApp};

#[test]
fn reads_need_a_session_and_a_study_one_may_read() {
    let t = TestApp::spawn();
    arranged(&t);
    let owner = Researcher::sign_in(&t, OWNER);
    let monitor = owner.api_json("/api/v1/studies/con/rounds/1/monitor", 200);
    assert_eq!(monitor["overall"]["submitted"], 6);
    assert_eq!(monitor["overall"]["withdrawn"], 1);
    assert_eq!(monitor["panellists"].as_array().map(Vec::len), Some(10));
    assert!(
        !monitor.to_string().contains("@example.org"),
        "no addresses"
    );
    assert!(monitor["warnings"]
        .as_array()
        .is_some_and(|w| !w.is_empty()));
    let preview = owner.api_json("/api/v1/studies/con/remind", 200);
    assert_eq!(preview["recipients"].as_array().map(Vec::len), Some(3));
    let results = owner.get("/api/v1/studies/con/rounds/1/results");
    assert_eq!(api_error(results), (409, "conflict".to_owned(), None));
    let audit = owner.api_json("/api/v1/studies/con/audit", 200);
    assert!(
        audit["kinds"].to_string().contains("round.opened"),
        "{audit}"
    );
    let bad_kind = owner.get("/api/v1/studies/con/audit?kind=nope");
    assert_eq!(
        api_error(bad_kind),
        (422, "invalid_input".to_owned(), Some("kind".to_owned()))
    );

    let nobody = Researcher::anonymous(&t);
    for path in [
        "/api/v1/studies/con/rounds/1/monitor",
        "/api/v1/studies/con/rounds/1/results",
        "/api/v1/studies/con/remind",
        "/api/v1/studies/con/audit",
    ] {
        assert_eq!(api_error(nobody.get(path)).1, "not_signed_in", "{path}");
        let outsider = Researcher::sign_in(&t, OUTSIDER);
        assert_eq!(api_error(outsider.get(path)).0, 404, "{path}");
    }
    let analyst = Researcher::sign_in(&t, ANALYST);
    analyst.api_json("/api/v1/studies/con/rounds/1/monitor", 200);
    assert_eq!(
        api_error(analyst.get("/api/v1/studies/con/remind")).1,
        "forbidden"
    );
    let log = analyst.api_json("/api/v1/studies/con/audit", 200);
    assert!(!log.to_string().contains("owner@example.org"));
}

/// Makes a request's JSON body.
type Body = fn() -> Option<serde_json::Value>;

#[test]
fn writes_need_the_csrf_header_and_a_role_that_acts_and_refusals_change_nothing() {
    let t = TestApp::spawn();
    arranged(&t);
    let owner = Researcher::sign_in(&t, OWNER);
    let analyst = Researcher::sign_in(&t, ANALYST);
    let outsider = Researcher::sign_in(&t, OUTSIDER);
    let nobody = Researcher::anonymous(&t);
    let deadline = || Some(serde_json::json!({"deadline": "2099-06-01T12:00"}));
    let writes: [(&str, Body); 3] = [
        ("/api/v1/studies/con/remind", || None),
        ("/api/v1/studies/con/deadline", || {
            Some(serde_json::json!({"deadline": "2099-06-01T12:00"}))
        }),
        ("/api/v1/studies/con/close", || None),
    ];
    let before = snapshot(&t);
    for (path, body) in writes {
        let refusals = [
            (
                nobody.api_post(path, Some("x"), body()),
                401,
                "not_signed_in",
            ),
            (owner.api_post(path, None, body()), 403, "csrf"),
            (owner.api_post(path, Some("forged"), body()), 403, "csrf"),
            (
                analyst.api_post(path, Some(&analyst.csrf), body()),
                403,
                "forbidden",
            ),
            (
                outsider.api_post(path, Some(&outsider.csrf), body()),
                404,
                "not_found",
            ),
        ];
        for (response, status, code) in refusals {
            let (got_status, got_code, _) = api_error(response);
            assert_eq!((got_status, got_code.as_str()), (status, code), "{path}");
        }
    }
    assert_eq!(before, snapshot(&t), "every refusal changed nothing");

    let reminded = owner.api_post("/api/v1/studies/con/remind", Some(&owner.csrf), None);
    assert_eq!(reminded.status().as_u16(), 200);
    let report: serde_json::Value = reminded.json().expect("JSON");
    assert_eq!(
        (
            report["queued"].as_u64(),
            report["already_reminded"].as_u64()
        ),
        (Some(3), Some(0))
    );
    let past = owner.api_post(
        "/api/v1/studies/con/deadline",
        Some(&owner.csrf),
        Some(serde_json::json!({"deadline": "1999-01-01T00:00"})),
    );
    assert_eq!(
        api_error(past),
        (422, "invalid_input".to_owned(), Some("deadline".to_owned()))
    );
    let moved = owner.api_post(
        "/api/v1/studies/con/deadline",
        Some(&owner.csrf),
        deadline(),
    );
    assert_eq!(moved.status().as_u16(), 200);
    let moved: serde_json::Value = moved.json().expect("JSON");
    assert_eq!(moved["queued"], 9);
    let closed = owner.api_post("/api/v1/studies/con/close", Some(&owner.csrf), None);
    assert_eq!(closed.status().as_u16(), 200);
    let after = snapshot(&t);
    for (path, body) in writes {
        let illegal = owner.api_post(path, Some(&owner.csrf), body());
        assert_eq!(
            api_error(illegal).1,
            "conflict",
            "{path} once the round is closed"
        );
    }
    assert_eq!(after, snapshot(&t), "illegal transitions changed nothing");
    let results = owner.api_json("/api/v1/studies/con/rounds/1/results", 200);
    assert_eq!(results["items"].as_array().map(Vec::len), Some(4));
    assert_eq!(results["items"][0]["whole"]["answers"]["counted"], 6);
    assert_eq!(
        results["items"][0]["whole"]["answers"]["left_out_unsubmitted"],
        1
    );
    assert!(results["stopping"]["max_rounds"].as_u64() == Some(3));
}

#[test]
fn two_researchers_pressing_close_at_once_make_exactly_one_close_on_each_backend() {
    for db in TestDb::all() {
        let label = db.label;
        let t = TestApp::spawn_on_with(
            db,
            WebOptions {
                workers: 2,
                ..WebOptions::default()
            },
        );
        arranged(&t);
        let first = Researcher::sign_in(&t, OWNER);
        let second = Researcher::sign_in(&t, OWNER);
        let barrier = std::sync::Barrier::new(2);
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let handles: Vec<_> = [&first, &second]
                .into_iter()
                .map(|who| {
                    let barrier = &barrier;
                    scope.spawn(move || {
                        barrier.wait();
                        who.api_post("/api/v1/studies/con/close", Some(&who.csrf), None)
                            .status()
                            .as_u16()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a thread"))
                .collect()
        });
        let mut sorted = statuses.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![200, 409], "{label}: {statuses:?}");
        let mut conn = t.app.conn().expect("a connection");
        let study = delphi_store::studies::find_by_slug(&mut conn, "con")
            .expect("a lookup")
            .expect("the study");
        let closes = delphi_store::audit::for_study(&mut conn, &study.id)
            .expect("the log")
            .into_iter()
            .filter(|a| a.action == "round.closed")
            .count();
        assert_eq!(closes, 1, "{label}");
    }
}

#[test]
fn the_openapi_document_parses_and_lists_every_api_route() {
    let t = TestApp::spawn();
    let response = t.get("/api/v1/openapi.json");
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().expect("a body");
    let doc: utoipa::openapi::OpenApi = serde_json::from_str(&text).expect("an OpenAPI document");
    assert!(doc.info.title.contains("Delphi"));
    // Every /api/v1 route the source registers (the matrix reads the route tables): the
    // researcher's, the panellist's and the document itself.
    let routes: Vec<(String, String)> = crate::matrix::registered_routes()
        .into_iter()
        .filter(|(_, path)| path.starts_with("/api/v1/"))
        .map(|(method, path)| (method.to_lowercase(), path))
        .collect();
    assert!(routes.len() >= 20, "{routes:?}");
    for (method, path) in &routes {
        let item = doc
            .paths
            .paths
            .get(path.as_str())
            .unwrap_or_else(|| panic!("{path} is not in the document"));
        let operation = match method.as_str() {
            "get" => item.get.as_ref(),
            "post" => item.post.as_ref(),
            "put" => item.put.as_ref(),
            "delete" => item.delete.as_ref(),
            other => panic!("method {other}"),
        };
        assert!(
            operation.is_some(),
            "{method} {path} is not in the document"
        );
    }
    for (path, item) in &doc.paths.paths {
        assert!(
            routes.iter().any(|(_, p)| p == path),
            "{path} is documented but not served"
        );
        let concrete = format!(
            "{}{}",
            t.address,
            path.replace("{slug}", "nope")
                .replace("{number}", "1")
                .replace("{token}", "nope")
                .replace("{code}", "A1")
        );
        let served = if item.get.is_some() {
            t.client.get(&concrete).send()
        } else if item.put.is_some() {
            t.client.put(&concrete).send()
        } else {
            t.client.post(&concrete).send()
        }
        .expect("an answer");
        assert_ne!(
            served
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/html; charset=utf-8"),
            "{path} reaches a handler, not the 404 page"
        );
    }
}
