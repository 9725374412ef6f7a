//! Wiring of the outbox worker into `serve`, `demo` and `worker`.

/// The email worker of a running server.
pub struct MailWorker {
    mail_url: String,
}

/// A running worker task.
pub struct RunningWorker;

impl MailWorker {
    /// Checks the mail setting.
    pub fn new(_app: &delphi_app::App, mail_url: &str) -> anyhow::Result<Self> {
        Ok(Self {
            mail_url: mail_url.to_owned(),
        })
    }

    /// Starts delivering in the background.
    pub fn spawn(self) -> RunningWorker {
        tracing::warn!(mail = %self.mail_url, "the email worker is not wired yet");
        RunningWorker
    }

    /// Delivers what is due now.
    pub async fn deliver_due(self) -> anyhow::Result<()> {
        anyhow::bail!("email delivery is not available in this build yet")
    }
}

impl RunningWorker {
    /// Stops after the current batch.
    pub async fn stop(self) {}
}
