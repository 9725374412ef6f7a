//! Requests the framework turns away before a handler runs: on the API a JSON error that
//! names what was wrong (never the framework's plain text), on the pages a page that does;
//! and nothing stored changes. On every backend.

use delphi_core::states::Role;
use delphi_store::testing::TestDb;
use reqwest::blocking::Response;

use crate::callers::{user, Browser};
use crate::fixture;
use crate::support::{api_error, TestApp};

/// A page that says what went wrong: (status, body); fails unless the answer is HTML.
fn page_of(response: Response) -> (u16, String) {
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(kind.starts_with("text/html"), "{status}: {kind}");
    (status, response.text().expect("a body"))
}

/// A refused API request: what it was, its answer, and the status, code, field and words
/// expected.
type ApiCase<'a> = (&'a str, Response, u16, &'a str, Option<&'a str>, &'a str);

#[test]
fn the_api_refuses_bad_bodies_methods_and_paths_in_json_and_changes_nothing() {
    for db in TestDb::all() {
        let t = TestApp::spawn_on(db);
        let f = fixture::round_one(&t.app, "rej", 2, 2);
        let token = &f.tokens[0];
        assert_eq!(t.api_post(token, "consent").status().as_u16(), 200);
        let before = t.snapshot();
        let url = format!("{}/api/v1/p/{token}/answers/I1", t.address);
        let put = |content_type: &str, body: String| {
            t.client
                .put(&url)
                .header("X-CSRF-Token", t.csrf(token))
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .expect("an answer")
        };
        let json = "application/json";
        let cases: Vec<ApiCase<'_>> = vec![
            (
                "bad JSON",
                put(json, r#"{"rating": 3"#.to_owned()),
                400,
                "bad_json",
                None,
                "not valid JSON",
            ),
            (
                "wrong content type",
                put("text/plain", r#"{"rating": 3}"#.to_owned()),
                415,
                "unsupported_media_type",
                None,
                "application/json",
            ),
            (
                "a form instead of JSON",
                put("application/x-www-form-urlencoded", "rating=3".to_owned()),
                415,
                "unsupported_media_type",
                None,
                "must be JSON",
            ),
            (
                "body too large",
                put(json, format!(r#"{{"comment": "{}"}}"#, "x".repeat(70_000))),
                413,
                "too_large",
                None,
                "64 KiB",
            ),
            (
                "unknown field",
                put(json, r#"{"ratin": 3}"#.to_owned()),
                422,
                "invalid_input",
                Some("ratin"),
                "unknown field",
            ),
            (
                "wrong type",
                put(json, r#"{"rating": "nine"}"#.to_owned()),
                422,
                "invalid_input",
                None,
                "expected i32",
            ),
            (
                "wrong method",
                t.client.get(&url).send().expect("an answer"),
                404,
                "not_found",
                None,
                "nothing at this address",
            ),
            (
                "unknown API path",
                t.get("/api/v1/nothing/here"),
                404,
                "not_found",
                None,
                "nothing at this address",
            ),
        ];
        for (case, response, status, code, field, words) in cases {
            assert_eq!(response.status().as_u16(), status, "{case}");
            let body = response.text().expect("a body");
            let value: serde_json::Value = serde_json::from_str(&body)
                .unwrap_or_else(|_| panic!("{}: {case} is not JSON: {body}", t.backend()));
            let error = &value["error"];
            assert_eq!(
                (error["code"].as_str(), error["field"].as_str()),
                (Some(code), field),
                "{case}: {body}"
            );
            let message = error["message"].as_str().unwrap_or_default();
            assert!(message.contains(words), "{case}: {message}");
        }
        let (status, code, field) = api_error(put(json, r#"{"ratin": 3}"#.to_owned()));
        assert_eq!(
            (status, code.as_str(), field.as_deref()),
            (422, "invalid_input", Some("ratin"))
        );
        assert_eq!(t.snapshot(), before, "{}: nothing changed", t.backend());
    }
}

#[test]
fn pages_refuse_bad_forms_queries_and_methods_with_a_page_and_change_nothing() {
    for db in TestDb::all() {
        let t = TestApp::spawn_on(db);
        let f = fixture::round_one(&t.app, "rejp", 2, 2);
        user(&t, "owner@example.org", "Olive Owner");
        delphi_app::users::add_member(
            &t.app,
            fixture::OPERATOR,
            "rejp",
            "owner@example.org",
            Role::Owner,
        )
        .expect("owner");
        let owner = Browser::signed_in(&t, "owner@example.org");
        let token = &f.tokens[0];
        let before = t.snapshot();
        let answers = format!("{}/p/{token}/answers", t.address);
        let post = |body: Vec<u8>| {
            t.client
                .post(&answers)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .expect("an answer")
        };
        let csrf = t.csrf(token);
        let cases = vec![
            (
                "a form that is not UTF-8",
                post(format!("csrf={csrf}&c_I1=%FF%FE").into_bytes()),
                400,
                "not valid text",
            ),
            (
                "a field given twice",
                post(format!("csrf={csrf}&r_I1=3&r_I1=4").into_bytes()),
                400,
                "more than once",
            ),
            (
                "a form over the body limit",
                post(format!("csrf={csrf}&c_I1={}", "x".repeat(300 * 1024)).into_bytes()),
                413,
                "takes at most 256 KiB",
            ),
            (
                "a wrong method",
                t.client
                    .put(format!("{}/p/{token}/consent", t.address))
                    .send()
                    .expect("an answer"),
                404,
                "Page not found",
            ),
            (
                "a query that does not fit",
                owner.get("/admin/studies/rejp?done=reminded&done=retried"),
                400,
                "duplicate field &#x60;done&#x60;",
            ),
            (
                "an admin form that is not UTF-8",
                owner.send(
                    |c, url| {
                        c.post(url)
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .body(format!("csrf={}&round=%FF", owner.csrf))
                    },
                    "/admin/studies/rejp/retry",
                ),
                422,
                "not valid text",
            ),
        ];
        for (case, response, status, words) in cases {
            let (got, body) = page_of(response);
            assert_eq!(got, status, "{}: {case}: {body}", t.backend());
            assert!(body.contains(words), "{case}: {body}");
        }
        assert_eq!(t.snapshot(), before, "{}: nothing changed", t.backend());
    }
}

/// Set in the child process that runs the busy test alone (the password gate is process-wide:
/// filling it here would make the other tests' sign-ins busy too).
const BUSY_CHILD: &str = "DELPHI_WEB_BUSY_CHILD";

#[test]
fn busy_sign_ins_are_told_when_to_try_again() {
    if std::env::var_os(BUSY_CHILD).is_none() {
        let status = std::process::Command::new(std::env::current_exe().expect("this binary"))
            .args([
                "--exact",
                "rejections::busy_sign_ins_are_told_when_to_try_again",
                "--test-threads=1",
            ])
            .env(BUSY_CHILD, "1")
            .status()
            .expect("the child runs");
        assert!(status.success(), "the busy test in its own process");
        return;
    }
    // Alone in this process: forty threads keep the gate full (two hashing, sixteen waiting),
    // so a sign-in now is refused at once with 503 and told when to try again.
    let t = TestApp::spawn();
    let login = t.get("/admin/login");
    let nonce = login
        .cookies()
        .find(|c| c.name() == "delphi_login")
        .map(|c| c.value().to_owned())
        .expect("the sign-in cookie");
    let csrf = crate::callers::csrf_of(&login.text().expect("a page"));
    let stop = std::sync::atomic::AtomicBool::new(false);
    let answers: Vec<(u16, Option<String>, String)> = std::thread::scope(|scope| {
        for _ in 0..40 {
            scope.spawn(|| {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = delphi_app::password::verify("x", None);
                }
            });
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        let answers = (0..5)
            .map(|_| {
                let response = t
                    .client
                    .post(format!("{}/admin/login", t.address))
                    .header("Cookie", format!("delphi_login={nonce}"))
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("email", "nobody@example.org"),
                        ("password", "not the password"),
                    ])
                    .send()
                    .expect("an answer");
                let retry = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let status = response.status().as_u16();
                (status, retry, response.text().unwrap_or_default())
            })
            .collect();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        answers
    });
    for (status, retry, body) in &answers {
        assert_eq!(*status, 503, "{body}");
        assert_eq!(retry.as_deref(), Some("5"), "Retry-After on a 503");
        assert!(body.contains("too many sign-ins at once"), "{body}");
    }
}

#[test]
fn rate_limited_answers_keep_retry_after_and_get_a_page_or_json() {
    // The rate limit's 429 keeps its Retry-After and gets a page (or JSON on the API).
    let tight = delphi_web::Limit {
        per_second: 1,
        burst: 2,
    };
    let t = TestApp::spawn_with(delphi_web::WebOptions {
        limits: delphi_web::RateLimits {
            panellist_pages: tight,
            panellist_api: tight,
            ..delphi_web::RateLimits::default()
        },
        workers: 1,
        ..delphi_web::WebOptions::default()
    });
    for (path, json) in [
        ("/p/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false),
        ("/api/v1/p/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", true),
    ] {
        let limited = (0..6)
            .map(|_| t.get(path))
            .find(|r| r.status().as_u16() == 429)
            .expect("a 429");
        assert!(limited.headers().contains_key("retry-after"), "{path}");
        if json {
            let (status, code, _) = api_error(limited);
            assert_eq!((status, code.as_str()), (429, "too_many_requests"));
        } else {
            let (status, body) = page_of(limited);
            assert_eq!(status, 429);
            assert!(
                body.contains("too many requests from your address"),
                "{body}"
            );
        }
    }
}
