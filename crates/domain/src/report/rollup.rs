//! Rollups: the event log folded into 15-minute intervals, per queue and per agent, so a report
//! over a month reads a few thousand rows instead of millions of events. [`fold`] takes one
//! event and what is known of its activity so far ([`Tracked`]) and adds to the intervals; it is
//! the only place that says what an event counts as, so the incremental rollup and a rebuild
//! from scratch agree by construction, and a test recomputes the same figures independently.
//!
//! What counts:
//! - a queue's **arrived** work is its first `queued` event; later `queued` events move the work:
//!   **transferred out** of the queue it was in, **transferred in** to the new one;
//! - **answered**: the first offer or assignment after the work was queued, with the wait since
//!   it was queued (summed, and counted per [`WAIT_BOUNDS_SECS`] bound for service levels);
//! - **abandoned** and **completed** count in the queue the work was last in;
//! - an agent's **offered**, **accepted**, **declined**, **missed** (offer timed out),
//!   **assigned**, and **completed** with the handle time since the agent accepted or started;
//! - a **wait told** (`wait_told`) is a fact of its own, kept whole for the Expected-Wait
//!   Accuracy report's percentiles: it ends at the first offer, assignment or acceptance after
//!   it (answered, with the wait since it was told) or at an abandonment, whichever comes first.

use std::collections::BTreeMap;

use crate::channel::ChannelKind;
use crate::event::{ActivityEvent, EventPayload};
use crate::ids::{ActivityId, DepartmentId, QueueId, UserId};
use crate::report::{WaitEnd, WaitFact};

/// An interval's length: 15 minutes, in ms.
pub const INTERVAL_MS: i64 = 15 * 60 * 1000;

/// The wait bounds (seconds) whose "answered within" counts are kept, for service levels.
pub const WAIT_BOUNDS_SECS: [i64; 5] = [20, 30, 60, 120, 300];

/// The start of the 15-minute interval holding `at_ms` (UTC).
pub fn interval_of(at_ms: i64) -> i64 {
    at_ms - at_ms.rem_euclid(INTERVAL_MS)
}

/// What the rollup remembers of an activity between events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    /// The activity.
    pub activity: ActivityId,
    /// Its department.
    pub department: DepartmentId,
    /// Its channel.
    pub channel: ChannelKind,
    /// The queue it is (or was last) in.
    pub queue: Option<QueueId>,
    /// When it entered that queue, while it waits for an answer.
    pub waiting_since: Option<i64>,
    /// Whether it was ever answered (offered or assigned).
    pub answered: bool,
    /// The agent it was last offered to.
    pub offered_to: Option<UserId>,
    /// The agent working it.
    pub agent: Option<UserId>,
    /// When that agent accepted, was assigned or started it.
    pub working_since: Option<i64>,
    /// Whether a wait told to its customer has not ended yet.
    pub told_open: bool,
}

impl Tracked {
    /// An activity not seen before.
    pub fn new(activity: ActivityId, department: DepartmentId, channel: ChannelKind) -> Tracked {
        Tracked {
            activity,
            department,
            channel,
            queue: None,
            waiting_since: None,
            answered: false,
            offered_to: None,
            agent: None,
            working_since: None,
            told_open: false,
        }
    }
}

/// A queue's interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueueKey {
    /// Interval start (ms, UTC).
    pub interval: i64,
    /// The department.
    pub department: DepartmentId,
    /// The queue.
    pub queue: QueueId,
    /// The channel.
    pub channel: ChannelKind,
}

/// A queue's figures in one interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueFigures {
    /// Work that entered the queue for the first time.
    pub arrived: i64,
    /// Work moved in from another queue.
    pub transferred_in: i64,
    /// Work moved out to another queue.
    pub transferred_out: i64,
    /// Work offered or assigned for the first time since it was queued.
    pub answered: i64,
    /// The waits of the answered work, summed (ms).
    pub wait_ms: i64,
    /// Answered within each of [`WAIT_BOUNDS_SECS`].
    pub within: [i64; 5],
    /// Work abandoned while in the queue.
    pub abandoned: i64,
    /// Work completed (counted in the queue it was last in).
    pub completed: i64,
}

impl QueueFigures {
    /// Adds `o` to these figures.
    pub fn add(&mut self, o: &QueueFigures) {
        self.arrived += o.arrived;
        self.transferred_in += o.transferred_in;
        self.transferred_out += o.transferred_out;
        self.answered += o.answered;
        self.wait_ms += o.wait_ms;
        for (a, b) in self.within.iter_mut().zip(o.within) {
            *a += b;
        }
        self.abandoned += o.abandoned;
        self.completed += o.completed;
    }
}

/// An agent's interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgentKey {
    /// Interval start (ms, UTC).
    pub interval: i64,
    /// The department of the work.
    pub department: DepartmentId,
    /// The agent.
    pub agent: UserId,
    /// The channel.
    pub channel: ChannelKind,
}

/// An agent's figures in one interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentFigures {
    /// Offers made to the agent.
    pub offered: i64,
    /// Offers the agent accepted.
    pub accepted: i64,
    /// Offers the agent declined.
    pub declined: i64,
    /// Offers that ran out of time.
    pub missed: i64,
    /// Work given to the agent directly.
    pub assigned: i64,
    /// Work the agent completed.
    pub completed: i64,
    /// The handle time of that work, summed (ms): from accepting (or being assigned, or
    /// starting) to completing.
    pub handle_ms: i64,
}

impl AgentFigures {
    /// Adds `o` to these figures.
    pub fn add(&mut self, o: &AgentFigures) {
        self.offered += o.offered;
        self.accepted += o.accepted;
        self.declined += o.declined;
        self.missed += o.missed;
        self.assigned += o.assigned;
        self.completed += o.completed;
        self.handle_ms += o.handle_ms;
    }
}

/// A wait told, as the batch that told it leaves it (maybe ended in the same batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitRow {
    /// The activity whose customer was told.
    pub activity: ActivityId,
    /// Its department.
    pub department: DepartmentId,
    /// What was told, and how it ended so far.
    pub fact: WaitFact,
}

/// The end of every wait told to an activity's customer in earlier batches and still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitEnded {
    /// The activity.
    pub activity: ActivityId,
    /// When its waits ended (ms).
    pub at: i64,
    /// Whether the customer left (else the work was answered).
    pub abandoned: bool,
}

/// Figures added by a batch of events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rollup {
    /// Per queue and interval.
    pub queues: BTreeMap<QueueKey, QueueFigures>,
    /// Per agent and interval.
    pub agents: BTreeMap<AgentKey, AgentFigures>,
    /// The waits told in the batch.
    pub told: Vec<WaitRow>,
    /// Waits told before the batch that ended in it.
    pub ended: Vec<WaitEnded>,
}

impl Rollup {
    fn queue(&mut self, t: &Tracked, queue: QueueId, at: i64) -> &mut QueueFigures {
        self.queues
            .entry(QueueKey {
                interval: interval_of(at),
                department: t.department,
                queue,
                channel: t.channel,
            })
            .or_default()
    }

    fn agent(&mut self, t: &Tracked, agent: UserId, at: i64) -> &mut AgentFigures {
        self.agents
            .entry(AgentKey {
                interval: interval_of(at),
                department: t.department,
                agent,
                channel: t.channel,
            })
            .or_default()
    }

    /// Adds another batch's figures.
    pub fn merge(&mut self, o: &Rollup) {
        for (k, v) in &o.queues {
            self.queues.entry(*k).or_default().add(v);
        }
        for (k, v) in &o.agents {
            self.agents.entry(*k).or_default().add(v);
        }
        for e in &o.ended {
            self.end_waits(e.activity, e.at, e.abandoned);
        }
        self.told.extend(o.told.iter().cloned());
    }

    /// Ends the waits told to `activity`'s customer that are still open: those told in this
    /// batch here, earlier ones as an [`WaitEnded`].
    fn end_waits(&mut self, activity: ActivityId, at: i64, abandoned: bool) {
        let mut here = false;
        for w in self.told.iter_mut().filter(|w| w.activity == activity) {
            if w.fact.end == WaitEnd::Waiting {
                w.fact.end = if abandoned {
                    WaitEnd::Abandoned
                } else {
                    WaitEnd::Answered {
                        waited_ms: (at - w.fact.at_ms).max(0),
                    }
                };
                here = true;
            }
        }
        if !here {
            self.ended.push(WaitEnded {
                activity,
                at,
                abandoned,
            });
        }
    }
}

/// Folds event `e` of the activity `t` tracks into `out`, and updates `t`.
pub fn fold(t: &mut Tracked, e: &ActivityEvent, out: &mut Rollup) {
    let at = e.at.millis();
    match &e.payload {
        EventPayload::Queued(q) => {
            match t.queue {
                Some(from) if from != q.queue_id => {
                    out.queue(t, from, at).transferred_out += 1;
                    out.queue(t, q.queue_id, at).transferred_in += 1;
                }
                Some(_) => {}
                None => out.queue(t, q.queue_id, at).arrived += 1,
            }
            t.queue = Some(q.queue_id);
            t.waiting_since = Some(at);
            t.agent = None;
            t.working_since = None;
        }
        EventPayload::WaitTold(w) => {
            out.told.push(WaitRow {
                activity: t.activity,
                department: t.department,
                fact: WaitFact {
                    at_ms: at,
                    queue_id: w.queue_id.0,
                    told_secs: i64::try_from(w.expected_wait_secs).unwrap_or(i64::MAX),
                    end: WaitEnd::Waiting,
                },
            });
            t.told_open = true;
        }
        EventPayload::Offered(o) => {
            out.agent(t, o.agent_id, at).offered += 1;
            t.offered_to = Some(o.agent_id);
            answer(t, at, out);
            told_ends(t, at, false, out);
        }
        EventPayload::Assigned(a) => {
            out.agent(t, a.agent_id, at).assigned += 1;
            answer(t, at, out);
            told_ends(t, at, false, out);
            t.agent = Some(a.agent_id);
            t.working_since = Some(at);
        }
        EventPayload::Accepted(_) => {
            if let Some(agent) = e.actor.user_id().or(t.offered_to) {
                out.agent(t, agent, at).accepted += 1;
                t.agent = Some(agent);
            }
            t.working_since = Some(at);
            told_ends(t, at, false, out);
        }
        EventPayload::Declined(_) => {
            if let Some(agent) = e.actor.user_id().or(t.offered_to) {
                out.agent(t, agent, at).declined += 1;
            }
            requeued(t);
        }
        EventPayload::OfferTimedOut(_) => {
            if let Some(agent) = t.offered_to {
                out.agent(t, agent, at).missed += 1;
            }
            requeued(t);
        }
        EventPayload::Started(_) => {
            if t.agent.is_none() {
                t.agent = e.actor.user_id();
            }
            if t.working_since.is_none() {
                t.working_since = Some(at);
            }
        }
        EventPayload::Completed(_) => {
            if let Some(q) = t.queue {
                out.queue(t, q, at).completed += 1;
            }
            if let Some(agent) = t.agent.or(e.actor.user_id()) {
                let handled = t.working_since.map_or(0, |since| (at - since).max(0));
                let f = out.agent(t, agent, at);
                f.completed += 1;
                f.handle_ms += handled;
            }
            t.waiting_since = None;
            t.working_since = None;
        }
        EventPayload::Abandoned(_) => {
            if let Some(q) = t.queue {
                out.queue(t, q, at).abandoned += 1;
            }
            t.waiting_since = None;
            t.working_since = None;
            told_ends(t, at, true, out);
        }
        _ => {}
    }
}

/// The first answer since the work was queued ends its wait.
fn answer(t: &mut Tracked, at: i64, out: &mut Rollup) {
    if let (Some(q), Some(since)) = (t.queue, t.waiting_since.take()) {
        let wait = (at - since).max(0);
        let f = out.queue(t, q, at);
        f.answered += 1;
        f.wait_ms += wait;
        for (n, bound) in f.within.iter_mut().zip(WAIT_BOUNDS_SECS) {
            if wait <= bound * 1000 {
                *n += 1;
            }
        }
        t.answered = true;
    }
}

/// An answer or abandonment ends the waits told that are still open.
fn told_ends(t: &mut Tracked, at: i64, abandoned: bool, out: &mut Rollup) {
    if std::mem::take(&mut t.told_open) {
        out.end_waits(t.activity, at, abandoned);
    }
}

/// A declined or missed offer puts the work back in its queue: neither a new arrival nor a new
/// wait (its wait was answered by the offer).
fn requeued(t: &mut Tracked) {
    t.offered_to = None;
    t.agent = None;
    t.working_since = None;
}

/// A hole in the event ids after the rollup's cursor: the first missing id and when it was
/// first seen (ms). On PostgreSQL an id can commit after a higher one, so a hole may fill in;
/// one that stays past the grace period was a rolled-back write (or deleted work) and is passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// The first missing id.
    pub id: i64,
    /// When it was first seen (ms).
    pub since: i64,
}

/// How many of `ids` (ascending, all after `after`) may be folded at `now`: up to the first
/// hole, unless that hole has been known for `grace_ms` (`known`), and the hole to remember.
/// With no grace (a single writer, as on SQLite, leaves no hole that can fill) all may.
pub fn foldable(
    after: i64,
    ids: &[i64],
    known: Option<Gap>,
    now: i64,
    grace_ms: i64,
) -> (usize, Option<Gap>) {
    if grace_ms <= 0 {
        return (ids.len(), None);
    }
    let mut expected = after + 1;
    for (i, id) in ids.iter().enumerate() {
        if *id != expected {
            match known {
                Some(g) if g.id == expected && now - g.since >= grace_ms => {}
                Some(g) if g.id == expected => return (i, Some(g)),
                _ => {
                    return (
                        i,
                        Some(Gap {
                            id: expected,
                            since: now,
                        }),
                    );
                }
            }
        }
        expected = id + 1;
    }
    (ids.len(), None)
}
