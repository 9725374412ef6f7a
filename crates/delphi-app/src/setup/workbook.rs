//! One XLSX workbook instead of the study folder: a `study` sheet of `key | value` rows (the
//! keys of [`StudyFields`], sections and groups one per row), an `items` sheet
//! (`code | section | text`) and a `panel` sheet (`email | name | group`), each with a
//! header row. Read with calamine; every bad row is named by sheet and row.
//!
//! Before calamine inflates anything, the workbook's zip directory is read and the whole is
//! refused when its parts would inflate past [`MAX_INFLATED_BYTES`] (a small file that
//! inflates to gigabytes would otherwise take the server's memory).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use delphi_core::definition::{
    DefinitionError, DefinitionErrors, StudyDefinition, StudyFields, Table, MAX_FILE_BYTES,
};

/// Most bytes a workbook's parts may inflate to: 64 MiB.
pub const MAX_INFLATED_BYTES: u64 = 64 * 1024 * 1024;
/// Most rows a sheet may have (the panel limit and its header).
const MAX_ROWS: usize = delphi_core::definition::MAX_PANELLISTS + 1;

fn whole(message: impl Into<String>) -> DefinitionErrors {
    DefinitionErrors(vec![DefinitionError {
        file: "the workbook",
        line: None,
        message: message.into(),
    }])
}

/// Opens a workbook after checking its size and what its parts inflate to.
pub(crate) fn open(bytes: &[u8]) -> Result<Xlsx<Cursor<&[u8]>>, DefinitionErrors> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(whole(format!(
            "the file has {} bytes; the limit is {MAX_FILE_BYTES} (5 MiB)",
            bytes.len()
        )));
    }
    let not_xlsx = |e: &dyn std::fmt::Display| {
        whole(format!(
            "this is not an XLSX workbook ({e}); save it from your spreadsheet as .xlsx"
        ))
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not_xlsx(&e))?;
    let mut inflated: u64 = 0;
    for index in 0..archive.len() {
        let part = archive.by_index_raw(index).map_err(|e| not_xlsx(&e))?;
        inflated = inflated.saturating_add(part.size());
    }
    if inflated > MAX_INFLATED_BYTES {
        return Err(whole(format!(
            "the workbook's parts come to {inflated} bytes once unpacked; the limit is {MAX_INFLATED_BYTES}"
        )));
    }
    calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| not_xlsx(&e))
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

/// A sheet as a [`Table`] (row numbers as the spreadsheet shows them), or `None` when the
/// workbook has no sheet of that name (any case).
pub(crate) fn sheet(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    file: &'static str,
    errors: &mut Vec<DefinitionError>,
) -> Option<Table> {
    let actual = workbook
        .sheet_names()
        .into_iter()
        .find(|s| s.trim().eq_ignore_ascii_case(name))?;
    let range = match workbook.worksheet_range(&actual) {
        Ok(range) => range,
        Err(e) => {
            errors.push(DefinitionError {
                file,
                line: None,
                message: format!("the sheet could not be read: {e}"),
            });
            return Some(Table {
                file,
                ..Table::default()
            });
        }
    };
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let mut rows = range.rows().enumerate().map(|(i, cells)| {
        (
            first_row + i + 1,
            cells.iter().map(cell_text).collect::<Vec<_>>(),
        )
    });
    let Some((_, header)) = rows.next() else {
        return Some(Table {
            file,
            ..Table::default()
        });
    };
    let header = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let rows: Vec<(usize, Vec<String>)> = rows.take(MAX_ROWS).collect();
    Some(Table { file, header, rows })
}

/// The fields of a `study` sheet: `key | value` rows after a header row.
fn study_fields(table: &Table, errors: &mut Vec<DefinitionError>) -> StudyFields {
    let mut fields = StudyFields::default();
    for (line, cells) in &table.rows {
        let key = cells.first().map_or("", |k| k.trim());
        if key.is_empty() {
            continue;
        }
        let value = cells.get(1).map_or("", String::as_str);
        if let Err(message) = fields.set(key, value) {
            errors.push(DefinitionError {
                file: table.file,
                line: Some(*line),
                message,
            });
        }
    }
    fields
}

/// A whole study from a workbook: every problem of every sheet at once.
pub(crate) fn study(bytes: &[u8]) -> Result<StudyDefinition, DefinitionErrors> {
    let mut workbook = open(bytes)?;
    let mut errors = Vec::new();
    let missing = |name: &str| DefinitionError {
        file: "the workbook",
        line: None,
        message: format!("it has no sheet called {name:?} (the sheets are study, items, panel)"),
    };
    let study_sheet = sheet(&mut workbook, "study", "sheet study", &mut errors);
    let items_sheet = sheet(&mut workbook, "items", "sheet items", &mut errors);
    let panel_sheet = sheet(&mut workbook, "panel", "sheet panel", &mut errors);
    let fields = match &study_sheet {
        Some(table) => study_fields(table, &mut errors),
        None => {
            errors.push(missing("study"));
            StudyFields::default()
        }
    };
    let mut study = match fields.definition("sheet study") {
        Ok(study) => Some(study),
        Err(problems) => {
            errors.extend(problems.0);
            None
        }
    };
    let sections = study
        .as_ref()
        .map(|s| s.sections.clone())
        .unwrap_or_default();
    let items = match &items_sheet {
        Some(table) => delphi_core::definition::parse_items_with(table, &sections, &mut errors),
        None => {
            errors.push(missing("items"));
            Vec::new()
        }
    };
    let codes: Option<Vec<_>> = study
        .as_ref()
        .map(|s| s.groups.iter().map(|g| g.code.clone()).collect());
    let panel = match &panel_sheet {
        Some(table) => {
            delphi_core::definition::parse_panel_with(table, codes.as_deref(), &mut errors)
        }
        None => Vec::new(),
    };
    match study.take() {
        Some(mut study) if errors.is_empty() => {
            if study.sections.is_empty() {
                for item in &items {
                    if !study.sections.contains(&item.section) {
                        study.sections.push(item.section.clone());
                    }
                }
            }
            study.items = items;
            study.panel = panel;
            Ok(study)
        }
        _ => Err(DefinitionErrors(errors)),
    }
}
