//! A write transaction for the use cases above the store: [`Store::write`] runs a job in the
//! group-commit writer and hands it a [`Tx`], whose named reads and writes are the only way in.
//! The job may run twice (the writer retries a failed batch job by job), so it must not consume
//! what it captures; its result is delivered only after the commit.

use std::collections::HashSet;

use futures_util::future::BoxFuture;
use sqlx::AnyConnection;
use switchboard_domain::{
    Activity, ActivityAction, ActivityId, Actor, Alias, AliasId, CategoryId, DepartmentId, EmailId,
    SavedDraft, Timestamp, WorkflowId,
};

use crate::activities::{self, NewEvent};
use crate::error::StoreError;
use crate::outbox::{AnsweredEmail, ReplyMail};
use crate::review::{HeldReply, ReplySettlement};
use crate::store::Store;
use crate::{alarms, aliases, drafts, outbox, review};

mod callbacks;
mod chats;
mod customers;
mod inbound;
mod workflows;
mod wrap_up;

/// One write transaction, lent to a job of [`Store::write`].
pub struct Tx<'c> {
    pub(crate) c: &'c mut AnyConnection,
}

/// A savepoint inside a write transaction: what is written through [`Savepoint::tx`] is kept
/// by [`Savepoint::commit`] and undone by [`Savepoint::rollback`] (or when it is dropped).
pub struct Savepoint<'c> {
    t: sqlx::Transaction<'c, sqlx::Any>,
}

impl<'c> Savepoint<'c> {
    /// The transaction inside the savepoint.
    pub fn tx(&mut self) -> Tx<'_> {
        Tx { c: &mut self.t }
    }

    /// Keeps what was written.
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.t.commit().await?)
    }

    /// Undoes what was written.
    pub async fn rollback(self) -> Result<(), StoreError> {
        Ok(self.t.rollback().await?)
    }
}

impl Store {
    /// Runs `job` in a write transaction and returns its result once committed.
    pub async fn write<T: Send + 'static>(
        &self,
        mut job: impl for<'c> FnMut(Tx<'c>) -> BoxFuture<'c, Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.writes(move |c| job(Tx { c })).await
    }

    /// Runs `job` over a connection of the read pool (for use cases that only read; what it
    /// would write is not the writer's and must not be).
    pub async fn read<T>(
        &self,
        job: impl for<'c> FnOnce(Tx<'c>) -> BoxFuture<'c, Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        job(Tx { c: &mut c }).await
    }
}

impl Tx<'_> {
    /// Opens a savepoint: a failed attempt can be undone without leaving the transaction.
    pub async fn savepoint(&mut self) -> Result<Savepoint<'_>, StoreError> {
        use sqlx::Connection;
        Ok(Savepoint {
            t: self.c.begin().await?,
        })
    }

    /// An activity as it is now in the transaction.
    pub async fn activity(&mut self, id: ActivityId) -> Result<Activity, StoreError> {
        activities::fetch(&mut *self.c, id).await
    }

    /// Saves an activity's fields and status when it still has `a.version`; the version it has
    /// afterwards is `a.version + 1`. A stale version is a conflict.
    pub async fn save_activity(&mut self, a: &Activity, now: Timestamp) -> Result<(), StoreError> {
        activities::save(self.c, a, now).await
    }

    /// Why category `k` cannot be set on work of `dept`, if it cannot.
    pub async fn category_refusal(
        &mut self,
        dept: DepartmentId,
        k: CategoryId,
    ) -> Result<Option<String>, StoreError> {
        activities::category_refusal(self.c, dept, k).await
    }

    /// Appends events of one activity.
    pub async fn append_events(
        &mut self,
        activity: ActivityId,
        events: Vec<NewEvent>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        activities::append_events(self.c, activity, events, now).await
    }

    /// Runs a life-cycle action on an activity and appends its event.
    pub async fn act(
        &mut self,
        id: ActivityId,
        action: ActivityAction,
        actor: Actor,
        now: Timestamp,
    ) -> Result<Activity, StoreError> {
        activities::act(self.c, id, action, None, actor, now).await
    }

    /// The reply outbound activity `o` holds for review; a conflict when it holds none.
    pub async fn held_reply(&mut self, o: &Activity) -> Result<HeldReply, StoreError> {
        review::held(self.c, o).await
    }

    /// Settles a held reply's email (approved with edits, or rejected).
    pub async fn settle_reply(
        &mut self,
        email: EmailId,
        settlement: &ReplySettlement,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        review::settle(self.c, email, settlement, now).await
    }

    /// Puts an email in the outbox, to leave from `alias`.
    pub async fn queue_for_sending(
        &mut self,
        email: EmailId,
        alias: AliasId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        outbox::insert_entry(self.c, email, alias, now).await
    }

    /// An alias.
    pub async fn alias(&mut self, id: AliasId) -> Result<Alias, StoreError> {
        aliases::fetch(&mut *self.c, id).await
    }

    /// The inbound email activity `a` answers; a conflict when it has none or its alias is gone.
    pub async fn answered_email(&mut self, a: ActivityId) -> Result<AnsweredEmail, StoreError> {
        outbox::answered(self.c, a).await
    }

    /// The saved reply draft of an activity.
    pub async fn draft(&mut self, a: ActivityId) -> Result<Option<SavedDraft>, StoreError> {
        drafts::get(self.c, a).await
    }

    /// Removes the saved reply draft of an activity (its files stay while something uses them).
    pub async fn delete_draft(&mut self, a: ActivityId) -> Result<(), StoreError> {
        drafts::delete(self.c, a).await
    }

    /// Who may be written to about `a` without the right to write to anyone (lower-cased).
    pub async fn participants(&mut self, a: &Activity) -> Result<HashSet<String>, StoreError> {
        outbox::participants(self.c, a).await
    }

    /// Writes an agent's reply: the outbound activity (completed, or waiting in review queue
    /// `mail.hold`), the email and, unless held, the outbox entry.
    pub async fn enqueue_reply(
        &mut self,
        a: &Activity,
        answered: &AnsweredEmail,
        alias: &Alias,
        mail: ReplyMail,
        now: Timestamp,
    ) -> Result<(EmailId, Activity), StoreError> {
        outbox::enqueue_reply(self.c, a, answered, alias, mail, now).await
    }

    /// Records that alarm `workflow` fired on `activity`; false when it already had (another
    /// node was first), and then nothing else is to be written for the pair.
    pub async fn record_alarm_hit(
        &mut self,
        workflow: WorkflowId,
        activity: ActivityId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        alarms::record_hit(self.c, workflow, activity, now).await
    }

    /// The alias notifications about an activity go out from: the one its mail came to, else
    /// the department's first active alias.
    pub async fn notification_sender(
        &mut self,
        activity: ActivityId,
        dept: DepartmentId,
    ) -> Result<Option<Alias>, StoreError> {
        alarms::sender(self.c, activity, dept).await
    }
}
