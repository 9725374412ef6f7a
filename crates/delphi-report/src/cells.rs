//! How values are written into CSV and XLSX cells: text a spreadsheet would run as a
//! formula is neutralised, times are ISO 8601 UTC, numbers have at most 10 decimals.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, Timelike, Utc};

/// Text a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) gets a leading `'`, so Excel, LibreOffice and Google Sheets show it as
/// text instead of running it (OWASP "CSV injection"). A cell that is a plain number such
/// as `-3` or `+1.5` is left as it is: numbers stay numbers.
///
/// Every text cell of every CSV and XLSX this crate writes, `delphi analyse --format csv`
/// included, goes through this one function.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    let risky = matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    if risky && !is_plain_number(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// An optionally signed decimal number: digits with at most one `.` (no exponent, no
/// spaces), so nothing a formula parser could read as anything else.
fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let mut dots = 0;
    let mut any_digit = false;
    for b in digits.bytes() {
        match b {
            b'0'..=b'9' => any_digit = true,
            b'.' => dots += 1,
            _ => return false,
        }
    }
    any_digit && dots <= 1
}

/// A time as ISO 8601 in UTC to the second, e.g. `2026-03-01T09:30:00Z` (written by hand:
/// chrono's formatter parses its pattern on every call, and exports write two per row).
pub fn iso(time: &DateTime<Utc>) -> String {
    match iso_bytes(time) {
        Some(bytes) => bytes.iter().map(|&b| char::from(b)).collect(),
        None => time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    }
}

/// [`iso`] as 20 ASCII bytes, without allocating; `None` for years outside 0–9999.
pub fn iso_bytes(time: &DateTime<Utc>) -> Option<[u8; 20]> {
    let (date, clock) = (time.date_naive(), time.time());
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut out = [0u8; 20];
    let mut put = |at: usize, value: u32, width: usize| {
        let mut v = value;
        for k in (0..width).rev() {
            out[at + k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year as u32, 4);
    put(5, date.month(), 2);
    put(8, date.day(), 2);
    put(11, clock.hour(), 2);
    put(14, clock.minute(), 2);
    put(17, clock.second().min(59), 2);
    for (at, sep) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'Z'),
    ] {
        out[at] = sep;
    }
    Some(out)
}

/// [`iso`] of an optional time; empty when there is none.
pub fn iso_opt(time: Option<&DateTime<Utc>>) -> String {
    time.map(iso).unwrap_or_default()
}

/// A number for a CSV cell: at most 10 decimals, trailing zeros dropped (0.12799999999999997
/// reads 0.128), `-0` as `0`; empty when undefined.
pub fn num(x: Option<f64>) -> String {
    let Some(v) = x else {
        return String::new();
    };
    let text = format!("{v:.10}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for hostile in [
            "=HYPERLINK(\"http://evil\",\"x\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "-",
            "+",
            "-1e5",
        ] {
            assert_eq!(neutralise(hostile), format!("'{hostile}"), "{hostile:?}");
        }
        for kept in ["-3", "+1.5", "7", "text", "", "P017", "1-3", "a=b", "'="] {
            assert_eq!(neutralise(kept), kept, "{kept:?}");
        }
    }

    #[test]
    fn csv_numbers() {
        assert_eq!(num(Some(0.127_999_999_999_999_97)), "0.128");
        assert_eq!(num(Some(96.923_076_923_076_92)), "96.9230769231");
        assert_eq!(num(Some(8.0)), "8");
        assert_eq!(num(Some(-0.000_000_000_01)), "0");
        assert_eq!(num(Some(-1.5)), "-1.5");
        assert_eq!(num(None), "");
    }

    #[test]
    fn times_are_utc_seconds() {
        let t = DateTime::parse_from_rfc3339("2026-03-01T10:30:00.123+01:00")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(iso(&t), "2026-03-01T09:30:00Z");
        assert_eq!(iso_opt(None), "");
    }
}
