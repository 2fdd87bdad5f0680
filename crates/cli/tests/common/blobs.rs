//! Blob store helpers: files made old enough for the collector, and the collector itself run as
//! the `switchboard blobs gc` command on a data directory.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use super::BIN;

/// Every file under `dir`, made two hours old (older than any grace period).
pub fn age_files(dir: &Path) {
    let old = SystemTime::now() - Duration::from_secs(7200);
    for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            age_files(&p);
        } else if let Ok(f) = std::fs::File::options().write(true).open(&p) {
            let _ = f.set_modified(old);
        }
    }
}

/// Runs `switchboard blobs gc` (grace period 60 s) on a data directory, with the server's
/// environment `env` (its database); its standard output.
pub fn gc(data: &Path, env: &[(String, String)], dry_run: bool) -> String {
    let mut cmd = Command::new(BIN);
    cmd.args(["blobs", "gc", "--grace-secs", "60", "--data-dir"])
        .arg(data)
        .envs(env.iter().map(|(k, v)| (k, v)));
    if dry_run {
        cmd.arg("--dry-run");
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Ages every blob file under `data`, collects garbage, and checks that a dry run afterwards
/// finds nothing left to remove; the collector's output. `env`: the server's environment.
pub fn collect_and_check(data: &Path, env: &[(String, String)]) -> String {
    age_files(&data.join("blobs"));
    let swept = gc(data, env, false);
    let again = gc(data, env, true);
    assert!(
        !again.lines().any(|l| l.starts_with("would remove")),
        "no orphan left: {again}"
    );
    swept
}

/// Pack files under `data`'s blob store.
pub fn pack_count(data: &Path) -> usize {
    let mut n = 0;
    let Ok(shards) = std::fs::read_dir(data.join("blobs").join("packs")) else {
        return 0;
    };
    for shard in shards.filter_map(Result::ok) {
        if let Ok(files) = std::fs::read_dir(shard.path()) {
            n += files
                .filter_map(Result::ok)
                .filter(|f| !f.file_name().to_string_lossy().starts_with('.'))
                .count();
        }
    }
    n
}
