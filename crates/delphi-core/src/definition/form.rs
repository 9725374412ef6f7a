//! A study described by plain fields, as the browser's form and a workbook's `study` sheet
//! give it: one text per field, lists one per line. It is checked exactly like `study.toml`
//! (the same cleaning, limits and settings validation), and every problem names its field.

use serde::{Deserialize, Serialize};

use super::study_file::{check_study, StudyFile};
use super::{DefinitionError, DefinitionErrors, GroupDefinition, StudyDefinition, StudyTeam};
use crate::settings::{
    ConsensusSettings, FeedbackSettings, ScaleSettings, StoppingSettings, StudySettings,
};
use crate::values::GroupCode;

/// The fields of a new study, every one a text as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StudyFields {
    /// Short name in addresses (lower-case letters, digits, `-`).
    pub slug: String,
    /// Title.
    pub title: String,
    /// What the study is about.
    pub description: String,
    /// What panellists agree to.
    pub consent_text: String,
    /// Link to the participant information.
    pub info_url: String,
    /// The team's name.
    pub team_name: String,
    /// The team's institution.
    pub team_institution: String,
    /// The team's contact address.
    pub team_contact: String,
    /// Ethics reference.
    pub ethics_reference: String,
    /// Registry id.
    pub registry_id: String,
    /// Time zone (empty: UTC).
    pub time_zone: String,
    /// Lowest scale point (empty: 1).
    pub scale_min: String,
    /// Highest scale point (empty: 9).
    pub scale_max: String,
    /// One label per point, one per line (none: numbers only).
    pub labels: String,
    /// `yes`/`on`/`true` when panellists may answer "unable to rate".
    pub unable_to_rate: String,
    /// Section names, one per line.
    pub sections: String,
    /// Stakeholder groups, one per line as `code: Name`.
    pub groups: String,
    /// A consensus preset (empty: `comet`).
    pub preset: String,
}

/// The names [`StudyFields::set`] accepts (the keys of a workbook's `study` sheet).
pub const FIELD_NAMES: [&str; 18] = [
    "slug",
    "title",
    "description",
    "consent_text",
    "info_url",
    "team_name",
    "team_institution",
    "team_contact",
    "ethics_reference",
    "registry_id",
    "time_zone",
    "scale_min",
    "scale_max",
    "labels",
    "unable_to_rate",
    "sections",
    "groups",
    "preset",
];

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn yes(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "yes" | "on" | "true" | "1" | "y"
    )
}

impl StudyFields {
    /// Sets the field `key` (one of [`FIELD_NAMES`]); list fields gain a line each time, so a
    /// sheet may give one section or group per row.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let field = match key.trim().to_ascii_lowercase().as_str() {
            "slug" => &mut self.slug,
            "title" => &mut self.title,
            "description" => &mut self.description,
            "consent_text" => &mut self.consent_text,
            "info_url" => &mut self.info_url,
            "team_name" => &mut self.team_name,
            "team_institution" => &mut self.team_institution,
            "team_contact" => &mut self.team_contact,
            "ethics_reference" => &mut self.ethics_reference,
            "registry_id" => &mut self.registry_id,
            "time_zone" => &mut self.time_zone,
            "scale_min" => &mut self.scale_min,
            "scale_max" => &mut self.scale_max,
            "unable_to_rate" => &mut self.unable_to_rate,
            "preset" => &mut self.preset,
            list @ ("labels" | "label" | "sections" | "section" | "groups" | "group") => {
                let field = match list {
                    "labels" | "label" => &mut self.labels,
                    "sections" | "section" => &mut self.sections,
                    _ => &mut self.groups,
                };
                if !field.is_empty() {
                    field.push('\n');
                }
                field.push_str(value);
                return Ok(());
            }
            other => {
                return Err(format!(
                    "unknown key {other:?}; the keys are {}",
                    FIELD_NAMES.join(", ")
                ))
            }
        };
        *field = value.to_owned();
        Ok(())
    }

    /// The study these fields describe (no items and no panel yet), or every problem, each
    /// under `file` (`the form`, `sheet study`).
    pub fn definition(&self, file: &'static str) -> Result<StudyDefinition, DefinitionErrors> {
        let mut errors = Vec::new();
        let mut refuse = |message: String| {
            errors.push(DefinitionError {
                file,
                line: None,
                message,
            })
        };
        let number = |name: &str, text: &str, default: i32, refuse: &mut dyn FnMut(String)| {
            let text = text.trim();
            if text.is_empty() {
                return default;
            }
            text.parse::<i32>().unwrap_or_else(|_| {
                refuse(format!("{name}: {text:?} is not a whole number"));
                default
            })
        };
        let min = number("scale_min", &self.scale_min, 1, &mut refuse);
        let max = number("scale_max", &self.scale_max, 9, &mut refuse);
        let preset = match self.preset.trim() {
            "" => "comet",
            name => name,
        };
        let consensus = ConsensusSettings::preset(preset, min, max).unwrap_or_else(|e| {
            refuse(format!("preset: {e}"));
            ConsensusSettings::preset("comet", 1, 9).unwrap_or_else(|_| unreachable_preset())
        });
        let (agree, disagree) = bands(min, max);
        let mut groups = Vec::new();
        for (index, line) in lines(&self.groups).iter().enumerate() {
            let (code, name) = line.split_once(':').unwrap_or((line, line));
            match GroupCode::parse(code.trim()) {
                Ok(code) => groups.push(GroupDefinition {
                    code,
                    name: name.trim().to_owned(),
                }),
                Err(e) => refuse(format!(
                    "groups line {}: {} (write each group as code: Name)",
                    index + 1,
                    e.0
                )),
            }
        }
        let study = StudyFile {
            slug: self.slug.trim().to_owned(),
            title: self.title.clone(),
            description: self.description.clone(),
            consent_text: self.consent_text.clone(),
            sections: lines(&self.sections),
            groups,
            settings: StudySettings {
                scale: ScaleSettings {
                    min,
                    max,
                    labels: lines(&self.labels),
                    agree,
                    disagree,
                },
                unable_to_rate: yes(&self.unable_to_rate),
                consensus,
                stopping: StoppingSettings::default(),
                feedback: FeedbackSettings::default(),
                outlier_reason: None,
                later_round_invitations: Default::default(),
                counting: Default::default(),
                pages: Default::default(),
                open_questions: Default::default(),
                background: Vec::new(),
            },
            team: StudyTeam {
                name: self.team_name.clone(),
                institution: self.team_institution.clone(),
                contact: self.team_contact.clone(),
                ethics_reference: self.ethics_reference.clone(),
                registry_id: self.registry_id.clone(),
                info_url: self.info_url.clone(),
                time_zone: self.time_zone.clone(),
            },
        };
        let study = check_study(study, file, &mut errors);
        match study {
            Some(study) if errors.is_empty() => Ok(StudyDefinition {
                slug: study.slug,
                title: study.title,
                description: study.description,
                consent_text: study.consent_text,
                sections: study.sections,
                groups: study.groups,
                settings: study.settings,
                team: study.team,
                items: Vec::new(),
                panel: Vec::new(),
            }),
            _ => Err(DefinitionErrors(errors)),
        }
    }
}

/// The agreement and disagreement bands of a scale: its top and bottom thirds (7-9 and 1-3
/// on 1-9), as the presets use them.
pub fn bands(min: i32, max: i32) -> ([i32; 2], [i32; 2]) {
    let points = (i64::from(max) - i64::from(min) + 1).clamp(1, 101) as i32;
    let third = (points / 3).max(1);
    (
        [max.saturating_sub(third - 1), max],
        [min, min.saturating_add(third - 1)],
    )
}

fn unreachable_preset() -> ConsensusSettings {
    ConsensusSettings {
        preset: None,
        consensus_in: "pct(7, 9) >= 70".to_owned(),
        consensus_out: None,
        min_n_for_classification: 5,
        quantile_type: 7,
        short_groups: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> StudyFields {
        StudyFields {
            slug: "link-workers".into(),
            title: "Leadership for link workers".into(),
            consent_text: "I agree.".into(),
            team_name: "SPLW team".into(),
            team_contact: "team@example.org".into(),
            sections: "Patient level\nCommunity level\n".into(),
            groups: "link_workers: Link workers\nmanagers: Managers".into(),
            unable_to_rate: "on".into(),
            ..StudyFields::default()
        }
    }

    #[test]
    fn fields_make_a_study_checked_like_study_toml() {
        let study = fields().definition("the form").unwrap();
        assert_eq!(study.groups.len(), 2);
        assert_eq!(study.sections, ["Patient level", "Community level"]);
        assert_eq!(study.settings.scale.agree, [7, 9]);
        assert_eq!(study.team.contact, "team@example.org");
        assert!(study.settings.unable_to_rate);
        let mut bad = fields();
        bad.slug = "Bad Slug".into();
        bad.title = String::new();
        bad.groups = "bad code!: X".into();
        bad.scale_max = "nine".into();
        bad.team_contact = "nobody".into();
        let errors = bad.definition("the form").unwrap_err().to_string();
        for expected in [
            "scale_max",
            "groups line 1",
            "slug \"Bad Slug\"",
            "title is empty",
            "team.contact",
        ] {
            assert!(errors.contains(expected), "{expected}: {errors}");
        }
        assert!(
            errors.lines().all(|l| l.starts_with("the form: ")),
            "{errors}"
        );
    }

    #[test]
    fn a_sheet_sets_fields_by_key() {
        let mut f = StudyFields::default();
        f.set("Title", "T").unwrap();
        f.set("section", "A").unwrap();
        f.set("section", "B").unwrap();
        assert_eq!((f.title.as_str(), f.sections.as_str()), ("T", "A\nB"));
        assert!(f.set("colour", "x").unwrap_err().contains("unknown key"));
    }
}
