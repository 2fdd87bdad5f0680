//! `/api/v1/categories`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_domain::{
    Access, Category, CategoryId, CategoryPatch, DepartmentId, NewCategory, Resource,
};

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

crud_handlers!(resource: Resource::Categories, id: CategoryId, new: NewCategory, patch: CategoryPatch,
    create: create_category, get: category, update: update_category, delete: delete_category);

/// Filters of the category list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
}

/// Lists categories.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<Category>>> {
    caller.require(Access::Read, Resource::Categories)?;
    let p = page(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        s.store
            .list_categories(&caller.scope, q.department_id.map(DepartmentId), &p)
            .await?
            .into(),
    ))
}

switchboard_domain::refers_fields!(Query {
    department_id: Department
});
