//! What the retriever remembers per mailbox: the IMAP UID cursor per folder (with its
//! UIDVALIDITY), and which sources (IMAP UIDs, POP3 UIDLs, content hashes) were already stored.
//! The cursor only saves work; idempotency comes from the unique source key of each email.

use std::collections::HashSet;

use switchboard_domain::{AliasId, Timestamp};

use crate::Store;
use crate::error::StoreError;
use crate::sql::col;

/// An IMAP folder's position: the UIDVALIDITY it belongs to and the highest UID stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailCursor {
    /// UIDVALIDITY of the folder when the cursor was written.
    pub uid_validity: u32,
    /// Highest UID stored (all lower ones were handled).
    pub last_uid: u32,
}

impl Store {
    /// The cursor of an alias's IMAP folder.
    pub async fn mail_cursor(
        &self,
        alias: AliasId,
        folder: &str,
    ) -> Result<Option<MailCursor>, StoreError> {
        let r = sqlx::query(
            "SELECT uid_validity, last_uid FROM mail_cursors WHERE alias_id = $1 AND folder = $2",
        )
        .bind(alias.0)
        .bind(folder)
        .fetch_optional(&self.inner.read)
        .await?;
        r.map(|r| {
            Ok(MailCursor {
                uid_validity: u32::try_from(col::<i64>(&r, "uid_validity")?).unwrap_or(0),
                last_uid: u32::try_from(col::<i64>(&r, "last_uid")?).unwrap_or(0),
            })
        })
        .transpose()
    }

    /// Moves an alias's IMAP folder cursor (never backwards within one UIDVALIDITY).
    pub async fn set_mail_cursor(
        &self,
        alias: AliasId,
        folder: &str,
        cursor: MailCursor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let folder = folder.to_string();
        self.writes(move |c| {
                let folder = folder.clone();
                Box::pin(async move {
                    let cur = sqlx::query(
                        "SELECT uid_validity, last_uid FROM mail_cursors WHERE alias_id = $1 AND folder = $2",
                    )
                    .bind(alias.0)
                    .bind(&folder)
                    .fetch_optional(&mut *c)
                    .await?;
                    if let Some(r) = cur {
                        let same = col::<i64>(&r, "uid_validity")? == i64::from(cursor.uid_validity);
                        if same && col::<i64>(&r, "last_uid")? >= i64::from(cursor.last_uid) {
                            return Ok(());
                        }
                        sqlx::query(
                            "UPDATE mail_cursors SET uid_validity = $1, last_uid = $2, updated_at = $3 \
                             WHERE alias_id = $4 AND folder = $5",
                        )
                        .bind(i64::from(cursor.uid_validity))
                        .bind(i64::from(cursor.last_uid))
                        .bind(now.millis())
                        .bind(alias.0)
                        .bind(&folder)
                        .execute(&mut *c)
                        .await?;
                    } else {
                        sqlx::query(
                            "INSERT INTO mail_cursors (alias_id, folder, uid_validity, last_uid, updated_at) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(alias.0)
                        .bind(&folder)
                        .bind(i64::from(cursor.uid_validity))
                        .bind(i64::from(cursor.last_uid))
                        .bind(now.millis())
                        .execute(&mut *c)
                        .await?;
                    }
                    Ok(())
                })
            })
            .await
    }

    /// Which of `keys` (source keys) an alias's mailbox already stored.
    pub async fn known_sources(
        &self,
        alias: AliasId,
        keys: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        self.known(alias, "source_key", keys).await
    }

    /// Which of `hashes` (content hashes of raw messages, [`crate::BlobKey::hash`]) an alias's
    /// mailbox already stored: after a UIDVALIDITY change every UID is new, but the content is
    /// not.
    pub async fn known_raw(
        &self,
        alias: AliasId,
        hashes: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        self.known(alias, "raw_hash", hashes).await
    }

    async fn known(
        &self,
        alias: AliasId,
        column: &str,
        values: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        let mut out = HashSet::new();
        for chunk in values.chunks(500) {
            let sql = format!(
                "SELECT {column} AS v FROM emails WHERE mailbox_alias_id = $1 AND {column} IN ({})",
                crate::sql::placeholders(2, chunk.len())
            );
            let mut q = sqlx::query(&sql).bind(alias.0);
            for v in chunk {
                q = q.bind(v.as_str());
            }
            for r in q.fetch_all(&self.inner.read).await? {
                out.insert(col::<String>(&r, "v")?);
            }
        }
        Ok(out)
    }
}
