//! `/api/v1/entry-points`: chat entry points (what a web page embeds to offer chat).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_domain::{
    Access, DepartmentId, EntryPoint, EntryPointId, EntryPointPatch, NewEntryPoint, Resource,
};

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

crud_handlers!(resource: Resource::EntryPoints, id: EntryPointId, new: NewEntryPoint,
    patch: EntryPointPatch, create: create_entry_point, get: entry_point,
    update: update_entry_point, delete: delete_entry_point);

/// Filters of the entry point list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
}

/// Lists chat entry points.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<EntryPoint>>> {
    caller.require(Access::Read, Resource::EntryPoints)?;
    let p = page(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        s.store
            .list_entry_points(&caller.scope, q.department_id.map(DepartmentId), &p)
            .await?
            .into(),
    ))
}

switchboard_domain::refers_fields!(Query {
    department_id: Department
});
