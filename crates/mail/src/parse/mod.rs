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

mod attachments;
mod bodies;
mod headers;

use attachments::*;
use bodies::*;
use headers::*;

pub use attachments::sanitize_file_name;
pub(crate) use headers::ids;

/// Bodies longer than this (in bytes of UTF-8 text) are truncated.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Attachments beyond this many are dropped.
pub const MAX_ATTACHMENTS: usize = 500;

/// Longest attachment file name kept, in bytes.
pub(super) const MAX_FILE_NAME: usize = 200;

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
pub(super) fn header_list(msg: &mail_parser::Message<'_>) -> Vec<(String, String)> {
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
pub(super) fn parse_message(raw: &[u8]) -> Result<Message<'_>, ParseError> {
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
pub(super) fn skip_mbox_separator(raw: &[u8]) -> &[u8] {
    let raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    if raw.starts_with(b"From ")
        && let Some(eol) = raw.iter().position(|b| *b == b'\n')
    {
        return &raw[eol + 1..];
    }
    raw
}

#[cfg(test)]
mod tests;
