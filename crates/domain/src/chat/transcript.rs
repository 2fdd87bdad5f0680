//! The transcript a customer may ask for when a chat ends: the conversation as they saw it
//! (never a whisper), as plain text to mail; a file is named, not attached.

use super::message::{Audience, ChatMessage, ChatParty};
use crate::time::Timestamp;

/// The transcript's subject and text. `title` is the entry point's widget title; times are UTC.
pub fn transcript(title: &str, customer: &str, messages: &[ChatMessage]) -> (String, String) {
    let subject = format!("Transcript: {title}");
    let mut text = format!("{title}\n\n");
    for m in messages.iter().filter(|m| m.audience == Audience::Everyone) {
        let who = match m.party {
            ChatParty::Customer => customer,
            ChatParty::System => "—",
            ChatParty::Agent | ChatParty::Supervisor => &m.author_name,
        };
        text.push_str(&format!("[{}] {who}: ", minute(m.at)));
        if let Some(f) = &m.file {
            text.push_str(&format!("(sent a file: {}, {} bytes)", f.name, f.size));
        } else {
            text.push_str(&m.body.replace('\n', "\n    "));
        }
        text.push('\n');
    }
    (subject, text)
}

/// `2026-12-05 14:03 UTC`.
fn minute(t: Timestamp) -> String {
    let s = t.to_rfc3339();
    format!("{} UTC", s.get(..16).unwrap_or(&s).replace('T', " "))
}
