//! Reply drafts: saved, given files, kept with the activity, sent by the reply and gone after.

use switchboard_domain::*;
use switchboard_store::*;

use super::{app, content, first_agent, inbound, reply};
use crate::{R, now};

fn file(name: &str, bytes: &[u8]) -> StoredAttachment {
    StoredAttachment {
        name: name.into(),
        content_type: "text/plain".into(),
        size: bytes.len() as u64,
        blob: Some(BlobKey::of(bytes).as_str().to_string()),
        content_id: None,
        inline: false,
    }
}

pub async fn drafts(s: &Store, dept: DepartmentId, alias: &Alias) -> R {
    let r = app(s)
        .ingest_email(
            inbound(
                alias.id,
                "draft:1",
                Some(content("dora@customer.example", "Draft me")),
            ),
            now(),
        )
        .await?;
    let a = r.activity_id.unwrap();
    assert_eq!(s.draft(a).await?, None);
    let agent = first_agent(s, dept).await?;

    // Saved: body and recipients; a second save replaces them and bumps the version.
    let boss = EmailAddress::parse("boss@acme.example")?;
    let text = DraftText {
        text: "Half written".into(),
        html: Some("<p>Half written</p>".into()),
        to: vec![],
        cc: vec![boss.clone()],
    };
    let d = s.save_draft(a, text, Some(agent), now()).await?;
    assert_eq!((d.version, d.author_id), (1, Some(agent)));
    assert_eq!(d.cc, vec![boss.clone()]);
    assert_eq!(s.draft(a).await?, Some(d));

    // Files are added and removed on their own; saving the text keeps them.
    let d = s
        .add_draft_attachments(
            a,
            vec![file("a.txt", b"first"), file("b.txt", b"second")],
            None,
            now(),
        )
        .await?;
    assert_eq!(d.version, 2);
    assert_eq!(d.text, "Half written");
    assert_eq!(d.attachments.len(), 2);
    let whole = DraftText {
        text: "Whole answer".into(),
        html: None,
        to: vec![],
        cc: vec![boss],
    };
    let d = s.save_draft(a, whole, Some(agent), now()).await?;
    assert_eq!((d.version, d.attachments.len()), (3, 2));
    let gone = s.remove_draft_attachment(a, 2, None, now()).await;
    assert!(matches!(gone, Err(StoreError::NotFound { .. })), "{gone:?}");
    let d = s.remove_draft_attachment(a, 0, None, now()).await?;
    assert_eq!(d.attachments, vec![file("b.txt", b"second")]);
    let many = vec![file("c.txt", b"c"); 50];
    let too_many = s.add_draft_attachments(a, many, None, now()).await;
    assert!(
        matches!(&too_many, Err(StoreError::Invalid(e)) if e.field == "attachments"),
        "{too_many:?}"
    );
    assert_eq!(s.draft(a).await?.map(|d| d.version), Some(4));

    // The reply sends the draft's files with its own and removes the draft.
    let mut r = reply("Whole answer", false);
    r.attachments = vec![file("own.txt", b"own")];
    r.draft_attachments = true;
    let sent = app(s).reply(a, r, Actor::System, now()).await?;
    let names: Vec<String> = s
        .email(sent.email_id)
        .await?
        .attachments
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, vec!["own.txt", "b.txt"]);
    assert_eq!(s.draft(a).await?, None);

    // A reply without the draft's files still removes it; a finished activity takes no draft.
    s.add_draft_attachments(a, vec![file("d.txt", b"d")], None, now())
        .await?;
    s.act_on_activity(
        a,
        ActivityAction::Assign { agent_id: agent },
        None,
        Actor::System,
        now(),
    )
    .await?;
    let done = app(s)
        .reply(a, reply("Done", true), Actor::System, now())
        .await?;
    assert_eq!(done.activity.status, ActivityStatus::Completed);
    assert!(s.email(done.email_id).await?.attachments.is_empty());
    assert_eq!(s.draft(a).await?, None);
    let late = DraftText {
        text: "Too late".into(),
        html: None,
        to: vec![],
        cc: vec![],
    };
    let late = s.save_draft(a, late, None, now()).await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
    s.discard_draft(a).await?;
    Ok(())
}
