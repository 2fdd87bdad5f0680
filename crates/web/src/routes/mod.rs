//! REST API v1: one file per resource. Lists take `limit` (1–500, default 50) and `cursor` (from
//! the previous page's `next_cursor`); updates are partial and carry the `version` last read.

use serde::Serialize;
use switchboard_store::{Page, PageRequest};
use utoipa::ToSchema;

use crate::error::ApiResult;

pub mod activities;
pub mod aliases;
pub mod articles;
pub mod auth;
pub mod calendars;
pub mod callbacks;
pub mod case_notes;
pub mod cases;
pub mod categories;
pub mod cluster;
pub mod collision;
pub mod customers;
pub mod departments;
pub mod drafts;
pub mod emails;
pub mod entry_points;
pub mod files;
pub mod inbox;
pub mod kb_folders;
pub mod me;
pub(crate) mod notice_socket;
pub mod queues;
pub mod reports;
pub mod review;
pub mod routing;
pub mod saved_reports;
pub mod search;
pub mod system;
pub mod user_groups;
pub mod users;
pub mod webhooks;
pub mod workflows;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T> {
    /// The items, by ascending id.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> From<Page<T>> for ListResponse<T> {
    fn from(p: Page<T>) -> Self {
        ListResponse {
            items: p.items,
            next_cursor: p.next_cursor,
        }
    }
}

/// Reads `limit` and `cursor`.
pub(crate) fn page(limit: Option<u32>, cursor: Option<&str>) -> ApiResult<PageRequest> {
    Ok(PageRequest::parse(limit, cursor)?)
}

/// Generates create, get, update and delete handlers for a resource whose store methods follow
/// the common shape (`create_x(New, now)`, `x(id)`, `update_x(id, Patch, now)`, `delete_x(id)`).
/// An update that is a use case of its own is the app's (`update: app.update_x`); one whose
/// event names who made it takes the caller's actor (`update: store.update_x(actor)`).
macro_rules! crud_handlers {
    (resource: $res:expr, id: $Id:path, new: $New:ty, patch: $Patch:ty,
     create: $create:ident, get: $get:ident, update: $update:ident, delete: $delete:ident) => {
        $crate::routes::crud_handlers!(resource: $res, id: $Id, new: $New, patch: $Patch,
            create: $create, get: $get, update: store.$update, delete: $delete);
    };
    (resource: $res:expr, id: $Id:path, new: $New:ty, patch: $Patch:ty,
     create: $create:ident, get: $get:ident, update: $via:ident.$update:ident, delete: $delete:ident) => {
        $crate::routes::crud_handlers!(resource: $res, id: $Id, new: $New, patch: $Patch,
            create: $create, get: $get, update: $via.$update(), delete: $delete);
    };
    (resource: $res:expr, id: $Id:path, new: $New:ty, patch: $Patch:ty,
     create: $create:ident, get: $get:ident, update: $via:ident.$update:ident($($by:ident)?),
     delete: $delete:ident) => {
        /// Creates one; 201 with the new object.
        pub async fn create(
            axum::extract::State(s): axum::extract::State<$crate::state::AppState>,
            caller: $crate::auth::Caller,
            $crate::extract::ApiJson(body): $crate::extract::ApiJson<$New>,
        ) -> $crate::error::ApiResult<impl axum::response::IntoResponse> {
            caller.require(switchboard_domain::Access::Write, $res)?;
            let created = s
                .store
                .$create(body.validate()?, $crate::state::now())
                .await?;
            Ok((axum::http::StatusCode::CREATED, axum::Json(created)))
        }

        /// Reads one.
        pub async fn get(
            axum::extract::State(s): axum::extract::State<$crate::state::AppState>,
            caller: $crate::auth::Caller,
            $crate::extract::Id(id): $crate::extract::Id,
        ) -> $crate::error::ApiResult<impl axum::response::IntoResponse> {
            caller.require(switchboard_domain::Access::Read, $res)?;
            Ok(axum::Json(s.store.$get($Id(id)).await?))
        }

        /// Partially updates one; 409 when `version` is stale.
        pub async fn update(
            axum::extract::State(s): axum::extract::State<$crate::state::AppState>,
            caller: $crate::auth::Caller,
            $crate::extract::Id(id): $crate::extract::Id,
            $crate::extract::ApiJson(body): $crate::extract::ApiJson<$Patch>,
        ) -> $crate::error::ApiResult<impl axum::response::IntoResponse> {
            caller.require(switchboard_domain::Access::Write, $res)?;
            Ok(axum::Json(
                s.$via
                    .$update($Id(id), body.validate()?, $(caller.$by(),)? $crate::state::now())
                    .await?,
            ))
        }

        /// Deletes one; 204.
        pub async fn delete(
            axum::extract::State(s): axum::extract::State<$crate::state::AppState>,
            caller: $crate::auth::Caller,
            $crate::extract::Id(id): $crate::extract::Id,
        ) -> $crate::error::ApiResult<axum::http::StatusCode> {
            caller.require(switchboard_domain::Access::Delete, $res)?;
            s.store.$delete($Id(id)).await?;
            Ok(axum::http::StatusCode::NO_CONTENT)
        }
    };
}
pub(crate) use crud_handlers;
