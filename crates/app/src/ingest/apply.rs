//! Applying an inbound plan to the activity just created (its email row is written): run
//! records, acknowledgement, automatic answer (completing the activity when asked),
//! notifications.

use switchboard_domain::event::{Acknowledged, AutoReplied, Notified};
use switchboard_domain::{Activity, ActivityAction, Actor, Alias, EventPayload, Timestamp};
use switchboard_store::{NewEvent, StoreError, Tx};

use super::plan::InboundPlan;
use crate::compose;

/// Sends what the plan says and returns the events to append.
pub(super) async fn apply_inbound(
    tx: &mut Tx<'_>,
    plan: InboundPlan,
    activity: &Activity,
    alias: &Alias,
    now: Timestamp,
) -> Result<Vec<NewEvent>, StoreError> {
    let mut events = Vec::new();
    let event = |payload: EventPayload| NewEvent::system(activity.status, payload);
    for r in plan.runs {
        events.push(event(EventPayload::WorkflowRan(r)));
    }
    if plan.acknowledge.is_none() && plan.auto_reply.is_none() && plan.notify.is_empty() {
        return Ok(events);
    }
    let values = compose::values(tx, activity, alias).await?;
    if let Some(article) = plan.acknowledge {
        let (text, html) = compose::composed(tx, &plan.parts, article, &values).await?;
        if let Some(email) = tx.automatic_reply(activity, text, Some(html), now).await? {
            events.push(event(EventPayload::Acknowledged(Acknowledged {
                email_id: email,
                article_id: article,
            })));
        }
    }
    if let Some((article, complete)) = plan.auto_reply {
        let (text, html) = compose::composed(tx, &plan.parts, article, &values).await?;
        if let Some(email) = tx.automatic_reply(activity, text, Some(html), now).await? {
            events.push(event(EventPayload::AutoReplied(AutoReplied {
                email_id: email,
                article_id: article,
                complete,
            })));
        }
    }
    let sent = crate::notify::send_with(tx, activity, alias, &plan.notify, &values, now).await?;
    for (email, n) in sent.into_iter().zip(plan.notify) {
        events.push(event(EventPayload::Notified(Notified {
            email_id: email,
            to: n.to,
        })));
    }
    Ok(events)
}

/// Completes an activity an automatic answer settled (it never reaches a queue).
pub(super) async fn complete_settled(
    tx: &mut Tx<'_>,
    activity: &Activity,
    now: Timestamp,
) -> Result<(), StoreError> {
    tx.act(activity.id, ActivityAction::Complete, Actor::System, now)
        .await?;
    Ok(())
}
