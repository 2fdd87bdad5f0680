//! The blob store: raw messages and attachments, addressed by the SHA-256 of their content. The
//! local directory backend is the default; an S3 backend implements the same trait later.

use std::collections::HashSet;
use std::fs::File;
use std::future::Future;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;

use bytes::Bytes;
use sha2::{Digest, Sha256};

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

/// Where blobs live. A put returns only once the bytes are durable.
pub trait BlobStore: Send + Sync {
    /// Stores many blobs durably, with one round of syncing for all of them; the keys come back
    /// in order. Storing bytes that are already there is a no-op.
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

/// Blobs as files under a directory, `ab/abcd…` (256 directories, so a busy store does not keep
/// creating directories). Each blob is written to a temporary file, fsynced, then renamed into
/// place, and the directory is fsynced: a crash leaves either the whole blob or nothing. A batch
/// syncs its files in parallel and each directory once, so the file system can merge the
/// journal commits.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

/// Most threads syncing one batch's files at once.
const SYNC_THREADS: usize = 8;

impl LocalBlobStore {
    /// A store rooted at `root` (created when missing).
    pub fn new(root: impl Into<PathBuf>) -> LocalBlobStore {
        LocalBlobStore { root: root.into() }
    }

    fn path(&self, key: &BlobKey) -> PathBuf {
        let k = key.as_str();
        self.root.join(&k[0..2]).join(k)
    }

    /// Where the first releases put a blob (`ab/cd/abcd…`); still read.
    fn legacy_path(&self, key: &BlobKey) -> PathBuf {
        let k = key.as_str();
        self.root.join(&k[0..2]).join(&k[2..4]).join(k)
    }
}

/// A blob written to its temporary file, not yet durable or in place.
struct Pending {
    file: File,
    tmp: PathBuf,
    path: PathBuf,
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Syncs every file, spread over a few threads.
fn sync_files(pending: &[Pending]) -> std::io::Result<()> {
    if pending.len() <= 1 {
        return pending.iter().try_for_each(|p| p.file.sync_all());
    }
    let per_thread = pending.len().div_ceil(SYNC_THREADS);
    std::thread::scope(|s| {
        let handles: Vec<_> = pending
            .chunks(per_thread)
            .map(|chunk| s.spawn(move || chunk.iter().try_for_each(|p| p.file.sync_all())))
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|_| Err(std::io::Error::other("a sync thread panicked")))
        })
    })
}

impl LocalBlobStore {
    /// The blocking part of [`BlobStore::put_many`].
    fn put_all(&self, blobs: &[Bytes]) -> std::io::Result<Vec<BlobKey>> {
        let keys: Vec<BlobKey> = blobs.iter().map(|b| BlobKey::of(b)).collect();
        let mut pending: Vec<Pending> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut new_dirs = false;
        let mut dirs: HashSet<PathBuf> = HashSet::new();
        let result = (|| {
            for (key, bytes) in keys.iter().zip(blobs) {
                let path = self.path(key);
                if !seen.insert(key.as_str()) || path.try_exists()? {
                    continue;
                }
                let dir = path
                    .parent()
                    .map_or_else(|| self.root.clone(), Path::to_path_buf);
                if !dirs.contains(&dir) && !dir.try_exists()? {
                    std::fs::create_dir_all(&dir)?;
                    new_dirs = true;
                }
                let tmp = dir.join(format!(
                    ".{}.{}.tmp",
                    key.as_str(),
                    crate::auth::random_secret()
                ));
                let mut file = File::create(&tmp)?;
                pending.push(Pending {
                    file: file.try_clone()?,
                    tmp,
                    path,
                });
                file.write_all(bytes)?;
                dirs.insert(dir);
            }
            sync_files(&pending)?;
            for p in &pending {
                std::fs::rename(&p.tmp, &p.path)?;
            }
            for dir in &dirs {
                sync_dir(dir)?;
            }
            if new_dirs {
                sync_dir(&self.root)?;
            }
            Ok(())
        })();
        if result.is_err() {
            for p in &pending {
                let _ = std::fs::remove_file(&p.tmp);
            }
        }
        result.map(|()| keys)
    }
}

impl BlobStore for LocalBlobStore {
    fn put_many(&self, blobs: Vec<Bytes>) -> BoxFut<'_, Vec<BlobKey>> {
        Box::pin(async move {
            let me = self.clone();
            tokio::task::spawn_blocking(move || me.put_all(&blobs))
                .await
                .map_err(|e| BlobError::Io(std::io::Error::other(e.to_string())))?
                .map_err(BlobError::Io)
        })
    }

    fn get<'a>(&'a self, key: &'a BlobKey) -> BoxFut<'a, Vec<u8>> {
        Box::pin(async move {
            for path in [self.path(key), self.legacy_path(key)] {
                match tokio::fs::read(path).await {
                    Ok(b) => return Ok(b),
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Err(BlobError::NotFound(key.as_str().to_string()))
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

    #[tokio::test]
    async fn a_batch_keeps_order_duplicates_and_leaves_no_temporary_files() -> Result<(), BlobError>
    {
        let dir = tempfile::tempdir()?;
        let store = LocalBlobStore::new(dir.path());
        let blobs: Vec<Bytes> = (0..40)
            .map(|i| Bytes::from(format!("blob {}", i % 30)))
            .collect();
        let keys = store.put_many(blobs.clone()).await?;
        assert_eq!(keys.len(), 40);
        for (k, b) in keys.iter().zip(&blobs) {
            assert_eq!(*k, BlobKey::of(b));
            assert_eq!(store.get(k).await?, b.to_vec());
        }
        assert_eq!(keys[3], keys[33]);
        let mut files = 0;
        for d in std::fs::read_dir(dir.path())? {
            for f in std::fs::read_dir(d?.path())? {
                let name = f?.file_name().to_string_lossy().to_string();
                assert!(!name.ends_with(".tmp"), "left {name}");
                files += 1;
            }
        }
        assert_eq!(files, 30);
        assert!(store.put_many(Vec::new()).await?.is_empty());
        Ok(())
    }

    #[tokio::test]
    async fn reads_blobs_of_the_earlier_layout() -> Result<(), BlobError> {
        let dir = tempfile::tempdir()?;
        let store = LocalBlobStore::new(dir.path());
        let key = BlobKey::of(b"old");
        let old = store.legacy_path(&key);
        if let Some(parent) = old.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&old, b"old")?;
        assert_eq!(store.get(&key).await?, b"old");
        Ok(())
    }
}
