//! `delphi study ...`: the researcher's round work from a terminal (the same use cases as the
//! `/admin` pages, for scripts and servers without a browser). Each subcommand calls one use
//! case of `delphi-app` as the command-line operator and prints what it did; `--json` prints
//! the same facts for scripts.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::{anyhow, bail};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use delphi_app::opening::RoundOptions;
use delphi_app::queries::{RoundSummary, StudySummary};
use delphi_app::{closing, next_round, opening, outbox, queries, reminders, Actor, App};
use delphi_core::states::{RoundStatus, Verdict};

use crate::config::Config;

/// Whoever runs the command on the server: they hold the database and its key.
const OPERATOR: &Actor = &Actor::Operator;

/// The researcher's subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum StudyCommand {
    /// List every study with its status and rounds.
    List,
    /// A study's rounds with response rates.
    Show {
        /// The study's short name (its `slug`).
        study: String,
    },
    /// Open the next round: round 1 with every item and everyone not withdrawn, or a later
    /// round as the consensus rule proposes (unresolved items carry). Invitations are queued.
    OpenRound {
        /// The study's short name.
        study: String,
        /// Deadline in UTC, `YYYY-MM-DD` (end of that day) or `YYYY-MM-DDTHH:MM`.
        #[arg(long, value_parser = parse_deadline)]
        deadline: Option<NaiveDateTime>,
        /// Instructions shown at the top of the round.
        #[arg(long, default_value = "")]
        instructions: String,
    },
    /// Close the open round: no more answers; results are computed, classified and stored.
    CloseRound {
        /// The study's short name.
        study: String,
    },
    /// The stored results of a round (the latest closed one by default).
    Results {
        /// The study's short name.
        study: String,
        /// Round number.
        #[arg(long)]
        round: Option<i32>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Queue a reminder to everyone in the open round who has not submitted. Asking twice on
    /// one day (or with the same --occasion) reminds nobody twice.
    Remind {
        /// The study's short name.
        study: String,
        /// A name for this reminder (letters, digits, dashes); default: today's date.
        #[arg(long)]
        occasion: Option<String>,
    },
    /// The email outbox of a round (queued, sent, failed with the reason), or with
    /// --panellists each panellist's last invitation and reminder.
    Mail {
        /// The study's short name.
        study: String,
        /// Round number (default: the latest round).
        #[arg(long)]
        round: Option<i32>,
        /// Show each panellist's last invitation and last reminder instead.
        #[arg(long)]
        panellists: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Give a user (made with `delphi admin create-user`) a role in a study: `owner` or
    /// `researcher` run it, `analyst` reads it (panellists by study code only).
    Member {
        /// The study's short name.
        study: String,
        /// The user's login email.
        #[arg(long)]
        email: String,
        /// `owner`, `researcher` or `analyst`.
        #[arg(long)]
        role: String,
    },
    /// Erase a panellist's personal data at their request: their address and name go from
    /// every table; their answers stay under the pseudonym unless --remove-answers (follow
    /// the study's consent text). Recorded in the audit log.
    Erase {
        /// The study's short name.
        study: String,
        /// The panellist's pseudonym, e.g. P007.
        #[arg(long)]
        panellist: String,
        /// Delete their answers and comments too.
        #[arg(long)]
        remove_answers: bool,
    },
    /// Send failed messages again: one by its id, or every failed message of a round.
    #[command(group(clap::ArgGroup::new("which").required(true).args(["message", "round"])))]
    Retry {
        /// The study's short name.
        study: String,
        /// The outbox id of one failed message (shown by `delphi study mail`).
        #[arg(long)]
        message: Option<String>,
        /// Every failed message of this round.
        #[arg(long)]
        round: Option<i32>,
    },
}

/// Runs one researcher subcommand and prints what it did.
pub fn run(config: &Config, command: StudyCommand) -> anyhow::Result<()> {
    let app = crate::runtime::open_app(config, std::path::Path::new("delphi.secret"))?;
    let mut out = String::new();
    let done = execute(&mut out, &app, command);
    // Written once, so a closed pipe (`| head`) ends the output instead of panicking.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    done
}

fn execute(out: &mut String, app: &App, command: StudyCommand) -> anyhow::Result<()> {
    match command {
        StudyCommand::List => list(out, app),
        StudyCommand::Show { study } => show(out, &summary(app, &study)?),
        StudyCommand::OpenRound {
            study,
            deadline,
            instructions,
        } => open_round(
            out,
            app,
            &study,
            RoundOptions {
                deadline,
                instructions,
            },
        ),
        StudyCommand::CloseRound { study } => close_round(out, app, &study),
        StudyCommand::Results { study, round, json } => results(out, app, &study, round, json),
        StudyCommand::Remind { study, occasion } => remind(out, app, &study, occasion.as_deref()),
        StudyCommand::Mail {
            study,
            round,
            panellists,
            json,
        } => mail(out, app, &study, round, panellists, json),
        StudyCommand::Member { study, email, role } => {
            summary(app, &study)?;
            let role = role.parse().map_err(|_| {
                anyhow!("`{role}` is not a role: choose owner, researcher or analyst")
            })?;
            let role = delphi_app::users::add_member(app, OPERATOR, &study, &email, role)?;
            writeln!(out, "{email} is now {role} of `{study}`.")?;
            Ok(())
        }
        StudyCommand::Retry {
            study,
            message,
            round,
        } => retry(out, app, &study, message.as_deref(), round),
        StudyCommand::Erase {
            study,
            panellist,
            remove_answers,
        } => {
            use delphi_app::erasure::{erase_panellist, ErasedAnswers};
            let answers = if remove_answers {
                ErasedAnswers::Remove
            } else {
                ErasedAnswers::Keep
            };
            let done = erase_panellist(app, OPERATOR, &study, &panellist, answers)?;
            writeln!(
                out,
                "The personal data of {} is erased ({} messages forgot the address); {}.",
                done.pseudonym,
                done.messages,
                match answers {
                    ErasedAnswers::Keep => "their answers stay under the pseudonym".to_owned(),
                    ErasedAnswers::Remove => format!("{} answers deleted", done.answers_removed),
                }
            )?;
            Ok(())
        }
    }
}

/// Parses `YYYY-MM-DD` (23:59 UTC that day) or `YYYY-MM-DDTHH:MM` (UTC).
fn parse_deadline(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let end_of_day = NaiveTime::from_hms_opt(23, 59, 0).ok_or("no end of day")?;
        return Ok(day.and_time(end_of_day));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .map_err(|_| format!("`{text}` is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)"))
}

fn summary(app: &App, slug: &str) -> anyhow::Result<StudySummary> {
    let mut studies = queries::studies_for(app, OPERATOR)?;
    if let Some(at) = studies.iter().position(|s| s.slug == slug) {
        return Ok(studies.swap_remove(at));
    }
    let known: Vec<&str> = studies.iter().map(|s| s.slug.as_str()).collect();
    if known.is_empty() {
        bail!("there is no study `{slug}`: no study has been imported yet (`delphi import DIR`)")
    }
    bail!(
        "there is no study `{slug}`; the studies are: {}",
        known.join(", ")
    )
}

/// The round numbered `number`, or the latest one.
fn round_of(summary: &StudySummary, number: Option<i32>) -> anyhow::Result<&RoundSummary> {
    match number {
        Some(n) => summary
            .rounds
            .iter()
            .find(|r| r.number == n)
            .ok_or_else(|| {
                anyhow!(
                    "study `{}` has no round {n} (it has {})",
                    summary.slug,
                    round_count(summary)
                )
            }),
        None => summary
            .rounds
            .iter()
            .max_by_key(|r| r.number)
            .ok_or_else(|| anyhow!("study `{}` has no round yet", summary.slug)),
    }
}

fn round_count(summary: &StudySummary) -> String {
    match summary.rounds.len() {
        0 => "none".to_owned(),
        1 => "1 round".to_owned(),
        n => format!("{n} rounds"),
    }
}

fn list(out: &mut String, app: &App) -> anyhow::Result<()> {
    let studies = queries::studies_for(app, OPERATOR)?;
    if studies.is_empty() {
        writeln!(out, "No studies yet. Import one with `delphi import DIR`.")?;
    }
    for summary in studies {
        writeln!(
            out,
            "{:<24} {:<10} {}  ({})",
            summary.slug,
            summary.status,
            summary.title,
            round_count(&summary)
        )?;
    }
    Ok(())
}

fn show(out: &mut String, summary: &StudySummary) -> anyhow::Result<()> {
    writeln!(out, "{} ({})", summary.title, summary.slug)?;
    writeln!(
        out,
        "status {}, {} items, {} panellists",
        summary.status, summary.items, summary.panellists
    )?;
    for round in &summary.rounds {
        writeln!(
            out,
            "round {}: {:<6} {} of {} invited submitted",
            round.number, round.status, round.submitted, round.invited
        )?;
    }
    Ok(())
}

fn open_round(
    out: &mut String,
    app: &App,
    slug: &str,
    options: RoundOptions,
) -> anyhow::Result<()> {
    let summary = summary(app, slug)?;
    let opened = if summary.rounds.is_empty() {
        opening::open_first_round(app, OPERATOR, slug, &options)?
    } else {
        next_round::open_next_round(app, OPERATOR, slug, &[], &options)?
    };
    writeln!(
            out,
        "Round {} of `{slug}` is open: {} items, {} panellists invited (their invitations are queued; \
         `delphi serve` or `delphi worker` sends them).",
        opened.number, opened.items, opened.invited
    )?;
    Ok(())
}

fn close_round(out: &mut String, app: &App, slug: &str) -> anyhow::Result<()> {
    summary(app, slug)?;
    let closed = closing::close_round(app, OPERATOR, slug)?;
    let tally = |verdict: Verdict| closed.tally.get(&verdict).copied().unwrap_or(0);
    writeln!(
        out,
        "Round {} of `{slug}` is closed: results stored for {} items \
         (consensus in {}, consensus out {}, no consensus {}, not classified {}).",
        closed.number,
        closed.items,
        tally(Verdict::In),
        tally(Verdict::Out),
        tally(Verdict::None),
        tally(Verdict::NotClassified)
    )?;
    if let Some(reason) = closed.stop {
        writeln!(out, "The stopping rule is met: {reason}.")?;
    }
    Ok(())
}

fn results(
    out: &mut String,
    app: &App,
    slug: &str,
    number: Option<i32>,
    json: bool,
) -> anyhow::Result<()> {
    let summary = summary(app, slug)?;
    let round = match number {
        Some(_) => round_of(&summary, number)?,
        None => summary
            .rounds
            .iter()
            .filter(|r| r.status == RoundStatus::Closed)
            .max_by_key(|r| r.number)
            .ok_or_else(|| anyhow!("study `{slug}` has no closed round yet"))?,
    };
    if round.status != RoundStatus::Closed {
        bail!(
            "round {} of `{slug}` is {}: results exist once it closes",
            round.number,
            round.status
        );
    }
    let rows = queries::round_results(app, OPERATOR, slug, round.number)?;
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    writeln!(out, "Round {} of `{slug}`, whole panel:", round.number)?;
    writeln!(
        out,
        "{:<6} {:>4} {:>7} {:>6} {:>8} {:>8}  classification",
        "item", "n", "median", "IQR", "% agree", "% disag."
    )?;
    for row in rows
        .iter()
        .filter(|r| r.group == delphi_core::results::WHOLE_PANEL)
    {
        let stats = &row.result.statistics;
        let number = |value: Option<f64>| {
            value.map_or_else(|| "-".to_owned(), delphi_app::panellist::format_number)
        };
        writeln!(
            out,
            "{:<6} {:>4} {:>7} {:>6} {:>8} {:>8}  {}",
            row.code,
            stats.n_valid,
            number(stats.median),
            number(row.result.quartiles().iqr),
            number(stats.pct_agree),
            number(stats.pct_disagree),
            row.classification.map_or("-", Verdict::as_str)
        )?;
    }
    Ok(())
}

fn remind(out: &mut String, app: &App, slug: &str, occasion: Option<&str>) -> anyhow::Result<()> {
    let summary = summary(app, slug)?;
    let round = summary.open_round().ok_or_else(|| {
        anyhow!("study `{slug}` has no open round: reminders go only while a round is open")
    })?;
    let report = reminders::remind_now(app, OPERATOR, slug, occasion)?;
    writeln!(
        out,
        "Round {}: {} reminders queued; {} non-submitters already had this reminder.",
        round.number, report.queued, report.already_reminded
    )?;
    Ok(())
}

fn mail(
    out: &mut String,
    app: &App,
    slug: &str,
    number: Option<i32>,
    per_panellist: bool,
    json: bool,
) -> anyhow::Result<()> {
    let summary = summary(app, slug)?;
    if per_panellist {
        let people = outbox::panellist_mail(app, OPERATOR, slug)?;
        if json {
            writeln!(out, "{}", serde_json::to_string_pretty(&people)?)?;
            return Ok(());
        }
        writeln!(
            out,
            "{:<8} {:<24} {:<24} reminders",
            "who", "last invitation", "last reminder"
        )?;
        for person in people {
            let describe = |m: &Option<outbox::LastMessage>| match m {
                None => "-".to_owned(),
                Some(m) => format!("{} {}", m.status, m.queued_at.format("%Y-%m-%d %H:%M")),
            };
            writeln!(
                out,
                "{:<8} {:<24} {:<24} {}",
                person.pseudonym,
                describe(&person.last_invitation),
                describe(&person.last_reminder),
                person.reminders
            )?;
        }
        return Ok(());
    }
    let round = round_of(&summary, number)?;
    let state = outbox::round_mail(app, OPERATOR, slug, round.number)?;
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&state)?)?;
        return Ok(());
    }
    writeln!(out, "Round {} of `{slug}`:", round.number)?;
    if state.kinds.is_empty() {
        writeln!(out, "  no email in this round")?;
    }
    for kind in &state.kinds {
        writeln!(
            out,
            "  {:<14} {} queued, {} sent, {} failed",
            kind.kind, kind.queued, kind.sent, kind.failed
        )?;
    }
    for problem in &state.problems {
        writeln!(
            out,
            "  {} {} to {} ({}), {} attempts: {}  [id {}]",
            problem.status,
            problem.kind,
            problem.pseudonym.as_deref().unwrap_or(&problem.recipient),
            problem.recipient,
            problem.attempts,
            problem.last_error.as_deref().unwrap_or("no error recorded"),
            problem.id
        )?;
    }
    Ok(())
}

fn retry(
    out: &mut String,
    app: &App,
    slug: &str,
    message: Option<&str>,
    number: Option<i32>,
) -> anyhow::Result<()> {
    let summary = summary(app, slug)?;
    if let Some(id) = message {
        outbox::retry(app, OPERATOR, slug, id)?;
        writeln!(out, "Message {id} will be sent again by the next delivery.")?;
        return Ok(());
    }
    let round = round_of(&summary, number)?;
    let n = outbox::retry_round(app, OPERATOR, slug, round.number)?;
    writeln!(
        out,
        "Round {}: {n} failed messages will be sent again by the next delivery.",
        round.number
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_deadline;

    #[test]
    fn deadlines_are_a_day_or_a_minute_in_utc() {
        assert_eq!(
            parse_deadline("2026-12-07").map(|d| d.to_string()),
            Ok("2026-12-07 23:59:00".to_owned())
        );
        assert_eq!(
            parse_deadline("2026-12-07T09:30").map(|d| d.to_string()),
            Ok("2026-12-07 09:30:00".to_owned())
        );
        let error = parse_deadline("7 December").expect_err("refused");
        assert!(error.contains("`7 December` is not a date"), "{error}");
    }
}
