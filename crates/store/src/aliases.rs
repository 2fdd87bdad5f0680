//! Email aliases. Passwords are sealed on the way in (see [`crate::seal`]) and opened only by
//! [`Store::alias_credentials`] for the retriever and dispatcher; the API never sees them.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};
use switchboard_domain::{
    Alias, AliasId, AliasPatch, DepartmentId, EmailAddress, NewAlias, QueueId, Timestamp,
    ValidationError,
};

use crate::Store;
use crate::error::{StoreError, Violation, violation};
use crate::sql::{Arg, Page, PageRequest, Select, col, json, to_json, ts};

/// Filters for listing aliases.
#[derive(Debug, Clone, Default)]
pub struct AliasFilter {
    /// Only this department's.
    pub department_id: Option<DepartmentId>,
    /// Only active (true) or inactive (false) ones.
    pub active: Option<bool>,
}

/// An alias with its opened passwords, for the services that log in with them.
#[derive(Clone)]
pub struct AliasCredentials {
    /// The alias.
    pub alias: Alias,
    /// Password for the incoming server.
    pub incoming_password: Option<String>,
    /// Password for the outgoing server.
    pub outgoing_password: Option<String>,
}

impl std::fmt::Debug for AliasCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AliasCredentials")
            .field("alias", &self.alias.id)
            .finish_non_exhaustive()
    }
}

const INCOMING: &str = "alias.incoming_password";
const OUTGOING: &str = "alias.outgoing_password";

fn from_row(r: &AnyRow) -> Result<Alias, StoreError> {
    let address: String = col(r, "address")?;
    Ok(Alias {
        id: AliasId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        address: EmailAddress::parse(&address).map_err(StoreError::Internal)?,
        display_name: col(r, "display_name")?,
        queue_id: col::<Option<i64>>(r, "queue_id")?.map(QueueId),
        active: col::<i64>(r, "active")? != 0,
        parts: json(r, "parts")?,
        incoming: json(r, "incoming")?,
        incoming_password_set: col::<Option<String>>(r, "incoming_secret")?.is_some(),
        outgoing: json(r, "outgoing")?,
        outgoing_password_set: col::<Option<String>>(r, "outgoing_secret")?.is_some(),
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn fetch<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: AliasId,
) -> Result<Alias, StoreError> {
    crate::sql::fetch_by_id(
        e,
        "SELECT * FROM aliases WHERE id = $1",
        id.0,
        "alias",
        from_row,
    )
    .await
}

/// The active alias with this address (lower-cased lookup key), if any.
pub(crate) async fn by_address_key(
    c: &mut AnyConnection,
    key: &str,
) -> Result<Option<Alias>, StoreError> {
    sqlx::query("SELECT * FROM aliases WHERE address_key = $1 AND active = 1")
        .bind(key)
        .fetch_optional(&mut *c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

fn write_error(e: sqlx::Error) -> StoreError {
    match violation(&e) {
        Some(Violation::Unique) => StoreError::Duplicate {
            field: "address".into(),
            message: "another alias has this address".into(),
        },
        Some(Violation::ForeignKey) => {
            ValidationError::new("department_id", "no such department").into()
        }
        _ => e.into(),
    }
}

/// Checks the default queue exists in the alias's department.
async fn check_queue(
    c: &mut AnyConnection,
    dept: DepartmentId,
    queue: Option<QueueId>,
) -> Result<(), StoreError> {
    let Some(q) = queue else { return Ok(()) };
    let row = sqlx::query("SELECT department_id, kind FROM queues WHERE id = $1")
        .bind(q.0)
        .fetch_optional(&mut *c)
        .await?;
    match row {
        Some(r) if col::<String>(&r, "kind")? == "review" => {
            Err(ValidationError::new("queue_id", "new mail cannot wait in a review queue").into())
        }
        Some(r) if col::<i64>(&r, "department_id")? == dept.0 => Ok(()),
        _ => {
            Err(ValidationError::new("queue_id", "no such queue in the alias's department").into())
        }
    }
}

impl Store {
    fn seal_opt(&self, purpose: &str, p: Option<&str>) -> Result<Option<String>, StoreError> {
        p.filter(|p| !p.is_empty())
            .map(|p| self.sealer()?.seal(purpose, p))
            .transpose()
    }

    /// Creates an alias.
    pub async fn create_alias(&self, input: NewAlias, now: Timestamp) -> Result<Alias, StoreError> {
        let incoming = self.seal_opt(INCOMING, input.incoming_password.as_deref())?;
        let outgoing = self.seal_opt(OUTGOING, input.outgoing_password.as_deref())?;
        let alias = self.writes(move |c| {
                let a = input.clone();
                let (incoming, outgoing) = (incoming.clone(), outgoing.clone());
                Box::pin(async move {
                    check_queue(c, a.department_id, a.queue_id).await?;
                    crate::kb::check_parts(c, a.department_id, &a.parts, "parts").await?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO aliases (department_id, address, address_key, display_name, queue_id, active, \
                         incoming, incoming_secret, outgoing, outgoing_secret, version, created_at, updated_at, parts) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11, $12) RETURNING id",
                    )
                    .bind(a.department_id.0)
                    .bind(a.address.as_str())
                    .bind(a.address.lookup_key())
                    .bind(&a.display_name)
                    .bind(a.queue_id.map(|q| q.0))
                    .bind(i64::from(a.active))
                    .bind(to_json(&a.incoming)?)
                    .bind(incoming)
                    .bind(to_json(&a.outgoing)?)
                    .bind(outgoing)
                    .bind(now.millis())
                    .bind(to_json(&a.parts)?)
                    .fetch_one(&mut *c)
                    .await
                    .map_err(write_error)
                    .and_then(|r| col(&r, "id"))?;
                    fetch(&mut *c, AliasId(id)).await
                })
            })
            .await?;
        self.inner.notify.aliases_changed();
        Ok(alias)
    }

    /// Reads an alias (without passwords).
    pub async fn alias(&self, id: AliasId) -> Result<Alias, StoreError> {
        fetch(&self.inner.read, id).await
    }

    /// The alias mail to department `dept` is taken in by when it comes from no mailbox (an
    /// email left on a chat entry point): its first active alias. `None` without one.
    pub async fn department_alias(&self, dept: DepartmentId) -> Result<Option<Alias>, StoreError> {
        let id = sqlx::query(
            "SELECT id FROM aliases WHERE department_id = $1 AND active = 1 ORDER BY id LIMIT 1",
        )
        .bind(dept.0)
        .fetch_optional(&self.inner.read)
        .await?;
        match id {
            Some(r) => Ok(Some(
                fetch(&self.inner.read, AliasId(col(&r, "id")?)).await?,
            )),
            None => Ok(None),
        }
    }

    /// Lists aliases by id.
    pub async fn list_aliases(
        &self,
        scope: &switchboard_domain::Scope,
        f: &AliasFilter,
        page: &PageRequest,
    ) -> Result<Page<Alias>, StoreError> {
        let mut s = Select::new("SELECT * FROM aliases");
        s.scope("department_id", scope);
        s.eq_opt("department_id", f.department_id.map(|d| Arg::Int(d.0)))
            .eq_opt("active", f.active.map(|a| Arg::Int(i64::from(a))));
        let (rows, more) = s.page(&self.inner.read, page).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::of(items, more, |a| a.id.0))
    }

    /// Every alias with its passwords opened, for the retriever and dispatcher.
    pub async fn alias_credentials(&self) -> Result<Vec<AliasCredentials>, StoreError> {
        let rows = sqlx::query("SELECT * FROM aliases ORDER BY id")
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter().map(|r| self.credentials_of(r)).collect()
    }

    /// One alias with its passwords opened (an administrator's Test connection).
    pub async fn alias_credential(&self, id: AliasId) -> Result<AliasCredentials, StoreError> {
        let row = sqlx::query("SELECT * FROM aliases WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.inner.read)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "alias",
                id: id.0,
            })?;
        self.credentials_of(&row)
    }

    fn credentials_of(&self, r: &AnyRow) -> Result<AliasCredentials, StoreError> {
        let open = |column: &str, purpose: &str| -> Result<Option<String>, StoreError> {
            col::<Option<String>>(r, column)?
                .map(|s| self.sealer()?.open(purpose, &s))
                .transpose()
        };
        Ok(AliasCredentials {
            alias: from_row(r)?,
            incoming_password: open("incoming_secret", INCOMING)?,
            outgoing_password: open("outgoing_secret", OUTGOING)?,
        })
    }

    /// Applies a partial update if `patch.version` is current.
    pub async fn update_alias(
        &self,
        id: AliasId,
        patch: AliasPatch,
        now: Timestamp,
    ) -> Result<Alias, StoreError> {
        let incoming = self.seal_opt(INCOMING, patch.incoming_password.as_deref())?;
        let outgoing = match &patch.outgoing_password {
            None => None,
            Some(p) => Some(self.seal_opt(OUTGOING, p.as_deref())?),
        };
        let alias = self.writes(move |c| {
                let patch = patch.clone();
                let (incoming, outgoing) = (incoming.clone(), outgoing.clone());
                Box::pin(async move {
                    let mut a = fetch(&mut *c, id).await?;
                    if a.version != patch.version {
                        return Err(StoreError::stale("alias", id.0));
                    }
                    if let Some(field) = patch.password_needed(&a) {
                        return Err(ValidationError::new(
                            field,
                            "the server changed: enter its password again (a stored password \
                             goes only to the server it was given for)",
                        )
                        .into());
                    }
                    patch.apply(&mut a);
                    check_queue(c, a.department_id, a.queue_id).await?;
                    crate::kb::check_parts(c, a.department_id, &a.parts, "parts").await?;
                    sqlx::query(
                        "UPDATE aliases SET address = $1, address_key = $2, display_name = $3, queue_id = $4, \
                         active = $5, incoming = $6, outgoing = $7, version = version + 1, updated_at = $8, parts = $13, \
                         incoming_secret = COALESCE($9, incoming_secret), \
                         outgoing_secret = CASE WHEN $10 = 1 THEN $11 ELSE outgoing_secret END \
                         WHERE id = $12",
                    )
                    .bind(a.address.as_str())
                    .bind(a.address.lookup_key())
                    .bind(&a.display_name)
                    .bind(a.queue_id.map(|q| q.0))
                    .bind(i64::from(a.active))
                    .bind(to_json(&a.incoming)?)
                    .bind(to_json(&a.outgoing)?)
                    .bind(now.millis())
                    .bind(incoming)
                    .bind(i64::from(outgoing.is_some()))
                    .bind(outgoing.flatten())
                    .bind(id.0)
                    .bind(to_json(&a.parts)?)
                    .execute(&mut *c)
                    .await
                    .map_err(write_error)?;
                    fetch(&mut *c, id).await
                })
            })
            .await?;
        self.inner.notify.aliases_changed();
        Ok(alias)
    }

    /// Deletes an alias with nothing left in its outbox; its stored mail stays.
    pub async fn delete_alias(&self, id: AliasId) -> Result<(), StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                fetch(&mut *c, id).await?;
                crate::sql::delete_by_id(c, "aliases", id.0, || {
                    format!("alias {id} still has mail in the outbox; deactivate it instead")
                })
                .await
            })
        })
        .await?;
        self.inner.notify.aliases_changed();
        Ok(())
    }
}
