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
    let pool = delphi_store::Pool::connect(&config.database_url, config.database_pool_size)
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
    let study = delphi_app::studies::create_from_definition(
        &app,
        &delphi_app::Actor::Operator,
        &definition,
        args.owner.as_deref(),
    )?;
    println!(
        "Imported study \"{}\" ({} items, {} panellists) as a draft: {}",
        definition.title,
        definition.items.len(),
        definition.panel.len(),
        study
    );
    Ok(())
}

/// Reads one file of a study folder, refusing it before reading more than the limit
/// (`MAX_FILE_BYTES`): the size is checked first, and the read stops one byte past the limit
/// whatever the size said (a file that grows, or a device such as `/dev/zero`).
pub fn read_limited(path: &Path) -> anyhow::Result<String> {
    use std::io::Read;
    let limit = delphi_core::definition::MAX_FILE_BYTES;
    let too_large = |size: u64| {
        anyhow::anyhow!(
            "{}: the file has {size} bytes; the limit is {limit} (5 MiB)",
            path.display()
        )
    };
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let size = file
        .metadata()
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if size > limit as u64 {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(limit));
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() > limit {
        return Err(anyhow::anyhow!(
            "{}: the file has more than {limit} bytes (5 MiB), the limit",
            path.display()
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: byte {} is not UTF-8 text",
            path.display(),
            e.utf8_error().valid_up_to() + 1
        )
    })
}

/// Reads and parses a study folder; every bad line is reported at once.
pub fn read_definition(dir: &Path) -> anyhow::Result<delphi_core::definition::StudyDefinition> {
    let read = |name: &str| read_limited(&dir.join(name));
    let (study, items, panel) = (read("study.toml")?, read("items.csv")?, read("panel.csv")?);
    delphi_core::definition::StudyDefinition::parse(&study, &items, &panel)
        .map_err(|errors| anyhow::anyhow!("{} is not a valid study:\n{errors}", dir.display()))
}

/// `delphi serve`: pages, API and the email worker until Ctrl-C.
pub fn serve(config: &Config) -> anyhow::Result<()> {
    let app = open_app(config, Path::new("delphi.secret"))?;
    let listener = std::net::TcpListener::bind(&config.bind)
        .with_context(|| format!("listening on {}", config.bind))?;
    let base_url = config.base_url.clone();
    let sender = crate::mail::Sender::of(config);
    run_server(
        app,
        listener,
        config.mail.expose_secret(),
        &sender,
        config.web.clone(),
        move || {
            println!("Serving on {base_url} (Ctrl-C stops)");
            Ok(())
        },
    )
}

/// Runs the web server and the outbox worker on one actix system until Ctrl-C.
///
/// `on_ready` runs once the server is listening and Ctrl-C is handled (e.g. to print links).
pub fn run_server(
    app: delphi_app::App,
    listener: std::net::TcpListener,
    mail_url: &str,
    sender: &crate::mail::Sender,
    options: delphi_web::WebOptions,
    on_ready: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        // Register for Ctrl-C / SIGTERM before the server starts, so a signal that arrives
        // as soon as the first requests are answered still stops it gracefully.
        let shutdown = ShutdownSignal::register()?;
        let server = delphi_web::start_with(app.clone(), listener, options)
            .context("starting the web server")?;
        // Only once the server has started, so a failed start leaves no claimed messages; on
        // a thread of its own, below the requests' priority (mail.rs). A bad mail setting
        // stops the start here.
        let worker = crate::mail::MailWorker::spawn_background(&app, mail_url, sender).await?;
        let handle = server.handle();
        actix_web::rt::spawn(async move {
            shutdown.recv().await;
            handle.stop(true).await;
        });
        let served = match on_ready() {
            Ok(()) => server.await.context("the web server stopped with an error"),
            Err(error) => Err(error),
        };
        // After the batch in flight, so no claimed message is left to its lease.
        worker.stop().await;
        served
    })
}

/// Ctrl-C or SIGTERM, registered with the OS when created.
pub struct ShutdownSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignal {
    /// Installs the handlers now (inside a Tokio runtime).
    pub fn register() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt()).context("listening for Ctrl-C")?,
                terminate: signal(SignalKind::terminate()).context("listening for SIGTERM")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Resolves when either signal arrives.
    pub async fn recv(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `delphi worker`: deliver queued email.
pub fn worker(config: &Config, args: &WorkerArgs) -> anyhow::Result<()> {
    let app = open_app(config, Path::new("delphi.secret"))?;
    let sender = crate::mail::Sender::of(config);
    actix_web::rt::System::new().block_on(async move {
        let mail_url = config.mail.expose_secret();
        if args.once {
            // Inside the runtime: an SMTP transport's connection pool needs Tokio's reactor.
            crate::mail::MailWorker::new(&app, mail_url, &sender)?
                .deliver_due()
                .await
        } else {
            let shutdown = ShutdownSignal::register()?;
            let worker = crate::mail::MailWorker::spawn_background(&app, mail_url, &sender).await?;
            shutdown.recv().await;
            worker.stop().await;
            Ok(())
        }
    })
}
