//! Headers, the identical 404 for unknown and revoked links, rate limiting, health.

use delphi_web::{Limit, RateLimits, WebOptions};

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
        limits: RateLimits {
            panellist_pages: Limit {
                per_second: 1,
                burst: 5,
            },
            ..RateLimits::default()
        },
        workers: 1,
        ..WebOptions::default()
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

/// Everything the server logs at info level, span closings included (a request's root span
/// carries its path and client address), for the whole test binary.
fn captured_logs() -> std::sync::Arc<std::sync::Mutex<Vec<u8>>> {
    use std::sync::{Arc, Mutex, OnceLock};
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0
                    .lock()
                    .expect("the log buffer")
                    .extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let shared = Arc::clone(&buffer);
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(move || Sink(Arc::clone(&shared)))
            .init();
        buffer
    })
    .clone()
}

#[test]
fn link_tokens_and_forwarded_addresses_never_reach_the_log() {
    let logs = captured_logs();
    let t = TestApp::spawn();
    let f = fixture::round_one(&t.app, "logged", 2, 3);
    let token = &f.tokens[0];
    for path in [format!("/p/{token}"), format!("/api/v1/p/{token}")] {
        t.client
            .get(format!("{}{path}", t.address))
            .header("X-Forwarded-For", "203.0.113.66")
            .send()
            .expect("GET answers");
    }
    // The server logs a request when its span closes, just after the response is sent.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let text = String::from_utf8_lossy(&logs.lock().expect("the log buffer")).into_owned();
    assert!(text.contains("/p/{token}"), "requests are logged:\n{text}");
    assert!(
        !text.contains(token.as_str()),
        "a link token was logged:\n{text}"
    );
    assert!(
        !text.contains("203.0.113.66"),
        "a forwarded address was believed:\n{text}"
    );
}

#[test]
fn a_body_trickled_in_is_cut_off_at_the_deadline() {
    use std::io::{Read, Write};
    let t = TestApp::spawn_with(WebOptions {
        workers: 1,
        request_deadline: std::time::Duration::from_secs(2),
        ..WebOptions::default()
    });
    let address = t.address.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&address).expect("a connection");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("a timeout");
    write!(
        stream,
        "POST /p/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/consent HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
    )
    .expect("the head goes");
    let started = std::time::Instant::now();
    // One byte every half second: the body would take 50 s to arrive.
    let mut answer = Vec::new();
    for _ in 0..12 {
        if stream.write_all(b"x").is_err() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(9),
        "cut off near the 2 s deadline, not when the body ended"
    );
}
