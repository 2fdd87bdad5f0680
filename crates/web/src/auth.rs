//! Who is calling: a bearer API token (`Authorization: Bearer sbt_…`) or a login session cookie.
//! Cookie-authenticated requests that change something must echo the session's CSRF token in the
//! `X-CSRF-Token` header (or a `csrf_token` form field, checked by the form handlers). Tokens are
//! not sent by browsers on their own, so they need no CSRF token.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum_extra::extract::CookieJar;
use switchboard_domain::{Access, Activity, ActivityId, Actor, Resource, Scope, User};

use crate::error::ApiError;
use crate::state::{AppState, now};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sb_session";
/// Header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq)]
pub enum Credential {
    /// A bearer API token.
    Token,
    /// A login session, with its CSRF token.
    Session {
        /// The session secret from the cookie.
        secret: String,
        /// The CSRF token of the session.
        csrf: String,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user.
    pub user: User,
    /// How they authenticated.
    pub credential: Credential,
    /// The departments they may see and act in.
    pub scope: Scope,
}

impl Caller {
    /// Refuses unless the caller's role may do `access` on `resource`.
    pub fn require(&self, access: Access, resource: Resource) -> Result<(), ApiError> {
        if self.user.role.may(access, resource) {
            Ok(())
        } else {
            let verb = match access {
                Access::Read => "read",
                Access::Write => "change",
                Access::Delete => "delete",
            };
            Err(ApiError::forbidden(
                &format!("{verb} {resource:?}").to_lowercase(),
            ))
        }
    }

    /// Refuses an agent acting on an activity they do not hold (to `what`, e.g. "answer this
    /// activity"); supervisors and administrators act on any.
    pub async fn require_holder(
        &self,
        store: &switchboard_store::Store,
        activity: ActivityId,
        what: &str,
    ) -> Result<(), ApiError> {
        if !self.user.role.oversees() && !self.holds(&store.activity(activity).await?) {
            return Err(ApiError::forbidden(what));
        }
        Ok(())
    }

    /// Refuses (409 `held_by_another`, naming the holder) when someone other than the caller
    /// holds the activity: one person answers or calls; `then` says what the holder does and
    /// what the caller can do instead.
    pub async fn require_sole_holder(
        &self,
        store: &switchboard_store::Store,
        activity: ActivityId,
        then: &str,
    ) -> Result<(), ApiError> {
        if let Some(holder) = store.activity(activity).await?.assignee_id
            && holder != self.user.id
        {
            let name = store.user(holder).await.map(|u| u.name).unwrap_or_default();
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "held_by_another",
                format!("{name} holds this {then}"),
            ));
        }
        Ok(())
    }

    /// Whether the caller may act on `a`: an agent only on what they hold, supervisors and
    /// administrators on anything.
    pub fn holds(&self, a: &Activity) -> bool {
        self.user.role.oversees() || a.assignee_id == Some(self.user.id)
    }

    /// The caller as the actor of events.
    pub fn actor(&self) -> Actor {
        Actor::User(self.user.id)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let caller = authenticate(parts, state).await?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// Resolves the caller of a request (once: the result is kept in the request's extensions).
async fn authenticate(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let value = auth.to_str().map_err(|_| ApiError::unauthenticated())?;
        let secret = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(ApiError::unauthenticated)?;
        let user = state
            .store
            .user_by_token(secret.trim(), now())
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        let scope = state.store.scope_of(&user).await?;
        return Ok(Caller {
            user,
            credential: Credential::Token,
            scope,
        });
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let secret = jar
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .ok_or_else(ApiError::unauthenticated)?;
    let session = state
        .store
        .session(&secret, now())
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !constant_time_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "csrf_failed",
                "missing or wrong X-CSRF-Token header for a cookie-authenticated request",
            ));
        }
    }
    let scope = state.store.scope_of(&session.user).await?;
    Ok(Caller {
        user: session.user,
        credential: Credential::Session {
            secret,
            csrf: session.csrf_token,
        },
        scope,
    })
}

/// Compares secrets without leaking where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
