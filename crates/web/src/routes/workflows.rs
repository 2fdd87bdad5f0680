//! `/api/v1/workflows`: versioned workflow definitions; a change takes effect on the next
//! activity, on every node.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_domain::{Access, DepartmentId, Resource, ValidationError, WorkflowId};
use switchboard_store::WorkflowFilter;
use switchboard_workflow::model::WorkflowVersion;
use switchboard_workflow::{NewWorkflow, Validate, Workflow, WorkflowKind, WorkflowPatch};

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{ApiQuery, Id};
use crate::state::AppState;

crud_handlers!(resource: Resource::Workflows, id: WorkflowId, new: NewWorkflow, patch: WorkflowPatch,
    create: create_workflow, get: workflow, update: app.update_workflow, delete: delete_workflow);

/// Filters of the workflow list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
    kind: Option<String>,
}

/// Lists workflows.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<Workflow>>> {
    caller.require(Access::Read, Resource::Workflows)?;
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            WorkflowKind::parse(k).ok_or_else(|| {
                ValidationError::new("kind", "one of start, inbound, outbound, alarm")
            })
        })
        .transpose()?;
    let f = WorkflowFilter {
        department_id: q.department_id.map(DepartmentId),
        kind,
    };
    let p = page(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        s.store.list_workflows(&caller.scope, &f, &p).await?.into(),
    ))
}

/// Every saved version of a workflow, newest first.
pub async fn versions(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<Vec<WorkflowVersion>>> {
    caller.require(Access::Read, Resource::Workflows)?;
    Ok(Json(s.store.workflow_versions(WorkflowId(id)).await?))
}

switchboard_domain::refers_fields!(Query {
    department_id: Department
});
