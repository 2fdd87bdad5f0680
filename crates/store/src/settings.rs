//! Department settings read by more than one use case: the email hygiene settings and standard
//! parts (read by ingest, composition, the knowledge base and the API).

use sqlx::AnyConnection;
use switchboard_domain::{DepartmentId, EmailSettings};

use crate::error::StoreError;

/// The department's email settings (defaults when never set).
pub(crate) async fn email_settings(
    c: &mut AnyConnection,
    dept: DepartmentId,
) -> Result<EmailSettings, StoreError> {
    let row = sqlx::query("SELECT settings FROM email_settings WHERE department_id = $1")
        .bind(dept.0)
        .fetch_optional(&mut *c)
        .await?;
    match row {
        Some(r) => crate::sql::json(&r, "settings"),
        None => Ok(EmailSettings::default()),
    }
}
