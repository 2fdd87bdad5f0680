//! An agent records how a call went: the callback and its activity as they are now (gather),
//! `domain::callback::decide` (done, offered again at a time, or unreachable), then in one write
//! (apply) the `callback_attempted` event, a wrap-up when the customer was reached, and the
//! activity completed — or put back in its queue with `not_before`, which the router follows —
//! and, for an unreachable customer who gave an address, word by email.

use std::sync::Arc;

use switchboard_domain::callback::{Callback, CallbackState, Next, OutcomeInput, decide, mail};
use switchboard_domain::event::{CallbackAttempted, EventPayload, TransitionDetails};
use switchboard_domain::wrap_up::{WrapUp, wrap_up};
use switchboard_domain::{
    Activity, ActivityAction, ActivityId, ActivityStatus, Actor, Mailbox, Timestamp,
    ValidationError,
};
use switchboard_store::{NewEvent, StoreError, Tx};

use crate::App;

/// A recorded call.
#[derive(Debug, Clone)]
pub struct RecordedCall {
    /// The callback after the call.
    pub callback: Callback,
    /// Its activity after the call.
    pub activity: Activity,
    /// What follows.
    pub next: Next,
    /// Whether the customer was told by email that we could not reach them.
    pub customer_told: bool,
}

/// Refuses what is not a callback in the caller's hand.
fn in_hand(a: &Activity, cb: &Callback) -> Result<(), StoreError> {
    if !a.channel.is_callback() {
        return Err(StoreError::Conflict(
            "this activity is not a callback".into(),
        ));
    }
    if !matches!(
        a.status,
        ActivityStatus::Assigned | ActivityStatus::InProgress | ActivityStatus::Paused
    ) || cb.state != CallbackState::Pending
    {
        return Err(StoreError::Conflict(format!(
            "only a callback in hand takes a call's outcome; this one is {}",
            a.status.as_str()
        )));
    }
    Ok(())
}

/// Mails the customer that we could not reach them, when they gave an address and the
/// department has one to send from.
async fn tell_unreachable(
    tx: &mut Tx<'_>,
    a: &Activity,
    cb: &Callback,
    wrong_number: bool,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let Some(address) = &cb.email else {
        return Ok(false);
    };
    let Some(alias) = tx.notification_sender(a.id, a.department_id).await? else {
        return Ok(false);
    };
    let ep = tx.entry_point(cb.entry_point_id).await?;
    let (subject, text) = mail::unreachable(&ep.widget.title, &cb.name, &cb.phone, wrong_number);
    let to = Mailbox {
        name: Some(cb.name.clone()),
        address: address.clone(),
    };
    tx.automatic_mail(
        &alias,
        to,
        subject,
        text,
        Some(a.case_id),
        "callback unreachable",
        now,
    )
    .await?;
    Ok(true)
}

async fn record_in(
    tx: &mut Tx<'_>,
    id: ActivityId,
    input: &OutcomeInput,
    actor: Actor,
    now: Timestamp,
) -> Result<RecordedCall, StoreError> {
    let mut a = tx.activity(id).await?;
    let mut cb = tx.callback(id).await?;
    in_hand(&a, &cb)?;
    let settings = tx.callback_settings(a.department_id).await?;
    let (made, next) = decide(input, cb.attempts, &settings, now)?;
    if let Some(k) = input.category_id
        && let Some(why) = tx.category_refusal(a.department_id, k).await?
    {
        return Err(ValidationError::new("category_id", why).into());
    }
    let unreachable = next == Next::Unreachable;
    let mut events = vec![NewEvent::by(
        actor,
        a.status,
        EventPayload::CallbackAttempted(CallbackAttempted {
            attempt: made,
            outcome: input.outcome,
            note: input.note.trim().to_string(),
            next_at: match next {
                Next::Retry { at } => Some(at),
                _ => None,
            },
            unreachable,
        }),
    )];
    if next == Next::Done && (input.category_id.is_some() || !input.note.trim().is_empty()) {
        let w = WrapUp {
            category_id: input.category_id,
            note: input.note.clone(),
        };
        let plan = wrap_up(&mut a, &w)
            .map_err(|_| StoreError::Conflict("the callback could not be wrapped up".into()))?;
        if let Some(changed) = plan.changes {
            tx.save_activity(&a, now).await?;
            events.push(NewEvent::by(
                actor,
                a.status,
                EventPayload::Updated(changed),
            ));
        }
        events.push(NewEvent::by(
            actor,
            a.status,
            EventPayload::WrappedUp(plan.event),
        ));
    }
    if next == Next::Done {
        let rule = tx.wrap_up_settings(a.department_id).await?;
        switchboard_domain::wrap_up::ready_to_complete(rule, &a)?;
    }
    tx.append_events(id, events, now).await?;
    cb.attempts = made;
    cb.last_outcome = Some(input.outcome);
    let mut customer_told = false;
    let activity = match next {
        Next::Done | Next::Unreachable => {
            cb.state = if unreachable {
                CallbackState::Unreachable
            } else {
                CallbackState::Reached
            };
            cb.due_at = None;
            if unreachable {
                let wrong = input.outcome == switchboard_domain::callback::CallOutcome::WrongNumber;
                customer_told = tell_unreachable(tx, &a, &cb, wrong, now).await?;
            }
            tx.act_with(
                id,
                ActivityAction::Complete,
                actor,
                TransitionDetails {
                    reason: unreachable.then(|| "unreachable".to_string()),
                    ..TransitionDetails::default()
                },
                now,
            )
            .await?
        }
        Next::Retry { at } => {
            cb.due_at = Some(at);
            let queue_id = match a.queue_id {
                Some(q) => q,
                None => tx.exception_queue(a.department_id).await?,
            };
            tx.act_with(
                id,
                ActivityAction::Queue { queue_id },
                actor,
                TransitionDetails {
                    reason: Some("call_again".to_string()),
                    not_before: Some(at),
                    ..TransitionDetails::default()
                },
                now,
            )
            .await?
        }
    };
    tx.save_callback(&cb, now).await?;
    Ok(RecordedCall {
        callback: cb,
        activity,
        next,
        customer_told,
    })
}

impl App {
    /// Records how a call of callback `id` went, as `actor`. 422 naming the field at fault (a
    /// time in the past, a category of another department); 409 when the activity is not a
    /// callback in hand.
    pub async fn record_call(
        &self,
        id: ActivityId,
        input: OutcomeInput,
        actor: Actor,
        now: Timestamp,
    ) -> Result<RecordedCall, StoreError> {
        let input = Arc::new(input);
        let done = self
            .store
            .write(move |mut tx| {
                let input = Arc::clone(&input);
                Box::pin(async move { record_in(&mut tx, id, &input, actor, now).await })
            })
            .await?;
        self.store.notify().routing_work_changed();
        if done.customer_told {
            self.store.notify().outbox_changed();
        }
        Ok(done)
    }
}
