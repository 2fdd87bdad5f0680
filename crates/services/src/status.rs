//! Service health: each service (and each alias worker) reports its state, last error and
//! counters here; the system API shows them, and logs and metrics carry the same facts.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use serde::Serialize;
use switchboard_domain::Timestamp;

/// One service's report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServiceStatus {
    /// What it is doing: `starting`, `running`, `idle`, `backing_off`, `stopped`…
    pub state: String,
    /// The last error, if the last attempt failed.
    pub last_error: Option<String>,
    /// When the last error happened.
    pub last_error_at: Option<Timestamp>,
    /// Counters (messages, bytes, failures…).
    pub counters: BTreeMap<String, u64>,
    /// Progress of the current job, e.g. `1200/5000`.
    pub progress: Option<String>,
    /// Failures in a row since the last progress (0 when the last attempt went well).
    pub failures: u32,
    /// What kind of failure the last one was (`unreachable`, `refused`, `storage`…).
    pub failure_kind: Option<String>,
    /// When the next attempt is due, while backing off.
    pub retry_at: Option<Timestamp>,
    /// The last thing an operator should know that is not an error of the service itself, e.g.
    /// a message recorded as an exception after failing again and again; kept until replaced.
    pub notice: Option<String>,
    /// When the notice was given.
    pub notice_at: Option<Timestamp>,
    /// For a singleton service: the node running it now (holding its lease), when known.
    pub node: Option<String>,
    /// Throughput: what each counter grew by in the last minute (filled in by a snapshot).
    pub per_minute: BTreeMap<String, u64>,
    /// The counters' recent growth, in ten-second buckets.
    #[serde(skip)]
    recent: Recent,
}

/// Seconds in one bucket of [`Recent`].
const BUCKET_SECS: u64 = 10;
/// Buckets that make a minute.
const BUCKETS: u64 = 6;

/// The current bucket: ten-second steps since this process first asked.
fn bucket_now() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs() / BUCKET_SECS
}

/// What each counter grew by, per bucket, over the last minute.
#[derive(Debug, Clone, Default, PartialEq)]
struct Recent(BTreeMap<String, VecDeque<(u64, u64)>>);

impl Recent {
    /// Counts `n` for `counter` in bucket `at`, forgetting buckets older than a minute.
    fn add(&mut self, counter: &str, n: u64, at: u64) {
        let q = self.0.entry(counter.to_string()).or_default();
        match q.back_mut() {
            Some((b, c)) if *b == at => *c += n,
            _ => q.push_back((at, n)),
        }
        while q.front().is_some_and(|(b, _)| b + BUCKETS <= at) {
            q.pop_front();
        }
    }

    /// Each counter's growth over the minute up to bucket `at` (counters that did not grow are
    /// left out).
    fn per_minute(&self, at: u64) -> BTreeMap<String, u64> {
        self.0
            .iter()
            .map(|(k, q)| {
                let n = q
                    .iter()
                    .filter(|(b, _)| b + BUCKETS > at)
                    .map(|(_, n)| n)
                    .sum();
                (k.clone(), n)
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

impl ServiceStatus {
    /// Adds `n` to `counter`, and to its last minute's growth.
    fn count(&mut self, counter: &str, n: u64) {
        *self.counters.entry(counter.to_string()).or_default() += n;
        self.recent.add(counter, n, bucket_now());
    }
}

/// A failure as [`Registry::backing_off`] records it.
#[derive(Debug, Clone, Copy)]
pub struct Failed<'a> {
    /// What went wrong.
    pub error: &'a str,
    /// Its kind, e.g. `unreachable`.
    pub kind: &'a str,
    /// When it happened.
    pub at: Timestamp,
    /// Failures in a row, this one included.
    pub failures: u32,
    /// When the next attempt is due.
    pub retry_at: Timestamp,
}

/// All reports, shared by the services and the web layer; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    inner: Arc<Mutex<BTreeMap<String, ServiceStatus>>>,
}

impl Registry {
    fn with(&self, name: &str, f: impl FnOnce(&mut ServiceStatus)) {
        if let Ok(mut map) = self.inner.lock() {
            f(map.entry(name.to_string()).or_default());
        }
    }

    /// Sets a service's state; a state other than `backing_off` clears the last error.
    pub fn state(&self, name: &str, state: &str) {
        self.with(name, |s| {
            if state != "backing_off" {
                s.last_error = None;
                s.retry_at = None;
            }
            s.state = state.to_string();
        });
    }

    /// Records an error.
    pub fn error(&self, name: &str, error: &str, at: Timestamp) {
        self.with(name, |s| {
            s.state = "backing_off".into();
            s.last_error = Some(error.to_string());
            s.last_error_at = Some(at);
            s.count("errors", 1);
        });
    }

    /// Records a failure and the back-off that follows it: `failures` in a row so far, of kind
    /// `kind`, the next attempt at `retry_at`.
    pub fn backing_off(&self, name: &str, failure: Failed<'_>) {
        self.error(name, failure.error, failure.at);
        self.with(name, |s| {
            s.progress = None;
            s.failures = failure.failures;
            s.failure_kind = Some(failure.kind.to_string());
            s.retry_at = Some(failure.retry_at);
        });
    }

    /// Records progress after failures: the back-off starts over.
    pub fn recovered(&self, name: &str) {
        self.with(name, |s| {
            s.failures = 0;
            s.failure_kind = None;
            s.retry_at = None;
        });
    }

    /// Gives an operator notice (kept until the next one) and counts it under `counter`.
    pub fn notice(&self, name: &str, counter: &str, text: &str, at: Timestamp) {
        self.with(name, |s| {
            s.notice = Some(text.to_string());
            s.notice_at = Some(at);
            s.count(counter, 1);
        });
    }

    /// Records which node runs a singleton service now (`None`: none known).
    pub fn holder(&self, name: &str, node: Option<&str>) {
        self.with(name, |s| s.node = node.map(str::to_string));
    }

    /// Adds to a counter.
    pub fn add(&self, name: &str, counter: &str, n: u64) {
        self.with(name, |s| s.count(counter, n));
    }

    /// Sets the progress text (or clears it).
    pub fn progress(&self, name: &str, progress: Option<String>) {
        self.with(name, |s| s.progress = progress);
    }

    /// Forgets a service (an alias that was removed).
    pub fn remove(&self, name: &str) {
        if let Ok(mut map) = self.inner.lock() {
            map.remove(name);
        }
    }

    /// Every report, by name.
    pub fn snapshot(&self) -> BTreeMap<String, ServiceStatus> {
        let now = bucket_now();
        let mut all = self.inner.lock().map(|m| m.clone()).unwrap_or_default();
        for s in all.values_mut() {
            s.per_minute = s.recent.per_minute(now);
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_minute_counts_what_grew_in_its_buckets_only() {
        let mut r = Recent::default();
        r.add("messages", 5, 0);
        r.add("messages", 3, 0);
        r.add("messages", 10, 4);
        r.add("bytes", 100, 5);
        assert_eq!(
            r.per_minute(5),
            BTreeMap::from([("bytes".to_string(), 100), ("messages".to_string(), 18)])
        );
        // A minute after bucket 0, its 8 no longer count; nothing at all later.
        assert_eq!(r.per_minute(6)["messages"], 10);
        assert_eq!(
            r.per_minute(10),
            BTreeMap::from([("bytes".to_string(), 100)])
        );
        assert!(r.per_minute(20).is_empty());
        // Old buckets are forgotten as new ones come.
        r.add("messages", 1, 30);
        assert_eq!(r.0["messages"].len(), 1);
    }

    #[test]
    fn a_snapshot_shows_the_counters_and_their_last_minute() {
        let reg = Registry::default();
        reg.add("dispatcher", "sent", 7);
        reg.error("dispatcher", "refused", Timestamp::from_millis(0));
        let s = &reg.snapshot()["dispatcher"];
        assert_eq!(s.counters["sent"], 7);
        assert_eq!(s.per_minute["sent"], 7);
        assert_eq!(s.per_minute["errors"], 1);
    }
}
