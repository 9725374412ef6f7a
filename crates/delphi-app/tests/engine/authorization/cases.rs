//! The cases of the authorisation matrix: every use case, with who may call it, the stage
//! of the study it needs, and how to call it.

use super::*;

fn wording() -> CustomWording {
    CustomWording {
        subject: "Round {{round_number}}".to_owned(),
        body_text: "Hello. Your link: {{link}}".to_owned(),
    }
}

fn templates() -> Templates {
    Templates::load().expect("templates")
}

fn new_item(n: usize) -> ItemDefinition {
    ItemDefinition {
        code: ItemCode::parse(&format!("Z{n}")).expect("a code"),
        section: "Community level".to_owned(),
        text: "An added item".to_owned(),
    }
}

fn new_person(n: usize) -> PanellistDefinition {
    PanellistDefinition {
        email: Email::parse(&format!("late{n}@example.org")).expect("an address"),
        name: None,
        group: GroupCode::parse("managers").expect("a group"),
    }
}

/// An item added from the comment the closed world's first panellist wrote on A3.
fn added_from_comment() -> planner::ChangeInput {
    planner::ChangeInput {
        kind: PlanChangeKind::Add,
        code: "A5".to_owned(),
        new_code: None,
        section: Some("Community level".to_owned()),
        text: Some("Support is named".to_owned()),
        reason: "Suggested in a comment".to_owned(),
        from_comment: Some(planner::CommentSource {
            item: "A3".to_owned(),
            pseudonym: "P001".to_owned(),
        }),
        from_suggestion: None,
    }
}

fn rating() -> AnswerInput {
    answer("A1", Some(7))
}

/// Every use case, with who may call it and the stage it needs.
pub(super) fn cases() -> Vec<Case> {
    macro_rules! case {
        ($name:literal, $who:ident, $stage:ident, $run:expr) => {
            Case {
                name: $name,
                who: Who::$who,
                stage: Stage::$stage,
                run: $run,
            }
        };
    }
    vec![
        case!("queries::study_summary", Readers, Draft, |a, c, w, _| {
            queries::study_summary(a, c, &w.slug).map(drop)
        }),
        case!("queries::round_results", Readers, Closed, |a, c, w, _| {
            queries::round_results(a, c, &w.slug, 1).map(drop)
        }),
        case!("dashboard::dashboard", Readers, Open, |a, c, w, _| {
            dashboard::dashboard(a, c, &w.slug).map(drop)
        }),
        case!("outbox::round_mail", Readers, Open, |a, c, w, _| {
            outbox::round_mail(a, c, &w.slug, 1).map(drop)
        }),
        case!("outbox::panellist_mail", Readers, Open, |a, c, w, _| {
            outbox::panellist_mail(a, c, &w.slug).map(drop)
        }),
        case!("exports::offer", Readers, Draft, |a, c, w, _| {
            exports::offer(a, c, &w.slug).map(drop)
        }),
        case!("exports::record", Readers, Closed, |a, c, w, _| {
            exports::record(a, c, &w.slug).map(drop)
        }),
        case!(
            "exports::record_with_contacts",
            Owners,
            Closed,
            |a, c, w, _| { exports::record_with_contacts(a, c, &w.slug).map(drop) }
        ),
        case!("queries::panellist_links", Managers, Open, |a, c, w, _| {
            queries::panellist_links(a, c, &w.slug).map(drop)
        }),
        case!("studies::add_items", Managers, Draft, |a, c, w, n| {
            studies::add_items(a, c, &w.slug, &[new_item(n)])
        }),
        case!("studies::add_panellists", Managers, Open, |a, c, w, n| {
            studies::add_panellists(a, c, &w.slug, &[new_person(n)])
        }),
        case!("studies::edit_item_text", Managers, Draft, |a, c, w, _| {
            studies::edit_item_text(a, c, &w.slug, "A1", "New words")
        }),
        case!("studies::complete", Managers, Closed, |a, c, w, _| {
            studies::complete(a, c, &w.slug, "done")
        }),
        case!("studies::reissue_link", Managers, Open, |a, c, w, _| {
            studies::reissue_link(a, c, &w.slug, "P003").map(drop)
        }),
        case!("studies::revoke_link", Managers, Open, |a, c, w, _| {
            studies::revoke_link(a, c, &w.slug, "P003")
        }),
        case!(
            "opening::open_first_round",
            Managers,
            Draft,
            |a, c, w, _| {
                opening::open_first_round(a, c, &w.slug, &RoundOptions::default()).map(drop)
            }
        ),
        case!("closing::close_round", Managers, Open, |a, c, w, _| {
            closing::close_round(a, c, &w.slug).map(drop)
        }),
        case!("next_round::preview", Managers, Closed, |a, c, w, _| {
            next_round::preview(a, c, &w.slug, &[]).map(drop)
        }),
        case!(
            "next_round::open_next_round",
            Managers,
            Closed,
            |a, c, w, _| {
                next_round::open_next_round(a, c, &w.slug, &[], &RoundOptions::default()).map(drop)
            }
        ),
        case!("moderation::comments", Readers, Closed, |a, c, w, _| {
            moderation::comments(a, c, &w.slug).map(drop)
        }),
        case!("moderation::decide", Managers, Closed, |a, c, w, _| {
            let edited = moderation::Decision::ReleaseEdited("Say which support".to_owned());
            moderation::decide(a, c, &w.slug, "A3", "P001", &edited).map(drop)
        }),
        case!("moderation::decide_item", Managers, Closed, |a, c, w, _| {
            moderation::decide_item(a, c, &w.slug, "A3", CommentDecision::Hidden).map(drop)
        }),
        case!("planner::plan_view", Readers, Closed, |a, c, w, _| {
            planner::plan_view(a, c, &w.slug).map(drop)
        }),
        case!("planner::change", Managers, Closed, |a, c, w, _| {
            planner::change(a, c, &w.slug, &added_from_comment())
        }),
        case!("planner::open", Managers, Closed, |a, c, w, _| {
            planner::open(a, c, &w.slug, &RoundOptions::default()).map(drop)
        }),
        case!("panellist::preview", Managers, Closed, |a, c, w, _| {
            panellist::preview(a, c, &w.slug, "P002").map(drop)
        }),
        case!("reminders::remind_now", Managers, Open, |a, c, w, _| {
            reminders::remind_now(a, c, &w.slug, None).map(drop)
        }),
        case!("outbox::retry", Managers, Open, |a, c, w, _| {
            outbox::retry(a, c, &w.slug, &w.failed_message)
        }),
        case!("outbox::retry_round", Managers, Open, |a, c, w, _| {
            outbox::retry_round(a, c, &w.slug, 1).map(drop)
        }),
        case!(
            "email_templates::editable",
            Managers,
            Draft,
            |a, c, w, _| {
                email_templates::editable(a, &templates(), c, &w.slug, MailKind::Invitation)
                    .map(drop)
            }
        ),
        case!("email_templates::wording", Managers, Draft, |a, c, w, _| {
            email_templates::wording(a, &templates(), c, &w.slug, MailKind::Reminder).map(drop)
        }),
        case!("email_templates::preview", Managers, Draft, |a, c, w, _| {
            let draft = wording();
            email_templates::preview(
                a,
                &templates(),
                c,
                &w.slug,
                MailKind::Invitation,
                Some(&draft),
            )
            .map(drop)
        }),
        case!("email_templates::save", Managers, Draft, |a, c, w, _| {
            email_templates::save(
                a,
                &templates(),
                c,
                &w.slug,
                MailKind::Invitation,
                &wording(),
            )
            .map(drop)
        }),
        case!("email_templates::reset", Managers, Draft, |a, c, w, _| {
            email_templates::reset(a, c, &w.slug, MailKind::Invitation).map(drop)
        }),
        case!(
            "email_templates::send_test",
            Managers,
            Draft,
            |a, c, w, _| {
                let to = Some("tests@example.org");
                email_templates::send_test(
                    a,
                    &templates(),
                    c,
                    &w.slug,
                    MailKind::Reminder,
                    to,
                    None,
                )
            }
        ),
        case!("erasure::erase_panellist", Managers, Open, |a, c, w, _| {
            let keep = delphi_app::erasure::ErasedAnswers::Keep;
            delphi_app::erasure::erase_panellist(a, c, &w.slug, "P004", keep).map(drop)
        }),
        case!("users::add_member", Owners, Draft, |a, c, w, _| {
            users::add_member(a, c, &w.slug, "other@example.org", Role::Analyst).map(drop)
        }),
        case!(
            "studies::create_from_definition",
            Users,
            Draft,
            |a, c, _, n| {
                studies::create_from_definition(a, c, &small(&format!("made-{n}")), None).map(drop)
            }
        ),
        case!("queries::studies_for", Users, Draft, |a, c, _, _| {
            queries::studies_for(a, c).map(drop)
        }),
        case!("users::create_user", Operators, Draft, |a, c, _, n| {
            let email = format!("new{n}@example.org");
            users::create_user(a, c, &email, "New", "a long password here", false).map(drop)
        }),
        case!("participation::consent", Panellists, Open, |a, c, _, _| {
            participation::consent(a, c).map(drop)
        }),
        case!(
            "participation::save_answer",
            Panellists,
            Open,
            |a, c, _, _| { participation::save_answer(a, c, &rating()).map(drop) }
        ),
        case!(
            "participation::save_answers",
            Panellists,
            Open,
            |a, c, _, _| { participation::save_answers(a, c, &[rating()]).map(drop) }
        ),
        case!("participation::submit", Panellists, Open, |a, c, _, _| {
            participation::submit(a, c).map(drop)
        }),
        case!("participation::withdraw", Panellists, Open, |a, c, _, _| {
            participation::withdraw(a, c)
        }),
        case!(
            "participation::mark_opened",
            Panellists,
            Open,
            |a, c, _, _| { participation::mark_opened(a, c) }
        ),
        case!("panellist::page", Panellists, Open, |a, c, _, _| {
            panellist::page(a, c).map(drop)
        }),
        case!("questions::background", Panellists, Open, |a, c, _, _| {
            questions::background(a, c).map(drop)
        }),
        case!(
            "questions::background_pending",
            Panellists,
            Open,
            |a, c, _, _| { questions::background_pending(a, c).map(drop) }
        ),
        case!(
            "questions::save_background",
            Panellists,
            Open,
            |a, c, _, _| {
                let input = questions::BackgroundInput {
                    answers: vec![("role".to_owned(), vec!["Doctor".to_owned()])],
                    skip: false,
                };
                questions::save_background(a, c, &input)
            }
        ),
        case!(
            "questions::save_open_answer",
            Panellists,
            Open,
            |a, c, _, _| {
                let input = questions::OpenInput {
                    n: 1,
                    text: "A statement on carers".to_owned(),
                };
                questions::save_open_answer(a, c, &input).map(drop)
            }
        ),
        case!(
            "participation::save_form",
            Panellists,
            Open,
            |a, c, _, _| {
                let open = [questions::OpenInput {
                    n: 0,
                    text: "Something else".to_owned(),
                }];
                participation::save_form(a, c, &[rating()], &open).map(drop)
            }
        ),
        case!(
            "setup::protocol::update (questions)",
            Managers,
            Draft,
            |a, c, w, _| {
                use delphi_app::setup::protocol;
                let mut settings = protocol::view(a, c, &w.slug)?.settings;
                settings.background.pop();
                settings.open_questions.per_section = false;
                protocol::update(a, c, &w.slug, &settings, "").map(drop)
            }
        ),
        case!(
            "planner::change (from a suggestion)",
            Managers,
            Closed,
            |a, c, w, _| {
                let mut input = added_from_comment();
                input.from_comment = None;
                input.from_suggestion = Some(planner::SuggestionSource {
                    section: String::new(),
                    pseudonym: "P001".to_owned(),
                });
                planner::change(a, c, &w.slug, &input)
            }
        ),
        case!("reminders::queue_scheduled", System, Open, |a, c, _, _| {
            reminders::queue_scheduled(a, c, delphi_store::now(), &[3, 1]).map(drop)
        }),
    ]
}
