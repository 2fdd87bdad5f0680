//! The dispatcher's side of the outbox: claims that run out unless renewed, results recorded
//! (sent, to retry, failed for good), and the figures supervisors see.

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::EventPayload;
use switchboard_domain::event::{DeliveryFailed, Sent};
use switchboard_domain::{
    ActivityId, ActivityStatus, AliasId, EmailId, Mailbox, OutboundMessage, RetryingMessage,
    StoredAttachment, Timestamp,
};

use super::OutboxCounts;
use crate::Store;
use crate::activities::{self, NewEvent};
use crate::emails::{NewDeliveryException, insert_delivery_exception};
use crate::error::StoreError;
use crate::sql::{col, int_list, json, ts};
use switchboard_domain::storable::storable;

fn outbound_from_row(r: &AnyRow) -> Result<OutboundMessage, StoreError> {
    Ok(OutboundMessage {
        outbox_id: col(r, "outbox_id")?,
        email_id: EmailId(col(r, "email_id")?),
        alias_id: AliasId(col(r, "alias_id")?),
        attempts: u32::try_from(col::<i64>(r, "attempts")?).unwrap_or(u32::MAX),
        message_id: col::<Option<String>>(r, "message_id")?.unwrap_or_default(),
        in_reply_to: json(r, "in_reply_to")?,
        references: json(r, "ref_ids")?,
        from: Mailbox {
            name: col(r, "from_name")?,
            address: col::<Option<String>>(r, "from_address")?.unwrap_or_default(),
        },
        to: json(r, "to_list")?,
        cc: json(r, "cc_list")?,
        subject: col(r, "subject")?,
        text: col(r, "text_body")?,
        html: col(r, "html_body")?,
        date: col::<Option<i64>>(r, "sent_at")?
            .map_or_else(|| ts(r, "created_at"), |m| Ok(Timestamp::from_millis(m)))?,
        automatic: col::<i64>(r, "automatic")? != 0,
        attachments: vec![],
        queued_at: ts(r, "queued_at")?,
    })
}

/// The outbound activity of an outbox entry, and its status (for events).
async fn outbound_activity(
    c: &mut AnyConnection,
    outbox_id: i64,
) -> Result<(EmailId, i64, Option<(ActivityId, ActivityStatus)>), StoreError> {
    let r = sqlx::query(
        "SELECT o.email_id, e.department_id, a.id AS activity_id, a.status FROM outbox o JOIN emails e ON e.id = o.email_id \
         LEFT JOIN activities a ON a.id = e.activity_id WHERE o.id = $1",
    )
    .bind(outbox_id)
    .fetch_optional(&mut *c)
    .await?
    .ok_or(StoreError::NotFound {
        entity: "outbox entry",
        id: outbox_id,
    })?;
    let activity = match col::<Option<i64>>(&r, "activity_id")? {
        Some(id) => Some((
            ActivityId(id),
            crate::sql::parsed(&r, "status", ActivityStatus::parse)?,
        )),
        None => None,
    };
    Ok((
        EmailId(col(&r, "email_id")?),
        col(&r, "department_id")?,
        activity,
    ))
}

async fn event(
    c: &mut AnyConnection,
    activity: Option<(ActivityId, ActivityStatus)>,
    payload: EventPayload,
    now: Timestamp,
) -> Result<(), StoreError> {
    if let Some((id, status)) = activity {
        activities::append_event(c, id, NewEvent::system(status, payload), now).await?;
    }
    Ok(())
}

/// Ids per `IN (…)` list (the sizes statement binds two values per id).
const IDS_PER_STATEMENT: usize = 400;

/// Marks entries sent, stores the size sent on their emails, appends `sent` events.
async fn record_sent(
    c: &mut AnyConnection,
    chunk: &[(i64, u64)],
    now: Timestamp,
) -> Result<(), StoreError> {
    let ids = int_list(chunk.iter().map(|(id, _)| *id));
    let sql = format!(
        "SELECT o.id, o.email_id, a.id AS activity_id, a.status FROM outbox o JOIN emails e ON e.id = o.email_id \
         LEFT JOIN activities a ON a.id = e.activity_id WHERE o.id IN ({ids})"
    );
    let rows = sqlx::query(&sql)
        .persistent(false)
        .fetch_all(&mut *c)
        .await?;
    let sizes: HashMap<i64, u64> = chunk.iter().copied().collect();
    let mut emails: Vec<(i64, u64)> = Vec::with_capacity(rows.len());
    let mut events = Vec::with_capacity(rows.len());
    for r in &rows {
        let outbox_id: i64 = col(r, "id")?;
        let email_id: i64 = col(r, "email_id")?;
        emails.push((email_id, sizes.get(&outbox_id).copied().unwrap_or(0)));
        if let Some(a) = col::<Option<i64>>(r, "activity_id")? {
            let status = crate::sql::parsed(r, "status", ActivityStatus::parse)?;
            let sent = Sent {
                email_id: EmailId(email_id),
            };
            let e = NewEvent::system(status, EventPayload::Sent(sent));
            events.push((ActivityId(a), e));
        }
    }
    let sql = format!(
        "UPDATE outbox SET status = 'sent', sent_at = $1, last_error = NULL WHERE id IN ({ids})"
    );
    sqlx::query(&sql)
        .persistent(false)
        .bind(now.millis())
        .execute(&mut *c)
        .await?;
    if !emails.is_empty() {
        let cases: Vec<String> = emails
            .iter()
            .map(|(id, size)| {
                format!(
                    "WHEN {id} THEN {}",
                    i64::try_from(*size).unwrap_or(i64::MAX)
                )
            })
            .collect();
        let sql = format!(
            "UPDATE emails SET raw_size = CASE id {} END WHERE id IN ({})",
            cases.join(" "),
            int_list(emails.iter().map(|(id, _)| *id))
        );
        sqlx::query(&sql).persistent(false).execute(&mut *c).await?;
    }
    activities::append_many(c, &events, now).await
}

/// The update that claims the entries `ids` (an integer list) still pending. `status || ''`:
/// the status is checked on each row found by id, never searched. Searched, SQLite (without
/// statistics) walks the status index's whole `pending` range for every claim, and the rate
/// fell as the outbox grew.
fn claim_sql(ids: &str) -> String {
    format!(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_until = $1 \
         WHERE id IN ({ids}) AND status || '' = 'pending' RETURNING id"
    )
}

impl Store {
    /// Puts entries whose claim ran out (the process sending them died, or stopped renewing)
    /// back to `pending`; returns how many. An entry another live process is sending keeps its
    /// claim, so this never causes a second send.
    pub async fn outbox_recover(&self, now: Timestamp) -> Result<u64, StoreError> {
        self.writes(move |c| {
                Box::pin(async move {
                    let r = sqlx::query(
                        "UPDATE outbox SET status = 'pending', claimed_until = NULL \
                         WHERE status = 'sending' AND (claimed_until IS NULL OR claimed_until < $1)",
                    )
                    .bind(now.millis())
                    .execute(&mut *c)
                    .await?;
                    Ok(r.rows_affected())
                })
            })
            .await
    }

    /// Extends the claims on entries this process is still sending until `until`.
    pub async fn outbox_renew(&self, ids: Vec<i64>, until: Timestamp) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.writes(move |c| {
                let ids = ids.clone();
                Box::pin(async move {
                    for chunk in ids.chunks(IDS_PER_STATEMENT) {
                        let sql = format!(
                            "UPDATE outbox SET claimed_until = $1 WHERE id IN ({}) AND status || '' = 'sending'",
                            int_list(chunk.iter().copied())
                        );
                        sqlx::query(&sql)
                            .persistent(false)
                            .bind(until.millis())
                            .execute(&mut *c)
                            .await?;
                    }
                    Ok(())
                })
            })
            .await
    }

    /// The database's plan for claiming a few entries by id (what [`Store::outbox_claim`]
    /// runs), a line per step.
    pub async fn outbox_claim_plan(&self) -> Result<Vec<String>, StoreError> {
        let sql = claim_sql("1, 2, 3");
        crate::plan::explain(
            &self.inner.read,
            self.inner.backend,
            &sql,
            vec![crate::sql::Arg::Int(0)],
        )
        .await
    }

    /// Claims up to `limit` due entries for sending until `claim_until` (marks them `sending`,
    /// counts the attempt). An entry is claimed by one process only: the update takes only
    /// entries still pending, and only those it took are returned.
    pub async fn outbox_claim(
        &self,
        limit: u32,
        now: Timestamp,
        claim_until: Timestamp,
    ) -> Result<Vec<OutboundMessage>, StoreError> {
        let mut claimed = self.writes(move |c| {
                Box::pin(async move {
                    let rows = sqlx::query(
                        "SELECT o.id AS outbox_id, o.email_id, o.alias_id, o.attempts + 1 AS attempts, o.created_at AS queued_at, \
                         e.message_id, e.in_reply_to, e.ref_ids, e.from_name, e.from_address, e.to_list, e.cc_list, e.subject, \
                         e.text_body, e.html_body, e.sent_at, e.created_at, e.automatic \
                         FROM outbox o JOIN emails e ON e.id = o.email_id \
                         WHERE o.status = 'pending' AND o.next_attempt_at <= $1 ORDER BY o.next_attempt_at, o.id LIMIT $2",
                    )
                    .bind(now.millis())
                    .bind(i64::from(limit))
                    .fetch_all(&mut *c)
                    .await?;
                    let items = rows
                        .iter()
                        .map(outbound_from_row)
                        .collect::<Result<Vec<_>, _>>()?;
                    let ids: Vec<i64> = items.iter().map(|m| m.outbox_id).collect();
                    let mut taken: HashSet<i64> = HashSet::with_capacity(ids.len());
                    for chunk in ids.chunks(IDS_PER_STATEMENT) {
                        let sql = claim_sql(&int_list(chunk.iter().copied()));
                        for r in sqlx::query(&sql)
                            .persistent(false)
                            .bind(claim_until.millis())
                            .fetch_all(&mut *c)
                            .await?
                        {
                            taken.insert(col(&r, "id")?);
                        }
                    }
                    Ok(items
                        .into_iter()
                        .filter(|m| taken.contains(&m.outbox_id))
                        .collect::<Vec<_>>())
                })
            })
            .await?;
        let emails: Vec<i64> = claimed.iter().map(|m| m.email_id.0).collect();
        let mut files: HashMap<i64, Vec<StoredAttachment>> = HashMap::new();
        for chunk in emails.chunks(IDS_PER_STATEMENT) {
            let sql = format!(
                "SELECT email_id, name, content_type, size, blob, content_id, inline_part FROM email_attachments \
                 WHERE email_id IN ({}) AND blob IS NOT NULL ORDER BY id",
                int_list(chunk.iter().copied())
            );
            let q = sqlx::query(&sql).persistent(false);
            for r in q.fetch_all(&self.inner.read).await? {
                files
                    .entry(col(&r, "email_id")?)
                    .or_default()
                    .push(StoredAttachment {
                        name: col(&r, "name")?,
                        content_type: col(&r, "content_type")?,
                        size: u64::try_from(col::<i64>(&r, "size")?).unwrap_or(0),
                        blob: col(&r, "blob")?,
                        content_id: col(&r, "content_id")?,
                        inline: col::<i64>(&r, "inline_part")? != 0,
                    });
            }
        }
        for m in &mut claimed {
            m.attachments = files.remove(&m.email_id.0).unwrap_or_default();
        }
        Ok(claimed)
    }

    /// Records that the outgoing server accepted entries: `(outbox id, size sent)` each. One
    /// write for all of them, a few statements per few hundred entries.
    pub async fn outbox_sent(
        &self,
        sent: Vec<(i64, u64)>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.writes(move |c| {
            let sent = sent.clone();
            Box::pin(async move {
                for chunk in sent.chunks(IDS_PER_STATEMENT) {
                    record_sent(c, chunk, now).await?;
                }
                Ok(())
            })
        })
        .await
    }

    /// Puts an entry back for another attempt at `next_at` after a transient failure.
    pub async fn outbox_retry(
        &self,
        outbox_id: i64,
        error: String,
        next_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.writes(move |c| {
                let error: String = storable(&error).chars().take(2000).collect();
                Box::pin(async move {
                    sqlx::query("UPDATE outbox SET status = 'pending', next_attempt_at = $1, last_error = $2, claimed_until = NULL WHERE id = $3")
                        .bind(next_at.millis())
                        .bind(error)
                        .bind(outbox_id)
                        .execute(&mut *c)
                        .await?;
                    Ok(())
                })
            })
            .await?;
        // The dispatcher may be asleep until its next due entry; this one may be due sooner.
        self.inner.notify.outbox_changed();
        Ok(())
    }

    /// Records a permanent failure: the entry fails, a delivery exception is recorded and the
    /// outbound activity gets a `delivery_failed` event.
    pub async fn outbox_failed(
        &self,
        outbox_id: i64,
        status: Option<String>,
        error: String,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.writes(move |c| {
            let (status, error) = (
                status.clone(),
                storable(&error).chars().take(2000).collect::<String>(),
            );
            Box::pin(async move {
                let (email_id, dept, activity) = outbound_activity(c, outbox_id).await?;
                sqlx::query("UPDATE outbox SET status = 'failed', last_error = $1 WHERE id = $2")
                    .bind(&error)
                    .bind(outbox_id)
                    .execute(&mut *c)
                    .await?;
                let d = NewDeliveryException {
                    department_id: switchboard_domain::DepartmentId(dept),
                    email_id: Some(email_id),
                    bounce_email_id: None,
                    activity_id: activity.map(|a| a.0),
                    recipient: None,
                    status,
                    reason: error.clone(),
                    permanent: true,
                };
                insert_delivery_exception(c, &d, now).await?;
                let failed = DeliveryFailed::Refused { email_id, error };
                event(c, activity, EventPayload::DeliveryFailed(failed), now).await
            })
        })
        .await
    }

    /// Whether nothing waits in the outbox or is being sent (failed entries aside). Reads one
    /// index entry at most, however long the outbox.
    pub async fn outbox_settled(&self) -> Result<bool, StoreError> {
        let waiting =
            sqlx::query("SELECT id FROM outbox WHERE status IN ('pending', 'sending') LIMIT 1")
                .fetch_optional(&self.inner.read)
                .await?;
        Ok(waiting.is_none())
    }

    /// Outbox entries by status.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
            .fetch_all(&self.inner.read)
            .await?;
        let mut out = OutboxCounts::default();
        for r in rows {
            let n: i64 = col(&r, "n")?;
            match col::<String>(&r, "status")?.as_str() {
                "pending" => out.pending = n,
                "sending" => out.sending = n,
                "sent" => out.sent = n,
                "failed" => out.failed = n,
                _ => {}
            }
        }
        Ok(out)
    }

    /// Queued messages whose last attempt failed and that are being retried, of one
    /// department or all, oldest entry first.
    pub async fn list_retrying(
        &self,
        scope: &switchboard_domain::Scope,
        department: Option<switchboard_domain::DepartmentId>,
        page: &crate::PageRequest,
    ) -> Result<crate::Page<RetryingMessage>, StoreError> {
        let mut s = crate::sql::Select::new(
            "SELECT * FROM (SELECT o.id, o.email_id, e.activity_id, e.department_id, e.to_list, e.subject, \
             o.attempts, o.last_error, o.next_attempt_at, o.created_at FROM outbox o JOIN emails e ON e.id = o.email_id \
             WHERE o.status IN ('pending', 'sending') AND o.last_error IS NOT NULL) r",
        );
        s.scope("department_id", scope);
        s.eq_opt(
            "department_id",
            department.map(|d| crate::sql::Arg::Int(d.0)),
        );
        let (rows, more) = s.page(&self.inner.read, page).await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(RetryingMessage {
                    id: col(r, "id")?,
                    email_id: EmailId(col(r, "email_id")?),
                    activity_id: col::<Option<i64>>(r, "activity_id")?.map(ActivityId),
                    department_id: switchboard_domain::DepartmentId(col(r, "department_id")?),
                    to: json(r, "to_list")?,
                    subject: col(r, "subject")?,
                    attempts: u32::try_from(col::<i64>(r, "attempts")?).unwrap_or(u32::MAX),
                    last_error: col::<Option<String>>(r, "last_error")?.unwrap_or_default(),
                    next_attempt_at: ts(r, "next_attempt_at")?,
                    queued_at: ts(r, "created_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(crate::Page::of(items, more, |m| m.id))
    }

    /// The earliest time a pending entry is due, if any.
    pub async fn outbox_next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let r =
            sqlx::query("SELECT MIN(next_attempt_at) AS t FROM outbox WHERE status = 'pending'")
                .fetch_one(&self.inner.read)
                .await?;
        Ok(col::<Option<i64>>(&r, "t")?.map(Timestamp::from_millis))
    }
}
