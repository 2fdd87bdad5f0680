//! Department settings read by more than one use case: the email hygiene settings and standard
//! parts (read by ingest, composition, the knowledge base and the API); and the one way every
//! department settings document (a JSON `settings` per department in its own table) is read
//! and replaced.

use sqlx::AnyConnection;
use switchboard_domain::{DepartmentId, EmailSettings};

use crate::error::StoreError;

/// The department's email settings (defaults when never set).
pub(crate) async fn email_settings(
    c: &mut AnyConnection,
    dept: DepartmentId,
) -> Result<EmailSettings, StoreError> {
    department_doc(c, "email_settings", dept).await
}

/// A department's settings document kept in `table` (`department_id`, `settings` as JSON); the
/// defaults when never set.
pub(crate) async fn department_doc<T: serde::de::DeserializeOwned + Default>(
    c: &mut AnyConnection,
    table: &'static str,
    dept: DepartmentId,
) -> Result<T, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT settings FROM {table} WHERE department_id = $1"
    ))
    .bind(dept.0)
    .fetch_optional(&mut *c)
    .await?;
    match row {
        Some(r) => crate::sql::json(&r, "settings"),
        None => Ok(T::default()),
    }
}

/// Replaces a department's settings document in `table` (the department must exist).
pub(crate) async fn set_department_doc(
    c: &mut AnyConnection,
    table: &'static str,
    dept: DepartmentId,
    settings: &str,
) -> Result<(), StoreError> {
    crate::departments::fetch(&mut *c, dept).await?;
    sqlx::query(&format!(
        "INSERT INTO {table} (department_id, settings) VALUES ($1, $2) \
         ON CONFLICT (department_id) DO UPDATE SET settings = excluded.settings"
    ))
    .bind(dept.0)
    .bind(settings)
    .execute(&mut *c)
    .await?;
    Ok(())
}
