//! Researchers' own wording of a study's emails: read the current wording, preview a draft,
//! send a test to themselves, save (refused with the reason when it does not render in
//! strict mode against every variable), go back to the default.

mod compose;
mod editing;

pub use compose::{
    changes_summary, compose, withdraw_link, ComposeError, ComposedEmail, CustomWording,
    EmailVariables, FIXTURE_TEAM, VARIABLES,
};
pub use editing::{
    act, editable, preview, reset, save, send_test, wording, Wording, WordingAction,
};

use chrono::NaiveDateTime;
use delphi_core::states::MailKind;
use delphi_core::text::{self, TextKind};
use delphi_render::Templates;

use crate::AppError;

/// Most characters a subject may have.
pub const MAX_SUBJECT: usize = TextKind::EmailSubject.max_chars();
/// Most characters a body may have.
pub const MAX_BODY: usize = TextKind::EmailBody.max_chars();

/// The wording a researcher edits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EditableTemplate {
    /// Kind.
    pub kind: MailKind,
    /// Subject source.
    pub subject: String,
    /// Plain-text body source.
    pub body_text: String,
    /// Whether this is the study's own wording (else the default).
    pub customised: bool,
    /// When the study's wording was last saved.
    pub updated_at: Option<NaiveDateTime>,
}

fn check_kind(kind: MailKind) -> Result<(), AppError> {
    if MailKind::EDITABLE.contains(&kind) {
        Ok(())
    } else {
        let kinds: Vec<&str> = MailKind::EDITABLE.iter().map(|k| k.as_str()).collect();
        Err(AppError::invalid(
            "kind",
            format!(
                "{kind} messages have no wording of their own; the kinds are {}",
                kinds.join(", ")
            ),
        ))
    }
}

/// The default wording of a kind (the embedded templates' sources).
pub fn default_wording(templates: &Templates, kind: MailKind) -> Result<CustomWording, AppError> {
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

/// Renders a draft in strict mode against the example variables; the error names the field
/// (`subject` or `body_text`) and handlebars' reason (unknown variable, bad syntax).
pub fn validate(
    templates: &Templates,
    kind: MailKind,
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
    for (field, text_kind, source) in [
        ("subject", TextKind::EmailSubject, &draft.subject),
        ("body_text", TextKind::EmailBody, &draft.body_text),
    ] {
        text::clean(text_kind, source).map_err(|e| AppError::invalid(field, e.0))?;
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
