//! Maildir helpers: create, deliver (tmp/ then rename into new/), count and read.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::process::{Owner, chown};

/// Distinguishes messages delivered in the same microsecond.
static DELIVERY_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Creates `dir` with `cur/`, `new/` and `tmp/` (and missing parents), all owned by `owner`.
pub(crate) fn create(dir: &Path, owner: Option<Owner>) {
    for sub in ["cur", "new", "tmp"] {
        let path = dir.join(sub);
        fs::create_dir_all(&path).unwrap_or_else(|err| panic!("create {}: {err}", path.display()));
        chown(&path, owner);
    }
    chown(dir, owner);
}

/// A unique Maildir file name: `<secs>.M<usecs>P<pid>Q<counter>.switchboard-testkit`.
fn unique_name() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let counter = DELIVERY_COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{}.M{:06}P{}Q{counter:09}.switchboard-testkit",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id()
    )
}

/// Delivers `raw` into the Maildir `dir`: written into `tmp/`, owned by `owner`, then renamed
/// into `new/`. Returns the final path.
pub(crate) fn deliver(dir: &Path, raw: &[u8], owner: Option<Owner>) -> PathBuf {
    let name = unique_name();
    let tmp = dir.join("tmp").join(&name);
    let new = dir.join("new").join(&name);
    fs::write(&tmp, raw).unwrap_or_else(|err| panic!("write {}: {err}", tmp.display()));
    chown(&tmp, owner);
    fs::rename(&tmp, &new)
        .unwrap_or_else(|err| panic!("rename {} into new/: {err}", tmp.display()));
    new
}

/// The messages of a Maildir by base name (the part before `:`), in delivery order. `new/` is
/// read before `cur/`, so a message the server moves meanwhile is seen once, in `cur/`.
fn messages(dir: &Path) -> BTreeMap<(u64, String), PathBuf> {
    let mut found = BTreeMap::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let base = name.split(':').next().unwrap_or_default().to_owned();
            let secs = base
                .split('.')
                .next()
                .and_then(|secs| secs.parse().ok())
                .unwrap_or(u64::MAX);
            found.insert((secs, base), entry.path());
        }
    }
    found
}

/// How many messages the Maildir holds (`new/` and `cur/`).
pub(crate) fn count(dir: &Path) -> usize {
    messages(dir).len()
}

/// The raw messages of the Maildir, in delivery order (by file name).
pub(crate) fn read_all(dir: &Path) -> Vec<Vec<u8>> {
    messages(dir)
        .into_iter()
        .filter_map(|((_, base), path)| match fs::read(&path) {
            Ok(raw) => Some(raw),
            // Moved from new/ to cur/ (flags changed) since the listing: look it up again.
            Err(err) if err.kind() == io::ErrorKind::NotFound => find_in_cur(dir, &base),
            Err(err) => panic!("read {}: {err}", path.display()),
        })
        .collect()
}

/// Reads the message with base name `base` from `cur/`, if it is there.
fn find_in_cur(dir: &Path, base: &str) -> Option<Vec<u8>> {
    let prefix = format!("{base}:");
    fs::read_dir(dir.join("cur"))
        .ok()?
        .flatten()
        .find(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .and_then(|entry| fs::read(entry.path()).ok())
}
