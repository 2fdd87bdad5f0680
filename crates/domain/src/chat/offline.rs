//! The offline alternative: while an entry point takes no chats (outside its hours, nobody
//! ready, its queue full, or a chat that waited too long), the customer may leave an email
//! instead. What they leave is checked here; it becomes an inbound email to the department,
//! taken in like any other.

use crate::error::ValidationError;
use crate::text::{EmailAddress, MAX_NAME};

use super::message::check_text;

/// Longest subject taken from the message's first line.
pub const MAX_SUBJECT: usize = 200;
/// Longest key a page gives to make a retried send count once.
pub const MAX_KEY: usize = 64;

/// An email a customer left through an entry point, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftEmail {
    /// Their name, when they gave one.
    pub name: Option<String>,
    /// Where the answer goes.
    pub email: EmailAddress,
    /// The message's first line, bounded.
    pub subject: String,
    /// The message.
    pub text: String,
}

/// Checks what the offline form sent: an email address, a message as a chat message's text
/// (`check_text`), and an optional name of at most [`MAX_NAME`] characters without control
/// characters. Errors name the field.
pub fn check_left_email(
    name: Option<&str>,
    email: &str,
    message: &str,
) -> Result<LeftEmail, ValidationError> {
    let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
        None => None,
        Some(n) if n.chars().count() > MAX_NAME => {
            return Err(ValidationError::new(
                "name",
                format!("at most {MAX_NAME} characters"),
            ));
        }
        Some(n) if n.chars().any(char::is_control) => {
            return Err(ValidationError::new(
                "name",
                "must not contain control characters",
            ));
        }
        Some(n) => Some(n.to_string()),
    };
    let email = EmailAddress::parse(email).map_err(|why| ValidationError::new("email", why))?;
    let text = check_text("message", message)?;
    let subject = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .chars()
        .take(MAX_SUBJECT)
        .collect();
    Ok(LeftEmail {
        name,
        email,
        subject,
        text,
    })
}

/// Checks the key a page sends so that a retried send is taken in once: 1–64 characters of
/// `A-Z`, `a-z`, `0-9`, `-` and `_`.
pub fn check_key(key: &str) -> Result<&str, ValidationError> {
    let fine = !key.is_empty()
        && key.len() <= MAX_KEY
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if fine {
        Ok(key)
    } else {
        Err(ValidationError::new(
            "key",
            format!("must be 1-{MAX_KEY} characters of A-Z, a-z, 0-9, '-' or '_'"),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_left_email_needs_an_address_and_a_message() {
        let e = check_left_email(None, "nobody", "Hello").unwrap_err();
        assert_eq!(e.field, "email");
        let e = check_left_email(None, "ann@example.com", "  \n ").unwrap_err();
        assert_eq!(e.field, "message");
        let e = check_left_email(Some("A\u{7}nn"), "ann@example.com", "Hi").unwrap_err();
        assert_eq!(e.field, "name");
        let long = "x".repeat(MAX_NAME + 1);
        let e = check_left_email(Some(&long), "ann@example.com", "Hi").unwrap_err();
        assert_eq!(e.field, "name");
    }

    #[test]
    fn the_subject_is_the_first_line_that_says_something() {
        let l = check_left_email(
            Some("  Ann Kunde "),
            " ann@Example.COM ",
            "\n\n  My order 17 never came  \nPlease look.",
        )
        .unwrap();
        assert_eq!(l.name.as_deref(), Some("Ann Kunde"));
        assert_eq!(l.email.as_str(), "ann@example.com");
        assert_eq!(l.subject, "My order 17 never came");
        assert_eq!(l.text, "My order 17 never came  \nPlease look.");
        let l = check_left_email(None, "ann@example.com", &"é".repeat(500)).unwrap();
        assert_eq!(l.subject.chars().count(), MAX_SUBJECT);
        assert_eq!(l.name, None);
    }

    #[test]
    fn keys_are_short_and_plain() {
        assert_eq!(check_key("a-1_B").unwrap(), "a-1_B");
        assert!(check_key("").is_err());
        assert!(check_key("a b").is_err());
        assert!(check_key(&"k".repeat(MAX_KEY + 1)).is_err());
    }
}
