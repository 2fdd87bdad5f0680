//! The live monitor's feed, one per server: while any supervisor follows the monitor, a task
//! reads the monitor of every department when the router announces a change (a burst read
//! once) and at least every second (waiting work and service levels move without an
//! announcement), compares it with the previous view (`monitor_diff`) and publishes what
//! changed. Each follower shows its own scope's part of a change, so reading and comparing
//! costs once per change however many supervisors watch, and each sends only the rows that
//! changed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, broadcast};

use super::monitor_diff::{Diff, diff};
use super::monitor_rows::{Rows, View, view};
use crate::error::ApiResult;
use crate::state::AppState;

/// How often the monitor is read with nothing announced (a read after an announcement puts
/// the next one off by as much).
const TICK: Duration = Duration::from_secs(1);
/// How long announcements are gathered into one read (a supervisor sees a change within about
/// this long; a burst of changes costs one read).
const GATHER: Duration = Duration::from_millis(250);
/// Changes a slow follower may fall behind before it is sent the whole monitor again.
const BACKLOG: usize = 64;

/// A published change: the newer view and what differs from the one before.
pub(super) struct Change {
    /// The newer view.
    pub view: Arc<View>,
    /// Its number: followers skip changes not newer than the view they last showed.
    pub seq: u64,
    /// What differs.
    pub diff: Diff,
}

/// The current view and its number.
#[derive(Default)]
struct Current {
    view: Option<Arc<View>>,
    seq: u64,
}

/// The feed (see the module's documentation).
pub struct MonitorFeed {
    current: Mutex<Current>,
    changes: broadcast::Sender<Arc<Change>>,
    /// Wakes the task when the first follower comes.
    wake: Notify,
    started: std::sync::Once,
}

impl Default for MonitorFeed {
    fn default() -> MonitorFeed {
        MonitorFeed {
            current: Mutex::default(),
            changes: broadcast::channel(BACKLOG).0,
            wake: Notify::new(),
            started: std::sync::Once::new(),
        }
    }
}

impl MonitorFeed {
    /// The view now with its number, and the changes after it. Starts the feed's task.
    pub(super) async fn follow(
        self: &Arc<Self>,
        s: &AppState,
    ) -> ApiResult<(Arc<View>, u64, broadcast::Receiver<Arc<Change>>)> {
        self.started.call_once(|| {
            tokio::spawn(run(Arc::clone(self), s.clone()));
        });
        let fresh = match self.now() {
            Some(_) => None,
            None => Some(Arc::new(view(s, &mut Rows::default()).await?)),
        };
        let mut current = self.lock();
        if current.view.is_none() {
            current.view = fresh;
        }
        let v = current.view.clone().unwrap_or_default();
        let rx = self.changes.subscribe();
        let seq = current.seq;
        drop(current);
        self.wake.notify_one();
        Ok((v, seq, rx))
    }

    /// The view now with its number (for a follower that fell behind).
    pub(super) fn now(&self) -> Option<(Arc<View>, u64)> {
        let c = self.lock();
        c.view.clone().map(|v| (v, c.seq))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Current> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Makes `v` the current view and publishes what changed, if anything.
    fn publish(&self, v: View) {
        let v = Arc::new(v);
        let mut c = self.lock();
        let d = match &c.view {
            Some(old) => diff(old, &v),
            None => Diff {
                full: true,
                ..Diff::default()
            },
        };
        c.view = Some(Arc::clone(&v));
        if d.is_empty() {
            return;
        }
        c.seq += 1;
        let change = Change {
            view: v,
            seq: c.seq,
            diff: d,
        };
        // Nobody following is fine: the task goes to sleep on its next turn.
        let _ = self.changes.send(Arc::new(change));
    }
}

/// The feed's task: reads while anyone follows, sleeps otherwise, ends with the server.
async fn run(feed: Arc<MonitorFeed>, s: AppState) {
    let mut closing = s.closing();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut notices = None;
    let mut rows = Rows::default();
    loop {
        if feed.changes.receiver_count() == 0 {
            notices = None;
            tokio::select! {
                () = feed.wake.notified() => {},
                () = crate::state::shutting_down(&mut closing) => return,
            }
            continue;
        }
        let announced = notices.get_or_insert_with(|| s.router.as_ref().map(|r| r.subscribe()));
        tokio::select! {
            _ = async {
                match announced.as_mut() {
                    Some(rx) => { let _ = rx.recv().await; }
                    None => std::future::pending::<()>().await,
                }
            } => {
                tokio::time::sleep(GATHER).await;
                if let Some(rx) = announced.as_mut() {
                    while !matches!(rx.try_recv(), Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed)) {}
                }
                // This read shows the time too: the next read for time alone is a tick away.
                tick.reset();
            },
            _ = tick.tick() => {},
            () = crate::state::shutting_down(&mut closing) => return,
        }
        match view(&s, &mut rows).await {
            Ok(v) => feed.publish(v),
            Err(e) => tracing::warn!(error = ?e, "the live monitor cannot read the figures"),
        }
    }
}
