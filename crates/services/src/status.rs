//! Service health: each service (and each alias worker) reports its state, last error and
//! counters here; the system API shows them, and logs and metrics carry the same facts.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

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
            *s.counters.entry("errors".into()).or_default() += 1;
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
            *s.counters.entry(counter.to_string()).or_default() += 1;
        });
    }

    /// Records which node runs a singleton service now (`None`: none known).
    pub fn holder(&self, name: &str, node: Option<&str>) {
        self.with(name, |s| s.node = node.map(str::to_string));
    }

    /// Adds to a counter.
    pub fn add(&self, name: &str, counter: &str, n: u64) {
        self.with(name, |s| {
            *s.counters.entry(counter.to_string()).or_default() += n
        });
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
        self.inner.lock().map(|m| m.clone()).unwrap_or_default()
    }
}
