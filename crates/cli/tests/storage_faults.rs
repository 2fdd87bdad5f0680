//! A full disk, for real: the data directory on a small tmpfs filled to the last block while
//! mail arrives. Nothing is lost, the retriever's back-off grows instead of re-downloading every
//! second, API writes answer 507 with the reason, `/healthz` says degraded; once space returns
//! everything is stored, and the blob collector leaves no orphan and removes nothing in use.
//! Needs root (to mount the tmpfs); skipped with a notice otherwise.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::blobs::collect_and_check;
use common::mail::*;
use common::{Api, Server};
use serde_json::{Value, json};
use switchboard_testkit::require_or_skip;

/// A tmpfs of a few MiB, unmounted when dropped.
struct SmallDisk {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl SmallDisk {
    fn mount(mib: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("notice: cannot mount a tmpfs (not root?); full-disk test skipped");
            return None;
        }
        Some(SmallDisk {
            path: dir.path().to_path_buf(),
            _dir: dir,
        })
    }

    /// Writes a file until the disk refuses; returns it.
    fn fill(&self) -> PathBuf {
        let path = self.path.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![7u8; 64 * 1024];
        while f.write_all(&chunk).and_then(|()| f.flush()).is_ok() {}
        let _ = f.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

fn plain(n: usize) -> Vec<u8> {
    message(
        "carol@customer.test",
        "support@acme.test",
        &format!("Disk {n}"),
        &format!("d{n}@customer.test"),
        "",
        &"Some words to take room. ".repeat(40),
    )
}

async fn health(server: &Server) -> (u16, Value) {
    let r = reqwest::get(format!("{}/healthz", server.url))
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_full_disk_loses_nothing_and_backs_off_on_sqlite() {
    full_disk(false).await;
}

/// On PostgreSQL the database lives elsewhere: the full disk is the blob store's.
#[tokio::test]
async fn a_full_disk_loses_nothing_and_backs_off_on_postgres() {
    full_disk(true).await;
}

async fn full_disk(postgres: bool) {
    if !require_or_skip("dovecot") {
        return;
    }
    let url = if postgres {
        let Some(url) = common::postgres_database().await else {
            return;
        };
        Some(url)
    } else {
        None
    };
    let Some(disk) = SmallDisk::mount(48) else {
        return;
    };
    let dovecot = dovecot();
    let data = disk.path.join("data");
    let env: Vec<(&str, &str)> = url
        .as_deref()
        .map(|u| vec![("SWITCHBOARD_DATABASE_URL", u)])
        .unwrap_or_default();
    let server = server(&data, &dovecot, &env);
    let api = Api::admin(&server).await;
    let dept = department(&api).await;
    let q = queue(&api, dept, "Email").await;
    let inc = json!({"protocol": "imap", "port": dovecot.imap_port(), "security": "none"});
    let alias = alias(&api, dept, q, "support@acme.test", "support", inc, None).await["id"]
        .as_i64()
        .unwrap();
    let query = format!("alias_id={alias}");
    dovecot.deliver("support", &plain(0));
    let first = wait_emails(&api, &query, 1, Duration::from_secs(30)).await;

    let filler = disk.fill();
    for n in 1..=20 {
        dovecot.deliver("support", &plain(n));
    }
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(emails(&api, &query).await.len(), 1, "nothing half-stored");
    let status = alias_status(&api, alias).await;
    eprintln!("while the disk is full: {status}");
    assert_eq!(status["failure_kind"], "storage", "{status}");
    let failures = status["failures"].as_u64().unwrap();
    assert!(
        (2..=8).contains(&failures),
        "the back-off grows (1 s a try would be ~20): {status}"
    );
    let error = status["last_error"].as_str().unwrap();
    assert!(!error.contains("blob store: blob store"), "{error}");
    let (st, h) = health(&server).await;
    assert_eq!((st, h["status"].as_str()), (503, Some("degraded")), "{h}");
    let (st, r) = api
        .post(
            &format!("/activities/{}/draft/attachments", first[0]["activity_id"]),
            json!({"attachments": [{"name": "a.txt", "content_base64": "ZnVsbCBkaXNrIHRlc3Q="}]}),
        )
        .await;
    assert_eq!(st, 507, "{r}");
    assert_eq!(r["code"], "insufficient_storage", "{r}");
    assert!(r["message"].as_str().unwrap().contains("full"), "{r}");

    std::fs::remove_file(filler).unwrap();
    let all = wait_emails(&api, &query, 21, Duration::from_secs(90)).await;
    assert_eq!(all.len(), 21, "every message stored once");
    wait_for("healthy again", Duration::from_secs(30), || async {
        (health(&server).await.0 == 200).then_some(())
    })
    .await;
    assert_eq!(alias_status(&api, alias).await["failures"], 0);

    // The collector removes only what no row refers to, and leaves nothing behind.
    let swept = collect_and_check(&data, &server.env);
    eprintln!("gc: {swept}");
    for e in &all {
        let (st, _) = api.bytes(&format!("/emails/{}/raw", e["id"])).await;
        assert_eq!(st, 200, "{e}");
    }
}
