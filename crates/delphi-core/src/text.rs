//! Text people type or import (titles, names, item texts, comments, email wording), cleaned
//! once at the edge before it is stored or sent.
//!
//! [`clean`] turns Windows and old Mac line ends into `\n`, normalises to Unicode NFC (so the
//! same word typed on two systems is the same text, and limits count what people see), trims
//! the ends, and refuses:
//!
//! - control characters (U+0000–U+001F, U+007F–U+009F), except tab and line feed in the
//!   kinds of text that may span lines ([`TextKind::multi_line`]);
//! - the bidirectional controls that can make text display in another order than it is
//!   stored (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069): a comment or name could otherwise
//!   disguise what follows it on a researcher's page or in an export;
//! - text longer than its kind's limit ([`TextKind::max_chars`]).
//!
//! A refusal names the text and the position (`line 2, character 7` when lines are allowed,
//! `character 7` otherwise), so the person can find it.

use unicode_normalization::UnicodeNormalization;

/// What a piece of text is; decides its length limit and whether it may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A study's title (shown on every page and in email subjects).
    Title,
    /// A person's name (a panellist's, a user's).
    Name,
    /// A section heading of the items.
    Section,
    /// A stakeholder group's name.
    GroupName,
    /// The label of a point on the rating scale.
    ScaleLabel,
    /// The statement panellists rate.
    ItemText,
    /// What a study is about, shown to panellists.
    Description,
    /// What panellists agree to.
    ConsentText,
    /// What a round asks panellists to do.
    Instructions,
    /// A panellist's comment on an item.
    Comment,
    /// A panellist's reason for a rating far from the panel.
    Reason,
    /// An email subject.
    EmailSubject,
    /// An email body (plain text or its template).
    EmailBody,
    /// A panellist's answer to an open question ("is anything missing?").
    Suggestion,
    /// A background question or one of its options, as the researcher words it.
    Question,
    /// A panellist's short answer to a background question.
    ShortAnswer,
}

impl TextKind {
    /// The most characters (after normalisation) this kind of text may have.
    pub const fn max_chars(self) -> usize {
        match self {
            Self::Title
            | Self::Name
            | Self::Section
            | Self::GroupName
            | Self::ScaleLabel
            | Self::ShortAnswer => 200,
            Self::Question => 300,
            Self::EmailSubject => 300,
            Self::ItemText | Self::Comment | Self::Reason | Self::Suggestion => 2_000,
            Self::Instructions => 5_000,
            Self::Description | Self::ConsentText | Self::EmailBody => 20_000,
        }
    }

    /// Whether the text may hold line breaks and tabs.
    pub const fn multi_line(self) -> bool {
        matches!(
            self,
            Self::Description
                | Self::ConsentText
                | Self::Instructions
                | Self::Comment
                | Self::Reason
                | Self::EmailBody
                | Self::Suggestion
        )
    }

    /// How messages name it, e.g. "the title".
    pub const fn noun(self) -> &'static str {
        match self {
            Self::Title => "the title",
            Self::Name => "the name",
            Self::Section => "the section name",
            Self::GroupName => "the group name",
            Self::ScaleLabel => "the scale label",
            Self::ItemText => "the item text",
            Self::Description => "the description",
            Self::ConsentText => "the consent text",
            Self::Instructions => "the instructions",
            Self::Comment => "the comment",
            Self::Reason => "the reason",
            Self::EmailSubject => "the subject",
            Self::EmailBody => "the message",
            Self::Suggestion => "the suggestion",
            Self::Question => "the question",
            Self::ShortAnswer => "the answer",
        }
    }
}

/// Why a text was refused, naming the text and the position; callers add the field, file or
/// line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TextError(pub String);

/// Cleans `raw` as a text of `kind` (see the module documentation); returns what to store.
pub fn clean(kind: TextKind, raw: &str) -> Result<String, TextError> {
    let text = if kind.multi_line() && raw.contains('\r') {
        raw.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        raw.to_owned()
    };
    check_characters(kind, &text)?;
    let trimmed = text.trim();
    // Most text is already NFC (all ASCII text is): only the rest is rebuilt.
    let text: String = if trimmed.is_ascii() || unicode_normalization::is_nfc(trimmed) {
        trimmed.to_owned()
    } else {
        trimmed.nfc().collect()
    };
    let count = text.chars().count();
    if count > kind.max_chars() {
        return Err(TextError(format!(
            "{} has {count} characters; the limit is {}",
            kind.noun(),
            kind.max_chars()
        )));
    }
    Ok(text)
}

/// Refuses the characters `clean` refuses, without changing anything (for text that is
/// stored as given, e.g. a template's source).
pub fn check_characters(kind: TextKind, text: &str) -> Result<(), TextError> {
    let (mut line, mut column) = (1usize, 0usize);
    for c in text.chars() {
        column += 1;
        let allowed_break = kind.multi_line() && matches!(c, '\n' | '\t');
        if let Some(what) = forbidden(c).filter(|_| !allowed_break) {
            let at = if kind.multi_line() {
                format!("line {line}, character {column}")
            } else {
                format!("character {column}")
            };
            let advice = if matches!(c, '\n' | '\r') {
                format!("{} must be one line", kind.noun())
            } else {
                "remove it".to_owned()
            };
            return Err(TextError(format!(
                "{} has {what} (U+{:04X}) at {at}: {advice}",
                kind.noun(),
                u32::from(c)
            )));
        }
        if c == '\n' {
            line += 1;
            column = 0;
        }
    }
    Ok(())
}

/// What a refused character is, in words; `None` for characters text may hold.
pub fn forbidden(c: char) -> Option<&'static str> {
    match c {
        '\n' | '\r' => Some("a line break"),
        '\t' => Some("a tab"),
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => Some("a control character"),
        '\u{200e}' => Some("a left-to-right mark"),
        '\u{200f}' => Some("a right-to-left mark"),
        '\u{202a}'..='\u{202e}' => Some("a bidirectional embedding or override"),
        '\u{2066}'..='\u{2069}' => Some("a bidirectional isolate"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidirectional_characters_are_refused_with_their_position() {
        let err = clean(TextKind::Name, "Ann\u{202e}gnp.exe").unwrap_err();
        assert_eq!(
            err.0,
            "the name has a bidirectional embedding or override (U+202E) at character 4: remove it"
        );
        let err = clean(TextKind::Comment, "fine\nbut \u{0}here").unwrap_err();
        assert_eq!(
            err.0,
            "the comment has a control character (U+0000) at line 2, character 5: remove it"
        );
        let err = clean(TextKind::Title, "Two\nlines").unwrap_err();
        assert!(
            err.0.contains("at character 4: the title must be one line"),
            "{err}"
        );
        for c in [
            '\u{1}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}', '\u{200e}', '\u{200f}', '\u{202a}',
            '\u{202d}', '\u{2066}', '\u{2069}',
        ] {
            assert!(
                clean(TextKind::Comment, &format!("a{c}b")).is_err(),
                "{c:?}"
            );
        }
        assert!(clean(TextKind::Title, "a\tb").is_err());
    }

    #[test]
    fn line_ends_are_unified_text_is_nfc_and_trimmed() {
        assert_eq!(
            clean(TextKind::Comment, " one\r\ntwo\rthree\tfour \n").unwrap(),
            "one\ntwo\nthree\tfour"
        );
        // "e" + combining acute accent becomes the one character "é".
        assert_eq!(clean(TextKind::Name, "Ame\u{301}lie").unwrap(), "Amélie");
        assert_eq!(clean(TextKind::Name, "  Zoë  ").unwrap(), "Zoë");
        assert_eq!(clean(TextKind::Comment, "").unwrap(), "");
        // Right-to-left scripts are text, not controls.
        assert_eq!(clean(TextKind::Name, "مريم").unwrap(), "مريم");
    }

    #[test]
    fn each_kind_has_its_limit_named_in_the_refusal() {
        let title = "t".repeat(1 << 20);
        let err = clean(TextKind::Title, &title).unwrap_err();
        assert_eq!(err.0, "the title has 1048576 characters; the limit is 200");
        assert!(clean(TextKind::Title, &"t".repeat(200)).is_ok());
        assert!(clean(TextKind::EmailSubject, &"s".repeat(301)).is_err());
        assert!(clean(TextKind::Comment, &"c".repeat(2_000)).is_ok());
        assert!(clean(TextKind::Comment, &"c".repeat(2_001)).is_err());
        // Counted after NFC: 200 decomposed "é" are 200 characters, not 400.
        assert!(clean(TextKind::Name, &"e\u{301}".repeat(200)).is_ok());
    }
}
