//! Which agents may take a queue's work, computed when the configuration changes so that a
//! routing decision only intersects sets.
//!
//! A precision queue's steps are cumulative: at step `s` an agent matching any of steps `0..=s`
//! is eligible, so each step only widens the pool. An agent's *first step* in a queue is the
//! first step whose expression they match; work of age `t` is at the step whose waits add up
//! past `t` (the last step lasts forever). A user-group queue's members are eligible at step 0;
//! a manual queue has no eligible agents (its work is pulled).

use switchboard_domain::{Expression, QueueRouting};

use crate::bitset::BitSet;
use crate::model::{AgentRules, QueueRules};

/// Marks an agent who is never eligible.
pub(crate) const NEVER: u8 = u8::MAX;

/// A queue's compiled routing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Eligibility {
    /// Parsed step expressions (empty for group and manual queues); `None` for one that does
    /// not parse (the domain validates them, so only stored data from elsewhere), which
    /// matches nobody.
    steps: Vec<Option<Expression>>,
    /// The attributes the steps name, once each: an agent's skill for the queue is their sum.
    named: Vec<String>,
    /// Cumulative end of each step, in ms from arrival (the last is `i64::MAX`).
    step_ends: Vec<i64>,
    /// Per agent index: first eligible step, or [`NEVER`].
    pub(crate) first_step: Vec<u8>,
    /// Per agent index: skill for the queue (sum of the attributes its steps name).
    pub(crate) skill: Vec<u16>,
    /// Per step: agents eligible at that step (cumulative).
    pub(crate) upto: Vec<BitSet>,
    /// Agents who may pull the queue's work (eligible at some step, or any agent of the
    /// department for a manual queue).
    pub(crate) members: BitSet,
}

impl Eligibility {
    /// Compiles `queue` for `agents` (indexed by position).
    pub(crate) fn compile<'a>(
        queue: &QueueRules,
        agents: impl Iterator<Item = &'a AgentRules>,
    ) -> Eligibility {
        let mut e = Eligibility::default();
        match &queue.routing {
            QueueRouting::Precision { steps } => {
                let mut end = 0i64;
                for (i, s) in steps.iter().enumerate() {
                    let expr = Expression::parse(&s.expression).ok();
                    for name in expr.iter().flat_map(Expression::attributes) {
                        if !e.named.iter().any(|n| n == name) {
                            e.named.push(name.to_string());
                        }
                    }
                    e.steps.push(expr);
                    end = if i + 1 == steps.len() {
                        i64::MAX
                    } else {
                        end.saturating_add(i64::from(s.wait_secs) * 1000)
                    };
                    e.step_ends.push(end);
                }
            }
            QueueRouting::UserGroup { .. } | QueueRouting::Manual => e.step_ends.push(i64::MAX),
        }
        e.upto = vec![BitSet::default(); e.step_ends.len()];
        for (i, agent) in agents.enumerate() {
            e.add_agent(queue, i, agent);
        }
        e
    }

    /// Computes agent `i`'s first step, skill and membership.
    fn add_agent(&mut self, queue: &QueueRules, i: usize, agent: &AgentRules) {
        let first = match &queue.routing {
            QueueRouting::Precision { .. } => self
                .steps
                .iter()
                .position(|s| s.as_ref().is_some_and(|e| e.matches(&agent.attributes)))
                .and_then(|p| u8::try_from(p).ok())
                .unwrap_or(NEVER),
            QueueRouting::UserGroup { user_group_id } => {
                if agent.groups.contains(user_group_id) {
                    0
                } else {
                    NEVER
                }
            }
            QueueRouting::Manual => NEVER,
        };
        let skill: u16 = self
            .named
            .iter()
            .map(|a| {
                u16::from(switchboard_domain::expression::attribute_value(
                    agent.attributes.get(a),
                ))
            })
            .sum();
        if self.first_step.len() <= i {
            self.first_step.resize(i + 1, NEVER);
            self.skill.resize(i + 1, 0);
        }
        if let Some(f) = self.first_step.get_mut(i) {
            *f = first;
        }
        if let Some(s) = self.skill.get_mut(i) {
            *s = skill;
        }
        for (s, set) in self.upto.iter_mut().enumerate() {
            set.set(i, usize::from(first) <= s);
        }
        let member = first != NEVER
            || (matches!(queue.routing, QueueRouting::Manual)
                && agent.department_id == queue.department_id);
        self.members.set(i, member);
    }

    /// The step of work that has waited `age_ms`.
    pub(crate) fn step_at(&self, age_ms: i64) -> usize {
        self.step_ends
            .iter()
            .position(|&end| age_ms < end)
            .unwrap_or(self.step_ends.len().saturating_sub(1))
    }

    /// When (ms after arrival) work at `step` moves to the next one; `None` at the last.
    pub(crate) fn next_step_at(&self, step: usize) -> Option<i64> {
        (step + 1 < self.step_ends.len())
            .then(|| self.step_ends.get(step).copied())
            .flatten()
    }

    /// The agents eligible at `step`.
    pub(crate) fn at_step(&self, step: usize) -> Option<&BitSet> {
        self.upto.get(step)
    }
}
