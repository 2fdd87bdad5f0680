//! Rate limits of the public chat API in this process: chat starts per client address and entry
//! point, messages per chat and side. The buckets are `domain::chat::limit`'s; this holds them,
//! bounded in number (full buckets are forgotten first).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

use axum::http::StatusCode;
use switchboard_domain::chat::ChatParty;
use switchboard_domain::chat::limit::{Bucket, MESSAGES, Rate, STARTS};
use switchboard_domain::{ActivityId, EntryPointId, Timestamp};

use crate::error::ApiError;

/// Most buckets of one kind kept.
const MAX_KEYS: usize = 100_000;

/// Buckets by key at one rate.
struct Buckets<K> {
    rate: Rate,
    map: Mutex<HashMap<K, Bucket>>,
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    fn new(rate: Rate) -> Self {
        Buckets {
            rate,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn take(&self, key: K, now: Timestamp) -> Result<(), u64> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            let rate = self.rate;
            map.retain(|_, b| !b.is_full(rate, now));
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        map.entry(key)
            .or_insert_with(|| Bucket::full(self.rate, now))
            .take(self.rate, now)
    }
}

/// The chat API's limits.
pub struct ChatLimits {
    starts: Buckets<(Option<IpAddr>, EntryPointId)>,
    messages: Buckets<(ActivityId, bool)>,
}

impl Default for ChatLimits {
    fn default() -> Self {
        ChatLimits {
            starts: Buckets::new(STARTS),
            messages: Buckets::new(MESSAGES),
        }
    }
}

fn too_many(secs: u64, what: &str) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many {what}; try again in {secs} s"),
    )
    .retry_after(i64::try_from(secs).unwrap_or(i64::MAX))
}

impl ChatLimits {
    /// A chat start from `client` on `ep` at `now`, or 429 with `Retry-After`.
    pub fn start(
        &self,
        client: Option<IpAddr>,
        ep: EntryPointId,
        now: Timestamp,
    ) -> Result<(), ApiError> {
        self.starts
            .take((client, ep), now)
            .map_err(|s| too_many(s, "chats started"))
    }

    /// A message into chat `id` by `party`'s side at `now`, or 429 with `Retry-After`.
    pub fn message(
        &self,
        id: ActivityId,
        party: ChatParty,
        now: Timestamp,
    ) -> Result<(), ApiError> {
        self.messages
            .take((id, party == ChatParty::Customer), now)
            .map_err(|s| too_many(s, "messages"))
    }
}
