//! The library sorts compiled workflows by department and kind, keeps an inbound workflow to
//! the aliases it serves, and skips what does not compile.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use switchboard_domain::{AliasId, DepartmentId, Timestamp, WorkflowId};
use switchboard_workflow::model::Definition;
use switchboard_workflow::{Workflow, WorkflowKind};

use super::Library;

fn workflow(id: i64, dept: i64, kind: WorkflowKind, aliases: &[i64]) -> Workflow {
    let definition: Definition =
        serde_json::from_value(json!({"steps": [{"id": "s", "type": "stop"}]})).unwrap();
    Workflow {
        id: WorkflowId(id),
        department_id: DepartmentId(dept),
        name: format!("w{id}"),
        description: String::new(),
        kind,
        active: true,
        alias_ids: aliases.iter().copied().map(AliasId).collect(),
        interval_secs: 60,
        definition,
        version: 1,
        created_at: Timestamp::from_millis(0),
        updated_at: Timestamp::from_millis(0),
    }
}

fn ids<'a>(ps: impl IntoIterator<Item = &'a switchboard_workflow::Program>) -> Vec<i64> {
    ps.into_iter().map(|p| p.id.0).collect()
}

#[test]
fn sorts_by_department_and_kind() {
    let lib = Library::compile(
        4,
        &[
            workflow(1, 1, WorkflowKind::Inbound, &[]),
            workflow(2, 1, WorkflowKind::Start, &[]),
            workflow(3, 1, WorkflowKind::Inbound, &[9]),
            workflow(4, 1, WorkflowKind::Outbound, &[]),
            workflow(5, 2, WorkflowKind::Alarm, &[]),
            workflow(6, 1, WorkflowKind::Alarm, &[]),
        ],
        &[],
    );
    // Start workflows first, then the inbound ones serving the alias.
    assert_eq!(ids(lib.inbound(DepartmentId(1), AliasId(9))), vec![2, 1, 3]);
    assert_eq!(ids(lib.inbound(DepartmentId(1), AliasId(8))), vec![2, 1]);
    assert_eq!(
        ids(lib.inbound(DepartmentId(2), AliasId(8))),
        Vec::<i64>::new()
    );
    assert_eq!(ids(lib.outbound(DepartmentId(1))), vec![4]);
    let mut alarms = ids(lib.alarms());
    alarms.sort_unstable();
    assert_eq!(alarms, vec![5, 6]);
    assert!(lib.scanner(DepartmentId(1)).is_some());
    assert!(lib.scanner(DepartmentId(3)).is_none());
}

#[test]
fn an_empty_library_runs_nothing() {
    let lib = Library::default();
    assert!(lib.inbound(DepartmentId(1), AliasId(1)).is_empty());
    assert!(lib.outbound(DepartmentId(1)).is_empty());
    assert_eq!(lib.alarms().count(), 0);
}
