//! The emails about a researcher's login (`account_invitation`, `member_added`,
//! `password_reset`): their variables, read by the mail worker when it sends, and their
//! rendering from `web/emails/{kind}/`. They carry no withdrawal link (a login is not a
//! panellist) and name the study's team like every other email.

use delphi_core::states::MailKind;
use delphi_render::Templates;
use delphi_store::outbox::OutboxRow;
use delphi_store::{account_links, DbConnection};
use serde::Serialize;

use crate::email_templates::{ComposeError, ComposedEmail};
use crate::App;

/// The variables of an account email (every template sees all of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountEmail {
    /// The study the login was added to; for a reset, "Your account".
    pub study_title: String,
    /// The login's name.
    pub name: Option<String>,
    /// The role in the study (`owner`, `researcher`, `analyst`), if added to one.
    pub role: Option<String>,
    /// Who added them, if anyone.
    pub added_by: Option<String>,
    /// The one-time link, or the sign-in page for `member_added`.
    pub link: String,
    /// How long the link works, in words (none for `member_added`).
    pub expires: Option<String>,
    /// The sign-in page.
    pub sign_in: String,
    /// The study's research team (empty for a reset).
    pub team_name: String,
    /// The team's institution.
    pub team_institution: String,
    /// The team's contact address (the Reply-To).
    pub team_contact: String,
    /// Account emails never carry a withdrawal link (the shared layout reads this).
    pub withdraw_link: bool,
}

impl AccountEmail {
    /// The same variables naming the team that runs the study.
    pub fn with_team(mut self, name: &str, institution: &str, contact: &str) -> Self {
        self.team_name = name.to_owned();
        self.team_institution = institution.to_owned();
        self.team_contact = contact.to_owned();
        self
    }

    /// Example values for the snapshot tests.
    pub fn fixture(kind: MailKind, study_title: &str, base_url: &str) -> Self {
        let base = base_url.trim_end_matches('/');
        let reset = kind == MailKind::PasswordReset;
        let link = if kind == MailKind::MemberAdded {
            format!("{base}/admin/login")
        } else {
            super::link(base, "EXAMPLE-one-time-link-0123456789abcdefghijk")
        };
        let (name, institution, contact) = crate::email_templates::FIXTURE_TEAM;
        let vars = Self {
            study_title: if reset {
                "Your account".to_owned()
            } else {
                study_title.to_owned()
            },
            name: Some("Robin Lee".to_owned()),
            role: (!reset).then(|| "researcher".to_owned()),
            added_by: (!reset).then(|| "Dr Sam Taylor".to_owned()),
            link,
            expires: match kind {
                MailKind::AccountInvitation => Some(super::lifetime_words(
                    delphi_core::states::AccountLinkPurpose::SetPassword,
                )),
                MailKind::PasswordReset => Some(super::lifetime_words(
                    delphi_core::states::AccountLinkPurpose::ResetPassword,
                )),
                _ => None,
            },
            sign_in: format!("{base}/admin/login"),
            team_name: String::new(),
            team_institution: String::new(),
            team_contact: String::new(),
            withdraw_link: false,
        };
        if reset {
            vars
        } else {
            vars.with_team(name, institution, contact)
        }
    }
}

/// The variables of a queued account email, with its one-time link unsealed now. A link
/// used or expired meanwhile is not sent (the error says so).
pub fn variables(
    app: &App,
    conn: &mut DbConnection,
    row: &OutboxRow,
    context: &serde_json::Value,
) -> Result<AccountEmail, String> {
    let text = |key: &str| {
        context
            .get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let sign_in = format!("{}/admin/login", app.base_url);
    let (link, expires) = if row.kind == MailKind::MemberAdded {
        (sign_in.clone(), None)
    } else {
        let id = text("account_link").ok_or("the message names no account link")?;
        let stored = account_links::find(conn, &id)
            .map_err(|e| format!("reading the account link: {e}"))?
            .ok_or("not sent: the account link no longer exists")?;
        if stored.used_at.is_some() || stored.expires_at <= delphi_store::now() {
            return Err("not sent: the account link was used or has expired".to_owned());
        }
        let token =
            crate::tokens::unseal(&app.secret, &stored.token_sealed).map_err(|e| e.to_string())?;
        (
            super::link(&app.base_url, &token),
            Some(super::lifetime_words(stored.purpose)),
        )
    };
    Ok(AccountEmail {
        study_title: text("study_title").unwrap_or_else(|| "Your account".to_owned()),
        name: text("name").filter(|n| !n.trim().is_empty()),
        role: text("role"),
        added_by: text("added_by").filter(|n| !n.trim().is_empty()),
        link,
        expires,
        sign_in,
        team_name: String::new(),
        team_institution: String::new(),
        team_contact: String::new(),
        withdraw_link: false,
    })
}

/// Renders an account email of `kind` from the embedded templates.
pub fn compose(
    templates: &Templates,
    kind: MailKind,
    vars: &AccountEmail,
) -> Result<ComposedEmail, ComposeError> {
    let render = |part: &'static str, file: &str| {
        templates
            .render(&format!("emails/{kind}/{file}"), vars)
            .map_err(|error| ComposeError { part, error })
    };
    let subject = render("subject", "subject.txt")?;
    let text = render("body_text", "body.txt")?;
    let html = render("html", "body.html")?;
    Ok(ComposedEmail {
        subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
        text: text.trim_end().to_owned() + "\n",
        html,
    })
}
