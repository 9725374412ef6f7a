//! Getting a study out: the [`StudyRecord`] every export and the consensus report render,
//! read from the database in one transaction.
//!
//! - [`record`]: analysts, researchers and owners (and the operator): everything by
//!   pseudonym, no name or address anywhere;
//! - [`record_with_contacts`]: owners (and the operator) only: the same record with the
//!   contact list filled, and an audit entry written in the same transaction, so no
//!   contact list leaves without the log saying who took it and when.
//!
//! [`offer`] says what the Exports page may show a caller. Rendering is the caller's ([`delphi_report::export::write_export`]): the use case reads,
//! the adapter (command line, page, API) writes the file.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use delphi_core::states::{MailKind, OutboxStatus};
use delphi_core::StudySettings;
use delphi_report::record::{
    Amendment, Contact, Group, Item, Moderation, Panellist, Participation, Protocol, ResearchTeam,
    Response, Round, RoundItem, RoundResult, Software, StudyInfo,
};
use delphi_report::StudyRecord;
use delphi_store::results::ALL_GROUPS;
use delphi_store::{
    amendments, items, outbox, panellists, read_tx, responses, results, rounds, studies, users,
    write_tx, DbConnection,
};
use serde_json::json;

use crate::access::{self, Actor, Permission};
use crate::{audit, App, AppError};

/// The audit action of a contact-list export.
pub const CONTACTS_AUDIT_ACTION: &str = "export.contacts";

/// The study `slug` as the exports read it, by pseudonym only. Any member of the study may
/// read it (analysts included); the contact list stays empty.
pub fn record(app: &App, actor: &Actor, slug: &str) -> Result<StudyRecord, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Read)?;
        load(conn, &study)
    })
}

/// The study `slug` with its contact list (names and addresses by pseudonym), for an owner
/// who asked for it. Writes the `export.contacts` audit entry in the same transaction; a
/// caller who is not an owner is refused and nothing is written.
pub fn record_with_contacts(app: &App, actor: &Actor, slug: &str) -> Result<StudyRecord, AppError> {
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Own)?;
        let mut record = load(conn, &study)?;
        let contacts: Vec<Contact> = panellists::for_study(conn, &study.id)?
            .into_iter()
            .map(|p| Contact {
                pseudonym: p.pseudonym,
                name: p.name.filter(|n| !n.trim().is_empty()),
                email: p.email,
            })
            .collect();
        audit::record(
            conn,
            &study.id,
            &grant.label,
            CONTACTS_AUDIT_ACTION,
            json!({ "panellists": contacts.len() }),
        )?;
        record.contacts = Some(contacts);
        Ok(record)
    })
}

/// What the Exports page offers a caller.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Offer {
    /// The study's short name.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Whether the caller may download the contact list (owners and site administrators).
    pub contacts: bool,
    /// How many rounds have closed (results exist for those).
    pub closed_rounds: usize,
}

/// What the study `slug` offers `actor` to download; any member may ask.
pub fn offer(app: &App, actor: &Actor, slug: &str) -> Result<Offer, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Read)?;
        let closed_rounds = rounds::for_study(conn, &study.id)?
            .iter()
            .filter(|r| r.status == delphi_core::states::RoundStatus::Closed)
            .count();
        Ok(Offer {
            contacts: grant.highest >= Permission::Own,
            slug: study.slug,
            title: study.title,
            closed_rounds,
        })
    })
}

/// Whether the study's counting rule counted an answer in its round's results
/// ([`crate::closing::counting::standing`], the rule the close applied): a withdrawal counts
/// against the answers only when it came before the round closed (or the round is open).
pub fn counts(
    settings: &StudySettings,
    submitted: bool,
    withdrawn_at: Option<NaiveDateTime>,
    round_closed_at: Option<NaiveDateTime>,
) -> bool {
    let withdrawn_before_close =
        withdrawn_at.is_some_and(|at| round_closed_at.is_none_or(|closed| at < closed));
    crate::closing::counting::standing(&settings.counting, submitted, withdrawn_before_close)
        == crate::closing::counting::Standing::Counts
}

fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

fn given(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Each panellist's background answers (by panellist id), in the questionnaire's order: a
/// multiple choice gives one answer per option chosen, so counts per group are per option;
/// a question left unanswered is "Prefer not to say"; questions never shown give nothing.
fn background_answers(
    conn: &mut DbConnection,
    study_id: &str,
    settings: &StudySettings,
) -> Result<HashMap<String, Vec<delphi_report::record::BackgroundAnswer>>, AppError> {
    use delphi_report::record::BackgroundAnswer;
    let mut by_person: HashMap<String, Vec<BackgroundAnswer>> = HashMap::new();
    let rows = delphi_store::questions::background_for_study(conn, study_id)?;
    for question in &settings.background {
        for row in rows.iter().filter(|r| r.question_id == question.id) {
            let answers = by_person.entry(row.panellist_id.clone()).or_default();
            let given: Vec<&str> = row
                .answer
                .as_deref()
                .map(|a| a.split('\n').collect())
                .unwrap_or_default();
            if given.is_empty() {
                answers.push(BackgroundAnswer {
                    question: question.label.clone(),
                    answer: PREFER_NOT_TO_SAY.to_owned(),
                });
            }
            for answer in given {
                answers.push(BackgroundAnswer {
                    question: question.label.clone(),
                    answer: answer.to_owned(),
                });
            }
        }
    }
    Ok(by_person)
}

/// How a background question left unanswered appears in exports and the report.
pub const PREFER_NOT_TO_SAY: &str = "Prefer not to say";

fn missing(what: &str) -> AppError {
    AppError::Internal(format!("the study's {what} points at a row that is gone"))
}

/// Reads everything of `study` (let in by the caller) into a record without contacts.
fn load(conn: &mut DbConnection, study: &studies::StudyRow) -> Result<StudyRecord, AppError> {
    let settings = crate::studies::settings_of(study)?;
    let group_rows = studies::groups(conn, &study.id)?;
    let group_code: HashMap<&str, &str> = group_rows
        .iter()
        .map(|g| (g.id.as_str(), g.code.as_str()))
        .collect();
    let panel = panellists::for_study(conn, &study.id)?;
    let by_id: HashMap<&str, &panellists::PanellistRow> =
        panel.iter().map(|p| (p.id.as_str(), p)).collect();
    let item_rows = items::for_study(conn, &study.id)?;
    let item_code: HashMap<&str, &str> = item_rows
        .iter()
        .map(|i| (i.id.as_str(), i.code.as_str()))
        .collect();
    let code_of = |id: &str| item_code.get(id).map(|c| (*c).to_owned());
    let pseudonym_of = |id: &str| by_id.get(id).map(|p| p.pseudonym.clone());
    let mut background = background_answers(conn, &study.id, &settings)?;

    let mut record_rounds = Vec::new();
    let mut record_responses = Vec::new();
    let mut record_results = Vec::new();
    let mut moderation = Vec::new();
    let mut decider_names: HashMap<String, Option<String>> = HashMap::new();
    for round in rounds::for_study(conn, &study.id)? {
        let asked = rounds::items(conn, &round.id)?;
        let mut participation = rounds::participations(conn, &round.id)?;
        participation.sort_by(|a, b| {
            let key = |id: &str| by_id.get(id).map(|p| p.pseudonym.as_str());
            key(&a.panellist_id).cmp(&key(&b.panellist_id))
        });
        let submitted: HashMap<&str, Option<NaiveDateTime>> = participation
            .iter()
            .map(|p| (p.panellist_id.as_str(), p.submitted_at))
            .collect();
        let reminders_sent = outbox::for_round(conn, &round.id)?
            .iter()
            .filter(|m| m.kind == MailKind::Reminder && m.status == OutboxStatus::Sent)
            .count();

        let position: HashMap<&str, usize> = asked
            .iter()
            .enumerate()
            .map(|(i, ri)| (ri.item_id.as_str(), i))
            .collect();
        let mut answers = responses::for_round(conn, &round.id)?;
        answers.sort_by_cached_key(|r| {
            (
                position.get(r.item_id.as_str()).copied(),
                by_id
                    .get(r.panellist_id.as_str())
                    .map(|p| p.pseudonym.clone()),
            )
        });
        for r in answers {
            let person = by_id
                .get(r.panellist_id.as_str())
                .ok_or_else(|| missing("answer"))?;
            let submitted_at = submitted.get(r.panellist_id.as_str()).copied().flatten();
            record_responses.push(Response {
                round: round.number,
                item: code_of(&r.item_id).ok_or_else(|| missing("answer"))?,
                pseudonym: person.pseudonym.clone(),
                rating: r.rating,
                unable_to_rate: r.unable_to_rate && r.rating.is_none(),
                comment: r.comment.filter(|c| !c.trim().is_empty()),
                outlier_reason: r.reason.filter(|c| !c.trim().is_empty()),
                saved_at: utc(r.updated_at),
                submitted_at: submitted_at.map(utc),
                counted: counts(
                    &settings,
                    submitted_at.is_some(),
                    person.withdrawn_at,
                    round.closed_at,
                ),
            });
        }

        let group_position: HashMap<&str, i32> = group_rows
            .iter()
            .map(|g| (g.code.as_str(), g.position))
            .collect();
        let mut stored = results::for_round(conn, &round.id)?;
        stored.sort_by_key(|r| {
            (
                position.get(r.item_id.as_str()).copied(),
                r.group_code != ALL_GROUPS,
                group_position.get(r.group_code.as_str()).copied(),
            )
        });
        for r in stored {
            record_results.push(RoundResult {
                round: round.number,
                item: code_of(&r.item_id).ok_or_else(|| missing("result"))?,
                group: r.group_code,
                result: r.result,
            });
        }

        for review in results::comment_reviews(conn, &round.id)? {
            let decided_by = match review.decided_by {
                Some(id) => match decider_names.get(&id) {
                    Some(name) => name.clone(),
                    None => {
                        let name = users::find(conn, &id)?.map(|u| u.display_name);
                        decider_names.insert(id, name.clone());
                        name
                    }
                },
                None => None,
            };
            moderation.push(Moderation {
                round: round.number,
                item: code_of(&review.item_id).ok_or_else(|| missing("moderation"))?,
                pseudonym: pseudonym_of(&review.panellist_id)
                    .ok_or_else(|| missing("moderation"))?,
                decision: review.decision,
                shown_text: review.shown_text,
                decided_by,
                decided_at: utc(review.decided_at),
            });
        }

        record_rounds.push(Round {
            number: round.number,
            status: round.status,
            opened_at: round.opened_at.map(utc),
            closed_at: round.closed_at.map(utc),
            deadline: round.deadline.map(utc),
            reminders_sent: u32::try_from(reminders_sent).unwrap_or(u32::MAX),
            items: asked
                .iter()
                .map(|ri| {
                    Ok(RoundItem {
                        code: code_of(&ri.item_id).ok_or_else(|| missing("round item"))?,
                        disposition: ri.disposition,
                        position: ri.position,
                    })
                })
                .collect::<Result<_, AppError>>()?,
            participation: participation
                .iter()
                .map(|p| {
                    Ok(Participation {
                        pseudonym: pseudonym_of(&p.panellist_id)
                            .ok_or_else(|| missing("invitation"))?,
                        invited_at: utc(p.invited_at),
                        opened_at: p.opened_at.map(utc),
                        submitted_at: p.submitted_at.map(utc),
                    })
                })
                .collect::<Result<_, AppError>>()?,
        });
    }
    moderation
        .sort_by(|a, b| (a.round, &a.item, &a.pseudonym).cmp(&(b.round, &b.item, &b.pseudonym)));

    Ok(StudyRecord {
        study: StudyInfo {
            title: study.title.clone(),
            slug: study.slug.clone(),
            description: study.description.clone(),
            status: study.status,
            team: ResearchTeam {
                name: given(&study.team_name),
                institution: given(&study.team_institution),
                contact: given(&study.team_contact),
            },
            ethics_reference: given(&study.ethics_reference),
            registry_id: given(&study.registry_id),
        },
        settings,
        protocol: Protocol {
            locked_at: study.rule_locked_at.map(utc),
            // Every change to the locked protocol, oldest first, with its reason.
            amendments: amendments::for_study(conn, &study.id)?
                .into_iter()
                .map(|a| Amendment {
                    at: utc(a.made_at),
                    change: a.summary,
                    reason: a.reason,
                })
                .collect(),
        },
        software: Software {
            name: "delphi".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        generated_at: utc(delphi_store::now()),
        groups: group_rows
            .iter()
            .map(|g| Group {
                code: g.code.clone(),
                name: g.name.clone(),
                position: g.position,
            })
            .collect(),
        panellists: panel
            .iter()
            .map(|p| {
                Ok(Panellist {
                    pseudonym: p.pseudonym.clone(),
                    group: group_code
                        .get(p.group_id.as_str())
                        .map(|c| (*c).to_owned())
                        .ok_or_else(|| missing("panellist's group"))?,
                    consented_at: p.consented_at.map(utc),
                    withdrawn_at: p.withdrawn_at.map(utc),
                    background: background.remove(p.id.as_str()).unwrap_or_default(),
                })
            })
            .collect::<Result<_, AppError>>()?,
        items: item_rows
            .iter()
            .map(|i| Item {
                code: i.code.clone(),
                text: i.text.clone(),
                section: i.section.clone(),
                origin: i.origin,
                origin_round: i.origin_round,
                replaces: i.replaces_id.as_deref().and_then(code_of),
                change_note: i.change_note.clone(),
                status: i.status,
                status_reason: None,
            })
            .collect(),
        rounds: record_rounds,
        responses: record_responses,
        results: record_results,
        moderation,
        contacts: None,
    })
}
