//! What becomes of a message the outgoing server did not take for now: tried again later, with
//! waits growing up to a ceiling, for as long as its lifetime lasts (5 days by default, as mail
//! servers keep trying), then given up as a delivery exception. A pure decision.

use std::time::Duration;

use switchboard_domain::Timestamp;

use crate::backoff::{delay, jittered};

/// How long and how often to keep trying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait after the first failed attempt; doubles with each attempt.
    pub base: Duration,
    /// Longest wait between two attempts.
    pub max: Duration,
    /// How long after it was queued a message keeps being tried.
    pub lifetime: Duration,
    /// Attempts before giving up regardless of the lifetime; 0: no limit.
    pub max_attempts: u32,
}

/// The decision after a transient failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Try again at this time.
    RetryAt(Timestamp),
    /// Stop trying: why, for the delivery exception.
    GiveUp(String),
}

/// A lifetime in the largest whole unit: `5 days`, `36 hours`, `90 seconds`.
fn span(d: Duration) -> String {
    let s = d.as_secs();
    let (n, unit) = match s {
        _ if s >= 86_400 && s.is_multiple_of(86_400) => (s / 86_400, "day"),
        _ if s >= 3600 && s.is_multiple_of(3600) => (s / 3600, "hour"),
        _ if s >= 60 && s.is_multiple_of(60) => (s / 60, "minute"),
        _ => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// After attempt number `attempts` (1 for the first) of a message queued at `queued_at` failed
/// for now at `now`: when to try again, or to give up. `jitter` in `[0, 1)` spreads retries of
/// many messages; the last retry is made when the lifetime ends, never later.
pub fn after_transient(
    p: &RetryPolicy,
    attempts: u32,
    queued_at: Timestamp,
    now: Timestamp,
    jitter: f64,
) -> Next {
    if p.max_attempts > 0 && attempts >= p.max_attempts {
        return Next::GiveUp(format!("gave up after {attempts} attempts"));
    }
    let end = queued_at.plus(p.lifetime).millis();
    if now.millis() >= end {
        return Next::GiveUp(format!(
            "gave up after {attempts} attempts over {}",
            span(p.lifetime)
        ));
    }
    let wait = jittered(delay(p.base, p.max, attempts.saturating_sub(1)), jitter);
    Next::RetryAt(now.plus(wait).min(Timestamp::from_millis(end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600 * 1000;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_secs(30),
            max: Duration::from_secs(3600),
            lifetime: Duration::from_secs(5 * 24 * 3600),
            max_attempts: 0,
        }
    }

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    #[test]
    fn retries_go_on_for_the_lifetime_not_a_count() {
        let p = policy();
        let q = at(0);
        // The old rule gave up after 10 attempts (about 2.8 hours): now attempt 10, 50 and 120
        // within the 5 days are all retried, an hour apart at most.
        for (attempts, now) in [(10, 3 * H), (50, 50 * H), (120, 119 * H)] {
            match after_transient(&p, attempts, q, at(now), 0.999) {
                Next::RetryAt(t) => {
                    assert!(
                        t.millis() > now && t.millis() <= now + H,
                        "{attempts}: {t:?}"
                    )
                }
                other => panic!("attempt {attempts} at {now}: {other:?}"),
            }
        }
    }

    #[test]
    fn waits_grow_from_the_base_to_the_ceiling() {
        let p = policy();
        let wait = |n| match after_transient(&p, n, at(0), at(0), 0.999_999) {
            Next::RetryAt(t) => t.millis(),
            other => panic!("{other:?}"),
        };
        assert!((wait(1) - 30_000).abs() < 10);
        assert!((wait(2) - 60_000).abs() < 10);
        assert!((wait(20) - H).abs() < 10);
        assert!(wait(3) >= wait(2));
    }

    #[test]
    fn the_last_retry_is_at_the_end_of_the_lifetime_then_it_gives_up() {
        let p = policy();
        let end = 5 * 24 * H;
        assert_eq!(
            after_transient(&p, 100, at(0), at(end - 1000), 0.999),
            Next::RetryAt(at(end))
        );
        assert!(matches!(
            after_transient(&p, 101, at(0), at(end), 0.0),
            Next::GiveUp(why) if why == "gave up after 101 attempts over 5 days"
        ));
    }

    #[test]
    fn lifetimes_read_in_whole_units() {
        let cases = [
            (432_000, "5 days"),
            (3600, "1 hour"),
            (5400, "90 minutes"),
            (3, "3 seconds"),
        ];
        for (secs, want) in cases {
            assert_eq!(span(Duration::from_secs(secs)), want);
        }
    }

    #[test]
    fn an_attempt_limit_still_applies_when_set() {
        let p = RetryPolicy {
            max_attempts: 3,
            ..policy()
        };
        assert!(matches!(
            after_transient(&p, 2, at(0), at(0), 0.5),
            Next::RetryAt(_)
        ));
        assert_eq!(
            after_transient(&p, 3, at(0), at(0), 0.5),
            Next::GiveUp("gave up after 3 attempts".into())
        );
    }
}
