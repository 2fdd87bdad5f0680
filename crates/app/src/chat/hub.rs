//! The relay: who follows which chat on this server. A stored message, a typing indicator or a
//! change of the chat's state is announced to the chat's followers; the announcement is a hint
//! (a follower that falls behind reads the messages it missed from the store by sequence
//! number), so the channels stay small. It also knows whether each chat's customer has a page
//! connected here, which the time-outs read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use switchboard_domain::chat::{ChatMessage, ChatParty};
use switchboard_domain::{ActivityId, Timestamp};
use tokio::sync::broadcast;

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
}

/// The chats followed on this server, each with its broadcast channel, and whether their
/// customers' pages are here (for the abandonment time-out).
#[derive(Default)]
pub struct ChatHub {
    chats: Mutex<HashMap<ActivityId, broadcast::Sender<ChatSignal>>>,
    customers: Mutex<HashMap<ActivityId, Presence>>,
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

    /// Tells chat `id`'s followers on this server.
    pub fn publish(&self, id: ActivityId, signal: ChatSignal) {
        let chats = self.chats.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = chats.get(&id) {
            let _ = tx.send(signal);
        }
    }

    /// The customer of chat `id` connected (a WebSocket, a long poll) at `now`.
    pub fn customer_came(&self, id: ActivityId, now: Timestamp) {
        let mut all = self.customers.lock().unwrap_or_else(|p| p.into_inner());
        let p = all.entry(id).or_default();
        p.connections += 1;
        p.last_seen = Some(now);
    }

    /// A connection of chat `id`'s customer ended at `now`.
    pub fn customer_went(&self, id: ActivityId, now: Timestamp) {
        let mut all = self.customers.lock().unwrap_or_else(|p| p.into_inner());
        let p = all.entry(id).or_default();
        p.connections = p.connections.saturating_sub(1);
        p.last_seen = Some(now);
    }

    /// Whether chat `id`'s customer is here, and since when they come or went.
    pub fn customer(&self, id: ActivityId) -> Presence {
        let all = self.customers.lock().unwrap_or_else(|p| p.into_inner());
        all.get(&id).copied().unwrap_or_default()
    }

    /// Forgets the customers of chats that are not in `open`.
    pub fn keep_customers(&self, open: &std::collections::HashSet<ActivityId>) {
        let mut all = self.customers.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|id, _| open.contains(id));
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
