//! Parsed mail as the domain's inbound content: the one mapping the retriever and the workflow
//! benchmark share.

use switchboard_domain::{InboundContent, StoredAttachment, Timestamp};

use crate::parse::ParsedMail;

impl ParsedMail {
    /// The domain's inbound content of this message, with its attachments already stored.
    pub fn into_inbound(self, attachments: Vec<StoredAttachment>) -> InboundContent {
        let c = self.classification;
        InboundContent {
            message_id: self.message_id,
            in_reply_to: self.in_reply_to,
            references: self.references,
            from: self.from.map(Into::into),
            reply_to: self.reply_to.into_iter().map(Into::into).collect(),
            to: self.to.into_iter().map(Into::into).collect(),
            cc: self.cc.into_iter().map(Into::into).collect(),
            original_recipients: self.original_recipients,
            subject: self.subject,
            date: self.date.map(Timestamp::from_millis),
            text: self.text,
            html: self.html,
            kind: c.kind.into(),
            kind_reason: c.reason,
            bounce: c.bounce.map(Into::into),
            attachments,
            headers: self.headers,
        }
    }
}
