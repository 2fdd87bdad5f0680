//! From fetched bytes to stored work, a batch at a time: parse (on the blocking pool: it is CPU
//! work), raw bytes and attachments into the blob store (durable, one round of syncing), then
//! the store's ingest, which threads and routes the whole batch in one write.

use std::sync::Arc;

use bytes::Bytes;

use futures_util::future::join_all;
use switchboard_domain::{
    AliasId, InboundContent, InboundEmail, IngestResult, StoredAttachment, Timestamp,
};
use switchboard_mail::parse::{self, ParsedMail};
use switchboard_store::{BlobStore, Store, StoreError};

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
        headers: p.headers,
    }
}

/// Messages parsed by one blocking task (parsing is CPU work; a batch spreads over the cores).
const PARSE_CHUNK: usize = 16;

/// Parses messages on the blocking pool, a chunk per task; results in order.
async fn parse_all(raws: &[Bytes]) -> Vec<Result<ParsedMail, parse::ParseError>> {
    let tasks = raws.chunks(PARSE_CHUNK).map(|chunk| {
        let chunk = chunk.to_vec();
        let n = chunk.len();
        async move {
            tokio::task::spawn_blocking(move || {
                chunk.iter().map(|b| parse::parse(b)).collect::<Vec<_>>()
            })
            .await
            .unwrap_or_else(|e| {
                (0..n)
                    .map(|_| {
                        Err(parse::ParseError::NotAMessage(format!(
                            "the parser failed: {e}"
                        )))
                    })
                    .collect()
            })
        }
    });
    join_all(tasks).await.into_iter().flatten().collect()
}

/// Takes in a batch: parse every message, store every raw message and attachment in the blob
/// store with one round of syncing, then record them all in one store write. The raw bytes are
/// durable before any record points at them. The result is per message, in order.
pub async fn ingest_batch(
    store: &Store,
    blobs: &Arc<dyn BlobStore>,
    mailbox: AliasId,
    batch: Vec<Fetched>,
) -> Vec<Result<IngestResult, IngestError>> {
    let n = batch.len();
    let (sources, raws): (Vec<String>, Vec<Bytes>) = batch
        .into_iter()
        .map(|f| (f.source_key, Bytes::from(f.raw)))
        .unzip();
    let parsed = parse_all(&raws).await;
    // Every blob of the batch: the raw messages first, then each message's attachments.
    let mut all: Vec<Bytes> = raws.clone();
    let mut parts = Vec::with_capacity(n);
    for p in parsed {
        match p {
            Ok(mut p) => {
                let files = std::mem::take(&mut p.attachments);
                let first = all.len();
                let meta: Vec<_> = files
                    .into_iter()
                    .map(|a| {
                        let size = a.bytes.len() as u64;
                        all.push(Bytes::from(a.bytes));
                        (a.name, a.content_type, size, a.content_id, a.inline)
                    })
                    .collect();
                parts.push(Ok((p, first, meta)));
            }
            Err(e) => parts.push(Err(e.to_string())),
        }
    }
    let keys = match blobs.put_many(all).await {
        Ok(keys) => keys,
        Err(e) => {
            let why = e.to_string();
            return (0..n)
                .map(|_| Err(IngestError::Blob(why.clone())))
                .collect();
        }
    };
    let mails: Vec<InboundEmail> = parts
        .into_iter()
        .zip(sources)
        .enumerate()
        .map(|(i, (part, source_key))| {
            let (content, parse_error) = match part {
                Ok((p, first, meta)) => {
                    let stored = meta
                        .into_iter()
                        .enumerate()
                        .map(|(k, (name, content_type, size, content_id, inline))| {
                            StoredAttachment {
                                name,
                                content_type,
                                size,
                                blob: keys.get(first + k).map(|b| b.as_str().to_string()),
                                content_id,
                                inline,
                            }
                        })
                        .collect();
                    (Some(content(p, stored)), None)
                }
                Err(e) => (None, Some(e)),
            };
            InboundEmail {
                mailbox_alias_id: mailbox,
                source_key,
                raw_blob: keys
                    .get(i)
                    .map(|k| k.as_str().to_string())
                    .unwrap_or_default(),
                raw_size: raws.get(i).map_or(0, |r| r.len() as u64),
                content,
                parse_error,
            }
        })
        .collect();
    store
        .ingest_emails(mails, now())
        .await
        .into_iter()
        .map(|r| r.map_err(IngestError::from))
        .collect()
}
