//! The benchmark's baseline: a naive linear-scan router. New work scans every agent for the
//! longest-available eligible one; a freed agent scans every waiting activity for the best
//! one it may take. Eligibility is evaluated from the expressions at each decision. It keeps
//! to the same interface and the main rules (capacity per channel, readiness, skill groups,
//! precision steps by wait, priority then age, offers and auto-accept) but has no timers: no
//! offer time-outs, widening only at the next event, no limits.

use std::collections::HashMap;

use switchboard_domain::{
    ActivityId, ChannelKind, Expression, QueueId, QueueRouting, Timestamp, UserId,
};
use switchboard_routing::{
    Action, AgentRules, AssignReason, Config, Event, NewWork, QueueRules, RouteError,
};

use super::engine::Route;

struct Agent {
    rules: AgentRules,
    logged_in: bool,
    ready: [bool; 5],
    load: [u8; 5],
    since: [i64; 5],
}

struct Queue {
    rules: QueueRules,
    steps: Vec<(Option<Expression>, i64)>,
}

/// The linear-scan router.
pub struct Naive {
    agents: Vec<Agent>,
    index: HashMap<UserId, usize>,
    queues: HashMap<QueueId, Queue>,
    auto: Vec<ChannelKind>,
    waiting: Vec<NewWork>,
    held: HashMap<ActivityId, (usize, ChannelKind)>,
}

fn ch(c: ChannelKind) -> usize {
    c.index()
}

impl Naive {
    /// A router with `config`.
    pub fn new(config: Config) -> Naive {
        let agents: Vec<Agent> = config
            .agents
            .into_iter()
            .map(|rules| Agent {
                rules,
                logged_in: false,
                ready: [false; 5],
                load: [0; 5],
                since: [0; 5],
            })
            .collect();
        let index = agents
            .iter()
            .enumerate()
            .map(|(i, a)| (a.rules.id, i))
            .collect();
        let queues = config
            .queues
            .into_iter()
            .map(|q| {
                let steps = match &q.routing {
                    QueueRouting::Precision { steps } => {
                        let mut at = 0i64;
                        steps
                            .iter()
                            .map(|s| {
                                let from = at;
                                at += i64::from(s.wait_secs) * 1000;
                                (Expression::parse(&s.expression).ok(), from)
                            })
                            .collect()
                    }
                    _ => Vec::new(),
                };
                (q.id, Queue { rules: q, steps })
            })
            .collect();
        let auto = config
            .departments
            .first()
            .map(|d| d.auto_accept.iter().copied().collect())
            .unwrap_or_default();
        Naive {
            agents,
            index,
            queues,
            auto,
            waiting: Vec::new(),
            held: HashMap::new(),
        }
    }

    fn eligible(&self, a: &Agent, w: &NewWork, now: i64) -> bool {
        let Some(q) = self.queues.get(&w.queue) else {
            return false;
        };
        let skills = match &q.rules.routing {
            QueueRouting::UserGroup { user_group_id } => a.rules.groups.contains(user_group_id),
            QueueRouting::Precision { .. } => q.steps.iter().any(|(e, from)| {
                *from <= now - w.arrived_at.millis()
                    && e.as_ref().is_some_and(|e| e.matches(&a.rules.attributes))
            }),
            QueueRouting::Manual => false,
        };
        skills && self.available(a, ch(w.channel))
    }

    fn available(&self, a: &Agent, c: usize) -> bool {
        let cap = a
            .rules
            .capacity
            .get(&ChannelKind::ALL[c])
            .copied()
            .unwrap_or(0);
        a.logged_in && a.ready[c] && a.load[c] < cap
    }

    fn give(&mut self, now: i64, w: NewWork, i: usize, out: &mut Vec<Action>) {
        let c = ch(w.channel);
        let agent = self.agents[i].rules.id;
        self.agents[i].load[c] += 1;
        self.agents[i].since[c] = now;
        self.held.insert(w.activity, (i, w.channel));
        if self.auto.contains(&w.channel) {
            out.push(Action::Assign {
                activity: w.activity,
                agent,
                reason: AssignReason::AutoAccept,
            });
        } else {
            out.push(Action::Offer {
                activity: w.activity,
                agent,
                expires_at: Timestamp::from_millis(now + 30_000),
            });
        }
    }

    /// New work: the longest-available eligible agent, scanning all of them.
    fn place(&mut self, now: i64, w: NewWork, out: &mut Vec<Action>) {
        let c = ch(w.channel);
        let best = (0..self.agents.len())
            .filter(|&i| self.eligible(&self.agents[i], &w, now))
            .min_by_key(|&i| (self.agents[i].since[c], i));
        match best {
            Some(i) => self.give(now, w, i, out),
            None => self.waiting.push(w),
        }
    }

    /// A freed agent: the best waiting work they may take, scanning all of it, until full.
    fn fill(&mut self, now: i64, i: usize, out: &mut Vec<Action>) {
        loop {
            let a = &self.agents[i];
            let best = self
                .waiting
                .iter()
                .enumerate()
                .filter(|(_, w)| self.eligible(a, w, now))
                .min_by_key(|(_, w)| {
                    let qp = self.queues.get(&w.queue).map_or(0, |q| q.rules.priority);
                    (
                        std::cmp::Reverse(qp),
                        std::cmp::Reverse(w.priority),
                        w.arrived_at.millis(),
                        w.activity,
                    )
                })
                .map(|(k, _)| k);
            let Some(k) = best else {
                return;
            };
            let w = self.waiting.swap_remove(k);
            self.give(now, w, i, out);
        }
    }

    fn idx(&self, agent: UserId) -> Result<usize, RouteError> {
        self.index
            .get(&agent)
            .copied()
            .ok_or(RouteError::UnknownAgent(agent))
    }
}

impl Route for Naive {
    fn handle(&mut self, now: Timestamp, event: Event) -> Result<Vec<Action>, RouteError> {
        let t = now.millis();
        let mut out = Vec::new();
        match event {
            Event::Login(agent) => {
                let i = self.idx(agent)?;
                self.agents[i].logged_in = true;
                self.agents[i].since = [t; 5];
            }
            Event::Logout(agent) => {
                let i = self.idx(agent)?;
                self.agents[i].logged_in = false;
                self.agents[i].ready = [false; 5];
            }
            Event::SetReady {
                agent,
                channel,
                ready,
                ..
            } => {
                let i = self.idx(agent)?;
                match channel {
                    Some(c) => self.agents[i].ready[ch(c)] = ready,
                    None => self.agents[i].ready = [ready; 5],
                }
                self.fill(t, i, &mut out);
            }
            Event::Enqueue(w) => self.place(t, w, &mut out),
            Event::Complete(id) | Event::Abandon(id) => {
                if let Some((i, c)) = self.held.remove(&id) {
                    let a = &mut self.agents[i];
                    a.load[ch(c)] = a.load[ch(c)].saturating_sub(1);
                    a.since[ch(c)] = t;
                    self.fill(t, i, &mut out);
                } else {
                    self.waiting.retain(|w| w.activity != id);
                }
            }
            Event::Pull { agent, .. } => {
                let i = self.idx(agent)?;
                self.fill(t, i, &mut out);
            }
            _ => {}
        }
        Ok(out)
    }

    fn advance(&mut self, _now: Timestamp) -> Vec<Action> {
        Vec::new()
    }

    fn next_deadline(&self) -> Option<Timestamp> {
        None
    }
}
