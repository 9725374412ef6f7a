//! The states of studies, rounds and items, and which transitions are legal.

pub use crate::states::{
    Disposition, ItemOrigin, ItemStatus, Role, RoundStatus, StudyStatus, UnknownState,
};

/// A refused transition, in words the researcher or panellist can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LifecycleError(pub String);

/// Checks that a round can be opened.
pub fn check_open_round(
    study: StudyStatus,
    any_round_open: bool,
    items: usize,
    invited: usize,
) -> Result<(), LifecycleError> {
    if study == StudyStatus::Completed {
        return Err(LifecycleError(
            "the study is completed; no more rounds can open".into(),
        ));
    }
    if any_round_open {
        return Err(LifecycleError(
            "another round is still open; close it before opening the next".into(),
        ));
    }
    if items == 0 {
        return Err(LifecycleError("the round has no items to rate".into()));
    }
    if invited == 0 {
        return Err(LifecycleError(
            "nobody would be invited: the panel is empty, everyone has withdrawn, or (when a later \
             round invites the previous round's responders) nobody answered the previous round"
                .into(),
        ));
    }
    Ok(())
}

/// Checks that a round accepts a rating.
pub fn check_rating_allowed(round: RoundStatus) -> Result<(), LifecycleError> {
    match round {
        RoundStatus::Open => Ok(()),
        RoundStatus::Draft => Err(LifecycleError("this round has not opened yet".into())),
        RoundStatus::Closed => Err(LifecycleError(
            "this round has closed; answers can no longer be changed".into(),
        )),
    }
}

/// Checks that a round can be closed.
pub fn check_close_round(round: RoundStatus) -> Result<(), LifecycleError> {
    match round {
        RoundStatus::Open => Ok(()),
        RoundStatus::Draft => Err(LifecycleError("this round was never opened".into())),
        RoundStatus::Closed => Err(LifecycleError("this round is already closed".into())),
    }
}

/// Checks that an item's text may be edited in place (only before anyone rated it).
pub fn check_item_editable(times_rated: u64) -> Result<(), LifecycleError> {
    if times_rated > 0 {
        Err(LifecycleError(format!(
            "this item has {times_rated} ratings, so its words cannot change; reword it in the next round instead (a new item that replaces it)"
        )))
    } else {
        Ok(())
    }
}

/// Checks that a study can be completed.
pub fn check_complete(study: StudyStatus, any_round_open: bool) -> Result<(), LifecycleError> {
    match (study, any_round_open) {
        (StudyStatus::Completed, _) => Err(LifecycleError("the study is already completed".into())),
        (_, true) => Err(LifecycleError(
            "close the open round before completing the study".into(),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn illegal_transitions_are_refused() {
        assert!(check_open_round(StudyStatus::Running, true, 5, 5)
            .unwrap_err()
            .0
            .contains("still open"));
        assert!(check_open_round(StudyStatus::Draft, false, 0, 5).is_err());
        assert!(check_open_round(StudyStatus::Draft, false, 5, 0).is_err());
        assert!(check_open_round(StudyStatus::Completed, false, 5, 5).is_err());
        assert!(check_open_round(StudyStatus::Draft, false, 5, 5).is_ok());
        assert!(check_rating_allowed(RoundStatus::Closed)
            .unwrap_err()
            .0
            .contains("closed"));
        assert!(check_close_round(RoundStatus::Closed).is_err());
        assert!(check_item_editable(3).is_err());
        assert!(check_complete(StudyStatus::Running, true).is_err());
    }
}
