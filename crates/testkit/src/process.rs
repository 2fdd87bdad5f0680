//! Server processes that cannot outlive the test, and the few facts about users we need.

use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long a server gets to exit after being asked to stop, before SIGKILL.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(10);
/// How long a server gets to start listening.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A server started by a harness.
///
/// Its stdin is a pipe from this process that nothing is ever written to: the server (or its
/// wrapper) stops at end of file, which comes when [`Supervised::stop`] closes the pipe or when
/// the test process dies without running `Drop`. Every process of the instance carries `marker`
/// (a unique temp dir name) in its command line, so stragglers can be found and killed.
pub(crate) struct Supervised {
    child: Child,
    stdin: Option<ChildStdin>,
    marker: String,
    name: &'static str,
    stopped: bool,
}

impl Supervised {
    /// Spawns `cmd` with a piped stdin; stdout and stderr are the caller's choice.
    pub(crate) fn spawn(mut cmd: Command, marker: &str, name: &'static str) -> Supervised {
        cmd.stdin(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {name} ({cmd:?}): {err}"));
        let stdin = child.stdin.take();
        Supervised {
            child,
            stdin,
            marker: marker.to_owned(),
            name,
            stopped: false,
        }
    }

    /// Sends `signal` (e.g. `STOP`, `CONT`) to the process and every process below it, so a
    /// server can be frozen (its connections stay open, nothing answers) and thawed.
    pub(crate) fn signal_tree(&self, signal: &str) {
        let mut pids = vec![self.child.id()];
        let mut i = 0;
        while let Some(&parent) = pids.get(i) {
            pids.extend(children(parent));
            i += 1;
        }
        kill(&pids, signal);
    }

    /// Waits until `ready()` says so, at most [`START_TIMEOUT`]; panics with `log()` when the
    /// process exits first or the time runs out (after stopping it).
    pub(crate) fn wait_ready(&mut self, mut ready: impl FnMut() -> bool, log: impl Fn() -> String) {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.exit_status() {
                self.stop();
                panic!(
                    "{} exited ({status}) before it was ready; log:\n{}",
                    self.name,
                    log()
                );
            }
            if ready() {
                return;
            }
            if Instant::now() >= deadline {
                self.stop();
                panic!(
                    "{} was not ready after {START_TIMEOUT:?}; log:\n{}",
                    self.name,
                    log()
                );
            }
            sleep(Duration::from_millis(20));
        }
    }

    /// The exit status when the process has exited.
    pub(crate) fn exit_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Stops the server: closes its stdin (it then shuts down as on SIGTERM); after 100 ms
    /// SIGTERMs every other process of the instance too, and after 500 ms SIGKILLs them (Dovecot's
    /// master otherwise waits 1 to 6 s for login processes that still hold client connections);
    /// after [`STOP_GRACE`] SIGKILLs the child itself. Finally makes sure no process of the
    /// instance is left. Idempotent.
    pub(crate) fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        drop(self.stdin.take());
        let started = Instant::now();
        let child = self.child.id();
        let others = |marker: &str| -> Vec<u32> {
            instance_pids(marker)
                .into_iter()
                .filter(|&pid| pid != child)
                .collect()
        };
        let (mut termed, mut killed) = (false, false);
        while self.exit_status().is_none() {
            let elapsed = started.elapsed();
            if !termed && elapsed >= Duration::from_millis(100) {
                termed = true;
                kill(&others(&self.marker), "TERM");
            }
            if !killed && elapsed >= Duration::from_millis(500) {
                killed = true;
                kill(&others(&self.marker), "KILL");
            }
            if elapsed >= STOP_GRACE {
                eprintln!(
                    "{} did not stop within {STOP_GRACE:?}; killing it",
                    self.name
                );
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            sleep(Duration::from_millis(5));
        }
        sweep(&self.marker);
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Makes sure no live process carries `marker`: SIGTERM, at most one second, then SIGKILL.
pub(crate) fn sweep(marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut pids = instance_pids(marker);
    kill(&pids, "TERM");
    while !pids.is_empty() {
        if Instant::now() >= deadline {
            kill(&pids, "KILL");
            return;
        }
        sleep(Duration::from_millis(5));
        pids = instance_pids(marker);
    }
}

/// Live (not zombie) processes, other than this one, whose command line contains `marker`.
fn instance_pids(marker: &str) -> Vec<u32> {
    let me = std::process::id();
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
                String::from_utf8_lossy(&cmdline)
                    .replace('\0', " ")
                    .contains(marker)
            })
        })
        .filter(|pid| {
            // Field 3 of /proc/PID/stat, after the parenthesised command name, is the state.
            fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().next())
                    .is_some_and(|state| state != "Z" && state != "X")
            })
        })
        .collect()
}

/// The processes whose parent is `parent`.
fn children(parent: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            // Field 4 of /proc/PID/stat, after the parenthesised command name, is the parent.
            fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    .and_then(|p| p.parse::<u32>().ok())
                    == Some(parent)
            })
        })
        .collect()
}

/// Sends `signal` to `pids` with the `kill` command (this crate has no unsafe code).
fn kill(pids: &[u32], signal: &str) {
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg("-s")
        .arg(signal)
        .args(pids.iter().map(u32::to_string))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub(crate) fn port_open(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

/// A numeric user and group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Owner {
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// The effective uid of this process.
pub(crate) fn effective_uid() -> u32 {
    let status = fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .and_then(|uid| uid.parse().ok())
        .expect("effective uid in /proc/self/status")
}

/// Whether this process runs as root.
pub(crate) fn is_root() -> bool {
    effective_uid() == 0
}

/// An `/etc/passwd` entry: name, uid, gid.
pub(crate) fn passwd_entry(matches: impl Fn(&str, u32) -> bool) -> Option<(String, u32, u32)> {
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let uid = fields.nth(1)?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        matches(name, uid).then(|| (name.to_owned(), uid, gid))
    })
}

/// The name of group `gid` in `/etc/group`.
pub(crate) fn group_name(gid: u32) -> Option<String> {
    let groups = fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id: u32 = fields.nth(1)?.parse().ok()?;
        (id == gid).then(|| name.to_owned())
    })
}

/// Changes the owner of `path` when `owner` is given (we run as root and files must belong to
/// the unprivileged mail user).
pub(crate) fn chown(path: &Path, owner: Option<Owner>) {
    if let Some(Owner { uid, gid }) = owner {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .unwrap_or_else(|err| panic!("chown {uid}:{gid} {}: {err}", path.display()));
    }
}

/// Runs a short helper command to completion; panics with its output when it fails.
pub(crate) fn run(cmd: &mut Command) {
    let output = cmd
        .output()
        .unwrap_or_else(|err| panic!("cannot run {cmd:?}: {err}"));
    if !output.status.success() {
        panic!(
            "{cmd:?} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
