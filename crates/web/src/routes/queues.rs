//! `/api/v1/queues`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_domain::{
    Access, DepartmentId, NewQueue, Queue, QueueId, QueueKind, QueuePatch, Resource,
};
use switchboard_store::QueueFilter;

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

crud_handlers!(resource: Resource::Queues, id: QueueId, new: NewQueue, patch: QueuePatch,
    create: create_queue, get: queue, update: update_queue, delete: delete_queue);

/// Filters of the queue list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
    kind: Option<QueueKind>,
}

/// Lists queues.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<Queue>>> {
    caller.require(Access::Read, Resource::Queues)?;
    let f = QueueFilter {
        department_id: q.department_id.map(DepartmentId),
        kind: q.kind,
    };
    Ok(Json(
        s.store
            .list_queues(&caller.scope, &f, &page(q.limit, q.cursor.as_deref())?)
            .await?
            .into(),
    ))
}

switchboard_domain::refers_fields!(Query {
    department_id: Department
});
