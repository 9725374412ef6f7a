//! `delphi export --study SLUG --format FORMAT --out PATH`: one of the study's downloads
//! (the same as the `/admin` Exports page) written to a file, as the operator.
//!
//! The file is written next to its destination under a temporary name (readable by its
//! owner only: exports hold panellists' answers) and renamed over `PATH` once complete, so
//! a failed or interrupted export never leaves a half-written file where the finished one
//! should be. Long exports draw a progress bar on a terminal.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use chrono::{DateTime, Utc};
use delphi_app::{exports, Actor};
use delphi_report::export::{write_export, ExportOptions, Format, ResponsesCsvOptions};

use crate::config::Config;

/// Exports smaller than this many rows finish before a bar would be worth drawing.
const BAR_FROM_ROWS: u64 = 20_000;

/// Arguments of `delphi export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// The study's short name (its `slug`).
    #[arg(long, value_name = "SLUG")]
    pub study: String,
    /// What to write: csv (responses), results-csv, xlsx, json, html (the consensus report),
    /// codebook, spss, r, or contacts (names and addresses; audited).
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub format: Format,
    /// The file to write (replaced when it exists, only once the export is complete).
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// Start the responses CSV with a UTF-8 byte-order mark (for Excel).
    #[arg(long)]
    pub bom: bool,
    /// Add the panellists' comments and outlier reasons to the responses CSV.
    #[arg(long)]
    pub comments: bool,
    /// The responses CSV file the SPSS and R scripts read (default: SLUG-responses.csv).
    #[arg(long, value_name = "FILE")]
    pub csv_file: Option<String>,
    /// For reproducible files such as the committed example report: the record says it was
    /// generated at TIME (ISO 8601, e.g. 2026-03-02T09:00:00Z), and every time it holds is
    /// moved by whole days so that the earliest falls on TIME's day (times of day are set
    /// to TIME's).
    #[arg(long, value_name = "TIME", hide = true)]
    pub fixed_clock: Option<DateTime<Utc>>,
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::parse(name.trim()).ok_or_else(|| {
        format!(
            "{name:?} is not an export format; use one of {}",
            Format::names()
        )
    })
}

/// Runs `delphi export`.
pub fn run(config: &Config, args: &ExportArgs) -> anyhow::Result<()> {
    let destination = Destination::check(&args.out)?;
    let app = crate::runtime::open_app(config, Path::new("delphi.secret"))?;
    let operator = &Actor::Operator;
    let mut record = if args.format.needs_contacts() {
        exports::record_with_contacts(&app, operator, &args.study)
    } else {
        exports::record(&app, operator, &args.study)
    }
    .map_err(|e| anyhow!("study {:?}: {e}", args.study))?;
    if let Some(at) = args.fixed_clock {
        fix_clock(&mut record, at);
    }
    let templates = delphi_render::Templates::load().context("loading the report templates")?;
    let options = ExportOptions {
        responses: ResponsesCsvOptions {
            include_comments: args.comments,
            bom: args.bom,
        },
        csv_file: args.csv_file.clone(),
    };
    let mut bar = Bar::default();
    destination.write(|out| {
        write_export(
            &record,
            args.format,
            &options,
            &templates,
            out,
            &mut |done, total| bar.update(done, total),
        )
        .map_err(anyhow::Error::from)
    })?;
    bar.finish();
    eprintln!(
        "Wrote the {} of {:?} to {}.",
        args.format.title(),
        args.study,
        args.out.display()
    );
    Ok(())
}

/// Moves every time of `record` by whole days so that the earliest falls on `at`'s day, at
/// `at`'s time of day, and stamps the record as generated at `at`: the same study exported
/// on another day (or a second later) gives the same file.
fn fix_clock(record: &mut delphi_report::StudyRecord, at: DateTime<Utc>) {
    let mut times: Vec<&mut DateTime<Utc>> = Vec::new();
    times.extend(record.protocol.locked_at.as_mut());
    times.extend(record.protocol.amendments.iter_mut().map(|a| &mut a.at));
    for p in &mut record.panellists {
        times.extend(p.consented_at.as_mut());
        times.extend(p.withdrawn_at.as_mut());
    }
    for round in &mut record.rounds {
        times.extend(round.opened_at.as_mut());
        times.extend(round.closed_at.as_mut());
        times.extend(round.deadline.as_mut());
        for p in &mut round.participation {
            times.push(&mut p.invited_at);
            times.extend(p.opened_at.as_mut());
            times.extend(p.submitted_at.as_mut());
        }
    }
    for r in &mut record.responses {
        times.push(&mut r.saved_at);
        times.extend(r.submitted_at.as_mut());
    }
    times.extend(record.moderation.iter_mut().map(|m| &mut m.decided_at));
    if let Some(first) = times.iter().map(|t| t.date_naive()).min() {
        for t in times {
            let days = (t.date_naive() - first).num_days();
            *t = at + chrono::Duration::days(days);
        }
    }
    record.generated_at = at;
}

/// Where the export goes: checked before the database is read, written atomically.
struct Destination {
    path: PathBuf,
    folder: PathBuf,
}

impl Destination {
    /// Refuses a folder, or a path whose folder is missing, naming it.
    fn check(path: &Path) -> anyhow::Result<Self> {
        if path.as_os_str().is_empty() {
            return Err(anyhow!("--out needs a file name"));
        }
        if path.is_dir() {
            return Err(anyhow!(
                "--out {} is a folder; give the file to write, e.g. {}",
                path.display(),
                path.join("export.csv").display()
            ));
        }
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !folder.is_dir() {
            return Err(anyhow!(
                "cannot write {}: the folder {} does not exist",
                path.display(),
                folder.display()
            ));
        }
        Ok(Self {
            path: path.to_path_buf(),
            folder,
        })
    }

    /// Writes through `fill` into a private temporary file beside the destination, then
    /// renames it over the destination. On any error the temporary file is removed.
    fn write(&self, fill: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>) -> anyhow::Result<()> {
        let cannot = || format!("cannot write in the folder {}", self.folder.display());
        let temp = tempfile::Builder::new()
            .prefix(".delphi-export-")
            .suffix(".part")
            .tempfile_in(&self.folder)
            .with_context(cannot)?;
        let mut out = BufWriter::new(temp);
        fill(&mut out)?;
        let temp = out
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(cannot)?;
        temp.as_file().sync_all().with_context(cannot)?;
        temp.persist(&self.path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        Ok(())
    }
}

/// A progress bar drawn on standard error once an export turns out long, and only when
/// standard error is a terminal (indicatif draws nothing otherwise).
#[derive(Default)]
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn update(&mut self, done: u64, total: u64) {
        if self.0.is_none() && total >= BAR_FROM_ROWS && done < total {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {bar:40} {pos}/{len} rows ({eta} left)",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            self.0 = Some(bar);
        }
        if let Some(bar) = &self.0 {
            bar.set_length(total);
            bar.set_position(done);
        }
    }

    fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_by_name_and_a_wrong_one_lists_them_all() {
        assert_eq!(parse_format("results-csv"), Ok(Format::ResultsCsv));
        let error = parse_format("pdf").expect_err("no PDF export");
        assert!(
            error.contains("\"pdf\"") && error.contains("results-csv, xlsx"),
            "{error}"
        );
    }

    #[test]
    fn a_destination_in_a_missing_folder_or_a_folder_is_refused() {
        let dir = tempfile::tempdir().expect("a folder");
        let missing = dir.path().join("nope").join("x.csv");
        let error = Destination::check(&missing)
            .err()
            .expect("refused")
            .to_string();
        assert!(error.contains("does not exist"), "{error}");
        let error = Destination::check(dir.path())
            .err()
            .expect("refused")
            .to_string();
        assert!(error.contains("is a folder"), "{error}");
    }

    #[test]
    fn a_failed_export_leaves_neither_a_file_nor_a_temporary_one() {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "before").expect("an earlier file");
        let destination = Destination::check(&path).expect("fine");
        let failed = destination.write(|out| {
            out.write_all(b"half")?;
            Err(anyhow!("stopped"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).expect("kept"), "before");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.csv")]);
        destination
            .write(|out| Ok(out.write_all(b"after")?))
            .expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("replaced"), "after");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "private to its owner");
        }
    }
}
