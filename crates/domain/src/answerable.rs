//! Which work can be answered by email: the one rule the reply, its saved drafts and the
//! composer's start share.

use crate::activity::Activity;
use crate::channel::ChannelKind;
use crate::lifecycle::ActivityStatus;

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
}
