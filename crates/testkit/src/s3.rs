//! An S3-compatible object store (moto's server, from PyPI) with one bucket, on loopback.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use tempfile::TempDir;

use crate::free_port;
use crate::process::Supervised;
use crate::smtp::python;

/// The server, written into the server's temp dir at start.
const SCRIPT: &str = include_str!("s3_server.py");

/// Whether the test interpreter can run moto's server (`moto[server]` installed next to
/// `aiosmtpd`). Checked once per process.
pub(crate) fn available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        python().is_ok_and(|python| {
            Command::new(python)
                .args(["-c", "import moto.server, boto3, flask"])
                .output()
                .is_ok_and(|output| output.status.success())
        })
    })
}

/// A running S3 server with one empty bucket; stopped on drop. It accepts any credentials
/// (the tests use `test`/`test`) and keeps everything in memory.
pub struct S3Server {
    dir: TempDir,
    port: u16,
    bucket: String,
    process: Option<Supervised>,
}

impl std::fmt::Debug for S3Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S3Server({}, {})", self.endpoint(), self.bucket)
    }
}

impl S3Server {
    /// Starts a server with the bucket `bucket`; panics when it cannot (check
    /// [`crate::require_or_skip`]`("moto")` first).
    pub fn start(bucket: &str) -> S3Server {
        let python = python().unwrap_or_else(|err| panic!("{err}"));
        let dir = tempfile::Builder::new()
            .prefix("sbtk-s3-")
            .tempdir()
            .expect("create a temp dir for the S3 server");
        let script = dir.path().join("s3_server.py");
        fs::write(&script, SCRIPT).expect("write the S3 server script");
        let ready = dir.path().join("ready");
        let log = || File::create(dir.path().join("s3.log")).expect("create the S3 server log");
        let port = free_port();
        let mut cmd = Command::new(python);
        cmd.arg(&script)
            .arg("--port")
            .arg(port.to_string())
            .arg("--bucket")
            .arg(bucket)
            .arg("--ready")
            .arg(&ready)
            .stdout(log())
            .stderr(log());
        let marker = dir.path().to_string_lossy().into_owned();
        let mut process = Supervised::spawn(cmd, &marker, "S3 server (moto)");
        let log_path = dir.path().join("s3.log");
        process.wait_ready(
            || ready.is_file(),
            || {
                let mut text = String::new();
                let _ = write!(
                    text,
                    "--- s3.log\n{}",
                    fs::read_to_string(&log_path).unwrap_or_default()
                );
                text
            },
        );
        S3Server {
            dir,
            port,
            bucket: bucket.to_string(),
            process: Some(process),
        }
    }

    /// The endpoint URL, `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The server's own directory (script and log; removed on drop).
    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Stops the server (idempotent).
    pub fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.stop();
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}
