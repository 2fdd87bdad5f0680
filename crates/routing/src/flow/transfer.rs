//! Transfers (to an agent, a group, a queue) and pulls.

use switchboard_domain::{ActivityId, QueueKind, Timestamp, UserId};

use crate::Router;
use crate::model::{Action, AssignReason, MoveReason, Pin, RouteError, Target};
use crate::router::GONE;
use crate::state::{CHANNELS, Phase, ch};

use super::*;

impl Router {
    pub(crate) fn transfer(
        &mut self,
        now: Timestamp,
        id: ActivityId,
        to: Target,
        out: &mut Vec<Action>,
    ) -> Result<(), RouteError> {
        // Work held until its time is wanted now, once the target is known to be good.
        if let Some(f) = self.future.get(&id) {
            let c = ch(f.new.channel);
            let from_qi = self.queue_index.get(&f.new.queue).copied().unwrap_or(GONE);
            self.check_target(c, from_qi, None, to)?;
            self.due_now(now, id, out);
        }
        let w = self.work.get(&id).ok_or(RouteError::UnknownActivity(id))?;
        let (c, from_queue, from_qi, holder) =
            (ch(w.new.channel), w.new.queue, w.queue, w.phase.agent());
        // Validate everything before changing anything.
        let target_agent = self.check_target(c, from_qi, holder, to)?;
        if target_agent.is_some() && target_agent == holder {
            return Ok(());
        }
        // Take it from wherever it is.
        match holder {
            Some(i) => self.release(now, id, i, out),
            None => self.unfile(id),
        }
        self.bump_phase(id);
        // Who gives work away does not get it pushed back (they may still pull it).
        self.reset_declined(id, holder);
        if let Some(w) = self.work.get_mut(&id) {
            w.phase = Phase::Waiting { reserved_for: None };
            w.personal_done = true;
            w.new.pin = match to {
                Target::Group(g) => Some(Pin::Group(g)),
                Target::Agent(_) | Target::Queue(_) => None,
            };
        }
        // The room it leaves goes to work already waiting before this work is placed again.
        if let Some(i) = holder {
            self.fill(now, i, out);
        }
        match to {
            Target::Agent(_) => {
                if let Some(i) = target_agent {
                    // Filed so that `give` finds it where waiting work is.
                    self.file_waiting(id, None);
                    self.give(now, id, i, Some(AssignReason::Transfer), out);
                }
            }
            Target::Queue(q) => {
                if let Some(w) = self.work.get_mut(&id) {
                    w.queue = self.queue_index.get(&q).copied().unwrap_or(GONE);
                    w.new.queue = q;
                    w.new.arrived_at = now;
                    w.group = None;
                }
                out.push(Action::Move {
                    activity: id,
                    from: from_queue,
                    to: Some(q),
                    reason: MoveReason::Transfer,
                    abandoned: false,
                    group: None,
                });
                self.start_waiting(now, id, out);
            }
            Target::Group(g) => {
                if let Some(w) = self.work.get_mut(&id) {
                    w.group = Some(g);
                    w.new.arrived_at = now;
                    if w.queue == GONE {
                        w.queue = from_qi;
                    }
                }
                out.push(Action::Move {
                    activity: id,
                    from: from_queue,
                    to: Some(from_queue),
                    reason: MoveReason::Transfer,
                    abandoned: false,
                    group: Some(g),
                });
                self.start_waiting(now, id, out);
            }
        }
        Ok(())
    }

    /// Checks a transfer of work on channel index `c`, from queue index `from_qi`, held by
    /// `holder`, to `to`: the agent it goes to, if any.
    fn check_target(
        &self,
        c: usize,
        from_qi: usize,
        holder: Option<usize>,
        to: Target,
    ) -> Result<Option<usize>, RouteError> {
        Ok(match to {
            Target::Agent(agent) => {
                let i = self.agent_idx(agent)?;
                let a = self.agents.get(i).ok_or(RouteError::UnknownAgent(agent))?;
                if !a.logged_in {
                    return Err(RouteError::NotLoggedIn(agent));
                }
                if holder != Some(i) && !a.has_room(c) {
                    return Err(RouteError::NoCapacity(agent));
                }
                Some(i)
            }
            Target::Queue(q) => {
                let qi = *self
                    .queue_index
                    .get(&q)
                    .ok_or(RouteError::UnknownQueue(q))?;
                let target = self.queues.get(qi).ok_or(RouteError::UnknownQueue(q))?;
                if !target.rules.active {
                    return Err(RouteError::UnknownQueue(q));
                }
                let from_review = self
                    .queues
                    .get(from_qi)
                    .is_some_and(|s| s.rules.kind == QueueKind::Review);
                if target.rules.kind == QueueKind::Review && !from_review {
                    return Err(RouteError::IntoReview(q));
                }
                None
            }
            Target::Group(_) => None,
        })
    }

    pub(crate) fn pull(
        &mut self,
        now: Timestamp,
        agent: UserId,
        activity: Option<ActivityId>,
        out: &mut Vec<Action>,
    ) -> Result<(), RouteError> {
        let i = self.agent_idx(agent)?;
        let a = self.agents.get(i).ok_or(RouteError::UnknownAgent(agent))?;
        if !a.logged_in {
            return Err(RouteError::NotLoggedIn(agent));
        }
        let id = match activity {
            Some(id) => {
                if self.future.contains_key(&id) {
                    return Err(RouteError::WrongState {
                        activity: id,
                        action: "be pulled before its time",
                    });
                }
                let w = self.work.get(&id).ok_or(RouteError::UnknownActivity(id))?;
                let Phase::Waiting { reserved_for } = w.phase else {
                    return Err(RouteError::WrongState {
                        activity: id,
                        action: "be pulled",
                    });
                };
                let member = self
                    .queues
                    .get(w.queue)
                    .is_some_and(|q| q.elig.members.contains(i))
                    || w.group.is_some_and(|g| a.rules.groups.contains(&g))
                    || reserved_for == Some(i);
                if !member || reserved_for.is_some_and(|r| r != i) {
                    return Err(RouteError::NothingToPull(agent));
                }
                if !a.has_room(ch(w.new.channel)) {
                    return Err(RouteError::NoCapacity(agent));
                }
                id
            }
            None => {
                let channels: Vec<usize> = (0..CHANNELS).filter(|&c| a.has_room(c)).collect();
                if channels.is_empty() {
                    return Err(RouteError::NoCapacity(agent));
                }
                self.best_work(now, i, &channels, Mode::Pull)
                    .ok_or(RouteError::NothingToPull(agent))?
            }
        };
        self.give(now, id, i, Some(AssignReason::Pull), out);
        Ok(())
    }
}
