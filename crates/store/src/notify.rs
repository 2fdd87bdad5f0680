//! In-process change notifications: the store bumps a counter after a committed write that a
//! service must react to (an alias changed, mail entered the outbox), and services wait on it
//! instead of polling hard. Services still poll slowly as a safety net (and to see changes made
//! by other nodes of a cluster).

use tokio::sync::watch;

/// The counters services watch.
#[derive(Debug)]
pub struct Notify {
    aliases: watch::Sender<u64>,
    outbox: watch::Sender<u64>,
    routing_config: watch::Sender<u64>,
    routing_work: watch::Sender<u64>,
    workflows: watch::Sender<u64>,
}

impl Default for Notify {
    fn default() -> Self {
        Notify {
            aliases: watch::channel(0).0,
            outbox: watch::channel(0).0,
            routing_config: watch::channel(0).0,
            routing_work: watch::channel(0).0,
            workflows: watch::channel(0).0,
        }
    }
}

impl Notify {
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

    /// Tells the nodes' services that workflows changed (after a commit that saved one).
    pub fn workflows_changed(&self) {
        self.workflows.send_modify(|n| *n += 1);
    }

    pub(crate) fn routing_config_changed(&self) {
        self.routing_config.send_modify(|n| *n += 1);
    }

    /// Tells the router that work changed (after a commit that changed activities).
    pub fn routing_work_changed(&self) {
        self.routing_work.send_modify(|n| *n += 1);
    }

    pub(crate) fn aliases_changed(&self) {
        self.aliases.send_modify(|n| *n += 1);
    }

    /// Tells the dispatcher that the outbox changed (after a commit that queued mail).
    pub fn outbox_changed(&self) {
        self.outbox.send_modify(|n| *n += 1);
    }
}
