//! The questions a study asks besides its items: the open question of round 1 ("is anything
//! missing?", per section or overall) and the short background questionnaire shown after
//! consent (role, years in role, region...). Both are part of [`crate::StudySettings`]; this
//! module holds their shape, the checks of a configuration and of an answer. No I/O.

use serde::{Deserialize, Serialize};

use crate::text::{self, TextKind};

/// The most background questions a study may ask (a short questionnaire, not a survey).
pub const MAX_QUESTIONS: usize = 20;
/// The most options a choice question may offer.
pub const MAX_OPTIONS: usize = 30;
/// The longest question id.
pub const MAX_ID: usize = 32;

/// Round 1's open question: "is anything missing?".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenQuestionSettings {
    /// Asked at the end of every section of items.
    #[serde(default)]
    pub per_section: bool,
    /// Asked once, at the end of the round's items.
    #[serde(default)]
    pub overall: bool,
}

impl OpenQuestionSettings {
    /// Whether round 1 asks any open question.
    pub fn any(&self) -> bool {
        self.per_section || self.overall
    }
}

/// What kind of answer a background question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// One of the options.
    Single,
    /// Any of the options, each at most once.
    Multiple,
    /// A whole number between `min` and `max`.
    Number,
    /// A short line of text.
    Text,
}

impl QuestionKind {
    /// The word used in settings, files and exports.
    pub fn word(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Multiple => "multiple",
            Self::Number => "number",
            Self::Text => "text",
        }
    }

    fn has_options(self) -> bool {
        matches!(self, Self::Single | Self::Multiple)
    }
}

/// One background question as the researcher configures it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackgroundQuestion {
    /// A short id (lower-case letters, digits, `_`), the column name in exports.
    pub id: String,
    /// The question as the panellist reads it.
    pub label: String,
    /// What kind of answer it takes.
    pub kind: QuestionKind,
    /// The options of a choice question, in the order shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The smallest number accepted (number questions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// The largest number accepted (number questions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

/// A bad configuration or a refused answer, naming the question.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QuestionError(pub String);

/// Checks a questionnaire; returns every problem, each naming the question (`background[2]
/// (role): ...`).
pub fn validate(questions: &[BackgroundQuestion]) -> Vec<String> {
    let mut problems = Vec::new();
    if questions.len() > MAX_QUESTIONS {
        problems.push(format!(
            "background: {} questions; the limit is {MAX_QUESTIONS}",
            questions.len()
        ));
    }
    let mut ids = std::collections::HashSet::new();
    for (index, q) in questions.iter().enumerate() {
        let name = format!("background[{index}] ({})", q.id);
        let mut problem = |text: String| problems.push(format!("{name}: {text}"));
        let id_ok = !q.id.is_empty()
            && q.id.len() <= MAX_ID
            && q.id.starts_with(|c: char| c.is_ascii_lowercase())
            && q.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !id_ok {
            problem(format!(
                "the id must be 1 to {MAX_ID} lower-case letters, digits or _, starting with a letter"
            ));
        }
        if !ids.insert(q.id.as_str()) {
            problem("the id is used by an earlier question".to_owned());
        }
        match text::clean(TextKind::Question, &q.label) {
            Ok(label) if label.is_empty() => problem("the question has no words".to_owned()),
            Ok(_) => {}
            Err(err) => problem(err.0),
        }
        if q.kind.has_options() {
            if q.options.len() < 2 {
                problem(format!(
                    "a {} choice question needs at least 2 options",
                    q.kind.word()
                ));
            }
            if q.options.len() > MAX_OPTIONS {
                problem(format!(
                    "{} options; the limit is {MAX_OPTIONS}",
                    q.options.len()
                ));
            }
            let mut seen = std::collections::HashSet::new();
            for (n, option) in q.options.iter().enumerate() {
                match text::clean(TextKind::Question, option) {
                    Ok(o) if o.is_empty() => problem(format!("option {} is empty", n + 1)),
                    Ok(o) if !seen.insert(o.to_lowercase()) => {
                        problem(format!("option {} ({o:?}) is offered twice", n + 1))
                    }
                    Ok(_) => {}
                    Err(err) => problem(format!("option {}: {err}", n + 1)),
                }
            }
        } else if !q.options.is_empty() {
            problem(format!("a {} question takes no options", q.kind.word()));
        }
        match (q.kind, q.min, q.max) {
            (QuestionKind::Number, Some(min), Some(max)) if min > max => {
                problem(format!("min {min} is above max {max}"))
            }
            (QuestionKind::Number, Some(_), Some(_)) => {}
            (QuestionKind::Number, _, _) => {
                problem("a number question needs both min and max".to_owned())
            }
            (_, None, None) => {}
            (kind, _, _) => problem(format!("a {} question takes no min or max", kind.word())),
        }
    }
    problems
}

impl BackgroundQuestion {
    /// Checks the values a panellist gave (several only for a multiple choice) and returns
    /// the answer to store, or `None` when nothing was given ("prefer not to say").
    /// Stored form: the option's words; a multiple choice's options one per line in the
    /// order offered; a number in decimal; a text cleaned.
    pub fn answer(&self, values: &[String]) -> Result<Option<String>, QuestionError> {
        let refuse = |why: String| QuestionError(format!("{} ({}): {why}", self.label, self.id));
        let given: Vec<&str> = values
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        if given.is_empty() {
            return Ok(None);
        }
        match self.kind {
            QuestionKind::Single | QuestionKind::Multiple => {
                if self.kind == QuestionKind::Single && given.len() > 1 {
                    return Err(refuse("choose one option".to_owned()));
                }
                let mut chosen = vec![false; self.options.len()];
                for value in &given {
                    let at = self
                        .options
                        .iter()
                        .position(|o| o == value)
                        .ok_or_else(|| refuse(format!("{value:?} is not one of the options")))?;
                    if chosen[at] {
                        return Err(refuse(format!("{value:?} is chosen twice")));
                    }
                    chosen[at] = true;
                }
                let words: Vec<&str> = self
                    .options
                    .iter()
                    .zip(&chosen)
                    .filter(|(_, on)| **on)
                    .map(|(o, _)| o.as_str())
                    .collect();
                Ok(Some(words.join("\n")))
            }
            QuestionKind::Number => {
                if given.len() > 1 {
                    return Err(refuse("give one number".to_owned()));
                }
                let number: i64 = given[0]
                    .parse()
                    .map_err(|_| refuse(format!("{:?} is not a whole number", given[0])))?;
                let (min, max) = (self.min.unwrap_or(i64::MIN), self.max.unwrap_or(i64::MAX));
                if number < min || number > max {
                    return Err(refuse(format!("{number} is outside {min} to {max}")));
                }
                Ok(Some(number.to_string()))
            }
            QuestionKind::Text => {
                if given.len() > 1 {
                    return Err(refuse("give one answer".to_owned()));
                }
                let cleaned =
                    text::clean(TextKind::ShortAnswer, given[0]).map_err(|e| refuse(e.0))?;
                Ok(Some(cleaned).filter(|t| !t.is_empty()))
            }
        }
    }
}

/// The most characters of the settings form's questionnaire text.
pub const MAX_LINES_TEXT: usize = 20_000;

/// Reads the settings form's questionnaire, one question a line:
/// `id | kind | question | options` where options are `A; B; C` for `single` and
/// `multiple`, `min-max` for `number` (e.g. `0-60`), nothing for `text`. Empty lines are
/// skipped. Each problem names its line; [`validate`] then checks the questions.
pub fn parse_lines(text: &str) -> Result<Vec<BackgroundQuestion>, Vec<String>> {
    if text.chars().count() > MAX_LINES_TEXT {
        return Err(vec![format!(
            "background: the questions have more than {MAX_LINES_TEXT} characters"
        )]);
    }
    let mut questions = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("background line {}", n + 1);
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        if parts.len() < 3 || parts.len() > 4 {
            problems.push(format!(
                "{at}: write id | kind | question | options (e.g. role | single | Your role | Nurse; Doctor)"
            ));
            continue;
        }
        let kind = match parts[1] {
            "single" => QuestionKind::Single,
            "multiple" => QuestionKind::Multiple,
            "number" => QuestionKind::Number,
            "text" => QuestionKind::Text,
            other => {
                problems.push(format!(
                    "{at}: {other:?} is not a kind; use single, multiple, number or text"
                ));
                continue;
            }
        };
        let rest = parts.get(3).copied().unwrap_or_default();
        let mut question = BackgroundQuestion {
            id: parts[0].to_owned(),
            label: parts[2].to_owned(),
            kind,
            options: Vec::new(),
            min: None,
            max: None,
        };
        match kind {
            QuestionKind::Single | QuestionKind::Multiple => {
                question.options = rest
                    .split(';')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            QuestionKind::Number => {
                let bounds = rest
                    .rsplit_once('-')
                    .filter(|(lo, _)| !lo.trim().is_empty())
                    .and_then(|(lo, hi)| Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?)));
                match bounds {
                    Some((lo, hi)) => {
                        question.min = Some(lo);
                        question.max = Some(hi);
                    }
                    None => {
                        problems.push(format!(
                            "{at}: a number question needs its range as min-max, e.g. 0-60"
                        ));
                        continue;
                    }
                }
            }
            QuestionKind::Text if !rest.is_empty() => {
                problems.push(format!("{at}: a text question takes no options"));
                continue;
            }
            QuestionKind::Text => {}
        }
        questions.push(question);
    }
    if problems.is_empty() {
        Ok(questions)
    } else {
        Err(problems)
    }
}

/// The questionnaire in the settings form's line format (the inverse of [`parse_lines`]).
pub fn to_lines(questions: &[BackgroundQuestion]) -> String {
    questions
        .iter()
        .map(|q| {
            let rest = match q.kind {
                QuestionKind::Single | QuestionKind::Multiple => q.options.join("; "),
                QuestionKind::Number => {
                    format!(
                        "{}-{}",
                        q.min.unwrap_or_default(),
                        q.max.unwrap_or_default()
                    )
                }
                QuestionKind::Text => String::new(),
            };
            let line = format!("{} | {} | {}", q.id, q.kind.word(), q.label);
            if rest.is_empty() {
                line
            } else {
                format!("{line} | {rest}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A stored answer as one cell of an export: a multiple choice's options joined by "; ".
pub fn cell_of(stored: &str) -> String {
    stored.split('\n').collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: &str, kind: QuestionKind, options: &[&str]) -> BackgroundQuestion {
        BackgroundQuestion {
            id: id.to_owned(),
            label: format!("Question {id}"),
            kind,
            options: options.iter().map(|o| (*o).to_owned()).collect(),
            min: None,
            max: None,
        }
    }

    fn values(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_bad_questionnaire_is_refused_naming_each_question() {
        let mut years = q("years", QuestionKind::Number, &[]);
        years.min = Some(10);
        years.max = Some(5);
        let problems = validate(&[
            q("role", QuestionKind::Single, &[]),
            q("role", QuestionKind::Multiple, &["A", "a"]),
            years,
            q("Bad id", QuestionKind::Text, &["x"]),
        ]);
        let all = problems.join("\n");
        assert!(
            all.contains("background[0] (role): a single choice question needs at least 2 options"),
            "{all}"
        );
        assert!(
            all.contains("background[1] (role): the id is used by an earlier question"),
            "{all}"
        );
        assert!(
            all.contains("background[1] (role): option 2 (\"a\") is offered twice"),
            "{all}"
        );
        assert!(
            all.contains("background[2] (years): min 10 is above max 5"),
            "{all}"
        );
        assert!(
            all.contains("background[3] (Bad id): the id must be"),
            "{all}"
        );
        assert!(
            all.contains("background[3] (Bad id): a text question takes no options"),
            "{all}"
        );
        assert!(validate(&[q("role", QuestionKind::Single, &["A", "B"])]).is_empty());
    }

    #[test]
    fn answers_are_checked_against_the_question() {
        let single = q("role", QuestionKind::Single, &["Nurse", "Doctor"]);
        assert_eq!(
            single.answer(&values(&["Doctor"])).unwrap().as_deref(),
            Some("Doctor")
        );
        assert_eq!(single.answer(&values(&["", " "])).unwrap(), None);
        let err = single.answer(&values(&["Pilot"])).unwrap_err();
        assert!(
            err.0.contains("(role)") && err.0.contains("not one of the options"),
            "{err}"
        );
        let multiple = q("areas", QuestionKind::Multiple, &["A", "B", "C"]);
        assert_eq!(
            multiple.answer(&values(&["C", "A"])).unwrap().as_deref(),
            Some("A\nC")
        );
        let err = multiple.answer(&values(&["A", "A"])).unwrap_err();
        assert!(
            err.0.contains("(areas)") && err.0.contains("chosen twice"),
            "{err}"
        );
        let mut years = q("years", QuestionKind::Number, &[]);
        years.min = Some(0);
        years.max = Some(60);
        assert_eq!(
            years.answer(&values(&["12"])).unwrap().as_deref(),
            Some("12")
        );
        let err = years.answer(&values(&["61"])).unwrap_err();
        assert!(
            err.0.contains("(years)") && err.0.contains("outside 0 to 60"),
            "{err}"
        );
        assert!(years.answer(&values(&["1.5"])).is_err());
        let region = q("region", QuestionKind::Text, &[]);
        let err = region.answer(&values(&[&"x".repeat(201)])).unwrap_err();
        assert!(
            err.0.contains("(region)") && err.0.contains("limit is 200"),
            "{err}"
        );
        assert_eq!(cell_of("A\nC"), "A; C");
    }

    #[test]
    fn the_line_format_reads_back_what_it_writes_and_names_bad_lines() {
        let text = "role | single | Your main role | Nurse; Doctor\n\nyears | number | Years in role | 0-60\nregion | text | Region\nareas | multiple | Areas | A; B; C";
        let questions = parse_lines(text).unwrap();
        assert_eq!(questions.len(), 4);
        assert_eq!(questions[1].min, Some(0));
        assert_eq!(questions[1].max, Some(60));
        assert_eq!(parse_lines(&to_lines(&questions)).unwrap(), questions);
        let problems =
            parse_lines("role | pick | Role\nyears | number | Years | lots").unwrap_err();
        assert!(
            problems[0].starts_with("background line 1: \"pick\" is not a kind"),
            "{problems:?}"
        );
        assert!(
            problems[1].starts_with("background line 2: a number question needs"),
            "{problems:?}"
        );
        let negative = parse_lines("t | number | Temperature | -10-40").unwrap();
        assert_eq!((negative[0].min, negative[0].max), (Some(-10), Some(40)));
    }
}
