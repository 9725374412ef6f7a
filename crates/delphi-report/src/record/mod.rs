//! [`StudyRecord`]: everything the exports and the consensus report read, as plain serde
//! structs. The application fills it from the database; the renderers only read it.
//!
//! Panellists appear by **pseudonym only**. Names and addresses live in
//! [`StudyRecord::contacts`], which only an owner's explicit request fills, which no
//! serialisation writes, and which only [`crate::export::write_contacts_csv`] exports.
//!
//! What the platform does not record yet (background questions, the reasons items were
//! dropped...) is an empty collection or `None`; every output says "not recorded" instead of
//! failing. The protocol's amendments (changes after the lock, with their reasons) are
//! carried from the `amendments` table into [`Protocol::amendments`].

mod check;

use chrono::{DateTime, Utc};
use delphi_core::states::{
    CommentDecision, Disposition, ItemOrigin, ItemStatus, RoundStatus, StudyStatus,
};
use delphi_core::{StoredResult, StudySettings};
use serde::{Deserialize, Serialize};

pub use check::{FastMap, RecordIndex, RecordProblem};

/// The group code of whole-panel results (`ALL`).
pub use delphi_core::results::WHOLE_PANEL;

/// A whole study as the exports and the report see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyRecord {
    /// Title, team, ethics and registration.
    pub study: StudyInfo,
    /// Scale, bands, "unable to rate", consensus and stopping rules, feedback.
    pub settings: StudySettings,
    /// When the consensus definition was fixed, and what changed after.
    pub protocol: Protocol,
    /// The software that ran the study.
    pub software: Software,
    /// When this record was read from the database (shown on the report's first page).
    pub generated_at: DateTime<Utc>,
    /// Stakeholder groups, in their display order.
    pub groups: Vec<Group>,
    /// The panel, by pseudonym.
    pub panellists: Vec<Panellist>,
    /// Every item the study ever had, in the study's order.
    pub items: Vec<Item>,
    /// Every round, in number order.
    pub rounds: Vec<Round>,
    /// Every saved answer (one per round × item × panellist).
    pub responses: Vec<Response>,
    /// The results stored when each round closed, per round × item × group.
    pub results: Vec<RoundResult>,
    /// The researchers' decisions on comments.
    pub moderation: Vec<Moderation>,
    /// Names and addresses, filled only on an owner's explicit request. Never serialised:
    /// [`crate::export::write_contacts_csv`] is the one way out.
    #[serde(default, skip_serializing)]
    pub contacts: Option<Vec<Contact>>,
}

/// The study itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyInfo {
    /// Title.
    pub title: String,
    /// Short name in addresses, e.g. `splw-leadership`.
    pub slug: String,
    /// The description panellists read.
    pub description: String,
    /// Draft, running or completed.
    pub status: StudyStatus,
    /// Who runs it.
    pub team: ResearchTeam,
    /// The research ethics committee's reference, when recorded.
    pub ethics_reference: Option<String>,
    /// The protocol's registry identifier (e.g. on COMET or OSF), when recorded.
    pub registry_id: Option<String>,
}

/// The research team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResearchTeam {
    /// The team's or lead researcher's name.
    pub name: Option<String>,
    /// Institution.
    pub institution: Option<String>,
    /// A contact (address or page) for the study, as the team publishes it.
    pub contact: Option<String>,
}

/// The protocol's consensus definition: when it was fixed and how it changed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// When the consensus rule was locked (normally when round 1 opened).
    pub locked_at: Option<DateTime<Utc>>,
    /// Changes after the lock, oldest first.
    pub amendments: Vec<Amendment>,
}

/// One change to the protocol after it was locked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// What changed, in words.
    pub change: String,
    /// Why.
    pub reason: String,
}

/// The software that ran the study (ACCORD-SR 2.12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Software {
    /// Name, e.g. `delphi`.
    pub name: String,
    /// Version, e.g. `0.1.0`.
    pub version: String,
}

/// A stakeholder group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Code used in files, e.g. `link_workers`.
    pub code: String,
    /// Name shown to people, e.g. `Link workers`.
    pub name: String,
    /// Display order (lowest first).
    pub position: i32,
}

/// One panellist, by pseudonym.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panellist {
    /// The pseudonym used in every export, e.g. `P017`.
    pub pseudonym: String,
    /// Stakeholder group code.
    pub group: String,
    /// When they consented, if they did.
    pub consented_at: Option<DateTime<Utc>>,
    /// When they withdrew, if they did.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Answers to background questions (empty when none were asked).
    #[serde(default)]
    pub background: Vec<BackgroundAnswer>,
}

/// One answer to a background question (role, years of experience...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackgroundAnswer {
    /// The question as asked.
    pub question: String,
    /// The answer as given.
    pub answer: String,
}

/// One item (statement) of the study.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Code, e.g. `P3`. A reworded item has its own code.
    pub code: String,
    /// The words panellists saw.
    pub text: String,
    /// Section, e.g. `Patient level`.
    pub section: String,
    /// Seeded, added or reworded.
    pub origin: ItemOrigin,
    /// The round it was added in (added and reworded items).
    pub origin_round: Option<i32>,
    /// The code of the item it rewords.
    pub replaces: Option<String>,
    /// What changed and why, as the researcher wrote it.
    pub change_note: Option<String>,
    /// Active, retired, replaced or dropped.
    pub status: ItemStatus,
    /// Why it was retired or dropped, when recorded.
    pub status_reason: Option<String>,
}

/// One round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Round {
    /// 1, 2, 3...
    pub number: i32,
    /// Draft, open or closed.
    pub status: RoundStatus,
    /// When it opened.
    pub opened_at: Option<DateTime<Utc>>,
    /// When it closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// The deadline panellists were given.
    pub deadline: Option<DateTime<Utc>>,
    /// Reminder emails sent during the round.
    pub reminders_sent: u32,
    /// The items it asked, in page order.
    pub items: Vec<RoundItem>,
    /// Who was invited, and how far each came.
    pub participation: Vec<Participation>,
}

/// An item as one round asked it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundItem {
    /// Item code.
    pub code: String,
    /// New, carried, reworded or shown for information.
    pub disposition: Disposition,
    /// Position on the page (lowest first).
    pub position: i32,
}

/// One panellist's participation in one round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participation {
    /// Pseudonym.
    pub pseudonym: String,
    /// When the invitation was created.
    pub invited_at: DateTime<Utc>,
    /// When they first opened the round's page.
    pub opened_at: Option<DateTime<Utc>>,
    /// When they submitted.
    pub submitted_at: Option<DateTime<Utc>>,
}

/// One saved answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// Round number.
    pub round: i32,
    /// Item code.
    pub item: String,
    /// Pseudonym.
    pub pseudonym: String,
    /// The rating, when one was given.
    pub rating: Option<i32>,
    /// Whether the answer is "unable to rate" (then `rating` is `None`).
    pub unable_to_rate: bool,
    /// The panellist's comment.
    pub comment: Option<String>,
    /// The reason given for a rating far from the panel median.
    pub outlier_reason: Option<String>,
    /// When it was last saved.
    pub saved_at: DateTime<Utc>,
    /// When the panellist submitted the round, if they did.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Whether the study's counting rule counted it in the round's results.
    pub counted: bool,
}

/// The stored result of one round × item × group (`ALL` for the whole panel).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundResult {
    /// Round number.
    pub round: i32,
    /// Item code.
    pub item: String,
    /// Group code, or [`WHOLE_PANEL`].
    pub group: String,
    /// What closing the round stored.
    pub result: StoredResult,
}

/// A researcher's decision on one comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Moderation {
    /// Round number.
    pub round: i32,
    /// Item code.
    pub item: String,
    /// The commenter's pseudonym.
    pub pseudonym: String,
    /// Released or hidden.
    pub decision: CommentDecision,
    /// The text shown to the panel when it was released as edited.
    pub shown_text: Option<String>,
    /// The researcher who decided (display name, never an address).
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: DateTime<Utc>,
}

/// A panellist's name and address (only on an owner's explicit request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Pseudonym.
    pub pseudonym: String,
    /// Name, when given.
    pub name: Option<String>,
    /// Email address.
    pub email: String,
}

impl StudyRecord {
    /// Checks that every reference resolves (responses, results and rounds name known
    /// items, panellists and groups; answers are consistent) and builds the look-ups the
    /// renderers share. The error lists every problem, each naming where it is.
    pub fn index(&self) -> Result<RecordIndex<'_>, Vec<RecordProblem>> {
        RecordIndex::new(self)
    }

    /// The label of a scale point: the study's label, or the number when there is none.
    pub fn point_label(&self, point: i32) -> String {
        let scale = &self.settings.scale;
        usize::try_from(point - scale.min)
            .ok()
            .and_then(|i| scale.labels.get(i))
            .filter(|l| !l.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| point.to_string())
    }

    /// The scale's points, lowest first.
    pub fn points(&self) -> std::ops::RangeInclusive<i32> {
        self.settings.scale.min..=self.settings.scale.max
    }
}
