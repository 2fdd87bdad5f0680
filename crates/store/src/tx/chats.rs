//! The chat reads and writes of a write transaction.

use switchboard_domain::chat::{Chat, ChatMessage, Ended, EntryPoint, NewChatMessage};
use switchboard_domain::{ActivityId, EntryPointId, Timestamp};

use super::Tx;
use crate::chats::{self, NewChat};
use crate::error::StoreError;

impl Tx<'_> {
    /// Reads chat entry point `id`.
    pub async fn entry_point(&mut self, id: EntryPointId) -> Result<EntryPoint, StoreError> {
        crate::entry_points::fetch(self.c, id).await
    }

    /// Records the chat beside its new activity.
    pub async fn insert_chat(&mut self, n: &NewChat, now: Timestamp) -> Result<Chat, StoreError> {
        chats::insert(self.c, n, now).await
    }

    /// Reads chat `id`.
    pub async fn chat(&mut self, id: ActivityId) -> Result<Chat, StoreError> {
        chats::fetch(self.c, id).await
    }

    /// Stores the chat's next message; 409 once it has ended.
    pub async fn append_chat_message(
        &mut self,
        id: ActivityId,
        m: &NewChatMessage,
        now: Timestamp,
    ) -> Result<ChatMessage, StoreError> {
        chats::append(self.c, id, m, now).await
    }

    /// How many messages the customer and the staff wrote each other.
    pub async fn chat_counts(&mut self, id: ActivityId) -> Result<(i64, i64), StoreError> {
        chats::counts(self.c, id).await
    }

    /// Records how the chat ended; 409 when it had ended already.
    pub async fn end_chat(&mut self, id: ActivityId, e: &Ended) -> Result<(), StoreError> {
        chats::end(self.c, id, e).await
    }
}
