//! A webhook receiver on loopback (a small Python server) that verifies each delivery with the
//! Standard Webhooks reference library and the GitHub-style body signature, and keeps what it
//! verified in order. It can be taken down (answering 503) and brought back.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::process::Command;
use std::sync::OnceLock;

use tempfile::TempDir;

use crate::free_port;
use crate::process::Supervised;
use crate::smtp::python;

/// The server, written into its temp dir at start.
const SCRIPT: &str = include_str!("webhook_receiver.py");

/// Whether the test interpreter has the reference verifier (`standardwebhooks`).
pub(crate) fn available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        python().is_ok_and(|python| {
            Command::new(python)
                .args(["-c", "import standardwebhooks"])
                .output()
                .is_ok_and(|output| output.status.success())
        })
    })
}

/// A running receiver; stopped on drop.
pub struct WebhookReceiver {
    dir: TempDir,
    port: u16,
    process: Option<Supervised>,
}

impl std::fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebhookReceiver({})", self.url())
    }
}

impl WebhookReceiver {
    /// Starts a receiver; panics when it cannot (check
    /// [`crate::require_or_skip`]`("standardwebhooks")` first).
    pub fn start() -> WebhookReceiver {
        let python = python().unwrap_or_else(|err| panic!("{err}"));
        let dir = tempfile::Builder::new()
            .prefix("sbtk-hooks-")
            .tempdir()
            .expect("create a temp dir for the webhook receiver");
        let script = dir.path().join("webhook_receiver.py");
        fs::write(&script, SCRIPT).expect("write the webhook receiver script");
        let ready = dir.path().join("ready");
        let log_path = dir.path().join("receiver.log");
        let log = || File::create(&log_path).expect("create the webhook receiver log");
        let port = free_port();
        let mut cmd = Command::new(python);
        cmd.arg(&script)
            .arg("--port")
            .arg(port.to_string())
            .arg("--root")
            .arg(dir.path())
            .arg("--ready")
            .arg(&ready)
            .stdout(log())
            .stderr(log());
        let marker = dir.path().to_string_lossy().into_owned();
        let mut process = Supervised::spawn(cmd, &marker, "webhook receiver");
        process.wait_ready(
            || ready.is_file(),
            || {
                let mut text = String::new();
                let _ = write!(
                    text,
                    "--- receiver.log\n{}",
                    fs::read_to_string(&log_path).unwrap_or_default()
                );
                text
            },
        );
        WebhookReceiver {
            dir,
            port,
            process: Some(process),
        }
    }

    /// The URL to subscribe, `http://127.0.0.1:<port>/hooks`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    /// Sets the secret deliveries are verified with (`whsec_…`).
    pub fn set_secret(&self, secret: &str) {
        fs::write(self.dir.path().join("secret"), secret).expect("write the receiver's secret");
    }

    /// Takes the receiver down (every POST answered 503) or brings it back.
    pub fn set_down(&self, down: bool) {
        let flag = self.dir.path().join("down");
        if down {
            fs::write(flag, "").expect("mark the receiver down");
        } else if flag.exists() {
            fs::remove_file(flag).expect("bring the receiver back");
        }
    }

    /// Answers every POST 410 Gone (the receiver asks to be unsubscribed) while `gone`.
    pub fn set_gone(&self, gone: bool) {
        let flag = self.dir.path().join("gone");
        if gone {
            fs::write(flag, "").expect("mark the receiver gone");
        } else if flag.exists() {
            fs::remove_file(flag).expect("bring the receiver back");
        }
    }

    /// Makes every answer wait `ms` milliseconds (0: answer at once).
    pub fn set_delay_ms(&self, ms: u64) {
        fs::write(self.dir.path().join("delay_ms"), ms.to_string())
            .expect("write the receiver's delay");
    }

    /// The verified deliveries in the order they arrived, one JSON object per entry
    /// (`id`, `timestamp`, `body`).
    pub fn received(&self) -> Vec<String> {
        self.lines("received.jsonl")
    }

    /// Deliveries whose signature did not verify.
    pub fn rejected(&self) -> Vec<String> {
        self.lines("rejected.jsonl")
    }

    /// POSTs answered 503 while the receiver was down.
    pub fn refused(&self) -> Vec<String> {
        self.lines("refused.jsonl")
    }

    fn lines(&self, name: &str) -> Vec<String> {
        fs::read_to_string(self.dir.path().join(name))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Stops the receiver (idempotent).
    pub fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.stop();
        }
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.stop();
    }
}
