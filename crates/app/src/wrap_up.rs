//! Wrapping work up: the activity as it is now (gather), the domain's decision
//! ([`switchboard_domain::wrap_up::wrap_up`]: the category change and the `wrapped_up` event),
//! the category checked in the activity's department, then saved with its events in one write
//! (apply). Completing stays a life-cycle action of its own, which the router runs.

use std::sync::Arc;

use switchboard_domain::wrap_up::{WrapUp, WrapUpRefused, wrap_up};
use switchboard_domain::{Activity, ActivityId, Actor, EventPayload, Timestamp, ValidationError};
use switchboard_store::{NewEvent, StoreError};

use crate::App;

impl App {
    /// Wraps activity `id` up as `actor` with `input`'s category and note; answers the activity
    /// as saved. Refused (409) when the work is not in hand, 422 for a category of another
    /// department or a note that is too long.
    pub async fn wrap_up(
        &self,
        id: ActivityId,
        input: WrapUp,
        actor: Actor,
        now: Timestamp,
    ) -> Result<Activity, StoreError> {
        let input = Arc::new(input);
        self.store
            .write(move |mut tx| {
                let input = Arc::clone(&input);
                Box::pin(async move {
                    let mut a = tx.activity(id).await?;
                    let plan = wrap_up(&mut a, &input).map_err(|r| match r {
                        WrapUpRefused::Invalid(e) => StoreError::Invalid(e),
                        WrapUpRefused::NotInHand(s) => StoreError::Conflict(format!(
                            "only work in hand is wrapped up; this one is {}",
                            s.as_str()
                        )),
                    })?;
                    if let Some(k) = input.category_id
                        && let Some(why) = tx.category_refusal(a.department_id, k).await?
                    {
                        return Err(ValidationError::new("category_id", why).into());
                    }
                    let mut events = Vec::new();
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
                    tx.append_events(id, events, now).await?;
                    tx.activity(id).await
                })
            })
            .await
    }
}
