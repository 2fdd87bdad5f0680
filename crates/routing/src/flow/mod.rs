//! How work moves: into queues (lanes), to agents (offers, assignments, interruptions), back to
//! queues (declines, time-outs, logouts), to the exception queue (limits), and out (completion).

mod agent_work;
pub(crate) mod future;
mod placing;
mod presence;
mod queueing;
mod restore;
mod transfer;

use std::cmp::Reverse;

use switchboard_domain::ActivityId;

/// The best candidate so far: queue priority, work priority, age; smaller is better.
pub(crate) type Best = ((Reverse<u8>, Reverse<u8>, i64, ActivityId), ActivityId);

/// Keeps `k` when it is better (smaller) than the best so far.
pub(crate) fn consider(
    best: &mut Option<Best>,
    k: (Reverse<u8>, Reverse<u8>, i64, ActivityId),
    id: ActivityId,
) {
    if best.as_ref().is_none_or(|b| k < b.0) {
        *best = Some((k, id));
    }
}

/// Whether an agent is looking for work to be pushed (step-eligible) or pulling it (member).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Pushed to the agent: step-eligible work only.
    Push,
    /// Pulled by the agent: any work of their queues.
    Pull,
}
