//! The task that owns the router: batches requests, records decisions, follows the log.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use switchboard_domain::event::TransitionDetails;
use switchboard_domain::{
    ActivityAction, ActivityId, ActivityStatus, Actor, ChannelKind, EventKind, Presence, Timestamp,
    UserId,
};
use switchboard_routing::{Action, Event, RouteError, Router};
use switchboard_store::{RoutingChange, Store, StoreError};
use tokio::sync::mpsc;

use super::notices::Notices;

use super::{Msg, Notice, NoticeKind, Request, RouterError, WaitEstimate, config, record};
use crate::status::Registry;
use crate::{Shutdown, now, stopped};

/// Requests handled together (one store write).
const BATCH: usize = 512;
/// Log entries read per round.
const TAIL: u32 = 2000;
/// How often the log and configuration are re-read without a notice (other nodes' changes).
const POLL: Duration = Duration::from_secs(5);
/// Rounds of conflict resolution per write before giving up until the next event.
const MAX_ROUNDS: usize = 4;

/// Where a request's answer goes.
type Reply = tokio::sync::oneshot::Sender<Result<Vec<Action>, RouterError>>;

/// Decisions waiting to be written.
#[derive(Default)]
struct Pending {
    changes: Vec<RoutingChange>,
    presence: BTreeSet<UserId>,
    notices: Vec<Notice>,
    replies: Vec<(Reply, Vec<Action>)>,
}

pub(super) struct Host {
    store: Store,
    status: Registry,
    bus: Notices,
    router: Router,
    presence: HashMap<UserId, Presence>,
    offers: HashMap<ActivityId, Timestamp>,
    /// Places in queues already computed while the router's state stays as it was (waiting
    /// customers ask every few seconds; a place costs a walk of the queue).
    waits: (u64, HashMap<ActivityId, Option<WaitEstimate>>),
    cursor: i64,
    /// A write failed: memory may be ahead of the store until the next rebuild.
    broken: bool,
}

impl Host {
    pub(super) fn new(store: Store, status: Registry, bus: Notices) -> Host {
        Host {
            store,
            status,
            bus,
            router: Router::default(),
            presence: HashMap::new(),
            offers: HashMap::new(),
            waits: (0, HashMap::new()),
            cursor: 0,
            broken: false,
        }
    }

    /// Activity `activity`'s place in its queue, computed once per state of the router.
    fn wait(&mut self, activity: ActivityId, t: Timestamp) -> Option<WaitEstimate> {
        let changes = self.router.changes();
        if self.waits.0 != changes {
            self.waits = (changes, HashMap::new());
        }
        let router = &self.router;
        *self.waits.1.entry(activity).or_insert_with(|| {
            router
                .wait(activity, t)
                .map(|(position, expected)| WaitEstimate {
                    position,
                    expected_wait_secs: expected,
                })
        })
    }

    /// Builds the router from the store: configuration, presence, then every open activity
    /// (waiting work is routed again; work with agents comes back with its holder).
    pub(super) async fn rebuild(&mut self) -> Result<(), StoreError> {
        let t = now();
        self.broken = false;
        self.status.state(super::NAME, "starting");
        let cursor = self.store.last_event_id().await?;
        let cfg = self.store.routing_config().await?;
        let mut router = Router::new(config::config(&cfg));
        let mut presence = HashMap::new();
        for p in self.store.presences().await? {
            if p.logged_in && router.handle(t, Event::Login(p.user_id)).is_ok() {
                for (c, ready) in &p.ready {
                    let _ = router.handle(
                        t,
                        Event::SetReady {
                            agent: p.user_id,
                            channel: Some(*c),
                            ready: *ready,
                            reason: p.reason.clone(),
                        },
                    );
                }
            }
            presence.insert(p.user_id, p);
        }
        self.router = router;
        self.waits = (u64::MAX, HashMap::new());
        self.presence = presence;
        self.offers.clear();
        self.cursor = cursor;
        let work = self.store.routing_work(None).await?;
        let n = work.len();
        let mut out = Pending::default();
        let mut requeue = Vec::new();
        for w in &work {
            let (Some(new), Some(event)) = (config::work(w), config::entry(w)) else {
                continue;
            };
            match self.router.handle(t, event) {
                Ok(actions) => self.absorb(t, &actions, None, &mut out),
                Err(RouteError::UnknownAgent(_)) => requeue.push(new),
                Err(e) => tracing::warn!(activity = %w.id, error = %e, "not routed at start"),
            }
        }
        // Work held by someone who is no longer an agent goes back to its queue.
        for new in requeue {
            let id = new.activity;
            let queue = new.queue;
            out.changes.push(RoutingChange {
                activity: id,
                action: ActivityAction::Queue { queue_id: queue },
                actor: Actor::System,
                details: TransitionDetails {
                    reason: Some("agent_gone".to_string()),
                    ..TransitionDetails::default()
                },
            });
            if let Ok(actions) = self.router.handle(t, Event::Enqueue(new)) {
                self.absorb(t, &actions, None, &mut out);
            }
        }
        self.commit(out, t).await?;
        if self.broken {
            return Err(StoreError::Unavailable(
                "the rebuilt state could not be recorded".into(),
            ));
        }
        self.status.state(super::NAME, "running");
        self.status.progress(
            super::NAME,
            Some(format!("rebuilt with {n} open activities")),
        );
        Ok(())
    }

    pub(super) async fn run(mut self, mut rx: mpsc::Receiver<Msg>, mut shutdown: Shutdown) {
        let mut config_rx = self.store.notify().routing_config();
        let mut work_rx = self.store.notify().routing_work();
        let mut poll = tokio::time::interval(POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if self.broken {
                self.recover().await;
            }
            let deadline = self.router.next_deadline().map(|d| {
                let wait = (d.millis() - now().millis()).max(0);
                tokio::time::Instant::now()
                    + Duration::from_millis(u64::try_from(wait).unwrap_or(0))
            });
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            // Biased: a configuration change is applied before the work that may depend on
            // it (a new queue, an agent's new group), and both before new requests.
            tokio::select! {
                biased;
                _ = stopped(&mut shutdown) => break,
                r = config_rx.changed() => {
                    if r.is_err() { break; }
                    self.reconfigure().await;
                }
                r = work_rx.changed() => {
                    if r.is_err() { break; }
                    self.follow().await;
                }
                m = rx.recv() => {
                    let Some(m) = m else { break };
                    let mut batch = vec![m];
                    while batch.len() < BATCH {
                        match rx.try_recv() {
                            Ok(m) => batch.push(m),
                            Err(_) => break,
                        }
                    }
                    self.serve(batch).await;
                }
                _ = sleep => self.timers().await,
                _ = poll.tick() => self.follow().await,
            }
        }
        self.status.state(super::NAME, "stopped");
    }

    /// Handles a batch of messages; requests are answered after their decisions are written.
    async fn serve(&mut self, batch: Vec<Msg>) {
        let t = now();
        let mut out = Pending::default();
        // The monitor's figures, computed once for the monitors asking between two changes of
        // this batch (they walk every queue and agent).
        let mut figures = None;
        for m in batch {
            match m {
                Msg::Request {
                    request,
                    actor,
                    reply,
                } => {
                    figures = None;
                    match self.apply(t, request, actor, &mut out) {
                        Ok(actions) => out.replies.push((reply, actions)),
                        Err(e) => {
                            let _ = reply.send(Err(e.into()));
                        }
                    }
                }
                Msg::Stats { queue, reply } => {
                    let _ = reply.send(self.router.queue_stats(queue, t));
                }
                Msg::AgentQueues { agent, reply } => {
                    let queues = self
                        .router
                        .queues_of(agent)
                        .into_iter()
                        .filter_map(|q| self.router.queue_stats(q, t))
                        .collect();
                    let _ = reply.send(queues);
                }
                Msg::Monitor { reply } => {
                    let router = &self.router;
                    let answer = figures
                        .get_or_insert_with(|| (router.all_queue_stats(t), router.agent_states()));
                    let _ = reply.send(answer.clone());
                }
                Msg::Wait { activity, reply } => {
                    let _ = reply.send(self.wait(activity, t));
                }
                Msg::Offer { activity, reply } => {
                    let _ = reply.send(self.offers.get(&activity).copied());
                }
            }
        }
        if let Err(e) = self.commit(out, t).await {
            tracing::error!(error = %e, "routing decisions could not be recorded");
        }
    }

    /// One request into the router; its own change and the router's decisions into `out`.
    fn apply(
        &mut self,
        t: Timestamp,
        request: Request,
        actor: Actor,
        out: &mut Pending,
    ) -> Result<Vec<Action>, RouteError> {
        let own = |activity: ActivityId, action: ActivityAction| RoutingChange {
            activity,
            action,
            actor,
            details: TransitionDetails::default(),
        };
        let (event, own, by) = match request {
            Request::Login(agent) => {
                let actions = self.router.handle(t, Event::Login(agent))?;
                self.set_presence(agent, t, |p| {
                    if !p.logged_in {
                        p.logged_in = true;
                        p.ready.clear();
                        p.reason = None;
                    }
                });
                out.presence.insert(agent);
                self.absorb(t, &actions, None, out);
                return Ok(actions);
            }
            Request::Logout(agent) => {
                let actions = self.router.handle(t, Event::Logout(agent))?;
                self.set_presence(agent, t, |p| {
                    p.logged_in = false;
                    p.ready.clear();
                });
                out.presence.insert(agent);
                self.absorb(t, &actions, None, out);
                return Ok(actions);
            }
            Request::SetReady {
                agent,
                channel,
                ready,
                reason,
            } => {
                if !self.presence.get(&agent).is_some_and(|p| p.logged_in) {
                    self.apply(t, Request::Login(agent), actor, out)?;
                }
                let actions = self.router.handle(
                    t,
                    Event::SetReady {
                        agent,
                        channel,
                        ready,
                        reason: reason.clone(),
                    },
                )?;
                self.set_presence(agent, t, |p| {
                    let channels: Vec<ChannelKind> = match channel {
                        Some(c) => vec![c],
                        None => ChannelKind::ALL.to_vec(),
                    };
                    for c in channels {
                        p.ready.insert(c, ready);
                    }
                    p.reason = if ready { None } else { reason };
                });
                out.presence.insert(agent);
                self.absorb(t, &actions, None, out);
                return Ok(actions);
            }
            Request::Accept { activity, agent } => (
                Event::Accept { activity, agent },
                Some(own(activity, ActivityAction::Accept)),
                None,
            ),
            Request::Decline { activity, agent } => {
                (Event::Decline { activity, agent }, None, Some(agent))
            }
            Request::Start(a) => (Event::Start(a), Some(own(a, ActivityAction::Start)), None),
            Request::Pause(a) => (Event::Pause(a), Some(own(a, ActivityAction::Pause)), None),
            Request::Resume(a) => (Event::Resume(a), Some(own(a, ActivityAction::Resume)), None),
            Request::Complete(a) => (
                Event::Complete(a),
                Some(own(a, ActivityAction::Complete)),
                None,
            ),
            Request::Abandon(a) => (
                Event::Abandon(a),
                Some(own(a, ActivityAction::Abandon)),
                None,
            ),
            Request::Release(a) => {
                self.offers.remove(&a);
                (Event::Abandon(a), None, None)
            }
            Request::Transfer { activity, to } => {
                (Event::Transfer { activity, to }, None, actor.user_id())
            }
            Request::Pull { agent, activity } => (Event::Pull { agent, activity }, None, None),
        };
        let actions = self.router.handle(t, event)?;
        if let Some(c) = own {
            self.offers.remove(&c.activity);
            out.changes.push(c);
        }
        self.absorb(t, &actions, by, out);
        Ok(actions)
    }

    fn set_presence(&mut self, agent: UserId, t: Timestamp, f: impl FnOnce(&mut Presence)) {
        let p = self
            .presence
            .entry(agent)
            .or_insert_with(|| Presence::logged_out(agent, t));
        f(p);
        p.updated_at = t;
    }

    /// Turns the router's actions into changes, presence and notices.
    fn absorb(&mut self, t: Timestamp, actions: &[Action], by: Option<UserId>, out: &mut Pending) {
        for a in actions {
            let (change, notice) = record::action(a, by);
            match a {
                Action::Offer {
                    activity,
                    expires_at,
                    ..
                } => {
                    self.offers.insert(*activity, *expires_at);
                }
                Action::NotReady { agent, reason } => {
                    self.set_presence(*agent, t, |p| {
                        for r in p.ready.values_mut() {
                            *r = false;
                        }
                        p.reason = Some(reason.clone());
                    });
                    out.presence.insert(*agent);
                }
                Action::Assign { activity, .. }
                | Action::Return { activity, .. }
                | Action::Move { activity, .. }
                | Action::Expired { activity, .. } => {
                    self.offers.remove(activity);
                }
                Action::Pause { .. } | Action::Resume { .. } => {}
            }
            out.changes.extend(change);
            out.notices.extend(notice);
        }
    }

    /// Fires due timers.
    async fn timers(&mut self) {
        let t = now();
        let actions = self.router.advance(t);
        let mut out = Pending::default();
        self.absorb(t, &actions, None, &mut out);
        if let Err(e) = self.commit(out, t).await {
            tracing::error!(error = %e, "timed routing decisions could not be recorded");
        }
    }

    /// Re-reads the configuration.
    async fn reconfigure(&mut self) {
        let t = now();
        match self.store.routing_config().await {
            Ok(cfg) => {
                let actions = self.router.configure(t, config::config(&cfg));
                let mut out = Pending::default();
                self.absorb(t, &actions, None, &mut out);
                if let Err(e) = self.commit(out, t).await {
                    tracing::error!(error = %e, "routing decisions could not be recorded");
                }
                self.status.add(super::NAME, "reconfigured", 1);
            }
            Err(e) => self.status.error(super::NAME, &e.to_string(), t),
        }
    }

    /// Follows the event log: work queued elsewhere enters the router; work changed elsewhere
    /// takes its new priority; work ended elsewhere leaves it.
    async fn follow(&mut self) {
        loop {
            let t = now();
            let events = match self.store.routing_tail(self.cursor, TAIL).await {
                Ok(e) => e,
                Err(e) => {
                    self.status.error(super::NAME, &e.to_string(), t);
                    return;
                }
            };
            let Some(last) = events.last() else {
                return;
            };
            let full = events.len() == TAIL as usize;
            let cursor = last.id;
            let mut out = Pending::default();
            let mut new = Vec::new();
            let mut changed = Vec::new();
            let mut requeued = Vec::new();
            for e in &events {
                let held = self.router.contains(e.activity);
                match e.kind {
                    EventKind::Queued if !held => new.push(e.activity),
                    // Only work an agent holds can have been put back behind the router's back.
                    EventKind::Queued if self.router.holder(e.activity).is_some() => {
                        requeued.push(e.activity);
                    }
                    EventKind::Updated if held => changed.push(e.activity),
                    EventKind::Completed | EventKind::Abandoned if held => {
                        if let Ok(actions) = self.router.handle(t, Event::Complete(e.activity)) {
                            self.offers.remove(&e.activity);
                            self.absorb(t, &actions, None, &mut out);
                        }
                    }
                    _ => {}
                }
            }
            new.sort_unstable();
            new.dedup();
            changed.sort_unstable();
            changed.dedup();
            if let Err(e) = self.reprioritize(t, &changed, &mut out).await {
                self.status.error(super::NAME, &e.to_string(), t);
                return;
            }
            requeued.sort_unstable();
            requeued.dedup();
            if let Err(e) = self.requeue(t, &requeued, &mut out).await {
                self.status.error(super::NAME, &e.to_string(), t);
                return;
            }
            if let Err(e) = self.enter(t, &new, &mut out).await {
                self.status.error(super::NAME, &e.to_string(), t);
                return;
            }
            if let Err(e) = self.commit(out, t).await {
                tracing::error!(error = %e, "routing decisions could not be recorded");
                return;
            }
            self.cursor = self.cursor.max(cursor);
            if !full {
                return;
            }
        }
    }

    /// Reads the given activities again and gives the router their current priority.
    async fn reprioritize(
        &mut self,
        t: Timestamp,
        ids: &[ActivityId],
        out: &mut Pending,
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        for w in self.store.routing_work(Some(ids)).await? {
            let event = Event::Reprioritize {
                activity: w.id,
                priority: w.priority,
            };
            if let Ok(actions) = self.router.handle(t, event) {
                self.absorb(t, &actions, None, out);
            }
        }
        Ok(())
    }

    /// Work the router gave an agent that a use case put back in its queue (a callback to try
    /// again later): the router lets the agent's hold go and routes it afresh. Queueings the
    /// router made itself find the work waiting, or already offered again, and change nothing.
    async fn requeue(
        &mut self,
        t: Timestamp,
        ids: &[ActivityId],
        out: &mut Pending,
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut back = Vec::new();
        for w in self.store.routing_work(Some(ids)).await? {
            if w.status == ActivityStatus::Queued && self.router.holder(w.id).is_some() {
                if let Ok(actions) = self.router.handle(t, Event::Abandon(w.id)) {
                    self.absorb(t, &actions, None, out);
                }
                self.offers.remove(&w.id);
                back.push(w.id);
            }
        }
        self.enter(t, &back, out).await
    }

    /// Reads the given activities and routes those still waiting.
    async fn enter(
        &mut self,
        t: Timestamp,
        ids: &[ActivityId],
        out: &mut Pending,
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut reloaded = false;
        for w in self.store.routing_work(Some(ids)).await? {
            if self.router.contains(w.id) {
                continue;
            }
            let Some(event) = config::entry(&w) else {
                continue;
            };
            let mut result = self.router.handle(t, event.clone());
            if matches!(
                result,
                Err(RouteError::UnknownQueue(_) | RouteError::UnknownAgent(_))
            ) && !reloaded
            {
                // A queue or agent this new: the configuration notice may not have come yet.
                reloaded = true;
                let cfg = self.store.routing_config().await?;
                let actions = self.router.configure(t, config::config(&cfg));
                self.absorb(t, &actions, None, out);
                result = self.router.handle(t, event);
            }
            match result {
                Ok(actions) => self.absorb(t, &actions, None, out),
                Err(e) => tracing::warn!(activity = %w.id, error = %e, "not routed"),
            }
        }
        Ok(())
    }

    /// Writes decisions, then announces and answers. Changes the store refused (the activity
    /// changed meanwhile) are settled by reading those activities again. If the write fails,
    /// the router rebuilds itself from the store.
    async fn commit(&mut self, mut out: Pending, t: Timestamp) -> Result<(), StoreError> {
        for _ in 0..MAX_ROUNDS {
            let presence: Vec<Presence> = out
                .presence
                .iter()
                .filter_map(|u| self.presence.get(u).cloned())
                .collect();
            let n = out.changes.len();
            let result = self
                .store
                .apply_routing(std::mem::take(&mut out.changes), presence, t)
                .await;
            let conflicts = match result {
                Ok(c) => c,
                Err(e) => {
                    self.status.error(super::NAME, &e.to_string(), t);
                    for (r, _) in out.replies.drain(..) {
                        let _ = r.send(Err(RouterError::Store(StoreError::Unavailable(
                            e.to_string(),
                        ))));
                    }
                    self.broken = true;
                    return Err(e);
                }
            };
            self.status.add(super::NAME, "decisions", n as u64);
            // Monitors hear of every presence written.
            out.notices.extend(out.presence.iter().map(|agent| Notice {
                agent: *agent,
                kind: NoticeKind::Presence,
                activity: None,
                expires_at: None,
                reason: None,
                case: None,
            }));
            for notice in out.notices.drain(..) {
                self.bus.send(notice);
            }
            for (r, actions) in out.replies.drain(..) {
                let _ = r.send(Ok(actions));
            }
            out.presence.clear();
            if conflicts.is_empty() {
                return Ok(());
            }
            let ids: Vec<ActivityId> = conflicts.iter().map(|c| c.activity).collect();
            for c in &conflicts {
                tracing::info!(activity = %c.activity, reason = %c.reason, "routing decision conflicted with the store; re-reading");
                if let Ok(actions) = self.router.handle(t, Event::Abandon(c.activity)) {
                    self.absorb(t, &actions, None, &mut out);
                }
                self.offers.remove(&c.activity);
            }
            self.enter(t, &ids, &mut out).await?;
        }
        Ok(())
    }

    /// After a failed write: rebuild from the store, retrying while it is unavailable.
    async fn recover(&mut self) {
        let mut wait = Duration::from_millis(200);
        loop {
            match self.rebuild().await {
                Ok(()) => return,
                Err(e) => {
                    self.status.error(super::NAME, &e.to_string(), now());
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(10));
                }
            }
        }
    }
}
