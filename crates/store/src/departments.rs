//! Departments, the partition above them, and per-department channel settings. A new department
//! gets its exception queue and default channel settings in the same transaction.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};
use switchboard_domain::{
    AgentOrder, ChannelKind, ChannelSettings, Department, DepartmentId, DepartmentPatch,
    NewDepartment, QueueKind, QueueRouting, Timestamp,
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
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

impl Store {
    /// Creates the business partition if missing; returns whether it was created (first start).
    pub async fn ensure_partition(&self, name: &str, now: Timestamp) -> Result<bool, StoreError> {
        let name = name.to_string();
        self.inner
            .writer
            .write(move |c| {
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
                    sqlx::query(
                        "INSERT INTO partitions (id, name, created_at) VALUES ($1, $2, $3)",
                    )
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
            .inner
            .writer
            .write(move |c| {
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

    /// Lists departments by id.
    pub async fn list_departments(
        &self,
        page: &PageRequest,
    ) -> Result<Page<Department>, StoreError> {
        let (rows, more) = Select::new("SELECT * FROM departments")
            .page(&self.inner.read, page)
            .await?;
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
        let out = self.inner
            .writer
            .write(move |c| {
                let patch = patch.clone();
                Box::pin(async move {
                    let mut d = fetch(&mut *c, id).await?;
                    if d.version != patch.version {
                        return Err(StoreError::stale("department", id.0));
                    }
                    patch.apply(&mut d);
                    sqlx::query(
                        "UPDATE departments SET name = $1, description = $2, version = version + 1, updated_at = $3 \
                         WHERE id = $4",
                    )
                    .bind(&d.name)
                    .bind(&d.description)
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
        let out = self.inner
            .writer
            .write(move |c| {
                Box::pin(async move {
                    fetch(&mut *c, id).await?;
                    let in_use = |e: sqlx::Error| match violation(&e) {
                        Some(Violation::ForeignKey) => StoreError::Conflict(format!(
                            "department {id} still has users, groups, queues, customers, activities, articles, categories or calendars"
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
        let out = self.inner
            .writer
            .write(move |c| {
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
