//! The data directory holds customer mail, the database and the key that seals mail server
//! passwords: only the server's own user may read it. Every file the process creates is private
//! (umask 077: files 0600, directories 0700), the data directory is made 0700, and at start the
//! server warns about what an earlier release or an operator left readable by others.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rustix::fs::Mode;

/// Mode bits that give group or others any access.
const SHARED_BITS: u32 = 0o077;

/// From now on, files and directories this process creates are private to its user.
pub fn restrict_new_files() {
    rustix::process::umask(Mode::from_raw_mode(SHARED_BITS));
}

/// Creates `dir` when missing and makes it 0700.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// The data directory's own files and directories (its top level, the logs and the blob
/// store's top directories; not every blob) that group or others may access, with their modes.
pub fn readable_by_others(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut places = vec![dir.to_path_buf()];
    for sub in [dir.to_path_buf(), dir.join("logs")] {
        if let Ok(entries) = std::fs::read_dir(&sub) {
            places.extend(entries.filter_map(Result::ok).map(|e| e.path()));
        }
    }
    places.push(dir.join("blobs").join("packs"));
    places.sort();
    places.dedup();
    places
        .into_iter()
        .filter_map(|p| {
            let mode = std::fs::symlink_metadata(&p).ok()?.permissions().mode() & 0o777;
            (mode & SHARED_BITS != 0).then_some((p, mode))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_files_are_private_and_loose_ones_are_found() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = tmp.path().join("data");
        restrict_new_files();
        private_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("switchboard.db"), b"x").unwrap_or_else(|e| panic!("{e}"));
        let mode = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0)
        };
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("switchboard.db")), 0o600);
        assert!(readable_by_others(&dir).is_empty());
        let loose = dir.join("old.log");
        std::fs::write(&loose, b"x").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(readable_by_others(&dir), vec![(loose, 0o644)]);
    }
}
