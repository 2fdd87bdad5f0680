//! The chats' time-outs, one round at a time: every chat that has not ended is looked at
//! (`domain::chat::watch` decides) and what it needs is done — a warning or a notice in the
//! conversation, or the end. Abandoning a chat that still waits is left to the caller, which
//! runs it through the router.

use std::collections::{HashMap, HashSet};

use switchboard_domain::chat::watch::{AGENT_SILENT, Nudge, Seen, WARN_CUSTOMER, watch};
use switchboard_domain::chat::{ChatParty, ChatTimeouts, EndReason, NewChatMessage};
use switchboard_domain::{ActivityAction, ActivityId, Actor, EntryPointId, Timestamp};
use switchboard_store::StoreError;

use crate::App;
use crate::chat::ChatSignal;

/// Most chats one round looks at.
const ROUND: i64 = 20_000;

/// What a round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watched {
    /// Chats looked at.
    pub open: usize,
    /// Warnings and notices written.
    pub nudged: usize,
    /// Chats ended.
    pub ended: usize,
    /// Life-cycle actions left to run through the router (abandoning waiting chats).
    pub actions: Vec<(ActivityId, ActivityAction)>,
}

impl App {
    /// One round of the chats' time-outs at `now`; a customer this server has not seen counts
    /// as gone since `since` (its start) or the chat's start, whichever is later.
    pub async fn watch_chats(
        &self,
        now: Timestamp,
        since: Timestamp,
    ) -> Result<Watched, StoreError> {
        let open = self.store.open_chats(ROUND).await?;
        let mut timeouts: HashMap<EntryPointId, ChatTimeouts> = HashMap::new();
        let mut out = Watched {
            open: open.len(),
            ..Watched::default()
        };
        let ids: HashSet<ActivityId> = open.iter().map(|o| o.chat.activity_id).collect();
        self.chats.keep_customers(&ids);
        for o in open {
            let id = o.chat.activity_id;
            let t = match timeouts.get(&o.chat.entry_point_id) {
                Some(t) => *t,
                None => {
                    let t = self
                        .store
                        .entry_point(o.chat.entry_point_id)
                        .await?
                        .timeouts;
                    timeouts.insert(o.chat.entry_point_id, t);
                    t
                }
            };
            let p = self.chats.customer_at(id, now);
            let seen = Seen {
                status: o.status,
                in_exception_queue: o.in_exception_queue,
                connected: p.connections > 0,
                // Never seen here: gone since the chat started, or since this server did.
                gone_since: p
                    .last_seen
                    .unwrap_or(since)
                    .max(since)
                    .max(o.chat.created_at),
            };
            let Some(nudge) = watch(&o.chat, seen, &t, now) else {
                continue;
            };
            let done = match nudge {
                Nudge::WarnCustomer => self
                    .nudge(id, WARN_CUSTOMER, false, now)
                    .await
                    .map(|()| None),
                Nudge::AgentSilent => self.nudge(id, AGENT_SILENT, true, now).await.map(|()| None),
                Nudge::CloseInactive => {
                    self.end_by_watch(id, EndReason::CustomerInactive, now)
                        .await
                }
                Nudge::CustomerGone => self.end_by_watch(id, EndReason::CustomerGone, now).await,
                Nudge::NotTaken => self.end_by_watch(id, EndReason::MaxTimeInQueue, now).await,
            };
            match done {
                Ok(None) => out.nudged += 1,
                Ok(Some(action)) => {
                    out.ended += 1;
                    if let Some(a) = action {
                        out.actions.push((id, a));
                    }
                }
                // Someone else ended or wrote meanwhile: the next round looks again.
                Err(StoreError::Conflict(_) | StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Writes `text` into chat `id` for everyone and records the nudge.
    async fn nudge(
        &self,
        id: ActivityId,
        text: &str,
        agent: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let m = NewChatMessage::system(text);
        let stored = self
            .store
            .write(move |mut tx| {
                let m = m.clone();
                Box::pin(async move {
                    let stored = tx.append_chat_message(id, &m, now).await?;
                    tx.mark_nudged(id, agent, now).await?;
                    Ok(stored)
                })
            })
            .await?;
        self.chats.publish(id, ChatSignal::Message(stored.into()));
        Ok(())
    }

    /// Ends chat `id` for `reason`; the action still to run, if any.
    async fn end_by_watch(
        &self,
        id: ActivityId,
        reason: EndReason,
        now: Timestamp,
    ) -> Result<Option<Option<ActivityAction>>, StoreError> {
        let ending = self
            .end_chat(id, ChatParty::System, Actor::System, reason, now)
            .await?;
        Ok(Some(ending.action))
    }
}
