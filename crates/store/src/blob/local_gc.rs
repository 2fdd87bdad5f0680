//! The local backend's part in garbage collection: list the files where blobs live, and remove
//! the ones chosen. Only known places are walked (`packs/<shard>/`, `ab/`, `ab/cd/`); only a
//! file whose name and place make it a pack, a lone blob or a temporary file is ever removed,
//! and only when it is still as old as when it was chosen. Symbolic links and anything else
//! are listed as other files and left alone. Emptied directories are left in place (a writer
//! may be about to use them).

use std::fs::Metadata;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use switchboard_domain::Timestamp;

use super::inventory::{FileKind, Removal, StoredFile, Tally};
use super::key::{is_hash, is_pack_name};
use super::lock;
use super::pack::{PACKS, SHARD};

/// Files between two progress reports while listing.
const TALLY_EVERY: u64 = 1000;
/// Lone blobs removed under one hold of the exclusive lock (stores of lone blobs wait meanwhile).
const LOCK_CHUNK: usize = 256;

/// A temporary file: `.<pack name>.tmp` or `.<hash>.<random>.tmp`.
fn is_temp(name: &str) -> bool {
    name.len() > ".tmp".len() + 1 && name.starts_with('.') && name.ends_with(".tmp")
}

/// A directory of lone blobs: two lower-case hex digits.
fn is_prefix_dir(name: &str) -> bool {
    name.len() == 2
        && name
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// What the file `name` in the directory `dirs` (relative to the root) is.
pub(super) fn classify(dirs: &[&str], name: &str) -> FileKind {
    match dirs {
        [packs, shard] if *packs == PACKS => {
            if is_temp(name) {
                FileKind::Temp
            } else if is_pack_name(name) && name.get(..SHARD) == Some(*shard) {
                FileKind::Pack {
                    name: name.to_string(),
                }
            } else {
                FileKind::Other
            }
        }
        [_] | [_, _] if dirs.iter().all(|d| is_prefix_dir(d)) => {
            if is_temp(name) {
                FileKind::Temp
            } else if is_hash(name) && name.starts_with(&dirs.concat()) {
                FileKind::Loose {
                    hash: name.to_string(),
                }
            } else {
                FileKind::Other
            }
        }
        _ => FileKind::Other,
    }
}

/// When a file was last modified, as a timestamp; `None` when unknown.
fn modified(meta: &Metadata) -> Option<Timestamp> {
    let since = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(since.as_millis())
        .ok()
        .map(Timestamp::from_millis)
}

fn join(root: &Path, dirs: &[&str]) -> PathBuf {
    dirs.iter().fold(root.to_path_buf(), |p, d| p.join(d))
}

/// A directory's entries; none when it is gone.
fn entries(dir: &Path) -> std::io::Result<Vec<std::fs::DirEntry>> {
    match std::fs::read_dir(dir) {
        Ok(it) => it.collect(),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// A listing under way.
struct Walk<'a> {
    root: &'a Path,
    tally: &'a Tally,
    files: Vec<StoredFile>,
    bytes: u64,
}

impl Walk<'_> {
    /// Lists the files of `dirs`; returns the names of its subdirectories.
    fn dir(&mut self, dirs: &[&str]) -> std::io::Result<Vec<String>> {
        let mut subdirs = Vec::new();
        for entry in entries(&join(self.root, dirs))? {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let meta = match entry.metadata() {
                Ok(m) => m,
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if meta.is_dir() {
                subdirs.push(name.into_owned());
                continue;
            }
            let kind = if meta.is_file() && entry.file_name().to_str().is_some() {
                classify(dirs, &name)
            } else {
                FileKind::Other
            };
            let mut path = dirs.join("/");
            path.push('/');
            path.push_str(&name);
            self.files.push(StoredFile {
                path,
                kind,
                bytes: meta.len(),
                modified: modified(&meta),
            });
            self.bytes += meta.len();
            let n = self.files.len() as u64;
            if n.is_multiple_of(TALLY_EVERY) {
                (self.tally)(n, self.bytes);
            }
        }
        Ok(subdirs)
    }
}

/// Every file in the places blobs live under `root` (nothing when `root` is missing).
pub(super) fn list(root: &Path, tally: &Tally) -> std::io::Result<Vec<StoredFile>> {
    let mut walk = Walk {
        root,
        tally,
        files: Vec::new(),
        bytes: 0,
    };
    let mut top: Vec<String> = entries(root)?
        .into_iter()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    top.sort();
    for name in &top {
        if name == PACKS {
            for shard in walk.dir(&[PACKS])? {
                walk.dir(&[PACKS, &shard])?;
            }
        } else if is_prefix_dir(name) {
            for sub in walk.dir(&[name])? {
                if is_prefix_dir(&sub) {
                    walk.dir(&[name, &sub])?;
                }
            }
        }
    }
    tally(walk.files.len() as u64, walk.bytes);
    Ok(walk.files)
}

/// Removes `f` if it still is what was listed and was last modified before `cutoff`.
fn remove_one(root: &Path, f: StoredFile, cutoff: Timestamp, out: &mut Removal) {
    let parts: Vec<&str> = f.path.split('/').collect();
    let Some((name, dirs)) = parts.split_last() else {
        return;
    };
    if f.kind == FileKind::Other || classify(dirs, name) != f.kind {
        out.failed += 1;
        out.first_error
            .get_or_insert_with(|| format!("{} is not a blob store file", f.path));
        return;
    }
    let path = join(root, dirs).join(name);
    let fail = |out: &mut Removal, e: std::io::Error| {
        out.failed += 1;
        out.first_error
            .get_or_insert_with(|| format!("{}: {e}", path.display()));
    };
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            out.skipped += 1;
            return;
        }
        Err(e) => return fail(out, e),
    };
    if !meta.is_file() || modified(&meta).is_none_or(|m| m >= cutoff) {
        out.skipped += 1;
        return;
    }
    match std::fs::remove_file(&path) {
        Ok(()) => out.removed.push(StoredFile {
            bytes: meta.len(),
            ..f
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => out.skipped += 1,
        Err(e) => fail(out, e),
    }
}

/// Removes `files` (as listed by [`list`]) that are still older than `cutoff`; lone blobs under
/// the exclusive lock (none when it cannot be taken). Failures are counted, not returned: the
/// rest goes on.
pub(super) fn remove(
    root: &Path,
    files: Vec<StoredFile>,
    cutoff: Timestamp,
    tally: &Tally,
) -> Removal {
    let mut out = Removal::default();
    let (loose, rest): (Vec<StoredFile>, Vec<StoredFile>) = files
        .into_iter()
        .partition(|f| matches!(f.kind, FileKind::Loose { .. }));
    let report = |out: &Removal| {
        let bytes = out.removed.iter().map(|f| f.bytes).sum();
        tally(out.removed.len() as u64, bytes);
    };
    for f in rest {
        remove_one(root, f, cutoff, &mut out);
    }
    report(&out);
    let mut loose = loose.into_iter().peekable();
    while loose.peek().is_some() {
        let _lock = match lock::exclusive(root) {
            Ok(l) => l,
            Err(e) => {
                let left = loose.count() as u64;
                out.failed += left;
                out.first_error.get_or_insert_with(|| {
                    format!(
                        "{left} lone blobs left: cannot take the lock under {}: {e}",
                        root.display()
                    )
                });
                break;
            }
        };
        for f in loose.by_ref().take(LOCK_CHUNK) {
            remove_one(root, f, cutoff, &mut out);
        }
        report(&out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::BlobKey;

    fn noop() -> Tally {
        std::sync::Arc::new(|_, _| {})
    }

    #[test]
    fn removes_only_blob_files_still_older_than_the_cutoff() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path().join("blobs");
        let shard = root.join(PACKS).join("0193a");
        std::fs::create_dir_all(&shard)?;
        let outside = dir.path().join("sb.db");
        std::fs::write(&outside, b"the database")?;
        let pack = shard.join("0193a0b1c2d3e-0f");
        std::fs::write(&pack, b"pack")?;
        let listed = list(&root, &noop())?;
        assert_eq!(listed.len(), 1);
        let listed_at = listed[0].modified.map_or(0, Timestamp::millis);
        // Changed since it was listed: modified at or after the cut-off.
        let early = Timestamp::from_millis(listed_at);
        let out = remove(&root, listed.clone(), early, &noop());
        assert_eq!((out.removed.len(), out.skipped), (0, 1));
        // A path that is no blob file of the kind claimed is refused.
        let forged = StoredFile {
            path: "../sb.db".into(),
            kind: FileKind::Pack {
                name: "0193a0b1c2d3e-0f".into(),
            },
            bytes: 12,
            modified: Some(Timestamp::from_millis(0)),
        };
        let late = Timestamp::from_millis(listed_at + 1);
        let out = remove(&root, vec![forged, listed[0].clone()], late, &noop());
        assert_eq!((out.removed, out.failed), (listed, 1));
        assert!(
            out.first_error
                .is_some_and(|e| e.contains("not a blob store file"))
        );
        assert!(outside.exists() && !pack.exists());
        Ok(())
    }

    #[test]
    fn only_known_names_in_known_places_are_blob_files() {
        let h = BlobKey::of(b"x").hash().to_string();
        let (ab, cd) = (&h[0..2], &h[2..4]);
        let pack = "0193a0b1c2d3e-0f1e2d3c4b5a6978";
        let loose = FileKind::Loose { hash: h.clone() };
        let packed = FileKind::Pack {
            name: pack.to_string(),
        };
        let tmp_loose = format!(".{h}.{}.tmp", "ab12");
        let cases: Vec<(Vec<&str>, &str, FileKind)> = vec![
            (vec!["packs", "0193a"], pack, packed),
            (
                vec!["packs", "0193a"],
                ".0193a0b1c2d3e-0f1e2d3c4b5a6978.tmp",
                FileKind::Temp,
            ),
            (vec!["packs", "0193b"], pack, FileKind::Other),
            (vec!["packs", "0193a"], "0193A-X", FileKind::Other),
            (vec!["packs", "0193a"], ".tmp", FileKind::Other),
            (vec!["packs"], pack, FileKind::Other),
            (vec![ab], &h, loose.clone()),
            (vec![ab, cd], &h, loose),
            (vec![ab], &tmp_loose, FileKind::Temp),
            (vec!["zz"], &h, FileKind::Other),
            (vec![cd], &h, FileKind::Other),
            (vec![ab, "zz"], &h, FileKind::Other),
            (vec![ab], "notes.txt", FileKind::Other),
            (vec![ab], &h[..63], FileKind::Other),
            (vec![], "sb.db", FileKind::Other),
            (vec!["other", ab], &h, FileKind::Other),
        ];
        for (dirs, name, kind) in cases {
            assert_eq!(classify(&dirs, name), kind, "{dirs:?}/{name}");
        }
    }
}
