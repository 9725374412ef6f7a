//! The columns of the responses and results CSVs, described once: the writers, the
//! codebook and the SPSS and R scripts all read these lists.

use super::ResponsesCsvOptions;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// A whole number.
    Integer,
    /// A decimal number (at most 10 decimals; empty when undefined).
    Number,
    /// A rating on the study's scale (empty for "unable to rate").
    Rating,
    /// `true` or `false`.
    Boolean,
    /// An ISO 8601 UTC time, e.g. `2026-03-01T09:30:00Z` (empty when there is none).
    Time,
    /// An identifier (code or pseudonym).
    Code,
    /// Free text.
    Text,
}

impl ColumnType {
    /// The type as the codebook names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Integer => "integer",
            Self::Number => "decimal number",
            Self::Rating => "integer on the scale",
            Self::Boolean => "true/false",
            Self::Time => "ISO 8601 time (UTC)",
            Self::Code => "code",
            Self::Text => "text",
        }
    }
}

/// One column of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The header.
    pub name: &'static str,
    /// What it holds.
    pub kind: ColumnType,
    /// What it means.
    pub description: &'static str,
}

const fn col(name: &'static str, kind: ColumnType, description: &'static str) -> Column {
    Column {
        name,
        kind,
        description,
    }
}

use ColumnType::{Boolean, Code, Integer, Number, Rating, Text, Time};

const BEFORE_COMMENTS: [Column; 9] = [
    col("round", Integer, "Round number (1, 2, 3...)."),
    col("item_id", Code, "Item code. A reworded item has its own code, so every rating stays tied to the words the panellist saw."),
    col("item_text", Text, "The item's words exactly as the panellist saw them."),
    col("section", Text, "The item's section."),
    col("panellist_id", Code, "The panellist's pseudonym (no name or address is exported)."),
    col("stakeholder_group", Code, "The panellist's stakeholder group code."),
    col("rating", Rating, "The rating; empty when the answer is \"unable to rate\" or there is no rating."),
    col("unable_to_rate", Boolean, "true when the panellist answered \"unable to rate\"."),
    col("counted", Boolean, "true when the study's counting rule counted the answer in the round's results; `delphi analyse` skips rows where it is false."),
];

const COMMENTS: [Column; 2] = [
    col("comment", Text, "The panellist's comment, as written (only when comments were asked for)."),
    col("outlier_reason", Text, "The reason given for a rating far from the previous panel median (only when comments were asked for)."),
];

const TIMES: [Column; 2] = [
    col("saved_at", Time, "When the answer was last saved."),
    col(
        "submitted_at",
        Time,
        "When the panellist submitted the round; empty if they did not.",
    ),
];

/// The responses CSV's columns for these options, in order.
pub fn responses_columns(opts: &ResponsesCsvOptions) -> Vec<Column> {
    let mut columns = BEFORE_COMMENTS.to_vec();
    if opts.include_comments {
        columns.extend(COMMENTS);
    }
    columns.extend(TIMES);
    columns
}

/// The results CSV's columns: those of `delphi analyse --format csv`
/// ([`crate::analyse::CSV_COLUMNS`]) and then these.
pub const RESULTS_EXTRA_COLUMNS: [Column; 2] = [
    col("classification", Code, "The classification under the study's rule (in, out, none, not_classified), whole panel only."),
    col("classification_reason", Text, "Why the item was not classified, when it was not."),
];

/// The results CSV's columns shared with `delphi analyse --format csv`, described.
pub(crate) const RESULTS_COLUMNS: [Column; 30] = [
    col("round", Integer, "Round number."),
    col("item_id", Code, "Item code."),
    col(
        "group",
        Code,
        "Stakeholder group code, or ALL for the whole panel.",
    ),
    col(
        "n_valid",
        Integer,
        "Numeric ratings (the denominator of every statistic).",
    ),
    col("n_utr", Integer, "\"Unable to rate\" answers."),
    col("n_responded", Integer, "n_valid + n_utr."),
    col("pct_utr", Number, "100 · n_utr / n_responded."),
    col("mean", Number, "Mean rating."),
    col("sd", Number, "Sample standard deviation (n − 1)."),
    col(
        "cv",
        Number,
        "Coefficient of variation sd / mean (a ratio).",
    ),
    col("min", Integer, "Lowest rating."),
    col("max", Integer, "Highest rating."),
    col("median", Number, "Median rating."),
    col(
        "q1",
        Number,
        "First quartile by the quantile type of the quantile_type column.",
    ),
    col("q3", Number, "Third quartile, same type."),
    col("iqr", Number, "Interquartile range q3 − q1, same type."),
    col(
        "quantile_type",
        Integer,
        "Hyndman–Fan quantile type: 7 (R, Excel QUARTILE.INC) or 6 (SPSS, Excel QUARTILE.EXC).",
    ),
    col(
        "mode",
        Text,
        "Every most frequent rating, ascending, separated by spaces.",
    ),
    col("n_agree", Integer, "Ratings in the agreement band."),
    col("pct_agree", Number, "100 · n_agree / n_valid."),
    col(
        "pct_agree_responded",
        Number,
        "100 · n_agree / n_responded (\"unable to rate\" in the denominator).",
    ),
    col("n_disagree", Integer, "Ratings in the disagreement band."),
    col("pct_disagree", Number, "100 · n_disagree / n_valid."),
    col("comet", Code, "COMET 70/15 classification (in, out, none)."),
    col(
        "comet_le50out",
        Code,
        "COMET with \"out\" when at most 50 % rate in the agreement band.",
    ),
    col(
        "comet_all_groups",
        Code,
        "COMET applied in every stakeholder group with ratings (whole panel only).",
    ),
    col(
        "rwg",
        Number,
        "Within-group agreement rwg = max(0, 1 − s²/σ²EU).",
    ),
    col(
        "ad_median",
        Number,
        "Mean absolute deviation from the median.",
    ),
    col(
        "rand_di",
        Number,
        "RAND/UCLA disagreement index IPR / IPRAS (type-7 percentiles; whole panel only).",
    ),
    col(
        "rand_category",
        Code,
        "RAND/UCLA: appropriate, uncertain or inappropriate (whole panel only).",
    ),
];
