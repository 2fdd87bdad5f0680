//! A load balancer (Debian's haproxy) on loopback in front of a cluster's nodes, configured as
//! the README's cluster set-up says: health checks on `/healthz`, cookie stickiness, redispatch
//! of a request whose node refuses it, long tunnels for event streams and WebSockets, and the
//! nodes' internal calls kept away from outside.

use std::fmt::Write as _;
use std::fs;
use std::process::Command;

use tempfile::TempDir;

use crate::free_port;
use crate::process::Supervised;

/// A running haproxy; stopped on drop.
pub struct Haproxy {
    dir: TempDir,
    port: u16,
    process: Option<Supervised>,
}

impl std::fmt::Debug for Haproxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Haproxy({})", self.url())
    }
}

/// The configuration for `servers` (name, `host:port`) behind a frontend on `port`.
fn config(port: u16, servers: &[(&str, &str)]) -> String {
    let mut cfg = format!(
        "global\n    maxconn 2000\n\
         defaults\n    mode http\n    timeout connect 2s\n    timeout client 60s\n    \
         timeout server 60s\n    timeout tunnel 1h\n    option redispatch\n    retries 2\n\
         frontend web\n    bind 127.0.0.1:{port}\n    \
         http-request deny if {{ path_beg /internal/ }}\n    default_backend switchboard\n\
         backend switchboard\n    balance roundrobin\n    \
         cookie SBNODE insert indirect nocache httponly\n    \
         option httpchk GET /healthz\n    http-check expect status 200\n"
    );
    for (name, addr) in servers {
        let _ = writeln!(
            cfg,
            "    server {name} {addr} check inter 500ms fall 2 rise 1 cookie {name}"
        );
    }
    cfg
}

impl Haproxy {
    /// Starts haproxy in front of `servers` (name, `host:port`); panics when it cannot (check
    /// [`crate::require_or_skip`]`("haproxy")` first).
    pub fn start(servers: &[(&str, &str)]) -> Haproxy {
        let dir = tempfile::Builder::new()
            .prefix("sbtk-haproxy-")
            .tempdir()
            .expect("create a temp dir for haproxy");
        let port = free_port();
        let cfg = dir.path().join("haproxy.cfg");
        fs::write(&cfg, config(port, servers)).expect("write the haproxy config");
        let log = dir.path().join("haproxy.log");
        // haproxy does not watch its stdin: a shell does, and stops it at end of file.
        let bin = ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy"]
            .into_iter()
            .find(|p| std::path::Path::new(p).is_file())
            .unwrap_or("haproxy");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("\"$1\" -db -f \"$2\" & pid=$!; cat >/dev/null; kill $pid 2>/dev/null; wait $pid")
            .arg("sh")
            .arg(bin)
            .arg(&cfg)
            .stdout(fs::File::create(&log).expect("create the haproxy log"))
            .stderr(fs::File::create(dir.path().join("haproxy.err")).expect("haproxy log"));
        let marker = dir.path().to_string_lossy().into_owned();
        let mut process = Supervised::spawn(cmd, &marker, "haproxy");
        process.wait_ready(
            || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
            || {
                let read =
                    |name: &str| fs::read_to_string(dir.path().join(name)).unwrap_or_default();
                format!(
                    "--- haproxy.log\n{}\n--- haproxy.err\n{}",
                    read("haproxy.log"),
                    read("haproxy.err")
                )
            },
        );
        Haproxy {
            dir,
            port,
            process: Some(process),
        }
    }

    /// The frontend's URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What haproxy logged (server state changes land on stderr).
    pub fn log(&self) -> String {
        let read = |name: &str| fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!("{}{}", read("haproxy.log"), read("haproxy.err"))
    }

    /// Stops haproxy (idempotent).
    pub fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.stop();
        }
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        self.stop();
    }
}
