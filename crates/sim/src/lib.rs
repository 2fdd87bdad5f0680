//! The routing simulator: the router's core (`switchboard-routing`) over synthetic arrivals,
//! agent shifts, skills and handling times in virtual time, for staffing plans, as a test
//! harness, and as the routing benchmark's workload. [`naive`] is the baseline router the
//! benchmark compares against (a linear scan per decision).
//!
//! - [`scenario`]: the TOML scenario and the router configuration it describes;
//! - [`engine`]: virtual time — arrivals, patience, shifts, handling;
//! - [`presence`]: agents' presence as it changes, for an event history;
//! - [`report`]: the figures per queue and agent group.

pub mod engine;
pub mod naive;
pub mod presence;
pub mod report;
pub mod scenario;
