//! `/api/v1/kb-folders`: the knowledge base's folders.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_domain::{
    Access, DepartmentId, Folder, FolderId, FolderPatch, NewFolder, Resource,
};

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

crud_handlers!(resource: Resource::Knowledge, id: FolderId, new: NewFolder, patch: FolderPatch,
    create: create_folder, get: folder, update: update_folder, delete: delete_folder);

/// Filters of the folder list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
}

/// Lists folders.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<Folder>>> {
    caller.require(Access::Read, Resource::Knowledge)?;
    let p = page(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        s.store
            .list_folders(&caller.scope, q.department_id.map(DepartmentId), &p)
            .await?
            .into(),
    ))
}

switchboard_domain::refers_fields!(Query {
    department_id: Department
});
