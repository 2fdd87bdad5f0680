//! A customer asks to be called back: the request checked against the department's callback
//! settings and the entry point's hours (`domain::callback::check_request`), the customer found
//! by phone number, then email address, or created; a new case; the department's start
//! workflows run over it (the note as the message: they may route it, set its priority or
//! category, as for a chat); a callback activity in the queue they chose (else the entry
//! point's) whose `queued` event carries the requested time as `not_before` (the router holds
//! it until then); the callback record; and the confirmation mailed when an address was
//! given and the department has one to send from — in one transaction.

use std::sync::Arc;

use switchboard_domain::callback::{
    Callback, CallbackAsk, CallbackRequest, NewCallback, TimeRules, check_request, mail,
};
use switchboard_domain::chat::{EntryPoint, EntryPointKind};
use switchboard_domain::event::{CallbackRequested, EventPayload, TransitionDetails};
use switchboard_domain::{
    Activity, Actor, ContactKind, ContactPoint, CustomerId, DepartmentId, EntryPointId, Mailbox,
    NewActivity, NewCase, NewCustomer, OpenHours, Timestamp,
};
use switchboard_store::{NewEvent, StoreError, Tx};

use crate::App;
use crate::chat::route::{ChatArrival, message, plan_chat};
use crate::library::Library;

/// Longest activity subject taken from the customer's note.
const MAX_SUBJECT: usize = 200;

/// A callback request from an entry point.
#[derive(Debug, Clone)]
pub struct RequestCallback {
    /// The entry point.
    pub entry_point: EntryPointId,
    /// What the customer sent.
    pub request: CallbackRequest,
}

/// A booked callback.
#[derive(Debug, Clone)]
pub struct RequestedCallback {
    /// The callback.
    pub callback: Callback,
    /// Its activity.
    pub activity: Activity,
    /// Whether the confirmation was put in the outbox.
    pub confirmation_mailed: bool,
}

/// The activity's subject: the note's first line, else "Call +…".
fn subject(ask: &CallbackAsk) -> String {
    ask.note
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map_or_else(|| format!("Call {}", ask.phone), str::to_string)
        .chars()
        .take(MAX_SUBJECT)
        .collect()
}

/// The customer of `dept` with this number, else with this address, else a new one.
async fn customer(
    tx: &mut Tx<'_>,
    dept: DepartmentId,
    ask: &CallbackAsk,
    now: Timestamp,
) -> Result<CustomerId, StoreError> {
    if let Some(found) = tx.customer_by_phone(dept, &ask.phone).await? {
        return Ok(found);
    }
    if let Some(e) = &ask.email
        && let Some(found) = tx.customer_by_email(dept, &e.lookup_key()).await?
    {
        return Ok(found);
    }
    let mut contact_points = vec![ContactPoint {
        kind: ContactKind::Phone,
        value: ask.phone.clone(),
    }];
    contact_points.extend(ask.email.iter().map(|e| ContactPoint {
        kind: ContactKind::Email,
        value: e.as_str().to_string(),
    }));
    let new = NewCustomer {
        department_id: dept,
        name: ask.name.clone(),
        contact_points,
        attributes: Default::default(),
    };
    tx.insert_customer(new, now).await
}

/// Gathers what checking the request needs and checks it.
async fn checked(
    tx: &mut Tx<'_>,
    ep: &EntryPoint,
    req: &CallbackRequest,
    now: Timestamp,
) -> Result<CallbackAsk, StoreError> {
    if !ep.active || !ep.kind.is_callback() {
        return Err(StoreError::Conflict(
            "the entry point takes no callback requests".into(),
        ));
    }
    let settings = tx.callback_settings(ep.department_id).await?;
    let hours = match ep.calendar_id {
        Some(k) => Some(OpenHours::new(&tx.calendar(k).await?)?),
        None => None,
    };
    let rules = TimeRules {
        open: hours.as_ref(),
        lead_minutes: settings.lead_minutes,
        horizon_days: settings.horizon_days,
    };
    let delayed = ep.kind == EntryPointKind::DelayedCallback;
    Ok(check_request(req, delayed, &settings, &rules, now)?)
}

async fn request_in(
    tx: &mut Tx<'_>,
    lib: &Library,
    r: &RequestCallback,
    now: Timestamp,
) -> Result<RequestedCallback, StoreError> {
    let ep = tx.entry_point(r.entry_point).await?;
    let ask = checked(tx, &ep, &r.request, now).await?;
    let dept = ep.department_id;
    let customer = customer(tx, dept, &ask, now).await?;
    let subject = subject(&ask);
    let case = tx
        .insert_case(
            dept,
            &NewCase {
                customer_id: customer,
                subject: subject.clone(),
                owner_id: None,
            },
            now,
        )
        .await?;
    let queue = match ep.queue_id {
        Some(q) => q,
        None => tx.exception_queue(dept).await?,
    };
    let plan = plan_chat(
        tx,
        lib,
        ChatArrival {
            dept,
            queue,
            channel: ep.kind.channel(),
            message: message(
                &subject,
                ask.email.as_ref().map(|e| e.as_str()),
                Some(&ask.name),
                &ask.note,
            ),
            attributes: Default::default(),
            subject: &subject,
            customer,
            now,
        },
    )
    .await?;
    let new = NewActivity {
        customer_id: customer,
        case_id: Some(case.id),
        channel: ep.kind.channel(),
        subject,
        priority: plan.priority,
        due_at: ask.at,
        queue_id: Some(plan.queue),
        sub_status: None,
        category_id: plan.category,
        custom_attributes: plan.attributes,
    }
    .validate()?;
    let waits = TransitionDetails {
        not_before: ask.at,
        for_user_id: plan.for_user,
        for_group_id: plan.for_group,
        ..TransitionDetails::default()
    };
    let (activity, mut events) = tx
        .insert_activity(&case, &new, Actor::System, waits, now)
        .await?;
    for ran in plan.runs {
        events.push(NewEvent::system(
            activity.status,
            EventPayload::WorkflowRan(ran),
        ));
    }
    events.push(NewEvent::system(
        activity.status,
        EventPayload::CallbackRequested(CallbackRequested {
            entry_point_id: ep.id,
            phone: ask.phone.clone(),
            requested_at: ask.at,
            email_given: ask.email.is_some(),
        }),
    ));
    let callback = tx
        .insert_callback(
            &NewCallback {
                activity_id: activity.id,
                department_id: dept,
                entry_point_id: ep.id,
                name: ask.name.clone(),
                phone: ask.phone.clone(),
                email: ask.email.as_ref().map(|e| e.as_str().to_string()),
                time_zone: ask.time_zone.clone(),
                note: ask.note.clone(),
                requested_at: ask.at,
            },
            now,
        )
        .await?;
    let mut confirmation_mailed = false;
    if let Some(address) = &ask.email
        && let Some(alias) = tx.notification_sender(activity.id, dept).await?
    {
        let (subject, text) = mail::confirmation(
            &ep.widget.title,
            &ask.name,
            &ask.phone,
            ask.at,
            ask.time_zone.as_deref(),
        );
        let to = Mailbox {
            name: Some(ask.name.clone()),
            address: address.as_str().to_string(),
        };
        tx.automatic_mail(
            &alias,
            to,
            subject,
            text,
            Some(case.id),
            "callback confirmation",
            now,
        )
        .await?;
        confirmation_mailed = true;
    }
    // The queued event goes last: the router follows the log and must find the callback whole.
    tx.append_events(activity.id, events, now).await?;
    Ok(RequestedCallback {
        callback,
        activity,
        confirmation_mailed,
    })
}

impl App {
    /// Checks a callback request without booking it (the same checks booking makes), so a
    /// customer's typing mistakes cost no rate-limit allowance: 422 naming the field at fault,
    /// 409 when the entry point takes no callback requests.
    pub async fn check_callback_request(
        &self,
        r: &RequestCallback,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let (id, req) = (r.entry_point, r.request.clone());
        self.store
            .read(move |mut tx| {
                Box::pin(async move {
                    let ep = tx.entry_point(id).await?;
                    checked(&mut tx, &ep, &req, now).await.map(|_| ())
                })
            })
            .await
    }

    /// Books a callback from entry point `r.entry_point`. 422 naming the field at fault (the
    /// number, a time outside the hours offered); 409 when the entry point is inactive or not a
    /// callback entry point.
    pub async fn request_callback(
        &self,
        r: RequestCallback,
        now: Timestamp,
    ) -> Result<RequestedCallback, StoreError> {
        let r = Arc::new(r);
        let cache = Arc::clone(&self.library);
        let done = self
            .store
            .write(move |mut tx| {
                let (r, cache) = (Arc::clone(&r), Arc::clone(&cache));
                Box::pin(async move {
                    let lib = cache.current(&mut tx).await?;
                    request_in(&mut tx, &lib, &r, now).await
                })
            })
            .await?;
        self.store.notify().routing_work_changed();
        if done.confirmation_mailed {
            self.store.notify().outbox_changed();
        }
        Ok(done)
    }
}
