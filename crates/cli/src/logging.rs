//! Logs: human-readable on stderr, JSON in a size-rotated file in the data directory, one
//! filter for both that administrators change at run time (per service: `switchboard_store=debug`),
//! optionally for a while, after which the configured filter comes back by itself.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

/// A log file that rotates by size: `name.log` → `name.log.1` → … → `name.log.N` (dropped).
#[derive(Clone)]
pub struct RotatingFile {
    inner: Arc<Mutex<RotInner>>,
}

struct RotInner {
    path: PathBuf,
    file: File,
    size: u64,
    max_bytes: u64,
    max_files: u32,
}

impl RotatingFile {
    /// Opens (appends to) `path`.
    pub fn open(path: &Path, max_bytes: u64, max_files: u32) -> std::io::Result<RotatingFile> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile {
            inner: Arc::new(Mutex::new(RotInner {
                path: path.to_path_buf(),
                file,
                size,
                max_bytes,
                max_files,
            })),
        })
    }
}

impl RotInner {
    fn rotate(&mut self) -> std::io::Result<()> {
        let name = |i: u32| PathBuf::from(format!("{}.{i}", self.path.display()));
        let _ = std::fs::remove_file(name(self.max_files.max(1)));
        for i in (1..self.max_files.max(1)).rev() {
            let _ = std::fs::rename(name(i), name(i + 1));
        }
        std::fs::rename(&self.path, name(1))?;
        self.file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut g = self
            .inner
            .lock()
            .map_err(|_| std::io::Error::other("log file lock poisoned"))?;
        if g.size > 0 && g.size + buf.len() as u64 > g.max_bytes {
            g.rotate()?;
        }
        g.file.write_all(buf)?;
        g.size += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let mut g = self
            .inner
            .lock()
            .map_err(|_| std::io::Error::other("log file lock poisoned"))?;
        g.file.flush()
    }
}

/// Run-time control of the log filter; cheap to clone.
#[derive(Clone)]
pub struct Levels(Arc<Shared>);

struct Shared {
    handle: reload::Handle<EnvFilter, Registry>,
    default: String,
    current: Mutex<String>,
    generation: Arc<AtomicU64>,
}

impl Shared {
    fn apply(&self, directives: &str) -> Result<(), String> {
        let filter = EnvFilter::try_new(directives).map_err(|e| format!("invalid filter: {e}"))?;
        self.handle.reload(filter).map_err(|e| e.to_string())?;
        if let Ok(mut c) = self.current.lock() {
            *c = directives.to_string();
        }
        Ok(())
    }
}

impl switchboard_web::LogControl for Levels {
    fn current(&self) -> String {
        self.0.current.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn set(&self, directives: &str, revert_after: Option<Duration>) -> Result<(), String> {
        self.0.apply(directives)?;
        let generation = self.0.generation.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(after) = revert_after {
            let me = Arc::clone(&self.0);
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                // Only if nobody changed the filter since.
                if me.generation.load(Ordering::SeqCst) == generation {
                    let default = me.default.clone();
                    match me.apply(&default) {
                        Ok(()) => tracing::info!(filter = %default, "log filter reverted"),
                        Err(e) => tracing::warn!(error = %e, "log filter revert failed"),
                    }
                }
            });
        }
        Ok(())
    }
}

/// Whether an event at `level` from `target` could hold a mail server's credentials: the
/// protocol libraries' debug and trace output (see `CREDENTIAL_LOG_TARGETS`), never logged.
fn carries_credentials(target: &str, level: tracing::Level) -> bool {
    level > tracing::Level::INFO
        && switchboard_mail::CREDENTIAL_LOG_TARGETS
            .iter()
            .any(|t| target == *t || target.starts_with(&format!("{t}::")))
}

/// Installs the global subscriber. `file` is the rotating JSON log, if wanted.
pub fn init(level: &str, file: Option<RotatingFile>) -> anyhow::Result<Levels> {
    let filter = EnvFilter::try_new(level)
        .map_err(|e| anyhow::anyhow!("invalid log level {level:?}: {e}"))?;
    let (filter, handle) = reload::Layer::new(filter);
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(true);
    let json = file.map(|f| {
        tracing_subscriber::fmt::layer()
            .json()
            .with_writer(move || f.clone())
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::filter::filter_fn(|meta| {
            !carries_credentials(meta.target(), *meta.level())
        }))
        .with(stderr)
        .with(json)
        .try_init()?;
    Ok(Levels(Arc::new(Shared {
        handle,
        default: level.to_string(),
        current: Mutex::new(level.to_string()),
        generation: Arc::new(AtomicU64::new(0)),
    })))
}

#[cfg(test)]
mod tests {
    #[test]
    fn protocol_traces_never_pass() {
        use tracing::Level;
        assert!(super::carries_credentials(
            "async_imap::imap_stream",
            Level::TRACE
        ));
        assert!(super::carries_credentials(
            "lettre::transport::smtp::client",
            Level::DEBUG
        ));
        assert!(!super::carries_credentials("lettre", Level::INFO));
        assert!(!super::carries_credentials(
            "async_imap_other",
            Level::TRACE
        ));
        assert!(!super::carries_credentials(
            "switchboard_mail::pop3",
            Level::TRACE
        ));
    }

    use super::*;

    #[test]
    fn rotates_by_size_and_keeps_n_files() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("switchboard.log");
        let mut f = RotatingFile::open(&path, 100, 2)?;
        for i in 0..10 {
            f.write_all(format!("line {i:02} {}\n", "x".repeat(40)).as_bytes())?;
        }
        assert!(path.exists());
        assert!(dir.path().join("switchboard.log.1").exists());
        assert!(dir.path().join("switchboard.log.2").exists());
        assert!(!dir.path().join("switchboard.log.3").exists());
        let newest = std::fs::read_to_string(&path)?;
        assert!(newest.contains("line 09"));
        assert!(std::fs::metadata(&path)?.len() <= 100);
        Ok(())
    }
}
