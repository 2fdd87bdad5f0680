//! What a simulation measured, per queue and per agent pool, and how it is printed.
//!
//! - **Service level**: work answered (first offered or assigned to an agent) within the
//!   queue's threshold, over all work answered or abandoned.
//! - **Wait**: arrival to first offer or assignment, of answered work (average and 90th
//!   percentile).
//! - **Abandoned**: customers who gave up before an agent was offered their work, and work
//!   moved to the exception queue for waiting too long.
//! - **Occupancy**: of the agents who can serve the queue (or of a pool): time holding at
//!   least one activity over time logged in.

use std::collections::HashMap;
use std::fmt::Write;

use switchboard_domain::{Expression, UserId};

use super::scenario::Scenario;

/// Per agent: logged-in and busy time.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    held: u32,
    busy_since: Option<i64>,
    login_since: Option<i64>,
    busy_ms: i64,
    login_ms: i64,
    /// The shift ended while work was in hand: on the clock until it is done.
    leaving: bool,
}

impl Tally {
    /// The shift starts.
    pub fn login(&mut self, t: i64) {
        self.login_since.get_or_insert(t);
    }
    /// The shift ends (the agent stays on the clock while finishing work in hand).
    pub fn logout(&mut self, t: i64) {
        if self.held > 0 {
            self.leaving = true;
            return;
        }
        if let Some(s) = self.login_since.take() {
            self.login_ms += t - s;
        }
    }
    /// The agent holds one more activity.
    pub fn add_task(&mut self, t: i64) {
        if self.held == 0 {
            self.busy_since = Some(t);
        }
        self.held += 1;
    }
    /// The agent holds one fewer.
    pub fn drop_task(&mut self, t: i64) {
        self.held = self.held.saturating_sub(1);
        if self.held == 0
            && let Some(s) = self.busy_since.take()
        {
            self.busy_ms += t - s;
            if std::mem::take(&mut self.leaving) {
                self.logout(t);
            }
        }
    }
    fn close(&mut self, t: i64) {
        if let Some(s) = self.busy_since.take() {
            self.busy_ms += t - s;
        }
        self.held = 0;
        self.logout(t);
    }
}

#[derive(Debug, Clone, Default)]
struct QueueTally {
    arrived: u64,
    answered: u64,
    within: u64,
    handled: u64,
    abandoned: u64,
    waits: Vec<i64>,
}

/// The figures of one run.
#[derive(Debug, Clone)]
pub struct Report {
    names: Vec<String>,
    thresholds: Vec<i64>,
    pool_names: Vec<String>,
    pool_accept_ms: Vec<i64>,
    /// Per queue: the pools that can serve it.
    servers: Vec<Vec<usize>>,
    queues: Vec<QueueTally>,
    /// Per pool: (busy ms, logged-in ms).
    pools: Vec<(i64, i64)>,
    pool_of: HashMap<UserId, usize>,
    /// The time of the last simulated event.
    pub last_event: i64,
}

/// One queue's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueFigures {
    /// Name.
    pub name: String,
    /// Arrivals.
    pub arrived: u64,
    /// Handled to the end.
    pub handled: u64,
    /// Abandoned.
    pub abandoned: u64,
    /// Not finished when the run ended (agents gone home).
    pub unfinished: u64,
    /// Service level, 0–1.
    pub service_level: f64,
    /// Average wait, seconds.
    pub avg_wait_secs: f64,
    /// 90th percentile wait, seconds.
    pub p90_wait_secs: f64,
    /// Occupancy of the agents who can serve it, 0–1.
    pub occupancy: f64,
}

impl Report {
    /// An empty report for `s`.
    pub fn new(s: &Scenario) -> Report {
        let servers = s
            .queues
            .iter()
            .map(|q| {
                s.agents
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| match &q.group {
                        Some(g) => a.groups.contains(g),
                        None => q.steps.iter().any(|st| {
                            Expression::parse(&st.expression)
                                .is_ok_and(|e| e.matches(&a.attributes))
                        }),
                    })
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        let (_, pools) = s.config();
        Report {
            names: s.queues.iter().map(|q| q.name.clone()).collect(),
            thresholds: s
                .queues
                .iter()
                .map(|q| i64::from(q.service_level_secs) * 1000)
                .collect(),
            pool_names: s.agents.iter().map(|a| a.name.clone()).collect(),
            pool_accept_ms: s
                .agents
                .iter()
                .map(|a| (a.accept_secs * 1000.0) as i64)
                .collect(),
            servers,
            queues: vec![QueueTally::default(); s.queues.len()],
            pools: vec![(0, 0); s.agents.len()],
            pool_of: pools.into_iter().collect(),
            last_event: 0,
        }
    }

    pub(super) fn accept_ms(&self, pool: usize) -> i64 {
        self.pool_accept_ms.get(pool).copied().unwrap_or(2000)
    }

    pub(super) fn arrived(&mut self, q: usize) {
        if let Some(x) = self.queues.get_mut(q) {
            x.arrived += 1;
        }
    }

    pub(super) fn answered(&mut self, q: usize, wait_ms: i64) {
        let limit = self.thresholds.get(q).copied().unwrap_or(0);
        if let Some(x) = self.queues.get_mut(q) {
            x.answered += 1;
            x.waits.push(wait_ms);
            if wait_ms <= limit {
                x.within += 1;
            }
        }
    }

    pub(super) fn handled(&mut self, q: usize) {
        if let Some(x) = self.queues.get_mut(q) {
            x.handled += 1;
        }
    }

    pub(super) fn abandoned(&mut self, q: usize, _waited_ms: i64) {
        if let Some(x) = self.queues.get_mut(q) {
            x.abandoned += 1;
        }
    }

    pub(super) fn finish(&mut self, t: i64, busy: &HashMap<UserId, Tally>) {
        for (agent, tally) in busy {
            let mut tally = tally.clone();
            tally.close(t);
            if let Some(p) = self.pool_of.get(agent).and_then(|p| self.pools.get_mut(*p)) {
                p.0 += tally.busy_ms;
                p.1 += tally.login_ms;
            }
        }
    }

    /// Per queue figures.
    pub fn queues(&self) -> Vec<QueueFigures> {
        self.queues
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let mut w = q.waits.clone();
                w.sort_unstable();
                let avg = if w.is_empty() {
                    0.0
                } else {
                    w.iter().sum::<i64>() as f64 / w.len() as f64 / 1000.0
                };
                let p90 = w
                    .get((w.len() * 9 / 10).min(w.len().saturating_sub(1)))
                    .map_or(0.0, |v| *v as f64 / 1000.0);
                let denom = q.answered + q.abandoned;
                let (busy, login) = self
                    .servers
                    .get(i)
                    .map(|ps| {
                        ps.iter().fold((0, 0), |(b, l), p| {
                            let (pb, pl) = self.pools.get(*p).copied().unwrap_or((0, 0));
                            (b + pb, l + pl)
                        })
                    })
                    .unwrap_or((0, 0));
                QueueFigures {
                    name: self.names.get(i).cloned().unwrap_or_default(),
                    arrived: q.arrived,
                    handled: q.handled,
                    abandoned: q.abandoned,
                    unfinished: q.arrived.saturating_sub(q.handled + q.abandoned),
                    service_level: if denom == 0 {
                        1.0
                    } else {
                        q.within as f64 / denom as f64
                    },
                    avg_wait_secs: avg,
                    p90_wait_secs: p90,
                    occupancy: if login == 0 {
                        0.0
                    } else {
                        busy as f64 / login as f64
                    },
                }
            })
            .collect()
    }

    /// Total arrivals.
    pub fn total_arrived(&self) -> u64 {
        self.queues.iter().map(|q| q.arrived).sum()
    }

    /// The printed report.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<24} {:>8} {:>8} {:>9} {:>10} {:>8} {:>10} {:>10} {:>9}",
            "queue",
            "arrived",
            "handled",
            "abandoned",
            "unfinished",
            "SL",
            "avg wait",
            "p90 wait",
            "occupancy"
        );
        for q in self.queues() {
            let _ = writeln!(
                s,
                "{:<24} {:>8} {:>8} {:>8.1}% {:>10} {:>7.1}% {:>9.1}s {:>9.1}s {:>8.1}%",
                q.name,
                q.arrived,
                q.handled,
                pct(q.abandoned, q.arrived),
                q.unfinished,
                q.service_level * 100.0,
                q.avg_wait_secs,
                q.p90_wait_secs,
                q.occupancy * 100.0
            );
        }
        let _ = writeln!(s, "\n{:<24} {:>9}", "agent pool", "occupancy");
        for (i, name) in self.pool_names.iter().enumerate() {
            let (b, l) = self.pools.get(i).copied().unwrap_or((0, 0));
            let occ = if l == 0 { 0.0 } else { b as f64 / l as f64 };
            let _ = writeln!(s, "{:<24} {:>8.1}%", name, occ * 100.0);
        }
        s
    }
}

fn pct(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 * 100.0 / b as f64
    }
}
