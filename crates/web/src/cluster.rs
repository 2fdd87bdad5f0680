//! Calls between the nodes of a cluster. The router runs on the node holding its lease; the
//! other nodes forward their callers' router calls to it over HTTP ([`HttpRouter`]), and it
//! answers them at `POST /internal/v1/router` ([`router_call`]). The nodes prove themselves
//! with a token derived from the secret key they share; without one the endpoint does not
//! exist.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use switchboard_services::routing::wire::WireError;
use switchboard_services::routing::{Call, NAME, Remote, Reply, RouterError};
use switchboard_store::{Store, StoreError};

use crate::auth::constant_time_eq;
use crate::state::AppState;

/// The internal router path.
pub const ROUTER_PATH: &str = "/internal/v1/router";

/// How long a forwarded call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// Forwards router calls to the node holding the router's lease, found through the store's
/// lease and node registry.
pub struct HttpRouter {
    client: reqwest::Client,
    store: Store,
    token: String,
    holder: String,
}

impl HttpRouter {
    /// A forwarder for the instance `holder` (which never forwards to itself), showing `token`.
    pub fn new(store: Store, token: String, holder: String) -> HttpRouter {
        let client = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        HttpRouter {
            client,
            store,
            token,
            holder,
        }
    }
}

impl Remote for HttpRouter {
    fn call(&self, call: Call) -> BoxFuture<'static, Result<Reply, RouterError>> {
        let (client, store, token, me) = (
            self.client.clone(),
            self.store.clone(),
            self.token.clone(),
            self.holder.clone(),
        );
        Box::pin(async move {
            let now = switchboard_services::now();
            let Some(lease) = store.lease(NAME).await? else {
                return Err(RouterError::NotRunning);
            };
            if lease.expires_at <= now || lease.holder == me {
                return Err(RouterError::NotRunning);
            }
            let Some(node) = store.node(&lease.holder).await? else {
                return Err(RouterError::NotRunning);
            };
            let url = format!("{}{ROUTER_PATH}", node.address.trim_end_matches('/'));
            let sent = client
                .post(&url)
                .bearer_auth(&token)
                .json(&call)
                .send()
                .await;
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(node = %node.name, error = %e, "cannot reach the router's node");
                    return Err(RouterError::NotRunning);
                }
            };
            let ok = response.status().is_success();
            let body = response.bytes().await.map_err(|e| {
                tracing::warn!(node = %node.name, error = %e, "the router's node did not answer");
                RouterError::NotRunning
            })?;
            if ok {
                serde_json::from_slice::<Reply>(&body).map_err(|e| bad_answer(&e))
            } else {
                let e = serde_json::from_slice::<WireError>(&body).map_err(|e| bad_answer(&e))?;
                Err(e.into())
            }
        })
    }
}

fn bad_answer(e: &serde_json::Error) -> RouterError {
    RouterError::Store(StoreError::Internal(format!(
        "the router's node gave an answer this node cannot read (another version?): {e}"
    )))
}

/// `POST /internal/v1/router`: runs another node's router call here, when the router runs here.
pub async fn router_call(
    State(s): State<AppState>,
    headers: HeaderMap,
    Json(call): Json<Call>,
) -> Response {
    let Some(token) = s.config.cluster_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let sent = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !constant_time_eq(sent.as_bytes(), token.as_bytes()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Some(router) = s.router.as_ref() else {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(WireError::NotRunning)).into_response();
    };
    match router.serve_call(call).await {
        Ok(reply) => Json(reply).into_response(),
        Err(e) => {
            let status = match e {
                RouterError::Refused(_) => StatusCode::CONFLICT,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            (status, Json(WireError::from(&e))).into_response()
        }
    }
}
