//! Workflows as data: [`model`] is what administrators write (versioned JSON) and the store
//! keeps; [`refs`] lists the objects a definition names, so what it names can be checked on
//! save and protected from deletion. Validating, compiling and running workflows is the
//! `workflow` crate's.

pub mod model;
pub mod refs;

use crate::DepartmentId;
use model::{Definition, NewWorkflow, Step, WorkflowKind};

/// The standard start workflow every department is created with: acknowledge new cases with the
/// department's auto-acknowledgement article; the mail then waits in its alias's queue.
pub fn standard_start(dept: DepartmentId) -> NewWorkflow {
    NewWorkflow {
        department_id: dept,
        name: "Standard start".into(),
        description: "Acknowledges new cases with the department's auto-acknowledgement article. \
                      The mail then waits in its alias's queue."
            .into(),
        kind: WorkflowKind::Start,
        active: true,
        alias_ids: vec![],
        interval_secs: None,
        definition: Definition {
            steps: vec![Step::Acknowledge {
                id: "acknowledge".into(),
                article_id: None,
            }],
        },
    }
}
