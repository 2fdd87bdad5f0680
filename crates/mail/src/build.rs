//! Outbound RFC 5322 messages (mail-builder): From the alias, our Message-ID, In-Reply-To and
//! References for threading, the case token already in the subject, text and HTML alternatives,
//! attachments (inline ones with their Content-ID), and `Auto-Submitted` on automatic messages so
//! other systems do not answer them (RFC 3834).

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use switchboard_domain::{Mailbox, OutboundMessage};

/// An attachment's bytes with its metadata.
#[derive(Debug, Clone)]
pub struct AttachmentBytes {
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// Content-ID for inline parts.
    pub content_id: Option<String>,
    /// Inline rather than attached.
    pub inline: bool,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A message that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// No recipient.
    #[error("the message has no recipient")]
    NoRecipient,
    /// Writing failed.
    #[error("building the message: {0}")]
    Io(#[from] std::io::Error),
}

fn address(m: &Mailbox) -> Address<'_> {
    Address::new_address(
        m.name.as_deref().filter(|n| !n.is_empty()),
        m.address.as_str(),
    )
}

fn list(ms: &[Mailbox]) -> Address<'_> {
    Address::new_list(ms.iter().map(address).collect())
}

/// Builds the bytes to send. The Date and Message-ID come from the stored message, so building it
/// again after a crash gives the same message.
pub fn build_message(
    m: &OutboundMessage,
    files: &[AttachmentBytes],
) -> Result<Vec<u8>, BuildError> {
    if m.to.is_empty() && m.cc.is_empty() {
        return Err(BuildError::NoRecipient);
    }
    let mut b = MessageBuilder::new()
        .from(address(&m.from))
        .subject(m.subject.as_str())
        .message_id(MessageId::new(m.message_id.as_str()))
        .date(Date::new(m.date.millis().div_euclid(1000)));
    if !m.to.is_empty() {
        b = b.to(list(&m.to));
    }
    if !m.cc.is_empty() {
        b = b.cc(list(&m.cc));
    }
    if !m.in_reply_to.is_empty() {
        b = b.in_reply_to(MessageId::new_list(
            m.in_reply_to.iter().map(String::as_str),
        ));
    }
    if !m.references.is_empty() {
        b = b.references(MessageId::new_list(m.references.iter().map(String::as_str)));
    }
    if m.automatic {
        b = b
            .header("Auto-Submitted", Raw::new("auto-replied"))
            .header("X-Auto-Response-Suppress", Raw::new("All"));
    }
    b = b.text_body(m.text.as_str());
    if let Some(h) = &m.html {
        b = b.html_body(h.as_str());
    }
    for f in files {
        let body = f.bytes.as_slice();
        b = match (&f.content_id, f.inline) {
            (Some(cid), true) => b.inline(f.content_type.as_str(), cid.as_str(), body),
            _ => b.attachment(f.content_type.as_str(), f.name.as_str(), body),
        };
    }
    Ok(b.write_to_vec()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::{AliasId, EmailId, Timestamp};

    fn message() -> OutboundMessage {
        OutboundMessage {
            outbox_id: 1,
            email_id: EmailId(1),
            alias_id: AliasId(1),
            attempts: 1,
            message_id: "sb.abc@example.org".into(),
            in_reply_to: vec!["m1@customer.example".into()],
            references: vec!["m0@customer.example".into(), "m1@customer.example".into()],
            from: Mailbox {
                name: Some("Support".into()),
                address: "support@example.org".into(),
            },
            to: vec![Mailbox {
                name: Some("Zoë Kunde".into()),
                address: "zoe@customer.example".into(),
            }],
            cc: vec![],
            subject: "Re: Drucker brennt [#12]".into(),
            text: "Grüße\n".into(),
            html: Some("<p>Grüße</p>".into()),
            date: Timestamp::from_millis(1_795_000_000_000),
            automatic: true,
            attachments: vec![],
            queued_at: Timestamp::from_millis(1_795_000_000_000),
        }
    }

    #[test]
    fn builds_a_threaded_message_that_parses_back() {
        let files = [AttachmentBytes {
            name: "report.pdf".into(),
            content_type: "application/pdf".into(),
            content_id: None,
            inline: false,
            bytes: b"%PDF-1.4".to_vec(),
        }];
        let raw = build_message(&message(), &files).unwrap();
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.message_id(), Some("sb.abc@example.org"));
        assert_eq!(parsed.subject(), Some("Re: Drucker brennt [#12]"));
        assert_eq!(
            parsed.in_reply_to().as_text_list().unwrap_or_default(),
            vec!["m1@customer.example"]
        );
        assert_eq!(
            parsed.references().as_text_list().unwrap_or_default().len(),
            2
        );
        assert_eq!(parsed.body_text(0).as_deref(), Some("Grüße\n"));
        assert!(parsed.body_html(0).unwrap().contains("Grüße"));
        assert_eq!(parsed.attachment_count(), 1);
        assert_eq!(
            parsed.header_raw("Auto-Submitted").map(str::trim),
            Some("auto-replied")
        );
        assert_eq!(parsed.date().map(|d| d.to_timestamp()), Some(1_795_000_000));
        // The same stored message builds to the same headers (resend after a crash).
        let again = build_message(&message(), &files).unwrap();
        let head = |r: &[u8]| {
            String::from_utf8_lossy(r)
                .lines()
                .take_while(|l| !l.is_empty())
                .filter(|l| l.starts_with("Message-ID") || l.starts_with("Date"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(head(&raw), head(&again));
    }

    #[test]
    fn refuses_a_message_without_recipients() {
        let mut m = message();
        m.to.clear();
        assert!(matches!(
            build_message(&m, &[]),
            Err(BuildError::NoRecipient)
        ));
    }
}
