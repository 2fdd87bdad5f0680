//! The agent's one inbox: emails, chats and callbacks in one list, each with its channel,
//! customer, queue, how long it has waited and when its service level falls due. A view chooses
//! the work (mine: offered to me or held by me; offered: my offers; waiting: queued in the
//! queues I serve) and a filter narrows it to one kind of channel; an agent keeps views they use
//! under a name. Which item comes next after one is done is decided here too.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::activity::Activity;
use crate::channel::ChannelKind;
use crate::error::ValidationError;
use crate::ids::ActivityId;
use crate::lifecycle::ActivityStatus;
use crate::time::Timestamp;

/// Which work a view lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboxView {
    /// Offered to me or held by me.
    #[default]
    Mine,
    /// Offered to me, waiting for my answer.
    Offered,
    /// Queued in the queues I serve, for anyone to take.
    Waiting,
}

impl InboxView {
    /// Every view, in the order shown.
    pub const ALL: [InboxView; 3] = [InboxView::Mine, InboxView::Offered, InboxView::Waiting];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxView::Mine => "mine",
            InboxView::Offered => "offered",
            InboxView::Waiting => "waiting",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<InboxView> {
        InboxView::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// What it is called on the page.
    pub fn label(self) -> &'static str {
        match self {
            InboxView::Mine => "Mine",
            InboxView::Offered => "Offered",
            InboxView::Waiting => "Waiting in my queues",
        }
    }
}

/// A kind of channel the inbox can be narrowed to (a callback now and a callback at a time are
/// both calls; an inbound email and a reply are both email).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboxChannel {
    /// Inbound and outbound email.
    Email,
    /// Web chat.
    Chat,
    /// Callbacks, now or at a time.
    Callback,
}

impl InboxChannel {
    /// Every kind, in the order shown.
    pub const ALL: [InboxChannel; 3] = [
        InboxChannel::Email,
        InboxChannel::Chat,
        InboxChannel::Callback,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxChannel::Email => "email",
            InboxChannel::Chat => "chat",
            InboxChannel::Callback => "callback",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<InboxChannel> {
        InboxChannel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// What it is called on the page.
    pub fn label(self) -> &'static str {
        match self {
            InboxChannel::Email => "Email",
            InboxChannel::Chat => "Chat",
            InboxChannel::Callback => "Callback",
        }
    }

    /// The kind a channel belongs to.
    pub fn of(c: ChannelKind) -> InboxChannel {
        match c {
            ChannelKind::InboundEmail | ChannelKind::OutboundEmail => InboxChannel::Email,
            ChannelKind::Chat => InboxChannel::Chat,
            ChannelKind::Callback | ChannelKind::DelayedCallback => InboxChannel::Callback,
        }
    }
}

/// What the inbox shows: a view, optionally narrowed to one kind of channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxFilter {
    /// Which work.
    #[serde(default)]
    pub view: InboxView,
    /// Only this kind of channel (absent: all).
    #[serde(default)]
    pub channel: Option<InboxChannel>,
}

impl InboxFilter {
    /// Whether `a` (offered to or held by the viewer when `view` is not `Waiting`) passes the
    /// filter's channel and the view's statuses.
    pub fn admits(&self, a: &Activity) -> bool {
        let status = match self.view {
            InboxView::Mine => matches!(
                a.status,
                ActivityStatus::Offered
                    | ActivityStatus::Assigned
                    | ActivityStatus::InProgress
                    | ActivityStatus::Paused
            ),
            InboxView::Offered => a.status == ActivityStatus::Offered,
            InboxView::Waiting => a.status == ActivityStatus::Queued,
        };
        status
            && self
                .channel
                .is_none_or(|c| c == InboxChannel::of(a.channel))
    }

    /// The query string that shows this filter (`view=mine&channel=chat`).
    pub fn query(&self) -> String {
        match self.channel {
            Some(c) => format!("view={}&channel={}", self.view.as_str(), c.as_str()),
            None => format!("view={}", self.view.as_str()),
        }
    }
}

/// Longest name of a saved view, in characters.
pub const MAX_VIEW_NAME_CHARS: usize = 60;
/// Most views one person keeps.
pub const MAX_SAVED_VIEWS: usize = 20;

/// A filter an agent keeps under a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedView {
    /// Its name, unique for its owner.
    pub name: String,
    /// Which work it lists.
    #[serde(default)]
    pub view: InboxView,
    /// Only this kind of channel (absent: all).
    #[serde(default)]
    pub channel: Option<InboxChannel>,
}

impl SavedView {
    /// What it shows.
    pub fn filter(&self) -> InboxFilter {
        InboxFilter {
            view: self.view,
            channel: self.channel,
        }
    }

    /// Checks the name: not blank, at most [`MAX_VIEW_NAME_CHARS`], no control characters;
    /// returns it trimmed.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(ValidationError::new("name", "must not be empty"));
        }
        if name.chars().count() > MAX_VIEW_NAME_CHARS {
            return Err(ValidationError::new(
                "name",
                format!("at most {MAX_VIEW_NAME_CHARS} characters"),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "name",
                "must not contain control characters",
            ));
        }
        self.name = name.to_string();
        Ok(self)
    }
}

/// `views` with `view` kept: it replaces the one of the same name (case aside) in its place, or
/// comes last; refused when it would make more than [`MAX_SAVED_VIEWS`].
pub fn keep(mut views: Vec<SavedView>, view: SavedView) -> Result<Vec<SavedView>, ValidationError> {
    let view = view.validate()?;
    let same = |v: &SavedView| v.name.to_lowercase() == view.name.to_lowercase();
    let full = views.len() >= MAX_SAVED_VIEWS;
    match views.iter_mut().find(|v| same(v)) {
        Some(v) => *v = view,
        None if full => {
            return Err(ValidationError::new(
                "name",
                format!("at most {MAX_SAVED_VIEWS} saved views: delete one first"),
            ));
        }
        None => views.push(view),
    }
    Ok(views)
}

/// `views` without the one called `name` (case aside), or `None` when there is none.
pub fn forget(mut views: Vec<SavedView>, name: &str) -> Option<Vec<SavedView>> {
    let name = name.trim().to_lowercase();
    let at = views.iter().position(|v| v.name.to_lowercase() == name)?;
    views.remove(at);
    Some(views)
}

/// One activity as the inbox lists it, before it is decided where it goes.
#[derive(Debug, Clone)]
pub struct InboxEntry {
    /// The work.
    pub activity: Activity,
    /// Its queue's service level (seconds within which work should be answered), when it has
    /// a queue.
    pub service_level_secs: Option<u32>,
    /// Not offered before this time (a delayed callback, a call to try again).
    pub not_before: Option<Timestamp>,
}

/// A line of the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InboxRow {
    /// The activity.
    pub activity_id: ActivityId,
    /// Its channel.
    pub channel: ChannelKind,
    /// Its status.
    pub status: ActivityStatus,
    /// How long it has been waiting since it arrived, in seconds.
    pub waiting_secs: i64,
    /// When it should be answered by: its own due time, else its arrival plus its queue's
    /// service level.
    pub due_at: Option<Timestamp>,
    /// Whether that time has passed.
    pub overdue: bool,
    /// Waiting work held aside until this time (a callback at a time): nobody takes it before.
    pub held_until: Option<Timestamp>,
}

/// When `e` should be answered by.
pub fn due(e: &InboxEntry) -> Option<Timestamp> {
    e.activity.due_at.or_else(|| {
        e.service_level_secs
            .filter(|s| *s > 0)
            .map(|s| e.activity.created_at.plus_secs(i64::from(s)))
    })
}

/// The inbox's lines at `now`: offers first (they expire), then the rest by due time (none
/// last), then the oldest first; waiting work held aside until a later time comes last.
pub fn rows(entries: &[InboxEntry], now: Timestamp) -> Vec<InboxRow> {
    let mut out: Vec<InboxRow> = entries
        .iter()
        .map(|e| {
            let due_at = due(e);
            let held_until = e
                .not_before
                .filter(|t| *t > now && e.activity.status == ActivityStatus::Queued);
            InboxRow {
                activity_id: e.activity.id,
                channel: e.activity.channel,
                status: e.activity.status,
                waiting_secs: ((now.millis() - e.activity.created_at.millis()) / 1000).max(0),
                due_at,
                overdue: held_until.is_none() && due_at.is_some_and(|d| d <= now),
                held_until,
            }
        })
        .collect();
    out.sort_by_key(|r| {
        (
            r.held_until.is_some(),
            r.status != ActivityStatus::Offered,
            r.due_at.map_or(i64::MAX, Timestamp::millis),
            std::cmp::Reverse(r.waiting_secs),
            r.activity_id,
        )
    });
    out
}

/// The item to open after `done` leaves the list: the one that followed it, else the one before
/// it, else the first of `now_listed` (the list as it is now, `done` possibly gone from it),
/// never `done` itself. `before` is the list as it was shown.
pub fn next_after(
    before: &[ActivityId],
    now_listed: &[ActivityId],
    done: ActivityId,
) -> Option<ActivityId> {
    let still = |id: &ActivityId| *id != done && now_listed.contains(id);
    if let Some(at) = before.iter().position(|id| *id == done) {
        let after = before.get(at + 1..).unwrap_or_default();
        let earlier = before.get(..at).unwrap_or_default();
        if let Some(id) = after
            .iter()
            .chain(earlier.iter().rev())
            .find(|id| still(id))
        {
            return Some(*id);
        }
    }
    now_listed.iter().copied().find(|id| *id != done)
}

#[cfg(test)]
mod tests;
