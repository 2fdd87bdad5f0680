//! Credentials: argon2id password hashes, bearer API tokens and login sessions. Tokens and session
//! ids are random 256-bit secrets shown once; only their SHA-256 is stored, so a copy of the
//! database does not let anyone in.

use serde::Serialize;
use sqlx::any::AnyRow;
use switchboard_domain::{SecurityEventKind, Timestamp, TokenId, User, UserId};

use crate::Store;
use crate::error::StoreError;
pub use crate::secrets::{hash_password, random_secret, secret_hash, verify_password};
use crate::sql::{col, ts};

/// Prefix of API tokens, so a leaked one is easy to recognise in logs and scanners.
pub const TOKEN_PREFIX: &str = "sbt_";

/// A stored API token (never the secret itself).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiToken {
    /// Id, to revoke it.
    pub id: TokenId,
    /// Owner.
    pub user_id: UserId,
    /// What it is for.
    pub name: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
}

/// A login session found by its cookie.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The user.
    pub user: User,
    /// The token form posts must echo.
    pub csrf_token: String,
    /// When it ends.
    pub expires_at: Timestamp,
}

fn token_from_row(r: &AnyRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: TokenId(col(r, "id")?),
        user_id: UserId(col(r, "user_id")?),
        name: col(r, "name")?,
        created_at: ts(r, "created_at")?,
        revoked_at: col::<Option<i64>>(r, "revoked_at")?.map(Timestamp::from_millis),
        expires_at: col::<Option<i64>>(r, "expires_at")?.map(Timestamp::from_millis),
    })
}

impl Store {
    /// Issues an API token for a user, working until `expires_at` if given; returns it with the
    /// secret, shown only now. A `token_created` security event goes with it.
    pub async fn create_token(
        &self,
        user: UserId,
        name: &str,
        expires_at: Option<Timestamp>,
        actor: Option<UserId>,
        now: Timestamp,
    ) -> Result<(ApiToken, String), StoreError> {
        let secret = format!("{TOKEN_PREFIX}{}", random_secret());
        let hash = secret_hash(&secret);
        let name = name.to_string();
        let token = self.writes(move |c| {
                let (hash, name) = (hash.clone(), name.clone());
                Box::pin(async move {
                    crate::users::fetch(&mut *c, user).await?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(user.0)
                    .bind(&name)
                    .bind(hash)
                    .bind(now.millis())
                    .bind(expires_at.map(Timestamp::millis))
                    .fetch_one(&mut *c)
                    .await
                    .map_err(StoreError::from)
                    .and_then(|r| col(&r, "id"))?;
                    let token_id = TokenId(id);
                    let event = SecurityEventKind::TokenCreated { token_id, user_id: user, expires_at };
                    crate::security::record(c, &event, actor, now).await?;
                    Ok(ApiToken {
                        id: token_id,
                        user_id: user,
                        name,
                        created_at: now,
                        revoked_at: None,
                        expires_at,
                    })
                })
            })
            .await?;
        Ok((token, secret))
    }

    /// The active user a bearer token belongs to, if the token is valid at `now`: neither
    /// revoked nor expired.
    pub async fn user_by_token(
        &self,
        secret: &str,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(secret_hash(secret))
        .bind(now.millis())
        .fetch_optional(&self.inner.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = crate::users::fetch(&self.inner.read, UserId(col(&row, "user_id")?)).await?;
        Ok(user.active.then_some(user))
    }

    /// A user's tokens.
    pub async fn tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        sqlx::query("SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY id")
            .bind(user.0)
            .fetch_all(&self.inner.read)
            .await?
            .iter()
            .map(token_from_row)
            .collect()
    }

    /// Reads a token.
    pub async fn token(&self, id: TokenId) -> Result<ApiToken, StoreError> {
        sqlx::query("SELECT * FROM api_tokens WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.inner.read)
            .await?
            .as_ref()
            .map(token_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound {
                entity: "token",
                id: id.0,
            })
    }

    /// Every user's tokens, by id (for administrators).
    pub async fn all_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        sqlx::query("SELECT * FROM api_tokens ORDER BY id")
            .fetch_all(&self.inner.read)
            .await?
            .iter()
            .map(token_from_row)
            .collect()
    }

    /// Revokes a token; it stops working at once. A `token_revoked` security event goes with it.
    pub async fn revoke_token(
        &self,
        id: TokenId,
        actor: Option<UserId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.writes(move |c| {
                Box::pin(async move {
                    let row = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING user_id")
                        .bind(now.millis())
                        .bind(id.0)
                        .fetch_optional(&mut *c)
                        .await?;
                    let Some(row) = row else {
                        return Err(StoreError::NotFound { entity: "token", id: id.0 });
                    };
                    let user_id = UserId(col(&row, "user_id")?);
                    let event = SecurityEventKind::TokenRevoked { token_id: id, user_id };
                    crate::security::record(c, &event, actor, now).await?;
                    Ok(())
                })
            })
            .await
    }

    /// Opens a login session; returns (session secret for the cookie, CSRF token).
    pub async fn create_session(
        &self,
        user: UserId,
        now: Timestamp,
        ttl_secs: i64,
    ) -> Result<(String, String), StoreError> {
        let secret = random_secret();
        let csrf = random_secret();
        let (hash, csrf2) = (secret_hash(&secret), csrf.clone());
        self.writes(move |c| {
                let (hash, csrf) = (hash.clone(), csrf2.clone());
                Box::pin(async move {
                    sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now.millis()).execute(&mut *c).await?;
                    sqlx::query(
                        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(hash)
                    .bind(user.0)
                    .bind(csrf)
                    .bind(now.millis())
                    .bind(now.plus_secs(ttl_secs).millis())
                    .execute(&mut *c)
                    .await?;
                    Ok(())
                })
            })
            .await?;
        Ok((secret, csrf))
    }

    /// The live session of a cookie secret, if any.
    pub async fn session(
        &self,
        secret: &str,
        now: Timestamp,
    ) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query("SELECT user_id, csrf_token, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2")
            .bind(secret_hash(secret))
            .bind(now.millis())
            .fetch_optional(&self.inner.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let user = crate::users::fetch(&self.inner.read, UserId(col(&row, "user_id")?)).await?;
        if !user.active {
            return Ok(None);
        }
        Ok(Some(Session {
            user,
            csrf_token: col(&row, "csrf_token")?,
            expires_at: ts(&row, "expires_at")?,
        }))
    }

    /// Ends a session.
    pub async fn delete_session(&self, secret: &str) -> Result<(), StoreError> {
        let hash = secret_hash(secret);
        self.writes(move |c| {
            let hash = hash.clone();
            Box::pin(async move {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(hash)
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let h = hash_password("correct horse battery").unwrap_or_default();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
