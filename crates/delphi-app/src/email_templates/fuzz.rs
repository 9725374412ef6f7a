//! Fuzz target of the email-wording validator (a researcher's subject and body, rendered in
//! strict mode with bounded rendering): no wording may panic, abort or overflow the stack, and
//! an accepted one gives the personal link and a one-line subject. See `fuzz/harness.rs`.
//! A corpus file is the subject on its first line and the body after it.

use std::sync::OnceLock;

use delphi_core::states::MailKind;
use delphi_render::{Templates, MAX_UNTRUSTED_OUTPUT};

use crate::email_templates::{validate, withdraw_link, CustomWording, EmailVariables};
use crate::fuzz_harness::fuzz;

const TOKENS: &[&str] = &[
    "{{",
    "}}",
    "{{{",
    "}}}",
    "{{#if ",
    "{{/if}}",
    "{{else}}",
    "{{else if deadline}}",
    "{{#unless ",
    "{{/unless}}",
    "{{> greeting}}",
    "{{> signoff}}",
    "{{> email_layout}}",
    "{{#*inline \"a\"}}",
    "{{/inline}}",
    "{{> a}}",
    "{{#> greeting}}",
    "{{/greeting}}",
    "{{> @partial-block}}",
    "{{#each this}}",
    "{{/each}}",
    "{{#with link}}",
    "{{/with}}",
    "{{link}}",
    "{{withdraw_link}}",
    "{{name}}",
    "{{study_title}}",
    "{{round_number}}",
    "{{deadline}}",
    "{{changes_summary}}",
    "{{../link}}",
    "{{@root.link}}",
    "{{this}}",
    "(eq round_number 1)",
    "(not ",
    "(lookup this \"link\")",
    ")",
    "{{!-- ",
    " --}}",
    "{{! x}}",
    "\\{{",
    "{{~",
    "~}}",
    "{{{{raw}}}}",
    "{{{{/raw}}}}",
    " as |a b|",
    "\"",
    "'",
    "=",
    "\n",
    " ",
    "link",
    "https://",
    "\u{202e}",
    "\u{0}",
    "\t",
    "\r\n",
    "{{*inline}}",
    "{{log link}}",
];

fn templates() -> &'static Templates {
    static TEMPLATES: OnceLock<Templates> = OnceLock::new();
    TEMPLATES.get_or_init(|| Templates::load().expect("the embedded templates load"))
}

#[test]
fn fuzz_email_wording() {
    fuzz("email_wording", TOKENS, |input| {
        let (subject, body_text) = input.split_once('\n').unwrap_or((input, ""));
        let draft = CustomWording {
            subject: subject.to_owned(),
            body_text: body_text.to_owned(),
        };
        for kind in [MailKind::Invitation, MailKind::Withdrawal] {
            let Ok(mail) = validate(
                templates(),
                kind,
                "A study",
                "https://d.example.org",
                &draft,
            ) else {
                continue;
            };
            let vars = EmailVariables::fixture(kind, "A study", "https://d.example.org");
            let personal = mail.text.matches(&vars.link).count();
            let withdrawal = mail.text.matches(&withdraw_link(&vars.link)).count();
            if personal <= withdrawal {
                return Err(format!("{kind}: accepted without the personal link"));
            }
            if mail.subject.contains('\n') {
                return Err(format!("{kind}: a subject of more than one line"));
            }
            if mail.text.len() > MAX_UNTRUSTED_OUTPUT + 1 {
                return Err(format!("{kind}: a text of {} bytes", mail.text.len()));
            }
        }
        Ok(())
    });
}
