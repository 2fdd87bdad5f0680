//! The parser, case by case.

use super::*;
use crate::classify::MailKind;

fn parse_str(raw: &str) -> ParsedMail {
    parse(raw.as_bytes()).unwrap()
}

#[test]
fn empty_and_garbage_are_errors() {
    assert_eq!(parse(b""), Err(ParseError::Empty));
    assert_eq!(parse(b" \r\n\t"), Err(ParseError::Empty));
    assert!(matches!(
        parse(b"\r\n\r\nno headers here"),
        Err(ParseError::NotAMessage(_))
    ));
}

#[test]
fn headers_and_threading() {
    let m = parse_str(
        "Message-ID: <  abc@x.example >\r\n\
In-Reply-To: <p1@x>\r\n\
References: <r1@x> <r2@x>\r\n\
From: =?UTF-8?Q?Ren=C3=A9?= <rene@example.com>\r\n\
Sender: list@example.com\r\n\
Reply-To: a@example.com, \"B\" <b@example.com>\r\n\
Return-Path: <bounces@example.com>\r\n\
To: Support <Support@example.org>, c@example.net\r\n\
Cc: d@example.net, support@EXAMPLE.org\r\n\
Delivered-To: alias@example.org\r\n\
X-Original-To: sales@example.org\r\n\
Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= [#42]\r\n\
Date: Thu, 01 Jan 2015 00:00:01 +0100\r\n\
\r\n\
Hello\r\n",
    );
    assert_eq!(m.message_id.as_deref(), Some("abc@x.example"));
    assert_eq!(m.in_reply_to, vec!["p1@x"]);
    assert_eq!(m.references, vec!["r1@x", "r2@x"]);
    let from = m.from.unwrap();
    assert_eq!(from.name.as_deref(), Some("René"));
    assert_eq!(from.address, "rene@example.com");
    assert_eq!(m.sender.unwrap().address, "list@example.com");
    assert_eq!(m.reply_to.len(), 2);
    assert_eq!(m.return_path.as_deref(), Some("bounces@example.com"));
    assert_eq!(m.to.len(), 2);
    assert_eq!(m.cc.len(), 2);
    assert_eq!(
        m.original_recipients,
        vec![
            "sales@example.org",
            "alias@example.org",
            "Support@example.org",
            "c@example.net",
            "d@example.net"
        ]
    );
    assert_eq!(m.subject, "Grüße [#42]");
    assert_eq!(m.date, Some(1_420_066_801_000));
    assert_eq!(m.text.trim(), "Hello");
    assert_eq!(m.html, None);
    assert_eq!(m.classification.kind, MailKind::Normal);
}

#[test]
fn missing_headers_leave_fields_empty() {
    let m = parse_str("X-Nothing: here\r\n\r\nbody\r\n");
    assert_eq!(m.message_id, None);
    assert_eq!(m.from, None);
    assert_eq!(m.subject, "");
    assert_eq!(m.date, None);
    assert!(m.to.is_empty());
    assert_eq!(m.text.trim(), "body");
    assert_eq!(m.return_path, None);
}

#[test]
fn null_return_path_is_none() {
    let m = parse_str("Return-Path: <>\r\nFrom: a@b.example\r\n\r\nx\r\n");
    assert_eq!(m.return_path, None);
}

#[test]
fn charsets_come_out_as_utf8() {
    let raw = b"From: a@b.example\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\nK\xe4se\r\n";
    assert_eq!(parse(raw).unwrap().text.trim(), "Käse");
    let raw = "From: a@b.example\r\nContent-Type: text/plain; charset=shift_jis\r\n\
Content-Transfer-Encoding: base64\r\n\r\nk/qWe4zq\r\n";
    assert_eq!(parse_str(raw).text.trim(), "日本語");
}

#[test]
fn html_only_mail_gets_a_text_rendering() {
    let m = parse_str(
        "From: a@b.example\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
<html><head><title>T</title><style>p{color:red}</style></head><body>\
<p>Hello&nbsp;<b>World</b> &amp; friends</p><ul><li>one</li><li>two</li></ul>\
line<br>break<script>alert(1)</script></body></html>\r\n",
    );
    assert_eq!(
        m.text,
        "Hello World & friends\n\n- one\n- two\n\nline\nbreak"
    );
    assert!(m.html.unwrap().contains("<b>World</b>"));
}

#[test]
fn alternative_keeps_both_bodies() {
    let m = parse_str(
        "From: a@b.example\r\nContent-Type: multipart/alternative; boundary=x\r\n\r\n\
--x\r\nContent-Type: text/plain\r\n\r\nplain text\r\n\
--x\r\nContent-Type: text/html\r\n\r\n<p>html text</p>\r\n--x--\r\n",
    );
    assert_eq!(m.text.trim(), "plain text");
    assert_eq!(m.html.as_deref().map(str::trim), Some("<p>html text</p>"));
    assert!(m.attachments.is_empty());
}

#[test]
fn attachments_are_decoded_and_named() {
    let m = parse_str(
        "From: a@b.example\r\nSubject: files\r\n\
Content-Type: multipart/mixed; boundary=x\r\n\r\n\
--x\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
--x\r\nContent-Type: application/pdf; name=\"../../etc/re:port.pdf\"\r\n\
Content-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n\
--x\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n\
--x\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment\r\n\r\nraw\r\n\
--x\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@d.example\r\nSubject: Old/thread\r\n\r\nnested body\r\n\
--x--\r\n",
    );
    assert_eq!(m.text.trim(), "see attached");
    let a = &m.attachments;
    assert_eq!(a.len(), 4);
    assert_eq!(a[0].name, "re_port.pdf");
    assert_eq!(a[0].content_type, "application/pdf");
    assert_eq!(a[0].bytes, b"%PDF-");
    assert!(!a[0].inline);
    assert_eq!(a[1].content_id.as_deref(), Some("logo@x"));
    assert!(a[1].inline);
    assert_eq!(a[1].name, "attachment-2");
    assert_eq!(a[2].name, "attachment-3");
    assert_eq!(a[3].content_type, "message/rfc822");
    assert_eq!(a[3].name, "thread.eml");
    let nested = String::from_utf8(a[3].bytes.clone()).unwrap();
    assert!(nested.starts_with("From: c@d.example"), "{nested:?}");
    assert!(nested.trim_end().ends_with("nested body"), "{nested:?}");
}

#[test]
fn long_bodies_are_truncated_on_a_char_boundary() {
    let body = "é".repeat(MAX_BODY_BYTES); // 2 bytes each
    let m = parse_str(&format!(
        "From: a@b.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ));
    assert!(m.text.len() < MAX_BODY_BYTES + 200);
    assert!(m.text.ends_with("has been cut here.]"));
}

#[test]
fn too_many_attachments_are_dropped() {
    let mut raw =
        String::from("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n");
    for i in 0..MAX_ATTACHMENTS + 5 {
        raw.push_str(&format!(
            "--x\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=f{i}.bin\r\n\r\n{i}\r\n"
        ));
    }
    raw.push_str("--x--\r\n");
    assert_eq!(parse_str(&raw).attachments.len(), MAX_ATTACHMENTS);
}

#[test]
fn mbox_separator_is_skipped() {
    let m = parse_str(
        "From someone@example.com Sat Oct  4 08:00:09 2025\nFrom: a@b.example\nSubject: hi\n\nbody\n",
    );
    assert_eq!(m.subject, "hi");
    assert_eq!(m.from.unwrap().address, "a@b.example");
    let with_bom = parse(b"\xEF\xBB\xBFFrom -\nSubject: bom\n\nbody\n").unwrap();
    assert_eq!(with_bom.subject, "bom");
}

#[test]
fn file_names() {
    assert_eq!(
        sanitize_file_name("C:\\Users\\x\\a.txt").as_deref(),
        Some("a.txt")
    );
    assert_eq!(sanitize_file_name(" ..hidden. ").as_deref(), Some("hidden"));
    assert_eq!(
        sanitize_file_name("a\u{0}b\r\n.txt").as_deref(),
        Some("ab.txt")
    );
    assert_eq!(sanitize_file_name("../"), None);
    assert_eq!(sanitize_file_name("   "), None);
    assert!(sanitize_file_name(&"x".repeat(500)).unwrap().len() <= MAX_FILE_NAME);
}
