//! `TestApp`: the real server on port 0 with its own SQLite file.

use std::net::TcpListener;
use std::sync::mpsc;

use delphi_app::{App, SecretKey};
use delphi_store::testing::TestDb;
use delphi_web::WebOptions;
use reqwest::blocking::{Client, Response};
use reqwest::redirect::Policy;

/// A running server with its database.
pub struct TestApp {
    /// Use cases over the same database (to arrange states).
    pub app: App,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// A client that does not follow redirects.
    pub client: Client,
    db: TestDb,
}

impl TestApp {
    /// Starts a server with default options.
    pub fn spawn() -> Self {
        Self::spawn_with(WebOptions {
            workers: 1,
            ..WebOptions::default()
        })
    }

    /// Starts a server with explicit options.
    pub fn spawn_with(options: WebOptions) -> Self {
        Self::spawn_on_with(TestDb::primary(), options)
    }

    /// Starts a server over `db` (suites that run on every backend: `TestDb::all()`).
    pub fn spawn_on(db: TestDb) -> Self {
        Self::spawn_on_with(
            db,
            WebOptions {
                workers: 1,
                ..WebOptions::default()
            },
        )
    }

    /// Starts a server over `db` with explicit options.
    pub fn spawn_on_with(db: TestDb, options: WebOptions) -> Self {
        let app = App::new(db.pool.clone(), SecretKey::generate(), "http://delphi.test");
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let address = format!("http://{}", listener.local_addr().expect("an address"));
        let (ready, started) = mpsc::channel();
        let server_app = app.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = delphi_web::start_with(server_app, listener, options)
                    .expect("the server starts");
                ready.send(()).expect("the test waits");
                let _ = server.await;
            });
        });
        started.recv().expect("the server thread reports");
        Self {
            app,
            address,
            client: Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("a client"),
            db,
        }
    }

    /// Which backend the server runs on (`sqlite`, `postgres`).
    pub fn backend(&self) -> &'static str {
        self.db.label
    }

    /// Every row of every table (to check that a refusal changed nothing).
    pub fn snapshot(&self) -> std::collections::BTreeMap<&'static str, Vec<String>> {
        let mut conn = self.app.conn().expect("a connection");
        delphi_store::testing::snapshot(&mut conn).expect("a snapshot")
    }

    /// GET a path.
    pub fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .expect("GET answers")
    }

    /// GET a path's body, asserting the status.
    pub fn page(&self, path: &str, status: u16) -> String {
        let response = self.get(path);
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.text().expect("a body")
    }

    /// POST a form.
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.address))
            .form(fields)
            .send()
            .expect("POST answers")
    }

    /// The CSRF value of a link.
    pub fn csrf(&self, token: &str) -> String {
        delphi_web::csrf_token(&self.app.secret, token)
    }

    /// PUT one answer through the API.
    pub fn put_answer(&self, token: &str, code: &str, body: serde_json::Value) -> Response {
        self.client
            .put(format!("{}/api/v1/p/{token}/answers/{code}", self.address))
            .header("X-CSRF-Token", self.csrf(token))
            .json(&body)
            .send()
            .expect("PUT answers")
    }

    /// POST to the API with the CSRF header.
    pub fn api_post(&self, token: &str, action: &str) -> Response {
        self.client
            .post(format!("{}/api/v1/p/{token}/{action}", self.address))
            .header("X-CSRF-Token", self.csrf(token))
            .send()
            .expect("POST answers")
    }

    /// The API's view of a link.
    pub fn api_page(&self, token: &str) -> serde_json::Value {
        let response = self.get(&format!("/api/v1/p/{token}"));
        assert_eq!(response.status().as_u16(), 200);
        response.json().expect("JSON")
    }
}

/// The `Location` of a redirect.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The JSON error of a refused API call: (status, code, field).
pub fn api_error(response: Response) -> (u16, String, Option<String>) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().expect("a JSON error");
    let error = &body["error"];
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    (
        status,
        error["code"].as_str().unwrap_or_default().to_owned(),
        error["field"].as_str().map(str::to_owned),
    )
}
