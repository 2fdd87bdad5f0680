//! The router: events in, actions out. This file holds the state, the configuration and the
//! event dispatch; `flow.rs` moves work between queues and agents.
//!
//! The invariant that makes decisions cheap: after every event, no waiting work has an
//! available eligible agent. So when work starts waiting, any available eligible agent had
//! nothing better to do and may take it at once (work-centric); when an agent frees up, the
//! best waiting work they are eligible for goes to them (agent-centric). Neither needs to look
//! at anything else.

use std::collections::HashMap;

use switchboard_domain::{ActivityId, DepartmentId, QueueId, Timestamp, UserId};

use crate::bitset::BitSet;
use crate::eligibility::Eligibility;
use crate::model::{Action, Config, DepartmentRules, Event, RouteError};
use crate::state::{Agent, CHANNELS, Lane, LaneKey, Phase, QueueSlot, Work};
use crate::stats::{Rate, ServiceCount};
use crate::timers::{Timer, Timers};

/// The queue index of work whose queue is gone (it goes to the exception queue if it ever
/// needs a queue again).
pub(crate) const GONE: usize = usize::MAX;

/// The router's whole state. Deterministic: the same configuration and events at the same
/// times give the same actions.
#[derive(Debug, Clone, Default)]
pub struct Router {
    pub(crate) departments: HashMap<DepartmentId, DepartmentRules>,
    pub(crate) queues: Vec<QueueSlot>,
    pub(crate) queue_index: HashMap<QueueId, usize>,
    pub(crate) agents: Vec<Agent>,
    pub(crate) agent_index: HashMap<UserId, usize>,
    pub(crate) lanes: Vec<Lane>,
    pub(crate) lane_index: HashMap<LaneKey, usize>,
    /// (queue index, lane index) of lanes restricted to a group (transfers to a group).
    pub(crate) group_lanes: Vec<(usize, usize)>,
    pub(crate) work: HashMap<ActivityId, Work>,
    /// Work that may not be offered before a set time.
    pub(crate) future: HashMap<ActivityId, crate::flow::future::Future>,
    /// Per channel: agents available now.
    pub(crate) avail: [BitSet; CHANNELS],
    /// Per (department, channel index): work waiting outside exception queues.
    pub(crate) queued: HashMap<(DepartmentId, usize), u32>,
    pub(crate) timers: Timers,
    /// Bumped by every change, so answers computed from the state can be kept until it moves.
    pub(crate) changes: u64,
}

impl Router {
    /// A router with `config` and nothing routed yet.
    pub fn new(config: Config) -> Router {
        let mut r = Router::default();
        r.configure(Timestamp::from_millis(0), config);
        r
    }

    /// Replaces the configuration, keeping agents' presence and the work being routed. Work
    /// whose queue is gone or inactive moves to its department's exception queue; agents who
    /// are gone give their offered and unstarted work back.
    pub fn configure(&mut self, now: Timestamp, config: Config) -> Vec<Action> {
        self.changes += 1;
        let mut old_agents: HashMap<UserId, Agent> = std::mem::take(&mut self.agents)
            .into_iter()
            .map(|a| (a.rules.id, a))
            .collect();
        let old_index: Vec<UserId> = {
            let mut v: Vec<(usize, UserId)> =
                self.agent_index.iter().map(|(id, i)| (*i, *id)).collect();
            v.sort_unstable();
            v.into_iter().map(|(_, id)| id).collect()
        };
        let old_queues: Vec<QueueId> = self.queues.iter().map(|q| q.rules.id).collect();
        let departures: HashMap<QueueId, (Rate, ServiceCount)> = self
            .queues
            .iter()
            .map(|q| (q.rules.id, (q.departures, q.service)))
            .collect();
        self.departments = config.departments.into_iter().map(|d| (d.id, d)).collect();
        self.agents.clear();
        self.agent_index.clear();
        for rules in config.agents {
            let mut agent = Agent::new(rules.clone());
            if let Some(old) = old_agents.remove(&rules.id) {
                agent.logged_in = old.logged_in;
                agent.ready = old.ready;
                agent.not_ready_reason = old.not_ready_reason;
                agent.since = old.since;
                agent.session = old.session;
            }
            self.agent_index.insert(rules.id, self.agents.len());
            self.agents.push(agent);
        }
        self.queues.clear();
        self.queue_index.clear();
        for rules in config.queues {
            let elig = Eligibility::compile(&rules, self.agents.iter().map(|a| &a.rules));
            self.queue_index.insert(rules.id, self.queues.len());
            let (rate, service) = departures.get(&rules.id).copied().unwrap_or_default();
            self.queues.push(QueueSlot {
                departures: rate,
                service,
                rules,
                elig,
                lanes: Vec::new(),
            });
        }
        for (qi, q) in self.queues.iter().enumerate() {
            for i in q.elig.members.iter() {
                if let Some(a) = self.agents.get_mut(i) {
                    a.queues.push(qi);
                }
            }
        }
        // Rebuild the routing state of every piece of work against the new indexes.
        self.lanes.clear();
        self.lane_index.clear();
        self.group_lanes.clear();
        self.queued.clear();
        self.avail = Default::default();
        let mut ids: Vec<ActivityId> = self.work.keys().copied().collect();
        ids.sort_unstable();
        let mut actions = Vec::new();
        let mut homeless = Vec::new();
        let mut orphans = Vec::new();
        for id in &ids {
            let Some(w) = self.work.get_mut(id) else {
                continue;
            };
            w.lane = None;
            w.filed = false;
            let old_queue = old_queues.get(w.queue).copied();
            match old_queue.and_then(|q| self.queue_index.get(&q)) {
                Some(&qi) => w.queue = qi,
                None => {
                    w.queue = GONE;
                    homeless.push(*id);
                }
            }
            let remap = |i: usize| {
                old_index
                    .get(i)
                    .and_then(|id| self.agent_index.get(id))
                    .copied()
            };
            w.declined = w.declined.iter().filter_map(|&i| remap(i)).collect();
            w.phase = match w.phase {
                Phase::Waiting { reserved_for } => Phase::Waiting {
                    reserved_for: reserved_for.and_then(remap),
                },
                other => match other.agent().and_then(remap) {
                    Some(a) => match other {
                        Phase::Offered { .. } => Phase::Offered { agent: a },
                        Phase::Assigned { .. } => Phase::Assigned { agent: a },
                        Phase::Working { .. } => Phase::Working { agent: a },
                        Phase::Paused { by_router, .. } => Phase::Paused {
                            agent: a,
                            by_router,
                        },
                        Phase::Waiting { .. } => other,
                    },
                    None => {
                        orphans.push(*id);
                        Phase::Waiting { reserved_for: None }
                    }
                },
            };
        }
        for id in &ids {
            let Some(w) = self.work.get(id) else {
                continue;
            };
            match w.phase {
                Phase::Waiting { reserved_for } => {
                    if w.queue != GONE {
                        self.file_waiting(*id, reserved_for);
                    }
                }
                phase => {
                    if let Some(a) = phase.agent() {
                        self.hold(*id, a);
                    }
                }
            }
        }
        for id in homeless {
            if self
                .work
                .get(&id)
                .is_some_and(|w| matches!(w.phase, Phase::Waiting { .. }))
            {
                self.evict(now, id, &mut actions);
            }
        }
        for id in orphans {
            if let Some(w) = self.work.get(&id)
                && matches!(w.phase, Phase::Waiting { .. })
                && w.lane.is_some()
            {
                actions.push(Action::Return {
                    activity: id,
                    queue: self.queue_id(w.queue),
                    reason: crate::model::ReturnReason::AgentGone,
                    pin: w.new.pin,
                    not_for: w.new.not_for,
                });
            }
        }
        for i in 0..self.agents.len() {
            self.refresh_avail(i);
        }
        self.revalidate_queues(now, &mut actions);
        for id in ids {
            self.place(now, id, &mut actions);
        }
        for i in 0..self.agents.len() {
            self.fill(now, i, &mut actions);
        }
        actions
    }

    pub(crate) fn queue_id(&self, qi: usize) -> QueueId {
        self.queues.get(qi).map_or(QueueId(0), |q| q.rules.id)
    }

    pub(crate) fn agent_id(&self, i: usize) -> UserId {
        self.agents.get(i).map_or(UserId(0), |a| a.rules.id)
    }

    /// Handles one event at `now`; returns what to do, or why the event is refused (then
    /// nothing changed). Due timers fire first.
    pub fn handle(&mut self, now: Timestamp, event: Event) -> Result<Vec<Action>, RouteError> {
        self.changes += 1;
        let mut actions = self.advance(now);
        self.apply(now, event, &mut actions)?;
        Ok(actions)
    }

    /// Fires every timer due at or before `now`.
    pub fn advance(&mut self, now: Timestamp) -> Vec<Action> {
        let mut actions = Vec::new();
        while let Some((at, timer)) = self.timers.pop_due(now.millis()) {
            self.changes += 1;
            self.fire(Timestamp::from_millis(at), timer, &mut actions);
        }
        actions
    }

    /// A number that changes whenever the router's state may have: answers computed from the
    /// state (a place in a queue) hold while it stays the same.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// The next time something is due (call [`Router::advance`] then); `None` when nothing is.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.timers.next().map(Timestamp::from_millis)
    }

    /// How many activities the router holds (waiting, with agents, or held until their time).
    pub fn len(&self) -> usize {
        self.work.len() + self.future.len()
    }

    /// Whether the router holds no activity.
    pub fn is_empty(&self) -> bool {
        self.work.is_empty() && self.future.is_empty()
    }

    /// Whether the router holds `activity` (waiting, with an agent, or until its time).
    pub fn contains(&self, activity: ActivityId) -> bool {
        self.work.contains_key(&activity) || self.future.contains_key(&activity)
    }

    /// When future work `activity` will enter its queue; `None` when it is not held aside.
    pub fn not_before(&self, activity: ActivityId) -> Option<Timestamp> {
        self.future.get(&activity)?.new.not_before
    }

    /// The agent an activity is offered or assigned to, if any.
    pub fn holder(&self, activity: ActivityId) -> Option<UserId> {
        let i = self.work.get(&activity)?.phase.agent()?;
        Some(self.agent_id(i))
    }

    /// Pending timers (void ones included), for diagnostics.
    pub fn pending_timers(&self) -> usize {
        self.timers.len()
    }

    fn apply(
        &mut self,
        now: Timestamp,
        event: Event,
        out: &mut Vec<Action>,
    ) -> Result<(), RouteError> {
        match event {
            Event::Login(agent) => self.login(now, agent),
            Event::Logout(agent) => self.logout(now, agent, out),
            Event::SetReady {
                agent,
                channel,
                ready,
                reason,
            } => self.set_ready(now, agent, channel, ready, reason, out),
            Event::Enqueue(new) => self.enqueue(now, new, out),
            Event::Accept { activity, agent } => self.accept(now, activity, agent),
            Event::Decline { activity, agent } => self.decline(now, activity, agent, out),
            Event::Start(activity) => self.start(activity),
            Event::Pause(activity) => self.pause(now, activity, out),
            Event::Resume(activity) => self.resume(activity),
            Event::Complete(activity) | Event::Abandon(activity) => self.finish(now, activity, out),
            Event::Transfer { activity, to } => self.transfer(now, activity, to, out),
            Event::Pull { agent, activity } => self.pull(now, agent, activity, out),
            Event::Reprioritize { activity, priority } => self.reprioritize(activity, priority),
            Event::Tick => Ok(()),
            Event::Restore { work, agent, held } => self.restore(now, work, agent, held, out),
        }
    }

    fn fire(&mut self, now: Timestamp, timer: Timer, out: &mut Vec<Action>) {
        match timer {
            Timer::OfferExpiry(id, g) => self.offer_expired(now, id, g, out),
            Timer::Reservation(id, g) => self.reservation_over(now, id, g, out),
            Timer::TaskLife(id, g) => self.task_expired(now, id, g, out),
            Timer::Widen(id, g) => {
                if self.work.get(&id).is_some_and(|w| w.queue_gen == g) {
                    self.widened(now, id, out);
                }
            }
            Timer::MaxWait(id, g) => {
                if self
                    .work
                    .get(&id)
                    .is_some_and(|w| w.queue_gen == g && matches!(w.phase, Phase::Waiting { .. }))
                {
                    self.waited_too_long(now, id, out);
                }
            }
            Timer::LogoutReturn(agent, session) => self.logout_return(now, agent, session, out),
            Timer::Due(id, at) => self.due(now, id, at, out),
        }
    }

    pub(crate) fn agent_idx(&self, id: UserId) -> Result<usize, RouteError> {
        self.agent_index
            .get(&id)
            .copied()
            .ok_or(RouteError::UnknownAgent(id))
    }
}
