//! Reports: what the business sees. `rollup.rs` folds the event log into 15-minute intervals per
//! queue and per agent.

pub mod rollup;

#[cfg(test)]
mod tests;

pub use rollup::{
    AgentFigures, AgentKey, Gap, INTERVAL_MS, QueueFigures, QueueKey, Rollup, Tracked,
    WAIT_BOUNDS_SECS, fold, foldable, interval_of,
};
