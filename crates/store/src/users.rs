//! Users. Passwords arrive in the clear, are hashed (argon2id) off the async threads, and only the
//! hash is stored.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};
use switchboard_domain::{
    DepartmentId, EmailAddress, NewUser, Role, SecurityEventKind, Timestamp, User, UserId,
    UserPatch, ValidationError,
};

use crate::Store;
use crate::error::{StoreError, Violation, violation};
use crate::notify::Notify;
use crate::secrets::hash_password_blocking;
use crate::sql::{Arg, Page, PageRequest, Select, col, json, parsed, to_json, ts};

/// Filters for listing users.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Only this department's.
    pub department_id: Option<DepartmentId>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only this address.
    pub email: Option<EmailAddress>,
}

pub(crate) const COLUMNS: &str = "id, department_id, email, name, role, active, attributes, capacity, reviewed, version, created_at, updated_at";

pub(crate) fn from_row(r: &AnyRow) -> Result<User, StoreError> {
    let email: String = col(r, "email")?;
    Ok(User {
        id: UserId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        email: EmailAddress::parse(&email).map_err(StoreError::Internal)?,
        name: col(r, "name")?,
        role: parsed(r, "role", Role::parse)?,
        active: col::<i64>(r, "active")? != 0,
        attributes: json(r, "attributes")?,
        capacity: json(r, "capacity")?,
        reviewed: col::<i64>(r, "reviewed")? != 0,
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn fetch<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: UserId,
) -> Result<User, StoreError> {
    crate::sql::fetch_by_id(
        e,
        &format!("SELECT {COLUMNS} FROM users WHERE id = $1"),
        id.0,
        "user",
        from_row,
    )
    .await
}

fn write_error(e: sqlx::Error) -> StoreError {
    match violation(&e) {
        Some(Violation::Unique) => StoreError::Duplicate {
            field: "email".into(),
            message: "a user with this email address exists".into(),
        },
        Some(Violation::ForeignKey) => {
            ValidationError::new("department_id", "no such department").into()
        }
        _ => e.into(),
    }
}

async fn insert(
    c: &mut AnyConnection,
    u: &NewUser,
    hash: Option<&str>,
    now: Timestamp,
) -> Result<User, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO users (department_id, email, email_key, name, role, active, password_hash, attributes, \
         capacity, reviewed, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $9, $10, 1, $8, $8) RETURNING id",
    )
    .bind(u.department_id.0)
    .bind(u.email.as_str())
    .bind(u.email.lookup_key())
    .bind(&u.name)
    .bind(u.role.as_str())
    .bind(hash.map(str::to_string))
    .bind(to_json(&u.attributes)?)
    .bind(now.millis())
    .bind(to_json(&u.capacity)?)
    .bind(i64::from(u.reviewed))
    .fetch_one(&mut *c)
    .await
    .map_err(write_error)
    .and_then(|r| col(&r, "id"))?;
    Ok(User {
        id: UserId(id),
        department_id: u.department_id,
        email: u.email.clone(),
        name: u.name.clone(),
        role: u.role,
        active: true,
        attributes: u.attributes.clone(),
        capacity: u.capacity.clone(),
        reviewed: u.reviewed,
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

impl Store {
    /// Creates a user; hashes the password if one is given.
    pub async fn create_user(&self, input: NewUser, now: Timestamp) -> Result<User, StoreError> {
        let hash = match &input.password {
            Some(p) => Some(hash_password_blocking(p.clone()).await?),
            None => None,
        };
        let out = self
            .writes(move |c| {
                let input = input.clone();
                let hash = hash.clone();
                Box::pin(async move { insert(c, &input, hash.as_deref(), now).await })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }

    /// Reads a user.
    pub async fn user(&self, id: UserId) -> Result<User, StoreError> {
        fetch(&self.inner.read, id).await
    }

    /// Finds a user by login address.
    pub async fn user_by_email(&self, email: &EmailAddress) -> Result<Option<User>, StoreError> {
        sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE email_key = $1"))
            .bind(email.lookup_key())
            .fetch_optional(&self.inner.read)
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    /// A user's stored password hash, if they have a password.
    pub async fn password_hash(&self, id: UserId) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.inner.read)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "user",
                id: id.0,
            })?;
        col(&row, "password_hash")
    }

    /// Lists users by id.
    pub async fn list_users(
        &self,
        scope: &switchboard_domain::Scope,
        f: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, StoreError> {
        let mut s = Select::new(&format!("SELECT {COLUMNS} FROM users"));
        s.scope("department_id", scope);
        s.eq_opt("department_id", f.department_id.map(|d| Arg::Int(d.0)))
            .eq_opt("role", f.role.map(|r| Arg::Text(r.as_str().into())))
            .eq_opt(
                "email_key",
                f.email.as_ref().map(|e| Arg::Text(e.lookup_key())),
            );
        let (rows, more) = s.page(&self.inner.read, page).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::of(items, more, |u| u.id.0))
    }

    /// Applies a partial update if `patch.version` is current. A new password is hashed; a
    /// deactivated user's sessions and tokens stop working at once (checked on every request).
    pub async fn update_user(
        &self,
        id: UserId,
        patch: UserPatch,
        now: Timestamp,
    ) -> Result<User, StoreError> {
        self.update_user_by(id, patch, None, None, now).await
    }

    /// [`Store::update_user`] by `actor`: a new password ends every session of the user but
    /// `keep_session` (the secret of the session the change was made in, when the user changes
    /// their own), and records a `password_changed` security event, in the same transaction.
    pub async fn update_user_by(
        &self,
        id: UserId,
        patch: UserPatch,
        actor: Option<UserId>,
        keep_session: Option<String>,
        now: Timestamp,
    ) -> Result<User, StoreError> {
        let keep = keep_session
            .as_deref()
            .map(crate::secrets::secret_hash)
            .unwrap_or_default();
        let hash = match &patch.password {
            Some(p) => Some(hash_password_blocking(p.clone()).await?),
            None => None,
        };
        let out = self.writes(move |c| {
                let patch = patch.clone();
                let hash = hash.clone();
                let keep = keep.clone();
                Box::pin(async move {
                    let new_password = hash.is_some();
                    let mut u = fetch(&mut *c, id).await?;
                    if u.version != patch.version {
                        return Err(StoreError::stale("user", id.0));
                    }
                    let was_admin = is_active_admin(&u);
                    patch.apply(&mut u);
                    if was_admin && !is_active_admin(&u) {
                        keep_an_admin(c, id, "deactivated or given another role").await?;
                    }
                    sqlx::query(
                        "UPDATE users SET department_id = $1, email = $2, email_key = $3, name = $4, role = $5, \
                         active = $6, attributes = $7, password_hash = COALESCE($8, password_hash), \
                         version = version + 1, updated_at = $9, capacity = $11, reviewed = $12 WHERE id = $10",
                    )
                    .bind(u.department_id.0)
                    .bind(u.email.as_str())
                    .bind(u.email.lookup_key())
                    .bind(&u.name)
                    .bind(u.role.as_str())
                    .bind(i64::from(u.active))
                    .bind(to_json(&u.attributes)?)
                    .bind(hash)
                    .bind(now.millis())
                    .bind(id.0)
                    .bind(to_json(&u.capacity)?)
                    .bind(i64::from(u.reviewed))
                    .execute(&mut *c)
                    .await
                    .map_err(write_error)?;
                    if !u.active {
                        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(&mut *c).await?;
                    } else if new_password {
                        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
                            .bind(id.0)
                            .bind(&keep)
                            .execute(&mut *c)
                            .await?
                            .rows_affected();
                        let event = SecurityEventKind::PasswordChanged { user_id: id, sessions_ended: ended };
                        crate::security::record(c, &event, actor, now).await?;
                    }
                    u.version += 1;
                    u.updated_at = now;
                    Ok(u)
                })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }

    /// Deletes a user nothing refers to (no cases owned, no activities assigned); otherwise the
    /// answer is a conflict: deactivate the user instead, which keeps history intact.
    pub async fn delete_user(&self, id: UserId) -> Result<(), StoreError> {
        let out = self
            .writes(move |c| {
                Box::pin(async move {
                    let u = fetch(&mut *c, id).await?;
                    if is_active_admin(&u) {
                        keep_an_admin(c, id, "deleted").await?;
                    }
                    crate::sql::delete_by_id(c, "users", id.0, || {
                        format!("user {id} owns cases or activities; deactivate the user instead")
                    })
                    .await?;
                    Ok(())
                })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }
}

fn is_active_admin(u: &User) -> bool {
    u.active && u.role == Role::Admin
}

/// Refuses a change that would leave no active administrator (nobody could set anything up
/// again): `what` says what was asked of user `id`.
async fn keep_an_admin(
    c: &mut sqlx::AnyConnection,
    id: UserId,
    what: &str,
) -> Result<(), StoreError> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND active = 1 AND id <> $1",
    )
    .bind(id.0)
    .fetch_one(&mut *c)
    .await?;
    if col::<i64>(&r, "n")? == 0 {
        return Err(StoreError::Conflict(format!(
            "user {id} is the last active administrator and cannot be {what}; make another administrator first"
        )));
    }
    Ok(())
}
