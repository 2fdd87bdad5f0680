//! Reports' use cases: [`RollupRunner::step`] folds the next events of the log into the
//! 15-minute interval tables (and now and then keeps the agents' day rollups in the business
//! calendars' zones); [`run`] runs a report over them, [`paged`] one page of its periods.
//!
//! - **Gather**: the cursor, the events after it and what the rollup knows of their activities;
//! - **Decide**: [`switchboard_domain::report::foldable`] (how far the log has no hole that may
//!   still fill) and [`switchboard_domain::report::fold`] per event;
//! - **Apply**: the figures added, the activities' state saved and the cursor moved in one
//!   transaction, only if the cursor is still where the batch began.

pub mod export;
pub mod paged;
pub mod run;
pub mod saved;

pub use run::{ReportError, ReportParams};

use switchboard_domain::Timestamp;
use switchboard_domain::report::{Gap, Rollup, day_zones, fold, foldable};
use switchboard_store::{Backend, StoreError};

use crate::App;

/// How long a hole in the event ids may take to fill on PostgreSQL before it is passed (ms).
pub const GAP_GRACE_MS: i64 = 30_000;

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollupStep {
    /// Events folded in.
    pub folded: usize,
    /// The cursor afterwards.
    pub cursor: i64,
    /// Whether the step read all there was (nothing more to fold now).
    pub caught_up: bool,
}

/// How often the rollup checks which zones it keeps the agents' days in (ms).
pub const ZONES_EVERY_MS: i64 = 300_000;

/// The rollup's fold, remembering a hole in the ids between steps and when it last checked
/// the zones it keeps days in.
#[derive(Debug, Default)]
pub struct RollupRunner {
    gap: Option<Gap>,
    zones_at: Option<i64>,
}

impl RollupRunner {
    /// Folds up to `limit` events after the cursor.
    pub async fn step(
        &mut self,
        app: &App,
        limit: u32,
        now: Timestamp,
    ) -> Result<RollupStep, StoreError> {
        let store = app.store();
        if self
            .zones_at
            .is_none_or(|at| now.millis() - at >= ZONES_EVERY_MS)
        {
            let wanted = day_zones(&store.calendar_zones().await?);
            store.keep_report_zones(wanted, now).await?;
            self.zones_at = Some(now.millis());
        }
        let after = store.rollup_cursor().await?;
        let mut batch = store.rollup_gather(after, limit).await?;
        let read = batch.events.len();
        let grace = match store.backend() {
            Backend::Postgres => GAP_GRACE_MS,
            Backend::Sqlite => 0,
        };
        let ids: Vec<i64> = batch.events.iter().map(|e| e.id.0).collect();
        let (n, gap) = foldable(after, &ids, self.gap, now.millis(), grace);
        self.gap = gap;
        let mut rollup = Rollup::default();
        let mut touched = Vec::new();
        for e in &batch.events[..n] {
            // An event whose activity is gone (deleted meanwhile) is passed.
            if let Some(t) = batch.tracked.get_mut(&e.activity_id) {
                fold(t, e, &mut rollup);
                touched.push(e.activity_id);
            }
        }
        touched.sort_unstable();
        touched.dedup();
        let tracked = touched
            .iter()
            .filter_map(|id| batch.tracked.remove(id))
            .collect();
        let upto = ids
            .get(..n)
            .and_then(<[i64]>::last)
            .copied()
            .unwrap_or(after);
        if n > 0 {
            store
                .rollup_apply(after, upto, rollup, tracked, now)
                .await?;
        }
        Ok(RollupStep {
            folded: n,
            cursor: upto,
            caught_up: read < usize::try_from(limit).unwrap_or(usize::MAX) || n < read,
        })
    }
}
