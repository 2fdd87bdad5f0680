//! Switchboard's workflows: inbound (with the department's standard start workflow), outbound
//! and alarm rules that classify, acknowledge, route and escalate activities.
//!
//! This crate is pure: no I/O, no async runtime, no clock. [`model`] is what administrators
//! write (versioned JSON; the domain's, re-exported here with [`refs`]), [`validate`] checks it
//! on save with errors that name the node, [`compile()`] makes it ready to run, [`eval::run`] runs
//! it over [`facts::Facts`] and returns effects plus the path each workflow took, and
//! [`resolve`] and [`apply`] decide what the effects become. The use cases apply them.

pub mod apply;
pub mod compile;
pub mod eval;
pub mod facts;
pub mod lang;
mod prefilter;
pub mod resolve;
pub mod scanner;
pub mod validate;

pub use switchboard_domain::workflow::{model, refs};

pub use compile::{Action, Notice, Program, RouteTo, compile};
pub use eval::{Effects, Outcome, Ran, run, run_with};
pub use facts::{ActivityFacts, AgentFacts, AttachmentFacts, Facts, Message};
pub use model::{Definition, NewWorkflow, Workflow, WorkflowKind, WorkflowPatch};
pub use scanner::Scanner;
pub use validate::Validate;
