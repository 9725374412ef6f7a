//! A study's dashboard: its rounds with response rates, the latest round's email by kind with
//! the problems, and each panellist's last invitation and reminder. Analysts read it too,
//! with pseudonyms only (no addresses, no delivery errors, which often name an address).

use delphi_store::read_tx;

use crate::access::{self, Actor, Permission};
use crate::outbox::{self, PanellistMail, RoundMail};
use crate::queries::{self, RoundSummary, StudySummary};
use crate::{App, AppError};

/// A study as its dashboard shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dashboard {
    /// The study with its rounds and response rates.
    pub study: StudySummary,
    /// Whether the caller may act (remind, retry), not only read.
    pub can_manage: bool,
    /// The latest round, if any.
    pub latest_round: Option<RoundSummary>,
    /// The latest round's email, when there is a round.
    pub mail: Option<RoundMail>,
    /// Each panellist's last invitation and reminder (addresses only for callers who may
    /// see contacts).
    pub panellists: Vec<PanellistMail>,
}

/// The dashboard of the study `slug`, in one read.
pub fn dashboard(app: &App, actor: &Actor, slug: &str) -> Result<Dashboard, AppError> {
    let mut conn = app.conn()?;
    read_tx(&mut conn, |conn| {
        let (study, grant) = access::study(conn, actor, slug, Permission::Read)?;
        let summary = queries::summary_in(conn, &study)?;
        let latest_round = summary.latest_round().cloned();
        let mail = match &latest_round {
            Some(round) => {
                let row = outbox::round_numbered(conn, &study, round.number)?;
                Some(outbox::round_mail_in(conn, &grant, &row)?)
            }
            None => None,
        };
        Ok(Dashboard {
            panellists: outbox::panellist_mail_in(conn, &grant, &study.id)?,
            can_manage: grant.may_manage(),
            study: summary,
            latest_round,
            mail,
        })
    })
}
