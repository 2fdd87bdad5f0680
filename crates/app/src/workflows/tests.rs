//! A workflow patch: refused when stale, applied field by field, and the result checked as a
//! whole for its kind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;
use switchboard_domain::{AliasId, DepartmentId, Timestamp, WorkflowId};
use switchboard_store::StoreError;
use switchboard_workflow::model::Definition;
use switchboard_workflow::{Workflow, WorkflowKind, WorkflowPatch};

use super::patched;

fn workflow(kind: WorkflowKind) -> Workflow {
    let definition: Definition =
        serde_json::from_value(json!({"steps": [{"id": "s", "type": "stop"}]})).unwrap();
    Workflow {
        id: WorkflowId(3),
        department_id: DepartmentId(1),
        name: "Triage".into(),
        description: String::new(),
        kind,
        active: true,
        alias_ids: vec![],
        interval_secs: 0,
        definition,
        version: 4,
        created_at: Timestamp::from_millis(0),
        updated_at: Timestamp::from_millis(0),
    }
}

fn patch(version: i64) -> WorkflowPatch {
    WorkflowPatch {
        version,
        name: None,
        description: None,
        active: None,
        alias_ids: None,
        interval_secs: None,
        definition: None,
    }
}

#[test]
fn a_stale_patch_is_a_conflict() {
    let e = patched(workflow(WorkflowKind::Inbound), &patch(3)).unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
}

#[test]
fn fields_are_applied_and_the_rest_kept() {
    let mut p = patch(4);
    p.name = Some("Sorting".into());
    p.active = Some(false);
    p.alias_ids = Some(vec![AliasId(9)]);
    let w = patched(workflow(WorkflowKind::Inbound), &p).unwrap();
    assert_eq!(w.name, "Sorting");
    assert!(!w.active);
    assert_eq!(w.alias_ids, vec![AliasId(9)]);
    assert_eq!(w.version, 4, "the store bumps the version when it saves");
    assert_eq!(w.definition, workflow(WorkflowKind::Inbound).definition);
}

#[test]
fn the_whole_is_checked_for_its_kind() {
    // Only inbound workflows serve aliases.
    let mut p = patch(4);
    p.alias_ids = Some(vec![AliasId(9)]);
    let e = patched(workflow(WorkflowKind::Outbound), &p).unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    // An alarm gets its default interval; one too short is refused.
    let w = patched(workflow(WorkflowKind::Alarm), &patch(4)).unwrap();
    assert!(w.interval_secs > 0);
    let mut p = patch(4);
    p.interval_secs = Some(1);
    let e = patched(workflow(WorkflowKind::Alarm), &p).unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
}
