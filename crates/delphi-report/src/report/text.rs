//! How the report writes numbers, times and classifications.

use chrono::{DateTime, Utc};
use delphi_core::states::Verdict;
use delphi_stats::QuantileType;

/// An undefined value.
pub const DASH: &str = "—";

/// A number with at most `decimals` decimals, trailing zeros dropped; "—" when undefined.
pub fn number(x: Option<f64>, decimals: usize) -> String {
    match x {
        Some(v) if v.is_finite() => {
            let text = format!("{v:.decimals$}");
            let text = if text.contains('.') {
                text.trim_end_matches('0').trim_end_matches('.').to_owned()
            } else {
                text
            };
            if text == "-0" {
                "0".to_owned()
            } else {
                text
            }
        }
        _ => DASH.to_owned(),
    }
}

/// A percentage with one decimal and the sign, e.g. "85.7 %"; "—" when undefined.
pub fn percent(x: Option<f64>) -> String {
    match x {
        Some(_) => format!("{} %", number(x, 1)),
        None => DASH.to_owned(),
    }
}

/// A p-value: three significant decimals, "< 0.001" below.
pub fn p_value(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "< 0.001".to_owned(),
        Some(p) => format!("{p:.3}"),
        None => DASH.to_owned(),
    }
}

/// A date and time in UTC, e.g. "2026-03-01 09:30 UTC".
pub fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// [`time`] or "—".
pub fn time_opt(t: Option<&DateTime<Utc>>) -> String {
    t.map_or_else(|| DASH.to_owned(), time)
}

/// Whole days from `a` to `b`, with one decimal under ten days.
pub fn days(a: &DateTime<Utc>, b: &DateTime<Utc>) -> String {
    let d = (*b - *a).num_minutes() as f64 / (24.0 * 60.0);
    if d.abs() < 10.0 {
        format!("{} days", number(Some(d), 1))
    } else {
        format!("{} days", d.round())
    }
}

/// The short label of a classification.
pub fn verdict(v: Option<Verdict>) -> &'static str {
    match v {
        Some(Verdict::In) => "in",
        Some(Verdict::Out) => "out",
        Some(Verdict::None) => "no consensus",
        Some(Verdict::NotClassified) => "not classified",
        None => DASH,
    }
}

/// The CSS class of a classification.
pub fn verdict_class(v: Option<Verdict>) -> &'static str {
    match v {
        Some(Verdict::In) => "v-in",
        Some(Verdict::Out) => "v-out",
        Some(Verdict::None) => "v-none",
        _ => "v-nc",
    }
}

/// The quantile type in words, naming the software that uses it.
pub fn quantile_name(q: QuantileType) -> &'static str {
    match q {
        QuantileType::Type7 => {
            "Hyndman–Fan type 7 (R's default, Excel QUARTILE.INC, numpy and pandas)"
        }
        QuantileType::Type6 => "Hyndman–Fan type 6 (SPSS, Minitab, Excel QUARTILE.EXC)",
    }
}

/// An anchor-safe id from a code (letters, digits, `-`, `_` kept; the rest as `-`).
pub fn anchor(prefix: &str, code: &str) -> String {
    let mut out = String::from(prefix);
    out.extend(code.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '-'
        }
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_anchors() {
        assert_eq!(number(Some(7.0), 2), "7");
        assert_eq!(number(Some(1.25), 2), "1.25");
        assert_eq!(number(Some(85.714), 1), "85.7");
        assert_eq!(number(None, 1), DASH);
        assert_eq!(percent(Some(70.0)), "70 %");
        assert_eq!(p_value(Some(0.0004)), "< 0.001");
        assert_eq!(p_value(Some(0.2228)), "0.223");
        assert_eq!(anchor("item-", "P3\"><x"), "item-P3---x");
    }
}
