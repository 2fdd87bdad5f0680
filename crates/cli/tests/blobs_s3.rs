//! Blobs in a real S3-compatible server (moto's, started by the test): mail stored in the local
//! blob store is moved into a bucket with `switchboard blobs migrate` (with progress, and again
//! copying only what is missing), the server then runs on the bucket with the local directory
//! gone, reads every stored message from it and stores new mail there; the collector works on
//! the bucket; wrong settings fail with a clear message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::mail::*;
use common::{Api, BIN};
use switchboard_testkit::{S3Server, require_or_skip};

fn mail(n: usize) -> Vec<u8> {
    message(
        "carol@customer.test",
        "support@acme.test",
        &format!("Bucket {n}"),
        &format!("b{n}@customer.test"),
        "",
        &format!("Message number {n} for the bucket."),
    )
}

/// Runs `switchboard <args> --data-dir <data>` with `env`; its exit success, stdout and stderr.
fn run(
    args: &[&str],
    data: &Path,
    env: &[(String, String)],
    stdin: &str,
) -> (bool, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Every email's raw message, by subject.
async fn raw_messages(api: &Api) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in all_emails(api, "").await {
        let (status, raw) = api.bytes(&format!("/emails/{}/raw", e["id"])).await;
        assert_eq!(status, 200, "{e}");
        out.push((
            e["subject"].as_str().unwrap_or_default().to_string(),
            String::from_utf8_lossy(&raw).to_string(),
        ));
    }
    out.sort();
    out
}

#[tokio::test]
async fn a_local_store_moves_into_a_bucket_and_the_server_runs_on_it() {
    if !require_or_skip("dovecot") || !require_or_skip("moto") {
        return;
    }
    let s3 = S3Server::start("switchboard");
    let mut w = World::start(false, &[]).await;
    w.support_alias(w.queue).await;
    for n in 0..6 {
        w.dovecot.deliver("support", &mail(n));
    }
    wait_emails(&w.api, "", 6, Duration::from_secs(30)).await;
    let before = raw_messages(&w.api).await;
    assert!(before.iter().all(|(_, raw)| raw.contains("for the bucket")));
    assert_eq!(w.server.terminate(), Some(0));
    let data = w.dir.path().to_path_buf();

    // The secret is sealed with the installation's key; a plain one is refused.
    let (ok, sealed, err) = run(&["blobs", "seal-secret"], &data, &[], "test\n");
    assert!(ok, "{err}");
    let sealed = sealed.trim().to_string();
    assert!(
        sealed.starts_with("v1:") && !sealed.contains("test"),
        "{sealed}"
    );
    let mut env: Vec<(String, String)> = [
        ("SWITCHBOARD_BLOBS_S3_ENDPOINT", s3.endpoint().as_str()),
        ("SWITCHBOARD_BLOBS_S3_BUCKET", s3.bucket()),
        ("SWITCHBOARD_BLOBS_S3_PREFIX", "acme"),
        ("SWITCHBOARD_BLOBS_S3_ACCESS_KEY_ID", "test"),
        ("SWITCHBOARD_BLOBS_S3_SECRET_ACCESS_KEY", "test"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (ok, _, err) = run(&["blobs", "migrate"], &data, &env, "");
    assert!(!ok && err.contains("must be sealed"), "{err}");
    env.pop();
    env.push((
        "SWITCHBOARD_BLOBS_S3_SECRET_ACCESS_KEY".into(),
        sealed.clone(),
    ));

    // The migration copies every file, with progress; again, it copies nothing.
    let (ok, out, err) = run(&["blobs", "migrate"], &data, &env, "");
    assert!(ok, "{out}\n{err}");
    assert!(err.contains("copied "), "progress on stderr: {err}");
    let copied: u64 = out
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(copied >= 1, "{out}");
    assert!(out.contains("0 failed"), "{out}");
    let (ok, again, err) = run(&["blobs", "migrate"], &data, &env, "");
    assert!(ok, "{err}");
    assert!(
        again.starts_with(&format!(
            "copied 0 files (0 bytes); {copied} were in the bucket"
        )),
        "{again}"
    );

    // The server on the bucket, without the local directory: every message reads, new mail is
    // stored in the bucket.
    std::fs::rename(data.join("blobs"), data.join("blobs.migrated")).unwrap();
    env.push(("SWITCHBOARD_BLOBS_BACKEND".into(), "s3".into()));
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    w.server = server(&data, &w.dovecot, &env_refs);
    w.api = Api::admin(&w.server).await;
    assert_eq!(raw_messages(&w.api).await, before);
    for n in 6..9 {
        w.dovecot.deliver("support", &mail(n));
    }
    wait_emails(&w.api, "", 9, Duration::from_secs(30)).await;
    let after = raw_messages(&w.api).await;
    assert_eq!(after.len(), 9);
    assert!(after.iter().all(|(_, raw)| raw.contains("for the bucket")));
    assert!(!data.join("blobs").exists(), "nothing written locally");
    let health = reqwest::get(format!("{}/healthz", w.server.url))
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);

    // The collector lists the bucket and finds nothing to remove: every object is in use.
    let (ok, out, err) = run(
        &["blobs", "gc", "--dry-run", "--grace-secs", "60"],
        &data,
        &env,
        "",
    );
    assert!(ok, "{out}\n{err}");
    assert!(!out.lines().any(|l| l.starts_with("would remove")), "{out}");
    assert!(out.contains("0 failed"), "{out}");

    // A backend nobody knows stops the command with the reason.
    let mut wrong = env.clone();
    wrong.push(("SWITCHBOARD_BLOBS_BACKEND".into(), "s4".into()));
    let (ok, _, err) = run(&["blobs", "gc", "--dry-run"], &data, &wrong, "");
    assert!(!ok && err.contains("must be \"local\" or \"s3\""), "{err}");
}
