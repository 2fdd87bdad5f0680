//! Chats: the conversation beside a chat activity (its entry point, the customer's token as a
//! hash, how far its messages have got, how it ended) and its numbered messages. A message takes
//! the chat's next sequence number in the transaction that stores it, so numbers have no gaps
//! and a reader asking for what came after `n` misses nothing.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::chat::SurveyAnswer;
use switchboard_domain::chat::{
    Audience, Chat, ChatFile, ChatMessage, ChatParty, EndReason, Ended, NewChatMessage,
};
use switchboard_domain::{ActivityId, DepartmentId, EmailId, EntryPointId, Timestamp, UserId};

use crate::Store;
use crate::error::StoreError;
use crate::sql::{col, fetch_by_id, parsed, ts};

/// Most messages one read returns.
pub const MAX_READ: i64 = 500;

/// A chat to record beside its new activity.
#[derive(Debug, Clone)]
pub struct NewChat {
    /// The activity.
    pub activity_id: ActivityId,
    /// Its department.
    pub department_id: DepartmentId,
    /// The entry point.
    pub entry_point_id: EntryPointId,
    /// SHA-256 of the customer's token, hex.
    pub token_hash: String,
    /// The customer's name.
    pub customer_name: String,
}

fn from_row(r: &AnyRow) -> Result<Chat, StoreError> {
    let ended = match col::<Option<i64>>(r, "ended_at")? {
        Some(at) => Some(Ended {
            by: parsed(r, "ended_by", ChatParty::parse)?,
            reason: parsed(r, "end_reason", EndReason::parse)?,
            at: Timestamp::from_millis(at),
        }),
        None => None,
    };
    Ok(Chat {
        activity_id: ActivityId(col(r, "activity_id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        entry_point_id: EntryPointId(col(r, "entry_point_id")?),
        last_seq: col(r, "last_seq")?,
        customer_name: col(r, "customer_name")?,
        ended,
        created_at: ts(r, "created_at")?,
        customer_seen_at: ts(r, "customer_seen_at")?,
        agent_seen_at: col::<Option<i64>>(r, "agent_seen_at")?.map(Timestamp::from_millis),
        customer_warned_at: col::<Option<i64>>(r, "customer_warned_at")?
            .map(Timestamp::from_millis),
        agent_nudged_at: col::<Option<i64>>(r, "agent_nudged_at")?.map(Timestamp::from_millis),
        survey: match col::<Option<String>>(r, "survey")? {
            Some(s) => Some(serde_json::from_str(&s)?),
            None => None,
        },
        transcript_email_id: col::<Option<i64>>(r, "transcript_email_id")?.map(EmailId),
    })
}

pub(crate) fn message_from_row(r: &AnyRow) -> Result<ChatMessage, StoreError> {
    Ok(ChatMessage {
        activity_id: ActivityId(col(r, "activity_id")?),
        seq: col(r, "seq")?,
        party: parsed(r, "party", ChatParty::parse)?,
        author_id: col::<Option<i64>>(r, "author_id")?.map(UserId),
        author_name: col(r, "author_name")?,
        audience: parsed(r, "audience", Audience::parse)?,
        body: col(r, "body")?,
        file: match col::<Option<String>>(r, "file_name")? {
            Some(name) => Some(ChatFile {
                name,
                content_type: col::<Option<String>>(r, "file_type")?.unwrap_or_default(),
                size: u64::try_from(col::<Option<i64>>(r, "file_size")?.unwrap_or(0)).unwrap_or(0),
            }),
            None => None,
        },
        at: ts(r, "at")?,
    })
}

const COLUMNS: &str = "activity_id, department_id, entry_point_id, customer_name, last_seq, \
     ended_by, end_reason, ended_at, customer_seen_at, agent_seen_at, customer_warned_at, \
     agent_nudged_at, survey, transcript_email_id, created_at";

pub(crate) async fn insert(
    c: &mut AnyConnection,
    n: &NewChat,
    now: Timestamp,
) -> Result<Chat, StoreError> {
    sqlx::query(
        "INSERT INTO chats (activity_id, department_id, entry_point_id, token_hash, customer_name, \
         last_seq, customer_seen_at, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $6)",
    )
    .bind(n.activity_id.0)
    .bind(n.department_id.0)
    .bind(n.entry_point_id.0)
    .bind(&n.token_hash)
    .bind(&n.customer_name)
    .bind(now.millis())
    .execute(&mut *c)
    .await?;
    fetch(c, n.activity_id).await
}

pub(crate) async fn fetch(c: &mut AnyConnection, id: ActivityId) -> Result<Chat, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM chats WHERE activity_id = $1");
    fetch_by_id(&mut *c, &sql, id.0, "chat", from_row).await
}

async fn by_token(c: &mut AnyConnection, hash: &str) -> Result<Option<Chat>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM chats WHERE token_hash = $1");
    let r = sqlx::query(&sql).bind(hash).fetch_optional(&mut *c).await?;
    r.as_ref().map(from_row).transpose()
}

/// Stores `m` as the chat's next message; refuses (409) once the chat has ended.
pub(crate) async fn append(
    c: &mut AnyConnection,
    id: ActivityId,
    m: &NewChatMessage,
    now: Timestamp,
) -> Result<ChatMessage, StoreError> {
    let r = if m.party == ChatParty::Customer {
        sqlx::query(
            "UPDATE chats SET last_seq = last_seq + 1, customer_seen_at = $2 \
             WHERE activity_id = $1 AND ended_at IS NULL RETURNING last_seq",
        )
        .bind(id.0)
        .bind(now.millis())
        .fetch_optional(&mut *c)
        .await?
    } else if m.audience == Audience::Everyone && m.party != ChatParty::System {
        sqlx::query(
            "UPDATE chats SET last_seq = last_seq + 1, agent_seen_at = $2, \
             agent_read_seq = last_seq + 1 \
             WHERE activity_id = $1 AND ended_at IS NULL RETURNING last_seq",
        )
        .bind(id.0)
        .bind(now.millis())
        .fetch_optional(&mut *c)
        .await?
    } else {
        sqlx::query(
            "UPDATE chats SET last_seq = last_seq + 1 \
             WHERE activity_id = $1 AND ended_at IS NULL RETURNING last_seq",
        )
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await?
    };
    let Some(r) = r else {
        fetch(c, id).await?;
        return Err(StoreError::Conflict("the chat has ended".into()));
    };
    let seq: i64 = col(&r, "last_seq")?;
    sqlx::query(
        "INSERT INTO chat_messages (activity_id, seq, party, author_id, author_name, audience, body, at, \
         file_blob, file_name, file_type, file_size) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id.0)
    .bind(seq)
    .bind(m.party.as_str())
    .bind(m.author_id.map(|u| u.0))
    .bind(&m.author_name)
    .bind(m.audience.as_str())
    .bind(&m.body)
    .bind(now.millis())
    .bind(m.file.as_ref().map(|f| f.blob.clone()))
    .bind(m.file.as_ref().map(|f| f.file.name.clone()))
    .bind(m.file.as_ref().map(|f| f.file.content_type.clone()))
    .bind(
        m.file
            .as_ref()
            .map(|f| i64::try_from(f.file.size).unwrap_or(i64::MAX)),
    )
    .execute(&mut *c)
    .await?;
    Ok(ChatMessage {
        activity_id: id,
        seq,
        party: m.party,
        author_id: m.author_id,
        author_name: m.author_name.clone(),
        audience: m.audience,
        body: m.body.clone(),
        file: m.file.as_ref().map(|f| f.file.clone()),
        at: now,
    })
}

/// Messages of chat `id` after sequence number `after`, oldest first, at most `limit`; whispers
/// only when `staff`.
pub(crate) async fn after(
    c: &mut AnyConnection,
    id: ActivityId,
    after: i64,
    staff: bool,
    limit: i64,
) -> Result<Vec<ChatMessage>, StoreError> {
    let audience = if staff {
        ""
    } else {
        " AND audience = 'everyone'"
    };
    let sql = format!(
        "SELECT * FROM chat_messages WHERE activity_id = $1 AND seq > $2{audience} \
         ORDER BY seq LIMIT $3"
    );
    let rows = sqlx::query(&sql)
        .bind(id.0)
        .bind(after)
        .bind(limit.clamp(1, MAX_READ))
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(message_from_row).collect()
}

/// How many messages the customer wrote, and the staff wrote to the customer.
pub(crate) async fn counts(
    c: &mut AnyConnection,
    id: ActivityId,
) -> Result<(i64, i64), StoreError> {
    let r = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN party = 'customer' THEN 1 ELSE 0 END), 0) AS customer, \
         COALESCE(SUM(CASE WHEN party IN ('agent', 'supervisor') AND audience = 'everyone' \
         THEN 1 ELSE 0 END), 0) AS staff FROM chat_messages WHERE activity_id = $1",
    )
    .bind(id.0)
    .fetch_one(&mut *c)
    .await?;
    Ok((col(&r, "customer")?, col(&r, "staff")?))
}

/// Records how chat `id` ended; refuses (409) when it had ended already.
pub(crate) async fn end(
    c: &mut AnyConnection,
    id: ActivityId,
    e: &Ended,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE chats SET ended_by = $1, end_reason = $2, ended_at = $3 \
         WHERE activity_id = $4 AND ended_at IS NULL",
    )
    .bind(e.by.as_str())
    .bind(e.reason.as_str())
    .bind(e.at.millis())
    .bind(id.0)
    .execute(&mut *c)
    .await?;
    if done.rows_affected() == 0 {
        fetch(c, id).await?;
        return Err(StoreError::Conflict("the chat has ended".into()));
    }
    Ok(())
}

/// Records the survey's answers; refuses (409) when they were given already.
pub(crate) async fn answer_survey(
    c: &mut AnyConnection,
    id: ActivityId,
    answers: &[SurveyAnswer],
) -> Result<(), StoreError> {
    let done =
        sqlx::query("UPDATE chats SET survey = $1 WHERE activity_id = $2 AND survey IS NULL")
            .bind(crate::sql::to_json(&answers)?)
            .bind(id.0)
            .execute(&mut *c)
            .await?;
    if done.rows_affected() == 0 {
        fetch(c, id).await?;
        return Err(StoreError::Conflict(
            "the survey was answered already".into(),
        ));
    }
    Ok(())
}

/// Records the transcript's email; refuses (409) when one was sent already.
pub(crate) async fn record_transcript(
    c: &mut AnyConnection,
    id: ActivityId,
    email: EmailId,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE chats SET transcript_email_id = $1 WHERE activity_id = $2 AND transcript_email_id IS NULL",
    )
    .bind(email.0)
    .bind(id.0)
    .execute(&mut *c)
    .await?;
    if done.rows_affected() == 0 {
        fetch(c, id).await?;
        return Err(StoreError::Conflict(
            "the transcript was sent already".into(),
        ));
    }
    Ok(())
}

/// Records that the silent customer of chat `id` was warned, or (`agent`) told that the agent
/// is busy, at `now`.
pub(crate) async fn mark_nudged(
    c: &mut AnyConnection,
    id: ActivityId,
    agent: bool,
    now: Timestamp,
) -> Result<(), StoreError> {
    let sql = if agent {
        "UPDATE chats SET agent_nudged_at = $1 WHERE activity_id = $2"
    } else {
        "UPDATE chats SET customer_warned_at = $1 WHERE activity_id = $2"
    };
    sqlx::query(sql)
        .bind(now.millis())
        .bind(id.0)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// A chat that has not ended, with what its watch needs of its activity.
#[derive(Debug, Clone)]
pub struct OpenChat {
    /// The chat.
    pub chat: Chat,
    /// Its activity's status.
    pub status: switchboard_domain::ActivityStatus,
    /// Whether the activity waits in an exception queue.
    pub in_exception_queue: bool,
    /// Who holds or is offered it.
    pub assignee: Option<switchboard_domain::UserId>,
    /// Its queue.
    pub queue: Option<switchboard_domain::QueueId>,
}

impl Store {
    /// Chats that have not ended (at most `limit`, oldest first), for their time-outs.
    pub async fn open_chats(&self, limit: i64) -> Result<Vec<OpenChat>, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        let cols: String = COLUMNS
            .split(',')
            .map(|x| format!("c.{}", x.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols}, a.status AS activity_status, a.assignee_id AS assignee, \
             a.queue_id AS queue, q.kind AS queue_kind FROM chats c \
             JOIN activities a ON a.id = c.activity_id LEFT JOIN queues q ON q.id = a.queue_id \
             WHERE c.ended_at IS NULL ORDER BY c.activity_id LIMIT $1"
        );
        let rows = sqlx::query(&sql).bind(limit).fetch_all(&mut *c).await?;
        rows.iter()
            .map(|r| {
                Ok(OpenChat {
                    chat: from_row(r)?,
                    status: parsed(
                        r,
                        "activity_status",
                        switchboard_domain::ActivityStatus::parse,
                    )?,
                    in_exception_queue: col::<Option<String>>(r, "queue_kind")?.as_deref()
                        == Some("exception"),
                    assignee: col::<Option<i64>>(r, "assignee")?.map(switchboard_domain::UserId),
                    queue: col::<Option<i64>>(r, "queue")?.map(switchboard_domain::QueueId),
                })
            })
            .collect()
    }

    /// Reads chat `id` (its activity's id).
    pub async fn chat(&self, id: ActivityId) -> Result<Chat, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        fetch(&mut c, id).await
    }

    /// The chat whose customer token hashes to `hash`.
    pub async fn chat_by_token(&self, hash: &str) -> Result<Option<Chat>, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        by_token(&mut c, hash).await
    }

    /// Messages of chat `id` after sequence number `after` (oldest first, at most `limit`, at
    /// most [`MAX_READ`]); whispers only for the `staff`.
    pub async fn chat_messages(
        &self,
        id: ActivityId,
        after_seq: i64,
        staff: bool,
        limit: i64,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        after(&mut c, id, after_seq, staff, limit).await
    }
}
