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
    finished: tokio::sync::oneshot::Receiver<()>,
}

/// The nice value of the background worker's thread (0 is the requests'; 19 the lowest).
/// Rendering and sending a burst of emails (the thank-yous after a wave of submissions, a
/// round's invitations) then takes the cores only as far as pages and saves leave them idle,
/// instead of sharing them equally with the requests while panellists wait.
const BACKGROUND_NICENESS: i32 = 10;

/// The background worker's thread, as `ps -T` and `/proc/PID/task/*/comm` name it.
const THREAD_NAME: &str = "delphi-mail";

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

    /// Starts delivering in the background, on a thread of its own with its own Tokio
    /// runtime and a lower scheduling priority than the web server's (see
    /// [`BACKGROUND_NICENESS`]). The worker is built on that thread, inside its runtime (an
    /// SMTP transport's connection pool belongs to the runtime that made it); a bad mail
    /// setting is reported here.
    pub async fn spawn_background(
        app: &delphi_app::App,
        mail_url: &str,
        sender: &Sender,
    ) -> anyhow::Result<RunningWorker> {
        let (app, mail_url, sender) = (app.clone(), mail_url.to_owned(), sender.clone());
        let (ready_tx, ready) = tokio::sync::oneshot::channel::<anyhow::Result<()>>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (finished_tx, finished) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name(THREAD_NAME.to_owned())
            .spawn(move || {
                lower_priority();
                let started = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .context("starting the email worker's runtime")
                    .and_then(|runtime| {
                        let worker = {
                            let _inside = runtime.enter();
                            Self::new(&app, &mail_url, &sender)?
                        };
                        Ok((runtime, worker))
                    });
                let (runtime, mail) = match started {
                    Ok(started) => started,
                    Err(error) => {
                        let _ = ready_tx.send(Err(error));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                runtime.block_on(mail.worker.run_until(async {
                    let _ = stopped.await;
                }));
                let _ = finished_tx.send(());
            })
            .context("starting the email worker's thread")?;
        ready
            .await
            .context("the email worker's thread stopped while starting")??;
        Ok(RunningWorker { stop, finished })
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
        let _ = self.finished.await;
    }
}

/// Lowers the calling thread's scheduling priority to [`BACKGROUND_NICENESS`]; threads it
/// starts afterwards (the runtime's blocking pool) inherit it. On Linux the nice value is
/// per thread, so the web server's threads keep theirs. Where it cannot be lowered the
/// worker runs at normal priority, which is correct, only less kind to the requests.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::process::setpriority_process(None, BACKGROUND_NICENESS) {
        tracing::warn!(%error, "the email worker runs at normal priority");
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_os = "linux")]
    #[test]
    fn the_background_priority_is_the_calling_threads_alone() {
        use rustix::process::getpriority_process;
        let before = getpriority_process(None).expect("this thread's nice value");
        assert_ne!(
            before,
            super::BACKGROUND_NICENESS,
            "run the tests at another nice value, or this test shows nothing"
        );
        let lowered = std::thread::spawn(|| {
            super::lower_priority();
            let own = getpriority_process(None).expect("the worker thread's nice value");
            // A thread it starts (as the runtime's blocking pool does) inherits it.
            let child = std::thread::spawn(|| getpriority_process(None).expect("nice"))
                .join()
                .expect("the child thread ends");
            (own, child)
        })
        .join()
        .expect("the worker thread ends");
        assert_eq!(
            lowered,
            (super::BACKGROUND_NICENESS, super::BACKGROUND_NICENESS)
        );
        assert_eq!(
            getpriority_process(None).expect("this thread's nice value"),
            before,
            "the other threads keep their priority"
        );
    }
}
