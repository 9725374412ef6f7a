//! The outbox delivery worker: claim due rows with a lease, render them, send them outside any
//! transaction, record each outcome (sent, retry later with exponential backoff, failed).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use delphi_app::email_templates::{self, ComposedEmail, CustomWording, EmailVariables};
use delphi_app::{tokens, App};
use delphi_core::states::MailKind;
use delphi_render::Templates;
use delphi_store::outbox::{self, OutboxRow, Outcome};
use delphi_store::{panellists, DbConnection};
use lettre::message::Mailbox;
use lettre::Message;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::envelope::{self, Envelope};
use crate::study_cache::StudyCache;
use crate::{MailError, Transport};

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The sender, e.g. `Delphi study <delphi@example.org>`.
    pub from: String,
    /// Where replies go when the study names no team contact (which is the Reply-To of
    /// its emails otherwise).
    pub reply_to: Option<String>,
    /// Rows claimed at a time.
    pub batch_size: i64,
    /// Messages in flight at once (and SMTP connections).
    pub concurrency: usize,
    /// How long a claim lasts: a worker that dies holding rows releases them after this.
    /// Must exceed the time one batch can take (batch / concurrency x SMTP timeout).
    pub lease: Duration,
    /// Attempts before a row is marked failed.
    pub max_attempts: i32,
    /// Wait after the first failed attempt; doubles each time.
    pub backoff_base: Duration,
    /// Longest wait between attempts.
    pub backoff_cap: Duration,
    /// Longest sleep when nothing is due (new rows are noticed within this).
    pub idle_poll: Duration,
    /// Scheduled reminders: days before an open round's deadline (empty: none).
    pub reminder_days_before: Vec<u32>,
    /// How often `run_until` looks for scheduled reminders that fell due.
    pub reminder_check: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            from: "Delphi study <delphi@localhost>".to_owned(),
            reply_to: None,
            batch_size: 100,
            concurrency: 8,
            lease: Duration::from_secs(600),
            max_attempts: 8,
            backoff_base: Duration::from_secs(30),
            backoff_cap: Duration::from_secs(3600),
            idle_poll: Duration::from_secs(2),
            reminder_days_before: vec![3],
            reminder_check: Duration::from_secs(60),
        }
    }
}

impl WorkerConfig {
    /// The wait before the next attempt after `attempts_so_far` failed attempts.
    pub fn backoff(&self, attempts_so_far: i32) -> Duration {
        let factor = 2u32.saturating_pow(u32::try_from(attempts_so_far).unwrap_or(0).min(30));
        self.backoff_base
            .checked_mul(factor)
            .unwrap_or(self.backoff_cap)
            .min(self.backoff_cap)
    }
}

/// What a run delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Rows claimed.
    pub claimed: usize,
    /// Accepted by the transport.
    pub sent: usize,
    /// Failed this time, to be tried again.
    pub retried: usize,
    /// Failed for good (kept, visible, retryable by the researcher).
    pub failed: usize,
}

impl std::ops::AddAssign for DeliveryReport {
    fn add_assign(&mut self, other: Self) {
        self.claimed += other.claimed;
        self.sent += other.sent;
        self.retried += other.retried;
        self.failed += other.failed;
    }
}

/// Delivers the outbox.
#[derive(Clone, Debug)]
pub struct Worker {
    app: App,
    transport: Transport,
    templates: Templates,
    config: Arc<WorkerConfig>,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    message_id_host: String,
}

/// One claimed row, ready to send or already decided.
enum Prepared {
    Send { row: OutboxRow, message: Message },
    Refuse { row: OutboxRow, error: String },
}

impl Worker {
    /// A worker over the app's database, sending through `transport`.
    pub fn new(app: App, transport: Transport, config: WorkerConfig) -> Result<Self, MailError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| MailError::Config(format!("sender {:?}: {e}", config.from)))?;
        let reply_to = config
            .reply_to
            .as_deref()
            .map(|r| {
                r.parse::<Mailbox>()
                    .map_err(|e| MailError::Config(format!("reply-to {r:?}: {e}")))
            })
            .transpose()?;
        if config.batch_size < 1 || config.concurrency < 1 || config.max_attempts < 1 {
            return Err(MailError::Config(
                "batch size, concurrency and max attempts must be at least 1".to_owned(),
            ));
        }
        let message_id_host = host_of(&app.base_url);
        Ok(Self {
            templates: Templates::load()?,
            app,
            transport,
            config: Arc::new(config),
            from,
            reply_to,
            message_id_host,
        })
    }

    /// The Message-ID of an outbox row: `<{outbox id}@{host of base_url}>`.
    pub fn message_id(&self, outbox_id: &str) -> String {
        format!("<{outbox_id}@{}>", self.message_id_host)
    }

    /// Delivers everything due now (batch after batch) and returns what happened. Messages
    /// whose retry is scheduled later are left for later.
    pub async fn run_once(&self) -> Result<DeliveryReport, MailError> {
        let mut report = DeliveryReport::default();
        loop {
            let batch = self.deliver_batch().await?;
            report += batch;
            if batch.claimed < self.batch_len() {
                return Ok(report);
            }
        }
    }

    /// Runs until `shutdown` completes: delivers what is due, sleeps until the next row is
    /// due (at most `idle_poll`), and again. A batch in flight is finished before stopping.
    /// Database or transport trouble is logged and retried, never fatal.
    pub async fn run_until(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut reminders_checked: Option<std::time::Instant> = None;
        loop {
            let reminders_due = match reminders_checked {
                None => true,
                Some(t) => t.elapsed() >= self.config.reminder_check,
            };
            if reminders_due {
                reminders_checked = Some(std::time::Instant::now());
                if let Err(error) = self.queue_scheduled_reminders().await {
                    tracing::error!(%error, "scheduled reminders could not be queued");
                }
            }
            let full = match self.deliver_batch().await {
                Ok(report) => {
                    if report.claimed > 0 {
                        tracing::info!(
                            sent = report.sent,
                            retried = report.retried,
                            failed = report.failed,
                            "outbox batch delivered"
                        );
                    }
                    report.claimed == self.batch_len()
                }
                Err(error) => {
                    tracing::error!(%error, "outbox delivery failed; trying again shortly");
                    false
                }
            };
            let wait = if full {
                Duration::ZERO
            } else {
                self.idle_wait().await
            };
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Queues the scheduled reminders due now (see
    /// [`delphi_app::reminders::queue_scheduled`]); `run_until` calls it every
    /// `reminder_check`.
    pub async fn queue_scheduled_reminders(&self) -> Result<usize, MailError> {
        let app = self.app.clone();
        let days = self.config.reminder_days_before.clone();
        tokio::task::spawn_blocking(move || {
            delphi_app::reminders::queue_scheduled(
                &app,
                &delphi_app::Actor::MailWorker,
                delphi_store::now(),
                &days,
            )
        })
        .await
        .map_err(|e| MailError::Internal(e.to_string()))?
        .map_err(MailError::from)
    }

    fn batch_len(&self) -> usize {
        usize::try_from(self.config.batch_size).unwrap_or(usize::MAX)
    }

    /// How long nothing can be due: until the next row's due time, within [50 ms, idle_poll].
    async fn idle_wait(&self) -> Duration {
        let app = self.app.clone();
        let next = tokio::task::spawn_blocking(move || -> Result<_, MailError> {
            let mut conn = app.conn()?;
            Ok(outbox::next_due(&mut conn)?)
        })
        .await;
        let poll = self.config.idle_poll;
        match next {
            Ok(Ok(Some(due))) => (due - delphi_store::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .clamp(
                    Duration::from_millis(50),
                    poll.max(Duration::from_millis(50)),
                ),
            _ => poll,
        }
    }

    /// Claims one batch, sends it, records the outcomes.
    pub async fn deliver_batch(&self) -> Result<DeliveryReport, MailError> {
        let worker = self.clone();
        let prepared = tokio::task::spawn_blocking(move || worker.claim_and_prepare())
            .await
            .map_err(|e| MailError::Internal(e.to_string()))??;
        let mut report = DeliveryReport {
            claimed: prepared.len(),
            ..DeliveryReport::default()
        };
        if prepared.is_empty() {
            return Ok(report);
        }
        let mut outcomes: Vec<(String, Outcome)> = Vec::with_capacity(prepared.len());
        let permits = Arc::new(Semaphore::new(self.config.concurrency));
        let mut sending = JoinSet::new();
        for item in prepared {
            match item {
                Prepared::Refuse { row, error } => {
                    tracing::warn!(outbox_id = %row.id, %error, "message cannot be sent");
                    outcomes.push((row.id, Outcome::Failed { error }));
                }
                Prepared::Send { row, message } => {
                    let permits = Arc::clone(&permits);
                    let transport = self.transport.clone();
                    sending.spawn(async move {
                        let _permit = permits.acquire_owned().await;
                        let result = transport.send(&row.id, message).await;
                        (row, result)
                    });
                }
            }
        }
        // Outcomes are recorded a few at a time as sends finish, so a worker that dies
        // leaves at most about `concurrency` accepted-but-unrecorded messages to be sent again
        // (with the same Message-ID).
        let flush_at = self.config.concurrency.max(1);
        while let Some(joined) = sending.join_next().await {
            let (row, result) = joined.map_err(|e| MailError::Internal(e.to_string()))?;
            outcomes.push((row.id.clone(), self.outcome(&row, result)));
            if outcomes.len() >= flush_at {
                self.record(std::mem::take(&mut outcomes), &mut report)
                    .await?;
            }
        }
        self.record(outcomes, &mut report).await?;
        Ok(report)
    }

    async fn record(
        &self,
        outcomes: Vec<(String, Outcome)>,
        report: &mut DeliveryReport,
    ) -> Result<(), MailError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        for (_, outcome) in &outcomes {
            match outcome {
                Outcome::Sent { .. } => report.sent += 1,
                Outcome::Retry { .. } => report.retried += 1,
                Outcome::Failed { .. } => report.failed += 1,
            }
        }
        let app = self.app.clone();
        tokio::task::spawn_blocking(move || -> Result<(), MailError> {
            let mut conn = app.conn()?;
            outbox::record_all(&mut conn, &outcomes)?;
            Ok(())
        })
        .await
        .map_err(|e| MailError::Internal(e.to_string()))?
    }

    fn outcome(&self, row: &OutboxRow, result: Result<(), crate::SendError>) -> Outcome {
        let now = delphi_store::now();
        match result {
            Ok(()) => Outcome::Sent { at: now },
            Err(error) => {
                let attempts = row.attempts + 1;
                let message = format!("attempt {attempts}: {}", error.message);
                tracing::warn!(outbox_id = %row.id, error = %message, "delivery failed");
                if error.permanent || attempts >= self.config.max_attempts {
                    Outcome::Failed { error: message }
                } else {
                    let wait = chrono::Duration::from_std(self.config.backoff(row.attempts))
                        .unwrap_or(chrono::Duration::hours(1));
                    Outcome::Retry {
                        next_attempt_at: now + wait,
                        error: message,
                    }
                }
            }
        }
    }

    /// Claims due rows and turns each into a message (database work, run off the executor).
    fn claim_and_prepare(&self) -> Result<Vec<Prepared>, MailError> {
        let mut conn = self.app.conn()?;
        let lease = chrono::Duration::from_std(self.config.lease)
            .map_err(|e| MailError::Config(format!("lease: {e}")))?;
        let rows = outbox::claim_due(
            &mut conn,
            delphi_store::now(),
            lease,
            self.config.batch_size,
        )?;
        let mut studies = StudyCache::default();
        let mut prepared = Vec::with_capacity(rows.len());
        for row in rows {
            prepared.push(match self.prepare(&mut conn, &row, &mut studies) {
                Ok(message) => Prepared::Send { row, message },
                Err(error) => Prepared::Refuse { row, error },
            });
        }
        Ok(prepared)
    }

    fn prepare(
        &self,
        conn: &mut DbConnection,
        row: &OutboxRow,
        studies: &mut StudyCache,
    ) -> Result<Message, String> {
        let context: serde_json::Value = serde_json::from_str(&row.context)
            .map_err(|e| format!("the stored variables are not JSON: {e}"))?;
        let team = studies.team(conn, row.study_id.as_deref())?;
        if row.kind.is_account() {
            // A researcher's login: no panellist, no withdrawal link, the study's team named.
            let vars = delphi_app::accounts::mail::variables(&self.app, conn, row, &context)?
                .with_team(&team.team_name, &team.team_institution, &team.team_contact);
            let composed = delphi_app::accounts::mail::compose(&self.templates, row.kind, &vars)
                .map_err(|e| format!("the {} template did not render: {e}", row.kind))?;
            return self.build(row, composed, false, &vars.team_contact, None);
        }
        let with_team = |vars: EmailVariables| {
            vars.with_team(&team.team_name, &team.team_institution, &team.team_contact)
        };
        let (composed, vars, test) = match email_templates::test_parts(&context) {
            Some((vars, wording)) => {
                let vars = with_team(vars);
                (self.compose(row.kind, &vars, wording.as_ref())?, vars, true)
            }
            None => {
                let vars = with_team(self.variables(conn, row, &context)?);
                let wording = studies.wording(conn, row.study_id.as_deref(), row.kind)?;
                (
                    self.compose(row.kind, &vars, wording.as_ref())?,
                    vars,
                    false,
                )
            }
        };
        let unsubscribe =
            (!test && row.kind != MailKind::Withdrawal).then(|| vars.withdraw_link.clone());
        self.build(row, composed, test, &vars.team_contact, unsubscribe)
    }

    fn compose(
        &self,
        kind: MailKind,
        vars: &EmailVariables,
        wording: Option<&CustomWording>,
    ) -> Result<ComposedEmail, String> {
        email_templates::compose(&self.templates, kind, vars, wording)
            .map_err(|e| format!("the {kind} template did not render: {e}"))
    }

    /// The variables of a panellist's message, with the link unsealed now (so a reissued
    /// link is the one sent).
    fn variables(
        &self,
        conn: &mut DbConnection,
        row: &OutboxRow,
        context: &serde_json::Value,
    ) -> Result<EmailVariables, String> {
        let panellist_id = row
            .panellist_id
            .as_deref()
            .ok_or("the message names no panellist")?;
        let person = panellists::find(conn, panellist_id)
            .map_err(|e| format!("reading the panellist: {e}"))?
            .ok_or("the panellist no longer exists")?;
        if person.withdrawn_at.is_some() && row.kind != MailKind::Withdrawal {
            return Err("not sent: the panellist has withdrawn from the study".to_owned());
        }
        let token =
            tokens::unseal(&self.app.secret, &person.token_sealed).map_err(|e| e.to_string())?;
        let link = tokens::link(&self.app.base_url, &token);
        Ok(EmailVariables::from_context(
            context,
            person.name.as_deref(),
            &link,
        ))
    }

    fn build(
        &self,
        row: &OutboxRow,
        mail: ComposedEmail,
        test: bool,
        team_contact: &str,
        unsubscribe: Option<String>,
    ) -> Result<Message, String> {
        let to: Mailbox = row
            .recipient
            .parse()
            .map_err(|e| format!("the address {:?} is not usable: {e}", row.recipient))?;
        let subject = if test {
            format!("[Test] {}", mail.subject)
        } else {
            mail.subject.clone()
        };
        let envelope = Envelope::new(
            self.from.clone(),
            to,
            self.reply_to.as_ref(),
            team_contact,
            unsubscribe,
        );
        envelope::message(self.message_id(&row.id), envelope, subject, mail)
    }
}

/// The host of a base URL (for Message-IDs): `https://delphi.example.org:8443/x` gives
/// `delphi.example.org`.
fn host_of(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    if host.is_empty() {
        "localhost".to_owned()
    } else {
        host.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let config = WorkerConfig {
            backoff_base: Duration::from_secs(10),
            backoff_cap: Duration::from_secs(100),
            ..WorkerConfig::default()
        };
        let waits: Vec<u64> = (0..6).map(|n| config.backoff(n).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 100, 100]);
        assert_eq!(config.backoff(1000).as_secs(), 100);
    }

    #[test]
    fn message_id_hosts_come_from_the_base_url() {
        assert_eq!(
            host_of("https://delphi.example.org:8443/x"),
            "delphi.example.org"
        );
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_of(""), "localhost");
    }
}
