//! The results CSV: the numbers stored when each round closed, per round × item × group.

use std::io::Write;

use delphi_core::Classification;

use super::{ExportError, Progress, PROGRESS_EVERY, RESULTS_EXTRA_COLUMNS};
use crate::analyse::{csv_fields, CSV_COLUMNS};
use crate::cells::neutralise;
use crate::record::StudyRecord;

/// Writes every stored result in the record's order: the columns of `delphi analyse
/// --format csv` ([`CSV_COLUMNS`], quartiles by each result's own quantile type) and then
/// `classification` and `classification_reason` ([`RESULTS_EXTRA_COLUMNS`]).
pub fn write_results_csv(
    record: &StudyRecord,
    out: &mut dyn Write,
    progress: Progress<'_>,
) -> Result<(), ExportError> {
    record.index()?;
    let mut w = csv::Writer::from_writer(out);
    let header: Vec<&str> = CSV_COLUMNS
        .iter()
        .copied()
        .chain(RESULTS_EXTRA_COLUMNS.iter().map(|c| c.name))
        .collect();
    w.write_record(&header)?;
    let total = record.results.len() as u64;
    for (done, r) in record.results.iter().enumerate() {
        let stored = &r.result;
        for field in csv_fields(
            i64::from(r.round),
            &r.item,
            &r.group,
            &stored.statistics,
            stored.quantile(),
            stored.comet_all_groups,
        ) {
            w.write_field(field)?;
        }
        let (class, reason) = match &stored.classification {
            None => ("", ""),
            Some(c @ Classification::NotClassified { reason }) => (c.as_str(), reason.as_str()),
            Some(c) => (c.as_str(), ""),
        };
        w.write_field(class)?;
        w.write_field(neutralise(reason).as_bytes())?;
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
