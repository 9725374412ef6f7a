//! The plain HTML form of a round, read into answers. Field names: `r_CODE` (a scale value,
//! or `u` for "unable to rate"), `c_CODE` (comment), `x_CODE` (reason), `o_N` (round 1's
//! "is anything missing?" after section N, or for the whole round when N is 0); plus `csrf`
//! and `go`.

use std::collections::HashMap;

use delphi_app::participation::AnswerInput;
use delphi_app::questions::OpenInput;
use delphi_app::AppError;
use delphi_core::definition::MAX_ITEMS;

/// What the form asked for besides saving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Save and come back to the page.
    Save,
    /// Save, then confirm the submission.
    Submit,
    /// Save, then go to this section (`go=sN`: the previous and next buttons).
    Section(usize),
    /// Save and come back to this section (`go=saveN`).
    SaveSection(usize),
}

/// A round form, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundForm {
    /// The CSRF value presented.
    pub csrf: String,
    /// What to do after saving.
    pub intent: Intent,
    /// One answer per item present in the form, in form order.
    pub answers: Vec<AnswerInput>,
    /// The open questions' suggestions present in the form (the last of a repeated one).
    pub open: Vec<OpenInput>,
}

/// The answers of a form in form order, found by item code in constant time (a form may
/// repeat a code, and naming tens of thousands made a linear search quadratic).
#[derive(Default)]
struct Answers {
    list: Vec<AnswerInput>,
    index: HashMap<String, usize>,
}

impl Answers {
    fn of(&mut self, code: &str) -> Result<&mut AnswerInput, AppError> {
        let index = match self.index.get(code) {
            Some(&index) => index,
            None => {
                if self.list.len() >= MAX_ITEMS {
                    return Err(AppError::invalid(
                        "answers",
                        format!(
                            "the form names more than {MAX_ITEMS} items, more than a study has"
                        ),
                    ));
                }
                self.list.push(AnswerInput {
                    item_code: code.to_owned(),
                    rating: None,
                    unable_to_rate: false,
                    comment: None,
                    reason: None,
                });
                self.index.insert(code.to_owned(), self.list.len() - 1);
                self.list.len() - 1
            }
        };
        Ok(&mut self.list[index])
    }
}

/// Reads a rating field: a whole number on the scale (checked later) or `u`.
pub fn parse_rating(code: &str, value: &str) -> Result<(Option<i32>, bool), AppError> {
    match value.trim() {
        "" => Ok((None, false)),
        "u" => Ok((None, true)),
        number => number
            .parse::<i32>()
            .map(|n| (Some(n), false))
            .map_err(|_| {
                AppError::invalid(
                    "rating",
                    format!("the rating for item {code} must be a whole number, not {number:?}"),
                )
            }),
    }
}

/// Reads the `go` button: `submit`, `sN` (go to section N), `saveN` (save, stay on section
/// N); anything else saves. The section's number is checked by the page it leads to.
fn intent_of(value: &str) -> Intent {
    let section = |digits: &str| digits.parse::<u16>().ok().map(usize::from);
    if value == "submit" {
        Intent::Submit
    } else if let Some(n) = value.strip_prefix("save").and_then(section) {
        Intent::SaveSection(n)
    } else if let Some(n) = value.strip_prefix('s').and_then(section) {
        Intent::Section(n)
    } else {
        Intent::Save
    }
}

/// Reads the submitted fields; unknown fields are ignored. A form naming more than
/// [`MAX_ITEMS`] items (the most a study has) is refused.
pub fn parse(fields: &[(String, String)]) -> Result<RoundForm, AppError> {
    let mut form = RoundForm {
        csrf: String::new(),
        intent: Intent::Save,
        answers: Vec::new(),
        open: Vec::new(),
    };
    let mut answers = Answers::default();
    for (name, value) in fields {
        if name == crate::csrf::FIELD {
            form.csrf.clone_from(value);
        } else if name == "go" {
            form.intent = intent_of(value);
        } else if let Some(code) = name.strip_prefix("r_") {
            let (rating, unable) = parse_rating(code, value)?;
            let answer = answers.of(code)?;
            answer.rating = rating;
            answer.unable_to_rate = unable;
        } else if let Some(code) = name.strip_prefix("c_") {
            answers.of(code)?.comment = Some(value.clone());
        } else if let Some(code) = name.strip_prefix("x_") {
            answers.of(code)?.reason = Some(value.clone());
        } else if let Some(number) = name.strip_prefix("o_") {
            let n = number
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= MAX_ITEMS)
                .ok_or_else(|| {
                    AppError::invalid(
                        "open",
                        format!("{name:?} names no open question of this round"),
                    )
                })?;
            match form.open.iter_mut().find(|o| o.n == n) {
                Some(open) => open.text.clone_from(value),
                None => form.open.push(OpenInput {
                    n,
                    text: value.clone(),
                }),
            }
        }
    }
    form.answers = answers.list;
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn reads_ratings_comments_and_intent() {
        let form = parse(&fields(&[
            ("csrf", "abc"),
            ("r_P1", "7"),
            ("c_P1", "fine"),
            ("r_P2", "u"),
            ("c_P3", ""),
            ("go", "submit"),
        ]))
        .unwrap();
        assert_eq!(form.csrf, "abc");
        assert_eq!(form.intent, Intent::Submit);
        assert_eq!(form.answers.len(), 3);
        assert_eq!(form.answers[0].rating, Some(7));
        assert_eq!(form.answers[0].comment.as_deref(), Some("fine"));
        assert!(form.answers[1].unable_to_rate);
        assert_eq!(form.answers[2].rating, None);
    }

    #[test]
    fn the_section_buttons_name_where_to_go() {
        assert_eq!(intent_of("s3"), Intent::Section(3));
        assert_eq!(intent_of("save2"), Intent::SaveSection(2));
        assert_eq!(intent_of("submit"), Intent::Submit);
        assert_eq!(intent_of("save"), Intent::Save);
        assert_eq!(
            intent_of("s99999999"),
            Intent::Save,
            "past any section count"
        );
        assert_eq!(intent_of("s-1"), Intent::Save);
    }

    #[test]
    fn refuses_a_rating_that_is_not_a_number_naming_the_item() {
        let err = parse(&fields(&[("r_P1", "seven")])).unwrap_err();
        assert_eq!(err.field(), Some("rating"));
        assert!(err.to_string().contains("P1"), "{err}");
    }

    #[test]
    fn a_form_naming_more_items_than_a_study_has_is_refused() {
        let too_many: Vec<(String, String)> = (0..=delphi_core::definition::MAX_ITEMS)
            .map(|i| (format!("r_X{i}"), "1".to_owned()))
            .collect();
        let err = parse(&too_many).unwrap_err();
        assert!(err.to_string().contains("more than 2000 items"), "{err}");
        let repeated: Vec<(String, String)> = (0..10_000)
            .map(|i| (format!("c_X{}", i % 50), "x".to_owned()))
            .collect();
        assert_eq!(parse(&repeated).unwrap().answers.len(), 50);
    }
}

/// Fuzz target of the rating-form parser (see `fuzz/harness.rs`): a corpus file holds one
/// field a line, `name=value`.
#[cfg(test)]
#[path = "../../../../fuzz/harness.rs"]
mod fuzz_harness;

#[cfg(test)]
mod fuzz {
    use super::*;

    const TOKENS: &[&str] = &[
        "r_",
        "c_",
        "x_",
        "P1",
        "P2",
        "=",
        "\n",
        "7",
        "u",
        "",
        " ",
        "-1",
        "-2147483648",
        "2147483648",
        "99999999999999999999",
        "1e3",
        "+5",
        "0x10",
        "csrf=",
        "go=submit",
        "go=save",
        "\u{0}",
        "\u{202e}",
        "%",
        "&",
        "r_P1=7\n",
        "c_P1=x\n",
    ];

    #[test]
    fn fuzz_rating_form() {
        super::fuzz_harness::fuzz("rating_form", TOKENS, |input| {
            let fields: Vec<(String, String)> = input
                .split('\n')
                .map(|line| {
                    let (name, value) = line.split_once('=').unwrap_or((line, ""));
                    (name.to_owned(), value.to_owned())
                })
                .collect();
            let Ok(form) = parse(&fields) else {
                return Ok(());
            };
            if form.answers.len() > MAX_ITEMS {
                return Err(format!("{} answers accepted", form.answers.len()));
            }
            let mut codes = std::collections::HashSet::new();
            for answer in &form.answers {
                if !codes.insert(answer.item_code.as_str()) {
                    return Err(format!("item {} answered twice", answer.item_code));
                }
                if answer.rating.is_some() && answer.unable_to_rate {
                    return Err(format!(
                        "item {} both rated and unable to rate",
                        answer.item_code
                    ));
                }
            }
            Ok(())
        });
    }
}
