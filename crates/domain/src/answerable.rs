//! Which work can be answered by email, and to whom: the rules the reply, its saved drafts, the
//! composer's start and automatic answers share.

use crate::activity::Activity;
use crate::channel::ChannelKind;
use crate::email::{Mailbox, UNKNOWN_SENDER};
use crate::lifecycle::ActivityStatus;
use crate::text::EmailAddress;

/// The recipients of an answer nobody addressed: Reply-To, else From; only usable addresses,
/// never the placeholder address of mail without a sender.
pub fn default_recipients(from: Option<&Mailbox>, reply_to: &[Mailbox]) -> Vec<Mailbox> {
    let list: Vec<Mailbox> = if reply_to.is_empty() {
        from.into_iter().cloned().collect()
    } else {
        reply_to.to_vec()
    };
    list.into_iter()
        .filter(|m| EmailAddress::parse(&m.address).is_ok())
        .filter(|m| !m.address.eq_ignore_ascii_case(UNKNOWN_SENDER))
        .collect()
}

/// Why work cannot be answered by email.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerRefusal {
    /// It did not come in by email.
    #[error("only inbound email activities can be answered by email")]
    NotEmail,
    /// It is completed or abandoned.
    #[error("the activity is {0}: it can no longer be answered")]
    Finished(&'static str),
}

impl Activity {
    /// Whether the activity came in by email (the composer may start on finished work too).
    pub fn is_by_email(&self) -> Result<(), AnswerRefusal> {
        match self.channel {
            ChannelKind::InboundEmail => Ok(()),
            _ => Err(AnswerRefusal::NotEmail),
        }
    }

    /// Whether a reply by email can be written on the activity now.
    pub fn answerable(&self) -> Result<(), AnswerRefusal> {
        self.is_by_email()?;
        match self.status {
            ActivityStatus::Completed | ActivityStatus::Abandoned => {
                Err(AnswerRefusal::Finished(self.status.as_str()))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ActivityStatus::*;
    use crate::ChannelKind::{InboundEmail, OutboundEmail};

    fn activity(channel: ChannelKind, status: ActivityStatus) -> Activity {
        serde_json::from_value(serde_json::json!({
            "id": 10, "department_id": 1, "case_id": 4, "customer_id": 2, "channel": channel,
            "subject": "s", "status": status, "sub_status": null, "priority": 5, "due_at": null,
            "queue_id": null, "assignee_id": null, "category_id": null, "custom_attributes": {},
            "version": 1, "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_table() {
        let finished = |s| Err(AnswerRefusal::Finished(s));
        let table = [
            (InboundEmail, New, Ok(())),
            (InboundEmail, Queued, Ok(())),
            (InboundEmail, InProgress, Ok(())),
            (InboundEmail, Paused, Ok(())),
            (InboundEmail, Completed, finished("completed")),
            (InboundEmail, Abandoned, finished("abandoned")),
            (OutboundEmail, InProgress, Err(AnswerRefusal::NotEmail)),
            (OutboundEmail, Completed, Err(AnswerRefusal::NotEmail)),
        ];
        for (channel, status, want) in table {
            assert_eq!(
                activity(channel, status).answerable(),
                want,
                "{channel:?} {status:?}"
            );
        }
        assert_eq!(activity(InboundEmail, Completed).is_by_email(), Ok(()));
    }

    fn mailbox(a: &str) -> Mailbox {
        Mailbox {
            name: None,
            address: a.into(),
        }
    }

    #[test]
    fn default_recipients_table() {
        let ann = mailbox("ann@example.com");
        let desk = mailbox("desk@example.com");
        let unknown = mailbox(UNKNOWN_SENDER);
        let broken = mailbox("not an address");
        let cases: Vec<(Option<&Mailbox>, Vec<Mailbox>, Vec<Mailbox>)> = vec![
            (Some(&ann), vec![], vec![ann.clone()]),
            // Reply-To wins over From.
            (Some(&ann), vec![desk.clone()], vec![desk.clone()]),
            (
                None,
                vec![desk.clone(), ann.clone()],
                vec![desk.clone(), ann.clone()],
            ),
            // Never the placeholder, never what is not an address.
            (Some(&unknown), vec![], vec![]),
            (
                Some(&ann),
                vec![broken.clone(), desk.clone()],
                vec![desk.clone()],
            ),
            (None, vec![], vec![]),
        ];
        for (from, reply_to, want) in cases {
            assert_eq!(
                default_recipients(from, &reply_to),
                want,
                "from {from:?} reply-to {reply_to:?}"
            );
        }
    }
}
