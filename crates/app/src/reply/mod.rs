//! Replies by email: the agent's answer to an email activity.
//!
//! - **Gather** (in the write): the activity (answerable by email), the email it answers and
//!   its alias, the saved draft (its files go along when asked; it is gone afterwards), the
//!   standard parts around the body, the case's participants (unless the caller may write to
//!   anyone), the outbound workflows' plan (review, changes, notifications).
//! - **Decide**: [`decide`] — default recipients, the events on both activities, whether the
//!   answered activity completes now.
//! - **Apply**: the outbound activity, email and (unless held for review) outbox entry, the
//!   notifications, the events, "Send & Complete".

pub mod decide;
pub mod outbound;

use switchboard_domain::draft::check_attachments;
use switchboard_domain::{
    Activity, ActivityAction, ActivityId, Actor, EmailAddress, EmailId, Mailbox, NewReply, QueueId,
    Timestamp, ValidationError, email,
};
use switchboard_store::{ReplyMail, StoreError, Tx};

use crate::App;
use crate::library::LibraryCache;
use outbound::OutboundDraft;

/// What a reply created.
#[derive(Debug, Clone)]
pub struct ReplyResult {
    /// The outbound email (in the outbox, or held for review).
    pub email_id: EmailId,
    /// The outbound activity on the same case.
    pub outbound: Activity,
    /// The answered activity after the reply (completed with "Send & Complete", unless the
    /// reply waits for review).
    pub activity: Activity,
    /// The review queue where the reply waits; `None` when it went to the outbox.
    pub review_queue: Option<QueueId>,
}

impl App {
    /// Answers an email activity: the outbound email, its outbound activity on the same case and
    /// the outbox entry are written in one transaction with the `replied` event (and, for "Send &
    /// Complete", the completion of the answered activity).
    pub async fn reply(
        &self,
        activity: ActivityId,
        reply: NewReply,
        actor: Actor,
        now: Timestamp,
    ) -> Result<ReplyResult, StoreError> {
        let out = self
            .store
            .write({
                let library = std::sync::Arc::clone(&self.library);
                move |tx| {
                    let reply = reply.clone();
                    let library = std::sync::Arc::clone(&library);
                    Box::pin(
                        async move { reply_in(tx, &library, activity, reply, actor, now).await },
                    )
                }
            })
            .await?;
        self.store.notify().outbox_changed();
        self.store.notify().routing_work_changed();
        Ok(out)
    }
}

fn mailboxes(list: &[EmailAddress]) -> Vec<Mailbox> {
    list.iter()
        .map(|a| Mailbox {
            name: None,
            address: a.to_string(),
        })
        .collect()
}

async fn reply_in(
    mut tx: Tx<'_>,
    library: &LibraryCache,
    id: ActivityId,
    mut reply: NewReply,
    actor: Actor,
    now: Timestamp,
) -> Result<ReplyResult, StoreError> {
    let mut a = tx.activity(id).await?;
    a.answerable()
        .map_err(|e| StoreError::Conflict(e.to_string()))?;
    let ans = tx.answered_email(a.id).await?;
    let alias = tx.alias(ans.alias_id).await?;
    // The reply sends the draft: its files go too when asked, and it is gone.
    if reply.draft_attachments
        && let Some(d) = tx.draft(a.id).await?
    {
        reply.attachments.extend(d.attachments);
        check_attachments(reply.attachments.len())?;
    }
    tx.delete_draft(a.id).await?;
    if reply.compose
        && let Some((text, html)) = crate::compose::reply(
            &mut tx,
            &a,
            &alias,
            actor.user_id(),
            &reply.text,
            reply.html.as_deref(),
        )
        .await?
    {
        reply.text = text;
        reply.html = Some(html);
    }
    if !reply.any_recipient && (!reply.to.is_empty() || !reply.cc.is_empty()) {
        let known = tx.participants(&a).await?;
        if let Some((field, address)) = email::outside_participants(&reply.to, &reply.cc, &known) {
            return Err(ValidationError::new(
                field,
                format!(
                    "{address} took no part in this case: write to the customer or to addresses \
                     of its thread (a supervisor may write to others)"
                ),
            )
            .into());
        }
    }
    let to = if reply.to.is_empty() {
        ans.default_recipients()
    } else {
        mailboxes(&reply.to)
    };
    let cc = mailboxes(&reply.cc);
    let subject = email::reply_subject(&ans.subject);
    let people = |l: &[Mailbox]| l.iter().map(|m| m.address.clone()).collect();
    let draft = OutboundDraft {
        subject,
        to: people(&to),
        cc: people(&cc),
        text: reply.text.clone(),
    };
    let lib = library.current(&mut tx).await?;
    let plan = outbound::plan(&mut tx, &lib, &mut a, actor.user_id(), &draft, now).await?;
    let mail = ReplyMail {
        to,
        cc,
        text: reply.text,
        html: reply.html,
        attachments: reply.attachments,
        actor,
        hold: plan.review,
    };
    let (email_id, outbound) = tx.enqueue_reply(&a, &ans, &alias, mail, now).await?;
    let notified = outbound::notify(&mut tx, &a, ans.alias_id, &plan.notify, now).await?;
    let written = decide::Written {
        email: email_id,
        outbound: &outbound,
        actor,
        hold: plan.review,
        complete: reply.complete,
    };
    let recorded = decide::events(&a, &written, plan.events, notified);
    if let Some(e) = recorded.outbound {
        tx.append_events(outbound.id, vec![e], now).await?;
    }
    tx.append_events(a.id, recorded.answered, now).await?;
    let activity = if recorded.complete {
        tx.act(a.id, ActivityAction::Complete, actor, now).await?
    } else {
        tx.activity(a.id).await?
    };
    Ok(ReplyResult {
        email_id,
        outbound,
        activity,
        review_queue: plan.review,
    })
}
