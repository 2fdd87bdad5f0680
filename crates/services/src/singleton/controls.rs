//! The system console's controls as every lease loop on this node sees them: read from the
//! store at start, again whenever any node changes one (the bus carries the change), and every
//! few seconds as a safety net.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use switchboard_domain::service_control::ServiceControl;
use switchboard_store::Store;
use tokio::sync::watch;

use crate::{Shutdown, stopped};

/// How often the controls are read even without a change notice.
const REREAD: Duration = Duration::from_secs(5);

/// The controls, shared by this node's lease loops; cheap to clone. Empty (every service free)
/// until [`Controls::follow`] reads them.
#[derive(Clone)]
pub struct Controls {
    map: Arc<RwLock<HashMap<String, ServiceControl>>>,
    changed: watch::Sender<u64>,
}

impl Default for Controls {
    fn default() -> Self {
        Controls {
            map: Arc::default(),
            changed: watch::channel(0).0,
        }
    }
}

impl Controls {
    /// Service `name`'s control (free when none was set).
    pub fn get(&self, name: &str) -> ServiceControl {
        self.map
            .read()
            .ok()
            .and_then(|m| m.get(name).cloned())
            .unwrap_or_else(|| ServiceControl::free(name))
    }

    /// Fires when the controls were read again.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Reads the controls now.
    pub async fn read(&self, store: &Store) {
        match store.service_controls().await {
            Ok(list) => {
                let fresh: HashMap<String, ServiceControl> =
                    list.into_iter().map(|c| (c.name.clone(), c)).collect();
                let differs = self.map.read().is_ok_and(|m| *m != fresh);
                if differs {
                    if let Ok(mut m) = self.map.write() {
                        *m = fresh;
                    }
                    self.changed.send_modify(|n| *n += 1);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the service controls"),
        }
    }

    /// Keeps the controls read until `shutdown`.
    pub async fn follow(self, store: Store, mut shutdown: Shutdown) {
        let mut notices = store.notify().services();
        loop {
            self.read(&store).await;
            tokio::select! {
                r = notices.changed() => if r.is_err() { return },
                () = tokio::time::sleep(REREAD) => {}
                () = stopped(&mut shutdown) => return,
            }
        }
    }
}
