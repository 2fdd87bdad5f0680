//! `/api/v1/cases`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_domain::{
    Access, CaseId, CasePatch, CaseStatus, CustomerId, DepartmentId, NewCase, Resource, UserId,
};
use switchboard_store::CaseFilter;

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

crud_handlers!(resource: Resource::Cases, id: CaseId, new: NewCase, patch: CasePatch,
    create: create_case, get: case, update: store.update_case(actor), delete: delete_case);

/// Filters of the case list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
    customer_id: Option<i64>,
    status: Option<CaseStatus>,
    owner_id: Option<i64>,
}

/// Lists cases.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<switchboard_domain::Case>>> {
    caller.require(Access::Read, Resource::Cases)?;
    let f = CaseFilter {
        department_id: q.department_id.map(DepartmentId),
        customer_id: q.customer_id.map(CustomerId),
        status: q.status,
        owner_id: q.owner_id.map(UserId),
    };
    Ok(Json(
        s.store
            .list_cases(&caller.scope, &f, &page(q.limit, q.cursor.as_deref())?)
            .await?
            .into(),
    ))
}

switchboard_domain::refers_fields!(Query {
    department_id: Department,
    customer_id: Customer,
    owner_id: User
});
