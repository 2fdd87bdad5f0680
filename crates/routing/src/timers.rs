//! Deadlines: a min-heap of timers. A timer carries the generation of what it watches; when
//! that changed meanwhile (the offer was accepted, the work left the queue), the timer is void
//! and dropped when it comes up, which is cheaper than finding and removing it early.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use switchboard_domain::ActivityId;

/// What a timer does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    /// The offer runs out (phase generation).
    OfferExpiry(ActivityId, u64),
    /// The personalized wait ends (phase generation).
    Reservation(ActivityId, u64),
    /// The task runs past its max duration (phase generation).
    TaskLife(ActivityId, u64),
    /// A precision queue's next step applies (queue generation).
    Widen(ActivityId, u64),
    /// The work waited too long (queue generation).
    MaxWait(ActivityId, u64),
    /// An agent who logged out keeps unstarted work no longer (agent index, session).
    LogoutReturn(usize, u64),
    /// Future work's time has come (the time it was set for, ms).
    Due(ActivityId, i64),
}

/// Pending timers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(i64, u64, Timer)>>,
    seq: u64,
}

impl Timers {
    /// Fires `timer` at `at` (ms); timers due at the same time fire in the order set.
    pub(crate) fn set(&mut self, at: i64, timer: Timer) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, timer)));
    }

    /// The earliest pending deadline (possibly of a void timer).
    pub(crate) fn next(&self) -> Option<i64> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Takes the earliest timer due at or before `now`.
    pub(crate) fn pop_due(&mut self, now: i64) -> Option<(i64, Timer)> {
        if self.next()? > now {
            return None;
        }
        self.heap.pop().map(|Reverse((at, _, t))| (at, t))
    }

    /// How many are pending (void ones included).
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}
