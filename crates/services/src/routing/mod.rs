//! The router service: one task owns the pure router ([`switchboard_routing::Router`]),
//! rebuilt from the store at start (configuration, agents' presence, open work). Requests
//! (agents' presence and actions, transfers, pulls) and the store's change notices come in;
//! the router's decisions go to the store as life-cycle changes with their events, in one
//! write per batch of requests, and only after the commit are they announced on the bus
//! ([`RouterHandle::subscribe`]) and answered.
//!
//! Work that enters a queue elsewhere (new mail, the API) is found by following the event
//! log from where the router last read it; work completed elsewhere (a reply with "Send &
//! Complete") leaves the router the same way. Configuration changes (queues, users, groups,
//! department settings) are re-read when the store announces them, with no restart.
//!
//! If a write fails, the in-memory state may be ahead of the store, so the router rebuilds
//! itself from the store before taking the next request.

pub mod actions;
pub mod config;
mod host;
pub mod record;

use switchboard_domain::{ActivityId, Actor, ChannelKind, QueueId, Timestamp, UserId};
use switchboard_routing::{Action, AgentState, QueueStats, RouteError, Target};
use switchboard_store::{Store, StoreError};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

pub use record::{Notice, NoticeKind};

use crate::Shutdown;
use crate::status::Registry;

/// The service's name in status reports.
pub const NAME: &str = "router";

/// Why a request did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    /// The router refused it; nothing changed.
    #[error(transparent)]
    Refused(#[from] RouteError),
    /// The router is not running (shutting down).
    #[error("the router is not running")]
    NotRunning,
    /// The decision could not be recorded; the router rebuilt itself from the store.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a caller asks the router to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// An agent logs in to routing (not ready on any channel yet).
    Login(UserId),
    /// An agent logs out.
    Logout(UserId),
    /// An agent is ready or not on one channel (or all); logs them in first if needed.
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
    /// The agent accepts an offer.
    Accept {
        /// The activity.
        activity: ActivityId,
        /// The agent.
        agent: UserId,
    },
    /// The agent declines an offer.
    Decline {
        /// The activity.
        activity: ActivityId,
        /// The agent.
        agent: UserId,
    },
    /// Work on the activity starts.
    Start(ActivityId),
    /// The activity is set aside.
    Pause(ActivityId),
    /// Work on it resumes.
    Resume(ActivityId),
    /// Done.
    Complete(ActivityId),
    /// Given up.
    Abandon(ActivityId),
    /// The router lets go of the activity without changing it (it is about to be handled
    /// outside routing, e.g. assigned to someone who is not logged in); its agent's room frees.
    Release(ActivityId),
    /// To an agent, a group or a queue.
    Transfer {
        /// The activity.
        activity: ActivityId,
        /// Where.
        to: Target,
    },
    /// An agent takes the best waiting work of their queues, or a given activity.
    Pull {
        /// The agent.
        agent: UserId,
        /// A given activity.
        activity: Option<ActivityId>,
    },
}

/// A waiting activity's place in its queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitEstimate {
    /// 1 for the next to be served.
    pub position: usize,
    /// Seconds until an agent is expected to take it (see
    /// [`switchboard_routing::Router::expected_wait`]); `None` when nothing has left the
    /// queue lately to estimate from.
    pub expected_wait_secs: Option<f64>,
}

enum Msg {
    Request {
        request: Request,
        actor: Actor,
        reply: oneshot::Sender<Result<Vec<Action>, RouterError>>,
    },
    Stats {
        queue: QueueId,
        reply: oneshot::Sender<Option<QueueStats>>,
    },
    Monitor {
        reply: oneshot::Sender<(Vec<QueueStats>, Vec<AgentState>)>,
    },
    AgentQueues {
        agent: UserId,
        reply: oneshot::Sender<Vec<QueueStats>>,
    },
    Wait {
        activity: ActivityId,
        reply: oneshot::Sender<Option<WaitEstimate>>,
    },
    Offer {
        activity: ActivityId,
        reply: oneshot::Sender<Option<Timestamp>>,
    },
}

/// Talks to the router service; cheap to clone.
#[derive(Clone)]
pub struct RouterHandle {
    tx: mpsc::Sender<Msg>,
    bus: broadcast::Sender<Notice>,
}

impl RouterHandle {
    /// Runs a request; returns the router's decisions once they are recorded.
    pub async fn request(
        &self,
        request: Request,
        actor: Actor,
    ) -> Result<Vec<Action>, RouterError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Request {
                request,
                actor,
                reply,
            })
            .await
            .map_err(|_| RouterError::NotRunning)?;
        rx.await.map_err(|_| RouterError::NotRunning)?
    }

    /// A queue's figures now; `None` for an unknown queue.
    pub async fn queue_stats(&self, queue: QueueId) -> Result<Option<QueueStats>, RouterError> {
        let (reply, rx) = oneshot::channel();
        self.send(Msg::Stats { queue, reply }).await?;
        rx.await.map_err(|_| RouterError::NotRunning)
    }

    /// Every queue's figures and every agent's state now, in one look (the supervisor's
    /// monitor).
    pub async fn monitor(&self) -> Result<(Vec<QueueStats>, Vec<AgentState>), RouterError> {
        let (reply, rx) = oneshot::channel();
        self.send(Msg::Monitor { reply }).await?;
        rx.await.map_err(|_| RouterError::NotRunning)
    }

    /// The figures of the queues `agent` serves (the agent console's pull list).
    pub async fn agent_queues(&self, agent: UserId) -> Result<Vec<QueueStats>, RouterError> {
        let (reply, rx) = oneshot::channel();
        self.send(Msg::AgentQueues { agent, reply }).await?;
        rx.await.map_err(|_| RouterError::NotRunning)
    }

    /// A waiting activity's position and expected wait; `None` when it is not waiting.
    pub async fn wait(&self, activity: ActivityId) -> Result<Option<WaitEstimate>, RouterError> {
        let (reply, rx) = oneshot::channel();
        self.send(Msg::Wait { activity, reply }).await?;
        rx.await.map_err(|_| RouterError::NotRunning)
    }

    /// Until when an offer of the activity stands; `None` when it is not offered.
    pub async fn offer_expiry(
        &self,
        activity: ActivityId,
    ) -> Result<Option<Timestamp>, RouterError> {
        let (reply, rx) = oneshot::channel();
        self.send(Msg::Offer { activity, reply }).await?;
        rx.await.map_err(|_| RouterError::NotRunning)
    }

    /// The notices the router announces from now on (offers, assignments, pauses…).
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.bus.subscribe()
    }

    /// Announces a notice that does not come from a routing decision (a chat's customer wrote)
    /// to the agents' streams on this server.
    pub fn announce(&self, n: Notice) {
        // Nobody listening is fine.
        let _ = self.bus.send(n);
    }

    async fn send(&self, m: Msg) -> Result<(), RouterError> {
        self.tx.send(m).await.map_err(|_| RouterError::NotRunning)
    }
}

/// Rebuilds the router from the store and starts the service.
pub async fn start(
    store: Store,
    status: Registry,
    shutdown: Shutdown,
) -> Result<(RouterHandle, JoinHandle<()>), StoreError> {
    let (tx, rx) = mpsc::channel(4096);
    let (bus, _) = broadcast::channel(4096);
    let mut host = host::Host::new(store, status, bus.clone());
    host.rebuild().await?;
    let task = tokio::spawn(host.run(rx, shutdown));
    Ok((RouterHandle { tx, bus }, task))
}
