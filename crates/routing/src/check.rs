//! Self-checks for tests: the router's bookkeeping against a plain recount, and its decisions
//! against a naive eligibility computed straight from the configuration. Slow (it scans
//! everything); property tests call it after every event.

use std::collections::HashMap;

use switchboard_domain::{ActivityId, Expression, QueueRouting, Timestamp};

use crate::Router;
use crate::state::{CHANNELS, Phase, ch, meets};

impl Router {
    /// Whether agent index `i` may be pushed `activity` at `now`, computed naively from the
    /// configuration (the router's own answer comes from precomputed sets).
    fn naive_eligible(&self, activity: ActivityId, i: usize, now: Timestamp) -> bool {
        let (Some(w), Some(a)) = (self.work.get(&activity), self.agents.get(i)) else {
            return false;
        };
        if w.declined.contains(&i) {
            return false;
        }
        if let Phase::Waiting {
            reserved_for: Some(r),
        } = w.phase
        {
            return r == i;
        }
        if !meets(
            &a.rules,
            &w.new
                .required
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect::<Vec<_>>(),
        ) {
            return false;
        }
        if let Some(g) = w.group {
            return a.rules.groups.contains(&g);
        }
        let Some(q) = self.queues.get(w.queue) else {
            return false;
        };
        match &q.rules.routing {
            QueueRouting::Manual => false,
            QueueRouting::UserGroup { user_group_id } => a.rules.groups.contains(user_group_id),
            QueueRouting::Precision { steps } => {
                let age = now.millis() - w.new.arrived_at.millis();
                let mut end = 0i64;
                for (k, s) in steps.iter().enumerate() {
                    let matches = Expression::parse(&s.expression)
                        .is_ok_and(|e| e.matches(&a.rules.attributes));
                    if matches {
                        return true;
                    }
                    end += i64::from(s.wait_secs) * 1000;
                    if k + 1 < steps.len() && age < end {
                        return false;
                    }
                }
                false
            }
        }
    }

    /// Checks every invariant at `now` (call right after [`Router::handle`] or
    /// [`Router::advance`] at that time); the error names the first broken one.
    pub fn check_invariants(&self, now: Timestamp) -> Result<(), String> {
        // Agents' load against their work.
        for (i, a) in self.agents.iter().enumerate() {
            let mut load = [0u8; CHANNELS];
            let mut busy = [0u8; CHANNELS];
            for t in &a.tasks {
                let w = self
                    .work
                    .get(t)
                    .ok_or(format!("agent {} holds unknown work {t}", a.rules.id))?;
                if w.phase.agent() != Some(i) {
                    return Err(format!(
                        "agent {} lists {t}, held by someone else",
                        a.rules.id
                    ));
                }
                let c = ch(w.new.channel);
                load[c] += 1;
                if !matches!(w.phase, Phase::Paused { .. }) {
                    busy[c] += 1;
                }
            }
            if load != a.load || busy != a.busy {
                return Err(format!(
                    "agent {}: load {:?}/{:?} but counted {load:?}/{busy:?}",
                    a.rules.id, a.load, a.busy
                ));
            }
            for c in 0..CHANNELS {
                if a.load[c] > a.capacity[c] {
                    return Err(format!(
                        "agent {} over capacity on channel {c}: {} > {}",
                        a.rules.id, a.load[c], a.capacity[c]
                    ));
                }
                if self.avail[c].contains(i) != a.available(c) {
                    return Err(format!(
                        "agent {} availability bit stale on {c}",
                        a.rules.id
                    ));
                }
            }
        }
        // Work against lanes, reserved lists and counts.
        let mut queued: HashMap<(switchboard_domain::DepartmentId, usize), u32> = HashMap::new();
        let mut in_lanes = 0usize;
        for l in &self.lanes {
            in_lanes += l.waiting.len();
        }
        let mut filed = 0usize;
        for (id, w) in &self.work {
            let held = w.phase.agent();
            if let Some(i) = held
                && !self.agents.get(i).is_some_and(|a| a.tasks.contains(id))
            {
                return Err(format!(
                    "{id} is held by agent index {i} who does not list it"
                ));
            }
            if let Phase::Waiting { reserved_for } = w.phase {
                if !w.filed {
                    return Err(format!("{id} waits but is not filed"));
                }
                match reserved_for {
                    Some(r) => {
                        if !self.agents.get(r).is_some_and(|a| a.reserved.contains(id)) {
                            return Err(format!("{id} reserved but not on the agent's list"));
                        }
                    }
                    None => {
                        let lane = w.lane.and_then(|l| self.lanes.get(l));
                        if !lane.is_some_and(|l| l.waiting.contains(&w.order_key())) {
                            return Err(format!("{id} waits but is not in its lane"));
                        }
                        filed += 1;
                    }
                }
                let exception = self
                    .queues
                    .get(w.queue)
                    .is_some_and(|q| q.rules.kind == switchboard_domain::QueueKind::Exception);
                if !exception {
                    *queued.entry((w.department, ch(w.new.channel))).or_default() += 1;
                }
            } else if w.filed {
                return Err(format!("{id} is with an agent but still filed"));
            }
        }
        if filed != in_lanes {
            return Err(format!(
                "lanes hold {in_lanes} entries for {filed} waiting activities"
            ));
        }
        let counted: HashMap<_, _> = self
            .queued
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, v)| (*k, *v))
            .collect();
        if counted != queued {
            return Err(format!("queued counts {counted:?}, recounted {queued:?}"));
        }
        // Nothing waits while an eligible agent is available.
        for (id, w) in &self.work {
            if !matches!(w.phase, Phase::Waiting { .. }) {
                continue;
            }
            let c = ch(w.new.channel);
            for i in self.avail[c].iter() {
                if self.naive_eligible(*id, i, now) {
                    return Err(format!(
                        "{id} waits while agent {} is available and eligible",
                        self.agent_id(i)
                    ));
                }
            }
        }
        Ok(())
    }

    /// Checks a push decision just made at `now`: the agent was eligible, and nothing waiting
    /// in the same queue came before it in the queue's order for that agent (FIFO among equals).
    pub fn check_push(&self, activity: ActivityId, now: Timestamp) -> Result<(), String> {
        let w = self
            .work
            .get(&activity)
            .ok_or(format!("{activity} is not held"))?;
        let i = w
            .phase
            .agent()
            .ok_or(format!("{activity} is not with an agent"))?;
        let a = self.agents.get(i).ok_or("no agent")?;
        // Work reserved for the case's last agent (personalized assignment) or pinned to the
        // agent skips the queue.
        if w.new.last_agent == Some(a.rules.id)
            || w.new.pin == Some(crate::model::Pin::Agent(a.rules.id))
        {
            return Ok(());
        }
        if !self.naive_eligible(activity, i, now) {
            return Err(format!(
                "{activity} went to agent {}, who is not eligible",
                a.rules.id
            ));
        }
        let key = w.order_key();
        for (vid, v) in &self.work {
            if *vid == activity
                || v.queue != w.queue
                || v.new.channel != w.new.channel
                || !matches!(v.phase, Phase::Waiting { reserved_for: None })
                || v.order_key() >= key
            {
                continue;
            }
            if self.naive_eligible(*vid, i, now) {
                return Err(format!(
                    "{activity} went to agent {} while {vid} waited ahead of it and they were eligible for it",
                    a.rules.id
                ));
            }
        }
        Ok(())
    }
}
