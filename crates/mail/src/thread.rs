//! Threading keys: the `[#1234]` case token our outbound subjects carry, reply subjects, and
//! Message-ID normalisation.
//!
//! Pure string functions; the store decides what a token or an id means.

/// Case ids above this are ignored when read from a subject (nobody has 10^15 cases; a long
/// digit run is noise, such as an order number someone put in brackets).
pub const MAX_CASE_ID: i64 = 1_000_000_000_000_000;

/// The longest Message-ID we accept: RFC 5322's line-length limit.
pub const MAX_MESSAGE_ID_LEN: usize = 998;

/// Reply prefixes in the languages mail clients use, compared case-insensitively. Each must be
/// followed by an optional counter (`[2]`, `(2)`) and a colon to count.
const REPLY_PREFIXES: &[&str] = &[
    "re", "aw", "sv", "antw", "antwort", "vs", "ref", "rif", "res", "odp", "ynt", "atb", "vá", "r",
    "回复", "回覆", "答复", "返信",
];

/// All `[#digits]` case tokens in `subject`, in order of appearance. Zero and values above
/// [`MAX_CASE_ID`] are skipped.
pub fn case_tokens(subject: &str) -> Vec<i64> {
    let mut found = Vec::new();
    let mut rest = subject;
    while let Some(start) = rest.find("[#") {
        let after = &rest[start + 2..];
        let digits_len = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits_len > 0 && after[digits_len..].starts_with(']') {
            if let Some(id) = parse_case_id(&after[..digits_len]) {
                found.push(id);
            }
            rest = &after[digits_len + 1..];
        } else {
            rest = after;
        }
    }
    found
}

/// Parses a run of ASCII digits as a case id within `1..=MAX_CASE_ID`.
fn parse_case_id(digits: &str) -> Option<i64> {
    let trimmed = digits.trim_start_matches('0');
    // 17 significant digits or more is above MAX_CASE_ID whatever they are.
    if trimmed.is_empty() || trimmed.len() > 16 {
        return None;
    }
    let id: i64 = trimmed.parse().ok()?;
    (id <= MAX_CASE_ID).then_some(id)
}

/// `subject` with ` [#case_id]` appended, unless that token is already there.
pub fn with_case_token(subject: &str, case_id: i64) -> String {
    if case_tokens(subject).contains(&case_id) {
        return subject.to_string();
    }
    let base = subject.trim_end();
    if base.is_empty() {
        format!("[#{case_id}]")
    } else {
        format!("{base} [#{case_id}]")
    }
}

/// The subject of a reply: `Re: ` in front unless the subject already starts with a reply
/// prefix (`Re:`, `RE:`, `Aw:`, `Sv:`, `Antw:`, `Re[2]:`…). Never stacks prefixes, so
/// applying it twice gives the same result as once.
pub fn reply_subject(subject: &str) -> String {
    let trimmed = subject.trim();
    if has_reply_prefix(trimmed) {
        trimmed.to_string()
    } else if trimmed.is_empty() {
        "Re:".to_string()
    } else {
        format!("Re: {trimmed}")
    }
}

/// Whether `subject` starts with a reply prefix followed by an optional counter and a colon.
fn has_reply_prefix(subject: &str) -> bool {
    REPLY_PREFIXES.iter().any(|prefix| {
        strip_prefix_ignore_case(subject, prefix)
            .map(skip_reply_counter)
            .map(str::trim_start)
            .is_some_and(|rest| rest.starts_with(':') || rest.starts_with('：'))
    })
}

/// `s` without `prefix` when it starts with it, ignoring case.
fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let mut chars = s.char_indices();
    for expected in prefix.chars() {
        let (_, actual) = chars.next()?;
        if !actual.to_lowercase().eq(expected.to_lowercase()) {
            return None;
        }
    }
    Some(chars.as_str())
}

/// Skips a reply counter such as `[2]` or `(3)` at the start of `s`.
fn skip_reply_counter(s: &str) -> &str {
    for (open, close) in [('[', ']'), ('(', ')')] {
        if let Some(inner) = s.strip_prefix(open) {
            let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0
                && let Some(rest) = inner[digits..].strip_prefix(close)
            {
                return rest;
            }
        }
    }
    s
}

/// A Message-ID as we store it: the part between `<` and `>` (when present), without any
/// whitespace. `None` when nothing is left or it is longer than [`MAX_MESSAGE_ID_LEN`].
pub fn normalize_message_id(s: &str) -> Option<String> {
    let inner = match (s.find('<'), s.find('>')) {
        (Some(open), Some(close)) if open < close => &s[open + 1..close],
        _ => s,
    };
    let id: String = inner
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '<' && *c != '>')
        .collect();
    (!id.is_empty() && id.len() <= MAX_MESSAGE_ID_LEN).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_tokens_in_order() {
        assert_eq!(case_tokens("Re: Help [#12] and [#7]"), vec![12, 7]);
        assert_eq!(case_tokens("[#0042]"), vec![42]);
        assert!(case_tokens("no token [#] [#x1] [12] #12").is_empty());
        assert_eq!(case_tokens("[#[#5]"), vec![5]);
    }

    #[test]
    fn ignores_absurd_ids() {
        assert!(case_tokens("[#0]").is_empty());
        assert!(case_tokens("[#1000000000000001]").is_empty());
        assert!(case_tokens("[#99999999999999999999999999]").is_empty());
        assert_eq!(case_tokens("[#1000000000000000]"), vec![MAX_CASE_ID]);
    }

    #[test]
    fn adds_token_once() {
        assert_eq!(with_case_token("Help", 5), "Help [#5]");
        assert_eq!(with_case_token("Re: Help [#5]", 5), "Re: Help [#5]");
        assert_eq!(with_case_token("Help [#4]", 5), "Help [#4] [#5]");
        assert_eq!(with_case_token("  ", 5), "[#5]");
    }

    #[test]
    fn reply_prefixes_are_not_stacked() {
        assert_eq!(reply_subject("Help"), "Re: Help");
        assert_eq!(reply_subject("RE: Help"), "RE: Help");
        assert_eq!(reply_subject("Aw: Hilfe"), "Aw: Hilfe");
        assert_eq!(reply_subject("SV: Hjælp"), "SV: Hjælp");
        assert_eq!(reply_subject("Antw: Hulp"), "Antw: Hulp");
        assert_eq!(reply_subject("Re[2]: Help"), "Re[2]: Help");
        assert_eq!(reply_subject("RE : Help"), "RE : Help");
        assert_eq!(reply_subject("Fwd: Help"), "Re: Fwd: Help");
        assert_eq!(reply_subject("Regarding: Help"), "Re: Regarding: Help");
        assert_eq!(reply_subject(""), "Re:");
    }

    #[test]
    fn normalizes_message_ids() {
        assert_eq!(normalize_message_id(" <a@b> ").as_deref(), Some("a@b"));
        assert_eq!(normalize_message_id("a@b").as_deref(), Some("a@b"));
        assert_eq!(normalize_message_id("<a@\r\n b>").as_deref(), Some("a@b"));
        assert_eq!(normalize_message_id("<>"), None);
        assert_eq!(normalize_message_id("   "), None);
        assert_eq!(normalize_message_id(&"x".repeat(999)), None);
        assert!(normalize_message_id(&"x".repeat(998)).is_some());
    }

    proptest! {
        #[test]
        fn token_round_trips(subject in ".{0,80}", id in 1i64..=MAX_CASE_ID) {
            prop_assert!(case_tokens(&with_case_token(&subject, id)).contains(&id));
        }

        #[test]
        fn reply_subject_is_idempotent(subject in ".{0,80}") {
            let once = reply_subject(&subject);
            prop_assert_eq!(reply_subject(&once), once);
        }

        #[test]
        fn case_tokens_never_panics(subject in "\\PC{0,200}") {
            let _ = case_tokens(&subject);
        }
    }
}
