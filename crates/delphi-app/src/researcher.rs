//! What a logged-in researcher or analyst does on the `/admin` pages: each function checks the
//! user's role in the study first, then reads or calls the one use case that does the work
//! (the dashboard, reminders, retries, the wording of the study's emails).

use delphi_core::lifecycle::{Role, RoundStatus};

use delphi_render::Templates;

use crate::email_templates::{self, ComposedEmail, CustomWording, EditableTemplate};
use crate::outbox::{self, PanellistMail, RoundMail};
use crate::queries::{self, RoundSummary, StudySummary};
use crate::users::{authorize, Access, User};
use crate::{reminders, App, AppError};

/// A study as its dashboard shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dashboard {
    /// The study with its rounds and response rates.
    pub study: StudySummary,
    /// Whether the user may act (remind, retry), not only read.
    pub can_manage: bool,
    /// The latest round, if any.
    pub latest_round: Option<RoundSummary>,
    /// The latest round's email, when there is a round.
    pub mail: Option<RoundMail>,
    /// Each panellist's last invitation and reminder. Addresses are left out for read-only
    /// users: analysts see pseudonyms only.
    pub panellists: Vec<PanellistMail>,
}

/// A study the user may read, and whether they may also act on it.
struct Readable {
    study: StudySummary,
    can_manage: bool,
}

/// The study whose short name is `slug`, if `user` may read it (and, for
/// [`Access::Manage`], act on it). A study the user may not read is "not found", like one
/// that does not exist. One role look-up answers both questions.
fn readable(app: &App, user: &User, slug: &str, access: Access) -> Result<Readable, AppError> {
    let missing = || AppError::NotFound(format!("there is no study `{slug}` you can open"));
    let study = {
        let mut conn = app.conn()?;
        delphi_store::studies::find_by_slug(&mut conn, slug)?.ok_or_else(missing)?
    };
    let role = match authorize(app, user, &study.id, Access::Read) {
        Err(AppError::Forbidden(_)) => return Err(missing()),
        other => other?,
    };
    let can_manage = user.is_admin || role.is_some_and(Role::can_manage);
    if access == Access::Manage && !can_manage {
        return Err(AppError::Forbidden(
            "your role in this study is read-only".to_owned(),
        ));
    }
    Ok(Readable {
        study: queries::study_summary(app, &study.id)?,
        can_manage,
    })
}

/// The dashboard of the study `slug`.
pub fn dashboard(app: &App, user: &User, slug: &str) -> Result<Dashboard, AppError> {
    let Readable { study, can_manage } = readable(app, user, slug, Access::Read)?;
    let latest_round = study.rounds.iter().max_by_key(|r| r.number).cloned();
    let mail = latest_round
        .as_ref()
        .map(|round| outbox::round_mail(app, &round.id))
        .transpose()?;
    let mut panellists = outbox::panellist_mail(app, &study.id)?;
    if !can_manage {
        for person in &mut panellists {
            person.email.clear();
        }
    }
    Ok(Dashboard {
        study,
        can_manage,
        latest_round,
        mail,
        panellists,
    })
}

/// Reminds the open round's non-submitters (once per day); returns how many were queued.
pub fn remind(app: &App, user: &User, slug: &str) -> Result<reminders::ReminderReport, AppError> {
    let study = readable(app, user, slug, Access::Manage)?.study;
    let round = study
        .rounds
        .iter()
        .find(|r| r.status == RoundStatus::Open.as_str())
        .ok_or_else(|| {
            AppError::Conflict("no round is open: reminders go only while a round is open".into())
        })?;
    reminders::remind_now(app, &user.email, &round.id, None)
}

/// Sends one failed message of the study again.
pub fn retry_message(app: &App, user: &User, slug: &str, outbox_id: &str) -> Result<(), AppError> {
    let study = readable(app, user, slug, Access::Manage)?.study;
    outbox::retry(app, &user.email, &study.id, outbox_id)
}

/// Sends every failed message of round `number` again; returns how many.
pub fn retry_round(app: &App, user: &User, slug: &str, number: i32) -> Result<usize, AppError> {
    let study = readable(app, user, slug, Access::Manage)?.study;
    let round = study
        .rounds
        .iter()
        .find(|r| r.number == number)
        .ok_or_else(|| AppError::NotFound(format!("this study has no round {number}")))?;
    outbox::retry_round(app, &user.email, &study.id, &round.id)
}

/// One kind of email of a study as its editing page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Wording {
    /// The study.
    pub study: StudySummary,
    /// The wording in use (the study's own or the default).
    pub current: EditableTemplate,
    /// How it looks with example values.
    pub preview: ComposedEmail,
}

/// The wording of `kind` for the study `slug` (researchers and owners only).
pub fn wording(
    app: &App,
    templates: &Templates,
    user: &User,
    slug: &str,
    kind: &str,
) -> Result<Wording, AppError> {
    let study = readable(app, user, slug, Access::Manage)?.study;
    let current = email_templates::editable(app, templates, &study.id, kind)?;
    let preview = email_templates::preview(app, templates, &study.id, kind, None)?;
    Ok(Wording {
        study,
        current,
        preview,
    })
}

/// What a researcher does with a draft of a study's email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordingAction {
    /// Render it with example values.
    Preview,
    /// Queue it to the researcher's own address, with example values.
    SendTest,
    /// Use it for the study's emails from now on.
    Save,
    /// Go back to the default wording.
    Reset,
}

/// Applies `action` to a draft of `kind`; a draft that does not render is refused with the
/// field and the reason. Returns the preview of what is now in effect (or of the draft).
pub fn act_on_wording(
    app: &App,
    templates: &Templates,
    user: &User,
    slug: &str,
    kind: &str,
    action: WordingAction,
    draft: &CustomWording,
) -> Result<ComposedEmail, AppError> {
    let study = readable(app, user, slug, Access::Manage)?.study;
    match action {
        WordingAction::Preview => {
            email_templates::preview(app, templates, &study.id, kind, Some(draft))
        }
        WordingAction::SendTest => {
            email_templates::send_test(app, templates, &study.id, kind, &user.email, Some(draft))?;
            email_templates::preview(app, templates, &study.id, kind, Some(draft))
        }
        WordingAction::Save => {
            email_templates::save(app, templates, &user.email, &study.id, kind, draft)
        }
        WordingAction::Reset => {
            email_templates::reset(app, &user.email, &study.id, kind)?;
            email_templates::preview(app, templates, &study.id, kind, None)
        }
    }
}
