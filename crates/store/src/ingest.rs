//! Inbound email → customer, case and activity, in one transaction.
//!
//! The retriever stores the raw bytes in the blob store first and hands the parsed content here.
//! One write job decides everything with what is committed at that moment (so a reply that
//! arrives right after its first message always finds it): idempotency on the mailbox's source
//! key, routing on the original recipient, hygiene (blocked senders, blocked attachments), bounce
//! linking, threading (In-Reply-To, References, case token), then the activity. Whatever goes
//! wrong with a message that was fetched, it is recorded: a message that cannot be processed is
//! kept raw with an activity in the exception queue.

use sqlx::AnyConnection;
use switchboard_domain::{
    Activity, ActivityId, Actor, Alias, CaseId, ChannelKind, ContactKind, ContactPoint, CustomerId,
    DepartmentId, EmailAddress, EmailId, EmailKind, EmailSettings, EventKind, InboundContent,
    InboundEmail, IngestResult, NewActivity, NewCustomer, Outcome, Priority, QueueId, ThreadRule,
    Timestamp, email,
};

use crate::Store;
use crate::activities::{self, NewEvent};
use crate::emails::{EmailRow, insert_email};
use crate::error::StoreError;
use crate::sql::col;
use crate::{aliases, cases, customers, queues};

/// The customer that holds mail without a usable sender address (one per department). The
/// `.invalid` top-level domain can never be delivered to.
pub const UNKNOWN_SENDER: &str = "unknown-sender@switchboard.invalid";

/// Longest subject kept on an activity (the email keeps the whole subject).
const MAX_ACTIVITY_SUBJECT: usize = 2000;

impl Store {
    /// Stores one inbound message and turns it into work. Idempotent on
    /// (`mailbox_alias_id`, `source_key`): the same message again creates nothing and returns the
    /// first result with `created: false`. If processing fails for any reason but an unavailable
    /// database, the message is still recorded, with an activity in the exception queue.
    pub async fn ingest_email(
        &self,
        mail: InboundEmail,
        now: Timestamp,
    ) -> Result<IngestResult, StoreError> {
        let m = mail.clone();
        let first = self
            .inner
            .writer
            .write(move |c| {
                let m = m.clone();
                Box::pin(async move { ingest(c, &m, now).await })
            })
            .await;
        match first {
            Ok(r) => Ok(r),
            Err(e @ StoreError::Unavailable(_)) => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, source = %mail.source_key, "inbound email could not be processed; recording it for the exception queue");
                let reason = format!("processing failed: {e}");
                self.inner
                    .writer
                    .write(move |c| {
                        let (m, reason) = (mail.clone(), reason.clone());
                        Box::pin(async move {
                            if let Some(done) = already(c, &m).await? {
                                return Ok(done);
                            }
                            let alias = aliases::fetch(&mut *c, m.mailbox_alias_id).await?;
                            let mut row = EmailRow::inbound(&m, alias.department_id, &alias);
                            row.outcome_reason = reason;
                            to_exception_queue(c, row, None, "processing_failed", now).await
                        })
                    })
                    .await
            }
        }
    }
}

/// The earlier result for the same source, if this message was stored before.
async fn already(
    c: &mut AnyConnection,
    m: &InboundEmail,
) -> Result<Option<IngestResult>, StoreError> {
    let row = sqlx::query(
        "SELECT id, outcome, activity_id, case_id FROM emails WHERE mailbox_alias_id = $1 AND source_key = $2",
    )
    .bind(m.mailbox_alias_id.0)
    .bind(&m.source_key)
    .fetch_optional(&mut *c)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(IngestResult {
        email_id: EmailId(col(&r, "id")?),
        created: false,
        outcome: crate::sql::parsed(&r, "outcome", Outcome::parse)?,
        activity_id: col::<Option<i64>>(&r, "activity_id")?.map(ActivityId),
        case_id: col::<Option<i64>>(&r, "case_id")?.map(CaseId),
    }))
}

async fn ingest(
    c: &mut AnyConnection,
    m: &InboundEmail,
    now: Timestamp,
) -> Result<IngestResult, StoreError> {
    if let Some(done) = already(c, m).await? {
        return Ok(done);
    }
    let mailbox = aliases::fetch(&mut *c, m.mailbox_alias_id).await?;
    let Some(content) = &m.content else {
        let mut row = EmailRow::inbound(m, mailbox.department_id, &mailbox);
        row.outcome_reason = m
            .parse_error
            .clone()
            .unwrap_or_else(|| "the message could not be parsed".into());
        return to_exception_queue(c, row, None, "unparseable", now).await;
    };
    let alias = routed_alias(c, &mailbox, content).await?;
    let dept = alias.department_id;
    let settings = email_settings(c, dept).await?;
    let mut row = EmailRow::inbound(m, dept, &alias);
    for a in &mut row.attachments {
        if settings.blocked_attachment(&a.name) {
            a.blob = None;
        }
    }
    // A bounce is about mail we sent, whoever (or nothing) signs it.
    if content.kind == EmailKind::Bounce {
        return record_bounce(c, row, content, now).await;
    }
    let sender = content
        .from
        .as_ref()
        .and_then(|f| EmailAddress::parse(&f.address).ok());
    let Some(sender) = sender else {
        row.outcome_reason = "the message has no usable sender address".into();
        return to_exception_queue(c, row, None, "no_sender", now).await;
    };
    if let Some(why) = settings.blocked_sender(sender.as_str()) {
        row.outcome = Outcome::Blocked;
        row.outcome_reason = why;
        let id = insert_email(c, &row, now).await?;
        return Ok(result(id, Outcome::Blocked, None, None));
    }
    let (case, rule) = thread(c, dept, content, &sender).await?;
    row.thread_rule = Some(rule);
    let customer = find_or_create_customer(c, dept, &sender, content, now).await?;
    if content.kind.is_automatic() {
        if let Some(case) = case {
            row.case_id = Some(case);
            row.outcome = Outcome::Attached;
            row.outcome_reason = format!("{} in a known thread", content.kind.as_str());
            let id = insert_email(c, &row, now).await?;
            return Ok(result(id, Outcome::Attached, None, Some(case)));
        }
        row.outcome_reason = format!("{} outside any known thread", content.kind.as_str());
        return to_exception_queue(c, row, Some(customer), content.kind.as_str(), now).await;
    }
    let queue = match alias.queue_id {
        Some(q) => q,
        None => queues::exception_queue(&mut *c, dept).await?.id,
    };
    let activity = create_activity(c, case, customer, &content.subject, queue, None, now).await?;
    row.case_id = Some(activity.case_id);
    row.activity_id = Some(activity.id);
    row.outcome = if alias.queue_id.is_some() {
        Outcome::Activity
    } else {
        Outcome::ExceptionQueue
    };
    if alias.queue_id.is_none() {
        row.outcome_reason = "the alias has no queue".into();
    }
    let id = insert_email(c, &row, now).await?;
    Ok(result(
        id,
        row.outcome,
        Some(activity.id),
        Some(activity.case_id),
    ))
}

fn result(
    email_id: EmailId,
    outcome: Outcome,
    activity_id: Option<ActivityId>,
    case_id: Option<CaseId>,
) -> IngestResult {
    IngestResult {
        email_id,
        created: true,
        outcome,
        activity_id,
        case_id,
    }
}

/// The alias the message was really sent to: the first original recipient that is one of our
/// active aliases (servers rewrite To, several aliases may share one mailbox), else the mailbox's.
async fn routed_alias(
    c: &mut AnyConnection,
    mailbox: &Alias,
    content: &InboundContent,
) -> Result<Alias, StoreError> {
    for r in content.original_recipients.iter().take(20) {
        let Ok(addr) = EmailAddress::parse(r) else {
            continue;
        };
        if addr.lookup_key() == mailbox.address.lookup_key() {
            return Ok(mailbox.clone());
        }
        if let Some(a) = aliases::by_address_key(c, &addr.lookup_key()).await? {
            return Ok(a);
        }
    }
    Ok(mailbox.clone())
}

/// The department's hygiene settings (defaults when never set).
pub(crate) async fn email_settings(
    c: &mut AnyConnection,
    dept: DepartmentId,
) -> Result<EmailSettings, StoreError> {
    let row = sqlx::query("SELECT settings FROM email_settings WHERE department_id = $1")
        .bind(dept.0)
        .fetch_optional(&mut *c)
        .await?;
    match row {
        Some(r) => crate::sql::json(&r, "settings"),
        None => Ok(EmailSettings::default()),
    }
}

/// Finds the case a message continues, and which rule matched.
async fn thread(
    c: &mut AnyConnection,
    dept: DepartmentId,
    content: &InboundContent,
    sender: &EmailAddress,
) -> Result<(Option<CaseId>, ThreadRule), StoreError> {
    for id in content.in_reply_to.iter().take(20) {
        if let Some(case) = case_of_message(c, dept, id).await? {
            return Ok((Some(case), ThreadRule::InReplyTo));
        }
    }
    for id in content.references.iter().rev().take(50) {
        if let Some(case) = case_of_message(c, dept, id).await? {
            return Ok((Some(case), ThreadRule::References));
        }
    }
    for case in email::case_tokens(&content.subject).into_iter().take(5) {
        if is_participant(c, dept, case, sender).await? {
            return Ok((Some(case), ThreadRule::CaseToken));
        }
    }
    Ok((None, ThreadRule::NewCase))
}

/// The case of a message we stored or sent with this Message-ID.
async fn case_of_message(
    c: &mut AnyConnection,
    dept: DepartmentId,
    message_id: &str,
) -> Result<Option<CaseId>, StoreError> {
    let key = message_id.trim().to_lowercase();
    if key.is_empty() {
        return Ok(None);
    }
    let r = sqlx::query(
        "SELECT case_id FROM emails WHERE department_id = $1 AND message_id_key = $2 AND case_id IS NOT NULL \
         ORDER BY id LIMIT 1",
    )
    .bind(dept.0)
    .bind(key)
    .fetch_optional(&mut *c)
    .await?;
    r.map(|r| col::<i64>(&r, "case_id").map(CaseId)).transpose()
}

/// Whether `sender` takes part in `case` of `dept`: it is the case's customer's address, or it
/// wrote into the case before.
async fn is_participant(
    c: &mut AnyConnection,
    dept: DepartmentId,
    case: CaseId,
    sender: &EmailAddress,
) -> Result<bool, StoreError> {
    let key = sender.lookup_key();
    let r = sqlx::query(
        "SELECT 1 AS hit FROM cases k WHERE k.id = $1 AND k.department_id = $2 AND (\
           EXISTS (SELECT 1 FROM contact_points p WHERE p.customer_id = k.customer_id AND p.kind = 'email' AND p.value_key = $3) \
           OR EXISTS (SELECT 1 FROM emails e WHERE e.case_id = k.id AND e.from_key = $3))",
    )
    .bind(case.0)
    .bind(dept.0)
    .bind(key)
    .fetch_optional(&mut *c)
    .await?;
    Ok(r.is_some())
}

async fn find_or_create_customer(
    c: &mut AnyConnection,
    dept: DepartmentId,
    sender: &EmailAddress,
    content: &InboundContent,
    now: Timestamp,
) -> Result<CustomerId, StoreError> {
    let key = sender.lookup_key();
    if let Some(found) = customers::by_contact(c, dept, ContactKind::Email, &key).await? {
        return Ok(found.id);
    }
    let name = content
        .from
        .as_ref()
        .and_then(|f| f.name.clone())
        .map(|n| n.trim().chars().take(200).collect::<String>())
        .filter(|n| !n.is_empty() && !n.chars().any(char::is_control))
        .unwrap_or_default();
    let new = NewCustomer {
        department_id: dept,
        name,
        contact_points: vec![ContactPoint {
            kind: ContactKind::Email,
            value: sender.as_str().to_string(),
        }],
        attributes: Default::default(),
    };
    Ok(customers::insert(c, new, now).await?.id)
}

async fn unknown_sender(
    c: &mut AnyConnection,
    dept: DepartmentId,
    now: Timestamp,
) -> Result<CustomerId, StoreError> {
    if let Some(found) = customers::by_contact(c, dept, ContactKind::Email, UNKNOWN_SENDER).await? {
        return Ok(found.id);
    }
    let new = NewCustomer {
        department_id: dept,
        name: "Unknown sender".into(),
        contact_points: vec![ContactPoint {
            kind: ContactKind::Email,
            value: UNKNOWN_SENDER.into(),
        }],
        attributes: Default::default(),
    };
    Ok(customers::insert(c, new, now).await?.id)
}

/// Creates the inbound activity (joining `case` when threaded; an activity belongs to its case's
/// customer, so a colleague answering in a thread adds to that customer's case).
async fn create_activity(
    c: &mut AnyConnection,
    case: Option<CaseId>,
    customer: CustomerId,
    subject: &str,
    queue: QueueId,
    sub_status: Option<&str>,
    now: Timestamp,
) -> Result<Activity, StoreError> {
    let customer_id = match case {
        Some(k) => cases::fetch(&mut *c, k).await?.customer_id,
        None => customer,
    };
    let subject: String = subject
        .trim()
        .chars()
        .filter(|ch| !ch.is_control())
        .take(MAX_ACTIVITY_SUBJECT)
        .collect();
    let n = NewActivity {
        customer_id,
        case_id: case,
        channel: ChannelKind::InboundEmail,
        subject,
        priority: Priority::default(),
        due_at: None,
        queue_id: Some(queue),
        sub_status: sub_status.map(str::to_string),
        custom_attributes: Default::default(),
    };
    activities::insert(c, &n, Actor::System, now).await
}

/// Records a message nobody can route as an activity in the exception queue.
async fn to_exception_queue(
    c: &mut AnyConnection,
    mut row: EmailRow,
    customer: Option<CustomerId>,
    why: &str,
    now: Timestamp,
) -> Result<IngestResult, StoreError> {
    let dept = row.department_id;
    let customer = match customer {
        Some(cu) => cu,
        None => unknown_sender(c, dept, now).await?,
    };
    let queue = queues::exception_queue(&mut *c, dept).await?.id;
    let subject = if row.subject.trim().is_empty() {
        format!("({why})")
    } else {
        row.subject.clone()
    };
    let activity = create_activity(c, None, customer, &subject, queue, Some(why), now).await?;
    row.case_id = Some(activity.case_id);
    row.activity_id = Some(activity.id);
    row.outcome = Outcome::ExceptionQueue;
    if row.outcome_reason.is_empty() {
        row.outcome_reason = why.to_string();
    }
    let id = insert_email(c, &row, now).await?;
    Ok(result(
        id,
        Outcome::ExceptionQueue,
        Some(activity.id),
        Some(activity.case_id),
    ))
}

/// A bounce: linked to the message of ours it reports on, recorded as a delivery exception, and
/// never handed to an agent as a new case.
async fn record_bounce(
    c: &mut AnyConnection,
    mut row: EmailRow,
    content: &InboundContent,
    now: Timestamp,
) -> Result<IngestResult, StoreError> {
    let dept = row.department_id;
    let bounce = content
        .bounce
        .clone()
        .unwrap_or(switchboard_domain::BounceInfo {
            original_message_id: None,
            recipients: vec![],
            permanent: true,
        });
    let mut original: Option<(EmailId, Option<ActivityId>, Option<CaseId>)> = None;
    let mut candidates: Vec<&String> = bounce.original_message_id.iter().collect();
    candidates.extend(content.in_reply_to.iter());
    candidates.extend(content.references.iter().rev());
    for id in candidates.into_iter().take(20) {
        let r = sqlx::query(
            "SELECT id, activity_id, case_id FROM emails WHERE department_id = $1 AND message_id_key = $2 \
             AND direction = 'outbound' ORDER BY id LIMIT 1",
        )
        .bind(dept.0)
        .bind(id.trim().to_lowercase())
        .fetch_optional(&mut *c)
        .await?;
        if let Some(r) = r {
            original = Some((
                EmailId(col(&r, "id")?),
                col::<Option<i64>>(&r, "activity_id")?.map(ActivityId),
                col::<Option<i64>>(&r, "case_id")?.map(CaseId),
            ));
            break;
        }
    }
    row.outcome = Outcome::DeliveryException;
    row.case_id = original.and_then(|o| o.2);
    row.outcome_reason = match original {
        Some((id, _, _)) => format!("bounce of email {id}"),
        None => "bounce of a message we did not send (or no longer have)".into(),
    };
    let bounce_id = insert_email(c, &row, now).await?;
    let recipients: Vec<(Option<String>, Option<String>, String)> = if bounce.recipients.is_empty()
    {
        vec![(None, None, content.kind_reason.clone())]
    } else {
        bounce
            .recipients
            .iter()
            .map(|r| {
                (
                    Some(r.address.clone()),
                    r.status.clone(),
                    r.diagnostic
                        .clone()
                        .unwrap_or_else(|| content.kind_reason.clone()),
                )
            })
            .collect()
    };
    let (email_id, activity_id) = original.map_or((None, None), |o| (Some(o.0), o.1));
    for (recipient, status, reason) in &recipients {
        crate::emails::insert_delivery_exception(
            c,
            &crate::emails::NewDeliveryException {
                department_id: dept,
                email_id,
                bounce_email_id: Some(bounce_id),
                activity_id,
                recipient: recipient.clone(),
                status: status.clone(),
                reason: reason.clone(),
                permanent: bounce.permanent,
            },
            now,
        )
        .await?;
    }
    if let Some(activity) = activity_id {
        let a = activities::fetch(&mut *c, activity).await?;
        let data = serde_json::json!({
            "bounce_email_id": bounce_id,
            "recipients": recipients.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            "permanent": bounce.permanent,
        });
        activities::append_event(
            c,
            activity,
            NewEvent {
                kind: EventKind::DeliveryFailed,
                from: Some(a.status),
                to: a.status,
                actor: Actor::System,
                data,
            },
            now,
        )
        .await?;
    }
    Ok(result(
        bounce_id,
        Outcome::DeliveryException,
        None,
        row.case_id,
    ))
}
