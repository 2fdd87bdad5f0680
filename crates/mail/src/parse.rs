//! Raw RFC 5322 bytes → [`ParsedMail`]: addresses, threading ids, decoded subject and bodies
//! (always UTF-8, whatever the charset), attachments and the [`classify`](crate::classify)
//! verdict.
//!
//! Built on `mail-parser`, which is forgiving: anything with at least one header parses, and
//! missing headers leave fields empty. Only empty input or bytes without any header are an
//! error. Limits keep one hostile message from eating memory: bodies are cut at
//! [`MAX_BODY_BYTES`] (with a note) and at most [`MAX_ATTACHMENTS`] attachments are kept. The
//! caller keeps the raw bytes anyway.

use std::panic::{AssertUnwindSafe, catch_unwind};

use mail_parser::{
    Address, Encoding, HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders,
    PartType,
};
use serde::{Deserialize, Serialize};

use crate::classify::{Classification, classify, find_addresses, mime_type};
use crate::thread::normalize_message_id;
pub use switchboard_domain::html_text::html_to_text;

/// Bodies longer than this (in bytes of UTF-8 text) are truncated.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Attachments beyond this many are dropped.
pub const MAX_ATTACHMENTS: usize = 500;

/// Longest attachment file name kept, in bytes.
const MAX_FILE_NAME: usize = 200;

/// A name and address, as in a From or To header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    /// Display name, decoded; `None` when absent or blank.
    pub name: Option<String>,
    /// Address as written.
    pub address: String,
}

impl From<Mailbox> for switchboard_domain::Mailbox {
    fn from(m: Mailbox) -> Self {
        switchboard_domain::Mailbox {
            name: m.name,
            address: m.address,
        }
    }
}

/// One attachment, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAttachment {
    /// Sanitized file name: never empty (`attachment-N` fallback), no path separators or
    /// control characters.
    pub name: String,
    /// Lowercase MIME type, e.g. `application/pdf`. Text attachments are re-encoded to UTF-8
    /// by the parser, so their type carries `; charset=utf-8`.
    pub content_type: String,
    /// Content-ID without `<>`, for `cid:` references.
    pub content_id: Option<String>,
    /// Meant to be shown inline (Content-Disposition inline, or a Content-ID without a
    /// disposition).
    pub inline: bool,
    /// The decoded content. A nested message (`message/rfc822`) is its raw bytes.
    pub bytes: Vec<u8>,
}

/// A parsed inbound message.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedMail {
    /// Message-ID without angle brackets, trimmed.
    pub message_id: Option<String>,
    /// In-Reply-To ids, without `<>`.
    pub in_reply_to: Vec<String>,
    /// References ids, without `<>`, oldest first.
    pub references: Vec<String>,
    /// The first From mailbox.
    pub from: Option<Mailbox>,
    /// Sender.
    pub sender: Option<Mailbox>,
    /// Reply-To mailboxes.
    pub reply_to: Vec<Mailbox>,
    /// Return-Path address without `<>`; `None` when absent or the null path `<>`.
    pub return_path: Option<String>,
    /// To mailboxes (all To headers).
    pub to: Vec<Mailbox>,
    /// Cc mailboxes (all Cc headers).
    pub cc: Vec<Mailbox>,
    /// Addresses the message was delivered for, in priority order: X-Original-To,
    /// Delivered-To, Envelope-To, X-Envelope-To, then To and Cc; deduplicated
    /// case-insensitively.
    pub original_recipients: Vec<String>,
    /// Decoded subject (RFC 2047), trimmed; empty when absent.
    pub subject: String,
    /// Date header as Unix milliseconds.
    pub date: Option<i64>,
    /// The text body: all text/plain body parts joined; for HTML-only mail a plain-text
    /// rendering of the HTML.
    pub text: String,
    /// The HTML body, unsanitized (see [`crate::sanitize`]).
    pub html: Option<String>,
    /// Attachments, in MIME order.
    pub attachments: Vec<ParsedAttachment>,
    /// Normal, auto-reply, bulk or bounce.
    pub classification: Classification,
    /// Size of the raw message in bytes.
    pub size: usize,
    /// Top-level headers as (name, raw value unfolded), at most [`MAX_HEADERS`], each value at
    /// most [`MAX_HEADER_VALUE`] bytes: what workflow conditions on "any named header" read.
    pub headers: Vec<(String, String)>,
}

/// Most headers kept per message.
pub const MAX_HEADERS: usize = 200;
/// Longest header value kept, in bytes.
pub const MAX_HEADER_VALUE: usize = 4096;

/// The top-level headers of `msg` as (name, unfolded raw value).
fn header_list(msg: &mail_parser::Message<'_>) -> Vec<(String, String)> {
    let raw = msg.raw_message();
    msg.headers()
        .iter()
        .take(MAX_HEADERS)
        .filter_map(|h| {
            let bytes = raw.get(h.offset_start() as usize..h.offset_end() as usize)?;
            let mut v = String::from_utf8_lossy(bytes)
                .split(['\r', '\n'])
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            if v.len() > MAX_HEADER_VALUE {
                let mut end = MAX_HEADER_VALUE;
                while !v.is_char_boundary(end) {
                    end -= 1;
                }
                v.truncate(end);
            }
            Some((h.name().to_string(), v))
        })
        .collect()
}

/// Why bytes could not be read as a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No bytes, or only whitespace.
    #[error("the message is empty")]
    Empty,
    /// No header could be read.
    #[error("not an email message: {0}")]
    NotAMessage(String),
}

/// Parses raw message bytes.
pub fn parse(raw: &[u8]) -> Result<ParsedMail, ParseError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let msg = parse_message(skip_mbox_separator(raw))?;
    let to = mailboxes(msg.header_values(HeaderName::To));
    let cc = mailboxes(msg.header_values(HeaderName::Cc));
    Ok(ParsedMail {
        headers: header_list(&msg),
        message_id: msg
            .header(HeaderName::MessageId)
            .and_then(|v| ids(v).into_iter().next()),
        in_reply_to: ids(msg.in_reply_to()),
        references: ids(msg.references()),
        from: mailboxes(msg.header_values(HeaderName::From))
            .into_iter()
            .next(),
        sender: mailboxes(msg.header_values(HeaderName::Sender))
            .into_iter()
            .next(),
        reply_to: mailboxes(msg.header_values(HeaderName::ReplyTo)),
        return_path: return_path(&msg),
        original_recipients: original_recipients(&msg, &to, &cc),
        to,
        cc,
        subject: msg.subject().unwrap_or("").trim().to_string(),
        date: date_millis(&msg),
        text: limit_body(
            text_body(&msg),
            "\n\n[Switchboard: the text was longer than 2 MiB and has been cut here.]",
        ),
        html: html_body(&msg).map(|h| {
            limit_body(
                h,
                "\n<p>[Switchboard: the HTML was longer than 2 MiB and has been cut here.]</p>",
            )
        }),
        attachments: attachments(&msg),
        classification: classify(&msg),
        size: raw.len(),
    })
}

/// Runs mail-parser, turning "no headers" (and, defensively, a parser panic on hostile input)
/// into an error.
fn parse_message(raw: &[u8]) -> Result<Message<'_>, ParseError> {
    let parsed = catch_unwind(AssertUnwindSafe(|| MessageParser::default().parse(raw)));
    match parsed {
        Ok(Some(msg)) if msg.parts.first().is_some_and(|p| !p.headers.is_empty()) => Ok(msg),
        Ok(_) => Err(ParseError::NotAMessage("no header found".to_string())),
        Err(_) => Err(ParseError::NotAMessage(
            "the MIME parser failed".to_string(),
        )),
    }
}

/// Skips a UTF-8 byte-order mark and a leading mbox `From ` separator line (messages saved
/// from an mbox).
fn skip_mbox_separator(raw: &[u8]) -> &[u8] {
    let raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    if raw.starts_with(b"From ")
        && let Some(eol) = raw.iter().position(|b| *b == b'\n')
    {
        return &raw[eol + 1..];
    }
    raw
}

// ---------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------

/// The ids of a Message-ID / In-Reply-To / References header, normalized.
pub(crate) fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => normalize_message_id(t).into_iter().collect(),
        HeaderValue::TextList(list) => list
            .iter()
            .filter_map(|t| normalize_message_id(t))
            .collect(),
        _ => Vec::new(),
    }
}

/// All mailboxes of every occurrence of an address header (groups flattened).
fn mailboxes<'a, 'x: 'a>(values: impl Iterator<Item = &'a HeaderValue<'x>>) -> Vec<Mailbox> {
    values
        .filter_map(HeaderValue::as_address)
        .flat_map(Address::iter)
        .filter_map(|addr| {
            let address = addr.address()?.trim();
            (!address.is_empty()).then(|| Mailbox {
                name: addr
                    .name()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_string),
                address: address.to_string(),
            })
        })
        .collect()
}

/// The Return-Path address; `None` for the null path `<>`.
fn return_path(msg: &Message<'_>) -> Option<String> {
    let raw = msg.header_raw(HeaderName::ReturnPath)?;
    let inner: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '<' && *c != '>')
        .collect();
    (!inner.is_empty()).then_some(inner)
}

/// Delivery headers first, then To and Cc, deduplicated case-insensitively.
fn original_recipients(msg: &Message<'_>, to: &[Mailbox], cc: &[Mailbox]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |address: &str| {
        let address = address.trim();
        if address.contains('@') && !out.iter().any(|a| a.eq_ignore_ascii_case(address)) {
            out.push(address.to_string());
        }
    };
    for name in [
        "X-Original-To",
        "Delivered-To",
        "Envelope-To",
        "X-Envelope-To",
    ] {
        for value in msg.header_values(name) {
            match value {
                HeaderValue::Address(a) => a.iter().filter_map(|a| a.address()).for_each(&mut push),
                HeaderValue::Text(t) => find_addresses(t).iter().for_each(|a| push(a)),
                HeaderValue::TextList(l) => l
                    .iter()
                    .flat_map(|t| find_addresses(t))
                    .for_each(|a| push(&a)),
                _ => {}
            }
        }
    }
    to.iter().chain(cc).for_each(|m| push(&m.address));
    out
}

/// The Date header as Unix milliseconds, when it is a valid date.
fn date_millis(msg: &Message<'_>) -> Option<i64> {
    let date = msg.date()?;
    if !date.is_valid() {
        return None;
    }
    date.to_timestamp().checked_mul(1000)
}

// ---------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------

/// The text body parts joined; HTML parts standing in for text are rendered as text.
fn text_body(msg: &Message<'_>) -> String {
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
fn html_body(msg: &Message<'_>) -> Option<String> {
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
fn body_parts<'m, 'x>(
    msg: &'m Message<'x>,
    ids: &'m [u32],
) -> impl Iterator<Item = &'m MessagePart<'x>> {
    ids.iter().filter_map(|id| msg.parts.get(*id as usize))
}

/// Cuts `body` at [`MAX_BODY_BYTES`] (on a char boundary) and appends `note` when it was
/// longer.
fn limit_body(mut body: String, note: &str) -> String {
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
fn text_to_html(text: &str) -> String {
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

// ---------------------------------------------------------------------------------------------
// Attachments
// ---------------------------------------------------------------------------------------------

/// The message's attachments, at most [`MAX_ATTACHMENTS`].
fn attachments(msg: &Message<'_>) -> Vec<ParsedAttachment> {
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
fn attachment(msg: &Message<'_>, part: &MessagePart<'_>, number: usize) -> ParsedAttachment {
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
fn nested_message_bytes(
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
fn attachment_name(part: &MessagePart<'_>) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::MailKind;

    fn parse_str(raw: &str) -> ParsedMail {
        parse(raw.as_bytes()).unwrap()
    }

    #[test]
    fn empty_and_garbage_are_errors() {
        assert_eq!(parse(b""), Err(ParseError::Empty));
        assert_eq!(parse(b" \r\n\t"), Err(ParseError::Empty));
        assert!(matches!(
            parse(b"\r\n\r\nno headers here"),
            Err(ParseError::NotAMessage(_))
        ));
    }

    #[test]
    fn headers_and_threading() {
        let m = parse_str(
            "Message-ID: <  abc@x.example >\r\n\
In-Reply-To: <p1@x>\r\n\
References: <r1@x> <r2@x>\r\n\
From: =?UTF-8?Q?Ren=C3=A9?= <rene@example.com>\r\n\
Sender: list@example.com\r\n\
Reply-To: a@example.com, \"B\" <b@example.com>\r\n\
Return-Path: <bounces@example.com>\r\n\
To: Support <Support@example.org>, c@example.net\r\n\
Cc: d@example.net, support@EXAMPLE.org\r\n\
Delivered-To: alias@example.org\r\n\
X-Original-To: sales@example.org\r\n\
Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= [#42]\r\n\
Date: Thu, 01 Jan 2015 00:00:01 +0100\r\n\
\r\n\
Hello\r\n",
        );
        assert_eq!(m.message_id.as_deref(), Some("abc@x.example"));
        assert_eq!(m.in_reply_to, vec!["p1@x"]);
        assert_eq!(m.references, vec!["r1@x", "r2@x"]);
        let from = m.from.unwrap();
        assert_eq!(from.name.as_deref(), Some("René"));
        assert_eq!(from.address, "rene@example.com");
        assert_eq!(m.sender.unwrap().address, "list@example.com");
        assert_eq!(m.reply_to.len(), 2);
        assert_eq!(m.return_path.as_deref(), Some("bounces@example.com"));
        assert_eq!(m.to.len(), 2);
        assert_eq!(m.cc.len(), 2);
        assert_eq!(
            m.original_recipients,
            vec![
                "sales@example.org",
                "alias@example.org",
                "Support@example.org",
                "c@example.net",
                "d@example.net"
            ]
        );
        assert_eq!(m.subject, "Grüße [#42]");
        assert_eq!(m.date, Some(1_420_066_801_000));
        assert_eq!(m.text.trim(), "Hello");
        assert_eq!(m.html, None);
        assert_eq!(m.classification.kind, MailKind::Normal);
    }

    #[test]
    fn missing_headers_leave_fields_empty() {
        let m = parse_str("X-Nothing: here\r\n\r\nbody\r\n");
        assert_eq!(m.message_id, None);
        assert_eq!(m.from, None);
        assert_eq!(m.subject, "");
        assert_eq!(m.date, None);
        assert!(m.to.is_empty());
        assert_eq!(m.text.trim(), "body");
        assert_eq!(m.return_path, None);
    }

    #[test]
    fn null_return_path_is_none() {
        let m = parse_str("Return-Path: <>\r\nFrom: a@b.example\r\n\r\nx\r\n");
        assert_eq!(m.return_path, None);
    }

    #[test]
    fn charsets_come_out_as_utf8() {
        let raw = b"From: a@b.example\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\nK\xe4se\r\n";
        assert_eq!(parse(raw).unwrap().text.trim(), "Käse");
        let raw = "From: a@b.example\r\nContent-Type: text/plain; charset=shift_jis\r\n\
Content-Transfer-Encoding: base64\r\n\r\nk/qWe4zq\r\n";
        assert_eq!(parse_str(raw).text.trim(), "日本語");
    }

    #[test]
    fn html_only_mail_gets_a_text_rendering() {
        let m = parse_str(
            "From: a@b.example\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
<html><head><title>T</title><style>p{color:red}</style></head><body>\
<p>Hello&nbsp;<b>World</b> &amp; friends</p><ul><li>one</li><li>two</li></ul>\
line<br>break<script>alert(1)</script></body></html>\r\n",
        );
        assert_eq!(
            m.text,
            "Hello World & friends\n\n- one\n- two\n\nline\nbreak"
        );
        assert!(m.html.unwrap().contains("<b>World</b>"));
    }

    #[test]
    fn alternative_keeps_both_bodies() {
        let m = parse_str(
            "From: a@b.example\r\nContent-Type: multipart/alternative; boundary=x\r\n\r\n\
--x\r\nContent-Type: text/plain\r\n\r\nplain text\r\n\
--x\r\nContent-Type: text/html\r\n\r\n<p>html text</p>\r\n--x--\r\n",
        );
        assert_eq!(m.text.trim(), "plain text");
        assert_eq!(m.html.as_deref().map(str::trim), Some("<p>html text</p>"));
        assert!(m.attachments.is_empty());
    }

    #[test]
    fn attachments_are_decoded_and_named() {
        let m = parse_str(
            "From: a@b.example\r\nSubject: files\r\n\
Content-Type: multipart/mixed; boundary=x\r\n\r\n\
--x\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
--x\r\nContent-Type: application/pdf; name=\"../../etc/re:port.pdf\"\r\n\
Content-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n\
--x\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n\
--x\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment\r\n\r\nraw\r\n\
--x\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@d.example\r\nSubject: Old/thread\r\n\r\nnested body\r\n\
--x--\r\n",
        );
        assert_eq!(m.text.trim(), "see attached");
        let a = &m.attachments;
        assert_eq!(a.len(), 4);
        assert_eq!(a[0].name, "re_port.pdf");
        assert_eq!(a[0].content_type, "application/pdf");
        assert_eq!(a[0].bytes, b"%PDF-");
        assert!(!a[0].inline);
        assert_eq!(a[1].content_id.as_deref(), Some("logo@x"));
        assert!(a[1].inline);
        assert_eq!(a[1].name, "attachment-2");
        assert_eq!(a[2].name, "attachment-3");
        assert_eq!(a[3].content_type, "message/rfc822");
        assert_eq!(a[3].name, "thread.eml");
        let nested = String::from_utf8(a[3].bytes.clone()).unwrap();
        assert!(nested.starts_with("From: c@d.example"), "{nested:?}");
        assert!(nested.trim_end().ends_with("nested body"), "{nested:?}");
    }

    #[test]
    fn long_bodies_are_truncated_on_a_char_boundary() {
        let body = "é".repeat(MAX_BODY_BYTES); // 2 bytes each
        let m = parse_str(&format!(
            "From: a@b.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
        ));
        assert!(m.text.len() < MAX_BODY_BYTES + 200);
        assert!(m.text.ends_with("has been cut here.]"));
    }

    #[test]
    fn too_many_attachments_are_dropped() {
        let mut raw =
            String::from("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n");
        for i in 0..MAX_ATTACHMENTS + 5 {
            raw.push_str(&format!(
                "--x\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=f{i}.bin\r\n\r\n{i}\r\n"
            ));
        }
        raw.push_str("--x--\r\n");
        assert_eq!(parse_str(&raw).attachments.len(), MAX_ATTACHMENTS);
    }

    #[test]
    fn mbox_separator_is_skipped() {
        let m = parse_str(
            "From someone@example.com Sat Oct  4 08:00:09 2025\nFrom: a@b.example\nSubject: hi\n\nbody\n",
        );
        assert_eq!(m.subject, "hi");
        assert_eq!(m.from.unwrap().address, "a@b.example");
        let with_bom = parse(b"\xEF\xBB\xBFFrom -\nSubject: bom\n\nbody\n").unwrap();
        assert_eq!(with_bom.subject, "bom");
    }

    #[test]
    fn file_names() {
        assert_eq!(
            sanitize_file_name("C:\\Users\\x\\a.txt").as_deref(),
            Some("a.txt")
        );
        assert_eq!(sanitize_file_name(" ..hidden. ").as_deref(), Some("hidden"));
        assert_eq!(
            sanitize_file_name("a\u{0}b\r\n.txt").as_deref(),
            Some("ab.txt")
        );
        assert_eq!(sanitize_file_name("../"), None);
        assert_eq!(sanitize_file_name("   "), None);
        assert!(sanitize_file_name(&"x".repeat(500)).unwrap().len() <= MAX_FILE_NAME);
    }
}
