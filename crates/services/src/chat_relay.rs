//! The chat relay of a clustered node: what the other nodes' chat hubs announce (messages,
//! typing, state changes, their customers' connections) is handed to this node's hub, and this
//! node repeats its own customers' connections every few seconds, so the chat watch — on
//! whichever node runs it — knows a customer connected anywhere, and forgets a dead node's.

use std::time::Duration;

use switchboard_app::App;
use switchboard_app::chat::ChatWire;
use switchboard_store::bus::BusMessage;
use tokio::sync::broadcast::error::RecvError;

use crate::{Shutdown, now, stopped};

/// How often this node repeats its customers' connections.
const REPEAT: Duration = Duration::from_secs(10);

/// Runs the relay until `shutdown`; returns at once on a single-node store.
pub async fn run(app: App, origin: String, mut shutdown: Shutdown) {
    let store = app.store().clone();
    let Some(mut heard) = store.bus() else {
        return;
    };
    let hub = app.chat_hub().clone();
    hub.clustered(store.clone(), origin);
    let mut repeat = tokio::time::interval(REPEAT);
    loop {
        tokio::select! {
            m = heard.recv() => match m {
                Ok(BusMessage::Message { topic, payload }) if topic == switchboard_app::chat::TOPIC => {
                    match serde_json::from_str::<ChatWire>(&payload) {
                        Ok(wire) => hub.apply(wire, now()),
                        Err(e) => tracing::warn!(error = %e, "a chat signal from another node could not be read"),
                    }
                }
                Ok(BusMessage::Resync) | Err(RecvError::Lagged(_)) => hub.resync(),
                Ok(BusMessage::Message { .. }) => {}
                Err(RecvError::Closed) => return,
            },
            _ = repeat.tick() => {
                if let Some(report) = hub.presence_report()
                    && let Ok(text) = serde_json::to_string(&report)
                {
                    store.publish(switchboard_app::chat::TOPIC, text);
                }
            }
            () = stopped(&mut shutdown) => return,
        }
    }
}
