//! What agents do with their work: accept, decline, start, pause, resume, finish, and the
//! time-outs of offers and tasks.

use switchboard_domain::{ActivityId, Timestamp, UserId};

use crate::Router;
use crate::model::{Action, ReturnReason, RouteError};
use crate::state::{CHANNELS, Phase, ch};
use crate::timers::Timer;

impl Router {
    pub(crate) fn held_by(
        &self,
        id: ActivityId,
        action: &'static str,
    ) -> Result<(usize, Phase), RouteError> {
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
        // Not ready first, so the work does not go straight back to the same agent; one who
        // went not ready meanwhile keeps the reason they chose.
        let agent = self.agent_id(i);
        let was_ready = self
            .agents
            .get(i)
            .is_some_and(|a| a.ready.iter().any(|r| *r));
        if was_ready {
            if let Some(a) = self.agents.get_mut(i) {
                a.ready = [false; CHANNELS];
                a.not_ready_reason = Some("missed an offer".into());
            }
            self.refresh_avail(i);
            out.push(Action::NotReady {
                agent,
                reason: "missed an offer".into(),
            });
        }
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
        if self.future.remove(&id).is_some() {
            return Ok(());
        }
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
}
