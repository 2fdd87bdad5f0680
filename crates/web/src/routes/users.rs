//! `/api/v1/users`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_domain::{
    Access, DepartmentId, EmailAddress, Membership, NewUser, Resource, Role, User, UserId,
    UserPatch,
};
use switchboard_store::UserFilter;

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::state::{AppState, now};

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
            .list_users(&caller.scope, &f, &page(q.limit, q.cursor.as_deref())?)
            .await?
            .into(),
    ))
}

/// `GET /users/{id}/groups`: the groups the user belongs to.
pub async fn groups(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<Membership>> {
    caller.require(Access::Read, Resource::Users)?;
    Ok(Json(s.store.user_membership(UserId(id)).await?))
}

/// `PUT /users/{id}/groups`: makes the user a member of exactly these groups. Changing users
/// and changing groups both need write access.
pub async fn set_groups(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<Membership>,
) -> ApiResult<Json<Membership>> {
    caller.require(Access::Write, Resource::Users)?;
    caller.require(Access::Write, Resource::UserGroups)?;
    let m = s
        .store
        .set_user_membership(UserId(id), body.validate()?, now())
        .await?;
    Ok(Json(m))
}

switchboard_domain::refers_fields!(Query {
    department_id: Department
});
