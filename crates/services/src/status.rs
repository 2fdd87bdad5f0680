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
