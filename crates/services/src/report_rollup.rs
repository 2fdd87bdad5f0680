//! The report rollup service, one per cluster (under its lease): folds new events into the
//! 15-minute interval tables as they come ([`switchboard_app::reports::RollupRunner`]), in
//! batches while it is behind, then every `tick`. It reports under [`NAME`]: `folded` events,
//! progress while catching up (the cursor and the newest event), and errors.

use std::time::Duration;

use switchboard_app::App;
use switchboard_app::reports::RollupRunner;
use switchboard_store::StoreError;

use crate::status::Registry;
use crate::{Shutdown, now, stopped};

/// The service's name in status reports and its lease.
pub const NAME: &str = "report_rollup";

/// Events folded per step.
pub const BATCH: u32 = 5_000;

/// Folds until shutdown, waiting `tick` whenever it has caught up.
pub async fn run(app: App, status: Registry, tick: Duration, mut shutdown: Shutdown) {
    status.state(NAME, "running");
    let mut runner = RollupRunner::default();
    loop {
        let pause = match runner.step(&app, BATCH, now()).await {
            Ok(step) => {
                status.add(NAME, "folded", step.folded as u64);
                if step.caught_up {
                    status.progress(NAME, None);
                    tick
                } else {
                    let newest = app.store().last_event_id().await.unwrap_or(step.cursor);
                    status.progress(
                        NAME,
                        Some(format!("catching up: event {} of {newest}", step.cursor)),
                    );
                    Duration::ZERO
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "report rollup step failed; retrying");
                status.error(NAME, &e.to_string(), now());
                if matches!(e, StoreError::Fenced(_)) {
                    break;
                }
                tick.max(Duration::from_secs(2))
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = stopped(&mut shutdown) => break,
        }
    }
    status.state(NAME, "stopped");
}
