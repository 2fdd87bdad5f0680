//! A PostgreSQL server of the test's own (Debian's `postgresql`), for tests that stop and
//! restart the database under load: the shared server the test command starts must not go
//! away under other tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::free_port;
use crate::process::Supervised;

/// Debian's PostgreSQL programs, newest version first.
fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file() && bin.join("postgres").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
}

/// Whether a server can be started here.
pub(crate) fn available() -> bool {
    bin_dir().is_some()
}

/// Whether this process runs as root (PostgreSQL refuses to: it then runs as `postgres`).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A PostgreSQL server in a temporary directory on a free loopback port, trusting local
/// connections; stopped (immediately) on drop.
pub struct Postgres {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
    root: bool,
    process: Option<Supervised>,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Postgres({})", self.url())
    }
}

impl Postgres {
    /// Creates the cluster and starts it; panics when it cannot (check
    /// [`crate::require_or_skip`]`("postgres")` first).
    pub fn start() -> Postgres {
        let bin = bin_dir().expect("PostgreSQL is not installed");
        let dir = tempfile::Builder::new()
            .prefix("sbtk-pg-")
            .tempdir()
            .expect("create a temp dir for PostgreSQL");
        let root = is_root();
        if root {
            let owned = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(owned, "cannot give the PostgreSQL directory to postgres");
        }
        let mut pg = Postgres {
            dir,
            bin,
            port: free_port(),
            root,
            process: None,
        };
        let mut initdb = pg.command("initdb");
        initdb.arg("-D").arg(pg.data()).args([
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        ]);
        let out = initdb.output().expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pg.start_again();
        pg
    }

    /// A PostgreSQL program, run as `postgres` when this process is root.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.root {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    /// The server's log.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server the way an administrator's fast shutdown does: open connections are
    /// closed, transactions under way roll back. Idempotent.
    pub fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            let _ = self
                .command("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .args(["-m", "fast", "-w", "-t", "30", "stop"])
                .output();
            p.stop();
        }
    }

    /// Starts the (stopped) server again on the same port with the same data; returns once it
    /// accepts connections.
    pub fn start_again(&mut self) {
        if self.process.is_some() {
            return;
        }
        // A shell watches the harness's pipe and asks the server for a fast shutdown at its
        // end (the test stopping it, or the test process dying).
        let script = "\"$1\" -D \"$2\" -p \"$3\" -c listen_addresses=127.0.0.1 \
                      -c unix_socket_directories=\"$4\" -c max_connections=200 -c fsync=off \
                      >>\"$5\" 2>&1 & pid=$!; cat >/dev/null; kill -INT $pid 2>/dev/null; wait $pid";
        let mut cmd = if self.root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", "sh", "-c", script]);
            c
        } else {
            let mut c = Command::new("sh");
            c.args(["-c", script]);
            c
        };
        let log = self.log_path();
        if self.root && !log.exists() {
            fs::write(&log, b"").expect("create the PostgreSQL log");
            let _ = Command::new("chown").arg("postgres").arg(&log).status();
        }
        cmd.arg("sh")
            .arg(self.bin.join("postgres"))
            .arg(self.data())
            .arg(self.port.to_string())
            .arg(self.dir.path())
            .arg(&log);
        let marker = self.dir.path().to_string_lossy().into_owned();
        let mut process = Supervised::spawn(cmd, &marker, "PostgreSQL");
        let port = self.port;
        let dir: &Path = self.dir.path();
        process.wait_ready(
            || {
                let mut ready = Command::new(self.bin.join("pg_isready"));
                ready.args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()]);
                ready.status().is_ok_and(|s| s.success())
            },
            || fs::read_to_string(dir.join("postgres.log")).unwrap_or_default(),
        );
        self.process = Some(process);
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}
