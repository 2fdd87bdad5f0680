//! A department's wrap-up rule: whether work is completed only with a category.

use sqlx::AnyConnection;
use switchboard_domain::DepartmentId;
use switchboard_domain::wrap_up::WrapUpSettings;

use crate::Store;
use crate::error::StoreError;
use crate::settings::{department_doc, set_department_doc};
use crate::sql::to_json;

const TABLE: &str = "wrap_up_settings";

/// The department's rule (none required when never set).
pub(crate) async fn settings(
    c: &mut AnyConnection,
    dept: DepartmentId,
) -> Result<WrapUpSettings, StoreError> {
    department_doc(c, TABLE, dept).await
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
        self.writes(move |c| {
            let text = text.clone();
            Box::pin(async move { set_department_doc(c, TABLE, dept, &text).await })
        })
        .await?;
        Ok(s)
    }
}
