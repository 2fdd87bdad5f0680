//! `GET /api/v1/search?q=`: customers (by name, address, number or id), cases and activities (by
//! subject or id) within the caller's departments — for supervisors and administrators; agents
//! search their own work (`/agent/search`).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use switchboard_domain::{Access, Activity, Case, Customer, Resource};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The search's text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// A name, address, number, subject or id.
    #[serde(default)]
    pub q: String,
}

switchboard_domain::refers_nothing!(Query);

/// Longest search text.
const MAX_QUERY: usize = 200;

/// What a search found, newest first, at most 50 of each.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// Customers.
    pub customers: Vec<Customer>,
    /// Cases.
    pub cases: Vec<Case>,
    /// Activities.
    pub activities: Vec<Activity>,
}

/// Searches within the caller's scope.
pub async fn find(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<SearchResults>> {
    caller.require(Access::Read, Resource::Customers)?;
    if !caller.user.role.oversees() {
        return Err(ApiError::forbidden(
            "search everything (agents search their own work at /agent/search)",
        ));
    }
    if q.q.chars().count() > MAX_QUERY {
        return Err(switchboard_domain::ValidationError::new(
            "q",
            format!("at most {MAX_QUERY} characters"),
        )
        .into());
    }
    let found = s.store.find(&caller.scope, &q.q).await?;
    Ok(Json(SearchResults {
        customers: found.customers,
        cases: found.cases,
        activities: found.activities,
    }))
}
