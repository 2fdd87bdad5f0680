//! Channels (media classes) and their routing settings.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;

/// The media class of an activity. Each has its own agent capacity and settings.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Email from a customer.
    InboundEmail,
    /// Email an agent or workflow sends first.
    OutboundEmail,
    /// Web chat.
    Chat,
    /// A customer asked to be called now.
    Callback,
    /// A customer asked to be called at a set time.
    DelayedCallback,
}

impl ChannelKind {
    /// Every channel, in a stable order.
    pub const ALL: [ChannelKind; 5] = [
        ChannelKind::InboundEmail,
        ChannelKind::OutboundEmail,
        ChannelKind::Chat,
        ChannelKind::Callback,
        ChannelKind::DelayedCallback,
    ];

    /// Its place in [`ChannelKind::ALL`].
    pub fn index(self) -> usize {
        match self {
            ChannelKind::InboundEmail => 0,
            ChannelKind::OutboundEmail => 1,
            ChannelKind::Chat => 2,
            ChannelKind::Callback => 3,
            ChannelKind::DelayedCallback => 4,
        }
    }

    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::InboundEmail => "inbound_email",
            ChannelKind::OutboundEmail => "outbound_email",
            ChannelKind::Chat => "chat",
            ChannelKind::Callback => "callback",
            ChannelKind::DelayedCallback => "delayed_callback",
        }
    }

    /// The name people read in the consoles.
    pub fn label(self) -> &'static str {
        match self {
            ChannelKind::InboundEmail => "Email",
            ChannelKind::OutboundEmail => "Reply",
            ChannelKind::Chat => "Chat",
            ChannelKind::Callback => "Callback",
            ChannelKind::DelayedCallback => "Delayed callback",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether work on this channel is a call the customer asked for (now or at a time).
    pub fn is_callback(self) -> bool {
        matches!(self, ChannelKind::Callback | ChannelKind::DelayedCallback)
    }

    /// Whether work on this channel is email (and so must be interruptible).
    pub fn is_email(self) -> bool {
        matches!(self, ChannelKind::InboundEmail | ChannelKind::OutboundEmail)
    }

    /// The settings a new department starts with (SPEC.md §2).
    pub fn default_settings(self) -> ChannelSettings {
        ChannelSettings {
            interruptible: self.is_email(),
            max_queued: 10_000,
            max_time_in_queue_secs: if self.is_email() { 0 } else { 600 },
            task_life_secs: 300,
            start_timeout_secs: 30,
            max_duration_secs: 28_800,
        }
    }
}

/// Routing settings of one channel in one department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelSettings {
    /// Whether a task of this channel may be paused when other work is offered (email must be).
    pub interruptible: bool,
    /// The most activities that may wait in queues; the next goes to the exception queue.
    pub max_queued: u32,
    /// Seconds an activity may wait before it moves to the exception queue and counts as
    /// abandoned; 0 means no limit.
    pub max_time_in_queue_secs: u32,
    /// Seconds the router keeps a task alive without progress.
    pub task_life_secs: u32,
    /// Seconds an agent has to accept an offer before it goes back to the queue.
    pub start_timeout_secs: u32,
    /// Seconds a task may last at most.
    pub max_duration_secs: u32,
}

impl ChannelSettings {
    /// Checks the settings make sense for `channel`.
    pub fn validate(&self, channel: ChannelKind) -> Result<(), ValidationError> {
        if channel.is_email() && !self.interruptible {
            return Err(ValidationError::new(
                "interruptible",
                "email channels must be interruptible",
            ));
        }
        if self.start_timeout_secs == 0 || self.start_timeout_secs > 3600 {
            return Err(ValidationError::new(
                "start_timeout_secs",
                "must be between 1 and 3600",
            ));
        }
        if self.task_life_secs == 0 {
            return Err(ValidationError::new("task_life_secs", "must be at least 1"));
        }
        if self.max_duration_secs == 0 {
            return Err(ValidationError::new(
                "max_duration_secs",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_spec() {
        for c in ChannelKind::ALL {
            let s = c.default_settings();
            assert_eq!(s.task_life_secs, 300);
            assert_eq!(s.start_timeout_secs, 30);
            assert_eq!(s.max_duration_secs, 28_800);
            assert!(s.validate(c).is_ok());
            assert_eq!(ChannelKind::parse(c.as_str()), Some(c));
            assert_eq!(ChannelKind::ALL[c.index()], c);
        }
        let mut email = ChannelKind::InboundEmail.default_settings();
        email.interruptible = false;
        assert!(email.validate(ChannelKind::InboundEmail).is_err());
    }
}
