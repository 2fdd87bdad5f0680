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
pub mod notices;
pub mod record;
pub mod wire;

use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use switchboard_domain::{ActivityId, Actor, ChannelKind, QueueId, Timestamp, UserId};
use switchboard_routing::{Action, AgentState, QueueStats, RouteError, Target};
use switchboard_store::{Store, StoreError};
use tokio::sync::{broadcast, mpsc, oneshot};

use self::notices::Notices;
use tokio::task::JoinHandle;

pub use record::{Notice, NoticeKind};

pub use wire::{Call, Remote, Reply};

use crate::Shutdown;
use crate::singleton::{self, LeaseSettings};
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "args", rename_all = "snake_case")]
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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

/// Talks to the router service; cheap to clone. The router runs in this process when this node
/// holds its lease; otherwise calls go to the node that does, through the [`wire::Remote`].
#[derive(Clone)]
pub struct RouterHandle {
    local: Arc<RwLock<Option<mpsc::Sender<Msg>>>>,
    bus: Notices,
    remote: Option<Arc<dyn Remote>>,
}

impl RouterHandle {
    fn new(bus: Notices, remote: Option<Arc<dyn Remote>>) -> RouterHandle {
        RouterHandle {
            local: Arc::default(),
            bus,
            remote,
        }
    }

    fn set_local(&self, tx: Option<mpsc::Sender<Msg>>) {
        if let Ok(mut local) = self.local.write() {
            *local = tx;
        }
    }

    /// Whether the router runs in this process now.
    pub fn is_local(&self) -> bool {
        self.local
            .read()
            .is_ok_and(|l| l.as_ref().is_some_and(|tx| !tx.is_closed()))
    }

    /// Asks the router in this process; `None` when it does not run here.
    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Msg,
    ) -> Option<Result<T, RouterError>> {
        let tx = self.local.read().ok()?.clone()?;
        let (reply, rx) = oneshot::channel();
        tx.send(make(reply)).await.ok()?;
        Some(rx.await.map_err(|_| RouterError::NotRunning))
    }

    /// Sends `call` to the node running the router.
    async fn forward(&self, call: Call) -> Result<Reply, RouterError> {
        match &self.remote {
            Some(r) => r.call(call).await,
            None => Err(RouterError::NotRunning),
        }
    }

    /// Runs a request; returns the router's decisions once they are recorded.
    pub async fn request(
        &self,
        request: Request,
        actor: Actor,
    ) -> Result<Vec<Action>, RouterError> {
        let asked = self
            .ask(|reply| Msg::Request {
                request: request.clone(),
                actor,
                reply,
            })
            .await;
        match asked {
            Some(r) => r?,
            None => match self.forward(Call::Request { request, actor }).await? {
                Reply::Actions(a) => Ok(a),
                other => Err(mismatch(&other)),
            },
        }
    }

    /// A queue's figures now; `None` for an unknown queue.
    pub async fn queue_stats(&self, queue: QueueId) -> Result<Option<QueueStats>, RouterError> {
        match self.ask(|reply| Msg::Stats { queue, reply }).await {
            Some(r) => r,
            None => match self.forward(Call::Stats { queue }).await? {
                Reply::Stats(s) => Ok(s),
                other => Err(mismatch(&other)),
            },
        }
    }

    /// Every queue's figures and every agent's state now, in one look (the supervisor's
    /// monitor).
    pub async fn monitor(&self) -> Result<(Vec<QueueStats>, Vec<AgentState>), RouterError> {
        match self.ask(|reply| Msg::Monitor { reply }).await {
            Some(r) => r,
            None => match self.forward(Call::Monitor).await? {
                Reply::Monitor(q, a) => Ok((q, a)),
                other => Err(mismatch(&other)),
            },
        }
    }

    /// The figures of the queues `agent` serves (the agent console's pull list).
    pub async fn agent_queues(&self, agent: UserId) -> Result<Vec<QueueStats>, RouterError> {
        match self.ask(|reply| Msg::AgentQueues { agent, reply }).await {
            Some(r) => r,
            None => match self.forward(Call::AgentQueues { agent }).await? {
                Reply::AgentQueues(q) => Ok(q),
                other => Err(mismatch(&other)),
            },
        }
    }

    /// A waiting activity's position and expected wait; `None` when it is not waiting.
    pub async fn wait(&self, activity: ActivityId) -> Result<Option<WaitEstimate>, RouterError> {
        match self.ask(|reply| Msg::Wait { activity, reply }).await {
            Some(r) => r,
            None => match self.forward(Call::Wait { activity }).await? {
                Reply::Wait(w) => Ok(w),
                other => Err(mismatch(&other)),
            },
        }
    }

    /// Until when an offer of the activity stands; `None` when it is not offered.
    pub async fn offer_expiry(
        &self,
        activity: ActivityId,
    ) -> Result<Option<Timestamp>, RouterError> {
        match self.ask(|reply| Msg::Offer { activity, reply }).await {
            Some(r) => r,
            None => match self.forward(Call::Offer { activity }).await? {
                Reply::Offer(t) => Ok(t),
                other => Err(mismatch(&other)),
            },
        }
    }

    /// Runs a call forwarded by another node on the router in this process ([`RouterError::
    /// NotRunning`] when it does not run here: calls are never forwarded twice).
    pub async fn serve_call(&self, call: Call) -> Result<Reply, RouterError> {
        let not_here = || Err(RouterError::NotRunning);
        match call {
            Call::Request { request, actor } => {
                let asked = self
                    .ask(|reply| Msg::Request {
                        request,
                        actor,
                        reply,
                    })
                    .await;
                asked.map_or_else(not_here, |r| r?.map(Reply::Actions))
            }
            Call::Stats { queue } => self
                .ask(|reply| Msg::Stats { queue, reply })
                .await
                .map_or_else(not_here, |r| r.map(Reply::Stats)),
            Call::Monitor => self
                .ask(|reply| Msg::Monitor { reply })
                .await
                .map_or_else(not_here, |r| r.map(|(q, a)| Reply::Monitor(q, a))),
            Call::AgentQueues { agent } => self
                .ask(|reply| Msg::AgentQueues { agent, reply })
                .await
                .map_or_else(not_here, |r| r.map(Reply::AgentQueues)),
            Call::Wait { activity } => self
                .ask(|reply| Msg::Wait { activity, reply })
                .await
                .map_or_else(not_here, |r| r.map(Reply::Wait)),
            Call::Offer { activity } => self
                .ask(|reply| Msg::Offer { activity, reply })
                .await
                .map_or_else(not_here, |r| r.map(Reply::Offer)),
        }
    }

    /// The notices the router announces from now on (offers, assignments, pauses…).
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.bus.subscribe()
    }

    /// Announces a notice that does not come from a routing decision (a chat's customer wrote)
    /// to the agents' streams on this node and the others.
    pub fn announce(&self, n: Notice) {
        self.bus.send(n);
    }
}

/// A reply of the wrong kind from another node (a version mismatch between nodes).
fn mismatch(reply: &Reply) -> RouterError {
    RouterError::Store(StoreError::Internal(format!(
        "the router's node answered with an unexpected reply: {reply:?}"
    )))
}

/// Rebuilds the router from the store and starts the service in this process (one node, or a
/// benchmark).
pub async fn start(
    store: Store,
    status: Registry,
    shutdown: Shutdown,
) -> Result<(RouterHandle, JoinHandle<()>), StoreError> {
    let handle = RouterHandle::new(Notices::local(), None);
    let task = spawn_host(&handle, store, status, shutdown).await?;
    Ok((handle, task))
}

/// Rebuilds a router over `store` and runs it for `handle` until `shutdown`.
async fn spawn_host(
    handle: &RouterHandle,
    store: Store,
    status: Registry,
    shutdown: Shutdown,
) -> Result<JoinHandle<()>, StoreError> {
    let (tx, rx) = mpsc::channel(4096);
    let mut host = host::Host::new(store, status, handle.bus.clone());
    host.rebuild().await?;
    handle.set_local(Some(tx));
    let h = handle.clone();
    Ok(tokio::spawn(async move {
        host.run(rx, shutdown).await;
        h.set_local(None);
    }))
}

/// Runs the router on whichever node of the cluster holds its lease ([`singleton::hold`]),
/// rebuilt from the store each time it starts here, its writes fenced by the lease. The handle
/// is returned at once: while another node holds the lease, calls go there through `remote`.
pub fn start_held(
    store: Store,
    status: Registry,
    leases: LeaseSettings,
    remote: Option<Arc<dyn Remote>>,
    shutdown: Shutdown,
) -> (RouterHandle, JoinHandle<()>) {
    let notices = Notices::clustered(store.clone());
    // The relay runs until the store closes (nothing on a single-node store).
    notices.start_relay();
    let handle = RouterHandle::new(notices, remote);
    let h = handle.clone();
    let st = status.clone();
    let task = tokio::spawn(singleton::hold(
        store,
        NAME.into(),
        leases,
        status,
        shutdown,
        move |held| {
            let (h, st) = (h.clone(), st.clone());
            async move {
                match spawn_host(&h, held.store, st.clone(), held.stop).await {
                    Ok(task) => {
                        let _ = task.await;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "the router could not rebuild its state from the store");
                        st.error(NAME, &e.to_string(), crate::now());
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
                h.set_local(None);
            }
        },
    ));
    (handle, task)
}
