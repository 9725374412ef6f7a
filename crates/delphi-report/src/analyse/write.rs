//! Writing the analyse report: JSON in the oracle's layout (with the configuration used), or
//! a CSV of the main statistics, one row per round, item and group (identifiers that a
//! spreadsheet would run as a formula are neutralised by [`crate::cells::neutralise`]).

use std::io::{self, Write};

use delphi_stats::report::Report;
use delphi_stats::{Consensus, DescribeConfig, ItemStatistics, QuantileType};
use serde::Serialize;

use super::{AnalyseOptions, Format};
use crate::cells::{neutralise, num};

/// How the numbers were computed, written beside them.
#[derive(Serialize)]
struct ConfigOut {
    input: String,
    scale_min: i32,
    scale_max: i32,
    bands: Vec<[i32; 2]>,
    agree_range: [i32; 2],
    disagree_range: [i32; 2],
    comet_in_pct_min: u64,
    comet_in_low_pct_max: u64,
    comet_out_pct_min: u64,
    comet_out_high_pct_max: u64,
    comet_out_le50_pct: u64,
    quantile_type_default: u8,
    rand_percentiles: [u32; 2],
    rand_quantile_type: u8,
    rand_midpoint: f64,
    rand_ipr_r: f64,
    rand_cfa: f64,
    wilcoxon_exact_max_n: u64,
    kendall_default_policy: &'static str,
    unable_to_rate: &'static str,
}

#[derive(Serialize)]
struct JsonOut<'a> {
    generator: &'static str,
    config: ConfigOut,
    #[serde(flatten)]
    report: &'a Report,
}

fn config_out(cfg: &DescribeConfig, opts: &AnalyseOptions) -> ConfigOut {
    ConfigOut {
        input: opts.input.display().to_string(),
        scale_min: opts.scale_min,
        scale_max: opts.scale_max,
        bands: cfg.bands.iter().map(|b| [b.lo, b.hi]).collect(),
        agree_range: [cfg.agree.lo, cfg.agree.hi],
        disagree_range: [cfg.disagree.lo, cfg.disagree.hi],
        comet_in_pct_min: cfg.comet.in_pct_min,
        comet_in_low_pct_max: cfg.comet.in_low_pct_max,
        comet_out_pct_min: cfg.comet.out_pct_min,
        comet_out_high_pct_max: cfg.comet.out_high_pct_max,
        comet_out_le50_pct: cfg.comet.out_le_pct,
        quantile_type_default: opts.quantile_type.number(),
        rand_percentiles: [30, 70],
        rand_quantile_type: 7,
        rand_midpoint: cfg.rand.midpoint,
        rand_ipr_r: cfg.rand.ipr_r,
        rand_cfa: cfg.rand.cfa,
        wilcoxon_exact_max_n: delphi_stats::wilcoxon::EXACT_MAX_NONZERO,
        kendall_default_policy: "complete_panellists",
        unable_to_rate: "excluded from every statistic (denominator n_valid); pct_agree_responded and bands.*.pct_responded count it in the denominator (n_responded)",
    }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 30] = [
    "round",
    "item_id",
    "group",
    "n_valid",
    "n_utr",
    "n_responded",
    "pct_utr",
    "mean",
    "sd",
    "cv",
    "min",
    "max",
    "median",
    "q1",
    "q3",
    "iqr",
    "quantile_type",
    "mode",
    "n_agree",
    "pct_agree",
    "pct_agree_responded",
    "n_disagree",
    "pct_disagree",
    "comet",
    "comet_le50out",
    "comet_all_groups",
    "rwg",
    "ad_median",
    "rand_di",
    "rand_category",
];

fn class(c: Option<Consensus>) -> String {
    c.map(|c| c.as_str().to_owned()).unwrap_or_default()
}

/// The [`CSV_COLUMNS`] of one round × item × group, formatted and neutralised: shared by
/// `delphi analyse --format csv` and the platform's results export.
pub(crate) fn csv_fields(
    round: i64,
    item_id: &str,
    group: &str,
    s: &ItemStatistics,
    quantile_type: QuantileType,
    comet_all_groups: Option<Consensus>,
) -> [String; 30] {
    let (q1, q3, iqr) = s.quartiles(quantile_type);
    let mode: Vec<String> = s.mode.iter().map(i32::to_string).collect();
    [
        round.to_string(),
        neutralise(item_id).into_owned(),
        neutralise(group).into_owned(),
        s.n_valid.to_string(),
        s.n_utr.to_string(),
        s.n_responded.to_string(),
        num(s.pct_utr),
        num(s.mean),
        num(s.sd),
        num(s.cv),
        s.min.map(|v| v.to_string()).unwrap_or_default(),
        s.max.map(|v| v.to_string()).unwrap_or_default(),
        num(s.median),
        num(q1),
        num(q3),
        num(iqr),
        quantile_type.number().to_string(),
        mode.join(" "),
        s.n_agree.to_string(),
        num(s.pct_agree),
        num(s.pct_agree_responded),
        s.n_disagree.to_string(),
        num(s.pct_disagree),
        class(s.comet),
        class(s.comet_le50out),
        class(comet_all_groups),
        num(s.rwg),
        num(s.ad_median),
        num(s.rand.as_ref().map(|r| r.type7.di)),
        s.rand
            .as_ref()
            .map(|r| r.category.clone())
            .unwrap_or_default(),
    ]
}

fn write_csv(report: &Report, opts: &AnalyseOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS)?;
    for row in &report.items {
        w.write_record(csv_fields(
            row.round,
            &row.item_id,
            &row.group,
            &row.stats,
            opts.quantile_type,
            row.comet_all_groups.flatten(),
        ))?;
    }
    w.flush()
}

/// Writes `report` in the format `opts` asks for.
pub(super) fn write_report(
    report: &Report,
    cfg: &DescribeConfig,
    opts: &AnalyseOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match opts.format {
        Format::Json => {
            let doc = JsonOut {
                generator: concat!("delphi analyse ", env!("CARGO_PKG_VERSION")),
                config: config_out(cfg, opts),
                report,
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            out.write_all(b"\n")
        }
        Format::Csv => write_csv(report, opts, out),
    }
}
