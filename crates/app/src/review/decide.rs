//! What a reviewer's decision on a held reply changes: a pure decision over the held reply and
//! the two activities as the write transaction read them.

use switchboard_domain::event::{ReviewApproved, ReviewRejected};
use switchboard_domain::{Activity, ActivityAction, Actor, EventPayload, Timestamp, UserId};
use switchboard_store::{HeldReply, ReplySettlement};

/// A reviewer's decision on a held reply.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewDecision {
    /// Send it, with the reviewer's edits if any.
    Approve {
        /// New subject.
        subject: Option<String>,
        /// New text body.
        text: Option<String>,
        /// New HTML body.
        html: Option<String>,
        /// A note for the author.
        comment: Option<String>,
    },
    /// Do not send it; the author gets the comment.
    Reject {
        /// Why (required).
        comment: String,
    },
}

/// What finishing a review changes.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewPlan {
    /// What becomes of the reply's email.
    pub settlement: ReplySettlement,
    /// Whether the reply goes to the outbox (approved).
    pub send: bool,
    /// The reviewer takes the outbound activity first, because it cannot complete where it is
    /// (still waiting in the review queue, or offered).
    pub take: Option<UserId>,
    /// The event recorded on the outbound activity and on the answered one.
    pub event: EventPayload,
    /// The answered activity completes too: approved, the author asked for "Send & Complete",
    /// and it can still complete.
    pub complete_answered: bool,
}

/// Decides a review of `held`, the reply outbound activity `outbound` holds; `answered` is the
/// activity it answers (when it still exists).
pub fn decide(
    decision: &ReviewDecision,
    held: &HeldReply,
    outbound: &Activity,
    answered: Option<&Activity>,
    reviewer: Actor,
    now: Timestamp,
) -> ReviewPlan {
    let review_ms = now.millis() - held.since.millis();
    let (settlement, event, approved) = match decision {
        ReviewDecision::Approve {
            subject,
            text,
            html,
            comment,
        } => (
            ReplySettlement::Approved {
                subject: subject.clone(),
                text: text.clone(),
                html: html.clone(),
            },
            EventPayload::ReviewApproved(ReviewApproved {
                email_id: held.email,
                reviewer_id: reviewer.user_id(),
                edited: subject.is_some() || text.is_some() || html.is_some(),
                comment: comment.clone(),
                review_ms,
                outbound_activity_id: outbound.id,
            }),
            true,
        ),
        ReviewDecision::Reject { comment } => (
            ReplySettlement::Rejected {
                reason: format!("rejected in review: {comment}"),
            },
            EventPayload::ReviewRejected(ReviewRejected {
                email_id: held.email,
                reviewer_id: reviewer.user_id(),
                comment: comment.clone(),
                review_ms,
                outbound_activity_id: outbound.id,
                author_id: held.author,
            }),
            false,
        ),
    };
    let take = reviewer
        .user_id()
        .filter(|_| ActivityAction::Complete.apply(outbound.state()).is_err());
    let complete_answered = approved
        && held.complete
        && answered.is_some_and(|a| {
            !a.status.is_final() && ActivityAction::Complete.apply(a.state()).is_ok()
        });
    ReviewPlan {
        settlement,
        send: approved,
        take,
        event,
        complete_answered,
    }
}

#[cfg(test)]
mod tests;
