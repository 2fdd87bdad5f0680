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
const SCAN_LIMIT: usize = 16 * 1024;
/// Longest diagnostic kept per recipient.
const MAX_DIAGNOSTIC: usize = 500;
/// Most recipients taken from one bounce.
const MAX_RECIPIENTS: usize = 100;

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
fn header(msg: &Message<'_>, name: &'static str) -> Option<String> {
    msg.header_raw(name).map(unfold)
}

/// Joins folded header lines and trims.
fn unfold(raw: &str) -> String {
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
fn report_type(msg: &Message<'_>) -> Option<String> {
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
fn part_of_type<'m, 'x>(msg: &'m Message<'x>, types: &[&str]) -> Option<&'m MessagePart<'x>> {
    msg.parts
        .iter()
        .skip(1)
        .find(|p| mime_type(*p).is_some_and(|t| types.contains(&t.as_str())))
}

/// A part's body as text (lossy for binary bodies).
fn part_text(part: &MessagePart<'_>) -> String {
    match &part.body {
        PartType::Text(t) | PartType::Html(t) => t.to_string(),
        PartType::Binary(b) | PartType::InlineBinary(b) => String::from_utf8_lossy(b).into_owned(),
        PartType::Message(m) => String::from_utf8_lossy(m.raw_message()).into_owned(),
        PartType::Multipart(_) => String::new(),
    }
}

/// The start of the plain-text body, capped at [`SCAN_LIMIT`]. When the message has no text
/// body (typically a broken MIME structure), its text attachments stand in.
fn body_text(msg: &Message<'_>) -> String {
    let mut out = collect_text(msg, &msg.text_body);
    if out.trim().is_empty() {
        out = collect_text(msg, &msg.attachments);
    }
    truncate_chars(&mut out, SCAN_LIMIT);
    out
}

/// The text of the listed parts (HTML rendered as text; other parts skipped), stopping once
/// past [`SCAN_LIMIT`].
fn collect_text(msg: &Message<'_>, ids: &[u32]) -> String {
    let mut out = String::new();
    for part in ids.iter().filter_map(|id| msg.parts.get(*id as usize)) {
        match &part.body {
            PartType::Text(t) => out.push_str(t),
            PartType::Html(h) => out.push_str(&crate::parse::html_to_text(h)),
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
fn truncate_chars(s: &mut String, max: usize) {
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
fn from_parts(msg: &Message<'_>) -> Option<(String, String)> {
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
fn local_part(address: &str) -> &str {
    address.split('@').next().unwrap_or(address)
}

// ---------------------------------------------------------------------------------------------
// Bounces
// ---------------------------------------------------------------------------------------------

const DAEMON_LOCAL_PARTS: &[&str] = &[
    "mailer-daemon",
    "mailer_daemon",
    "mailerdaemon",
    "mail-daemon",
];
const DAEMON_NAMES: &[&str] = &[
    "mailer-daemon",
    "mailer daemon",
    "mail delivery subsystem",
    "mail delivery system",
    "mail deliver system",
];
const POSTMASTER_LOCAL_PARTS: &[&str] = &["postmaster", "post_master", "mailadmin", "mail-admin"];

const NOREPLY_LOCAL_PARTS: &[&str] = &[
    "no-reply",
    "noreply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
];

/// Subject phrases MTAs use for bounces, lowercase, matched anywhere in the subject.
const BOUNCE_SUBJECTS: &[&str] = &[
    "undelivered mail returned to sender",
    "delivery status notification (failure)",
    "delivery status notification (delay)",
    "delivery status notification: error",
    "delivery status notification: failed",
    "delivery status notification: delayed",
    "delivery status notification: warning",
    "mail delivery status notification",
    "undeliverable:",
    "undeliverable mail",
    "undeliverable message",
    "undelivered mail",
    "failure notice",
    "returned mail:",
    "returned mail -",
    "mail delivery failed",
    "mail delivery failure",
    "message delivery has failed",
    "delivery failure",
    "failed delivery",
    "failure delivery",
    "delivery failed",
    "non delivery notification",
    "non-delivery notification",
    "mail could not be delivered",
    "message could not be delivered",
    "mail system error - returned mail",
    "warning: message",
    "delayed mail (still being retried)",
    "could not send mail for past",
    "there was an error sending your mail",
    "email delivery failure",
    "mail failed, returning to sender",
    "mail failure -",
    "nondeliverable mail",
    "delivery notification: delivery has failed",
];

/// Wording typical of bounce texts, lowercase.
const BOUNCE_PHRASES: &[&str] = &[
    "could not be delivered",
    "couldn't be delivered",
    "could not deliver",
    "couldn't deliver",
    "cannot be delivered",
    "can not be delivered",
    "unable to deliver",
    "was not delivered",
    "wasn't delivered",
    "not be delivered",
    "failed to deliver",
    "delivery has failed",
    "delivery failed",
    "delivery to the following recipient",
    "did not reach the following recipient",
    "undeliverable",
    "undelivered mail",
    "permanent error",
    "permanent fatal error",
    "returned to sender",
    "returning message to sender",
    "wasn't able to deliver",
    "was not able to deliver",
    "message was rejected",
    "email you sent was rejected",
    "mail delivery software",
    "this is the mail system at host",
    "delivery status notification",
    "user unknown",
    "unknown user",
    "no such user",
    "mailbox unavailable",
    "mailbox is full",
    "mailbox full",
    "recipient address rejected",
    "host unknown",
    "delivery has been delayed",
    "still being retried",
    "has not yet been delivered",
    "will continue to try",
    "transcript of session follows",
];

/// Markers after which a bounce quotes the returned message, lowercase.
const RETURNED_MESSAGE_MARKERS: &[&str] = &[
    "this is a copy of the message",
    "below this line is a copy of the message",
    "original message follows",
    "----- original message",
    "original message headers",
    "message text follows",
    "returned message",
    "header of the original message",
    "content-type: message/rfc822",
    "bounced e-mail:",
];

/// Recognises a bounce (or an abuse complaint) and extracts its report.
fn bounce(msg: &Message<'_>) -> Option<Classification> {
    if let Some((reason, report)) = ses_notification(msg) {
        return Some(Classification {
            kind: MailKind::Bounce,
            reason: reason.to_string(),
            bounce: Some(report),
        });
    }
    let report = report_type(msg);
    let mut complaint = false;
    let reason = if report.as_deref() == Some("delivery-status")
        || part_of_type(
            msg,
            &["message/delivery-status", "message/global-delivery-status"],
        )
        .is_some()
    {
        "RFC 3464 delivery-status report".to_string()
    } else if report.as_deref() == Some("feedback-report")
        || part_of_type(msg, &["message/feedback-report"]).is_some()
    {
        complaint = true;
        "RFC 5965 feedback report (complaint)".to_string()
    } else {
        let reason = heuristic_bounce_reason(msg)?;
        complaint = reason.contains("complaint");
        reason
    };
    Some(Classification {
        kind: MailKind::Bounce,
        reason,
        bounce: Some(bounce_report(msg, complaint)),
    })
}

/// Why a message without a standard report looks like a bounce, if it does.
fn heuristic_bounce_reason(msg: &Message<'_>) -> Option<String> {
    let from = from_parts(msg);
    if let Some((address, name)) = &from
        && (DAEMON_LOCAL_PARTS.contains(&local_part(address))
            || DAEMON_NAMES.iter().any(|n| name.contains(n)))
    {
        return Some("From MAILER-DAEMON".to_string());
    }
    if header(msg, "X-Failed-Recipients").is_some_and(|v| !v.is_empty()) {
        return Some("X-Failed-Recipients header".to_string());
    }
    if is_hotmail_complaint(msg.subject().unwrap_or("")) {
        return Some("Hotmail complaint (JMRP)".to_string());
    }
    let content = bounce_content(msg)?;
    let envelope = bounce_envelope(msg, from.as_ref())?;
    Some(format!("non-standard bounce: {content}, {envelope}"))
}

/// Hotmail's junk-mail reports: "complaint about message from <IP address>".
fn is_hotmail_complaint(subject: &str) -> bool {
    let lower = subject.trim().to_lowercase();
    lower
        .strip_prefix("complaint about message from ")
        .is_some_and(|ip| {
            !ip.is_empty()
                && ip
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':'))
        })
}

/// Content that says "delivery failed": a bounce subject or bounce wording in the text.
fn bounce_content(msg: &Message<'_>) -> Option<String> {
    let subject = msg.subject().unwrap_or("").trim().to_lowercase();
    if !is_reply_or_forward(&subject)
        && let Some(hit) = BOUNCE_SUBJECTS.iter().find(|p| subject.contains(*p))
    {
        return Some(format!("subject \"{hit}\""));
    }
    let text = body_text(msg).to_lowercase();
    BOUNCE_PHRASES
        .iter()
        .find(|p| text.contains(*p))
        .map(|p| format!("text \"{p}\""))
}

/// Whether a (lowercase) subject starts with a forward or reply prefix.
fn is_reply_or_forward(subject: &str) -> bool {
    [
        "fwd:", "fw:", "wg:", "tr:", "re:", "aw:", "sv:", "vs:", "rv:", "enc:",
    ]
    .iter()
    .any(|p| subject.starts_with(p))
}

/// Envelope hints that a machine sent it.
fn bounce_envelope(msg: &Message<'_>, from: Option<&(String, String)>) -> Option<&'static str> {
    if is_null_return_path(msg) {
        return Some("empty Return-Path");
    }
    match from {
        None => return Some("no From"),
        Some((address, _)) if address.is_empty() => return Some("empty From"),
        Some((address, _)) if POSTMASTER_LOCAL_PARTS.contains(&local_part(address)) => {
            return Some("From postmaster");
        }
        Some((address, _)) if NOREPLY_LOCAL_PARTS.contains(&local_part(address)) => {
            return Some("From no-reply");
        }
        _ => {}
    }
    // Returned headers only, not a whole message/rfc822: people forward mail as attachments.
    if part_of_type(msg, &["text/rfc822-headers", "message/rfc822-headers"]).is_some() {
        return Some("returned headers attached");
    }
    auto_submitted(msg).map(|_| "Auto-Submitted")
}

/// Whether the Return-Path is the null path `<>`.
fn is_null_return_path(msg: &Message<'_>) -> bool {
    header(msg, "Return-Path").is_some_and(|v| {
        let inner: String = v.chars().filter(|c| !c.is_whitespace()).collect();
        inner == "<>"
    })
}

/// Builds the report: recipients, permanence and the original Message-ID. A complaint is
/// never permanent: the message was delivered.
fn bounce_report(msg: &Message<'_>, complaint: bool) -> BounceReport {
    let text = body_text(msg);
    let original_message_id = original_message_id(msg, &text);
    let mut recipients = part_of_type(
        msg,
        &["message/delivery-status", "message/global-delivery-status"],
    )
    .map(|p| parse_delivery_status(&part_text(p)))
    .unwrap_or_default();
    if recipients.is_empty() {
        recipients = feedback_recipients(msg);
    }
    if recipients.is_empty() {
        let mut exclude = own_addresses(msg);
        exclude.extend(original_message_id.as_ref().map(|id| id.to_lowercase()));
        recipients = recipients_from_text(&text, &exclude);
    }
    let subject = msg.subject().unwrap_or("").to_lowercase();
    BounceReport {
        original_message_id,
        permanent: !complaint && is_permanent(&recipients, &subject),
        recipients,
    }
}

/// Subject words of reports that are not (yet) a failure.
const NOT_FAILED_SUBJECTS: &[&str] = &["delay", "warning", "still being retried", "complaint"];

/// Permanent when any recipient failed for good (5.x.x or `Action: failed`). When the
/// recipients carry no status at all, permanent unless the subject speaks of a delay.
fn is_permanent(recipients: &[BouncedRecipient], subject: &str) -> bool {
    let failed = |r: &BouncedRecipient| {
        r.action.as_deref() == Some("failed")
            || r.status.as_deref().is_some_and(|s| s.starts_with('5'))
    };
    if recipients.iter().any(failed) {
        return true;
    }
    let known = recipients
        .iter()
        .any(|r| r.action.is_some() || r.status.is_some());
    !known && !NOT_FAILED_SUBJECTS.iter().any(|w| subject.contains(w))
}

/// Parses the per-recipient fields of a `message/delivery-status` body.
fn parse_delivery_status(body: &str) -> Vec<BouncedRecipient> {
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
fn dsn_lines(body: &str) -> Vec<(Option<String>, String)> {
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
struct DsnFields {
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
fn typed_address(value: &str) -> Option<String> {
    let address = strip_type(value)
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string();
    (!address.is_empty()).then_some(address)
}

/// `smtp; 550 …` → `550 …`: drops the type of an RFC 3464 typed value.
fn strip_type(value: &str) -> &str {
    match value.split_once(';') {
        Some((kind, rest)) if !kind.contains(' ') && kind.len() < 20 => rest.trim(),
        _ => value.trim(),
    }
}

/// At most [`MAX_DIAGNOSTIC`] bytes of `s`.
fn clip(s: &str) -> String {
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
fn status_code_at(bytes: &[u8], i: usize) -> Option<String> {
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

/// Recipients of an ARF complaint: its `Original-Rcpt-To` fields, else the complained-about
/// message's To.
fn feedback_recipients(msg: &Message<'_>) -> Vec<BouncedRecipient> {
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
fn own_addresses(msg: &Message<'_>) -> Vec<String> {
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
const NOT_RECIPIENT_LINES: &[&str] = &[
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
fn recipients_from_text(text: &str, exclude: &[String]) -> Vec<BouncedRecipient> {
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
const MAX_TEXT_RECIPIENTS: usize = 20;

/// The part of a bounce text before it quotes the returned message.
fn before_returned_message(text: &str) -> &str {
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
fn bracketed_addresses(line: &str) -> Vec<String> {
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
fn original_message_id(msg: &Message<'_>, text: &str) -> Option<String> {
    returned_message_id(msg)
        .or_else(|| message_id_in_text(text))
        .or_else(|| first_id(msg.in_reply_to()))
        .or_else(|| last_id(msg.references()))
}

/// The Message-ID of a returned `message/rfc822` or `text/rfc822-headers` part.
fn returned_message_id(msg: &Message<'_>) -> Option<String> {
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
fn message_id_in_text(text: &str) -> Option<String> {
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
fn first_id(value: &HeaderValue<'_>) -> Option<String> {
    match value {
        HeaderValue::Text(t) => normalize_message_id(t),
        HeaderValue::TextList(l) => l.iter().find_map(|t| normalize_message_id(t)),
        _ => None,
    }
}

/// The last id of an id header (the parent, in References).
fn last_id(value: &HeaderValue<'_>) -> Option<String> {
    match value {
        HeaderValue::Text(t) => normalize_message_id(t),
        HeaderValue::TextList(l) => l.iter().rev().find_map(|t| normalize_message_id(t)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Amazon SES notifications (JSON bounce reports mailed through SNS)
// ---------------------------------------------------------------------------------------------

/// An Amazon SES bounce, complaint or delivery notification delivered by SNS email: a JSON
/// body from `sns.amazonaws.com` (or with an `x-amz-sns-message-id` header).
fn ses_notification(msg: &Message<'_>) -> Option<(&'static str, BounceReport)> {
    let from_sns =
        from_parts(msg).is_some_and(|(address, _)| address.ends_with("@sns.amazonaws.com"));
    if !from_sns && header(msg, "x-amz-sns-message-id").is_none() {
        return None;
    }
    // Long lines may arrive wrapped, even inside JSON strings: join them back.
    let text: String = collect_text(msg, &msg.text_body)
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n'))
        .collect();
    let json_text = text.get(text.find('{')?..=text.rfind('}')?)?;
    let mut json: serde_json::Value = serde_json::from_str(json_text).ok()?;
    // The "JSON" SNS format wraps the SES notification in a string field.
    if let Some(inner) = json.get("Message").and_then(|m| m.as_str()) {
        json = serde_json::from_str(inner).ok()?;
    }
    let (reason, recipients, permanent) = match json.get("notificationType")?.as_str()? {
        "Bounce" => (
            "Amazon SES bounce notification",
            ses_recipients(&json["bounce"]["bouncedRecipients"], None),
            json["bounce"]["bounceType"].as_str() == Some("Permanent"),
        ),
        "Complaint" => {
            let kind = json["complaint"]["complaintFeedbackType"]
                .as_str()
                .unwrap_or("complaint");
            (
                "Amazon SES complaint notification",
                ses_recipients(&json["complaint"]["complainedRecipients"], Some(kind)),
                false,
            )
        }
        "Delivery" => (
            "Amazon SES delivery notification",
            ses_recipients(&json["delivery"]["recipients"], None),
            false,
        ),
        _ => return None,
    };
    let original_message_id = json["mail"]["commonHeaders"]["messageId"]
        .as_str()
        .and_then(normalize_message_id)
        .or_else(|| first_id(msg.in_reply_to()));
    Some((
        reason,
        BounceReport {
            original_message_id,
            recipients,
            permanent,
        },
    ))
}

/// SES recipient entries: objects with `emailAddress`, `action`, `status`,
/// `diagnosticCode`, or plain address strings (delivery notifications).
fn ses_recipients(list: &serde_json::Value, diagnostic: Option<&str>) -> Vec<BouncedRecipient> {
    let text =
        |v: &serde_json::Value, key: &str| v.get(key).and_then(|x| x.as_str()).map(str::to_string);
    list.as_array()
        .into_iter()
        .flatten()
        .take(MAX_RECIPIENTS)
        .filter_map(|entry| {
            let address = entry
                .as_str()
                .map(str::to_string)
                .or_else(|| text(entry, "emailAddress"))?;
            let delivered = entry.is_string();
            Some(BouncedRecipient {
                address,
                action: text(entry, "action")
                    .or_else(|| delivered.then(|| "delivered".to_string())),
                status: text(entry, "status"),
                diagnostic: text(entry, "diagnosticCode")
                    .map(|d| clip(&d))
                    .or_else(|| diagnostic.map(str::to_string)),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Auto-replies and bulk
// ---------------------------------------------------------------------------------------------

/// Subject prefixes of auto-replies that are unambiguous on their own, lowercase.
const AUTO_REPLY_SUBJECTS: &[&str] = &[
    "automatic reply",
    "auto reply",
    "auto-reply",
    "autoreply",
    "auto response",
    "auto-response",
    "autoresponse",
    "automated response",
    "automated reply",
    "automatische antwort",
    "abwesenheitsnotiz",
    "réponse automatique",
    "reponse automatique",
    "respuesta automática",
    "respuesta automatica",
    "risposta automatica",
    "automatisch antwoord",
    "automatisk svar",
    "autosvar",
    "out of office autoreply",
    "out of office reply",
];

/// Subject words that mean an auto-reply only when a colon follows (`Auto: …`,
/// `Out of Office: …`), lowercase.
const AUTO_REPLY_COLON_SUBJECTS: &[&str] = &[
    "auto",
    "out of office",
    "out of the office",
    "ooo",
    "abwesend",
    "absence",
    "vacation",
];

/// The `Auto-Submitted` value when it is present and not `no`, lowercase.
fn auto_submitted(msg: &Message<'_>) -> Option<String> {
    let value = header(msg, "Auto-Submitted")?;
    let token = value
        .split([';', '(', ' ', '\t'])
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    (!token.is_empty() && token != "no").then_some(token)
}

/// Why a message looks like an automatic answer, if it does.
fn auto_reply_reason(msg: &Message<'_>) -> Option<String> {
    if let Some(value) = auto_submitted(msg) {
        return Some(format!("Auto-Submitted: {value}"));
    }
    if report_type(msg).as_deref() == Some("disposition-notification")
        || part_of_type(msg, &["message/disposition-notification"]).is_some()
    {
        return Some("RFC 8098 disposition notification".to_string());
    }
    for (name, reason) in [
        ("X-Autoreply", "X-Autoreply header"),
        ("X-Autorespond", "X-Autorespond header"),
        ("X-Autoresponder", "X-Autoresponder header"),
        ("X-Mail-Autoreply", "X-Mail-Autoreply header"),
        ("X-Autoreply-From", "X-Autoreply-From header"),
    ] {
        if header(msg, name)
            .is_some_and(|v| !matches!(v.to_ascii_lowercase().as_str(), "no" | "false" | "0"))
        {
            return Some(reason.to_string());
        }
    }
    if let Some(value) = header(msg, "X-Auto-Response-Suppress") {
        let lower = value.to_ascii_lowercase();
        if lower.contains("oof") || lower.contains("autoreply") {
            return Some(format!("X-Auto-Response-Suppress: {value}"));
        }
    }
    if header(msg, "Precedence").is_some_and(|v| v.eq_ignore_ascii_case("auto_reply")) {
        return Some("Precedence: auto_reply".to_string());
    }
    if header(msg, "X-Autogenerated").is_some_and(|v| v.eq_ignore_ascii_case("reply")) {
        return Some("X-Autogenerated: Reply".to_string());
    }
    auto_reply_subject(msg.subject().unwrap_or("")).map(|p| format!("subject \"{p}\""))
}

/// The auto-reply subject prefix `subject` starts with, if any.
fn auto_reply_subject(subject: &str) -> Option<&'static str> {
    let lower = subject
        .trim()
        .trim_start_matches(['[', '('])
        .trim_start()
        .to_lowercase();
    if let Some(hit) = AUTO_REPLY_SUBJECTS.iter().find(|p| lower.starts_with(*p)) {
        return Some(hit);
    }
    AUTO_REPLY_COLON_SUBJECTS.iter().copied().find(|p| {
        lower
            .strip_prefix(p)
            .map(|rest| rest.trim_start_matches([']', ')']).trim_start())
            .is_some_and(|rest| rest.starts_with(':') || rest.starts_with('：'))
    })
}

/// Headers only mailing-list software adds (RFC 2369/2919, ezmlm, fml).
const LIST_HEADERS: &[&str] = &[
    "List-Id",
    "List-Unsubscribe",
    "List-Subscribe",
    "List-Post",
    "List-Help",
    "List-Owner",
    "Mailing-List",
    "X-Mailing-List",
    "X-MLServer",
];

/// Why a message looks like mass mail, if it does.
fn bulk_reason(msg: &Message<'_>) -> Option<String> {
    if let Some(value) = header(msg, "Precedence") {
        let lower = value.to_ascii_lowercase();
        if matches!(lower.as_str(), "bulk" | "list" | "junk") {
            return Some(format!("Precedence: {lower}"));
        }
    }
    LIST_HEADERS
        .iter()
        .find(|name| header(msg, name).is_some())
        .map(|name| format!("{name} header"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify_raw(raw: &str) -> Classification {
        match MessageParser::default().parse(raw.as_bytes()) {
            Some(msg) => classify(&msg),
            None => Classification::of(MailKind::Normal, "unparsed"),
        }
    }

    const DSN: &str = "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n\
To: support@example.org\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
Auto-Submitted: auto-replied\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\
\r\n\
--b\r\n\
Content-Type: text/plain\r\n\
\r\n\
I'm sorry to have to inform you that your message could not be delivered.\r\n\
--b\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.example.com\r\n\
\r\n\
Final-Recipient: rfc822; gone@example.net\r\n\
Original-Recipient: rfc822;gone@example.net\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.net>: Recipient address\r\n\
\trejected: User unknown\r\n\
\r\n\
Final-Recipient: rfc822; slow@example.net\r\n\
Action: delayed\r\n\
Status: 4.4.7\r\n\
--b\r\n\
Content-Type: message/rfc822\r\n\
\r\n\
From: support@example.org\r\n\
To: gone@example.net\r\n\
Subject: Your case [#12]\r\n\
Message-ID: <case-12-1@switchboard.example.org>\r\n\
\r\n\
Hello\r\n\
--b--\r\n";

    #[test]
    fn dsn_is_a_bounce_with_recipients() {
        let c = classify_raw(DSN);
        assert_eq!(c.kind, MailKind::Bounce);
        assert_eq!(c.reason, "RFC 3464 delivery-status report");
        let report = c.bounce.unwrap();
        assert!(report.permanent);
        assert_eq!(
            report.original_message_id.as_deref(),
            Some("case-12-1@switchboard.example.org")
        );
        assert_eq!(report.recipients.len(), 2);
        let first = &report.recipients[0];
        assert_eq!(first.address, "gone@example.net");
        assert_eq!(first.action.as_deref(), Some("failed"));
        assert_eq!(first.status.as_deref(), Some("5.1.1"));
        assert_eq!(
            first.diagnostic.as_deref(),
            Some("550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown")
        );
        assert_eq!(report.recipients[1].status.as_deref(), Some("4.4.7"));
    }

    #[test]
    fn delay_only_dsn_is_not_permanent() {
        let raw = DSN
            .replace("Action: failed", "Action: delayed")
            .replace("Status: 5.1.1", "Status: 4.4.1");
        let c = classify_raw(&raw);
        assert_eq!(c.kind, MailKind::Bounce);
        assert!(!c.bounce.unwrap().permanent);
    }

    #[test]
    fn qmail_style_bounce_is_recognised() {
        let raw = "From: MAILER-DAEMON@mx.example.jp\r\n\
To: support@example.org\r\n\
Subject: failure notice\r\n\
Return-Path: <>\r\n\
\r\n\
Hi. This is the qmail-send program at mx.example.jp.\r\n\
I'm afraid I wasn't able to deliver your message to the following addresses.\r\n\
\r\n\
<nobody@example.jp>:\r\n\
Sorry, no mailbox here by that name. (#5.1.1)\r\n\
\r\n\
--- Below this line is a copy of the message.\r\n\
\r\n\
From: support@example.org\r\n\
Message-ID: <orig@example.org>\r\n";
        let c = classify_raw(raw);
        assert_eq!(c.kind, MailKind::Bounce);
        let report = c.bounce.unwrap();
        assert_eq!(report.recipients.len(), 1);
        assert_eq!(report.recipients[0].address, "nobody@example.jp");
        assert_eq!(report.recipients[0].status.as_deref(), Some("5.1.1"));
        assert_eq!(
            report.original_message_id.as_deref(),
            Some("orig@example.org")
        );
        assert!(report.permanent);
    }

    #[test]
    fn forwarded_bounce_from_a_person_is_normal() {
        let raw = "From: Alice <alice@example.com>\r\n\
To: support@example.org\r\n\
Subject: Fwd: Undelivered Mail Returned to Sender\r\n\
\r\n\
Why did this happen? Your message could not be delivered, it says.\r\n";
        assert_eq!(classify_raw(raw).kind, MailKind::Normal);
    }

    #[test]
    fn auto_replies() {
        let base = "From: bob@example.com\r\nTo: support@example.org\r\n";
        let cases = [
            (
                "Auto-Submitted: auto-replied\r\nSubject: Hi\r\n",
                "Auto-Submitted: auto-replied",
            ),
            (
                "Auto-Submitted: auto-generated\r\nSubject: Hi\r\n",
                "Auto-Submitted: auto-generated",
            ),
            ("X-Autoreply: yes\r\nSubject: Hi\r\n", "X-Autoreply header"),
            (
                "X-Autorespond: Hi\r\nSubject: Hi\r\n",
                "X-Autorespond header",
            ),
            (
                "X-Auto-Response-Suppress: DR, OOF\r\nSubject: Hi\r\n",
                "X-Auto-Response-Suppress: DR, OOF",
            ),
            (
                "Subject: Automatic reply: Your case\r\n",
                "subject \"automatic reply\"",
            ),
            (
                "Subject: Out of Office: Your case\r\n",
                "subject \"out of office\"",
            ),
            ("Subject: Auto: Your case\r\n", "subject \"auto\""),
            (
                "Subject: Abwesenheitsnotiz: Ihr Fall\r\n",
                "subject \"abwesenheitsnotiz\"",
            ),
        ];
        for (headers, reason) in cases {
            let c = classify_raw(&format!("{base}{headers}\r\nbody\r\n"));
            assert_eq!(c.kind, MailKind::AutoReply, "{headers}");
            assert_eq!(c.reason, reason);
            assert!(c.is_automatic());
        }
    }

    #[test]
    fn ordinary_subjects_are_not_auto_replies() {
        let base = "From: bob@example.com\r\nTo: support@example.org\r\n";
        for subject in [
            "Automobile insurance",
            "Out of office next week?",
            "Auto parts",
            "Hello",
        ] {
            let c = classify_raw(&format!("{base}Subject: {subject}\r\n\r\nbody\r\n"));
            assert_eq!(c.kind, MailKind::Normal, "{subject}");
            assert!(!c.is_automatic());
        }
        let c = classify_raw(&format!(
            "{base}Auto-Submitted: no\r\nSubject: Hi\r\n\r\nbody\r\n"
        ));
        assert_eq!(c.kind, MailKind::Normal);
    }

    #[test]
    fn bulk_mail() {
        let base = "From: news@example.com\r\nTo: support@example.org\r\nSubject: News\r\n";
        for (header, reason) in [
            ("Precedence: bulk\r\n", "Precedence: bulk"),
            ("List-Id: <news.example.com>\r\n", "List-Id header"),
            (
                "List-Unsubscribe: <mailto:u@example.com>\r\n",
                "List-Unsubscribe header",
            ),
        ] {
            let c = classify_raw(&format!("{base}{header}\r\nbody\r\n"));
            assert_eq!(c.kind, MailKind::Bulk);
            assert_eq!(c.reason, reason);
        }
        // Auto-reply beats bulk.
        let c = classify_raw(&format!(
            "{base}Precedence: bulk\r\nAuto-Submitted: auto-replied\r\n\r\nbody\r\n"
        ));
        assert_eq!(c.kind, MailKind::AutoReply);
    }

    #[test]
    fn status_codes() {
        assert_eq!(
            find_status_code("550 5.1.1 <a@b.c>").as_deref(),
            Some("5.1.1")
        );
        assert_eq!(find_status_code("(#4.4.7)").as_deref(), Some("4.4.7"));
        assert_eq!(find_status_code("Exim 4.94.2 and 10.5.1.1"), None);
        assert_eq!(find_status_code("2.0.0 ok"), None);
    }

    #[test]
    fn addresses_in_text() {
        assert_eq!(
            find_addresses("<a.b@example.com>: said x@y and c@d.org."),
            vec!["a.b@example.com".to_string(), "c@d.org".to_string()]
        );
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in MailKind::ALL {
            assert_eq!(MailKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }
}
