//! `/api/v1/user-groups`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_domain::{
    Access, DepartmentId, NewUserGroup, Resource, UserGroup, UserGroupId, UserGroupPatch, UserId,
};
use switchboard_store::UserGroupFilter;

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

crud_handlers!(resource: Resource::UserGroups, id: UserGroupId, new: NewUserGroup, patch: UserGroupPatch,
    create: create_user_group, get: user_group, update: update_user_group, delete: delete_user_group);

/// Filters of the user group list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
    member: Option<i64>,
}

/// Lists user groups.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<UserGroup>>> {
    caller.require(Access::Read, Resource::UserGroups)?;
    let f = UserGroupFilter {
        department_id: q.department_id.map(DepartmentId),
        member: q.member.map(UserId),
    };
    Ok(Json(
        s.store
            .list_user_groups(&caller.scope, &f, &page(q.limit, q.cursor.as_deref())?)
            .await?
            .into(),
    ))
}

switchboard_domain::refers_fields!(Query {
    department_id: Department,
    member: User
});
