//! A study folder (`study.toml`, `items.csv`, `panel.csv`) parsed into a definition.
//! Every bad line is reported (`items.csv line 7: empty text`), and nothing is partial.

use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;

use crate::settings::StudySettings;
use crate::values::{Email, GroupCode, ItemCode};

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
    /// Candidate items.
    pub items: Vec<ItemDefinition>,
    /// Panel.
    pub panel: Vec<PanellistDefinition>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StudyFile {
    slug: String,
    title: String,
    description: String,
    consent_text: String,
    #[serde(default)]
    sections: Vec<String>,
    groups: Vec<GroupDefinition>,
    settings: StudySettings,
}

const MAX_TEXT: usize = 2000;

impl StudyDefinition {
    /// Parses the three files; returns every problem at once, or the whole definition.
    pub fn parse(
        study_toml: &str,
        items_csv: &str,
        panel_csv: &str,
    ) -> Result<Self, DefinitionErrors> {
        let mut errors = Vec::new();
        let study = parse_study(study_toml, &mut errors);
        let sections = study
            .as_ref()
            .map(|s| s.sections.clone())
            .unwrap_or_default();
        let items = parse_items(items_csv, &sections, &mut errors);
        let groups: Option<Vec<GroupCode>> = study
            .as_ref()
            .map(|s| s.groups.iter().map(|g| g.code.clone()).collect());
        let panel = parse_panel(panel_csv, groups.as_deref(), &mut errors);
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
                    items,
                    panel,
                })
            }
            _ => Err(DefinitionErrors(errors)),
        }
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

fn parse_study(text: &str, errors: &mut Vec<DefinitionError>) -> Option<StudyFile> {
    let err = |line, message| DefinitionError {
        file: "study.toml",
        line,
        message,
    };
    let study: StudyFile = match toml::from_str(text) {
        Ok(study) => study,
        Err(e) => {
            let line = e.span().map(|span| line_of(text, span.start));
            errors.push(err(line, e.message().trim().to_owned()));
            return None;
        }
    };
    let before = errors.len();
    let slug_ok = !study.slug.is_empty()
        && study.slug.len() <= 64
        && study
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !slug_ok {
        errors.push(err(
            None,
            format!(
                "slug {:?} must be 1-64 lower-case letters, digits or '-'",
                study.slug
            ),
        ));
    }
    for (name, value) in [
        ("title", &study.title),
        ("consent_text", &study.consent_text),
    ] {
        if value.trim().is_empty() {
            errors.push(err(None, format!("{name} is empty")));
        }
    }
    if study.groups.is_empty() {
        errors.push(err(
            None,
            "at least one stakeholder group is needed ([[groups]])".into(),
        ));
    }
    let mut codes = HashSet::new();
    for group in &study.groups {
        if !codes.insert(group.code.clone()) {
            errors.push(err(
                None,
                format!("group code {} appears twice", group.code),
            ));
        }
        if group.name.trim().is_empty() {
            errors.push(err(None, format!("group {} has an empty name", group.code)));
        }
    }
    if let Err(problems) = study.settings.validate() {
        for problem in problems {
            errors.push(err(None, format!("settings.{problem}")));
        }
    }
    (errors.len() == before).then_some(study)
}

/// Reads a CSV with a required header; calls `row` with (line, fields by header name).
fn read_csv(
    file: &'static str,
    text: &str,
    columns: &[&str],
    errors: &mut Vec<DefinitionError>,
    mut row: impl FnMut(usize, &[String], &mut Vec<DefinitionError>),
) {
    let err = |line, message| DefinitionError {
        file,
        line,
        message,
    };
    if text.trim().is_empty() {
        errors.push(err(
            None,
            format!(
                "the file is empty; its first line must be {}",
                columns.join(",")
            ),
        ));
        return;
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
            return;
        }
    };
    let mut positions = Vec::new();
    for column in columns {
        match header.iter().position(|h| h == column) {
            Some(p) => positions.push(p),
            None => {
                errors.push(err(
                    Some(1),
                    format!(
                        "missing column {column:?} (the header must name {})",
                        columns.join(",")
                    ),
                ));
                return;
            }
        }
    }
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line() as usize);
                if record.iter().all(|f| f.is_empty()) {
                    continue;
                }
                if record.len() != header.len() {
                    errors.push(err(
                        Some(line),
                        format!(
                            "{} fields where the header has {}",
                            record.len(),
                            header.len()
                        ),
                    ));
                    continue;
                }
                let fields: Vec<String> = positions.iter().map(|&p| record[p].to_owned()).collect();
                row(line, &fields, errors);
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                errors.push(err(line, e.to_string()));
            }
        }
    }
}

fn parse_items(
    text: &str,
    sections: &[String],
    errors: &mut Vec<DefinitionError>,
) -> Vec<ItemDefinition> {
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    read_csv(
        "items.csv",
        text,
        &["code", "section", "text"],
        errors,
        |line, fields, errors| {
            let err = |message: String| DefinitionError {
                file: "items.csv",
                line: Some(line),
                message,
            };
            let (code, section, item_text) = (&fields[0], &fields[1], &fields[2]);
            let before = errors.len();
            let code = match ItemCode::parse(code) {
                Ok(code) => Some(code),
                Err(e) => {
                    errors.push(err(e.0));
                    None
                }
            };
            if section.is_empty() {
                errors.push(err("empty section".into()));
            } else if !sections.is_empty() && !sections.contains(section) {
                errors.push(err(format!(
                    "unknown section {section:?} (study.toml lists {})",
                    sections.join(", ")
                )));
            }
            if item_text.is_empty() {
                errors.push(err("empty text".into()));
            } else if item_text.chars().count() > MAX_TEXT {
                errors.push(err(format!(
                    "the text is longer than {MAX_TEXT} characters"
                )));
            }
            if let Some(code) = &code {
                if !seen.insert(code.clone()) {
                    errors.push(err(format!("item code {code} appears twice")));
                }
            }
            if let (Some(code), true) = (code, errors.len() == before) {
                items.push(ItemDefinition {
                    code,
                    section: section.clone(),
                    text: item_text.clone(),
                });
            }
        },
    );
    if items.is_empty() && errors.iter().all(|e| e.file != "items.csv") {
        errors.push(DefinitionError {
            file: "items.csv",
            line: None,
            message: "no items".into(),
        });
    }
    items
}

fn parse_panel(
    text: &str,
    groups: Option<&[GroupCode]>,
    errors: &mut Vec<DefinitionError>,
) -> Vec<PanellistDefinition> {
    let mut panel = Vec::new();
    let mut seen = HashSet::new();
    read_csv(
        "panel.csv",
        text,
        &["email", "name", "group"],
        errors,
        |line, fields, errors| {
            let err = |message: String| DefinitionError {
                file: "panel.csv",
                line: Some(line),
                message,
            };
            let before = errors.len();
            let email = Email::parse(&fields[0])
                .map_err(|e| errors.push(err(e.0)))
                .ok();
            let group = GroupCode::parse(&fields[2])
                .map_err(|e| errors.push(err(e.0)))
                .ok();
            if let (Some(group), Some(known)) = (&group, groups) {
                if !known.contains(group) {
                    let names: Vec<&str> = known.iter().map(|g| g.as_str()).collect();
                    errors.push(err(format!(
                        "unknown group {group:?} (study.toml has {})",
                        names.join(", ")
                    )));
                }
            }
            if let Some(email) = &email {
                if !seen.insert(email.as_str().to_ascii_lowercase()) {
                    errors.push(err(format!("{email} appears twice")));
                }
            }
            if let (Some(email), Some(group), true) = (email, group, errors.len() == before) {
                let name = Some(fields[1].clone()).filter(|n| !n.is_empty());
                panel.push(PanellistDefinition { email, name, group });
            }
        },
    );
    panel
}

#[cfg(test)]
mod tests;
