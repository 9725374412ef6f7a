//! The responses CSV: one row per saved answer, tidy and long, readable by `delphi analyse`.
//!
//! Every text field is encoded by the `csv` crate (RFC 4180 quoting); the fields that repeat
//! (an item's code, text and section; a panellist's pseudonym and group) are encoded once,
//! and each row is put together from those pieces and fields that never need quoting
//! (numbers, `true`/`false`, times).

use std::io::{BufWriter, Write};

use super::{responses_columns, ExportError, Progress, PROGRESS_EVERY};
use crate::cells::{iso, iso_bytes, neutralise};
use crate::record::StudyRecord;

/// Choices of the responses CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResponsesCsvOptions {
    /// Add the `comment` and `outlier_reason` columns (free text panellists wrote).
    pub include_comments: bool,
    /// Start the file with a UTF-8 byte-order mark, so Excel opens it as UTF-8.
    pub bom: bool,
}

/// Fields encoded as one CSV line (without its line end), formula text neutralised.
fn encode(fields: &[&str]) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(fields.iter().map(|f| neutralise(f).into_owned()))?;
    let mut bytes = w
        .into_inner()
        .map_err(|e| ExportError::Io(e.into_error()))?;
    bytes.pop();
    Ok(bytes)
}

/// One optional free-text field, encoded (empty when there is none).
fn push_text(line: &mut Vec<u8>, text: Option<&str>) -> Result<(), ExportError> {
    line.push(b',');
    if let Some(text) = text.filter(|t| !t.is_empty()) {
        line.extend_from_slice(&encode(&[text])?);
    }
    Ok(())
}

fn push_time(line: &mut Vec<u8>, time: Option<&chrono::DateTime<chrono::Utc>>) {
    line.push(b',');
    if let Some(t) = time {
        match iso_bytes(t) {
            Some(bytes) => line.extend_from_slice(&bytes),
            None => line.extend_from_slice(iso(t).as_bytes()),
        }
    }
}

/// Writes every response of the record, in the record's order, with the columns of
/// [`responses_columns`]: `round,item_id,item_text,section,panellist_id,stakeholder_group,
/// rating,unable_to_rate,counted[,comment,outlier_reason],saved_at,submitted_at`; lines end
/// in LF (GNU PSPP reads a CR as part of the last field).
///
/// `delphi analyse` reads the file as it is: it uses `round`, `item_id`, `panellist_id`,
/// `stakeholder_group` and `rating`, skips rows whose `counted` is false and rows with
/// neither a rating nor "unable to rate".
pub fn write_responses_csv(
    record: &StudyRecord,
    opts: &ResponsesCsvOptions,
    out: &mut dyn Write,
    progress: Progress<'_>,
) -> Result<(), ExportError> {
    let index = record.index()?;
    let mut out = BufWriter::with_capacity(1 << 16, out);
    if opts.bom {
        out.write_all("\u{feff}".as_bytes())?;
    }
    let header: Vec<&str> = responses_columns(opts).iter().map(|c| c.name).collect();
    out.write_all(&encode(&header)?)?;
    out.write_all(b"\n")?;
    let items = record
        .items
        .iter()
        .map(|i| encode(&[&i.code, &i.text, &i.section]))
        .collect::<Result<Vec<_>, _>>()?;
    let panellists = record
        .panellists
        .iter()
        .map(|p| encode(&[&p.pseudonym, &p.group]))
        .collect::<Result<Vec<_>, _>>()?;
    let scale_min = record.settings.scale.min;
    let ratings: Vec<String> = record.points().map(|p| p.to_string()).collect();
    let total = record.responses.len() as u64;
    let flag = |b: bool| if b { &b",true"[..] } else { &b",false"[..] };
    let mut round_text = (i32::MIN, String::new());
    let mut line = Vec::with_capacity(512);
    for (done, r) in record.responses.iter().enumerate() {
        // `index()` checked every reference, so these look-ups succeed.
        let (Some(&item), Some(&panellist)) = (
            index.items.get(r.item.as_str()),
            index.panellists.get(r.pseudonym.as_str()),
        ) else {
            continue;
        };
        if round_text.0 != r.round {
            round_text = (r.round, r.round.to_string());
        }
        let rating = r
            .rating
            .and_then(|v| usize::try_from(v - scale_min).ok())
            .and_then(|i| ratings.get(i))
            .map_or("", String::as_str);
        line.clear();
        line.extend_from_slice(round_text.1.as_bytes());
        line.push(b',');
        line.extend_from_slice(&items[item]);
        line.push(b',');
        line.extend_from_slice(&panellists[panellist]);
        line.push(b',');
        line.extend_from_slice(rating.as_bytes());
        line.extend_from_slice(flag(r.unable_to_rate));
        line.extend_from_slice(flag(r.counted));
        if opts.include_comments {
            push_text(&mut line, r.comment.as_deref())?;
            push_text(&mut line, r.outlier_reason.as_deref())?;
        }
        push_time(&mut line, Some(&r.saved_at));
        push_time(&mut line, r.submitted_at.as_ref());
        line.push(b'\n');
        out.write_all(&line)?;
        let done = done as u64 + 1;
        if done % PROGRESS_EVERY == 0 {
            progress(done, total);
        }
    }
    out.flush()?;
    progress(total, total);
    Ok(())
}
