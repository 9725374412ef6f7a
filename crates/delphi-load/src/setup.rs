//! `delphi-load setup`: a study to load, built through the real use cases (imported, round 1
//! opened with its invitations queued), and the file `run` and `verify` read.

use std::path::PathBuf;

use anyhow::Context;
use delphi_app::opening::RoundOptions;
use delphi_app::{opening, queries, studies, Actor, App, SecretKey};
use delphi_core::definition::StudyDefinition;
use serde::{Deserialize, Serialize};

/// The SPLW example's settings (scale, groups, consensus rule), with generated items and panel.
const STUDY_TOML: &str = include_str!("../../../examples/splw-leadership/study.toml");
const SECTIONS: [&str; 3] = ["Patient level", "Organisational level", "Community level"];
const GROUPS: [&str; 5] = [
    "link_workers",
    "managers",
    "commissioners",
    "clinicians",
    "lived_experience",
];

/// Options of `delphi-load setup`.
#[derive(Debug, clap::Args)]
pub struct SetupArgs {
    /// `sqlite://path.db` or `postgres://...` (migrated here if needed).
    #[arg(long, env = "DELPHI_DATABASE_URL")]
    pub database: String,
    /// The server's secret key (base64 of 32 bytes): links are sealed with it.
    #[arg(long, env = "DELPHI_SECRET_KEY", hide_env_values = true)]
    pub secret_key: String,
    /// The study's short name.
    #[arg(long, default_value = "load")]
    pub slug: String,
    /// Panellists.
    #[arg(long, default_value_t = 200)]
    pub panel: usize,
    /// Items in round 1.
    #[arg(long, default_value_t = 60)]
    pub items: usize,
    /// Where the study file (slug, item codes, link tokens) is written.
    #[arg(long)]
    pub out: PathBuf,
}

/// What `run` and `verify` need to know about the study. Holds the panellists' link
/// tokens: keep it private, like the database.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StudyFile {
    /// The study's short name.
    pub slug: String,
    /// Round 1's item codes.
    pub codes: Vec<String>,
    /// Every panellist's link token.
    pub tokens: Vec<String>,
}

impl StudyFile {
    /// Reads a file written by `setup`.
    pub fn read(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the study file {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("in {}", path.display()))
    }
}

/// The study definition: `items` items over three sections, `panel` panellists over five groups.
pub fn definition(slug: &str, items: usize, panel: usize) -> anyhow::Result<StudyDefinition> {
    let study = STUDY_TOML.replace("slug = \"splw-leadership\"", &format!("slug = \"{slug}\""));
    let mut items_csv = String::from("code,section,text\n");
    for i in 0..items {
        let section = SECTIONS[i * SECTIONS.len() / items.max(1)];
        items_csv.push_str(&format!(
            "I{n},{section},Statement {n}: works with people and partners so that support fits what matters to them.\n",
            n = i + 1
        ));
    }
    let mut panel_csv = String::from("email,name,group\n");
    for p in 0..panel {
        panel_csv.push_str(&format!(
            "p{p}@example.org,Panellist {p},{}\n",
            GROUPS[p % GROUPS.len()]
        ));
    }
    StudyDefinition::parse(&study, &items_csv, &panel_csv)
        .map_err(|errors| anyhow::anyhow!("the load study does not parse:\n{errors}"))
}

/// Runs `setup`.
pub fn run(args: &SetupArgs) -> anyhow::Result<()> {
    let pool = delphi_store::Pool::connect(&args.database, 4)
        .with_context(|| format!("opening {}", args.database))?;
    delphi_store::run_migrations(&mut *pool.get()?)?;
    let secret = SecretKey::from_base64(args.secret_key.trim())
        .context("the secret key must be the base64 of 32 bytes")?;
    let app = App::new(pool, secret, "http://127.0.0.1");
    let definition = definition(&args.slug, args.items, args.panel)?;
    studies::create_from_definition(&app, &Actor::Operator, &definition, None)
        .context("importing the load study")?;
    opening::open_first_round(
        &app,
        &Actor::Operator,
        &args.slug,
        &RoundOptions {
            deadline: None,
            instructions: "Rate each statement from 1 (not important) to 9 (critical).".to_owned(),
        },
    )
    .context("opening round 1")?;
    let tokens = queries::panellist_links(&app, &Actor::Operator, &args.slug)?
        .into_iter()
        .filter_map(|link| link.link.rsplit('/').next().map(str::to_owned))
        .collect();
    let file = StudyFile {
        slug: args.slug.clone(),
        codes: definition
            .items
            .iter()
            .map(|i| i.code.as_str().to_owned())
            .collect(),
        tokens,
    };
    write_private(&args.out, &serde_json::to_string(&file)?)
        .with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "study {:?}: {} items, {} panellists, round 1 open; written to {}",
        file.slug,
        file.codes.len(),
        file.tokens.len(),
        args.out.display()
    );
    Ok(())
}

/// Writes a new file readable by its owner only (it holds link tokens).
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}
