//! Who holds each chat, as this process last read it (for at most [`FRESH`]): a customer's
//! message tells its holder's list of work, and the holder's socket marks what it showed read,
//! without reading the activity for every message. A transfer is seen within [`FRESH`]; until
//! then a notice may reach the previous holder, whose list merely refreshes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use switchboard_domain::{ActivityId, UserId};
use switchboard_store::{Store, StoreError};

/// How long a holder read is used.
pub const FRESH: Duration = Duration::from_secs(2);
/// Most chats remembered (all are forgotten past it).
const MAX_KEYS: usize = 100_000;

/// The cache (one per server).
#[derive(Default)]
pub struct Holders {
    map: Mutex<HashMap<ActivityId, (Option<UserId>, Instant)>>,
}

impl Holders {
    /// Who holds (or is offered) chat `id` now, read again when the last read is stale.
    pub async fn of(&self, store: &Store, id: ActivityId) -> Result<Option<UserId>, StoreError> {
        let now = Instant::now();
        if let Ok(m) = self.map.lock()
            && let Some((who, at)) = m.get(&id)
            && now.duration_since(*at) < FRESH
        {
            return Ok(*who);
        }
        let who = store.activity(id).await?.assignee_id;
        if let Ok(mut m) = self.map.lock() {
            if m.len() >= MAX_KEYS {
                m.clear();
            }
            m.insert(id, (who, now));
        }
        Ok(who)
    }
}
