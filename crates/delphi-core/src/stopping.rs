//! The stopping rule: when a study has done enough rounds.

use crate::rule::Classification;
use crate::settings::StoppingSettings;

/// Why the study may stop after a round.
#[derive(Debug, Clone, PartialEq)]
pub enum StopReason {
    /// The protocol's maximum number of rounds was reached.
    MaxRounds(u32),
    /// Every item reached consensus (in or out).
    AllClassified,
    /// Ratings changed less than the stability threshold (Scheibe's % change).
    Stable {
        /// The largest change over items.
        max_change_pct: f64,
    },
}

/// Whether the study should stop after `round_number`; `max_scheibe_pct` is the largest
/// Scheibe change over the items rated in this round and the previous one, if any.
pub fn should_stop(
    settings: &StoppingSettings,
    round_number: u32,
    classifications: &[Classification],
    max_scheibe_pct: Option<f64>,
) -> Option<StopReason> {
    if round_number >= settings.max_rounds {
        return Some(StopReason::MaxRounds(settings.max_rounds));
    }
    if settings.when_all_classified
        && !classifications.is_empty()
        && classifications.iter().all(Classification::is_resolved)
    {
        return Some(StopReason::AllClassified);
    }
    match (settings.stability_pct, max_scheibe_pct) {
        (Some(limit), Some(change)) if change < limit => Some(StopReason::Stable {
            max_change_pct: change,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_for_each_reason() {
        let s = StoppingSettings {
            max_rounds: 3,
            when_all_classified: true,
            stability_pct: Some(15.0),
        };
        assert_eq!(
            should_stop(&s, 3, &[Classification::None], None),
            Some(StopReason::MaxRounds(3))
        );
        assert_eq!(
            should_stop(&s, 1, &[Classification::In, Classification::Out], None),
            Some(StopReason::AllClassified)
        );
        assert_eq!(
            should_stop(&s, 2, &[Classification::None], Some(10.0)),
            Some(StopReason::Stable {
                max_change_pct: 10.0
            })
        );
        assert_eq!(
            should_stop(&s, 2, &[Classification::None], Some(20.0)),
            None
        );
    }
}
