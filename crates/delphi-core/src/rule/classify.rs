//! Classifying an item by the study's "in" and "out" rules, with the study's policy for
//! stakeholder groups short of ratings under `every_group(...)`.

use serde::{Deserialize, Serialize};

use super::{ConsensusRule, RuleError, RuleInput};
use crate::results::ShortGroup;
use crate::settings::ShortGroupPolicy;

/// An item's classification under the study's rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Classification {
    /// Consensus to include.
    In,
    /// Consensus to exclude.
    Out,
    /// Rated, but neither rule holds.
    None,
    /// Too few ratings, or a value the rule needs is undefined.
    NotClassified {
        /// Why, in words a researcher can act on.
        reason: String,
    },
}

impl Classification {
    /// `in`, `out`, `none` or `not_classified` (the stored form).
    pub fn as_str(&self) -> &'static str {
        self.verdict().as_str()
    }

    /// Whether the item reached consensus (in or out).
    pub fn is_resolved(&self) -> bool {
        matches!(self, Self::In | Self::Out)
    }

    /// The classification's code, as the results' column stores it.
    pub fn verdict(&self) -> crate::states::Verdict {
        use crate::states::Verdict;
        match self {
            Self::In => Verdict::In,
            Self::Out => Verdict::Out,
            Self::None => Verdict::None,
            Self::NotClassified { .. } => Verdict::NotClassified,
        }
    }
}

/// A rule set ready to classify items: parsed "in" and optional "out" rules.
#[derive(Debug, Clone)]
pub struct Classifier {
    consensus_in: ConsensusRule,
    consensus_out: Option<ConsensusRule>,
    min_n: u64,
    short_groups: ShortGroupPolicy,
}

/// A classification with the stakeholder groups that were short of ratings for an
/// `every_group(...)` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// The item's classification.
    pub classification: Classification,
    /// Groups with fewer valid ratings than the minimum, when a rule uses `every_group`.
    pub short_groups: Vec<ShortGroup>,
}

impl Classifier {
    /// Parses the rules of the settings.
    pub fn new(settings: &crate::settings::ConsensusSettings) -> Result<Self, RuleError> {
        Ok(Self {
            consensus_in: ConsensusRule::parse(&settings.consensus_in)?,
            consensus_out: settings
                .consensus_out
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(ConsensusRule::parse)
                .transpose()?,
            min_n: u64::from(settings.min_n_for_classification),
            short_groups: settings.short_groups,
        })
    }

    /// Classifies one item: "in" if the in-rule holds, "out" if the out-rule holds, else "none".
    pub fn classify(&self, input: &RuleInput) -> Classification {
        self.assess(input).classification
    }

    /// Classifies one item and names the groups short of ratings. Under
    /// [`ShortGroupPolicy::NotConsensus`] a rule with `every_group(...)` cannot hold while a
    /// group of `input.groups` has fewer valid ratings than the minimum: the item is then not
    /// classified (unless the other rule holds without that clause), and the reason names
    /// the groups. Under [`ShortGroupPolicy::GroupsWithData`] the clause is evaluated over
    /// the groups with valid ratings.
    pub fn assess(&self, input: &RuleInput) -> Assessment {
        let rules = std::iter::once(&self.consensus_in).chain(self.consensus_out.as_ref());
        let mut short_groups: Vec<ShortGroup> = Vec::new();
        if rules.clone().any(ConsensusRule::uses_every_group) {
            short_groups = input
                .groups
                .iter()
                .filter(|(_, h)| h.n_valid() < self.min_n)
                .map(|(code, h)| ShortGroup {
                    group: code.clone(),
                    n: h.n_valid(),
                    minimum: self.min_n,
                })
                .collect();
        }
        let n = input.overall.n_valid();
        if n < self.min_n {
            return Assessment {
                classification: Classification::NotClassified {
                    reason: format!(
                        "{n} valid ratings, fewer than the minimum of {}",
                        self.min_n
                    ),
                },
                short_groups,
            };
        }
        let blocks = |rule: &ConsensusRule| {
            self.short_groups == ShortGroupPolicy::NotConsensus
                && rule.uses_every_group()
                && !short_groups.is_empty()
        };
        let mut blocked = false;
        let outcome = (|| {
            if blocks(&self.consensus_in) {
                blocked = true;
            } else if self.consensus_in.evaluate(input)? {
                return Ok(Classification::In);
            }
            if let Some(out) = &self.consensus_out {
                if blocks(out) {
                    blocked = true;
                } else if out.evaluate(input)? {
                    return Ok(Classification::Out);
                }
            }
            if blocked {
                return Ok(Classification::NotClassified {
                    reason: short_reason(&short_groups, self.min_n),
                });
            }
            Ok(Classification::None)
        })();
        Assessment {
            classification: outcome.unwrap_or_else(|err: RuleError| {
                Classification::NotClassified {
                    reason: err.to_string(),
                }
            }),
            short_groups,
        }
    }
}

fn short_reason(short: &[ShortGroup], minimum: u64) -> String {
    let groups: Vec<String> = short
        .iter()
        .map(|g| format!("{} has {}", g.group, g.n))
        .collect();
    format!(
        "every_group(...) needs at least {minimum} valid ratings in each stakeholder group: {}",
        groups.join(", ")
    )
}
