//! Message-ID normalisation, shared by the parser, the classifier and the sanitizer. (Case tokens
//! and reply subjects are domain rules: `switchboard_domain::email`.)

/// The longest Message-ID we accept: RFC 5322's line-length limit.
pub const MAX_MESSAGE_ID_LEN: usize = 998;

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
}
