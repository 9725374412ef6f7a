//! `delphi demo`: a ready-to-explore installation in one folder. On an empty folder it
//! imports the link-worker leadership study, simulates round 1 from three quarters of the
//! panel, closes it and opens round 2, so feedback is visible at once.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use delphi_app::opening::RoundOptions;
use delphi_app::participation::AnswerInput;
use delphi_app::{
    closing, next_round, opening, participation, queries, studies, users, Actor, App,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::write_private;

const STUDY_TOML: &str = include_str!("../../../examples/splw-leadership/study.toml");
const ITEMS_CSV: &str = include_str!("../../../examples/splw-leadership/items.csv");
const PANEL_CSV: &str = include_str!("../../../examples/splw-leadership/panel.csv");
const RESEARCHER: &str = "researcher@example.org";
/// The example study's short name.
const SLUG: &str = "splw-leadership";
/// The demo prepares its folder as the operator of the server it starts.
const OPERATOR: &Actor = &Actor::Operator;

/// Options of `delphi demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Folder for the database, the secret key and the emails (created when missing).
    #[arg(long, default_value = "./delphi-demo")]
    pub data_dir: PathBuf,
    /// Prepare the folder and print the links, but do not start the server.
    #[arg(long, hide = true)]
    pub no_serve: bool,
}

/// Runs the demo until Ctrl-C.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    crate::config::create_private_dir(&args.data_dir).context("creating the demo folder")?;
    let data_dir = args
        .data_dir
        .canonicalize()
        .context("resolving the demo folder")?;
    let listener = std::net::TcpListener::bind(&args.bind).with_context(|| {
        format!(
            "listening on {} (is another demo running? try --bind 127.0.0.1:8081)",
            args.bind
        )
    })?;
    let base_url = format!(
        "http://{}",
        listener.local_addr().context("reading the bound address")?
    );
    let config = crate::config::Config {
        database_url: format!("sqlite://{}", data_dir.join("delphi.db").display()),
        bind: args.bind.clone(),
        base_url: base_url.clone(),
        mail: secrecy::SecretString::from(format!("file://{}", data_dir.join("emails").display())),
        secret_key: None,
        mail_from: "Delphi demo <delphi@localhost>".to_owned(),
        mail_reply_to: None,
        database_pool_size: 16,
        web: delphi_web::WebOptions::default(),
    };
    let app = crate::runtime::open_app(&config, &data_dir.join("secret.key"))?;
    let marker = data_dir.join(".seeded");
    let seeded = queries::studies_for(&app, OPERATOR)?
        .into_iter()
        .any(|s| s.slug == SLUG);
    match seeded {
        true if marker.exists() => {}
        true => anyhow::bail!(
            "the demo folder {} was left half-prepared (was the first run interrupted?); delete it and run `delphi demo` again",
            data_dir.display()
        ),
        false => {
            seed(&app, &data_dir)?;
            std::fs::write(&marker, "seeded\n").context("marking the demo folder as prepared")?;
        }
    }
    if args.no_serve {
        return print_welcome(&app, &data_dir, &base_url);
    }
    let mail_url = format!("file://{}", data_dir.join("emails").display());
    let welcome_app = app.clone();
    let sender = crate::mail::Sender::of(&config);
    crate::runtime::run_server(
        app,
        listener,
        &mail_url,
        &sender,
        config.web.clone(),
        move || print_welcome(&welcome_app, &data_dir, &base_url),
    )
}

fn seed(app: &App, data_dir: &Path) -> anyhow::Result<()> {
    let password = crate::admin::generate_password_text();
    users::create_user(
        app,
        OPERATOR,
        RESEARCHER,
        "Demo Researcher",
        &password,
        true,
    )?;
    write_private(
        &data_dir.join("researcher-login.txt"),
        &format!("{RESEARCHER}\n{password}\n"),
    )?;
    let definition =
        delphi_core::definition::StudyDefinition::parse(STUDY_TOML, ITEMS_CSV, PANEL_CSV)
            .map_err(|e| anyhow::anyhow!("the bundled example study is invalid:\n{e}"))?;
    studies::create_from_definition(app, OPERATOR, &definition, Some(RESEARCHER))?;
    let fortnight = || Some(chrono::Utc::now().naive_utc() + chrono::Duration::days(14));
    opening::open_first_round(
        app,
        OPERATOR,
        SLUG,
        &RoundOptions {
            deadline: fortnight(),
            instructions:
                "Please rate how important each capability is for a social prescribing link worker."
                    .into(),
        },
    )?;
    simulate_round_one(app, &definition)?;
    closing::close_round(app, OPERATOR, SLUG)?;
    let edits = [delphi_core::planning::PlanEdit::Add {
        code: delphi_core::values::ItemCode::parse("C13")?,
        section: "Community level".into(),
        text: "Helps local groups understand how to receive and support people referred to them."
            .into(),
        note: Some("Suggested by several panellists in round 1 comments".into()),
    }];
    next_round::open_next_round(
        app,
        OPERATOR,
        SLUG,
        &edits,
        &RoundOptions {
            deadline: fortnight(),
            instructions: "You can now see how the panel rated each statement in round 1. Please rate again; you may keep or change your view.".into(),
        },
    )?;
    Ok(())
}

/// Three quarters of the panel rate every item: each item has its own typical importance,
/// each panellist their own leaning, a little "unable to rate" and a few comments.
fn simulate_round_one(
    app: &App,
    definition: &delphi_core::definition::StudyDefinition,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(2026);
    let links = queries::panellist_links(app, OPERATOR, SLUG)?;
    let responders = links.len() * 3 / 4;
    let typical: Vec<f64> = (0..definition.items.len())
        .map(|_| rng.gen_range(4.0..8.8))
        .collect();
    for link in links.iter().take(responders) {
        let token = link.link.rsplit('/').next().unwrap_or_default();
        let panellist = Actor::Panellist(token.to_owned());
        participation::consent(app, &panellist)?;
        let leaning: f64 = rng.gen_range(-1.0..1.0);
        let answers: Vec<AnswerInput> = definition
            .items
            .iter()
            .zip(&typical)
            .map(|(item, centre)| {
                let unable = rng.gen_bool(0.02);
                let value = (centre + leaning + rng.gen_range(-1.8..1.8))
                    .round()
                    .clamp(1.0, 9.0) as i32;
                AnswerInput {
                    item_code: item.code.as_str().to_owned(),
                    rating: (!unable).then_some(value),
                    unable_to_rate: unable,
                    comment: rng.gen_bool(0.03).then(|| {
                        "This depends a lot on how the host organisation sees the role.".to_owned()
                    }),
                    reason: None,
                }
            })
            .collect();
        participation::save_answers(app, &panellist, &answers)?;
        participation::submit(app, &panellist)?;
    }
    Ok(())
}

fn print_welcome(app: &App, data_dir: &Path, base_url: &str) -> anyhow::Result<()> {
    let login = std::fs::read_to_string(data_dir.join("researcher-login.txt")).unwrap_or_default();
    let mut lines = login.lines();
    let (email, password) = (
        lines.next().unwrap_or(RESEARCHER),
        lines.next().unwrap_or("(see researcher-login.txt)"),
    );
    let summary = queries::study_summary(app, OPERATOR, SLUG)?;
    let mut out = String::new();
    let links = queries::panellist_links(app, OPERATOR, SLUG)?;
    out.push('\n');
    let _ = writeln!(out, "Delphi demo: \"{}\"", summary.title);
    for round in &summary.rounds {
        let _ = writeln!(
            out,
            "  round {}: {} ({} of {} invited submitted)",
            round.number, round.status, round.submitted, round.invited
        );
    }
    out.push('\n');
    let _ = writeln!(out, "Researcher login   {base_url}/admin");
    let _ = writeln!(out, "  email            {email}");
    let _ = writeln!(out, "  password         {password}");
    out.push('\n');
    let _ = writeln!(
        out,
        "Panellist links (each opens that panellist's round 2 page with the panel's feedback):"
    );
    let mut shown_groups = Vec::new();
    for link in &links {
        if shown_groups.contains(&link.group) {
            continue;
        }
        shown_groups.push(link.group.clone());
        let _ = writeln!(out, "  {} ({})  {}", link.pseudonym, link.group, link.link);
        if shown_groups.len() == 3 {
            break;
        }
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "Emails are written to {}",
        data_dir.join("emails").display()
    );
    let _ = writeln!(out, "Health check       {base_url}/healthz");
    let _ = writeln!(
        out,
        "Stop with Ctrl-C; run `delphi demo` again on the same folder to carry on."
    );
    // Written in one go, and a closed stdout (e.g. `delphi demo | head`) must not stop the demo.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());
    Ok(())
}
