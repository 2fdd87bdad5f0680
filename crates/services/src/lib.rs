//! Switchboard's services: short async loops around the pure cores.
//!
//! - [`retriever`]: one worker per active alias reads its mailbox (IMAP with IDLE and a UID
//!   cursor, or POP3 with UIDL), stores every raw message in the blob store, hands it to the
//!   store's ingest, and only then flags, moves or deletes the server copy.
//! - [`dispatcher`]: drains the outbox through each alias's SMTP server, retrying transient
//!   failures with back-off and recording permanent ones as delivery exceptions.
//! - [`routing`]: the router service: the pure router in one task, rebuilt from the store,
//!   its decisions recorded before they are announced.
//! - [`alarms`]: runs the alarm workflows that are due and hands their transfers to the router.
//! - [`singleton`]: runs a service only while this node holds its lease, with its writes
//!   fenced by it.
//! - [`status`]: every service reports its state, last error and counters.
//!
//! Services read the wall clock (they are shells) and pass `now` down to the store.

pub mod alarms;
pub mod backoff;
pub mod blob_gc;
pub mod chat_relay;
pub mod chat_watch;
pub mod dispatcher;
pub mod heartbeat;
pub mod left_email;
pub mod probe;
pub mod report_rollup;
pub mod report_schedule;
pub mod retriever;
pub mod routing;
pub mod send_retry;
pub mod singleton;
pub mod status;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use switchboard_app::App;
use switchboard_domain::Timestamp;
use switchboard_mail::TlsTrust;
use switchboard_store::{BlobStore, Store};
use tokio::sync::watch;

/// The wall clock, for the shells.
pub fn now() -> Timestamp {
    let ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    Timestamp::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// What the mail services need to run.
#[derive(Clone)]
pub struct MailContext {
    /// The use cases (ingest) over the store.
    pub app: App,
    /// Where raw messages and attachments go.
    pub blobs: Arc<dyn BlobStore>,
    /// Trusted certificates for mail servers.
    pub trust: TlsTrust,
    /// Tuning.
    pub settings: MailSettings,
    /// Health reports.
    pub status: status::Registry,
    /// While the services run under a lease ([`singleton`]): until when it may be relied on.
    pub lease: Option<singleton::Validity>,
}

impl MailContext {
    /// The store, for reads and single-row changes.
    pub fn store(&self) -> &Store {
        self.app.store()
    }

    /// The same context for a service holding a lease: writing through its fenced store,
    /// checking the lease's validity before outside effects.
    pub fn held(&self, held: &singleton::Held) -> MailContext {
        MailContext {
            app: self.app.with_store(held.store.clone()),
            lease: Some(held.valid.clone()),
            ..self.clone()
        }
    }

    /// Whether outside effects (sending a message) may go ahead: always without a lease, and
    /// with one while it may be relied on.
    pub fn lease_holds(&self) -> bool {
        self.lease.as_ref().is_none_or(|v| v.holds(now()))
    }
}

/// Tuning of the mail services.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// Most messages fetched per IMAP/POP3 round.
    pub fetch_batch: usize,
    /// Most bytes fetched per round (a message larger than this is fetched alone).
    pub fetch_batch_bytes: u64,
    /// Network timeout of one mail server command.
    pub timeout: Duration,
    /// How long one IDLE waits before it is renewed.
    pub idle_secs: u64,
    /// How often aliases are re-read even without a change notice (other nodes of a cluster).
    pub reload_secs: u64,
    /// SMTP connections per alias.
    pub smtp_connections: u32,
    /// Outbox entries claimed at once.
    pub dispatch_batch: u32,
    /// Send attempts before a transient failure becomes permanent; 0: no limit.
    pub max_attempts: u32,
    /// Wait before the first send retry; doubles with each attempt up to `retry_max`.
    pub retry_base: Duration,
    /// Longest wait between two send attempts.
    pub retry_max: Duration,
    /// How long after it was queued a message keeps being retried.
    pub send_lifetime: Duration,
    /// How long a claim on an outbox entry lasts without renewal.
    pub claim: Duration,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            fetch_batch: 200,
            fetch_batch_bytes: 32 * 1024 * 1024,
            timeout: Duration::from_secs(60),
            idle_secs: 30,
            reload_secs: 30,
            smtp_connections: 4,
            dispatch_batch: 256,
            max_attempts: 0,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(3600),
            send_lifetime: Duration::from_secs(5 * 24 * 3600),
            claim: Duration::from_secs(120),
        }
    }
}

/// A shutdown signal services wait on: `true` means stop.
pub type Shutdown = watch::Receiver<bool>;

/// Resolves when `shutdown` turns true (or its sender is gone).
pub async fn stopped(shutdown: &mut Shutdown) {
    while !*shutdown.borrow_and_update() {
        if shutdown.changed().await.is_err() {
            return;
        }
    }
}
