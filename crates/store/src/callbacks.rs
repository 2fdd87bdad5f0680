//! Callbacks: whom to call and how the calls went, one row beside each callback activity; and a
//! department's callback settings (a JSON document the domain validated).

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::callback::{
    CallOutcome, Callback, CallbackSettings, CallbackState, NewCallback,
};
use switchboard_domain::{ActivityId, DepartmentId, EntryPointId, Timestamp};

use crate::Store;
use crate::error::StoreError;
use crate::settings::{department_doc, set_department_doc};
use crate::sql::{col, fetch_by_id, parsed, to_json, ts};

const TABLE: &str = "callback_settings";

fn from_row(r: &AnyRow) -> Result<Callback, StoreError> {
    let attempts: i64 = col(r, "attempts")?;
    Ok(Callback {
        activity_id: ActivityId(col(r, "activity_id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        entry_point_id: EntryPointId(col(r, "entry_point_id")?),
        name: col(r, "name")?,
        phone: col(r, "phone")?,
        email: col(r, "email")?,
        time_zone: col(r, "time_zone")?,
        note: col(r, "note")?,
        requested_at: col::<Option<i64>>(r, "requested_at")?.map(Timestamp::from_millis),
        due_at: col::<Option<i64>>(r, "due_at")?.map(Timestamp::from_millis),
        attempts: u8::try_from(attempts.clamp(0, 255)).unwrap_or(u8::MAX),
        last_outcome: match col::<Option<String>>(r, "last_outcome")? {
            Some(s) => Some(
                CallOutcome::parse(&s)
                    .ok_or_else(|| StoreError::Internal(format!("unknown call outcome {s:?}")))?,
            ),
            None => None,
        },
        state: parsed(r, "state", CallbackState::parse)?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

/// Reads callback `id`.
pub(crate) async fn fetch(c: &mut AnyConnection, id: ActivityId) -> Result<Callback, StoreError> {
    fetch_by_id(
        &mut *c,
        "SELECT * FROM callbacks WHERE activity_id = $1",
        id.0,
        "callback",
        from_row,
    )
    .await
}

/// Records a new callback, due at its requested time (none: now).
pub(crate) async fn insert(
    c: &mut AnyConnection,
    n: &NewCallback,
    now: Timestamp,
) -> Result<Callback, StoreError> {
    sqlx::query(
        "INSERT INTO callbacks (activity_id, department_id, entry_point_id, name, phone, email, \
         time_zone, note, requested_at, due_at, attempts, last_outcome, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 0, NULL, 'pending', $10, $10)",
    )
    .bind(n.activity_id.0)
    .bind(n.department_id.0)
    .bind(n.entry_point_id.0)
    .bind(&n.name)
    .bind(&n.phone)
    .bind(n.email.as_deref())
    .bind(n.time_zone.as_deref())
    .bind(&n.note)
    .bind(n.requested_at.map(Timestamp::millis))
    .bind(now.millis())
    .execute(&mut *c)
    .await?;
    fetch(c, n.activity_id).await
}

/// Saves what a call changed: attempts, outcome, state and when it is next due.
pub(crate) async fn save(
    c: &mut AnyConnection,
    cb: &Callback,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE callbacks SET attempts = $1, last_outcome = $2, state = $3, due_at = $4, \
         updated_at = $5 WHERE activity_id = $6",
    )
    .bind(i64::from(cb.attempts))
    .bind(cb.last_outcome.map(CallOutcome::as_str))
    .bind(cb.state.as_str())
    .bind(cb.due_at.map(Timestamp::millis))
    .bind(now.millis())
    .bind(cb.activity_id.0)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The department's callback settings (defaults when never set).
pub(crate) async fn settings(
    c: &mut AnyConnection,
    dept: DepartmentId,
) -> Result<CallbackSettings, StoreError> {
    department_doc(c, TABLE, dept).await
}

impl Store {
    /// Reads the callback of activity `id`.
    pub async fn callback(&self, id: ActivityId) -> Result<Callback, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        fetch(&mut c, id).await
    }

    /// The callbacks of the given activities (those that are callbacks).
    pub async fn callbacks_of(&self, ids: &[ActivityId]) -> Result<Vec<Callback>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT * FROM callbacks WHERE activity_id IN ({}) ORDER BY activity_id",
            crate::sql::int_list(ids.iter().map(|a| a.0))
        );
        sqlx::query(&sql)
            .fetch_all(&self.inner.read)
            .await?
            .iter()
            .map(from_row)
            .collect()
    }

    /// The department's callback settings.
    pub async fn callback_settings(
        &self,
        dept: DepartmentId,
    ) -> Result<CallbackSettings, StoreError> {
        self.department(dept).await?;
        let mut c = self.inner.read.acquire().await?;
        settings(&mut c, dept).await
    }

    /// Replaces the department's callback settings (validated by the domain first).
    pub async fn set_callback_settings(
        &self,
        dept: DepartmentId,
        s: CallbackSettings,
    ) -> Result<CallbackSettings, StoreError> {
        let s = s.validate()?;
        let text = to_json(&s)?;
        self.writes(move |c| {
            let text = text.clone();
            Box::pin(async move { set_department_doc(c, TABLE, dept, &text).await })
        })
        .await?;
        Ok(s)
    }
}
