//! Reading a ratings CSV into a [`Dataset`] in one pass: byte records, no per-row
//! allocation, identifiers interned, every row checked.

use std::fs::File;
use std::path::Path;

use delphi_stats::{Dataset, DatasetBuilder};

use super::AnalyseError;

/// The columns a ratings file must have (any order; other columns are ignored).
pub const COLUMNS: [&str; 5] = [
    "round",
    "item_id",
    "panellist_id",
    "stakeholder_group",
    "rating",
];

fn trim(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// An optionally signed decimal integer, or `None`.
fn parse_int(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes.split_first()? {
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut value: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i64::from(b - b'0');
    }
    Some(if negative { -value } else { value })
}

fn text<'a>(
    bytes: &'a [u8],
    column: &str,
    path: &Path,
    line: u64,
) -> Result<&'a str, AnalyseError> {
    let value = std::str::from_utf8(trim(bytes))
        .map_err(|_| AnalyseError::input(path, line, format!("{column} is not valid UTF-8")))?;
    if value.is_empty() {
        return Err(AnalyseError::input(
            path,
            line,
            format!("{column} is empty"),
        ));
    }
    Ok(value)
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(trim(bytes)).into_owned()
}

fn csv_error(path: &Path, error: csv::Error) -> AnalyseError {
    let line = error.position().map_or(0, csv::Position::line);
    match error.into_kind() {
        csv::ErrorKind::Io(source) => AnalyseError::Read {
            path: path.to_owned(),
            source,
        },
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => AnalyseError::input(
            path,
            pos.map_or(line, |p| p.line()),
            format!("found {len} fields, but the header has {expected_len}"),
        ),
        other => AnalyseError::input(path, line, format!("{other:?}")),
    }
}

/// Reads and checks `path`; ratings must be integers on `scale_min..=scale_max` or empty
/// ("unable to rate"), and each (round, item, panellist) may appear once.
pub fn read_dataset(path: &Path, scale_min: i32, scale_max: i32) -> Result<Dataset, AnalyseError> {
    let file = File::open(path).map_err(|source| AnalyseError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .buffer_capacity(1 << 20)
        .from_reader(file);
    let mut record = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        return Err(AnalyseError::input(
            path,
            1,
            format!(
                "the file is empty; expected the header {}",
                COLUMNS.join(",")
            ),
        ));
    }
    let header: Vec<String> = record
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let field = if i == 0 {
                field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
            } else {
                field
            };
            show(field)
        })
        .collect();
    let header_line = record.position().map_or(1, csv::Position::line);
    let mut index = [0usize; 5];
    for (slot, name) in index.iter_mut().zip(COLUMNS) {
        *slot = header.iter().position(|h| h == name).ok_or_else(|| {
            AnalyseError::input(
                path,
                header_line,
                format!(
                    "missing column {name:?} (the header is {:?}; expected {})",
                    header.join(","),
                    COLUMNS.join(",")
                ),
            )
        })?;
    }
    let [i_round, i_item, i_panellist, i_group, i_rating] = index;
    let mut builder = DatasetBuilder::new(scale_min, scale_max)
        .map_err(|e| AnalyseError::Options(e.to_string()))?;
    let mut rows = 0u64;
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        let line = record.position().map_or(0, csv::Position::line);
        let field = |i: usize| record.get(i).unwrap_or_default();
        let round_bytes = trim(field(i_round));
        let round = parse_int(round_bytes).ok_or_else(|| {
            AnalyseError::input(
                path,
                line,
                format!("round {:?} is not an integer", show(round_bytes)),
            )
        })?;
        let rating_bytes = trim(field(i_rating));
        let rating = if rating_bytes.is_empty() {
            None
        } else {
            Some(parse_int(rating_bytes).ok_or_else(|| {
                AnalyseError::input(
                    path,
                    line,
                    format!(
                        "rating {:?} is not an integer (leave it empty for \"unable to rate\")",
                        show(rating_bytes)
                    ),
                )
            })?)
        };
        let item = text(field(i_item), "item_id", path, line)?;
        let panellist = text(field(i_panellist), "panellist_id", path, line)?;
        let group = text(field(i_group), "stakeholder_group", path, line)?;
        builder
            .add(round, item, panellist, group, rating)
            .map_err(|e| AnalyseError::input(path, line, e.to_string()))?;
        rows += 1;
    }
    if rows == 0 {
        return Err(AnalyseError::input(
            path,
            header_line,
            "there are no rating rows after the header",
        ));
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use super::parse_int;

    #[test]
    fn integers() {
        assert_eq!(parse_int(b"7"), Some(7));
        assert_eq!(parse_int(b"-3"), Some(-3));
        assert_eq!(parse_int(b"+12"), Some(12));
        assert_eq!(parse_int(b"7.5"), None);
        assert_eq!(parse_int(b"7.0"), None);
        assert_eq!(parse_int(b""), None);
        assert_eq!(parse_int(b"-"), None);
        assert_eq!(parse_int(b"x"), None);
        assert_eq!(parse_int(b"9999999999999999999"), None);
    }
}
