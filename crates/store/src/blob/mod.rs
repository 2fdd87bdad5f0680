//! The blob store: raw messages and attachments. Every blob is named by the SHA-256 of its
//! content; a blob written as part of a batch also carries where it lies in that batch's pack
//! file. The local directory backend is the default; the S3 backend (`s3.rs`) keeps the same
//! layout in a bucket. [`collect_garbage`] removes what no row refers to (see `gc.rs`).

mod gc;
mod inventory;
mod key;
mod local;
mod local_gc;
mod lock;
mod migrate;
mod pack;
mod plan;
mod references;
mod s3;

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use switchboard_domain::Timestamp;

pub use gc::{
    DEFAULT_GRACE, GcError, GcOptions, GcPhase, GcProgress, GcProgressFn, GcSummary, MIN_GRACE,
    collect_garbage,
};
pub use inventory::{FileKind, Removal, StoredFile, Tally};
pub use key::BlobKey;
pub use local::LocalBlobStore;
pub use migrate::{MigrateProgress, MigrateProgressFn, MigrateSummary, migrate};
pub use plan::{Plan, Verdict, cutoff, plan, verdict};
pub use references::ReferencedBlobs;
pub use s3::{S3BlobStore, S3Settings};

/// A blob store error.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// No blob with that key.
    #[error("blob {0} not found")]
    NotFound(String),
    /// The stored bytes do not match the key's hash (or lie outside their pack).
    #[error("blob {0} is damaged")]
    Damaged(String),
    /// The backend failed.
    #[error("blob store: {0}")]
    Io(#[from] std::io::Error),
    /// The backend cannot do this (e.g. collect garbage).
    #[error("the blob store does not support {0}")]
    Unsupported(&'static str),
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = Result<T, BlobError>> + Send + 'a>>;

/// Where blobs live. A put returns only once the bytes are durable.
pub trait BlobStore: Send + Sync {
    /// Stores many blobs durably, with one round of syncing for all of them; the keys come back
    /// in order (equal blobs of one batch get the same key).
    fn put_many(&self, blobs: Vec<Bytes>) -> BoxFut<'_, Vec<BlobKey>>;
    /// Reads a blob.
    fn get<'a>(&'a self, key: &'a BlobKey) -> BoxFut<'a, Vec<u8>>;

    /// Stores one blob durably.
    fn put<'a>(&'a self, bytes: &'a [u8]) -> BoxFut<'a, BlobKey> {
        Box::pin(async move {
            let mut keys = self.put_many(vec![Bytes::copy_from_slice(bytes)]).await?;
            keys.pop()
                .ok_or_else(|| BlobError::Io(std::io::Error::other("the blob store lost a key")))
        })
    }

    /// Checks that blobs can be written now (space, permissions) without keeping anything, for
    /// health checks. Without an implementation: assumed writable.
    fn check_writable(&self) -> BoxFut<'_, ()> {
        Box::pin(async { Ok(()) })
    }

    /// Lists every file (or object) where blobs live, for the garbage collector; `tally` hears
    /// the files and bytes listed so far. Without an implementation: [`BlobError::Unsupported`].
    fn list_files(&self, tally: Tally) -> BoxFut<'_, Vec<StoredFile>> {
        let _ = tally;
        Box::pin(async { Err(BlobError::Unsupported("garbage collection")) })
    }

    /// Removes the garbage the collector chose from a listing: each file only if it is still
    /// what was listed and was last modified before `cutoff` (so one used again since is kept);
    /// `tally` hears the files and bytes removed so far. Without an implementation:
    /// [`BlobError::Unsupported`].
    fn remove_files(
        &self,
        files: Vec<StoredFile>,
        cutoff: Timestamp,
        tally: Tally,
    ) -> BoxFut<'_, Removal> {
        let _ = (files, cutoff, tally);
        Box::pin(async { Err(BlobError::Unsupported("garbage collection")) })
    }
}
