//! Wiring of the outbox worker into `serve`, `demo` and `worker`.

use anyhow::Context;
use delphi_mail::{Transport, Worker, WorkerConfig};

/// Who emails are from, and where replies go when a study names no team contact.
#[derive(Debug, Clone)]
pub struct Sender {
    /// `From`.
    pub from: String,
    /// The fallback `Reply-To`.
    pub reply_to: Option<String>,
}

impl Sender {
    /// The sender of the configuration.
    pub fn of(config: &crate::config::Config) -> Self {
        Self {
            from: config.mail_from.clone(),
            reply_to: config.mail_reply_to.clone(),
        }
    }
}

/// The email worker of a running server, ready to start.
pub struct MailWorker {
    worker: Worker,
}

/// A worker delivering in the background.
pub struct RunningWorker {
    stop: tokio::sync::oneshot::Sender<()>,
    task: actix_web::rt::task::JoinHandle<()>,
}

impl MailWorker {
    /// Builds the transport from the `mail` setting (`file://dir`, `smtp://...`, `smtps://...`);
    /// messages go from `sender` (the `mail_from` and `mail_reply_to` settings).
    pub fn new(app: &delphi_app::App, mail_url: &str, sender: &Sender) -> anyhow::Result<Self> {
        if let Some(dir) = mail_url.strip_prefix("file://") {
            crate::config::create_private_dir(std::path::Path::new(dir))
                .context("creating the mail folder")?;
        }
        let transport =
            Transport::from_url(mail_url).context("the mail setting is not a usable transport")?;
        let config = WorkerConfig {
            from: sender.from.clone(),
            reply_to: sender.reply_to.clone(),
            ..WorkerConfig::default()
        };
        let worker =
            Worker::new(app.clone(), transport, config).context("configuring the email worker")?;
        Ok(Self { worker })
    }

    /// Starts delivering in the background (on the current actix/tokio runtime).
    pub fn spawn(self) -> RunningWorker {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = actix_web::rt::spawn(async move {
            self.worker
                .run_until(async {
                    let _ = stopped.await;
                })
                .await;
        });
        RunningWorker { stop, task }
    }

    /// Delivers what is due now, then returns.
    pub async fn deliver_due(self) -> anyhow::Result<()> {
        let report = self.worker.run_once().await.context("delivering email")?;
        println!(
            "claimed {}, sent {}, to retry {}, failed {}",
            report.claimed, report.sent, report.retried, report.failed
        );
        Ok(())
    }
}

impl RunningWorker {
    /// Stops after the current batch.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
