//! The named read of the wrap-up rule.

use super::Tx;
use crate::error::StoreError;

impl Tx<'_> {
    /// The department's wrap-up rule.
    pub async fn wrap_up_settings(
        &mut self,
        dept: switchboard_domain::DepartmentId,
    ) -> Result<switchboard_domain::wrap_up::WrapUpSettings, StoreError> {
        crate::wrap_up::settings(self.c, dept).await
    }
}
