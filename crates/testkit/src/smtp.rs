//! An SMTP server (Python `aiosmtpd`) that stores accepted messages into a Maildir.

use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use tempfile::TempDir;

use crate::ca::TestCa;
use crate::process::{self, Owner, Supervised};
use crate::{free_port, maildir, workspace_root};

/// The server, written into the sink's temp dir at start.
const SCRIPT: &str = include_str!("smtp_sink.py");

/// The Python interpreter with `aiosmtpd`: `$SWITCHBOARD_TEST_PYTHON`, else the virtualenv
/// `scripts/test` creates at `target/test-venv`. Checked once per process.
pub(crate) fn python() -> Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let candidate = match std::env::var_os("SWITCHBOARD_TEST_PYTHON") {
                Some(path) => PathBuf::from(path),
                None => {
                    let target = std::env::var_os("CARGO_TARGET_DIR")
                        .map(PathBuf::from)
                        .map(|dir| {
                            if dir.is_absolute() {
                                dir
                            } else {
                                workspace_root().join(dir)
                            }
                        })
                        .unwrap_or_else(|| workspace_root().join("target"));
                    target.join("test-venv/bin/python")
                }
            };
            let works = Command::new(&candidate)
                .args(["-c", "import aiosmtpd"])
                .output()
                .is_ok_and(|output| output.status.success());
            if works {
                Ok(candidate)
            } else {
                Err(format!(
                    "{} cannot import aiosmtpd (set SWITCHBOARD_TEST_PYTHON, or run scripts/test \
                     to create target/test-venv)",
                    candidate.display()
                ))
            }
        })
        .clone()
}

/// One message the sink accepted, from its journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The Maildir file name it was stored under (in `new/` at first; Dovecot may move it).
    pub file_name: String,
    /// The user that authenticated, when AUTH was required.
    pub auth_user: Option<String>,
    /// The envelope sender (`MAIL FROM`, empty for a null sender).
    pub mail_from: String,
    /// The accepted envelope recipients (`RCPT TO`).
    pub rcpt_to: Vec<String>,
}

/// Configures an [`SmtpSink`] before starting it; from [`SmtpSink::builder`].
#[derive(Clone, Debug)]
pub struct SmtpSinkBuilder {
    maildir: PathBuf,
    starttls: Option<(PathBuf, PathBuf)>,
    smtps: Option<(PathBuf, PathBuf)>,
    auth: Option<(String, String)>,
    replies: Vec<(String, String)>,
}

impl SmtpSinkBuilder {
    /// Offers STARTTLS on [`SmtpSink::port`] with the CA's server certificate (not required).
    pub fn starttls(mut self, ca: &TestCa) -> Self {
        self.starttls = Some((ca.cert_path().to_owned(), ca.key_path().to_owned()));
        self
    }

    /// Also listens for SMTP over implicit TLS on [`SmtpSink::smtps_port`].
    pub fn implicit_tls(mut self, ca: &TestCa) -> Self {
        self.smtps = Some((ca.cert_path().to_owned(), ca.key_path().to_owned()));
        self
    }

    /// Requires AUTH (PLAIN or LOGIN, offered with or without TLS) with these credentials
    /// before MAIL FROM; other credentials get `535`.
    pub fn auth(mut self, user: &str, password: &str) -> Self {
        self.auth = Some((user.to_owned(), password.to_owned()));
        self
    }

    /// Answers `RCPT TO:<address>` (case-insensitive) with `reply`, e.g.
    /// `"552 5.2.2 Mailbox full"`; replaces an earlier reply for that address.
    pub fn reply_to_rcpt(mut self, address: &str, reply: &str) -> Self {
        let address = address.to_ascii_lowercase();
        self.replies.retain(|(known, _)| *known != address);
        self.replies.push((address, reply.to_owned()));
        self
    }

    /// Starts the sink and waits (at most 10 s) until it listens. Creates the Maildir when
    /// missing. Panics with the sink's log when it does not come up, or with a hint to run
    /// `scripts/test` when Python with `aiosmtpd` is missing.
    pub fn start(self) -> SmtpSink {
        let python = python().unwrap_or_else(|err| panic!("{err}"));
        let dir = tempfile::Builder::new()
            .prefix("sbtk-smtp-")
            .tempdir()
            .expect("create a temp dir for the SMTP sink");
        let root = dir.path();
        fs::write(root.join("smtp_sink.py"), SCRIPT).expect("write the SMTP sink script");
        File::create(root.join("journal.tsv")).expect("create the SMTP sink journal");
        let tls = self
            .starttls
            .as_ref()
            .or(self.smtps.as_ref())
            .map(|(cert, key)| {
                // Copies: the sink may outlive the TestCa it was given.
                fs::copy(cert, root.join("cert.pem")).expect("copy the SMTP certificate");
                fs::copy(key, root.join("key.pem")).expect("copy the SMTP key");
                (root.join("cert.pem"), root.join("key.pem"))
            });
        if !self.maildir.join("new").is_dir() {
            maildir::create(&self.maildir, None);
        }
        // As root, store files as the Maildir's owner (Dovecot's mail user) so Dovecot can
        // move them from new/ to cur/.
        let owner = process::is_root().then(|| {
            let meta = fs::metadata(&self.maildir).expect("stat the SMTP sink Maildir");
            Owner {
                uid: meta.uid(),
                gid: meta.gid(),
            }
        });
        let mut sink = SmtpSink {
            process: None,
            port: free_port(),
            smtps_port: self.smtps.is_some().then(free_port),
            maildir: self.maildir.clone(),
            owner,
            tls,
            starttls: self.starttls.is_some(),
            auth: self.auth,
            replies: self.replies,
            python,
            dir,
        };
        sink.start_again();
        sink
    }
}

/// A real SMTP server on a free loopback port that accepts every message (unless told to
/// refuse a recipient) and stores it into a Maildir — typically a [`crate::Dovecot`] user's
/// INBOX, so the test reads what "the customer" received over IMAP.
///
/// By default `RCPT TO:<`[`SmtpSink::BOUNCE_RCPT`]`>` gets `550` and
/// `<`[`SmtpSink::TEMPFAIL_RCPT`]`>` gets `451`. Dropping it stops the server.
#[derive(Debug)]
pub struct SmtpSink {
    process: Option<SupervisedDebug>,
    port: u16,
    smtps_port: Option<u16>,
    maildir: PathBuf,
    owner: Option<Owner>,
    tls: Option<(PathBuf, PathBuf)>,
    starttls: bool,
    auth: Option<(String, String)>,
    replies: Vec<(String, String)>,
    python: PathBuf,
    // Last: removed after the process is gone.
    dir: TempDir,
}

/// [`Supervised`] with a `Debug` impl that shows nothing.
struct SupervisedDebug(Supervised);

impl std::fmt::Debug for SupervisedDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Supervised")
    }
}

impl SmtpSink {
    /// A recipient refused permanently by default: `550 5.1.1 No such user`.
    pub const BOUNCE_RCPT: &str = "bounce@example.test";
    /// A recipient refused transiently by default: `451 4.3.0 Try again later`.
    pub const TEMPFAIL_RCPT: &str = "tempfail@example.test";

    /// Starts a sink storing into `maildir`; with `tls`, it offers STARTTLS on
    /// [`SmtpSink::port`] and also listens for implicit TLS on [`SmtpSink::smtps_port`].
    pub fn start(maildir: &Path, tls: Option<&TestCa>) -> SmtpSink {
        let builder = SmtpSink::builder(maildir);
        match tls {
            Some(ca) => builder.starttls(ca).implicit_tls(ca).start(),
            None => builder.start(),
        }
    }

    /// A builder for a sink storing into `maildir`, with the default refused recipients.
    pub fn builder(maildir: &Path) -> SmtpSinkBuilder {
        SmtpSinkBuilder {
            maildir: maildir.to_owned(),
            starttls: None,
            smtps: None,
            auth: None,
            replies: Vec::new(),
        }
        .reply_to_rcpt(SmtpSink::BOUNCE_RCPT, "550 5.1.1 No such user")
        .reply_to_rcpt(SmtpSink::TEMPFAIL_RCPT, "451 4.3.0 Try again later")
    }

    /// The SMTP port (plain; STARTTLS when configured).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The SMTPS (implicit TLS) port, when configured.
    pub fn smtps_port(&self) -> Option<u16> {
        self.smtps_port
    }

    /// The Maildir messages are stored into.
    pub fn maildir(&self) -> &Path {
        &self.maildir
    }

    /// How many messages this sink has stored (across restarts), whatever else is in the
    /// Maildir. A message counts as soon as the client has its `250` reply to DATA.
    pub fn count(&self) -> usize {
        self.envelopes().len()
    }

    /// The envelopes of the stored messages, in order.
    pub fn envelopes(&self) -> Vec<Envelope> {
        let journal = fs::read_to_string(self.dir.path().join("journal.tsv")).unwrap_or_default();
        journal
            .lines()
            .filter_map(|line| {
                let mut fields = line.split('\t').map(str::to_owned);
                let file_name = fields.next()?;
                let auth_user = fields.next().filter(|user| !user.is_empty());
                let mail_from = fields.next()?;
                Some(Envelope {
                    file_name,
                    auth_user,
                    mail_from,
                    rcpt_to: fields.collect(),
                })
            })
            .collect()
    }

    /// Whether the server is running (started and not exited).
    pub fn is_running(&mut self) -> bool {
        self.process
            .as_mut()
            .is_some_and(|process| process.0.exit_status().is_none())
    }

    /// Stops the server (at most 10 s, then SIGKILL); the port stays reserved for
    /// [`SmtpSink::start_again`]. Does nothing when stopped.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.0.stop();
        }
    }

    /// Starts the server again after [`SmtpSink::stop`], on the same ports, and waits until it
    /// listens. Does nothing when it is running.
    pub fn start_again(&mut self) {
        if self.is_running() {
            return;
        }
        self.stop();
        let root = self.dir.path();
        let ready = root.join("ready");
        let _ = fs::remove_file(&ready);
        let marker = root
            .file_name()
            .and_then(|n| n.to_str())
            .expect("temp dir name");
        let log = root.join("sink.log");
        let open_log = || {
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .expect("open the SMTP sink log")
        };
        let mut cmd = Command::new(&self.python);
        cmd.arg(root.join("smtp_sink.py"))
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--maildir")
            .arg(&self.maildir)
            .arg("--journal")
            .arg(root.join("journal.tsv"))
            .arg("--ready")
            .arg(&ready)
            .stdout(open_log())
            .stderr(open_log());
        if let Some(port) = self.smtps_port {
            cmd.arg("--smtps-port").arg(port.to_string());
        }
        if let Some((cert, key)) = &self.tls {
            cmd.arg("--cert").arg(cert).arg("--key").arg(key);
        }
        if self.starttls {
            cmd.arg("--starttls");
        }
        if let Some(Owner { uid, gid }) = self.owner {
            cmd.arg("--uid")
                .arg(uid.to_string())
                .arg("--gid")
                .arg(gid.to_string());
        }
        if let Some((user, password)) = &self.auth {
            cmd.arg("--user").arg(user).arg("--password").arg(password);
        }
        for (address, reply) in &self.replies {
            cmd.arg("--reply").arg(format!("{address}={reply}"));
        }
        let mut process = Supervised::spawn(cmd, marker, "SMTP sink (aiosmtpd)");
        process.wait_ready(|| ready.is_file(), || self.log());
        self.process = Some(SupervisedDebug(process));
    }

    /// The sink's own directory (script, journal, log; removed on drop).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The sink's log (aiosmtpd's session log and any Python error).
    pub fn log(&self) -> String {
        let mut log = String::new();
        let text = fs::read_to_string(self.dir.path().join("sink.log")).unwrap_or_default();
        let _ = write!(log, "--- sink.log\n{text}");
        log
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}
