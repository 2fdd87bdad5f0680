//! `switchboard simulate`: the example scenario prints its report; a bad scenario is refused
//! with a clear error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

#[test]
fn the_example_scenario_prints_a_report() {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/simulate/small-center.toml"
    );
    let out = Command::new(BIN)
        .args(["simulate", "--scenario", example])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "sales chat",
        "billing chat (es)",
        "support email",
        "SL",
        "p90 wait",
        "occupancy",
        "agent pool",
    ] {
        assert!(text.contains(want), "{want} missing from:\n{text}");
    }
}

#[test]
fn a_bad_scenario_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        r#"
[[queues]]
name = "q"
channel = "chat"
group = "nobody"
arrivals_per_hour = 10
handle = { dist = "fixed", secs = 60 }
[[agents]]
name = "a"
count = 1
groups = ["other"]
"#,
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["simulate", "--scenario"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no agent pool is in group \"nobody\""),
        "{err}"
    );
}

#[test]
fn breaks_longer_than_the_time_between_them_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("breaks.toml");
    std::fs::write(
        &path,
        r#"
[[queues]]
name = "q"
channel = "chat"
group = "g"
arrivals_per_hour = 10
handle = { dist = "fixed", secs = 60 }
[[agents]]
name = "a"
count = 1
groups = ["g"]
breaks = { every_hours = 0.25, minutes = 20 }
"#,
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["simulate", "--scenario"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("agent pool \"a\": breaks need"), "{err}");
}
