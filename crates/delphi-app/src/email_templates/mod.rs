//! Researchers' own wording of a study's emails: read the current wording, preview a draft,
//! send a test to themselves, save (refused with the reason when it does not render in
//! strict mode against every variable), go back to the default.

mod compose;

pub use compose::{
    changes_summary, compose, withdraw_link, ComposeError, ComposedEmail, CustomWording,
    EmailVariables, KINDS, VARIABLES,
};

use chrono::NaiveDateTime;
use delphi_core::text::{self, TextKind};
use delphi_core::values::Email;
use delphi_render::Templates;
use delphi_store::email_templates::{self as store, EmailTemplateRow};
use delphi_store::outbox::{self, NewOutboxMessage};
use delphi_store::write_tx;

use crate::{audit, App, AppError};

/// Most characters a subject may have.
pub const MAX_SUBJECT: usize = TextKind::EmailSubject.max_chars();
/// Most characters a body may have.
pub const MAX_BODY: usize = TextKind::EmailBody.max_chars();

/// The wording a researcher edits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EditableTemplate {
    /// Kind.
    pub kind: String,
    /// Subject source.
    pub subject: String,
    /// Plain-text body source.
    pub body_text: String,
    /// Whether this is the study's own wording (else the default).
    pub customised: bool,
    /// When the study's wording was last saved.
    pub updated_at: Option<NaiveDateTime>,
}

fn check_kind(kind: &str) -> Result<(), AppError> {
    if KINDS.contains(&kind) {
        Ok(())
    } else {
        Err(AppError::invalid(
            "kind",
            format!(
                "there is no email kind {kind:?}; the kinds are {}",
                KINDS.join(", ")
            ),
        ))
    }
}

/// The default wording of a kind (the embedded templates' sources).
pub fn default_wording(templates: &Templates, kind: &str) -> Result<CustomWording, AppError> {
    check_kind(kind)?;
    let source = |part: &str| {
        templates
            .source(&format!("emails/{kind}/{part}"))
            .map(|s| s.trim_end().to_owned())
            .ok_or_else(|| AppError::Internal(format!("no embedded template for {kind} {part}")))
    };
    Ok(CustomWording {
        subject: source("subject.txt")?,
        body_text: source("body.txt")?,
    })
}

/// The wording of a kind used for this study now. Note that the default text body may use
/// the shared partials `{{> greeting}}` and `{{> signoff}}`, which edited bodies can use too.
pub fn editable(
    app: &App,
    templates: &Templates,
    study_id: &str,
    kind: &str,
) -> Result<EditableTemplate, AppError> {
    check_kind(kind)?;
    let mut conn = app.conn()?;
    crate::studies::load(&mut conn, study_id)?;
    Ok(match store::find(&mut conn, study_id, kind)? {
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
                kind: kind.to_owned(),
                subject: wording.subject,
                body_text: wording.body_text,
                customised: false,
                updated_at: None,
            }
        }
    })
}

/// Renders a draft in strict mode against the example variables; the error names the field
/// (`subject` or `body_text`) and handlebars' reason (unknown variable, bad syntax).
pub fn validate(
    templates: &Templates,
    kind: &str,
    study_title: &str,
    base_url: &str,
    draft: &CustomWording,
) -> Result<ComposedEmail, AppError> {
    check_kind(kind)?;
    if draft.subject.trim().is_empty() {
        return Err(AppError::invalid("subject", "the subject is empty"));
    }
    if draft.body_text.trim().is_empty() {
        return Err(AppError::invalid("body_text", "the message is empty"));
    }
    // Control and bidirectional characters, and the length limits of delphi_core::text.
    for (field, kind, source) in [
        ("subject", TextKind::EmailSubject, &draft.subject),
        ("body_text", TextKind::EmailBody, &draft.body_text),
    ] {
        text::clean(kind, source).map_err(|e| AppError::invalid(field, e.0))?;
    }
    let vars = EmailVariables::fixture(kind, study_title, base_url);
    let composed = compose(templates, kind, &vars, Some(draft)).map_err(|e| refusal(&e))?;
    // Panellists arrive only through their link: a wording without it would strand them. The
    // withdraw link is the personal link followed by `/withdraw`, so the personal link is
    // given only if it appears more often than the withdraw link does.
    if composed.text.matches(&vars.link).count()
        <= composed.text.matches(&vars.withdraw_link).count()
    {
        return Err(AppError::invalid(
            "body_text",
            "the message must give the panellist's personal link: write {{link}} where it \
             should appear ({{withdraw_link}} is the link to withdraw, not the personal link)",
        ));
    }
    Ok(composed)
}

fn refusal(e: &ComposeError) -> AppError {
    let names: Vec<&str> = VARIABLES.iter().map(|(n, _)| *n).collect();
    AppError::invalid(
        e.part,
        format!(
            "the {} does not work as a template: {} (the variables are {})",
            if e.part == "subject" {
                "subject"
            } else {
                "message"
            },
            e.error,
            names.join(", ")
        ),
    )
}

/// How a draft (or the current wording, when `draft` is `None`) looks with example values.
pub fn preview(
    app: &App,
    templates: &Templates,
    study_id: &str,
    kind: &str,
    draft: Option<&CustomWording>,
) -> Result<ComposedEmail, AppError> {
    check_kind(kind)?;
    let mut conn = app.conn()?;
    let study = crate::studies::load(&mut conn, study_id)?;
    match draft {
        Some(draft) => validate(templates, kind, &study.title, &app.base_url, draft),
        None => {
            let custom = store::find(&mut conn, study_id, kind)?.map(|row| CustomWording {
                subject: row.subject,
                body_text: row.body_text,
            });
            let vars = EmailVariables::fixture(kind, &study.title, &app.base_url);
            compose(templates, kind, &vars, custom.as_ref()).map_err(|e| refusal(&e))
        }
    }
}

/// Saves the study's wording of a kind after checking it renders.
pub fn save(
    app: &App,
    templates: &Templates,
    actor: &str,
    study_id: &str,
    kind: &str,
    draft: &CustomWording,
) -> Result<ComposedEmail, AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let study = crate::studies::load(conn, study_id)?;
        let preview = validate(templates, kind, &study.title, &app.base_url, draft)?;
        store::upsert(
            conn,
            &EmailTemplateRow {
                study_id: study_id.to_owned(),
                kind: kind.to_owned(),
                subject: draft.subject.trim().to_owned(),
                body_text: draft.body_text.trim_end().to_owned() + "\n",
                updated_at: delphi_store::now(),
            },
        )?;
        audit::record(
            conn,
            study_id,
            actor,
            "email_template.saved",
            serde_json::json!({"kind": kind}),
        )?;
        Ok(preview)
    })
}

/// Goes back to the default wording of a kind.
pub fn reset(app: &App, actor: &str, study_id: &str, kind: &str) -> Result<bool, AppError> {
    check_kind(kind)?;
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        crate::studies::load(conn, study_id)?;
        let had = store::delete(conn, study_id, kind)?;
        if had {
            audit::record(
                conn,
                study_id,
                actor,
                "email_template.reset",
                serde_json::json!({"kind": kind}),
            )?;
        }
        Ok(had)
    })
}

/// Queues a test message of a kind to the researcher (example values, `[Test]` in the
/// subject), through the outbox like every other email. Uses the draft when given, else the
/// study's current wording.
pub fn send_test(
    app: &App,
    templates: &Templates,
    study_id: &str,
    kind: &str,
    to: &str,
    draft: Option<&CustomWording>,
) -> Result<(), AppError> {
    let to = Email::parse(to).map_err(|e| AppError::invalid("to", e.0))?;
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let study = crate::studies::load(conn, study_id)?;
        let wording = match draft {
            Some(draft) => {
                validate(templates, kind, &study.title, &app.base_url, draft)?;
                Some(draft.clone())
            }
            None => {
                check_kind(kind)?;
                store::find(conn, study_id, kind)?.map(|row| CustomWording {
                    subject: row.subject,
                    body_text: row.body_text,
                })
            }
        };
        let vars = EmailVariables::fixture(kind, &study.title, &app.base_url);
        outbox::enqueue(
            conn,
            &NewOutboxMessage {
                study_id: Some(study_id.to_owned()),
                round_id: None,
                panellist_id: None,
                kind: kind.to_owned(),
                recipient: to.as_str().to_owned(),
                context: test_context(&vars, wording.as_ref()),
                dedupe_key: None,
            },
            delphi_store::now(),
        )?;
        Ok(())
    })
}

/// The stored context of a test message: the variables and the wording travel in the row.
fn test_context(vars: &EmailVariables, wording: Option<&CustomWording>) -> serde_json::Value {
    serde_json::json!({"test": true, "variables": vars, "wording": wording})
}

/// What a test message's stored context carries, if it is one.
pub fn test_parts(context: &serde_json::Value) -> Option<(EmailVariables, Option<CustomWording>)> {
    if context.get("test") != Some(&serde_json::Value::Bool(true)) {
        return None;
    }
    let vars = serde_json::from_value(context.get("variables")?.clone()).ok()?;
    let wording = context
        .get("wording")
        .and_then(|w| serde_json::from_value(w.clone()).ok());
    Some((vars, wording))
}
