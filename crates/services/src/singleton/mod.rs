//! Singleton services of a cluster: every node runs a [`hold`] loop per service (the
//! dispatcher, the alarms, each alias's retriever…), and the service itself runs only on the
//! node holding its lease in the store. The holder renews the lease every third of its
//! lifetime; the others try to take it as often, so a dead holder's service starts elsewhere
//! within the lease time plus a third.
//!
//! While it runs, the service writes through a store handle fenced by the lease
//! ([`Store::fenced`]): once the lease changed hands, every write it still attempts is refused,
//! so a paused holder that wakes up late changes nothing. A holder that cannot renew (its
//! database is unreachable) stops the service while a third of the lease is still left, before
//! anyone else may take it over. On shutdown the service is stopped and the lease released at
//! once, so another node takes over without waiting for it to lapse.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use switchboard_domain::Timestamp;
use switchboard_domain::lease::{Lease, renew_after_ms};
use switchboard_store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use self::controls::Controls;
use crate::status::Registry;
use crate::{Shutdown, now, stopped};

mod controls;

/// How long a stopping service may take before it is cut off.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Who holds leases here, for how long they are granted, and what the system console asks.
#[derive(Clone)]
pub struct LeaseSettings {
    /// The node's name.
    pub node: String,
    /// This process's holder name: the node's name and an instance mark, so a restarted node
    /// waits for its predecessor's leases to lapse rather than sharing their fencing tokens.
    pub holder: String,
    /// How long a lease lasts unless renewed.
    pub ttl: Duration,
    /// The system console's controls (stop, start, move).
    pub controls: Controls,
}

impl LeaseSettings {
    /// Settings for node `node` with leases of `ttl` (a new instance mark each call), every
    /// service free until `controls` say otherwise.
    pub fn new(node: &str, ttl: Duration) -> LeaseSettings {
        let mark = &switchboard_store::auth::random_secret()[..8];
        LeaseSettings {
            node: node.to_string(),
            holder: format!("{node}:{mark}"),
            ttl: ttl.max(Duration::from_millis(300)),
            controls: Controls::default(),
        }
    }

    /// Whether this node may run service `name` now, as the console's controls say.
    fn allowed(&self, name: &str) -> bool {
        self.controls.get(name).may_run_on(&self.node, now())
    }

    fn ttl_ms(&self) -> i64 {
        i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX)
    }

    /// How long before its expiry a lease stops being relied on: a third of it.
    fn margin_ms(&self) -> i64 {
        renew_after_ms(self.ttl_ms())
    }

    /// How often the lease is renewed by its holder, and tried by the others.
    pub fn every(&self) -> Duration {
        Duration::from_millis(u64::try_from(renew_after_ms(self.ttl_ms())).unwrap_or(1))
    }
}

/// The node part of a holder name made by [`LeaseSettings::new`].
pub fn node_of(holder: &str) -> &str {
    holder.rsplit_once(':').map_or(holder, |(node, _)| node)
}

/// Until when a held lease may be relied on without asking the store: the holder's renewals
/// move it on, and it lags the lease's expiry by a third of the lease. A service checks it
/// before an outside effect the store cannot fence (sending a message), so a holder that was
/// paused past its lease does not act on it when it wakes up. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Validity(Arc<AtomicI64>);

impl Validity {
    /// Whether the lease may still be relied on at `now`.
    pub fn holds(&self, now: Timestamp) -> bool {
        now.millis() < self.0.load(Ordering::Acquire)
    }

    fn set(&self, until_ms: i64) {
        self.0.store(until_ms, Ordering::Release);
    }
}

/// What a service is started with while its lease is held.
pub struct Held {
    /// The store, fenced by the lease: the service writes through this handle only.
    pub store: Store,
    /// The lease as granted.
    pub lease: Lease,
    /// Until when the lease may be relied on.
    pub valid: Validity,
    /// Turns true when the service must stop (lease lost, node shutting down).
    pub stop: Shutdown,
}

/// Why a held run ended.
enum Ended {
    /// The node is shutting down.
    Shutdown,
    /// The lease is gone (taken over, or not renewed in time).
    Lost,
    /// The service returned on its own.
    Returned,
    /// The system console stopped it, or moved it elsewhere.
    Handed,
}

/// Runs `service` whenever this node holds lease `name`, until `shutdown`. `store` is the
/// unfenced handle the leases are taken with; status goes under `name`.
pub async fn hold<F, Fut>(
    store: Store,
    name: String,
    settings: LeaseSettings,
    status: Registry,
    mut shutdown: Shutdown,
    mut service: F,
) where
    F: FnMut(Held) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let every = settings.every();
    let ttl_ms = settings.ttl_ms();
    let mut controls = settings.controls.changes();
    loop {
        if *shutdown.borrow() {
            break;
        }
        if !settings.allowed(&name) {
            let c = settings.controls.get(&name);
            status.state(&name, if c.stopped { "stopped" } else { "moving" });
            status.holder(&name, c.move_to.as_deref());
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = controls.changed() => {}
                () = stopped(&mut shutdown) => break,
            }
            continue;
        }
        let asked = store.acquire_lease(&name, &settings.holder, ttl_ms, now());
        match tokio::time::timeout(every, asked).await {
            Ok(Ok(Some(lease))) => {
                tracing::info!(service = %name, fencing = lease.fencing, "took the lease: running here");
                status.holder(&name, Some(node_of(&lease.holder)));
                finish_move_here(&store, &name, &settings).await;
                // A fresh run: an earlier run's failures are not its own.
                status.recovered(&name);
                let stop = watch::channel(false);
                let valid = Validity::default();
                valid.set(lease.expires_at.millis() - settings.margin_ms());
                let mut task = tokio::spawn(service(Held {
                    store: store.fenced(&lease),
                    lease: lease.clone(),
                    valid: valid.clone(),
                    stop: stop.1,
                }));
                let held = Holding {
                    store: &store,
                    name: &name,
                    settings: &settings,
                    valid: &valid,
                };
                let ended = held.run(lease, &mut shutdown, &mut task).await;
                valid.set(0);
                let _ = stop.0.send(true);
                if !matches!(ended, Ended::Returned) {
                    finish(&name, task).await;
                }
                match ended {
                    Ended::Shutdown => break,
                    Ended::Lost => {
                        tracing::warn!(service = %name, "lost the lease: stopped here");
                        status.state(&name, "standby");
                        status.holder(&name, None);
                    }
                    Ended::Returned => {
                        // Let another node (or a later try here) run it afresh.
                        let _ = store.release_lease(&name, &settings.holder).await;
                        status.holder(&name, None);
                    }
                    Ended::Handed => {
                        let _ = store.release_lease(&name, &settings.holder).await;
                        tracing::info!(service = %name, "stopped here as the system console asked");
                        continue;
                    }
                }
            }
            Ok(Ok(None)) => {
                let held = store.lease(&name).await.ok().flatten();
                status.state(&name, "standby");
                status.holder(&name, held.as_ref().map(|l| node_of(&l.holder)));
            }
            Ok(Err(e)) => {
                tracing::warn!(service = %name, error = %e, "cannot take the lease");
                status.error(&name, &e.to_string(), now());
            }
            Err(_) => status.error(&name, "the lease could not be taken in time", now()),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = stopped(&mut shutdown) => break,
        }
    }
    if tokio::time::timeout(every, store.release_lease(&name, &settings.holder))
        .await
        .is_ok_and(|r| r.unwrap_or(false))
    {
        tracing::info!(service = %name, "released the lease");
    }
    status.holder(&name, None);
    status.state(&name, "stopped");
}

/// A lease being held for a running service.
/// Ends a move of service `name` to this node, which holds its lease now: the move no longer
/// holds the other nodes back should this one die.
async fn finish_move_here(store: &Store, name: &str, settings: &LeaseSettings) {
    if settings.controls.get(name).move_to.as_deref() != Some(&settings.node) {
        return;
    }
    if let Err(e) = store.finish_service_move(name, &settings.node, now()).await {
        tracing::warn!(service = %name, error = %e, "cannot record the finished move");
    }
}

struct Holding<'a> {
    store: &'a Store,
    name: &'a str,
    settings: &'a LeaseSettings,
    valid: &'a Validity,
}

impl Holding<'_> {
    /// Keeps `lease` renewed while the service runs; returns why it must stop. A renewal that
    /// does not succeed before only a third of the lease is left counts as lost.
    async fn run(&self, lease: Lease, shutdown: &mut Shutdown, task: &mut JoinHandle<()>) -> Ended {
        let (name, settings) = (self.name, self.settings);
        let every = settings.every();
        let mut valid_until = lease.expires_at.millis() - settings.margin_ms();
        let mut wait = every;
        let mut controls = settings.controls.changes();
        loop {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = &mut *task => return Ended::Returned,
                () = stopped(shutdown) => return Ended::Shutdown,
                _ = controls.changed() => {}
            }
            if !settings.allowed(name) {
                return Ended::Handed;
            }
            finish_move_here(self.store, name, settings).await;
            let left = valid_until - now().millis();
            if left <= 0 {
                return Ended::Lost;
            }
            let renewal =
                self.store
                    .acquire_lease(name, &settings.holder, settings.ttl_ms(), now());
            let limit = Duration::from_millis(u64::try_from(left).unwrap_or(0));
            match tokio::time::timeout(limit, renewal).await {
                Ok(Ok(Some(l))) if l.fencing == lease.fencing => {
                    valid_until = l.expires_at.millis() - settings.margin_ms();
                    self.valid.set(valid_until);
                    wait = every;
                }
                // Taken by another node, or lapsed and taken again with a new token: the
                // service's fenced handle is stale either way.
                Ok(Ok(_)) | Err(_) => return Ended::Lost,
                Ok(Err(e)) => {
                    tracing::warn!(service = %name, error = %e, "cannot renew the lease; trying again");
                    wait = (every / 4).max(Duration::from_millis(100));
                }
            }
        }
    }
}

/// Waits for a stopped service, cutting it off after [`STOP_GRACE`].
async fn finish(name: &str, task: JoinHandle<()>) {
    let abort = task.abort_handle();
    if tokio::time::timeout(STOP_GRACE, task).await.is_err() {
        tracing::warn!(service = %name, "the service did not stop in time; cut off");
        abort.abort();
    }
}

#[cfg(test)]
mod tests;
