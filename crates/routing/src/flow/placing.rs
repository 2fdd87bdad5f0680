//! Work meeting agents: the best agent for new work, the best work for a freed agent, offers
//! and assignments, interruption, and the load bookkeeping.

use std::cmp::Reverse;
use std::ops::Bound;

use switchboard_domain::{ActivityId, QueueKind, Timestamp};

use crate::Router;
use crate::model::{Action, AssignReason, Pin, ReturnReason};
use crate::router::GONE;
use crate::state::{CHANNELS, Phase, Work, ch, meets};
use crate::timers::Timer;

use super::*;

impl Router {
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
    pub(crate) fn best_agent(&self, now: Timestamp, w: &Work) -> Option<usize> {
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
    pub(crate) fn best_work(
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
    pub(crate) fn lane_best(
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
    pub(crate) fn give(
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
        let arrived = w.new.arrived_at.millis();
        let first = w.counted_gen != w.queue_gen;
        if let Some(q) = self.queues.get_mut(qi) {
            q.departures.tick(now.millis());
            if first {
                let sl = i64::from(q.rules.service_level_secs) * 1000;
                q.service.count(now.millis(), now.millis() - arrived <= sl);
            }
        }
        let how = how.or(auto.then_some(AssignReason::AutoAccept));
        let pg = self.bump_phase(id);
        if let Some(w) = self.work.get_mut(&id) {
            w.counted_gen = w.queue_gen;
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
    pub(crate) fn drop_hold(&mut self, id: ActivityId, i: usize, was_paused: bool) {
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
    pub(crate) fn interrupt(&mut self, i: usize, c: usize, out: &mut Vec<Action>) {
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
    pub(crate) fn set_paused(&mut self, id: ActivityId, i: usize, by_router: bool) {
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
    pub(crate) fn resume_interrupted(&mut self, i: usize, out: &mut Vec<Action>) {
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
    pub(crate) fn release(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        i: usize,
        out: &mut Vec<Action>,
    ) {
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
    pub(crate) fn give_back(
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
            // Work pinned to an agent who declines it or lets it time out is for anyone now.
            if matches!(reason, ReturnReason::Declined | ReturnReason::OfferTimedOut)
                && matches!(w.new.pin, Some(Pin::Agent(_)))
            {
                w.new.pin = None;
            }
        }
        let (pin, not_for) = self
            .work
            .get(&id)
            .map_or((None, None), |w| (w.new.pin, w.new.not_for));
        out.push(Action::Return {
            activity: id,
            queue,
            reason,
            pin,
            not_for,
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
        let pinned = self.pinned_agent(id);
        self.file_waiting(id, pinned);
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
}
