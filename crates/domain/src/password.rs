//! Password rules a security reviewer accepts (NIST SP 800-63B, OWASP ASVS): length, and no
//! password an attacker tries first — the 30,000 most common passwords of public leaks (shipped
//! in the binary), those with digits or symbols added or repeated, runs of one character
//! or of a sequence, and words of the context (the product, the user's address). No composition
//! rule ("one digit, one capital"): long passphrases are what people remember.

use std::sync::LazyLock;

use crate::error::ValidationError;

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;
/// Longest password accepted (argon2 input is bounded to keep hashing cheap to refuse).
pub const MAX_PASSWORD: usize = 256;

/// The common passwords, lower-cased and sorted.
static COMMON: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut list: Vec<&str> = include_str!("../data/common-passwords.txt")
        .lines()
        .filter(|l| !l.is_empty())
        .collect();
    list.sort_unstable();
    list
});

/// Whether `lower` (lower-cased) is one of the common passwords.
fn listed(lower: &str) -> bool {
    COMMON.binary_search(&lower).is_ok()
}

/// Whether a lower-cased password is a common one, possibly with up to eight digits or symbols
/// after it, or repeated.
fn common(lower: &str) -> bool {
    if listed(lower) {
        return true;
    }
    let base = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    let tail = lower.chars().count() - base.chars().count();
    if tail > 0 && tail <= 8 && base.chars().count() >= 4 && listed(base) {
        return true;
    }
    let chars: Vec<char> = lower.chars().collect();
    (1..=chars.len() / 2).any(|n| {
        chars.len().is_multiple_of(n)
            && chars.chunks(n).all(|c| c == &chars[..n])
            && listed(&chars[..n].iter().collect::<String>())
    })
}

/// Runs people type as passwords: the digits, the alphabet, keyboard rows (each either way,
/// wrapping around).
const RUNS: [&str; 4] = [
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
];

/// Whether the (lower-cased) password is one character repeated, or a stretch of a run
/// (`123456789012`, `zyxwvutsrqpo`).
fn monotonous(lower: &str) -> bool {
    let mut chars = lower.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return true;
    }
    let n = lower.chars().count();
    RUNS.iter().any(|run| {
        let forward = run.repeat(n / run.len() + 2);
        let backward: String = forward.chars().rev().collect();
        forward.contains(lower) || backward.contains(lower)
    })
}

/// Checks a new password; `context` holds words it must not contain (e.g. the user's address
/// or its local part), compared without case.
pub fn check(field: &str, p: &str, context: &[&str]) -> Result<(), ValidationError> {
    let n = p.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        return Err(ValidationError::new(
            field,
            format!("must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"),
        ));
    }
    let lower = p.to_lowercase();
    if monotonous(&lower) {
        return Err(ValidationError::new(
            field,
            "must not be one character repeated or a run like 123456789012",
        ));
    }
    if common(&lower) {
        return Err(ValidationError::new(
            field,
            "is one of the most common passwords: choose a longer phrase of your own",
        ));
    }
    let words = context.iter().copied().chain(["switchboard"]);
    for w in words
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 4)
    {
        if lower.contains(&w) {
            return Err(ValidationError::new(
                field,
                "must not contain your address or the product's name",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_shipped_sorted_and_whole() {
        assert_eq!(COMMON.len(), 30_000);
        assert!(listed("password") && listed("qwertyuiop") && !listed("zzqxv plinth"));
    }

    #[test]
    fn rules() {
        let ok = |p: &str| check("password", p, &["ann.agent@example.org", "ann.agent"]).is_ok();
        for good in [
            "correct horse battery staple",
            "a long enough passphrase",
            "Tr0ub4dor&3 extended",
            "another good password",
        ] {
            assert!(ok(good), "{good}");
        }
        for bad in [
            "short",
            "aaaaaaaaaaaaaaaa",
            "123456789012",
            "abcdefghijklm",
            "zyxwvutsrqpon",
            "qwertyuiop1234",
            "Password1234",
            "baseball!!12",
            "monkeymonkey",
            "iloveyouiloveyou",
            "ann.agent-secret-1",
            "my switchboard pass",
        ] {
            assert!(!ok(bad), "{bad}");
        }
        let e = check("password", "1234567890123", &[]).err();
        assert_eq!(e.map(|e| e.field), Some("password".to_string()));
        assert!(check("p", &"x".repeat(257), &[]).is_err());
    }
}
