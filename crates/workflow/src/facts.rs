//! What a workflow run looks at: the message (inbound mail or a reply being sent), the activity,
//! its customer and case, the sending agent, and the time. The shells build these from the store.

use switchboard_domain::{
    ActivityStatus, CategoryId, ChannelKind, CustomAttributes, QueueId, Timestamp, UserGroupId,
    UserId,
};

/// Largest part of a body that text conditions read, in bytes.
pub const MAX_BODY_SCANNED: usize = 1024 * 1024;

/// A message's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// Subject.
    pub subject: String,
    /// From: the address and, when given, the display name, as separate entries.
    pub from: Vec<String>,
    /// To: addresses and names.
    pub to: Vec<String>,
    /// Cc: addresses and names.
    pub cc: Vec<String>,
    /// Headers as (name, value), in order.
    pub headers: Vec<(String, String)>,
    /// The body as text (from the HTML when there is no text part).
    pub body: String,
    /// Attachments.
    pub attachments: Vec<AttachmentFacts>,
}

impl Message {
    /// The message as workflows see an inbound email: addresses and display names as separate
    /// entries, the text body (the parser already renders HTML-only mail as text), attachment
    /// types in lower case.
    pub fn of_inbound(content: &switchboard_domain::InboundContent) -> Message {
        let people = |list: &[switchboard_domain::Mailbox]| -> Vec<String> {
            list.iter()
                .flat_map(|m| std::iter::once(m.address.clone()).chain(m.name.clone()))
                .collect()
        };
        Message {
            subject: content.subject.clone(),
            from: people(content.from.as_slice()),
            to: people(&content.to),
            cc: people(&content.cc),
            headers: content.headers.clone(),
            body: content.text.clone(),
            attachments: content
                .attachments
                .iter()
                .map(|a| AttachmentFacts {
                    name: a.name.clone(),
                    content_type: a.content_type.to_ascii_lowercase(),
                })
                .collect(),
        }
    }
}

/// An attachment's name and type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachmentFacts {
    /// File name.
    pub name: String,
    /// Content type, lower case.
    pub content_type: String,
}

/// The activity as a workflow sees (and changes) it.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityFacts {
    /// Channel.
    pub channel: ChannelKind,
    /// Status.
    pub status: ActivityStatus,
    /// Priority 1–10.
    pub priority: u8,
    /// Category.
    pub category: Option<CategoryId>,
    /// Custom attributes.
    pub attributes: CustomAttributes,
    /// Queue.
    pub queue: Option<QueueId>,
    /// Subject.
    pub subject: String,
    /// Seconds waited in the queue (alarms).
    pub waiting_secs: Option<u64>,
    /// The queue's service level threshold in seconds (alarms).
    pub service_level_secs: Option<u64>,
}

/// The agent who sends a reply (outbound workflows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentFacts {
    /// The user.
    pub user: Option<UserId>,
    /// Their groups.
    pub groups: Vec<UserGroupId>,
}

/// Everything one run looks at.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// Now.
    pub now: Timestamp,
    /// The message, if the workflow is about one.
    pub message: Option<&'a Message>,
    /// The activity before the run.
    pub activity: ActivityFacts,
    /// The customer's attributes.
    pub customer: &'a CustomAttributes,
    /// Whether the message starts a new case.
    pub new_case: bool,
    /// The sending agent.
    pub agent: Option<&'a AgentFacts>,
}
