//! A department's wrap-up rule: whether work is completed only with a category.

use sqlx::AnyConnection;
use switchboard_domain::DepartmentId;
use switchboard_domain::wrap_up::WrapUpSettings;

use crate::Store;
use crate::error::StoreError;
use crate::sql::{json, to_json};

/// The department's rule (none required when never set).
pub(crate) async fn settings(
    c: &mut AnyConnection,
    dept: DepartmentId,
) -> Result<WrapUpSettings, StoreError> {
    let row = sqlx::query("SELECT settings FROM wrap_up_settings WHERE department_id = $1")
        .bind(dept.0)
        .fetch_optional(&mut *c)
        .await?;
    match row {
        Some(r) => json(&r, "settings"),
        None => Ok(WrapUpSettings::default()),
    }
}

impl Store {
    /// The department's wrap-up rule.
    pub async fn wrap_up_settings(&self, dept: DepartmentId) -> Result<WrapUpSettings, StoreError> {
        self.department(dept).await?;
        let mut c = self.inner.read.acquire().await?;
        settings(&mut c, dept).await
    }

    /// Replaces the department's wrap-up rule.
    pub async fn set_wrap_up_settings(
        &self,
        dept: DepartmentId,
        s: WrapUpSettings,
    ) -> Result<WrapUpSettings, StoreError> {
        let text = to_json(&s)?;
        self.inner
            .writer
            .write(move |c| {
                let text = text.clone();
                Box::pin(async move {
                    crate::departments::fetch(&mut *c, dept).await?;
                    sqlx::query(
                        "INSERT INTO wrap_up_settings (department_id, settings) VALUES ($1, $2) \
                         ON CONFLICT (department_id) DO UPDATE SET settings = excluded.settings",
                    )
                    .bind(dept.0)
                    .bind(&text)
                    .execute(&mut *c)
                    .await?;
                    Ok(())
                })
            })
            .await?;
        Ok(s)
    }
}
