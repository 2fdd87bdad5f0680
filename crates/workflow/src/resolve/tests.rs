//! Table tests of what inbound workflows' effects become.

use switchboard_domain::{ArticleId, CategoryId, DepartmentId, QueueId, UserGroupId, UserId};

use super::*;

const DEPT: DepartmentId = DepartmentId(1);

fn arrival() -> Arrival {
    Arrival {
        dept: DEPT,
        queue: QueueId(3),
        new_case: true,
        automatic: false,
        may_hand_over: true,
    }
}

fn routed(to: RouteTo) -> Effects {
    Effects {
        route: Some(to),
        ..Effects::default()
    }
}

fn looked_route(found: Found) -> Looked {
    Looked {
        route: Some(found),
        ..Looked::default()
    }
}

#[test]
fn routes_table() {
    let stays = ": the mail stays in queue 3";
    // (route, found, queue, for user, for group, department, note)
    type Row = (
        RouteTo,
        Option<Found>,
        Option<QueueId>,
        Option<UserId>,
        Option<UserGroupId>,
        Option<DepartmentId>,
        String,
    );
    let rows: Vec<Row> = vec![
        (RouteTo::Queue(QueueId(5)), Some(Found::Fits), Some(QueueId(5)), None, None, None, String::new()),
        (
            RouteTo::Queue(QueueId(5)),
            Some(Found::Unfit),
            Some(QueueId(3)),
            None,
            None,
            None,
            format!("queue 5 is inactive, a review queue or of another department{stays}"),
        ),
        (RouteTo::Queue(QueueId(5)), Some(Found::Gone), Some(QueueId(3)), None, None, None, format!("queue 5 is gone{stays}")),
        (RouteTo::User(UserId(7)), Some(Found::Fits), Some(QueueId(3)), Some(UserId(7)), None, None, String::new()),
        (
            RouteTo::User(UserId(7)),
            Some(Found::Unfit),
            Some(QueueId(3)),
            None,
            None,
            None,
            format!("user 7 is inactive{stays} for everyone"),
        ),
        (RouteTo::Group(UserGroupId(2)), Some(Found::Fits), Some(QueueId(3)), None, Some(UserGroupId(2)), None, String::new()),
        (
            RouteTo::Group(UserGroupId(2)),
            Some(Found::Unfit),
            Some(QueueId(3)),
            None,
            None,
            None,
            format!("user group 2 is of another department{stays} for everyone"),
        ),
        (
            RouteTo::Department(DepartmentId(2)),
            Some(Found::Fits),
            Some(QueueId(3)),
            None,
            None,
            Some(DepartmentId(2)),
            "handed over to department 2: its workflows decide the queue, acknowledgement and answer".into(),
        ),
        (
            RouteTo::Department(DepartmentId(2)),
            Some(Found::Gone),
            Some(QueueId(3)),
            None,
            None,
            None,
            format!("department 2 is gone{stays}"),
        ),
        // A route to the mail's own department changes nothing and needs no lookup.
        (RouteTo::Department(DEPT), None, Some(QueueId(3)), None, None, None, String::new()),
    ];
    for (to, found, queue, user, group, dept, note) in rows {
        let e = routed(to);
        let looked = Looked {
            route: found,
            ..Looked::default()
        };
        let r = resolve(e.clone(), &arrival(), &looked);
        assert_eq!(r.queue, queue, "{to:?}");
        assert_eq!(r.for_user, user, "{to:?}");
        assert_eq!(r.for_group, group, "{to:?}");
        assert_eq!(r.department, dept, "{to:?}");
        assert_eq!(r.notes.join(""), note, "{to:?}");
        assert_eq!(
            route_lookup(&e, &arrival()).is_some(),
            found.is_some(),
            "{to:?}"
        );
    }
}

#[test]
fn mail_handed_over_once_is_not_handed_over_again() {
    let a = Arrival {
        may_hand_over: false,
        ..arrival()
    };
    let e = routed(RouteTo::Department(DepartmentId(2)));
    assert_eq!(route_lookup(&e, &a), None);
    let r = resolve(e, &a, &Looked::default());
    assert_eq!(r.department, None);
    assert_eq!(
        r.notes,
        ["department 2: mail handed over once is not handed over again: the mail stays in queue 3"]
    );
}

#[test]
fn answers_table() {
    let ack = Effects {
        acknowledge: Some(None),
        ..Effects::default()
    };
    let answer = |complete| Effects {
        auto_reply: Some((ArticleId(4), complete)),
        ..Effects::default()
    };
    let found_ack = Looked {
        acknowledgement: Some(Ok(ArticleId(9))),
        ..Looked::default()
    };
    let usable = Looked {
        auto_reply: Some(Ok(())),
        ..Looked::default()
    };
    let automatic = Arrival {
        automatic: true,
        ..arrival()
    };
    let known_case = Arrival {
        new_case: false,
        ..arrival()
    };
    // (effects, arrival, looked) → (acknowledge, auto reply, queue, notes)
    type Row = (
        Effects,
        Arrival,
        Looked,
        Option<ArticleId>,
        Option<(ArticleId, bool)>,
        Option<QueueId>,
        Vec<&'static str>,
    );
    let rows: Vec<Row> = vec![
        (
            ack.clone(),
            arrival(),
            found_ack.clone(),
            Some(ArticleId(9)),
            None,
            Some(QueueId(3)),
            vec![],
        ),
        (
            ack.clone(),
            known_case,
            found_ack.clone(),
            None,
            None,
            Some(QueueId(3)),
            vec!["acknowledge: not a new case"],
        ),
        (
            ack.clone(),
            automatic,
            found_ack.clone(),
            None,
            None,
            Some(QueueId(3)),
            vec!["acknowledge: automatic mail is never answered"],
        ),
        (
            ack.clone(),
            arrival(),
            Looked {
                acknowledgement: Some(Err(
                    "the department has no active auto-acknowledgement article".into(),
                )),
                ..Looked::default()
            },
            None,
            None,
            Some(QueueId(3)),
            vec!["acknowledge: the department has no active auto-acknowledgement article"],
        ),
        // An answer that completes the activity takes it out of every queue.
        (
            answer(true),
            arrival(),
            usable.clone(),
            None,
            Some((ArticleId(4), true)),
            None,
            vec![],
        ),
        (
            answer(false),
            arrival(),
            usable.clone(),
            None,
            Some((ArticleId(4), false)),
            Some(QueueId(3)),
            vec![],
        ),
        (
            answer(true),
            automatic,
            usable.clone(),
            None,
            None,
            Some(QueueId(3)),
            vec!["auto_reply: automatic mail is never answered"],
        ),
        (
            answer(true),
            arrival(),
            Looked {
                auto_reply: Some(Err("article 4 is gone".into())),
                ..Looked::default()
            },
            None,
            None,
            Some(QueueId(3)),
            vec!["auto_reply: article 4 is gone"],
        ),
    ];
    for (i, (e, a, looked, want_ack, want_answer, want_queue, notes)) in
        rows.into_iter().enumerate()
    {
        let r = resolve(e, &a, &looked);
        assert_eq!(r.acknowledge, want_ack, "row {i}");
        assert_eq!(r.auto_reply, want_answer, "row {i}");
        assert_eq!(r.queue, want_queue, "row {i}");
        assert_eq!(r.notes, notes, "row {i}");
    }
}

#[test]
fn answers_are_looked_up_only_when_they_can_be_given() {
    let e = Effects {
        acknowledge: Some(Some(ArticleId(9))),
        auto_reply: Some((ArticleId(4), false)),
        ..Effects::default()
    };
    assert_eq!(
        answer_lookups(&e, &arrival(), false),
        (Some(Some(ArticleId(9))), Some(ArticleId(4)))
    );
    assert_eq!(answer_lookups(&e, &arrival(), true), (None, None));
    let known_case = Arrival {
        new_case: false,
        ..arrival()
    };
    assert_eq!(
        answer_lookups(&e, &known_case, false),
        (None, Some(ArticleId(4)))
    );
    // A hand-over skips the answers: the other department decides them.
    let handed = Effects {
        route: Some(RouteTo::Department(DepartmentId(2))),
        ..e.clone()
    };
    assert_eq!(
        hands_over(&handed, Some(Found::Fits)),
        Some(DepartmentId(2))
    );
    let r = resolve(handed, &arrival(), &looked_route(Found::Fits));
    assert_eq!((r.acknowledge, r.auto_reply), (None, None));
}

#[test]
fn classification_and_priority() {
    let e = Effects {
        category: Some(CategoryId(6)),
        priority: Some(9),
        ..Effects::default()
    };
    let r = resolve(e.clone(), &arrival(), &Looked::default());
    assert_eq!((r.category, r.priority.get()), (Some(CategoryId(6)), 9));
    let refused = Looked {
        category_refusal: Some("no such category".into()),
        ..Looked::default()
    };
    let r = resolve(e, &arrival(), &refused);
    assert_eq!(r.category, None);
    assert_eq!(r.notes, ["category 6 not set: no such category"]);
    let out_of_range = Effects {
        priority: Some(0),
        ..Effects::default()
    };
    assert_eq!(
        resolve(out_of_range, &arrival(), &Looked::default()).priority,
        Priority::default()
    );
}

#[test]
fn a_chat_keeps_routing_and_leaves_what_only_mail_has() {
    let e = Effects {
        route: Some(RouteTo::Group(UserGroupId(4))),
        priority: Some(8),
        category: Some(CategoryId(2)),
        acknowledge: Some(None),
        auto_reply: Some((ArticleId(9), true)),
        notify: vec![Notice {
            to: vec!["boss@example.com".into()],
            subject: String::new(),
            text: "A chat".into(),
            article: None,
        }],
        ..Effects::default()
    };
    let r = resolve_chat(e, &arrival(), &looked_route(Found::Fits));
    assert_eq!(
        r.queue,
        Some(QueueId(3)),
        "an answer never completes a chat"
    );
    assert_eq!(r.for_group, Some(UserGroupId(4)));
    assert_eq!(r.priority.get(), 8);
    assert_eq!(r.category, Some(CategoryId(2)));
    assert_eq!((r.acknowledge, r.auto_reply), (None, None));
    assert!(r.notify.is_empty());
    assert_eq!(
        r.notes,
        vec![
            "acknowledge: a chat is answered by its agent",
            "auto_reply: a chat is answered by its agent",
            "notify: not sent for chats",
        ]
    );
}

#[test]
fn a_chat_is_never_handed_over() {
    let e = routed(RouteTo::Department(DepartmentId(2)));
    let r = resolve_chat(e, &arrival(), &looked_route(Found::Fits));
    assert_eq!((r.department, r.queue), (None, Some(QueueId(3))));
    assert_eq!(
        r.notes,
        vec!["department 2: a chat stays with its entry point's department, in queue 3"]
    );
}
