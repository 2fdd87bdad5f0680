//! Switchboard's store: every durable byte goes through here.
//!
//! - [`Store`] is one interface over two engines, SQLite (embedded default) and PostgreSQL. The
//!   SQL is written once, with `$n` placeholders both engines accept, and runs through sqlx's
//!   `Any` driver: one code path per behaviour, one test suite for both.
//! - Writes go through the group-commit writer ([`writer`]): jobs waiting at the same moment share
//!   one transaction and one fsync. Reads use a pool.
//! - [`migrate`] applies the embedded schema migrations.
//! - [`blob`] stores raw messages and attachments by content address.
//! - One file per business object (`departments`, `users`, `groups`, `queues`, `customers`,
//!   `cases`, `activities`) plus `auth` for tokens and sessions.
//!
//! Only this crate contains SQL.

pub mod activities;
mod agent_states;
pub mod alarms;
pub mod aliases;
pub mod auth;
mod backend;
pub mod blob;
mod blob_refs;
pub mod bus;
pub mod calendars;
mod callbacks;
mod case_notes;
mod case_update;
pub mod cases;
pub mod categories;
pub mod chat_files;
pub mod chat_reads;
pub mod chats;
pub mod cursors;
pub mod customers;
pub mod departments;
pub mod dictionary;
mod drafts;
pub mod emails;
mod entry_points;
pub mod error;
mod facts;
pub mod find;
pub mod groups;
mod history_import;
mod in_use;
mod inbound;
mod inbox_views;
pub mod kb;
mod leases;
mod lookups;
mod membership;
mod migrate;
mod nodes;
pub mod notify;
pub mod outbox;
mod packed;
pub mod passwords;
mod plan;
mod preferences;
pub mod queues;
mod reader_role;
mod report_days;
mod report_facts;
mod report_read;
mod report_rollup;
mod report_sql;
mod report_waits;
mod review;
pub mod routing;
mod routing_apply;
mod saved_reports;
pub mod seal;
mod secrets;
pub mod security;
mod service_controls;
mod settings;
mod setup;
mod sql;
mod store;
pub mod synthetic;
mod tx;
pub mod users;
pub mod webhook_deliveries;
mod webhook_outbox;
mod webhooks;
pub mod workflows;
mod wrap_up;
mod writer;

pub use activities::{ActivityFilter, NewEvent};
pub use alarms::AlarmCandidate;
pub use aliases::{AliasCredentials, AliasFilter};
pub use auth::{ApiToken, Session};
pub use blob::{
    BlobError, BlobKey, BlobStore, GcError, GcOptions, GcProgress, GcSummary, LocalBlobStore,
    ReferencedBlobs, S3BlobStore, S3Settings, collect_garbage,
};
pub use cases::CaseFilter;
pub use chats::{NewChat, OpenChat};
pub use cursors::MailCursor;
pub use customers::CustomerFilter;
pub use emails::{AttachmentBlob, EmailFilter, EmailRow, NewDeliveryException};
pub use error::StoreError;
pub use groups::UserGroupFilter;
pub use history_import::{HistoryRef, HistoryStep, HistoryWritten};
pub use inbound::SentEmail;
pub use kb::ArticleFilter;
pub use notify::Notify;
pub use outbox::{AnsweredEmail, OutboxCounts, ReplyMail, SystemMail};
pub use queues::QueueFilter;
pub use report_read::{IntervalFilter, Summed};
pub use report_rollup::RollupBatch;
pub use review::{HeldReply, ReplySettlement};
pub use routing::{RoutedActivity, RoutingAgent, RoutingConfig, RoutingDepartment, TailEvent};
pub use routing_apply::{RoutingChange, RoutingConflict};
pub use saved_reports::{MadeFile, RunDone};
pub use seal::Sealer;
pub use sql::{MAX_PAGE, Page, PageRequest};
pub use store::{Backend, Store, StoreOptions, create_postgres_database};
pub use switchboard_domain::email::UNKNOWN_SENDER;
pub use tx::{Savepoint, Tx};
pub use users::UserFilter;
pub use webhook_deliveries::{Attempted, DueDelivery};
pub use workflows::WorkflowFilter;
