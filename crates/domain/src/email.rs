//! Stored email messages, inbound and outbound, and the pure rules around them: how an inbound
//! message was classified and threaded, what happened to it, and the department's hygiene
//! settings (blocked senders, domains and attachment extensions).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::ids::{
    ActivityId, AliasId, AttachmentId, CaseId, DeliveryExceptionId, DepartmentId, EmailId,
};
use crate::time::Timestamp;

/// Inbound or outbound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Received from a customer.
    Inbound,
    /// Sent by the center.
    Outbound,
}

/// What kind of message an inbound email is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    /// Written by a person.
    Normal,
    /// An automatic answer (out of office, auto-acknowledgement…).
    AutoReply,
    /// Mass mail (lists, newsletters).
    Bulk,
    /// A delivery status notification: something we sent did not arrive.
    Bounce,
    /// Bytes that could not be read as a message; kept raw.
    Unparseable,
}

/// The customer that holds mail without a usable sender address (one per department). The
/// `.invalid` top-level domain can never be delivered to.
pub const UNKNOWN_SENDER: &str = "unknown-sender@switchboard.invalid";

/// How an inbound email found its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThreadRule {
    /// Its In-Reply-To names a message we stored or sent.
    InReplyTo,
    /// Its References name a message we stored or sent.
    References,
    /// Its subject carries our case token and the sender takes part in that case.
    CaseToken,
    /// None matched: a new case.
    NewCase,
}

/// What happened to an inbound email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It became an activity in the alias's queue.
    Activity,
    /// It became an activity in the exception queue (unparseable, no sender, unthreaded
    /// automatic mail).
    ExceptionQueue,
    /// Stored on its case without an activity (an automatic answer in a known thread).
    Attached,
    /// A bounce: recorded as a delivery exception.
    DeliveryException,
    /// The sender is blocked.
    Blocked,
    /// An outbound message (waiting in the outbox, sent or failed: see the outbox).
    Outbound,
}

macro_rules! str_enum {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            /// The stable name stored and shown.
            pub fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s),* }
            }
            /// Parses the stable name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(<$t>::$v),)* _ => None }
            }
        }
    };
}

str_enum!(Direction { Inbound => "inbound", Outbound => "outbound" });
str_enum!(EmailKind {
    Normal => "normal", AutoReply => "auto_reply", Bulk => "bulk", Bounce => "bounce",
    Unparseable => "unparseable",
});
str_enum!(ThreadRule {
    InReplyTo => "in_reply_to", References => "references", CaseToken => "case_token",
    NewCase => "new_case",
});
str_enum!(Outcome {
    Activity => "activity", ExceptionQueue => "exception_queue", Attached => "attached",
    DeliveryException => "delivery_exception", Blocked => "blocked", Outbound => "outbound",
});

impl EmailKind {
    /// Whether a machine wrote it: we never send an automatic message to an automatic message.
    pub fn is_automatic(self) -> bool {
        !matches!(self, EmailKind::Normal)
    }
}

/// A name and address, as in a From or To header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Mailbox {
    /// Display name.
    pub name: Option<String>,
    /// Address as written.
    pub address: String,
}

/// An attachment already in the blob store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StoredAttachment {
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Blob key; `None` when the attachment was blocked and not kept.
    pub blob: Option<String>,
    /// Content-ID, for `cid:` images.
    pub content_id: Option<String>,
    /// Shown inline rather than as a file.
    pub inline: bool,
}

/// One recipient a bounce reports on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BouncedRecipient {
    /// The address that failed.
    pub address: String,
    /// RFC 3464 status, e.g. `5.1.1`.
    pub status: Option<String>,
    /// The server's explanation.
    pub diagnostic: Option<String>,
}

/// What a bounce says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BounceInfo {
    /// Message-ID of the message that bounced.
    pub original_message_id: Option<String>,
    /// Who failed.
    pub recipients: Vec<BouncedRecipient>,
    /// Whether delivery failed for good (5.x.x) rather than being delayed.
    pub permanent: bool,
}

/// The readable content of an inbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundContent {
    /// Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To ids.
    pub in_reply_to: Vec<String>,
    /// References ids.
    pub references: Vec<String>,
    /// From.
    pub from: Option<Mailbox>,
    /// Reply-To.
    pub reply_to: Vec<Mailbox>,
    /// To.
    pub to: Vec<Mailbox>,
    /// Cc.
    pub cc: Vec<Mailbox>,
    /// The addresses it was delivered for (Delivered-To, X-Original-To, then To and Cc).
    pub original_recipients: Vec<String>,
    /// Subject.
    pub subject: String,
    /// Date header.
    pub date: Option<Timestamp>,
    /// Text body.
    pub text: String,
    /// HTML body, unsanitized.
    pub html: Option<String>,
    /// Kind.
    pub kind: EmailKind,
    /// Which rule decided the kind.
    pub kind_reason: String,
    /// For bounces, what the report says.
    pub bounce: Option<BounceInfo>,
    /// Attachments, already in the blob store.
    pub attachments: Vec<StoredAttachment>,
    /// Top-level headers as (name, unfolded value), bounded in count and size.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
}

/// A fetched message handed to the store: raw bytes already durable in the blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundEmail {
    /// The alias whose mailbox it was fetched from.
    pub mailbox_alias_id: AliasId,
    /// Where it was fetched from, unique per mailbox alias: `imap:<folder>:<uidvalidity>:<uid>`
    /// or `pop3:<uidl>`. The idempotency key.
    pub source_key: String,
    /// Blob key of the raw bytes.
    pub raw_blob: String,
    /// Raw size in bytes.
    pub raw_size: u64,
    /// The parsed content; `None` when the bytes could not be parsed.
    pub content: Option<InboundContent>,
    /// Why parsing failed, when it did.
    pub parse_error: Option<String>,
}

/// What the store did with an inbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestResult {
    /// The stored email.
    pub email_id: EmailId,
    /// False when the same message was already stored (nothing new was created).
    pub created: bool,
    /// What happened to it.
    pub outcome: Outcome,
    /// The activity made for it, if any.
    pub activity_id: Option<ActivityId>,
    /// Its case, if any.
    pub case_id: Option<CaseId>,
}

/// A stored email as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Email {
    /// Id.
    pub id: EmailId,
    /// Department.
    pub department_id: DepartmentId,
    /// The alias it came to or left from.
    pub alias_id: Option<AliasId>,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Message-ID.
    pub message_id: Option<String>,
    /// In-Reply-To ids.
    pub in_reply_to: Vec<String>,
    /// References ids.
    pub references: Vec<String>,
    /// From.
    pub from: Option<Mailbox>,
    /// To.
    pub to: Vec<Mailbox>,
    /// Cc.
    pub cc: Vec<Mailbox>,
    /// Subject.
    pub subject: String,
    /// Text body.
    pub text: String,
    /// Whether an HTML body exists (fetch it sanitized from `/emails/{id}/html`).
    pub has_html: bool,
    /// Kind.
    pub kind: EmailKind,
    /// Why it has that kind.
    pub kind_reason: String,
    /// What happened to it.
    pub outcome: Outcome,
    /// Why (e.g. the blocking rule, the parse error).
    pub outcome_reason: String,
    /// How it was threaded (inbound).
    pub thread_rule: Option<ThreadRule>,
    /// Case.
    pub case_id: Option<CaseId>,
    /// Activity.
    pub activity_id: Option<ActivityId>,
    /// Raw size in bytes.
    pub raw_size: u64,
    /// Whether a machine wrote it (outbound automatic messages included).
    pub automatic: bool,
    /// Attachments.
    pub attachments: Vec<Attachment>,
    /// When it was stored.
    pub created_at: Timestamp,
}

/// An attachment as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    /// Id.
    pub id: AttachmentId,
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Content-ID.
    pub content_id: Option<String>,
    /// Inline.
    pub inline: bool,
    /// Blocked by the department's extension rules (not downloadable).
    pub blocked: bool,
}

/// A bounce or a permanent send failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryException {
    /// Id.
    pub id: DeliveryExceptionId,
    /// Department.
    pub department_id: DepartmentId,
    /// The message of ours that failed, when known.
    pub email_id: Option<EmailId>,
    /// The bounce we received, when it came as one.
    pub bounce_email_id: Option<EmailId>,
    /// The outbound activity, when known.
    pub activity_id: Option<ActivityId>,
    /// Who could not be reached.
    pub recipient: Option<String>,
    /// Status code (RFC 3464 or SMTP).
    pub status: Option<String>,
    /// Explanation.
    pub reason: String,
    /// Permanent (true) or a delay report.
    pub permanent: bool,
    /// When it was recorded.
    pub created_at: Timestamp,
}

/// A department's email hygiene settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    /// Sender addresses whose mail is not turned into work (case-insensitive).
    #[serde(default)]
    pub blocked_addresses: Vec<String>,
    /// Sender domains (and their subdomains) whose mail is not turned into work.
    #[serde(default)]
    pub blocked_domains: Vec<String>,
    /// Attachment extensions that are not kept (e.g. `exe`, `js`).
    #[serde(default)]
    pub blocked_extensions: Vec<String>,
    /// The standard parts of the department's messages (aliases may override them).
    #[serde(default)]
    pub parts: crate::article::MessageParts,
}

impl EmailSettings {
    /// Validates and normalises: lower case, trimmed, no leading dots or `@`, no duplicates.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        fn clean(
            field: &str,
            list: &[String],
            strip: &[char],
            ok: impl Fn(&str) -> bool,
        ) -> Result<Vec<String>, ValidationError> {
            if list.len() > 10_000 {
                return Err(ValidationError::new(field, "at most 10,000 entries"));
            }
            let mut out: Vec<String> = Vec::with_capacity(list.len());
            for (i, v) in list.iter().enumerate() {
                let v = v.trim().trim_start_matches(strip).to_lowercase();
                if v.is_empty() || v.len() > 254 || !ok(&v) {
                    return Err(ValidationError::new(
                        format!("{field}[{i}]"),
                        "invalid entry",
                    ));
                }
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Ok(out)
        }
        let plain = |v: &str| !v.chars().any(|c| c.is_whitespace() || c.is_control());
        self.blocked_addresses = clean("blocked_addresses", &self.blocked_addresses, &[], |v| {
            plain(v) && v.contains('@')
        })?;
        self.blocked_domains = clean("blocked_domains", &self.blocked_domains, &['@', '.'], |v| {
            plain(v) && !v.contains('@')
        })?;
        self.blocked_extensions = clean(
            "blocked_extensions",
            &self.blocked_extensions,
            &['.'],
            |v| {
                v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            },
        )?;
        Ok(self)
    }

    /// Why mail from `address` is blocked, if it is.
    pub fn blocked_sender(&self, address: &str) -> Option<String> {
        let a = address.trim().to_lowercase();
        if self.blocked_addresses.contains(&a) {
            return Some(format!("sender address {a} is blocked"));
        }
        let domain = a.rsplit_once('@').map(|(_, d)| d)?;
        self.blocked_domains
            .iter()
            .find(|d| domain == d.as_str() || domain.ends_with(&format!(".{d}")))
            .map(|d| format!("sender domain {d} is blocked"))
    }

    /// Whether an attachment with this file name is blocked.
    pub fn blocked_attachment(&self, name: &str) -> bool {
        let lower = name.trim().trim_end_matches('.').to_lowercase();
        lower
            .rsplit_once('.')
            .is_some_and(|(_, ext)| self.blocked_extensions.iter().any(|b| b == ext))
    }
}

/// Adds our case token `[#id]` to a subject unless it is already there.
pub fn with_case_token(subject: &str, case_id: CaseId) -> String {
    let token = format!("[#{}]", case_id.0);
    let s = subject.trim();
    if s.contains(&token) {
        s.to_string()
    } else if s.is_empty() {
        token
    } else {
        format!("{s} {token}")
    }
}

/// The case ids of every `[#digits]` token in a subject, in order.
pub fn case_tokens(subject: &str) -> Vec<CaseId> {
    let mut out = Vec::new();
    let mut rest = subject;
    while let Some(start) = rest.find("[#") {
        let after = &rest[start + 2..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty()
            && digits.len() <= 15
            && after[digits.len()..].starts_with(']')
            && let Ok(id) = digits.parse::<i64>()
        {
            out.push(CaseId(id));
        }
        rest = after;
    }
    out
}

/// A reply's subject: `Re: ` added unless the subject already starts with a reply prefix.
pub fn reply_subject(subject: &str) -> String {
    let s = subject.trim();
    let lower = s.to_lowercase();
    let prefixed = ["re:", "aw:", "sv:", "antw:", "vs:", "odp:", "ynt:", "r:"]
        .iter()
        .any(|p| lower.starts_with(p));
    if prefixed {
        s.to_string()
    } else {
        format!("Re: {s}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_participants_are_written_to() {
        use crate::text::EmailAddress;
        let a = |s: &str| EmailAddress::parse(s).expect("address");
        let known: std::collections::HashSet<String> =
            ["ann@example.com".to_string(), "bob@example.org".to_string()].into();
        let to = [a("Ann@Example.com")];
        assert_eq!(
            super::outside_participants(&to, &[a("bob@example.org")], &known),
            None
        );
        assert_eq!(
            super::outside_participants(&to, &[a("bob@example.org"), a("eve@evil.test")], &known),
            Some(("cc[1]".into(), "eve@evil.test".into()))
        );
        assert_eq!(
            super::outside_participants(&[a("eve@evil.test")], &[], &known),
            Some(("to[0]".into(), "eve@evil.test".into()))
        );
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hygiene_rules() {
        let s = EmailSettings {
            blocked_addresses: vec![" Spam@Example.com ".into()],
            blocked_domains: vec!["@Bad.example".into()],
            blocked_extensions: vec![".EXE".into(), "js".into()],
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert!(s.blocked_sender("spam@example.com").is_some());
        assert!(s.blocked_sender("x@bad.example").is_some());
        assert!(s.blocked_sender("x@mail.bad.example").is_some());
        assert!(s.blocked_sender("x@notbad.example").is_none());
        assert!(s.blocked_attachment("invoice.pdf.exe"));
        assert!(s.blocked_attachment("x.JS"));
        assert!(!s.blocked_attachment("exe"));
        assert!(!s.blocked_attachment("report.pdf"));
        let bad = EmailSettings {
            blocked_extensions: vec!["e x e".into()],
            ..Default::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "blocked_extensions[0]");
    }

    #[test]
    fn tokens_and_subjects() {
        assert_eq!(
            case_tokens("Re: help [#12] and [#x] [#7]"),
            vec![CaseId(12), CaseId(7)]
        );
        assert_eq!(reply_subject("RE: x"), "RE: x");
        assert_eq!(reply_subject("Help"), "Re: Help");
        assert_eq!(with_case_token("Re: Help [#3]", CaseId(3)), "Re: Help [#3]");
    }

    proptest! {
        #[test]
        fn token_round_trips(subject in ".{0,60}", id in 1i64..1_000_000_000_000) {
            let s = with_case_token(&subject, CaseId(id));
            prop_assert!(case_tokens(&s).contains(&CaseId(id)));
            let r = reply_subject(&s);
            prop_assert_eq!(reply_subject(&r), r.clone());
        }
    }
}

/// An agent's reply to an email activity (attachments already in the blob store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReply {
    /// Text body.
    pub text: String,
    /// HTML body (optional; the text is sent as the alternative).
    pub html: Option<String>,
    /// Recipients; by default the customer's Reply-To or From.
    pub to: Vec<crate::text::EmailAddress>,
    /// Copy recipients.
    pub cc: Vec<crate::text::EmailAddress>,
    /// Attachments.
    pub attachments: Vec<StoredAttachment>,
    /// "Send & Complete" (true) or "Send" (false).
    pub complete: bool,
    /// Put the department's standard parts (header, greeting, signature, footer) around the
    /// body; false when the body already holds them (a composer that started from the draft).
    pub compose: bool,
    /// Send the files saved with the activity's draft too.
    pub draft_attachments: bool,
    /// Whether the author may address anyone; otherwise only the case's participants
    /// ([`outside_participants`]).
    pub any_recipient: bool,
}

/// The first explicit recipient who is not a participant of the case — `("to[i]" or "cc[i]",
/// address)` — or `None` when all are. Participants are the customer's email addresses and every
/// address that took part in the case's thread, lower-cased.
pub fn outside_participants(
    to: &[crate::text::EmailAddress],
    cc: &[crate::text::EmailAddress],
    participants: &std::collections::HashSet<String>,
) -> Option<(String, String)> {
    let lists = [("to", to), ("cc", cc)];
    lists.iter().find_map(|(name, list)| {
        list.iter().enumerate().find_map(|(i, a)| {
            let address = a.to_string();
            (!participants.contains(&address.to_lowercase()))
                .then(|| (format!("{name}[{i}]"), address))
        })
    })
}

/// What a reply composer starts from: the subject, the recipients, and the department's standard
/// parts before and after the agent's text with their placeholders filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReplyDraft {
    /// The reply's subject.
    pub subject: String,
    /// The default recipients (the customer's Reply-To or From).
    pub to: Vec<String>,
    /// Header and greeting, as text.
    pub before_text: String,
    /// Header and greeting, as HTML.
    pub before_html: String,
    /// Signature and footer, as text.
    pub after_text: String,
    /// Signature and footer, as HTML.
    pub after_html: String,
}

/// Most bytes of a reply body.
pub const MAX_REPLY_BODY: usize = 4 * 1024 * 1024;

impl NewReply {
    /// Validates the reply.
    pub fn validate(self) -> Result<Self, ValidationError> {
        if self.text.trim().is_empty() && self.html.as_deref().is_none_or(|h| h.trim().is_empty()) {
            return Err(ValidationError::new("text", "a reply needs a body"));
        }
        crate::draft::check_sizes(
            &self.text,
            self.html.as_deref(),
            self.to.len() + self.cc.len(),
        )?;
        crate::draft::check_attachments(self.attachments.len())?;
        Ok(self)
    }
}

/// An outbound message the dispatcher is to send, as claimed from the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundMessage {
    /// Outbox entry.
    pub outbox_id: i64,
    /// The stored email.
    pub email_id: EmailId,
    /// The alias it leaves from.
    pub alias_id: AliasId,
    /// Attempts so far, this one included.
    pub attempts: u32,
    /// Message-ID (without angle brackets).
    pub message_id: String,
    /// In-Reply-To.
    pub in_reply_to: Vec<String>,
    /// References.
    pub references: Vec<String>,
    /// From.
    pub from: Mailbox,
    /// To.
    pub to: Vec<Mailbox>,
    /// Cc.
    pub cc: Vec<Mailbox>,
    /// Subject.
    pub subject: String,
    /// Text body.
    pub text: String,
    /// HTML body.
    pub html: Option<String>,
    /// Date header (fixed when written, so a resend is the same message).
    pub date: Timestamp,
    /// Written by a machine (gets `Auto-Submitted: auto-replied`).
    pub automatic: bool,
    /// Attachments with their blob keys.
    pub attachments: Vec<StoredAttachment>,
    /// When it was queued: retries go on for the dispatcher's lifetime from here.
    pub queued_at: Timestamp,
}
