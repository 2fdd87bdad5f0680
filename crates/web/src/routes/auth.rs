//! `/api/v1/auth` (login sessions) and `/api/v1/tokens` (bearer API tokens).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};
use switchboard_domain::{
    EmailAddress, Role, SecurityEventKind, Timestamp, TokenId, User, UserPatch,
};
use utoipa::ToSchema;

use crate::auth::{Caller, Credential, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};
use crate::state::{AppState, now};
use crate::throttle::ClientAddr;

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

/// A hash no password matches, verified when the address has no user so that timing does not
/// reveal which addresses exist.
const NO_USER_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// Checks a user's password, throttled: a login that must wait is refused before any hashing
/// (`429` with `Retry-After`); a wrong password counts against the account and the client
/// address, and the failure that locks an account is a security event. `None` when no active
/// user has this address or the password is wrong.
pub async fn check_password(
    s: &AppState,
    email: &EmailAddress,
    password: String,
    client: ClientAddr,
) -> ApiResult<Option<User>> {
    let account = email.lookup_key();
    if let Some(wait) = s.logins.check(&account, client.0, now()) {
        return Err(wait.into());
    }
    let user = s.store.user_by_email(email).await?;
    let hash = match &user {
        Some(u) if u.active => s.store.password_hash(u.id).await?,
        _ => None,
    };
    let hash = hash.unwrap_or_else(|| NO_USER_HASH.to_string());
    let ok = switchboard_store::passwords::verify(password, hash).await?;
    if let Some(user) = user.filter(|_| ok) {
        s.logins.succeeded(&account);
        return Ok(Some(user));
    }
    let at = now();
    let (failures, locked) = s.logins.failed(&account, client.0, at);
    tracing::info!(email = %email, failures, "failed login");
    if let Some(retry_at) = locked {
        let client = client
            .0
            .map_or_else(|| "unknown".into(), |ip| ip.to_string());
        tracing::warn!(email = %email, %client, "login throttled");
        let event = SecurityEventKind::LoginThrottled {
            email: email.to_string(),
            client,
            failures,
            retry_at,
        };
        s.store.record_security_event(event, None, at).await?;
    }
    Ok(None)
}

/// Checks email and password and opens a session: the user, its cookie (HttpOnly,
/// SameSite=Lax) and its CSRF token. Used by the API's login and the login page.
pub async fn open_session(
    s: &AppState,
    email: &str,
    password: String,
    client: ClientAddr,
) -> ApiResult<(User, Cookie<'static>, String)> {
    let email = EmailAddress::parse(email).map_err(|_| bad_login())?;
    let Some(user) = check_password(s, &email, password, client).await? else {
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
    client: ClientAddr,
    jar: CookieJar,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<(CookieJar, Json<Me>)> {
    let (user, cookie, csrf) = open_session(&s, &body.email, body.password, client).await?;
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
    /// When it stops working (at most ten years ahead); absent, it works until revoked.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
}

/// Longest a token may be made to last.
const MAX_TOKEN_LIFE_SECS: i64 = 10 * 366 * 24 * 3600;

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
    let at = now();
    if let Some(e) = body.expires_at
        && (e <= at || e > at.plus_secs(MAX_TOKEN_LIFE_SECS))
    {
        return Err(switchboard_domain::ValidationError::new(
            "expires_at",
            "must be in the future, at most ten years ahead",
        )
        .into());
    }
    let me = caller.user.id;
    let (t, secret) = s
        .store
        .create_token(me, &name, body.expires_at, Some(me), at)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            id: t.id,
            token: secret,
        }),
    ))
}

/// Whose tokens to list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    /// One user's (administrators; others may name only themselves).
    user_id: Option<i64>,
    /// Every user's (administrators).
    #[serde(default)]
    all: bool,
}

switchboard_domain::refers_fields!(TokenQuery { user_id: User });

/// Tokens (never their secrets): the caller's; administrators also one user's or everyone's.
pub async fn list_tokens(
    State(s): State<AppState>,
    caller: Caller,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<TokenQuery>,
) -> ApiResult<Json<Vec<switchboard_store::ApiToken>>> {
    let me = caller.user.id.0;
    let admin = caller.user.role == Role::Admin;
    if !admin && (q.all || q.user_id.is_some_and(|u| u != me)) {
        return Err(ApiError::forbidden("list other users' tokens"));
    }
    if q.all {
        return Ok(Json(s.store.all_tokens().await?));
    }
    let user = switchboard_domain::UserId(q.user_id.unwrap_or(me));
    Ok(Json(s.store.tokens_of(user).await?))
}

/// A password change by its owner.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now.
    pub current_password: String,
    /// The new one (12–256 characters, not a common password).
    pub new_password: String,
}

/// Changes the caller's own password after checking the current one (throttled like a
/// login); every other session of theirs ends, this one stays. 204.
pub async fn change_password(
    State(s): State<AppState>,
    client: ClientAddr,
    caller: Caller,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    let user = &caller.user;
    let address = user.email.to_string();
    let local = address.split('@').next().unwrap_or_default();
    switchboard_domain::password::check("new_password", &body.new_password, &[&address, local])?;
    let checked = check_password(&s, &user.email, body.current_password, client).await?;
    if checked.is_none() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "the current password is wrong",
        )
        .field("current_password"));
    }
    let keep = match &caller.credential {
        Credential::Session { secret, .. } => Some(secret.clone()),
        Credential::Token => None,
    };
    let patch = UserPatch {
        version: user.version,
        department_id: None,
        email: None,
        name: None,
        role: None,
        active: None,
        password: Some(body.new_password),
        attributes: None,
        capacity: None,
        reviewed: None,
    };
    s.store
        .update_user_by(user.id, patch, Some(user.id), keep, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
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
    s.store
        .revoke_token(t.id, Some(caller.user.id), now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

switchboard_domain::refers_nothing!(Login, NewToken, PasswordChange);
