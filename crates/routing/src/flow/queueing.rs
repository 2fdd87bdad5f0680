//! Work entering and leaving queues: limits, reservations (personalized assignment), lanes,
//! timers for widening and waiting too long, the exception queue.

use switchboard_domain::{ActivityId, ChannelKind, QueueKind, Timestamp};

use crate::Router;
use crate::model::{Action, MoveReason, NewWork, Pin, RouteError};
use crate::state::{LaneKey, Phase, Work, ch};
use crate::timers::Timer;

impl Router {
    /// The agents work is never offered to (its `not_for`, when the router knows them): kept
    /// among those who declined it, wherever it waits.
    pub(crate) fn barred(&self, new: &NewWork) -> Vec<usize> {
        new.not_for
            .and_then(|u| self.agent_index.get(&u).copied())
            .into_iter()
            .collect()
    }

    /// Work `id` starts waiting afresh: kept only from its barred agent and `also` (who gave
    /// it away).
    pub(crate) fn reset_declined(&mut self, id: ActivityId, also: Option<usize>) {
        let barred = self
            .work
            .get(&id)
            .map(|w| self.barred(&w.new))
            .unwrap_or_default();
        if let Some(w) = self.work.get_mut(&id) {
            w.declined = barred;
            w.declined.extend(also);
        }
    }

    pub(crate) fn enqueue(
        &mut self,
        now: Timestamp,
        new: NewWork,
        out: &mut Vec<Action>,
    ) -> Result<(), RouteError> {
        if self.work.contains_key(&new.activity) || self.future.contains_key(&new.activity) {
            return Err(RouteError::AlreadyRouted(new.activity));
        }
        if let Some(at) = new.not_before
            && at.millis() > now.millis()
        {
            return self.hold_future(new, at);
        }
        let qi = *self
            .queue_index
            .get(&new.queue)
            .ok_or(RouteError::UnknownQueue(new.queue))?;
        let Some(slot) = self.queues.get(qi) else {
            return Err(RouteError::UnknownQueue(new.queue));
        };
        let dept = slot.rules.department_id;
        let id = new.activity;
        let interruptible = self
            .departments
            .get(&dept)
            .map_or_else(
                || new.channel.default_settings(),
                |d| d.channel(new.channel),
            )
            .interruptible;
        let group = match new.pin {
            Some(Pin::Group(g)) => Some(g),
            _ => None,
        };
        let declined = self.barred(&new);
        let mut new = new;
        // Work barred from an agent is not reserved for them either.
        if new.not_for.is_some() && new.last_agent == new.not_for {
            new.last_agent = None;
        }
        self.work.insert(
            id,
            Work {
                new,
                department: dept,
                queue: qi,
                lane: None,
                group,
                phase: Phase::Waiting { reserved_for: None },
                declined,
                phase_gen: 0,
                queue_gen: 0,
                counted_gen: 0,
                personal_done: false,
                interruptible,
                filed: false,
            },
        );
        self.start_waiting(now, id, out);
        Ok(())
    }

    /// Work has just entered its queue (new, transferred, or evicted into the exception queue):
    /// limits, reservation, timers, then a try to place it.
    pub(crate) fn start_waiting(&mut self, now: Timestamp, id: ActivityId, out: &mut Vec<Action>) {
        let Some(w) = self.work.get_mut(&id) else {
            return;
        };
        w.queue_gen += 1;
        let (qi, dept, c, gen_) = (w.queue, w.department, ch(w.new.channel), w.queue_gen);
        let Some(slot) = self.queues.get(qi) else {
            self.evict(now, id, out);
            return;
        };
        if !slot.rules.active {
            self.evict(now, id, out);
            return;
        }
        let exception = slot.rules.kind == QueueKind::Exception;
        let settings = self.departments.get(&dept).map_or_else(
            || ChannelKind::ALL[c].default_settings(),
            |d| d.channel(ChannelKind::ALL[c]),
        );
        let queued = self.queued.get(&(dept, c)).copied().unwrap_or(0);
        if !exception && queued >= settings.max_queued {
            self.send_to_exception(now, id, MoveReason::QueueFull, false, out);
            return;
        }
        // Pinned to an agent: for them only. Personalized assignment: the case's last agent
        // first, for a while.
        let pinned = self.pinned_agent(id);
        let reserve = pinned.or_else(|| self.reservation_for(id));
        self.file_waiting(id, reserve);
        let arrived = self.work.get(&id).map_or(0, |w| w.new.arrived_at.millis());
        if pinned.is_none()
            && let Some((_, until)) = reserve.zip(self.personal_until(id, now))
        {
            let pg = self.bump_phase(id);
            self.timers.set(until, Timer::Reservation(id, pg));
        }
        if !exception && settings.max_time_in_queue_secs > 0 {
            self.timers.set(
                arrived + i64::from(settings.max_time_in_queue_secs) * 1000,
                Timer::MaxWait(id, gen_),
            );
        }
        self.set_widen_timer(id, now);
        self.place(now, id, out);
    }

    /// Sets the timer for the next precision step of waiting work, if there is one.
    pub(crate) fn set_widen_timer(&mut self, id: ActivityId, now: Timestamp) {
        let Some(w) = self.work.get(&id) else {
            return;
        };
        let Some(slot) = self.queues.get(w.queue) else {
            return;
        };
        let arrived = w.new.arrived_at.millis();
        let step = slot.elig.step_at(now.millis() - arrived);
        if let Some(at) = slot.elig.next_step_at(step) {
            self.timers
                .set(arrived.saturating_add(at), Timer::Widen(id, w.queue_gen));
        }
    }

    /// The agent work is pinned to, if the router knows them.
    pub(crate) fn pinned_agent(&self, id: ActivityId) -> Option<usize> {
        match self.work.get(&id)?.new.pin? {
            Pin::Agent(u) => self.agent_index.get(&u).copied(),
            Pin::Group(_) => None,
        }
    }

    /// The agent work should be reserved for, if any (see [`crate::DepartmentRules`]).
    pub(crate) fn reservation_for(&mut self, id: ActivityId) -> Option<usize> {
        let w = self.work.get(&id)?;
        if w.personal_done {
            return None;
        }
        let rules = self.departments.get(&w.department)?;
        if rules.personal_wait_secs == 0 {
            return None;
        }
        let agent = *self.agent_index.get(&w.new.last_agent?)?;
        let a = self.agents.get(agent)?;
        let member = self
            .queues
            .get(w.queue)
            .is_some_and(|q| q.elig.members.contains(agent));
        let ok = member && (a.logged_in || rules.queue_if_agent_not_logged_in);
        if let Some(w) = self.work.get_mut(&id) {
            w.personal_done = true;
        }
        ok.then_some(agent)
    }

    pub(crate) fn personal_until(&self, id: ActivityId, now: Timestamp) -> Option<i64> {
        let w = self.work.get(&id)?;
        let rules = self.departments.get(&w.department)?;
        Some(now.millis() + i64::from(rules.personal_wait_secs) * 1000)
    }

    pub(crate) fn bump_phase(&mut self, id: ActivityId) -> u64 {
        self.work.get_mut(&id).map_or(0, |w| {
            w.phase_gen += 1;
            w.phase_gen
        })
    }

    /// A new priority: waiting work is filed again at its new place.
    pub(crate) fn reprioritize(&mut self, id: ActivityId, priority: u8) -> Result<(), RouteError> {
        if let Some(f) = self.future.get_mut(&id) {
            f.new.priority = priority;
            return Ok(());
        }
        let w = self.work.get(&id).ok_or(RouteError::UnknownActivity(id))?;
        if w.new.priority == priority {
            return Ok(());
        }
        let refile = match w.phase {
            Phase::Waiting { reserved_for } if w.filed => Some(reserved_for),
            _ => None,
        };
        if refile.is_some() {
            self.unfile(id);
        }
        if let Some(w) = self.work.get_mut(&id) {
            w.new.priority = priority;
        }
        if let Some(reserved_for) = refile {
            self.file_waiting(id, reserved_for);
        }
        Ok(())
    }

    /// Puts waiting work in its lane (or on its reserved agent's list) and counts it.
    pub(crate) fn file_waiting(&mut self, id: ActivityId, reserved_for: Option<usize>) {
        let Some(w) = self.work.get(&id) else {
            return;
        };
        let (qi, dept, c, key) = (w.queue, w.department, ch(w.new.channel), w.order_key());
        let exception = self
            .queues
            .get(qi)
            .is_some_and(|q| q.rules.kind == QueueKind::Exception);
        match reserved_for {
            Some(agent) => {
                if let Some(a) = self.agents.get_mut(agent) {
                    a.reserved.push(id);
                }
            }
            None => {
                let lane_key: LaneKey = (
                    qi,
                    w.new.channel,
                    w.new
                        .required
                        .iter()
                        .map(|(k, v)| (k.clone(), *v))
                        .collect(),
                    w.group,
                );
                let lane = self.lane(lane_key);
                if let Some(l) = self.lanes.get_mut(lane) {
                    l.waiting.insert(key);
                }
                if let Some(w) = self.work.get_mut(&id) {
                    w.lane = Some(lane);
                }
            }
        }
        if let Some(w) = self.work.get_mut(&id) {
            w.phase = Phase::Waiting { reserved_for };
            w.filed = true;
        }
        if !exception {
            *self.queued.entry((dept, c)).or_default() += 1;
        }
    }

    /// Takes waiting work out of its lane or reserved list.
    pub(crate) fn unfile(&mut self, id: ActivityId) {
        let Some(w) = self.work.get_mut(&id) else {
            return;
        };
        let Phase::Waiting { reserved_for } = w.phase else {
            return;
        };
        if !w.filed {
            return;
        }
        w.filed = false;
        let (lane, key, qi, dept, c) = (
            w.lane.take(),
            w.order_key(),
            w.queue,
            w.department,
            ch(w.new.channel),
        );
        if let Some(l) = lane.and_then(|l| self.lanes.get_mut(l)) {
            l.waiting.remove(&key);
        }
        if let Some(a) = reserved_for.and_then(|a| self.agents.get_mut(a)) {
            a.reserved.retain(|r| *r != id);
        }
        let exception = self
            .queues
            .get(qi)
            .is_some_and(|q| q.rules.kind == QueueKind::Exception);
        if !exception && let Some(n) = self.queued.get_mut(&(dept, c)) {
            *n = n.saturating_sub(1);
        }
    }

    pub(crate) fn lane(&mut self, key: LaneKey) -> usize {
        if let Some(&l) = self.lane_index.get(&key) {
            return l;
        }
        let l = self.lanes.len();
        self.lanes.push(crate::state::Lane {
            channel: key.1,
            required: key.2.clone(),
            group: key.3,
            waiting: Default::default(),
        });
        if let Some(q) = self.queues.get_mut(key.0) {
            q.lanes.push(l);
        }
        if key.3.is_some() {
            self.group_lanes.push((key.0, l));
        }
        self.lane_index.insert(key, l);
        l
    }

    /// Moves waiting work to its department's exception queue (or lets it go when there is
    /// none).
    pub(crate) fn send_to_exception(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        reason: MoveReason,
        abandoned: bool,
        out: &mut Vec<Action>,
    ) {
        self.unfile(id);
        let Some(w) = self.work.get(&id) else {
            return;
        };
        let from = w.new.queue;
        let target = self
            .departments
            .get(&w.department)
            .and_then(|d| d.exception_queue)
            .filter(|q| *q != from)
            .and_then(|q| self.queue_index.get(&q).map(|&qi| (q, qi)));
        out.push(Action::Move {
            activity: id,
            from,
            to: target.map(|(q, _)| q),
            reason,
            abandoned,
            group: None,
        });
        match target {
            Some((q, qi)) => {
                if let Some(w) = self.work.get_mut(&id) {
                    w.queue = qi;
                    w.new.queue = q;
                    w.new.arrived_at = now;
                    w.new.pin = None;
                    w.group = None;
                    w.personal_done = true;
                }
                self.reset_declined(id, None);
                self.start_waiting(now, id, out);
            }
            None => {
                self.work.remove(&id);
            }
        }
    }

    /// Waiting work whose queue is gone or inactive goes to the exception queue.
    pub(crate) fn evict(&mut self, now: Timestamp, id: ActivityId, out: &mut Vec<Action>) {
        self.send_to_exception(now, id, MoveReason::QueueUnavailable, false, out);
    }

    /// After a configuration change: waiting work of inactive queues leaves them.
    pub(crate) fn revalidate_queues(&mut self, now: Timestamp, out: &mut Vec<Action>) {
        let mut ids: Vec<ActivityId> = self
            .work
            .iter()
            .filter(|(_, w)| {
                matches!(w.phase, Phase::Waiting { .. })
                    && self.queues.get(w.queue).is_some_and(|q| !q.rules.active)
            })
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        for id in ids {
            self.evict(now, id, out);
        }
    }

    pub(crate) fn waited_too_long(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        out: &mut Vec<Action>,
    ) {
        self.send_to_exception(now, id, MoveReason::MaxTimeInQueue, true, out);
    }

    pub(crate) fn widened(&mut self, now: Timestamp, id: ActivityId, out: &mut Vec<Action>) {
        self.set_widen_timer(id, now);
        self.place(now, id, out);
    }

    pub(crate) fn reservation_over(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        gen_: u64,
        out: &mut Vec<Action>,
    ) {
        if self.work.get(&id).is_some_and(|w| w.phase_gen == gen_) {
            self.unreserve(now, id, out);
        }
    }

    /// Ends a reservation: the work waits for anyone eligible.
    pub(crate) fn unreserve(&mut self, now: Timestamp, id: ActivityId, out: &mut Vec<Action>) {
        let reserved = self.work.get(&id).is_some_and(|w| {
            matches!(
                w.phase,
                Phase::Waiting {
                    reserved_for: Some(_)
                }
            )
        });
        if !reserved {
            return;
        }
        self.unfile(id);
        self.bump_phase(id);
        self.file_waiting(id, None);
        self.place(now, id, out);
    }
}
