//! Typed values parsed once at the edge ("parse, don't validate").

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

/// An email address: one `@`, a non-empty local part, a dotted domain, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parses and normalises (trimmed, domain lower-cased) an address.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let text = raw.trim();
        let refuse = |why: &str| {
            Err(ValueError(format!(
                "{text:?} is not an email address: {why}"
            )))
        };
        if text.is_empty() {
            return Err(ValueError("the email address is empty".into()));
        }
        if text.len() > 254 {
            return refuse("longer than 254 characters");
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return refuse("it contains a space");
        }
        if let Some(c) = text.chars().find(|&c| crate::text::forbidden(c).is_some()) {
            return refuse(&format!(
                "it contains U+{:04X}, which changes how text around it is shown",
                u32::from(c)
            ));
        }
        let Some((local, domain)) = text.split_once('@') else {
            return refuse("it has no @");
        };
        if local.is_empty() || domain.contains('@') {
            return refuse("it needs exactly one @ with a name before it");
        }
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return refuse("the part after @ is not a domain");
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses a code: 1 to 32 letters, digits, `-`, `_` or `.`.
            pub fn parse(raw: &str) -> Result<Self, ValueError> {
                let text = raw.trim();
                if text.is_empty() {
                    return Err(ValueError(format!("the {} is empty", $what)));
                }
                if text.chars().count() > 32 {
                    return Err(ValueError(format!("the {} {text:?} is longer than 32 characters", $what)));
                }
                if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
                    return Err(ValueError(format!(
                        "the {} {text:?} contains {bad:?}; use letters, digits, '-', '_' or '.'",
                        $what
                    )));
                }
                Ok(Self(text.to_owned()))
            }

            /// The code as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

code_type!(
    /// An item's code, e.g. `P3` or `ORG-12`, unique within a study.
    ItemCode,
    "item code"
);
code_type!(
    /// A stakeholder group's code, e.g. `link_workers`.
    GroupCode,
    "group code"
);

/// Most points a rating scale may have: 101, a 0–100 scale (the widest scales Delphi
/// studies use are visual-analogue 0–100; the panellist's page shows one choice per point).
pub const MAX_SCALE_POINTS: i64 = 101;
/// Furthest from zero a scale point may lie, so no arithmetic on points can overflow.
pub const MAX_SCALE_MAGNITUDE: i32 = 1_000;

/// The number of points of `min..=max`, or why that is not a scale: it needs 2 to
/// [`MAX_SCALE_POINTS`] points, lowest first, within ±[`MAX_SCALE_MAGNITUDE`]. Counted in
/// i64, so no pair of i32 overflows.
pub fn scale_points(min: i32, max: i32) -> Result<usize, ValueError> {
    let points = i64::from(max) - i64::from(min) + 1;
    if !(2..=MAX_SCALE_POINTS).contains(&points) {
        return Err(ValueError(format!(
            "the scale {min}..{max} has {points} points; a scale has 2 to {MAX_SCALE_POINTS} \
             points, lowest first"
        )));
    }
    if min < -MAX_SCALE_MAGNITUDE || max > MAX_SCALE_MAGNITUDE {
        return Err(ValueError(format!(
            "the scale {min}..{max} reaches beyond -{MAX_SCALE_MAGNITUDE}..{MAX_SCALE_MAGNITUDE}, \
             the limit of a scale's points"
        )));
    }
    // At most MAX_SCALE_POINTS, so it fits.
    Ok(points as usize)
}

/// A rating scale `min..=max` with optional labels per point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    min: i32,
    max: i32,
}

impl Scale {
    /// A scale of 2 to [`MAX_SCALE_POINTS`] points (see [`scale_points`]).
    pub fn new(min: i32, max: i32) -> Result<Self, ValueError> {
        scale_points(min, max)?;
        Ok(Self { min, max })
    }

    /// Lowest point.
    pub fn min(&self) -> i32 {
        self.min
    }

    /// Highest point.
    pub fn max(&self) -> i32 {
        self.max
    }

    /// Checks a rating against the scale.
    pub fn rating(&self, value: i32) -> Result<Rating, ValueError> {
        if (self.min..=self.max).contains(&value) {
            Ok(Rating(value))
        } else {
            Err(ValueError(format!(
                "rating {value} is outside the scale {}-{}",
                self.min, self.max
            )))
        }
    }
}

/// A rating known to be on its study's scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rating(i32);

impl Rating {
    /// The point on the scale.
    pub fn value(self) -> i32 {
        self.0
    }
}

/// A panellist's answer to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A point on the scale.
    Rated(Rating),
    /// "Unable to rate".
    UnableToRate,
    /// No rating yet (a comment alone, or a cleared answer).
    Blank,
}

/// The pseudonym used for a panellist in every export, e.g. `P017`.
pub fn pseudonym(index: usize) -> String {
    format!("P{:03}", index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Ann@Example.ORG ").unwrap().as_str(),
            "Ann@example.org"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "a b@example.org",
            "a@b@c.org",
            "ann@localhost",
            "ann\u{202e}gro.elpmaxe@example.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes() {
        assert_eq!(ItemCode::parse("P3").unwrap().as_str(), "P3");
        assert!(ItemCode::parse("P 3").unwrap_err().0.contains("' '"));
        assert!(ItemCode::parse("").is_err());
        assert!(GroupCode::parse(&"x".repeat(33)).is_err());
    }

    #[test]
    fn scale_and_ratings() {
        let scale = Scale::new(1, 9).unwrap();
        assert_eq!(scale.rating(9).unwrap().value(), 9);
        assert_eq!(
            scale.rating(10).unwrap_err().0,
            "rating 10 is outside the scale 1-9"
        );
        assert!(Scale::new(5, 5).is_err());
        let err = Scale::new(i32::MIN, i32::MAX).unwrap_err();
        assert!(err.0.contains("2 to 101 points"), "{err}");
        assert!(Scale::new(0, 100).is_ok());
        assert!(Scale::new(0, 101).is_err());
        assert!(Scale::new(2_000_000_000, 2_000_000_010).is_err());
        assert_eq!(pseudonym(17), "P017");
    }
}
