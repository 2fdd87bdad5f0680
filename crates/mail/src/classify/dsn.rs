//! RFC 3464 delivery-status fields: recipients, actions, status codes and diagnostics.

use super::*;

/// Parses the per-recipient fields of a `message/delivery-status` body.
pub(super) fn parse_delivery_status(body: &str) -> Vec<BouncedRecipient> {
    let mut recipients = Vec::new();
    let mut current = DsnFields::default();
    for (name, value) in dsn_lines(body) {
        let Some(name) = name else {
            current.flush_into(&mut recipients);
            continue;
        };
        match name.as_str() {
            "original-recipient" if current.original.is_some() => {
                current.flush_into(&mut recipients);
                current.original = Some(value);
            }
            "original-recipient" => current.original = Some(value),
            "final-recipient" => {
                if current.final_.is_some() {
                    current.flush_into(&mut recipients);
                }
                current.final_ = Some(value);
            }
            "action" => current.action = Some(value),
            "status" => current.status = Some(value),
            "diagnostic-code" => current.diagnostic = Some(value),
            _ => {}
        }
    }
    current.flush_into(&mut recipients);
    recipients.truncate(MAX_RECIPIENTS);
    recipients
}

/// Unfolded `(lowercase name, value)` fields; `(None, _)` marks a blank line between groups.
pub(super) fn dsn_lines(body: &str) -> Vec<(Option<String>, String)> {
    let mut fields: Vec<(Option<String>, String)> = Vec::new();
    for line in body.lines() {
        if line.trim().is_empty() {
            fields.push((None, String::new()));
        } else if line.starts_with([' ', '\t']) {
            if let Some((Some(_), value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            fields.push((
                Some(name.trim().to_ascii_lowercase()),
                value.trim().to_string(),
            ));
        }
    }
    fields
}

/// The recipient fields being collected from one DSN group.
#[derive(Default)]
pub(super) struct DsnFields {
    original: Option<String>,
    final_: Option<String>,
    action: Option<String>,
    status: Option<String>,
    diagnostic: Option<String>,
}

impl DsnFields {
    /// Pushes a recipient when the group named one, and starts over.
    fn flush_into(&mut self, out: &mut Vec<BouncedRecipient>) {
        let fields = std::mem::take(self);
        let address = fields
            .final_
            .as_deref()
            .and_then(typed_address)
            .or_else(|| fields.original.as_deref().and_then(typed_address));
        let Some(address) = address else {
            return;
        };
        let diagnostic = fields.diagnostic.map(|d| clip(strip_type(&d)));
        let status = fields
            .status
            .as_deref()
            .and_then(find_status_code)
            .or_else(|| diagnostic.as_deref().and_then(find_status_code));
        out.push(BouncedRecipient {
            address,
            action: fields
                .action
                .map(|a| {
                    a.split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase()
                })
                .filter(|a| !a.is_empty()),
            status,
            diagnostic: diagnostic.filter(|d| !d.is_empty()),
        });
    }
}

/// The address of an RFC 3464 `type; address` value.
pub(super) fn typed_address(value: &str) -> Option<String> {
    let address = strip_type(value)
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string();
    (!address.is_empty()).then_some(address)
}

/// `smtp; 550 …` → `550 …`: drops the type of an RFC 3464 typed value.
pub(super) fn strip_type(value: &str) -> &str {
    match value.split_once(';') {
        Some((kind, rest)) if !kind.contains(' ') && kind.len() < 20 => rest.trim(),
        _ => value.trim(),
    }
}

/// At most [`MAX_DIAGNOSTIC`] bytes of `s`.
pub(super) fn clip(s: &str) -> String {
    let mut out = s.trim().to_string();
    truncate_chars(&mut out, MAX_DIAGNOSTIC);
    out
}

/// The first RFC 3463 status code of class 4 or 5 in `text` (`5.1.1`, `4.4.7`…). The
/// subject digit must be 0–7, which keeps version numbers such as `4.94.2` out.
pub(crate) fn find_status_code(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|i| status_code_at(bytes, i))
}

/// The status code starting at byte `i`, if one does.
pub(super) fn status_code_at(bytes: &[u8], i: usize) -> Option<String> {
    let boundary = |b: Option<&u8>| b.is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'.');
    if !matches!(bytes[i], b'4' | b'5') || (i > 0 && !boundary(bytes.get(i - 1))) {
        return None;
    }
    if bytes.get(i + 1) != Some(&b'.')
        || !bytes.get(i + 2).is_some_and(|b| (b'0'..=b'7').contains(b))
        || bytes.get(i + 3) != Some(&b'.')
    {
        return None;
    }
    let detail = bytes[i + 4..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if !(1..=3).contains(&detail) || !boundary(bytes.get(i + 4 + detail)) {
        return None;
    }
    std::str::from_utf8(&bytes[i..i + 4 + detail])
        .ok()
        .map(str::to_string)
}
