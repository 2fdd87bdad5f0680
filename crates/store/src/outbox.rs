//! The outbox: replies and automatic messages enter it in the same transaction as the activity
//! change that produced them; the dispatcher claims due entries, sends them and records the
//! result. A claimed entry is `sending`; one found `sending` at start-up (the process died
//! between the server's acceptance and our record of it) is sent again with the same
//! Message-ID and Date — the only window in which a message can leave twice.

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::EventPayload;
use switchboard_domain::event::{DeliveryFailed, Sent};
use switchboard_domain::{
    Activity, ActivityAction, ActivityId, ActivityStatus, Actor, Alias, AliasId, CaseId,
    ChannelKind, Direction, EmailAddress, EmailId, EmailKind, Mailbox, NewActivity,
    OutboundMessage, Outcome, Priority, QueueId, RetryingMessage, StoredAttachment, Timestamp,
    ValidationError, email,
};

use crate::Store;
use crate::activities::{self, NewEvent};
use crate::aliases;
use crate::emails::{EmailRow, NewDeliveryException, insert_delivery_exception, insert_email};
use crate::error::StoreError;
use crate::sql::{col, int_list, json, ts};
use switchboard_domain::storable::storable;

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

/// A new Message-ID at the alias's domain (a random token; the form is the domain's).
fn new_message_id(alias: &EmailAddress) -> String {
    let token = crate::secrets::random_secret();
    switchboard_domain::threading::message_id(&token[..32], alias)
}

struct Outgoing<'a> {
    activity: &'a Activity,
    answered: &'a AnsweredEmail,
    /// The answered email's alias, which sends it.
    alias: &'a Alias,
    to: Vec<Mailbox>,
    cc: Vec<Mailbox>,
    text: String,
    html: Option<String>,
    attachments: Vec<switchboard_domain::StoredAttachment>,
    automatic: bool,
    actor: Actor,
    /// Hold the reply in this review queue instead of the outbox.
    hold: Option<QueueId>,
}

/// Writes the outbound activity, email and outbox entry of an answer.
async fn enqueue(
    c: &mut AnyConnection,
    o: Outgoing<'_>,
    now: Timestamp,
) -> Result<(EmailId, Activity), StoreError> {
    let alias = o.alias;
    if !alias.active {
        return Err(StoreError::Conflict(format!(
            "alias {} is inactive: nothing can be sent from it",
            alias.address
        )));
    }
    if o.to.is_empty() {
        return Err(ValidationError::new("to", "there is nobody to send the reply to").into());
    }
    let case: CaseId = o.activity.case_id;
    let subject = email::with_case_token(&email::reply_subject(&o.answered.subject), case);
    let (in_reply_to, references) = switchboard_domain::threading::reply_headers(
        o.answered.message_id.as_deref(),
        &o.answered.references,
    );
    let n = NewActivity {
        customer_id: o.activity.customer_id,
        case_id: Some(case),
        channel: ChannelKind::OutboundEmail,
        subject: subject.chars().take(2000).collect(),
        priority: Priority::default(),
        due_at: None,
        queue_id: None,
        sub_status: None,
        category_id: None,
        custom_attributes: Default::default(),
    };
    let outbound = activities::insert(c, &n, o.actor, now).await?;
    let next = match o.hold {
        Some(queue_id) => ActivityAction::Queue { queue_id },
        None => ActivityAction::Complete,
    };
    let outbound = activities::act(c, outbound.id, next, None, o.actor, now).await?;
    let row = EmailRow {
        // The conversation's department (the alias's, unless a workflow handed the email over):
        // the customer's answer threads there.
        department_id: o.activity.department_id,
        alias_id: Some(alias.id),
        mailbox_alias_id: None,
        direction: Direction::Outbound,
        source_key: None,
        raw_blob: None,
        raw_size: 0,
        message_id: Some(new_message_id(&alias.address)),
        in_reply_to,
        references,
        from: Some(Mailbox {
            name: (!alias.display_name.is_empty()).then(|| alias.display_name.clone()),
            address: alias.address.to_string(),
        }),
        reply_to: vec![],
        to: o.to,
        cc: o.cc,
        subject,
        text: o.text,
        html: o.html,
        sent_at: Some(now),
        kind: if o.automatic {
            EmailKind::AutoReply
        } else {
            EmailKind::Normal
        },
        kind_reason: String::new(),
        outcome: Outcome::Outbound,
        outcome_reason: if o.hold.is_some() {
            "waiting for review".into()
        } else {
            String::new()
        },
        thread_rule: None,
        case_id: Some(case),
        activity_id: Some(outbound.id),
        automatic: o.automatic,
        attachments: o.attachments,
    };
    let email_id = insert_email(c, &row, now).await?;
    if o.hold.is_none() {
        insert_entry(c, email_id, alias.id, now).await?;
    }
    Ok((email_id, outbound))
}

/// The mail of an agent's reply, addressed and composed.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyMail {
    /// To.
    pub to: Vec<Mailbox>,
    /// Cc.
    pub cc: Vec<Mailbox>,
    /// Text body.
    pub text: String,
    /// HTML body.
    pub html: Option<String>,
    /// Files.
    pub attachments: Vec<StoredAttachment>,
    /// Who writes it.
    pub actor: Actor,
    /// The review queue it waits in instead of the outbox.
    pub hold: Option<QueueId>,
}

/// Writes an agent's reply to `activity`: its outbound activity on the same case (completed, or
/// waiting in review queue `mail.hold`), the email with the case token, thread ids and a new
/// Message-ID, and (unless held) the outbox entry.
pub(crate) async fn enqueue_reply(
    c: &mut AnyConnection,
    activity: &Activity,
    answered: &AnsweredEmail,
    alias: &Alias,
    mail: ReplyMail,
    now: Timestamp,
) -> Result<(EmailId, Activity), StoreError> {
    let o = Outgoing {
        activity,
        answered,
        alias,
        to: mail.to,
        cc: mail.cc,
        text: mail.text,
        html: mail.html,
        attachments: mail.attachments,
        automatic: false,
        actor: mail.actor,
        hold: mail.hold,
    };
    enqueue(c, o, now).await
}

/// Inside a write job: queues an automatic answer to `activity`'s inbound email (nothing when
/// that email was itself automatic).
pub(crate) async fn automatic_in(
    c: &mut AnyConnection,
    activity: &Activity,
    text: String,
    html: Option<String>,
    now: Timestamp,
) -> Result<Option<EmailId>, StoreError> {
    let ans = answered(c, activity.id).await?;
    if ans.kind.is_automatic() {
        return Ok(None);
    }
    let to = ans.default_recipients();
    if to.is_empty() {
        return Ok(None);
    }
    let alias = aliases::fetch(&mut *c, ans.alias_id).await?;
    let o = Outgoing {
        activity,
        answered: &ans,
        alias: &alias,
        to,
        cc: vec![],
        text,
        html,
        attachments: vec![],
        automatic: true,
        actor: Actor::System,
        hold: None,
    };
    Ok(Some(enqueue(c, o, now).await?.0))
}

/// Inside a write job: queues a notification to staff about `case`, sent from `alias`. It is
/// not part of the customer's conversation: no activity, no thread.
pub(crate) async fn notification_in(
    c: &mut AnyConnection,
    alias: &switchboard_domain::Alias,
    to: Vec<Mailbox>,
    subject: String,
    text: String,
    case: Option<CaseId>,
    now: Timestamp,
) -> Result<EmailId, StoreError> {
    let row = EmailRow {
        department_id: alias.department_id,
        alias_id: Some(alias.id),
        mailbox_alias_id: None,
        direction: Direction::Outbound,
        source_key: None,
        raw_blob: None,
        raw_size: 0,
        message_id: Some(new_message_id(&alias.address)),
        in_reply_to: vec![],
        references: vec![],
        from: Some(Mailbox {
            name: (!alias.display_name.is_empty()).then(|| alias.display_name.clone()),
            address: alias.address.to_string(),
        }),
        reply_to: vec![],
        to,
        cc: vec![],
        subject: subject.chars().take(2000).collect(),
        text,
        html: None,
        sent_at: Some(now),
        kind: EmailKind::AutoReply,
        kind_reason: "notification".into(),
        outcome: Outcome::Outbound,
        outcome_reason: String::new(),
        thread_rule: None,
        case_id: case,
        activity_id: None,
        automatic: true,
        attachments: vec![],
    };
    let email_id = insert_email(c, &row, now).await?;
    insert_entry(c, email_id, alias.id, now).await?;
    Ok(email_id)
}

/// Puts a stored outbound email in the outbox, due now.
pub(crate) async fn insert_entry(
    c: &mut AnyConnection,
    email: EmailId,
    alias: AliasId,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (email_id, alias_id, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, 'pending', 0, $3, $3)",
    )
    .bind(email.0)
    .bind(alias.0)
    .bind(now.millis())
    .execute(&mut *c)
    .await?;
    Ok(())
}

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

impl Store {
    /// Queues an automatic message (auto-acknowledgement, workflow notice) answering an
    /// activity's inbound email. Returns `None` without sending when that email was itself
    /// automatic: we never send an automatic message to an automatic message.
    pub async fn send_automatic(
        &self,
        activity_id: ActivityId,
        text: String,
        html: Option<String>,
        now: Timestamp,
    ) -> Result<Option<EmailId>, StoreError> {
        let out = self
            .inner
            .writer
            .write(move |c| {
                let (text, html) = (text.clone(), html.clone());
                Box::pin(async move {
                    let a = activities::fetch(&mut *c, activity_id).await?;
                    automatic_in(c, &a, text, html, now).await
                })
            })
            .await?;
        if out.is_some() {
            self.inner.notify.outbox_changed();
        }
        Ok(out)
    }

    /// Puts entries whose claim ran out (the process sending them died, or stopped renewing)
    /// back to `pending`; returns how many. An entry another live process is sending keeps its
    /// claim, so this never causes a second send.
    pub async fn outbox_recover(&self, now: Timestamp) -> Result<u64, StoreError> {
        self.inner
            .writer
            .write(move |c| {
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
        self.inner
            .writer
            .write(move |c| {
                let ids = ids.clone();
                Box::pin(async move {
                    for chunk in ids.chunks(IDS_PER_STATEMENT) {
                        let sql = format!(
                            "UPDATE outbox SET claimed_until = $1 WHERE status = 'sending' AND id IN ({})",
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

    /// Claims up to `limit` due entries for sending until `claim_until` (marks them `sending`,
    /// counts the attempt). An entry is claimed by one process only: the update takes only
    /// entries still pending, and only those it took are returned.
    pub async fn outbox_claim(
        &self,
        limit: u32,
        now: Timestamp,
        claim_until: Timestamp,
    ) -> Result<Vec<OutboundMessage>, StoreError> {
        let mut claimed = self
            .inner
            .writer
            .write(move |c| {
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
                        let sql = format!(
                            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_until = $1 \
                             WHERE status = 'pending' AND id IN ({}) RETURNING id",
                            int_list(chunk.iter().copied())
                        );
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
        self.inner
            .writer
            .write(move |c| {
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
        self.inner
            .writer
            .write(move |c| {
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
        self.inner
            .writer
            .write(move |c| {
                let (status, error) = (
                    status.clone(),
                    storable(&error).chars().take(2000).collect::<String>(),
                );
                Box::pin(async move {
                    let (email_id, dept, activity) = outbound_activity(c, outbox_id).await?;
                    sqlx::query(
                        "UPDATE outbox SET status = 'failed', last_error = $1 WHERE id = $2",
                    )
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
