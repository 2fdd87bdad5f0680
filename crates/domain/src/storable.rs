//! Text that every database engine accepts.
//!
//! Rust strings are valid UTF-8, and SQLite stores any of them; PostgreSQL refuses exactly one
//! character in text, U+0000 (NUL), and the same character inside JSON values. Customer content
//! may legally contain it (a base64 `text/plain` part decoding to `hello \0 world`), so text from
//! outside is made storable here, in one place, before it reaches the store: NUL becomes U+FFFD
//! (the replacement character, which says "something unreadable was here"). The raw message
//! stays byte-exact in the blob store.

use std::borrow::Cow;

use crate::email::{BounceInfo, InboundContent, InboundEmail, Mailbox, StoredAttachment};

/// What NUL is replaced with.
pub const REPLACEMENT: char = '\u{FFFD}';

/// Whether `s` can be stored as it is by every engine.
pub fn is_storable(s: &str) -> bool {
    !s.as_bytes().contains(&0)
}

/// `s` with every character a database refuses replaced by [`REPLACEMENT`].
pub fn storable(s: &str) -> Cow<'_, str> {
    if is_storable(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.replace('\0', "\u{FFFD}"))
    }
}

/// Makes one string storable in place (no allocation when it already is).
pub fn make_storable(s: &mut String) {
    if !is_storable(s) {
        *s = s.replace('\0', "\u{FFFD}");
    }
}

fn fix_opt(s: &mut Option<String>) {
    if let Some(s) = s {
        make_storable(s);
    }
}

fn fix_all(list: &mut [String]) {
    list.iter_mut().for_each(make_storable);
}

fn fix_mailbox(m: &mut Mailbox) {
    fix_opt(&mut m.name);
    make_storable(&mut m.address);
}

fn fix_attachment(a: &mut StoredAttachment) {
    make_storable(&mut a.name);
    make_storable(&mut a.content_type);
    fix_opt(&mut a.blob);
    fix_opt(&mut a.content_id);
}

fn fix_bounce(b: &mut BounceInfo) {
    fix_opt(&mut b.original_message_id);
    for r in &mut b.recipients {
        make_storable(&mut r.address);
        fix_opt(&mut r.status);
        fix_opt(&mut r.diagnostic);
    }
}

impl InboundContent {
    /// Makes every text of the message storable (see the module documentation).
    pub fn make_storable(&mut self) {
        fix_opt(&mut self.message_id);
        fix_all(&mut self.in_reply_to);
        fix_all(&mut self.references);
        if let Some(from) = &mut self.from {
            fix_mailbox(from);
        }
        for list in [&mut self.reply_to, &mut self.to, &mut self.cc] {
            list.iter_mut().for_each(fix_mailbox);
        }
        fix_all(&mut self.original_recipients);
        make_storable(&mut self.subject);
        make_storable(&mut self.text);
        fix_opt(&mut self.html);
        make_storable(&mut self.kind_reason);
        if let Some(b) = &mut self.bounce {
            fix_bounce(b);
        }
        self.attachments.iter_mut().for_each(fix_attachment);
        for (name, value) in &mut self.headers {
            make_storable(name);
            make_storable(value);
        }
    }
}

impl InboundEmail {
    /// Makes every text of the message storable, its source key and parse error included.
    pub fn make_storable(&mut self) {
        make_storable(&mut self.source_key);
        make_storable(&mut self.raw_blob);
        fix_opt(&mut self.parse_error);
        if let Some(c) = &mut self.content {
            c.make_storable();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::EmailKind;
    use crate::ids::AliasId;

    #[test]
    fn nul_is_replaced_and_other_text_is_left_alone() {
        assert_eq!(storable("hello \0 world"), "hello \u{FFFD} world");
        assert!(matches!(storable("héllo ✓"), Cow::Borrowed(_)));
        assert!(!is_storable("\0"));
        assert!(is_storable("\u{1}\u{7f}\u{FFFF}"));
        let mut s = String::from("\0\0");
        make_storable(&mut s);
        assert_eq!(s, "\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn every_text_of_an_inbound_email_becomes_storable() {
        let nul = || "a\0b".to_string();
        let mb = || Mailbox {
            name: Some(nul()),
            address: nul(),
        };
        let mut m = InboundEmail {
            mailbox_alias_id: AliasId(1),
            source_key: nul(),
            raw_blob: "k".into(),
            raw_size: 3,
            content: Some(InboundContent {
                message_id: Some(nul()),
                in_reply_to: vec![nul()],
                references: vec![nul()],
                from: Some(mb()),
                reply_to: vec![mb()],
                to: vec![mb()],
                cc: vec![mb()],
                original_recipients: vec![nul()],
                subject: nul(),
                date: None,
                text: nul(),
                html: Some(nul()),
                kind: EmailKind::Normal,
                kind_reason: nul(),
                bounce: None,
                attachments: vec![StoredAttachment {
                    name: nul(),
                    content_type: nul(),
                    size: 1,
                    blob: None,
                    content_id: Some(nul()),
                    inline: false,
                }],
                headers: vec![(nul(), nul())],
            }),
            parse_error: Some(nul()),
        };
        m.make_storable();
        let shown = format!("{m:?}");
        assert!(!shown.contains("\\0"), "{shown}");
        assert!(shown.contains("a\u{FFFD}b"));
    }
}
