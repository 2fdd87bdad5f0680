//! Saved reply drafts: one per activity, written by whoever holds it, removed by the reply that
//! sends it (in the reply's own transaction).

use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::draft::check_attachments;
use switchboard_domain::{
    ActivityId, DraftText, EmailAddress, SavedDraft, StoredAttachment, Timestamp, UserId,
};

use crate::Store;
use crate::error::StoreError;
use crate::sql::{col, json, to_json, ts};
use crate::{activities, outbox};

/// The recipients column.
#[derive(Serialize, Deserialize, Default)]
struct Recipients {
    to: Vec<EmailAddress>,
    cc: Vec<EmailAddress>,
}

fn from_row(r: &AnyRow) -> Result<SavedDraft, StoreError> {
    let people: Recipients = json(r, "recipients")?;
    Ok(SavedDraft {
        activity_id: ActivityId(col(r, "activity_id")?),
        author_id: col::<Option<i64>>(r, "author_id")?.map(UserId),
        text: col(r, "text_body")?,
        html: col(r, "html")?,
        to: people.to,
        cc: people.cc,
        attachments: json(r, "attachments")?,
        version: col(r, "version")?,
        updated_at: ts(r, "updated_at")?,
    })
}

/// The draft of `activity`, if one was saved.
pub(crate) async fn get(
    c: &mut AnyConnection,
    activity: ActivityId,
) -> Result<Option<SavedDraft>, StoreError> {
    sqlx::query("SELECT * FROM reply_drafts WHERE activity_id = $1")
        .bind(activity.0)
        .fetch_optional(&mut *c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Removes the draft of `activity` (the reply that sends it does this).
pub(crate) async fn delete(c: &mut AnyConnection, activity: ActivityId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM reply_drafts WHERE activity_id = $1")
        .bind(activity.0)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Writes `d` over the stored draft (or as the first), bumping the version.
async fn put(
    c: &mut AnyConnection,
    d: &SavedDraft,
    now: Timestamp,
) -> Result<SavedDraft, StoreError> {
    let people = Recipients {
        to: d.to.clone(),
        cc: d.cc.clone(),
    };
    sqlx::query(
        "INSERT INTO reply_drafts (activity_id, author_id, text_body, html, recipients, attachments, version, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7) \
         ON CONFLICT (activity_id) DO UPDATE SET author_id = $2, text_body = $3, html = $4, \
         recipients = $5, attachments = $6, version = reply_drafts.version + 1, updated_at = $7",
    )
    .bind(d.activity_id.0)
    .bind(d.author_id.map(|u| u.0))
    .bind(&d.text)
    .bind(d.html.as_deref())
    .bind(to_json(&people)?)
    .bind(to_json(&d.attachments)?)
    .bind(now.millis())
    .execute(&mut *c)
    .await?;
    get(c, d.activity_id)
        .await?
        .ok_or_else(|| StoreError::Internal("the draft just written is gone".into()))
}

/// An empty draft of `activity`, to fill.
fn blank(activity: ActivityId, now: Timestamp) -> SavedDraft {
    SavedDraft {
        activity_id: activity,
        author_id: None,
        text: String::new(),
        html: None,
        to: vec![],
        cc: vec![],
        attachments: vec![],
        version: 0,
        updated_at: now,
    }
}

/// Changes the draft of `activity` (starting from a blank one) with `change`, in one write.
async fn change<F>(
    s: &Store,
    activity: ActivityId,
    author: Option<UserId>,
    now: Timestamp,
    change: F,
) -> Result<SavedDraft, StoreError>
where
    F: Fn(&mut SavedDraft) -> Result<(), StoreError> + Clone + Send + Sync + 'static,
{
    s.writes(move |c| {
        let change = change.clone();
        Box::pin(async move {
            outbox::answerable(&activities::fetch(&mut *c, activity).await?)?;
            let mut d = get(c, activity)
                .await?
                .unwrap_or_else(|| blank(activity, now));
            change(&mut d)?;
            d.author_id = author;
            put(c, &d, now).await
        })
    })
    .await
}

impl Store {
    /// The saved reply draft of `activity`, if any.
    pub async fn draft(&self, activity: ActivityId) -> Result<Option<SavedDraft>, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        get(&mut c, activity).await
    }

    /// Saves the body and recipients of `activity`'s draft; its files stay as they are.
    pub async fn save_draft(
        &self,
        activity: ActivityId,
        text: DraftText,
        author: Option<UserId>,
        now: Timestamp,
    ) -> Result<SavedDraft, StoreError> {
        change(self, activity, author, now, move |d| {
            d.text.clone_from(&text.text);
            d.html.clone_from(&text.html);
            d.to.clone_from(&text.to);
            d.cc.clone_from(&text.cc);
            Ok(())
        })
        .await
    }

    /// Adds files (already in the blob store) to `activity`'s draft.
    pub async fn add_draft_attachments(
        &self,
        activity: ActivityId,
        files: Vec<StoredAttachment>,
        author: Option<UserId>,
        now: Timestamp,
    ) -> Result<SavedDraft, StoreError> {
        change(self, activity, author, now, move |d| {
            check_attachments(d.attachments.len() + files.len())?;
            d.attachments.extend(files.iter().cloned());
            Ok(())
        })
        .await
    }

    /// Removes file `index` (from 0) of `activity`'s draft.
    pub async fn remove_draft_attachment(
        &self,
        activity: ActivityId,
        index: usize,
        author: Option<UserId>,
        now: Timestamp,
    ) -> Result<SavedDraft, StoreError> {
        change(self, activity, author, now, move |d| {
            if index >= d.attachments.len() {
                return Err(StoreError::NotFound {
                    entity: "draft attachment",
                    id: i64::try_from(index).unwrap_or(i64::MAX),
                });
            }
            d.attachments.remove(index);
            Ok(())
        })
        .await
    }

    /// Throws `activity`'s draft away (nothing happens when there is none).
    pub async fn discard_draft(&self, activity: ActivityId) -> Result<(), StoreError> {
        self.writes(move |c| Box::pin(async move { delete(c, activity).await }))
            .await
    }
}
