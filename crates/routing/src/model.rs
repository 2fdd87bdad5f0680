//! What goes into the router (configuration and events) and what comes out (actions, errors).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use switchboard_domain::user::AgentAttribute;
use switchboard_domain::{
    ActivityId, AgentOrder, ChannelKind, ChannelSettings, DepartmentId, QueueId, QueueKind,
    QueueRouting, Timestamp, UserGroupId, UserId,
};

/// A department's routing rules.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentRules {
    /// The department.
    pub id: DepartmentId,
    /// Per-channel settings; a channel not listed uses [`ChannelKind::default_settings`].
    pub channels: BTreeMap<ChannelKind, ChannelSettings>,
    /// Channels whose offers are accepted at once (e.g. email).
    pub auto_accept: BTreeSet<ChannelKind>,
    /// Where work goes that cannot wait in its queue (queue full, waited too long, queue gone).
    pub exception_queue: Option<QueueId>,
    /// Seconds new work on a case waits for the agent who last handled the case (0: off).
    pub personal_wait_secs: u32,
    /// Whether that wait applies even while the agent is logged out.
    pub queue_if_agent_not_logged_in: bool,
    /// Seconds after logging out before an agent's unstarted work returns to its queue.
    pub logout_return_secs: u32,
}

impl DepartmentRules {
    /// Rules with every default: no auto-accept, no personalized wait, no exception queue.
    pub fn new(id: DepartmentId) -> DepartmentRules {
        DepartmentRules {
            id,
            channels: BTreeMap::new(),
            auto_accept: BTreeSet::new(),
            exception_queue: None,
            personal_wait_secs: 0,
            queue_if_agent_not_logged_in: false,
            logout_return_secs: 0,
        }
    }

    /// The settings of `channel`.
    pub fn channel(&self, channel: ChannelKind) -> ChannelSettings {
        self.channels
            .get(&channel)
            .copied()
            .unwrap_or_else(|| channel.default_settings())
    }
}

/// A queue as the router sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRules {
    /// The queue.
    pub id: QueueId,
    /// Its department.
    pub department_id: DepartmentId,
    /// Standard, exception or review.
    pub kind: QueueKind,
    /// How agents are found.
    pub routing: QueueRouting,
    /// Which eligible agent first.
    pub order: AgentOrder,
    /// 1 (lowest) to 10.
    pub priority: u8,
    /// Whether it takes new work.
    pub active: bool,
    /// Work taken by an agent within this many seconds counts as within service level.
    pub service_level_secs: u32,
}

/// An agent as the router sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRules {
    /// The agent.
    pub id: UserId,
    /// Home department.
    pub department_id: DepartmentId,
    /// Skills.
    pub attributes: BTreeMap<String, AgentAttribute>,
    /// User groups (skill groups) the agent belongs to.
    pub groups: BTreeSet<UserGroupId>,
    /// How many activities of each channel at once; a channel not listed takes none.
    pub capacity: BTreeMap<ChannelKind, u8>,
}

/// Everything the router is configured with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Departments.
    pub departments: Vec<DepartmentRules>,
    /// Queues.
    pub queues: Vec<QueueRules>,
    /// Agents.
    pub agents: Vec<AgentRules>,
}

/// An activity entering a queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWork {
    /// The activity.
    pub activity: ActivityId,
    /// Its channel.
    pub channel: ChannelKind,
    /// The queue it enters.
    pub queue: QueueId,
    /// 1 (lowest) to 10.
    pub priority: u8,
    /// When it entered the queue: its age counts from here, also after an offer comes back.
    pub arrived_at: Timestamp,
    /// The agent who last handled its case (personalized assignment).
    pub last_agent: Option<UserId>,
    /// Attributes an agent must have, with the least value (1 for a boolean).
    pub required: BTreeMap<String, u8>,
    /// Whom it waits for, if not for everyone eligible in its queue.
    pub pin: Option<Pin>,
    /// Whom it is never offered to (a held reply's author, in its review queue).
    pub not_for: Option<UserId>,
    /// Not offered before this time (a delayed callback, a call to try again): until then the
    /// router holds it aside, counted in no queue figure.
    pub not_before: Option<Timestamp>,
}

/// Whom waiting work is kept for (a workflow's route, a transfer to a user group).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pin {
    /// Only this agent, also while they are logged out, until they decline it or let its offer
    /// time out (then anyone eligible may take it). An agent the router does not know (inactive)
    /// leaves the work to everyone.
    Agent(UserId),
    /// Only the members of this user group, in its queue.
    Group(UserGroupId),
}

/// Where a transfer goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    /// Straight to an agent (who needs room on the channel).
    Agent(UserId),
    /// To the members of a user group, waiting in the current queue.
    Group(UserGroupId),
    /// To another queue, as new work there.
    Queue(QueueId),
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// An agent logged in (not ready on any channel until they say so).
    Login(UserId),
    /// An agent logged out: offers go back at once, unstarted work after the department's
    /// `logout_return_secs`.
    Logout(UserId),
    /// An agent is ready (or not) on one channel, or on all of them.
    SetReady {
        /// The agent.
        agent: UserId,
        /// The channel; `None` for all.
        channel: Option<ChannelKind>,
        /// Ready or not.
        ready: bool,
        /// Why not ready.
        reason: Option<String>,
    },
    /// An activity entered a queue.
    Enqueue(NewWork),
    /// The agent accepted an offer.
    Accept {
        /// The activity.
        activity: ActivityId,
        /// The agent.
        agent: UserId,
    },
    /// The agent declined an offer; it goes back to its queue and is not offered to them again
    /// while it waits there.
    Decline {
        /// The activity.
        activity: ActivityId,
        /// The agent.
        agent: UserId,
    },
    /// The agent opened the activity and started work.
    Start(ActivityId),
    /// The agent set the activity aside.
    Pause(ActivityId),
    /// The agent went back to it.
    Resume(ActivityId),
    /// Done.
    Complete(ActivityId),
    /// The customer went away (or a supervisor ended it); the router forgets it.
    Abandon(ActivityId),
    /// Transfer.
    Transfer {
        /// The activity.
        activity: ActivityId,
        /// Where to.
        to: Target,
    },
    /// An agent takes work: the best waiting in their queues, or a given activity.
    Pull {
        /// The agent.
        agent: UserId,
        /// A given activity.
        activity: Option<ActivityId>,
    },
    /// The activity's priority changed (a workflow or a person raised it): waiting work takes
    /// its new place in its queue's order; held work keeps it for when it waits again.
    Reprioritize {
        /// The activity.
        activity: ActivityId,
        /// Its new priority, 1–10.
        priority: u8,
    },
    /// Time passed: due timers fire.
    Tick,
    /// Rebuilding after a restart: an activity an agent already holds (offered, assigned,
    /// in progress or paused), as the store recorded it. It counts against the agent's
    /// capacity at once; an offer runs for a full start time-out from now, a task for its
    /// max duration from now. An offer to an agent who is not logged in goes back to its
    /// queue.
    Restore {
        /// The activity as it would enter its queue.
        work: NewWork,
        /// The agent who holds it.
        agent: UserId,
        /// How.
        held: Held,
    },
}

/// How an agent holds a restored activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// Offered, not accepted yet.
    Offered,
    /// Accepted or assigned, not started.
    Assigned,
    /// Being worked on.
    Working,
    /// Set aside by the agent (the router does not resume it by itself).
    Paused,
}

/// Why work went back to its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReturnReason {
    /// The agent declined.
    Declined,
    /// The offer was not accepted in time.
    OfferTimedOut,
    /// The agent logged out.
    AgentLoggedOut,
    /// The agent no longer exists or lost the capacity.
    AgentGone,
}

/// Why work moved to another queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoveReason {
    /// The channel's queued limit was reached.
    QueueFull,
    /// It waited longer than the channel allows (counted as abandoned).
    MaxTimeInQueue,
    /// Its queue is gone or inactive.
    QueueUnavailable,
    /// Transferred.
    Transfer,
}

/// How work came to an agent without an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssignReason {
    /// The channel accepts offers at once.
    AutoAccept,
    /// The agent pulled it.
    Pull,
    /// Transferred to the agent.
    Transfer,
}

impl ReturnReason {
    /// The stable name written in events.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnReason::Declined => "declined",
            ReturnReason::OfferTimedOut => "offer_timed_out",
            ReturnReason::AgentLoggedOut => "agent_logged_out",
            ReturnReason::AgentGone => "agent_gone",
        }
    }
}

impl MoveReason {
    /// The stable name written in events.
    pub fn as_str(self) -> &'static str {
        match self {
            MoveReason::QueueFull => "queue_full",
            MoveReason::MaxTimeInQueue => "max_time_in_queue",
            MoveReason::QueueUnavailable => "queue_unavailable",
            MoveReason::Transfer => "transfer",
        }
    }
}

impl AssignReason {
    /// The stable name written in events.
    pub fn as_str(self) -> &'static str {
        match self {
            AssignReason::AutoAccept => "auto_accept",
            AssignReason::Pull => "pull",
            AssignReason::Transfer => "transfer",
        }
    }
}

/// What the router decided; the service records each as events before announcing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Action {
    /// Offer to an agent until `expires_at`.
    Offer {
        /// The activity.
        activity: ActivityId,
        /// The agent.
        agent: UserId,
        /// When the offer goes back.
        expires_at: Timestamp,
    },
    /// Give to an agent.
    Assign {
        /// The activity.
        activity: ActivityId,
        /// The agent.
        agent: UserId,
        /// How.
        reason: AssignReason,
    },
    /// Back to its queue, keeping its age.
    Return {
        /// The activity.
        activity: ActivityId,
        /// The queue.
        queue: QueueId,
        /// Why.
        reason: ReturnReason,
        /// Whom it waits for now (kept when it comes back in its queue).
        pin: Option<Pin>,
        /// Whom it is never offered to (kept when it comes back in its queue).
        not_for: Option<UserId>,
    },
    /// Into another queue (the exception queue, or a transfer).
    Move {
        /// The activity.
        activity: ActivityId,
        /// The queue it leaves.
        from: QueueId,
        /// The queue it enters; `None` when there is none (the department has no exception
        /// queue) and the router lets the activity go.
        to: Option<QueueId>,
        /// Why.
        reason: MoveReason,
        /// Whether it counts as abandoned.
        abandoned: bool,
        /// The user group it now waits for (a transfer to a group).
        group: Option<UserGroupId>,
    },
    /// Pause an interruptible task because other work was offered.
    Pause {
        /// The activity.
        activity: ActivityId,
        /// Its agent.
        agent: UserId,
    },
    /// Resume a task paused by an interruption, now that the other work is done.
    Resume {
        /// The activity.
        activity: ActivityId,
        /// Its agent.
        agent: UserId,
    },
    /// The agent becomes not ready on every channel.
    NotReady {
        /// The agent.
        agent: UserId,
        /// Why.
        reason: String,
    },
    /// The task ran past the channel's max duration: it no longer counts against the agent's
    /// capacity and the router forgets it (the activity stays with the agent).
    Expired {
        /// The activity.
        activity: ActivityId,
        /// Its agent.
        agent: UserId,
    },
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Offer {
                activity,
                agent,
                expires_at,
            } => write!(
                f,
                "offer A{activity} to G{agent} until {}",
                expires_at.millis()
            ),
            Action::Assign {
                activity,
                agent,
                reason,
            } => write!(f, "assign A{activity} to G{agent} ({reason:?})"),
            Action::Return {
                activity,
                queue,
                reason,
                ..
            } => write!(f, "return A{activity} to Q{queue} ({reason:?})"),
            Action::Move {
                activity,
                from,
                to,
                reason,
                abandoned,
                group,
            } => {
                let to = to.map_or("nowhere".to_string(), |q| format!("Q{q}"));
                let ab = if *abandoned { ", abandoned" } else { "" };
                let g = group.map_or(String::new(), |g| format!(" for group {g}"));
                write!(
                    f,
                    "move A{activity} from Q{from} to {to}{g} ({reason:?}{ab})"
                )
            }
            Action::Pause { activity, agent } => write!(f, "pause A{activity} of G{agent}"),
            Action::Resume { activity, agent } => write!(f, "resume A{activity} of G{agent}"),
            Action::NotReady { agent, reason } => write!(f, "G{agent} not ready: {reason}"),
            Action::Expired { activity, agent } => {
                write!(f, "A{activity} of G{agent} ran past its max duration")
            }
        }
    }
}

/// An event the router refuses; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// No such agent in the configuration.
    #[error("agent {0} is not known to the router")]
    UnknownAgent(UserId),
    /// The agent is not logged in.
    #[error("agent {0} is not logged in")]
    NotLoggedIn(UserId),
    /// The router does not hold that activity.
    #[error("activity {0} is not being routed")]
    UnknownActivity(ActivityId),
    /// The activity is already routed (enqueued twice).
    #[error("activity {0} is already being routed")]
    AlreadyRouted(ActivityId),
    /// No such queue, or it is inactive.
    #[error("queue {0} does not exist or is inactive")]
    UnknownQueue(QueueId),
    /// The activity is not in a state that allows this (e.g. accepting what was not offered).
    #[error("activity {activity} cannot {action} now")]
    WrongState {
        /// The activity.
        activity: ActivityId,
        /// What was asked.
        action: &'static str,
    },
    /// The agent has no room on the activity's channel.
    #[error("agent {0} has no room for more work on that channel")]
    NoCapacity(UserId),
    /// Nothing waiting that the agent may take.
    #[error("nothing is waiting that agent {0} may take")]
    NothingToPull(UserId),
    /// A normal queue cannot transfer into a review queue.
    #[error("queue {0} is a review queue: work from a normal queue cannot be transferred into it")]
    IntoReview(QueueId),
}
