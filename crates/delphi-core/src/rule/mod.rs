//! Consensus rules written as the protocol states them, e.g. `pct(7, 9) >= 70 && pct(1, 3) < 15`,
//! evaluated with `evalexpr`.
//!
//! Variables: `n`, `median`, `q1`, `q3`, `iqr`, `mean`, `sd`; function `pct(a, b)` (percent of
//! valid ratings in `a..=b`); `every_group(expr)` / `any_group(expr)` evaluate `expr` inside each
//! stakeholder group that has valid ratings. `pct` multiplies before dividing, so comparisons
//! with whole-number thresholds are exact (14 of 20 is exactly 70).

use std::collections::HashMap;

use delphi_stats::{describe, quantile, DescribeConfig, Histogram, QuantileType};
use evalexpr::error::EvalexprResultValue;
use evalexpr::{
    build_operator_tree, Context, DefaultNumericTypes, EvalexprError, EvalexprResult, Node, Value,
};

/// Most characters a rule may have (the longest preset has under 100).
pub const MAX_RULE_CHARS: usize = 500;
/// Deepest nesting of parentheses in a rule, function calls included (`pct(` counts).
/// `evalexpr` recurses once per level, so a rule nested 50,000 deep overflowed the stack.
pub const MAX_RULE_DEPTH: usize = 16;

/// The variables a rule may use.
pub const VARIABLES: [&str; 7] = ["n", "median", "q1", "q3", "iqr", "mean", "sd"];

const HELP: &str =
    "known words: n, median, q1, q3, iqr, mean, sd, pct(a, b), every_group(...), any_group(...)";

/// Why a rule was refused or could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// A word the rule language does not know.
    #[error("unknown {kind} '{word}' at column {column} ({HELP})")]
    UnknownWord {
        /// "variable" or "function".
        kind: &'static str,
        /// The word as written.
        word: String,
        /// 1-based column of its first occurrence.
        column: usize,
    },
    /// The text is not an expression.
    #[error("the rule is not a valid expression: {0}")]
    Syntax(String),
    /// The expression does not give true or false.
    #[error("the rule must be a comparison that is true or false: {0}")]
    NotBoolean(String),
    /// A value the rule needs is undefined for this item (e.g. no valid ratings).
    #[error("{0}")]
    Undefined(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quantifier {
    Every,
    Any,
}

#[derive(Debug, Clone)]
struct GroupClause {
    quantifier: Quantifier,
    inner: Node<DefaultNumericTypes>,
}

/// A parsed, checked consensus rule.
#[derive(Debug, Clone)]
pub struct ConsensusRule {
    source: String,
    outer: Node<DefaultNumericTypes>,
    clauses: Vec<GroupClause>,
}

impl PartialEq for ConsensusRule {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// The ratings a rule is evaluated on: the whole panel and each stakeholder group.
#[derive(Debug, Clone)]
pub struct RuleInput {
    /// The whole panel.
    pub overall: Histogram,
    /// Each stakeholder group, by code.
    pub groups: Vec<(String, Histogram)>,
    /// Quantile type for `median`, `q1`, `q3`, `iqr`.
    pub quantile_type: QuantileType,
}

fn clause_variable(index: usize) -> String {
    format!("group_clause_{index}")
}

impl ConsensusRule {
    /// Parses and checks a rule; the error names the position and the unknown word.
    pub fn parse(source: &str) -> Result<Self, RuleError> {
        check_size(source)?;
        let (outer_text, inner_texts) = split_group_clauses(source)?;
        let outer = compile(source, &outer_text, inner_texts.len())?;
        let clauses = inner_texts
            .into_iter()
            .map(|(quantifier, text)| {
                Ok(GroupClause {
                    quantifier,
                    inner: compile(source, &text, 0)?,
                })
            })
            .collect::<Result<Vec<_>, RuleError>>()?;
        let rule = Self {
            source: source.trim().to_owned(),
            outer,
            clauses,
        };
        // A trial on ratings spread over a 1–9 scale catches rules that are not comparisons.
        let mut trial = Histogram::new(1, 9);
        for point in 1..=9 {
            trial.add(point);
        }
        let input = RuleInput {
            overall: trial.clone(),
            groups: vec![("trial".to_owned(), trial)],
            quantile_type: QuantileType::Type7,
        };
        match rule.evaluate(&input) {
            Ok(_) | Err(RuleError::Undefined(_)) => Ok(rule),
            Err(err) => Err(err),
        }
    }

    /// Whether the rule has an `every_group(...)` clause.
    pub fn uses_every_group(&self) -> bool {
        self.clauses
            .iter()
            .any(|c| c.quantifier == Quantifier::Every)
    }

    /// The rule as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the rule holds for these ratings.
    pub fn evaluate(&self, input: &RuleInput) -> Result<bool, RuleError> {
        let mut context = ItemContext::new(&input.overall, input.quantile_type);
        for (index, clause) in self.clauses.iter().enumerate() {
            let groups: Vec<&Histogram> = input
                .groups
                .iter()
                .map(|(_, h)| h)
                .filter(|h| h.n_valid() > 0)
                .collect();
            if groups.is_empty() {
                return Err(RuleError::Undefined(
                    "no stakeholder group has valid ratings for this item".to_owned(),
                ));
            }
            let mut results = groups
                .into_iter()
                .map(|h| eval_bool(&clause.inner, &ItemContext::new(h, input.quantile_type)));
            let value = match clause.quantifier {
                Quantifier::Every => results.try_fold(true, |acc, r| r.map(|b| acc && b))?,
                Quantifier::Any => results.try_fold(false, |acc, r| r.map(|b| acc || b))?,
            };
            context
                .values
                .insert(clause_variable(index), Value::Boolean(value));
        }
        eval_bool(&self.outer, &context)
    }
}

fn eval_bool(
    node: &Node<DefaultNumericTypes>,
    context: &ItemContext<'_>,
) -> Result<bool, RuleError> {
    match node.eval_with_context(context) {
        Ok(Value::Boolean(b)) => Ok(b),
        Ok(other) => Err(RuleError::NotBoolean(format!("it gives {other} instead"))),
        Err(EvalexprError::VariableIdentifierNotFound(name)) => Err(RuleError::Undefined(format!(
            "{name} is undefined for this item (too few valid ratings)"
        ))),
        Err(EvalexprError::CustomMessage(message)) => Err(RuleError::Undefined(message)),
        Err(err) => Err(RuleError::NotBoolean(err.to_string())),
    }
}

/// Refuses a rule longer than [`MAX_RULE_CHARS`] or nested deeper than [`MAX_RULE_DEPTH`],
/// before anything recursive reads it.
fn check_size(source: &str) -> Result<(), RuleError> {
    let length = source.chars().count();
    if length > MAX_RULE_CHARS {
        return Err(RuleError::Syntax(format!(
            "the rule has {length} characters; the limit is {MAX_RULE_CHARS}"
        )));
    }
    let mut depth = 0usize;
    for (index, c) in source.chars().enumerate() {
        match c {
            '(' => {
                depth += 1;
                if depth > MAX_RULE_DEPTH {
                    return Err(RuleError::Syntax(format!(
                        "the parentheses are nested more than {MAX_RULE_DEPTH} deep at column {}; \
                         the limit is {MAX_RULE_DEPTH}",
                        index + 1
                    )));
                }
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn compile(
    source: &str,
    text: &str,
    clause_count: usize,
) -> Result<Node<DefaultNumericTypes>, RuleError> {
    let node = build_operator_tree::<DefaultNumericTypes>(text)
        .map_err(|err| RuleError::Syntax(err.to_string()))?;
    let clause_names: Vec<String> = (0..clause_count).map(clause_variable).collect();
    for word in node.iter_variable_identifiers() {
        if !VARIABLES.contains(&word) && !clause_names.iter().any(|c| c == word) {
            return Err(unknown(source, "variable", word));
        }
    }
    for word in node.iter_function_identifiers() {
        if word != "pct" {
            return Err(unknown(source, "function", word));
        }
    }
    if node.iter_write_variable_identifiers().next().is_some() {
        return Err(RuleError::NotBoolean(
            "it assigns a value with '='; compare with '==' instead".to_owned(),
        ));
    }
    Ok(node)
}

fn unknown(source: &str, kind: &'static str, word: &str) -> RuleError {
    RuleError::UnknownWord {
        kind,
        word: word.to_owned(),
        column: find_word(source, word).map_or(0, |byte| source[..byte].chars().count() + 1),
    }
}

/// Byte offset of the first occurrence of `word` as a whole identifier.
fn find_word(source: &str, word: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    source.match_indices(word).map(|(at, _)| at).find(|&at| {
        let before = source[..at].chars().next_back();
        let after = source[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// Replaces each `every_group(...)` / `any_group(...)` by a variable and returns the inner texts.
fn split_group_clauses(source: &str) -> Result<(String, Vec<(Quantifier, String)>), RuleError> {
    let mut outer = String::new();
    let mut clauses = Vec::new();
    let mut rest = source;
    loop {
        let next = [
            ("every_group", Quantifier::Every),
            ("any_group", Quantifier::Any),
        ]
        .into_iter()
        .filter_map(|(name, q)| find_word(rest, name).map(|at| (at, name, q)))
        .min_by_key(|(at, _, _)| *at);
        let Some((at, name, quantifier)) = next else {
            outer.push_str(rest);
            return Ok((outer, clauses));
        };
        let after_name = &rest[at + name.len()..];
        let open = after_name.len() - after_name.trim_start().len();
        if !after_name[open..].starts_with('(') {
            return Err(RuleError::Syntax(format!(
                "{name} must be followed by '(' and an expression"
            )));
        }
        let body_start = at + name.len() + open + 1;
        let mut depth = 1usize;
        let mut end = None;
        for (offset, c) in rest[body_start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(body_start + offset);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            return Err(RuleError::Syntax(format!("{name}( is not closed with ')'")));
        };
        let inner = &rest[body_start..end];
        if find_word(inner, "every_group").is_some() || find_word(inner, "any_group").is_some() {
            return Err(RuleError::Syntax(format!(
                "{name}(...) cannot contain another group clause"
            )));
        }
        outer.push_str(&rest[..at]);
        outer.push_str(&clause_variable(clauses.len()));
        clauses.push((quantifier, inner.to_owned()));
        rest = &rest[end + 1..];
    }
}

/// The values of one item (or one group of it) as an evalexpr context.
struct ItemContext<'a> {
    histogram: &'a Histogram,
    values: HashMap<String, Value<DefaultNumericTypes>>,
}

impl<'a> ItemContext<'a> {
    fn new(histogram: &'a Histogram, quantile_type: QuantileType) -> Self {
        let stats = describe(
            histogram,
            &DescribeConfig::for_scale(histogram.scale_min, histogram.scale_max()),
        );
        let (q1, q3, iqr) = stats.quartiles(quantile_type);
        let mut values = HashMap::new();
        values.insert("n".to_owned(), Value::Int(stats.n_valid as i64));
        for (name, value) in [
            ("median", stats.median),
            ("q1", q1),
            ("q3", q3),
            ("iqr", iqr),
            ("mean", stats.mean),
            ("sd", stats.sd),
        ] {
            if let Some(v) = value {
                values.insert(name.to_owned(), Value::Float(v));
            }
        }
        debug_assert!(quantile(histogram, 50, quantile_type) == stats.median || stats.n_valid == 0);
        Self { histogram, values }
    }

    fn pct(
        &self,
        argument: &Value<DefaultNumericTypes>,
    ) -> EvalexprResultValue<DefaultNumericTypes> {
        let tuple = argument.as_tuple()?;
        let [lo, hi] = tuple.as_slice() else {
            return Err(EvalexprError::CustomMessage(
                "pct needs two points, e.g. pct(7, 9)".to_owned(),
            ));
        };
        let (lo, hi) = (lo.as_int()?, hi.as_int()?);
        let n = self.histogram.n_valid();
        if n == 0 {
            return Err(EvalexprError::CustomMessage(
                "pct is undefined: the item has no valid ratings".to_owned(),
            ));
        }
        let clamp = |v: i64| v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        let count = self.histogram.count_in(clamp(lo), clamp(hi));
        Ok(Value::Float((100 * count) as f64 / n as f64))
    }
}

impl Context for ItemContext<'_> {
    type NumericTypes = DefaultNumericTypes;

    fn get_value(&self, identifier: &str) -> Option<&Value<DefaultNumericTypes>> {
        self.values.get(identifier)
    }

    fn call_function(
        &self,
        identifier: &str,
        argument: &Value<DefaultNumericTypes>,
    ) -> EvalexprResultValue<DefaultNumericTypes> {
        match identifier {
            "pct" => self.pct(argument),
            other => Err(EvalexprError::FunctionIdentifierNotFound(other.to_owned())),
        }
    }

    fn are_builtin_functions_disabled(&self) -> bool {
        true
    }

    fn set_builtin_functions_disabled(
        &mut self,
        _disabled: bool,
    ) -> EvalexprResult<(), DefaultNumericTypes> {
        Ok(())
    }
}

mod classify;

pub use classify::{Assessment, Classification, Classifier};

#[cfg(test)]
mod tests;
