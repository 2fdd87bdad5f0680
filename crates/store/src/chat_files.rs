//! Files sent in a chat: a file is a message whose row also holds the blob key of its bytes
//! (`chats::append` writes it; the blob collector reads `chat_messages.file_blob`).

use switchboard_domain::ActivityId;
use switchboard_domain::chat::ChatMessage;

use crate::Store;
use crate::chats::message_from_row;
use crate::error::StoreError;
use crate::sql::col;

impl Store {
    /// Message `seq` of chat `id` with the blob key of its file; not found when there is no
    /// such message or it carries no file.
    pub async fn chat_file(
        &self,
        id: ActivityId,
        seq: i64,
    ) -> Result<(ChatMessage, String), StoreError> {
        let mut c = self.inner.read.acquire().await?;
        let r = sqlx::query(
            "SELECT * FROM chat_messages WHERE activity_id = $1 AND seq = $2 \
             AND file_blob IS NOT NULL",
        )
        .bind(id.0)
        .bind(seq)
        .fetch_optional(&mut *c)
        .await?;
        let Some(r) = r else {
            return Err(StoreError::NotFound {
                entity: "chat file",
                id: seq,
            });
        };
        Ok((message_from_row(&r)?, col(&r, "file_blob")?))
    }
}
