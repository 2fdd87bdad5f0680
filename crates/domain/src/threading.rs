//! The threading headers of the mail we send, as plain rules: a Message-ID at the sending
//! alias's domain, and a reply's In-Reply-To and References (the answered message's References
//! with its own Message-ID last, the newest 30 kept), so the customer's mail client threads our
//! answer and the customer's next message threads back into the case.

use crate::EmailAddress;

/// References kept on a reply (the newest).
pub const MAX_REFERENCES: usize = 30;

/// A Message-ID (without angle brackets) made of a random `token` at the domain of `alias`.
pub fn message_id(token: &str, alias: &EmailAddress) -> String {
    let domain = alias
        .as_str()
        .rsplit_once('@')
        .map_or("switchboard.invalid", |(_, d)| d);
    format!("sb.{token}@{domain}")
}

/// A reply's In-Reply-To and References to the message with Message-ID `answered` and
/// References `references`.
pub fn reply_headers(answered: Option<&str>, references: &[String]) -> (Vec<String>, Vec<String>) {
    let mut refs: Vec<String> = references.to_vec();
    if let Some(m) = answered {
        refs.retain(|r| r != m);
        refs.push(m.to_string());
    }
    let skip = refs.len().saturating_sub(MAX_REFERENCES);
    let refs = refs.into_iter().skip(skip).collect();
    (answered.map(str::to_string).into_iter().collect(), refs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn message_ids_are_at_the_alias_domain() {
        let a = EmailAddress::parse("help@example.com").unwrap();
        assert_eq!(message_id("abc", &a), "sb.abc@example.com");
    }

    #[test]
    fn reply_headers_table() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        type Row<'a> = (Option<&'a str>, Vec<String>, Vec<String>, Vec<String>);
        let rows: Vec<Row<'_>> = vec![
            // A first message: it is the only reference.
            (Some("m1"), s(&[]), s(&["m1"]), s(&["m1"])),
            // A message in a thread: its id goes last.
            (
                Some("m3"),
                s(&["m1", "m2"]),
                s(&["m3"]),
                s(&["m1", "m2", "m3"]),
            ),
            // Already listed: moved to the end, not repeated.
            (Some("m1"), s(&["m1", "m2"]), s(&["m1"]), s(&["m2", "m1"])),
            // No Message-ID: no In-Reply-To, the References as they were.
            (None, s(&["m1"]), s(&[]), s(&["m1"])),
        ];
        for (answered, refs, in_reply_to, want) in rows {
            assert_eq!(
                reply_headers(answered, &refs),
                (in_reply_to, want),
                "{answered:?}"
            );
        }
    }

    #[test]
    fn only_the_newest_references_are_kept() {
        let refs: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
        let (_, kept) = reply_headers(Some("new"), &refs);
        assert_eq!(kept.len(), MAX_REFERENCES);
        assert_eq!(kept.last().map(String::as_str), Some("new"));
        assert_eq!(kept.first().map(String::as_str), Some("m11"));
    }
}
