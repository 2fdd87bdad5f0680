//! What the router knows at every moment: per queue the waiting count, the oldest age and the
//! agents ready; a waiting activity's position; its expected wait.
//!
//! **Expected wait.** Each queue keeps an exponentially decaying count of the work that left
//! it for an agent (half-life [`HALF_LIFE_MS`]), which estimates its current service rate `r`
//! (activities per second) from recent history rather than from configuration: it already
//! reflects how many agents serve the queue, how long they take and how much of their time
//! other queues take. The decayed count divided by the kernel's mean lifetime is the rate in
//! steady state; while the history is shorter than that, the count is divided by the history's
//! length instead (at least a minute). Work at position `p` (1 = next) still waits about
//! `p / r`: the estimate is of the time left, not counting what it already waited. With no
//! departures in recent history there is no estimate (`None`) unless an eligible agent is
//! available right now (0 s). The estimate is reasonable in steady state and lags sudden
//! changes by about one half-life, the usual trade-off of rate-based estimators (the
//! Erlang-C alternative needs handle times and staffing the router does not control).

use std::cmp::Reverse;

use serde::{Deserialize, Serialize};
use switchboard_domain::{ActivityId, QueueId, Timestamp};

use crate::Router;
use crate::state::{CHANNELS, Phase};

/// Half-life of the departure rate.
pub const HALF_LIFE_MS: f64 = 10.0 * 60.0 * 1000.0;
/// The shortest history a rate is computed over (one departure just now is not a rate of
/// thousands per second).
const MIN_WINDOW_MS: f64 = 60_000.0;

/// An exponentially decaying event count.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Rate {
    value: f64,
    at: i64,
    first: Option<i64>,
}

impl Rate {
    fn decayed(&self, now: i64) -> f64 {
        let dt = (now - self.at).max(0) as f64;
        self.value * (0.5f64).powf(dt / HALF_LIFE_MS)
    }

    /// Counts one event at `now`.
    pub(crate) fn tick(&mut self, now: i64) {
        self.value = self.decayed(now) + 1.0;
        self.at = now.max(self.at);
        self.first.get_or_insert(now);
    }

    /// Events per second: the decayed count over the kernel's mean lifetime (half-life / ln 2),
    /// or over the history seen so far while that is shorter.
    pub(crate) fn per_sec(&self, now: i64) -> f64 {
        let Some(first) = self.first else {
            return 0.0;
        };
        let lifetime = HALF_LIFE_MS / std::f64::consts::LN_2;
        let window = ((now - first) as f64).clamp(MIN_WINDOW_MS, lifetime);
        self.decayed(now) / window * 1000.0
    }
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Work a queue gave to agents today (UTC), and how much of it within the queue's service level.
/// Counted in memory: a restart starts the day's count afresh.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ServiceCount {
    day: i64,
    taken: u32,
    within: u32,
}

impl ServiceCount {
    /// Counts one activity taken by an agent at `now`.
    pub(crate) fn count(&mut self, now: i64, within: bool) {
        self.roll(now);
        self.taken = self.taken.saturating_add(1);
        self.within = self.within.saturating_add(u32::from(within));
    }

    fn roll(&mut self, now: i64) {
        let day = now.div_euclid(DAY_MS);
        if day != self.day {
            *self = ServiceCount {
                day,
                taken: 0,
                within: 0,
            };
        }
    }

    /// `(taken, within)` of the day of `now`.
    fn today(mut self, now: i64) -> (u32, u32) {
        self.roll(now);
        (self.taken, self.within)
    }
}

/// A queue's figures now.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QueueStats {
    /// The queue.
    pub queue: QueueId,
    /// Activities waiting (reserved ones included).
    pub waiting: usize,
    /// Age of the oldest waiting activity, in ms.
    pub oldest_wait_ms: i64,
    /// Member agents logged in.
    pub agents_logged_in: usize,
    /// Member agents available on some channel now.
    pub agents_available: usize,
    /// Recent departures to agents per second.
    pub service_rate: f64,
    /// Activities agents took from the queue today (UTC, since this router started).
    pub taken_today: u32,
    /// Of those, taken within the queue's service level.
    pub within_service_level: u32,
    /// Activities waiting now for longer than the service level (already missed it).
    pub waiting_past_service_level: usize,
    /// Per channel (in `ChannelKind::ALL` order): member agents logged in and ready.
    pub ready: [usize; CHANNELS],
    /// Per channel: member agents holding work of that channel.
    pub busy: [usize; CHANNELS],
    /// Per channel: member agents who could be offered work of that channel now (ready, with
    /// room, nothing uninterruptible in hand).
    pub free: [usize; CHANNELS],
}

impl QueueStats {
    /// Today's service level in percent: work taken within the service level over all work
    /// taken plus work still waiting past it; `None` before any.
    pub fn service_level_pct(&self) -> Option<f64> {
        let total = self.taken_today as usize + self.waiting_past_service_level;
        (total > 0).then(|| f64::from(self.within_service_level) * 100.0 / total as f64)
    }
}

impl Router {
    /// The figures of queue `q`, or `None` for an unknown queue.
    pub fn queue_stats(&self, q: QueueId, now: Timestamp) -> Option<QueueStats> {
        let qi = *self.queue_index.get(&q)?;
        let arrivals: Vec<i64> = self
            .reservations()
            .filter(|(queue, _)| *queue == qi)
            .map(|(_, at)| at)
            .collect();
        self.stats_of(qi, &arrivals, now)
    }

    /// Every queue's figures, in the router's order (the monitor's read): the agents'
    /// reservations are walked once for all queues, not once per queue.
    pub fn all_queue_stats(&self, now: Timestamp) -> Vec<QueueStats> {
        let mut arrivals: Vec<Vec<i64>> = vec![Vec::new(); self.queues.len()];
        for (queue, at) in self.reservations() {
            if let Some(a) = arrivals.get_mut(queue) {
                a.push(at);
            }
        }
        arrivals
            .iter()
            .enumerate()
            .filter_map(|(qi, a)| self.stats_of(qi, a, now))
            .collect()
    }

    /// Work reserved for an agent: its queue's place and when it arrived.
    fn reservations(&self) -> impl Iterator<Item = (usize, i64)> + '_ {
        self.agents
            .iter()
            .flat_map(|a| &a.reserved)
            .filter_map(|r| self.work.get(r))
            .map(|w| (w.queue, w.new.arrived_at.millis()))
    }

    /// The figures of the queue in place `qi`, given when its reserved work arrived.
    fn stats_of(&self, qi: usize, reserved: &[i64], now: Timestamp) -> Option<QueueStats> {
        let slot = self.queues.get(qi)?;
        let q = slot.rules.id;
        let mut waiting = 0;
        let mut oldest = i64::MAX;
        let mut late = 0;
        let threshold = now.millis() - i64::from(slot.rules.service_level_secs) * 1000;
        // Within a lane work is in order of priority, then age: the count is the set's, the
        // oldest of each priority is its first, and only late work is walked.
        for waits in slot
            .lanes
            .iter()
            .filter_map(|l| self.lanes.get(*l))
            .map(|l| &l.waiting)
        {
            waiting += waits.len();
            let mut from = waits.first().map(|k| k.0);
            while let Some(p) = from {
                let start = (p, i64::MIN, ActivityId(i64::MIN));
                let mut class = waits.range(start..).take_while(|k| k.0 == p);
                if let Some(first) = class.next() {
                    oldest = oldest.min(first.1);
                    if first.1 < threshold {
                        late += 1 + class.take_while(|k| k.1 < threshold).count();
                    }
                }
                // The next lower priority.
                from = (p.0 > 0)
                    .then(|| {
                        waits
                            .range((Reverse(p.0 - 1), i64::MIN, ActivityId(i64::MIN))..)
                            .next()
                    })
                    .flatten()
                    .map(|k| k.0);
            }
        }
        for at in reserved {
            waiting += 1;
            oldest = oldest.min(*at);
            late += usize::from(*at < threshold);
        }
        let (mut logged_in, mut available) = (0, 0);
        let (mut ready, mut busy, mut free) = ([0; CHANNELS], [0; CHANNELS], [0; CHANNELS]);
        for i in slot.elig.members.iter() {
            if let Some(a) = self.agents.get(i) {
                logged_in += usize::from(a.logged_in);
                available += usize::from((0..CHANNELS).any(|c| a.available(c)));
                let channels = ready.iter_mut().zip(busy.iter_mut());
                for (c, (r, b)) in channels.enumerate() {
                    *r += usize::from(a.logged_in && a.ready.get(c).copied().unwrap_or(false));
                    *b += usize::from(a.load.get(c).is_some_and(|n| *n > 0));
                }
                for (c, f) in free.iter_mut().enumerate() {
                    *f += usize::from(a.available(c));
                }
            }
        }
        let (taken, within) = slot.service.today(now.millis());
        Some(QueueStats {
            queue: q,
            waiting,
            oldest_wait_ms: if waiting == 0 {
                0
            } else {
                now.millis() - oldest
            },
            agents_logged_in: logged_in,
            agents_available: available,
            service_rate: slot.departures.per_sec(now.millis()),
            taken_today: taken,
            within_service_level: within,
            waiting_past_service_level: late,
            ready,
            busy,
            free,
        })
    }

    /// A waiting activity's position in its queue (1 = next), counting everything waiting
    /// ahead of it in the queue's order (priority, then age).
    pub fn position(&self, activity: ActivityId) -> Option<usize> {
        let w = self.work.get(&activity)?;
        if !matches!(w.phase, Phase::Waiting { .. }) {
            return None;
        }
        let key = w.order_key();
        let slot = self.queues.get(w.queue)?;
        let mut ahead = 0;
        for &l in &slot.lanes {
            if let Some(lane) = self.lanes.get(l) {
                ahead += lane.waiting.range(..key).count();
            }
        }
        for a in &self.agents {
            for r in &a.reserved {
                if let Some(o) = self.work.get(r)
                    && o.queue == w.queue
                    && o.order_key() < key
                {
                    ahead += 1;
                }
            }
        }
        Some(ahead + 1)
    }

    /// Expected seconds still to wait for a waiting activity (see the module comment).
    pub fn expected_wait(&self, activity: ActivityId, now: Timestamp) -> Option<f64> {
        let pos = self.position(activity)?;
        self.expected_wait_at(activity, pos, now)
    }

    /// A waiting activity's place in its queue and its expected wait, the place computed once.
    pub fn wait(&self, activity: ActivityId, now: Timestamp) -> Option<(usize, Option<f64>)> {
        let pos = self.position(activity)?;
        Some((pos, self.expected_wait_at(activity, pos, now)))
    }

    fn expected_wait_at(&self, activity: ActivityId, pos: usize, now: Timestamp) -> Option<f64> {
        let w = self.work.get(&activity)?;
        let slot = self.queues.get(w.queue)?;
        let rate = slot.departures.per_sec(now.millis());
        if rate > 1e-9 {
            return Some(pos as f64 / rate);
        }
        let c = crate::state::ch(w.new.channel);
        let free = slot
            .elig
            .members
            .iter()
            .any(|i| self.agents.get(i).is_some_and(|a| a.available(c)));
        free.then_some(0.0)
    }

    /// The order key of `activity` (for tests of FIFO).
    pub fn order_of(&self, activity: ActivityId) -> Option<(Reverse<u8>, i64, ActivityId)> {
        self.work.get(&activity).map(|w| w.order_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_right_soon_after_a_start() {
        let mut r = Rate::default();
        assert_eq!(r.per_sec(0), 0.0);
        for t in 0..30 {
            r.tick(t * 4000);
        }
        let per_sec = r.per_sec(120_000);
        assert!((per_sec - 0.25).abs() < 0.03, "{per_sec}");
    }

    #[test]
    fn the_rate_follows_a_steady_stream() {
        let mut r = Rate::default();
        // One departure every 2 s for an hour: 0.5 per second.
        for t in 0..1800 {
            r.tick(t * 2000);
        }
        let per_sec = r.per_sec(3_600_000);
        assert!((per_sec - 0.5).abs() < 0.05, "{per_sec}");
        // Ten half-lives later nothing is left.
        assert!(r.per_sec(3_600_000 + 100 * 60 * 1000) < 0.001);
    }
}
