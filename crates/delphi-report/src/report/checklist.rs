//! The reporting-guideline items (ACCORD, DELPHISTAR, COS-STAR, as mapped in REPORTING.md):
//! what the platform filled from its records and where, and what the authors must write.
//! The item numbers are those REPORTING.md cites; none is invented here.

use delphi_core::states::{CommentDecision, ItemOrigin, ItemStatus};
use serde::Serialize;

use super::summary::lock_status;
use crate::record::RecordIndex;

/// How much of an item the platform can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fill {
    /// From the records.
    Yes,
    /// Partly; the rest is the authors'.
    Partly,
    /// The authors'.
    No,
}

#[derive(Serialize)]
pub(super) struct Row {
    content: &'static str,
    items: &'static str,
    status: &'static str,
    class: &'static str,
    value: String,
    section: Option<&'static str>,
    section_title: &'static str,
    authors: Option<&'static str>,
}

/// What `report/checklist.html` shows.
#[derive(Serialize)]
pub(super) struct ChecklistContext {
    rows: Vec<Row>,
    for_authors: Vec<String>,
}

/// (report content, guideline items, fill, value, section anchor, what the authors add).
type Line = (
    &'static str,
    &'static str,
    Fill,
    String,
    Option<&'static str>,
    Option<&'static str>,
);

fn or_missing(value: Option<&String>) -> String {
    value
        .filter(|v| !v.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| "not recorded".to_owned())
}

pub(super) fn context(index: &RecordIndex<'_>) -> ChecklistContext {
    let record = index.record;
    let st = &record.study;
    let origin = |o: ItemOrigin| record.items.iter().filter(|i| i.origin == o).count();
    let status = |s: ItemStatus| record.items.iter().filter(|i| i.status == s).count();
    let first_round = record.rounds.iter().min_by_key(|r| r.number);
    let invited_first = first_round.map_or(0, |r| r.participation.len());
    let items_first = first_round.map_or(0, |r| r.items.len());
    let comments = record
        .responses
        .iter()
        .filter(|r| r.comment.as_deref().is_some_and(|c| !c.trim().is_empty()))
        .count();
    let decided = |d: CommentDecision| record.moderation.iter().filter(|m| m.decision == d).count();
    let background = record.panellists.iter().any(|p| !p.background.is_empty());
    let fb = &record.settings.feedback;
    let shown: Vec<&str> = [
        (fb.own_previous, "own previous rating"),
        (fb.median_iqr, "panel median and IQR"),
        (fb.distribution, "distribution"),
        (fb.group_medians, "per-group medians"),
        (fb.status, "consensus status"),
        (fb.comments, "released comments"),
    ]
    .into_iter()
    .filter_map(|(on, what)| on.then_some(what))
    .collect();
    use Fill::{No, Partly, Yes};
    let rows: Vec<Line> = vec![
        ("Method named; why Delphi", "ACCORD title and introduction; DELPHISTAR title, context", No,
         "The study's description is in the summary.".to_owned(), Some("summary"),
         Some("Name the method in the title and explain why a Delphi was chosen.")),
        ("Protocol or registration", "COS-STAR 4", Partly,
         format!("Registry id: {}.", or_missing(st.registry_id.as_ref())), Some("summary"),
         Some("Cite the protocol.")),
        ("Stakeholder groups, eligibility, how panellists were identified and invited, number invited",
         "COS-STAR 5; COS-STAD stakeholders", Partly,
         format!("{} stakeholder groups; {invited_first} invited to round 1 (per group in the flow table).", record.groups.len()),
         Some("participants"), Some("Describe eligibility and how panellists were identified and recruited.")),
        ("Where the first list of items came from; round 0", "COS-STAR 6a; ACCORD-SR 2.1", Partly,
         format!("{} items in the initial list, {} added, {} rewordings.", origin(ItemOrigin::Seeded), origin(ItemOrigin::Added), origin(ItemOrigin::Reworded)),
         Some("ledger"), Some("Describe the sources of the initial list (literature, interviews, round 0).")),
        ("Items dropped, combined or reworded between rounds, with reasons", "COS-STAR 6b; ACCORD-SR 3.5", Yes,
         format!("{} reworded, {} dropped, {} retired after consensus, with the recorded reasons.", status(ItemStatus::Replaced), status(ItemStatus::Dropped), status(ItemStatus::Retired)),
         Some("ledger"), None),
        ("Rating scale and how scores were summarised", "COS-STAR 8", Yes,
         format!("{}–{} scale; median and IQR (quantile type {}), percent agreement.", record.settings.scale.min, record.settings.scale.max, record.settings.consensus.quantile_type),
         Some("protocol"), None),
        ("Consensus definition, threshold, and that it was set before round 1", "COS-STAR 9a; ACCORD-SR 2.6; COS-STAD \"a priori\"", Yes,
         format!("In: {}. {}", record.settings.consensus.consensus_in, lock_status(index)), Some("protocol"), None),
        ("Rules for carrying, retiring and adding items", "COS-STAR 9b; ACCORD-SR 2.7", Yes,
         "The settings for consensus items and later-round invitations, and the ledger of decisions.".to_owned(), Some("protocol"), None),
        ("Number of rounds, why, dates and time between rounds", "ACCORD-SR 2.8-2.10", Partly,
         format!("{} rounds with their dates and the time between them.", record.rounds.len()), Some("rounds"),
         Some("Explain why this number of rounds was run.")),
        ("Software used (name and version)", "ACCORD-SR 2.12", Yes,
         format!("{} {}.", record.software.name, record.software.version), Some("protocol"), None),
        ("Anonymity", "ACCORD-SR 2.13", Yes,
         "Panellists were identified by pseudonyms; feedback and comments were shown without names.".to_owned(), Some("protocol"), None),
        ("Feedback given each round (own score, panel, per group, comments)", "ACCORD-SR 2.14, 3.4", Yes,
         format!("From round 2: {}.", if shown.is_empty() { "none".to_owned() } else { shown.join(", ") }), Some("protocol"), None),
        ("How responses and comments were synthesised", "ACCORD-SR 2.15, 3.6", Partly,
         format!("{comments} comments; {} released, {} hidden by the research team.", decided(CommentDecision::Released), decided(CommentDecision::Hidden)),
         None, Some("Describe how comments were analysed and synthesised.")),
        ("Pilot", "ACCORD-SR 2.16", Partly, "No test round is recorded by the platform.".to_owned(), None,
         Some("Describe any pilot of the questionnaire.")),
        ("Steering committee, conflicts of interest", "ACCORD-SR 2.17-2.19", if background { Partly } else { No },
         if background { "Background answers are summarised per group.".to_owned() } else { "Not recorded.".to_owned() },
         background.then_some("participants"), Some("Describe the steering committee and the declarations of interest.")),
        ("Ethics approval", "COS-STAR 10", Partly,
         format!("Ethics reference: {}.", or_missing(st.ethics_reference.as_ref())), Some("summary"),
         Some("Name the committee that approved the study.")),
        ("Protocol deviations", "COS-STAR 11", Yes,
         format!("{} amendments after the lock, with reasons.", record.protocol.amendments.len()), Some("protocol"), None),
        ("Number and characteristics of participants at every stage, per group; response rate per round; attrition",
         "COS-STAR 12; ACCORD-SR 3.3", Yes,
         format!("Flow per round and group, response rates, attrition check{}.", if background { ", characteristics per group" } else { "; no background questions were recorded" }),
         Some("participants"), None),
        ("All items considered at the start", "COS-STAR 13a", Yes,
         format!("{items_first} items in round 1; every item in the ledger."), Some("ledger"), None),
        ("Per-item results per round (n, median, IQR, % agreement, classification) and the final list", "COS-STAR 13; ACCORD-SR 3.7", Yes,
         "Every item in every round, overall and per group, and the final list by section.".to_owned(), Some("results"), None),
        ("Limitations, discussion, funding", "ACCORD discussion and other", No, "Not recorded.".to_owned(), None,
         Some("Discuss the limitations and state the funding.")),
    ];
    let for_authors = rows
        .iter()
        .filter_map(|(content, items, _, _, _, todo)| {
            todo.map(|t| format!("{content} ({items}): {t}"))
        })
        .collect();
    let rows = rows
        .into_iter()
        .map(|(content, items, fill, value, section, authors)| Row {
            content,
            items,
            status: match fill {
                Yes => "filled",
                Partly => "partly filled",
                No => "for the authors",
            },
            class: match fill {
                Yes => "c-yes",
                Partly => "c-partly",
                No => "c-no",
            },
            value,
            section,
            section_title: match section {
                Some("summary") => "1. Study summary",
                Some("protocol") => "2. Protocol",
                Some("participants") => "3. Participants",
                Some("rounds") => "4. Rounds",
                Some("ledger") => "5. Item ledger",
                Some("results") => "6. Results",
                _ => "",
            },
            authors,
        })
        .collect();
    ChecklistContext { rows, for_authors }
}
