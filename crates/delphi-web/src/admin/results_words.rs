//! The words of the results page: numbers as people read them, the stopping rule's state and
//! the round's concordance in sentences.

use delphi_app::round_results::RoundResults;
use delphi_core::results::Concordance;

/// A number as the page shows it: up to two decimals, no trailing zeros.
pub fn number(value: Option<f64>) -> String {
    match value {
        None => "–".to_owned(),
        Some(v) => {
            let text = format!("{v:.2}");
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
    }
}

/// A change with its sign.
pub fn signed(value: Option<f64>) -> String {
    match value {
        Some(v) if v > 0.0 => format!("+{}", number(Some(v))),
        other => number(other),
    }
}

/// The stopping rule's state, one sentence per criterion the protocol has.
pub fn stopping_lines(data: &RoundResults) -> Vec<String> {
    let st = &data.stopping;
    let mut stopping = vec![format!(
        "Maximum rounds: round {} of {}{}.",
        data.number,
        st.max_rounds,
        if st.max_rounds_reached {
            " (reached)"
        } else {
            ""
        }
    )];
    if st.when_all_classified {
        stopping.push(format!(
            "All items classified: {} of {} items reached consensus.",
            st.resolved, st.rated
        ));
    }
    if let Some(limit) = st.stability_pct {
        stopping.push(format!(
            "Stable: the largest change is {} % (the protocol stops below {} %).",
            number(st.max_change_pct),
            number(Some(limit))
        ));
    }
    stopping
}

/// Kendall's W of the round in a sentence.
pub fn concordance_text(concordance: Option<&Concordance>) -> String {
    match concordance {
        Some(c) if c.w.is_some() => format!(
            "Kendall's W = {} over {} items and {} panellists who rated them all (p = {}).",
            number(c.w),
            c.items,
            c.raters,
            c.p_value
                .map_or_else(|| "–".to_owned(), |p| format!("{p:.3}"))
        ),
        Some(c) => format!(
            "Kendall's W is undefined: {}.",
            c.reason.as_deref().unwrap_or("too few ratings")
        ),
        None => "Kendall's W was not stored for this round.".to_owned(),
    }
}
