//! The system console's controls of the singleton services, one row per service asked about;
//! each change is announced to every node's services.

use sqlx::any::AnyRow;
use switchboard_domain::service_control::ServiceControl;
use switchboard_domain::{Timestamp, UserId};

use crate::Store;
use crate::error::StoreError;
use crate::notify::Notify;
use crate::sql::col;

fn from_row(r: &AnyRow) -> Result<ServiceControl, StoreError> {
    Ok(ServiceControl {
        name: col(r, "name")?,
        stopped: col::<i64>(r, "stopped")? != 0,
        move_to: col(r, "move_to")?,
        move_until: col::<Option<i64>>(r, "move_until")?.map(Timestamp::from_millis),
    })
}

impl Store {
    /// Every service an administrator asked about, by name.
    pub async fn service_controls(&self) -> Result<Vec<ServiceControl>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, stopped, move_to, move_until FROM service_controls ORDER BY name",
        )
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Records `control` (by `by`, at `now`) and tells every node.
    pub async fn set_service_control(
        &self,
        control: ServiceControl,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        switchboard_domain::lease::check_name("name", &control.name)?;
        let out = self
            .writes(move |c| {
                let k = control.clone();
                Box::pin(async move {
                    sqlx::query(
                        "INSERT INTO service_controls \
                         (name, stopped, move_to, move_until, changed_at, changed_by) \
                         VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (name) DO UPDATE SET stopped = excluded.stopped, \
                         move_to = excluded.move_to, move_until = excluded.move_until, \
                         changed_at = excluded.changed_at, changed_by = excluded.changed_by",
                    )
                    .bind(&k.name)
                    .bind(i64::from(k.stopped))
                    .bind(k.move_to.clone())
                    .bind(k.move_until.map(Timestamp::millis))
                    .bind(now.millis())
                    .bind(by.map(UserId::get))
                    .execute(&mut *c)
                    .await?;
                    Ok(())
                })
            })
            .await;
        self.announce(&out, Notify::services_changed);
        out
    }

    /// Ends a move of service `name` to node `to` once `to` holds its lease: from then on the
    /// service fails over as usual should `to` die. Does nothing when the control says
    /// otherwise by now.
    pub async fn finish_service_move(
        &self,
        name: &str,
        to: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let (name, to) = (name.to_string(), to.to_string());
        let out = self
            .writes(move |c| {
                let (name, to) = (name.clone(), to.clone());
                Box::pin(async move {
                    sqlx::query(
                        "UPDATE service_controls SET move_to = NULL, move_until = NULL, \
                         changed_at = $3 WHERE name = $1 AND move_to = $2",
                    )
                    .bind(&name)
                    .bind(&to)
                    .bind(now.millis())
                    .execute(&mut *c)
                    .await?;
                    Ok(())
                })
            })
            .await;
        self.announce(&out, Notify::services_changed);
        out
    }
}
