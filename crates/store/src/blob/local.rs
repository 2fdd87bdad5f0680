//! The local directory backend: a batch of blobs goes into one pack file, a lone blob into its
//! own file named by its hash.

use std::collections::HashSet;
use std::fs::File;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bytes::Bytes;

use switchboard_domain::Timestamp;

use super::{
    BlobError, BlobKey, BlobStore, BoxFut, FileKind, Removal, StoredFile, Tally, local_gc, lock,
    pack,
};

/// Blobs under a directory. A batch of two or more blobs is written as one pack file (see
/// `pack.rs`); a lone blob is a file of its own, `ab/abcd…` (256 directories, so a busy store
/// does not keep creating directories), and storing one that is already there is a no-op. Every
/// file is written to a temporary name, synced, then renamed into place, and its directory is
/// synced: a crash leaves either the whole blob or nothing. Reads check the content's hash.
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
        let k = key.hash();
        self.root.join(&k[0..2]).join(k)
    }

    /// Where the first releases put a blob (`ab/cd/abcd…`); still read.
    fn legacy_path(&self, key: &BlobKey) -> PathBuf {
        let k = key.hash();
        self.root.join(&k[0..2]).join(&k[2..4]).join(k)
    }

    /// The blocking part of [`BlobStore::put_many`].
    fn put_all(&self, blobs: &[Bytes]) -> std::io::Result<Vec<BlobKey>> {
        let hashes: Vec<BlobKey> = blobs.iter().map(|b| BlobKey::of(b)).collect();
        let distinct: HashSet<&str> = hashes.iter().map(BlobKey::hash).collect();
        if distinct.len() > 1 {
            return pack::write(&self.root, blobs, &hashes);
        }
        if let Some((bytes, key)) = blobs.first().zip(hashes.first()) {
            self.put_loose(bytes, key)?;
        }
        Ok(hashes)
    }

    /// Writes one blob as a file of its own, unless it is already there: then the file is
    /// marked as just used, so the garbage collector's grace period protects it until the row
    /// that refers to it is written (see `lock.rs`).
    fn put_loose(&self, bytes: &[u8], key: &BlobKey) -> std::io::Result<()> {
        let _lock = lock::shared(&self.root);
        let path = self.path(key);
        if refresh(&path)? {
            return Ok(());
        }
        let dir = path
            .parent()
            .map_or_else(|| self.root.clone(), Path::to_path_buf);
        let new_dir = !dir.try_exists()?;
        if new_dir {
            std::fs::create_dir_all(&dir)?;
        }
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            key.hash(),
            crate::secrets::random_secret()
        ));
        let result = (|| {
            let mut file = File::create(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            File::open(&dir)?.sync_all()?;
            if new_dir {
                File::open(&self.root)?.sync_all()?;
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// The blocking part of [`BlobStore::get`].
    fn read(&self, key: &BlobKey) -> Result<Vec<u8>, BlobError> {
        if let Some(at) = key.location() {
            return pack::read(&self.root, key, at);
        }
        for path in [self.path(key), self.legacy_path(key)] {
            match std::fs::read(path) {
                Ok(bytes) => {
                    key.check(&bytes)?;
                    return Ok(bytes);
                }
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(BlobError::NotFound(key.as_str().to_string()))
    }
}

impl LocalBlobStore {
    /// The bytes of a file a listing gave, as stored (a migration copies them); only a pack or
    /// a lone blob in its known place is read.
    pub async fn read_file(&self, file: &StoredFile) -> Result<Bytes, BlobError> {
        let parts: Vec<String> = file.path.split('/').map(str::to_string).collect();
        let known = parts.split_last().is_some_and(|(name, dirs)| {
            let dirs: Vec<&str> = dirs.iter().map(String::as_str).collect();
            let kind = local_gc::classify(&dirs, name);
            kind == file.kind && matches!(kind, FileKind::Pack { .. } | FileKind::Loose { .. })
        });
        if !known {
            return Err(BlobError::NotFound(file.path.clone()));
        }
        let path = parts.iter().fold(self.root.clone(), |p, part| p.join(part));
        let read = tokio::task::spawn_blocking(move || std::fs::read(path))
            .await
            .map_err(blocking_error)?;
        match read {
            Ok(bytes) => Ok(Bytes::from(bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                Err(BlobError::NotFound(file.path.clone()))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Sets an existing file's modification time to now; false when there is no such file or it
/// cannot be opened or changed (then the blob is written again, over it).
fn refresh(path: &Path) -> std::io::Result<bool> {
    match File::open(path) {
        Ok(f) => Ok(f.set_modified(SystemTime::now()).is_ok()),
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::PermissionDenied) => {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Bytes the write probe writes: a block, so a full disk refuses it.
const PROBE_BYTES: usize = 4096;

/// Writes a block to a temporary file in `root` and removes it: fails when the file system is
/// full or cannot be written. No sync, so it stays cheap enough for every health check.
fn probe_write(root: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(root)?;
    let path = root.join(format!(".probe.{}.tmp", crate::secrets::random_secret()));
    let written = File::create(&path).and_then(|mut f| f.write_all(&[0u8; PROBE_BYTES]));
    let removed = std::fs::remove_file(&path);
    match (written, removed) {
        (Err(e), _) => Err(e),
        (Ok(()), Err(e)) if e.kind() != ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn blocking_error(e: tokio::task::JoinError) -> BlobError {
    BlobError::Io(std::io::Error::other(e.to_string()))
}

impl BlobStore for LocalBlobStore {
    fn put_many(&self, blobs: Vec<Bytes>) -> BoxFut<'_, Vec<BlobKey>> {
        Box::pin(async move {
            let me = self.clone();
            tokio::task::spawn_blocking(move || me.put_all(&blobs))
                .await
                .map_err(blocking_error)?
                .map_err(BlobError::Io)
        })
    }

    fn get<'a>(&'a self, key: &'a BlobKey) -> BoxFut<'a, Vec<u8>> {
        Box::pin(async move {
            let me = self.clone();
            let key = key.clone();
            tokio::task::spawn_blocking(move || me.read(&key))
                .await
                .map_err(blocking_error)?
        })
    }

    fn check_writable(&self) -> BoxFut<'_, ()> {
        Box::pin(async move {
            let root = self.root.clone();
            tokio::task::spawn_blocking(move || probe_write(&root))
                .await
                .map_err(blocking_error)?
                .map_err(BlobError::Io)
        })
    }

    fn list_files(&self, tally: Tally) -> BoxFut<'_, Vec<StoredFile>> {
        Box::pin(async move {
            let root = self.root.clone();
            tokio::task::spawn_blocking(move || local_gc::list(&root, &tally))
                .await
                .map_err(blocking_error)?
                .map_err(BlobError::Io)
        })
    }

    fn remove_files(
        &self,
        files: Vec<StoredFile>,
        cutoff: Timestamp,
        tally: Tally,
    ) -> BoxFut<'_, Removal> {
        Box::pin(async move {
            let root = self.root.clone();
            tokio::task::spawn_blocking(move || local_gc::remove(&root, files, cutoff, &tally))
                .await
                .map_err(blocking_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `dir`, recursively (but the garbage collector's lock file).
    fn files(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_name() == ".gc.lock" {
                continue;
            }
            if path.is_dir() {
                out.extend(files(&path));
            } else {
                out.push(path);
            }
        }
        out
    }

    #[tokio::test]
    async fn a_lone_blob_is_content_addressed_and_idempotent() -> Result<(), BlobError> {
        let dir = tempfile::tempdir()?;
        let store = LocalBlobStore::new(dir.path());
        let k1 = store.put(b"hello").await?;
        let k2 = store.put(b"hello").await?;
        assert_eq!(k1, k2);
        assert_eq!(k1, BlobKey::of(b"hello"));
        assert_eq!(store.get(&k1).await?, b"hello");
        assert_eq!(files(dir.path()).len(), 1);
        let missing = BlobKey::of(b"nope");
        assert!(matches!(
            store.get(&missing).await,
            Err(BlobError::NotFound(_))
        ));
        Ok(())
    }

    #[tokio::test]
    async fn a_batch_is_one_pack_keeping_order_and_duplicates() -> Result<(), BlobError> {
        let dir = tempfile::tempdir()?;
        let store = LocalBlobStore::new(dir.path());
        let blobs: Vec<Bytes> = (0..40)
            .map(|i| Bytes::from(format!("blob {}", i % 30)))
            .collect();
        let keys = store.put_many(blobs.clone()).await?;
        assert_eq!(keys.len(), 40);
        for (k, b) in keys.iter().zip(&blobs) {
            assert_eq!(k.hash(), BlobKey::of(b).hash());
            assert!(k.location().is_some(), "{k:?} is not packed");
            assert_eq!(BlobKey::parse(k.as_str()).as_ref(), Some(k));
            assert_eq!(store.get(k).await?, b.to_vec());
        }
        assert_eq!(keys[3], keys[33]);
        let written = files(dir.path());
        assert_eq!(written.len(), 1, "{written:?}");
        let size = std::fs::metadata(&written[0])?.len();
        let expected: usize = blobs[..30].iter().map(Bytes::len).sum();
        assert_eq!(size, expected as u64);
        assert!(store.put_many(Vec::new()).await?.is_empty());
        // A second batch is a second pack; the first still reads.
        let more = store
            .put_many(vec![Bytes::from("a"), Bytes::from("b")])
            .await?;
        assert_eq!(files(dir.path()).len(), 2);
        assert_eq!(store.get(&more[1]).await?, b"b");
        assert_eq!(store.get(&keys[0]).await?, b"blob 0");
        Ok(())
    }

    #[tokio::test]
    async fn damage_and_missing_packs_are_reported() -> Result<(), BlobError> {
        let dir = tempfile::tempdir()?;
        let store = LocalBlobStore::new(dir.path());
        let keys = store
            .put_many(vec![Bytes::from("first"), Bytes::from("second")])
            .await?;
        let pack = files(dir.path())
            .pop()
            .ok_or(BlobError::NotFound("pack".into()))?;
        std::fs::write(&pack, b"firsT second")?;
        assert!(matches!(
            store.get(&keys[0]).await,
            Err(BlobError::Damaged(_))
        ));
        // A length beyond the pack's end.
        let h = keys[1].hash();
        let at = keys[1]
            .location()
            .map(|l| l.pack.to_string())
            .unwrap_or_default();
        let long = BlobKey::parse(&format!("{h}:{at}:5:999999"));
        let long = long.ok_or(BlobError::NotFound("key".into()))?;
        assert!(matches!(store.get(&long).await, Err(BlobError::Damaged(_))));
        std::fs::remove_file(&pack)?;
        assert!(matches!(
            store.get(&keys[1]).await,
            Err(BlobError::NotFound(_))
        ));
        // A damaged lone blob.
        let lone = store.put(b"lone").await?;
        std::fs::write(store.path(&lone), b"LONE")?;
        assert!(matches!(store.get(&lone).await, Err(BlobError::Damaged(_))));
        Ok(())
    }

    #[tokio::test]
    async fn storing_a_lone_blob_again_marks_its_file_as_just_used() -> Result<(), BlobError> {
        let dir = tempfile::tempdir()?;
        let store = LocalBlobStore::new(dir.path());
        let key = store.put(b"again").await?;
        let long_ago = SystemTime::now() - std::time::Duration::from_secs(86_400);
        File::open(store.path(&key))?.set_modified(long_ago)?;
        assert_eq!(store.put(b"again").await?, key);
        let modified = std::fs::metadata(store.path(&key))?.modified()?;
        assert!(modified > long_ago + std::time::Duration::from_secs(3600));
        assert_eq!(store.get(&key).await?, b"again");
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
