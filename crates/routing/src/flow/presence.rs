//! Agents' presence: login, logout (and the return of unstarted work), readiness and the
//! availability sets.

use switchboard_domain::{ChannelKind, Timestamp, UserId};

use crate::Router;
use crate::model::{Action, ReturnReason, RouteError};
use crate::state::{CHANNELS, Phase, ch};
use crate::timers::Timer;

impl Router {
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
        for id in reserved {
            // Work pinned to the agent waits for them.
            if !keep_reserved && self.pinned_agent(id).is_none() {
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
}
