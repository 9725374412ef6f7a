//! Uploaded files: a study folder's three files or one workbook to create (or replace) a
//! draft, and more items or panellists from a CSV file or a workbook's sheet. Every bad row is
//! named by file or sheet and line, and nothing is imported when any row is bad.

use delphi_core::definition::{
    parse_items_with, parse_panel_with, DefinitionError, DefinitionErrors, ItemDefinition,
    PanellistDefinition, StudyDefinition, Table,
};
use delphi_core::values::GroupCode;
use delphi_store::{panellists, studies};

use super::{definition_refused, workbook};
use crate::access::{self, Actor, Permission};
use crate::{App, AppError};

/// One uploaded file: the name it was sent with and its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Upload {
    /// The file's name as sent (`items.csv`, `study.xlsx`); decides CSV or XLSX.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl Upload {
    /// Whether the file is a workbook (by name, or by the zip signature of its bytes).
    pub fn is_workbook(&self) -> bool {
        self.name.to_ascii_lowercase().ends_with(".xlsx") || self.bytes.starts_with(b"PK\x03\x04")
    }

    fn text(&self, file: &'static str) -> Result<&str, DefinitionErrors> {
        std::str::from_utf8(&self.bytes).map_err(|e| {
            DefinitionErrors(vec![DefinitionError {
                file,
                line: None,
                message: format!(
                    "the file is not UTF-8 text (byte {}); save it as CSV UTF-8",
                    e.valid_up_to() + 1
                ),
            }])
        })
    }
}

/// The study folder's files as uploaded (the panel may come later).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderUpload {
    /// `study.toml`.
    pub study_toml: Option<Upload>,
    /// `items.csv`.
    pub items_csv: Option<Upload>,
    /// `panel.csv` (optional: the panel can be imported later).
    pub panel_csv: Option<Upload>,
}

/// The definition of uploaded folder files, every problem of every file at once.
pub fn read_folder(upload: &FolderUpload) -> Result<StudyDefinition, DefinitionErrors> {
    let mut errors = Vec::new();
    let mut text = |file: &'static str, upload: &Option<Upload>, default: &'static str| match upload
    {
        None => default.to_owned(),
        Some(upload) => match upload.text(file) {
            Ok(text) => text.to_owned(),
            Err(e) => {
                errors.extend(e.0);
                default.to_owned()
            }
        },
    };
    let study = text("study.toml", &upload.study_toml, "");
    let items = text("items.csv", &upload.items_csv, "");
    let panel = text("panel.csv", &upload.panel_csv, "email,name,group\n");
    if upload.study_toml.is_none() {
        errors.push(DefinitionError {
            file: "study.toml",
            line: None,
            message: "choose the study.toml file".to_owned(),
        });
    }
    match StudyDefinition::parse(&study, &items, &panel) {
        Ok(definition) if errors.is_empty() => Ok(definition),
        Ok(_) => Err(DefinitionErrors(errors)),
        Err(more) => {
            errors.extend(more.0);
            Err(DefinitionErrors(errors))
        }
    }
}

/// Creates a draft from the folder's files (or replaces the caller's draft of the same short
/// name). Returns the study's short name.
pub fn create_from_folder(
    app: &App,
    actor: &Actor,
    upload: &FolderUpload,
) -> Result<String, AppError> {
    let definition = read_folder(upload).map_err(|e| definition_refused(&e))?;
    crate::studies::create_from_definition(app, actor, &definition, None)?;
    Ok(definition.slug)
}

/// Creates a draft from one workbook (sheets `study`, `items`, `panel`), or replaces the
/// caller's draft of the same short name. Returns the study's short name.
pub fn create_from_workbook(app: &App, actor: &Actor, bytes: &[u8]) -> Result<String, AppError> {
    let definition = workbook::study(bytes).map_err(|e| definition_refused(&e))?;
    crate::studies::create_from_definition(app, actor, &definition, None)?;
    Ok(definition.slug)
}

/// The table of an uploaded CSV file or of a workbook's sheet `sheet`.
fn table_of(
    upload: &Upload,
    csv_name: &'static str,
    sheet: &'static str,
    sheet_label: &'static str,
    errors: &mut Vec<DefinitionError>,
) -> Option<Table> {
    if upload.is_workbook() {
        let mut book = match workbook::open(&upload.bytes) {
            Ok(book) => book,
            Err(e) => {
                errors.extend(e.0);
                return None;
            }
        };
        let table = workbook::sheet(&mut book, sheet, sheet_label, errors);
        if table.is_none() {
            errors.push(DefinitionError {
                file: "the workbook",
                line: None,
                message: format!("it has no sheet called {sheet:?}"),
            });
        }
        table
    } else {
        match upload.text(csv_name) {
            Ok(text) => Table::from_csv(csv_name, text, errors),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        }
    }
}

/// Rows of `table` whose `column` repeats one of `existing` (compared without case), each
/// named by line: `message` says what the value is.
fn already_there(
    table: &Table,
    column: &str,
    existing: &[String],
    message: impl Fn(&str) -> String,
    errors: &mut Vec<DefinitionError>,
) {
    let Some(at) = table.header.iter().position(|h| h == column) else {
        return;
    };
    for (line, cells) in &table.rows {
        let Some(raw) = cells.get(at).map(|c| c.trim()) else {
            continue;
        };
        if !raw.is_empty() && existing.iter().any(|e| e.eq_ignore_ascii_case(raw)) {
            errors.push(DefinitionError {
                file: table.file,
                line: Some(*line),
                message: message(raw),
            });
        }
    }
}

/// Reads more items from a CSV file or a workbook's `items` sheet; `sections` (when not
/// empty) are the study's, `existing` its item codes (a code used already is named by line).
pub fn read_items(
    upload: &Upload,
    sections: &[String],
    existing: &[String],
) -> Result<Vec<ItemDefinition>, DefinitionErrors> {
    let mut errors = Vec::new();
    let table = table_of(upload, "items.csv", "items", "sheet items", &mut errors);
    let items = table
        .as_ref()
        .map(|table| parse_items_with(table, sections, &mut errors))
        .unwrap_or_default();
    if let Some(table) = &table {
        let used = |code: &str| format!("item code {code} is already used in this study");
        already_there(table, "code", existing, used, &mut errors);
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        errors.sort_by_key(|e| (e.file, e.line));
        Err(DefinitionErrors(errors))
    }
}

/// Adds items from an uploaded file to a draft study, all or none.
pub fn import_items(
    app: &App,
    actor: &Actor,
    slug: &str,
    upload: &Upload,
) -> Result<usize, AppError> {
    let (sections, existing) = {
        let mut conn = app.conn()?;
        let (study, _) = access::study(&mut conn, actor, slug, Permission::Manage)?;
        let codes = delphi_store::items::for_study(&mut conn, &study.id)?
            .into_iter()
            .map(|i| i.code)
            .collect::<Vec<_>>();
        (super::items::sections_of(&mut conn, &study)?, codes)
    };
    let items = read_items(upload, &sections, &existing).map_err(|e| definition_refused(&e))?;
    crate::studies::add_items(app, actor, slug, &items)?;
    Ok(items.len())
}

/// Reads panellists from a CSV file or a workbook's `panel` sheet and checks them against the
/// study's groups and its panel: an address already on the panel is named by line.
fn read_panel(
    upload: &Upload,
    groups: &[GroupCode],
    existing: &[String],
) -> Result<Vec<PanellistDefinition>, DefinitionErrors> {
    let mut errors = Vec::new();
    let table = table_of(upload, "panel.csv", "panel", "sheet panel", &mut errors);
    let panel = table
        .as_ref()
        .map(|table| parse_panel_with(table, Some(groups), &mut errors))
        .unwrap_or_default();
    if let Some(table) = &table {
        let on_panel = |email: &str| format!("{email} is already on the panel");
        already_there(table, "email", existing, on_panel, &mut errors);
    }
    if errors.is_empty() {
        Ok(panel)
    } else {
        errors.sort_by_key(|e| (e.file, e.line));
        Err(DefinitionErrors(errors))
    }
}

/// Adds panellists from an uploaded file, all or none. Returns how many.
pub fn import_panel(
    app: &App,
    actor: &Actor,
    slug: &str,
    upload: &Upload,
) -> Result<usize, AppError> {
    let (groups, existing) = {
        let mut conn = app.conn()?;
        let (study, _) = access::study(&mut conn, actor, slug, Permission::Manage)?;
        let groups = studies::groups(&mut conn, &study.id)?
            .into_iter()
            .filter_map(|g| GroupCode::parse(&g.code).ok())
            .collect::<Vec<_>>();
        let existing = panellists::for_study(&mut conn, &study.id)?
            .into_iter()
            .map(|p| p.email.to_ascii_lowercase())
            .collect::<Vec<_>>();
        (groups, existing)
    };
    let panel = read_panel(upload, &groups, &existing).map_err(|e| definition_refused(&e))?;
    crate::studies::add_panellists(app, actor, slug, &panel)?;
    Ok(panel.len())
}
