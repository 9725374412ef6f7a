//! The `/admin` handlers: read the session, check the CSRF value of a POST, call one function
//! of `delphi_app::researcher` (or the sign-in) off the executor, then redirect or render.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use delphi_app::email_templates::{ComposedEmail, CustomWording, KINDS, VARIABLES};
use delphi_app::outbox::LastMessage;
use delphi_app::researcher::{self, Dashboard, WordingAction};
use delphi_app::users::{self, User};
use delphi_app::{queries, AppError};
use serde::Serialize;

use super::session;
use crate::errors::status_of;
use crate::{blocking, WebState};

type Fields = web::Form<Vec<(String, String)>>;

/// The value of form field `name`.
fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map_or("", |(_, value)| value.as_str())
}

/// A signed-in user with their session's CSRF value.
struct Signed {
    user: User,
    session: String,
    csrf: String,
}

/// The signed-in user of a request, if the session cookie is valid and the login exists.
async fn signed_in(state: &WebState, req: &HttpRequest) -> Result<Option<Signed>, AppError> {
    let Some(value) = session::read(req, session::COOKIE) else {
        return Ok(None);
    };
    let now = chrono::Utc::now().timestamp();
    let Some(user_id) = session::user_id(&state.app.secret, &value, now) else {
        return Ok(None);
    };
    let app = state.app.clone();
    let user = blocking(move || users::find(&app, &user_id)).await?;
    Ok(user.map(|user| Signed {
        csrf: session::csrf(&state.app.secret, &value),
        session: value,
        user,
    }))
}

fn secure(state: &WebState) -> bool {
    state.app.base_url.starts_with("https://")
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location.to_owned()))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

/// What every admin page gets besides its own data.
#[derive(Serialize)]
struct Page<'a, T: Serialize> {
    title: String,
    /// The signed-in user's name, or null on the sign-in page.
    user: Option<&'a str>,
    csrf: &'a str,
    notice: Option<String>,
    error: Option<String>,
    #[serde(flatten)]
    data: T,
}

fn render<T: Serialize>(
    state: &WebState,
    template: &str,
    status: StatusCode,
    page: &Page<'_, T>,
) -> HttpResponse {
    match state.templates.render(template, page) {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body),
        Err(error) => {
            tracing::error!(%error, template, "an admin page did not render");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Something went wrong on our side. Please try again in a moment.")
        }
    }
}

/// A page that only says what went wrong, with its status code.
fn problem(state: &WebState, signed: Option<&Signed>, error: &AppError) -> HttpResponse {
    let status = status_of(error);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(%error, "an admin action failed");
    }
    let page = Page {
        title: "Not possible".to_owned(),
        user: signed.map(|s| s.user.display_name.as_str()),
        csrf: signed.map_or("", |s| s.csrf.as_str()),
        notice: None,
        error: Some(error.to_string()),
        data: serde_json::json!({}),
    };
    render(state, "admin/problem.html", status, &page)
}

const CSRF_REFUSED: &str =
    "this form has expired or did not come from this site; reload the page and try again";

// ---- sign in and out ----------------------------------------------------------------------

#[derive(Serialize)]
struct LoginData<'a> {
    email: &'a str,
}

fn login_page(
    state: &WebState,
    status: StatusCode,
    email: &str,
    error: Option<String>,
) -> HttpResponse {
    let nonce = session::login_nonce();
    let csrf = session::login_csrf(&state.app.secret, &nonce);
    let page = Page {
        title: "Sign in".to_owned(),
        user: None,
        csrf: &csrf,
        notice: None,
        error,
        data: LoginData { email },
    };
    let mut response = render(state, "admin/login.html", status, &page);
    if let Err(error) = response.add_cookie(&session::cookie(
        session::LOGIN_COOKIE,
        nonce,
        secure(state),
    )) {
        tracing::error!(%error, "the sign-in cookie could not be set");
    }
    response
}

/// `GET /admin/login`.
pub async fn login_form(state: web::Data<WebState>, req: HttpRequest) -> HttpResponse {
    match signed_in(&state, &req).await {
        Ok(Some(_)) => see_other("/admin"),
        _ => login_page(&state, StatusCode::OK, "", None),
    }
}

/// `POST /admin/login`: email, password, csrf.
pub async fn login(state: web::Data<WebState>, req: HttpRequest, form: Fields) -> HttpResponse {
    let email = field(&form, "email").trim().to_owned();
    let nonce = session::read(&req, session::LOGIN_COOKIE).unwrap_or_default();
    if !session::login_csrf_ok(&state.app.secret, &nonce, field(&form, "csrf")) {
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            &email,
            Some(CSRF_REFUSED.to_owned()),
        );
    }
    let app = state.app.clone();
    let password = field(&form, "password").to_owned();
    let address = email.clone();
    match blocking(move || users::verify_login(&app, &address, &password)).await {
        Ok(user) => {
            let value = session::issue(&state.app.secret, &user.id, chrono::Utc::now().timestamp());
            let mut response = see_other("/admin");
            let cookies = [
                session::cookie(session::COOKIE, value, secure(&state)),
                session::removal(session::LOGIN_COOKIE),
            ];
            for cookie in &cookies {
                if let Err(error) = response.add_cookie(cookie) {
                    tracing::error!(%error, "a session cookie could not be set");
                }
            }
            response
        }
        Err(error) => login_page(&state, status_of(&error), &email, Some(error.to_string())),
    }
}

/// `POST /admin/logout`: csrf.
pub async fn logout(state: web::Data<WebState>, req: HttpRequest, form: Fields) -> HttpResponse {
    let signed = match signed_in(&state, &req).await {
        Ok(Some(signed)) => signed,
        Ok(None) => return see_other("/admin/login"),
        Err(error) => return problem(&state, None, &error),
    };
    if !session::csrf_ok(&state.app.secret, &signed.session, field(&form, "csrf")) {
        return problem(
            &state,
            Some(&signed),
            &AppError::Forbidden(CSRF_REFUSED.to_owned()),
        );
    }
    let mut response = see_other("/admin/login");
    if let Err(error) = response.add_cookie(&session::removal(session::COOKIE)) {
        tracing::error!(%error, "the session cookie could not be removed");
    }
    response
}

// ---- studies ------------------------------------------------------------------------------

#[derive(Serialize)]
struct StudyLine {
    slug: String,
    title: String,
    status: String,
    rounds: usize,
    current: String,
}

/// `GET /admin`: the studies the user may open.
pub async fn studies(state: web::Data<WebState>, req: HttpRequest) -> HttpResponse {
    let signed = match signed_in(&state, &req).await {
        Ok(Some(signed)) => signed,
        Ok(None) => return see_other("/admin/login"),
        Err(error) => return problem(&state, None, &error),
    };
    let app = state.app.clone();
    let user = signed.user.clone();
    let list = match blocking(move || queries::studies_for(&app, &user)).await {
        Ok(list) => list,
        Err(error) => return problem(&state, Some(&signed), &error),
    };
    let lines: Vec<StudyLine> = list
        .into_iter()
        .map(|study| StudyLine {
            current: study.rounds.iter().max_by_key(|r| r.number).map_or_else(
                || "no round yet".to_owned(),
                |r| {
                    format!(
                        "round {} {}: {} of {} submitted",
                        r.number, r.status, r.submitted, r.invited
                    )
                },
            ),
            rounds: study.rounds.len(),
            slug: study.slug,
            title: study.title,
            status: study.status,
        })
        .collect();
    let page = Page {
        title: "Your studies".to_owned(),
        user: Some(&signed.user.display_name),
        csrf: &signed.csrf,
        notice: None,
        error: None,
        data: serde_json::json!({ "studies": lines }),
    };
    render(&state, "admin/studies.html", StatusCode::OK, &page)
}

// ---- one study ----------------------------------------------------------------------------

#[derive(Serialize)]
struct RoundLine {
    number: i32,
    status: String,
    invited: usize,
    submitted: usize,
    rate: String,
}

#[derive(Serialize)]
struct KindLine {
    kind: &'static str,
    queued: i64,
    sent: i64,
    failed: i64,
}

#[derive(Serialize)]
struct ProblemLine {
    id: String,
    kind: &'static str,
    to: String,
    failed: bool,
    attempts: i32,
    error: String,
    next: String,
}

#[derive(Serialize)]
struct PersonLine {
    pseudonym: String,
    email: String,
    invitation: String,
    reminder: String,
    reminders: usize,
}

#[derive(Serialize)]
struct StudyData {
    slug: String,
    title: String,
    status: String,
    items: usize,
    panellists: usize,
    can_manage: bool,
    rounds: Vec<RoundLine>,
    latest: Option<i32>,
    open: bool,
    kinds: Vec<KindLine>,
    problems: Vec<ProblemLine>,
    any_failed: bool,
    people: Vec<PersonLine>,
    emails: Vec<EmailKind>,
}

#[derive(Serialize)]
struct EmailKind {
    kind: &'static str,
    name: &'static str,
}

/// Names of the kinds of email, as the researcher reads them.
fn kind_name(kind: &str) -> &'static str {
    match kind {
        "invitation" => "Invitation",
        "round_opened" => "Invitation to a later round",
        "reminder" => "Reminder",
        "thank_you" => "Thank-you",
        "withdrawal" => "Withdrawal confirmation",
        "test" => "Test message",
        _ => "Other",
    }
}

fn when(at: NaiveDateTime) -> String {
    at.format("%-d %b %Y %H:%M UTC").to_string()
}

fn describe(message: Option<&LastMessage>) -> String {
    match message {
        None => "–".to_owned(),
        Some(m) => match (m.status.as_str(), m.sent_at) {
            ("sent", Some(at)) => format!("sent {}", when(at)),
            ("failed", _) => format!(
                "failed: {}",
                m.last_error.as_deref().unwrap_or("no reason recorded")
            ),
            _ => format!("queued {}", when(m.queued_at)),
        },
    }
}

fn study_data(dashboard: Dashboard) -> StudyData {
    let study = dashboard.study;
    let mail = dashboard
        .mail
        .unwrap_or_else(|| delphi_app::outbox::RoundMail {
            round_id: String::new(),
            kinds: Vec::new(),
            problems: Vec::new(),
        });
    let problems: Vec<ProblemLine> = mail
        .problems
        .into_iter()
        .map(|p| ProblemLine {
            failed: p.status == "failed",
            kind: kind_name(&p.kind),
            to: match (&p.pseudonym, dashboard.can_manage) {
                (Some(pseudonym), true) => format!("{pseudonym} ({})", p.recipient),
                (Some(pseudonym), false) => pseudonym.clone(),
                (None, true) => p.recipient.clone(),
                (None, false) => "–".to_owned(),
            },
            attempts: p.attempts,
            error: p
                .last_error
                .unwrap_or_else(|| "no reason recorded".to_owned()),
            next: p.next_attempt_at.map(when).unwrap_or_default(),
            id: p.id,
        })
        .collect();
    StudyData {
        open: study.rounds.iter().any(|r| r.status == "open"),
        latest: dashboard.latest_round.as_ref().map(|r| r.number),
        rounds: study
            .rounds
            .iter()
            .map(|r| RoundLine {
                number: r.number,
                status: r.status.clone(),
                invited: r.invited,
                submitted: r.submitted,
                rate: if r.invited == 0 {
                    "–".to_owned()
                } else {
                    format!("{:.0} %", 100.0 * r.submitted as f64 / r.invited as f64)
                },
            })
            .collect(),
        kinds: mail
            .kinds
            .iter()
            .map(|k| KindLine {
                kind: kind_name(&k.kind),
                queued: k.queued,
                sent: k.sent,
                failed: k.failed,
            })
            .collect(),
        any_failed: problems.iter().any(|p| p.failed),
        problems,
        people: dashboard
            .panellists
            .into_iter()
            .map(|p| PersonLine {
                invitation: describe(p.last_invitation.as_ref()),
                reminder: describe(p.last_reminder.as_ref()),
                reminders: p.reminders,
                pseudonym: p.pseudonym,
                email: p.email,
            })
            .collect(),
        emails: KINDS
            .iter()
            .map(|kind| EmailKind {
                kind,
                name: kind_name(kind),
            })
            .collect(),
        slug: study.slug,
        title: study.title,
        status: study.status,
        items: study.items,
        panellists: study.panellists,
        can_manage: dashboard.can_manage,
    }
}

/// Draws a study's dashboard with an optional notice or error.
async fn dashboard_page(
    state: &WebState,
    signed: &Signed,
    slug: String,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> HttpResponse {
    let app = state.app.clone();
    let user = signed.user.clone();
    let dashboard = match blocking(move || researcher::dashboard(&app, &user, &slug)).await {
        Ok(dashboard) => dashboard,
        Err(error) => return problem(state, Some(signed), &error),
    };
    let data = study_data(dashboard);
    let page = Page {
        title: data.title.clone(),
        user: Some(&signed.user.display_name),
        csrf: &signed.csrf,
        notice,
        error,
        data,
    };
    render(state, "admin/study.html", status, &page)
}

/// The fixed message of a finished action (from `?done=...`; nothing is echoed).
fn notice_of(query: &web::Query<Vec<(String, String)>>) -> Option<String> {
    let number = |name: &str| field(query, name).parse::<usize>().ok();
    match field(query, "done") {
        "reminded" => Some(format!(
            "{} reminders queued; {} who had today's reminder already were not reminded again.",
            number("n")?,
            number("m")?
        )),
        "retried" => Some("The message will be sent again by the next delivery.".to_owned()),
        "retried_round" => Some(format!(
            "{} failed messages will be sent again by the next delivery.",
            number("n")?
        )),
        _ => None,
    }
}

/// `GET /admin/studies/{slug}`.
pub async fn study(
    state: web::Data<WebState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
) -> HttpResponse {
    match signed_in(&state, &req).await {
        Ok(Some(signed)) => {
            dashboard_page(
                &state,
                &signed,
                slug.into_inner(),
                StatusCode::OK,
                notice_of(&query),
                None,
            )
            .await
        }
        Ok(None) => see_other("/admin/login"),
        Err(error) => problem(&state, None, &error),
    }
}

/// Checks the session and CSRF value of an action; `Err` is the response to send instead.
async fn action_guard(
    state: &WebState,
    req: &HttpRequest,
    form: &[(String, String)],
) -> Result<Signed, HttpResponse> {
    match signed_in(state, req).await {
        Ok(Some(signed)) => {
            if session::csrf_ok(&state.app.secret, &signed.session, field(form, "csrf")) {
                Ok(signed)
            } else {
                Err(problem(
                    state,
                    Some(&signed),
                    &AppError::Forbidden(CSRF_REFUSED.to_owned()),
                ))
            }
        }
        Ok(None) => Err(see_other("/admin/login")),
        Err(error) => Err(problem(state, None, &error)),
    }
}

/// After an action: back to the dashboard with a notice, or the dashboard with the error.
async fn after<T>(
    state: &WebState,
    signed: &Signed,
    slug: String,
    outcome: Result<T, AppError>,
    done: impl FnOnce(T) -> String,
) -> HttpResponse {
    match outcome {
        Ok(value) => see_other(&format!("/admin/studies/{slug}?{}", done(value))),
        Err(AppError::NotFound(message)) => {
            problem(state, Some(signed), &AppError::NotFound(message))
        }
        Err(error) => {
            dashboard_page(
                state,
                signed,
                slug,
                status_of(&error),
                None,
                Some(error.to_string()),
            )
            .await
        }
    }
}

/// `POST /admin/studies/{slug}/remind`: csrf.
pub async fn remind(
    state: web::Data<WebState>,
    req: HttpRequest,
    slug: web::Path<String>,
    form: Fields,
) -> HttpResponse {
    let signed = match action_guard(&state, &req, &form).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let (app, user, slug) = (state.app.clone(), signed.user.clone(), slug.into_inner());
    let target = slug.clone();
    let outcome = blocking(move || researcher::remind(&app, &user, &target)).await;
    after(&state, &signed, slug, outcome, |report| {
        format!(
            "done=reminded&n={}&m={}",
            report.queued, report.already_reminded
        )
    })
    .await
}

/// `POST /admin/studies/{slug}/retry`: csrf, and `message` (an outbox id) or `round` (a
/// round number: every failed message of it).
pub async fn retry(
    state: web::Data<WebState>,
    req: HttpRequest,
    slug: web::Path<String>,
    form: Fields,
) -> HttpResponse {
    let signed = match action_guard(&state, &req, &form).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let (app, user, slug) = (state.app.clone(), signed.user.clone(), slug.into_inner());
    let target = slug.clone();
    let message = field(&form, "message").trim().to_owned();
    let round = field(&form, "round").trim().to_owned();
    if !message.is_empty() {
        let outcome =
            blocking(move || researcher::retry_message(&app, &user, &target, &message)).await;
        return after(&state, &signed, slug, outcome, |()| {
            "done=retried".to_owned()
        })
        .await;
    }
    let outcome = match round.parse::<i32>() {
        Ok(number) => blocking(move || researcher::retry_round(&app, &user, &target, number)).await,
        Err(_) => Err(AppError::invalid(
            "round",
            "say which message (`message`) or which round (`round`, a number) to send again",
        )),
    };
    after(&state, &signed, slug, outcome, |n| {
        format!("done=retried_round&n={n}")
    })
    .await
}

// ---- the wording of a study's emails ------------------------------------------------------

#[derive(Serialize)]
struct Variable {
    /// As written in a template, e.g. `{{study_title}}`.
    token: String,
    meaning: &'static str,
}

#[derive(Serialize)]
struct WordingData {
    slug: String,
    study_title: String,
    kind: String,
    kind_name: &'static str,
    subject: String,
    body_text: String,
    customised: bool,
    me: String,
    variables: Vec<Variable>,
    /// `{{link}}`, as the page names it.
    link_token: &'static str,
    preview_subject: String,
    preview_text: String,
    previewing_draft: bool,
}

/// Draws the editing page of one kind of email: `draft` in the form when given (else the
/// wording in use), and `preview` (else the preview of the wording in use).
#[allow(clippy::too_many_arguments)]
async fn wording_page(
    state: &WebState,
    signed: &Signed,
    slug: String,
    kind: String,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    draft: Option<(CustomWording, Option<ComposedEmail>)>,
) -> HttpResponse {
    let (app, templates, user) = (
        state.app.clone(),
        state.templates.clone(),
        signed.user.clone(),
    );
    let (s, k) = (slug.clone(), kind.clone());
    let wording = match blocking(move || researcher::wording(&app, &templates, &user, &s, &k)).await
    {
        Ok(wording) => wording,
        Err(error) => return problem(state, Some(signed), &error),
    };
    let (form, preview) = match draft {
        Some((draft, preview)) => (draft, preview),
        None => (
            CustomWording {
                subject: wording.current.subject.clone(),
                body_text: wording.current.body_text.clone(),
            },
            None,
        ),
    };
    let previewing_draft = preview.is_some();
    let shown = preview.unwrap_or(wording.preview);
    let data = WordingData {
        slug,
        study_title: wording.study.title,
        kind_name: kind_name(&kind),
        kind,
        subject: form.subject,
        body_text: form.body_text,
        customised: wording.current.customised,
        me: signed.user.email.clone(),
        variables: VARIABLES
            .iter()
            .map(|(name, meaning)| Variable {
                token: format!("{{{{{name}}}}}"),
                meaning,
            })
            .collect(),
        link_token: "{{link}}",
        preview_subject: shown.subject,
        preview_text: shown.text,
        previewing_draft,
    };
    let page = Page {
        title: format!("{} email", data.kind_name),
        user: Some(&signed.user.display_name),
        csrf: &signed.csrf,
        notice,
        error,
        data,
    };
    render(state, "admin/email.html", status, &page)
}

/// `GET /admin/studies/{slug}/emails/{kind}`.
pub async fn wording(
    state: web::Data<WebState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<Vec<(String, String)>>,
) -> HttpResponse {
    let signed = match signed_in(&state, &req).await {
        Ok(Some(signed)) => signed,
        Ok(None) => return see_other("/admin/login"),
        Err(error) => return problem(&state, None, &error),
    };
    let (slug, kind) = path.into_inner();
    let notice = match field(&query, "done") {
        "saved" => Some("Saved: the study's emails of this kind use this wording from now on."),
        "reset" => Some("Back to the default wording."),
        "tested" => {
            Some("A test message is on its way to you (example values, [Test] in the subject).")
        }
        _ => None,
    };
    wording_page(
        &state,
        &signed,
        slug,
        kind,
        StatusCode::OK,
        notice.map(str::to_owned),
        None,
        None,
    )
    .await
}

/// `POST /admin/studies/{slug}/emails/{kind}`: csrf, action (`preview`, `test`, `save`,
/// `reset`), subject, body_text.
pub async fn act_on_wording(
    state: web::Data<WebState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: Fields,
) -> HttpResponse {
    let signed = match action_guard(&state, &req, &form).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let (slug, kind) = path.into_inner();
    let (action, done) = match field(&form, "action") {
        "preview" => (WordingAction::Preview, ""),
        "test" => (WordingAction::SendTest, "tested"),
        "save" => (WordingAction::Save, "saved"),
        "reset" => (WordingAction::Reset, "reset"),
        _ => {
            let error = AppError::invalid("action", "choose preview, test, save or reset");
            return problem(&state, Some(&signed), &error);
        }
    };
    let draft = CustomWording {
        subject: field(&form, "subject").to_owned(),
        body_text: field(&form, "body_text").replace("\r\n", "\n"),
    };
    let (app, templates, user) = (
        state.app.clone(),
        state.templates.clone(),
        signed.user.clone(),
    );
    let (s, k, d) = (slug.clone(), kind.clone(), draft.clone());
    let outcome =
        blocking(move || researcher::act_on_wording(&app, &templates, &user, &s, &k, action, &d))
            .await;
    match outcome {
        Ok(preview) if action == WordingAction::Preview => {
            wording_page(
                &state,
                &signed,
                slug,
                kind,
                StatusCode::OK,
                None,
                None,
                Some((draft, Some(preview))),
            )
            .await
        }
        Ok(_) => see_other(&format!("/admin/studies/{slug}/emails/{kind}?done={done}")),
        Err(error @ (AppError::NotFound(_) | AppError::Forbidden(_))) => {
            problem(&state, Some(&signed), &error)
        }
        Err(error) => {
            wording_page(
                &state,
                &signed,
                slug,
                kind,
                status_of(&error),
                None,
                Some(error.to_string()),
                Some((draft, None)),
            )
            .await
        }
    }
}
