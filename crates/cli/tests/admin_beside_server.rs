//! Administrative commands beside a running server on SQLite: several at once, while the
//! server writes through its API, each waits its turn for the database instead of failing with
//! "database is locked", and the server's own writes succeed meanwhile.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{Api, BIN, Server};
use serde_json::json;

/// Rounds of commands, and commands run at once in each.
const ROUNDS: usize = 15;
const AT_ONCE: usize = 4;

/// Runs `switchboard admin <args>` against the server's data directory.
fn admin(server: &Server, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(&server.data_dir)
        .envs(server.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_beside_a_running_server_wait_for_the_database() {
    let server = Arc::new(Server::sqlite());
    let api = Api::admin(&server).await;
    let dept = common::mail::department(&api).await;
    let made = admin(
        &server,
        &[
            "create-user",
            "--email",
            "agent@example.org",
            "--name",
            "Agent",
            "--role",
            "agent",
        ],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    // The server keeps writing meanwhile: customers created through its API, none refused.
    let stop = Arc::new(AtomicBool::new(false));
    let writes = {
        let (stop, api) = (Arc::clone(&stop), api.with_base(&api.base));
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let (st, body) = api
                    .post(
                        "/customers",
                        json!({"department_id": dept, "name": format!("Customer {n}")}),
                    )
                    .await;
                assert_eq!(st, 201, "the server's write {n} failed: {body}");
                n += 1;
            }
            n
        })
    };

    let mut tokens = Vec::new();
    for round in 0..ROUNDS {
        let s = Arc::clone(&server);
        let outs = tokio::task::spawn_blocking(move || {
            std::thread::scope(|scope| {
                let running: Vec<_> = (0..AT_ONCE)
                    .map(|_| {
                        scope.spawn(|| admin(&s, &["create-token", "--email", "agent@example.org"]))
                    })
                    .collect();
                running
                    .into_iter()
                    .map(|h| h.join().unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .await
        .unwrap();
        for out in outs {
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            tokens.push(String::from_utf8(out.stdout).unwrap().trim().to_string());
        }
    }
    stop.store(true, Ordering::Relaxed);
    let written = writes.await.unwrap();
    assert!(written > 0, "the server wrote nothing meanwhile");

    // Every token the commands printed is a working one, each its own.
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), ROUNDS * AT_ONCE);
    for token in tokens.iter().step_by(7) {
        let (st, me) = api.with_token(token).get("/auth/me").await;
        assert_eq!((st, me["user"]["role"].as_str()), (200, Some("agent")));
    }
}
