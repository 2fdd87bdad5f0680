//! Reports: what the business sees. `rollup.rs` folds the event log into 15-minute intervals per
//! queue and per agent; `definitions.rs` says what each report reads and shows, and turns rollup
//! rows into a table in the report's time zone.

pub mod chart;
pub mod definitions;
pub mod rollup;

#[cfg(test)]
mod tests;

pub use chart::{MAX_BARS, bars, period_label};
pub use definitions::{
    Column, Granularity, ReportKind, ReportRow, ReportTable, Shape, agent_table, date_of,
    day_start, period_of, queue_table, threshold_index, time_zone,
};
pub use rollup::{
    AgentFigures, AgentKey, Gap, INTERVAL_MS, QueueFigures, QueueKey, Rollup, Tracked,
    WAIT_BOUNDS_SECS, fold, foldable, interval_of,
};
