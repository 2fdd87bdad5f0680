//! The named reads and writes of an inbound email's use case.

use std::collections::HashMap;

use switchboard_domain::event::TransitionDetails;
use switchboard_domain::{
    Activity, ActivityId, Actor, Alias, AliasId, Case, CaseId, ContactKind, CustomerId,
    DepartmentId, EmailAddress, EmailId, EmailSettings, IngestResult, NewActivity, NewCase,
    NewCustomer, Queue, QueueId, StoredAttachment, Timestamp,
};

use super::Tx;
use crate::activities::{self, NewEvent};
use crate::emails::{self, EmailRow, NewDeliveryException};
use crate::error::StoreError;
use crate::inbound::{self, SentEmail};
use crate::{aliases, cases, customers, queues, settings};

impl Tx<'_> {
    /// The earlier results of the messages of `mailbox` with these source keys, by source key.
    pub async fn known_emails(
        &mut self,
        mailbox: AliasId,
        keys: &[&str],
    ) -> Result<HashMap<String, IngestResult>, StoreError> {
        inbound::known(self.c, mailbox, keys).await
    }

    /// The earlier result of one message of `mailbox`, if it was stored before.
    pub async fn known_email(
        &mut self,
        mailbox: AliasId,
        key: &str,
    ) -> Result<Option<IngestResult>, StoreError> {
        inbound::known_one(self.c, mailbox, key).await
    }

    /// The customers (of any department) with one of these email lookup keys, as
    /// (department, key, customer).
    pub async fn customers_by_email(
        &mut self,
        keys: &[String],
    ) -> Result<Vec<(DepartmentId, String, CustomerId)>, StoreError> {
        inbound::customers_by_email(self.c, keys).await
    }

    /// The customer of `dept` with this email lookup key.
    pub async fn customer_by_email(
        &mut self,
        dept: DepartmentId,
        key: &str,
    ) -> Result<Option<CustomerId>, StoreError> {
        let found = customers::by_contact(self.c, dept, ContactKind::Email, key).await?;
        Ok(found.map(|k| k.id))
    }

    /// Creates a customer.
    pub async fn insert_customer(
        &mut self,
        n: NewCustomer,
        now: Timestamp,
    ) -> Result<CustomerId, StoreError> {
        Ok(customers::insert(self.c, n, now).await?.id)
    }

    /// A customer's custom attributes (none when the customer is gone).
    pub async fn customer_attributes(
        &mut self,
        k: CustomerId,
    ) -> Result<switchboard_domain::CustomAttributes, StoreError> {
        inbound::customer_attributes(self.c, k).await
    }

    /// The active alias with this address lookup key.
    pub async fn alias_at(&mut self, key: &str) -> Result<Option<Alias>, StoreError> {
        aliases::by_address_key(self.c, key).await
    }

    /// A department's email settings.
    pub async fn email_settings(
        &mut self,
        dept: DepartmentId,
    ) -> Result<EmailSettings, StoreError> {
        settings::email_settings(self.c, dept).await
    }

    /// A department's exception queue.
    pub async fn exception_queue(&mut self, dept: DepartmentId) -> Result<QueueId, StoreError> {
        Ok(queues::exception_queue(&mut *self.c, dept).await?.id)
    }

    /// A queue.
    pub async fn queue(&mut self, q: QueueId) -> Result<Queue, StoreError> {
        queues::fetch(&mut *self.c, q).await
    }

    /// The case of a message of `dept` we stored or sent with this Message-ID.
    pub async fn case_of_message(
        &mut self,
        dept: DepartmentId,
        message_id: &str,
    ) -> Result<Option<CaseId>, StoreError> {
        inbound::case_of_message(self.c, dept, message_id).await
    }

    /// Whether `sender` takes part in `case` of `dept` (the case's customer's address, or it
    /// wrote into the case before).
    pub async fn is_participant(
        &mut self,
        dept: DepartmentId,
        case: CaseId,
        sender: &EmailAddress,
    ) -> Result<bool, StoreError> {
        inbound::is_participant(self.c, dept, case, sender).await
    }

    /// Our outbound email of `dept` with this Message-ID (what a bounce reports on).
    pub async fn sent_email(
        &mut self,
        dept: DepartmentId,
        message_id: &str,
    ) -> Result<Option<SentEmail>, StoreError> {
        inbound::sent_with(self.c, dept, message_id).await
    }

    /// A case.
    pub async fn case(&mut self, k: CaseId) -> Result<Case, StoreError> {
        cases::fetch(&mut *self.c, k).await
    }

    /// Opens a case in `dept`.
    pub async fn insert_case(
        &mut self,
        dept: DepartmentId,
        n: &NewCase,
        now: Timestamp,
    ) -> Result<Case, StoreError> {
        cases::insert_for(self.c, dept, n, now).await
    }

    /// Creates an activity in `case`; returns it with its events (created, queued …), not yet
    /// appended.
    pub async fn insert_activity(
        &mut self,
        case: &Case,
        n: &NewActivity,
        actor: Actor,
        waits_for: TransitionDetails,
        now: Timestamp,
    ) -> Result<(Activity, Vec<NewEvent>), StoreError> {
        activities::insert_in_case(self.c, case, n, actor, waits_for, now).await
    }

    /// Inserts an email row without its attachments (see [`Tx::insert_attachments`]).
    pub async fn insert_email(
        &mut self,
        row: &EmailRow,
        now: Timestamp,
    ) -> Result<EmailId, StoreError> {
        emails::insert_email_row(self.c, row, now).await
    }

    /// Inserts the attachment rows of any emails, many per statement.
    pub async fn insert_attachments(
        &mut self,
        files: &[(EmailId, &StoredAttachment)],
    ) -> Result<(), StoreError> {
        emails::insert_attachments(self.c, files).await
    }

    /// Appends the events of any activities, many per statement.
    pub async fn append_many(
        &mut self,
        events: &[(ActivityId, NewEvent)],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        activities::append_many(self.c, events, now).await
    }

    /// Records a delivery exception.
    pub async fn insert_delivery_exception(
        &mut self,
        d: &NewDeliveryException,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        emails::insert_delivery_exception(self.c, d, now).await
    }
}
