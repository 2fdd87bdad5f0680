//! The system console's API for a cluster (administrators): the nodes with their state and the
//! services each runs now, each singleton service with the node holding its lease and what the
//! console asked of it; stopping a service everywhere, starting it again, moving it to a node.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use switchboard_domain::node::Node;
use switchboard_domain::service_control::{MOVE_HOLDS_MS, ServiceControl};
use switchboard_domain::{Access, Resource, Timestamp};
use switchboard_services::now;
use switchboard_services::singleton::node_of;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// How long a node may stay silent and still count as alive, in ms (several heartbeats).
const ALIVE_MS: i64 = 15_000;

/// A node as the console shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NodeView {
    /// The node as it last reported itself.
    #[serde(flatten)]
    pub node: Node,
    /// Whether it reported itself ready lately.
    pub alive: bool,
    /// The services whose lease it holds now.
    pub services: Vec<String>,
}

/// A singleton service as the console shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceView {
    /// The service (its lease's name).
    pub name: String,
    /// The node running it now, if any.
    pub node: Option<String>,
    /// Its lease's fencing token (how often it changed hands, plus one).
    pub fencing: Option<i64>,
    /// When its lease lapses unless renewed.
    pub expires_at: Option<Timestamp>,
    /// Stopped on every node by an administrator.
    pub stopped: bool,
    /// Moving to this node.
    pub move_to: Option<String>,
}

/// The cluster now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterView {
    /// Every node seen in the last day, by name.
    pub nodes: Vec<NodeView>,
    /// Every singleton service, by name.
    pub services: Vec<ServiceView>,
}

/// What to do with a service.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceCommand {
    /// `stop` (on every node), `start`, or `move` (to `node`).
    pub action: String,
    /// For `move`: the node's name.
    #[serde(default)]
    pub node: Option<String>,
}

switchboard_domain::refers_nothing!(ServiceCommand);

/// The cluster's nodes and services as the store has them.
pub async fn view(s: &AppState) -> ApiResult<ClusterView> {
    let t = now();
    let (nodes, leases, controls) = (
        s.store.nodes().await?,
        s.store.leases().await?,
        s.store.service_controls().await?,
    );
    let held: Vec<_> = leases.iter().filter(|l| l.expires_at > t).collect();
    let nodes = nodes
        .into_iter()
        .map(|n| NodeView {
            alive: n.alive(t, ALIVE_MS),
            services: held
                .iter()
                .filter(|l| l.holder == n.holder)
                .map(|l| l.name.clone())
                .collect(),
            node: n,
        })
        .collect();
    let mut names: Vec<String> = leases
        .iter()
        .map(|l| l.name.clone())
        .chain(controls.iter().map(|c| c.name.clone()))
        .collect();
    names.sort();
    names.dedup();
    let services = names
        .into_iter()
        .map(|name| {
            let lease = leases.iter().find(|l| l.name == name);
            let live = lease.filter(|l| l.expires_at > t);
            let control = controls
                .iter()
                .find(|c| c.name == name)
                .cloned()
                .unwrap_or_else(|| ServiceControl::free(&name));
            let moving = control.move_until.is_some_and(|u| u > t);
            ServiceView {
                node: live.map(|l| node_of(&l.holder).to_string()),
                fencing: lease.map(|l| l.fencing),
                expires_at: live.map(|l| l.expires_at),
                stopped: control.stopped,
                move_to: control.move_to.filter(|_| moving),
                name,
            }
        })
        .collect();
    Ok(ClusterView { nodes, services })
}

/// `GET /api/v1/system/cluster`: the nodes and the singleton services (administrators).
pub async fn get(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<ClusterView>> {
    caller.require(Access::Read, Resource::System)?;
    Ok(Json(view(&s).await?))
}

/// `POST /api/v1/system/cluster/services/{name}`: stops a service on every node, starts it
/// again, or moves it to a live node (its holder lets go; for a while only that node may take
/// it). Administrators only.
pub async fn command(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    ApiJson(cmd): ApiJson<ServiceCommand>,
) -> ApiResult<Json<ClusterView>> {
    caller.require(Access::Write, Resource::System)?;
    let control = decide(&s, &name, cmd).await?;
    s.store
        .set_service_control(control, Some(caller.user.id), now())
        .await?;
    tracing::info!(service = %name, by = caller.user.id.0, "service control changed");
    Ok(Json(view(&s).await?))
}

/// The control a command asks for, checked against the cluster as it is.
async fn decide(s: &AppState, name: &str, cmd: ServiceCommand) -> ApiResult<ServiceControl> {
    let t = now();
    let known = s.store.lease(name).await?.is_some()
        || s.store
            .service_controls()
            .await?
            .iter()
            .any(|c| c.name == name);
    if !known {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no service {name} in this cluster"),
        ));
    }
    match cmd.action.as_str() {
        "stop" => Ok(ServiceControl {
            stopped: true,
            ..ServiceControl::free(name)
        }),
        "start" => Ok(ServiceControl::free(name)),
        "move" => {
            let Some(to) = cmd.node.filter(|n| !n.trim().is_empty()) else {
                return Err(invalid("node", "name the node to move the service to"));
            };
            let alive = s
                .store
                .nodes()
                .await?
                .iter()
                .any(|n| n.name == to && n.alive(t, ALIVE_MS));
            if !alive {
                return Err(invalid("node", "no live node has that name"));
            }
            Ok(ServiceControl {
                move_to: Some(to),
                move_until: Some(t.plus(std::time::Duration::from_millis(
                    u64::try_from(MOVE_HOLDS_MS).unwrap_or(0),
                ))),
                ..ServiceControl::free(name)
            })
        }
        _ => Err(invalid("action", "stop, start or move")),
    }
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message).field(field)
}
