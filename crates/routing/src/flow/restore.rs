//! Rebuilding after a restart: work an agent already holds comes back with its holder.

use switchboard_domain::{ActivityId, Timestamp, UserId};

use crate::Router;
use crate::model::{Action, Held, NewWork, Pin, ReturnReason, RouteError};
use crate::router::GONE;
use crate::state::{Phase, Work};
use crate::timers::Timer;

impl Router {
    pub(crate) fn restore(
        &mut self,
        now: Timestamp,
        new: NewWork,
        agent: UserId,
        held: Held,
        out: &mut Vec<Action>,
    ) -> Result<(), RouteError> {
        let id: ActivityId = new.activity;
        if self.work.contains_key(&id) {
            return Err(RouteError::AlreadyRouted(id));
        }
        let i = self.agent_idx(agent)?;
        let qi = self.queue_index.get(&new.queue).copied().unwrap_or(GONE);
        let department = match self.queues.get(qi) {
            Some(q) => q.rules.department_id,
            None => self
                .agents
                .get(i)
                .map(|a| a.rules.department_id)
                .ok_or(RouteError::UnknownAgent(agent))?,
        };
        let settings = self.departments.get(&department).map_or_else(
            || new.channel.default_settings(),
            |d| d.channel(new.channel),
        );
        let phase = match held {
            Held::Offered => Phase::Offered { agent: i },
            Held::Assigned => Phase::Assigned { agent: i },
            Held::Working => Phase::Working { agent: i },
            Held::Paused => Phase::Paused {
                agent: i,
                by_router: false,
            },
        };
        let group = match new.pin {
            Some(Pin::Group(g)) => Some(g),
            _ => None,
        };
        let declined = self.barred(&new);
        self.work.insert(
            id,
            Work {
                new,
                department,
                queue: qi,
                lane: None,
                group,
                phase,
                declined,
                phase_gen: 0,
                queue_gen: 0,
                counted_gen: 0,
                personal_done: true,
                interruptible: settings.interruptible,
                filed: false,
            },
        );
        self.hold(id, i);
        let pg = self.bump_phase(id);
        let logged_in = self.agents.get(i).is_some_and(|a| a.logged_in);
        if held == Held::Offered {
            if !logged_in {
                self.give_back(now, id, ReturnReason::AgentLoggedOut, out);
                return Ok(());
            }
            let expires = now.millis() + i64::from(settings.start_timeout_secs) * 1000;
            self.timers.set(expires, Timer::OfferExpiry(id, pg));
        } else {
            let until = now.millis() + i64::from(settings.max_duration_secs) * 1000;
            self.timers.set(until, Timer::TaskLife(id, pg));
        }
        self.refresh_avail(i);
        Ok(())
    }
}
