//! Writing into a chat: the customer, its agent, or a supervisor (joining, or whispering to the
//! agent). The message is stored with the chat's next number, then relayed.

use switchboard_domain::chat::{ChatMessage, ChatParty, NewChatMessage, session};
use switchboard_domain::{Activity, ActivityId, ChannelKind, Timestamp};
use switchboard_store::StoreError;

use crate::App;
use crate::chat::ChatSignal;

/// What the customer reads when their chat is transferred.
const TRANSFER_NOTICE: &str =
    "You are being transferred to another agent; the conversation stays as it is.";

impl App {
    /// Stores `m` as chat `id`'s next message and relays it. Refuses (409) once the chat has
    /// ended, and an agent's message on a chat someone else holds.
    pub async fn post_chat(
        &self,
        id: ActivityId,
        m: NewChatMessage,
        now: Timestamp,
    ) -> Result<ChatMessage, StoreError> {
        let stored = self
            .store
            .write(move |mut tx| {
                let m = m.clone();
                Box::pin(async move {
                    let chat = tx.chat(id).await?;
                    let a = tx.activity(id).await?;
                    session::may_write(&chat, a.status)
                        .map_err(|e| StoreError::Conflict(e.to_string()))?;
                    if m.party == ChatParty::Agent && a.assignee_id != m.author_id {
                        return Err(StoreError::Conflict(
                            "the chat is not assigned to you".into(),
                        ));
                    }
                    tx.append_chat_message(id, &m, now).await
                })
            })
            .await?;
        self.chats
            .publish(id, ChatSignal::Message(stored.clone().into()));
        Ok(stored)
    }

    /// Writes a notice of Switchboard's into chat `id` (a transfer …), for everyone; 404 when
    /// it is not a chat, 409 once it has ended.
    pub async fn chat_notice(
        &self,
        id: ActivityId,
        text: &str,
        now: Timestamp,
    ) -> Result<ChatMessage, StoreError> {
        self.post_chat(id, NewChatMessage::system(text), now).await
    }

    /// After `a` moved to another agent or queue: if it is a chat still going on, its customer
    /// is told (the conversation keeps its history) and its followers look again.
    pub async fn chat_transferred(&self, a: &Activity, now: Timestamp) -> Result<(), StoreError> {
        if a.channel != ChannelKind::Chat {
            return Ok(());
        }
        self.chat_changed(a.id);
        match self.chat_notice(a.id, TRANSFER_NOTICE, now).await {
            Ok(_) | Err(StoreError::NotFound { .. } | StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Tells chat `id`'s followers that `party` started or stopped typing (nothing is stored).
    pub fn chat_typing(&self, id: ActivityId, party: ChatParty, typing: bool) {
        self.chats.publish(id, ChatSignal::Typing { party, typing });
    }

    /// Tells chat `id`'s followers that its state may have changed.
    pub fn chat_changed(&self, id: ActivityId) {
        self.chats.publish(id, ChatSignal::State);
    }

    /// The relay of this server's chats.
    pub fn chat_hub(&self) -> &std::sync::Arc<super::ChatHub> {
        &self.chats
    }
}
