//! A node's place in a cluster: its address for the other nodes, its heartbeat, and the router
//! run where its lease is held (calls forwarded there from the other nodes).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use switchboard_domain::node::{Node, NodeState};
use switchboard_services::routing::RouterHandle;
use switchboard_services::singleton::LeaseSettings;
use switchboard_services::status::Registry;
use switchboard_services::{Shutdown, now};
use switchboard_store::{Backend, Store};
use switchboard_web::cluster::HttpRouter;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;

/// The base URL the other nodes reach this one at: the configured one, else the listening
/// address (with the host name when it listens on every interface).
pub fn advertise_url(c: &Config, node: &str, addr: SocketAddr) -> anyhow::Result<String> {
    let url = match c.cluster.advertise_url.trim() {
        "" if addr.ip().is_unspecified() => format!("http://{node}:{}", addr.port()),
        "" => format!("http://{addr}"),
        u => u.trim_end_matches('/').to_string(),
    };
    if !url.starts_with("http://") {
        bail!(
            "cluster.advertise_url must be an http:// address on the nodes' private network (got {url})"
        );
    }
    Ok(url)
}

/// On a single-node store (SQLite) nothing else can hold a lease: whatever held one before
/// this start is gone, so they are let go at once rather than after they lapse.
pub async fn claim_single_node(store: &Store) -> anyhow::Result<()> {
    if store.backend() == Backend::Sqlite {
        let n = store.release_all_leases(now()).await?;
        if n > 0 {
            tracing::info!(
                leases = n,
                "released the leases of an earlier run that did not stop cleanly"
            );
        }
    }
    Ok(())
}

/// Starts the heartbeat; returns its task and the sender of the node's state.
pub fn start_heartbeat(
    store: &Store,
    leases: &LeaseSettings,
    node: &str,
    address: String,
    shutdown: Shutdown,
) -> (JoinHandle<()>, watch::Sender<NodeState>) {
    let (state, rx) = watch::channel(NodeState::Ready);
    let me = Node {
        holder: leases.holder.clone(),
        name: node.to_string(),
        address,
        version: env!("CARGO_PKG_VERSION").to_string(),
        started_at: now(),
        seen_at: now(),
        state: NodeState::Ready,
    };
    let task = tokio::spawn(switchboard_services::heartbeat::run(
        store.clone(),
        me,
        leases.every(),
        rx,
        shutdown,
    ));
    (task, state)
}

/// Starts the router under its lease, forwarding to the holder while another node has it, and
/// waits (up to two lease times) until it answers somewhere.
pub async fn start_router(
    store: &Store,
    registry: &Registry,
    leases: &LeaseSettings,
    token: String,
    shutdown: Shutdown,
) -> (RouterHandle, JoinHandle<()>) {
    let remote = Arc::new(HttpRouter::new(store.clone(), token, leases.holder.clone()));
    let (router, task) = switchboard_services::routing::start_held(
        store.clone(),
        registry.clone(),
        leases.clone(),
        Some(remote),
        shutdown,
    );
    let until = tokio::time::Instant::now() + leases.ttl * 2;
    while tokio::time::Instant::now() < until {
        if router.is_local() || router.monitor().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !router.is_local() {
        tracing::info!("the router runs on another node");
    }
    (router, task)
}
