//! `/admin/studies/{slug}/settings`: the consensus rule (a preset or an expression, checked as
//! one types against `/admin/rule-check`), a preview of how the latest results or a simulated
//! panel would be classified, the stopping rule, feedback, minimum responses, the outlier
//! reason's distance, who is invited later and which answers count. Once round 1 has opened
//! the protocol is locked (shown with its time): a change to the rules is an amendment with
//! a reason.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use delphi_app::setup::protocol::{self, Preview, Updated};
use delphi_app::AppError;
use delphi_core::rule::{ConsensusRule, RuleError};
use delphi_core::settings::{ConsensusSettings, StudySettings, PRESETS};
use serde::{Deserialize, Serialize};

use super::extract::{CsrfForm, SignedIn};
use super::new_study::preset_label;
use super::render::{problem, render, see_other, Page};
use super::settings_form::{consensus_of, settings_of, SettingsForm};
use crate::errors::status_of;
use crate::{blocking, WebState};

#[derive(Serialize)]
struct PresetOption {
    name: &'static str,
    label: &'static str,
    consensus_in: String,
    consensus_out: String,
    selected: bool,
}

#[derive(Serialize)]
struct SettingsData {
    #[serde(flatten)]
    view: protocol::SettingsView,
    /// What the form shows (the saved settings, or the draft being previewed or refused).
    form: StudySettings,
    presets: Vec<PresetOption>,
    custom: bool,
    reason: String,
    preview: Option<Preview>,
    /// The optional numbers as the form shows them (empty when not used).
    stability_pct: String,
    outlier_distance: String,
    /// The background questions in the form's line format.
    background: String,
}

/// What `?done=` may say.
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn page(
    state: &WebState,
    signed: &SignedIn,
    slug: String,
    draft: Option<(StudySettings, String)>,
    preview: Option<Preview>,
    messages: (Option<String>, Option<AppError>),
) -> HttpResponse {
    let (notice, error) = messages;
    let (app, actor) = (state.app.clone(), signed.actor.clone());
    let view = match blocking(move || protocol::view(&app, &actor, &slug)).await {
        Ok(view) => view,
        Err(e) => return problem(state, Some(signed), &e),
    };
    let (form, reason) = draft.unwrap_or_else(|| (view.settings.clone(), String::new()));
    let (min, max) = (form.scale.min, form.scale.max);
    let chosen = form.consensus.preset.clone().unwrap_or_default();
    let presets = PRESETS
        .iter()
        .filter_map(|&name| {
            let p = ConsensusSettings::preset(name, min, max).ok()?;
            Some(PresetOption {
                name,
                label: preset_label(name),
                consensus_in: p.consensus_in,
                consensus_out: p.consensus_out.unwrap_or_default(),
                selected: name == chosen,
            })
        })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, status_of);
    let title = format!("Settings of {}", view.title);
    let data = SettingsData {
        stability_pct: form
            .stopping
            .stability_pct
            .map(|v| v.to_string())
            .unwrap_or_default(),
        outlier_distance: form
            .outlier_reason
            .as_ref()
            .map(|o| o.distance.to_string())
            .unwrap_or_default(),
        background: delphi_core::questions::to_lines(&form.background),
        custom: !PRESETS.contains(&chosen.as_str()),
        view,
        form,
        presets,
        reason,
        preview,
    };
    let page = Page::of(signed, title, data)
        .notice(notice)
        .error(error.map(|e| e.to_string()));
    render(state, "admin/settings.html", status, &page)
}

/// `GET /admin/studies/{slug}/settings`.
pub async fn show(
    state: web::Data<WebState>,
    signed: SignedIn,
    slug: web::Path<String>,
    done: web::Query<Done>,
) -> HttpResponse {
    let notice = match done.done.as_deref() {
        Some("saved") => Some("Settings saved.".to_owned()),
        Some(word) if word == OPENED => Some(
            "Round 1 is open: invitations are on their way, and the protocol is locked.".to_owned(),
        ),
        Some("amended") => Some(
            "Amendment recorded with its reason; it appears in the audit log and the report."
                .to_owned(),
        ),
        _ => None,
    };
    page(
        &state,
        &signed,
        slug.into_inner(),
        None,
        None,
        (notice, None),
    )
    .await
}

/// `POST /admin/studies/{slug}/settings`: action `preview` or `save`.
pub async fn act(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<SettingsForm>,
) -> HttpResponse {
    let CsrfForm { signed, form } = posted;
    let slug = slug.into_inner();
    let (app, actor, s) = (state.app.clone(), signed.actor.clone(), slug.clone());
    let current = match blocking(move || protocol::view(&app, &actor, &s)).await {
        Ok(view) => view.settings,
        Err(e) => return problem(&state, Some(&signed), &e),
    };
    let draft = match settings_of(&form, &current) {
        Ok(draft) => draft,
        Err(error) => {
            return page(&state, &signed, slug, None, None, (None, Some(error))).await;
        }
    };
    let kept = Some((draft.clone(), form.reason.clone()));
    let (app, actor, s) = (state.app.clone(), signed.actor.clone(), slug.clone());
    if form.action == "preview" {
        let consensus = match consensus_of(&form, &current) {
            Ok(c) => c,
            Err(e) => return page(&state, &signed, slug, kept, None, (None, Some(e))).await,
        };
        return match blocking(move || protocol::preview(&app, &actor, &s, &consensus)).await {
            Ok(preview) => page(&state, &signed, slug, kept, Some(preview), (None, None)).await,
            Err(error @ AppError::Refused(_)) => problem(&state, Some(&signed), &error),
            Err(error) => page(&state, &signed, slug, kept, None, (None, Some(error))).await,
        };
    }
    let reason = form.reason.clone();
    let d = draft.clone();
    match blocking(move || protocol::update(&app, &actor, &s, &d, &reason)).await {
        Ok(Updated::Amended(_)) => {
            see_other(&format!("/admin/studies/{slug}/settings?done=amended"))
        }
        Ok(_) => see_other(&format!("/admin/studies/{slug}/settings?done=saved")),
        Err(error @ AppError::Refused(_)) => problem(&state, Some(&signed), &error),
        Err(error) => page(&state, &signed, slug, kept, None, (None, Some(error))).await,
    }
}

/// The `?done=` word after round 1 opened.
const OPENED: &str = "opened"; // not-a-state: a notice's word

/// `POST /admin/studies/{slug}/open-round-1`: opens round 1 (invitations queued), which
/// locks the protocol.
pub async fn open_first(
    state: web::Data<WebState>,
    slug: web::Path<String>,
    posted: CsrfForm<Empty>,
) -> HttpResponse {
    let signed = posted.signed;
    let slug = slug.into_inner();
    let (app, actor, s) = (state.app.clone(), signed.actor.clone(), slug.clone());
    let options = delphi_app::opening::RoundOptions::default();
    match blocking(move || delphi_app::opening::open_first_round(&app, &actor, &s, &options)).await
    {
        Ok(_) => see_other(&format!("/admin/studies/{slug}/settings?done={OPENED}")),
        Err(error @ AppError::Refused(_)) => problem(&state, Some(&signed), &error),
        Err(error) => page(&state, &signed, slug, None, None, (None, Some(error))).await,
    }
}

/// A form with nothing but its CSRF value.
#[derive(Deserialize)]
pub struct Empty {}

/// `?rule=` of the rule check.
#[derive(Deserialize)]
pub struct RuleQuery {
    #[serde(default)]
    rule: String,
}

/// The answer of the rule check.
#[derive(Serialize)]
struct RuleCheck {
    ok: bool,
    error: Option<String>,
    /// 1-based column of the word at fault, when the error names one.
    column: Option<usize>,
}

/// `GET /admin/rule-check?rule=...`: whether a consensus rule parses, with the position of
/// what is wrong (the settings page's script calls it as the researcher types).
pub async fn check_rule(_signed: SignedIn, query: web::Query<RuleQuery>) -> HttpResponse {
    let answer = match ConsensusRule::parse(&query.rule) {
        Ok(_) => RuleCheck {
            ok: true,
            error: None,
            column: None,
        },
        Err(error) => RuleCheck {
            ok: false,
            column: match &error {
                RuleError::UnknownWord { column, .. } => Some(*column),
                _ => None,
            },
            error: Some(error.to_string()),
        },
    };
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(answer)
}
