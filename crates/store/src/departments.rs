//! Departments, the partition above them, and per-department channel settings. A new department
//! gets its exception queue and default channel settings in the same transaction.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};
use switchboard_domain::{
    AgentOrder, ChannelKind, ChannelSettings, Department, DepartmentId, DepartmentPatch,
    NewDepartment, ObjectKind, QueueKind, QueueRouting, Role, Scope, Timestamp, User,
    ValidationError,
};

use crate::Store;
use crate::error::{StoreError, Violation, violation};
use crate::notify::Notify;
use crate::queues::{self, QueueRecord};
use crate::sql::{Page, PageRequest, Select, col, json, to_json, ts};

/// The one business partition's id.
pub const PARTITION_ID: i64 = 1;

fn from_row(r: &AnyRow) -> Result<Department, StoreError> {
    Ok(Department {
        id: DepartmentId(col(r, "id")?),
        name: col(r, "name")?,
        description: col(r, "description")?,
        shared_with: json(r, "shared_with")?,
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn fetch<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: DepartmentId,
) -> Result<Department, StoreError> {
    crate::sql::fetch_by_id(
        e,
        "SELECT * FROM departments WHERE id = $1",
        id.0,
        "department",
        from_row,
    )
    .await
}

fn duplicate_name(e: sqlx::Error) -> StoreError {
    match violation(&e) {
        Some(Violation::Unique) => StoreError::Duplicate {
            field: "name".into(),
            message: "a department with this name exists".into(),
        },
        _ => e.into(),
    }
}

async fn insert(
    c: &mut AnyConnection,
    input: &NewDepartment,
    now: Timestamp,
) -> Result<Department, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO departments (partition_id, name, description, version, created_at, updated_at) \
         VALUES ($1, $2, $3, 1, $4, $4) RETURNING id",
    )
    .bind(PARTITION_ID)
    .bind(&input.name)
    .bind(&input.description)
    .bind(now.millis())
    .fetch_one(&mut *c)
    .await
    .map_err(duplicate_name)
    .and_then(|r| col(&r, "id"))?;
    let id = DepartmentId(id);
    for ch in ChannelKind::ALL {
        sqlx::query(
            "INSERT INTO channel_settings (department_id, channel, settings) VALUES ($1, $2, $3)",
        )
        .bind(id.0)
        .bind(ch.as_str())
        .bind(to_json(&ch.default_settings())?)
        .execute(&mut *c)
        .await?;
    }
    queues::insert(
        c,
        &QueueRecord {
            department_id: id,
            name: "Exception",
            description: "Work that could not be routed, waited too long or could not be read",
            kind: QueueKind::Exception,
            routing: &QueueRouting::Manual,
            agent_order: AgentOrder::LongestAvailable,
            service_level_secs: 3600,
            priority: 5,
            active: true,
            review_queue_id: None,
        },
        now,
    )
    .await?;
    crate::workflows::insert_standard(c, id, now).await?;
    Ok(Department {
        id,
        name: input.name.clone(),
        description: input.description.clone(),
        shared_with: Vec::new(),
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// Checks a sharing list: existing departments other than the department itself.
async fn check_shares(
    c: &mut AnyConnection,
    id: DepartmentId,
    shared_with: &[DepartmentId],
) -> Result<(), StoreError> {
    for (i, d) in shared_with.iter().enumerate() {
        if *d == id {
            return Err(ValidationError::new(
                format!("shared_with[{i}]"),
                "a department always sees its own objects; list other departments",
            )
            .into());
        }
        let found = sqlx::query("SELECT id FROM departments WHERE id = $1")
            .bind(d.0)
            .fetch_optional(&mut *c)
            .await?;
        if found.is_none() {
            return Err(
                ValidationError::new(format!("shared_with[{i}]"), "no such department").into(),
            );
        }
    }
    Ok(())
}

/// Whether objects of department `owner` may name things of department `other`: the same
/// department, or one `owner` shares its objects with (their users work on `owner`'s objects).
pub(crate) async fn shares(
    c: &mut AnyConnection,
    owner: DepartmentId,
    other: DepartmentId,
) -> Result<bool, StoreError> {
    if owner == other {
        return Ok(true);
    }
    let d = fetch(&mut *c, owner).await?;
    Ok(d.shared_with.contains(&other))
}

/// The department of object `id` of `kind` (inside a transaction or on the read pool); `None`
/// when there is no such object.
pub(crate) async fn of<'e, E: Executor<'e, Database = Any>>(
    e: E,
    kind: ObjectKind,
    id: i64,
) -> Result<Option<DepartmentId>, StoreError> {
    sqlx::query(department_sql(kind))
        .bind(id)
        .fetch_optional(e)
        .await?
        .map(|r| col::<i64>(&r, "d").map(DepartmentId))
        .transpose()
}

/// The query reading the department of one object of `kind` (`$1` its id), as column `d`.
fn department_sql(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Department => "SELECT id AS d FROM departments WHERE id = $1",
        ObjectKind::User => "SELECT department_id AS d FROM users WHERE id = $1",
        ObjectKind::UserGroup => "SELECT department_id AS d FROM user_groups WHERE id = $1",
        ObjectKind::Queue => "SELECT department_id AS d FROM queues WHERE id = $1",
        ObjectKind::Customer => "SELECT department_id AS d FROM customers WHERE id = $1",
        ObjectKind::Case => "SELECT department_id AS d FROM cases WHERE id = $1",
        ObjectKind::Activity => "SELECT department_id AS d FROM activities WHERE id = $1",
        ObjectKind::Alias => "SELECT department_id AS d FROM aliases WHERE id = $1",
        ObjectKind::Email => "SELECT department_id AS d FROM emails WHERE id = $1",
        ObjectKind::Attachment => {
            "SELECT e.department_id AS d FROM email_attachments a \
             JOIN emails e ON e.id = a.email_id WHERE a.id = $1"
        }
        ObjectKind::Folder => "SELECT department_id AS d FROM kb_folders WHERE id = $1",
        ObjectKind::Article => "SELECT department_id AS d FROM articles WHERE id = $1",
        ObjectKind::Category => "SELECT department_id AS d FROM categories WHERE id = $1",
        ObjectKind::Webhook => "SELECT department_id AS d FROM webhooks WHERE id = $1",
        ObjectKind::SavedReport => "SELECT department_id AS d FROM saved_reports WHERE id = $1",
        ObjectKind::Calendar => "SELECT department_id AS d FROM calendars WHERE id = $1",
        ObjectKind::Workflow => "SELECT department_id AS d FROM workflows WHERE id = $1",
        ObjectKind::EntryPoint => "SELECT department_id AS d FROM chat_entry_points WHERE id = $1",
    }
}

/// Removes a department about to be deleted from every sharing list.
async fn unshare(c: &mut AnyConnection, id: DepartmentId) -> Result<(), StoreError> {
    for (other, mut list) in sharing(&mut *c).await? {
        if list.contains(&id) {
            list.retain(|d| *d != id);
            sqlx::query("UPDATE departments SET shared_with = $1 WHERE id = $2")
                .bind(to_json(&list)?)
                .bind(other.0)
                .execute(&mut *c)
                .await?;
        }
    }
    Ok(())
}

/// Every department that shares with some other, with its list.
async fn sharing<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Vec<(DepartmentId, Vec<DepartmentId>)>, StoreError> {
    sqlx::query("SELECT id, shared_with FROM departments WHERE shared_with <> '[]'")
        .fetch_all(e)
        .await?
        .iter()
        .map(|r| Ok((DepartmentId(col(r, "id")?), json(r, "shared_with")?)))
        .collect()
}

impl Store {
    /// The departments `user` may see and act in: all for an administrator; otherwise the
    /// user's own department and those that share their objects with it.
    pub async fn scope_of(&self, user: &User) -> Result<Scope, StoreError> {
        if user.role == Role::Admin {
            return Ok(Scope::All);
        }
        let own = user.department_id;
        let shared = sharing(&self.inner.read)
            .await?
            .into_iter()
            .filter(|(_, list)| list.contains(&own))
            .map(|(d, _)| d);
        Ok(Scope::of(user.role, own, shared))
    }

    /// The department owning object `id` of `kind`, or `None` when there is no such object.
    pub async fn department_of(
        &self,
        kind: ObjectKind,
        id: i64,
    ) -> Result<Option<DepartmentId>, StoreError> {
        of(&self.inner.read, kind, id).await
    }

    /// Creates the business partition if missing; returns whether it was created (first start).
    pub async fn ensure_partition(&self, name: &str, now: Timestamp) -> Result<bool, StoreError> {
        let name = name.to_string();
        self.writes(move |c| {
            let name = name.clone();
            Box::pin(async move {
                let n: i64 = col(
                    &sqlx::query("SELECT COUNT(*) AS n FROM partitions")
                        .fetch_one(&mut *c)
                        .await?,
                    "n",
                )?;
                if n > 0 {
                    return Ok(false);
                }
                sqlx::query("INSERT INTO partitions (id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(PARTITION_ID)
                    .bind(name)
                    .bind(now.millis())
                    .execute(&mut *c)
                    .await?;
                Ok(true)
            })
        })
        .await
    }

    /// Creates a department with its exception queue and default channel settings.
    pub async fn create_department(
        &self,
        input: NewDepartment,
        now: Timestamp,
    ) -> Result<Department, StoreError> {
        let out = self
            .writes(move |c| {
                let input = input.clone();
                Box::pin(async move { insert(c, &input, now).await })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }

    /// Reads a department.
    pub async fn department(&self, id: DepartmentId) -> Result<Department, StoreError> {
        fetch(&self.inner.read, id).await
    }

    /// Lists the departments within `scope` by id.
    pub async fn list_departments(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> Result<Page<Department>, StoreError> {
        let mut q = Select::new("SELECT * FROM departments");
        q.scope("id", scope);
        let (rows, more) = q.page(&self.inner.read, page).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::of(items, more, |d| d.id.0))
    }

    /// Applies a partial update if `patch.version` is current.
    pub async fn update_department(
        &self,
        id: DepartmentId,
        patch: DepartmentPatch,
        now: Timestamp,
    ) -> Result<Department, StoreError> {
        let out = self
            .writes(move |c| {
                let patch = patch.clone();
                Box::pin(async move {
                    let mut d = fetch(&mut *c, id).await?;
                    if d.version != patch.version {
                        return Err(StoreError::stale("department", id.0));
                    }
                    patch.apply(&mut d);
                    check_shares(c, id, &d.shared_with).await?;
                    sqlx::query(
                        "UPDATE departments SET name = $1, description = $2, shared_with = $3, \
                         version = version + 1, updated_at = $4 WHERE id = $5",
                    )
                    .bind(&d.name)
                    .bind(&d.description)
                    .bind(to_json(&d.shared_with)?)
                    .bind(now.millis())
                    .bind(id.0)
                    .execute(&mut *c)
                    .await
                    .map_err(duplicate_name)?;
                    d.version += 1;
                    d.updated_at = now;
                    Ok(d)
                })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }

    /// Deletes an empty department (with its exception queue and channel settings).
    pub async fn delete_department(&self, id: DepartmentId) -> Result<(), StoreError> {
        let out = self.writes(move |c| {
                Box::pin(async move {
                    fetch(&mut *c, id).await?;
                    let in_use = |e: sqlx::Error| match violation(&e) {
                        Some(Violation::ForeignKey) => StoreError::Conflict(format!(
                            "department {id} still has users, groups, queues, customers, activities, articles, categories, calendars or chat entry points"
                        )),
                        _ => e.into(),
                    };
                    sqlx::query("DELETE FROM queues WHERE department_id = $1 AND kind = 'exception'")
                        .bind(id.0)
                        .execute(&mut *c)
                        .await
                        .map_err(in_use)?;
                    sqlx::query("DELETE FROM workflows WHERE department_id = $1")
                        .bind(id.0)
                        .execute(&mut *c)
                        .await?;
                    crate::workflows::bump_generation(c).await?;
                    unshare(c, id).await?;
                    sqlx::query("DELETE FROM departments WHERE id = $1")
                        .bind(id.0)
                        .execute(&mut *c)
                        .await
                        .map_err(in_use)?;
                    Ok(())
                })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }

    /// The department's settings for one channel.
    pub async fn channel_settings(
        &self,
        id: DepartmentId,
        channel: ChannelKind,
    ) -> Result<ChannelSettings, StoreError> {
        let row = sqlx::query(
            "SELECT settings FROM channel_settings WHERE department_id = $1 AND channel = $2",
        )
        .bind(id.0)
        .bind(channel.as_str())
        .fetch_optional(&self.inner.read)
        .await?
        .ok_or(StoreError::NotFound {
            entity: "department",
            id: id.0,
        })?;
        json(&row, "settings")
    }

    /// Replaces the department's settings for one channel.
    pub async fn set_channel_settings(
        &self,
        id: DepartmentId,
        channel: ChannelKind,
        settings: ChannelSettings,
    ) -> Result<ChannelSettings, StoreError> {
        settings.validate(channel)?;
        let out = self.writes(move |c| {
                Box::pin(async move {
                    let done = sqlx::query(
                        "UPDATE channel_settings SET settings = $1 WHERE department_id = $2 AND channel = $3",
                    )
                    .bind(to_json(&settings)?)
                    .bind(id.0)
                    .bind(channel.as_str())
                    .execute(&mut *c)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound { entity: "department", id: id.0 });
                    }
                    Ok(settings)
                })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }
}
