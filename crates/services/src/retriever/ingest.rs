//! From fetched bytes to stored work: raw bytes into the blob store (durable), parse (on the
//! blocking pool: it is CPU work), attachments into the blob store, then the store's ingest,
//! which threads and routes in one transaction. A batch's messages run concurrently so their
//! blob writes and store transactions are grouped.

use std::sync::Arc;

use futures_util::future::join_all;
use switchboard_domain::{
    AliasId, InboundContent, InboundEmail, IngestResult, StoredAttachment, Timestamp,
};
use switchboard_mail::parse::{self, ParsedMail};
use switchboard_store::{BlobKey, BlobStore, Store, StoreError};

use crate::now;

/// One message as fetched from a mailbox.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where it came from (the idempotency key), e.g. `imap:INBOX:17:4711`.
    pub source_key: String,
    /// The raw bytes.
    pub raw: Vec<u8>,
}

/// Why a message could not be taken in (it stays on the server and is fetched again).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The blob store failed.
    #[error("blob store: {0}")]
    Blob(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Maps parsed mail to the domain's inbound content (attachments already stored).
fn content(p: ParsedMail, attachments: Vec<StoredAttachment>) -> InboundContent {
    let c = p.classification;
    InboundContent {
        message_id: p.message_id,
        in_reply_to: p.in_reply_to,
        references: p.references,
        from: p.from.map(Into::into),
        reply_to: p.reply_to.into_iter().map(Into::into).collect(),
        to: p.to.into_iter().map(Into::into).collect(),
        cc: p.cc.into_iter().map(Into::into).collect(),
        original_recipients: p.original_recipients,
        subject: p.subject,
        date: p.date.map(Timestamp::from_millis),
        text: p.text,
        html: p.html,
        kind: c.kind.into(),
        kind_reason: c.reason,
        bounce: c.bounce.map(Into::into),
        attachments,
    }
}

async fn put(blobs: &dyn BlobStore, bytes: &[u8]) -> Result<BlobKey, IngestError> {
    blobs
        .put(bytes)
        .await
        .map_err(|e| IngestError::Blob(e.to_string()))
}

/// Takes in one message: blob first, then parse, then the store.
pub async fn ingest_one(
    store: &Store,
    blobs: &Arc<dyn BlobStore>,
    mailbox: AliasId,
    f: Fetched,
) -> Result<IngestResult, IngestError> {
    let raw = Arc::new(f.raw);
    let raw_key = put(blobs.as_ref(), &raw).await?;
    let bytes = Arc::clone(&raw);
    let parsed = tokio::task::spawn_blocking(move || parse::parse(&bytes))
        .await
        .unwrap_or_else(|e| {
            Err(parse::ParseError::NotAMessage(format!(
                "the parser failed: {e}"
            )))
        });
    let (content, parse_error) = match parsed {
        Ok(mut p) => {
            let mut stored = Vec::with_capacity(p.attachments.len());
            for a in std::mem::take(&mut p.attachments) {
                let key = put(blobs.as_ref(), &a.bytes).await?;
                stored.push(StoredAttachment {
                    name: a.name,
                    content_type: a.content_type,
                    size: a.bytes.len() as u64,
                    blob: Some(key.as_str().to_string()),
                    content_id: a.content_id,
                    inline: a.inline,
                });
            }
            (Some(content(p, stored)), None)
        }
        Err(e) => (None, Some(e.to_string())),
    };
    let mail = InboundEmail {
        mailbox_alias_id: mailbox,
        source_key: f.source_key,
        raw_blob: raw_key.as_str().to_string(),
        raw_size: raw.len() as u64,
        content,
        parse_error,
    };
    Ok(store.ingest_email(mail, now()).await?)
}

/// Takes in a batch concurrently; the result is per message, in order.
pub async fn ingest_batch(
    store: &Store,
    blobs: &Arc<dyn BlobStore>,
    mailbox: AliasId,
    batch: Vec<Fetched>,
) -> Vec<Result<IngestResult, IngestError>> {
    join_all(
        batch
            .into_iter()
            .map(|f| ingest_one(store, blobs, mailbox, f)),
    )
    .await
}
