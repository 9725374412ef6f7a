//! What the worker reads once per study while preparing a batch: the team that runs it
//! (named in every email, its contact the Reply-To) and the study's own wording per kind.

use std::collections::HashMap;

use delphi_app::email_templates::CustomWording;
use delphi_core::states::MailKind;
use delphi_store::{email_templates as wording_store, studies, DbConnection};

/// What a batch reads once per study: its team and its own wording of each kind.
#[derive(Default)]
pub(crate) struct StudyCache {
    teams: HashMap<String, Team>,
    wordings: HashMap<(String, MailKind), Option<CustomWording>>,
}

/// Who runs a study, as its emails name them.
#[derive(Clone, Default)]
pub(crate) struct Team {
    pub(crate) team_name: String,
    pub(crate) team_institution: String,
    pub(crate) team_contact: String,
}

impl StudyCache {
    pub(crate) fn team(
        &mut self,
        conn: &mut DbConnection,
        study: Option<&str>,
    ) -> Result<Team, String> {
        let Some(study) = study else {
            return Ok(Team::default());
        };
        if let Some(team) = self.teams.get(study) {
            return Ok(team.clone());
        }
        let team = studies::find(conn, study)
            .map_err(|e| format!("reading the study: {e}"))?
            .map(|s| Team {
                team_name: s.team_name,
                team_institution: s.team_institution,
                team_contact: s.team_contact,
            })
            .unwrap_or_default();
        self.teams.insert(study.to_owned(), team.clone());
        Ok(team)
    }

    pub(crate) fn wording(
        &mut self,
        conn: &mut DbConnection,
        study: Option<&str>,
        kind: MailKind,
    ) -> Result<Option<CustomWording>, String> {
        let Some(study) = study else {
            return Ok(None);
        };
        let key = (study.to_owned(), kind);
        if let Some(wording) = self.wordings.get(&key) {
            return Ok(wording.clone());
        }
        let wording = wording_store::find(conn, study, kind)
            .map_err(|e| format!("reading the study's wording: {e}"))?
            .map(|r| CustomWording {
                subject: r.subject,
                body_text: r.body_text,
            });
        self.wordings.insert(key, wording.clone());
        Ok(wording)
    }
}
