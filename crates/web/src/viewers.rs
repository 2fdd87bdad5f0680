//! Who has an activity open, and who is typing in it, in this process: each open activity page
//! says so every few seconds (`POST /activities/{id}/viewers`) and reads who else is there, so
//! two people never work one activity unawares. Entries older than [`STALE`] are gone; the map is
//! bounded. (Across several servers this needs the cluster's bus.)

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use switchboard_domain::{ActivityId, UserId};
use utoipa::ToSchema;

/// A page that has not spoken for this long is closed.
pub const STALE: Duration = Duration::from_secs(20);
/// Most activities followed at once.
const MAX_ACTIVITIES: usize = 50_000;

/// Someone on an activity's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Viewer {
    /// Who.
    pub user_id: UserId,
    /// Their name.
    pub name: String,
    /// Whether they are typing (a reply, a chat message or a note).
    pub typing: bool,
}

struct Seen {
    name: String,
    typing: bool,
    at: Instant,
}

/// The open activity pages.
#[derive(Default)]
pub struct Viewers {
    map: Mutex<HashMap<ActivityId, HashMap<UserId, Seen>>>,
}

impl Viewers {
    /// Records that `user` has `activity` open (typing or not) at `now`, and answers who else
    /// does.
    pub fn seen(
        &self,
        activity: ActivityId,
        user: UserId,
        name: &str,
        typing: bool,
        now: Instant,
    ) -> Vec<Viewer> {
        let Ok(mut map) = self.map.lock() else {
            return Vec::new();
        };
        if map.len() >= MAX_ACTIVITIES && !map.contains_key(&activity) {
            map.retain(|_, v| {
                v.retain(|_, s| now.duration_since(s.at) < STALE);
                !v.is_empty()
            });
        }
        let here = map.entry(activity).or_default();
        here.retain(|_, s| now.duration_since(s.at) < STALE);
        here.insert(
            user,
            Seen {
                name: name.to_string(),
                typing,
                at: now,
            },
        );
        let mut others: Vec<Viewer> = here
            .iter()
            .filter(|(u, _)| **u != user)
            .map(|(u, s)| Viewer {
                user_id: *u,
                name: s.name.clone(),
                typing: s.typing,
            })
            .collect();
        others.sort_by_key(|v| v.user_id);
        others
    }

    /// `user` left `activity`'s page.
    pub fn left(&self, activity: ActivityId, user: UserId) {
        if let Ok(mut map) = self.map.lock()
            && let Some(here) = map.get_mut(&activity)
        {
            here.remove(&user);
            if here.is_empty() {
                map.remove(&activity);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn others_are_seen_until_they_go_quiet() {
        let v = Viewers::default();
        let t0 = Instant::now();
        let a = ActivityId(1);
        assert!(v.seen(a, UserId(1), "Ann", false, t0).is_empty());
        let seen = v.seen(a, UserId(2), "Bob", true, t0 + Duration::from_secs(1));
        assert_eq!(
            seen,
            vec![Viewer {
                user_id: UserId(1),
                name: "Ann".into(),
                typing: false
            }]
        );
        let later = t0 + STALE + Duration::from_secs(2);
        let seen = v.seen(a, UserId(2), "Bob", false, later);
        assert!(seen.is_empty(), "Ann went quiet: {seen:?}");
        v.seen(a, UserId(1), "Ann", true, later);
        v.left(a, UserId(1));
        assert!(v.seen(a, UserId(2), "Bob", false, later).is_empty());
    }
}
