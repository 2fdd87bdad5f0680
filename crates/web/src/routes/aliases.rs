//! `/api/v1/aliases`: email aliases. Passwords are accepted on create and update and never
//! returned (`incoming_password_set` / `outgoing_password_set` tell whether one is stored).
//! Changes reach the retriever and dispatcher at once, without a restart.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_domain::{Access, Alias, AliasId, AliasPatch, DepartmentId, NewAlias, Resource};
use switchboard_store::AliasFilter;

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

crud_handlers!(resource: Resource::Aliases, id: AliasId, new: NewAlias, patch: AliasPatch,
    create: create_alias, get: alias, update: update_alias, delete: delete_alias);

/// Filters of the alias list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
    active: Option<bool>,
}

/// Lists aliases.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<Alias>>> {
    caller.require(Access::Read, Resource::Aliases)?;
    let f = AliasFilter {
        department_id: q.department_id.map(DepartmentId),
        active: q.active,
    };
    Ok(Json(
        s.store
            .list_aliases(&f, &page(q.limit, q.cursor.as_deref())?)
            .await?
            .into(),
    ))
}
