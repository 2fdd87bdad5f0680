//! Review of held replies. A reviewer approves a reply (perhaps edited): its outbox entry is
//! written and it leaves from the alias the customer wrote to; or rejects it with a comment: it
//! is never sent, and the author sees the comment on the activity they answered. Either way the
//! outbound activity completes; review time is its own pair of events.
//!
//! - **Gather** (in the write): the outbound activity, the reply it holds, the answered activity.
//! - **Decide**: [`decide::decide`].
//! - **Apply**: settle the email, queue it when approved, let the reviewer take the outbound
//!   activity when it cannot complete where it is, record the event on both activities,
//!   complete the outbound one and, for "Send & Complete", the answered one.

pub mod decide;

use switchboard_domain::{
    Activity, ActivityAction, ActivityId, Actor, EmailId, Timestamp, ValidationError,
};
use switchboard_store::{NewEvent, StoreError, Tx};

use crate::App;
pub use decide::{ReviewDecision, ReviewPlan};

/// What a review decided.
#[derive(Debug, Clone)]
pub struct ReviewResult {
    /// The reply's email.
    pub email_id: EmailId,
    /// The reply's outbound activity (completed).
    pub outbound: Activity,
    /// The answered activity.
    pub answered: Option<ActivityId>,
    /// Approved (sent) or not.
    pub approved: bool,
}

impl App {
    /// A reviewer's decision on the reply held in outbound activity `id`.
    pub async fn review(
        &self,
        id: ActivityId,
        decision: ReviewDecision,
        reviewer: Actor,
        now: Timestamp,
    ) -> Result<ReviewResult, StoreError> {
        if let ReviewDecision::Reject { comment } = &decision
            && comment.trim().is_empty()
        {
            return Err(ValidationError::new("comment", "say why the reply is rejected").into());
        }
        let out = self
            .store
            .write(move |tx| {
                let decision = decision.clone();
                Box::pin(async move { review(tx, id, &decision, reviewer, now).await })
            })
            .await;
        if out.is_ok() {
            self.store.notify().outbox_changed();
            self.store.notify().routing_work_changed();
        }
        out
    }
}

async fn review(
    mut tx: Tx<'_>,
    id: ActivityId,
    decision: &ReviewDecision,
    reviewer: Actor,
    now: Timestamp,
) -> Result<ReviewResult, StoreError> {
    let outbound = tx.activity(id).await?;
    let held = tx.held_reply(&outbound).await?;
    let answered = match held.answered {
        Some(a) => Some(tx.activity(a).await?),
        None => None,
    };
    let plan = decide::decide(decision, &held, &outbound, answered.as_ref(), reviewer, now);
    tx.settle_reply(held.email, &plan.settlement, now).await?;
    if plan.send {
        tx.queue_for_sending(held.email, held.alias, now).await?;
    }
    let before = match plan.take {
        Some(agent_id) => {
            tx.act(id, ActivityAction::Assign { agent_id }, reviewer, now)
                .await?
        }
        None => outbound,
    };
    let e = NewEvent::by(reviewer, before.status, plan.event.clone());
    tx.append_events(id, vec![e], now).await?;
    let outbound = tx.act(id, ActivityAction::Complete, reviewer, now).await?;
    if let Some(a) = answered {
        let e = NewEvent::by(reviewer, a.status, plan.event);
        tx.append_events(a.id, vec![e], now).await?;
        if plan.complete_answered {
            tx.act(a.id, ActivityAction::Complete, reviewer, now)
                .await?;
        }
    }
    Ok(ReviewResult {
        email_id: held.email,
        outbound,
        answered: held.answered,
        approved: plan.send,
    })
}
