//! `study.toml`: the study's texts, sections, stakeholder groups and settings.

use std::collections::HashSet;

use serde::Deserialize;

use super::{DefinitionError, GroupDefinition, StudyTeam, MAX_FILE_BYTES};
use crate::settings::StudySettings;
use crate::text::{self, TextKind};

/// Most sections a study may have.
pub const MAX_SECTIONS: usize = 100;
/// Most stakeholder groups a study may have.
pub const MAX_GROUPS: usize = 50;

/// `study.toml` as written (texts cleaned by [`parse_study`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StudyFile {
    pub(super) slug: String,
    pub(super) title: String,
    pub(super) description: String,
    pub(super) consent_text: String,
    #[serde(default)]
    pub(super) sections: Vec<String>,
    pub(super) groups: Vec<GroupDefinition>,
    pub(super) settings: StudySettings,
    #[serde(default)]
    pub(super) team: StudyTeam,
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

fn error(line: Option<usize>, message: String) -> DefinitionError {
    DefinitionError {
        file: "study.toml",
        line,
        message,
    }
}

/// The checks of [`parse_study`] on a study however it was given (`file` names it in the
/// errors: `study.toml`, `the form`, `sheet study`).
pub(super) fn check_study(
    mut study: StudyFile,
    file: &'static str,
    errors: &mut Vec<DefinitionError>,
) -> Option<StudyFile> {
    let mut mine = Vec::new();
    let slug_ok = !study.slug.is_empty()
        && study.slug.len() <= 64
        && study
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let reserved = "new"; // the short name of the page /admin/studies/new
    if study.slug == reserved {
        mine.push(error(
            None,
            "slug \"new\" is taken by the page that creates studies; choose another".to_owned(),
        ));
    } else if !slug_ok {
        mine.push(error(
            None,
            format!(
                "slug {:?} must be 1-64 lower-case letters, digits or '-'",
                study.slug
            ),
        ));
    }
    clean_texts(&mut study, &mut mine);
    for (name, value) in [
        ("title", &study.title),
        ("consent_text", &study.consent_text),
    ] {
        if value.is_empty() {
            mine.push(error(None, format!("{name} is empty")));
        }
    }
    for (field, message) in study.team.clean() {
        let key = field.strip_prefix("team_").unwrap_or(field);
        mine.push(error(None, format!("team.{key}: {message}")));
    }
    check_groups(&study.groups, &mut mine);
    if let Err(problems) = study.settings.validate() {
        for problem in problems {
            mine.push(error(None, format!("settings.{problem}")));
        }
    }
    let ok = mine.is_empty();
    errors.extend(mine.into_iter().map(|e| DefinitionError { file, ..e }));
    ok.then_some(study)
}

/// Reads and checks `study.toml`; every problem goes to `errors`, and the study only when
/// there is none.
pub(super) fn parse_study(text: &str, errors: &mut Vec<DefinitionError>) -> Option<StudyFile> {
    if text.len() > MAX_FILE_BYTES {
        errors.push(error(
            None,
            format!(
                "the file has {} bytes; the limit is {MAX_FILE_BYTES} (5 MiB)",
                text.len()
            ),
        ));
        return None;
    }
    let study: StudyFile = match toml::from_str(text) {
        Ok(study) => study,
        Err(e) => {
            let line = e.span().map(|span| line_of(text, span.start));
            errors.push(error(line, e.message().trim().to_owned()));
            return None;
        }
    };
    check_study(study, "study.toml", errors)
}

/// Every text of the file through [`text::clean`]: the cleaned text replaces what was
/// written, a refusal names the field.
fn clean_texts(study: &mut StudyFile, errors: &mut Vec<DefinitionError>) {
    let mut clean =
        |field: String, kind: TextKind, value: &mut String| match text::clean(kind, value) {
            Ok(cleaned) => *value = cleaned,
            Err(e) => errors.push(error(None, format!("{field}: {e}"))),
        };
    clean("title".into(), TextKind::Title, &mut study.title);
    clean(
        "description".into(),
        TextKind::Description,
        &mut study.description,
    );
    clean(
        "consent_text".into(),
        TextKind::ConsentText,
        &mut study.consent_text,
    );
    for (index, section) in study.sections.iter_mut().enumerate() {
        clean(format!("sections[{index}]"), TextKind::Section, section);
    }
    for (index, group) in study.groups.iter_mut().enumerate() {
        clean(
            format!("groups[{index}].name"),
            TextKind::GroupName,
            &mut group.name,
        );
    }
    if study.sections.len() > MAX_SECTIONS {
        errors.push(error(
            None,
            format!(
                "sections: {} sections; the limit is {MAX_SECTIONS}",
                study.sections.len()
            ),
        ));
    }
}

fn check_groups(groups: &[GroupDefinition], errors: &mut Vec<DefinitionError>) {
    if groups.is_empty() {
        errors.push(error(
            None,
            "at least one stakeholder group is needed ([[groups]])".into(),
        ));
    }
    if groups.len() > MAX_GROUPS {
        errors.push(error(
            None,
            format!(
                "groups: {} stakeholder groups; the limit is {MAX_GROUPS}",
                groups.len()
            ),
        ));
    }
    let mut codes = HashSet::new();
    for group in groups {
        if !codes.insert(group.code.clone()) {
            errors.push(error(
                None,
                format!("group code {} appears twice", group.code),
            ));
        }
        if group.name.is_empty() {
            errors.push(error(
                None,
                format!("group {} has an empty name", group.code),
            ));
        }
    }
}
