//! `/api/v1/customers`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_domain::{Access, CustomerId, CustomerPatch, DepartmentId, NewCustomer, Resource};
use switchboard_store::CustomerFilter;

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

crud_handlers!(resource: Resource::Customers, id: CustomerId, new: NewCustomer, patch: CustomerPatch,
    create: create_customer, get: customer, update: update_customer, delete: delete_customer);

/// Filters of the customer list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
    /// An email address, phone number or chat id.
    contact: Option<String>,
}

/// Lists customers.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<switchboard_domain::Customer>>> {
    caller.require(Access::Read, Resource::Customers)?;
    let f = CustomerFilter {
        department_id: q.department_id.map(DepartmentId),
        contact: q.contact,
    };
    Ok(Json(
        s.store
            .list_customers(&caller.scope, &f, &page(q.limit, q.cursor.as_deref())?)
            .await?
            .into(),
    ))
}

switchboard_domain::refers_fields!(Query {
    department_id: Department
});

/// `POST /customers/{id}/merge`: merges the customer `from_customer_id` into this one (its
/// contact points, cases and activities move here; every moved activity records
/// `customer_merged`); supervisors and administrators.
pub async fn merge(
    axum::extract::State(s): axum::extract::State<AppState>,
    caller: Caller,
    crate::extract::Id(id): crate::extract::Id,
    crate::extract::ApiJson(body): crate::extract::ApiJson<
        switchboard_domain::customer_merge::MergeRequest,
    >,
) -> ApiResult<Json<switchboard_domain::Customer>> {
    caller.require(Access::Delete, Resource::Customers)?;
    Ok(Json(
        s.app
            .merge_customers(CustomerId(id), body, caller.actor(), crate::state::now())
            .await?,
    ))
}
