//! The webhook sender, one per cluster (under its lease): reads the deliveries that are due,
//! POSTs each signed per the Standard Webhooks spec, decides from each answer whether it was
//! delivered, is tried again later or is given up (`domain::webhook::after_attempt`, with the
//! subscription's run of given-up deliveries counted in order), and records every attempt. A
//! subscription that wants strict order gets its deliveries one at a time, stopping at the first
//! that fails; the others' go out side by side. It reports under [`NAME`]: `sent`, `delivered`,
//! `failed`, `given_up` and `switched_off`.
//!
//! A delivery is recorded after its POST: a sender killed in between sends it again from the
//! next holder of the lease, with the same `webhook-id`, so receivers can drop the repeat.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use switchboard_domain::webhook::{
    AfterAttempt, Secret, TargetPolicy, WebhookAttempt, after_attempt_scaled, body, check_url,
    delivery_id, refusal, sign,
};
use switchboard_domain::{Timestamp, WebhookId};
use switchboard_store::{Attempted, DueDelivery, Store, StoreError};

use super::client::{MAX_ANSWER_BYTES, client, describe};
use crate::status::Registry;
use crate::{Shutdown, now, stopped};

/// The service's name in status reports and its lease.
pub const NAME: &str = "webhooks";

/// How the sender works.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Which target addresses are allowed besides public ones.
    pub policy: TargetPolicy,
    /// How long one attempt may take, connecting included.
    pub timeout: Duration,
    /// Most deliveries read per round.
    pub batch: u32,
    /// Most POSTs under way at once.
    pub concurrency: usize,
    /// How often to look for due deliveries when there were none.
    pub poll: Duration,
    /// The retry schedule's first step, in seconds (the later steps scale with it).
    pub first_retry_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            policy: TargetPolicy::default(),
            timeout: Duration::from_secs(10),
            batch: 200,
            concurrency: 16,
            poll: Duration::from_millis(500),
            first_retry_secs: switchboard_domain::webhook::FIRST_RETRY_SECS,
        }
    }
}

/// What one POST came to.
struct Sent {
    due: DueDelivery,
    attempt: WebhookAttempt,
}

/// Runs rounds until shutdown.
pub async fn run(store: Store, settings: Settings, status: Registry, mut shutdown: Shutdown) {
    let http = match client(settings.policy, settings.timeout) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %describe(&e), "webhook sender cannot start its HTTP client");
            status.error(NAME, &describe(&e), now());
            return;
        }
    };
    status.state(NAME, "running");
    loop {
        let pause = match round(&store, &http, &settings, &status).await {
            Ok(0) => settings.poll,
            Ok(_) => Duration::ZERO,
            Err(e) => {
                tracing::warn!(error = %e, "webhook round failed; retrying");
                status.error(NAME, &e.to_string(), now());
                if matches!(e, StoreError::Fenced(_)) {
                    break;
                }
                settings.poll.max(Duration::from_secs(2))
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = stopped(&mut shutdown) => break,
        }
    }
    status.state(NAME, "stopped");
}

/// Most outcomes recorded in one write, and the longest an outcome waits to be recorded: a
/// sender killed mid-round sends again only what it had not recorded yet.
const RECORD_BATCH: usize = 32;
const RECORD_EVERY: Duration = Duration::from_millis(100);

/// One round: the due deliveries sent, and their outcomes recorded as they come in. Returns
/// how many were attempted.
pub async fn round(
    store: &Store,
    http: &reqwest::Client,
    settings: &Settings,
    status: &Registry,
) -> Result<usize, StoreError> {
    let due = store.webhooks_due(now(), settings.batch).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let secrets = secrets(store, &due).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Sent>(RECORD_BATCH * 2);
    let sending = send_all(http, settings, &secrets, due, tx);
    let recording = record_all(store, settings, status, rx);
    let ((), recorded) = tokio::join!(sending, recording);
    recorded
}

/// Records outcomes as they arrive, a few at a time; stops taking them at the first failed
/// write (the senders then stop too).
async fn record_all(
    store: &Store,
    settings: &Settings,
    status: &Registry,
    mut rx: tokio::sync::mpsc::Receiver<Sent>,
) -> Result<usize, StoreError> {
    let mut in_a_row: HashMap<WebhookId, u32> = HashMap::new();
    let mut buffer: Vec<Sent> = Vec::new();
    let mut total = 0;
    // When the oldest outcome not yet recorded must be.
    let mut deadline: Option<Instant> = None;
    loop {
        let wait = deadline.map_or(Duration::from_secs(3600), |d| {
            d.saturating_duration_since(Instant::now())
        });
        let (done, late) = match tokio::time::timeout(wait, rx.recv()).await {
            Ok(Some(sent)) => {
                if buffer.is_empty() {
                    deadline = Some(Instant::now() + RECORD_EVERY);
                }
                buffer.push(sent);
                (false, false)
            }
            Ok(None) => (true, false),
            Err(_) => (false, true),
        };
        if (done || late || buffer.len() >= RECORD_BATCH) && !buffer.is_empty() {
            deadline = None;
            let attempted = decide(
                std::mem::take(&mut buffer),
                settings.first_retry_secs,
                &mut in_a_row,
            );
            total += attempted.len();
            apply(store, status, attempted).await?;
        }
        if done {
            return Ok(total);
        }
    }
}

/// Writes decided attempts and reports them.
async fn apply(
    store: &Store,
    status: &Registry,
    attempted: Vec<Attempted>,
) -> Result<(), StoreError> {
    for a in &attempted {
        status.add(NAME, "sent", 1);
        match a.next {
            AfterAttempt::Delivered => status.add(NAME, "delivered", 1),
            AfterAttempt::Retry { .. } => status.add(NAME, "failed", 1),
            AfterAttempt::GivenUp { .. } | AfterAttempt::Unsubscribed => {
                status.add(NAME, "given_up", 1);
            }
        }
    }
    let switched_off = store.webhook_attempted(attempted, now()).await?;
    for id in switched_off {
        status.add(NAME, "switched_off", 1);
        let message = format!("webhook {id} switched off (see its disabled_reason)");
        tracing::warn!(webhook = id.0, "{message}");
        status.error(NAME, &message, now());
    }
    Ok(())
}

/// The secrets of the subscriptions `due` names.
async fn secrets(
    store: &Store,
    due: &[DueDelivery],
) -> Result<HashMap<WebhookId, Secret>, StoreError> {
    let mut out = HashMap::new();
    for d in due {
        if let std::collections::hash_map::Entry::Vacant(slot) = out.entry(d.webhook_id) {
            slot.insert(store.webhook_secret(d.webhook_id).await?);
        }
    }
    Ok(out)
}

/// Sends every delivery: an ordered subscription's one after another, stopping at the first
/// that fails (the rest wait for the next round), everything else side by side. Each outcome
/// goes to `tx` as soon as it is known; sending stops when nobody records any more.
async fn send_all(
    http: &reqwest::Client,
    settings: &Settings,
    secrets: &HashMap<WebhookId, Secret>,
    due: Vec<DueDelivery>,
    tx: tokio::sync::mpsc::Sender<Sent>,
) {
    let mut units: Vec<Vec<DueDelivery>> = Vec::new();
    let mut ordered: BTreeMap<WebhookId, Vec<DueDelivery>> = BTreeMap::new();
    for d in due {
        if d.ordered {
            ordered.entry(d.webhook_id).or_default().push(d);
        } else {
            units.push(vec![d]);
        }
    }
    units.extend(ordered.into_values());
    futures_util::stream::iter(units)
        .for_each_concurrent(settings.concurrency.max(1), |unit| {
            let tx = tx.clone();
            async move {
                for d in unit {
                    let Some(secret) = secrets.get(&d.webhook_id) else {
                        break;
                    };
                    let attempt = post(http, settings.policy, secret, &d).await;
                    let ok = attempt.status_code.is_some_and(|s| (200..300).contains(&s));
                    if tx.send(Sent { due: d, attempt }).await.is_err() || !ok {
                        break;
                    }
                }
            }
        })
        .await;
}

/// Decides what each attempt means, in delivery order, counting each subscription's run of
/// given-up deliveries (`in_a_row`, kept across calls of one round) as the decisions go.
fn decide(
    mut sent: Vec<Sent>,
    first_retry: u64,
    in_a_row: &mut HashMap<WebhookId, u32>,
) -> Vec<Attempted> {
    sent.sort_by_key(|s| s.due.id);
    sent.into_iter()
        .map(|s| {
            let run = in_a_row
                .entry(s.due.webhook_id)
                .or_insert(s.due.given_up_in_a_row);
            let next = after_attempt_scaled(
                s.attempt.status_code,
                s.due.attempts.saturating_add(1),
                *run,
                fastrand::u64(..),
                first_retry,
            );
            match next {
                AfterAttempt::Delivered => *run = 0,
                AfterAttempt::GivenUp { .. } => *run = run.saturating_add(1),
                AfterAttempt::Retry { .. } | AfterAttempt::Unsubscribed => {}
            }
            Attempted {
                id: s.due.id,
                webhook_id: s.due.webhook_id,
                attempt: s.attempt,
                next,
            }
        })
        .collect()
}

/// One POST of delivery `d`.
async fn post(
    http: &reqwest::Client,
    policy: TargetPolicy,
    secret: &Secret,
    d: &DueDelivery,
) -> WebhookAttempt {
    let at = now();
    let started = Instant::now();
    let (status_code, error) = match attempt(http, policy, secret, d, at).await {
        Ok(code) if (200..300).contains(&code) => (Some(code), None),
        Ok(code) => (Some(code), Some(format!("the receiver answered {code}"))),
        Err(e) => (None, Some(e)),
    };
    WebhookAttempt {
        at,
        status_code,
        error,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

async fn attempt(
    http: &reqwest::Client,
    policy: TargetPolicy,
    secret: &Secret,
    d: &DueDelivery,
    at: Timestamp,
) -> Result<u16, String> {
    let (host, _) = check_url(&d.url).map_err(|e| e.to_string())?;
    // A literal address is not resolved, so it is checked here.
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<std::net::IpAddr>()
        && let Some(why) = refusal(ip, policy)
    {
        return Err(format!("{host} is {why}; refused"));
    }
    let payload = serde_json::to_vec(&body(&d.event, d.department_id))
        .map_err(|e| format!("the event cannot be written: {e}"))?;
    let id = delivery_id(d.event.id.0, d.webhook_id.0);
    let timestamp = at.millis() / 1000;
    let signature = sign(secret, &id, timestamp, &payload);
    let mut answer = http
        .post(&d.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", &signature.standard)
        .header("x-switchboard-signature", &signature.github)
        .body(payload)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let code = answer.status().as_u16();
    // Read a little of the answer so the connection can be reused; never all of it.
    let mut read = 0usize;
    while read < MAX_ANSWER_BYTES {
        match answer.chunk().await {
            Ok(Some(chunk)) => read += chunk.len(),
            Ok(None) | Err(_) => break,
        }
    }
    Ok(code)
}
