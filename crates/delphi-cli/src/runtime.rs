//! `serve`, `worker`, `migrate` and `import`: the long-running and one-shot commands that
//! work on a configured database.

use std::path::{Path, PathBuf};

use anyhow::Context;
use secrecy::ExposeSecret;

use crate::config::Config;

/// Options of `delphi worker`.
#[derive(Debug, clap::Args)]
pub struct WorkerArgs {
    /// Deliver what is due now and exit instead of running until stopped.
    #[arg(long)]
    pub once: bool,
}

/// Options of `delphi import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The study folder holding study.toml, items.csv and panel.csv.
    pub dir: PathBuf,
    /// Email of the user who will own the study (created with `delphi admin create-user`).
    #[arg(long)]
    pub owner: Option<String>,
}

/// Connects to the configured database and applies pending migrations.
pub fn open_app(config: &Config, key_file: &Path) -> anyhow::Result<delphi_app::App> {
    let pool = delphi_store::Pool::connect(&config.database_url, 16)
        .with_context(|| format!("opening the database {}", config.database_url))?;
    {
        let mut conn = pool.get().context("connecting to the database")?;
        delphi_store::run_migrations(&mut conn).context("applying database migrations")?;
    }
    let secret = delphi_app::SecretKey::from_base64(&config.secret_key_or_file(key_file)?)
        .context("secret_key must be the base64 of 32 bytes")?;
    Ok(delphi_app::App::new(pool, secret, config.base_url.clone()))
}

/// `delphi migrate`.
pub fn migrate(config: &Config) -> anyhow::Result<()> {
    open_app(config, Path::new("delphi.secret"))?;
    println!("Database {} is up to date.", config.database_url);
    Ok(())
}

/// `delphi import DIR`.
pub fn import(config: &Config, args: &ImportArgs) -> anyhow::Result<()> {
    let app = open_app(config, Path::new("delphi.secret"))?;
    let definition = read_definition(&args.dir)?;
    let study = delphi_app::studies::create_from_definition(&app, &definition, args.owner.as_deref())?;
    println!(
        "Imported study \"{}\" ({} items, {} panellists) as a draft: {}",
        definition.title,
        definition.items.len(),
        definition.panel.len(),
        study
    );
    Ok(())
}

/// Reads and parses a study folder; every bad line is reported at once.
pub fn read_definition(dir: &Path) -> anyhow::Result<delphi_core::definition::StudyDefinition> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
    };
    let (study, items, panel) = (read("study.toml")?, read("items.csv")?, read("panel.csv")?);
    delphi_core::definition::StudyDefinition::parse(&study, &items, &panel)
        .map_err(|errors| anyhow::anyhow!("{} is not a valid study:\n{errors}", dir.display()))
}

/// `delphi serve`: pages, API and the email worker until Ctrl-C.
pub fn serve(config: &Config) -> anyhow::Result<()> {
    let app = open_app(config, Path::new("delphi.secret"))?;
    let listener = std::net::TcpListener::bind(&config.bind)
        .with_context(|| format!("listening on {}", config.bind))?;
    println!("Serving on {}", config.base_url);
    run_server(app, listener, config.mail.expose_secret())
}

/// Runs the web server and the outbox worker on one actix system until Ctrl-C.
pub fn run_server(
    app: delphi_app::App,
    listener: std::net::TcpListener,
    mail_url: &str,
) -> anyhow::Result<()> {
    let transport = delphi_mail::Transport::from_url(mail_url)
        .with_context(|| "the mail setting is not a usable transport".to_owned())?;
    actix_web::rt::System::new().block_on(async move {
        let server = delphi_web::start(app.clone(), listener).context("starting the web server")?;
        let handle = server.handle();
        let (stop_worker, worker_stopped) = tokio::sync::oneshot::channel::<()>();
        let worker = delphi_mail::Worker::new(app, transport, delphi_mail::WorkerConfig::default());
        let worker_task = actix_web::rt::spawn(async move {
            worker
                .run_until(async {
                    let _ = worker_stopped.await;
                })
                .await
        });
        // actix-web stops on Ctrl-C / SIGTERM by itself; then the worker finishes its batch.
        server.await.context("the web server stopped with an error")?;
        drop(handle);
        let _ = stop_worker.send(());
        let _ = worker_task.await;
        Ok(())
    })
}

/// `delphi worker`: deliver queued email.
pub fn worker(config: &Config, args: &WorkerArgs) -> anyhow::Result<()> {
    let app = open_app(config, Path::new("delphi.secret"))?;
    let transport = delphi_mail::Transport::from_url(config.mail.expose_secret())
        .with_context(|| "the mail setting is not a usable transport".to_owned())?;
    let worker = delphi_mail::Worker::new(app, transport, delphi_mail::WorkerConfig::default());
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        if args.once {
            let report = worker.run_once().await?;
            println!("{report}");
            Ok(())
        } else {
            worker
                .run_until(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
        }
    })
}
