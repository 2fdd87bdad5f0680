//! The node's heartbeat: it reports itself to the store's node registry when it starts and
//! every few seconds after (so other nodes can reach it and the system console can list it),
//! says when it drains, and reports itself stopped when it ends.

use std::time::Duration;

use switchboard_domain::node::{Node, NodeState};
use switchboard_store::Store;
use tokio::sync::watch;

use crate::{Shutdown, now, stopped};

/// The service's name in status reports.
pub const NAME: &str = "heartbeat";

/// Reports `node` every `every` with the state `state` holds, until `shutdown`; then once more
/// as stopped.
pub async fn run(
    store: Store,
    node: Node,
    every: Duration,
    mut state: watch::Receiver<NodeState>,
    mut shutdown: Shutdown,
) {
    loop {
        let report = Node {
            seen_at: now(),
            state: *state.borrow_and_update(),
            ..node.clone()
        };
        if let Err(e) = store.report_node(report).await {
            tracing::warn!(error = %e, "cannot report this node to the registry");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            r = state.changed() => if r.is_err() { break },
            () = stopped(&mut shutdown) => break,
        }
    }
    let last = Node {
        seen_at: now(),
        state: NodeState::Stopped,
        ..node
    };
    let _ = tokio::time::timeout(every, store.report_node(last)).await;
}
