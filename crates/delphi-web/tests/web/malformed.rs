//! Every route of the matrix (`matrix::ROUTES`) gets an oversized body, a malformed body
//! (writes) or a malformed query (reads), from a caller the route lets in: each is a 4xx that
//! names what was wrong, as the API's JSON error on `/api/...` and a page elsewhere, and
//! nothing stored changes. On every backend.

use reqwest::blocking::Response;

use crate::matrix::{unlimited, world, Caller, Route, World, ROUTES};
use crate::support::TestApp;

/// The caller a route lets in: its first `ok`, else the first whose refusal is about the
/// content (422: let in, then refused), else the first caller.
fn let_in<'a>(route: &Route, world: &'a World) -> &'a Caller {
    let cells = route.expectations();
    cells
        .iter()
        .position(Option::is_none)
        .or_else(|| cells.iter().position(|c| *c == Some(422)))
        .map_or(&world.callers[0], |i| &world.callers[i])
}

/// Checks a refusal: a 4xx in the route's language whose words include `words`.
fn refused(route: &Route, what: &str, response: Response, words: &str) -> Option<String> {
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.text().unwrap_or_default();
    let api = route.path.starts_with("/api/");
    let cell = format!("{} {} with {what}", route.method, route.path);
    if !status.is_client_error() {
        return Some(format!("{cell}: {status}"));
    }
    let speaks = if api {
        kind.starts_with("application/json")
            && serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .is_some_and(|m| m.contains(words))
    } else {
        kind.starts_with("text/html") && body.contains(words)
    };
    (!speaks).then(|| format!("{cell}: {status} {kind} without {words:?}: {body}"))
}

#[test]
fn every_route_refuses_oversized_and_malformed_requests_and_nothing_changes() {
    for db in delphi_store::testing::TestDb::all() {
        let t: TestApp = unlimited(db);
        let world = world(&t);
        let mut failures = Vec::new();
        for route in ROUTES {
            let caller = let_in(route, &world);
            let before = t.snapshot();
            let json = route.body.starts_with('{');
            let api = route.path.starts_with("/api/");
            // A body over the limit of the address, whether or not it reads one.
            let size = if api { 70 * 1024 } else { 300 * 1024 };
            let big = if json {
                format!(r#"{{"comment": "{}"}}"#, "x".repeat(size)).into_bytes()
            } else {
                format!("csrf=x&c={}", "x".repeat(size)).into_bytes()
            };
            let response = route
                .request(&t, &world, caller, Some(big))
                .send()
                .expect("an answer");
            failures.extend(refused(route, "an oversized body", response, "KiB"));
            if route.method == "GET" {
                // Queries that are not text, or too long for any address.
                let url = format!("{}?n=%FF%FE", route.url(&t, &world, caller));
                let response = t.client.get(url).send().expect("an answer");
                failures.extend(refused(
                    route,
                    "a query that is not text",
                    response,
                    "UTF-8",
                ));
                let url = format!("{}?n={}", route.url(&t, &world, caller), "x".repeat(3_000));
                let response = t.client.get(url).send().expect("an answer");
                failures.extend(refused(
                    route,
                    "a long query",
                    response,
                    "the limit is 2048",
                ));
            } else {
                let (bad, words) = if json {
                    (br#"{"rating": 5"#.to_vec(), "not valid JSON")
                } else {
                    (b"csrf=x&%FF%FE=1".to_vec(), "not valid text")
                };
                let response = route
                    .request(&t, &world, caller, Some(bad))
                    .send()
                    .expect("an answer");
                failures.extend(refused(route, "a malformed body", response, words));
            }
            if t.snapshot() != before {
                failures.push(format!(
                    "{} {}: stored data changed",
                    route.method, route.path
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{}:\n{}",
            t.backend(),
            failures.join("\n")
        );
    }
}
