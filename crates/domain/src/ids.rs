//! Newtype identifiers: an `ActivityId` can never be passed where a `QueueId` is expected.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = i64)]
        pub struct $name(pub i64);

        impl $name {
            /// The raw database value.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl $crate::scope::AsId for $name {
            fn as_id(&self) -> Option<i64> {
                Some(self.0)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type! {
    /// The business partition (one per installation).
    PartitionId,
    /// A department inside the partition.
    DepartmentId,
    /// A user: agent, supervisor or administrator.
    UserId,
    /// A user group (skill group).
    UserGroupId,
    /// A queue that holds activities waiting for an agent.
    QueueId,
    /// A customer.
    CustomerId,
    /// A case: a thread of related activities.
    CaseId,
    /// An activity: one piece of work (an email, a chat, a callback).
    ActivityId,
    /// One entry of the activity event log.
    EventId,
    /// A bearer API token.
    TokenId,
    /// An email alias: an address the center receives and sends mail as.
    AliasId,
    /// A stored email message, inbound or outbound.
    EmailId,
    /// An attachment of a stored email.
    AttachmentId,
    /// A delivery exception: a bounce or a permanent send failure.
    DeliveryExceptionId,
    /// A knowledge-base folder.
    FolderId,
    /// A knowledge-base article.
    ArticleId,
    /// A category (classification) of activities.
    CategoryId,
    /// A business calendar: opening hours, time zone and holidays.
    CalendarId,
    /// A workflow: inbound, outbound or alarm rules.
    WorkflowId,
    /// A chat entry point: what a web page embeds to offer chat.
    EntryPointId,
    /// A webhook subscription: a department's events POSTed to a URL.
    WebhookId,
    /// One delivery of one event to one webhook, with its attempts.
    WebhookDeliveryId,
    /// A saved report (a report's definition, perhaps with a schedule).
    SavedReportId,
    /// One run of a saved report, with its files.
    ReportRunId,
}
