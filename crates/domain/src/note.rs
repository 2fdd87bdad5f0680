//! Internal notes on an activity: text for colleagues, never sent to the customer, kept in the
//! activity's event log (`note_added`). Writing `@name@example.com` mentions a colleague by their
//! address: they are told.

use crate::error::ValidationError;
use crate::text::EmailAddress;

/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;
/// Most colleagues one note mentions.
pub const MAX_MENTIONS: usize = 20;

/// Checks a note's text: not blank, at most [`MAX_NOTE_CHARS`], no control characters but line
/// breaks and tabs. Returns it trimmed, with `\r\n` as `\n`.
pub fn check_note(raw: &str) -> Result<String, ValidationError> {
    let text = raw.replace("\r\n", "\n");
    let text = text.trim();
    if text.is_empty() {
        return Err(ValidationError::new("text", "must not be empty"));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(ValidationError::new(
            "text",
            format!("at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ValidationError::new(
            "text",
            "must not contain control characters",
        ));
    }
    Ok(text.to_string())
}

/// The addresses a note mentions (`@` then an address, up to white space or closing
/// punctuation), each once, in order, at most [`MAX_MENTIONS`].
pub fn mentions(text: &str) -> Vec<EmailAddress> {
    let mut out: Vec<EmailAddress> = Vec::new();
    for word in text.split(char::is_whitespace) {
        let Some(rest) = word.strip_prefix('@') else {
            continue;
        };
        let rest = rest.trim_end_matches(|c: char| ".,;:!?)]}>\"'".contains(c));
        if let Ok(a) = EmailAddress::parse(rest)
            && !out.iter().any(|o| o.lookup_key() == a.lookup_key())
        {
            out.push(a);
        }
        if out.len() == MAX_MENTIONS {
            break;
        }
    }
    out
}

/// A mentioned address as looked up: the user with it, their department and whether active.
pub type Found = Option<(crate::ids::UserId, crate::ids::DepartmentId, bool)>;

/// The colleagues a note on work of `dept` mentions, from each address with what was found for
/// it: an active user of the department (or of one that shares with it, `visible`). Any other
/// address is refused by name, so a mention never silently reaches no one.
pub fn mentioned(
    found: &[(EmailAddress, Found)],
    visible: impl Fn(crate::ids::DepartmentId) -> bool,
) -> Result<Vec<crate::ids::UserId>, ValidationError> {
    let mut out = Vec::with_capacity(found.len());
    for (address, f) in found {
        match f {
            Some((id, dept, true)) if visible(*dept) => out.push(*id),
            _ => {
                return Err(ValidationError::new(
                    "text",
                    format!(
                        "@{} is no colleague who can see this work",
                        address.as_str()
                    ),
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn notes_are_checked_text() {
        assert_eq!(
            check_note("  Called back.\r\nNo answer. ").unwrap(),
            "Called back.\nNo answer."
        );
        assert_eq!(check_note(" \n ").unwrap_err().field, "text");
        assert!(check_note("a\u{7}b").is_err());
        assert!(check_note(&"n".repeat(MAX_NOTE_CHARS + 1)).is_err());
    }

    #[test]
    fn mentions_reach_colleagues_who_can_see_the_work_or_are_refused() {
        use crate::ids::{DepartmentId, UserId};
        let a = |s: &str| EmailAddress::parse(s).unwrap();
        let home = |d: DepartmentId| d == DepartmentId(1);
        let ok = [(a("bob@acme.test"), Some((UserId(7), DepartmentId(1), true)))];
        assert_eq!(mentioned(&ok, home).unwrap(), vec![UserId(7)]);
        for f in [
            None,
            Some((UserId(7), DepartmentId(2), true)),
            Some((UserId(7), DepartmentId(1), false)),
        ] {
            let e = mentioned(&[(a("bob@acme.test"), f)], home).unwrap_err();
            assert!(e.message.contains("@bob@acme.test"), "{e:?}");
        }
    }

    #[test]
    fn mentions_are_addresses_after_an_at_sign() {
        let m = mentions(
            "@bob@acme.test please look, cc @Ann@ACME.test. Not ann@acme.test; @bob@acme.test again, @nobody",
        );
        let got: Vec<&str> = m.iter().map(EmailAddress::as_str).collect();
        assert_eq!(got, vec!["bob@acme.test", "Ann@acme.test"]);
        assert!(mentions("no one here").is_empty());
    }
}
