//! `delphi-load verify`: after a run (and a crash, a restart), every save that was
//! acknowledged is in the database, every acknowledged submission is recorded, and the
//! database itself is sound (SQLite's integrity and foreign-key checks).

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context;
use delphi_store::{items, panellists, responses, rounds, studies};

use crate::run::PanellistAcks;
use crate::setup::StudyFile;

/// Options of `delphi-load verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The database the server wrote to.
    #[arg(long, env = "DELPHI_DATABASE_URL")]
    pub database: String,
    /// The study file written by `setup`.
    #[arg(long)]
    pub study: PathBuf,
    /// Acknowledgements written by `run --acks` (one or more runs, in the order they ran).
    #[arg(long, required = true, num_args = 1..)]
    pub acks: Vec<PathBuf>,
}

/// What a check found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Acknowledged saves checked.
    pub checked: usize,
    /// Problems, each named.
    pub problems: Vec<String>,
}

/// Merges the records of consecutive runs: a later run's acknowledgement replaces an
/// earlier one, and what was unknown stays possible until something later is acknowledged.
pub fn merge(runs: Vec<Vec<PanellistAcks>>) -> HashMap<String, PanellistAcks> {
    let mut merged: HashMap<String, PanellistAcks> = HashMap::new();
    for run in runs {
        for person in run {
            let entry = merged
                .entry(person.token.clone())
                .or_insert_with(|| PanellistAcks {
                    token: person.token.clone(),
                    ..PanellistAcks::default()
                });
            entry.submitted |= person.submitted;
            for (code, item) in person.items {
                let slot = entry.items.entry(code).or_default();
                if item.acked.is_some() {
                    *slot = item;
                } else {
                    slot.unknown.extend(item.unknown);
                }
            }
        }
    }
    merged
}

/// Checks the database against the acknowledgements.
pub fn check(
    database: &str,
    study: &StudyFile,
    acks: &HashMap<String, PanellistAcks>,
) -> anyhow::Result<Findings> {
    let pool =
        delphi_store::Pool::connect(database, 2).with_context(|| format!("opening {database}"))?;
    let mut conn = pool.get()?;
    let mut findings = Findings {
        problems: delphi_store::integrity_problems(&mut conn)?,
        ..Findings::default()
    };
    let row = studies::find_by_slug(&mut conn, &study.slug)?
        .with_context(|| format!("no study {:?} in the database", study.slug))?;
    let round = rounds::latest(&mut conn, &row.id)?.context("the study has no round")?;
    let codes: HashMap<String, String> = items::for_study(&mut conn, &row.id)?
        .into_iter()
        .map(|i| (i.id, i.code))
        .collect();
    let people: HashMap<String, String> = panellists::for_study(&mut conn, &row.id)?
        .into_iter()
        .map(|p| (p.token_hash, p.id))
        .collect();
    let mut stored: HashMap<(String, String), Option<i32>> = HashMap::new();
    for r in responses::for_round(&mut conn, &round.id)? {
        let code = codes
            .get(&r.item_id)
            .with_context(|| format!("a response names an unknown item {}", r.item_id))?;
        stored.insert((r.panellist_id, code.clone()), r.rating);
    }
    let submitted: HashMap<String, bool> = rounds::participations(&mut conn, &round.id)?
        .into_iter()
        .map(|p| (p.panellist_id, p.submitted_at.is_some()))
        .collect();
    for person in acks.values() {
        let Some(id) = people.get(&delphi_app::tokens::hash(&person.token)) else {
            findings
                .problems
                .push("a token of the run is not in the study".to_owned());
            continue;
        };
        for (code, item) in &person.items {
            let Some(acked) = item.acked else { continue };
            findings.checked += 1;
            let value = stored.get(&(id.clone(), code.clone())).copied().flatten();
            let fine = value == Some(acked) || value.is_some_and(|v| item.unknown.contains(&v));
            if !fine {
                findings.problems.push(format!(
                    "panellist {id}, item {code}: acknowledged rating {acked}, stored {value:?}"
                ));
            }
        }
        if person.submitted && submitted.get(id) != Some(&true) {
            findings.problems.push(format!(
                "panellist {id}: submission acknowledged but not recorded"
            ));
        }
    }
    Ok(findings)
}

/// Runs `verify`.
pub fn run(args: &VerifyArgs) -> anyhow::Result<()> {
    let study = StudyFile::read(&args.study)?;
    let mut runs = Vec::new();
    for path in &args.acks {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        runs.push(serde_json::from_str(&text).with_context(|| format!("in {}", path.display()))?);
    }
    let findings = check(&args.database, &study, &merge(runs))?;
    println!(
        "verify: {} acknowledged saves checked, {} problems",
        findings.checked,
        findings.problems.len()
    );
    for problem in findings.problems.iter().take(20) {
        println!("  {problem}");
    }
    anyhow::ensure!(
        findings.problems.is_empty(),
        "acknowledged work is missing or damaged"
    );
    Ok(())
}
