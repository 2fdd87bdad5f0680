//! When a failed delivery is tried again: after 1 minute, 5, 30, 2 hours, 6, 12, 24 and 24 again,
//! each with jitter (a random point between half the step and the step), so a receiver that was
//! down is not hit by every delivery at once when it comes back. After the last step (one and a
//! half to three days of trying) the delivery is given up and kept in the log for a replay; a subscription whose deliveries
//! keep being given up is switched off.

/// The steps between attempts, in seconds.
pub const RETRY_DELAYS_SECS: [u64; 8] = [60, 300, 1_800, 7_200, 21_600, 43_200, 86_400, 86_400];

/// Deliveries given up in a row after which a subscription is switched off (and its
/// administrators told).
pub const DISABLE_AFTER: u32 = 5;

/// The first step of [`RETRY_DELAYS_SECS`]; a schedule with another first step scales every
/// step by the same factor.
pub const FIRST_RETRY_SECS: u64 = 60;

/// How long after failed attempt number `attempts` (1 for the first) to try again: a point
/// between half the step and the step, chosen by `random` (any value: the caller's randomness).
/// `None` when the attempts are used up: the delivery is given up.
pub fn next_attempt_secs(attempts: u32, random: u64) -> Option<u64> {
    next_attempt_secs_scaled(attempts, random, FIRST_RETRY_SECS)
}

/// [`next_attempt_secs`] on the schedule scaled so that its first step is `first` seconds
/// (tests and impatient installations); at least one second per step.
pub fn next_attempt_secs_scaled(attempts: u32, random: u64, first: u64) -> Option<u64> {
    let base = *RETRY_DELAYS_SECS.get(usize::try_from(attempts).ok()?.checked_sub(1)?)?;
    let step = (base.saturating_mul(first) / FIRST_RETRY_SECS).max(1);
    let half = step / 2;
    Some((half + random % (step - half + 1)).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_grow_jitter_stays_within_and_the_attempts_end() {
        assert_eq!(next_attempt_secs(0, 0), None);
        for (i, step) in RETRY_DELAYS_SECS.iter().enumerate() {
            let attempt = u32::try_from(i + 1).unwrap();
            for random in [0, 1, 7, u64::MAX / 3, u64::MAX] {
                let d = next_attempt_secs(attempt, random).unwrap();
                assert!(d >= step / 2 && d <= *step, "{attempt}: {d}");
            }
        }
        assert_eq!(next_attempt_secs(9, 0), None);
        // Scaled: a one-second first step, then 5, 30…
        assert_eq!(next_attempt_secs_scaled(1, 0, 1), Some(1));
        assert_eq!(next_attempt_secs_scaled(2, 0, 1), Some(2));
        assert_eq!(next_attempt_secs_scaled(8, 0, 1), Some(720));
        assert_eq!(next_attempt_secs_scaled(9, 0, 1), None);
        // Trying spans more than a day even with the shortest jitter.
        let least: u64 = RETRY_DELAYS_SECS.iter().map(|s| s / 2).sum();
        assert!(least > 86_400, "{least}");
    }
}
