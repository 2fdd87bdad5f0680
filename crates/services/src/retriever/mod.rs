//! The retriever: a supervisor keeps one worker per active alias, restarting a worker when its
//! alias changes (change notices from the store, plus a slow periodic re-read for changes made
//! by other nodes) and stopping it when the alias goes away. Each worker reconnects with
//! back-off on errors, so one broken alias never stalls the others.
//!
//! In a cluster every node runs the supervisor, and each alias's worker runs only on the node
//! holding the alias's lease ([`crate::singleton`]), its writes fenced by it: one reader per
//! mailbox at any time, and the aliases may spread over the nodes.

mod imap;
pub mod ingest;
mod pop3;

use std::collections::HashMap;
use std::time::Duration;

use sha2::{Digest, Sha256};
use switchboard_domain::{AliasId, MailProtocol};
use switchboard_store::AliasCredentials;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use self::ingest::Strikes;
use crate::backoff::{Backoff, Failure, random_jitter};
use crate::singleton::{self, LeaseSettings};
use crate::status::Failed;
use crate::{MailContext, Shutdown, now, stopped};

struct Worker {
    fingerprint: String,
    stop: watch::Sender<bool>,
    handle: JoinHandle<()>,
}

/// What must restart a worker when it changes.
fn fingerprint(c: &AliasCredentials) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(&c.alias.incoming).unwrap_or_default());
    h.update(c.alias.address.as_str());
    h.update(c.incoming_password.as_deref().unwrap_or_default());
    hex::encode(h.finalize())
}

/// The status name of an alias's worker.
pub fn worker_name(alias: AliasId) -> String {
    format!("retriever.alias.{alias}")
}

/// Runs the retriever until `shutdown`; with `leases`, each alias's worker runs only while this
/// node holds the alias's lease.
pub async fn run(ctx: MailContext, leases: Option<LeaseSettings>, mut shutdown: Shutdown) {
    let mut changes = ctx.store().notify().aliases();
    let mut workers: HashMap<AliasId, Worker> = HashMap::new();
    ctx.status.state("retriever", "running");
    loop {
        match ctx.store().alias_credentials().await {
            Ok(list) => reconcile(&ctx, leases.as_ref(), &mut workers, list),
            Err(e) => {
                tracing::warn!(error = %e, "retriever cannot read the aliases");
                ctx.status.error("retriever", &e.to_string(), now());
            }
        }
        tokio::select! {
            r = changes.changed() => if r.is_err() { break },
            () = tokio::time::sleep(Duration::from_secs(ctx.settings.reload_secs)) => {},
            () = stopped(&mut shutdown) => break,
        }
    }
    for (_, w) in workers.drain() {
        let _ = w.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(10), w.handle).await;
    }
    ctx.status.state("retriever", "stopped");
}

fn reconcile(
    ctx: &MailContext,
    leases: Option<&LeaseSettings>,
    workers: &mut HashMap<AliasId, Worker>,
    list: Vec<AliasCredentials>,
) {
    let wanted: HashMap<AliasId, AliasCredentials> = list
        .into_iter()
        .filter(|c| c.alias.active)
        .map(|c| (c.alias.id, c))
        .collect();
    workers.retain(|id, w| {
        let keep = wanted
            .get(id)
            .is_some_and(|c| fingerprint(c) == w.fingerprint && !w.handle.is_finished());
        if !keep {
            let _ = w.stop.send(true);
            ctx.status.remove(&worker_name(*id));
            tracing::info!(alias = %id, "retriever worker stopped");
        }
        keep
    });
    for (id, creds) in wanted {
        if workers.contains_key(&id) {
            continue;
        }
        let (stop, rx) = watch::channel(false);
        let fp = fingerprint(&creds);
        tracing::info!(alias = %id, address = %creds.alias.address, protocol = ?creds.alias.incoming.protocol, "retriever worker started");
        let handle = match leases {
            None => tokio::spawn(work(ctx.clone(), creds, rx)),
            Some(settings) => {
                let c = ctx.clone();
                tokio::spawn(singleton::hold(
                    ctx.store().clone(),
                    worker_name(id),
                    settings.clone(),
                    ctx.status.clone(),
                    rx,
                    move |held| work(c.held(&held), creds.clone(), held.stop),
                ))
            }
        };
        workers.insert(
            id,
            Worker {
                fingerprint: fp,
                stop,
                handle,
            },
        );
    }
}

/// Why a mailbox session ended early, and so how long to wait before the next.
#[derive(Debug)]
pub(super) struct SessionError {
    why: Failure,
    message: String,
}

impl SessionError {
    /// Fetched mail could not be stored.
    fn storage(e: impl std::fmt::Display) -> SessionError {
        SessionError {
            why: Failure::Storage,
            message: e.to_string(),
        }
    }

    /// A mail server error: one worth retrying soon, or a refusal.
    fn server(e: impl std::fmt::Display, transient: bool) -> SessionError {
        SessionError {
            why: if transient {
                Failure::Unreachable
            } else {
                Failure::Refused
            },
            message: e.to_string(),
        }
    }
}

impl From<switchboard_mail::imap::ImapError> for SessionError {
    fn from(e: switchboard_mail::imap::ImapError) -> SessionError {
        let transient = e.is_transient();
        SessionError::server(e, transient)
    }
}

impl From<switchboard_mail::pop3::Pop3Error> for SessionError {
    fn from(e: switchboard_mail::pop3::Pop3Error) -> SessionError {
        let transient = e.is_transient();
        SessionError::server(e, transient)
    }
}

/// One alias: connect, drain, wait; on error back off and try again, until told to stop. The
/// back-off grows with every failure, of whatever kind, and starts over only after progress (a
/// drained mailbox); its kind sets its ceiling (an unreachable server is tried again within
/// seconds, a refusal or a storage failure waits longer).
async fn work(ctx: MailContext, creds: AliasCredentials, mut stop: Shutdown) {
    let name = worker_name(creds.alias.id);
    let mut w = WorkerState {
        backoff: Backoff::new(),
        strikes: Strikes::default(),
    };
    ctx.status.state(&name, "starting");
    loop {
        let r = match creds.alias.incoming.protocol {
            MailProtocol::Imap => imap::session(&ctx, &creds, &mut w, &mut stop).await,
            MailProtocol::Pop3 => pop3::session(&ctx, &creds, &mut w, &mut stop).await,
        };
        w.give_notices(&ctx, &name);
        match r {
            Ok(()) => break,
            Err(e) => {
                let wait = w.backoff.fail(e.why, random_jitter());
                let at = now();
                let retry_at = at.plus(wait);
                tracing::warn!(alias = %creds.alias.id, error = %e.message, kind = e.why.as_str(), failures = w.backoff.failures(), retry_in_ms = wait.as_millis() as u64, "mailbox session failed");
                ctx.status.backing_off(
                    &name,
                    Failed {
                        error: &e.message,
                        kind: e.why.as_str(),
                        at,
                        failures: w.backoff.failures(),
                        retry_at,
                    },
                );
                metrics::counter!("switchboard_retriever_errors_total", "kind" => e.why.as_str())
                    .increment(1);
                tokio::select! {
                    () = tokio::time::sleep(wait) => {},
                    () = stopped(&mut stop) => break,
                }
            }
        }
    }
    ctx.status.state(&name, "stopped");
}

/// What a worker keeps across its sessions.
pub(super) struct WorkerState {
    /// Failures in a row since the last progress.
    backoff: Backoff,
    /// Failed attempts per message, shared with the batches in flight.
    strikes: Strikes,
}

impl WorkerState {
    /// Records progress: the back-off starts over.
    fn progressed(&mut self, ctx: &MailContext, name: &str) {
        if self.backoff.failures() > 0 {
            self.backoff.reset();
            ctx.status.recovered(name);
        }
        self.give_notices(ctx, name);
    }

    /// Shows the messages recorded as exceptions in the alias's status.
    fn give_notices(&self, ctx: &MailContext, name: &str) {
        for n in self.strikes.take_notices() {
            ctx.status.notice(name, "exceptions", &n, now());
        }
    }
}

/// Records a batch's progress in logs, metrics and the status registry.
fn progress(ctx: &MailContext, alias: AliasId, done: usize, bytes: usize) {
    let name = worker_name(alias);
    metrics::counter!("switchboard_retriever_messages_total").increment(done as u64);
    metrics::counter!("switchboard_retriever_bytes_total").increment(bytes as u64);
    ctx.status.add(&name, "messages", done as u64);
    ctx.status.add(&name, "bytes", bytes as u64);
}

/// Splits `(item, size)` pairs, in order, into fetch rounds of at most `max_count` items and
/// `max_bytes` bytes; an item larger than `max_bytes` makes a round of its own.
fn rounds<T: Clone>(items: &[(T, u64)], max_count: usize, max_bytes: u64) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut current: Vec<T> = Vec::new();
    let mut bytes = 0u64;
    for (item, size) in items {
        if !current.is_empty()
            && (current.len() >= max_count.max(1) || bytes.saturating_add(*size) > max_bytes)
        {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        current.push(item.clone());
        bytes = bytes.saturating_add(*size);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::rounds;

    #[test]
    fn rounds_are_bounded_by_count_and_bytes() {
        let items: Vec<(u32, u64)> = vec![(1, 10), (2, 10), (3, 10), (4, 100), (5, 5), (6, 5)];
        assert_eq!(
            rounds(&items, 2, 1000),
            vec![vec![1, 2], vec![3, 4], vec![5, 6]]
        );
        assert_eq!(
            rounds(&items, 10, 25),
            vec![vec![1, 2], vec![3], vec![4], vec![5, 6]],
            "a message over the byte bound is fetched alone"
        );
        assert!(rounds::<u32>(&[], 10, 10).is_empty());
    }
}
