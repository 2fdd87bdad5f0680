//! Reports: what the business sees. `rollup.rs` folds the event log into 15-minute intervals per
//! queue and per agent; `definitions.rs` says what each report reads and shows, and turns rollup
//! rows into a table in the report's time zone; `agent_work.rs` and `presence.rs` make the
//! agents' tables from their rollup rows and state times; `pages.rs` cuts a long report into
//! pages of periods.

pub mod agent_work;
pub mod chart;
pub mod days;
pub mod definitions;
pub mod file_format;
pub mod outcomes;
pub mod pages;
pub mod period;
pub mod presence;
pub mod rollup;
pub mod saved;
pub mod schedule;
pub mod wait_accuracy;

#[cfg(test)]
mod presence_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod wait_tests;

pub use agent_work::agent_table;
pub use chart::{MAX_BARS, bars, period_label};
pub use days::{DayOf, MAX_DAY_ZONES, Zone, day_bounds, day_zones, whole_days};
pub use definitions::{
    Column, Granularity, ReportKind, ReportRow, ReportTable, Shape, date_of, day_start,
    period_bounds, period_end, period_of, queue_table, threshold_index, time_zone,
};
pub use file_format::ExportFormat;
pub use outcomes::{ExceptionFact, SurveyFact, exceptions_table, surveys_table};
pub use pages::{PeriodPage, ROWS_PER_PAGE, period_page, period_starts};
pub use period::{PeriodChoice, PeriodPreset};
pub use presence::{
    AgentState, PresenceStep, REASON_COLUMN, StateTime, presence_step, presence_table,
    reason_of_column,
};
pub use rollup::{
    AgentFigures, AgentKey, Gap, INTERVAL_MS, QueueFigures, QueueKey, Rollup, Tracked,
    WAIT_BOUNDS_SECS, WaitEnded, WaitRow, fold, foldable, interval_of,
};
pub use saved::{ReportRun, RunFile, RunStatus, RunTrigger, SavedReport, SavedReportInput};
pub use schedule::{Schedule, next_run};
pub use wait_accuracy::{WaitEnd, WaitFact, wait_accuracy_table, wait_told_due};
