//! The round monitor: for one round, overall and per stakeholder group, how many were
//! invited, opened the page, consented, started, submitted and withdrew, the response rate,
//! each panellist's status (pseudonym, group, last activity, last invitation and reminder:
//! never an address or a name), and warnings when a group is short of answers. One read,
//! shaped for the monitor page and its JSON twin that the page polls.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use delphi_core::states::{MailKind, ParticipationState, RoundStatus};
use delphi_store::{outbox, panellists, read_tx, rounds, studies, DbConnection};
use serde::Serialize;

use crate::access::{self, Actor, Permission};
use crate::{App, AppError};

/// How far a set of panellists has come in a round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Response {
    /// Invited to the round.
    pub invited: usize,
    /// Opened the round's page.
    pub opened: usize,
    /// Consented (at any time).
    pub consented: usize,
    /// Saved at least one answer in the round.
    pub started: usize,
    /// Submitted the round.
    pub submitted: usize,
    /// Withdrew from the study.
    pub withdrawn: usize,
    /// Answers that would count if the round closed now (the study's counting setting).
    pub counting: usize,
    /// Submitted as a percentage of invited (absent when nobody was invited).
    pub response_rate: Option<f64>,
}

impl Response {
    fn finish(mut self) -> Self {
        self.response_rate =
            (self.invited > 0).then(|| 100.0 * self.submitted as f64 / self.invited as f64);
        self
    }
}

/// One stakeholder group's response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResponse {
    /// Group code.
    pub code: String,
    /// Group name.
    pub name: String,
    /// Its response.
    pub response: Response,
}

/// One panellist's status in the round (pseudonym only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanellistStatus {
    /// Pseudonym.
    pub pseudonym: String,
    /// Stakeholder group code.
    pub group: String,
    /// How far they have come.
    pub state: ParticipationState,
    /// Their last saved answer in the round.
    pub last_activity: Option<NaiveDateTime>,
    /// When their last invitation was queued.
    pub last_invitation: Option<NaiveDateTime>,
    /// When their last reminder was queued.
    pub last_reminder: Option<NaiveDateTime>,
}

/// The monitor of one round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundMonitor {
    /// Study short name.
    pub slug: String,
    /// Study title.
    pub title: String,
    /// Round number.
    pub number: i32,
    /// Every round's number, for moving between them.
    pub rounds: Vec<i32>,
    /// Draft, open or closed.
    pub status: RoundStatus,
    /// The round's deadline.
    pub deadline: Option<NaiveDateTime>,
    /// Whether the caller may act (remind, extend, close).
    pub can_manage: bool,
    /// The study's minimum of valid ratings for a classification (per group under
    /// `every_group`).
    pub minimum: u32,
    /// The whole panel.
    pub overall: Response,
    /// Each stakeholder group with panellists invited to the round.
    pub groups: Vec<GroupResponse>,
    /// Each invited panellist, in pseudonym order.
    pub panellists: Vec<PanellistStatus>,
    /// Groups with no answers, or fewer than the minimum, in words.
    pub warnings: Vec<String>,
}

/// The monitor of round `number` of the study `slug` (the latest round when `None`).
pub fn monitor(
    app: &App,
    actor: &Actor,
    slug: &str,
    number: Option<i32>,
) -> Result<RoundMonitor, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Read)?;
        let all_rounds = rounds::for_study(conn, &study.id)?;
        let round = match number {
            Some(n) => all_rounds.iter().find(|r| r.number == n),
            None => all_rounds.last(),
        }
        .cloned()
        .ok_or_else(|| match number {
            Some(n) => AppError::NotFound(format!("this study has no round {n}")),
            None => AppError::NotFound("no round has opened yet".to_owned()),
        })?;
        let settings = crate::studies::settings_of(&study)?;
        let mut monitor = build(conn, &study, &round, &settings)?;
        monitor.rounds = all_rounds.iter().map(|r| r.number).collect();
        monitor.can_manage = grant.may_manage();
        Ok(monitor)
    })
}

fn build(
    conn: &mut DbConnection,
    study: &studies::StudyRow,
    round: &rounds::RoundRow,
    settings: &delphi_core::StudySettings,
) -> Result<RoundMonitor, AppError> {
    let groups = studies::groups(conn, &study.id)?;
    let people: HashMap<String, panellists::PanellistRow> = panellists::for_study(conn, &study.id)?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut mail: HashMap<String, (Option<NaiveDateTime>, Option<NaiveDateTime>)> = HashMap::new();
    for fact in outbox::facts_for_study(conn, &study.id)? {
        let Some(who) = fact.panellist_id else {
            continue;
        };
        let entry = mail.entry(who).or_default();
        match fact.kind {
            MailKind::Invitation | MailKind::RoundOpened => entry.0 = Some(fact.created_at),
            MailKind::Reminder => entry.1 = Some(fact.created_at),
            _ => {}
        }
    }
    let group_of: HashMap<&str, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.id.as_str(), i))
        .collect();
    let mut overall = Response::default();
    let mut by_group = vec![Response::default(); groups.len()];
    let mut statuses = Vec::new();
    let counting = settings.counting;
    for participation in rounds::participations(conn, &round.id)? {
        let Some(person) = people.get(&participation.panellist_id) else {
            continue;
        };
        let g = group_of.get(person.group_id.as_str()).copied();
        // Kept on the participation by every save (not a scan of the round's answers).
        let last_activity = participation.last_saved_at;
        let withdrawn = person.withdrawn_at.is_some();
        let submitted = participation.submitted_at.is_some();
        let started = last_activity.is_some();
        let counts = started
            && (submitted || counting.unsubmitted)
            && !(withdrawn && counting.withdrawn == delphi_core::settings::WithdrawnAnswers::Drop);
        let state = if withdrawn {
            ParticipationState::Withdrawn
        } else if submitted {
            ParticipationState::Submitted
        } else if started {
            ParticipationState::Started
        } else if person.consented_at.is_some() {
            ParticipationState::Consented
        } else if participation.opened_at.is_some() {
            ParticipationState::Opened
        } else {
            ParticipationState::Invited
        };
        for response in std::iter::once(&mut overall).chain(g.map(|g| &mut by_group[g])) {
            response.invited += 1;
            response.opened += usize::from(participation.opened_at.is_some());
            response.consented += usize::from(person.consented_at.is_some());
            response.started += usize::from(started);
            response.submitted += usize::from(submitted);
            response.withdrawn += usize::from(withdrawn);
            response.counting += usize::from(counts);
        }
        let (last_invitation, last_reminder) = mail.get(&person.id).copied().unwrap_or_default();
        statuses.push(PanellistStatus {
            pseudonym: person.pseudonym.clone(),
            group: g.map(|g| groups[g].code.clone()).unwrap_or_default(),
            state,
            last_activity,
            last_invitation,
            last_reminder,
        });
    }
    statuses.sort_by(|a, b| a.pseudonym.cmp(&b.pseudonym));
    let minimum = settings.consensus.min_n_for_classification;
    let mut warnings = Vec::new();
    let mut group_responses = Vec::new();
    for (group, response) in groups.iter().zip(by_group) {
        if response.invited == 0 {
            continue;
        }
        if response.counting == 0 {
            warnings.push(format!("{} ({}): no answers yet.", group.name, group.code));
        } else if response.counting < minimum as usize {
            warnings.push(format!(
                "{} ({}): {} answers so far, fewer than the study's minimum of {minimum}.",
                group.name, group.code, response.counting
            ));
        }
        group_responses.push(GroupResponse {
            code: group.code.clone(),
            name: group.name.clone(),
            response: response.finish(),
        });
    }
    Ok(RoundMonitor {
        slug: study.slug.clone(),
        title: study.title.clone(),
        number: round.number,
        rounds: Vec::new(),
        status: round.status,
        deadline: round.deadline,
        can_manage: false,
        minimum,
        overall: overall.finish(),
        groups: group_responses,
        panellists: statuses,
        warnings,
    })
}
