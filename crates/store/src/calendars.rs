//! Business calendars. A change bumps the workflow generation: compiled workflows embed the
//! calendars they ask about.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::workflow::refs::Ref;
use switchboard_domain::{
    BusinessCalendar, CalendarId, CalendarPatch, DepartmentId, NewCalendar, Timestamp,
};

use crate::Store;
use crate::error::StoreError;
use crate::notify::Notify;
use crate::sql::{Page, PageRequest, col, fetch_by_id, json, to_json, ts};
use crate::workflows;

pub(crate) fn from_row(r: &AnyRow) -> Result<BusinessCalendar, StoreError> {
    Ok(BusinessCalendar {
        id: CalendarId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        name: col(r, "name")?,
        time_zone: col(r, "time_zone")?,
        hours: json(r, "hours")?,
        holidays: json(r, "holidays")?,
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn fetch(
    c: &mut AnyConnection,
    id: CalendarId,
) -> Result<BusinessCalendar, StoreError> {
    fetch_by_id(
        &mut *c,
        "SELECT * FROM calendars WHERE id = $1",
        id.0,
        "calendar",
        from_row,
    )
    .await
}

fn write_error(e: sqlx::Error) -> StoreError {
    crate::error::named_write_error(e, "calendar")
}

/// Every calendar.
pub(crate) async fn all(c: &mut AnyConnection) -> Result<Vec<BusinessCalendar>, StoreError> {
    let rows = sqlx::query("SELECT * FROM calendars ORDER BY id")
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(from_row).collect()
}

impl Store {
    /// Creates a business calendar.
    pub async fn create_calendar(
        &self,
        n: NewCalendar,
        now: Timestamp,
    ) -> Result<BusinessCalendar, StoreError> {
        let out = self.writes(move |c| {
                let n = n.clone();
                Box::pin(async move {
                    let id: i64 = sqlx::query(
                        "INSERT INTO calendars (department_id, name, time_zone, hours, holidays, version, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING id",
                    )
                    .bind(n.department_id.0)
                    .bind(&n.name)
                    .bind(&n.time_zone)
                    .bind(to_json(&n.hours)?)
                    .bind(to_json(&n.holidays)?)
                    .bind(now.millis())
                    .fetch_one(&mut *c)
                    .await
                    .map_err(write_error)
                    .and_then(|r| col(&r, "id"))?;
                    workflows::bump_generation(c).await?;
                    fetch(c, CalendarId(id)).await
                })
            })
            .await;
        self.announce(&out, Notify::workflows_changed);
        out
    }

    /// Reads a business calendar.
    pub async fn calendar(&self, id: CalendarId) -> Result<BusinessCalendar, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        fetch(&mut c, id).await
    }

    /// Lists business calendars, optionally of one department.
    pub async fn list_calendars(
        &self,
        scope: &switchboard_domain::Scope,
        department: Option<DepartmentId>,
        page: &PageRequest,
    ) -> Result<Page<BusinessCalendar>, StoreError> {
        crate::sql::department_page(
            &self.inner.read,
            "calendars",
            scope,
            department,
            page,
            from_row,
            |x| x.id.0,
        )
        .await
    }

    /// Applies a partial update if `patch.version` is current.
    pub async fn update_calendar(
        &self,
        id: CalendarId,
        patch: CalendarPatch,
        now: Timestamp,
    ) -> Result<BusinessCalendar, StoreError> {
        let out = self.writes(move |c| {
                let patch = patch.clone();
                Box::pin(async move {
                    let mut k = fetch(c, id).await?;
                    if k.version != patch.version {
                        return Err(StoreError::stale("calendar", id.0));
                    }
                    patch.apply(&mut k);
                    sqlx::query(
                        "UPDATE calendars SET name = $1, time_zone = $2, hours = $3, holidays = $4, version = version + 1, \
                         updated_at = $5 WHERE id = $6",
                    )
                    .bind(&k.name)
                    .bind(&k.time_zone)
                    .bind(to_json(&k.hours)?)
                    .bind(to_json(&k.holidays)?)
                    .bind(now.millis())
                    .bind(id.0)
                    .execute(&mut *c)
                    .await
                    .map_err(write_error)?;
                    workflows::bump_generation(c).await?;
                    fetch(c, id).await
                })
            })
            .await;
        self.announce(&out, Notify::workflows_changed);
        out
    }

    /// Deletes a calendar no workflow asks about.
    pub async fn delete_calendar(&self, id: CalendarId) -> Result<(), StoreError> {
        let out = self
            .writes(move |c| {
                Box::pin(async move {
                    let k = fetch(c, id).await?;
                    workflows::refuse_if_used(c, k.department_id, Ref::Calendar(id), "calendar")
                        .await?;
                    crate::in_use::by_entry_point(c, "calendar_id", id.0, "calendar").await?;
                    sqlx::query("DELETE FROM calendars WHERE id = $1")
                        .bind(id.0)
                        .execute(&mut *c)
                        .await?;
                    workflows::bump_generation(c).await
                })
            })
            .await;
        self.announce(&out, Notify::workflows_changed);
        out
    }
}
