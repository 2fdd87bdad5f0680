//! Chat entry points: one row each, the form, widget, origins, survey and time-outs as JSON the
//! domain validated. The queue and calendar an entry point names must be its department's; a
//! queue or calendar an entry point names is not deleted, nor an entry point chats came through
//! (`in_use.rs`).

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::chat::{EntryPoint, EntryPointKind, EntryPointPatch, NewEntryPoint};
use switchboard_domain::{
    CalendarId, DepartmentId, EntryPointId, ObjectKind, QueueId, QueueRefusal, QueueUse, Timestamp,
    ValidationError,
};

use crate::Store;
use crate::error::StoreError;
use crate::sql::{Page, PageRequest, col, fetch_by_id, json, to_json, ts};
use crate::{departments, queues};

fn from_row(r: &AnyRow) -> Result<EntryPoint, StoreError> {
    Ok(EntryPoint {
        id: EntryPointId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        kind: crate::sql::parsed(r, "kind", EntryPointKind::parse)?,
        name: col(r, "name")?,
        description: col(r, "description")?,
        active: col::<i64>(r, "active")? != 0,
        queue_id: col::<Option<i64>>(r, "queue_id")?.map(QueueId),
        calendar_id: col::<Option<i64>>(r, "calendar_id")?.map(CalendarId),
        max_waiting: u32::try_from(col::<i64>(r, "max_waiting")?).unwrap_or(0),
        pre_chat: json(r, "pre_chat")?,
        widget: json(r, "widget")?,
        allowed_origins: json(r, "allowed_origins")?,
        survey: json(r, "survey")?,
        timeouts: json(r, "timeouts")?,
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn fetch(
    c: &mut AnyConnection,
    id: EntryPointId,
) -> Result<EntryPoint, StoreError> {
    fetch_by_id(
        &mut *c,
        "SELECT * FROM chat_entry_points WHERE id = $1",
        id.0,
        "entry point",
        from_row,
    )
    .await
}

fn write_error(e: sqlx::Error) -> StoreError {
    crate::error::named_write_error(e, "entry point")
}

/// Checks that the queue takes routed work of `dept` and the calendar is `dept`'s.
async fn check_names(
    c: &mut AnyConnection,
    dept: DepartmentId,
    queue: Option<QueueId>,
    calendar: Option<CalendarId>,
) -> Result<(), StoreError> {
    if let Some(q) = queue {
        let found = match queues::fetch(&mut *c, q).await {
            Ok(found) => Some(found),
            Err(StoreError::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        let refusal = match found.map(|f| f.accepts(dept, QueueUse::Route)) {
            Some(Ok(())) => None,
            Some(Err(QueueRefusal::Inactive)) => Some("the queue is inactive"),
            Some(Err(QueueRefusal::ReviewQueue)) => Some("a review queue takes no chats"),
            Some(Err(_)) | None => Some("no such queue in the department"),
        };
        if let Some(why) = refusal {
            return Err(ValidationError::new("queue_id", why).into());
        }
    }
    if let Some(k) = calendar
        && departments::of(&mut *c, ObjectKind::Calendar, k.0).await? != Some(dept)
    {
        return Err(
            ValidationError::new("calendar_id", "no such calendar in the department").into(),
        );
    }
    Ok(())
}

async fn insert(
    c: &mut AnyConnection,
    n: &NewEntryPoint,
    now: Timestamp,
) -> Result<EntryPointId, StoreError> {
    check_names(c, n.department_id, n.queue_id, n.calendar_id).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO chat_entry_points (department_id, name, description, active, queue_id, calendar_id, \
         pre_chat, widget, allowed_origins, survey, timeouts, max_waiting, kind, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $13, $14, 1, $12, $12) RETURNING id",
    )
    .bind(n.department_id.0)
    .bind(&n.name)
    .bind(&n.description)
    .bind(i64::from(n.active))
    .bind(n.queue_id.map(|q| q.0))
    .bind(n.calendar_id.map(|k| k.0))
    .bind(to_json(&n.pre_chat)?)
    .bind(to_json(&n.widget)?)
    .bind(to_json(&n.allowed_origins)?)
    .bind(to_json(&n.survey)?)
    .bind(to_json(&n.timeouts)?)
    .bind(now.millis())
    .bind(i64::from(n.max_waiting))
    .bind(n.kind.as_str())
    .fetch_one(&mut *c)
    .await
    .map_err(write_error)
    .and_then(|r| col(&r, "id"))?;
    Ok(EntryPointId(id))
}

async fn save(c: &mut AnyConnection, e: &EntryPoint, now: Timestamp) -> Result<(), StoreError> {
    check_names(c, e.department_id, e.queue_id, e.calendar_id).await?;
    let done = sqlx::query(
        "UPDATE chat_entry_points SET name = $1, description = $2, active = $3, queue_id = $4, calendar_id = $5, \
         pre_chat = $6, widget = $7, allowed_origins = $8, survey = $9, timeouts = $10, version = version + 1, \
         updated_at = $11, max_waiting = $14 WHERE id = $12 AND version = $13",
    )
    .bind(&e.name)
    .bind(&e.description)
    .bind(i64::from(e.active))
    .bind(e.queue_id.map(|q| q.0))
    .bind(e.calendar_id.map(|k| k.0))
    .bind(to_json(&e.pre_chat)?)
    .bind(to_json(&e.widget)?)
    .bind(to_json(&e.allowed_origins)?)
    .bind(to_json(&e.survey)?)
    .bind(to_json(&e.timeouts)?)
    .bind(now.millis())
    .bind(e.id.0)
    .bind(e.version)
    .bind(i64::from(e.max_waiting))
    .execute(&mut *c)
    .await
    .map_err(write_error)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::stale("entry point", e.id.0));
    }
    Ok(())
}

impl Store {
    /// Creates a chat entry point (version 1).
    pub async fn create_entry_point(
        &self,
        n: NewEntryPoint,
        now: Timestamp,
    ) -> Result<EntryPoint, StoreError> {
        self.writes(move |c| {
            let n = n.clone();
            Box::pin(async move {
                let id = insert(c, &n, now).await?;
                fetch(c, id).await
            })
        })
        .await
    }

    /// Reads a chat entry point.
    pub async fn entry_point(&self, id: EntryPointId) -> Result<EntryPoint, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        fetch(&mut c, id).await
    }

    /// Lists chat entry points by id.
    pub async fn list_entry_points(
        &self,
        scope: &switchboard_domain::Scope,
        department: Option<DepartmentId>,
        page: &PageRequest,
    ) -> Result<Page<EntryPoint>, StoreError> {
        crate::sql::department_page(
            &self.inner.read,
            "chat_entry_points",
            scope,
            department,
            page,
            from_row,
            |x| x.id.0,
        )
        .await
    }

    /// Applies a partial update if `patch.version` is current.
    pub async fn update_entry_point(
        &self,
        id: EntryPointId,
        patch: EntryPointPatch,
        now: Timestamp,
    ) -> Result<EntryPoint, StoreError> {
        self.writes(move |c| {
            let patch = patch.clone();
            Box::pin(async move {
                let mut e = fetch(c, id).await?;
                if e.version != patch.version {
                    return Err(StoreError::stale("entry point", id.0));
                }
                patch.apply_to(&mut e);
                save(c, &e, now).await?;
                fetch(c, id).await
            })
        })
        .await
    }

    /// Deletes a chat entry point.
    pub async fn delete_entry_point(&self, id: EntryPointId) -> Result<(), StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                fetch(c, id).await?;
                crate::in_use::by_chats(c, id.0).await?;
                sqlx::query("DELETE FROM chat_entry_points WHERE id = $1")
                    .bind(id.0)
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
    }
}
