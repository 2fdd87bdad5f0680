//! How far the staff holding a chat have read it: the agent's list of work shows the number of
//! customer messages after that point. Writing a message to the customer reads the chat whole
//! (see `chats::append`); the agent's page and socket mark what they showed.

use std::collections::HashMap;

use sqlx::Row;
use switchboard_domain::ActivityId;

use crate::Store;
use crate::error::StoreError;

/// Most chats whose unread messages are counted in one call.
pub const MAX_COUNTED: usize = 500;

impl Store {
    /// Marks chat `id` read by its holder up to message `seq` (never backwards).
    pub async fn mark_chat_read(&self, id: ActivityId, seq: i64) -> Result<(), StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE chats SET agent_read_seq = $2 \
                         WHERE activity_id = $1 AND agent_read_seq < $2",
                )
                .bind(id.0)
                .bind(seq)
                .execute(&mut *c)
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// The customer messages its holder has not read, per chat of `ids` (at most
    /// [`MAX_COUNTED`]); chats with none are left out.
    pub async fn unread_chat_messages(
        &self,
        ids: &[ActivityId],
    ) -> Result<HashMap<ActivityId, i64>, StoreError> {
        let ids = &ids[..ids.len().min(MAX_COUNTED)];
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT m.activity_id, COUNT(*) AS n FROM chat_messages m \
             JOIN chats c ON c.activity_id = m.activity_id \
             WHERE m.activity_id IN ({}) AND m.party = 'customer' AND m.seq > c.agent_read_seq \
             GROUP BY m.activity_id",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id.0);
        }
        let mut c = self.inner.read.acquire().await?;
        let rows = q.fetch_all(&mut *c).await?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.try_get("activity_id")?;
            let n: i64 = r.try_get("n")?;
            out.insert(ActivityId(id), n);
        }
        Ok(out)
    }
}
