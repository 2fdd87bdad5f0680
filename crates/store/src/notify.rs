//! Change notifications: the store bumps a counter after a committed write that a service must
//! react to (an alias changed, mail entered the outbox), and services wait on it instead of
//! polling hard. On PostgreSQL each bump also crosses to the other nodes of the cluster over
//! the cluster bus, where it bumps the same counter. Services still poll slowly as a
//! safety net.

use std::sync::OnceLock;

use tokio::sync::{mpsc, watch};

/// What this node sends to the others over the cluster bus.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// A counter was bumped.
    Change(Change),
    /// A message for the layers above.
    Message {
        /// What it is about.
        topic: String,
        /// Its text.
        payload: String,
    },
}

/// What changed, as a kind of counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Aliases.
    Aliases,
    /// The outbox.
    Outbox,
    /// What the router is configured with.
    RoutingConfig,
    /// Work in queues.
    RoutingWork,
    /// Workflows.
    Workflows,
    /// The system console's service controls.
    Services,
}

impl Change {
    /// Every kind.
    pub const ALL: [Change; 6] = [
        Change::Aliases,
        Change::Outbox,
        Change::RoutingConfig,
        Change::RoutingWork,
        Change::Workflows,
        Change::Services,
    ];

    /// Its name on the bus.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Aliases => "aliases",
            Change::Outbox => "outbox",
            Change::RoutingConfig => "routing_config",
            Change::RoutingWork => "routing_work",
            Change::Workflows => "workflows",
            Change::Services => "services",
        }
    }

    /// From its name on the bus.
    pub fn parse(s: &str) -> Option<Change> {
        Change::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The counters services watch.
#[derive(Debug)]
pub struct Notify {
    aliases: watch::Sender<u64>,
    outbox: watch::Sender<u64>,
    routing_config: watch::Sender<u64>,
    routing_work: watch::Sender<u64>,
    workflows: watch::Sender<u64>,
    services: watch::Sender<u64>,
    /// Where bumps go to the other nodes (a clustered store).
    publish: OnceLock<mpsc::UnboundedSender<Outgoing>>,
}

impl Default for Notify {
    fn default() -> Self {
        Notify {
            aliases: watch::channel(0).0,
            outbox: watch::channel(0).0,
            routing_config: watch::channel(0).0,
            routing_work: watch::channel(0).0,
            workflows: watch::channel(0).0,
            services: watch::channel(0).0,
            publish: OnceLock::new(),
        }
    }
}

impl Notify {
    /// Sends this node's bumps to the others from now on.
    pub(crate) fn publish_to(&self, out: mpsc::UnboundedSender<Outgoing>) {
        let _ = self.publish.set(out);
    }

    /// Bumps counter `c` here only (a change another node announced, or a re-sync).
    pub(crate) fn bump(&self, c: Change) {
        let counter = match c {
            Change::Aliases => &self.aliases,
            Change::Outbox => &self.outbox,
            Change::RoutingConfig => &self.routing_config,
            Change::RoutingWork => &self.routing_work,
            Change::Workflows => &self.workflows,
            Change::Services => &self.services,
        };
        counter.send_modify(|n| *n += 1);
    }

    /// Bumps counter `c` here and on the other nodes.
    fn changed(&self, c: Change) {
        self.bump(c);
        if let Some(out) = self.publish.get() {
            let _ = out.send(Outgoing::Change(c));
        }
    }

    /// Changes to aliases (created, updated, deleted).
    pub fn aliases(&self) -> watch::Receiver<u64> {
        self.aliases.subscribe()
    }

    /// New work in the outbox.
    pub fn outbox(&self) -> watch::Receiver<u64> {
        self.outbox.subscribe()
    }

    /// Changes to what the router is configured with: departments' channel and routing
    /// settings, queues, users, user groups.
    pub fn routing_config(&self) -> watch::Receiver<u64> {
        self.routing_config.subscribe()
    }

    /// Activities entered a queue or ended outside the router (new mail, the API, a reply
    /// that completed its activity).
    pub fn routing_work(&self) -> watch::Receiver<u64> {
        self.routing_work.subscribe()
    }

    /// Workflows or what they are compiled with (business calendars) changed.
    pub fn workflows(&self) -> watch::Receiver<u64> {
        self.workflows.subscribe()
    }

    /// The system console's service controls changed.
    pub fn services(&self) -> watch::Receiver<u64> {
        self.services.subscribe()
    }

    pub(crate) fn services_changed(&self) {
        self.changed(Change::Services);
    }

    /// Tells the nodes' services that workflows changed (after a commit that saved one).
    pub fn workflows_changed(&self) {
        self.changed(Change::Workflows);
    }

    pub(crate) fn routing_config_changed(&self) {
        self.changed(Change::RoutingConfig);
    }

    /// Tells the router that work changed (after a commit that changed activities).
    pub fn routing_work_changed(&self) {
        self.changed(Change::RoutingWork);
    }

    pub(crate) fn aliases_changed(&self) {
        self.changed(Change::Aliases);
    }

    /// Tells the dispatcher that the outbox changed (after a commit that queued mail).
    pub fn outbox_changed(&self) {
        self.changed(Change::Outbox);
    }
}
