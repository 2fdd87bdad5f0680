//! Whether an object about to be deleted is still named by another: a queue or calendar by a
//! chat entry point, an entry point by chats and callbacks. Queries only, so the files of the objects import nothing of each other.

use sqlx::AnyConnection;

use crate::error::StoreError;
use crate::sql::col;

/// Refuses (409) when an entry point names queue or calendar `id` (`column` says which).
pub(crate) async fn by_entry_point(
    c: &mut AnyConnection,
    column: &'static str,
    id: i64,
    noun: &str,
) -> Result<(), StoreError> {
    // `column` is one of our own names, never input.
    let sql =
        format!("SELECT id, name FROM chat_entry_points WHERE {column} = $1 ORDER BY id LIMIT 1");
    let r = sqlx::query(&sql).bind(id).fetch_optional(&mut *c).await?;
    match r {
        Some(r) => Err(StoreError::Conflict(format!(
            "the {noun} is used by chat entry point {} ({:?})",
            col::<i64>(&r, "id")?,
            col::<String>(&r, "name")?
        ))),
        None => Ok(()),
    }
}

/// Refuses (409) when chats or callbacks came through entry point `id`: their history names it,
/// so it is deactivated instead.
pub(crate) async fn by_chats(c: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    for (table, what) in [
        ("chats", "chats were started"),
        ("callbacks", "callbacks were asked for"),
    ] {
        let r = sqlx::query(&format!(
            "SELECT activity_id FROM {table} WHERE entry_point_id = $1 LIMIT 1"
        ))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
        if r.is_some() {
            return Err(StoreError::Conflict(format!(
                "{what} from this entry point; deactivate it instead"
            )));
        }
    }
    Ok(())
}
