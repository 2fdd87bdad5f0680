//! Exponential back-off with a ceiling, for reconnecting to mail servers and retrying sends.

use std::time::Duration;

/// Back-off state: doubles on each failure from `base` up to `max`, resets on success.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    /// A back-off starting at `base`, never above `max`.
    pub fn new(base: Duration, max: Duration) -> Backoff {
        Backoff {
            base,
            max,
            failures: 0,
        }
    }

    /// Records a failure and returns how long to wait before trying again.
    pub fn fail(&mut self) -> Duration {
        let d = delay(self.base, self.max, self.failures);
        self.failures = self.failures.saturating_add(1);
        d
    }

    /// Records a success.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// Failures in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// The wait after `failures` earlier failures: `base · 2^failures`, capped at `max`.
pub fn delay(base: Duration, max: Duration, failures: u32) -> Duration {
    base.checked_mul(1u32 << failures.min(20))
        .map_or(max, |d| d.min(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_ceiling_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(10));
        let waits: Vec<u64> = (0..6).map(|_| b.fail().as_secs()).collect();
        assert_eq!(waits, vec![1, 2, 4, 8, 10, 10]);
        b.reset();
        assert_eq!(b.fail(), Duration::from_secs(1));
        assert_eq!(
            delay(Duration::from_secs(1), Duration::from_secs(60), 99),
            Duration::from_secs(60)
        );
    }
}
