//! The text and HTML bodies: decoded to UTF-8, joined, bounded, each rendered from the other
//! when missing.

use super::*;

/// The text body parts joined; HTML parts standing in for text are rendered as text.
pub(super) fn text_body(msg: &Message<'_>) -> String {
    let pieces: Vec<String> = body_parts(msg, &msg.text_body)
        .filter_map(|part| match &part.body {
            PartType::Text(t) => Some(t.to_string()),
            PartType::Html(h) => Some(html_to_text(h)),
            _ => None,
        })
        .collect();
    pieces.join("\n")
}

/// The HTML body parts joined; `None` when the message has no HTML part at all.
pub(super) fn html_body(msg: &Message<'_>) -> Option<String> {
    let parts: Vec<&MessagePart<'_>> = body_parts(msg, &msg.html_body).collect();
    if !parts.iter().any(|p| matches!(p.body, PartType::Html(_))) {
        return None;
    }
    let pieces: Vec<String> = parts
        .iter()
        .filter_map(|part| match &part.body {
            PartType::Html(h) => Some(h.to_string()),
            PartType::Text(t) => Some(text_to_html(t)),
            _ => None,
        })
        .collect();
    Some(pieces.join("\n"))
}

/// The parts a body list points at.
pub(super) fn body_parts<'m, 'x>(
    msg: &'m Message<'x>,
    ids: &'m [u32],
) -> impl Iterator<Item = &'m MessagePart<'x>> {
    ids.iter().filter_map(|id| msg.parts.get(*id as usize))
}

/// Cuts `body` at [`MAX_BODY_BYTES`] (on a char boundary) and appends `note` when it was
/// longer.
pub(super) fn limit_body(mut body: String, note: &str) -> String {
    if body.len() > MAX_BODY_BYTES {
        let mut cut = MAX_BODY_BYTES;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
        body.push_str(note);
    }
    body
}

/// Plain text as an HTML fragment: escaped, line breaks kept.
pub(super) fn text_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str("<div>");
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("<br>\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push_str("</div>");
    out
}
