//! What a researcher does with the wording of a study's emails: read it, preview a draft,
//! send a test to themselves, save it, go back to the default. Researchers and owners only;
//! analysts read results, not the study's correspondence.

use delphi_core::states::MailKind;
use delphi_core::values::Email;
use delphi_render::Templates;
use delphi_store::email_templates::{self as store, EmailTemplateRow};
use delphi_store::outbox::{self, NewOutboxMessage};
use delphi_store::{read_tx, studies, write_tx, DbConnection};

use super::{
    check_kind, compose, default_wording, refusal, test_context, validate, ComposedEmail,
    CustomWording, EditableTemplate, EmailVariables,
};
use crate::access::{self, Actor, Permission};
use crate::queries::{self, StudySummary};
use crate::{audit, App, AppError};

/// The wording of a kind used for the study `slug` now. The default text body may use the
/// shared partials `{{> greeting}}` and `{{> signoff}}`.
pub fn editable(
    app: &App,
    templates: &Templates,
    actor: &Actor,
    slug: &str,
    kind: MailKind,
) -> Result<EditableTemplate, AppError> {
    check_kind(kind)?;
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Manage)?;
        editable_in(conn, templates, &study, kind)
    })
}

fn editable_in(
    conn: &mut DbConnection,
    templates: &Templates,
    study: &studies::StudyRow,
    kind: MailKind,
) -> Result<EditableTemplate, AppError> {
    Ok(match store::find(conn, &study.id, kind)? {
        Some(row) => EditableTemplate {
            kind: row.kind,
            subject: row.subject,
            body_text: row.body_text,
            customised: true,
            updated_at: Some(row.updated_at),
        },
        None => {
            let wording = default_wording(templates, kind)?;
            EditableTemplate {
                kind,
                subject: wording.subject,
                body_text: wording.body_text,
                customised: false,
                updated_at: None,
            }
        }
    })
}

fn preview_in(
    app: &App,
    conn: &mut DbConnection,
    templates: &Templates,
    study: &studies::StudyRow,
    kind: MailKind,
    draft: Option<&CustomWording>,
) -> Result<ComposedEmail, AppError> {
    match draft {
        Some(draft) => validate(templates, kind, &study.title, &app.base_url, draft),
        None => {
            let custom = store::find(conn, &study.id, kind)?.map(|row| CustomWording {
                subject: row.subject,
                body_text: row.body_text,
            });
            let vars = EmailVariables::fixture(kind, &study.title, &app.base_url);
            compose(templates, kind, &vars, custom.as_ref()).map_err(|e| refusal(&e))
        }
    }
}

/// How a draft (or the current wording, when `draft` is `None`) looks with example values.
pub fn preview(
    app: &App,
    templates: &Templates,
    actor: &Actor,
    slug: &str,
    kind: MailKind,
    draft: Option<&CustomWording>,
) -> Result<ComposedEmail, AppError> {
    check_kind(kind)?;
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Manage)?;
        preview_in(app, conn, templates, &study, kind, draft)
    })
}

/// Saves the study's wording of a kind after checking it renders.
pub fn save(
    app: &App,
    templates: &Templates,
    actor: &Actor,
    slug: &str,
    kind: MailKind,
    draft: &CustomWording,
) -> Result<ComposedEmail, AppError> {
    check_kind(kind)?;
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let preview = validate(templates, kind, &study.title, &app.base_url, draft)?;
        store::upsert(
            conn,
            &EmailTemplateRow {
                study_id: study.id.clone(),
                kind,
                subject: draft.subject.trim().to_owned(),
                body_text: draft.body_text.trim_end().to_owned() + "\n",
                updated_at: delphi_store::now(),
            },
        )?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "email_template.saved",
            serde_json::json!({"kind": kind}),
        )?;
        Ok(preview)
    })
}

/// Goes back to the default wording of a kind; returns whether the study had its own.
pub fn reset(app: &App, actor: &Actor, slug: &str, kind: MailKind) -> Result<bool, AppError> {
    check_kind(kind)?;
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let had = store::delete(conn, &study.id, kind)?;
        if had {
            audit::record(
                conn,
                &study.id,
                &grant.label,
                "email_template.reset",
                serde_json::json!({"kind": kind}),
            )?;
        }
        Ok(had)
    })
}

/// Queues a test message of a kind to the caller (example values, `[Test]` in the subject),
/// through the outbox like every other email. Uses the draft when given, else the study's
/// current wording. The operator has no address of their own and names one in `to`; a
/// signed-in user's test always goes to their own address.
pub fn send_test(
    app: &App,
    templates: &Templates,
    actor: &Actor,
    slug: &str,
    kind: MailKind,
    to: Option<&str>,
    draft: Option<&CustomWording>,
) -> Result<(), AppError> {
    check_kind(kind)?;
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let to = match (&grant.user_email, to) {
            (Some(own), _) => own.clone(),
            (None, Some(to)) => to.to_owned(),
            (None, None) => return Err(AppError::invalid("to", "say where the test goes")),
        };
        let to = Email::parse(&to).map_err(|e| AppError::invalid("to", e.0))?;
        let wording = match draft {
            Some(draft) => {
                validate(templates, kind, &study.title, &app.base_url, draft)?;
                Some(draft.clone())
            }
            None => store::find(conn, &study.id, kind)?.map(|row| CustomWording {
                subject: row.subject,
                body_text: row.body_text,
            }),
        };
        let vars = EmailVariables::fixture(kind, &study.title, &app.base_url);
        outbox::enqueue(
            conn,
            &NewOutboxMessage {
                study_id: Some(study.id.clone()),
                round_id: None,
                panellist_id: None,
                kind,
                recipient: to.as_str().to_owned(),
                context: test_context(&vars, wording.as_ref()),
                dedupe_key: None,
            },
            delphi_store::now(),
        )?;
        Ok(())
    })
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

/// The wording of `kind` for the study `slug`, with its preview, in one read.
pub fn wording(
    app: &App,
    templates: &Templates,
    actor: &Actor,
    slug: &str,
    kind: MailKind,
) -> Result<Wording, AppError> {
    check_kind(kind)?;
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Manage)?;
        Ok(Wording {
            current: editable_in(conn, templates, &study, kind)?,
            preview: preview_in(app, conn, templates, &study, kind, None)?,
            study: queries::summary_in(conn, &study)?,
        })
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
pub fn act(
    app: &App,
    templates: &Templates,
    actor: &Actor,
    slug: &str,
    kind: MailKind,
    action: WordingAction,
    draft: &CustomWording,
) -> Result<ComposedEmail, AppError> {
    match action {
        WordingAction::Preview => preview(app, templates, actor, slug, kind, Some(draft)),
        WordingAction::SendTest => {
            send_test(app, templates, actor, slug, kind, None, Some(draft))?;
            preview(app, templates, actor, slug, kind, Some(draft))
        }
        WordingAction::Save => save(app, templates, actor, slug, kind, draft),
        WordingAction::Reset => {
            reset(app, actor, slug, kind)?;
            preview(app, templates, actor, slug, kind, None)
        }
    }
}
