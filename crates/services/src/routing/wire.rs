//! What crosses between nodes when the router runs on another one: a [`Call`] to the router,
//! its [`Reply`], and the error as [`WireError`]. A node without the router's lease forwards
//! its callers' calls to the holder through a [`Remote`] (the web layer's HTTP client).

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use switchboard_domain::{ActivityId, Actor, QueueId, Timestamp, UserId};
use switchboard_routing::{Action, AgentState, QueueStats, RouteError};
use switchboard_store::StoreError;

use super::{Request, RouterError, WaitEstimate};

/// A call to the router.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Call {
    /// [`super::RouterHandle::request`].
    Request {
        /// What is asked.
        request: Request,
        /// Who asks.
        actor: Actor,
    },
    /// [`super::RouterHandle::queue_stats`].
    Stats {
        /// The queue.
        queue: QueueId,
    },
    /// [`super::RouterHandle::monitor`].
    Monitor,
    /// [`super::RouterHandle::agent_queues`].
    AgentQueues {
        /// The agent.
        agent: UserId,
    },
    /// [`super::RouterHandle::wait`].
    Wait {
        /// The activity.
        activity: ActivityId,
    },
    /// [`super::RouterHandle::offer_expiry`].
    Offer {
        /// The activity.
        activity: ActivityId,
    },
}

/// The router's answer to a [`Call`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", content = "value", rename_all = "snake_case")]
pub enum Reply {
    /// The decisions, recorded.
    Actions(Vec<Action>),
    /// A queue's figures.
    Stats(Option<QueueStats>),
    /// Every queue's figures and every agent's state.
    Monitor(Vec<QueueStats>, Vec<AgentState>),
    /// The figures of an agent's queues.
    AgentQueues(Vec<QueueStats>),
    /// A waiting activity's place.
    Wait(Option<WaitEstimate>),
    /// Until when an offer stands.
    Offer(Option<Timestamp>),
}

/// Forwards calls to the node running the router.
pub trait Remote: Send + Sync {
    /// Runs `call` on the router's node.
    fn call(&self, call: Call) -> BoxFuture<'static, Result<Reply, RouterError>>;
}

/// A [`RouterError`] on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "error", content = "detail", rename_all = "snake_case")]
pub enum WireError {
    /// Refused by the router.
    Refused(WireRouteError),
    /// No router runs there now.
    NotRunning,
    /// The database was unavailable.
    Unavailable(String),
    /// The decision could not be recorded for another reason.
    Failed(String),
}

/// A [`RouteError`] on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum WireRouteError {
    UnknownAgent {
        id: UserId,
    },
    NotLoggedIn {
        id: UserId,
    },
    UnknownActivity {
        id: ActivityId,
    },
    AlreadyRouted {
        id: ActivityId,
    },
    UnknownQueue {
        id: QueueId,
    },
    WrongState {
        activity: ActivityId,
        action: String,
    },
    NoCapacity {
        id: UserId,
    },
    NothingToPull {
        id: UserId,
    },
    IntoReview {
        id: QueueId,
    },
}

/// The actions a [`RouteError::WrongState`] may name (the router's own words).
const ACTIONS: [&str; 7] = [
    "accept",
    "decline",
    "start",
    "pause",
    "resume",
    "be pulled before its time",
    "be pulled",
];

impl From<&RouterError> for WireError {
    fn from(e: &RouterError) -> WireError {
        match e {
            RouterError::Refused(r) => WireError::Refused(r.into()),
            RouterError::NotRunning => WireError::NotRunning,
            RouterError::Store(s) if s.is_resource() || matches!(s, StoreError::Fenced(_)) => {
                WireError::Unavailable(s.to_string())
            }
            RouterError::Store(s) => WireError::Failed(s.to_string()),
        }
    }
}

impl From<WireError> for RouterError {
    fn from(e: WireError) -> RouterError {
        match e {
            WireError::Refused(r) => RouterError::Refused(r.into()),
            WireError::NotRunning => RouterError::NotRunning,
            WireError::Unavailable(m) => RouterError::Store(StoreError::Unavailable(m)),
            WireError::Failed(m) => RouterError::Store(StoreError::Internal(m)),
        }
    }
}

impl From<&RouteError> for WireRouteError {
    fn from(e: &RouteError) -> WireRouteError {
        match *e {
            RouteError::UnknownAgent(id) => WireRouteError::UnknownAgent { id },
            RouteError::NotLoggedIn(id) => WireRouteError::NotLoggedIn { id },
            RouteError::UnknownActivity(id) => WireRouteError::UnknownActivity { id },
            RouteError::AlreadyRouted(id) => WireRouteError::AlreadyRouted { id },
            RouteError::UnknownQueue(id) => WireRouteError::UnknownQueue { id },
            RouteError::WrongState { activity, action } => WireRouteError::WrongState {
                activity,
                action: action.to_string(),
            },
            RouteError::NoCapacity(id) => WireRouteError::NoCapacity { id },
            RouteError::NothingToPull(id) => WireRouteError::NothingToPull { id },
            RouteError::IntoReview(id) => WireRouteError::IntoReview { id },
        }
    }
}

impl From<WireRouteError> for RouteError {
    fn from(e: WireRouteError) -> RouteError {
        match e {
            WireRouteError::UnknownAgent { id } => RouteError::UnknownAgent(id),
            WireRouteError::NotLoggedIn { id } => RouteError::NotLoggedIn(id),
            WireRouteError::UnknownActivity { id } => RouteError::UnknownActivity(id),
            WireRouteError::AlreadyRouted { id } => RouteError::AlreadyRouted(id),
            WireRouteError::UnknownQueue { id } => RouteError::UnknownQueue(id),
            WireRouteError::WrongState { activity, action } => RouteError::WrongState {
                activity,
                action: ACTIONS
                    .iter()
                    .find(|a| **a == action)
                    .copied()
                    .unwrap_or("act"),
            },
            WireRouteError::NoCapacity { id } => RouteError::NoCapacity(id),
            WireRouteError::NothingToPull { id } => RouteError::NothingToPull(id),
            WireRouteError::IntoReview { id } => RouteError::IntoReview(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use switchboard_domain::ChannelKind;

    use super::*;

    fn round_trip<T: Serialize + for<'de> Deserialize<'de>>(v: &T) -> T {
        serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap()
    }

    #[test]
    fn calls_replies_and_errors_cross_unchanged() {
        let call = Call::Request {
            request: Request::SetReady {
                agent: UserId(3),
                channel: Some(ChannelKind::Chat),
                ready: false,
                reason: Some("Lunch".into()),
            },
            actor: Actor::User(UserId(3)),
        };
        assert_eq!(round_trip(&call), call);
        for request in [
            Request::Login(UserId(3)),
            Request::Pull {
                agent: UserId(3),
                activity: None,
            },
            Request::Transfer {
                activity: ActivityId(7),
                to: switchboard_routing::Target::Queue(QueueId(2)),
            },
        ] {
            let call = Call::Request {
                request,
                actor: Actor::System,
            };
            assert_eq!(round_trip(&call), call);
        }
        let monitor = Reply::Monitor(Vec::new(), Vec::new());
        assert_eq!(round_trip(&monitor), monitor);
        let wait = Reply::Wait(Some(WaitEstimate {
            position: 2,
            expected_wait_secs: Some(1.5),
        }));
        assert_eq!(round_trip(&wait), wait);
        let reply = Reply::Actions(vec![Action::Offer {
            activity: ActivityId(7),
            agent: UserId(3),
            expires_at: Timestamp::from_millis(9),
        }]);
        assert_eq!(round_trip(&reply), reply);
        for e in [
            RouteError::WrongState {
                activity: ActivityId(7),
                action: "be pulled before its time",
            },
            RouteError::NoCapacity(UserId(3)),
        ] {
            let back: RouteError = round_trip(&WireRouteError::from(&e)).into();
            assert_eq!(back, e);
        }
    }
}
