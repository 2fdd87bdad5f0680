//! The blob garbage collector service: every interval (the first run a few minutes after the
//! start), removes the blob store's files that no row refers to and that are older than the
//! grace period ([`collect_garbage`]): packs written again after a failed database write, lone
//! blobs of messages fetched again, temporary files of killed writes. The listing and removal
//! run on the blocking pool. It reports under [`NAME`]: state (`waiting`, `running`, `idle`,
//! `backing_off` after a failed run, `unsupported` when the blob store cannot collect,
//! `stopped`), progress while running, and counters (`runs`, `packs_removed`, `loose_removed`,
//! `temp_removed`, `bytes_freed`, `errors`).

use std::sync::Arc;
use std::time::Duration;

use switchboard_store::blob::{GcPhase, GcProgressFn};
use switchboard_store::{BlobError, GcError, GcOptions, GcProgress, GcSummary, collect_garbage};

use crate::status::Registry;
use crate::{MailContext, Shutdown, now, stopped};

/// The service's name in status reports.
pub const NAME: &str = "blob_gc";

/// A suggested interval between two runs: six hours.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(6 * 3600);

/// The wait before the first run (or the interval, when shorter): the start's own work first.
pub const FIRST_RUN_AFTER: Duration = Duration::from_secs(5 * 60);

/// The status line of a run under way.
fn progress_text(p: &GcProgress) -> String {
    match p.phase {
        GcPhase::Listing => format!("listing: {} files", p.scanned),
        GcPhase::ReadingReferences => format!("reading references ({} files)", p.scanned),
        GcPhase::Removing => format!(
            "removing: {}/{} files, {}/{} bytes",
            p.removed, p.candidates, p.freed_bytes, p.candidate_bytes
        ),
        GcPhase::Done => "done".to_string(),
    }
}

fn reporter(status: &Registry) -> GcProgressFn {
    let status = status.clone();
    Arc::new(move |p: &GcProgress| status.progress(NAME, Some(progress_text(p))))
}

/// One run: collects and reports it (state, progress, counters, log).
pub async fn sweep(ctx: &MailContext, grace: Duration) -> Result<GcSummary, GcError> {
    let status = &ctx.status;
    status.state(NAME, "running");
    let options = GcOptions {
        grace,
        ..GcOptions::new(now())
    };
    let result = collect_garbage(ctx.store(), &*ctx.blobs, &options, reporter(status)).await;
    status.progress(NAME, None);
    match &result {
        Ok(s) => {
            status.add(NAME, "runs", 1);
            status.add(NAME, "packs_removed", s.packs_removed);
            status.add(NAME, "loose_removed", s.loose_removed);
            status.add(NAME, "temp_removed", s.temp_removed);
            status.add(NAME, "bytes_freed", s.bytes_freed);
            status.state(NAME, "idle");
            tracing::info!(summary = %s, "blob garbage collected");
            if let Some(e) = &s.first_error {
                tracing::warn!(failed = s.failed, error = %e, "some blob garbage could not be removed");
                status.error(NAME, &format!("{} files not removed: {e}", s.failed), now());
            }
        }
        Err(GcError::Blob(BlobError::Unsupported(_))) => status.state(NAME, "unsupported"),
        Err(e) => {
            tracing::warn!(error = %e, "blob garbage collection failed; retrying next interval");
            status.error(NAME, &e.to_string(), now());
        }
    }
    result
}

/// Collects the blob store's garbage every `interval` (the first time after
/// [`FIRST_RUN_AFTER`] or `interval`, whichever is shorter), keeping files younger than `grace`,
/// until shutdown. Stops early when the blob store cannot collect.
pub async fn run(ctx: MailContext, interval: Duration, grace: Duration, mut shutdown: Shutdown) {
    let status = ctx.status.clone();
    status.state(NAME, "waiting");
    let mut wait = FIRST_RUN_AFTER.min(interval);
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stopped(&mut shutdown) => break,
        }
        wait = interval;
        let outcome = tokio::select! {
            r = sweep(&ctx, grace) => r,
            () = stopped(&mut shutdown) => break,
        };
        if let Err(GcError::Blob(BlobError::Unsupported(what))) = outcome {
            tracing::info!("the blob store does not support {what}: no blob garbage collection");
            return;
        }
    }
    status.progress(NAME, None);
    status.state(NAME, "stopped");
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::SystemTime;

    use bytes::Bytes;
    use switchboard_mail::TlsTrust;
    use switchboard_store::blob::BlobKey;
    use switchboard_store::{BlobStore, LocalBlobStore, Store, StoreOptions};

    use super::*;
    use crate::MailSettings;

    /// A directory removed when dropped.
    struct TempDir(PathBuf);

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    async fn context(blobs: Arc<dyn BlobStore>) -> (MailContext, TempDir) {
        let name = format!("sb-blob-gc-{}", switchboard_store::auth::random_secret());
        let dir = TempDir(std::env::temp_dir().join(&name[..30]));
        std::fs::create_dir_all(&dir.0).unwrap();
        let url = format!("sqlite://{}", dir.0.join("sb.db").display());
        let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
        store.migrate(0).await.unwrap();
        let ctx = MailContext {
            app: switchboard_app::App::new(store),
            blobs,
            trust: TlsTrust::new(b"").unwrap(),
            settings: MailSettings::default(),
            status: Registry::default(),
            lease: None,
        };
        (ctx, dir)
    }

    /// Waits (at most ten seconds) until the status of the service satisfies `done`.
    async fn until(status: &Registry, done: impl Fn(&crate::status::ServiceStatus) -> bool) {
        for _ in 0..1000 {
            if status.snapshot().get(NAME).is_some_and(&done) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("status never reached: {:?}", status.snapshot().get(NAME));
    }

    #[tokio::test]
    async fn sweeps_every_interval_and_reports() {
        let (mut ctx, dir) = context(Arc::new(LocalBlobStore::new("/nonexistent"))).await;
        let root = dir.0.join("blobs");
        ctx.blobs = Arc::new(LocalBlobStore::new(&root));
        // A temporary file of a killed pack write, long ago.
        let shard = root.join("packs").join("0193a");
        std::fs::create_dir_all(&shard).unwrap();
        let tmp = shard.join(".0193a0b1c2d3e-0f.tmp");
        std::fs::write(&tmp, b"half a pack").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&tmp)
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(7200))
            .unwrap();
        // A lone blob just written: its row may be on its way.
        let key = ctx.blobs.put(b"young").await.unwrap();
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let status = ctx.status.clone();
        let task = tokio::spawn(run(
            ctx.clone(),
            Duration::from_millis(20),
            Duration::from_secs(3600),
            shutdown,
        ));
        until(&status, |s| s.counters.get("runs") >= Some(&2)).await;
        let s = status.snapshot().remove(NAME).unwrap();
        assert_eq!(s.counters.get("temp_removed"), Some(&1));
        assert_eq!(s.counters.get("bytes_freed"), Some(&11));
        assert_eq!(s.last_error, None);
        assert!(!tmp.exists());
        assert_eq!(ctx.blobs.get(&key).await.unwrap(), b"young");
        stop.send(true).unwrap();
        task.await.unwrap();
        let s = status.snapshot().remove(NAME).unwrap();
        assert_eq!((s.state.as_str(), s.progress), ("stopped", None));
    }

    /// A blob store that can only put and get.
    struct Minimal;

    impl BlobStore for Minimal {
        fn put_many(
            &self,
            blobs: Vec<Bytes>,
        ) -> std::pin::Pin<Box<dyn Future<Output = Result<Vec<BlobKey>, BlobError>> + Send + '_>>
        {
            Box::pin(async move { Ok(blobs.iter().map(|b| BlobKey::of(b)).collect()) })
        }

        fn get<'a>(
            &'a self,
            key: &'a BlobKey,
        ) -> std::pin::Pin<Box<dyn Future<Output = Result<Vec<u8>, BlobError>> + Send + 'a>>
        {
            Box::pin(async move { Err(BlobError::NotFound(key.as_str().to_string())) })
        }
    }

    #[tokio::test]
    async fn a_blob_store_that_cannot_collect_stops_the_service() {
        let (ctx, _dir) = context(Arc::new(Minimal)).await;
        let (_stop, shutdown) = tokio::sync::watch::channel(false);
        let status = ctx.status.clone();
        run(
            ctx,
            Duration::from_millis(5),
            Duration::from_secs(3600),
            shutdown,
        )
        .await;
        let s = status.snapshot().remove(NAME).unwrap();
        assert_eq!(s.state, "unsupported");
        assert_eq!(s.last_error, None);
    }
}
