//! Rate limits of the public chat API as token buckets: chat starts per client address and entry
//! point, messages per chat. A bucket holds up to `burst` tokens and refills at `per_sec`; each
//! request takes one or is told how long to wait.

use crate::time::Timestamp;

/// A refill rate and a burst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Tokens added per second.
    pub per_sec: f64,
    /// Most tokens held.
    pub burst: f64,
}

/// Chat starts from one client address on one entry point: 5 at once, then one every 12 s.
pub const STARTS: Rate = Rate {
    per_sec: 1.0 / 12.0,
    burst: 5.0,
};

/// Messages into one chat from one side: 20 at once, then 5 a second.
pub const MESSAGES: Rate = Rate {
    per_sec: 5.0,
    burst: 20.0,
};

/// One bucket's state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    tokens: f64,
    at: Timestamp,
}

impl Bucket {
    /// A full bucket at `now`.
    pub fn full(rate: Rate, now: Timestamp) -> Bucket {
        Bucket {
            tokens: rate.burst,
            at: now,
        }
    }

    /// Takes one token at `now`, or says in how many whole seconds (at least 1) one will be
    /// there.
    pub fn take(&mut self, rate: Rate, now: Timestamp) -> Result<(), u64> {
        let elapsed = (now.millis() - self.at.millis()).max(0) as f64 / 1000.0;
        self.tokens = (self.tokens + elapsed * rate.per_sec).min(rate.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        let wait = ((1.0 - self.tokens) / rate.per_sec).ceil();
        Err((wait as u64).max(1))
    }

    /// Whether the bucket is full again at `now` (and so can be forgotten).
    pub fn is_full(&self, rate: Rate, now: Timestamp) -> bool {
        let elapsed = (now.millis() - self.at.millis()).max(0) as f64 / 1000.0;
        self.tokens + elapsed * rate.per_sec >= rate.burst
    }
}
