//! Internal notes on cases, oldest first; the domain checked the text and found whom it
//! mentions before they come here.

use sqlx::any::AnyRow;
use switchboard_domain::case_note::CaseNote;
use switchboard_domain::{CaseId, Timestamp, UserId};

use crate::Store;
use crate::error::StoreError;
use crate::sql::{col, json, to_json, ts};

/// Most notes read for one case.
pub const MAX_CASE_NOTES: i64 = 500;

fn from_row(r: &AnyRow) -> Result<CaseNote, StoreError> {
    Ok(CaseNote {
        id: col(r, "id")?,
        case_id: CaseId(col(r, "case_id")?),
        author_id: col::<Option<i64>>(r, "author_user_id")?.map(UserId),
        text: col(r, "text")?,
        mentions: json(r, "mentions")?,
        created_at: ts(r, "at")?,
    })
}

const COLUMNS: &str = "id, case_id, author_user_id, at, text, mentions";

impl Store {
    /// Adds a note to case `case` (not found when there is no such case).
    pub async fn add_case_note(
        &self,
        case: CaseId,
        author: Option<UserId>,
        text: String,
        mentions: Vec<UserId>,
        now: Timestamp,
    ) -> Result<CaseNote, StoreError> {
        let mentions_json = to_json(&mentions)?;
        self.writes(move |c| {
            let (text, mentions_json) = (text.clone(), mentions_json.clone());
            Box::pin(async move {
                let exists = sqlx::query("SELECT id FROM cases WHERE id = $1")
                    .bind(case.0)
                    .fetch_optional(&mut *c)
                    .await?;
                if exists.is_none() {
                    return Err(StoreError::NotFound {
                        entity: "case",
                        id: case.0,
                    });
                }
                let row = sqlx::query(&format!(
                    "INSERT INTO case_notes (case_id, author_user_id, at, text, mentions) \
                         VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
                ))
                .bind(case.0)
                .bind(author.map(|u| u.0))
                .bind(now.millis())
                .bind(&text)
                .bind(&mentions_json)
                .fetch_one(&mut *c)
                .await?;
                from_row(&row)
            })
        })
        .await
    }

    /// The notes of case `case`, oldest first (at most [`MAX_CASE_NOTES`]).
    pub async fn case_notes(&self, case: CaseId) -> Result<Vec<CaseNote>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM case_notes WHERE case_id = $1 ORDER BY id LIMIT $2"
        ))
        .bind(case.0)
        .bind(MAX_CASE_NOTES)
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter().map(from_row).collect()
    }
}
