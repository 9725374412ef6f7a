//! `delphi analyse RATINGS.csv`: consensus statistics from a ratings file, no database.
//! Bad input exits with status 2 and one line on stderr naming the file, line and problem.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use delphi_report::analyse::{AnalyseError, AnalyseOptions, Band, Format, QuantileType};

/// Output formats of `delphi analyse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// The full report (STATISTICS.md section 9 layout).
    Json,
    /// One row per round, item and group with the main statistics.
    Csv,
}

/// Arguments of `delphi analyse`.
#[derive(Debug, Clone, clap::Args)]
pub struct AnalyseArgs {
    /// Ratings CSV with columns round,item_id,panellist_id,stakeholder_group,rating
    /// (an empty rating means "unable to rate"). The platform's responses export reads as it
    /// is: rows whose `counted` column is false are skipped, and with an `unable_to_rate`
    /// column an empty rating is "unable to rate" only where that column is true.
    #[arg(value_name = "RATINGS.csv")]
    pub input: PathBuf,
    /// Lowest point of the rating scale.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub scale_min: i32,
    /// Highest point of the rating scale.
    #[arg(long, default_value_t = 9, allow_negative_numbers = true)]
    pub scale_max: i32,
    /// Agreement band A-B (default 7-9 on a 1-9 scale, otherwise the top third).
    #[arg(long, value_name = "A-B", value_parser = parse_band)]
    pub agree_range: Option<Band>,
    /// Disagreement band A-B (default 1-3 on a 1-9 scale, otherwise the bottom third).
    #[arg(long, value_name = "A-B", value_parser = parse_band)]
    pub disagree_range: Option<Band>,
    /// Quantile definition for Q1/Q3/IQR in the CSV: 7 (R, Excel .INC, pandas) or 6 (SPSS, Excel .EXC).
    #[arg(long, default_value = "7", value_parser = parse_quantile_type)]
    pub quantile_type: QuantileType,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    pub format: OutputFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Parses `A-B` (e.g. `7-9`, or `-3--1` on a scale with negative points).
fn parse_band(text: &str) -> Result<Band, String> {
    let bad = || format!("{text:?} is not a range like 7-9");
    let text = text.trim();
    let split = text
        .char_indices()
        .skip(1)
        .find(|&(i, c)| c == '-' && text[..i].trim_end().ends_with(|d: char| d.is_ascii_digit()))
        .map(|(i, _)| i)
        .ok_or_else(bad)?;
    let lo = text[..split].trim().parse().map_err(|_| bad())?;
    let hi = text[split + 1..].trim().parse().map_err(|_| bad())?;
    if lo > hi {
        return Err(format!("{text:?}: the lower end comes first"));
    }
    Ok(Band::new(lo, hi))
}

fn parse_quantile_type(text: &str) -> Result<QuantileType, String> {
    text.trim()
        .parse::<u8>()
        .ok()
        .and_then(QuantileType::from_number)
        .ok_or_else(|| format!("{text:?}: the quantile type is 7 or 6"))
}

impl AnalyseArgs {
    /// The pipeline's options.
    pub fn options(&self) -> AnalyseOptions {
        AnalyseOptions {
            input: self.input.clone(),
            scale_min: self.scale_min,
            scale_max: self.scale_max,
            agree: self.agree_range,
            disagree: self.disagree_range,
            quantile_type: self.quantile_type,
            format: match self.format {
                OutputFormat::Json => Format::Json,
                OutputFormat::Csv => Format::Csv,
            },
            out: self.out.clone(),
        }
    }
}

/// Runs `delphi analyse`: status 0 on success, 2 on bad input (message on stderr, nothing
/// on stdout).
pub fn run(args: &AnalyseArgs) -> ExitCode {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    match delphi_report::analyse::run(&args.options(), &mut lock) {
        Ok(()) => ExitCode::SUCCESS,
        // `delphi analyse ... | head`: the reader left; not an error of ours.
        Err(AnalyseError::Write { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            let _ = lock.flush();
            eprintln!("delphi analyse: {err}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_band("7-9"), Ok(Band::new(7, 9)));
        assert_eq!(parse_band(" 5 - 7 "), Ok(Band::new(5, 7)));
        assert_eq!(parse_band("-3--1"), Ok(Band::new(-3, -1)));
        assert!(parse_band("9-7").is_err());
        assert!(parse_band("7").is_err());
        assert!(parse_band("a-b").is_err());
        assert_eq!(parse_quantile_type("6"), Ok(QuantileType::Type6));
        assert!(parse_quantile_type("8").is_err());
    }
}
