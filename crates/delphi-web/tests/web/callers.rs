//! Callers of the researcher pages for the security suites: a cookie-keeping client signed
//! in through the real form, and the values its pages carry.

use reqwest::blocking::{Client, Response};
use reqwest::redirect::Policy;

use crate::support::{location, TestApp};

/// The password every test login gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// A browser of the researcher pages: keeps cookies, does not follow redirects.
pub struct Browser<'a> {
    t: &'a TestApp,
    client: Client,
    /// The CSRF value of the pages of its session (empty before signing in).
    pub csrf: String,
    /// The session cookie's value as the server set it (to replay it elsewhere, as a thief
    /// of the cookie would).
    pub session: String,
}

impl<'a> Browser<'a> {
    /// A browser with no cookies.
    pub fn new(t: &'a TestApp) -> Self {
        Self {
            t,
            client: Client::builder()
                .redirect(Policy::none())
                .cookie_store(true)
                .build()
                .expect("a client"),
            csrf: String::new(),
            session: String::new(),
        }
    }

    /// A browser signed in as `email` (with [`PASSWORD`]).
    pub fn signed_in(t: &'a TestApp, email: &str) -> Self {
        let mut browser = Self::new(t);
        browser.sign_in(email, PASSWORD);
        browser
    }

    /// Signs in through the form; keeps the new session's CSRF value.
    pub fn sign_in(&mut self, email: &str, password: &str) {
        let form = self.text("/admin/login");
        let response = self.post(
            "/admin/login",
            &[
                ("csrf", &csrf_of(&form)),
                ("email", email),
                ("password", password),
            ],
        );
        assert_eq!(response.status().as_u16(), 303, "{email} signs in");
        assert_eq!(location(&response), "/admin");
        self.session = response
            .cookies()
            .find(|c| c.name() == "delphi_admin")
            .map(|c| c.value().to_owned())
            .expect("a session cookie");
        self.csrf = csrf_of(&self.text("/admin"));
    }

    /// Sends a request built by `build` (with this browser's cookies).
    pub fn send(
        &self,
        build: impl FnOnce(&Client, String) -> reqwest::blocking::RequestBuilder,
        path: &str,
    ) -> Response {
        build(&self.client, format!("{}{path}", self.t.address))
            .send()
            .expect("an answer")
    }

    /// GET a path.
    pub fn get(&self, path: &str) -> Response {
        self.send(|c, url| c.get(url), path)
    }

    /// GET a path's body (any status).
    pub fn text(&self, path: &str) -> String {
        self.get(path).text().expect("a body")
    }

    /// POST a form.
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.send(|c, url| c.post(url).form(fields), path)
    }
}

/// The CSRF value of the first form of a page.
pub fn csrf_of(html: &str) -> String {
    let start = html.find("name=csrf value=\"").expect("a CSRF field") + 17;
    html[start..].split('"').next().expect("a value").to_owned()
}

/// Creates a login with [`PASSWORD`].
pub fn user(t: &TestApp, email: &str, name: &str) {
    delphi_app::users::create_user(
        &t.app,
        crate::fixture::OPERATOR,
        email,
        name,
        PASSWORD,
        false,
    )
    .expect("a user");
}

/// A request carrying only the session cookie `session` (a copied or stolen cookie).
pub fn with_cookie(
    t: &TestApp,
    method: reqwest::Method,
    path: &str,
    session: &str,
) -> reqwest::blocking::RequestBuilder {
    t.client
        .request(method, format!("{}{path}", t.address))
        .header("Cookie", format!("delphi_admin={session}"))
}
