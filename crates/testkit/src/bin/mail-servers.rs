//! Starts a throwaway Dovecot (users `bench`, `bench2` and `bench3`, password `secret`) for
//! benchmarks and manual checks, prints its ports and the users' Maildirs as `name=value` lines,
//! and keeps it running until stdin closes.

#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use std::io::Read;

use switchboard_testkit::Dovecot;

fn main() {
    let dovecot = Dovecot::start(&[
        ("bench", "secret"),
        ("bench2", "secret"),
        ("bench3", "secret"),
    ]);
    println!("imap_port={}", dovecot.imap_port());
    println!("imaps_port={}", dovecot.imaps_port());
    println!("pop3_port={}", dovecot.pop3_port());
    println!("ca_file={}", dovecot.ca_pem_path().display());
    println!("maildir={}", dovecot.maildir("bench").display());
    println!("maildir2={}", dovecot.maildir("bench2").display());
    println!("maildir3={}", dovecot.maildir("bench3").display());
    println!("ready");
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(dovecot);
}
