//! A customer's answers to an entry point's pre-chat form, checked and sorted: the customer's
//! name and email address, the question, and the activity's custom attributes. Every answer is
//! customer text: bounded, without control characters (line breaks only where the field takes
//! several lines), never trusted further.

use std::collections::BTreeMap;

use crate::error::ValidationError;
use crate::text::{CustomAttributes, EmailAddress};

use super::form::{FieldKind, FieldTarget, PreChatField};

/// Longest answer to a one-line field, in characters.
pub const MAX_LINE: usize = 500;
/// Longest answer to a several-lines field (the question), in characters.
pub const MAX_LINES: usize = 4000;

/// What the pre-chat form said, sorted by where each answer goes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatStart {
    /// The customer's name, if the form asks for it.
    pub name: Option<String>,
    /// The customer's email address, if the form asks for it.
    pub email: Option<EmailAddress>,
    /// The question: the activity's subject and first message.
    pub question: Option<String>,
    /// Custom attributes of the activity, by field key.
    pub attributes: CustomAttributes,
}

/// Checks `answers` (by field key) against the form: required fields answered, unknown keys
/// refused, each answer of its field's kind. Errors name the field as `answers.<key>`.
pub fn check_answers(
    form: &[PreChatField],
    answers: &BTreeMap<String, String>,
) -> Result<ChatStart, ValidationError> {
    if let Some(unknown) = answers.keys().find(|k| !form.iter().any(|f| &f.key == *k)) {
        return Err(ValidationError::new(
            format!("answers.{unknown}"),
            "the form has no such field",
        ));
    }
    let mut out = ChatStart::default();
    for f in form {
        let at = format!("answers.{}", f.key);
        let raw = answers.get(&f.key).map(|s| s.trim()).unwrap_or("");
        if raw.is_empty() {
            if f.required {
                return Err(ValidationError::new(at, format!("{} is required", f.label)));
            }
            continue;
        }
        let value = answer(&at, f, raw)?;
        match f.maps_to {
            FieldTarget::CustomerName => out.name = Some(value),
            FieldTarget::CustomerEmail => {
                let e = EmailAddress::parse(&value)
                    .map_err(|_| ValidationError::new(at, "not an email address"))?;
                out.email = Some(e);
            }
            FieldTarget::Question => out.question = Some(value),
            FieldTarget::Attribute => {
                let v = match f.kind {
                    FieldKind::Number => match value.parse::<i64>() {
                        Ok(n) => serde_json::Value::from(n),
                        Err(_) => value
                            .parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map_or(serde_json::Value::Null, serde_json::Value::Number),
                    },
                    _ => serde_json::Value::String(value),
                };
                out.attributes.insert(f.key.clone(), v);
            }
        }
    }
    Ok(out)
}

/// One answer of field `f`, checked for its kind.
fn answer(at: &str, f: &PreChatField, raw: &str) -> Result<String, ValidationError> {
    let several = f.kind == FieldKind::Multiline;
    let max = if several { MAX_LINES } else { MAX_LINE };
    if raw.chars().count() > max {
        return Err(ValidationError::new(
            at,
            format!("at most {max} characters"),
        ));
    }
    if raw
        .chars()
        .any(|c| c.is_control() && !(several && (c == '\n' || c == '\r' || c == '\t')))
    {
        return Err(ValidationError::new(
            at,
            "must not contain control characters",
        ));
    }
    match f.kind {
        FieldKind::Email if EmailAddress::parse(raw).is_err() => {
            Err(ValidationError::new(at, "not an email address"))
        }
        FieldKind::Number if raw.parse::<f64>().map_or(true, |n| !n.is_finite()) => {
            Err(ValidationError::new(at, "must be a number"))
        }
        FieldKind::Choice if !f.options.iter().any(|o| o == raw) => Err(ValidationError::new(
            at,
            format!("must be one of: {}", f.options.join(", ")),
        )),
        _ => Ok(raw.to_string()),
    }
}
