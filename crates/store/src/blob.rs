//! The blob store: raw messages and attachments, addressed by the SHA-256 of their content. The
//! local directory backend is the default; an S3 backend implements the same trait later.

use std::future::Future;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// A content address: lower-case hex SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    /// The key of some bytes.
    pub fn of(bytes: &[u8]) -> BlobKey {
        BlobKey(hex::encode(Sha256::digest(bytes)))
    }

    /// Parses a stored key; rejects anything that is not 64 hex digits (so it is path-safe).
    pub fn parse(s: &str) -> Option<BlobKey> {
        (s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
        .then(|| BlobKey(s.to_string()))
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A blob store error.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// No blob with that key.
    #[error("blob {0} not found")]
    NotFound(String),
    /// The backend failed.
    #[error("blob store: {0}")]
    Io(#[from] std::io::Error),
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = Result<T, BlobError>> + Send + 'a>>;

/// Where blobs live. `put` returns only once the bytes are durable.
pub trait BlobStore: Send + Sync {
    /// Stores bytes durably; storing the same bytes twice is a no-op.
    fn put<'a>(&'a self, bytes: &'a [u8]) -> BoxFut<'a, BlobKey>;
    /// Reads a blob.
    fn get<'a>(&'a self, key: &'a BlobKey) -> BoxFut<'a, Vec<u8>>;
}

/// Blobs as files under a directory: `ab/cd/abcd…`, written to a temporary file, fsynced, then
/// renamed into place, so a crash leaves either the whole blob or nothing.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    /// A store rooted at `root` (created when missing).
    pub fn new(root: impl Into<PathBuf>) -> LocalBlobStore {
        LocalBlobStore { root: root.into() }
    }

    fn path(&self, key: &BlobKey) -> PathBuf {
        let k = key.as_str();
        self.root.join(&k[0..2]).join(&k[2..4]).join(k)
    }
}

async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    tokio::fs::File::open(dir).await?.sync_all().await
}

impl BlobStore for LocalBlobStore {
    fn put<'a>(&'a self, bytes: &'a [u8]) -> BoxFut<'a, BlobKey> {
        Box::pin(async move {
            let key = BlobKey::of(bytes);
            let path = self.path(&key);
            if tokio::fs::try_exists(&path).await? {
                return Ok(key);
            }
            let dir = path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| self.root.clone());
            tokio::fs::create_dir_all(&dir).await?;
            let tmp = dir.join(format!(
                ".{}.{}.tmp",
                key.as_str(),
                crate::auth::random_secret()
            ));
            let mut f = tokio::fs::File::create(&tmp).await?;
            f.write_all(bytes).await?;
            f.sync_all().await?;
            drop(f);
            tokio::fs::rename(&tmp, &path).await?;
            sync_dir(&dir).await?;
            Ok(key)
        })
    }

    fn get<'a>(&'a self, key: &'a BlobKey) -> BoxFut<'a, Vec<u8>> {
        Box::pin(async move {
            match tokio::fs::read(self.path(key)).await {
                Ok(b) => Ok(b),
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    Err(BlobError::NotFound(key.as_str().to_string()))
                }
                Err(e) => Err(e.into()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn content_addressed_and_idempotent() -> Result<(), BlobError> {
        let dir = tempfile::tempdir()?;
        let store = LocalBlobStore::new(dir.path());
        let k1 = store.put(b"hello").await?;
        let k2 = store.put(b"hello").await?;
        assert_eq!(k1, k2);
        assert_eq!(store.get(&k1).await?, b"hello");
        let missing = BlobKey::of(b"nope");
        assert!(matches!(
            store.get(&missing).await,
            Err(BlobError::NotFound(_))
        ));
        assert!(BlobKey::parse("../etc/passwd").is_none());
        assert_eq!(BlobKey::parse(k1.as_str()), Some(k1));
        Ok(())
    }
}
