//! The responses CSV: one row per saved answer, tidy and long, readable by `delphi analyse`.

use std::io::Write;

use super::{responses_columns, ExportError, Progress, PROGRESS_EVERY};
use crate::cells::{iso, iso_opt, neutralise};
use crate::record::StudyRecord;

/// Choices of the responses CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResponsesCsvOptions {
    /// Add the `comment` and `outlier_reason` columns (free text panellists wrote).
    pub include_comments: bool,
    /// Start the file with a UTF-8 byte-order mark, so Excel opens it as UTF-8.
    pub bom: bool,
}

/// Writes every response of the record, in the record's order, with the columns of
/// [`responses_columns`]: `round,item_id,item_text,section,panellist_id,stakeholder_group,
/// rating,unable_to_rate,counted[,comment,outlier_reason],saved_at,submitted_at`.
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
    if opts.bom {
        out.write_all("\u{feff}".as_bytes())?;
    }
    // Lines end in LF alone: GNU PSPP reads a CR as part of the last field.
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(1 << 16)
        .from_writer(out);
    let header: Vec<&str> = responses_columns(opts).iter().map(|c| c.name).collect();
    w.write_record(&header)?;
    // Every cell that repeats is formatted and neutralised once.
    let items: Vec<[String; 3]> = record
        .items
        .iter()
        .map(|i| {
            [
                neutralise(&i.code).into_owned(),
                neutralise(&i.text).into_owned(),
                neutralise(&i.section).into_owned(),
            ]
        })
        .collect();
    let panellists: Vec<[String; 2]> = record
        .panellists
        .iter()
        .map(|p| {
            [
                neutralise(&p.pseudonym).into_owned(),
                neutralise(&p.group).into_owned(),
            ]
        })
        .collect();
    let scale_min = record.settings.scale.min;
    let ratings: Vec<String> = record.points().map(|p| p.to_string()).collect();
    let total = record.responses.len() as u64;
    let bool_text = |b: bool| if b { "true" } else { "false" };
    let mut round_text = (i32::MIN, String::new());
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
        let [code, text, section] = &items[item];
        let [pseudonym, group] = &panellists[panellist];
        let rating = r
            .rating
            .and_then(|v| usize::try_from(v - scale_min).ok())
            .and_then(|i| ratings.get(i))
            .map_or("", String::as_str);
        w.write_field(&round_text.1)?;
        w.write_field(code)?;
        w.write_field(text)?;
        w.write_field(section)?;
        w.write_field(pseudonym)?;
        w.write_field(group)?;
        w.write_field(rating)?;
        w.write_field(bool_text(r.unable_to_rate))?;
        w.write_field(bool_text(r.counted))?;
        if opts.include_comments {
            w.write_field(neutralise(r.comment.as_deref().unwrap_or("")).as_bytes())?;
            w.write_field(neutralise(r.outlier_reason.as_deref().unwrap_or("")).as_bytes())?;
        }
        w.write_field(iso(&r.saved_at))?;
        w.write_field(iso_opt(r.submitted_at.as_ref()))?;
        w.write_record(None::<&[u8]>)?;
        let done = done as u64 + 1;
        if done % PROGRESS_EVERY == 0 {
            progress(done, total);
        }
    }
    w.flush()?;
    progress(total, total);
    Ok(())
}
