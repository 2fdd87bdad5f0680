//! `/api/v1/webhooks`: a department's webhook subscriptions (administrators only), their
//! secrets (shown once, when made or renewed), their delivery log and replays.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use switchboard_domain::webhook::{
    DeliveryStatus, NewWebhook, Webhook, WebhookAttempt, WebhookDelivery, WebhookPatch,
    WebhookWithSecret,
};
use switchboard_domain::{Access, DepartmentId, Resource, WebhookDeliveryId, WebhookId};

use super::{ListResponse, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Id, number};
use crate::state::{AppState, now};

/// Filters of the subscription list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
}

switchboard_domain::refers_fields!(Query {
    department_id: Department
});

/// Lists subscriptions.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<Webhook>>> {
    caller.require(Access::Read, Resource::Webhooks)?;
    let p = page(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        s.store
            .list_webhooks(&caller.scope, q.department_id.map(DepartmentId), &p)
            .await?
            .into(),
    ))
}

/// Creates a subscription; 201 with it and its secret, shown this once.
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewWebhook>,
) -> ApiResult<impl IntoResponse> {
    caller.require(Access::Write, Resource::Webhooks)?;
    let made: WebhookWithSecret = s.store.create_webhook(body.validate()?, now()).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Reads a subscription.
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<Webhook>> {
    caller.require(Access::Read, Resource::Webhooks)?;
    Ok(Json(s.store.webhook(WebhookId(id)).await?))
}

/// Partially updates a subscription; 409 when `version` is stale.
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<WebhookPatch>,
) -> ApiResult<Json<Webhook>> {
    caller.require(Access::Write, Resource::Webhooks)?;
    Ok(Json(
        s.store
            .update_webhook(WebhookId(id), body.validate()?, now())
            .await?,
    ))
}

/// Deletes a subscription and its delivery log; 204.
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    caller.require(Access::Delete, Resource::Webhooks)?;
    s.store.delete_webhook(WebhookId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /webhooks/{id}/secret`: a new signing secret, shown this once; the old one stops
/// working at once.
pub async fn renew_secret(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<WebhookWithSecret>> {
    caller.require(Access::Write, Resource::Webhooks)?;
    Ok(Json(
        s.store.renew_webhook_secret(WebhookId(id), now()).await?,
    ))
}

/// Filters of the delivery log.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    limit: Option<u32>,
    cursor: Option<String>,
    status: Option<DeliveryStatus>,
}

switchboard_domain::refers_nothing!(DeliveryQuery);

/// `GET /webhooks/{id}/deliveries`: the delivery log, newest first.
pub async fn deliveries(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> ApiResult<Json<ListResponse<WebhookDelivery>>> {
    caller.require(Access::Read, Resource::Webhooks)?;
    let p = page(q.limit, q.cursor.as_deref())?;
    let w = s.store.webhook(WebhookId(id)).await?;
    Ok(Json(
        s.store.webhook_deliveries(w.id, q.status, &p).await?.into(),
    ))
}

/// A delivery with every attempt.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DeliveryDetail {
    /// The delivery.
    #[serde(flatten)]
    pub delivery: WebhookDelivery,
    /// Its attempts since the last replay and before, oldest first.
    pub attempts: Vec<WebhookAttempt>,
}

fn ids(id: &str, delivery: &str) -> ApiResult<(WebhookId, WebhookDeliveryId)> {
    Ok((
        WebhookId(number(id, "webhook")?),
        WebhookDeliveryId(number(delivery, "delivery")?),
    ))
}

/// `GET /webhooks/{id}/deliveries/{delivery}`: one delivery with its attempts.
pub async fn delivery(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, delivery)): Path<(String, String)>,
) -> ApiResult<Json<DeliveryDetail>> {
    caller.require(Access::Read, Resource::Webhooks)?;
    let (id, delivery) = ids(&id, &delivery)?;
    let (delivery, attempts) = s.store.webhook_delivery(id, delivery).await?;
    Ok(Json(DeliveryDetail { delivery, attempts }))
}

/// `POST /webhooks/{id}/deliveries/{delivery}/replay`: sends it again from the first attempt,
/// with the same message id.
pub async fn replay(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, delivery)): Path<(String, String)>,
) -> ApiResult<Json<WebhookDelivery>> {
    caller.require(Access::Write, Resource::Webhooks)?;
    let (id, delivery) = ids(&id, &delivery)?;
    Ok(Json(
        s.store.replay_webhook_delivery(id, delivery, now()).await?,
    ))
}
