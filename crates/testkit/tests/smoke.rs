//! Proves the harness against the real servers with nothing but std sockets and `openssl`.

#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use switchboard_testkit::{Dovecot, SmtpSink, free_port, require_or_skip};

/// A line-oriented client for IMAP, POP3 and SMTP.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read a line");
        assert!(!line.is_empty(), "connection closed");
        line
    }

    fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
        self.writer.write_all(b"\r\n").unwrap();
    }

    /// IMAP: sends `tag command`, returns every line up to and including the tagged one.
    fn imap(&mut self, tag: &str, command: &str) -> Vec<String> {
        self.send(&format!("{tag} {command}"));
        let mut lines = Vec::new();
        loop {
            let line = self.line();
            let done = line.starts_with(&format!("{tag} "));
            lines.push(line);
            if done {
                return lines;
            }
        }
    }

    /// SMTP: reads one (possibly multi-line) reply.
    fn smtp_reply(&mut self) -> String {
        let mut reply = String::new();
        loop {
            let line = self.line();
            reply.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return reply;
            }
        }
    }

    fn smtp(&mut self, command: &str) -> String {
        self.send(command);
        self.smtp_reply()
    }
}

fn imap_login(port: u16) -> Client {
    let mut imap = Client::connect(port);
    assert!(imap.line().starts_with("* OK"));
    let login = imap.imap("a", "LOGIN alice secret");
    assert!(login.last().unwrap().starts_with("a OK"), "{login:?}");
    imap
}

fn imap_exists(port: u16) -> usize {
    let mut imap = imap_login(port);
    let select = imap.imap("b", "SELECT INBOX");
    assert!(select.last().unwrap().starts_with("b OK"), "{select:?}");
    select
        .iter()
        .find_map(|line| {
            line.strip_prefix("* ")?
                .strip_suffix(" EXISTS\r\n")?
                .parse()
                .ok()
        })
        .expect("an EXISTS line")
}

fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: bob@example.test\r\nTo: alice@example.test\r\nSubject: {subject}\r\n\r\nHello.\r\n"
    )
    .into_bytes()
}

/// Sends one message with raw SMTP; returns the reply to RCPT TO.
fn smtp_send(port: u16, rcpt: &str) -> String {
    let mut smtp = Client::connect(port);
    assert!(smtp.smtp_reply().starts_with("220"));
    assert!(smtp.smtp("EHLO client.test").starts_with("250"));
    assert!(smtp.smtp("MAIL FROM:<bob@example.test>").starts_with("250"));
    let rcpt_reply = smtp.smtp(&format!("RCPT TO:<{rcpt}>"));
    if rcpt_reply.starts_with("250") {
        assert!(smtp.smtp("DATA").starts_with("354"));
        smtp.send("Subject: via SMTP\r\n\r\nHi.\r\n.");
        let reply = smtp.smtp_reply();
        assert!(reply.starts_with("250"), "{reply}");
    }
    assert!(smtp.smtp("QUIT").starts_with("221"));
    rcpt_reply
}

/// `openssl s_client` verifies the chain and the IP against the CA (exit status 0).
fn tls_verifies(port: u16, ca: &std::path::Path, starttls: Option<&str>) -> bool {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .arg("-CAfile")
        .arg(ca)
        .args(["-verify_return_error", "-verify_ip", "127.0.0.1", "-brief"]);
    if let Some(protocol) = starttls {
        cmd.args(["-starttls", protocol]);
    }
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .expect("run openssl s_client");
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    }
    output.status.success()
}

/// Live processes whose command line mentions `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(marker))
        .collect()
}

#[test]
fn imap_pop3_restart_and_smtp_delivery() {
    if !require_or_skip("dovecot") || !require_or_skip("aiosmtpd") {
        return;
    }
    let mut dovecot = Dovecot::start(&[("alice", "secret")]);
    for n in 1..=3 {
        dovecot.deliver("alice", &message(&format!("message {n}")));
    }
    assert_eq!(dovecot.count_messages("alice", None), 3);
    assert_eq!(imap_exists(dovecot.imap_port()), 3);

    let mut pop = Client::connect(dovecot.pop3_port());
    assert!(pop.line().starts_with("+OK"));
    pop.send("USER alice");
    assert!(pop.line().starts_with("+OK"));
    pop.send("PASS secret");
    assert!(pop.line().starts_with("+OK"));
    pop.send("STAT");
    let stat = pop.line();
    assert!(stat.starts_with("+OK 3 "), "{stat}");
    pop.send("QUIT");
    drop(pop);

    dovecot.stop();
    assert!(Client::connect_fails(dovecot.imap_port()));
    dovecot.start_again();
    assert_eq!(imap_exists(dovecot.imap_port()), 3, "{}", dovecot.log());

    let maildir = dovecot.maildir("alice");
    let mut sink = SmtpSink::start(&maildir, None);
    assert!(smtp_send(sink.port(), "alice@example.test").starts_with("250"));
    assert_eq!(sink.count(), 1);
    assert_eq!(imap_exists(dovecot.imap_port()), 4);
    let bounce = smtp_send(sink.port(), SmtpSink::BOUNCE_RCPT);
    assert!(bounce.starts_with("550"), "{bounce}");
    let tempfail = smtp_send(sink.port(), SmtpSink::TEMPFAIL_RCPT);
    assert!(tempfail.starts_with("451"), "{tempfail}");
    assert_eq!(sink.count(), 1);
    let envelope = &sink.envelopes()[0];
    assert_eq!(envelope.mail_from, "bob@example.test");
    assert_eq!(envelope.rcpt_to, ["alice@example.test"]);

    sink.stop();
    assert!(Client::connect_fails(sink.port()));
    sink.start_again();
    assert!(smtp_send(sink.port(), "alice@example.test").starts_with("250"));
    assert_eq!(sink.count(), 2);
    assert_eq!(dovecot.read_messages("alice").len(), 5);
    assert!(dovecot.read_messages("alice")[0].ends_with(b"Subject: message 1\r\n\r\nHello.\r\n"));
}

impl Client {
    fn connect_fails(port: u16) -> bool {
        TcpStream::connect(("127.0.0.1", port)).is_err()
    }
}

#[test]
fn tls_ports_verify_against_the_test_ca() {
    if !require_or_skip("dovecot") || !require_or_skip("aiosmtpd") {
        return;
    }
    let dovecot = Dovecot::start(&[("alice", "secret")]);
    let ca = dovecot.ca_pem_path();
    assert!(
        dovecot
            .ca()
            .ca_pem()
            .starts_with(b"-----BEGIN CERTIFICATE-----")
    );
    assert!(tls_verifies(dovecot.imaps_port(), ca, None), "imaps");
    assert!(tls_verifies(dovecot.pop3s_port(), ca, None), "pop3s");
    assert!(
        tls_verifies(dovecot.imap_port(), ca, Some("imap")),
        "imap STARTTLS"
    );
    assert!(
        tls_verifies(dovecot.pop3_port(), ca, Some("pop3")),
        "pop3 STLS"
    );

    let sink = SmtpSink::start(&dovecot.maildir("alice"), Some(dovecot.ca()));
    let smtps = sink.smtps_port().expect("an SMTPS port");
    assert!(tls_verifies(smtps, ca, None), "smtps\n{}", sink.log());
    assert!(
        tls_verifies(sink.port(), ca, Some("smtp")),
        "smtp STARTTLS\n{}",
        sink.log()
    );
}

#[test]
fn smtp_sink_auth_and_custom_replies() {
    if !require_or_skip("aiosmtpd") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("Maildir");
    let sink = SmtpSink::builder(&maildir)
        .auth("agent", "pw")
        .reply_to_rcpt("full@example.test", "552 5.2.2 Mailbox full")
        .start();
    let mut smtp = Client::connect(sink.port());
    assert!(smtp.smtp_reply().starts_with("220"));
    let ehlo = smtp.smtp("EHLO client.test");
    assert!(ehlo.contains("AUTH"), "{ehlo}");
    assert!(smtp.smtp("MAIL FROM:<bob@example.test>").starts_with("530"));
    // AUTH PLAIN base64("\0agent\0wrong") and base64("\0agent\0pw")
    assert!(smtp.smtp("AUTH PLAIN AGFnZW50AHdyb25n").starts_with("535"));
    assert!(smtp.smtp("AUTH PLAIN AGFnZW50AHB3").starts_with("235"));
    assert!(smtp.smtp("MAIL FROM:<bob@example.test>").starts_with("250"));
    assert!(smtp.smtp("RCPT TO:<full@example.test>").starts_with("552"));
    assert!(smtp.smtp("RCPT TO:<carol@example.test>").starts_with("250"));
    assert!(smtp.smtp("DATA").starts_with("354"));
    smtp.send("Subject: authenticated\r\n\r\nHi.\r\n.");
    assert!(smtp.smtp_reply().starts_with("250"));
    assert_eq!(sink.count(), 1);
    assert_eq!(sink.envelopes()[0].auth_user.as_deref(), Some("agent"));
    assert_eq!(std::fs::read_dir(maildir.join("new")).unwrap().count(), 1);
}

#[test]
fn folders_bulk_delivery_and_idle() {
    if !require_or_skip("dovecot") {
        return;
    }
    let dovecot = Dovecot::start(&[("alice", "secret")]);
    let started = Instant::now();
    let delivered = dovecot.deliver_many("alice", (0..2000).map(|n| message(&format!("bulk {n}"))));
    assert_eq!(delivered, 2000);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "bulk delivery is slow"
    );
    assert_eq!(dovecot.count_messages("alice", None), 2000);

    dovecot.create_folder("alice", "Archive");
    dovecot.deliver_to_folder("alice", "Archive", &message("archived"));
    assert_eq!(dovecot.count_messages("alice", Some("Archive")), 1);
    let mut imap = imap_login(dovecot.imap_port());
    let status = imap.imap("s", "STATUS Archive (MESSAGES)");
    assert!(
        status.iter().any(|l| l.contains("(MESSAGES 1)")),
        "{status:?}"
    );

    // IDLE sees a delivery made behind Dovecot's back.
    let select = imap.imap("b", "SELECT INBOX");
    assert!(
        select.iter().any(|l| l == "* 2000 EXISTS\r\n"),
        "{select:?}"
    );
    imap.send("i IDLE");
    assert!(imap.line().starts_with("+ "));
    dovecot.deliver("alice", &message("while idling"));
    let exists = imap.line();
    assert_eq!(exists, "* 2001 EXISTS\r\n");
    imap.send("DONE");
    let mut line = imap.line();
    while line.starts_with("* ") {
        line = imap.line(); // e.g. * 1 RECENT
    }
    assert!(line.starts_with("i OK"), "{line}");
}

#[test]
fn nothing_survives_drop() {
    if !require_or_skip("dovecot") || !require_or_skip("aiosmtpd") {
        return;
    }
    let dovecot = Dovecot::start(&[("alice", "secret")]);
    let sink = SmtpSink::start(&dovecot.maildir("alice"), None);
    let _imap = imap_login(dovecot.imap_port()); // an open session: an imap process exists
    let name = |dir: &std::path::Path| dir.file_name().unwrap().to_string_lossy().into_owned();
    let (dovecot_marker, sink_marker) = (name(dovecot.dir()), name(sink.dir()));
    assert!(processes_with(&dovecot_marker).len() >= 3);
    assert_eq!(processes_with(&sink_marker).len(), 1);
    drop(sink);
    drop(dovecot);
    assert_eq!(processes_with(&dovecot_marker), Vec::<String>::new());
    assert_eq!(processes_with(&sink_marker), Vec::<String>::new());
}

#[test]
fn free_ports_are_never_handed_out_twice() {
    let ports: std::collections::HashSet<u16> = (0..200).map(|_| free_port()).collect();
    assert_eq!(ports.len(), 200);
}
