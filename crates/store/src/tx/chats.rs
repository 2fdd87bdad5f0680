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

    /// Reads customer `id`.
    pub async fn customer(
        &mut self,
        id: switchboard_domain::CustomerId,
    ) -> Result<switchboard_domain::Customer, StoreError> {
        crate::customers::fetch(&mut *self.c, id).await
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

    /// Chat `id`'s messages after number `after`, whispers included, a page at a time.
    pub async fn chat_messages(
        &mut self,
        id: ActivityId,
        after: i64,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        chats::after(self.c, id, after, true, chats::MAX_READ).await
    }

    /// How many messages the customer and the staff wrote each other.
    pub async fn chat_counts(&mut self, id: ActivityId) -> Result<(i64, i64), StoreError> {
        chats::counts(self.c, id).await
    }

    /// Records the survey's answers; 409 when they were given already.
    pub async fn answer_survey(
        &mut self,
        id: ActivityId,
        answers: &[switchboard_domain::chat::SurveyAnswer],
    ) -> Result<(), StoreError> {
        chats::answer_survey(self.c, id, answers).await
    }

    /// Puts chat `id`'s transcript in the outbox, from `alias` to `to`, and records it; 409 when
    /// one was sent already.
    #[allow(clippy::too_many_arguments)]
    pub async fn send_transcript(
        &mut self,
        id: ActivityId,
        alias: &switchboard_domain::Alias,
        to: switchboard_domain::Mailbox,
        subject: String,
        text: String,
        case: switchboard_domain::CaseId,
        now: Timestamp,
    ) -> Result<switchboard_domain::EmailId, StoreError> {
        let email = crate::outbox::automatic_mail_in(
            self.c,
            alias,
            vec![to],
            subject,
            text,
            Some(case),
            "chat transcript",
            now,
        )
        .await?;
        chats::record_transcript(self.c, id, email).await?;
        Ok(email)
    }

    /// Records that chat `id`'s silent customer was warned (or, `agent`, told the agent is busy).
    pub async fn mark_nudged(
        &mut self,
        id: ActivityId,
        agent: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        chats::mark_nudged(self.c, id, agent, now).await
    }

    /// Records how the chat ended; 409 when it had ended already.
    pub async fn end_chat(&mut self, id: ActivityId, e: &Ended) -> Result<(), StoreError> {
        chats::end(self.c, id, e).await
    }
}
