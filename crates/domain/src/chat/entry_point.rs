//! A chat entry point: what a department publishes on its web sites (ECE numbers them, e.g.
//! 1001). The page embeds one `<script>` tag naming the entry point; the rest is configured here.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::form::{self, PreChatField, SurveyQuestion};
use super::origin;
use super::widget::WidgetTemplate;
use crate::channel::ChannelKind;
use crate::error::ValidationError;
use crate::ids::{CalendarId, DepartmentId, EntryPointId, QueueId};
use crate::text::{self, MAX_NAME, MAX_TEXT};
use crate::time::Timestamp;

/// Shortest time-out, in seconds.
pub const MIN_TIMEOUT: u32 = 10;
/// Longest time-out, in seconds (a day).
pub const MAX_TIMEOUT: u32 = 86_400;

/// The time-outs of an entry point's chats, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ChatTimeouts {
    /// A customer silent this long is warned…
    pub customer_warning_secs: u32,
    /// …and the chat closes when they stay silent this long.
    pub customer_inactivity_secs: u32,
    /// An agent silent this long: the customer is told and the supervisor sees it.
    pub agent_inactivity_secs: u32,
    /// A waiting customer whose connection has been gone this long abandoned the chat.
    pub abandon_grace_secs: u32,
}

impl Default for ChatTimeouts {
    fn default() -> Self {
        ChatTimeouts {
            customer_warning_secs: 240,
            customer_inactivity_secs: 300,
            agent_inactivity_secs: 180,
            abandon_grace_secs: 60,
        }
    }
}

impl ChatTimeouts {
    /// Checks the ranges, and that the warning comes before the close.
    pub fn check(&self) -> Result<(), ValidationError> {
        let each = [
            ("customer_warning_secs", self.customer_warning_secs),
            ("customer_inactivity_secs", self.customer_inactivity_secs),
            ("agent_inactivity_secs", self.agent_inactivity_secs),
            ("abandon_grace_secs", self.abandon_grace_secs),
        ];
        for (name, v) in each {
            if !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(&v) {
                return Err(ValidationError::new(
                    format!("timeouts.{name}"),
                    format!("must be from {MIN_TIMEOUT} to {MAX_TIMEOUT} seconds"),
                ));
            }
        }
        if self.customer_warning_secs >= self.customer_inactivity_secs {
            return Err(ValidationError::new(
                "timeouts.customer_warning_secs",
                "the warning must come before the chat closes",
            ));
        }
        Ok(())
    }
}

/// What an entry point offers its web sites' customers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryPointKind {
    /// A live chat.
    #[default]
    Chat,
    /// To be called back as soon as an agent can.
    Callback,
    /// To be called back at a time the customer chooses.
    DelayedCallback,
}

impl EntryPointKind {
    /// Every kind.
    pub const ALL: [EntryPointKind; 3] = [
        EntryPointKind::Chat,
        EntryPointKind::Callback,
        EntryPointKind::DelayedCallback,
    ];

    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryPointKind::Chat => "chat",
            EntryPointKind::Callback => "callback",
            EntryPointKind::DelayedCallback => "delayed_callback",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<EntryPointKind> {
        EntryPointKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The channel of the work it brings.
    pub fn channel(self) -> ChannelKind {
        match self {
            EntryPointKind::Chat => ChannelKind::Chat,
            EntryPointKind::Callback => ChannelKind::Callback,
            EntryPointKind::DelayedCallback => ChannelKind::DelayedCallback,
        }
    }

    /// Whether customers leave a number to be called at.
    pub fn is_callback(self) -> bool {
        self != EntryPointKind::Chat
    }
}

/// Most chats an entry point lets wait while no agent is free.
pub const MAX_WAITING: u32 = 10_000;

fn check_max_waiting(m: u32) -> Result<(), ValidationError> {
    if m > MAX_WAITING {
        return Err(ValidationError::new(
            "max_waiting",
            format!("at most {MAX_WAITING}"),
        ));
    }
    Ok(())
}

/// A chat entry point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EntryPoint {
    /// Id (the number in the snippet).
    pub id: EntryPointId,
    /// Department.
    pub department_id: DepartmentId,
    /// Chat, callback or delayed callback (set when it is created).
    #[serde(default)]
    pub kind: EntryPointKind,
    /// Name, unique in the department.
    pub name: String,
    /// What it is for, for people.
    pub description: String,
    /// Whether customers can start chats.
    pub active: bool,
    /// The queue its chats wait in unless a start workflow routes them (none: the exception
    /// queue).
    pub queue_id: Option<QueueId>,
    /// Business hours (none: always open).
    pub calendar_id: Option<CalendarId>,
    /// How many chats may wait for an agent while none is free before the widget shows its
    /// offline alternative (0: offered only while an agent is free).
    pub max_waiting: u32,
    /// The pre-chat form.
    pub pre_chat: Vec<PreChatField>,
    /// The widget's texts and colour.
    pub widget: WidgetTemplate,
    /// Web origins that may embed the widget (none: no page can).
    pub allowed_origins: Vec<String>,
    /// The survey offered when a chat ends (none: no survey).
    pub survey: Vec<SurveyQuestion>,
    /// Time-outs.
    pub timeouts: ChatTimeouts,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

fn yes() -> bool {
    true
}

/// Input to create an entry point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntryPoint {
    /// Department.
    pub department_id: DepartmentId,
    /// Chat (default), callback or delayed callback.
    #[serde(default)]
    pub kind: EntryPointKind,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Active (default true).
    #[serde(default = "yes")]
    pub active: bool,
    /// The queue.
    #[serde(default)]
    pub queue_id: Option<QueueId>,
    /// Business hours.
    #[serde(default)]
    pub calendar_id: Option<CalendarId>,
    /// Chats that may wait while no agent is free (default 0).
    #[serde(default)]
    pub max_waiting: u32,
    /// The pre-chat form (default: name, email address, question).
    #[serde(default = "form::default_pre_chat")]
    pub pre_chat: Vec<PreChatField>,
    /// The widget's texts and colour.
    #[serde(default)]
    pub widget: WidgetTemplate,
    /// Allowed web origins.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// The survey.
    #[serde(default)]
    pub survey: Vec<SurveyQuestion>,
    /// Time-outs.
    #[serde(default)]
    pub timeouts: ChatTimeouts,
}

impl NewEntryPoint {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.name = text::required("name", &self.name, MAX_NAME)?;
        self.description = text::optional("description", &self.description, MAX_TEXT)?;
        check_max_waiting(self.max_waiting)?;
        form::check_pre_chat(&mut self.pre_chat)?;
        self.widget.check()?;
        origin::check_all("allowed_origins", &mut self.allowed_origins)?;
        form::check_survey(&mut self.survey)?;
        self.timeouts.check()?;
        Ok(self)
    }
}

/// A partial update of an entry point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryPointPatch {
    /// The version the client last read.
    pub version: i64,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// Active or not.
    pub active: Option<bool>,
    /// New queue (`null`: none).
    #[serde(default, deserialize_with = "text::nullable")]
    #[schema(value_type = Option<QueueId>)]
    pub queue_id: Option<Option<QueueId>>,
    /// New business hours (`null`: always open).
    #[serde(default, deserialize_with = "text::nullable")]
    #[schema(value_type = Option<CalendarId>)]
    pub calendar_id: Option<Option<CalendarId>>,
    /// New number of chats that may wait while no agent is free.
    pub max_waiting: Option<u32>,
    /// Replaces the pre-chat form.
    pub pre_chat: Option<Vec<PreChatField>>,
    /// Replaces the widget template.
    pub widget: Option<WidgetTemplate>,
    /// Replaces the allowed origins.
    pub allowed_origins: Option<Vec<String>>,
    /// Replaces the survey.
    pub survey: Option<Vec<SurveyQuestion>>,
    /// Replaces the time-outs.
    pub timeouts: Option<ChatTimeouts>,
}

impl EntryPointPatch {
    /// Validates and normalises what the patch sets.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(n) = &self.name {
            self.name = Some(text::required("name", n, MAX_NAME)?);
        }
        if let Some(d) = &self.description {
            self.description = Some(text::optional("description", d, MAX_TEXT)?);
        }
        if let Some(m) = self.max_waiting {
            check_max_waiting(m)?;
        }
        if let Some(f) = &mut self.pre_chat {
            form::check_pre_chat(f)?;
        }
        if let Some(w) = &mut self.widget {
            w.check()?;
        }
        if let Some(o) = &mut self.allowed_origins {
            origin::check_all("allowed_origins", o)?;
        }
        if let Some(s) = &mut self.survey {
            form::check_survey(s)?;
        }
        if let Some(t) = &self.timeouts {
            t.check()?;
        }
        Ok(self)
    }

    /// The entry point with the patch's fields set (the version is the store's to bump).
    pub fn apply_to(&self, e: &mut EntryPoint) {
        if let Some(n) = &self.name {
            e.name.clone_from(n);
        }
        if let Some(d) = &self.description {
            e.description.clone_from(d);
        }
        if let Some(a) = self.active {
            e.active = a;
        }
        if let Some(q) = self.queue_id {
            e.queue_id = q;
        }
        if let Some(c) = self.calendar_id {
            e.calendar_id = c;
        }
        if let Some(m) = self.max_waiting {
            e.max_waiting = m;
        }
        if let Some(f) = &self.pre_chat {
            e.pre_chat.clone_from(f);
        }
        if let Some(w) = &self.widget {
            e.widget.clone_from(w);
        }
        if let Some(o) = &self.allowed_origins {
            e.allowed_origins.clone_from(o);
        }
        if let Some(s) = &self.survey {
            e.survey.clone_from(s);
        }
        if let Some(t) = self.timeouts {
            e.timeouts = t;
        }
    }
}
