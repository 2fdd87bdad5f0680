//! Attachments: at most a bounded number, names made safe, nested messages kept whole.

use super::*;

/// The message's attachments, at most [`MAX_ATTACHMENTS`].
pub(super) fn attachments(msg: &Message<'_>) -> Vec<ParsedAttachment> {
    if msg.attachments.len() > MAX_ATTACHMENTS {
        tracing::warn!(
            count = msg.attachments.len(),
            kept = MAX_ATTACHMENTS,
            "message has too many attachments; dropping the rest"
        );
    }
    msg.attachments
        .iter()
        .filter_map(|id| msg.parts.get(*id as usize))
        .filter(|part| !matches!(part.body, PartType::Multipart(_)))
        .take(MAX_ATTACHMENTS)
        .enumerate()
        .map(|(index, part)| attachment(msg, part, index + 1))
        .collect()
}

/// One attachment; `number` is its 1-based position, for the fallback name.
pub(super) fn attachment(
    msg: &Message<'_>,
    part: &MessagePart<'_>,
    number: usize,
) -> ParsedAttachment {
    let content_id = part.content_id().and_then(normalize_message_id);
    let inline = match part.content_disposition() {
        Some(d) if d.is_attachment() => false,
        Some(d) if d.is_inline() => true,
        _ => content_id.is_some() || matches!(part.body, PartType::InlineBinary(_)),
    };
    let (content_type, bytes, name) = match &part.body {
        PartType::Message(nested) => (
            "message/rfc822".to_string(),
            nested_message_bytes(msg, part, nested),
            attachment_name(part)
                .or_else(|| {
                    nested
                        .subject()
                        .and_then(|s| sanitize_file_name(&format!("{s}.eml")))
                })
                .unwrap_or_else(|| format!("attachment-{number}.eml")),
        ),
        PartType::Text(t) | PartType::Html(t) => {
            let default = if matches!(part.body, PartType::Html(_)) {
                "text/html"
            } else {
                "text/plain"
            };
            let mut ctype = mime_type(part).unwrap_or_else(|| default.to_string());
            if ctype.starts_with("text/") {
                ctype.push_str("; charset=utf-8");
            }
            (
                ctype,
                t.as_bytes().to_vec(),
                attachment_name(part).unwrap_or_else(|| format!("attachment-{number}")),
            )
        }
        PartType::Binary(b) | PartType::InlineBinary(b) => (
            mime_type(part).unwrap_or_else(|| "application/octet-stream".to_string()),
            b.to_vec(),
            attachment_name(part).unwrap_or_else(|| format!("attachment-{number}")),
        ),
        PartType::Multipart(_) => (String::new(), Vec::new(), format!("attachment-{number}")),
    };
    ParsedAttachment {
        name,
        content_type,
        content_id,
        inline,
        bytes,
    }
}

/// The raw bytes of a nested message: its slice of the outer message when it was not
/// transfer-encoded, else the decoded bytes mail-parser kept.
pub(super) fn nested_message_bytes(
    msg: &Message<'_>,
    part: &MessagePart<'_>,
    nested: &Message<'_>,
) -> Vec<u8> {
    let slice = (part.encoding == Encoding::None)
        .then(|| {
            msg.raw_message
                .get(part.offset_body as usize..part.offset_end as usize)
        })
        .flatten();
    slice.unwrap_or(&nested.raw_message).to_vec()
}

/// The part's declared file name, sanitized.
pub(super) fn attachment_name(part: &MessagePart<'_>) -> Option<String> {
    part.attachment_name().and_then(sanitize_file_name)
}

/// A file name safe to store and offer for download: the last path component, without
/// control characters or characters Windows forbids, without leading/trailing dots and
/// spaces, at most [`MAX_FILE_NAME`] bytes. `None` when nothing is left.
pub fn sanitize_file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if "<>:\"|?*".contains(c) { '_' } else { c })
        .collect();
    cleaned = cleaned
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .to_string();
    if cleaned.len() > MAX_FILE_NAME {
        let mut cut = MAX_FILE_NAME;
        while !cleaned.is_char_boundary(cut) {
            cut -= 1;
        }
        cleaned.truncate(cut);
        cleaned = cleaned
            .trim_end_matches(|c: char| c == '.' || c.is_whitespace())
            .to_string();
    }
    (!cleaned.is_empty()).then_some(cleaned)
}
