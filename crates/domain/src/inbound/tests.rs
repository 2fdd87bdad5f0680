//! Table tests of the ingest rules, in the router's style: one line per case.

use super::*;
use crate::email::Mailbox;

fn content(kind: EmailKind, from: Option<&str>, subject: &str) -> InboundContent {
    InboundContent {
        message_id: None,
        in_reply_to: vec![],
        references: vec![],
        from: from.map(|a| Mailbox {
            name: None,
            address: a.to_string(),
        }),
        reply_to: vec![],
        to: vec![],
        cc: vec![],
        original_recipients: vec![],
        subject: subject.to_string(),
        date: None,
        text: String::new(),
        html: None,
        kind,
        kind_reason: String::new(),
        bounce: None,
        attachments: vec![],
        headers: vec![],
    }
}

fn blocking(addresses: &[&str], domains: &[&str]) -> EmailSettings {
    EmailSettings {
        blocked_addresses: addresses.iter().map(|s| s.to_string()).collect(),
        blocked_domains: domains.iter().map(|s| s.to_string()).collect(),
        ..EmailSettings::default()
    }
}

/// The screen's answer, shortened for the table.
fn screened(kind: EmailKind, from: Option<&str>, settings: &EmailSettings) -> String {
    match screen(&content(kind, from, "Hello"), settings) {
        Screen::Bounce => "bounce".into(),
        Screen::NoSender => "no sender".into(),
        Screen::Blocked(why) => format!("blocked: {why}"),
        Screen::Proceed(a) => format!("proceed {}", a.as_str()),
    }
}

#[test]
fn screen_table() {
    use EmailKind::*;
    let open = EmailSettings::default();
    let strict = blocking(&["spam@example.com"], &["junk.example"]);
    let cases: &[(EmailKind, Option<&str>, &EmailSettings, &str)] = &[
        (
            Normal,
            Some("ann@example.com"),
            &open,
            "proceed ann@example.com",
        ),
        (
            Normal,
            Some(" Ann@Example.com "),
            &open,
            "proceed Ann@example.com",
        ),
        (Normal, None, &open, "no sender"),
        (Normal, Some("not an address"), &open, "no sender"),
        (Normal, Some(""), &open, "no sender"),
        // A bounce is recognised whoever signs it, even no one, even a blocked sender.
        (Bounce, None, &open, "bounce"),
        (Bounce, Some("spam@example.com"), &strict, "bounce"),
        (AutoReply, None, &open, "no sender"),
        (
            AutoReply,
            Some("ann@example.com"),
            &open,
            "proceed ann@example.com",
        ),
        (
            Normal,
            Some("spam@example.com"),
            &strict,
            "blocked: sender address spam@example.com is blocked",
        ),
        (Bulk, Some("news@junk.example"), &strict, "blocked"),
        (
            Normal,
            Some("ann@example.com"),
            &strict,
            "proceed ann@example.com",
        ),
    ];
    for (kind, from, settings, want) in cases {
        let got = screened(*kind, *from, settings);
        assert!(
            got.starts_with(want),
            "{kind:?} from {from:?}: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn probes_go_in_reply_to_then_references_newest_first_then_case_tokens() {
    let mut c = content(
        EmailKind::Normal,
        Some("a@example.com"),
        "Re: [#12] and [#7]",
    );
    c.in_reply_to = vec!["r1".into()];
    c.references = vec!["old".into(), "mid".into(), "new".into()];
    let probes = thread_probes(&c);
    assert_eq!(
        probes,
        [
            Probe::InReplyTo("r1"),
            Probe::References("new"),
            Probe::References("mid"),
            Probe::References("old"),
            Probe::CaseToken(CaseId(12)),
            Probe::CaseToken(CaseId(7)),
        ]
    );
    let rules: Vec<ThreadRule> = probes.iter().map(|p| p.rule()).collect();
    assert_eq!(
        rules,
        [
            ThreadRule::InReplyTo,
            ThreadRule::References,
            ThreadRule::References,
            ThreadRule::References,
            ThreadRule::CaseToken,
            ThreadRule::CaseToken,
        ]
    );
}

#[test]
fn probes_are_capped_so_a_hostile_message_costs_little() {
    let mut c = content(EmailKind::Normal, None, &"[#1] ".repeat(40));
    c.in_reply_to = (0..100).map(|i| format!("i{i}")).collect();
    c.references = (0..500).map(|i| format!("r{i}")).collect();
    let probes = thread_probes(&c);
    let count = |f: fn(&Probe<'_>) -> bool| probes.iter().filter(|p| f(p)).count();
    assert_eq!(count(|p| matches!(p, Probe::InReplyTo(_))), MAX_IN_REPLY_TO);
    assert_eq!(count(|p| matches!(p, Probe::References(_))), MAX_REFERENCES);
    assert!(count(|p| matches!(p, Probe::CaseToken(_))) <= MAX_CASE_TOKENS);
    // The newest references are the ones asked.
    assert!(probes.contains(&Probe::References("r499")));
    assert!(!probes.contains(&Probe::References("r0")));
    assert!(thread_probes(&content(EmailKind::Normal, None, "Hello")).is_empty());
}

#[test]
fn place_table() {
    use EmailKind::*;
    let q = Some(QueueId(3));
    let case = Some(CaseId(9));
    type Row = (EmailKind, Option<CaseId>, Option<QueueId>, bool, Placement);
    let cases: &[Row] = &[
        (Normal, None, q, true, Placement::Work { queue: QueueId(3) }),
        (Normal, case, q, true, Placement::Work { queue: QueueId(3) }),
        (
            Normal,
            None,
            q,
            false,
            Placement::Unrouted {
                reason: "the alias's queue is inactive or gone",
            },
        ),
        (
            Normal,
            case,
            None,
            false,
            Placement::Unrouted {
                reason: "the alias has no queue",
            },
        ),
        (
            AutoReply,
            case,
            q,
            true,
            Placement::Attach {
                case: CaseId(9),
                reason: "auto_reply in a known thread".into(),
            },
        ),
        (
            Bulk,
            None,
            q,
            true,
            Placement::Exception {
                sub_status: "bulk",
                reason: "bulk outside any known thread".into(),
            },
        ),
        // Automatic mail never becomes work, whatever the queue.
        (
            AutoReply,
            None,
            None,
            false,
            Placement::Exception {
                sub_status: "auto_reply",
                reason: "auto_reply outside any known thread".into(),
            },
        ),
    ];
    for (kind, case, queue, takes, want) in cases {
        assert_eq!(
            &place(*kind, *case, *queue, *takes),
            want,
            "{kind:?} case {case:?} queue {queue:?} takes {takes}"
        );
    }
}
