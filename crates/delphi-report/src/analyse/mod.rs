//! `delphi analyse`: a ratings CSV in, the statistics of STATISTICS.md out (JSON or CSV).
//!
//! The file is read once into a [`delphi_stats::Dataset`] (one byte per round, item and
//! panellist); every statistic comes from `delphi_stats`, the same code that computes a
//! round's results on the platform. Bad input is refused with the file, line and problem.

mod read;
mod write;

pub(crate) use write::csv_fields;
pub use write::CSV_COLUMNS;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use delphi_stats::DescribeConfig;

pub use delphi_stats::{Band, QuantileType};
pub use read::{read_dataset, COLUMNS, OPTIONAL_COLUMNS};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// The report in the layout of STATISTICS.md section 9.
    #[default]
    Json,
    /// One row per round, item and group with the main statistics.
    Csv,
}

/// What `delphi analyse` was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyseOptions {
    /// The ratings CSV (`round,item_id,panellist_id,stakeholder_group,rating`; with a
    /// `counted` column, rows where it is false are skipped; with an `unable_to_rate`
    /// column, an empty rating counts as "unable to rate" only where it is true).
    pub input: PathBuf,
    /// Lowest scale point (default 1).
    pub scale_min: i32,
    /// Highest scale point (default 9).
    pub scale_max: i32,
    /// Agreement band; default 7–9 on 1–9, otherwise the top third.
    pub agree: Option<Band>,
    /// Disagreement band; default 1–3 on 1–9, otherwise the bottom third.
    pub disagree: Option<Band>,
    /// Quantile type of the CSV's q1/q3/iqr columns (JSON always carries both).
    pub quantile_type: QuantileType,
    /// JSON or CSV.
    pub format: Format,
    /// Write here instead of the given writer.
    pub out: Option<PathBuf>,
}

impl AnalyseOptions {
    /// The defaults for `input`: scale 1–9, 7–9 / 1–3, type 7, JSON.
    pub fn new(input: impl Into<PathBuf>) -> Self {
        Self {
            input: input.into(),
            scale_min: 1,
            scale_max: 9,
            agree: None,
            disagree: None,
            quantile_type: QuantileType::Type7,
            format: Format::Json,
            out: None,
        }
    }

    /// The statistics configuration these options describe, or why they are inconsistent.
    pub fn describe_config(&self) -> Result<DescribeConfig, AnalyseError> {
        let (min, max) = (self.scale_min, self.scale_max);
        if min >= max || i64::from(max) - i64::from(min) + 1 > 254 {
            return Err(AnalyseError::Options(format!(
                "the scale {min}-{max} is not usable: it needs 2 to 254 points, lowest first"
            )));
        }
        let mut cfg = DescribeConfig::for_scale(min, max);
        let check = |band: Band, flag: &str| {
            if band.lo > band.hi || band.lo < min || band.hi > max {
                Err(AnalyseError::Options(format!(
                    "{flag} {} must lie within the scale {min}-{max}, lowest first",
                    band.label()
                )))
            } else {
                Ok(band)
            }
        };
        if let Some(agree) = self.agree {
            cfg.agree = check(agree, "--agree-range")?;
        }
        if let Some(disagree) = self.disagree {
            cfg.disagree = check(disagree, "--disagree-range")?;
        }
        if cfg.disagree.hi >= cfg.agree.lo {
            return Err(AnalyseError::Options(format!(
                "--disagree-range {} must lie below --agree-range {}",
                cfg.disagree.label(),
                cfg.agree.label()
            )));
        }
        if self.agree.is_some() || self.disagree.is_some() {
            let mut bands = vec![cfg.disagree];
            if cfg.agree.lo - cfg.disagree.hi > 1 {
                bands.push(Band::new(cfg.disagree.hi + 1, cfg.agree.lo - 1));
            }
            bands.push(cfg.agree);
            cfg.bands = bands;
        }
        Ok(cfg)
    }
}

/// Why `delphi analyse` failed. Display gives one line naming the file, line and problem.
#[derive(Debug)]
pub enum AnalyseError {
    /// The input could not be opened or read.
    Read {
        /// The path as given.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A problem at a line of the input.
    Input {
        /// The path as given.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong there.
        message: String,
    },
    /// Inconsistent options (scale, ranges).
    Options(String),
    /// The output could not be written.
    Write {
        /// Where we were writing (`standard output` or the path).
        target: String,
        /// The error.
        source: std::io::Error,
    },
}

impl AnalyseError {
    pub(crate) fn input(path: &Path, line: u64, message: impl Into<String>) -> Self {
        Self::Input {
            path: path.to_owned(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for AnalyseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "{}: cannot read: {source}", path.display()),
            Self::Input {
                path,
                line,
                message,
            } => write!(f, "{} line {line}: {message}", path.display()),
            Self::Options(message) => f.write_str(message),
            Self::Write { target, source } => write!(f, "cannot write to {target}: {source}"),
        }
    }
}

impl std::error::Error for AnalyseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } | Self::Write { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Reads the ratings, computes every statistic and writes the report to `opts.out` if set,
/// otherwise to `out`. Nothing is written unless the whole input is valid.
pub fn run(opts: &AnalyseOptions, out: &mut dyn Write) -> Result<(), AnalyseError> {
    let cfg = opts.describe_config()?;
    let dataset = read_dataset(&opts.input, opts.scale_min, opts.scale_max)?;
    let report = delphi_stats::report(&dataset, &cfg);
    match &opts.out {
        Some(path) => {
            let target = path.display().to_string();
            let file = std::fs::File::create(path).map_err(|source| AnalyseError::Write {
                target: target.clone(),
                source,
            })?;
            let mut writer = std::io::BufWriter::new(file);
            write::write_report(&report, &cfg, opts, &mut writer)
                .and_then(|()| writer.flush())
                .map_err(|source| AnalyseError::Write { target, source })
        }
        None => {
            let mut writer = std::io::BufWriter::new(out);
            write::write_report(&report, &cfg, opts, &mut writer)
                .and_then(|()| writer.flush())
                .map_err(|source| AnalyseError::Write {
                    target: "standard output".to_owned(),
                    source,
                })
        }
    }
}
