//! The outbox: replies and automatic messages enter it in the same transaction as the activity
//! change that produced them; the dispatcher claims due entries, sends them and records the
//! result. A claimed entry is `sending`; one found `sending` at start-up (the process died
//! between the server's acceptance and our record of it) is sent again with the same
//! Message-ID and Date — the only window in which a message can leave twice.
//!
//! `write.rs` puts mail in (a reply, an automatic answer, a notification); `send.rs` is the
//! dispatcher's side (claims, results, figures).

mod send;
mod write;

use sqlx::AnyConnection;
use switchboard_domain::{Activity, ActivityId, AliasId, EmailKind, Mailbox};

use crate::error::StoreError;
use crate::sql::{col, json};

pub use write::{ReplyMail, SystemMail};
pub(crate) use write::{
    automatic_in, automatic_mail_in, enqueue_reply, insert_entry, system_mail_in,
};

/// Outbox counts by status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Waiting to be sent (including retries).
    pub pending: i64,
    /// Claimed by a dispatcher.
    pub sending: i64,
    /// Accepted by the outgoing server.
    pub sent: i64,
    /// Failed for good.
    pub failed: i64,
}

/// The inbound email an activity answers: its alias, addresses and thread ids.
#[derive(Debug, Clone, PartialEq)]
pub struct AnsweredEmail {
    /// The alias it came to, which sends the answer.
    pub alias_id: AliasId,
    /// Its kind (automatic mail is never answered automatically).
    pub kind: EmailKind,
    /// Its Message-ID.
    pub message_id: Option<String>,
    /// Its References.
    pub references: Vec<String>,
    /// From.
    pub from: Option<Mailbox>,
    /// Reply-To.
    pub reply_to: Vec<Mailbox>,
    /// Subject.
    pub subject: String,
}

impl AnsweredEmail {
    /// Whom an answer goes to when nobody addressed it.
    pub fn default_recipients(&self) -> Vec<Mailbox> {
        switchboard_domain::answerable::default_recipients(self.from.as_ref(), &self.reply_to)
    }
}

pub(crate) async fn answered(
    c: &mut AnyConnection,
    activity: ActivityId,
) -> Result<AnsweredEmail, StoreError> {
    let r = sqlx::query(
        "SELECT alias_id, kind, message_id, ref_ids, from_address, from_name, reply_to, subject FROM emails \
         WHERE activity_id = $1 AND direction = 'inbound' ORDER BY id DESC LIMIT 1",
    )
    .bind(activity.0)
    .fetch_optional(&mut *c)
    .await?
    .ok_or_else(|| StoreError::Conflict("the activity has no inbound email to answer".into()))?;
    let alias_id = col::<Option<i64>>(&r, "alias_id")?
        .map(AliasId)
        .ok_or_else(|| StoreError::Conflict("the email's alias was deleted".into()))?;
    Ok(AnsweredEmail {
        alias_id,
        kind: crate::sql::parsed(&r, "kind", EmailKind::parse)?,
        message_id: col(&r, "message_id")?,
        references: json(&r, "ref_ids")?,
        from: col::<Option<String>>(&r, "from_address")?.map(|address| Mailbox {
            name: col::<Option<String>>(&r, "from_name").ok().flatten(),
            address,
        }),
        reply_to: json(&r, "reply_to")?,
        subject: col(&r, "subject")?,
    })
}

/// Most of a case's emails read for its participants (the newest).
const PARTICIPANT_EMAILS: i64 = 2000;

/// Who may be written to about `a` without the permission to write to anyone: the customer's
/// email addresses and every address on the case's emails (from, Reply-To, To, Cc), lower-cased.
pub(crate) async fn participants(
    c: &mut AnyConnection,
    a: &Activity,
) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut known = std::collections::HashSet::new();
    let rows = sqlx::query(
        "SELECT value_key FROM contact_points WHERE customer_id = $1 AND kind = 'email'",
    )
    .bind(a.customer_id.0)
    .fetch_all(&mut *c)
    .await?;
    for r in &rows {
        known.insert(col::<String>(r, "value_key")?.to_lowercase());
    }
    let rows = sqlx::query(
        "SELECT from_address, reply_to, to_list, cc_list FROM emails WHERE case_id = $1 \
         ORDER BY id DESC LIMIT $2",
    )
    .bind(a.case_id.0)
    .bind(PARTICIPANT_EMAILS)
    .fetch_all(&mut *c)
    .await?;
    for r in &rows {
        if let Some(f) = col::<Option<String>>(r, "from_address")? {
            known.insert(f.to_lowercase());
        }
        for column in ["reply_to", "to_list", "cc_list"] {
            for m in json::<Vec<Mailbox>>(r, column)? {
                known.insert(m.address.to_lowercase());
            }
        }
    }
    Ok(known)
}

/// Refuses work that cannot be answered by email now: another channel, or finished.
pub(crate) fn answerable(a: &Activity) -> Result<(), StoreError> {
    a.answerable()
        .map_err(|e| StoreError::Conflict(e.to_string()))
}
