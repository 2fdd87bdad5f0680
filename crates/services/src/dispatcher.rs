//! The dispatcher: claims due outbox entries, builds each message (fixed Message-ID and Date, so
//! a resend is the same message), sends it through its alias's SMTP server, and records the
//! outcome: accepted, retry later with back-off (transient failure), or a delivery exception
//! (permanent failure, or still failing when its lifetime ends — 5 days by default). Each claim
//! on an entry runs out unless renewed: this process renews the claims of what it is sending,
//! and puts back for sending only entries whose claim ran out (their process died), at start
//! and from time to time, so a second process never sends what another is sending. Outcomes go
//! to a recorder task that writes whatever has accumulated in one store
//! write, so the record follows the server's acceptance closely at a few statements per batch.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use switchboard_domain::{AliasId, OutboundMessage};
use switchboard_mail::build::{AttachmentBytes, build_message};
use switchboard_mail::smtp::{SendError, SmtpSender};
use switchboard_store::{AliasCredentials, BlobKey, StoreError};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::backoff::{delay, random_jitter};
use crate::send_retry::{Next, RetryPolicy, after_transient};
use crate::{MailContext, Shutdown, now, stopped};

/// The service's name in status reports and its lease.
pub const NAME: &str = "dispatcher";

/// One alias's sender, rebuilt when the alias changes.
struct Sender {
    version: i64,
    from: String,
    active: bool,
    smtp: Result<SmtpSender, String>,
    /// One permit per connection the alias may use at once, so a slow server holds back only
    /// its own alias's messages.
    slots: Arc<Semaphore>,
}

/// How one entry ended.
enum Outcome {
    Sent(u64),
    Retry(String),
    Failed(Option<String>, String),
}

/// Runs the dispatcher until `shutdown`. Claiming and sending overlap: the next batch is
/// claimed while the previous one is still being sent, up to two batches in flight, so the
/// connections do not wait for the database between batches.
pub async fn run(ctx: MailContext, mut shutdown: Shutdown) {
    ctx.status.state(NAME, "starting");
    if ctx.store().fence().is_some() {
        // Holding the dispatcher's lease: no other dispatcher is running, so whatever is
        // still claimed was claimed by one that stopped. Sent again now, not after the claim.
        recover_all(&ctx).await;
    }
    recover(&ctx).await;
    let mut recovered_at = std::time::Instant::now();
    let claims = Claims::default();
    let renewer = tokio::spawn(renew_loop(ctx.clone(), claims.clone()));
    let mut outbox = ctx.store().notify().outbox();
    let mut alias_changes = ctx.store().notify().aliases();
    let mut senders: HashMap<AliasId, Arc<Sender>> = HashMap::new();
    let mut reload = true;
    let (outcomes, rx) = mpsc::unbounded_channel();
    let recorder = tokio::spawn(record_loop(ctx.clone(), rx, claims.clone()));
    let batch = ctx.settings.dispatch_batch.max(1);
    let in_flight = Arc::new(Semaphore::new(2 * batch as usize));
    let mut sending = JoinSet::new();
    loop {
        while sending.try_join_next().is_some() {}
        if *shutdown.borrow() {
            break;
        }
        if alias_changes.has_changed().unwrap_or(false) {
            alias_changes.mark_unchanged();
            reload = true;
        }
        if reload {
            match ctx.store().alias_credentials().await {
                Ok(list) => {
                    refresh(&ctx, &mut senders, list);
                    reload = false;
                }
                Err(e) => ctx.status.error(NAME, &e.to_string(), now()),
            }
        }
        // Claim only what can start soon: wait until a batch's worth of room is free.
        let room = tokio::select! {
            r = in_flight.clone().acquire_many_owned(batch) => r,
            () = stopped(&mut shutdown) => break,
        };
        drop(room);
        outbox.mark_unchanged();
        let t = now();
        let claimed = match ctx
            .store()
            .outbox_claim(batch, t, t.plus(ctx.settings.claim))
            .await
        {
            Ok(c) => c,
            Err(e) => {
                ctx.status.error(NAME, &e.to_string(), now());
                tracing::warn!(error = %e, "dispatcher cannot read the outbox");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(2)) => {},
                    () = stopped(&mut shutdown) => break,
                }
                continue;
            }
        };
        if claimed.is_empty() {
            if sending.is_empty() {
                ctx.status.state(NAME, "idle");
            }
            if recovered_at.elapsed() >= ctx.settings.claim / 2 {
                recover(&ctx).await;
                recovered_at = std::time::Instant::now();
            }
            let wait = next_wait(&ctx).await;
            tokio::select! {
                _ = outbox.changed() => {},
                _ = alias_changes.changed() => reload = true,
                () = tokio::time::sleep(wait) => {},
                () = stopped(&mut shutdown) => break,
            }
            continue;
        }
        ctx.status.state(NAME, "running");
        claims.add(claimed.iter().map(|m| m.outbox_id));
        for m in claimed {
            let Ok(permit) = in_flight.clone().acquire_owned().await else {
                break;
            };
            let (ctx, outcomes) = (ctx.clone(), outcomes.clone());
            let sender = senders.get(&m.alias_id).cloned();
            sending.spawn(async move {
                let outcome = match sender {
                    Some(sender) => {
                        let _slot = sender.slots.clone().acquire_owned().await;
                        send(&ctx, &sender, &m).await
                    }
                    None => Outcome::Retry(format!(
                        "alias {} is not known to the dispatcher yet",
                        m.alias_id
                    )),
                };
                drop(permit);
                // The recorder outlives the senders (it stops when every sender is dropped).
                let _ = outcomes.send((m, outcome));
            });
        }
    }
    // What was claimed and started is sent and recorded; nothing is left half done.
    while sending.join_next().await.is_some() {}
    drop(outcomes);
    if let Err(e) = recorder.await {
        tracing::error!(error = %e, "the dispatcher's recorder failed");
    }
    renewer.abort();
    ctx.status.state(NAME, "stopped");
}

/// Puts back entries whose claim ran out.
async fn recover(ctx: &MailContext) {
    match ctx.store().outbox_recover(now()).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            entries = n,
            "outbox entries claimed by a process that stopped renewing them are sent again"
        ),
        Err(e) => ctx.status.error(NAME, &e.to_string(), now()),
    }
}

/// Puts back every claimed entry (see [`run`]).
async fn recover_all(ctx: &MailContext) {
    let far = now().plus(Duration::from_secs(100 * 365 * 24 * 3600));
    match ctx.store().outbox_recover(far).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            entries = n,
            "outbox entries a stopped dispatcher had claimed are sent again"
        ),
        Err(e) => ctx.status.error(NAME, &e.to_string(), now()),
    }
}

/// The outbox entries this process has claimed and not yet recorded.
#[derive(Debug, Clone, Default)]
struct Claims(Arc<std::sync::Mutex<std::collections::HashSet<i64>>>);

impl Claims {
    fn add(&self, ids: impl Iterator<Item = i64>) {
        if let Ok(mut set) = self.0.lock() {
            set.extend(ids);
        }
    }

    fn remove(&self, id: i64) {
        if let Ok(mut set) = self.0.lock() {
            set.remove(&id);
        }
    }

    fn all(&self) -> Vec<i64> {
        self.0
            .lock()
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default()
    }
}

/// Renews the claims of what this process is sending, three times per claim period.
async fn renew_loop(ctx: MailContext, claims: Claims) {
    let every = ctx.settings.claim / 3;
    loop {
        tokio::time::sleep(every).await;
        let ids = claims.all();
        if let Err(e) = ctx
            .store()
            .outbox_renew(ids, now().plus(ctx.settings.claim))
            .await
        {
            tracing::warn!(error = %e, "dispatcher cannot renew its claims");
            ctx.status.error(NAME, &e.to_string(), now());
        }
    }
}

/// How long to sleep with nothing to send: until the next retry is due, at most the reload time.
async fn next_wait(ctx: &MailContext) -> Duration {
    let most = Duration::from_secs(ctx.settings.reload_secs);
    match ctx.store().outbox_next_due().await {
        Ok(Some(t)) => {
            let ms = t.millis().saturating_sub(now().millis()).max(10);
            Duration::from_millis(u64::try_from(ms).unwrap_or(0)).min(most)
        }
        _ => most,
    }
}

fn refresh(
    ctx: &MailContext,
    senders: &mut HashMap<AliasId, Arc<Sender>>,
    list: Vec<AliasCredentials>,
) {
    let ids: Vec<AliasId> = list.iter().map(|c| c.alias.id).collect();
    senders.retain(|id, _| ids.contains(id));
    for c in list {
        if senders
            .get(&c.alias.id)
            .is_some_and(|s| s.version == c.alias.version)
        {
            continue;
        }
        let smtp = SmtpSender::new(
            &c.alias.outgoing,
            c.outgoing_password.as_deref(),
            &ctx.trust,
            ctx.settings.timeout,
            ctx.settings.smtp_connections,
        )
        .map_err(|e| e.to_string());
        senders.insert(
            c.alias.id,
            Arc::new(Sender {
                version: c.alias.version,
                from: c.alias.address.to_string(),
                active: c.alias.active,
                smtp,
                slots: Arc::new(Semaphore::new(ctx.settings.smtp_connections.max(1) as usize)),
            }),
        );
    }
}

async fn send(ctx: &MailContext, sender: &Sender, m: &OutboundMessage) -> Outcome {
    if !sender.active {
        return Outcome::Retry(format!("alias {} is inactive", m.alias_id));
    }
    let smtp = match &sender.smtp {
        Ok(s) => s,
        Err(e) => return Outcome::Failed(None, e.clone()),
    };
    let mut files = Vec::with_capacity(m.attachments.len());
    for a in &m.attachments {
        let Some(key) = a.blob.as_deref().and_then(BlobKey::parse) else {
            continue;
        };
        match ctx.blobs.get(&key).await {
            Ok(bytes) => files.push(AttachmentBytes {
                name: a.name.clone(),
                content_type: a.content_type.clone(),
                content_id: a.content_id.clone(),
                inline: a.inline,
                bytes,
            }),
            Err(e) => return Outcome::Retry(format!("attachment {}: {e}", a.name)),
        }
    }
    let raw = match build_message(m, &files) {
        Ok(r) => r,
        Err(e) => return Outcome::Failed(None, e.to_string()),
    };
    let recipients: Vec<String> =
        m.to.iter()
            .chain(m.cc.iter())
            .map(|r| r.address.clone())
            .collect();
    if !ctx.lease_holds() {
        return Outcome::Retry("the dispatcher's lease was lost before sending".into());
    }
    match smtp.send(&sender.from, &recipients, &raw).await {
        Ok(_) => Outcome::Sent(raw.len() as u64),
        Err(SendError::Transient(e)) => Outcome::Retry(e),
        Err(SendError::Permanent { code, message }) => Outcome::Failed(code, message),
    }
}

/// Most outcomes written in one store call.
const RECORD_BATCH: usize = 1024;

/// Writes outcomes as they come: every accepted message that accumulated while the previous
/// write ran goes in one write; retries and failures one by one (they are rare).
async fn record_loop(
    ctx: MailContext,
    mut rx: mpsc::UnboundedReceiver<(OutboundMessage, Outcome)>,
    claims: Claims,
) {
    while let Some(first) = rx.recv().await {
        let mut items = vec![first];
        while items.len() < RECORD_BATCH {
            match rx.try_recv() {
                Ok(i) => items.push(i),
                Err(_) => break,
            }
        }
        let mut sent = Vec::new();
        for (m, outcome) in items {
            match outcome {
                Outcome::Sent(size) => sent.push((m.outbox_id, size)),
                other => {
                    record(&ctx, &m, other).await;
                    claims.remove(m.outbox_id);
                }
            }
        }
        if !sent.is_empty() {
            let ids: Vec<i64> = sent.iter().map(|(id, _)| *id).collect();
            record_sent(&ctx, sent).await;
            ids.into_iter().for_each(|id| claims.remove(id));
        }
    }
}

/// Records accepted messages.
async fn record_sent(ctx: &MailContext, sent: Vec<(i64, u64)>) {
    let n = sent.len() as u64;
    ctx.status.add(NAME, "sent", n);
    metrics::counter!("switchboard_dispatcher_messages_total", "outcome" => "sent").increment(n);
    persist(ctx, || ctx.store().outbox_sent(sent.clone(), now())).await;
}

/// Runs a store write until it succeeds, backing off while the database is unavailable: giving
/// up would leave entries `sending`, and a restart would send them again. Gives up only when
/// the dispatcher's lease was lost: the new holder puts back what is left.
async fn persist<F, Fut>(ctx: &MailContext, mut write: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), StoreError>>,
{
    for attempt in 0u32.. {
        match write().await {
            Ok(()) => return,
            Err(e @ StoreError::Fenced(_)) => {
                ctx.status.error(NAME, &e.to_string(), now());
                return;
            }
            Err(e) => {
                ctx.status.error(NAME, &e.to_string(), now());
                let wait = delay(
                    Duration::from_millis(200),
                    Duration::from_secs(10),
                    attempt.min(10),
                );
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// Writes an outcome (see [`persist`]): a transient failure is tried again later, or given up
/// as a delivery exception when its lifetime is over (see [`after_transient`]).
async fn record(ctx: &MailContext, m: &OutboundMessage, outcome: Outcome) {
    let policy = RetryPolicy {
        base: ctx.settings.retry_base,
        max: ctx.settings.retry_max,
        lifetime: ctx.settings.send_lifetime,
        max_attempts: ctx.settings.max_attempts,
    };
    match outcome {
        Outcome::Sent(size) => {
            count(ctx, "sent");
            let sent = vec![(m.outbox_id, size)];
            persist(ctx, || ctx.store().outbox_sent(sent.clone(), now())).await;
        }
        Outcome::Retry(e) => {
            match after_transient(&policy, m.attempts, m.queued_at, now(), random_jitter()) {
                Next::RetryAt(at) => {
                    count(ctx, "retried");
                    tracing::info!(email = %m.email_id, attempt = m.attempts, error = %e, "send failed; will retry");
                    persist(ctx, || ctx.store().outbox_retry(m.outbox_id, e.clone(), at)).await;
                }
                Next::GiveUp(why) => failed(ctx, m, None, format!("{why}: {e}")).await,
            }
        }
        Outcome::Failed(code, e) => failed(ctx, m, code, e).await,
    }
}

fn count(ctx: &MailContext, outcome: &'static str) {
    ctx.status.add(NAME, outcome, 1);
    metrics::counter!("switchboard_dispatcher_messages_total", "outcome" => outcome).increment(1);
}

/// Records a message given up for good: a delivery exception.
async fn failed(ctx: &MailContext, m: &OutboundMessage, code: Option<String>, e: String) {
    count(ctx, "failed");
    tracing::warn!(email = %m.email_id, error = %e, "send failed for good");
    persist(ctx, || {
        ctx.store()
            .outbox_failed(m.outbox_id, code.clone(), e.clone(), now())
    })
    .await;
}
