//! Back-off for reconnecting to mail servers and retrying sends: exponential, with a ceiling
//! that depends on why the attempt failed, and jitter so that many aliases on one server do not
//! retry in step.

use std::time::Duration;

/// Why an attempt failed, which sets how soon the next one is worth making.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The server could not be reached, did not answer or dropped the connection. It may be
    /// back any second, and one connection attempt is cheap: poll it often (the ceiling is low,
    /// so mail is picked up within seconds of the server's return).
    Unreachable,
    /// The server refused us (login, STARTTLS, certificate): only a change of settings or of
    /// the account helps, and repeated failed logins can get an account locked. Wait long.
    Refused,
    /// Mail was fetched but could not be stored here (disk full, database error): fetching it
    /// again soon would only download it again for nothing.
    Storage,
}

impl Failure {
    /// The first wait and the ceiling for this kind of failure.
    pub fn bounds(self) -> (Duration, Duration) {
        match self {
            Failure::Unreachable => (Duration::from_secs(1), Duration::from_secs(6)),
            Failure::Refused => (Duration::from_secs(30), Duration::from_secs(1800)),
            Failure::Storage => (Duration::from_secs(2), Duration::from_secs(120)),
        }
    }

    /// A short name for status pages and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Unreachable => "unreachable",
            Failure::Refused => "refused",
            Failure::Storage => "storage",
        }
    }
}

/// Back-off state: failures in a row since the last progress.
#[derive(Debug, Clone, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// A back-off with no failures.
    pub fn new() -> Backoff {
        Backoff::default()
    }

    /// Records a failure of kind `why` and returns how long to wait before trying again.
    /// `jitter` in `[0, 1)` (random in production) picks the wait within its upper half, so the
    /// wait still grows with every failure but aliases spread out.
    pub fn fail(&mut self, why: Failure, jitter: f64) -> Duration {
        let (base, max) = why.bounds();
        let d = delay(base, max, self.failures);
        self.failures = self.failures.saturating_add(1);
        jittered(d, jitter)
    }

    /// Records progress (a mailbox drained, a poll done): the next failure waits the least.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// Failures in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// A random jitter in `[0, 1)`.
pub fn random_jitter() -> f64 {
    fastrand::f64()
}

/// `d` scaled into `[d/2, d]` by `jitter` in `[0, 1)`.
pub fn jittered(d: Duration, jitter: f64) -> Duration {
    d.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
}

/// The wait after `failures` earlier failures: `base · 2^failures`, capped at `max`.
pub fn delay(base: Duration, max: Duration, failures: u32) -> Duration {
    base.checked_mul(1u32 << failures.min(20))
        .map_or(max, |d| d.min(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(d: Duration) -> f64 {
        d.as_secs_f64()
    }

    #[test]
    fn doubles_up_to_the_ceiling_and_resets() {
        let base = Duration::from_secs(1);
        let max = Duration::from_secs(10);
        let waits: Vec<u64> = (0..6).map(|n| delay(base, max, n).as_secs()).collect();
        assert_eq!(waits, vec![1, 2, 4, 8, 10, 10]);
        assert_eq!(
            delay(base, Duration::from_secs(60), 99),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn every_kind_of_failure_grows_the_wait_until_progress() {
        for why in [Failure::Unreachable, Failure::Refused, Failure::Storage] {
            let mut b = Backoff::new();
            let waits: Vec<f64> = (0..12).map(|_| secs(b.fail(why, 0.999_999))).collect();
            let (base, max) = why.bounds();
            assert!((waits[0] - secs(base)).abs() < 0.01, "{why:?}: {waits:?}");
            assert!(waits.windows(2).all(|w| w[1] >= w[0]), "{why:?}: {waits:?}");
            assert!((waits[11] - secs(max)).abs() < 0.01, "{why:?}: {waits:?}");
            assert_eq!(b.failures(), 12);
            b.reset();
            assert!((secs(b.fail(why, 0.999_999)) - secs(base)).abs() < 0.01);
        }
    }

    #[test]
    fn an_unreachable_server_is_polled_within_ten_seconds_forever() {
        let mut b = Backoff::new();
        for _ in 0..1000 {
            assert!(b.fail(Failure::Unreachable, 0.999_999) <= Duration::from_secs(8));
        }
    }

    #[test]
    fn jitter_keeps_the_wait_in_its_upper_half() {
        let d = Duration::from_secs(8);
        assert_eq!(jittered(d, 0.0), Duration::from_secs(4));
        assert!(jittered(d, 0.5) > Duration::from_secs(5));
        assert!(jittered(d, 5.0) <= d, "out-of-range jitter is clamped");
        let r = random_jitter();
        assert!((0.0..1.0).contains(&r));
    }
}
