//! `/api/v1/departments`, and their channel settings.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use switchboard_domain::wrap_up::WrapUpSettings;
use switchboard_domain::{
    Access, ChannelKind, ChannelSettings, Department, DepartmentId, DepartmentPatch, NewDepartment,
    Resource, RoutingSettings,
};

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::state::AppState;

crud_handlers!(resource: Resource::Departments, id: DepartmentId, new: NewDepartment, patch: DepartmentPatch,
    create: create_department, get: department, update: update_department, delete: delete_department);

/// Paging of the department list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Lists departments.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<Department>>> {
    caller.require(Access::Read, Resource::Departments)?;
    Ok(Json(
        s.store
            .list_departments(&caller.scope, &page(q.limit, q.cursor.as_deref())?)
            .await?
            .into(),
    ))
}

fn channel(name: &str) -> ApiResult<ChannelKind> {
    ChannelKind::parse(name).ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            format!("no channel {name:?}"),
        )
    })
}

fn dept_id(raw: &str) -> ApiResult<DepartmentId> {
    raw.parse().map(DepartmentId).map_err(|_| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            format!("no department {raw:?}"),
        )
    })
}

/// A department's settings for one channel.
pub async fn get_channel(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, ch)): Path<(String, String)>,
) -> ApiResult<Json<ChannelSettings>> {
    caller.require(Access::Read, Resource::Departments)?;
    Ok(Json(
        s.store
            .channel_settings(dept_id(&id)?, channel(&ch)?)
            .await?,
    ))
}

/// Replaces a department's settings for one channel.
pub async fn put_channel(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, ch)): Path<(String, String)>,
    ApiJson(body): ApiJson<ChannelSettings>,
) -> ApiResult<Json<ChannelSettings>> {
    caller.require(Access::Write, Resource::Departments)?;
    Ok(Json(
        s.store
            .set_channel_settings(dept_id(&id)?, channel(&ch)?, body)
            .await?,
    ))
}

/// A department's routing settings.
pub async fn get_routing(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<RoutingSettings>> {
    caller.require(Access::Read, Resource::Departments)?;
    Ok(Json(s.store.routing_settings(DepartmentId(id)).await?))
}

/// Replaces a department's routing settings; the router applies them at once.
pub async fn put_routing(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<RoutingSettings>,
) -> ApiResult<Json<RoutingSettings>> {
    caller.require(Access::Write, Resource::Departments)?;
    Ok(Json(
        s.store.set_routing_settings(DepartmentId(id), body).await?,
    ))
}

/// A department's wrap-up rule.
pub async fn get_wrap_up(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<WrapUpSettings>> {
    caller.require(Access::Read, Resource::Departments)?;
    Ok(Json(s.store.wrap_up_settings(DepartmentId(id)).await?))
}

/// Replaces a department's wrap-up rule.
pub async fn put_wrap_up(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<WrapUpSettings>,
) -> ApiResult<Json<WrapUpSettings>> {
    caller.require(Access::Write, Resource::Departments)?;
    Ok(Json(
        s.store.set_wrap_up_settings(DepartmentId(id), body).await?,
    ))
}

switchboard_domain::refers_nothing!(Query);
