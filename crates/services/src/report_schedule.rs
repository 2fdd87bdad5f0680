//! The report scheduler, one per cluster (under its lease): every `tick` it runs the saved
//! reports whose schedule is due ([`switchboard_app::App::run_due_reports`]) and mails their
//! files through the outbox, and marks runs a stopped process left unfinished (still running
//! ten minutes after they began) as failed. It reports under [`NAME`]: `runs` made, and errors.

use std::sync::Arc;
use std::time::Duration;

use switchboard_app::App;
use switchboard_app::reports::ReportError;
use switchboard_domain::Timestamp;
use switchboard_store::StoreError;
use switchboard_store::blob::BlobStore;

use crate::status::Registry;
use crate::{Shutdown, now, stopped};

/// The service's name in status reports and its lease.
pub const NAME: &str = "report_schedule";

/// Due reports run per tick (the rest wait for the next one).
const BATCH: u32 = 20;

/// A run still "running" this long after it started was left by a stopped process.
const INTERRUPTED_AFTER_MS: i64 = 10 * 60_000;

/// Runs due reports until shutdown, looking every `tick`.
pub async fn run(
    app: App,
    blobs: Arc<dyn BlobStore>,
    status: Registry,
    tick: Duration,
    mut shutdown: Shutdown,
) {
    status.state(NAME, "running");
    loop {
        let t = now();
        let before = Timestamp::from_millis(t.millis() - INTERRUPTED_AFTER_MS);
        if let Err(e) = app.store().fail_interrupted_report_runs(before, t).await {
            tracing::warn!(error = %e, "could not close interrupted report runs");
        }
        match app.run_due_reports(blobs.as_ref(), now(), BATCH).await {
            Ok(made) => status.add(NAME, "runs", made as u64),
            Err(e) => {
                tracing::warn!(error = %e, "running due reports failed; retrying");
                status.error(NAME, &e.to_string(), now());
                if matches!(e, ReportError::Store(StoreError::Fenced(_))) {
                    break;
                }
            }
        }
        tokio::select! {
            () = tokio::time::sleep(tick) => {}
            () = stopped(&mut shutdown) => break,
        }
    }
    status.state(NAME, "stopped");
}
