//! Reading a ratings CSV into a [`Dataset`] in one pass: byte records, no per-row
//! allocation, identifiers interned, every row checked.

use std::fs::File;
use std::io::Read;
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

/// Optional columns: a row whose `counted` is false is skipped (the study's counting rule
/// left it out), and with an `unable_to_rate` column an empty rating is "unable to rate" only
/// when that column is true (otherwise the row holds no answer, e.g. only a comment, and is
/// skipped). Both are written by the platform's responses export.
pub const OPTIONAL_COLUMNS: [&str; 2] = ["counted", "unable_to_rate"];

/// Where each required column is, and how many fields a row must have.
#[derive(Debug, Clone, Copy)]
struct Columns {
    index: [usize; 5],
    counted: Option<usize>,
    unable_to_rate: Option<usize>,
    count: usize,
}

/// `true`/`false` (also `1`/`0`, `yes`/`no`, any case), or `None`.
fn parse_bool(bytes: &[u8]) -> Option<bool> {
    match bytes.to_ascii_lowercase().as_slice() {
        b"true" | b"1" | b"yes" => Some(true),
        b"false" | b"0" | b"no" => Some(false),
        _ => None,
    }
}

fn header_columns(path: &Path, fields: &[&[u8]], line: u64) -> Result<Columns, AnalyseError> {
    let header: Vec<String> = fields
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
    let mut index = [0usize; 5];
    for (slot, name) in index.iter_mut().zip(COLUMNS) {
        *slot = header.iter().position(|h| h == name).ok_or_else(|| {
            AnalyseError::input(
                path,
                line,
                format!(
                    "missing column {name:?} (the header is {:?}; expected {})",
                    header.join(","),
                    COLUMNS.join(",")
                ),
            )
        })?;
    }
    let optional = |name: &str| header.iter().position(|h| h == name);
    Ok(Columns {
        index,
        counted: optional(OPTIONAL_COLUMNS[0]),
        unable_to_rate: optional(OPTIONAL_COLUMNS[1]),
        count: fields.len(),
    })
}

/// Checks rows and feeds them to the builder.
struct Rows<'p> {
    path: &'p Path,
    columns: Columns,
    builder: DatasetBuilder,
    count: u64,
    header_line: u64,
}

impl Rows<'_> {
    fn add<'r>(
        &mut self,
        field: impl Fn(usize) -> &'r [u8],
        line: u64,
    ) -> Result<(), AnalyseError> {
        let path = self.path;
        let flag = |index: Option<usize>, name: &str| -> Result<Option<bool>, AnalyseError> {
            let Some(index) = index else {
                return Ok(None);
            };
            let bytes = trim(field(index));
            parse_bool(bytes).map(Some).ok_or_else(|| {
                AnalyseError::input(
                    path,
                    line,
                    format!("{name} {:?} is not true or false", show(bytes)),
                )
            })
        };
        if flag(self.columns.counted, "counted")? == Some(false) {
            return Ok(());
        }
        let unable_to_rate = flag(self.columns.unable_to_rate, "unable_to_rate")?;
        let [i_round, i_item, i_panellist, i_group, i_rating] = self.columns.index;
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
            if unable_to_rate == Some(false) {
                return Ok(());
            }
            None
        } else {
            if unable_to_rate == Some(true) {
                return Err(AnalyseError::input(
                    path,
                    line,
                    format!(
                        "rating {:?} with unable_to_rate true: give one or the other",
                        show(rating_bytes)
                    ),
                ));
            }
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
        let item = identifier(field(i_item), "item_id", path, line)?;
        let panellist = identifier(field(i_panellist), "panellist_id", path, line)?;
        let group = identifier(field(i_group), "stakeholder_group", path, line)?;
        self.builder
            .add_raw(round, item, panellist, group, rating)
            .map_err(|e| AnalyseError::input(path, line, e.to_string()))?;
        self.count += 1;
        Ok(())
    }

    fn finish(self) -> Result<Dataset, AnalyseError> {
        if self.count == 0 {
            return Err(AnalyseError::input(
                self.path,
                self.header_line,
                "there are no rating rows after the header (rows whose counted column is \
                 false are skipped)",
            ));
        }
        Ok(self.builder.finish())
    }
}

fn identifier<'a>(
    bytes: &'a [u8],
    column: &str,
    path: &Path,
    line: u64,
) -> Result<&'a [u8], AnalyseError> {
    let value = trim(bytes);
    if value.is_empty() {
        return Err(AnalyseError::input(
            path,
            line,
            format!("{column} is empty"),
        ));
    }
    Ok(value)
}

fn empty_file(path: &Path) -> AnalyseError {
    AnalyseError::input(
        path,
        1,
        format!(
            "the file is empty; expected the header {}",
            COLUMNS.join(",")
        ),
    )
}

fn open(path: &Path) -> Result<File, AnalyseError> {
    File::open(path).map_err(|source| AnalyseError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Reads and checks `path`; ratings must be integers on `scale_min..=scale_max` or empty
/// ("unable to rate"), and each (round, item, panellist) may appear once.
///
/// Files without any double quote (the usual export) take a fast path that splits lines
/// and fields directly; a file with quoting is read by the `csv` crate instead.
pub fn read_dataset(path: &Path, scale_min: i32, scale_max: i32) -> Result<Dataset, AnalyseError> {
    let builder = || {
        DatasetBuilder::new(scale_min, scale_max).map_err(|e| AnalyseError::Options(e.to_string()))
    };
    match read_unquoted(path, open(path)?, builder()?)? {
        Some(dataset) => Ok(dataset),
        None => read_quoted(path, open(path)?, builder()?),
    }
}

/// Bytes the fast path stops at.
const COMMA: u64 = 0x2c2c_2c2c_2c2c_2c2c;
const NEWLINE: u64 = 0x0a0a_0a0a_0a0a_0a0a;
const QUOTE: u64 = 0x2222_2222_2222_2222;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// The high bit of every zero byte of `x`, exactly (no false positives).
#[inline]
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// Calls `visit(position, byte)` for every comma, newline and double quote in `buf`, eight
/// bytes at a time; stops early when `visit` returns `false`.
#[inline]
fn for_each_delimiter(buf: &[u8], mut visit: impl FnMut(usize, u8) -> bool) -> bool {
    let mut chunks = buf.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let mut mask = zero_bytes(w ^ COMMA) | zero_bytes(w ^ NEWLINE) | zero_bytes(w ^ QUOTE);
        while mask != 0 {
            let k = (mask.trailing_zeros() / 8) as usize;
            if !visit(base + k, chunk[k]) {
                return false;
            }
            mask &= mask - 1;
        }
        base += 8;
    }
    for (k, &b) in chunks.remainder().iter().enumerate() {
        if matches!(b, b',' | b'\n' | b'"') && !visit(base + k, b) {
            return false;
        }
    }
    true
}

/// State of the fast path across buffer refills.
struct Unquoted<'p> {
    path: &'p Path,
    builder: Option<DatasetBuilder>,
    rows: Option<Rows<'p>>,
    line_no: u64,
    bounds: Vec<(usize, usize)>,
}

impl Unquoted<'_> {
    /// One complete line `buf[start..end]` (newline excluded) whose fields are `self.bounds`.
    fn line(&mut self, buf: &[u8], start: usize, mut end: usize) -> Result<(), AnalyseError> {
        self.line_no += 1;
        if end > start && buf[end - 1] == b'\r' {
            end -= 1;
            if let Some(last) = self.bounds.last_mut() {
                last.1 = last.1.min(end);
            }
        }
        if end == start {
            return Ok(());
        }
        let bounds = &self.bounds;
        match self.rows.as_mut() {
            None => {
                let fields: Vec<&[u8]> = bounds.iter().map(|&(a, b)| &buf[a..b]).collect();
                let columns = header_columns(self.path, &fields, self.line_no)?;
                self.rows = Some(Rows {
                    path: self.path,
                    columns,
                    builder: self.builder.take().ok_or_else(|| empty_file(self.path))?,
                    count: 0,
                    header_line: self.line_no,
                });
            }
            Some(rows) => {
                if bounds.len() != rows.columns.count {
                    return Err(AnalyseError::input(
                        self.path,
                        self.line_no,
                        format!(
                            "found {} fields, but the header has {}",
                            bounds.len(),
                            rows.columns.count
                        ),
                    ));
                }
                rows.add(
                    |i| {
                        let (a, b) = bounds[i];
                        &buf[a..b]
                    },
                    self.line_no,
                )?;
            }
        }
        Ok(())
    }
}

/// The fast path: `None` as soon as a double quote appears (the caller starts again with
/// the `csv` crate).
fn read_unquoted(
    path: &Path,
    mut file: File,
    builder: DatasetBuilder,
) -> Result<Option<Dataset>, AnalyseError> {
    let mut buf = vec![0u8; 1 << 22];
    let mut filled = 0;
    let mut state = Unquoted {
        path,
        builder: Some(builder),
        rows: None,
        line_no: 0,
        bounds: Vec::with_capacity(16),
    };
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = file
            .read(&mut buf[filled..])
            .map_err(|source| AnalyseError::Read {
                path: path.to_owned(),
                source,
            })?;
        let eof = n == 0;
        filled += n;
        // The buffer starts with the partial line left by the previous read, if any.
        let mut line_start = 0;
        let mut field_start = 0;
        let mut error = None;
        let mut quoted = false;
        state.bounds.clear();
        let data = &buf[..filled];
        for_each_delimiter(data, |pos, byte| match byte {
            b',' => {
                state.bounds.push((field_start, pos));
                field_start = pos + 1;
                true
            }
            b'\n' => {
                state.bounds.push((field_start, pos));
                if let Err(e) = state.line(data, line_start, pos) {
                    error = Some(e);
                    return false;
                }
                state.bounds.clear();
                line_start = pos + 1;
                field_start = pos + 1;
                true
            }
            _ => {
                quoted = true;
                false
            }
        });
        if let Some(e) = error {
            return Err(e);
        }
        if quoted {
            return Ok(None);
        }
        if eof {
            if line_start < filled {
                state.bounds.push((field_start, filled));
                state.line(data, line_start, filled)?;
            }
            break;
        }
        buf.copy_within(line_start..filled, 0);
        filled -= line_start;
    }
    match state.rows {
        None => Err(empty_file(path)),
        Some(rows) => rows.finish().map(Some),
    }
}

/// The general path: RFC 4180 quoting by the `csv` crate.
fn read_quoted(path: &Path, file: File, builder: DatasetBuilder) -> Result<Dataset, AnalyseError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .buffer_capacity(1 << 20)
        .from_reader(file);
    let mut record = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        return Err(empty_file(path));
    }
    let header_line = record.position().map_or(1, csv::Position::line);
    let fields: Vec<&[u8]> = record.iter().collect();
    let mut rows = Rows {
        path,
        columns: header_columns(path, &fields, header_line)?,
        builder,
        count: 0,
        header_line,
    };
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        let line = record.position().map_or(0, csv::Position::line);
        rows.add(|i| record.get(i).unwrap_or_default(), line)?;
    }
    rows.finish()
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
