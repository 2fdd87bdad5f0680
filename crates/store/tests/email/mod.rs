//! The email part of the conformance suite: aliases with sealed passwords, idempotent ingest,
//! routing on the original recipient, threading, hygiene, bounces, replies and the outbox.

use switchboard_domain::*;
use switchboard_store::*;

use super::{R, now};

/// The use cases over `s` (the reply moved there from the store).
pub(crate) fn app(s: &Store) -> switchboard_app::App {
    switchboard_app::App::new(s.clone())
}

mod drafts;

fn alias_input(dept: DepartmentId, address: &str, queue: Option<QueueId>) -> NewAlias {
    serde_json::from_value::<NewAlias>(serde_json::json!({
        "department_id": dept,
        "address": address,
        "display_name": "Support",
        "queue_id": queue,
        "incoming": {"protocol": "imap", "host": "127.0.0.1", "port": 143, "security": "none", "username": "support"},
        "incoming_password": "in-secret",
        "outgoing": {"host": "127.0.0.1", "port": 25, "security": "none"}
    }))
    .unwrap()
    .validate()
    .unwrap()
}

fn content(from: &str, subject: &str) -> InboundContent {
    InboundContent {
        message_id: None,
        in_reply_to: vec![],
        references: vec![],
        from: Some(Mailbox {
            name: Some("Carol Customer".into()),
            address: from.into(),
        }),
        reply_to: vec![],
        to: vec![],
        cc: vec![],
        original_recipients: vec![],
        subject: subject.into(),
        date: None,
        text: "Hello".into(),
        html: Some("<p>Hello</p>".into()),
        kind: EmailKind::Normal,
        kind_reason: String::new(),
        bounce: None,
        attachments: vec![],
        headers: vec![],
    }
}

fn inbound(alias: AliasId, key: &str, content: Option<InboundContent>) -> InboundEmail {
    InboundEmail {
        mailbox_alias_id: alias,
        source_key: key.into(),
        raw_blob: BlobKey::of(key.as_bytes()).as_str().to_string(),
        raw_size: 100,
        content,
        parse_error: None,
    }
}

fn reply(text: &str, complete: bool) -> NewReply {
    NewReply {
        text: text.into(),
        html: None,
        to: vec![],
        cc: vec![],
        attachments: vec![],
        complete,
        compose: true,
        draft_attachments: false,
        any_recipient: true,
    }
}

/// Every email behaviour, in order.
pub async fn suite(s: &Store, dept: DepartmentId) -> R {
    let queue = s
        .create_queue(
            serde_json::from_value(serde_json::json!({"department_id": dept, "name": "Email"}))?,
            now(),
        )
        .await?;
    let alias = aliases(s, dept, queue.id).await?;
    ingest_and_thread(s, dept, &alias, queue.id).await?;
    hygiene(s, dept, &alias).await?;
    batch(s, dept, &alias, queue.id).await?;
    known(s, &alias).await?;
    drafts::drafts(s, dept, &alias).await?;
    Ok(())
}

/// What a mailbox already stored is found by source and by content, wherever the content lies.
async fn known(s: &Store, alias: &Alias) -> R {
    let hash = BlobKey::of(b"packed raw message");
    let packed = format!("{}:0193a0b1c2d3e-0f1e2d3c:4096:18", hash.hash());
    assert!(BlobKey::parse(&packed).is_some());
    let mut mail = inbound(
        alias.id,
        "known:1",
        Some(content("hal@known.example", "Known")),
    );
    mail.raw_blob = packed.clone();
    let r = app(s).ingest_email(mail, now()).await?;
    assert_eq!(s.email_raw_blob(r.email_id).await?, Some(packed));
    let other = BlobKey::of(b"never stored").hash().to_string();
    let found = s
        .known_raw(alias.id, &[hash.hash().to_string(), other])
        .await?;
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        vec![hash.hash().to_string()]
    );
    let found = s
        .known_sources(alias.id, &["known:1".to_string(), "known:2".to_string()])
        .await?;
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        vec!["known:1".to_string()]
    );
    Ok(())
}

async fn aliases(
    s: &Store,
    dept: DepartmentId,
    queue: QueueId,
) -> Result<Alias, Box<dyn std::error::Error>> {
    let a = s
        .create_alias(alias_input(dept, "Support@Example.org", Some(queue)), now())
        .await?;
    assert!(a.incoming_password_set);
    assert!(!a.outgoing_password_set);
    let dup = s
        .create_alias(alias_input(dept, "support@example.org", None), now())
        .await;
    assert!(matches!(dup, Err(StoreError::Duplicate { .. })), "{dup:?}");
    let creds = s.alias_credentials().await?;
    let mine = creds.iter().find(|c| c.alias.id == a.id).unwrap();
    assert_eq!(mine.incoming_password.as_deref(), Some("in-secret"));
    let patch: AliasPatch = serde_json::from_value(serde_json::json!({
        "version": a.version, "display_name": "Help desk", "outgoing_password": "out-secret"
    }))?;
    let notified = s.notify().aliases();
    let a = s.update_alias(a.id, patch.validate()?, now()).await?;
    assert!(notified.has_changed()?);
    assert_eq!(a.display_name, "Help desk");
    assert!(a.incoming_password_set && a.outgoing_password_set);
    let creds = s.alias_credentials().await?;
    let mine = creds.iter().find(|c| c.alias.id == a.id).unwrap();
    assert_eq!(mine.incoming_password.as_deref(), Some("in-secret"));
    assert_eq!(mine.outgoing_password.as_deref(), Some("out-secret"));
    let stale: AliasPatch =
        serde_json::from_value(serde_json::json!({"version": 1, "active": false}))?;
    assert!(matches!(
        s.update_alias(a.id, stale, now()).await,
        Err(StoreError::Conflict(_))
    ));
    Ok(a)
}

async fn ingest_and_thread(s: &Store, dept: DepartmentId, alias: &Alias, queue: QueueId) -> R {
    // A first message: new customer, new case, activity queued in the alias's queue.
    let mut first = content("carol@customer.example", "Printer on fire");
    first.message_id = Some("m1@customer.example".into());
    let r1 = app(s)
        .ingest_email(inbound(alias.id, "imap:INBOX:1:1", Some(first)), now())
        .await?;
    assert!(r1.created);
    assert_eq!(r1.outcome, Outcome::Activity);
    let a1 = s.activity(r1.activity_id.unwrap()).await?;
    assert_eq!(a1.queue_id, Some(queue));
    assert_eq!(a1.status, ActivityStatus::Queued);
    assert_eq!(a1.channel, ChannelKind::InboundEmail);
    let carol = s
        .customer_by_contact(dept, ContactKind::Email, "Carol@Customer.example")
        .await?
        .unwrap();
    assert_eq!(a1.customer_id, carol.id);
    assert_eq!(carol.name, "Carol Customer");

    // The same source again creates nothing.
    let again = app(s)
        .ingest_email(
            inbound(
                alias.id,
                "imap:INBOX:1:1",
                Some(content("x@y.example", "other")),
            ),
            now(),
        )
        .await?;
    assert!(!again.created);
    assert_eq!(again.email_id, r1.email_id);

    // The agent answers: outbound email in the outbox, outbound activity on the same case.
    let outbox_changes = s.notify().outbox();
    let sent = app(s)
        .reply(a1.id, reply("We are on it", false), Actor::System, now())
        .await?;
    assert!(outbox_changes.has_changed()?);
    assert_eq!(sent.outbound.case_id, a1.case_id);
    assert_eq!(sent.outbound.channel, ChannelKind::OutboundEmail);
    assert_eq!(sent.outbound.status, ActivityStatus::Completed);
    assert_eq!(sent.activity.status, ActivityStatus::Queued);
    let out_email = s.email(sent.email_id).await?;
    assert_eq!(out_email.direction, Direction::Outbound);
    assert_eq!(
        out_email.in_reply_to,
        vec!["m1@customer.example".to_string()]
    );
    assert_eq!(out_email.to[0].address, "carol@customer.example");
    assert!(
        out_email.subject.contains(&format!("[#{}]", a1.case_id)),
        "{}",
        out_email.subject
    );
    assert!(out_email.subject.starts_with("Re: "));
    let events = s
        .activity_events(a1.id, &PageRequest::first(100))
        .await?
        .items;
    assert!(events.iter().any(|e| e.kind() == EventKind::Replied));

    // The customer answers our reply: joins the case by In-Reply-To.
    let mut answer = content("carol@customer.example", "Re: Printer on fire");
    answer.in_reply_to = vec![out_email.message_id.clone().unwrap()];
    let r2 = app(s)
        .ingest_email(inbound(alias.id, "imap:INBOX:1:2", Some(answer)), now())
        .await?;
    assert_eq!(r2.case_id, Some(a1.case_id));
    assert_eq!(
        s.email(r2.email_id).await?.thread_rule,
        Some(ThreadRule::InReplyTo)
    );

    // References work too (In-Reply-To unknown).
    let mut refs = content("carol@customer.example", "more");
    refs.in_reply_to = vec!["unknown@x".into()];
    refs.references = vec!["m1@customer.example".into(), "unknown@x".into()];
    let r3 = app(s)
        .ingest_email(inbound(alias.id, "imap:INBOX:1:3", Some(refs)), now())
        .await?;
    assert_eq!(r3.case_id, Some(a1.case_id));
    assert_eq!(
        s.email(r3.email_id).await?.thread_rule,
        Some(ThreadRule::References)
    );

    // A case token from a participant threads; from a stranger it does not.
    let subject = format!("Still broken [#{}]", a1.case_id);
    let r4 = app(s)
        .ingest_email(
            inbound(
                alias.id,
                "imap:INBOX:1:4",
                Some(content("carol@customer.example", &subject)),
            ),
            now(),
        )
        .await?;
    assert_eq!(r4.case_id, Some(a1.case_id));
    assert_eq!(
        s.email(r4.email_id).await?.thread_rule,
        Some(ThreadRule::CaseToken)
    );
    let r5 = app(s)
        .ingest_email(
            inbound(
                alias.id,
                "imap:INBOX:1:5",
                Some(content("mallory@evil.example", &subject)),
            ),
            now(),
        )
        .await?;
    assert_ne!(r5.case_id, Some(a1.case_id));
    assert_eq!(
        s.email(r5.email_id).await?.thread_rule,
        Some(ThreadRule::NewCase)
    );

    // An automatic answer in a known thread is attached without work for an agent; we never
    // answer it automatically.
    let mut ooo = content("carol@customer.example", "Out of office");
    ooo.kind = EmailKind::AutoReply;
    ooo.in_reply_to = vec![out_email.message_id.clone().unwrap()];
    let r6 = app(s)
        .ingest_email(inbound(alias.id, "imap:INBOX:1:6", Some(ooo)), now())
        .await?;
    assert_eq!(r6.outcome, Outcome::Attached);
    assert_eq!(r6.activity_id, None);
    assert_eq!(r6.case_id, Some(a1.case_id));
    let a5 = r5.activity_id.unwrap();
    assert!(
        s.send_automatic(a5, "We got your mail".into(), None, now())
            .await?
            .is_some()
    );
    let mut auto = content("robot@vendor.example", "Auto: thanks");
    auto.kind = EmailKind::AutoReply;
    let r7 = app(s)
        .ingest_email(inbound(alias.id, "imap:INBOX:1:7", Some(auto)), now())
        .await?;
    assert_eq!(r7.outcome, Outcome::ExceptionQueue);
    assert_eq!(
        s.send_automatic(r7.activity_id.unwrap(), "ack".into(), None, now())
            .await?,
        None
    );

    // A bounce of our reply: a delivery exception linked to it, an event, no new case.
    let mut bounce = content(
        "MAILER-DAEMON@mx.example",
        "Undelivered Mail Returned to Sender",
    );
    bounce.kind = EmailKind::Bounce;
    bounce.bounce = Some(BounceInfo {
        original_message_id: out_email.message_id.clone(),
        recipients: vec![BouncedRecipient {
            address: "carol@customer.example".into(),
            status: Some("5.1.1".into()),
            diagnostic: Some("user unknown".into()),
        }],
        permanent: true,
    });
    let cases_before = s
        .list_cases(
            &switchboard_domain::Scope::All,
            &CaseFilter::default(),
            &PageRequest::first(500),
        )
        .await?
        .items
        .len();
    let r8 = app(s)
        .ingest_email(inbound(alias.id, "imap:INBOX:1:8", Some(bounce)), now())
        .await?;
    assert_eq!(r8.outcome, Outcome::DeliveryException);
    assert_eq!(r8.activity_id, None);
    let cases_after = s
        .list_cases(
            &switchboard_domain::Scope::All,
            &CaseFilter::default(),
            &PageRequest::first(500),
        )
        .await?
        .items
        .len();
    assert_eq!(cases_before, cases_after);
    let de = s
        .list_delivery_exceptions(
            &switchboard_domain::Scope::All,
            Some(dept),
            Some(sent.email_id),
            &PageRequest::first(10),
        )
        .await?;
    assert_eq!(de.items.len(), 1);
    assert_eq!(de.items[0].status.as_deref(), Some("5.1.1"));
    assert_eq!(de.items[0].bounce_email_id, Some(r8.email_id));
    let out_events = s
        .activity_events(sent.outbound.id, &PageRequest::first(100))
        .await?
        .items;
    assert!(
        out_events
            .iter()
            .any(|e| e.kind() == EventKind::DeliveryFailed)
    );

    // Unparseable bytes are kept and go to the exception queue.
    let mut raw = inbound(alias.id, "imap:INBOX:1:9", None);
    raw.parse_error = Some("not a message".into());
    let r9 = app(s).ingest_email(raw, now()).await?;
    assert_eq!(r9.outcome, Outcome::ExceptionQueue);
    let a9 = s.activity(r9.activity_id.unwrap()).await?;
    assert_eq!(a9.sub_status.as_deref(), Some("unparseable"));
    assert_eq!(
        s.queue(a9.queue_id.unwrap()).await?.kind,
        QueueKind::Exception
    );
    let unknown = s.customer(a9.customer_id).await?;
    assert_eq!(unknown.contact_points[0].value, UNKNOWN_SENDER);

    // Send & Complete completes the answered activity (after an agent took it).
    let a2 = r2.activity_id.unwrap();
    s.act_on_activity(
        a2,
        ActivityAction::Assign {
            agent_id: first_agent(s, dept).await?,
        },
        None,
        Actor::System,
        now(),
    )
    .await?;
    let done = app(s)
        .reply(a2, reply("Fixed", true), Actor::System, now())
        .await?;
    assert_eq!(done.activity.status, ActivityStatus::Completed);
    let again = app(s)
        .reply(a2, reply("Again", false), Actor::System, now())
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");

    check_outbox(s).await
}

async fn first_agent(s: &Store, dept: DepartmentId) -> Result<UserId, Box<dyn std::error::Error>> {
    let f = UserFilter {
        department_id: Some(dept),
        ..UserFilter::default()
    };
    Ok(
        s.list_users(&switchboard_domain::Scope::All, &f, &PageRequest::first(1))
            .await?
            .items[0]
            .id,
    )
}

async fn check_outbox(s: &Store) -> R {
    let t0 = now();
    let at = |secs: i64| Timestamp::from_millis(t0.millis() + secs * 1000);
    let claimed = s.outbox_claim(100, t0, at(60)).await?;
    assert_eq!(claimed.len(), 3, "two replies and one automatic message");
    assert!(claimed.iter().all(|m| m.attempts == 1));
    assert!(claimed.iter().any(|m| m.automatic));
    assert!(claimed.iter().all(|m| m.queued_at <= t0));
    assert_eq!(
        s.outbox_claim(100, t0, at(60)).await?.len(),
        0,
        "claimed entries are not claimed twice"
    );
    assert_eq!(
        s.outbox_recover(at(30)).await?,
        0,
        "a claim that has not run out is left to its process"
    );
    let ids: Vec<i64> = claimed.iter().map(|m| m.outbox_id).collect();
    s.outbox_renew(ids[..1].to_vec(), at(120)).await?;
    assert_eq!(
        s.outbox_recover(at(90)).await?,
        2,
        "claims that ran out are put back; the renewed one is not"
    );
    assert_eq!(s.outbox_recover(at(121)).await?, 1);
    let claimed = s.outbox_claim(100, now(), at(60)).await?;
    assert!(claimed.iter().all(|m| m.attempts == 2));
    s.outbox_sent(vec![(claimed[0].outbox_id, 1234)], now())
        .await?;
    let later = Timestamp::from_millis(now().millis() + 60_000);
    s.outbox_retry(claimed[1].outbox_id, "451 try later".into(), later)
        .await?;
    s.outbox_failed(
        claimed[2].outbox_id,
        Some("550".into()),
        "550 no such user".into(),
        now(),
    )
    .await?;
    assert_eq!(
        s.outbox_counts().await?,
        OutboxCounts {
            pending: 1,
            sending: 0,
            sent: 1,
            failed: 1
        }
    );
    assert_eq!(
        s.outbox_claim(100, now(), at(60)).await?.len(),
        0,
        "not due yet"
    );
    assert_eq!(s.outbox_next_due().await?, Some(later));
    let failed = s.email(claimed[2].email_id).await?;
    let de = s
        .list_delivery_exceptions(
            &switchboard_domain::Scope::All,
            Some(failed.department_id),
            Some(failed.id),
            &PageRequest::first(10),
        )
        .await?;
    assert_eq!(de.items[0].status.as_deref(), Some("550"));
    let sent = s.email(claimed[0].email_id).await?;
    assert_eq!(sent.raw_size, 1234, "the size sent is recorded");
    let events = s
        .activity_events(sent.activity_id.unwrap(), &PageRequest::first(100))
        .await?
        .items;
    assert!(events.iter().any(|e| e.kind() == EventKind::Sent));
    Ok(())
}

async fn hygiene(s: &Store, dept: DepartmentId, alias: &Alias) -> R {
    let settings = EmailSettings {
        blocked_addresses: vec!["spam@bad.example".into()],
        blocked_domains: vec!["junk.example".into()],
        blocked_extensions: vec!["exe".into()],
        ..Default::default()
    }
    .validate()?;
    s.set_email_settings(dept, settings.clone()).await?;
    assert_eq!(s.email_settings(dept).await?, settings);
    let r = app(s)
        .ingest_email(
            inbound(
                alias.id,
                "pop3:spam1",
                Some(content("x@mail.junk.example", "Buy")),
            ),
            now(),
        )
        .await?;
    assert_eq!(r.outcome, Outcome::Blocked);
    assert_eq!(r.activity_id, None);
    let mut with_files = content("dave@customer.example", "files");
    with_files.attachments = vec![
        StoredAttachment {
            name: "report.pdf".into(),
            content_type: "application/pdf".into(),
            size: 10,
            blob: Some(BlobKey::of(b"pdf").as_str().into()),
            content_id: None,
            inline: false,
        },
        StoredAttachment {
            name: "setup.EXE".into(),
            content_type: "application/octet-stream".into(),
            size: 10,
            blob: Some(BlobKey::of(b"exe").as_str().into()),
            content_id: None,
            inline: false,
        },
    ];
    let r = app(s)
        .ingest_email(inbound(alias.id, "pop3:files", Some(with_files)), now())
        .await?;
    let e = s.email(r.email_id).await?;
    assert_eq!(e.attachments.len(), 2);
    assert!(!e.attachments[0].blocked);
    assert!(e.attachments[1].blocked);
    assert!(s.attachment(e.attachments[1].id).await?.blob.is_none());

    // Routing on the original recipient: a second alias sharing the mailbox.
    let sales_q = s
        .create_queue(
            serde_json::from_value(serde_json::json!({"department_id": dept, "name": "Sales"}))?,
            now(),
        )
        .await?;
    let sales = s
        .create_alias(
            alias_input(dept, "sales@example.org", Some(sales_q.id)),
            now(),
        )
        .await?;
    let mut to_sales = content("erin@customer.example", "Quote please");
    to_sales.original_recipients = vec!["Sales@Example.org".into(), alias.address.to_string()];
    let r = app(s)
        .ingest_email(inbound(alias.id, "pop3:sales", Some(to_sales)), now())
        .await?;
    assert_eq!(
        s.activity(r.activity_id.unwrap()).await?.queue_id,
        Some(sales_q.id)
    );
    assert_eq!(s.email(r.email_id).await?.alias_id, Some(sales.id));
    assert!(s.count_inbound(alias.id).await? >= 12);
    let page = s
        .list_emails(
            &switchboard_domain::Scope::All,
            &EmailFilter {
                outcome: Some(Outcome::Blocked),
                ..EmailFilter::default()
            },
            &PageRequest::first(10),
        )
        .await?;
    assert_eq!(page.items.len(), 1);
    Ok(())
}

/// A batch is one write: a reply finds its first message in the same batch, a second copy of a
/// source in the batch creates nothing, and a message that cannot be processed fails alone.
async fn batch(s: &Store, dept: DepartmentId, alias: &Alias, queue: QueueId) -> R {
    let mut first = content("dora@batch.example", "Batch question");
    first.message_id = Some("b1@batch.example".into());
    let mut answer = content("dora@batch.example", "Re: Batch question");
    answer.in_reply_to = vec!["b1@batch.example".into()];
    let other = content("ed@batch.example", "Another question");
    let mails = vec![
        inbound(alias.id, "batch:1", Some(first.clone())),
        inbound(alias.id, "batch:2", Some(answer)),
        inbound(alias.id, "batch:1", Some(first)),
        inbound(alias.id, "batch:3", None),
        inbound(alias.id, "batch:4", Some(other)),
    ];
    let r: Vec<IngestResult> = app(s)
        .ingest_emails(mails.clone(), now())
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    assert_eq!(r.len(), 5);
    assert!(r[0].created && r[1].created && r[3].created && r[4].created);
    assert_eq!(r[0].outcome, Outcome::Activity);
    assert_eq!(
        r[1].case_id, r[0].case_id,
        "the reply joins its first message's case"
    );
    assert_eq!(
        s.email(r[1].email_id).await?.thread_rule,
        Some(ThreadRule::InReplyTo)
    );
    assert!(!r[2].created, "the second copy of a source creates nothing");
    assert_eq!(r[2].email_id, r[0].email_id);
    assert_eq!(r[3].outcome, Outcome::ExceptionQueue, "unparseable");
    assert_ne!(r[4].case_id, r[0].case_id);
    let a = s.activity(r[0].activity_id.unwrap()).await?;
    assert_eq!(a.queue_id, Some(queue));
    let events = s
        .activity_events(a.id, &PageRequest::first(10))
        .await?
        .items;
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind()).collect();
    // The department's standard start workflow ran; with no auto-acknowledgement article it
    // says why nothing was sent.
    assert_eq!(
        kinds,
        vec![
            EventKind::Created,
            EventKind::CaseOpened,
            EventKind::Queued,
            EventKind::WorkflowRan
        ]
    );
    let switchboard_domain::EventPayload::WorkflowRan(ran) = &events[3].payload else {
        panic!("not a workflow run: {:?}", events[3]);
    };
    assert_eq!(ran.name, "Standard start");
    assert_eq!(ran.path, ["acknowledge"]);
    assert!(
        ran.notes
            .first()
            .is_some_and(|n| n.contains("no active auto-acknowledgement article")),
        "{ran:?}"
    );
    let customer = s.customer(a.customer_id).await?;
    assert_eq!(customer.department_id, dept);

    // The same batch again: nothing new, the first results.
    let again: Vec<IngestResult> = app(s)
        .ingest_emails(mails, now())
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    assert!(again.iter().all(|x| !x.created));
    assert_eq!(again[1].email_id, r[1].email_id);

    // A message for a mailbox that does not exist cannot be recorded; the others still are.
    let poisoned = vec![
        inbound(
            alias.id,
            "batch:5",
            Some(content("fay@batch.example", "Fine")),
        ),
        inbound(
            AliasId(i64::MAX),
            "batch:6",
            Some(content("gus@batch.example", "Lost")),
        ),
    ];
    let r = app(s).ingest_emails(poisoned, now()).await;
    assert!(
        r[0].as_ref()
            .is_ok_and(|x| x.created && x.outcome == Outcome::Activity)
    );
    assert!(r[1].is_err(), "{:?}", r[1]);
    Ok(())
}
