//! Every state and kind the platform stores as text, and the one mapping between the text
//! and the enum. Nothing else in the workspace compares state strings
//! (`scripts/check-states.sh` fails CI when something does): rows carry these enums, and
//! the database's CHECK constraints list the same words.

use serde::{Deserialize, Serialize};

/// A stored word that names no state of its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {text:?}")]
pub struct UnknownState {
    /// Which kind of state, e.g. `RoundStatus`.
    pub kind: &'static str,
    /// The word found.
    pub text: String,
}

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored text (matches the database CHECK constraint).
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// Parses the stored text.
            pub fn parse(text: &str) -> Result<Self, UnknownState> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    other => Err(UnknownState { kind: stringify!($name), text: other.to_owned() }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownState;
            fn from_str(text: &str) -> Result<Self, UnknownState> {
                Self::parse(text)
            }
        }

        /// Read from a text column.
        impl TryFrom<String> for $name {
            type Error = UnknownState;
            fn try_from(text: String) -> Result<Self, UnknownState> {
                Self::parse(&text)
            }
        }

        /// Written to a text column.
        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.as_str().to_owned()
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

text_enum!(
    /// Where a message of the outbox is.
    OutboxStatus {
        /// Waiting for its first attempt or a retry.
        Queued => "queued",
        /// Delivered to the mail server.
        Sent => "sent",
        /// Failed for good (until a researcher retries it).
        Failed => "failed",
    }
);

text_enum!(
    /// What a message of the outbox is.
    MailKind {
        /// The invitation to round 1.
        Invitation => "invitation",
        /// The invitation to a later round, saying what changed.
        RoundOpened => "round_opened",
        /// A reminder to someone who has not submitted.
        Reminder => "reminder",
        /// The thank-you after a submission.
        ThankYou => "thank_you",
        /// The confirmation of a withdrawal.
        Withdrawal => "withdrawal",
        /// The open round's deadline was moved later.
        DeadlineExtended => "deadline_extended",
        /// A researcher's test of a wording, to themselves.
        Test => "test",
        /// A new login added to a study: the one-time link to choose a first password.
        AccountInvitation => "account_invitation",
        /// An existing login added to a study: where to sign in.
        MemberAdded => "member_added",
        /// A forgotten password: the one-time link to choose a new one.
        PasswordReset => "password_reset",
    }
);

impl MailKind {
    /// The kinds a researcher may word (every kind a panellist receives).
    pub const EDITABLE: &'static [Self] = &[
        Self::Invitation,
        Self::RoundOpened,
        Self::Reminder,
        Self::ThankYou,
        Self::Withdrawal,
        Self::DeadlineExtended,
    ];

    /// The kind's name as a researcher reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Invitation => "Invitation",
            Self::RoundOpened => "Invitation to a later round",
            Self::Reminder => "Reminder",
            Self::ThankYou => "Thank-you",
            Self::Withdrawal => "Withdrawal confirmation",
            Self::DeadlineExtended => "New deadline",
            Self::Test => "Test message",
            Self::AccountInvitation => "Invitation to choose a password",
            Self::MemberAdded => "Added to a study",
            Self::PasswordReset => "Password reset",
        }
    }

    /// Whether the message is about a researcher's login (no panellist, no withdrawal link).
    pub fn is_account(self) -> bool {
        matches!(
            self,
            Self::AccountInvitation | Self::MemberAdded | Self::PasswordReset
        )
    }
}

text_enum!(
    /// What a one-time account link is for.
    AccountLinkPurpose {
        /// A new login's first password.
        SetPassword => "set_password",
        /// A forgotten password.
        ResetPassword => "reset_password",
    }
);

text_enum!(
    /// A researcher's decision on a panellist's comment.
    CommentDecision {
        /// Shown to the panel in the next round (as written, or as edited).
        Released => "released",
        /// Never shown to the panel.
        Hidden => "hidden",
    }
);

text_enum!(
    /// A researcher's change to the rule's proposal for the next round (one per item).
    PlanChangeKind {
        /// Ask again although the rule would retire it or show it for information.
        Rerate => "rerate",
        /// Show for information only (not rated).
        Inform => "inform",
        /// Retire: reached consensus, not shown again.
        Retire => "retire",
        /// Drop: not asked again, with a reason.
        Drop => "drop",
        /// Replace by new words under a new code, with a reason.
        Reword => "reword",
        /// A new item, optionally suggested in a comment.
        Add => "add",
    }
);

text_enum!(
    /// How far a panellist has come in a round (derived from the participation's times and
    /// answers, never stored).
    ParticipationState {
        /// Invited; the page has not been opened.
        Invited => "invited",
        /// Opened the round's page, has not consented yet.
        Opened => "opened",
        /// Consented, no answer yet.
        Consented => "consented",
        /// At least one answer saved, not submitted.
        Started => "started",
        /// Submitted (answers stay editable until the round closes).
        Submitted => "submitted",
        /// Withdrew from the study.
        Withdrawn => "withdrawn",
    }
);

text_enum!(
    /// An item's classification as stored in the results' column (the full
    /// [`crate::Classification`], with the reason when not classified, is in the stored
    /// result).
    Verdict {
        /// Consensus to include.
        In => "in",
        /// Consensus to exclude.
        Out => "out",
        /// Rated, but neither rule holds.
        None => "none",
        /// Too few ratings, or a value the rule needs is undefined.
        NotClassified => "not_classified",
    }
);

impl Verdict {
    /// Whether the item reached consensus (in or out).
    pub fn is_resolved(self) -> bool {
        matches!(self, Self::In | Self::Out)
    }

    /// The words a panellist or researcher reads for it.
    pub fn label(self) -> &'static str {
        match self {
            Self::In => "Consensus reached to include",
            Self::Out => "Consensus reached to exclude",
            Self::None => "No consensus yet",
            Self::NotClassified => "Not classified (too few ratings)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips_and_unknown_words_are_named() {
        for s in StudyStatus::ALL {
            assert_eq!(StudyStatus::parse(s.as_str()).unwrap(), *s);
        }
        for k in MailKind::ALL {
            assert_eq!(String::from(*k).parse::<MailKind>().unwrap(), *k);
        }
        assert_eq!(
            Disposition::parse("for_information").unwrap(),
            Disposition::ForInformation
        );
        let err = Role::parse("admin").unwrap_err();
        assert_eq!(err.to_string(), "unknown Role \"admin\"");
        assert_eq!(
            serde_json::to_string(&Verdict::NotClassified).unwrap(),
            "\"not_classified\""
        );
    }

    #[test]
    fn labels_name_every_status() {
        assert_eq!(Verdict::In.label(), "Consensus reached to include");
        assert_eq!(Verdict::None.label(), "No consensus yet");
        assert_eq!(
            Verdict::NotClassified.label(),
            "Not classified (too few ratings)"
        );
    }
}
