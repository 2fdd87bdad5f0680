//! The blob keys the database holds, for the blob store's garbage collector. Keys are kept in
//! five places: `emails.raw_blob` (the raw message), `email_attachments.blob` (each file of an
//! email, both directions), the JSON of `reply_drafts.attachments` (a draft's files, moved to
//! `email_attachments` by the reply that sends them), `chat_messages.file_blob` (a file sent
//! in a chat) and `report_run_files.blob` (a saved report's run's files). A new place must be
//! added here, or the collector removes its blobs.

use futures_util::TryStreamExt;
use sqlx::AnyConnection;

use crate::blob::ReferencedBlobs;
use crate::error::StoreError;
use crate::sql::col;
use crate::{Backend, Store};

/// Reads one text column of every row of `sql` into `refs`, a row at a time (`json`: the column
/// holds JSON with keys inside).
async fn read(
    c: &mut AnyConnection,
    sql: &str,
    json: bool,
    refs: &mut ReferencedBlobs,
) -> Result<(), StoreError> {
    let mut rows = sqlx::query(sql).fetch(&mut *c);
    while let Some(r) = rows.try_next().await? {
        let v: String = col(&r, "k")?;
        if json {
            refs.add_json(&v)
                .map_err(|e| StoreError::Internal(format!("a draft's files: {e}")))?;
        } else {
            refs.add(&v);
        }
    }
    Ok(())
}

impl Store {
    /// Every blob the database refers to: pack names and lone hashes, never whole rows, read as
    /// a stream in one snapshot (one read transaction, repeatable read on PostgreSQL) so a draft's
    /// file moving to its sent email is seen in one place or the other. Refused when the schema
    /// is not the one this build knows (a newer one may keep keys in places not read here).
    pub async fn referenced_blobs(&self) -> Result<ReferencedBlobs, StoreError> {
        let (current, latest) = self.schema_version().await?;
        if current != latest {
            return Err(StoreError::Conflict(format!(
                "the database schema is at version {current}, this build knows {latest}: \
                 blobs are not collected"
            )));
        }
        let mut tx = self.inner.read.begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let mut refs = ReferencedBlobs::default();
        // Drafts first: files move from a draft to its email, never back.
        let queries = [
            ("SELECT attachments AS k FROM reply_drafts", true),
            (
                "SELECT blob AS k FROM email_attachments WHERE blob IS NOT NULL",
                false,
            ),
            (
                "SELECT raw_blob AS k FROM emails WHERE raw_blob IS NOT NULL",
                false,
            ),
            (
                "SELECT file_blob AS k FROM chat_messages WHERE file_blob IS NOT NULL",
                false,
            ),
            ("SELECT blob AS k FROM report_run_files", false),
        ];
        for (sql, json) in queries {
            read(&mut tx, sql, json, &mut refs).await?;
        }
        tx.rollback().await?;
        Ok(refs)
    }
}
