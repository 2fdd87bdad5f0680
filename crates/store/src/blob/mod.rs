//! The blob store: raw messages and attachments. Every blob is named by the SHA-256 of its
//! content; a blob written as part of a batch also carries where it lies in that batch's pack
//! file. The local directory backend is the default; an S3 backend implements the same trait
//! later.

mod key;
mod local;
mod pack;

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

pub use key::BlobKey;
pub use local::LocalBlobStore;

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
}
