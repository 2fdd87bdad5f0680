//! Future work: an activity that may not be offered before a set time (a delayed callback, a
//! call to try again). The router holds it aside — in no lane, no queue figure, no expected
//! wait — and a timer enqueues it when its time comes; its age in the queue counts from then.

use switchboard_domain::{ActivityId, DepartmentId, Timestamp};

use crate::Router;
use crate::model::{Action, MoveReason, NewWork, RouteError};
use crate::timers::Timer;

/// Work held until its time.
#[derive(Debug, Clone)]
pub(crate) struct Future {
    pub(crate) new: NewWork,
    pub(crate) department: DepartmentId,
}

impl Router {
    /// Holds `new` until its `not_before` (later than `now`); its queue must be known now.
    pub(crate) fn hold_future(&mut self, new: NewWork, at: Timestamp) -> Result<(), RouteError> {
        let qi = *self
            .queue_index
            .get(&new.queue)
            .ok_or(RouteError::UnknownQueue(new.queue))?;
        let department = self
            .queues
            .get(qi)
            .map(|q| q.rules.department_id)
            .ok_or(RouteError::UnknownQueue(new.queue))?;
        self.timers
            .set(at.millis(), Timer::Due(new.activity, at.millis()));
        self.future.insert(new.activity, Future { new, department });
        Ok(())
    }

    /// The timer of future work `id` for time `at` fired: unless it was re-timed or left
    /// meanwhile, it enters its queue now (its department's exception queue when its queue is
    /// gone).
    pub(crate) fn due(&mut self, now: Timestamp, id: ActivityId, at: i64, out: &mut Vec<Action>) {
        if self
            .future
            .get(&id)
            .is_none_or(|f| f.new.not_before.map(Timestamp::millis) != Some(at))
        {
            return;
        }
        if let Some(f) = self.future.remove(&id) {
            self.release_future(now, f, out);
        }
    }

    /// Future work `id` is wanted now (a transfer): it enters its queue at once.
    pub(crate) fn due_now(&mut self, now: Timestamp, id: ActivityId, out: &mut Vec<Action>) {
        if let Some(f) = self.future.remove(&id) {
            self.release_future(now, f, out);
        }
    }

    fn release_future(&mut self, now: Timestamp, f: Future, out: &mut Vec<Action>) {
        let Future {
            mut new,
            department,
        } = f;
        new.not_before = None;
        if new.arrived_at.millis() < now.millis() {
            new.arrived_at = now;
        }
        if !self.queue_index.contains_key(&new.queue) {
            let exception = self
                .departments
                .get(&department)
                .and_then(|d| d.exception_queue)
                .filter(|q| self.queue_index.contains_key(q));
            out.push(Action::Move {
                activity: new.activity,
                from: new.queue,
                to: exception,
                reason: MoveReason::QueueUnavailable,
                abandoned: false,
                group: None,
            });
            let Some(q) = exception else {
                return;
            };
            new.queue = q;
            new.pin = None;
        }
        // The queue is known (checked above), and the work is in no other place.
        let _ = self.enqueue(now, new, out);
    }
}
