//! Failed-login throttling: after a few free failures, each further try of an account (or from a
//! client address) must wait, the wait doubling with every failure up to a ceiling. The right
//! password works again as soon as the wait is over; a success clears the account's count. A
//! client address gets more free failures than an account (many agents share one office
//! address), and its failures are forgotten after a quiet window.

use crate::time::Timestamp;

/// Failures of one account before it must wait.
pub const ACCOUNT_FREE: u32 = 5;
/// Failures from one client address before it must wait.
pub const CLIENT_FREE: u32 = 20;
/// The longest wait, in seconds.
pub const MAX_WAIT_SECS: i64 = 15 * 60;
/// A client's failures are forgotten after this quiet time, in seconds.
pub const CLIENT_WINDOW_SECS: i64 = 15 * 60;

/// The failures counted for one key (an account or a client address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    /// How many in a row.
    pub count: u32,
    /// When the last one happened.
    pub last: Timestamp,
}

/// Seconds to wait after `count` failures when `free` of them cost nothing.
pub fn wait_secs(count: u32, free: u32) -> i64 {
    if count < free {
        return 0;
    }
    let doublings = (count - free).min(20);
    (1i64 << doublings).min(MAX_WAIT_SECS)
}

/// When the key may try again, if it must wait at `now`.
fn blocked_until(f: Option<Failures>, free: u32, now: Timestamp) -> Option<Timestamp> {
    let f = f?;
    let until = f.last.plus_secs(wait_secs(f.count, free));
    (until > now).then_some(until)
}

/// Whether a login may be tried now: `None`, or the time to come back.
pub fn may_try(
    account: Option<Failures>,
    client: Option<Failures>,
    now: Timestamp,
) -> Option<Timestamp> {
    let a = blocked_until(account, ACCOUNT_FREE, now);
    let c = blocked_until(client.filter(|c| !forgotten(c, now)), CLIENT_FREE, now);
    a.max(c)
}

/// Whether a client's failures are old enough to be forgotten.
pub fn forgotten(f: &Failures, now: Timestamp) -> bool {
    f.last.plus_secs(CLIENT_WINDOW_SECS + MAX_WAIT_SECS) <= now
}

/// The count after one more failure at `now` (`forget` drops a stale count first).
pub fn failed(before: Option<Failures>, now: Timestamp, forget: bool) -> Failures {
    let count = match before {
        Some(f) if !(forget && forgotten(&f, now)) => f.count.saturating_add(1),
        _ => 1,
    };
    Failures { count, last: now }
}

/// Whether this failure is the one that locks the account (the first that must wait): the
/// moment recorded as a security event.
pub fn locks_account(after: Failures) -> bool {
    after.count == ACCOUNT_FREE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_millis(s * 1000)
    }

    #[test]
    fn waits_double_after_the_free_failures_up_to_the_ceiling() {
        let table = [
            (0, 0),
            (4, 0),
            (5, 1),
            (6, 2),
            (7, 4),
            (14, 512),
            (15, 900),
            (99, 900),
        ];
        for (count, wait) in table {
            assert_eq!(wait_secs(count, ACCOUNT_FREE), wait, "{count}");
        }
        assert_eq!(wait_secs(19, CLIENT_FREE), 0);
        assert_eq!(wait_secs(20, CLIENT_FREE), 1);
    }

    #[test]
    fn a_locked_account_may_try_again_once_the_wait_is_over() {
        let mut f = None;
        for s in 0..5 {
            assert_eq!(may_try(f, None, at(s)), None);
            f = Some(failed(f, at(s), false));
        }
        let f5 = f.unwrap_or(Failures {
            count: 0,
            last: at(0),
        });
        assert!(locks_account(f5));
        assert_eq!(may_try(f, None, at(4)), Some(at(5)));
        assert_eq!(may_try(f, None, at(5)), None);
        let f6 = failed(f, at(5), false);
        assert!(!locks_account(f6));
        assert_eq!(may_try(Some(f6), None, at(6)), Some(at(7)));
    }

    #[test]
    fn a_client_is_blocked_later_and_forgotten_after_a_quiet_window() {
        let c = Failures {
            count: 25,
            last: at(100),
        };
        assert_eq!(may_try(None, Some(c), at(101)), Some(at(132)));
        let long_after = at(100 + CLIENT_WINDOW_SECS + MAX_WAIT_SECS);
        assert_eq!(failed(Some(c), long_after, true).count, 1);
        assert_eq!(failed(Some(c), long_after, false).count, 26);
    }
}
