//! Rate limits per route family and per client, the client as a trusted proxy names it.

use delphi_web::{Limit, RateLimits, TrustedProxies, WebOptions};

use crate::support::TestApp;

const TIGHT: Limit = Limit {
    per_second: 1,
    burst: 3,
};

fn tight(trusted_proxies: &str) -> TestApp {
    TestApp::spawn_with(WebOptions {
        limits: RateLimits {
            panellist_pages: TIGHT,
            panellist_api: TIGHT,
            sign_in: TIGHT,
        },
        trusted_proxies: TrustedProxies::parse_list(trusted_proxies).expect("proxies"),
        workers: 1,
        ..WebOptions::default()
    })
}

fn status(t: &TestApp, path: &str, forwarded_for: Option<&str>) -> u16 {
    let mut request = t.client.get(format!("{}{path}", t.address));
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    request.send().expect("an answer").status().as_u16()
}

const API: &str = "/api/v1/p/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const PAGE: &str = "/p/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

#[test]
fn exhausting_one_route_family_leaves_the_others_open() {
    let t = tight("");
    let api: Vec<u16> = (0..6).map(|_| status(&t, API, None)).collect();
    assert_eq!(&api[..3], &[404; 3], "{api:?}");
    assert_eq!(api[5], 429, "the API's limit: {api:?}");
    // Same client, other families: their own buckets are full.
    assert_eq!(
        status(&t, PAGE, None),
        404,
        "pages are not limited by the API"
    );
    assert_eq!(
        status(&t, "/admin/login", None),
        200,
        "sign-in is not limited by the API"
    );
    let pages: Vec<u16> = (0..5).map(|_| status(&t, PAGE, None)).collect();
    assert!(pages.contains(&429), "{pages:?}");
    assert_eq!(status(&t, "/admin/login", None), 200);
}

#[test]
fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let t = tight("127.0.0.1");
    let first: Vec<u16> = (0..6)
        .map(|_| status(&t, API, Some("203.0.113.1")))
        .collect();
    assert_eq!(first[5], 429, "{first:?}");
    // Another client behind the same proxy is not locked out by the first.
    assert_eq!(status(&t, API, Some("203.0.113.2")), 404);
    // A client cannot escape its limit by claiming another address to the proxy: the proxy
    // appends what it saw, and the rightmost untrusted address is the one counted.
    assert_eq!(status(&t, API, Some("198.51.100.9, 203.0.113.1")), 429);
}

#[test]
fn without_trusted_proxies_a_forwarded_address_changes_nothing() {
    let t = tight("");
    let statuses: Vec<u16> = (0..6)
        .map(|i| status(&t, API, Some(&format!("203.0.113.{i}"))))
        .collect();
    assert_eq!(statuses[5], 429, "one peer, one limit: {statuses:?}");
}
