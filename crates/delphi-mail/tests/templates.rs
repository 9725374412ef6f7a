//! Every email template renders in strict mode against the fixture variables, and the
//! rendered messages match the reviewed snapshots in `tests/snapshots/`. After a deliberate
//! wording change, regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p delphi-mail --test
//! templates`, read the diff, and commit it.

use std::path::PathBuf;

use delphi_app::email_templates::{compose, ComposedEmail, CustomWording, EmailVariables};
use delphi_core::states::MailKind;
use delphi_render::Templates;

const TITLE: &str = "Leadership for social prescribing link workers";
const BASE: &str = "https://delphi.example.org";

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

fn render_snapshot(mail: &ComposedEmail) -> String {
    format!(
        "Subject: {}\n\n----- text/plain -----\n{}\n----- text/html -----\n{}",
        mail.subject, mail.text, mail.html
    )
}

/// Compares with the stored snapshot (or writes it when UPDATE_SNAPSHOTS is set); returns
/// a description of the mismatch.
fn check(name: &str, actual: &str) -> Option<String> {
    let path = snapshot_dir().join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).expect("the snapshot is written");
        return None;
    }
    let expected = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(_) => return Some(format!("{name}: no snapshot at {}", path.display())),
    };
    if expected == actual {
        return None;
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    Some(format!(
        "{name}: differs from {} at line {}:\n  expected: {:?}\n  actual:   {:?}",
        path.display(),
        line + 1,
        expected.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>")
    ))
}

#[test]
fn every_kind_renders_and_matches_its_snapshot() {
    let templates = Templates::load().expect("templates load");
    let mut problems = Vec::new();
    for &kind in MailKind::EDITABLE {
        let vars = EmailVariables::fixture(kind, TITLE, BASE);
        let mail = compose(&templates, kind, &vars, None)
            .unwrap_or_else(|e| panic!("{kind} does not render in strict mode: {e}"));
        assert!(!mail.subject.is_empty() && !mail.subject.contains('\n'));
        assert!(mail.html.contains("<!DOCTYPE html>"), "{kind}");
        if kind != MailKind::Withdrawal {
            for part in [&mail.text, &mail.html] {
                assert!(
                    part.contains(&vars.link),
                    "{kind} carries the personal link"
                );
                assert!(
                    part.contains(&vars.withdraw_link),
                    "{kind} carries the withdraw link"
                );
                assert!(
                    part.contains("Friday 4 December 2026"),
                    "{kind} shows the deadline"
                );
            }
        }
        problems.extend(check(kind.as_str(), &render_snapshot(&mail)));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn missing_name_and_deadline_read_naturally() {
    let templates = Templates::load().expect("templates load");
    let mut problems = Vec::new();
    for kind in [MailKind::Invitation, MailKind::ThankYou] {
        let vars = EmailVariables {
            name: None,
            deadline: None,
            ..EmailVariables::fixture(kind, TITLE, BASE)
        };
        let mail = compose(&templates, kind, &vars, None).expect("renders");
        assert!(mail.text.starts_with("Hello,"), "{}", mail.text);
        assert!(!mail.text.contains("by ,"), "{}", mail.text);
        assert!(
            !mail.text.contains("\n\n\n"),
            "no gaps left by missing parts:\n{}",
            mail.text
        );
        problems.extend(check(
            &format!("{kind}-no-name-no-deadline"),
            &render_snapshot(&mail),
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_study_wording_renders_in_the_shared_layout() {
    let templates = Templates::load().expect("templates load");
    let vars = EmailVariables::fixture(MailKind::Reminder, TITLE, BASE);
    let custom = CustomWording {
        subject: "Round {{round_number}} closes soon".to_owned(),
        body_text: "{{> greeting}}\n\nJust a nudge: round {{round_number}} closes on \
                    {{deadline}}.\nYour link: {{link}}\n\n{{> signoff}}\n"
            .to_owned(),
    };
    let mail = compose(&templates, MailKind::Reminder, &vars, Some(&custom)).expect("renders");
    let problems: Vec<String> = check("edited-reminder", &render_snapshot(&mail))
        .into_iter()
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
