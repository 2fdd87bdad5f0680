//! Bad input: every file of the shared real-world corpus goes through a real Dovecot mailbox and
//! the retriever without a panic; as many messages are stored as were delivered; the corpus's
//! bounces and auto-replies are recognised as such (bounces of mail we never sent become delivery
//! exceptions, not work for an agent).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::Api;
use common::mail::*;
use serde_json::json;
use switchboard_testkit::{Dovecot, require_or_skip};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    dir.is_dir().then_some(dir)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if !matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("json" | "tsv" | "md" | "txt-expected")
        ) {
            out.push(p);
        }
    }
}

#[tokio::test]
async fn the_whole_corpus_is_stored_and_bounces_are_recognised() {
    whole_corpus(None).await;
}

/// PostgreSQL refuses NUL in text (four files of the corpus decode to text holding one): nothing
/// may be lost there either.
#[tokio::test]
async fn the_whole_corpus_is_stored_on_postgres() {
    if corpus().is_none() || !require_or_skip("dovecot") {
        return;
    }
    let Some(url) = common::postgres_database().await else {
        return;
    };
    whole_corpus(Some(url)).await;
}

async fn whole_corpus(db: Option<String>) {
    let Some(root) = corpus() else {
        eprintln!("notice: corpus not found beside the project; corpus ingest test skipped");
        return;
    };
    if !require_or_skip("dovecot") {
        return;
    }
    let mut all = Vec::new();
    files(&root, &mut all);
    let is_bounce_set = |p: &Path| {
        let s = p.to_string_lossy();
        s.contains("sisimai-set-of-emails/maildir/bsd")
            || s.contains("sisimai-set-of-emails/maildir/err")
    };
    let (bounces, others): (Vec<PathBuf>, Vec<PathBuf>) =
        all.into_iter().partition(|p| is_bounce_set(p));
    let dovecot = Dovecot::start(&[("support", "secret"), ("bounces", "secret")]);
    dovecot.deliver_many("support", others.iter().map(|p| std::fs::read(p).unwrap()));
    dovecot.deliver_many("bounces", bounces.iter().map(|p| std::fs::read(p).unwrap()));

    let tmp = tempfile::tempdir().unwrap();
    let env: Vec<(&str, &str)> = db
        .as_deref()
        .map(|url| vec![("SWITCHBOARD_DATABASE_URL", url)])
        .unwrap_or_default();
    let server = server(tmp.path(), &dovecot, &env);
    let api = Api::admin(&server).await;
    let dept = department(&api).await;
    let q = queue(&api, dept, "Corpus").await;
    let imap = json!({"protocol": "imap", "port": dovecot.imap_port(), "security": "none"});
    let a1 = alias(
        &api,
        dept,
        q,
        "support@acme.test",
        "support",
        imap.clone(),
        None,
    )
    .await;
    let a2 = alias(&api, dept, q, "bounces@acme.test", "bounces", imap, None).await;

    let limit = Duration::from_secs(300);
    let q1 = format!("alias_id={}", a1["id"]);
    let q2 = format!("alias_id={}", a2["id"]);
    wait_for("the corpus stored", limit, || async {
        let n1 = all_emails(&api, &q1).await.len();
        let n2 = all_emails(&api, &q2).await.len();
        (n1 + n2 >= others.len() + bounces.len()).then_some(())
    })
    .await;
    // Routing on the original recipient may move a message to the other alias: count both
    // mailboxes together, and by mailbox through the status counters.
    let stored_others = all_emails(&api, &q1).await;
    let stored_bounces = all_emails(&api, &q2).await;
    assert_eq!(
        stored_others.len() + stored_bounces.len(),
        others.len() + bounces.len(),
        "every delivered message is stored exactly once"
    );

    let automatic = stored_bounces
        .iter()
        .filter(|e| e["kind"] != "normal")
        .count();
    let as_bounce = stored_bounces
        .iter()
        .filter(|e| e["kind"] == "bounce")
        .count();
    eprintln!(
        "corpus: {} messages stored; {} of {} bounce-set messages classified bounce, {} automatic",
        stored_others.len() + stored_bounces.len(),
        as_bounce,
        stored_bounces.len(),
        automatic
    );
    assert!(
        automatic * 100 >= stored_bounces.len() * 97,
        "{automatic}/{}",
        stored_bounces.len()
    );
    assert!(
        as_bounce * 100 >= stored_bounces.len() * 95,
        "{as_bounce}/{}",
        stored_bounces.len()
    );
    // No bounce became work for an agent in the alias's queue.
    assert!(
        stored_bounces
            .iter()
            .filter(|e| e["kind"] == "bounce")
            .all(|e| e["outcome"] == "delivery_exception"),
        "bounces are delivery exceptions"
    );
    let unparsed = stored_others
        .iter()
        .filter(|e| e["outcome"] == "exception_queue")
        .count();
    eprintln!("corpus: {unparsed} messages went to the exception queue");
    let (_, services) = api.get("/system/services").await;
    assert!(services.to_string().contains("messages"), "{services}");
}
