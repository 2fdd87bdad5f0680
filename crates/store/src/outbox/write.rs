//! Mail into the outbox, inside the write job of the change that produced it: an agent's reply
//! (with its outbound activity), an automatic answer, a notification to staff.

use sqlx::AnyConnection;
use switchboard_domain::{
    Activity, ActivityAction, ActivityId, Actor, Alias, AliasId, CaseId, ChannelKind, Direction,
    EmailAddress, EmailId, EmailKind, Mailbox, NewActivity, Outcome, Priority, QueueId,
    StoredAttachment, Timestamp, ValidationError, email,
};

use crate::Store;
use crate::activities::{self};
use crate::aliases;
use crate::emails::{EmailRow, insert_email};
use crate::error::StoreError;

use super::{AnsweredEmail, answered};

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
    // A held reply is never offered to its author for review.
    let details = switchboard_domain::event::TransitionDetails {
        not_for_user_id: o.hold.and(o.actor.user_id()),
        ..switchboard_domain::event::TransitionDetails::default()
    };
    let outbound = activities::act_with(c, outbound.id, next, None, o.actor, details, now).await?;
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

/// Inside a write job: queues an automatic message about `case` sent from `alias` — a
/// notification to staff, a chat's transcript — with `reason` as its kind's reason. It answers
/// no email: no activity, no thread.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn automatic_mail_in(
    c: &mut AnyConnection,
    alias: &switchboard_domain::Alias,
    to: Vec<Mailbox>,
    subject: String,
    text: String,
    case: Option<CaseId>,
    reason: &str,
    now: Timestamp,
) -> Result<EmailId, StoreError> {
    let m = SystemMail {
        to,
        subject,
        text,
        attachments: vec![],
    };
    system_mail_in(c, alias, m, case, reason, now).await
}

/// An automatic message that answers nothing, with its files already in the blob store.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemMail {
    /// Its recipients.
    pub to: Vec<Mailbox>,
    /// Its subject.
    pub subject: String,
    /// Its text.
    pub text: String,
    /// Its files (each with its blob).
    pub attachments: Vec<switchboard_domain::StoredAttachment>,
}

/// Inside a write job: queues `m` from `alias` (see [`automatic_mail_in`]).
pub(crate) async fn system_mail_in(
    c: &mut AnyConnection,
    alias: &switchboard_domain::Alias,
    m: SystemMail,
    case: Option<CaseId>,
    reason: &str,
    now: Timestamp,
) -> Result<EmailId, StoreError> {
    let SystemMail {
        to,
        subject,
        text,
        attachments,
    } = m;
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
        kind_reason: reason.into(),
        outcome: Outcome::Outbound,
        outcome_reason: String::new(),
        thread_rule: None,
        case_id: case,
        activity_id: None,
        automatic: true,
        attachments,
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
            .writes(move |c| {
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
}
