//! Auto-reply, bulk and bounce recognition.
//!
//! [`classify`] looks at a parsed message and says what wrote it. Priority when several rules
//! match: **Bounce > AutoReply > Bulk > Normal** (a DSN often also carries
//! `Auto-Submitted: auto-replied`; it is still a bounce).
//!
//! - **Bounce**: an RFC 3464 delivery-status report (`multipart/report;
//!   report-type=delivery-status`, or any `message/delivery-status` part); an RFC 5965 abuse
//!   feedback report (ARF, a complaint: the recipient should not be mailed again); mail from
//!   `MAILER-DAEMON`; an `X-Failed-Recipients` header; otherwise a non-standard bounce needs
//!   both *content* (a bounce subject such as "Undelivered Mail Returned to Sender", or
//!   bounce wording in the text) and an *envelope* hint (empty Return-Path `<>`, From
//!   postmaster or empty, a returned `text/rfc822-headers` part, `Auto-Submitted`). A person
//!   forwarding a bounce, or writing "delivery failed" with a forwarded mail attached, stays
//!   Normal.
//! - **AutoReply**: RFC 3834 `Auto-Submitted` other than `no` (including `auto-generated`),
//!   RFC 8098 read receipts, `X-Autoreply`, `X-Autorespond`, `X-Auto-Response-Suppress` with
//!   `OOF` or `AutoReply` (not `All`: Outlook sets it on ordinary mail too),
//!   `Precedence: auto_reply`, and subjects such as "Automatic reply:", "Out of Office:",
//!   "Auto:", "Abwesenheitsnotiz". `X-MS-Exchange-Inbox-Rules-Loop` alone is *not* used: rule
//!   based forwards carry real customer mail.
//! - **Bulk**: `Precedence: bulk|list|junk`, `List-Id`, `List-Unsubscribe`.

use mail_parser::{HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use serde::{Deserialize, Serialize};

use crate::thread::normalize_message_id;

mod auto;
mod bounce;
mod dsn;
mod recipients;
mod ses;

use auto::*;
use bounce::*;
use dsn::*;
use recipients::*;
use ses::*;

pub(crate) use recipients::find_addresses;

/// What wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// A person.
    Normal,
    /// An automatic answer (out of office, auto-acknowledgement, read receipt…).
    AutoReply,
    /// Mass mail (lists, newsletters).
    Bulk,
    /// A delivery failure, delay report or abuse complaint about something we sent.
    Bounce,
}

impl MailKind {
    /// Every kind, in priority order (lowest first).
    pub const ALL: [MailKind; 4] = [
        MailKind::Normal,
        MailKind::Bulk,
        MailKind::AutoReply,
        MailKind::Bounce,
    ];

    /// The stable name stored and shown (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Normal => "normal",
            MailKind::AutoReply => "auto_reply",
            MailKind::Bulk => "bulk",
            MailKind::Bounce => "bounce",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<MailKind> {
        MailKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl From<MailKind> for switchboard_domain::EmailKind {
    fn from(kind: MailKind) -> Self {
        match kind {
            MailKind::Normal => switchboard_domain::EmailKind::Normal,
            MailKind::AutoReply => switchboard_domain::EmailKind::AutoReply,
            MailKind::Bulk => switchboard_domain::EmailKind::Bulk,
            MailKind::Bounce => switchboard_domain::EmailKind::Bounce,
        }
    }
}

/// The verdict on one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// What wrote it.
    pub kind: MailKind,
    /// Which rule matched, e.g. `Auto-Submitted: auto-replied`; empty for normal mail.
    pub reason: String,
    /// For bounces, what the report says.
    pub bounce: Option<BounceReport>,
}

impl Classification {
    /// Mail written by a person.
    pub fn normal() -> Classification {
        Classification {
            kind: MailKind::Normal,
            reason: String::new(),
            bounce: None,
        }
    }

    /// Whether a machine wrote it (auto-reply, bulk or bounce): we never send an automatic
    /// message to an automatic message.
    pub fn is_automatic(&self) -> bool {
        self.kind != MailKind::Normal
    }

    fn of(kind: MailKind, reason: impl Into<String>) -> Classification {
        Classification {
            kind,
            reason: reason.into(),
            bounce: None,
        }
    }
}

/// What a bounce says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BounceReport {
    /// Message-ID of the message that bounced: from the returned message or headers part,
    /// else from In-Reply-To / References.
    pub original_message_id: Option<String>,
    /// The recipients reported on (may be empty when a non-standard bounce names nobody).
    pub recipients: Vec<BouncedRecipient>,
    /// Whether delivery failed for good (5.x.x, `Action: failed`) rather than being delayed.
    pub permanent: bool,
}

impl From<BounceReport> for switchboard_domain::BounceInfo {
    fn from(report: BounceReport) -> Self {
        switchboard_domain::BounceInfo {
            original_message_id: report.original_message_id,
            recipients: report.recipients.into_iter().map(Into::into).collect(),
            permanent: report.permanent,
        }
    }
}

/// One recipient a bounce reports on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BouncedRecipient {
    /// The address that failed.
    pub address: String,
    /// RFC 3464 action (`failed`, `delayed`, `delivered`…), lowercase.
    pub action: Option<String>,
    /// RFC 3463 status code, e.g. `5.1.1`.
    pub status: Option<String>,
    /// The server's explanation.
    pub diagnostic: Option<String>,
}

impl From<BouncedRecipient> for switchboard_domain::BouncedRecipient {
    fn from(r: BouncedRecipient) -> Self {
        switchboard_domain::BouncedRecipient {
            address: r.address,
            status: r.status,
            diagnostic: r.diagnostic,
        }
    }
}

/// How much of the text body the heuristics read.
pub(super) const SCAN_LIMIT: usize = 16 * 1024;
/// Longest diagnostic kept per recipient.
pub(super) const MAX_DIAGNOSTIC: usize = 500;
/// Most recipients taken from one bounce.
pub(super) const MAX_RECIPIENTS: usize = 100;

/// Classifies a parsed message. Priority: Bounce > AutoReply > Bulk > Normal.
pub fn classify(msg: &Message<'_>) -> Classification {
    if let Some(found) = bounce(msg) {
        return found;
    }
    if let Some(reason) = auto_reply_reason(msg) {
        return Classification::of(MailKind::AutoReply, reason);
    }
    if let Some(reason) = bulk_reason(msg) {
        return Classification::of(MailKind::Bulk, reason);
    }
    Classification::normal()
}

// ---------------------------------------------------------------------------------------------
// Headers and parts
// ---------------------------------------------------------------------------------------------

/// A top-level header as unfolded, trimmed text (no RFC 2047 decoding).
pub(super) fn header(msg: &Message<'_>, name: &'static str) -> Option<String> {
    msg.header_raw(name).map(unfold)
}

/// Joins folded header lines and trims.
pub(super) fn unfold(raw: &str) -> String {
    raw.split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The lowercase `type/subtype` of a part or message.
pub(crate) fn mime_type<'x>(headers: &impl MimeHeaders<'x>) -> Option<String> {
    let ct = headers.content_type()?;
    Some(format!(
        "{}/{}",
        ct.ctype().to_ascii_lowercase(),
        ct.subtype().unwrap_or("").to_ascii_lowercase()
    ))
}

/// The `report-type` of a top-level `multipart/report`, lowercase.
pub(super) fn report_type(msg: &Message<'_>) -> Option<String> {
    let ct = msg.root_part().content_type()?;
    let is_report = ct.ctype().eq_ignore_ascii_case("multipart")
        && ct
            .subtype()
            .is_some_and(|s| s.eq_ignore_ascii_case("report"));
    is_report.then(|| {
        ct.attribute("report-type")
            .unwrap_or("")
            .to_ascii_lowercase()
    })
}

/// The first part (outside nested messages) whose type is one of `types`.
pub(super) fn part_of_type<'m, 'x>(
    msg: &'m Message<'x>,
    types: &[&str],
) -> Option<&'m MessagePart<'x>> {
    msg.parts
        .iter()
        .skip(1)
        .find(|p| mime_type(*p).is_some_and(|t| types.contains(&t.as_str())))
}

/// A part's body as text (lossy for binary bodies).
pub(super) fn part_text(part: &MessagePart<'_>) -> String {
    match &part.body {
        PartType::Text(t) | PartType::Html(t) => t.to_string(),
        PartType::Binary(b) | PartType::InlineBinary(b) => String::from_utf8_lossy(b).into_owned(),
        PartType::Message(m) => String::from_utf8_lossy(m.raw_message()).into_owned(),
        PartType::Multipart(_) => String::new(),
    }
}

/// The start of the plain-text body, capped at [`SCAN_LIMIT`]. When the message has no text
/// body (typically a broken MIME structure), its text attachments stand in.
pub(super) fn body_text(msg: &Message<'_>) -> String {
    let mut out = collect_text(msg, &msg.text_body);
    if out.trim().is_empty() {
        out = collect_text(msg, &msg.attachments);
    }
    truncate_chars(&mut out, SCAN_LIMIT);
    out
}

/// The text of the listed parts (HTML rendered as text; other parts skipped), stopping once
/// past [`SCAN_LIMIT`].
pub(super) fn collect_text(msg: &Message<'_>, ids: &[u32]) -> String {
    let mut out = String::new();
    for part in ids.iter().filter_map(|id| msg.parts.get(*id as usize)) {
        match &part.body {
            PartType::Text(t) => out.push_str(t),
            PartType::Html(h) => out.push_str(&switchboard_domain::html_text::html_to_text(h)),
            // A multipart whose boundary could not be read stays one opaque part.
            PartType::Binary(b) if mime_type(part).is_some_and(|t| t.starts_with("multipart/")) => {
                out.push_str(&String::from_utf8_lossy(b));
            }
            _ => continue,
        }
        out.push('\n');
        if out.len() >= SCAN_LIMIT {
            break;
        }
    }
    out
}

/// Truncates `s` to at most `max` bytes on a char boundary.
pub(super) fn truncate_chars(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

/// The first address of the From header, lowercase, and its display name, lowercase.
/// `None` when there is no From header at all.
pub(super) fn from_parts(msg: &Message<'_>) -> Option<(String, String)> {
    let value = msg.header(mail_parser::HeaderName::From)?;
    let first = match value {
        HeaderValue::Address(a) => a.first(),
        _ => None,
    };
    let address = first
        .and_then(|a| a.address())
        .unwrap_or("")
        .trim()
        .to_lowercase();
    let name = first.and_then(|a| a.name()).unwrap_or("").to_lowercase();
    Some((address, name))
}

/// The local part of an address (all of it when there is no `@`).
pub(super) fn local_part(address: &str) -> &str {
    address.split('@').next().unwrap_or(address)
}

#[cfg(test)]
mod tests;
