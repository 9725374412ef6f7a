//! A synthetic Delphi study as a [`StudyRecord`], deterministic for a seed: rounds that
//! converge, "unable to rate" answers, saved but unsubmitted (not counted) answers,
//! comment-only answers, withdrawals, retired, reworded, added and dropped items, and stored
//! results computed exactly as closing a round computes them (`describe_panel` for the
//! panel, `describe` per group, the study's `Classifier`).
//!
//! Shared by the tests, the benchmarks and the `sample_report` example (`#[path]`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use delphi_core::results::{Change, RuleInForce};
use delphi_core::settings::{ConsensusSettings, FeedbackSettings, OutlierReasonSettings};
use delphi_core::settings::{ScaleSettings, StoppingSettings, StudySettings};
use delphi_core::states::{
    CommentDecision, Disposition, ItemOrigin, ItemStatus, RoundStatus, StudyStatus,
};
use delphi_core::{Classifier, RuleInput, StoredResult};
use delphi_report::record::*;
use delphi_stats::{describe, describe_panel, Histogram};

/// The strings every hostile test plants.
pub const HOSTILE_COMMENT: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";
/// A comment a spreadsheet would run.
pub const HOSTILE_FORMULA: &str = "=HYPERLINK(\"http://evil\",\"x\")";
/// An item text that tries to break out of the page.
pub const HOSTILE_ITEM: &str = "</td></tr><script>alert('item')</script>";
/// A group name that tries the same.
pub const HOSTILE_GROUP: &str = "\"><img src=x onerror=alert('group')>";

/// The shape of the synthetic study.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub rounds: i32,
    pub items: usize,
    pub panellists: usize,
    pub groups: usize,
    pub seed: u64,
    /// Plant hostile text in an item, a group name and comments.
    pub hostile: bool,
}

impl Shape {
    /// A small study: 3 rounds, 12 items, 40 panellists, 3 groups.
    pub fn small() -> Self {
        Self {
            rounds: 3,
            items: 12,
            panellists: 40,
            groups: 3,
            seed: 7,
            hostile: false,
        }
    }

    /// The benchmark's study: 3 rounds × 100 items × 1,000 panellists × 5 groups.
    pub fn large() -> Self {
        Self {
            rounds: 3,
            items: 100,
            panellists: 1000,
            groups: 5,
            seed: 11,
            hostile: false,
        }
    }
}

/// SplitMix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// Roughly normal (sum of uniforms), mean 0, sd 1.
    fn normal(&mut self) -> f64 {
        (0..4).map(|_| self.unit()).sum::<f64>() * 3f64.sqrt() - 2.0 * 3f64.sqrt()
    }
}

const GROUPS: [(&str, &str); 5] = [
    ("link_workers", "Link workers"),
    ("managers", "Managers and supervisors"),
    ("commissioners", "Commissioners"),
    ("clinicians", "GPs and health professionals"),
    ("lived_experience", "People with lived experience"),
];
const SECTIONS: [&str; 3] = ["Patient level", "Organisational level", "Community level"];

fn at(day: i64, hour: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::days(day) + Duration::hours(hour)
}

/// The study's settings: 1–9, COMET in every group, type 7.
pub fn settings() -> StudySettings {
    let mut labels: Vec<String> = (1..=9).map(|p| p.to_string()).collect();
    labels[0] = "1 Not important".into();
    labels[2] = "3 Of limited importance".into();
    labels[5] = "6 Important but not critical".into();
    labels[8] = "9 Critical".into();
    StudySettings {
        scale: ScaleSettings {
            min: 1,
            max: 9,
            labels,
            agree: [7, 9],
            disagree: [1, 3],
        },
        unable_to_rate: true,
        consensus: ConsensusSettings::preset("comet_all_groups", 1, 9).unwrap(),
        stopping: StoppingSettings::default(),
        feedback: FeedbackSettings::default(),
        outlier_reason: Some(OutlierReasonSettings { distance: 3.0 }),
        later_round_invitations: Default::default(),
        counting: Default::default(),
        pages: Default::default(),
        open_questions: Default::default(),
        background: Vec::new(),
    }
}

/// Builds the record.
pub fn study(shape: Shape) -> StudyRecord {
    let mut rng = Rng(shape.seed);
    let settings = settings();
    let groups: Vec<Group> = (0..shape.groups)
        .map(|g| {
            let (code, name) = GROUPS.get(g).copied().unwrap_or(("group", "Group"));
            let code = if g < GROUPS.len() {
                code.to_owned()
            } else {
                format!("g{g}")
            };
            let name = if shape.hostile && g == 1 {
                HOSTILE_GROUP.to_owned()
            } else {
                name.to_owned()
            };
            Group {
                code,
                name,
                position: g as i32,
            }
        })
        .collect();
    let mut panellists: Vec<Panellist> = (0..shape.panellists)
        .map(|p| Panellist {
            pseudonym: format!("P{:04}", p + 1),
            group: groups[p % groups.len()].code.clone(),
            consented_at: Some(at(0, 2 + (p % 40) as i64)),
            withdrawn_at: None,
            background: if p % 2 == 0 {
                vec![BackgroundAnswer {
                    question: "Years in the role".into(),
                    answer: ["under 2", "2 to 5", "over 5"][p % 3].into(),
                }]
            } else {
                Vec::new()
            },
        })
        .collect();
    let mut items: Vec<Item> = (0..shape.items)
        .map(|i| Item {
            code: format!("{}{}", ["P", "O", "C"][i % 3], i / 3 + 1),
            text: if shape.hostile && i == 1 {
                HOSTILE_ITEM.to_owned()
            } else {
                format!(
                    "Candidate leadership capability number {} for link workers, in plain words.",
                    i + 1
                )
            },
            section: SECTIONS[i % 3].to_owned(),
            origin: ItemOrigin::Seeded,
            origin_round: None,
            replaces: None,
            change_note: None,
            status: ItemStatus::Active,
            status_reason: None,
        })
        .collect();
    // Each item's latent importance, and each panellist's leniency.
    let mut latent: Vec<f64> = (0..shape.items).map(|_| 3.5 + 5.0 * rng.unit()).collect();
    let lean: Vec<f64> = (0..shape.panellists).map(|_| 0.6 * rng.normal()).collect();
    let classifier = Classifier::new(&settings.consensus).unwrap();
    let cfg = settings.describe_config();
    let quantile = settings.quantile_type();
    let mut rounds = Vec::new();
    let mut responses = Vec::new();
    let mut results = Vec::new();
    let mut moderation = Vec::new();
    let mut asked: Vec<(usize, Disposition)> =
        (0..items.len()).map(|i| (i, Disposition::New)).collect();
    let mut invited: Vec<usize> = (0..shape.panellists).collect();
    let mut previous: HashMap<usize, (Option<f64>, Option<f64>, delphi_core::Verdict)> =
        HashMap::new();
    for number in 1..=shape.rounds {
        let open = at(i64::from(number - 1) * 21, 0);
        let close = open + Duration::days(14);
        let spread = 1.6 / f64::from(number);
        let mut participation = Vec::new();
        let mut submitted = Vec::new();
        let mut hist: HashMap<usize, (Histogram, Vec<Histogram>)> = HashMap::new();
        for &(i, d) in &asked {
            if d != Disposition::ForInformation {
                let empty = Histogram::new(1, 9);
                hist.insert(i, (empty.clone(), vec![empty; groups.len()]));
            }
        }
        for &p in &invited {
            let who = &mut panellists[p];
            let opened = rng.chance(0.95);
            let submits = opened && rng.chance(if number == 1 { 0.92 } else { 0.9 });
            if !submits && opened && number < shape.rounds && rng.chance(0.3) {
                who.withdrawn_at = Some(open + Duration::days(5));
            }
            let submitted_at = submits.then(|| open + Duration::hours(30 + (p % 200) as i64));
            participation.push(Participation {
                pseudonym: who.pseudonym.clone(),
                invited_at: open,
                opened_at: opened.then(|| open + Duration::hours(3 + (p % 50) as i64)),
                submitted_at,
            });
            if !opened {
                continue;
            }
            if submits {
                submitted.push(p);
            }
            let g = p % groups.len();
            for &(i, d) in &asked {
                if d == Disposition::ForInformation || (!submits && !rng.chance(0.4)) {
                    continue;
                }
                let utr = rng.chance(0.03);
                let comment_only = !utr && rng.chance(0.005);
                let rating = (!utr && !comment_only).then(|| {
                    (latent[i] + lean[p] + spread * rng.normal())
                        .round()
                        .clamp(1.0, 9.0) as i32
                });
                let comment = if comment_only || rng.chance(0.04) {
                    Some(match (shape.hostile, p % 3) {
                        (true, 0) => HOSTILE_COMMENT.to_owned(),
                        (true, 1) => HOSTILE_FORMULA.to_owned(),
                        _ => format!("A comment on {} from round {number}.", items[i].code),
                    })
                } else {
                    None
                };
                if let (Some(text), true) = (&comment, submits) {
                    if rng.chance(0.7) {
                        moderation.push(Moderation {
                            round: number,
                            item: items[i].code.clone(),
                            pseudonym: panellists[p].pseudonym.clone(),
                            decision: if rng.chance(0.8) {
                                CommentDecision::Released
                            } else {
                                CommentDecision::Hidden
                            },
                            shown_text: rng.chance(0.1).then(|| format!("Edited: {}", text.len())),
                            decided_by: Some("Lead researcher".into()),
                            decided_at: close + Duration::hours(2),
                        });
                    }
                }
                if submits {
                    let (all, by_group) = hist.get_mut(&i).unwrap();
                    match rating {
                        Some(v) => {
                            all.add(v);
                            by_group[g].add(v);
                        }
                        None if utr => {
                            all.add_unable_to_rate();
                            by_group[g].add_unable_to_rate();
                        }
                        None => {}
                    }
                }
                responses.push(Response {
                    round: number,
                    item: items[i].code.clone(),
                    pseudonym: panellists[p].pseudonym.clone(),
                    rating,
                    unable_to_rate: utr,
                    outlier_reason: rating
                        .filter(|&v| (f64::from(v) - latent[i]).abs() > 3.0)
                        .map(|_| "My experience differs.".to_owned()),
                    comment,
                    saved_at: open + Duration::hours(20 + (p % 100) as i64),
                    submitted_at,
                    counted: submits,
                });
            }
        }
        // Close: the stored results, exactly as delphi-app's closing computes them.
        let mut verdicts = HashMap::new();
        for &(i, d) in &asked {
            if d == Disposition::ForInformation {
                continue;
            }
            let (all, by_group) = hist.remove(&i).unwrap();
            let stats = describe_panel(&all, &cfg);
            let group_stats: Vec<_> = by_group.iter().map(|h| describe(h, &cfg)).collect();
            let input = RuleInput {
                overall: all.clone(),
                groups: groups
                    .iter()
                    .map(|g| g.code.clone())
                    .zip(by_group.iter().cloned())
                    .collect(),
                quantile_type: quantile,
            };
            let classification = classifier.classify(&input);
            let (_, _, iqr) = stats.quartiles(quantile);
            let earlier = previous.get(&i).or_else(|| {
                let old = items[i].replaces.as_ref()?;
                previous.get(&items.iter().position(|x| &x.code == old)?)
            });
            let change = earlier.map(|&(median, prior_iqr, verdict)| Change {
                previous_round: number - 1,
                delta_median: stats.median.zip(median).map(|(a, b)| a - b),
                delta_iqr: iqr.zip(prior_iqr).map(|(a, b)| a - b),
                previous_classification: Some(verdict),
            });
            verdicts.insert(i, (stats.median, iqr, classification.verdict()));
            results.push(RoundResult {
                round: number,
                item: items[i].code.clone(),
                group: WHOLE_PANEL.to_owned(),
                result: StoredResult {
                    comet_all_groups: delphi_stats::comet::all_groups(
                        group_stats.iter().map(|s| s.comet),
                    ),
                    statistics: stats,
                    quantile_type: quantile.number(),
                    classification: Some(classification),
                    rule: Some(RuleInForce {
                        consensus_in: settings.consensus.consensus_in.clone(),
                        consensus_out: settings.consensus.consensus_out.clone(),
                    }),
                    change,
                    answers: None,
                    short_groups: Vec::new(),
                    stability: None,
                    round_concordance: None,
                },
            });
            for (group, statistics) in groups.iter().zip(group_stats) {
                results.push(RoundResult {
                    round: number,
                    item: items[i].code.clone(),
                    group: group.code.clone(),
                    result: StoredResult {
                        statistics,
                        quantile_type: quantile.number(),
                        classification: None,
                        rule: None,
                        comet_all_groups: None,
                        change: None,
                        answers: None,
                        short_groups: Vec::new(),
                        stability: None,
                        round_concordance: None,
                    },
                });
            }
        }
        rounds.push(Round {
            number,
            status: RoundStatus::Closed,
            opened_at: Some(open),
            closed_at: Some(close),
            deadline: Some(close - Duration::hours(9)),
            reminders_sent: (invited.len() / 3) as u32,
            items: asked
                .iter()
                .enumerate()
                .map(|(k, &(i, d))| RoundItem {
                    code: items[i].code.clone(),
                    disposition: d,
                    position: k as i32,
                })
                .collect(),
            participation,
        });
        previous = verdicts.clone();
        // Plan the next round: retire consensus, reword one, drop one, add one; carry the rest.
        if number == shape.rounds {
            break;
        }
        let mut next = Vec::new();
        let mut reworded = false;
        let mut dropped = false;
        for &(i, d) in &asked {
            if d == Disposition::ForInformation {
                continue;
            }
            match verdicts.get(&i).map(|v| v.2) {
                Some(v) if v.is_resolved() => {
                    items[i].status = ItemStatus::Retired;
                    items[i].status_reason =
                        Some(format!("consensus {} in round {number}", v.as_str()));
                }
                _ if !reworded => {
                    reworded = true;
                    items[i].status = ItemStatus::Replaced;
                    let code = format!("{}r{number}", items[i].code);
                    items.push(Item {
                        code,
                        text: format!("{} (reworded after round {number})", items[i].text),
                        section: items[i].section.clone(),
                        origin: ItemOrigin::Reworded,
                        origin_round: Some(number + 1),
                        replaces: Some(items[i].code.clone()),
                        change_note: Some("Clearer wording suggested in comments.".into()),
                        status: ItemStatus::Active,
                        status_reason: None,
                    });
                    latent.push(latent[i] + 1.0);
                    next.push((items.len() - 1, Disposition::Reworded));
                }
                _ if !dropped => {
                    dropped = true;
                    items[i].status = ItemStatus::Dropped;
                    items[i].status_reason = Some("Overlaps with another item.".into());
                }
                _ => {
                    latent[i] += 0.4 * (if latent[i] > 5.0 { 1.0 } else { -1.0 });
                    next.push((i, Disposition::Carried));
                }
            }
        }
        items.push(Item {
            code: format!("N{number}"),
            text: format!("A capability suggested by panellists in round {number}."),
            section: SECTIONS[number as usize % 3].to_owned(),
            origin: ItemOrigin::Added,
            origin_round: Some(number + 1),
            replaces: None,
            change_note: None,
            status: ItemStatus::Active,
            status_reason: None,
        });
        latent.push(7.8);
        next.push((items.len() - 1, Disposition::New));
        asked = next;
        invited = submitted
            .into_iter()
            .filter(|&p| panellists[p].withdrawn_at.is_none())
            .collect();
    }
    StudyRecord {
        study: StudyInfo {
            title: "Leadership for social prescribing link workers".into(),
            slug: "splw-leadership".into(),
            description: "A synthetic three-round Delphi of candidate leadership capabilities."
                .into(),
            status: StudyStatus::Completed,
            team: ResearchTeam {
                name: Some("SPLW leadership study team".into()),
                institution: None,
                contact: None,
            },
            ethics_reference: Some("REC 26/EX/0001".into()),
            registry_id: None,
        },
        settings,
        protocol: Protocol {
            locked_at: Some(at(0, -1)),
            amendments: vec![Amendment {
                at: at(20, 0),
                change: "Round 2 deadline extended by two days.".into(),
                reason: "School holidays in one region.".into(),
            }],
        },
        software: Software {
            name: "delphi".into(),
            version: "0.1.0".into(),
        },
        generated_at: at(70, 0),
        groups,
        panellists,
        items,
        rounds,
        responses,
        results,
        moderation,
        contacts: None,
    }
}
