//! The relay: who follows which chat on this server. A stored message, a typing indicator or a
//! change of the chat's state is announced to the chat's followers; the announcement is a hint
//! (a follower that falls behind reads the messages it missed from the store by sequence
//! number), so the channels stay small. It also knows whether each chat's customer has a page
//! connected here, which the time-outs read.
//!
//! In a cluster ([`ChatHub::clustered`]) every announcement and every customer's coming and
//! going also crosses to the other nodes over the store's bus as a [`ChatWire`]; a node's relay
//! service hands what it hears to [`ChatHub::apply`]. A customer is present when a page of
//! theirs is connected to any node; another node's word on it holds until that node stops
//! repeating it (it repeats every few seconds), so a dead node's customers leave.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use switchboard_domain::chat::{ChatMessage, ChatParty};
use switchboard_domain::{ActivityId, Timestamp};
use switchboard_store::Store;
use tokio::sync::broadcast;

/// The bus topic of chat signals.
pub const TOPIC: &str = "chat";

/// How long another node's word on a customer holds without being repeated, in ms.
pub const PRESENCE_HOLDS_MS: i64 = 30_000;

/// Largest message text sent whole over the bus; a longer one is announced as missed (the
/// followers read it from the store).
const MAX_WIRE_BODY: usize = 6_000;

/// Signals one chat's channel holds before a slow follower falls behind.
const CHANNEL: usize = 4;

/// What happened in a chat.
#[derive(Debug, Clone)]
pub enum ChatSignal {
    /// A message was stored.
    Message(Arc<ChatMessage>),
    /// Someone started or stopped typing (not stored).
    Typing {
        /// Who.
        party: ChatParty,
        /// Typing now or not.
        typing: bool,
    },
    /// The chat's state may have changed (an agent accepted it, it was transferred, it ended).
    State,
    /// Messages were stored that this announcement does not carry: read them from the store.
    Missed,
}

/// What crosses to the other nodes: a signal about a chat, or this node's customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChatWire {
    /// A stored message.
    Message {
        /// The message.
        message: ChatMessage,
    },
    /// Someone started or stopped typing.
    Typing {
        /// The chat.
        chat: ActivityId,
        /// Who.
        party: ChatParty,
        /// Typing now or not.
        typing: bool,
    },
    /// The chat's state may have changed.
    State {
        /// The chat.
        chat: ActivityId,
    },
    /// A message too long to carry was stored.
    Missed {
        /// The chat.
        chat: ActivityId,
    },
    /// The customers connected to node `origin` now (each chat's connections and when they
    /// last came or went); a chat it no longer lists has none there.
    Presence {
        /// The sending hub.
        origin: String,
        /// Per chat: connections and last seen.
        chats: Vec<(ActivityId, u32, Option<Timestamp>)>,
        /// Whether this lists every chat of the node (a periodic repeat) or only changed ones.
        full: bool,
    },
}

/// Another node's word on a chat's customer.
#[derive(Debug, Clone, Copy)]
struct Heard {
    presence: Presence,
    /// When it was heard (the relay's clock).
    at: Timestamp,
}

/// The chats followed on this server, each with its broadcast channel, and whether their
/// customers' pages are here (for the abandonment time-out).
#[derive(Default)]
pub struct ChatHub {
    chats: Mutex<HashMap<ActivityId, broadcast::Sender<ChatSignal>>>,
    customers: Mutex<HashMap<ActivityId, Presence>>,
    /// Where announcements go to the other nodes (a clustered store).
    bus: OnceLock<(Store, String)>,
    /// Other nodes' customers: per chat, per node.
    heard: Mutex<HashMap<ActivityId, HashMap<String, Heard>>>,
}

/// A customer's page as this server sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Presence {
    /// Its open connections (WebSockets and long polls in progress).
    pub connections: u32,
    /// When one last came or went.
    pub last_seen: Option<Timestamp>,
}

/// A follower of one chat; stops following when dropped.
pub struct Subscription {
    hub: Arc<ChatHub>,
    id: ActivityId,
    /// The chat's signals.
    pub signals: broadcast::Receiver<ChatSignal>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.forget_if_idle(self.id, 1);
    }
}

impl ChatHub {
    /// Follows chat `id`.
    pub fn subscribe(self: &Arc<Self>, id: ActivityId) -> Subscription {
        let mut chats = self.chats.lock().unwrap_or_else(|p| p.into_inner());
        let signals = chats
            .entry(id)
            .or_insert_with(|| broadcast::channel(CHANNEL).0)
            .subscribe();
        Subscription {
            hub: Arc::clone(self),
            id,
            signals,
        }
    }

    /// Sends this hub's announcements to the other nodes over `store`'s bus from now on (when
    /// it has one), as `origin`.
    pub fn clustered(&self, store: Store, origin: String) {
        if store.bus().is_some() {
            let _ = self.bus.set((store, origin));
        }
    }

    /// Tells chat `id`'s followers on this server and the other nodes.
    pub fn publish(&self, id: ActivityId, signal: ChatSignal) {
        if let Some((store, _)) = self.bus.get() {
            let wire = match &signal {
                ChatSignal::Message(m) if m.body.len() <= MAX_WIRE_BODY => ChatWire::Message {
                    message: (**m).clone(),
                },
                ChatSignal::Message(_) | ChatSignal::Missed => ChatWire::Missed { chat: id },
                ChatSignal::Typing { party, typing } => ChatWire::Typing {
                    chat: id,
                    party: *party,
                    typing: *typing,
                },
                ChatSignal::State => ChatWire::State { chat: id },
            };
            if let Ok(text) = serde_json::to_string(&wire) {
                store.publish(TOPIC, text);
            }
        }
        self.tell(id, signal);
    }

    /// Tells chat `id`'s followers on this server only.
    fn tell(&self, id: ActivityId, signal: ChatSignal) {
        let chats = self.chats.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = chats.get(&id) {
            let _ = tx.send(signal);
        }
    }

    /// Acts on what another node sent, heard at `now`.
    pub fn apply(&self, wire: ChatWire, now: Timestamp) {
        match wire {
            ChatWire::Message { message } => {
                self.tell(message.activity_id, ChatSignal::Message(Arc::new(message)));
            }
            ChatWire::Typing {
                chat,
                party,
                typing,
            } => self.tell(chat, ChatSignal::Typing { party, typing }),
            ChatWire::State { chat } => self.tell(chat, ChatSignal::State),
            ChatWire::Missed { chat } => self.tell(chat, ChatSignal::Missed),
            ChatWire::Presence {
                origin,
                chats,
                full,
            } => {
                let mut heard = self.heard.lock().unwrap_or_else(|p| p.into_inner());
                if full {
                    for nodes in heard.values_mut() {
                        nodes.remove(&origin);
                    }
                }
                for (chat, connections, last_seen) in chats {
                    let presence = Presence {
                        connections,
                        last_seen,
                    };
                    heard
                        .entry(chat)
                        .or_default()
                        .insert(origin.clone(), Heard { presence, at: now });
                }
                heard.retain(|_, nodes| !nodes.is_empty());
            }
        }
    }

    /// Tells every chat's followers here that messages may have been missed (the bus
    /// reconnected).
    pub fn resync(&self) {
        let chats = self.chats.lock().unwrap_or_else(|p| p.into_inner());
        for tx in chats.values() {
            let _ = tx.send(ChatSignal::Missed);
        }
    }

    /// Every chat followed with a customer here: what [`ChatWire::Presence`] repeats.
    pub fn presence_report(&self) -> Option<ChatWire> {
        let (_, origin) = self.bus.get()?;
        let all = self.customers.lock().unwrap_or_else(|p| p.into_inner());
        Some(ChatWire::Presence {
            origin: origin.clone(),
            chats: all
                .iter()
                .map(|(id, p)| (*id, p.connections, p.last_seen))
                .collect(),
            full: true,
        })
    }

    /// Tells the other nodes chat `id`'s customer here is now `p`.
    fn announce_presence(&self, id: ActivityId, p: Presence) {
        if let Some((store, origin)) = self.bus.get() {
            let wire = ChatWire::Presence {
                origin: origin.clone(),
                chats: vec![(id, p.connections, p.last_seen)],
                full: false,
            };
            if let Ok(text) = serde_json::to_string(&wire) {
                store.publish(TOPIC, text);
            }
        }
    }

    /// The customer of chat `id` connected (a WebSocket, a long poll) at `now`.
    pub fn customer_came(&self, id: ActivityId, now: Timestamp) {
        let p = {
            let mut all = self.customers.lock().unwrap_or_else(|p| p.into_inner());
            let p = all.entry(id).or_default();
            p.connections += 1;
            p.last_seen = Some(now);
            *p
        };
        self.announce_presence(id, p);
    }

    /// A connection of chat `id`'s customer ended at `now`.
    pub fn customer_went(&self, id: ActivityId, now: Timestamp) {
        let p = {
            let mut all = self.customers.lock().unwrap_or_else(|p| p.into_inner());
            let p = all.entry(id).or_default();
            p.connections = p.connections.saturating_sub(1);
            p.last_seen = Some(now);
            *p
        };
        self.announce_presence(id, p);
    }

    /// Whether chat `id`'s customer is here or on another node (whose word still holds at
    /// `now`), and since when they came or went.
    pub fn customer_at(&self, id: ActivityId, now: Timestamp) -> Presence {
        let mut p = self.customer(id);
        let heard = self.heard.lock().unwrap_or_else(|p| p.into_inner());
        for h in heard.get(&id).into_iter().flat_map(|n| n.values()) {
            let holds = now.millis() - h.at.millis() <= PRESENCE_HOLDS_MS;
            if holds {
                p.connections += h.presence.connections;
            }
            p.last_seen = p.last_seen.max(h.presence.last_seen);
        }
        p
    }

    /// Whether chat `id`'s customer is connected here, and since when they came or went.
    pub fn customer(&self, id: ActivityId) -> Presence {
        let all = self.customers.lock().unwrap_or_else(|p| p.into_inner());
        all.get(&id).copied().unwrap_or_default()
    }

    /// Forgets the customers of chats that are not in `open`.
    pub fn keep_customers(&self, open: &std::collections::HashSet<ActivityId>) {
        let mut all = self.customers.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|id, _| open.contains(id));
        let mut heard = self.heard.lock().unwrap_or_else(|p| p.into_inner());
        heard.retain(|id, _| open.contains(id));
    }

    /// How many chats have followers here.
    pub fn followed(&self) -> usize {
        self.chats.lock().map_or(0, |c| c.len())
    }

    /// Drops chat `id`'s channel when at most `leaving` followers remain (the one being
    /// dropped still counts).
    fn forget_if_idle(&self, id: ActivityId, leaving: usize) {
        let mut chats = self.chats.lock().unwrap_or_else(|p| p.into_inner());
        if chats
            .get(&id)
            .is_some_and(|tx| tx.receiver_count() <= leaving)
        {
            chats.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use switchboard_domain::chat::Audience;

    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    fn presence(
        origin: &str,
        chats: Vec<(ActivityId, u32, Option<Timestamp>)>,
        full: bool,
    ) -> ChatWire {
        ChatWire::Presence {
            origin: origin.into(),
            chats,
            full,
        }
    }

    #[test]
    fn other_nodes_signals_reach_followers_here() {
        let hub = Arc::new(ChatHub::default());
        let chat = ActivityId(4);
        let mut sub = hub.subscribe(chat);
        let message = ChatMessage {
            activity_id: chat,
            seq: 1,
            party: ChatParty::Customer,
            author_id: None,
            author_name: "Carla".into(),
            audience: Audience::Everyone,
            body: "Hello".into(),
            file: None,
            at: at(1),
        };
        hub.apply(
            ChatWire::Message {
                message: message.clone(),
            },
            at(2),
        );
        assert!(matches!(sub.signals.try_recv(), Ok(ChatSignal::Message(m)) if *m == message));
        hub.apply(ChatWire::Missed { chat }, at(2));
        assert!(matches!(sub.signals.try_recv(), Ok(ChatSignal::Missed)));
        let wire: ChatWire =
            serde_json::from_str(&serde_json::to_string(&ChatWire::State { chat }).unwrap())
                .unwrap();
        hub.apply(wire, at(2));
        assert!(matches!(sub.signals.try_recv(), Ok(ChatSignal::State)));
    }

    #[test]
    fn a_customer_on_another_node_is_present_until_that_node_falls_silent() {
        let hub = ChatHub::default();
        let chat = ActivityId(4);
        assert_eq!(hub.customer_at(chat, at(0)).connections, 0);
        hub.apply(
            presence("b", vec![(chat, 1, Some(at(100)))], false),
            at(100),
        );
        let p = hub.customer_at(chat, at(200));
        assert_eq!((p.connections, p.last_seen), (1, Some(at(100))));
        // Here too: the connections add up; the latest coming or going counts.
        hub.customer_came(chat, at(300));
        let p = hub.customer_at(chat, at(300));
        assert_eq!((p.connections, p.last_seen), (2, Some(at(300))));
        hub.customer_went(chat, at(400));
        // b's full report no longer lists the chat: gone from there.
        hub.apply(presence("b", vec![], true), at(500));
        assert_eq!(hub.customer_at(chat, at(500)).connections, 0);
        // A node that stops repeating itself no longer counts.
        hub.apply(presence("c", vec![(chat, 1, Some(at(600)))], true), at(600));
        assert_eq!(
            hub.customer_at(chat, at(600 + PRESENCE_HOLDS_MS))
                .connections,
            1
        );
        let p = hub.customer_at(chat, at(601 + PRESENCE_HOLDS_MS));
        assert_eq!((p.connections, p.last_seen), (0, Some(at(600))));
    }
}
