//! A study folder (`study.toml`, `items.csv`, `panel.csv`) parsed into a definition.
//! Every bad line is reported (`items.csv line 7: empty text`), and nothing is partial.
//!
//! Every text goes through [`crate::text::clean`] (NFC, no control or bidirectional
//! characters, a length limit per kind) and is stored as cleaned. Each file has at most
//! [`MAX_FILE_BYTES`]; a study at most [`MAX_ITEMS`] items and [`MAX_PANELLISTS`] panellists,
//! [`MAX_SECTIONS`] sections and [`MAX_GROUPS`] groups.

mod csv_files;
mod form;
mod study_file;
mod team;

use std::fmt;

use serde::Deserialize;

use crate::settings::StudySettings;
use crate::values::{Email, GroupCode, ItemCode};

pub use csv_files::{parse_items_with, parse_panel_with, Table};
pub use form::{bands, StudyFields, FIELD_NAMES};
pub use study_file::{MAX_GROUPS, MAX_SECTIONS};
pub use team::{time_zone_ok, StudyTeam, MAX_URL_CHARS};

/// One problem in one file, at a line when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    /// `study.toml`, `items.csv` or `panel.csv`.
    pub file: &'static str,
    /// 1-based line as a text editor shows it (the header is line 1).
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Every problem found in a study folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionErrors(pub Vec<DefinitionError>);

impl fmt::Display for DefinitionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DefinitionErrors {}

/// A stakeholder group.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDefinition {
    /// Code used in panel.csv.
    pub code: GroupCode,
    /// Name shown to people.
    pub name: String,
}

/// A candidate item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemDefinition {
    /// Code, unique in the study.
    pub code: ItemCode,
    /// Section heading it sits under.
    pub section: String,
    /// The words panellists rate.
    pub text: String,
}

/// A panel member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanellistDefinition {
    /// Where invitations go.
    pub email: Email,
    /// Optional name, used in greetings only (never in exports).
    pub name: Option<String>,
    /// Stakeholder group code.
    pub group: GroupCode,
}

/// A whole study as imported.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyDefinition {
    /// Short unique name used in URLs.
    pub slug: String,
    /// Title.
    pub title: String,
    /// What the study is about (shown to panellists).
    pub description: String,
    /// What panellists agree to.
    pub consent_text: String,
    /// Section names in order (items must use one of them).
    pub sections: Vec<String>,
    /// Stakeholder groups.
    pub groups: Vec<GroupDefinition>,
    /// Scale, rules, feedback.
    pub settings: StudySettings,
    /// Who runs the study (`[team]`), its ethics reference, registry id, information link
    /// and time zone.
    pub team: StudyTeam,
    /// Candidate items.
    pub items: Vec<ItemDefinition>,
    /// Panel.
    pub panel: Vec<PanellistDefinition>,
}

/// Most bytes each file of a study folder may have: 5 MiB.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Most items a study may have.
pub const MAX_ITEMS: usize = 2_000;
/// Most panellists a study may have.
pub const MAX_PANELLISTS: usize = 20_000;

impl StudyDefinition {
    /// Parses the three files; returns every problem at once, or the whole definition.
    pub fn parse(
        study_toml: &str,
        items_csv: &str,
        panel_csv: &str,
    ) -> Result<Self, DefinitionErrors> {
        let mut errors = Vec::new();
        let study = study_file::parse_study(study_toml, &mut errors);
        let sections = study
            .as_ref()
            .map(|s| s.sections.clone())
            .unwrap_or_default();
        let items = csv_files::parse_items(items_csv, &sections, &mut errors);
        let groups: Option<Vec<GroupCode>> = study
            .as_ref()
            .map(|s| s.groups.iter().map(|g| g.code.clone()).collect());
        let panel = csv_files::parse_panel(panel_csv, groups.as_deref(), &mut errors);
        match study {
            Some(study) if errors.is_empty() => {
                let sections = if study.sections.is_empty() {
                    let mut seen = Vec::new();
                    for item in &items {
                        if !seen.contains(&item.section) {
                            seen.push(item.section.clone());
                        }
                    }
                    seen
                } else {
                    study.sections
                };
                Ok(Self {
                    slug: study.slug,
                    title: study.title,
                    description: study.description,
                    consent_text: study.consent_text,
                    sections,
                    groups: study.groups,
                    settings: study.settings,
                    team: study.team,
                    items,
                    panel,
                })
            }
            _ => Err(DefinitionErrors(errors)),
        }
    }
}

#[cfg(test)]
mod tests;
