//! Turning an outbox row's variables into a message: subject, plain text and HTML, from the
//! embedded templates or from a study's own wording.

use delphi_core::states::MailKind;
use delphi_render::{Format, RenderError, Templates};
use serde::{Deserialize, Serialize};

/// Every variable a template may use, with what it holds (shown to researchers editing).
pub const VARIABLES: [(&str, &str); 16] = [
    ("study_title", "the study's title"),
    (
        "name",
        "the panellist's name, or nothing when the panel list has none",
    ),
    (
        "round_number",
        "the round the email is about (nothing for a withdrawal)",
    ),
    (
        "deadline",
        "the round's deadline in the study's time zone, e.g. \"Friday 4 December 2026, 17:00 GMT\", or nothing",
    ),
    (
        "final_round",
        "true when the round is the last the stopping rule allows",
    ),
    (
        "shows_panel",
        "true when the round's page shows the panel's view from the round before",
    ),
    (
        "shows_own",
        "true when the round's page shows the panellist's own previous rating",
    ),
    (
        "rated",
        "for a thank-you, how many statements the panellist rated, or nothing",
    ),
    (
        "total",
        "for a thank-you, how many statements the round asked, or nothing",
    ),
    (
        "unrated",
        "for a thank-you, how many statements were left without a rating (0 when none)",
    ),
    (
        "changes_summary",
        "for a later round, one sentence on what changed since the last round, or nothing",
    ),
    ("link", "the panellist's personal link"),
    ("withdraw_link", "the link to withdraw from the study"),
    (
        "team_name",
        "the research team's name, as the study's settings give it",
    ),
    ("team_institution", "the research team's institution"),
    (
        "team_contact",
        "the research team's contact address (replies to every email go there)",
    ),
];

/// The variables of one message. Every template sees all of them (absent ones as null), so
/// strict mode catches misspelt names and every kind accepts the same variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailVariables {
    /// Study title.
    pub study_title: String,
    /// Panellist's name, when known.
    pub name: Option<String>,
    /// Round number.
    pub round_number: Option<i32>,
    /// Deadline, formatted for people in the study's time zone ([`crate::times::format`]).
    pub deadline: Option<String>,
    /// The round is the last the stopping rule allows.
    #[serde(default)]
    pub final_round: bool,
    /// The round's page shows the panel's view from the round before.
    #[serde(default)]
    pub shows_panel: bool,
    /// The round's page shows the panellist's own previous rating.
    #[serde(default)]
    pub shows_own: bool,
    /// Statements rated (a thank-you).
    #[serde(default)]
    pub rated: Option<u64>,
    /// Statements asked (a thank-you).
    #[serde(default)]
    pub total: Option<u64>,
    /// Statements left without a rating (a thank-you; 0 when none).
    #[serde(default)]
    pub unrated: Option<u64>,
    /// What changed since the last round, one sentence.
    pub changes_summary: Option<String>,
    /// Personal link.
    pub link: String,
    /// Withdraw link.
    pub withdraw_link: String,
    /// The research team's name (empty when the study does not give one).
    #[serde(default)]
    pub team_name: String,
    /// The team's institution (may be empty).
    #[serde(default)]
    pub team_institution: String,
    /// The team's contact address (may be empty).
    #[serde(default)]
    pub team_contact: String,
}

impl EmailVariables {
    /// The variables of a queued message: its stored context (`study_title`, `round_number`,
    /// `deadline`, `changes` as written by the use cases), the panellist's name and link.
    pub fn from_context(context: &serde_json::Value, name: Option<&str>, link: &str) -> Self {
        let text = |key: &str| {
            context
                .get(key)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let flag = |key: &str| {
            context
                .get(key)
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
        };
        let count = |key: &str| context.get(key).and_then(serde_json::Value::as_u64);
        Self {
            study_title: text("study_title").unwrap_or_default(),
            name: name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            round_number: context
                .get("round_number")
                .and_then(serde_json::Value::as_i64)
                .and_then(|n| i32::try_from(n).ok()),
            deadline: text("deadline"),
            final_round: flag("final_round"),
            shows_panel: flag("shows_panel"),
            shows_own: flag("shows_own"),
            rated: count("rated"),
            total: count("total"),
            unrated: count("total")
                .zip(count("rated"))
                .map(|(total, rated)| total.saturating_sub(rated)),
            changes_summary: text("changes_summary")
                .or_else(|| context.get("changes").and_then(changes_summary)),
            link: link.to_owned(),
            withdraw_link: withdraw_link(link),
            team_name: String::new(),
            team_institution: String::new(),
            team_contact: String::new(),
        }
    }

    /// The same variables naming the team that runs the study.
    pub fn with_team(mut self, name: &str, institution: &str, contact: &str) -> Self {
        self.team_name = name.to_owned();
        self.team_institution = institution.to_owned();
        self.team_contact = contact.to_owned();
        self
    }

    /// Example values for previews, validation and snapshot tests.
    pub fn fixture(kind: MailKind, study_title: &str, base_url: &str) -> Self {
        let link = format!(
            "{}/p/EXAMPLE-personal-link-0123456",
            base_url.trim_end_matches('/')
        );
        let later = kind == MailKind::RoundOpened;
        Self {
            study_title: study_title.to_owned(),
            name: Some("Alex Morgan".to_owned()),
            round_number: match kind {
                MailKind::Withdrawal => None,
                MailKind::RoundOpened => Some(2),
                _ => Some(1),
            },
            deadline: (kind != MailKind::Withdrawal)
                .then(|| "Friday 4 December 2026, 17:00 GMT".to_owned()),
            final_round: false,
            shows_panel: later,
            shows_own: later,
            rated: (kind == MailKind::ThankYou).then_some(22),
            total: (kind == MailKind::ThankYou).then_some(24),
            unrated: (kind == MailKind::ThankYou).then_some(2),
            changes_summary: later.then(|| {
                changes_summary(&serde_json::json!({
                    "asked": 24, "added": 3, "reworded": 2, "retired": 10, "dropped": 1
                }))
                .unwrap_or_default()
            }),
            withdraw_link: withdraw_link(&link),
            link,
            team_name: FIXTURE_TEAM.0.to_owned(),
            team_institution: FIXTURE_TEAM.1.to_owned(),
            team_contact: FIXTURE_TEAM.2.to_owned(),
        }
    }
}

/// The example team of [`EmailVariables::fixture`]: name, institution, contact.
pub const FIXTURE_TEAM: (&str, &str, &str) = (
    "Dr Sam Taylor and the SPLW research team",
    "University of Exampleton",
    "splw-study@example.ac.uk",
);

/// The withdraw link that belongs to a personal link.
pub fn withdraw_link(link: &str) -> String {
    format!("{}/withdraw", link.trim_end_matches('/'))
}

/// One plain sentence from the counts the next-round use case records (`added`, `reworded`,
/// `retired`, `dropped`, `asked`); `None` when there are no counts.
pub fn changes_summary(changes: &serde_json::Value) -> Option<String> {
    let count = |key: &str| changes.get(key).and_then(serde_json::Value::as_u64);
    let asked = count("asked");
    let (added, reworded, retired, dropped) = (
        count("added").unwrap_or(0),
        count("reworded").unwrap_or(0),
        count("retired").unwrap_or(0),
        count("dropped").unwrap_or(0),
    );
    if asked.is_none() && added + reworded + retired + dropped == 0 {
        return None;
    }
    let statements = |n: u64| {
        if n == 1 {
            "1 statement".to_owned()
        } else {
            format!("{n} statements")
        }
    };
    let mut parts = Vec::new();
    if added > 0 {
        parts.push(format!(
            "{} {} new (suggested in the panel's comments)",
            statements(added),
            if added == 1 { "is" } else { "are" }
        ));
    }
    if reworded > 0 {
        parts.push(format!(
            "{} {} been reworded",
            statements(reworded),
            if reworded == 1 { "has" } else { "have" }
        ));
    }
    if retired > 0 {
        parts.push(format!(
            "{} that the panel agreed on {} not asked again",
            statements(retired),
            if retired == 1 { "is" } else { "are" }
        ));
    }
    if dropped > 0 {
        parts.push(format!(
            "{} {} been removed",
            statements(dropped),
            if dropped == 1 { "has" } else { "have" }
        ));
    }
    let mut sentence = match parts.len() {
        0 => "the statements are the same as last time".to_owned(),
        1 => parts.remove(0),
        _ => {
            let last = parts.pop().unwrap_or_default();
            format!("{} and {last}", parts.join(", "))
        }
    };
    if let Some(first) = sentence.get(..1) {
        sentence = first.to_uppercase() + &sentence[1..];
    }
    sentence.push('.');
    if let Some(asked) = asked {
        sentence.push_str(&format!(" This round asks about {}.", statements(asked)));
    }
    Some(sentence)
}

/// A study's own wording of a kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomWording {
    /// Handlebars source of the subject (one line).
    pub subject: String,
    /// Handlebars source of the plain-text body.
    pub body_text: String,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComposedEmail {
    /// Subject, one line.
    pub subject: String,
    /// Plain-text part.
    pub text: String,
    /// HTML part.
    pub html: String,
}

/// Which part of an edited template failed (names the form field).
#[derive(Debug, thiserror::Error)]
#[error("{part}: {error}")]
pub struct ComposeError {
    /// `subject`, `body_text` or `html`.
    pub part: &'static str,
    /// Why.
    pub error: RenderError,
}

/// Renders a message of `kind`: the study's own wording when given (its HTML part is the
/// text laid out in the shared email layout, links made clickable), else the embedded
/// templates.
pub fn compose(
    templates: &Templates,
    kind: MailKind,
    vars: &EmailVariables,
    custom: Option<&CustomWording>,
) -> Result<ComposedEmail, ComposeError> {
    let at = |part: &'static str| move |error: RenderError| ComposeError { part, error };
    let (subject, text, html) = match custom {
        Some(custom) => {
            let subject = templates
                .render_str(&custom.subject, Format::Text, vars)
                .map_err(at("subject"))?;
            let mut text = templates
                .render_str(&custom.body_text, Format::Text, vars)
                .map_err(at("body_text"))?;
            // Every email says how to reach the team, whatever the study's own wording.
            if !vars.team_contact.is_empty() && !text.contains(&vars.team_contact) {
                let team = templates
                    .render_str("{{> team}}", Format::Text, vars)
                    .map_err(at("body_text"))?;
                text = format!("{}\n\n{}", text.trim_end(), team.trim());
            }
            let mut data = serde_json::to_value(vars).map_err(|e| ComposeError {
                part: "html",
                error: RenderError::Render {
                    name: "emails/edited/body.html".to_owned(),
                    reason: e.to_string(),
                },
            })?;
            data["paragraphs"] = paragraphs(&text);
            let html = templates
                .render("emails/edited/body.html", &data)
                .map_err(at("html"))?;
            (subject, text, html)
        }
        None => (
            templates
                .render(&format!("emails/{kind}/subject.txt"), vars)
                .map_err(at("subject"))?,
            templates
                .render(&format!("emails/{kind}/body.txt"), vars)
                .map_err(at("body_text"))?,
            templates
                .render(&format!("emails/{kind}/body.html"), vars)
                .map_err(at("html"))?,
        ),
    };
    Ok(ComposedEmail {
        subject: one_line(&subject),
        text: text.trim_end().to_owned() + "\n",
        html,
    })
}

/// A subject is one line: newlines (which would end the header) become spaces.
fn one_line(subject: &str) -> String {
    subject.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Plain text as paragraphs of segments (`text`, `href`, `line_break`) for the HTML layout.
fn paragraphs(text: &str) -> serde_json::Value {
    let mut out = Vec::new();
    for paragraph in text.split("\n\n") {
        let paragraph = paragraph.trim_matches('\n');
        if paragraph.trim().is_empty() {
            continue;
        }
        let mut segments = Vec::new();
        for (i, line) in paragraph.lines().enumerate() {
            if i > 0 {
                segments.push(segment("", None, true));
            }
            let mut rest = line;
            while let Some(start) = find_url(rest) {
                if start > 0 {
                    segments.push(segment(&rest[..start], None, false));
                }
                let url_len = rest[start..]
                    .find(char::is_whitespace)
                    .unwrap_or(rest.len() - start);
                let url = rest[start..start + url_len].trim_end_matches(['.', ',', ')', ';']);
                segments.push(segment(url, Some(url), false));
                rest = &rest[start + url.len()..];
            }
            if !rest.is_empty() {
                segments.push(segment(rest, None, false));
            }
        }
        out.push(serde_json::Value::Array(segments));
    }
    serde_json::Value::Array(out)
}

fn find_url(s: &str) -> Option<usize> {
    match (s.find("https://"), s.find("http://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn segment(text: &str, href: Option<&str>, line_break: bool) -> serde_json::Value {
    serde_json::json!({"text": text, "href": href, "line_break": line_break})
}

// The fuzz target of `validate` (declared here to leave the module's root to its use cases).
#[cfg(test)]
#[path = "fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changes_line_reads_as_a_sentence() {
        let s = changes_summary(&serde_json::json!({
            "asked": 20, "added": 1, "reworded": 2, "retired": 5, "dropped": 0
        }))
        .unwrap();
        assert_eq!(
            s,
            "1 statement is new (suggested in the panel's comments), 2 statements have been \
             reworded and 5 statements that the panel agreed on are not asked again. \
             This round asks about 20 statements."
        );
        assert_eq!(
            changes_summary(&serde_json::json!({"asked": 3})).unwrap(),
            "The statements are the same as last time. This round asks about 3 statements."
        );
        assert_eq!(changes_summary(&serde_json::Value::Null), None);
    }

    #[test]
    fn variables_come_from_the_stored_context() {
        let ctx = serde_json::json!({
            "study_title": "T", "round_number": 2, "deadline": null,
            "changes": {"asked": 4, "added": 0, "reworded": 1, "retired": 0, "dropped": 0}
        });
        let v = EmailVariables::from_context(&ctx, Some(" "), "https://d.org/p/abc");
        assert_eq!(v.name, None);
        assert_eq!(v.round_number, Some(2));
        assert_eq!(v.withdraw_link, "https://d.org/p/abc/withdraw");
        assert!(v
            .changes_summary
            .unwrap()
            .starts_with("1 statement has been reworded"));
    }

    #[test]
    fn edited_text_becomes_html_with_links_and_escaping() {
        let templates = Templates::load().unwrap();
        let vars = EmailVariables::fixture(MailKind::Reminder, "A <b> study", "https://d.org");
        let custom = CustomWording {
            subject: "Hi\n{{name}}".to_owned(),
            body_text: "Dear {{name}} <3,\n\nYour link: {{link}}.\nThanks".to_owned(),
        };
        let mail = compose(&templates, MailKind::Reminder, &vars, Some(&custom)).unwrap();
        assert_eq!(mail.subject, "Hi Alex Morgan");
        assert!(mail.text.contains("Dear Alex Morgan <3,"), "{}", mail.text);
        assert!(
            mail.html.contains("Dear Alex Morgan &lt;3,"),
            "{}",
            mail.html
        );
        assert!(
            mail.html
                .contains("<a href=\"https://d.org/p/EXAMPLE-personal-link-0123456\""),
            "{}",
            mail.html
        );
        assert!(mail.html.contains("A &lt;b&gt; study"), "{}", mail.html);
        let bad = CustomWording {
            subject: "ok".to_owned(),
            body_text: "{{deadlnie}}".to_owned(),
        };
        let err = compose(&templates, MailKind::Reminder, &vars, Some(&bad)).unwrap_err();
        assert_eq!(err.part, "body_text");
        assert!(err.to_string().contains("deadlnie"), "{err}");
    }

    fn wording(body_text: &str) -> CustomWording {
        CustomWording {
            subject: "Round {{round_number}}".to_owned(),
            body_text: body_text.to_owned(),
        }
    }

    fn validate(draft: &CustomWording) -> Result<ComposedEmail, crate::AppError> {
        let templates = Templates::load().unwrap();
        crate::email_templates::validate(
            &templates,
            MailKind::Reminder,
            "S",
            "https://d.org",
            draft,
        )
    }

    #[test]
    fn a_wording_with_only_the_withdraw_link_is_refused() {
        let err = validate(&wording("Hello,\n\nTo leave: {{withdraw_link}}\n")).unwrap_err();
        assert_eq!(err.field(), Some("body_text"));
        assert!(err.to_string().contains("write {{link}}"), "{err}");
        let err = validate(&wording("Leave: {{link}}/withdraw\n")).unwrap_err();
        assert_eq!(
            err.field(),
            Some("body_text"),
            "the withdraw link written out"
        );
        let mail = validate(&wording("Go: {{link}}\nLeave: {{withdraw_link}}\n")).unwrap();
        assert!(
            mail.text.contains("/p/EXAMPLE-personal-link-0123456\n"),
            "{}",
            mail.text
        );
        validate(&wording("{{withdraw_link}} or rather {{link}}")).unwrap();
    }

    #[test]
    fn a_wording_that_recurses_or_loops_is_refused_with_the_field() {
        let recursive =
            r#"{{#*inline "a"}}{{> b}}{{/inline}}{{#*inline "b"}}{{> a}}{{/inline}}{{> a}}"#;
        let err = validate(&wording(&format!("{{{{link}}}}{recursive}"))).unwrap_err();
        assert_eq!(err.field(), Some("body_text"));
        assert!(err.to_string().contains("inline partial"), "{err}");
        let mut subject = wording("{{link}}");
        subject.subject = "{{#each this}}{{this}}{{/each}}".to_owned();
        let err = validate(&subject).unwrap_err();
        assert_eq!(err.field(), Some("subject"));
        assert!(err.to_string().contains("{{#each}}"), "{err}");
    }
}
