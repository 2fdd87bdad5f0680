//! The lock between storing a lone blob and collecting garbage, across processes (a server and
//! `switchboard blobs gc` on the same directory). A lone blob is content-addressed: storing one
//! that is already there reuses the file, which may be old and, so far, unreferenced. The store
//! marks the file as just used (its modification time) under the shared lock; the collector
//! looks at a lone blob's age and removes it under the exclusive lock. So a reused file is
//! either seen young (and kept) or gone before the store looks (and written again).

use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;

/// The lock file, under the store's root (outside every directory the collector walks).
const LOCK: &str = ".gc.lock";

/// Opens the lock file, creating it (and the root) when missing. An existing one is opened for
/// reading only: a lock needs no more, and a lock file made by another user (an operator's
/// `blobs gc` run as root) must not stop the server from storing blobs.
fn open(root: &Path) -> std::io::Result<File> {
    let path = root.join(LOCK);
    match File::open(&path) {
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        other => return other,
    }
    std::fs::create_dir_all(root)?;
    File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
}

/// Held while a lone blob is stored (many at once); released when dropped. When the file
/// system cannot lock, the blob is stored without (storing matters more; the collector cannot
/// lock either, so it removes no lone blob).
pub(super) fn shared(root: &Path) -> Option<File> {
    let f = open(root).ok()?;
    f.lock_shared().ok()?;
    Some(f)
}

/// Held while lone blobs are removed (alone); released when dropped.
pub(super) fn exclusive(root: &Path) -> std::io::Result<File> {
    let f = open(root)?;
    f.lock()?;
    Ok(f)
}
