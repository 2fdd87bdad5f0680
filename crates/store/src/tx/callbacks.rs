//! The named reads and writes of the callback use cases.

use switchboard_domain::callback::{Callback, CallbackSettings, NewCallback};
use switchboard_domain::event::TransitionDetails;
use switchboard_domain::{
    Activity, ActivityAction, ActivityId, Actor, Alias, BusinessCalendar, CalendarId, CaseId,
    ContactKind, CustomerId, DepartmentId, EmailId, Mailbox, Timestamp,
};

use super::Tx;
use crate::error::StoreError;
use crate::{activities, calendars, callbacks, customers};

impl Tx<'_> {
    /// Records the callback beside its new activity.
    pub async fn insert_callback(
        &mut self,
        n: &NewCallback,
        now: Timestamp,
    ) -> Result<Callback, StoreError> {
        callbacks::insert(self.c, n, now).await
    }

    /// Reads the callback of activity `id`.
    pub async fn callback(&mut self, id: ActivityId) -> Result<Callback, StoreError> {
        callbacks::fetch(self.c, id).await
    }

    /// Saves what a call changed.
    pub async fn save_callback(&mut self, cb: &Callback, now: Timestamp) -> Result<(), StoreError> {
        callbacks::save(self.c, cb, now).await
    }

    /// The department's callback settings.
    pub async fn callback_settings(
        &mut self,
        dept: DepartmentId,
    ) -> Result<CallbackSettings, StoreError> {
        callbacks::settings(self.c, dept).await
    }

    /// Runs a life-cycle action with details for its event (a queueing's `not_before`).
    pub async fn act_with(
        &mut self,
        id: ActivityId,
        action: ActivityAction,
        actor: Actor,
        details: TransitionDetails,
        now: Timestamp,
    ) -> Result<Activity, StoreError> {
        activities::act_with(self.c, id, action, None, actor, details, now).await
    }

    /// The customer of `dept` with this phone number (E.164).
    pub async fn customer_by_phone(
        &mut self,
        dept: DepartmentId,
        phone: &str,
    ) -> Result<Option<CustomerId>, StoreError> {
        let key = switchboard_domain::text::lookup_key(phone);
        let found = customers::by_contact(self.c, dept, ContactKind::Phone, &key).await?;
        Ok(found.map(|k| k.id))
    }

    /// Reads business calendar `id`.
    pub async fn calendar(&mut self, id: CalendarId) -> Result<BusinessCalendar, StoreError> {
        calendars::fetch(self.c, id).await
    }

    /// Puts an automatic email (a confirmation, a notice) in the outbox, from `alias` to `to`,
    /// filed in `case`; `reason` says what it is in the outbox's records.
    #[allow(clippy::too_many_arguments)]
    pub async fn automatic_mail(
        &mut self,
        alias: &Alias,
        to: Mailbox,
        subject: String,
        text: String,
        case: Option<CaseId>,
        reason: &str,
        now: Timestamp,
    ) -> Result<EmailId, StoreError> {
        crate::outbox::automatic_mail_in(self.c, alias, vec![to], subject, text, case, reason, now)
            .await
    }
}
