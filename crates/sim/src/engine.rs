//! The simulation: the router driven in virtual time by synthetic customers and agents.
//!
//! Customers arrive per queue as a Poisson process and give up after their patience if no
//! agent was offered their work yet. Agents log in at their shift's start (ready on every
//! channel) and out at its end, accept an offer after their accept time, work for the drawn
//! handling time (a pause by an interruption stops the clock until the work resumes), and
//! are ready again ten seconds after missing an offer, and take their pool's breaks. Nothing
//! reads the wall clock: the same scenario and seed give the same report.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use rand::SeedableRng;
use rand::rngs::StdRng;
use switchboard_domain::{ActivityId, ChannelKind, Timestamp, UserId};
use switchboard_routing::{Action, Event, NewWork, RouteError, Router};

use super::presence::{AgentTrace, BREAK, Presences};
use super::report::{Report, Tally};
use super::scenario::{EXCEPTION, Scenario, exponential};

/// What the simulation needs of a router (the real one, or the benchmark's naive baseline).
pub trait Route {
    /// Handles one event.
    fn handle(&mut self, now: Timestamp, event: Event) -> Result<Vec<Action>, RouteError>;
    /// Fires due timers.
    fn advance(&mut self, now: Timestamp) -> Vec<Action>;
    /// When the next timer is due.
    fn next_deadline(&self) -> Option<Timestamp>;
    /// A waiting activity's place in its queue and expected seconds to wait, when the router
    /// estimates them.
    fn wait(&self, _activity: ActivityId, _now: Timestamp) -> Option<(usize, Option<f64>)> {
        None
    }
}

impl Route for Router {
    fn handle(&mut self, now: Timestamp, event: Event) -> Result<Vec<Action>, RouteError> {
        Router::handle(self, now, event)
    }
    fn advance(&mut self, now: Timestamp) -> Vec<Action> {
        Router::advance(self, now)
    }
    fn next_deadline(&self) -> Option<Timestamp> {
        Router::next_deadline(self)
    }
    fn wait(&self, activity: ActivityId, now: Timestamp) -> Option<(usize, Option<f64>)> {
        Router::wait(self, activity, now)
    }
}

/// Seconds to wait before a simulated agent who missed an offer is ready again.
const READY_AGAIN_MS: i64 = 10_000;
/// How long after the last arrival work in hand may still finish.
const DRAIN_MS: i64 = 12 * 3600 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrive(usize),
    Accept(ActivityId, UserId, u64),
    Done(ActivityId, u64),
    Patience(ActivityId),
    ShiftStart(UserId),
    ShiftEnd(UserId),
    Ready(UserId),
    BreakStart(UserId),
    BreakEnd(UserId),
}

#[derive(Debug, Clone)]
struct Work {
    queue: usize,
    arrived: i64,
    answered: bool,
    /// Work left in ms (set when work starts).
    left: i64,
    /// When the running work ends (while not paused).
    ends: Option<i64>,
    handle: f64,
    gen_: u64,
    agent: Option<UserId>,
    over: bool,
}

/// What happened to one piece of work, for an event history (the reports' tests and
/// benchmark turn it into activity events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Traced {
    /// It arrived in queue `queue` (the scenario's index).
    Arrived {
        /// The scenario's queue index.
        queue: usize,
    },
    /// Offered to an agent.
    Offered(UserId),
    /// Given straight to an agent.
    Assigned(UserId),
    /// The agent accepted the offer.
    Accepted(UserId),
    /// Work started.
    Started,
    /// The offer came back to the queue (not taken in time).
    Returned,
    /// Done.
    Completed,
    /// The customer gave up, or it went to the exception queue.
    Abandoned,
    /// The customer (of a chat or callback) was told the expected wait on arrival.
    Told {
        /// Expected seconds to wait, rounded.
        wait_secs: u64,
        /// The place in the queue.
        position: usize,
    },
}

/// One entry of an event history: when, which work, what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trace {
    /// Virtual time (ms from the start).
    pub at: i64,
    /// The work.
    pub activity: ActivityId,
    /// What happened.
    pub what: Traced,
}

/// Runs a scenario through `router` (configured with `scenario.config()`); returns the report
/// and the number of routing decisions (events and timer rounds handled).
pub fn run<R: Route>(scenario: &Scenario, router: &mut R) -> (Report, u64) {
    let (report, decisions, _) = simulate(scenario, router, false);
    (report, decisions)
}

/// What happened in a run, in time order.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// What happened to each piece of work.
    pub work: Vec<Trace>,
    /// How each agent's presence changed.
    pub agents: Vec<AgentTrace>,
}

/// [`run`], also returning what happened to each piece of work and each agent's presence.
pub fn run_traced<R: Route>(scenario: &Scenario, router: &mut R) -> (Report, u64, History) {
    simulate(scenario, router, true)
}

fn simulate<R: Route>(scenario: &Scenario, router: &mut R, traced: bool) -> (Report, u64, History) {
    let (_, pools) = scenario.config();
    let pool_of: HashMap<UserId, usize> = pools.iter().copied().collect();
    let mut sim = Sim {
        rng: StdRng::seed_from_u64(scenario.seed),
        heap: BinaryHeap::new(),
        seq: 0,
        work: HashMap::new(),
        next_id: 1,
        report: Report::new(scenario),
        pool_of,
        busy: HashMap::new(),
        decisions: 0,
        traced,
        trace: Vec::new(),
        presence: Presences::new(traced),
        breaks: HashMap::new(),
    };
    let end = (scenario.hours * 3_600_000.0) as i64;
    for (qi, q) in scenario.queues.iter().enumerate() {
        if q.arrivals_per_hour > 0.0 {
            let first = exponential(&mut sim.rng, 3_600_000.0 / q.arrivals_per_hour) as i64;
            sim.push(first, Ev::Arrive(qi));
        }
    }
    for (id, pi) in &pools {
        let spec = &scenario.agents[*pi];
        let start = (spec.shift_start_hour * 3_600_000.0) as i64;
        let stop = (spec.shift_end_hour.unwrap_or(scenario.hours) * 3_600_000.0) as i64;
        sim.push(start, Ev::ShiftStart(*id));
        sim.push(stop, Ev::ShiftEnd(*id));
        if let Some(b) = spec.breaks {
            let (every, long) = (
                (b.every_hours * 3_600_000.0) as i64,
                (b.minutes * 60_000.0) as i64,
            );
            sim.breaks.insert(*id, long);
            let mut at = start + every;
            while at + long < stop {
                sim.push(at, Ev::BreakStart(*id));
                at += every;
            }
        }
    }
    loop {
        let next_ev = sim.heap.peek().map(|Reverse((t, _, _))| *t);
        let next_timer = router.next_deadline().map(Timestamp::millis);
        let t = match (next_ev, next_timer) {
            (None, None) => break,
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
        };
        if t > end + DRAIN_MS {
            break;
        }
        if next_timer == Some(t) {
            let actions = router.advance(Timestamp::from_millis(t));
            sim.decisions += 1;
            sim.act(router, t, actions);
            continue;
        }
        let Some(Reverse((_, _, ev))) = sim.heap.pop() else {
            break;
        };
        sim.step(scenario, router, t, end, ev);
    }
    let last = end.max(sim.report.last_event);
    sim.report.finish(last, &sim.busy);
    let history = History {
        work: sim.trace,
        agents: sim.presence.trace,
    };
    (sim.report, sim.decisions, history)
}

struct Sim {
    rng: StdRng,
    heap: BinaryHeap<Reverse<(i64, u64, Ev)>>,
    seq: u64,
    work: HashMap<ActivityId, Work>,
    next_id: i64,
    report: Report,
    pool_of: HashMap<UserId, usize>,
    /// Per agent: tasks held and since when the count was last above zero.
    busy: HashMap<UserId, Tally>,
    decisions: u64,
    traced: bool,
    trace: Vec<Trace>,
    presence: Presences,
    /// Per agent taking breaks: how long each lasts (ms).
    breaks: HashMap<UserId, i64>,
}

impl Sim {
    fn note(&mut self, at: i64, activity: ActivityId, what: Traced) {
        if self.traced {
            self.trace.push(Trace { at, activity, what });
        }
    }

    fn push(&mut self, at: i64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, ev)));
    }

    fn feed<R: Route>(&mut self, router: &mut R, t: i64, event: Event) {
        self.decisions += 1;
        if let Ok(actions) = router.handle(Timestamp::from_millis(t), event) {
            self.act(router, t, actions);
        }
    }

    fn step<R: Route>(&mut self, scenario: &Scenario, router: &mut R, t: i64, end: i64, ev: Ev) {
        self.report.last_event = self.report.last_event.max(t);
        match ev {
            Ev::Arrive(qi) => {
                let q = &scenario.queues[qi];
                let gap = exponential(&mut self.rng, 3_600_000.0 / q.arrivals_per_hour) as i64;
                if t + gap < end {
                    self.push(t + gap, Ev::Arrive(qi));
                }
                let id = ActivityId(self.next_id);
                self.next_id += 1;
                let handle = q.handle.sample(&mut self.rng);
                self.work.insert(
                    id,
                    Work {
                        queue: qi,
                        arrived: t,
                        answered: false,
                        left: 0,
                        ends: None,
                        handle,
                        gen_: 0,
                        agent: None,
                        over: false,
                    },
                );
                self.report.arrived(qi);
                self.note(t, id, Traced::Arrived { queue: qi });
                if q.patience_secs > 0 {
                    self.push(t + i64::from(q.patience_secs) * 1000, Ev::Patience(id));
                }
                let new = NewWork {
                    activity: id,
                    channel: q.channel,
                    queue: Scenario::queue_id(qi),
                    priority: q.priority,
                    arrived_at: Timestamp::from_millis(t),
                    last_agent: None,
                    required: Default::default(),
                    pin: None,
                    not_for: None,
                    not_before: None,
                };
                self.feed(router, t, Event::Enqueue(new));
                self.tell(router, t, id, q.channel);
            }
            Ev::Accept(id, agent, g) => {
                if self.work.get(&id).is_some_and(|w| w.gen_ == g && !w.over) {
                    self.note(t, id, Traced::Accepted(agent));
                    self.feed(
                        router,
                        t,
                        Event::Accept {
                            activity: id,
                            agent,
                        },
                    );
                    self.begin(router, t, id);
                }
            }
            Ev::Done(id, g) => {
                if self.work.get(&id).is_some_and(|w| w.gen_ == g && !w.over) {
                    self.note(t, id, Traced::Completed);
                    self.end(t, id, false);
                    self.feed(router, t, Event::Complete(id));
                }
            }
            Ev::Patience(id) => {
                if self.work.get(&id).is_some_and(|w| !w.answered && !w.over) {
                    self.note(t, id, Traced::Abandoned);
                    self.end(t, id, true);
                    self.feed(router, t, Event::Abandon(id));
                }
            }
            Ev::ShiftStart(agent) => {
                self.feed(router, t, Event::Login(agent));
                self.presence.login(t, agent);
                self.busy.entry(agent).or_default().login(t);
                self.ready(router, t, agent);
            }
            Ev::ShiftEnd(agent) => {
                self.busy.entry(agent).or_default().logout(t);
                self.presence.logout(t, agent);
                self.feed(router, t, Event::Logout(agent));
            }
            Ev::Ready(agent) => {
                if self.presence.logged_in(agent) && !self.presence.on_break(agent) {
                    self.ready(router, t, agent);
                }
            }
            Ev::BreakStart(agent) => {
                if self.presence.logged_in(agent) {
                    self.presence.not_ready(t, agent, BREAK);
                    self.feed(
                        router,
                        t,
                        Event::SetReady {
                            agent,
                            channel: None,
                            ready: false,
                            reason: Some(BREAK.to_string()),
                        },
                    );
                    let long = self.breaks.get(&agent).copied().unwrap_or(0);
                    self.push(t + long, Ev::BreakEnd(agent));
                }
            }
            Ev::BreakEnd(agent) => {
                if self.presence.logged_in(agent) {
                    self.ready(router, t, agent);
                }
            }
        }
    }

    /// A customer of a chat or callback still waiting after arriving is told the wait.
    fn tell<R: Route>(&mut self, router: &R, t: i64, id: ActivityId, channel: ChannelKind) {
        if !self.traced
            || !matches!(channel, ChannelKind::Chat | ChannelKind::Callback)
            || self.work.get(&id).is_none_or(|w| w.answered || w.over)
        {
            return;
        }
        if let Some((position, Some(secs))) = router.wait(id, Timestamp::from_millis(t)) {
            let wait_secs = secs.round().max(0.0) as u64;
            self.note(
                t,
                id,
                Traced::Told {
                    wait_secs,
                    position,
                },
            );
        }
    }

    fn ready<R: Route>(&mut self, router: &mut R, t: i64, agent: UserId) {
        self.presence.ready(t, agent);
        self.feed(
            router,
            t,
            Event::SetReady {
                agent,
                channel: None,
                ready: true,
                reason: None,
            },
        );
    }

    /// The agent starts (or the router assigned) the work: its clock runs.
    fn begin<R: Route>(&mut self, router: &mut R, t: i64, id: ActivityId) {
        if self.traced && self.work.contains_key(&id) {
            self.note(t, id, Traced::Started);
        }
        let Some(w) = self.work.get_mut(&id) else {
            return;
        };
        w.left = (w.handle * 1000.0) as i64;
        w.ends = Some(t + w.left);
        w.gen_ += 1;
        let (at, g) = (t + w.left, w.gen_);
        self.push(at, Ev::Done(id, g));
        self.feed(router, t, Event::Start(id));
    }

    fn end(&mut self, t: i64, id: ActivityId, abandoned: bool) {
        if let Some(w) = self.work.get_mut(&id) {
            w.over = true;
            if let Some(a) = w.agent.take() {
                self.busy.entry(a).or_default().drop_task(t);
            }
            let (qi, arrived) = (w.queue, w.arrived);
            if abandoned {
                self.report.abandoned(qi, t - arrived);
            } else {
                self.report.handled(qi);
            }
        }
        self.work.remove(&id);
    }

    fn act<R: Route>(&mut self, router: &mut R, t: i64, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::Offer {
                    activity, agent, ..
                } => {
                    self.note(t, activity, Traced::Offered(agent));
                    self.reach(t, activity, agent);
                    let accept = self
                        .pool_of
                        .get(&agent)
                        .map_or(2000, |p| self.report.accept_ms(*p));
                    if let Some(w) = self.work.get_mut(&activity) {
                        w.gen_ += 1;
                        let g = w.gen_;
                        self.push(t + accept, Ev::Accept(activity, agent, g));
                    }
                }
                Action::Assign {
                    activity, agent, ..
                } => {
                    self.note(t, activity, Traced::Assigned(agent));
                    self.reach(t, activity, agent);
                    self.begin(router, t, activity);
                }
                Action::Return { activity, .. } => {
                    if self.work.contains_key(&activity) {
                        self.note(t, activity, Traced::Returned);
                    }
                    if let Some(w) = self.work.get_mut(&activity) {
                        w.gen_ += 1;
                        if let Some(a) = w.agent.take() {
                            self.busy.entry(a).or_default().drop_task(t);
                        }
                    }
                }
                Action::Move { activity, to, .. } => {
                    // Into the exception queue: counted as abandoned; nobody works it here.
                    if to.is_none() || to == Some(EXCEPTION) {
                        if self.work.contains_key(&activity) {
                            self.note(t, activity, Traced::Abandoned);
                        }
                        self.end(t, activity, true);
                        self.feed(router, t, Event::Abandon(activity));
                    }
                }
                Action::Pause { activity, .. } => {
                    if let Some(w) = self.work.get_mut(&activity)
                        && let Some(ends) = w.ends.take()
                    {
                        w.left = (ends - t).max(0);
                        w.gen_ += 1;
                    }
                }
                Action::Resume { activity, .. } => {
                    if let Some(w) = self.work.get_mut(&activity)
                        && w.ends.is_none()
                    {
                        w.gen_ += 1;
                        w.ends = Some(t + w.left);
                        let (at, g) = (t + w.left, w.gen_);
                        self.push(at, Ev::Done(activity, g));
                    }
                }
                Action::NotReady { agent, reason } => {
                    if self.presence.logged_in(agent) {
                        self.presence.not_ready(t, agent, &reason);
                    }
                    self.push(t + READY_AGAIN_MS, Ev::Ready(agent));
                }
                Action::Expired { activity, .. } => self.end(t, activity, false),
            }
        }
    }

    /// Work reached an agent (offer or assignment): the first time ends its wait.
    fn reach(&mut self, t: i64, id: ActivityId, agent: UserId) {
        let Some(w) = self.work.get_mut(&id) else {
            return;
        };
        if let Some(old) = w.agent.replace(agent) {
            self.busy.entry(old).or_default().drop_task(t);
        }
        self.busy.entry(agent).or_default().add_task(t);
        if !w.answered {
            w.answered = true;
            let (qi, wait) = (w.queue, t - w.arrived);
            self.report.answered(qi, wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naive::Naive;

    fn scenario(agents: u32) -> Scenario {
        let text = format!(
            r#"
hours = 2
seed = 5
[[queues]]
name = "chat"
channel = "chat"
group = "g"
arrivals_per_hour = 120
handle = {{ dist = "exponential", mean_secs = 240 }}
patience_secs = 120
[[queues]]
name = "precise"
channel = "chat"
steps = [{{ expression = "billing >= 8", wait_secs = 20 }}, {{ expression = "billing >= 1", wait_secs = 0 }}]
arrivals_per_hour = 30
handle = {{ dist = "fixed", secs = 200 }}
[[agents]]
name = "all"
count = {agents}
groups = ["g"]
attributes = {{ billing = 5 }}
capacity = {{ chat = 1 }}
"#
        );
        let s: Scenario = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        s.check().unwrap_or_else(|e| panic!("{e}"));
        s
    }

    fn simulate(s: &Scenario) -> Report {
        let (config, _) = s.config();
        run(s, &mut Router::new(config)).0
    }

    #[test]
    fn every_arrival_is_handled_abandoned_or_unfinished_and_runs_repeat() {
        let s = scenario(6);
        let r = simulate(&s);
        let again = simulate(&s);
        assert_eq!(
            r.render(),
            again.render(),
            "the same seed gives the same run"
        );
        for q in r.queues() {
            assert!(q.arrived > 20, "{q:?}");
            assert_eq!(q.handled + q.abandoned + q.unfinished, q.arrived, "{q:?}");
            assert!((0.0..=1.0).contains(&q.service_level), "{q:?}");
            assert!((0.0..=1.0).contains(&q.occupancy), "{q:?}");
            assert!(q.p90_wait_secs >= 0.0 && q.avg_wait_secs >= 0.0);
        }
    }

    #[test]
    fn the_trace_tells_each_works_story_from_its_arrival() {
        let s = scenario(6);
        let (config, _) = s.config();
        let (report, _, history) = run_traced(&s, &mut Router::new(config));
        let trace = history.work;
        assert_eq!(
            report.render(),
            simulate(&s).render(),
            "tracing changes nothing"
        );
        let mut first: HashMap<ActivityId, Traced> = HashMap::new();
        let mut ends = 0;
        let mut told = 0;
        for t in &trace {
            if let Traced::Told { position, .. } = t.what {
                assert!(position >= 1);
                assert!(
                    matches!(first.get(&t.activity), Some(Traced::Arrived { .. })),
                    "told on arrival"
                );
                told += 1;
            }
            first.entry(t.activity).or_insert(t.what);
            if matches!(t.what, Traced::Completed | Traced::Abandoned) {
                ends += 1;
            }
        }
        assert_eq!(first.len() as u64, report.total_arrived());
        assert!(first.values().all(|w| matches!(w, Traced::Arrived { .. })));
        assert!(
            trace.windows(2).all(|p| p[0].at <= p[1].at),
            "in time order"
        );
        let q = report.queues();
        let done: u64 = q.iter().map(|q| q.handled + q.abandoned).sum();
        assert_eq!(ends as u64, done);
        assert!(told > 0, "waiting chat customers are told the wait");
    }

    #[test]
    fn agents_log_in_take_their_breaks_and_log_out() {
        let mut s = scenario(6);
        s.agents[0].breaks = Some(crate::scenario::Breaks {
            every_hours: 0.5,
            minutes: 5.0,
        });
        let (config, _) = s.config();
        let (_, _, history) = run_traced(&s, &mut Router::new(config));
        let agent = history.agents[0].presence.user_id;
        let mine: Vec<_> = history
            .agents
            .iter()
            .filter(|t| t.presence.user_id == agent)
            .collect();
        assert!(mine[0].presence.logged_in && mine[0].presence.ready.is_empty());
        assert!(mine[1].presence.ready.values().all(|r| *r), "then ready");
        let breaks: Vec<i64> = mine
            .iter()
            .filter(|t| t.presence.reason.as_deref() == Some(BREAK))
            .map(|t| t.at)
            .collect();
        // Two hours of shift: breaks after 30, 60 and 90 minutes.
        assert_eq!(breaks, [1_800_000, 3_600_000, 5_400_000]);
        let last = mine.last().map(|t| &t.presence);
        assert!(last.is_some_and(|p| !p.logged_in), "logged out at the end");
        assert!(
            history.agents.windows(2).all(|p| p[0].at <= p[1].at),
            "in time order"
        );
    }

    #[test]
    fn more_agents_serve_better() {
        let few = simulate(&scenario(3)).queues();
        let many = simulate(&scenario(12)).queues();
        assert!(few[0].abandoned > many[0].abandoned, "{few:?} {many:?}");
        assert!(few[0].service_level < many[0].service_level);
        assert!(few[0].occupancy > many[0].occupancy);
        // Nobody meets the precision queue's first step: its work waits for the widening.
        assert!(many[1].avg_wait_secs >= 20.0, "{many:?}");
    }

    #[test]
    fn the_naive_router_runs_the_same_scenario() {
        let s = scenario(12);
        let (config, _) = s.config();
        let (r, _) = run(&s, &mut Naive::new(config));
        let ours = simulate(&s);
        assert_eq!(r.total_arrived(), ours.total_arrived());
        let q = r.queues();
        assert_eq!(
            q[0].handled + q[0].abandoned + q[0].unfinished,
            q[0].arrived
        );
    }
}
