//! `/api/v1/me/preferences`: the caller's own settings (language, time zone, sound, desktop
//! notifications). The password changes at `/auth/password`.

use axum::Json;
use axum::extract::State;
use switchboard_domain::preferences::Preferences;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;

/// The caller's settings.
pub async fn get_preferences(
    State(s): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(s.store.preferences(caller.user.id).await?))
}

/// Replaces the caller's settings (422 naming a language or time zone it does not know).
pub async fn put_preferences(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Preferences>,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(s.store.set_preferences(caller.user.id, body).await?))
}
