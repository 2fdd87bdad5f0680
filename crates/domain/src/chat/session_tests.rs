//! Chat messages' text rules, a chat's state from its activity's status, and what ending it does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::lifecycle::{ActivityAction, ActivityStatus};
use crate::{ActivityId, DepartmentId, EntryPointId, Timestamp};

fn chat(ended: bool) -> Chat {
    Chat {
        activity_id: ActivityId(5),
        department_id: DepartmentId(1),
        entry_point_id: EntryPointId(1001),
        last_seq: 3,
        customer_name: "Ann".into(),
        ended: ended.then_some(Ended {
            by: ChatParty::Customer,
            reason: EndReason::Ended,
            at: Timestamp::from_millis(0),
        }),
        created_at: Timestamp::from_millis(0),
        customer_seen_at: Timestamp::from_millis(0),
        survey: None,
        transcript_email_id: None,
        agent_seen_at: None,
        customer_warned_at: None,
        agent_nudged_at: None,
    }
}

#[test]
fn message_text_is_trimmed_bounded_and_plain() {
    let table: &[(&str, Result<&str, &str>)] = &[
        ("  hello  ", Ok("hello")),
        ("line 1\r\nline 2", Ok("line 1\nline 2")),
        ("tab\tok", Ok("tab\tok")),
        ("<b>not html</b>", Ok("<b>not html</b>")),
        ("   ", Err("must not be empty")),
        ("", Err("must not be empty")),
        ("bell\u{7}", Err("must not contain control characters")),
        ("nul\0", Err("must not contain control characters")),
    ];
    for (raw, want) in table {
        let got = check_text("body", raw);
        match want {
            Ok(t) => assert_eq!(got.as_deref(), Ok(*t), "{raw:?}"),
            Err(m) => assert_eq!(got.map_err(|e| e.message), Err(m.to_string()), "{raw:?}"),
        }
    }
    let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
    assert!(check_text("body", &long).is_err());
    assert!(check_text("body", &long[1..]).is_ok());
}

#[test]
fn the_state_follows_the_activity_until_the_chat_ends() {
    use ActivityStatus::*;
    let table = [
        (New, ChatState::Waiting),
        (Queued, ChatState::Waiting),
        (Offered, ChatState::Waiting),
        (Assigned, ChatState::Talking),
        (InProgress, ChatState::Talking),
        (Paused, ChatState::Talking),
        (Completed, ChatState::Ended),
        (Abandoned, ChatState::Ended),
    ];
    for (status, want) in table {
        assert_eq!(chat(false).state(status), want, "{status:?}");
        assert_eq!(chat(true).state(status), ChatState::Ended, "{status:?}");
    }
}

#[test]
fn ending_a_waiting_chat_abandons_it_and_a_talking_one_stays_for_wrap_up() {
    let c = chat(false);
    let p = session::end(
        &c,
        ActivityStatus::Queued,
        ChatParty::Customer,
        EndReason::Ended,
    );
    assert_eq!(
        p.as_ref().map(|p| p.action),
        Ok(Some(ActivityAction::Abandon))
    );
    let p = session::end(
        &c,
        ActivityStatus::InProgress,
        ChatParty::Agent,
        EndReason::Ended,
    );
    assert_eq!(p.as_ref().map(|p| p.action), Ok(None));
    assert_eq!(
        p.map(|p| p.notice),
        Ok("The agent ended the chat.".to_string())
    );
    let p = session::end(
        &c,
        ActivityStatus::InProgress,
        ChatParty::System,
        EndReason::CustomerInactive,
    );
    assert_eq!(
        p.map(|p| p.notice),
        Ok("The chat closed: the customer was inactive.".to_string())
    );
    assert_eq!(
        session::end(
            &chat(true),
            ActivityStatus::InProgress,
            ChatParty::Agent,
            EndReason::Ended
        ),
        Err(ChatClosed::Ended)
    );
    let p = session::end(
        &c,
        ActivityStatus::Abandoned,
        ChatParty::System,
        EndReason::MaxTimeInQueue,
    );
    assert_eq!(p.as_ref().map(|p| p.action), Ok(None), "let go already");
    assert_eq!(
        p.map(|p| p.notice),
        Ok("Nobody could take the chat in time.".to_string())
    );
    assert_eq!(
        session::may_write(&c, ActivityStatus::Completed),
        Err(ChatClosed::Ended)
    );
    assert_eq!(session::may_write(&c, ActivityStatus::Queued), Ok(()));
}

#[test]
fn parties_and_audiences_round_trip_their_names() {
    for p in [
        ChatParty::Customer,
        ChatParty::Agent,
        ChatParty::Supervisor,
        ChatParty::System,
    ] {
        assert_eq!(ChatParty::parse(p.as_str()), Some(p));
    }
    for a in [Audience::Everyone, Audience::Staff] {
        assert_eq!(Audience::parse(a.as_str()), Some(a));
    }
    for r in EndReason::ALL {
        assert_eq!(EndReason::parse(r.as_str()), Some(r));
        assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
    }
    for s in [ChatState::Waiting, ChatState::Talking, ChatState::Ended] {
        assert_eq!(ChatState::parse(s.as_str()), Some(s));
    }
}

#[test]
fn availability_needs_an_active_open_entry_point_with_room() {
    use super::availability::{Availability as A, ChatCapacity, availability};
    let mut ep: EntryPoint = serde_json::from_value(serde_json::json!({
        "id": 1001, "department_id": 1, "name": "Shop", "description": "", "active": true,
        "queue_id": 3, "calendar_id": null, "max_waiting": 2, "pre_chat": [],
        "widget": WidgetTemplate::default(), "allowed_origins": [], "survey": [],
        "timeouts": ChatTimeouts::default(), "version": 1,
        "created_at": "2026-12-05T10:00:00Z", "updated_at": "2026-12-05T10:00:00Z"
    }))
    .unwrap();
    let cap = |free, ready, waiting| {
        Some(ChatCapacity {
            free_agents: free,
            ready_agents: ready,
            waiting,
        })
    };
    let table = [
        (None, cap(1, 1, 0), A::Open),
        (Some(true), cap(1, 1, 0), A::Open),
        (Some(false), cap(1, 1, 0), A::OutsideHours),
        (None, None, A::NoAgents),
        (None, cap(0, 0, 0), A::NoAgents),
        (None, cap(2, 2, 1), A::Open),
        (None, cap(0, 1, 0), A::Open),
        (None, cap(0, 1, 1), A::Open),
        (None, cap(0, 1, 2), A::QueueFull),
        (None, cap(1, 3, 3), A::QueueFull),
        (None, cap(1, 3, 2), A::Open),
    ];
    for (hours, c, want) in table {
        assert_eq!(availability(&ep, hours, c), want, "{hours:?} {c:?}");
    }
    ep.max_waiting = 0;
    assert_eq!(availability(&ep, None, cap(0, 1, 0)), A::QueueFull);
    assert_eq!(availability(&ep, None, cap(1, 1, 0)), A::Open);
    assert!(availability(&ep, None, cap(1, 1, 0)).is_open());
    ep.queue_id = None;
    assert_eq!(availability(&ep, None, cap(1, 1, 0)), A::NoQueue);
    ep.active = false;
    assert_eq!(availability(&ep, None, cap(1, 1, 0)), A::Inactive);
}

#[test]
fn expected_waits_read_as_words() {
    use super::widget::wait_words;
    let table = [
        (None, "a few minutes"),
        (Some(f64::NAN), "a few minutes"),
        (Some(0.0), "less than a minute"),
        (Some(59.0), "less than a minute"),
        (Some(60.0), "about 1 minute"),
        (Some(150.0), "about 3 minutes"),
        (Some(89.0 * 60.0), "about 89 minutes"),
        (Some(90.0 * 60.0), "about 2 hours"),
        (Some(3.0 * 3600.0), "about 3 hours"),
    ];
    for (secs, want) in table {
        assert_eq!(wait_words(secs), want, "{secs:?}");
    }
}

#[test]
fn buckets_allow_a_burst_then_the_rate() {
    use super::limit::{Bucket, MESSAGES, STARTS};
    let t = |ms| Timestamp::from_millis(ms);
    let mut b = Bucket::full(STARTS, t(0));
    for _ in 0..5 {
        assert_eq!(b.take(STARTS, t(0)), Ok(()));
    }
    assert_eq!(b.take(STARTS, t(0)), Err(12));
    assert_eq!(b.take(STARTS, t(6_000)), Err(6));
    assert_eq!(b.take(STARTS, t(12_000)), Ok(()));
    assert!(!b.is_full(STARTS, t(12_000)));
    assert!(b.is_full(STARTS, t(12_000 + 60_000)));
    let mut m = Bucket::full(MESSAGES, t(0));
    for _ in 0..20 {
        assert_eq!(m.take(MESSAGES, t(0)), Ok(()));
    }
    assert_eq!(m.take(MESSAGES, t(0)), Err(1));
    assert_eq!(m.take(MESSAGES, t(200)), Ok(()));
}

#[test]
fn staff_write_as_agent_supervisor_or_whisper() {
    use session::staff_voice;
    let table = [
        (
            (false, true, false),
            Ok((ChatParty::Agent, Audience::Everyone)),
        ),
        (
            (true, true, false),
            Ok((ChatParty::Agent, Audience::Everyone)),
        ),
        (
            (true, false, false),
            Ok((ChatParty::Supervisor, Audience::Everyone)),
        ),
        (
            (true, false, true),
            Ok((ChatParty::Supervisor, Audience::Staff)),
        ),
        (
            (false, false, false),
            Err("the chat is not assigned to you"),
        ),
        ((false, false, true), Err("the chat is not assigned to you")),
    ];
    for ((sup, holds, whisper), want) in table {
        assert_eq!(
            staff_voice(sup, holds, whisper),
            want,
            "{sup} {holds} {whisper}"
        );
    }
    assert!(staff_voice(true, true, true).is_err());
    assert!(staff_voice(false, true, true).is_err());
}

#[test]
fn the_snippet_is_one_script_tag() {
    assert_eq!(
        super::widget::snippet("https://support.example.com/", EntryPointId(1001)),
        "<script src=\"https://support.example.com/chat/widget.js\" data-entry-point=\"1001\" async></script>"
    );
}

#[test]
fn survey_answers_are_checked_against_the_questions() {
    use super::survey::check_survey_answers;
    let questions: Vec<SurveyQuestion> = serde_json::from_value(serde_json::json!([
        {"key": "score", "text": "How did we do?", "kind": "rating", "required": true},
        {"key": "solved", "text": "Solved?", "kind": "yes_no"},
        {"key": "via", "text": "Found us by", "kind": "choice", "options": ["search", "friend"]},
        {"key": "note", "text": "Anything else?", "kind": "text"}
    ]))
    .unwrap();
    let ask = |pairs: &[(&str, &str)]| {
        let m = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        check_survey_answers(&questions, &m)
    };
    let ok = ask(&[
        ("score", "4"),
        ("solved", "yes"),
        ("via", "friend"),
        ("note", "Nice"),
    ])
    .unwrap();
    let values: Vec<_> = ok.iter().map(|a| a.value.clone()).collect();
    assert_eq!(
        values,
        vec![
            serde_json::json!(4),
            serde_json::json!(true),
            serde_json::json!("friend"),
            serde_json::json!("Nice")
        ]
    );
    assert_eq!(ok[0].question, "How did we do?");
    let field = |pairs: &[(&str, &str)]| ask(pairs).unwrap_err().field;
    assert_eq!(field(&[("solved", "yes")]), "answers.score");
    assert_eq!(field(&[("score", "6")]), "answers.score");
    assert_eq!(field(&[("score", "0")]), "answers.score");
    assert_eq!(
        field(&[("score", "3"), ("solved", "maybe")]),
        "answers.solved"
    );
    assert_eq!(field(&[("score", "3"), ("via", "tv")]), "answers.via");
    assert_eq!(field(&[("score", "3"), ("who", "x")]), "answers.who");
    let long = "x".repeat(2001);
    assert_eq!(field(&[("score", "3"), ("note", &long)]), "answers.note");
    assert_eq!(ask(&[("score", "5")]).unwrap().len(), 1);
    assert_eq!(
        check_survey_answers(&[], &Default::default())
            .unwrap_err()
            .field,
        "answers"
    );
}

#[test]
fn a_transcript_is_what_the_customer_saw() {
    let m = |seq, party, audience, name: &str, body: &str| ChatMessage {
        activity_id: ActivityId(5),
        seq,
        party,
        author_id: None,
        author_name: name.into(),
        audience,
        body: body.into(),
        file: None,
        at: Timestamp::from_millis(1_796_478_180_000),
    };
    let msgs = [
        m(
            1,
            ChatParty::Customer,
            Audience::Everyone,
            "Ann",
            "Hi\nthere",
        ),
        m(2, ChatParty::Supervisor, Audience::Staff, "Sue", "secret"),
        m(
            3,
            ChatParty::Agent,
            Audience::Everyone,
            "Bob",
            "Hello <b>Ann</b>",
        ),
        m(
            4,
            ChatParty::System,
            Audience::Everyone,
            "",
            "The agent ended the chat.",
        ),
    ];
    let (subject, text) = super::transcript::transcript("Chat with us", "Ann", &msgs);
    assert_eq!(subject, "Transcript: Chat with us");
    assert!(text.contains("] Ann: Hi\n    there\n"), "{text}");
    assert!(text.contains("] Bob: Hello <b>Ann</b>\n"), "{text}");
    assert!(!text.contains("secret"), "{text}");
    assert!(text.contains("UTC] —: The agent ended the chat."), "{text}");
}

#[test]
fn survey_and_transcript_come_once_after_the_end() {
    use session::{AfterChat, may_answer_survey, may_send_transcript};
    let going = chat(false);
    assert_eq!(
        may_answer_survey(&going, ActivityStatus::InProgress),
        Err(AfterChat::NotEnded)
    );
    assert_eq!(
        may_send_transcript(&going, ActivityStatus::Queued),
        Err(AfterChat::NotEnded)
    );
    assert_eq!(may_answer_survey(&going, ActivityStatus::Completed), Ok(()));
    let mut done = chat(true);
    assert_eq!(may_answer_survey(&done, ActivityStatus::InProgress), Ok(()));
    assert_eq!(
        may_send_transcript(&done, ActivityStatus::InProgress),
        Ok(())
    );
    done.survey = Some(vec![]);
    done.transcript_email_id = Some(crate::EmailId(3));
    assert_eq!(
        may_answer_survey(&done, ActivityStatus::InProgress),
        Err(AfterChat::SurveyAnswered)
    );
    assert_eq!(
        may_send_transcript(&done, ActivityStatus::InProgress),
        Err(AfterChat::TranscriptSent)
    );
}

#[test]
fn the_watch_warns_closes_nudges_and_lets_go() {
    use super::watch::{Nudge, Seen, watch};
    let t = ChatTimeouts {
        customer_warning_secs: 60,
        customer_inactivity_secs: 120,
        agent_inactivity_secs: 90,
        abandon_grace_secs: 30,
    };
    let at = |s: i64| Timestamp::from_millis(1_000_000 + s * 1000);
    let seen = |status, connected, gone: i64| Seen {
        status,
        in_exception_queue: false,
        connected,
        gone_since: at(gone),
    };
    let mut c = chat(false);
    c.customer_seen_at = at(0);
    let talking = seen(ActivityStatus::InProgress, true, 0);
    // The customer wrote last: the agent owes an answer.
    assert_eq!(watch(&c, talking, &t, at(89)), None);
    assert_eq!(watch(&c, talking, &t, at(90)), Some(Nudge::AgentSilent));
    assert!(!super::watch::agent_silent(&c));
    c.agent_nudged_at = Some(at(90));
    assert!(super::watch::agent_silent(&c), "the supervisor sees it");
    assert_eq!(watch(&c, talking, &t, at(200)), None, "nudged once");
    // The agent answers: now the customer owes one.
    c.agent_seen_at = Some(at(100));
    assert!(!super::watch::agent_silent(&c));
    assert_eq!(watch(&c, talking, &t, at(159)), None);
    assert_eq!(watch(&c, talking, &t, at(160)), Some(Nudge::WarnCustomer));
    c.customer_warned_at = Some(at(160));
    assert_eq!(watch(&c, talking, &t, at(200)), None, "warned once");
    assert_eq!(watch(&c, talking, &t, at(220)), Some(Nudge::CloseInactive));
    // The customer answers: nothing is owed by them any more.
    c.customer_seen_at = at(210);
    assert_eq!(watch(&c, talking, &t, at(250)), None);
    // Waiting: a page gone past the grace period abandoned the chat.
    let waiting = |connected, gone| seen(ActivityStatus::Queued, connected, gone);
    assert_eq!(watch(&c, waiting(true, 0), &t, at(500)), None);
    assert_eq!(watch(&c, waiting(false, 480), &t, at(500)), None);
    assert_eq!(
        watch(&c, waiting(false, 470), &t, at(500)),
        Some(Nudge::CustomerGone)
    );
    // Moved to the exception queue, or let go by the router: not taken in time.
    let moved = Seen {
        in_exception_queue: true,
        ..waiting(true, 0)
    };
    assert_eq!(watch(&c, moved, &t, at(1)), Some(Nudge::NotTaken));
    assert_eq!(
        watch(&c, seen(ActivityStatus::Abandoned, true, 0), &t, at(1)),
        Some(Nudge::NotTaken)
    );
    // An ended chat needs nothing.
    assert_eq!(watch(&chat(true), moved, &t, at(1)), None);
}
