//! Headers, the identical 404 for unknown and revoked links, rate limiting, health.

use delphi_web::WebOptions;

use crate::fixture;
use crate::support::TestApp;

#[test]
fn every_response_carries_the_security_headers() {
    let t = TestApp::spawn();
    let f = fixture::round_one(&t.app, "headers", 2, 5);
    for path in [
        format!("/p/{}", f.tokens[0]),
        "/p/unknown".to_owned(),
        "/healthz".to_owned(),
    ] {
        let response = t.get(&path);
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-frame-options"], "DENY");
    }
    let page = t.get(&format!("/p/{}", f.tokens[0]));
    assert_eq!(page.headers()["cache-control"], "no-store");
}

#[test]
fn unknown_and_revoked_links_get_the_same_bytes() {
    let t = TestApp::spawn();
    let f = fixture::round_one(&t.app, "revoked", 2, 5);
    let revoked = &f.tokens[0];
    assert_eq!(t.get(&format!("/p/{revoked}")).status().as_u16(), 200);
    let mut conn = t.app.conn().unwrap();
    let person = delphi_store::panellists::for_study(&mut conn, &f.study_id)
        .unwrap()
        .remove(0);
    delphi_app::studies::revoke_link(&t.app, fixture::OPERATOR, &f.slug, &person.pseudonym)
        .unwrap();

    let never = "A".repeat(revoked.len());
    let mut bodies = Vec::new();
    for token in [revoked.as_str(), never.as_str(), "short"] {
        let response = t.get(&format!("/p/{token}"));
        assert_eq!(response.status().as_u16(), 404);
        bodies.push(response.bytes().unwrap());
    }
    assert_eq!(bodies[0], bodies[1], "revoked and never-issued look alike");
    assert_eq!(bodies[1], bodies[2]);
    assert!(!String::from_utf8_lossy(&bodies[0]).contains(revoked.as_str()));
    for sub in ["submit", "withdraw"] {
        let response = t.get(&format!("/p/{revoked}/{sub}"));
        assert_eq!(response.status().as_u16(), 404);
        assert_eq!(response.bytes().unwrap(), bodies[0]);
    }
}

#[test]
fn panellist_routes_are_rate_limited_per_address() {
    let t = TestApp::spawn_with(WebOptions {
        panellist_requests_per_second: 1,
        panellist_burst: 5,
        workers: 1,
    });
    let statuses: Vec<u16> = (0..8)
        .map(|_| {
            t.get("/p/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(&statuses[..5], &[404; 5]);
    assert!(statuses[5..].contains(&429), "{statuses:?}");
    // Health checks are not limited.
    assert_eq!(t.get("/healthz").status().as_u16(), 200);
}

#[test]
fn health_answers_json() {
    let t = TestApp::spawn();
    let body: serde_json::Value = t.get("/healthz").json().unwrap();
    assert_eq!(body["status"], "ok");
}
