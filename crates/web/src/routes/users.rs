//! `/api/v1/users`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_domain::{
    Access, DepartmentId, EmailAddress, NewUser, Resource, Role, User, UserId, UserPatch,
};
use switchboard_store::UserFilter;

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

crud_handlers!(resource: Resource::Users, id: UserId, new: NewUser, patch: UserPatch,
    create: create_user, get: user, update: update_user, delete: delete_user);

/// Filters of the user list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
    role: Option<Role>,
    email: Option<EmailAddress>,
}

/// Lists users.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<User>>> {
    caller.require(Access::Read, Resource::Users)?;
    let f = UserFilter {
        department_id: q.department_id.map(DepartmentId),
        role: q.role,
        email: q.email,
    };
    Ok(Json(
        s.store
            .list_users(&f, &page(q.limit, q.cursor.as_deref())?)
            .await?
            .into(),
    ))
}
