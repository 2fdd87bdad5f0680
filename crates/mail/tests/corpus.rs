//! The real-world corpus: ~880 public test emails (sisimai bounces, stalwart mail-parser,
//! MimeKit and nodemailer fixtures) kept outside the repository at `/work/shared/corpus`.
//! Skipped with a notice when the corpus is absent.
//!
//! - Every message file parses without panicking; `Err` only for empty or header-less input.
//!   Every HTML body goes through the sanitizer.
//! - The sisimai bounces (`bsd`, `err`, `tmp`) are classified Bounce (RFC 3834 samples:
//!   AutoReply).
//! - Ordinary messages (stalwart, nodemailer and MimeKit fixtures that are not reports) are
//!   mostly Normal.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use switchboard_mail::classify::MailKind;
use switchboard_mail::parse::{ParseError, ParsedMail, parse};
use switchboard_mail::sanitize::{SanitizeOptions, sanitize_html};

/// The corpus directory, when present.
fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("corpus not found, skipping ({})", dir.display());
        None
    }
}

/// All files under `dir`, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Whether a corpus file holds one or more messages (not an expectation, listing, licence
/// or TNEF blob).
fn is_message_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    !matches!(ext, "json" | "tsv" | "list" | "tnef")
        && name != "COPYING"
        && !name.ends_with("-summary.txt")
}

/// The messages in a file: mbox files are split on their `From ` separator lines.
fn messages_in(path: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    let label = path.display().to_string();
    if !label.ends_with(".mbox.txt") {
        return vec![(label, bytes)];
    }
    let mut starts: Vec<usize> = bytes
        .windows(6)
        .enumerate()
        .filter(|(_, w)| w == b"\nFrom ")
        .map(|(i, _)| i + 1)
        .collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    starts.push(bytes.len());
    starts
        .windows(2)
        .enumerate()
        .map(|(n, w)| (format!("{label}#{n}"), bytes[w[0]..w[1]].to_vec()))
        .collect()
}

/// Parses, naming the file before re-raising a panic.
fn parse_labelled(label: &str, raw: &[u8]) -> Result<ParsedMail, ParseError> {
    catch_unwind(AssertUnwindSafe(|| parse(raw))).unwrap_or_else(|payload| {
        eprintln!("parse panicked on {label}");
        std::panic::resume_unwind(payload)
    })
}

/// One line describing a message's verdict.
fn verdict(label: &str, mail: &ParsedMail) -> String {
    let short = label.rsplit("corpus/").next().unwrap_or(label);
    format!(
        "{short}: {} ({}) subject={:?}",
        mail.classification.kind.as_str(),
        mail.classification.reason,
        mail.subject.chars().take(60).collect::<String>()
    )
}

#[test]
fn every_message_parses() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let mut parsed = 0;
    let (mut html_bodies, mut blocked_images) = (0, 0);
    let mut errors = Vec::new();
    for path in files_under(&dir).into_iter().filter(|p| is_message_file(p)) {
        for (label, raw) in messages_in(&path) {
            match parse_labelled(&label, &raw) {
                Ok(mail) => {
                    parsed += 1;
                    assert_eq!(mail.size, raw.len());
                    if let Some(html) = &mail.html {
                        let clean = sanitize_html(html, &SanitizeOptions::default());
                        assert!(!clean.html.to_lowercase().contains("<script"), "{label}");
                        html_bodies += 1;
                        blocked_images += clean.blocked_remote_images;
                    }
                    assert!(
                        mail.attachments
                            .iter()
                            .all(|a| !a.name.is_empty() && !a.name.contains(['/', '\\']))
                    );
                }
                Err(e) => errors.push(format!("{label}: {e} ({} bytes)", raw.len())),
            }
        }
    }
    println!(
        "corpus: {parsed} messages parsed, {} refused; {html_bodies} HTML bodies sanitized, \
         {blocked_images} remote images blocked",
        errors.len()
    );
    for e in &errors {
        println!("  refused: {e}");
    }
    assert!(parsed > 800, "only {parsed} messages parsed");
    assert!(errors.len() <= 5, "too many refused: {errors:#?}");
}

#[test]
fn sisimai_bounces_are_recognised() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let maildir = dir.join("sisimai-set-of-emails/maildir");
    let (mut total, mut right, mut automatic) = (0, 0, 0);
    let (mut bounces, mut with_recipient, mut with_status, mut with_original) = (0, 0, 0, 0);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut misses = Vec::new();
    for sub in ["bsd", "err", "tmp"] {
        for path in files_under(&maildir.join(sub)) {
            let label = path.display().to_string();
            let Ok(raw) = std::fs::read(&path) else {
                continue;
            };
            let Ok(mail) = parse_labelled(&label, &raw) else {
                misses.push(format!("{label}: refused"));
                total += 1;
                continue;
            };
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let expected = if name.starts_with("rfc3834-") {
                MailKind::AutoReply
            } else {
                MailKind::Bounce
            };
            total += 1;
            automatic += usize::from(mail.classification.is_automatic());
            let reason = mail.classification.reason.split(':').next().unwrap_or("");
            *reasons.entry(reason.to_string()).or_default() += 1;
            if let Some(report) = &mail.classification.bounce {
                bounces += 1;
                with_recipient += usize::from(!report.recipients.is_empty());
                with_status += usize::from(report.recipients.iter().any(|r| r.status.is_some()));
                with_original += usize::from(report.original_message_id.is_some());
            }
            if mail.classification.kind == expected {
                right += 1;
            } else {
                misses.push(verdict(&label, &mail));
            }
        }
    }
    let rate = right as f64 / total as f64;
    println!(
        "sisimai: {right}/{total} recognised ({:.1} %), {automatic} automatic",
        rate * 100.0
    );
    println!(
        "  of {bounces} bounces: {with_recipient} name a recipient, {with_status} a status code, \
         {with_original} the original Message-ID"
    );
    for (reason, count) in &reasons {
        println!("  {count:4} {reason}");
    }
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(
        rate >= 0.95,
        "bounce recognition {:.1} % < 95 %",
        rate * 100.0
    );

    let not_dir = maildir.join("not");
    for path in files_under(&not_dir) {
        let label = path.display().to_string();
        if let Ok(mail) = std::fs::read(&path).map(|raw| parse_labelled(&label, &raw)) {
            match mail {
                Ok(mail) => println!("  not-a-bounce set: {}", verdict(&label, &mail)),
                Err(e) => println!("  not-a-bounce set: {label}: {e}"),
            }
        }
    }
    for name in ["is-not-bounce-01.eml", "is-not-bounce-02.eml"] {
        let path = maildir.join("not").join(name);
        let Ok(raw) = std::fs::read(&path) else {
            continue;
        };
        let mail = parse_labelled(name, &raw).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            mail.classification.kind,
            MailKind::Normal,
            "{}",
            verdict(name, &mail)
        );
    }
}

/// Fixtures that are reports (bounces, receipts, complaints) rather than ordinary mail.
fn is_report_fixture(label: &str) -> bool {
    [
        "bounce",
        "delivery-status",
        "feedback-report",
        "disposition-notification",
    ]
    .iter()
    .any(|w| label.contains(w))
}

#[test]
fn ordinary_messages_are_mostly_normal() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let roots = [
        "stalwart-mail-parser",
        "nodemailer-mailparser",
        "mimekit/UnitTests/TestData/messages",
        "mimekit/UnitTests/TestData/partial",
        "mimekit/UnitTests/TestData/smime",
        "mimekit/UnitTests/TestData/tnef",
    ];
    let (mut total, mut normal, mut reports, mut reports_automatic) = (0, 0, 0, 0);
    let mut exceptions = Vec::new();
    for root in roots {
        for path in files_under(&dir.join(root))
            .into_iter()
            .filter(|p| is_message_file(p))
        {
            for (label, raw) in messages_in(&path) {
                let Ok(mail) = parse_labelled(&label, &raw) else {
                    continue;
                };
                if is_report_fixture(&label) {
                    println!("  report fixture: {}", verdict(&label, &mail));
                    reports += 1;
                    reports_automatic += usize::from(mail.classification.is_automatic());
                    continue;
                }
                total += 1;
                if mail.classification.kind == MailKind::Normal {
                    normal += 1;
                } else {
                    exceptions.push(verdict(&label, &mail));
                }
            }
        }
    }
    println!(
        "ordinary: {normal}/{total} normal; report fixtures: {reports_automatic}/{reports} automatic"
    );
    for e in &exceptions {
        println!("  not normal: {e}");
    }
    assert!(total > 80, "only {total} ordinary messages");
    assert_eq!(
        reports_automatic, reports,
        "a report fixture was classified Normal"
    );
    assert!(
        normal as f64 >= total as f64 * 0.9,
        "only {normal}/{total} ordinary messages are Normal"
    );
}
