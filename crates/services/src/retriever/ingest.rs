//! From fetched bytes to stored work, a batch at a time: parse (on the blocking pool: it is CPU
//! work), raw bytes and attachments into the blob store (durable, one round of syncing), then
//! the ingest use case, which threads and routes the whole batch in one write.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use futures_util::future::join_all;
use switchboard_app::App;
use switchboard_domain::{AliasId, InboundEmail, IngestResult, StoredAttachment};
use switchboard_mail::parse::{self, ParsedMail};
use switchboard_store::{BlobStore, StoreError};

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
    /// The blob store failed (its error says so).
    #[error("{0}")]
    Blob(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IngestError {
    /// Whether this message itself failed (it would fail again), rather than a resource every
    /// message needs (disk, blob store, a database that cannot be reached or is full).
    pub fn is_message_specific(&self) -> bool {
        match self {
            IngestError::Blob(_) => false,
            IngestError::Store(e) => !e.is_resource(),
        }
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

/// What became of one fetched message.
pub type Taken = Result<Option<IngestResult>, IngestError>;

/// Takes in a batch: messages this mailbox stored before are skipped before anything is
/// written (`Ok(None)`); the others are parsed, their raw bytes and attachments stored in the
/// blob store with one round of syncing, then recorded in one store write. The raw bytes are
/// durable before any record points at them. A message that fails for its own sake counts a
/// strike in `strikes`; at [`MAX_ATTEMPTS`] it is recorded as an exception with its raw bytes
/// only, so it cannot hold the mailbox. The result is per message, in order.
pub async fn ingest_batch(
    app: &App,
    blobs: &Arc<dyn BlobStore>,
    mailbox: AliasId,
    batch: Vec<Fetched>,
    strikes: &Strikes,
) -> Vec<Taken> {
    let keys: Vec<String> = batch.iter().map(|f| f.source_key.clone()).collect();
    let known = match app.store().known_sources(mailbox, &keys).await {
        Ok(k) => k,
        Err(e) => {
            let why = e.to_string();
            return batch
                .iter()
                .map(|_| Err(IngestError::Store(StoreError::Unavailable(why.clone()))))
                .collect();
        }
    };
    let (old, new): (Vec<_>, Vec<_>) = batch
        .into_iter()
        .enumerate()
        .partition(|(_, f)| known.contains(&f.source_key));
    let (places, new): (Vec<usize>, Vec<Fetched>) = new.into_iter().unzip();
    let mut out: Vec<Option<Taken>> = (0..keys.len()).map(|_| None).collect();
    for (i, _) in old {
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(Ok(None));
        }
    }
    let taken = store_new(app, blobs, mailbox, new, strikes).await;
    for (i, r) in places.into_iter().zip(taken) {
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(r);
        }
    }
    out.into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(IngestError::Blob(
                    "the message was lost in the batch".into(),
                ))
            })
        })
        .collect()
}

/// Parses, stores the blobs of and records messages not stored before.
async fn store_new(
    app: &App,
    blobs: &Arc<dyn BlobStore>,
    mailbox: AliasId,
    batch: Vec<Fetched>,
    strikes: &Strikes,
) -> Vec<Taken> {
    let n = batch.len();
    if n == 0 {
        return Vec::new();
    }
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
                    (Some(p.into_inbound(stored)), None)
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
    let raw: Vec<(String, String, u64)> = mails
        .iter()
        .map(|m| (m.source_key.clone(), m.raw_blob.clone(), m.raw_size))
        .collect();
    let results = app.ingest_emails(mails, now()).await;
    let mut out = Vec::with_capacity(n);
    for ((source_key, raw_blob, raw_size), r) in raw.into_iter().zip(results) {
        let r = match r {
            Ok(done) => {
                strikes.clear(&source_key);
                Ok(Some(done))
            }
            Err(e) => {
                let e = IngestError::from(e);
                let poison = Poison {
                    mailbox,
                    source_key,
                    raw_blob,
                    raw_size,
                };
                strike(app, strikes, poison, e).await
            }
        };
        out.push(r);
    }
    out
}

/// A message that failed, with what is needed to record it without its content.
struct Poison {
    mailbox: AliasId,
    source_key: String,
    raw_blob: String,
    raw_size: u64,
}

/// Counts a failure of one message; at [`MAX_ATTEMPTS`] failures of its own, records it as an
/// exception (its raw bytes and source only: the content that failed is left out, so this
/// cannot fail for the same reason) and gives the mailbox's status a notice naming it.
async fn strike(app: &App, strikes: &Strikes, p: Poison, e: IngestError) -> Taken {
    if !e.is_message_specific() {
        return Err(e);
    }
    let n = strikes.strike(&p.source_key);
    if n < MAX_ATTEMPTS {
        return Err(e);
    }
    let why = format!("not taken in after {n} attempts: {e}");
    let record = InboundEmail {
        mailbox_alias_id: p.mailbox,
        source_key: p.source_key.clone(),
        raw_blob: p.raw_blob,
        raw_size: p.raw_size,
        content: None,
        parse_error: Some(why.chars().take(2000).collect()),
    };
    match app.ingest_email(record, now()).await {
        Ok(done) => {
            tracing::warn!(mailbox = %p.mailbox, source = %p.source_key, error = %e, attempts = n, "message recorded as an exception after failing again and again");
            strikes.clear(&p.source_key);
            strikes.notify(format!(
                "message {} recorded as exception (email {}) after {n} failed attempts: {e}",
                p.source_key, done.email_id
            ));
            Ok(Some(done))
        }
        Err(again) => Err(IngestError::from(again)),
    }
}

/// Failures of one message before it is recorded as an exception without its content.
pub const MAX_ATTEMPTS: u32 = 3;

/// Failed attempts per message of one mailbox (shared by its batches in flight), and the
/// notices of messages recorded as exceptions, for the mailbox's status.
#[derive(Debug, Clone, Default)]
pub struct Strikes {
    inner: Arc<Mutex<StrikesInner>>,
}

#[derive(Debug, Default)]
struct StrikesInner {
    counts: HashMap<String, u32>,
    notices: Vec<String>,
}

impl Strikes {
    fn with<T>(&self, f: impl FnOnce(&mut StrikesInner) -> T) -> Option<T> {
        self.inner.lock().ok().map(|mut g| f(&mut g))
    }

    /// Counts a failure of `source_key`; returns its failures so far.
    fn strike(&self, source_key: &str) -> u32 {
        self.with(|s| {
            let n = s.counts.entry(source_key.to_string()).or_default();
            *n += 1;
            *n
        })
        .unwrap_or(MAX_ATTEMPTS)
    }

    /// Forgets `source_key`'s failures (it was stored).
    fn clear(&self, source_key: &str) {
        self.with(|s| s.counts.remove(source_key));
    }

    fn notify(&self, text: String) {
        self.with(|s| s.notices.push(text));
    }

    /// Notices of messages recorded as exceptions since the last call.
    pub fn take_notices(&self) -> Vec<String> {
        self.with(|s| std::mem::take(&mut s.notices))
            .unwrap_or_default()
    }
}
