//! Switchboard's business objects: departments, users and groups, channels, queues, customers,
//! cases, activities and the activity event log, plus the activity life-cycle state machine.
//!
//! This crate is pure: no I/O, no async runtime, no clock. Time comes in as a [`Timestamp`]
//! argument; the shells (store, web, cli) read the wall clock and pass it down.
//!
//! Layout: one file per business object. Creation inputs (`New…`) and partial updates (`…Patch`)
//! live beside the object they build and validate themselves, so an invalid value never reaches
//! the store. [`lifecycle`] holds the activity state machine; [`event`] the event log records.

pub mod activity;
pub mod alias;
pub mod answerable;
pub mod article;
pub mod calendar;
pub mod callback;
pub mod case;
pub mod case_note;
pub mod category;
pub mod channel;
pub mod chat;
pub mod compose;
pub mod customer;
pub mod customer_merge;
pub mod department;
pub mod draft;
pub mod email;
pub mod error;
pub mod event;
pub mod expression;
pub mod html_text;
pub mod ids;
pub mod inbound;
pub mod inbox;
pub mod lease;
pub mod lifecycle;
pub mod node;
pub mod note;
pub mod outbox;
pub mod password;
pub mod preferences;
pub mod queue;
pub mod queue_use;
pub mod refers;
pub mod report;
pub mod review;
pub mod role;
pub mod routing;
pub mod scope;
pub mod search;
pub mod security;
pub mod service_control;
pub mod setup;
pub mod storable;
pub mod template;
pub mod text;
pub mod threading;
pub mod throttle;
pub mod time;
pub mod user;
pub mod user_group;
pub mod webhook;
pub mod workflow;
pub mod wrap_up;

pub use activity::{Activity, ActivityPatch, NewActivity, Priority};
pub use alias::{
    Alias, AliasPatch, Disposition, IncomingServer, MailProtocol, MailSecurity, NewAlias,
    OutgoingServer,
};
pub use article::{
    Article, ArticleHit, ArticleKind, ArticlePatch, Folder, FolderPatch, MessageParts, NewArticle,
    NewFolder,
};
pub use calendar::{BusinessCalendar, CalendarPatch, Holiday, NewCalendar, OpenHours, WeeklyHours};
pub use case::{Case, CasePatch, CaseStatus, NewCase};
pub use category::{Category, CategoryPatch, NewCategory};
pub use channel::{ChannelKind, ChannelSettings};
pub use chat::{EntryPoint, EntryPointPatch, NewEntryPoint};
pub use customer::{ContactKind, ContactPoint, Customer, CustomerPatch, NewCustomer};
pub use department::{Department, DepartmentPatch, NewDepartment};
pub use draft::{DraftText, SavedDraft};
pub use email::{
    Attachment, BounceInfo, BouncedRecipient, DeliveryException, Direction, Email, EmailKind,
    EmailSettings, InboundContent, InboundEmail, IngestResult, Mailbox, NewReply, OutboundMessage,
    Outcome, ReplyDraft, StoredAttachment, ThreadRule,
};
pub use error::{TransitionError, ValidationError};
pub use event::{ActivityEvent, Actor, EventKind, EventPayload};
pub use expression::Expression;
pub use ids::*;
pub use lifecycle::{ActivityAction, ActivityState, ActivityStatus};
pub use outbox::RetryingMessage;
pub use queue::{AgentOrder, NewQueue, PrecisionStep, Queue, QueueKind, QueuePatch, QueueRouting};
pub use queue_use::{QueueRefusal, QueueUse};
pub use role::{Access, Resource, Role};
pub use routing::{Presence, RoutingSettings};
pub use scope::{ObjectKind, ObjectRef, Refers, Scope};
pub use security::{SecurityEvent, SecurityEventKind};
pub use text::{CustomAttributes, EmailAddress};
pub use time::Timestamp;
pub use user::{AgentAttribute, NewUser, User, UserPatch};
pub use user_group::{Membership, NewUserGroup, UserGroup, UserGroupPatch};
