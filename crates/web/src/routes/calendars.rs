//! `/api/v1/calendars`: business calendars.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_domain::{
    Access, BusinessCalendar, CalendarId, CalendarPatch, DepartmentId, NewCalendar, Resource,
};

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

crud_handlers!(resource: Resource::Calendars, id: CalendarId, new: NewCalendar, patch: CalendarPatch,
    create: create_calendar, get: calendar, update: update_calendar, delete: delete_calendar);

/// Filters of the calendar list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
}

/// Lists business calendars.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<BusinessCalendar>>> {
    caller.require(Access::Read, Resource::Calendars)?;
    let p = page(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        s.store
            .list_calendars(&caller.scope, q.department_id.map(DepartmentId), &p)
            .await?
            .into(),
    ))
}

switchboard_domain::refers_fields!(Query {
    department_id: Department
});
