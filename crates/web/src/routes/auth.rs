//! `/api/v1/auth` (login sessions) and `/api/v1/tokens` (bearer API tokens).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};
use switchboard_domain::{EmailAddress, Role, TokenId, User};
use switchboard_store::auth::verify_password;
use utoipa::ToSchema;

use crate::auth::{Caller, Credential, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};
use crate::state::{AppState, now};

/// Login input.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// Login address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Who is logged in, and the CSRF token cookie-authenticated changes must echo.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// The user.
    pub user: User,
    /// Send as `X-CSRF-Token` with POST/PUT/DELETE when using the session cookie.
    pub csrf_token: Option<String>,
}

fn bad_login() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
        "wrong email address or password",
    )
}

/// Checks email and password and opens a session: the user, its cookie (HttpOnly,
/// SameSite=Lax) and its CSRF token. Used by the API's login and the login page.
pub async fn open_session(
    s: &AppState,
    email: &str,
    password: String,
) -> ApiResult<(User, Cookie<'static>, String)> {
    let email = EmailAddress::parse(email).map_err(|_| bad_login())?;
    let user = s.store.user_by_email(&email).await?;
    let hash = match &user {
        Some(u) if u.active => s.store.password_hash(u.id).await?,
        _ => None,
    };
    // Verify even without a user, so timing does not reveal which addresses exist.
    let ok = tokio::task::spawn_blocking(move || {
        let h = hash.unwrap_or_else(|| "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into());
        verify_password(&password, &h)
    })
    .await
    .unwrap_or(false);
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!(email = %email, "failed login");
        return Err(bad_login());
    };
    let (secret, csrf) = s
        .store
        .create_session(user.id, now(), s.config.session_ttl_secs)
        .await?;
    let cookie = Cookie::build((SESSION_COOKIE, secret))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(s.config.secure_cookies)
        .path("/")
        .max_age(time::Duration::seconds(s.config.session_ttl_secs))
        .build();
    tracing::info!(user = user.id.0, "login");
    Ok((user, cookie, csrf))
}

/// Checks email and password, opens a session and sets its cookie (HttpOnly, SameSite=Lax).
pub async fn login(
    State(s): State<AppState>,
    jar: CookieJar,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<(CookieJar, Json<Me>)> {
    let (user, cookie, csrf) = open_session(&s, &body.email, body.password).await?;
    Ok((
        jar.add(cookie),
        Json(Me {
            user,
            csrf_token: Some(csrf),
        }),
    ))
}

/// Ends the caller's session and clears the cookie; 204.
pub async fn logout(
    State(s): State<AppState>,
    jar: CookieJar,
    caller: Caller,
) -> ApiResult<(CookieJar, StatusCode)> {
    if let Credential::Session { secret, .. } = &caller.credential {
        s.store.delete_session(secret).await?;
    }
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        StatusCode::NO_CONTENT,
    ))
}

/// The caller.
pub async fn me(caller: Caller) -> Json<Me> {
    let csrf_token = match caller.credential {
        Credential::Session { csrf, .. } => Some(csrf),
        Credential::Token => None,
    };
    Json(Me {
        user: caller.user,
        csrf_token,
    })
}

/// Input to create a token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What it is for, e.g. `crm-sync`.
    pub name: String,
}

/// A new token: the secret is shown only in this response.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    /// Token id, to revoke it.
    #[schema(value_type = i64)]
    pub id: TokenId,
    /// The bearer secret.
    pub token: String,
}

/// Issues a bearer token for the caller; 201.
pub async fn create_token(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let name = switchboard_domain::text::required("name", &body.name, 200)?;
    let (t, secret) = s.store.create_token(caller.user.id, &name, now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            id: t.id,
            token: secret,
        }),
    ))
}

/// The caller's tokens (never their secrets).
pub async fn list_tokens(
    State(s): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<switchboard_store::ApiToken>>> {
    Ok(Json(s.store.tokens_of(caller.user.id).await?))
}

/// Revokes a token (one's own; administrators any); 204.
pub async fn revoke_token(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    let t = s.store.token(TokenId(id)).await?;
    if t.user_id != caller.user.id && caller.user.role != Role::Admin {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("token {id} not found"),
        ));
    }
    s.store.revoke_token(t.id, now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
