//! The states of studies, rounds and items, and which transitions are legal.

use serde::{Deserialize, Serialize};

/// A refused transition, in words the researcher or panellist can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LifecycleError(pub String);

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// The stored text (matches the database CHECK constraint).
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// Parses the stored text.
            pub fn parse(text: &str) -> Result<Self, LifecycleError> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    other => Err(LifecycleError(format!(
                        concat!("unknown ", stringify!($name), " {:?}"), other
                    ))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// A study's status.
    StudyStatus {
        /// Being set up; nothing has been sent.
        Draft => "draft",
        /// Round 1 has opened.
        Running => "running",
        /// Finished; read-only.
        Completed => "completed",
    }
);

text_enum!(
    /// A round's status.
    RoundStatus {
        /// Planned, not yet open.
        Draft => "draft",
        /// Accepting ratings.
        Open => "open",
        /// Results computed; no more writes.
        Closed => "closed",
    }
);

text_enum!(
    /// An item's status in the study.
    ItemStatus {
        /// Asked (or available to be asked).
        Active => "active",
        /// Reached consensus and retired from rating.
        Retired => "retired",
        /// Reworded: a newer item replaces it.
        Replaced => "replaced",
        /// Dropped by the researcher.
        Dropped => "dropped",
    }
);

text_enum!(
    /// Where an item came from.
    ItemOrigin {
        /// In the study's initial list.
        Seeded => "seeded",
        /// Added in a later round (e.g. from comments).
        Added => "added",
        /// A rewording of an earlier item.
        Reworded => "reworded",
    }
);

text_enum!(
    /// How an item appears in a round.
    Disposition {
        /// First time asked.
        New => "new",
        /// Asked again, unchanged.
        Carried => "carried",
        /// A new wording of an earlier item.
        Reworded => "reworded",
        /// Shown for information (reached consensus), not rated.
        ForInformation => "for_information",
    }
);

text_enum!(
    /// A user's role in a study.
    Role {
        /// Full control, including members.
        Owner => "owner",
        /// Runs the study.
        Researcher => "researcher",
        /// Reads results and exports; changes nothing.
        Analyst => "analyst",
    }
);

impl Role {
    /// Whether this role may change the study (items, panel, rounds).
    pub fn can_manage(self) -> bool {
        matches!(self, Self::Owner | Self::Researcher)
    }
}

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
    fn text_round_trips() {
        for s in [
            StudyStatus::Draft,
            StudyStatus::Running,
            StudyStatus::Completed,
        ] {
            assert_eq!(StudyStatus::parse(s.as_str()).unwrap(), s);
        }
        assert_eq!(
            Disposition::parse("for_information").unwrap(),
            Disposition::ForInformation
        );
        assert!(Role::parse("admin").is_err());
    }

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
