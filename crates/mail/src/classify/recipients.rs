//! Who a bounce reports on when it has no standard report (feedback reports, bounce text), and
//! the Message-ID of the returned message.

use super::*;

/// Recipients of an ARF complaint: its `Original-Rcpt-To` fields, else the complained-about
/// message's To.
pub(super) fn feedback_recipients(msg: &Message<'_>) -> Vec<BouncedRecipient> {
    let Some(part) = part_of_type(msg, &["message/feedback-report"]) else {
        return Vec::new();
    };
    let text = part_text(part);
    let feedback_type = dsn_lines(&text)
        .into_iter()
        .find(|(n, _)| n.as_deref() == Some("feedback-type"))
        .map(|(_, v)| format!("feedback-type: {v}"));
    dsn_lines(&text)
        .into_iter()
        .filter(|(n, _)| n.as_deref() == Some("original-rcpt-to"))
        .filter_map(|(_, v)| typed_address(&v))
        .take(MAX_RECIPIENTS)
        .map(|address| BouncedRecipient {
            address,
            action: None,
            status: None,
            diagnostic: feedback_type.clone(),
        })
        .collect()
}

/// The bounce's own From/To/Cc addresses, lowercase: the failed address is not one of them.
pub(super) fn own_addresses(msg: &Message<'_>) -> Vec<String> {
    [msg.from(), msg.to(), msg.cc(), msg.reply_to()]
        .into_iter()
        .flatten()
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address())
        .map(str::to_lowercase)
        .collect()
}

/// Lines that name the original sender or message rather than the failed recipient,
/// lowercase prefixes.
pub(super) const NOT_RECIPIENT_LINES: &[&str] = &[
    "message-id:",
    "references:",
    "in-reply-to:",
    "from:",
    "mail from:",
    "sender:",
    "return-path:",
    "reply-to:",
];

/// Guesses the failed recipients of a non-standard bounce from its text: the addresses
/// before the quoted original message, preferring those written `<like@this>`, skipping
/// the bounce's own addresses (`exclude`), machine addresses, sender and Message-ID lines
/// and "please contact …" lines. Each gets the first status code and the line it is on.
pub(super) fn recipients_from_text(text: &str, exclude: &[String]) -> Vec<BouncedRecipient> {
    let region = before_returned_message(text);
    let status = find_status_code(region);
    let diagnostic = status
        .as_deref()
        .and_then(|code| region.lines().find(|l| l.contains(code)).map(clip));
    let lines: Vec<&str> = region
        .lines()
        .filter(|line| {
            let lower = line.trim_start().to_lowercase();
            !lower.contains("contact") && !NOT_RECIPIENT_LINES.iter().any(|p| lower.starts_with(p))
        })
        .collect();
    let keep = |address: &String| {
        let lower = address.to_lowercase();
        let local = local_part(&lower);
        !DAEMON_LOCAL_PARTS.contains(&local)
            && !POSTMASTER_LOCAL_PARTS.contains(&local)
            && !exclude.contains(&lower)
    };
    let bracketed: Vec<String> = lines
        .iter()
        .flat_map(|l| bracketed_addresses(l))
        .filter(keep)
        .collect();
    let candidates = if bracketed.is_empty() {
        lines
            .iter()
            .flat_map(|l| find_addresses(l))
            .filter(keep)
            .collect()
    } else {
        bracketed
    };
    let mut found: Vec<BouncedRecipient> = Vec::new();
    for address in candidates {
        if found
            .iter()
            .any(|r| r.address.eq_ignore_ascii_case(&address))
        {
            continue;
        }
        found.push(BouncedRecipient {
            address,
            action: None,
            status: status.clone(),
            diagnostic: diagnostic.clone(),
        });
        if found.len() >= MAX_TEXT_RECIPIENTS {
            break;
        }
    }
    found
}

/// Most recipients guessed from a bounce's free text.
pub(super) const MAX_TEXT_RECIPIENTS: usize = 20;

/// The part of a bounce text before it quotes the returned message.
pub(super) fn before_returned_message(text: &str) -> &str {
    let lower = text.to_lowercase();
    let end = RETURNED_MESSAGE_MARKERS
        .iter()
        .filter_map(|m| lower.find(m))
        .min()
        .unwrap_or(lower.len());
    // Offsets in `lower` match `text` only when lowercasing kept every length.
    if lower.len() == text.len() && text.is_char_boundary(end) {
        &text[..end]
    } else {
        text
    }
}

/// Addresses written as `<local@domain>` in a line.
pub(super) fn bracketed_addresses(line: &str) -> Vec<String> {
    line.split('<')
        .skip(1)
        .filter_map(|chunk| chunk.split_once('>').map(|(inside, _)| inside.trim()))
        .filter_map(|inside| {
            let found = find_addresses(inside);
            match found.as_slice() {
                [one] if one.as_str() == inside => Some(one.clone()),
                _ => None,
            }
        })
        .collect()
}

/// Email addresses in free text, in order (simple scan: `local@domain.tld`).
pub(crate) fn find_addresses(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let is_local = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b);
    let is_domain = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'-';
    let mut out = Vec::new();
    for (at, _) in text.match_indices('@') {
        let start = bytes[..at]
            .iter()
            .rposition(|b| !is_local(*b))
            .map_or(0, |p| p + 1);
        let end = bytes[at + 1..]
            .iter()
            .position(|b| !is_domain(*b))
            .map_or(bytes.len(), |p| at + 1 + p);
        let local = text[start..at].trim_start_matches('.');
        let domain = text[at + 1..end].trim_end_matches(['.', '-']);
        if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') {
            out.push(format!("{local}@{domain}"));
        }
    }
    out
}

/// The Message-ID of the message that bounced.
pub(super) fn original_message_id(msg: &Message<'_>, text: &str) -> Option<String> {
    returned_message_id(msg)
        .or_else(|| message_id_in_text(text))
        .or_else(|| first_id(msg.in_reply_to()))
        .or_else(|| last_id(msg.references()))
}

/// The Message-ID of a returned `message/rfc822` or `text/rfc822-headers` part.
pub(super) fn returned_message_id(msg: &Message<'_>) -> Option<String> {
    msg.parts.iter().skip(1).find_map(|part| match &part.body {
        PartType::Message(nested) => nested
            .header(mail_parser::HeaderName::MessageId)
            .and_then(first_id),
        _ if mime_type(part).is_some_and(|t| t.ends_with("/rfc822-headers")) => {
            let text = part_text(part);
            let headers = MessageParser::default().parse_headers(text.as_bytes())?;
            headers
                .header(mail_parser::HeaderName::MessageId)
                .and_then(first_id)
        }
        _ => None,
    })
}

/// A `Message-ID:` line quoted in a bounce's text (the returned message inline).
pub(super) fn message_id_in_text(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim_start();
        let (name, value) = line.split_once(':')?;
        if !name.trim().eq_ignore_ascii_case("message-id") {
            return None;
        }
        let open = value.find('<')?;
        let close = value[open..].find('>')? + open;
        normalize_message_id(&value[open..=close])
    })
}

/// The first id of an id header.
pub(super) fn first_id(value: &HeaderValue<'_>) -> Option<String> {
    match value {
        HeaderValue::Text(t) => normalize_message_id(t),
        HeaderValue::TextList(l) => l.iter().find_map(|t| normalize_message_id(t)),
        _ => None,
    }
}

/// The last id of an id header (the parent, in References).
pub(super) fn last_id(value: &HeaderValue<'_>) -> Option<String> {
    match value {
        HeaderValue::Text(t) => normalize_message_id(t),
        HeaderValue::TextList(l) => l.iter().rev().find_map(|t| normalize_message_id(t)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Amazon SES notifications (JSON bounce reports mailed through SNS)
// ---------------------------------------------------------------------------------------------
