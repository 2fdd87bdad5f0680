//! What an alarm's effects do to one activity: a pure decision over the activity as the write
//! transaction read it, the effects, and the two facts the transaction looked up (whether the
//! category fits, whether there is an alias to send notifications from).

use switchboard_domain::event::{Changes, WorkflowRan};
use switchboard_domain::{Activity, Priority};
pub use switchboard_workflow::apply::category_to_check;
use switchboard_workflow::apply::classify;
use switchboard_workflow::{Effects, Notice, Ran, RouteTo};

/// What the write transaction looked up for the decision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Looked {
    /// Why the category the effects set cannot be set, when it cannot (asked only when the
    /// effects change the category).
    pub category_refusal: Option<String>,
    /// Whether an alias exists to send notifications from (asked only when there are any).
    pub has_sender: bool,
}

/// The outcome: what changes on the activity, what else happens, and what the run records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Firing {
    /// The fields that change (applied to the activity already); empty when none.
    pub changes: Changes,
    /// Where the work is to go; the router makes the transfer.
    pub route: Option<RouteTo>,
    /// Notifications to send.
    pub notify: Vec<Notice>,
    /// What could not be done as asked, and why.
    pub notes: Vec<String>,
}

/// Applies an alarm's effects to `a` (priority, category, attributes) and says what else is to
/// happen. A priority outside 1–10 is ignored; a category that does not fit is left out with a
/// note; notifications without an alias to send from are left out with a note.
pub fn fire(a: &mut Activity, e: &Effects, looked: &Looked) -> Firing {
    let mut out = Firing::default();
    if let Some(p) = e.priority.and_then(|p| Priority::new(i64::from(p)).ok())
        && p != a.priority
    {
        a.priority = p;
        out.changes.priority = Some(p);
    }
    classify(
        a,
        e,
        looked.category_refusal.as_deref(),
        &mut out.changes,
        &mut out.notes,
    );
    out.route = e.route;
    if !e.notify.is_empty() {
        if looked.has_sender {
            out.notify.clone_from(&e.notify);
        } else {
            out.notes
                .push("notify: the department has no active alias to send from".into());
        }
    }
    out
}

/// The `workflow_ran` record of an alarm run.
pub fn run_record(ran: &Ran, firing: &Firing) -> WorkflowRan {
    WorkflowRan {
        workflow_id: ran.workflow,
        version: ran.version,
        name: ran.name.clone(),
        path: ran.path.clone(),
        stopped: ran.stopped,
        alarm: true,
        outbound: false,
        route: firing.route.map(|to| format!("{to:?}")),
        notes: firing.notes.clone(),
    }
}

#[cfg(test)]
mod tests;
