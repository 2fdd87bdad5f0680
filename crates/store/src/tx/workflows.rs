//! The named reads and writes of the use cases that run workflows and compose messages: the
//! workflows and calendars to compile, what a workflow's effects name, the facts about an agent,
//! what a message may say about its case, and the mail the effects send (acknowledgements,
//! automatic answers, notifications).

use switchboard_domain::compose::MessageFacts;
use switchboard_domain::workflow::model::Workflow;
use switchboard_domain::{
    Activity, Alias, Article, ArticleId, ArticleKind, BusinessCalendar, CaseId, Department,
    DepartmentId, EmailId, Mailbox, Timestamp, User, UserGroupId, UserId, WorkflowId,
};

use super::Tx;
use crate::error::StoreError;
use crate::store::Store;
use crate::{calendars, departments, facts, kb, lookups, outbox, users, workflows};

impl Tx<'_> {
    /// The workflow generation committed now (it changes with every saved workflow and calendar).
    pub async fn workflow_generation(&mut self) -> Result<i64, StoreError> {
        workflows::generation(self.c).await
    }

    /// Every active workflow and every calendar, to compile.
    pub async fn workflow_set(
        &mut self,
    ) -> Result<(Vec<Workflow>, Vec<BusinessCalendar>), StoreError> {
        Ok((
            workflows::active_all(self.c).await?,
            calendars::all(self.c).await?,
        ))
    }

    /// A workflow (its current version).
    pub async fn workflow(&mut self, id: WorkflowId) -> Result<Workflow, StoreError> {
        workflows::fetch(self.c, id).await
    }

    /// Saves a changed workflow (checked as a whole) as its next version when it still has
    /// `w.version`, after checking the objects it names exist in its department; every node
    /// follows the new version from its next job.
    pub async fn save_workflow(
        &mut self,
        w: &Workflow,
        now: Timestamp,
    ) -> Result<Workflow, StoreError> {
        workflows::save(self.c, w, now).await
    }

    /// A user.
    pub async fn user(&mut self, u: UserId) -> Result<User, StoreError> {
        users::fetch(&mut *self.c, u).await
    }

    /// A department.
    pub async fn department(&mut self, d: DepartmentId) -> Result<Department, StoreError> {
        departments::fetch(&mut *self.c, d).await
    }

    /// The department of a user group; `None` when the group is gone.
    pub async fn group_department(
        &mut self,
        g: UserGroupId,
    ) -> Result<Option<DepartmentId>, StoreError> {
        lookups::group_department(self.c, g).await
    }

    /// An article.
    pub async fn article(&mut self, id: ArticleId) -> Result<Article, StoreError> {
        kb::fetch_article(self.c, id).await
    }

    /// The department's first active article of `kind`.
    pub async fn first_article(
        &mut self,
        dept: DepartmentId,
        kind: ArticleKind,
    ) -> Result<Option<ArticleId>, StoreError> {
        lookups::first_article(self.c, dept, kind).await
    }

    /// The groups a user belongs to.
    pub async fn groups_of(&mut self, u: UserId) -> Result<Vec<UserGroupId>, StoreError> {
        lookups::groups_of(self.c, u).await
    }

    /// Whether the user or one of `groups` is flagged `reviewed`.
    pub async fn reviewed(
        &mut self,
        u: UserId,
        groups: &[UserGroupId],
    ) -> Result<bool, StoreError> {
        lookups::reviewed(self.c, u, groups).await
    }

    /// What a message about `a` may say about its case; `None` when the case is gone.
    pub async fn message_facts(
        &mut self,
        a: &Activity,
    ) -> Result<Option<MessageFacts>, StoreError> {
        facts::message_facts(self.c, a).await
    }

    /// The articles with these ids that exist.
    pub async fn articles(
        &mut self,
        ids: &[ArticleId],
    ) -> Result<std::collections::HashMap<ArticleId, Article>, StoreError> {
        kb::articles_by_id(self.c, ids).await
    }

    /// Queues an automatic answer to `a`'s inbound email (nothing when that email was itself
    /// automatic, or has nobody to answer).
    pub async fn automatic_reply(
        &mut self,
        a: &Activity,
        text: String,
        html: Option<String>,
        now: Timestamp,
    ) -> Result<Option<EmailId>, StoreError> {
        outbox::automatic_in(self.c, a, text, html, now).await
    }

    /// Queues a notification to staff about `case`, sent from `alias` (no activity, no thread).
    pub async fn notification(
        &mut self,
        alias: &Alias,
        to: Vec<Mailbox>,
        subject: String,
        text: String,
        case: Option<CaseId>,
        now: Timestamp,
    ) -> Result<EmailId, StoreError> {
        outbox::automatic_mail_in(self.c, alias, to, subject, text, case, "notification", now).await
    }
}

impl Store {
    /// The workflow generation committed now.
    pub async fn workflow_generation(&self) -> Result<i64, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        workflows::generation(&mut c).await
    }

    /// The workflow generation, every active workflow and every calendar, read together.
    pub async fn workflow_set(
        &self,
    ) -> Result<(i64, Vec<Workflow>, Vec<BusinessCalendar>), StoreError> {
        use sqlx::Connection;
        let mut c = self.inner.read.acquire().await?;
        let mut t = c.begin().await?;
        let generation = workflows::generation(&mut t).await?;
        let set = (
            workflows::active_all(&mut t).await?,
            calendars::all(&mut t).await?,
        );
        t.commit().await?;
        Ok((generation, set.0, set.1))
    }
}
