//! Webhooks in the store: subscriptions with sealed secrets, deliveries written with the events
//! that cause them, due deliveries (strict order held back by a failing one), attempts recorded
//! with retries, given-up runs switching a subscription off, the log and replays.

use switchboard_domain::webhook::{AfterAttempt, DeliveryStatus, WebhookAttempt};
use switchboard_domain::*;
use switchboard_store::*;

use crate::{R, now};

fn later(ms: i64) -> Timestamp {
    Timestamp::from_millis(now().millis() + ms)
}

async fn webhook(
    s: &Store,
    dept: DepartmentId,
    events: &[&str],
    ordered: bool,
) -> Result<webhook::WebhookWithSecret, Box<dyn std::error::Error>> {
    let n: webhook::NewWebhook = serde_json::from_value(serde_json::json!({
        "department_id": dept, "url": "https://hooks.example.com/in", "events": events,
        "ordered": ordered, "description": "CRM"
    }))?;
    Ok(s.create_webhook(n.validate()?, now()).await?)
}

async fn activity(s: &Store, customer: CustomerId) -> Result<Activity, Box<dyn std::error::Error>> {
    let n: NewActivity = serde_json::from_value(serde_json::json!({
        "customer_id": customer, "channel": "inbound_email", "subject": "Webhook me"
    }))?;
    Ok(s.create_activity(n, Actor::System, now()).await?)
}

fn attempt(d: &DueDelivery, code: Option<u16>, next: AfterAttempt) -> Attempted {
    Attempted {
        id: d.id,
        webhook_id: d.webhook_id,
        attempt: WebhookAttempt {
            at: now(),
            status_code: code,
            error: code.is_none().then(|| "connection refused".to_string()),
            duration_ms: 3,
        },
        next,
    }
}

pub(crate) async fn suite(s: &Store, dept: DepartmentId, customer: CustomerId) -> R {
    let made = webhook(s, dept, &["created", "completed", "created"], false).await?;
    assert!(made.secret.starts_with("whsec_"), "{}", made.secret);
    let w = made.webhook;
    assert_eq!(w.events, vec![EventKind::Created, EventKind::Completed]);
    assert_eq!(
        s.webhook_secret(w.id).await?.reveal(),
        made.secret,
        "the sealed secret opens to the one shown"
    );
    let ordered = webhook(s, dept, &["created"], true).await?.webhook;
    let off = webhook(s, dept, &["created"], false).await?.webhook;
    let off = s
        .update_webhook(
            off.id,
            serde_json::from_value(serde_json::json!({"version": off.version, "active": false}))?,
            now(),
        )
        .await?;
    assert!(!off.active);

    // Each new activity's `created` event gets one delivery per active subscription that
    // wants it, written with the event.
    let a1 = activity(s, customer).await?;
    let a2 = activity(s, customer).await?;
    let due = s.webhooks_due(now(), 100).await?;
    let mine: Vec<(WebhookId, ActivityId)> = due
        .iter()
        .filter(|d| d.webhook_id == w.id || d.webhook_id == ordered.id || d.webhook_id == off.id)
        .map(|d| (d.webhook_id, d.event.activity_id))
        .collect();
    assert_eq!(
        mine,
        vec![
            (w.id, a1.id),
            (ordered.id, a1.id),
            (w.id, a2.id),
            (ordered.id, a2.id)
        ]
    );
    assert!(
        due.iter()
            .all(|d| d.department_id == dept && d.attempts == 0)
    );
    let of = |id: WebhookId| -> Vec<DueDelivery> {
        due.iter().filter(|d| d.webhook_id == id).cloned().collect()
    };

    // A failed attempt of the ordered subscription holds back its later delivery; the other
    // subscription's deliveries each stand alone.
    let w_due = of(w.id);
    let o_due = of(ordered.id);
    let off_now = s
        .webhook_attempted(
            vec![
                attempt(&w_due[0], Some(500), AfterAttempt::Retry { after_secs: 60 }),
                attempt(&w_due[1], Some(204), AfterAttempt::Delivered),
                attempt(&o_due[0], None, AfterAttempt::Retry { after_secs: 60 }),
            ],
            now(),
        )
        .await?;
    assert!(off_now.is_empty());
    let due = s.webhooks_due(later(1_000), 100).await?;
    assert!(
        !due.iter()
            .any(|d| d.webhook_id == w.id || d.webhook_id == ordered.id),
        "retried ones wait, the held one waits behind them: {due:?}"
    );
    let due = s.webhooks_due(later(61_000), 100).await?;
    let again: Vec<(WebhookId, u32)> = due
        .iter()
        .filter(|d| d.webhook_id == w.id || d.webhook_id == ordered.id)
        .map(|d| (d.webhook_id, d.attempts))
        .collect();
    assert_eq!(again, vec![(w.id, 1), (ordered.id, 1), (ordered.id, 0)]);

    // The log: newest first, with the last answer, and each attempt.
    let log = s
        .webhook_deliveries(w.id, None, &PageRequest::first(10))
        .await?
        .items;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].status, DeliveryStatus::Delivered);
    assert_eq!(log[0].last_status_code, Some(204));
    assert_eq!(log[1].status, DeliveryStatus::Pending);
    assert_eq!(
        log[1].message_id,
        format!("msg_{}_{}", log[1].event_id, w.id)
    );
    let (d, attempts) = s.webhook_delivery(w.id, log[1].id).await?;
    assert_eq!((d.attempts, attempts.len()), (1, 1));
    assert_eq!(attempts[0].status_code, Some(500));
    let other = s.webhook_delivery(ordered.id, log[1].id).await;
    assert!(
        matches!(other, Err(StoreError::NotFound { .. })),
        "{other:?}"
    );

    // Given up in a row: the decision to switch off is recorded once, and the subscription
    // is off; switching it on again clears it, a replay sends it from the first attempt.
    let pending = of(w.id)[0].clone();
    let switched = s
        .webhook_attempted(
            vec![attempt(
                &pending,
                Some(503),
                AfterAttempt::GivenUp { disable: true },
            )],
            later(61_000),
        )
        .await?;
    assert_eq!(switched, vec![w.id]);
    let now_off = s.webhook(w.id).await?;
    assert!(
        !now_off.active && now_off.disabled_at.is_some(),
        "{now_off:?}"
    );
    assert_eq!(now_off.given_up_in_a_row, 1);
    let a3 = activity(s, customer).await?;
    assert!(
        !s.webhooks_due(later(61_000), 100)
            .await?
            .iter()
            .any(|d| d.webhook_id == w.id || d.event.activity_id == a3.id && d.webhook_id == off.id),
        "switched-off subscriptions get no deliveries"
    );
    let back = s
        .update_webhook(
            w.id,
            serde_json::from_value(
                serde_json::json!({"version": now_off.version, "active": true}),
            )?,
            later(62_000),
        )
        .await?;
    assert!(back.active && back.disabled_reason.is_none() && back.given_up_in_a_row == 0);
    let replayed = s
        .replay_webhook_delivery(w.id, pending.id, later(62_000))
        .await?;
    assert_eq!(
        (replayed.status, replayed.attempts),
        (DeliveryStatus::Pending, 0)
    );
    assert!(
        s.webhooks_due(later(62_000), 100)
            .await?
            .iter()
            .any(|d| d.id == pending.id)
    );

    // A renewed secret replaces the old; deleting removes the log with it.
    let renewed = s.renew_webhook_secret(w.id, later(63_000)).await?;
    assert_ne!(renewed.secret, made.secret);
    assert_eq!(s.webhook_secret(w.id).await?.reveal(), renewed.secret);
    for id in [w.id, ordered.id, off.id] {
        s.delete_webhook(id).await?;
    }
    assert!(matches!(
        s.webhook(w.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        !s.webhooks_due(later(100_000), 100)
            .await?
            .iter()
            .any(|d| d.webhook_id == w.id)
    );
    Ok(())
}
