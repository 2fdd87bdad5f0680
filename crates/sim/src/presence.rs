//! Agents' presence as the simulation changes it, kept the way the routing service keeps it
//! (logged in; ready per channel; why not ready) so an event history can record each change:
//! the reports' tests and benchmark turn [`AgentTrace`]s into `presence_changed` events.

use std::collections::{HashMap, HashSet};

use switchboard_domain::{ChannelKind, Presence, Timestamp, UserId};

/// The reason a simulated agent on a break gives.
pub const BREAK: &str = "Break";

/// One change of an agent's presence: when (virtual ms from the start) and how it stands after.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentTrace {
    /// Virtual time (ms from the start).
    pub at: i64,
    /// The agent's presence after the change (its `updated_at` is `at` in virtual time).
    pub presence: Presence,
}

/// Every agent's presence, and the changes when traced.
#[derive(Debug, Default)]
pub(crate) struct Presences {
    now: HashMap<UserId, Presence>,
    on_break: HashSet<UserId>,
    traced: bool,
    pub(crate) trace: Vec<AgentTrace>,
}

impl Presences {
    /// Nobody logged in yet; changes kept when `traced`.
    pub(crate) fn new(traced: bool) -> Presences {
        Presences {
            traced,
            ..Presences::default()
        }
    }

    /// Whether `agent` is logged in.
    pub(crate) fn logged_in(&self, agent: UserId) -> bool {
        self.now.get(&agent).is_some_and(|p| p.logged_in)
    }

    /// Whether `agent` is on a break.
    pub(crate) fn on_break(&self, agent: UserId) -> bool {
        self.on_break.contains(&agent)
    }

    /// The agent logs in (ready on nothing yet).
    pub(crate) fn login(&mut self, at: i64, agent: UserId) {
        self.change(at, agent, |p| {
            p.logged_in = true;
            p.ready.clear();
            p.reason = None;
        });
    }

    /// The agent logs out.
    pub(crate) fn logout(&mut self, at: i64, agent: UserId) {
        self.on_break.remove(&agent);
        self.change(at, agent, |p| {
            p.logged_in = false;
            p.ready.clear();
        });
    }

    /// The agent is ready on every channel.
    pub(crate) fn ready(&mut self, at: i64, agent: UserId) {
        self.on_break.remove(&agent);
        self.change(at, agent, |p| {
            for c in ChannelKind::ALL {
                p.ready.insert(c, true);
            }
            p.reason = None;
        });
    }

    /// The agent is not ready on any channel, for `reason` (a break when it is [`BREAK`]).
    pub(crate) fn not_ready(&mut self, at: i64, agent: UserId, reason: &str) {
        if reason == BREAK {
            self.on_break.insert(agent);
        }
        self.change(at, agent, |p| {
            for r in p.ready.values_mut() {
                *r = false;
            }
            p.reason = Some(reason.to_string());
        });
    }

    fn change(&mut self, at: i64, agent: UserId, f: impl FnOnce(&mut Presence)) {
        let p = self
            .now
            .entry(agent)
            .or_insert_with(|| Presence::logged_out(agent, Timestamp::from_millis(at)));
        let before = p.clone();
        f(p);
        p.updated_at = Timestamp::from_millis(at);
        let same =
            (before.logged_in, &before.ready, &before.reason) == (p.logged_in, &p.ready, &p.reason);
        if self.traced && !same {
            self.trace.push(AgentTrace {
                at,
                presence: p.clone(),
            });
        }
    }
}
