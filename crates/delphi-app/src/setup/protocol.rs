//! A study's settings and its protocol lock. Opening round 1 stamps `rule_locked_at`; from
//! then on the scale cannot change (panellists rated on it), and a change to the consensus,
//! stopping or counting rules is an amendment: refused without a reason, otherwise stored
//! with the settings before and after, audited, and carried into the report. Closed rounds
//! keep the classification stored when they closed (results are never recomputed).
//!
//! The preview classifies the latest closed round's answers under a draft rule, or, before
//! any round closed, a simulated panel.

use delphi_core::states::Verdict;
use delphi_core::{Classifier, RuleInput, StudySettings};
use delphi_stats::Histogram;
use delphi_store::amendments::{self, AmendmentRow};
use delphi_store::{items, panellists, read_tx, responses, rounds, studies, write_tx};
use serde::Serialize;

use crate::access::{self, Actor, Permission};
use crate::{audit, App, AppError};

/// One amendment as the settings page and the audit log show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AmendmentLine {
    /// When (`1 Dec 2026 10:00 UTC`).
    pub at: String,
    /// Who.
    pub by: String,
    /// What changed.
    pub summary: String,
    /// Why.
    pub reason: String,
}

/// A study's settings as the settings page shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingsView {
    /// Short name.
    pub slug: String,
    /// Title.
    pub title: String,
    /// The settings in force.
    pub settings: StudySettings,
    /// When round 1 locked the protocol, if it has.
    pub locked_at: Option<String>,
    /// Whether the caller may change them.
    pub can_manage: bool,
    /// Changes after the lock, oldest first.
    pub amendments: Vec<AmendmentLine>,
    /// The audit log's entries about the protocol (settings saved, amendments, round 1
    /// opening), newest first.
    pub audit: Vec<AuditLine>,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditLine {
    /// When.
    pub at: String,
    /// Who.
    pub by: String,
    /// What, e.g. `protocol.amended`.
    pub action: String,
    /// Details as recorded (JSON).
    pub detail: String,
}

/// The audit actions the settings page shows.
const PROTOCOL_ACTIONS: [&str; 3] = ["settings.changed", "protocol.amended", "round.opened"];

fn when(at: chrono::NaiveDateTime) -> String {
    at.format("%-d %b %Y %H:%M UTC").to_string()
}

/// The settings page of a study.
pub fn view(app: &App, actor: &Actor, slug: &str) -> Result<SettingsView, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Read)?;
        let amendments = amendments::for_study(conn, &study.id)?
            .into_iter()
            .map(|a| AmendmentLine {
                at: when(a.made_at),
                by: a.made_by,
                summary: a.summary,
                reason: a.reason,
            })
            .collect();
        let mut audit: Vec<AuditLine> = delphi_store::audit::for_study(conn, &study.id)?
            .into_iter()
            .filter(|a| PROTOCOL_ACTIONS.contains(&a.action.as_str()))
            .map(|a| AuditLine {
                at: when(a.created_at),
                by: a.actor,
                action: a.action,
                detail: a.detail,
            })
            .collect();
        audit.reverse();
        Ok(SettingsView {
            audit,
            settings: crate::studies::settings_of(&study)?,
            locked_at: study.rule_locked_at.map(when),
            can_manage: grant.may_manage(),
            slug: study.slug,
            title: study.title,
            amendments,
        })
    })
}

/// One amendment as the report's protocol records it (`delphi_report::Amendment`: when, what
/// changed, why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AmendmentRecord {
    /// When (UTC).
    pub at: chrono::DateTime<chrono::Utc>,
    /// What changed, in words.
    pub change: String,
    /// Why.
    pub reason: String,
}

/// A study's amendments, oldest first, for the report and the exports.
pub fn amendments(app: &App, actor: &Actor, slug: &str) -> Result<Vec<AmendmentRecord>, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Read)?;
        Ok(amendments::for_study(conn, &study.id)?
            .into_iter()
            .map(|a| AmendmentRecord {
                at: a.made_at.and_utc(),
                change: a.summary,
                reason: a.reason,
            })
            .collect())
    })
}

/// The protocol parts that differ between two settings, in words (empty: none).
pub fn protocol_changes(before: &StudySettings, after: &StudySettings) -> Vec<String> {
    let mut changes = Vec::new();
    let (b, a) = (&before.consensus, &after.consensus);
    if b.consensus_in != a.consensus_in {
        changes.push(format!(
            "consensus in: {:?} became {:?}",
            b.consensus_in, a.consensus_in
        ));
    }
    if b.consensus_out != a.consensus_out {
        let show = |r: &Option<String>| r.clone().unwrap_or_else(|| "(none)".to_owned());
        changes.push(format!(
            "consensus out: {:?} became {:?}",
            show(&b.consensus_out),
            show(&a.consensus_out)
        ));
    }
    if b.preset != a.preset {
        let show = |p: &Option<String>| p.clone().unwrap_or_else(|| "written out".to_owned());
        changes.push(format!(
            "preset: {} became {}",
            show(&b.preset),
            show(&a.preset)
        ));
    }
    if b.min_n_for_classification != a.min_n_for_classification {
        changes.push(format!(
            "minimum ratings to classify: {} became {}",
            b.min_n_for_classification, a.min_n_for_classification
        ));
    }
    if b.quantile_type != a.quantile_type {
        changes.push(format!(
            "quantile type: {} became {}",
            b.quantile_type, a.quantile_type
        ));
    }
    if b.short_groups != a.short_groups {
        changes.push(format!(
            "groups short of answers: {:?} became {:?}",
            b.short_groups, a.short_groups
        ));
    }
    if before.stopping != after.stopping {
        changes.push(format!(
            "stopping rule: {:?} became {:?}",
            before.stopping, after.stopping
        ));
    }
    if before.counting != after.counting {
        changes.push(format!(
            "which answers count: {:?} became {:?}",
            before.counting, after.counting
        ));
    }
    changes
}

/// What [`update`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Updated {
    /// Nothing differed.
    Unchanged,
    /// Saved (before the lock, or only unlocked settings changed).
    Saved,
    /// Saved as an amendment of the locked protocol.
    Amended(String),
}

/// Saves a study's settings. After the lock the scale is refused outright and a change to the
/// rules needs `reason` (it becomes an amendment).
pub fn update(
    app: &App,
    actor: &Actor,
    slug: &str,
    settings: &StudySettings,
    reason: &str,
) -> Result<Updated, AppError> {
    if let Err(problems) = settings.validate() {
        let text: Vec<String> = problems.iter().map(|p| p.0.clone()).collect();
        return Err(AppError::invalid("settings", text.join("; ")));
    }
    let reason = delphi_core::text::clean(delphi_core::text::TextKind::Reason, reason)
        .map_err(|e| AppError::invalid("reason", e.0))?;
    let json = serde_json::to_string(settings)
        .map_err(|e| AppError::Internal(format!("settings do not serialise: {e}")))?;
    let mut conn = app.conn()?;
    write_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Manage)?;
        let before = crate::studies::settings_of(&study)?;
        if &before == settings {
            return Ok(Updated::Unchanged);
        }
        let now = delphi_store::now();
        let mut outcome = Updated::Saved;
        if study.rule_locked_at.is_some() {
            if before.scale != settings.scale || before.unable_to_rate != settings.unable_to_rate {
                return Err(AppError::Conflict(
                    "the scale is locked: panellists have rated on it since round 1 opened"
                        .to_owned(),
                ));
            }
            let changes = protocol_changes(&before, settings);
            if !changes.is_empty() {
                if reason.is_empty() {
                    return Err(AppError::invalid(
                        "reason",
                        format!(
                            "the protocol was locked when round 1 opened: this change ({}) is an amendment and needs a reason",
                            changes.join("; ")
                        ),
                    ));
                }
                let summary = changes.join("; ");
                amendments::insert(
                    conn,
                    &AmendmentRow {
                        id: crate::new_id(),
                        study_id: study.id.clone(),
                        made_at: now,
                        made_by: grant.label.clone(),
                        summary: summary.clone(),
                        reason: reason.clone(),
                        settings_before: study.settings.clone(),
                        settings_after: json.clone(),
                    },
                )?;
                audit::record(
                    conn,
                    &study.id,
                    &grant.label,
                    "protocol.amended",
                    serde_json::json!({"change": summary, "reason": reason}),
                )?;
                outcome = Updated::Amended(summary);
            }
        }
        studies::set_settings(conn, &study.id, &json, now)?;
        audit::record(
            conn,
            &study.id,
            &grant.label,
            "settings.changed",
            serde_json::json!({}),
        )?;
        Ok(outcome)
    })
}

/// One item of a preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewLine {
    /// Code.
    pub code: String,
    /// Words.
    pub text: String,
    /// How the draft rule classifies it.
    pub verdict: Verdict,
    /// Ratings counted.
    pub n: u64,
}

/// How a draft rule would classify a study's items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// What was classified: `round 2's answers` or `a simulated panel`.
    pub source: String,
    /// Per item.
    pub lines: Vec<PreviewLine>,
    /// In, out, neither, not classified.
    pub tally: [usize; 4],
}

/// The whole panel's histogram and each group's.
type Histograms = (Histogram, Vec<Histogram>);

/// A simulated item `index`: `per_group` ratings in each of `groups`, centred differently per
/// item so the classes show (a fixed sequence: the same preview every time).
fn simulated(index: usize, min: i32, max: i32, groups: usize, per_group: usize) -> Histograms {
    let span = i64::from(max) - i64::from(min);
    let mut state = (index as u64)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1);
    let centre = i64::from(min) + (span * ((index as i64 * 7) % 10)) / 9;
    let mut overall = Histogram::new(min, max);
    let by_group = (0..groups)
        .map(|_| {
            let mut h = Histogram::new(min, max);
            for _ in 0..per_group {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let jitter = ((state >> 33) % 3) as i64 - 1;
                let rating = (centre + jitter).clamp(i64::from(min), i64::from(max)) as i32;
                h.add(rating);
                overall.add(rating);
            }
            h
        })
        .collect();
    (overall, by_group)
}

/// Classifies the latest closed round's answers (or a simulated panel) under `draft`.
pub fn preview(
    app: &App,
    actor: &Actor,
    slug: &str,
    draft: &delphi_core::settings::ConsensusSettings,
) -> Result<Preview, AppError> {
    let classifier =
        Classifier::new(draft).map_err(|e| AppError::invalid("consensus_in", e.to_string()))?;
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, _) = access::study(conn, actor, slug, Permission::Read)?;
        let settings = crate::studies::settings_of(&study)?;
        let (min, max) = (settings.scale.min, settings.scale.max);
        let groups = studies::groups(conn, &study.id)?;
        let codes: Vec<String> = groups.iter().map(|g| g.code.clone()).collect();
        let study_items = items::for_study(conn, &study.id)?;
        let closed = rounds::for_study(conn, &study.id)?
            .into_iter()
            .rev()
            .find(|r| r.status == delphi_core::lifecycle::RoundStatus::Closed);
        let mut inputs: Vec<(String, String, Histograms)> = Vec::new();
        let source = match &closed {
            Some(round) => {
                let group_of: std::collections::HashMap<String, usize> =
                    panellists::for_study(conn, &study.id)?
                        .into_iter()
                        .filter_map(|p| {
                            groups
                                .iter()
                                .position(|g| g.id == p.group_id)
                                .map(|g| (p.id, g))
                        })
                        .collect();
                let mut by_item: std::collections::HashMap<String, Histograms> =
                    std::collections::HashMap::new();
                for (item_id, panellist_id, rating, utr) in
                    responses::ratings_for_round(conn, &round.id)?
                {
                    let Some(&g) = group_of.get(&panellist_id) else {
                        continue;
                    };
                    let (overall, hs) = by_item.entry(item_id).or_insert_with(|| {
                        let empty = Histogram::new(min, max);
                        (empty.clone(), vec![empty; groups.len()])
                    });
                    match (rating, utr) {
                        (Some(v), _) => {
                            overall.add(v);
                            hs[g].add(v);
                        }
                        (None, true) => {
                            overall.add_unable_to_rate();
                            hs[g].add_unable_to_rate();
                        }
                        _ => {}
                    }
                }
                for item in &study_items {
                    if let Some(hs) = by_item.remove(&item.id) {
                        inputs.push((item.code.clone(), item.text.clone(), hs));
                    }
                }
                format!("round {}'s answers", round.number)
            }
            None => {
                for (index, item) in study_items.iter().enumerate() {
                    let hs = simulated(index, min, max, groups.len(), 8);
                    inputs.push((item.code.clone(), item.text.clone(), hs));
                }
                if study_items.is_empty() {
                    for index in 0..6 {
                        let hs = simulated(index, min, max, groups.len(), 8);
                        inputs.push((format!("S{}", index + 1), "A simulated item".to_owned(), hs));
                    }
                }
                "a simulated panel (8 answers per group)".to_owned()
            }
        };
        let mut tally = [0; 4];
        let lines = inputs
            .into_iter()
            .map(|(code, text, (overall, hs))| {
                let input = RuleInput {
                    groups: codes.iter().cloned().zip(hs).collect(),
                    overall,
                    quantile_type: settings.quantile_type(),
                };
                let verdict = classifier.classify(&input).verdict();
                tally[match verdict {
                    Verdict::In => 0,
                    Verdict::Out => 1,
                    Verdict::None => 2,
                    Verdict::NotClassified => 3,
                }] += 1;
                PreviewLine {
                    code,
                    text,
                    verdict,
                    n: input.overall.n_valid(),
                }
            })
            .collect();
        Ok(Preview {
            source,
            lines,
            tally,
        })
    })
}
