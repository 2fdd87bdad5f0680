//! The workflow model: what an administrator writes (as JSON) and the store keeps, versioned.
//!
//! A workflow is a list of steps run in order. A step is an action (set a category, acknowledge,
//! route…), a `branch` (the first case whose condition holds runs its steps; else `otherwise`)
//! or `stop`. Every step has an `id`, unique in the workflow, that errors and run traces name.

use crate::{
    ActivityStatus, AliasId, ArticleId, CalendarId, CategoryId, ChannelKind, DepartmentId, QueueId,
    Timestamp, UserGroupId, UserId, WorkflowId,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// When a workflow runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowKind {
    /// The department's standard start workflow: first, on every new inbound activity (emails
    /// and chats).
    Start,
    /// After the start workflow, on inbound activities of the aliases it is bound to (all of the
    /// department's when it names none).
    Inbound,
    /// When an agent sends a reply.
    Outbound,
    /// On a schedule, over the department's open activities.
    Alarm,
}

impl WorkflowKind {
    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowKind::Start => "start",
            WorkflowKind::Inbound => "inbound",
            WorkflowKind::Outbound => "outbound",
            WorkflowKind::Alarm => "alarm",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<WorkflowKind> {
        [
            WorkflowKind::Start,
            WorkflowKind::Inbound,
            WorkflowKind::Outbound,
            WorkflowKind::Alarm,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Whether it looks at a message (inbound mail or a reply being sent).
    pub fn has_message(self) -> bool {
        !matches!(self, WorkflowKind::Alarm)
    }
}

/// A stored workflow (its current version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Workflow {
    /// Id.
    pub id: WorkflowId,
    /// Department.
    pub department_id: DepartmentId,
    /// Name, unique in the department.
    pub name: String,
    /// What it does, for people.
    pub description: String,
    /// When it runs.
    pub kind: WorkflowKind,
    /// Whether it runs.
    pub active: bool,
    /// Inbound only: the aliases it runs for (empty: all of the department's).
    pub alias_ids: Vec<AliasId>,
    /// Alarm only: seconds between runs.
    pub interval_secs: u32,
    /// The steps.
    #[schema(value_type = Object)]
    pub definition: Definition,
    /// Version: every change of any field makes a new one; runs record it.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// One stored version of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WorkflowVersion {
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// The version.
    pub version: i64,
    /// Its name then.
    pub name: String,
    /// Active then.
    pub active: bool,
    /// Aliases then.
    pub alias_ids: Vec<AliasId>,
    /// Interval then.
    pub interval_secs: u32,
    /// The steps then.
    #[schema(value_type = Object)]
    pub definition: Definition,
    /// When it was saved.
    pub created_at: Timestamp,
}

/// Input to create a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWorkflow {
    /// Department.
    pub department_id: DepartmentId,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// When it runs.
    pub kind: WorkflowKind,
    /// Whether it runs (default true).
    #[serde(default = "yes")]
    pub active: bool,
    /// Inbound only: aliases.
    #[serde(default)]
    pub alias_ids: Vec<AliasId>,
    /// Alarm only: seconds between runs (default 60).
    #[serde(default)]
    pub interval_secs: Option<u32>,
    /// The steps.
    #[schema(value_type = Object)]
    pub definition: Definition,
}

/// A partial update of a workflow; any change makes a new version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowPatch {
    /// The version the client last read.
    pub version: i64,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// Active or not.
    pub active: Option<bool>,
    /// Replaces the aliases.
    pub alias_ids: Option<Vec<AliasId>>,
    /// New interval.
    pub interval_secs: Option<u32>,
    /// Replaces the steps.
    #[schema(value_type = Option<Object>)]
    pub definition: Option<Definition>,
}

impl WorkflowPatch {
    /// The workflow with the patch's fields set (the version is the store's to bump; whether
    /// the result is a valid workflow is checked afterwards, as the kind decides).
    pub fn apply_to(&self, w: &mut Workflow) {
        if let Some(n) = &self.name {
            w.name.clone_from(n);
        }
        if let Some(d) = &self.description {
            w.description.clone_from(d);
        }
        if let Some(a) = self.active {
            w.active = a;
        }
        if let Some(a) = &self.alias_ids {
            w.alias_ids.clone_from(a);
        }
        if let Some(s) = self.interval_secs {
            w.interval_secs = s;
        }
        if let Some(d) = &self.definition {
            w.definition = d.clone();
        }
    }
}

pub(crate) fn yes() -> bool {
    true
}

/// The steps of a workflow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Run in order.
    pub steps: Vec<Step>,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// The first case whose condition holds runs its steps; if none does, `otherwise` runs.
    Branch {
        /// Step id.
        id: String,
        /// Cases, tried in order.
        cases: Vec<BranchCase>,
        /// Steps when no case holds.
        #[serde(default)]
        otherwise: Vec<Step>,
    },
    /// Classifies the activity.
    SetCategory {
        /// Step id.
        id: String,
        /// The category.
        category_id: CategoryId,
    },
    /// Sets the priority (1–10).
    SetPriority {
        /// Step id.
        id: String,
        /// The priority.
        priority: u8,
    },
    /// Raises the priority (capped at 10).
    RaisePriority {
        /// Step id.
        id: String,
        /// By how much (default 1).
        #[serde(default = "one")]
        by: u8,
    },
    /// Sets a custom attribute of the activity.
    SetAttribute {
        /// Step id.
        id: String,
        /// Attribute name.
        name: String,
        /// Its value: text, number or true/false.
        value: Value,
    },
    /// Acknowledges a new case: once per case, never to automatic mail. Without an article, the
    /// department's (or the alias's) auto-acknowledgement article.
    Acknowledge {
        /// Step id.
        id: String,
        /// The article.
        #[serde(default)]
        article_id: Option<ArticleId>,
    },
    /// Answers with an article and, by default, completes the activity (no agent sees it).
    AutoReply {
        /// Step id.
        id: String,
        /// The answer.
        article_id: ArticleId,
        /// Complete the activity (default true).
        #[serde(default = "yes")]
        complete: bool,
    },
    /// Sends the activity somewhere: exactly one of a queue, a user, a user group or a
    /// department.
    Route {
        /// Step id.
        id: String,
        /// A queue.
        #[serde(default)]
        queue_id: Option<QueueId>,
        /// A user (personal assignment).
        #[serde(default)]
        user_id: Option<UserId>,
        /// A user group (in the activity's queue).
        #[serde(default)]
        group_id: Option<UserGroupId>,
        /// Another department (its start workflow decides further).
        #[serde(default)]
        department_id: Option<DepartmentId>,
    },
    /// Sends a notification email (to staff, not the customer).
    Notify {
        /// Step id.
        id: String,
        /// Addresses.
        to: Vec<String>,
        /// Subject (placeholders allowed); default: the activity's subject.
        #[serde(default)]
        subject: String,
        /// Body text (placeholders allowed); or an article.
        #[serde(default)]
        text: String,
        /// An article for the body.
        #[serde(default)]
        article_id: Option<ArticleId>,
    },
    /// Outbound only: the reply waits for a reviewer instead of leaving.
    Review {
        /// Step id.
        id: String,
        /// The review queue; default: the one linked to the activity's queue.
        #[serde(default)]
        queue_id: Option<QueueId>,
    },
    /// Ends this run: no further steps, no further workflows.
    Stop {
        /// Step id.
        id: String,
    },
}

fn one() -> u8 {
    1
}

impl Step {
    /// The step's id.
    pub fn id(&self) -> &str {
        match self {
            Step::Branch { id, .. }
            | Step::SetCategory { id, .. }
            | Step::SetPriority { id, .. }
            | Step::RaisePriority { id, .. }
            | Step::SetAttribute { id, .. }
            | Step::Acknowledge { id, .. }
            | Step::AutoReply { id, .. }
            | Step::Route { id, .. }
            | Step::Notify { id, .. }
            | Step::Review { id, .. }
            | Step::Stop { id } => id,
        }
    }

    /// The step's type name, as written in JSON.
    pub fn type_name(&self) -> &'static str {
        match self {
            Step::Branch { .. } => "branch",
            Step::SetCategory { .. } => "set_category",
            Step::SetPriority { .. } => "set_priority",
            Step::RaisePriority { .. } => "raise_priority",
            Step::SetAttribute { .. } => "set_attribute",
            Step::Acknowledge { .. } => "acknowledge",
            Step::AutoReply { .. } => "auto_reply",
            Step::Route { .. } => "route",
            Step::Notify { .. } => "notify",
            Step::Review { .. } => "review",
            Step::Stop { .. } => "stop",
        }
    }
}

/// One case of a branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchCase {
    /// A name for traces (default: its position).
    #[serde(default)]
    pub label: String,
    /// The condition.
    pub when: Condition,
    /// Steps when it holds.
    pub then: Vec<Step>,
}

/// A condition over the message, the activity, its customer and case, and the time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Every one holds.
    All {
        /// Conditions.
        of: Vec<Condition>,
    },
    /// At least one holds.
    Any {
        /// Conditions.
        of: Vec<Condition>,
    },
    /// It does not hold.
    Not {
        /// The condition.
        condition: Box<Condition>,
    },
    /// A text field of the message (for alarms: the activity's subject). Case-insensitive except
    /// `matches`, which takes a regular expression (use `(?i)` to ignore case).
    Text {
        /// Which field.
        field: TextField,
        /// The header name, when `field` is `header`.
        #[serde(default)]
        header: String,
        /// The test.
        op: TextOp,
        /// What to look for (not used by `exists`).
        #[serde(default)]
        value: String,
    },
    /// Attachments of the message.
    Attachment {
        /// The test.
        op: AttachmentOp,
        /// Extension (`pdf`) or content type (`image/`, a prefix) for those tests.
        #[serde(default)]
        value: String,
    },
    /// A customer attribute.
    Customer {
        /// Attribute name.
        attribute: String,
        /// The test.
        op: ValueOp,
        /// Compared value.
        #[serde(default)]
        value: Value,
    },
    /// A custom attribute of the activity.
    Attribute {
        /// Attribute name.
        name: String,
        /// The test.
        op: ValueOp,
        /// Compared value.
        #[serde(default)]
        value: Value,
    },
    /// Whether the message starts a new case or continues one.
    Case {
        /// New or reply.
        is: CaseState,
    },
    /// The activity's category is one of these (an empty list: it has none).
    Category {
        /// Categories.
        #[serde(default)]
        category_ids: Vec<CategoryId>,
    },
    /// The activity's priority.
    Priority {
        /// The comparison.
        op: Compare,
        /// 1–10.
        value: u8,
    },
    /// The activity's queue is one of these.
    Queue {
        /// Queues.
        queue_ids: Vec<QueueId>,
    },
    /// The activity's channel is one of these.
    Channel {
        /// Channels.
        channels: Vec<ChannelKind>,
    },
    /// The activity's status is one of these.
    Status {
        /// Statuses.
        statuses: Vec<ActivityStatus>,
    },
    /// Whether a business calendar is open now.
    BusinessHours {
        /// The calendar.
        calendar_id: CalendarId,
        /// Open (default) or closed.
        #[serde(default = "yes")]
        open: bool,
    },
    /// The day of week and time of day in a time zone; `from` after `to` spans midnight.
    Time {
        /// IANA time zone (default UTC).
        #[serde(default = "utc")]
        time_zone: String,
        /// Days (default every day).
        #[serde(default)]
        days: Vec<Day>,
        /// From `HH:MM` (default midnight).
        #[serde(default)]
        from: Option<String>,
        /// Until `HH:MM`, exclusive (default the end of the day).
        #[serde(default)]
        to: Option<String>,
    },
    /// The message's language, when it could be detected (ISO 639-1 codes).
    Language {
        /// Languages.
        languages: Vec<String>,
    },
    /// The activity has waited in its queue longer than this.
    Waiting {
        /// Seconds.
        more_than_secs: u64,
    },
    /// The activity has waited longer than its queue's service level (or not).
    ServiceLevel {
        /// Exceeded (default) or not.
        #[serde(default = "yes")]
        exceeded: bool,
    },
    /// The agent sending the reply is one of these users or a member of one of these groups.
    Agent {
        /// Users.
        #[serde(default)]
        user_ids: Vec<UserId>,
        /// Groups.
        #[serde(default)]
        group_ids: Vec<UserGroupId>,
    },
}

fn utc() -> String {
    "UTC".into()
}

impl Condition {
    /// The condition's type name, as written in JSON.
    pub fn type_name(&self) -> &'static str {
        match self {
            Condition::All { .. } => "all",
            Condition::Any { .. } => "any",
            Condition::Not { .. } => "not",
            Condition::Text { .. } => "text",
            Condition::Attachment { .. } => "attachment",
            Condition::Customer { .. } => "customer",
            Condition::Attribute { .. } => "attribute",
            Condition::Case { .. } => "case",
            Condition::Category { .. } => "category",
            Condition::Priority { .. } => "priority",
            Condition::Queue { .. } => "queue",
            Condition::Channel { .. } => "channel",
            Condition::Status { .. } => "status",
            Condition::BusinessHours { .. } => "business_hours",
            Condition::Time { .. } => "time",
            Condition::Language { .. } => "language",
            Condition::Waiting { .. } => "waiting",
            Condition::ServiceLevel { .. } => "service_level",
            Condition::Agent { .. } => "agent",
        }
    }
}

/// A text field of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextField {
    /// Subject.
    Subject,
    /// From (name and address).
    From,
    /// To (names and addresses).
    To,
    /// Cc.
    Cc,
    /// The body as text.
    Body,
    /// A named header.
    Header,
}

/// A test on text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextOp {
    /// Contains the value.
    Contains,
    /// Is the value (for lists: one entry is).
    Equals,
    /// Starts with it (for lists: one entry does).
    StartsWith,
    /// Ends with it (for lists: one entry does; `@example.com` for a domain).
    EndsWith,
    /// Matches the regular expression.
    Matches,
    /// Is present and not empty.
    Exists,
}

/// A test on attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentOp {
    /// There is at least one.
    Any,
    /// There is none.
    None,
    /// One has this extension.
    Extension,
    /// One has a content type starting with this.
    ContentType,
}

/// A test on an attribute value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueOp {
    /// Equal (text compared without case).
    Equals,
    /// The text contains the value.
    Contains,
    /// The attribute is set.
    Exists,
    /// A number at least the value.
    AtLeast,
    /// A number at most the value.
    AtMost,
}

/// A comparison of numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// At least.
    AtLeast,
    /// At most.
    AtMost,
    /// Equal.
    Equals,
}

/// New case or continuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// The message starts a case.
    New,
    /// The message continues a case.
    Reply,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Day {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Day {
    /// 0 = Monday … 6 = Sunday.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl crate::Refers for NewWorkflow {
    fn refs(&self) -> Vec<crate::ObjectRef> {
        use crate::{ObjectKind, ObjectRef};
        let mut r = vec![ObjectRef::new(
            "department_id",
            ObjectKind::Department,
            self.department_id.0,
        )];
        r.extend(
            self.alias_ids
                .iter()
                .map(|a| ObjectRef::new("alias_ids", ObjectKind::Alias, a.0)),
        );
        r
    }
}

impl crate::Refers for WorkflowPatch {
    fn refs(&self) -> Vec<crate::ObjectRef> {
        use crate::{ObjectKind, ObjectRef};
        self.alias_ids
            .iter()
            .flatten()
            .map(|a| ObjectRef::new("alias_ids", ObjectKind::Alias, a.0))
            .collect()
    }
}
