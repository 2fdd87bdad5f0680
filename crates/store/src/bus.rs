//! The cluster bus: on PostgreSQL, what one node announces reaches the others through
//! `LISTEN/NOTIFY` on one channel. Two kinds cross:
//!
//! - **changes**: the [`Notify`] counters (aliases, outbox, routing configuration and work,
//!   workflows) — a node's services react to another node's committed change as to their own;
//! - **messages**: a topic and a small text (a router notice for agents' streams on other
//!   nodes), for the layers above to send and read.
//!
//! Notifications are delivered only on commit and lost while a listener is disconnected, so
//! after every reconnect the bus bumps every change counter (the services re-read the store:
//! the router follows the event log from where it was) and sends [`BusMessage::Resync`] (live
//! streams tell their clients to re-read). A node ignores what it sent itself. Changes are
//! coalesced: one notification per kind per round, however many commits announced it. SQLite
//! is single-node: no bus.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use sqlx::postgres::PgListener;
use tokio::sync::{broadcast, mpsc};

use crate::notify::{Change, Notify, Outgoing};

/// The PostgreSQL channel every node listens on.
const CHANNEL: &str = "switchboard";

/// Largest payload PostgreSQL takes (8000 bytes) less room for the header.
const MAX_PAYLOAD: usize = 7_800;

/// What the layers above receive from other nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusMessage {
    /// A message another node sent on `topic`.
    Message {
        /// What it is about (e.g. `notice`).
        topic: String,
        /// Its text.
        payload: String,
    },
    /// The bus reconnected: messages may have been lost; re-read what matters.
    Resync,
}

/// The sending side and the receivers of one store.
pub(crate) struct Bus {
    out: mpsc::UnboundedSender<Outgoing>,
    incoming: broadcast::Sender<BusMessage>,
    listener: tokio::task::JoinHandle<()>,
}

impl Bus {
    /// Starts the bus of a PostgreSQL store at `url`: a sender over `pool` and a listener.
    pub(crate) fn start(url: &str, pool: AnyPool, origin: String, notify: Arc<Notify>) -> Bus {
        let (out, rx) = mpsc::unbounded_channel();
        let (incoming, _) = broadcast::channel(4096);
        tokio::spawn(send_loop(pool, origin.clone(), rx));
        let listener = tokio::spawn(listen_loop(
            url.to_string(),
            origin,
            notify,
            incoming.clone(),
        ));
        Bus {
            out,
            incoming,
            listener,
        }
    }

    pub(crate) fn sender(&self) -> mpsc::UnboundedSender<Outgoing> {
        self.out.clone()
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<BusMessage> {
        self.incoming.subscribe()
    }

    pub(crate) fn stop(&self) {
        self.listener.abort();
    }
}

/// `origin|c|kind|` for a change, `origin|m|topic|payload` for a message.
fn encode(origin: &str, o: &Outgoing) -> String {
    match o {
        Outgoing::Change(c) => format!("{origin}|c|{}|", c.as_str()),
        Outgoing::Message { topic, payload } => format!("{origin}|m|{topic}|{payload}"),
    }
}

/// Sends what accumulated since the last round in one statement, changes coalesced.
async fn send_loop(pool: AnyPool, origin: String, mut rx: mpsc::UnboundedReceiver<Outgoing>) {
    while let Some(first) = rx.recv().await {
        let mut changes = BTreeSet::new();
        let mut payloads = Vec::new();
        let mut next = Some(first);
        while let Some(o) = next.take() {
            match o {
                Outgoing::Change(c) => {
                    changes.insert(c);
                }
                m => {
                    let text = encode(&origin, &m);
                    if text.len() <= MAX_PAYLOAD {
                        payloads.push(text);
                    } else {
                        tracing::warn!(bytes = text.len(), "a bus message is too long to send");
                    }
                }
            }
            if payloads.len() < 100 {
                next = rx.try_recv().ok();
            }
        }
        payloads.extend(
            changes
                .into_iter()
                .map(|c| encode(&origin, &Outgoing::Change(c))),
        );
        let calls: Vec<String> = (1..=payloads.len())
            .map(|i| format!("pg_notify('{CHANNEL}', ${i})"))
            .collect();
        let sql = format!("SELECT {}", calls.join(", "));
        let mut q = sqlx::query(&sql);
        for p in &payloads {
            q = q.bind(p);
        }
        if let Err(e) = q.execute(&pool).await {
            tracing::warn!(error = %e, messages = payloads.len(), "cannot send on the cluster bus");
        }
    }
}

/// Listens until the store closes, reconnecting after a failure; re-syncs after each
/// reconnect.
async fn listen_loop(
    url: String,
    origin: String,
    notify: Arc<Notify>,
    incoming: broadcast::Sender<BusMessage>,
) {
    let mut first = true;
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cluster bus cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "cluster bus cannot listen; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        if !first {
            resync(&notify, &incoming);
        }
        first = false;
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => receive(n.payload(), &origin, &notify, &incoming),
                // The connection dropped; the next call reconnects and listens again.
                Ok(None) => {
                    tracing::warn!("cluster bus reconnected: re-reading");
                    resync(&notify, &incoming);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cluster bus failed; reconnecting");
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn resync(notify: &Notify, incoming: &broadcast::Sender<BusMessage>) {
    for c in Change::ALL {
        notify.bump(c);
    }
    let _ = incoming.send(BusMessage::Resync);
}

/// Acts on one notification from another node.
fn receive(payload: &str, origin: &str, notify: &Notify, incoming: &broadcast::Sender<BusMessage>) {
    let mut parts = payload.splitn(4, '|');
    let (Some(from), Some(kind), Some(topic), Some(text)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    if from == origin {
        return;
    }
    match kind {
        "c" => {
            if let Some(c) = Change::parse(topic) {
                notify.bump(c);
            }
        }
        "m" => {
            let _ = incoming.send(BusMessage::Message {
                topic: topic.to_string(),
                payload: text.to_string(),
            });
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_from_others_arrive_and_own_ones_are_ignored() {
        let notify = Notify::default();
        let (incoming, mut rx) = broadcast::channel(8);
        let mut work = notify.routing_work();
        work.mark_unchanged();
        let m = Outgoing::Message {
            topic: "notice".into(),
            payload: "{\"a\":\"x|y\"}".into(),
        };
        receive(&encode("me", &m), "me", &notify, &incoming);
        assert!(rx.try_recv().is_err(), "own message ignored");
        receive(&encode("other", &m), "me", &notify, &incoming);
        assert_eq!(
            rx.try_recv().unwrap(),
            BusMessage::Message {
                topic: "notice".into(),
                payload: "{\"a\":\"x|y\"}".into()
            }
        );
        let c = Outgoing::Change(Change::RoutingWork);
        receive(&encode("other", &c), "me", &notify, &incoming);
        assert!(work.has_changed().unwrap());
        receive("garbage", "me", &notify, &incoming);
        assert!(rx.try_recv().is_err());
    }
}
