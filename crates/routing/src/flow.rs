//! How work moves: into queues (lanes), to agents (offers, assignments, interruptions), back to
//! queues (declines, time-outs, logouts), to the exception queue (limits), and out (completion).

use std::cmp::Reverse;
use std::ops::Bound;

use switchboard_domain::{ActivityId, ChannelKind, QueueKind, Timestamp, UserId};

use crate::Router;
use crate::model::{Action, AssignReason, MoveReason, NewWork, ReturnReason, RouteError, Target};
use crate::router::GONE;
use crate::state::{CHANNELS, LaneKey, Phase, Work, ch, meets};
use crate::timers::Timer;

/// The best candidate so far: queue priority, work priority, age; smaller is better.
type Best = ((Reverse<u8>, Reverse<u8>, i64, ActivityId), ActivityId);

/// Keeps `k` when it is better (smaller) than the best so far.
fn consider(
    best: &mut Option<Best>,
    k: (Reverse<u8>, Reverse<u8>, i64, ActivityId),
    id: ActivityId,
) {
    if best.as_ref().is_none_or(|b| k < b.0) {
        *best = Some((k, id));
    }
}

/// Whether an agent is looking for work to be pushed (step-eligible) or pulling it (member).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Push,
    Pull,
}

impl Router {
    // ----- presence -----

    pub(crate) fn login(&mut self, now: Timestamp, agent: UserId) -> Result<(), RouteError> {
        let i = self.agent_idx(agent)?;
        if let Some(a) = self.agents.get_mut(i)
            && !a.logged_in
        {
            a.logged_in = true;
            a.session += 1;
            a.ready = [false; CHANNELS];
            a.since = [now.millis(); CHANNELS];
        }
        self.refresh_avail(i);
        Ok(())
    }

    pub(crate) fn logout(
        &mut self,
        now: Timestamp,
        agent: UserId,
        out: &mut Vec<Action>,
    ) -> Result<(), RouteError> {
        let i = self.agent_idx(agent)?;
        let Some(a) = self.agents.get_mut(i) else {
            return Err(RouteError::UnknownAgent(agent));
        };
        if !a.logged_in {
            return Ok(());
        }
        a.logged_in = false;
        a.ready = [false; CHANNELS];
        a.session += 1;
        let session = a.session;
        let tasks = a.tasks.clone();
        let reserved = a.reserved.clone();
        let dept = a.rules.department_id;
        self.refresh_avail(i);
        let rules = self.departments.get(&dept).cloned();
        let wait_secs = rules.as_ref().map_or(0, |d| d.logout_return_secs);
        let keep_reserved = rules
            .as_ref()
            .is_some_and(|d| d.queue_if_agent_not_logged_in);
        for id in tasks {
            if self
                .work
                .get(&id)
                .is_some_and(|w| matches!(w.phase, Phase::Offered { .. }))
            {
                self.give_back(now, id, ReturnReason::AgentLoggedOut, out);
            }
        }
        if wait_secs == 0 {
            self.logout_return(now, i, session, out);
        } else {
            self.timers.set(
                now.millis() + i64::from(wait_secs) * 1000,
                Timer::LogoutReturn(i, session),
            );
        }
        if !keep_reserved {
            for id in reserved {
                self.unreserve(now, id, out);
            }
        }
        Ok(())
    }

    /// After logging out and the grace period: unstarted work goes back to its queue.
    pub(crate) fn logout_return(
        &mut self,
        now: Timestamp,
        i: usize,
        session: u64,
        out: &mut Vec<Action>,
    ) {
        let Some(a) = self.agents.get(i) else {
            return;
        };
        if a.logged_in || a.session != session {
            return;
        }
        for id in a.tasks.clone() {
            if self
                .work
                .get(&id)
                .is_some_and(|w| matches!(w.phase, Phase::Assigned { .. }))
            {
                self.give_back(now, id, ReturnReason::AgentLoggedOut, out);
            }
        }
    }

    pub(crate) fn set_ready(
        &mut self,
        now: Timestamp,
        agent: UserId,
        channel: Option<ChannelKind>,
        ready: bool,
        reason: Option<String>,
        out: &mut Vec<Action>,
    ) -> Result<(), RouteError> {
        let i = self.agent_idx(agent)?;
        let Some(a) = self.agents.get_mut(i) else {
            return Err(RouteError::UnknownAgent(agent));
        };
        if !a.logged_in {
            return Err(RouteError::NotLoggedIn(agent));
        }
        let channels: Vec<usize> = match channel {
            Some(c) => vec![ch(c)],
            None => (0..CHANNELS).collect(),
        };
        for c in channels {
            if let Some(r) = a.ready.get_mut(c) {
                if ready
                    && !*r
                    && let Some(s) = a.since.get_mut(c)
                {
                    *s = now.millis();
                }
                *r = ready;
            }
        }
        a.not_ready_reason = if ready { None } else { reason };
        self.refresh_avail(i);
        if ready {
            self.fill(now, i, out);
        }
        Ok(())
    }

    /// Recomputes agent `i`'s bits in the per-channel availability sets.
    pub(crate) fn refresh_avail(&mut self, i: usize) {
        let Some(a) = self.agents.get(i) else {
            return;
        };
        let bits: Vec<bool> = (0..CHANNELS).map(|c| a.available(c)).collect();
        for (set, on) in self.avail.iter_mut().zip(bits) {
            set.set(i, on);
        }
    }

    // ----- entering and leaving queues -----

    pub(crate) fn enqueue(
        &mut self,
        now: Timestamp,
        new: NewWork,
        out: &mut Vec<Action>,
    ) -> Result<(), RouteError> {
        if self.work.contains_key(&new.activity) {
            return Err(RouteError::AlreadyRouted(new.activity));
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
        self.work.insert(
            id,
            Work {
                new,
                department: dept,
                queue: qi,
                lane: None,
                group: None,
                phase: Phase::Waiting { reserved_for: None },
                declined: Vec::new(),
                phase_gen: 0,
                queue_gen: 0,
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
    fn start_waiting(&mut self, now: Timestamp, id: ActivityId, out: &mut Vec<Action>) {
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
        // Personalized assignment: the case's last agent first, for a while.
        let reserve = self.reservation_for(id);
        self.file_waiting(id, reserve);
        let arrived = self.work.get(&id).map_or(0, |w| w.new.arrived_at.millis());
        if let Some((_, until)) = reserve.zip(self.personal_until(id, now)) {
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
    fn set_widen_timer(&mut self, id: ActivityId, now: Timestamp) {
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

    /// The agent work should be reserved for, if any (see [`crate::DepartmentRules`]).
    fn reservation_for(&mut self, id: ActivityId) -> Option<usize> {
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

    fn personal_until(&self, id: ActivityId, now: Timestamp) -> Option<i64> {
        let w = self.work.get(&id)?;
        let rules = self.departments.get(&w.department)?;
        Some(now.millis() + i64::from(rules.personal_wait_secs) * 1000)
    }

    fn bump_phase(&mut self, id: ActivityId) -> u64 {
        self.work.get_mut(&id).map_or(0, |w| {
            w.phase_gen += 1;
            w.phase_gen
        })
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
    fn unfile(&mut self, id: ActivityId) {
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

    fn lane(&mut self, key: LaneKey) -> usize {
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
    fn send_to_exception(
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
        });
        match target {
            Some((q, qi)) => {
                if let Some(w) = self.work.get_mut(&id) {
                    w.queue = qi;
                    w.new.queue = q;
                    w.new.arrived_at = now;
                    w.group = None;
                    w.personal_done = true;
                    w.declined.clear();
                }
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
    fn unreserve(&mut self, now: Timestamp, id: ActivityId, out: &mut Vec<Action>) {
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

    // ----- placing work with agents -----

    /// Offers waiting work to the best available eligible agent, if any.
    pub(crate) fn place(&mut self, now: Timestamp, id: ActivityId, out: &mut Vec<Action>) {
        let Some(w) = self.work.get(&id) else {
            return;
        };
        let Phase::Waiting { reserved_for } = w.phase else {
            return;
        };
        let c = ch(w.new.channel);
        let chosen = match reserved_for {
            Some(agent) => self
                .avail
                .get(c)
                .is_some_and(|s| s.contains(agent))
                .then_some(agent)
                .filter(|a| !w.declined.contains(a)),
            None => self.best_agent(now, w),
        };
        if let Some(agent) = chosen {
            self.give(now, id, agent, None, out);
        }
    }

    /// The best available eligible agent for waiting work, by the queue's agent order.
    fn best_agent(&self, now: Timestamp, w: &Work) -> Option<usize> {
        let slot = self.queues.get(w.queue)?;
        let c = ch(w.new.channel);
        let avail = self.avail.get(c)?;
        let lane = w.lane.and_then(|l| self.lanes.get(l));
        let required = lane.map_or(&[][..], |l| l.required.as_slice());
        let order = slot.rules.order;
        let key = |i: usize| -> Option<(i64, i64, usize)> {
            let a = self.agents.get(i)?;
            let skill = i64::from(slot.elig.skill.get(i).copied().unwrap_or(0));
            let since = a.since.get(c).copied().unwrap_or(0);
            let first = match order {
                switchboard_domain::AgentOrder::LongestAvailable => 0,
                switchboard_domain::AgentOrder::MostSkilled => -skill,
                switchboard_domain::AgentOrder::LeastSkilled => skill,
            };
            Some((first, since, i))
        };
        let fits = |i: &usize| {
            !w.declined.contains(i)
                && self
                    .agents
                    .get(*i)
                    .is_some_and(|a| meets(&a.rules, required))
        };
        match w.group {
            Some(g) => avail
                .iter()
                .filter(|i| {
                    self.agents
                        .get(*i)
                        .is_some_and(|a| a.rules.groups.contains(&g))
                })
                .filter(fits)
                .filter_map(key)
                .min()
                .map(|k| k.2),
            None => {
                let step = slot.elig.step_at(now.millis() - w.new.arrived_at.millis());
                let eligible = slot.elig.at_step(step)?;
                eligible
                    .and(avail)
                    .filter(fits)
                    .filter_map(key)
                    .min()
                    .map(|k| k.2)
            }
        }
    }

    /// Gives agent `i` the best work they are eligible for, while they have room.
    pub(crate) fn fill(&mut self, now: Timestamp, i: usize, out: &mut Vec<Action>) {
        // Each pass gives one piece of work; the room is bounded by the capacities.
        for _ in 0..(u8::MAX as usize * CHANNELS) {
            let Some(a) = self.agents.get(i) else {
                return;
            };
            let channels: Vec<usize> = (0..CHANNELS).filter(|&c| a.available(c)).collect();
            if channels.is_empty() {
                return;
            }
            match self.best_work(now, i, &channels, Mode::Push) {
                Some(id) => self.give(now, id, i, None, out),
                None => return,
            }
        }
    }

    /// The best waiting work for agent `i` on `channels`: reserved for them first, then by
    /// queue priority, work priority and age.
    fn best_work(
        &self,
        now: Timestamp,
        i: usize,
        channels: &[usize],
        mode: Mode,
    ) -> Option<ActivityId> {
        let a = self.agents.get(i)?;
        let mut best: Option<Best> = None;
        for r in &a.reserved {
            if let Some(w) = self.work.get(r)
                && channels.contains(&ch(w.new.channel))
                && !w.declined.contains(&i)
            {
                // Reserved work goes first, whatever its queue's priority.
                consider(
                    &mut best,
                    (
                        Reverse(u8::MAX),
                        Reverse(w.new.priority),
                        w.new.arrived_at.millis(),
                        *r,
                    ),
                    *r,
                );
            }
        }
        if best.is_some() {
            return best.map(|b| b.1);
        }
        // Lanes of the agent's queues, and lanes transferred to a group of theirs elsewhere.
        let own = a.queues.iter().flat_map(|&qi| {
            self.queues
                .get(qi)
                .into_iter()
                .flat_map(move |q| q.lanes.iter().map(move |&l| (qi, l)))
        });
        let grouped = self
            .group_lanes
            .iter()
            .filter(|&&(qi, l)| {
                !a.queues.contains(&qi)
                    && self
                        .lanes
                        .get(l)
                        .and_then(|lane| lane.group)
                        .is_some_and(|g| a.rules.groups.contains(&g))
            })
            .copied();
        for (qi, l) in own.chain(grouped) {
            if let Some((k, id)) = self.lane_best(now, i, qi, l, channels, mode) {
                consider(&mut best, k, id);
            }
        }
        best.map(|b| b.1)
    }

    /// The first work of lane `l` (of queue `qi`) that agent `i` may take. Within a priority,
    /// older work is at a wider step, so when the oldest is out of reach the rest of that
    /// priority is skipped.
    fn lane_best(
        &self,
        now: Timestamp,
        i: usize,
        qi: usize,
        l: usize,
        channels: &[usize],
        mode: Mode,
    ) -> Option<Best> {
        let a = self.agents.get(i)?;
        let slot = self.queues.get(qi)?;
        let lane = self.lanes.get(l)?;
        // Exception work waits for a person to pull it, unless transferred to a group.
        if mode == Mode::Push && slot.rules.kind == QueueKind::Exception && lane.group.is_none() {
            return None;
        }
        if lane.waiting.is_empty()
            || !channels.contains(&ch(lane.channel))
            || !meets(&a.rules, &lane.required)
        {
            return None;
        }
        let in_group = lane.group.map(|g| a.rules.groups.contains(&g));
        if in_group == Some(false) {
            return None;
        }
        let first = slot
            .elig
            .first_step
            .get(i)
            .copied()
            .unwrap_or(crate::eligibility::NEVER);
        let age_ok = |arrived: i64| {
            in_group == Some(true)
                || mode == Mode::Pull
                || (first != crate::eligibility::NEVER
                    && usize::from(first) <= slot.elig.step_at(now.millis() - arrived))
        };
        let mut from = Bound::Unbounded;
        while let Some(&(p, arrived, id)) = lane.waiting.range((from, Bound::Unbounded)).next() {
            if !age_ok(arrived) {
                from = Bound::Excluded((p, i64::MAX, ActivityId(i64::MAX)));
                continue;
            }
            if self.work.get(&id).is_some_and(|w| w.declined.contains(&i)) {
                from = Bound::Excluded((p, arrived, id));
                continue;
            }
            return Some(((Reverse(slot.rules.priority), p, arrived, id), id));
        }
        None
    }

    /// Gives work to agent `i`: an offer, or an assignment when the channel accepts at once or
    /// `how` says so (pull, transfer). Interruptible tasks of other channels pause.
    fn give(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        i: usize,
        how: Option<AssignReason>,
        out: &mut Vec<Action>,
    ) {
        self.unfile(id);
        let Some(w) = self.work.get(&id) else {
            return;
        };
        let (c, dept, qi) = (w.new.channel, w.department, w.queue);
        let rules = self.departments.get(&dept);
        let settings = rules.map_or_else(|| c.default_settings(), |d| d.channel(c));
        let auto = rules.is_some_and(|d| d.auto_accept.contains(&c));
        let agent = self.agent_id(i);
        if let Some(q) = self.queues.get_mut(qi) {
            q.departures.tick(now.millis());
        }
        let how = how.or(auto.then_some(AssignReason::AutoAccept));
        let pg = self.bump_phase(id);
        if let Some(w) = self.work.get_mut(&id) {
            w.phase = match how {
                Some(_) => Phase::Assigned { agent: i },
                None => Phase::Offered { agent: i },
            };
        }
        self.hold(id, i);
        // Longest available means longest without new work on the channel.
        if let Some(s) = self.agents.get_mut(i).and_then(|a| a.since.get_mut(ch(c))) {
            *s = now.millis();
        }
        match how {
            Some(reason) => {
                out.push(Action::Assign {
                    activity: id,
                    agent,
                    reason,
                });
                self.timers.set(
                    now.millis() + i64::from(settings.max_duration_secs) * 1000,
                    Timer::TaskLife(id, pg),
                );
            }
            None => {
                let expires = now.millis() + i64::from(settings.start_timeout_secs) * 1000;
                out.push(Action::Offer {
                    activity: id,
                    agent,
                    expires_at: Timestamp::from_millis(expires),
                });
                self.timers.set(expires, Timer::OfferExpiry(id, pg));
            }
        }
        self.interrupt(i, ch(c), out);
        self.refresh_avail(i);
    }

    /// Adds held work to agent `i`'s load.
    pub(crate) fn hold(&mut self, id: ActivityId, i: usize) {
        let Some(w) = self.work.get(&id) else {
            return;
        };
        let (c, paused, blocks) = (
            ch(w.new.channel),
            matches!(w.phase, Phase::Paused { .. }),
            !w.interruptible,
        );
        if let Some(a) = self.agents.get_mut(i) {
            a.tasks.push(id);
            if let Some(n) = a.load.get_mut(c) {
                *n = n.saturating_add(1);
            }
            if !paused {
                if let Some(n) = a.busy.get_mut(c) {
                    *n = n.saturating_add(1);
                }
                if blocks && let Some(n) = a.blocking.get_mut(c) {
                    *n = n.saturating_add(1);
                }
            }
        }
    }

    /// Takes work off agent `i`'s load (it must not be paused-counted twice: pass its phase
    /// before the change).
    fn drop_hold(&mut self, id: ActivityId, i: usize, was_paused: bool) {
        let Some(w) = self.work.get(&id) else {
            return;
        };
        let (c, blocks) = (ch(w.new.channel), !w.interruptible);
        if let Some(a) = self.agents.get_mut(i) {
            a.tasks.retain(|t| *t != id);
            if let Some(n) = a.load.get_mut(c) {
                *n = n.saturating_sub(1);
            }
            if !was_paused {
                if let Some(n) = a.busy.get_mut(c) {
                    *n = n.saturating_sub(1);
                }
                if blocks && let Some(n) = a.blocking.get_mut(c) {
                    *n = n.saturating_sub(1);
                }
            }
        }
    }

    /// Work of channel `c` reached agent `i`: their interruptible work of other channels in
    /// progress pauses.
    fn interrupt(&mut self, i: usize, c: usize, out: &mut Vec<Action>) {
        let Some(a) = self.agents.get(i) else {
            return;
        };
        let agent = a.rules.id;
        let victims: Vec<ActivityId> = a
            .tasks
            .iter()
            .filter(|t| {
                self.work.get(t).is_some_and(|w| {
                    ch(w.new.channel) != c
                        && w.interruptible
                        && matches!(w.phase, Phase::Working { .. })
                })
            })
            .copied()
            .collect();
        for id in victims {
            self.set_paused(id, i, true);
            out.push(Action::Pause {
                activity: id,
                agent,
            });
        }
    }

    /// Marks work paused (not busy any more).
    fn set_paused(&mut self, id: ActivityId, i: usize, by_router: bool) {
        let Some(w) = self.work.get_mut(&id) else {
            return;
        };
        w.phase = Phase::Paused {
            agent: i,
            by_router,
        };
        let c = ch(w.new.channel);
        if let Some(n) = self.agents.get_mut(i).and_then(|a| a.busy.get_mut(c)) {
            *n = n.saturating_sub(1);
        }
    }

    /// Resumes work the router paused once agent `i` has nothing busy on other channels.
    fn resume_interrupted(&mut self, i: usize, out: &mut Vec<Action>) {
        let Some(a) = self.agents.get(i) else {
            return;
        };
        let agent = a.rules.id;
        let paused: Vec<(ActivityId, usize)> = a
            .tasks
            .iter()
            .filter_map(|t| {
                let w = self.work.get(t)?;
                matches!(
                    w.phase,
                    Phase::Paused {
                        by_router: true,
                        ..
                    }
                )
                .then(|| (*t, ch(w.new.channel)))
            })
            .collect();
        for (id, c) in paused {
            let others_busy = self
                .agents
                .get(i)
                .is_some_and(|a| a.busy.iter().enumerate().any(|(d, &n)| d != c && n > 0));
            if others_busy {
                continue;
            }
            if let Some(w) = self.work.get_mut(&id) {
                w.phase = Phase::Working { agent: i };
            }
            if let Some(n) = self.agents.get_mut(i).and_then(|a| a.busy.get_mut(c)) {
                *n = n.saturating_add(1);
            }
            out.push(Action::Resume {
                activity: id,
                agent,
            });
        }
        self.refresh_avail(i);
    }

    /// Work leaves agent `i` (given back, completed, transferred): their load drops, paused
    /// work may resume and they may take more.
    fn release(&mut self, now: Timestamp, id: ActivityId, i: usize, out: &mut Vec<Action>) {
        let was_paused = self
            .work
            .get(&id)
            .is_some_and(|w| matches!(w.phase, Phase::Paused { .. }));
        let c = self.work.get(&id).map(|w| ch(w.new.channel));
        self.drop_hold(id, i, was_paused);
        if let (Some(c), Some(a)) = (c, self.agents.get_mut(i))
            && let Some(s) = a.since.get_mut(c)
        {
            *s = now.millis();
        }
        self.resume_interrupted(i, out);
        self.refresh_avail(i);
    }

    /// Offered or unstarted work goes back to its queue keeping its age.
    fn give_back(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        reason: ReturnReason,
        out: &mut Vec<Action>,
    ) {
        let Some(w) = self.work.get(&id) else {
            return;
        };
        let Some(i) = w.phase.agent() else {
            return;
        };
        let queue = w.new.queue;
        self.release(now, id, i, out);
        self.bump_phase(id);
        if let Some(w) = self.work.get_mut(&id) {
            w.phase = Phase::Waiting { reserved_for: None };
            if reason == ReturnReason::Declined {
                w.declined.push(i);
            }
        }
        out.push(Action::Return {
            activity: id,
            queue,
            reason,
        });
        let (qi, arrived, dept, c) = match self.work.get(&id) {
            Some(w) => (
                w.queue,
                w.new.arrived_at.millis(),
                w.department,
                w.new.channel,
            ),
            None => return,
        };
        if qi == GONE || self.queues.get(qi).is_none_or(|q| !q.rules.active) {
            if let Some(w) = self.work.get_mut(&id) {
                w.phase = Phase::Waiting { reserved_for: None };
            }
            self.evict(now, id, out);
            return;
        }
        self.file_waiting(id, None);
        // Waited too long meanwhile: straight on to the exception queue.
        let max = self
            .departments
            .get(&dept)
            .map_or_else(|| c.default_settings(), |d| d.channel(c))
            .max_time_in_queue_secs;
        let exception = self
            .queues
            .get(qi)
            .is_some_and(|q| q.rules.kind == QueueKind::Exception);
        if !exception && max > 0 && now.millis() - arrived >= i64::from(max) * 1000 {
            self.waited_too_long(now, id, out);
            return;
        }
        self.place(now, id, out);
    }

    // ----- agents acting on their work -----

    fn held_by(&self, id: ActivityId, action: &'static str) -> Result<(usize, Phase), RouteError> {
        let w = self.work.get(&id).ok_or(RouteError::UnknownActivity(id))?;
        let agent = w.phase.agent().ok_or(RouteError::WrongState {
            activity: id,
            action,
        })?;
        Ok((agent, w.phase))
    }

    pub(crate) fn accept(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        agent: UserId,
    ) -> Result<(), RouteError> {
        let i = self.agent_idx(agent)?;
        let (holder, phase) = self.held_by(id, "accept")?;
        if holder != i || !matches!(phase, Phase::Offered { .. }) {
            return Err(RouteError::WrongState {
                activity: id,
                action: "accept",
            });
        }
        let pg = self.bump_phase(id);
        let mut max = 0;
        if let Some(w) = self.work.get_mut(&id) {
            w.phase = Phase::Assigned { agent: i };
            let c = w.new.channel;
            max = self
                .departments
                .get(&w.department)
                .map_or_else(|| c.default_settings(), |d| d.channel(c))
                .max_duration_secs;
        }
        self.timers.set(
            now.millis() + i64::from(max) * 1000,
            Timer::TaskLife(id, pg),
        );
        Ok(())
    }

    pub(crate) fn decline(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        agent: UserId,
        out: &mut Vec<Action>,
    ) -> Result<(), RouteError> {
        let i = self.agent_idx(agent)?;
        let (holder, phase) = self.held_by(id, "decline")?;
        if holder != i || !matches!(phase, Phase::Offered { .. }) {
            return Err(RouteError::WrongState {
                activity: id,
                action: "decline",
            });
        }
        self.give_back(now, id, ReturnReason::Declined, out);
        self.fill(now, i, out);
        Ok(())
    }

    pub(crate) fn offer_expired(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        gen_: u64,
        out: &mut Vec<Action>,
    ) {
        let Some(w) = self.work.get(&id) else {
            return;
        };
        let Phase::Offered { agent: i } = w.phase else {
            return;
        };
        if w.phase_gen != gen_ {
            return;
        }
        // Not ready first, so the work does not go straight back to the same agent.
        let agent = self.agent_id(i);
        if let Some(a) = self.agents.get_mut(i) {
            a.ready = [false; CHANNELS];
            a.not_ready_reason = Some("missed an offer".into());
        }
        self.refresh_avail(i);
        out.push(Action::NotReady {
            agent,
            reason: "missed an offer".into(),
        });
        self.give_back(now, id, ReturnReason::OfferTimedOut, out);
    }

    pub(crate) fn task_expired(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        gen_: u64,
        out: &mut Vec<Action>,
    ) {
        let Some(w) = self.work.get(&id) else {
            return;
        };
        if w.phase_gen != gen_ {
            return;
        }
        let Some(i) = w.phase.agent() else {
            return;
        };
        if matches!(w.phase, Phase::Offered { .. }) {
            return;
        }
        out.push(Action::Expired {
            activity: id,
            agent: self.agent_id(i),
        });
        self.release(now, id, i, out);
        self.work.remove(&id);
        self.fill(now, i, out);
    }

    pub(crate) fn start(&mut self, id: ActivityId) -> Result<(), RouteError> {
        let (i, phase) = self.held_by(id, "start")?;
        if !matches!(phase, Phase::Assigned { .. }) {
            return Err(RouteError::WrongState {
                activity: id,
                action: "start",
            });
        }
        if let Some(w) = self.work.get_mut(&id) {
            w.phase = Phase::Working { agent: i };
        }
        Ok(())
    }

    pub(crate) fn pause(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        out: &mut Vec<Action>,
    ) -> Result<(), RouteError> {
        let (i, phase) = self.held_by(id, "pause")?;
        if !matches!(phase, Phase::Working { .. }) {
            return Err(RouteError::WrongState {
                activity: id,
                action: "pause",
            });
        }
        let blocks = self.work.get(&id).is_some_and(|w| !w.interruptible);
        self.set_paused(id, i, false);
        if blocks {
            let c = self.work.get(&id).map(|w| ch(w.new.channel)).unwrap_or(0);
            if let Some(n) = self.agents.get_mut(i).and_then(|a| a.blocking.get_mut(c)) {
                *n = n.saturating_sub(1);
            }
        }
        self.refresh_avail(i);
        self.fill(now, i, out);
        Ok(())
    }

    pub(crate) fn resume(&mut self, id: ActivityId) -> Result<(), RouteError> {
        let (i, phase) = self.held_by(id, "resume")?;
        if !matches!(phase, Phase::Paused { .. }) {
            return Err(RouteError::WrongState {
                activity: id,
                action: "resume",
            });
        }
        let Some(w) = self.work.get_mut(&id) else {
            return Err(RouteError::UnknownActivity(id));
        };
        w.phase = Phase::Working { agent: i };
        let (c, blocks) = (ch(w.new.channel), !w.interruptible);
        if let Some(a) = self.agents.get_mut(i) {
            if let Some(n) = a.busy.get_mut(c) {
                *n = n.saturating_add(1);
            }
            if blocks && let Some(n) = a.blocking.get_mut(c) {
                *n = n.saturating_add(1);
            }
        }
        self.refresh_avail(i);
        Ok(())
    }

    /// Completion or abandonment: the router forgets the work.
    pub(crate) fn finish(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        out: &mut Vec<Action>,
    ) -> Result<(), RouteError> {
        let w = self.work.get(&id).ok_or(RouteError::UnknownActivity(id))?;
        match w.phase.agent() {
            Some(i) => {
                self.release(now, id, i, out);
                self.work.remove(&id);
                self.fill(now, i, out);
            }
            None => {
                self.unfile(id);
                self.work.remove(&id);
            }
        }
        Ok(())
    }

    // ----- transfers and pulls -----

    pub(crate) fn transfer(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        to: Target,
        out: &mut Vec<Action>,
    ) -> Result<(), RouteError> {
        let w = self.work.get(&id).ok_or(RouteError::UnknownActivity(id))?;
        let (c, from_queue, from_qi, holder) =
            (ch(w.new.channel), w.new.queue, w.queue, w.phase.agent());
        // Validate everything before changing anything.
        let target_agent = match to {
            Target::Agent(agent) => {
                let i = self.agent_idx(agent)?;
                let a = self.agents.get(i).ok_or(RouteError::UnknownAgent(agent))?;
                if !a.logged_in {
                    return Err(RouteError::NotLoggedIn(agent));
                }
                if holder != Some(i) && !a.has_room(c) {
                    return Err(RouteError::NoCapacity(agent));
                }
                Some(i)
            }
            Target::Queue(q) => {
                let qi = *self
                    .queue_index
                    .get(&q)
                    .ok_or(RouteError::UnknownQueue(q))?;
                let target = self.queues.get(qi).ok_or(RouteError::UnknownQueue(q))?;
                if !target.rules.active {
                    return Err(RouteError::UnknownQueue(q));
                }
                let from_review = self
                    .queues
                    .get(from_qi)
                    .is_some_and(|s| s.rules.kind == QueueKind::Review);
                if target.rules.kind == QueueKind::Review && !from_review {
                    return Err(RouteError::IntoReview(q));
                }
                None
            }
            Target::Group(_) => None,
        };
        if target_agent.is_some() && target_agent == holder {
            return Ok(());
        }
        // Take it from wherever it is.
        match holder {
            Some(i) => self.release(now, id, i, out),
            None => self.unfile(id),
        }
        self.bump_phase(id);
        if let Some(w) = self.work.get_mut(&id) {
            w.phase = Phase::Waiting { reserved_for: None };
            w.declined.clear();
            // Who gives work away does not get it pushed back (they may still pull it).
            w.declined.extend(holder);
            w.personal_done = true;
        }
        // The room it leaves goes to work already waiting before this work is placed again.
        if let Some(i) = holder {
            self.fill(now, i, out);
        }
        match to {
            Target::Agent(_) => {
                if let Some(i) = target_agent {
                    // Filed so that `give` finds it where waiting work is.
                    self.file_waiting(id, None);
                    self.give(now, id, i, Some(AssignReason::Transfer), out);
                }
            }
            Target::Queue(q) => {
                if let Some(w) = self.work.get_mut(&id) {
                    w.queue = self.queue_index.get(&q).copied().unwrap_or(GONE);
                    w.new.queue = q;
                    w.new.arrived_at = now;
                    w.group = None;
                }
                out.push(Action::Move {
                    activity: id,
                    from: from_queue,
                    to: Some(q),
                    reason: MoveReason::Transfer,
                    abandoned: false,
                });
                self.start_waiting(now, id, out);
            }
            Target::Group(g) => {
                if let Some(w) = self.work.get_mut(&id) {
                    w.group = Some(g);
                    w.new.arrived_at = now;
                    if w.queue == GONE {
                        w.queue = from_qi;
                    }
                }
                out.push(Action::Move {
                    activity: id,
                    from: from_queue,
                    to: Some(from_queue),
                    reason: MoveReason::Transfer,
                    abandoned: false,
                });
                self.start_waiting(now, id, out);
            }
        }
        Ok(())
    }

    pub(crate) fn pull(
        &mut self,
        now: Timestamp,
        agent: UserId,
        activity: Option<ActivityId>,
        out: &mut Vec<Action>,
    ) -> Result<(), RouteError> {
        let i = self.agent_idx(agent)?;
        let a = self.agents.get(i).ok_or(RouteError::UnknownAgent(agent))?;
        if !a.logged_in {
            return Err(RouteError::NotLoggedIn(agent));
        }
        let id = match activity {
            Some(id) => {
                let w = self.work.get(&id).ok_or(RouteError::UnknownActivity(id))?;
                let Phase::Waiting { reserved_for } = w.phase else {
                    return Err(RouteError::WrongState {
                        activity: id,
                        action: "be pulled",
                    });
                };
                let member = self
                    .queues
                    .get(w.queue)
                    .is_some_and(|q| q.elig.members.contains(i))
                    || w.group.is_some_and(|g| a.rules.groups.contains(&g))
                    || reserved_for == Some(i);
                if !member || reserved_for.is_some_and(|r| r != i) {
                    return Err(RouteError::NothingToPull(agent));
                }
                if !a.has_room(ch(w.new.channel)) {
                    return Err(RouteError::NoCapacity(agent));
                }
                id
            }
            None => {
                let channels: Vec<usize> = (0..CHANNELS).filter(|&c| a.has_room(c)).collect();
                if channels.is_empty() {
                    return Err(RouteError::NoCapacity(agent));
                }
                self.best_work(now, i, &channels, Mode::Pull)
                    .ok_or(RouteError::NothingToPull(agent))?
            }
        };
        self.give(now, id, i, Some(AssignReason::Pull), out);
        Ok(())
    }
}
