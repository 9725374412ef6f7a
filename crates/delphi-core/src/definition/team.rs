//! Who runs a study and where it is registered: the research team's name, institution and
//! contact address, the ethics reference, a registry id, the participant information link and
//! the study's time zone. Every panellist page and email names the team; its contact is the
//! Reply-To of the study's emails.

use serde::Deserialize;

use crate::text::{self, TextKind};
use crate::values::Email;

/// Most characters of the participant information link.
pub const MAX_URL_CHARS: usize = 500;

/// Who runs a study (every field may be empty except the time zone).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyTeam {
    /// The team's or lead researcher's name.
    #[serde(default)]
    pub name: String,
    /// Their institution.
    #[serde(default)]
    pub institution: String,
    /// The address panellists write to (the Reply-To of every email).
    #[serde(default)]
    pub contact: String,
    /// The research ethics committee's reference.
    #[serde(default)]
    pub ethics_reference: String,
    /// A protocol registry id (COMET, OSF...).
    #[serde(default)]
    pub registry_id: String,
    /// A link to the participant information (`https://...`).
    #[serde(default)]
    pub info_url: String,
    /// An IANA time zone name such as `Europe/London` (default `UTC`).
    #[serde(default = "utc")]
    pub time_zone: String,
}

fn utc() -> String {
    "UTC".to_owned()
}

impl Default for StudyTeam {
    fn default() -> Self {
        Self {
            name: String::new(),
            institution: String::new(),
            contact: String::new(),
            ethics_reference: String::new(),
            registry_id: String::new(),
            info_url: String::new(),
            time_zone: utc(),
        }
    }
}

/// Whether `zone` looks like an IANA time zone name: `UTC`, or `Area/Location` of ASCII
/// letters, digits, `_`, `-` and `+` (the names themselves are not listed here).
pub fn time_zone_ok(zone: &str) -> bool {
    if zone == "UTC" {
        return true;
    }
    let parts: Vec<&str> = zone.split('/').collect();
    (2..=3).contains(&parts.len())
        && zone.len() <= 64
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        })
}

impl StudyTeam {
    /// Cleans every field in place (NFC, no control characters, trimmed) and returns each
    /// problem as (field, message): a contact that is not an address, a link that is not
    /// `http(s)://`, a time zone that is not a zone name.
    pub fn clean(&mut self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        for (field, kind, value) in [
            ("team_name", TextKind::Name, &mut self.name),
            ("team_institution", TextKind::Name, &mut self.institution),
            (
                "ethics_reference",
                TextKind::Name,
                &mut self.ethics_reference,
            ),
            ("registry_id", TextKind::Name, &mut self.registry_id),
        ] {
            match text::clean(kind, value) {
                Ok(cleaned) => *value = cleaned,
                Err(e) => problems.push((field, e.0)),
            }
        }
        self.contact = self.contact.trim().to_owned();
        if !self.contact.is_empty() {
            match Email::parse(&self.contact) {
                Ok(email) => self.contact = email.as_str().to_owned(),
                Err(e) => problems.push(("team_contact", e.0)),
            }
        }
        self.info_url = self.info_url.trim().to_owned();
        let url = &self.info_url;
        if !url.is_empty() {
            let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
            let host_ok = url
                .split_once("://")
                .is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'));
            if !scheme_ok || !host_ok {
                problems.push((
                    "info_url",
                    format!("{url:?} is not a web address (it must start with https://)"),
                ));
            } else if url.chars().count() > MAX_URL_CHARS
                || url.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                problems.push((
                    "info_url",
                    format!("the link must be one line without spaces, at most {MAX_URL_CHARS} characters"),
                ));
            }
        }
        self.time_zone = self.time_zone.trim().to_owned();
        if self.time_zone.is_empty() {
            self.time_zone = utc();
        }
        if !time_zone_ok(&self.time_zone) {
            problems.push((
                "time_zone",
                format!(
                    "{:?} is not a time zone name such as Europe/London or UTC",
                    self.time_zone
                ),
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_is_cleaned_and_its_bad_fields_named() {
        let mut team = StudyTeam {
            name: "  Dr Sam Taylor ".into(),
            contact: " Team@Example.org ".into(),
            info_url: "https://example.org/info".into(),
            time_zone: "Europe/London".into(),
            ..StudyTeam::default()
        };
        assert!(team.clean().is_empty());
        assert_eq!(team.name, "Dr Sam Taylor");
        let mut bad = StudyTeam {
            contact: "not an address".into(),
            info_url: "javascript:alert(1)".into(),
            time_zone: "Mars/Olympus Mons".into(),
            ..StudyTeam::default()
        };
        let fields: Vec<&str> = bad.clean().iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["team_contact", "info_url", "time_zone"]);
        assert!(time_zone_ok("America/Argentina/Buenos_Aires"));
        assert!(!time_zone_ok("london"));
    }
}
