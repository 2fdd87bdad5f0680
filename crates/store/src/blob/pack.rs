//! Pack files: a batch of blobs written as one file, so a batch costs one file, one sync and one
//! directory entry however many messages and attachments it holds (creating a file per blob is
//! what limits a file system). Packs live in `packs/<first 5 digits>/<name>`; a name is the
//! creation time in milliseconds (12 hex digits, so one directory spans about three days) and
//! a random part. A pack is written to a temporary file, synced and renamed into place, so a
//! crash leaves the whole pack or none of it; nothing refers to a pack before it is in place.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::BlobError;
use super::key::{BlobKey, Location};

/// The directory of all packs, under the store's root.
pub(super) const PACKS: &str = "packs";
/// Leading digits of a pack name that name its directory.
pub(super) const SHARD: usize = 5;

/// A new pack name: creation time, then a random part.
pub(super) fn new_name() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let random = crate::secrets::random_secret();
    format!("{millis:012x}-{}", random.get(..16).unwrap_or(&random))
}

fn dir(root: &Path, name: &str) -> PathBuf {
    root.join(PACKS).join(name.get(..SHARD).unwrap_or(name))
}

/// Where the pack `name` lies relative to the store's root, `/`-separated (also the object's
/// name in an object store).
pub(super) fn relative_path(name: &str) -> String {
    format!("{PACKS}/{}/{name}", name.get(..SHARD).unwrap_or(name))
}

/// The layout of a new pack named `name` holding `blobs` (with their content keys `hashes`):
/// the blobs to write in order (equal blobs once) and every blob's packed key, in order.
pub(super) fn lay_out<'a>(
    name: &str,
    blobs: &'a [Bytes],
    hashes: &[BlobKey],
) -> (Vec<&'a Bytes>, Vec<BlobKey>) {
    let mut placed: HashMap<&str, BlobKey> = HashMap::new();
    let mut parts = Vec::with_capacity(blobs.len());
    let mut keys = Vec::with_capacity(blobs.len());
    let mut offset = 0u64;
    for (bytes, hash) in blobs.iter().zip(hashes) {
        if let Some(key) = placed.get(hash.hash()) {
            keys.push(key.clone());
            continue;
        }
        let len = bytes.len() as u64;
        let key = BlobKey::packed(hash, name, offset, len);
        offset += len;
        placed.insert(hash.hash(), key.clone());
        parts.push(bytes);
        keys.push(key);
    }
    (parts, keys)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `blobs` (with their content keys `hashes`) as one new pack under `root`; returns
/// their packed keys in order. Equal blobs are written once.
pub(super) fn write(
    root: &Path,
    blobs: &[Bytes],
    hashes: &[BlobKey],
) -> std::io::Result<Vec<BlobKey>> {
    let name = new_name();
    let dir = dir(root, &name);
    let packs = root.join(PACKS);
    let new_packs = !packs.try_exists()?;
    let new_dir = !dir.try_exists()?;
    if new_dir {
        std::fs::create_dir_all(&dir)?;
    }
    let tmp = dir.join(format!(".{name}.tmp"));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        let (parts, keys) = lay_out(&name, blobs, hashes);
        for bytes in parts {
            file.write_all(bytes)?;
        }
        file.sync_all()?;
        std::fs::rename(&tmp, dir.join(&name))?;
        sync_dir(&dir)?;
        if new_dir {
            sync_dir(&packs)?;
        }
        if new_packs {
            sync_dir(root)?;
        }
        Ok(keys)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Checks that a blob of `at.len` bytes at `at.offset` fits in a pack of `size` bytes; its
/// length as a `usize` when it does.
pub(super) fn fitting(at: Location<'_>, size: u64) -> Option<usize> {
    let fits = at.offset.checked_add(at.len).is_some_and(|end| end <= size);
    usize::try_from(at.len).ok().filter(|_| fits)
}

/// Reads the blob at `at` from its pack under `root`, checking its hash.
pub(super) fn read(root: &Path, key: &BlobKey, at: Location<'_>) -> Result<Vec<u8>, BlobError> {
    let path = dir(root, at.pack).join(at.pack);
    let mut file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BlobError::NotFound(key.as_str().to_string()));
        }
        Err(e) => return Err(e.into()),
    };
    let size = file.metadata()?.len();
    let Some(len) = fitting(at, size) else {
        return Err(BlobError::Damaged(key.as_str().to_string()));
    };
    file.seek(SeekFrom::Start(at.offset))?;
    let mut bytes = vec![0; len];
    file.read_exact(&mut bytes)?;
    key.check(&bytes)?;
    Ok(bytes)
}
