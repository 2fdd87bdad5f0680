//! The router's runtime records: agents, work (activities being routed), lanes and queues.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use switchboard_domain::{ActivityId, ChannelKind, DepartmentId, UserGroupId};

use crate::eligibility::Eligibility;
use crate::model::{AgentRules, NewWork, QueueRules};
use crate::stats::Rate;

/// Channels, as array indexes.
pub(crate) const CHANNELS: usize = ChannelKind::ALL.len();

/// A channel's array index.
pub(crate) fn ch(c: ChannelKind) -> usize {
    c.index()
}

/// An agent's presence and load.
#[derive(Debug, Clone)]
pub(crate) struct Agent {
    pub(crate) rules: AgentRules,
    pub(crate) logged_in: bool,
    pub(crate) ready: [bool; CHANNELS],
    pub(crate) not_ready_reason: Option<String>,
    /// Per channel: since when the agent has been ready without new work (the order of
    /// "longest available": becoming ready, receiving work and finishing work reset it).
    pub(crate) since: [i64; CHANNELS],
    /// Per channel: the room it takes.
    pub(crate) capacity: [u8; CHANNELS],
    /// Per channel: tasks held (offered, assigned, working or paused).
    pub(crate) load: [u8; CHANNELS],
    /// Per channel: tasks held and not paused.
    pub(crate) busy: [u8; CHANNELS],
    /// Per channel: busy tasks that other channels may not interrupt.
    pub(crate) blocking: [u8; CHANNELS],
    /// Tasks held.
    pub(crate) tasks: Vec<ActivityId>,
    /// Waiting work reserved for this agent (personalized assignment).
    pub(crate) reserved: Vec<ActivityId>,
    /// Changes at every login, so a return-after-logout timer of an earlier logout is void.
    pub(crate) session: u64,
    /// Queue indexes where the agent is a member (may pull) — eligible at some step.
    pub(crate) queues: Vec<usize>,
}

impl Agent {
    pub(crate) fn new(rules: AgentRules) -> Agent {
        let mut capacity = [0u8; CHANNELS];
        for (c, n) in &rules.capacity {
            if let Some(slot) = capacity.get_mut(ch(*c)) {
                *slot = *n;
            }
        }
        Agent {
            rules,
            logged_in: false,
            ready: [false; CHANNELS],
            not_ready_reason: None,
            since: [0; CHANNELS],
            capacity,
            load: [0; CHANNELS],
            busy: [0; CHANNELS],
            blocking: [0; CHANNELS],
            tasks: Vec::new(),
            reserved: Vec::new(),
            session: 0,
            queues: Vec::new(),
        }
    }

    /// Whether the agent has room for one more task of channel `c` (logged in, whatever
    /// their readiness).
    pub(crate) fn has_room(&self, c: usize) -> bool {
        self.logged_in && self.load.get(c) < self.capacity.get(c)
    }

    /// Whether channel `c` may be offered: ready, room, and no task of another channel that
    /// may not be interrupted.
    pub(crate) fn available(&self, c: usize) -> bool {
        self.has_room(c)
            && self.ready.get(c).copied().unwrap_or(false)
            && self
                .blocking
                .iter()
                .enumerate()
                .all(|(d, &n)| d == c || n == 0)
    }
}

/// Where a piece of work is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// In its queue; possibly reserved for one agent for a while.
    Waiting { reserved_for: Option<usize> },
    /// Offered to an agent.
    Offered { agent: usize },
    /// The agent has it and has not started.
    Assigned { agent: usize },
    /// The agent works on it.
    Working { agent: usize },
    /// Set aside; `by_router` when an interruption paused it (the router resumes it).
    Paused { agent: usize, by_router: bool },
}

impl Phase {
    /// The agent holding it, if any.
    pub(crate) fn agent(self) -> Option<usize> {
        match self {
            Phase::Waiting { .. } => None,
            Phase::Offered { agent }
            | Phase::Assigned { agent }
            | Phase::Working { agent }
            | Phase::Paused { agent, .. } => Some(agent),
        }
    }
}

/// An activity being routed.
#[derive(Debug, Clone)]
pub(crate) struct Work {
    pub(crate) new: NewWork,
    pub(crate) department: DepartmentId,
    /// Queue index.
    pub(crate) queue: usize,
    /// Lane index while it waits unreserved.
    pub(crate) lane: Option<usize>,
    /// Only members of this group may take it (a transfer to a group).
    pub(crate) group: Option<UserGroupId>,
    pub(crate) phase: Phase,
    /// Agents who declined it while it waits in this queue.
    pub(crate) declined: Vec<usize>,
    /// Changes with every phase change: timers of an earlier phase are void.
    pub(crate) phase_gen: u64,
    /// Changes when it enters a queue: age-based timers of an earlier queue are void.
    pub(crate) queue_gen: u64,
    /// The `queue_gen` in which the queue counted it as taken (a declined or expired offer
    /// given again in the same queue is not taken twice).
    pub(crate) counted_gen: u64,
    /// Whether the personalized wait was already given.
    pub(crate) personal_done: bool,
    /// Whether its channel may be interrupted (fixed when it reaches an agent).
    pub(crate) interruptible: bool,
    /// Whether it is in a lane or reserved list (and counted as queued).
    pub(crate) filed: bool,
}

impl Work {
    /// Its place in a queue's order: higher priority first, then older first.
    pub(crate) fn order_key(&self) -> (Reverse<u8>, i64, ActivityId) {
        (
            Reverse(self.new.priority),
            self.new.arrived_at.millis(),
            self.new.activity,
        )
    }
}

/// The order of waiting work in a lane.
pub(crate) type WaitKey = (Reverse<u8>, i64, ActivityId);

/// Work of one queue that the same agents may take: same channel, same required attributes,
/// same group restriction. Within a lane, older work is at a later (wider) step, so an agent
/// not eligible for the oldest work of a priority is eligible for none of that priority.
#[derive(Debug, Clone)]
pub(crate) struct Lane {
    pub(crate) channel: ChannelKind,
    pub(crate) required: Vec<(String, u8)>,
    pub(crate) group: Option<UserGroupId>,
    pub(crate) waiting: BTreeSet<WaitKey>,
}

/// Identifies a lane.
pub(crate) type LaneKey = (usize, ChannelKind, Vec<(String, u8)>, Option<UserGroupId>);

/// A queue's rules and routing state.
#[derive(Debug, Clone)]
pub(crate) struct QueueSlot {
    pub(crate) rules: QueueRules,
    pub(crate) elig: Eligibility,
    pub(crate) lanes: Vec<usize>,
    /// Work leaving the queue for an agent, for the expected wait.
    pub(crate) departures: Rate,
    /// Today's work taken by an agent, and how much of it within the service level.
    pub(crate) service: crate::stats::ServiceCount,
}

/// Whether an agent meets a lane's required attributes.
pub(crate) fn meets(agent: &AgentRules, required: &[(String, u8)]) -> bool {
    required.iter().all(|(name, min)| {
        switchboard_domain::expression::attribute_value(agent.attributes.get(name)) >= *min
    })
}
