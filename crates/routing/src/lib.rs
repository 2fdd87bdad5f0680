//! Switchboard's router: which agent gets which activity, and when. Pure and deterministic:
//! no I/O, no clock, no async. Events come in with the time they happen ([`Router::handle`]);
//! decisions come out as [`Action`]s; [`Router::next_deadline`] says when to call
//! [`Router::advance`] next. The service around it persists each action as activity events
//! before announcing it; the simulator drives it in virtual time.
//!
//! Semantics (SPEC.md §2–3): capacity per channel per agent; a channel marked interruptible
//! lets other channels' work reach an agent busy with it (its work in progress pauses and
//! resumes after), others block other channels; skill-group and precision queues (cumulative
//! steps that widen with the wait), agent order (longest available, most or least skilled);
//! queue priority, then activity priority, then age; personalized assignment to the case's
//! last agent; offers with a start time-out (back to the queue keeping their age, the agent
//! becomes not ready) or auto-accept; pull; limits (queued count, time in queue, task
//! duration, return of unstarted work after logout); transfers; statistics.

mod bitset;
mod check;
mod eligibility;
mod flow;
pub mod model;
pub mod monitor;
mod router;
mod state;
pub mod stats;
mod timers;

pub use model::{
    Action, AgentRules, AssignReason, Config, DepartmentRules, Event, Held, MoveReason, NewWork,
    Pin, QueueRules, ReturnReason, RouteError, Target,
};
pub use monitor::AgentState;
pub use router::Router;
pub use stats::QueueStats;
