//! `items.csv` and `panel.csv`: one row per item or panellist, every bad line reported.

use std::collections::HashSet;

use super::{
    DefinitionError, ItemDefinition, PanellistDefinition, MAX_FILE_BYTES, MAX_ITEMS, MAX_PANELLISTS,
};
use crate::text::{self, TextKind};
use crate::values::{Email, GroupCode, ItemCode};

/// The line on which a quoted field opens and never closes, read the way the `csv` crate
/// reads (a quote opens a field only at its start; `""` inside is a quote). The crate takes
/// such a field to the end of the file without an error, which would import the rest of the
/// file as one text.
fn unclosed_quote_line(text: &str) -> Option<usize> {
    let mut line = 1;
    let mut field_start = true;
    let mut open_at = None;
    let mut chars = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .chars()
        .peekable();
    while let Some(c) = chars.next() {
        if open_at.is_some() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                } else {
                    open_at = None;
                }
            } else if c == '\n' {
                line += 1;
            }
            continue;
        }
        match c {
            '"' if field_start => {
                open_at = Some(line);
                field_start = false;
            }
            ',' | '\r' => field_start = true,
            '\n' => {
                line += 1;
                field_start = true;
            }
            _ => field_start = false,
        }
    }
    open_at
}

/// How one file is read: its name, its columns and the most rows it may have.
struct CsvFile {
    columns: &'static [&'static str],
    max_rows: usize,
    /// What a row is, for the row limit's message ("items").
    rows: &'static str,
}

/// A file or sheet read into rows of text: its header (lower-cased) and each row with the
/// line (or sheet row) it came from, the header being line 1. A CSV file becomes one with
/// [`Table::from_csv`]; an XLSX sheet is built by the caller row by row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// What errors name: `items.csv`, `sheet items`...
    pub file: &'static str,
    /// The header's column names, lower-cased.
    pub header: Vec<String>,
    /// (line, fields) of each row after the header.
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// Reads a CSV text (at most [`MAX_FILE_BYTES`]); a problem that stops the reading goes
    /// to `errors` and gives `None`.
    pub fn from_csv(
        file: &'static str,
        text: &str,
        errors: &mut Vec<DefinitionError>,
    ) -> Option<Self> {
        let err = |line, message| DefinitionError {
            file,
            line,
            message,
        };
        if text.len() > MAX_FILE_BYTES {
            errors.push(err(
                None,
                format!(
                    "the file has {} bytes; the limit is {MAX_FILE_BYTES} (5 MiB)",
                    text.len()
                ),
            ));
            return None;
        }
        if text.trim().is_empty() {
            return Some(Self {
                file,
                ..Self::default()
            });
        }
        if let Some(line) = unclosed_quote_line(text) {
            errors.push(err(
                Some(line),
                "the quote that opens here is never closed (a field that starts with \" ends with \")"
                    .to_owned(),
            ));
            return None;
        }
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header: Vec<String> = match reader.headers() {
            Ok(h) => h
                .iter()
                .map(|s| s.trim_start_matches('\u{feff}').to_ascii_lowercase())
                .collect(),
            Err(e) => {
                errors.push(err(Some(1), e.to_string()));
                return None;
            }
        };
        let mut rows = Vec::new();
        for record in reader.records() {
            match record {
                Ok(record) => {
                    let line = record.position().map_or(0, |p| p.line() as usize);
                    rows.push((line, record.iter().map(str::to_owned).collect()));
                    if rows.len() > MAX_PANELLISTS + 1 {
                        break;
                    }
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line() as usize);
                    errors.push(err(line, e.to_string()));
                }
            }
        }
        Some(Self { file, header, rows })
    }
}

/// Goes through a table's rows: checks the header names `file.columns`, skips empty rows,
/// stops past the row limit, and calls `row` with (line, fields in `columns` order).
fn read_rows(
    file: &CsvFile,
    table: &Table,
    errors: &mut Vec<DefinitionError>,
    mut row: impl FnMut(usize, &[String], &mut Vec<DefinitionError>),
) {
    let err = |line, message| DefinitionError {
        file: table.file,
        line,
        message,
    };
    if table.header.is_empty() {
        errors.push(err(
            None,
            format!(
                "the file is empty; its first line must be {}",
                file.columns.join(",")
            ),
        ));
        return;
    }
    let mut positions = Vec::new();
    for column in file.columns {
        match table.header.iter().position(|h| h == column) {
            Some(p) => positions.push(p),
            None => {
                errors.push(err(
                    Some(1),
                    format!(
                        "missing column {column:?} (the header must name {})",
                        file.columns.join(",")
                    ),
                ));
                return;
            }
        }
    }
    let mut rows = 0;
    for (line, record) in &table.rows {
        let line = *line;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if rows > file.max_rows {
            errors.push(err(
                Some(line),
                format!(
                    "more than {} {}, the limit of a study",
                    file.max_rows, file.rows
                ),
            ));
            return;
        }
        if record.len() != table.header.len() {
            errors.push(err(
                Some(line),
                format!(
                    "{} fields where the header has {}",
                    record.len(),
                    table.header.len()
                ),
            ));
            continue;
        }
        let fields: Vec<String> = positions
            .iter()
            .map(|&p| record[p].trim().to_owned())
            .collect();
        row(line, &fields, errors);
    }
}

/// A field through [`text::clean`]; a refusal names the column.
fn clean(
    column: &str,
    kind: TextKind,
    value: &str,
    refuse: &mut impl FnMut(String),
) -> Option<String> {
    text::clean(kind, value)
        .map_err(|e| refuse(format!("{column}: {e}")))
        .ok()
}

pub(super) fn parse_items(
    text: &str,
    sections: &[String],
    errors: &mut Vec<DefinitionError>,
) -> Vec<ItemDefinition> {
    match Table::from_csv("items.csv", text, errors) {
        Some(table) => parse_items_with(&table, sections, errors),
        None => Vec::new(),
    }
}

/// The items of a table (`code`, `section`, `text`), every bad row named by line in
/// `errors`. With `sections` given, an item must use one of them.
pub fn parse_items_with(
    table: &Table,
    sections: &[String],
    errors: &mut Vec<DefinitionError>,
) -> Vec<ItemDefinition> {
    const FILE: CsvFile = CsvFile {
        columns: &["code", "section", "text"],
        max_rows: MAX_ITEMS,
        rows: "items",
    };
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    read_rows(&FILE, table, errors, |line, fields, errors| {
        let before = errors.len();
        let mut refuse = |message: String| {
            errors.push(DefinitionError {
                file: table.file,
                line: Some(line),
                message,
            })
        };
        let code = ItemCode::parse(&fields[0]).map_err(|e| refuse(e.0)).ok();
        let section = clean("section", TextKind::Section, &fields[1], &mut refuse);
        match section.as_deref() {
            Some("") => refuse("empty section".into()),
            Some(section)
                if !sections.is_empty() && !sections.iter().any(|s| s.as_str() == section) =>
            {
                refuse(format!(
                    "unknown section {section:?} (the study's sections are {})",
                    sections.join(", ")
                ))
            }
            _ => {}
        }
        let item_text = clean("text", TextKind::ItemText, &fields[2], &mut refuse);
        if item_text.as_deref() == Some("") {
            refuse("empty text".into());
        }
        if let Some(code) = &code {
            if !seen.insert(code.clone()) {
                refuse(format!("item code {code} appears twice"));
            }
        }
        if let (Some(code), Some(section), Some(text), true) =
            (code, section, item_text, errors.len() == before)
        {
            items.push(ItemDefinition {
                code,
                section,
                text,
            });
        }
    });
    if items.is_empty() && errors.iter().all(|e| e.file != table.file) {
        errors.push(DefinitionError {
            file: table.file,
            line: None,
            message: "no items".into(),
        });
    }
    items
}

pub(super) fn parse_panel(
    text: &str,
    groups: Option<&[GroupCode]>,
    errors: &mut Vec<DefinitionError>,
) -> Vec<PanellistDefinition> {
    match Table::from_csv("panel.csv", text, errors) {
        Some(table) => parse_panel_with(&table, groups, errors),
        None => Vec::new(),
    }
}

/// The panel of a table (`email`, `name`, `group`), every bad row named by line in
/// `errors` (bad addresses, an address twice, an unknown group when `groups` is given).
pub fn parse_panel_with(
    table: &Table,
    groups: Option<&[GroupCode]>,
    errors: &mut Vec<DefinitionError>,
) -> Vec<PanellistDefinition> {
    const FILE: CsvFile = CsvFile {
        columns: &["email", "name", "group"],
        max_rows: MAX_PANELLISTS,
        rows: "panellists",
    };
    let mut panel = Vec::new();
    let mut seen = HashSet::new();
    read_rows(&FILE, table, errors, |line, fields, errors| {
        let before = errors.len();
        let mut refuse = |message: String| {
            errors.push(DefinitionError {
                file: table.file,
                line: Some(line),
                message,
            })
        };
        let email = Email::parse(&fields[0]).map_err(|e| refuse(e.0)).ok();
        let name = clean("name", TextKind::Name, &fields[1], &mut refuse);
        let group = GroupCode::parse(&fields[2]).map_err(|e| refuse(e.0)).ok();
        if let (Some(group), Some(known)) = (&group, groups) {
            if !known.contains(group) {
                let names: Vec<&str> = known.iter().map(|g| g.as_str()).collect();
                refuse(format!(
                    "unknown group {:?} (the study's groups are {})",
                    group.as_str(),
                    names.join(", ")
                ));
            }
        }
        if let Some(email) = &email {
            if !seen.insert(email.as_str().to_ascii_lowercase()) {
                refuse(format!("{email} appears twice"));
            }
        }
        if let (Some(email), Some(name), Some(group), true) =
            (email, name, group, errors.len() == before)
        {
            let name = Some(name).filter(|n| !n.is_empty());
            panel.push(PanellistDefinition { email, name, group });
        }
    });
    panel
}
