//! A chat's conversation: its record found by token hash, messages numbered without gaps also
//! when written at once, whispers kept from the customer, nothing written after the end, and an
//! entry point that chats came through kept from deletion.

use serde_json::json;
use switchboard_domain::chat::{Audience, ChatParty, EndReason, Ended, NewChatMessage};
use switchboard_domain::*;
use switchboard_store::*;

use crate::{R, now};

fn message(party: ChatParty, audience: Audience, body: &str) -> NewChatMessage {
    NewChatMessage {
        party,
        author_id: None,
        author_name: "Ann".into(),
        audience,
        body: body.into(),
        file: None,
    }
}

async fn post(
    s: &Store,
    id: ActivityId,
    m: NewChatMessage,
) -> Result<chat::ChatMessage, StoreError> {
    s.write(move |mut tx| {
        let m = m.clone();
        Box::pin(async move { tx.append_chat_message(id, &m, now()).await })
    })
    .await
}

pub(crate) async fn suite(s: &Store, dept: DepartmentId) -> R {
    let queue: NewQueue = serde_json::from_value(json!({
        "department_id": dept, "name": "Chats", "routing": {"type": "manual"}
    }))?;
    let queue = s.create_queue(queue.validate()?, now()).await?;
    let ep: NewEntryPoint = serde_json::from_value(json!({
        "department_id": dept, "name": "Help chat", "queue_id": queue.id
    }))?;
    let ep = s.create_entry_point(ep.validate()?, now()).await?;
    let customer: NewCustomer =
        serde_json::from_value(json!({"department_id": dept, "name": "Ann"}))?;
    let customer = s.create_customer(customer.validate()?, now()).await?;
    let activity: NewActivity = serde_json::from_value(json!({
        "customer_id": customer.id, "channel": "chat", "subject": "Hello", "queue_id": queue.id
    }))?;
    let a = s
        .create_activity(activity.validate()?, Actor::System, now())
        .await?;
    let hash = "ab".repeat(32);
    let new = NewChat {
        activity_id: a.id,
        department_id: dept,
        entry_point_id: ep.id,
        token_hash: hash.clone(),
        customer_name: "Ann".into(),
    };
    let chat = s
        .write(move |mut tx| {
            let new = new.clone();
            Box::pin(async move { tx.insert_chat(&new, now()).await })
        })
        .await?;
    assert_eq!((chat.last_seq, chat.ended), (0, None));
    assert_eq!(s.chat_by_token(&hash).await?, Some(chat.clone()));
    assert_eq!(s.chat_by_token(&"cd".repeat(32)).await?, None);

    // Numbered 1, 2, 3 …; a whisper is the staff's only.
    let m1 = post(
        s,
        a.id,
        message(ChatParty::Customer, Audience::Everyone, "Hi"),
    )
    .await?;
    let m2 = post(
        s,
        a.id,
        message(ChatParty::Agent, Audience::Everyone, "Hello!"),
    )
    .await?;
    let m3 = post(
        s,
        a.id,
        message(ChatParty::Supervisor, Audience::Staff, "Offer 10%"),
    )
    .await?;
    assert_eq!((m1.seq, m2.seq, m3.seq), (1, 2, 3));
    let customer_sees = s.chat_messages(a.id, 0, false, 100).await?;
    assert_eq!(customer_sees, vec![m1.clone(), m2.clone()]);
    let staff_sees = s.chat_messages(a.id, 1, true, 100).await?;
    assert_eq!(staff_sees, vec![m2, m3]);

    // Written at once, they still get every number once.
    let mut writers = Vec::new();
    for i in 0..20 {
        let s = s.clone();
        writers.push(tokio::spawn(async move {
            post(
                &s,
                a.id,
                message(ChatParty::Customer, Audience::Everyone, &format!("m{i}")),
            )
            .await
        }));
    }
    let mut seqs = Vec::new();
    for w in writers {
        seqs.push(w.await??.seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (4..24).collect::<Vec<i64>>());
    let page = s.chat_messages(a.id, 20, true, 2).await?;
    assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![21, 22]);
    assert_eq!(s.chat(a.id).await?.last_seq, 23);
    assert!(s.chat(a.id).await?.customer_seen_at >= now());

    // The end is recorded once; nothing is written after it.
    let ended = Ended {
        by: ChatParty::Customer,
        reason: EndReason::Ended,
        at: now(),
    };
    let counts = s
        .write(move |mut tx| {
            Box::pin(async move {
                let counts = tx.chat_counts(a.id).await?;
                tx.end_chat(a.id, &ended).await?;
                Ok(counts)
            })
        })
        .await?;
    assert_eq!(counts, (21, 1), "the whisper is not counted");
    assert_eq!(s.chat(a.id).await?.ended, Some(ended));
    let again = s
        .write(move |mut tx| Box::pin(async move { tx.end_chat(a.id, &ended).await }))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let late = post(
        s,
        a.id,
        message(ChatParty::Agent, Audience::Everyone, "late"),
    )
    .await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
    let ghost = post(
        s,
        ActivityId(999_999),
        message(ChatParty::Agent, Audience::Everyone, "x"),
    )
    .await;
    assert!(
        matches!(ghost, Err(StoreError::NotFound { .. })),
        "{ghost:?}"
    );

    // An entry point chats came through is deactivated, not deleted; without them it goes.
    let kept = s.delete_entry_point(ep.id).await;
    assert!(
        matches!(kept, Err(StoreError::Conflict(ref m)) if m.contains("deactivate")),
        "{kept:?}"
    );
    s.delete_activity(a.id).await?;
    assert!(matches!(
        s.chat(a.id).await,
        Err(StoreError::NotFound { .. })
    ));
    s.delete_entry_point(ep.id).await?;
    Ok(())
}
