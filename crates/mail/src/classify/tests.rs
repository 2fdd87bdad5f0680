//! The classifier's rules, case by case.

use super::*;

fn classify_raw(raw: &str) -> Classification {
    match MessageParser::default().parse(raw.as_bytes()) {
        Some(msg) => classify(&msg),
        None => Classification::of(MailKind::Normal, "unparsed"),
    }
}

const DSN: &str = "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n\
To: support@example.org\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
Auto-Submitted: auto-replied\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\
\r\n\
--b\r\n\
Content-Type: text/plain\r\n\
\r\n\
I'm sorry to have to inform you that your message could not be delivered.\r\n\
--b\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.example.com\r\n\
\r\n\
Final-Recipient: rfc822; gone@example.net\r\n\
Original-Recipient: rfc822;gone@example.net\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.net>: Recipient address\r\n\
\trejected: User unknown\r\n\
\r\n\
Final-Recipient: rfc822; slow@example.net\r\n\
Action: delayed\r\n\
Status: 4.4.7\r\n\
--b\r\n\
Content-Type: message/rfc822\r\n\
\r\n\
From: support@example.org\r\n\
To: gone@example.net\r\n\
Subject: Your case [#12]\r\n\
Message-ID: <case-12-1@switchboard.example.org>\r\n\
\r\n\
Hello\r\n\
--b--\r\n";

#[test]
fn dsn_is_a_bounce_with_recipients() {
    let c = classify_raw(DSN);
    assert_eq!(c.kind, MailKind::Bounce);
    assert_eq!(c.reason, "RFC 3464 delivery-status report");
    let report = c.bounce.unwrap();
    assert!(report.permanent);
    assert_eq!(
        report.original_message_id.as_deref(),
        Some("case-12-1@switchboard.example.org")
    );
    assert_eq!(report.recipients.len(), 2);
    let first = &report.recipients[0];
    assert_eq!(first.address, "gone@example.net");
    assert_eq!(first.action.as_deref(), Some("failed"));
    assert_eq!(first.status.as_deref(), Some("5.1.1"));
    assert_eq!(
        first.diagnostic.as_deref(),
        Some("550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown")
    );
    assert_eq!(report.recipients[1].status.as_deref(), Some("4.4.7"));
}

#[test]
fn delay_only_dsn_is_not_permanent() {
    let raw = DSN
        .replace("Action: failed", "Action: delayed")
        .replace("Status: 5.1.1", "Status: 4.4.1");
    let c = classify_raw(&raw);
    assert_eq!(c.kind, MailKind::Bounce);
    assert!(!c.bounce.unwrap().permanent);
}

#[test]
fn qmail_style_bounce_is_recognised() {
    let raw = "From: MAILER-DAEMON@mx.example.jp\r\n\
To: support@example.org\r\n\
Subject: failure notice\r\n\
Return-Path: <>\r\n\
\r\n\
Hi. This is the qmail-send program at mx.example.jp.\r\n\
I'm afraid I wasn't able to deliver your message to the following addresses.\r\n\
\r\n\
<nobody@example.jp>:\r\n\
Sorry, no mailbox here by that name. (#5.1.1)\r\n\
\r\n\
--- Below this line is a copy of the message.\r\n\
\r\n\
From: support@example.org\r\n\
Message-ID: <orig@example.org>\r\n";
    let c = classify_raw(raw);
    assert_eq!(c.kind, MailKind::Bounce);
    let report = c.bounce.unwrap();
    assert_eq!(report.recipients.len(), 1);
    assert_eq!(report.recipients[0].address, "nobody@example.jp");
    assert_eq!(report.recipients[0].status.as_deref(), Some("5.1.1"));
    assert_eq!(
        report.original_message_id.as_deref(),
        Some("orig@example.org")
    );
    assert!(report.permanent);
}

#[test]
fn forwarded_bounce_from_a_person_is_normal() {
    let raw = "From: Alice <alice@example.com>\r\n\
To: support@example.org\r\n\
Subject: Fwd: Undelivered Mail Returned to Sender\r\n\
\r\n\
Why did this happen? Your message could not be delivered, it says.\r\n";
    assert_eq!(classify_raw(raw).kind, MailKind::Normal);
}

#[test]
fn auto_replies() {
    let base = "From: bob@example.com\r\nTo: support@example.org\r\n";
    let cases = [
        (
            "Auto-Submitted: auto-replied\r\nSubject: Hi\r\n",
            "Auto-Submitted: auto-replied",
        ),
        (
            "Auto-Submitted: auto-generated\r\nSubject: Hi\r\n",
            "Auto-Submitted: auto-generated",
        ),
        ("X-Autoreply: yes\r\nSubject: Hi\r\n", "X-Autoreply header"),
        (
            "X-Autorespond: Hi\r\nSubject: Hi\r\n",
            "X-Autorespond header",
        ),
        (
            "X-Auto-Response-Suppress: DR, OOF\r\nSubject: Hi\r\n",
            "X-Auto-Response-Suppress: DR, OOF",
        ),
        (
            "Subject: Automatic reply: Your case\r\n",
            "subject \"automatic reply\"",
        ),
        (
            "Subject: Out of Office: Your case\r\n",
            "subject \"out of office\"",
        ),
        ("Subject: Auto: Your case\r\n", "subject \"auto\""),
        (
            "Subject: Abwesenheitsnotiz: Ihr Fall\r\n",
            "subject \"abwesenheitsnotiz\"",
        ),
    ];
    for (headers, reason) in cases {
        let c = classify_raw(&format!("{base}{headers}\r\nbody\r\n"));
        assert_eq!(c.kind, MailKind::AutoReply, "{headers}");
        assert_eq!(c.reason, reason);
        assert!(c.is_automatic());
    }
}

#[test]
fn ordinary_subjects_are_not_auto_replies() {
    let base = "From: bob@example.com\r\nTo: support@example.org\r\n";
    for subject in [
        "Automobile insurance",
        "Out of office next week?",
        "Auto parts",
        "Hello",
    ] {
        let c = classify_raw(&format!("{base}Subject: {subject}\r\n\r\nbody\r\n"));
        assert_eq!(c.kind, MailKind::Normal, "{subject}");
        assert!(!c.is_automatic());
    }
    let c = classify_raw(&format!(
        "{base}Auto-Submitted: no\r\nSubject: Hi\r\n\r\nbody\r\n"
    ));
    assert_eq!(c.kind, MailKind::Normal);
}

#[test]
fn bulk_mail() {
    let base = "From: news@example.com\r\nTo: support@example.org\r\nSubject: News\r\n";
    for (header, reason) in [
        ("Precedence: bulk\r\n", "Precedence: bulk"),
        ("List-Id: <news.example.com>\r\n", "List-Id header"),
        (
            "List-Unsubscribe: <mailto:u@example.com>\r\n",
            "List-Unsubscribe header",
        ),
    ] {
        let c = classify_raw(&format!("{base}{header}\r\nbody\r\n"));
        assert_eq!(c.kind, MailKind::Bulk);
        assert_eq!(c.reason, reason);
    }
    // Auto-reply beats bulk.
    let c = classify_raw(&format!(
        "{base}Precedence: bulk\r\nAuto-Submitted: auto-replied\r\n\r\nbody\r\n"
    ));
    assert_eq!(c.kind, MailKind::AutoReply);
}

#[test]
fn status_codes() {
    assert_eq!(
        find_status_code("550 5.1.1 <a@b.c>").as_deref(),
        Some("5.1.1")
    );
    assert_eq!(find_status_code("(#4.4.7)").as_deref(), Some("4.4.7"));
    assert_eq!(find_status_code("Exim 4.94.2 and 10.5.1.1"), None);
    assert_eq!(find_status_code("2.0.0 ok"), None);
}

#[test]
fn addresses_in_text() {
    assert_eq!(
        find_addresses("<a.b@example.com>: said x@y and c@d.org."),
        vec!["a.b@example.com".to_string(), "c@d.org".to_string()]
    );
}

#[test]
fn kind_names_round_trip() {
    for kind in MailKind::ALL {
        assert_eq!(MailKind::parse(kind.as_str()), Some(kind));
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(json, format!("\"{}\"", kind.as_str()));
    }
}
