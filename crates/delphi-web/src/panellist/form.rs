//! The plain HTML form of a round, read into answers. Field names: `r_CODE` (a scale value,
//! or `u` for "unable to rate"), `c_CODE` (comment), `x_CODE` (reason); plus `csrf` and `go`.

use delphi_app::participation::AnswerInput;
use delphi_app::AppError;

/// What the form asked for besides saving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Save and come back to the page.
    Save,
    /// Save, then confirm the submission.
    Submit,
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
}

/// The answers of a form as they are read, found by item code in constant time.
#[derive(Default)]
struct Answers {
    list: Vec<AnswerInput>,
    index: std::collections::HashMap<String, usize>,
}

impl Answers {
    fn of(&mut self, code: &str) -> &mut AnswerInput {
        let index = match self.index.get(code) {
            Some(&index) => index,
            None => {
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
        &mut self.list[index]
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

/// Reads the submitted fields; unknown fields are ignored.
pub fn parse(fields: &[(String, String)]) -> Result<RoundForm, AppError> {
    let mut form = RoundForm {
        csrf: String::new(),
        intent: Intent::Save,
        answers: Vec::new(),
    };
    let mut answers = Answers::default();
    for (name, value) in fields {
        if name == crate::csrf::FIELD {
            form.csrf.clone_from(value);
        } else if name == "go" {
            form.intent = if value == "submit" {
                Intent::Submit
            } else {
                Intent::Save
            };
        } else if let Some(code) = name.strip_prefix("r_") {
            let (rating, unable) = parse_rating(code, value)?;
            let answer = answers.of(code);
            answer.rating = rating;
            answer.unable_to_rate = unable;
        } else if let Some(code) = name.strip_prefix("c_") {
            answers.of(code).comment = Some(value.clone());
        } else if let Some(code) = name.strip_prefix("x_") {
            answers.of(code).reason = Some(value.clone());
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
    fn refuses_a_rating_that_is_not_a_number_naming_the_item() {
        let err = parse(&fields(&[("r_P1", "seven")])).unwrap_err();
        assert_eq!(err.field(), Some("rating"));
        assert!(err.to_string().contains("P1"), "{err}");
    }
}
