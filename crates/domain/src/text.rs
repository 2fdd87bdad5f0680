//! Validated text values: names, email addresses, custom attributes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;

/// Longest name (of a user, queue, department, customer…) in characters.
pub const MAX_NAME: usize = 200;
/// Longest free text (descriptions, subjects) in characters.
pub const MAX_TEXT: usize = 2000;
/// Largest custom attribute map, serialized, in bytes.
pub const MAX_ATTRIBUTES_BYTES: usize = 16 * 1024;

/// Checks a required single-line name: trimmed, not empty, at most `max` characters, no control
/// characters. Returns the trimmed value.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, ValidationError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    optional(field, v, max)
}

/// Checks optional text: at most `max` characters, no control characters other than line breaks
/// and tabs.
pub fn optional(field: &str, value: &str, max: usize) -> Result<String, ValidationError> {
    if value.chars().count() > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ValidationError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_string())
}

/// Checks a machine key (attribute names, sub-statuses): 1–64 of `a-z 0-9 _ -`, starting with a
/// letter.
pub fn key(field: &str, value: &str) -> Result<(), ValidationError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            "must be 1-64 characters of a-z, 0-9, '_' or '-', starting with a letter",
        ))
    }
}

/// An email address, trimmed, with its domain lower-cased. Parsed, never assumed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, format = "email")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses `local@domain`; rejects spaces, missing parts and over-long values (RFC 5321: 254).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.len() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err("must be an email address like name@example.com".into());
        };
        let bad = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',');
        if local.is_empty()
            || local.len() > 64
            || domain.is_empty()
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || s.chars().any(bad)
            || domain.contains('@')
        {
            return Err("must be an email address like name@example.com".into());
        }
        Ok(EmailAddress(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used to look an address up: all lower case.
    pub fn lookup_key(&self) -> String {
        lookup_key(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        EmailAddress::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Custom attributes of an activity or customer: named JSON values set by workflows, integrations
/// and agents. Keys follow [`key`]; the whole map stays under [`MAX_ATTRIBUTES_BYTES`].
pub type CustomAttributes = BTreeMap<String, serde_json::Value>;

/// Validates a custom attribute map.
pub fn custom_attributes(field: &str, attrs: &CustomAttributes) -> Result<(), ValidationError> {
    for k in attrs.keys() {
        key(&format!("{field}.{k}"), k)?;
    }
    let size = serde_json::to_string(attrs).map(|s| s.len()).unwrap_or(0);
    if size > MAX_ATTRIBUTES_BYTES {
        return Err(ValidationError::new(
            field,
            format!("must be at most {MAX_ATTRIBUTES_BYTES} bytes as JSON"),
        ));
    }
    Ok(())
}

/// Deserializes a field of a partial update that may be absent (leave as is), `null` (clear) or a
/// value (set): `Option<Option<T>>`. Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The key a value is looked up by (email addresses, contact points, Message-IDs): trimmed and
/// lower-cased, the same everywhere it is written and searched.
pub fn lookup_key(value: &str) -> String {
    value.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses() {
        assert_eq!(
            EmailAddress::parse(" Ann@Example.COM ").map(String::from),
            Ok("Ann@example.com".to_string())
        );
        for bad in [
            "",
            "a",
            "@x.org",
            "a@",
            "a b@x.org",
            "a@x..org",
            "a@.x",
            "<a@x.org>",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_and_keys() {
        assert_eq!(required("name", "  Ann ", 10), Ok("Ann".to_string()));
        assert!(required("name", "   ", 10).is_err());
        assert!(required("name", "abcdefghijk", 10).is_err());
        assert!(required("name", "a\u{0}b", 10).is_err());
        assert!(key("k", "language_es").is_ok());
        assert!(key("k", "Language").is_err());
        assert!(key("k", "9lives").is_err());
    }
}
