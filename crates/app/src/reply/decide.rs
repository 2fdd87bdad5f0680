//! The pure rules of a reply: which events it records on the answered activity and on its
//! outbound activity, and whether the answered activity completes now.

use switchboard_domain::event::{Replied, ReviewRequested};
use switchboard_domain::{Activity, ActivityStatus, Actor, EmailId, EventPayload, QueueId};
use switchboard_store::NewEvent;

/// What a written reply records.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyEvents {
    /// On the answered activity, in order: `replied`, the outbound workflows' runs and
    /// changes, the notifications, and `review_requested` when the reply waits for review.
    pub answered: Vec<NewEvent>,
    /// On the outbound activity: `review_requested` with what finishing the review needs.
    pub outbound: Option<NewEvent>,
    /// Whether the answered activity completes now ("Send & Complete", not held for review:
    /// a held reply completes it when approved).
    pub complete: bool,
}

/// The reply as written: its email, the outbound activity that carries it, who wrote it, the
/// review queue it waits in and whether its author asked for "Send & Complete".
#[derive(Debug, Clone, Copy)]
pub struct Written<'a> {
    /// The reply email.
    pub email: EmailId,
    /// Its outbound activity.
    pub outbound: &'a Activity,
    /// Who wrote it.
    pub actor: Actor,
    /// The review queue it waits in; none when it went to the outbox.
    pub hold: Option<QueueId>,
    /// Whether the answered activity is to complete.
    pub complete: bool,
}

/// What the reply `w` to activity `a` records, with the outbound workflows' events and the
/// notifications' events.
pub fn events(
    a: &Activity,
    w: &Written<'_>,
    workflow: Vec<NewEvent>,
    notified: Vec<NewEvent>,
) -> ReplyEvents {
    let Written {
        email,
        outbound,
        actor,
        hold,
        complete,
    } = *w;
    let status: ActivityStatus = a.status;
    let replied = Replied {
        email_id: email,
        outbound_activity_id: outbound.id,
        review_queue_id: hold,
    };
    let mut answered = vec![NewEvent::by(actor, status, EventPayload::Replied(replied))];
    answered.extend(workflow);
    answered.extend(notified);
    let outbound_event = hold.map(|q| {
        let requested = ReviewRequested::Answered {
            email_id: email,
            outbound_activity_id: outbound.id,
            review_queue_id: q,
        };
        answered.push(NewEvent::by(
            actor,
            status,
            EventPayload::ReviewRequested(requested),
        ));
        let held = ReviewRequested::Held {
            email_id: email,
            answered_activity_id: a.id,
            author_id: actor.user_id(),
            complete,
            review_queue_id: q,
        };
        NewEvent::by(actor, outbound.status, EventPayload::ReviewRequested(held))
    });
    ReplyEvents {
        answered,
        outbound: outbound_event,
        complete: complete && hold.is_none(),
    }
}

#[cfg(test)]
mod tests;
