//! Recording the wait a customer was told: the activity and its events read (gather), whether
//! an estimate is due for this stay in a queue (`domain::report::wait_told_due`, decide), then
//! the `wait_told` event appended (apply). The Expected-Wait Accuracy report reads these.

use switchboard_domain::event::WaitTold;
use switchboard_domain::report::wait_told_due;
use switchboard_domain::{ActivityId, Actor, EventId, EventKind, EventPayload, Timestamp};
use switchboard_store::{NewEvent, PageRequest, StoreError};

use crate::App;

/// The most events read to decide (a chat or callback has a few dozen at most).
const MAX_PAGES: usize = 20;

impl App {
    /// Records that the customer waiting on activity `id` was told to expect `expected_wait_secs`
    /// (at `position`, when shown), unless an estimate was already recorded since the activity
    /// was last queued, or it is in no queue. Answers whether it was recorded.
    pub async fn tell_wait(
        &self,
        id: ActivityId,
        expected_wait_secs: u64,
        position: Option<u32>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let a = self.store.activity(id).await?;
        let Some(queue_id) = a.queue_id else {
            return Ok(false);
        };
        let mut seen: Vec<(EventId, EventKind)> = Vec::new();
        let mut page = PageRequest::first(500);
        for _ in 0..MAX_PAGES {
            let p = self.store.activity_events(id, &page).await?;
            seen.extend(p.items.iter().map(|e| (e.id, e.payload.kind())));
            match p.next_cursor {
                Some(c) => page = PageRequest::parse(Some(500), Some(&c))?,
                None => break,
            }
        }
        if !wait_told_due(&seen) {
            return Ok(false);
        }
        let told = WaitTold {
            queue_id,
            expected_wait_secs,
            position,
        };
        self.store
            .write(move |mut tx| {
                let told = told.clone();
                Box::pin(async move {
                    let a = tx.activity(id).await?;
                    let e = NewEvent::by(Actor::System, a.status, EventPayload::WaitTold(told));
                    tx.append_events(id, vec![e], now).await
                })
            })
            .await?;
        Ok(true)
    }
}
