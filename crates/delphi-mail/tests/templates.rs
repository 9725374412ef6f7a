//! Every email template renders in strict mode against the fixture variables, and the
//! rendered messages match the reviewed snapshots in `tests/snapshots/`. After a deliberate
//! wording change, regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p delphi-mail --test
//! templates`, read the diff, and commit it.

use std::path::PathBuf;

use delphi_app::email_templates::{
    compose, ComposedEmail, CustomWording, EmailVariables, FIXTURE_TEAM,
};
use delphi_core::states::MailKind;
use delphi_mail::envelope::{self, Envelope};
use delphi_render::Templates;
use lettre::message::Mailbox;

const TITLE: &str = "Leadership for social prescribing link workers";
const BASE: &str = "https://delphi.example.org";

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// The headers the worker sets on a message of `kind` with these variables (From the
/// configured sender, Reply-To the team's contact, List-Unsubscribe the withdraw link).
fn headers(kind: MailKind, vars: &EmailVariables, mail: &ComposedEmail) -> String {
    let unsubscribe = (kind != MailKind::Withdrawal).then(|| vars.withdraw_link.clone());
    envelope_headers(&vars.team_contact, unsubscribe, mail)
}

/// The headers of a message with this team contact and withdrawal link.
fn envelope_headers(
    team_contact: &str,
    unsubscribe: Option<String>,
    mail: &ComposedEmail,
) -> String {
    let configured_reply_to: Mailbox = "Delphi replies <replies@example.org>"
        .parse()
        .expect("an address");
    let envelope = Envelope::new(
        "Delphi study <delphi@example.org>"
            .parse()
            .expect("an address"),
        "alex.morgan@example.org".parse().expect("an address"),
        Some(&configured_reply_to),
        team_contact,
        unsubscribe,
    );
    let message = envelope::message(
        "<1@delphi.example.org>".to_owned(),
        envelope,
        mail.subject.clone(),
        mail.clone(),
    )
    .expect("the message builds");
    let all = message.headers().to_string();
    let wanted = ["From:", "Reply-To:", "To:", "Subject:", "List-Unsubscribe"];
    let mut kept = String::new();
    let mut keeping = false;
    for line in all.lines() {
        if !line.starts_with([' ', '\t']) {
            keeping = wanted.iter().any(|w| line.starts_with(w));
        }
        if keeping {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

fn render_snapshot(kind: MailKind, vars: &EmailVariables, mail: &ComposedEmail) -> String {
    snapshot_of(&headers(kind, vars, mail), mail)
}

fn snapshot_of(headers: &str, mail: &ComposedEmail) -> String {
    format!(
        "{headers}\n----- text/plain -----\n{}\n----- text/html -----\n{}",
        mail.text, mail.html
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
        for part in [&mail.text, &mail.html] {
            assert!(part.contains(FIXTURE_TEAM.0), "{kind} names the team");
            assert!(
                part.contains(FIXTURE_TEAM.2),
                "{kind} gives the team's contact"
            );
        }
        let headers = headers(kind, &vars, &mail);
        assert!(
            headers.contains(&format!("Reply-To: {}", FIXTURE_TEAM.2)),
            "{headers}"
        );
        assert!(
            headers.contains("From: \"Delphi study\" <delphi@example.org>"),
            "{headers}"
        );
        if kind != MailKind::Withdrawal {
            assert!(
                headers.contains(&format!("List-Unsubscribe: <{}>", vars.withdraw_link)),
                "{headers}"
            );
        }
        problems.extend(check(kind.as_str(), &render_snapshot(kind, &vars, &mail)));
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
            &render_snapshot(kind, &vars, &mail),
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_round_email_promises_only_what_the_page_shows_and_names_the_final_round() {
    let templates = Templates::load().expect("templates load");
    let fixture = EmailVariables::fixture(MailKind::RoundOpened, TITLE, BASE);
    let shown = compose(&templates, MailKind::RoundOpened, &fixture, None).expect("renders");
    for body in [&shown.text, &shown.html] {
        assert!(body.contains(
            "how the whole panel answered each statement, next to your own answer from last time"
        ));
        assert!(!body.contains("final round"));
    }
    let bare = EmailVariables {
        shows_panel: false,
        shows_own: false,
        final_round: true,
        ..fixture.clone()
    };
    let mail = compose(&templates, MailKind::RoundOpened, &bare, None).expect("renders");
    for body in [&mail.text, &mail.html] {
        assert!(
            !body.contains("whole panel"),
            "no panel view promised: {body}"
        );
        assert!(!body.contains("answer from last time"), "{body}");
        assert!(body.contains("final round"), "{body}");
    }
    let own_only = EmailVariables {
        shows_own: true,
        ..bare.clone()
    };
    let mail = compose(&templates, MailKind::RoundOpened, &own_only, None).expect("renders");
    assert!(mail
        .text
        .contains("you can see your own answer from last time beside each statement"));
    assert!(!mail.text.contains("whole panel"));
    let mut problems: Vec<String> = check(
        "round_opened-final-no-feedback",
        &render_snapshot(
            MailKind::RoundOpened,
            &bare,
            &compose(&templates, MailKind::RoundOpened, &bare, None).expect("renders"),
        ),
    )
    .into_iter()
    .collect();

    // A thank-you counts the statements only when some were left unrated.
    let all_rated = EmailVariables {
        rated: Some(24),
        unrated: Some(0),
        final_round: true,
        ..EmailVariables::fixture(MailKind::ThankYou, TITLE, BASE)
    };
    let mail = compose(&templates, MailKind::ThankYou, &all_rated, None).expect("renders");
    assert!(!mail.text.contains("You rated"), "{}", mail.text);
    assert!(
        mail.text.contains("This was the final round"),
        "{}",
        mail.text
    );
    assert!(!mail.text.contains("If there is another round"));
    let some_left = EmailVariables::fixture(MailKind::ThankYou, TITLE, BASE);
    let mail = compose(&templates, MailKind::ThankYou, &some_left, None).expect("renders");
    assert!(mail.text.contains("You rated 22 of the 24 statements."));
    assert!(mail.html.contains("You rated 22 of the 24 statements."));
    problems.extend(check(
        "thank_you-final-all-rated",
        &render_snapshot(
            MailKind::ThankYou,
            &all_rated,
            &mail_of(&templates, &all_rated),
        ),
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn mail_of(templates: &Templates, vars: &EmailVariables) -> ComposedEmail {
    compose(templates, MailKind::ThankYou, vars, None).expect("renders")
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
    let problems: Vec<String> = check(
        "edited-reminder",
        &render_snapshot(MailKind::Reminder, &vars, &mail),
    )
    .into_iter()
    .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_study_without_a_team_reads_naturally_and_replies_go_to_the_configured_address() {
    let templates = Templates::load().expect("templates load");
    let vars = EmailVariables::fixture(MailKind::Invitation, TITLE, BASE).with_team("", "", "");
    let mail = compose(&templates, MailKind::Invitation, &vars, None).expect("renders");
    assert!(mail.text.contains("The research team for"), "{}", mail.text);
    assert!(
        !mail.text.contains("Questions about the study"),
        "{}",
        mail.text
    );
    let headers = headers(MailKind::Invitation, &vars, &mail);
    assert!(
        headers.contains("Reply-To: \"Delphi replies\" <replies@example.org>"),
        "{headers}"
    );
}

#[test]
fn a_study_wording_without_the_contact_gets_it_added() {
    let templates = Templates::load().expect("templates load");
    let vars = EmailVariables::fixture(MailKind::Reminder, TITLE, BASE);
    let custom = CustomWording {
        subject: "Reminder".to_owned(),
        body_text: "Please answer: {{link}}\n".to_owned(),
    };
    let mail = compose(&templates, MailKind::Reminder, &vars, Some(&custom)).expect("renders");
    assert!(
        mail.text.trim_end().ends_with(&format!(
            "Questions about the study: {} (or reply to this email)",
            FIXTURE_TEAM.2
        )),
        "{}",
        mail.text
    );
    assert!(mail.html.contains(FIXTURE_TEAM.2), "{}", mail.html);
}

/// The emails about a researcher's login: From the configured sender; the study's team and
/// its contact as Reply-To when a study is named (a reset names none: the configured
/// reply-to); never a withdrawal link; the one-time link and how long it works.
#[test]
fn account_emails_render_and_match_their_snapshots() {
    use delphi_app::accounts::mail::{compose as compose_account, AccountEmail};
    let templates = Templates::load().expect("templates load");
    let mut problems = Vec::new();
    for kind in [
        MailKind::AccountInvitation,
        MailKind::MemberAdded,
        MailKind::PasswordReset,
    ] {
        assert!(kind.is_account() && !MailKind::EDITABLE.contains(&kind));
        let vars = AccountEmail::fixture(kind, TITLE, BASE);
        let mail = compose_account(&templates, kind, &vars)
            .unwrap_or_else(|e| panic!("{kind} does not render in strict mode: {e}"));
        assert!(mail.html.contains("<!DOCTYPE html>"), "{kind}");
        for part in [&mail.text, &mail.html] {
            assert!(part.contains(&vars.link), "{kind} carries its link");
            assert!(!part.contains("withdraw"), "{kind} has no withdrawal link");
            if let Some(expires) = &vars.expires {
                assert!(
                    part.contains(expires.as_str()),
                    "{kind} says how long it works"
                );
            }
        }
        let headers = envelope_headers(&vars.team_contact, None, &mail);
        assert!(
            headers.contains("From: \"Delphi study\" <delphi@example.org>"),
            "{headers}"
        );
        assert!(!headers.contains("List-Unsubscribe"), "{headers}");
        if kind == MailKind::PasswordReset {
            assert!(
                headers.contains("Reply-To: \"Delphi replies\" <replies@example.org>"),
                "{headers}"
            );
        } else {
            assert!(
                headers.contains(&format!("Reply-To: {}", FIXTURE_TEAM.2)),
                "{headers}"
            );
            for part in [&mail.text, &mail.html] {
                assert!(part.contains(FIXTURE_TEAM.0), "{kind} names the team");
                assert!(part.contains(FIXTURE_TEAM.2), "{kind} gives the contact");
                assert!(part.contains(TITLE), "{kind} names the study");
            }
        }
        problems.extend(check(kind.as_str(), &snapshot_of(&headers, &mail)));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
