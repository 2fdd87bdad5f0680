//! `/api/v1/aliases`: email aliases. Passwords are accepted on create and update and never
//! returned (`incoming_password_set` / `outgoing_password_set` tell whether one is stored).
//! Changes reach the retriever and dispatcher at once, without a restart.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use switchboard_domain::{Access, Alias, AliasId, AliasPatch, DepartmentId, NewAlias, Resource};
use switchboard_store::AliasFilter;
use utoipa::ToSchema;

use super::{ListResponse, crud_handlers, page};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Id};
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
            .list_aliases(&caller.scope, &f, &page(q.limit, q.cursor.as_deref())?)
            .await?
            .into(),
    ))
}

/// How one mail server answered a connection test.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeAnswer {
    /// Whether connecting, securing and logging in worked.
    pub ok: bool,
    /// What the server said, or why it failed.
    pub answer: String,
}

/// The result of testing an alias's servers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionTest {
    /// The incoming (IMAP or POP3) server.
    pub incoming: ProbeAnswer,
    /// The outgoing (SMTP) server.
    pub outgoing: ProbeAnswer,
}

/// Tries the alias's stored incoming and outgoing servers: connects, secures and logs in the way
/// the retriever and dispatcher would, fetching and sending nothing.
pub async fn test(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<ConnectionTest>> {
    caller.require(Access::Write, Resource::Aliases)?;
    let (trust, limit) = mail_reach(&s)?;
    let creds = s.store.alias_credential(AliasId(id)).await?;
    Ok(Json(probe(&creds, trust, *limit).await))
}

/// How this server reaches mail servers; 503 when it cannot.
fn mail_reach(s: &AppState) -> ApiResult<(&switchboard_mail::tls::TlsTrust, &std::time::Duration)> {
    match &s.mail {
        Some((trust, limit)) => Ok((trust, limit)),
        None => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "this server cannot reach mail servers",
        )),
    }
}

/// Logs in to both servers of `creds`, each answer as the API gives it.
async fn probe(
    creds: &switchboard_store::AliasCredentials,
    trust: &switchboard_mail::tls::TlsTrust,
    limit: std::time::Duration,
) -> ConnectionTest {
    let (incoming, outgoing) = switchboard_services::probe::alias(creds, trust, limit).await;
    let answer = |p: switchboard_services::probe::Probe| ProbeAnswer {
        ok: p.ok,
        answer: p.answer,
    };
    ConnectionTest {
        incoming: answer(incoming),
        outgoing: answer(outgoing),
    }
}

/// `POST /aliases/test`: tries the servers of an alias not saved yet (the form as it stands,
/// passwords included), so an administrator knows the settings work before saving them.
pub async fn test_unsaved(
    State(s): State<AppState>,
    caller: Caller,
    crate::extract::ApiJson(body): crate::extract::ApiJson<switchboard_domain::NewAlias>,
) -> ApiResult<Json<ConnectionTest>> {
    caller.require(Access::Write, Resource::Aliases)?;
    let (trust, limit) = mail_reach(&s)?;
    let n = body.validate()?;
    let creds = switchboard_store::AliasCredentials {
        alias: n.unsaved(crate::state::now()),
        incoming_password: n.incoming_password.clone(),
        outgoing_password: n.outgoing_password.clone(),
    };
    Ok(Json(probe(&creds, trust, *limit).await))
}

switchboard_domain::refers_fields!(Query {
    department_id: Department
});
