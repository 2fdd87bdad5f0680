//! Where the router's notices go: to the agents' streams in this process, and — on a clustered
//! store — to the other nodes over the bus, whose relays hand them to their own streams. A
//! node that heard the bus reconnect tells its streams to re-read ([`NoticeKind::Resync`]).

use switchboard_domain::UserId;
use switchboard_store::Store;
use switchboard_store::bus::BusMessage;
use tokio::sync::broadcast;

use super::{Notice, NoticeKind};

/// The bus topic of notices.
const TOPIC: &str = "notice";

/// Sends notices here and to the other nodes; cheap to clone.
#[derive(Clone)]
pub struct Notices {
    local: broadcast::Sender<Notice>,
    store: Option<Store>,
}

impl Notices {
    /// Notices for this process only (a single node, a benchmark).
    pub fn local() -> Notices {
        Notices {
            local: broadcast::channel(4096).0,
            store: None,
        }
    }

    /// Notices for this process and, over `store`'s bus when it has one, the other nodes.
    pub fn clustered(store: Store) -> Notices {
        Notices {
            store: Some(store),
            ..Notices::local()
        }
    }

    /// Announces `n` to the streams here and on the other nodes.
    pub fn send(&self, n: Notice) {
        if let Some(store) = &self.store
            && let Ok(text) = serde_json::to_string(&n)
        {
            store.publish(TOPIC, text);
        }
        // Nobody listening is fine.
        let _ = self.local.send(n);
    }

    /// The notices announced from now on, here and on the other nodes.
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.local.subscribe()
    }

    /// Hands the other nodes' notices to the streams here, until the store closes; nothing on
    /// a single-node store.
    pub fn start_relay(&self) {
        let Some(mut heard) = self.store.as_ref().and_then(Store::bus) else {
            return;
        };
        let local = self.local.clone();
        tokio::spawn(async move {
            loop {
                let n = match heard.recv().await {
                    Ok(BusMessage::Message { topic, payload }) if topic == TOPIC => {
                        match serde_json::from_str::<Notice>(&payload) {
                            Ok(n) => n,
                            Err(e) => {
                                tracing::warn!(error = %e, "a notice from another node could not be read");
                                continue;
                            }
                        }
                    }
                    Ok(BusMessage::Message { .. }) => continue,
                    Ok(BusMessage::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => {
                        resync()
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                let _ = local.send(n);
            }
        });
    }
}

/// The notice telling every stream to re-read.
pub fn resync() -> Notice {
    Notice {
        agent: UserId(0),
        kind: NoticeKind::Resync,
        activity: None,
        expires_at: None,
        reason: None,
        case: None,
    }
}
