//! Phone numbers: what a customer typed becomes E.164 (`+` and digits), read with the
//! department's default country when it names none; checked against libphonenumber's metadata.
//! And the links an agent dials with.

use phonenumber::country::Id;
use phonenumber::{Mode, PhoneNumber};

use super::settings::MAX_LINK;
use crate::error::ValidationError;

/// Longest phone number input accepted.
const MAX_INPUT: usize = 40;

/// The country with ISO 3166 code `code`.
pub fn country(code: &str) -> Result<Id, ValidationError> {
    code.parse::<Id>().map_err(|_| {
        ValidationError::new(
            "default_country",
            format!("{code:?} is not a country code (two letters, e.g. US, GB, DE)"),
        )
    })
}

/// `raw` as an E.164 number; a number without `+` or an international prefix is read as one of
/// `default_country`. `field` names the input in errors.
pub fn e164(field: &str, raw: &str, default_country: &str) -> Result<String, ValidationError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ValidationError::new(field, "is required"));
    }
    if raw.chars().count() > MAX_INPUT || raw.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            "is not a phone number (at most 40 characters of digits, spaces and + - ( ) .)",
        ));
    }
    let home = country(default_country).ok();
    let parsed: PhoneNumber = phonenumber::parse(home, raw).map_err(|_| {
        ValidationError::new(
            field,
            "is not a phone number; give it with its area code, or with + and the country code",
        )
    })?;
    if !phonenumber::is_valid(&parsed) {
        return Err(ValidationError::new(
            field,
            "is not a valid number; check the digits and the country code",
        ));
    }
    Ok(parsed.format().mode(Mode::E164).to_string())
}

/// Schemes a dial link may not use: they would run code in the agent's browser.
const UNSAFE_SCHEMES: [&str; 4] = ["javascript:", "data:", "vbscript:", "file:"];

/// Checks a dial link template: empty, or a URL with a scheme that names `{phone}`.
pub fn check_link_template(t: &str) -> Result<(), ValidationError> {
    if t.is_empty() {
        return Ok(());
    }
    let err = |m: &str| Err(ValidationError::new("dial_link", m));
    if t.len() > MAX_LINK {
        return err("at most 500 characters");
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return err("must not contain spaces");
    }
    let lower = t.to_ascii_lowercase();
    let Some((scheme, _)) = lower.split_once(':') else {
        return err("must be a link with a scheme, e.g. https://… or sip:{phone}");
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return err("must be a link with a scheme, e.g. https://… or sip:{phone}");
    }
    if UNSAFE_SCHEMES.iter().any(|s| lower.starts_with(s)) {
        return err("this kind of link is not allowed");
    }
    if !t.contains("{phone}") {
        return err("must contain {phone}");
    }
    Ok(())
}

/// The dial link for `phone` (E.164) and `activity`, from a checked template; `None` when the
/// template is empty. Values are percent-encoded where a URL needs it (`+` as `%2B`).
pub fn softphone_link(template: &str, phone: &str, activity: i64) -> Option<String> {
    if template.is_empty() {
        return None;
    }
    let encoded: String = phone
        .chars()
        .map(|c| match c {
            '+' => "%2B".to_string(),
            c if c.is_ascii_digit() => c.to_string(),
            _ => String::new(),
        })
        .collect();
    Some(
        template
            .replace("{phone}", &encoded)
            .replace("{activity_id}", &activity.to_string()),
    )
}
